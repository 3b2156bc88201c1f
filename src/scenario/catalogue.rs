//! The add-on catalogue: which add-on services and plans are available in which Private Space
//! regions, and whether they run in the space or outside it.
//!
//! private-spaces.txt ("Add-ons and Private Spaces") tells two kinds of add-on apart:
//! "Available & Installable in Private Space" (the resource runs in the space's network: Heroku
//! Postgres and Key-Value Store private and shield plans, Kafka, Scheduler, Connect…) and
//! "Available" (it runs outside the space and its traffic crosses the public internet:
//! Postgres Standard, Premium and Essential, most third-party add-ons). Which plan is available
//! in which region is published only on a web page the article points to, so spacesim ships it
//! as data: `data/addon-catalogue.toml`, embedded as [`default()`], with a source on every entry
//! and the assumptions marked `assumed = true`. The file's header comment documents the format;
//! a scenario may use its own copy (`addon_catalogue = "file"`, read with [`load`]).
//!
//! # Checks on load
//!
//! Besides TOML syntax, unknown keys and types, a catalogue is refused (with its file, line and
//! key) when a service or a plan is listed under two kinds or placements, a region is not a
//! Private Space region (or `us`/`eu` for a plan outside the space), a plan's region is listed
//! twice, or a Postgres or Key-Value Store plan has no connection limit in
//! [`super::addons::PLANS`] (the simulator needs one).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;
use toml::Spanned;

use super::addons::lookup as lookup_limit;
use super::error::{Location, ScenarioError, line_col};
use super::ops::AddonKind;
use super::spec::REGIONS;

/// The default catalogue's text.
pub const DEFAULT_TEXT: &str = include_str!("../../data/addon-catalogue.toml");
/// The name the default catalogue goes by in messages.
pub const DEFAULT_FILE: &str = "data/addon-catalogue.toml";
/// Common Runtime regions a plan outside the space may be provisioned in (`--region`):
/// `us` (us-east-1) and `eu` (eu-west-1), heroku-facts.md §5.
pub const COMMON_REGIONS: [&str; 2] = ["us", "eu"];

/// The catalogue built into spacesim (`data/addon-catalogue.toml`).
pub fn default() -> &'static Catalogue {
    static DEFAULT: OnceLock<Catalogue> = OnceLock::new();
    DEFAULT.get_or_init(|| {
        parse(DEFAULT_TEXT, DEFAULT_FILE)
            .unwrap_or_else(|e| panic!("the built-in add-on catalogue is invalid: {e}"))
    })
}

/// Reads the catalogue file at `path`.
pub fn load(path: &Path) -> Result<Catalogue, ScenarioError> {
    let file = path.display().to_string();
    let invalid = |message: String| ScenarioError::Invalid {
        location: Location {
            file: file.clone(),
            line: None,
            column: None,
            key: None,
        },
        message,
    };
    let bytes = std::fs::read(path)
        .map_err(|e| invalid(format!("cannot read the add-on catalogue: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| invalid(format!("the add-on catalogue is not UTF-8 text ({e})")))?;
    parse(&text, &file)
}

/// Reads catalogue `text`; `file` names it in messages.
pub fn parse(text: &str, file: &str) -> Result<Catalogue, ScenarioError> {
    let raw = deserialize(text, file)?;
    build(raw, &Lines { text, file })
}

/// What scenario files write as an add-on's `kind`.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum ServiceKind {
    /// Heroku Postgres (simulated).
    Postgres,
    /// Heroku Key-Value Store (simulated).
    Redis,
    /// Apache Kafka on Heroku (lint only).
    Kafka,
    /// Heroku Scheduler (lint only).
    Scheduler,
    /// Heroku Connect (lint only).
    Connect,
    /// Any other add-on, named by `service` (lint only).
    Other,
}

impl ServiceKind {
    /// As written in files.
    pub fn name(self) -> &'static str {
        match self {
            ServiceKind::Postgres => "postgres",
            ServiceKind::Redis => "redis",
            ServiceKind::Kafka => "kafka",
            ServiceKind::Scheduler => "scheduler",
            ServiceKind::Connect => "connect",
            ServiceKind::Other => "other",
        }
    }

    /// The simulated add-on kind, for the two the model simulates.
    pub fn simulated(self) -> Option<AddonKind> {
        match self {
            ServiceKind::Postgres => Some(AddonKind::Postgres),
            ServiceKind::Redis => Some(AddonKind::Redis),
            _ => None,
        }
    }
}

/// Where a plan's resource runs.
#[derive(Copy, Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Runs {
    /// "Available & Installable in Private Space": in the space's private network.
    Space,
    /// "Available": outside the space, over the public internet.
    Outside,
}

/// Which spaces may install a plan.
#[derive(Copy, Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Spaces {
    /// Any space.
    #[default]
    Any,
    /// Private Spaces that are not Shield.
    Private,
    /// Shield Private Spaces only.
    Shield,
}

/// One add-on service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// Slug, as in `heroku addons:create <name>:<plan>`.
    pub name: String,
    /// The name people know it by.
    pub title: String,
    /// What scenario files call it.
    pub kind: ServiceKind,
    /// An add-on of type "datastore": a plan of it outside the space needs confirmation.
    pub datastore: bool,
    /// Where its facts come from.
    pub source: String,
    /// Line of its `[[services]]` entry.
    pub line: usize,
}

/// One `[[plans]]` entry: plans of a service that run in the same place and are available in
/// the same regions, from one source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The service's name.
    pub service: String,
    /// Plan names; empty for every plan of the service (`["*"]`).
    pub names: Vec<String>,
    /// Where they run.
    pub runs: Runs,
    /// Which spaces may install them.
    pub spaces: Spaces,
    /// Available to Common Runtime apps.
    pub common_runtime: bool,
    /// Regions where they are available.
    pub regions: Vec<String>,
    /// Where this comes from.
    pub source: String,
    /// The entry is an assumption.
    pub assumed: bool,
    /// Why, for an assumption.
    pub note: Option<String>,
    /// Line of its `[[plans]]` entry.
    pub line: usize,
}

impl Entry {
    fn has(&self, plan: &str) -> bool {
        self.names.is_empty() || self.names.iter().any(|n| n == plan)
    }
}

/// A validated catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Catalogue {
    file: String,
    services: Vec<Service>,
    entries: Vec<Entry>,
}

/// What the catalogue says about one plan of one service: the entries that list it, which
/// agree on where it runs.
#[derive(Clone, Debug)]
pub struct PlanInfo<'a> {
    /// The service.
    pub service: &'a Service,
    /// The plan's name.
    pub plan: String,
    /// Where it runs.
    pub runs: Runs,
    /// Which spaces may install it.
    pub spaces: Spaces,
    /// Available to Common Runtime apps.
    pub common_runtime: bool,
    /// The entries that list it, in file order (at least one).
    pub entries: Vec<&'a Entry>,
}

impl PlanInfo<'_> {
    /// `service:plan`, as the CLI writes it.
    pub fn label(&self) -> String {
        format!("{}:{}", self.service.name, self.plan)
    }

    /// The entry that makes the plan available in `region`, if one does.
    pub fn available_in(&self, region: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.regions.iter().any(|r| r == region))
            .copied()
    }

    /// Every region where the plan is available, in catalogue order.
    pub fn regions(&self) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.entries
            .iter()
            .flat_map(|e| e.regions.iter().map(String::as_str))
            .filter(|r| seen.insert(*r))
            .collect()
    }

    /// True when any entry listing the plan is an assumption.
    pub fn assumed(&self) -> bool {
        self.entries.iter().any(|e| e.assumed)
    }
}

impl Catalogue {
    /// The file it was read from, for messages.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Every service, in file order.
    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// Every `[[plans]]` entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The service named `name`.
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The service scenario files call `kind`; none for [`ServiceKind::Other`], whose services
    /// are named.
    pub fn service_of_kind(&self, kind: ServiceKind) -> Option<&Service> {
        if kind == ServiceKind::Other {
            return None;
        }
        self.services.iter().find(|s| s.kind == kind)
    }

    /// What the catalogue says about plan `plan` of service `service`, if it lists it.
    pub fn plan(&self, service: &str, plan: &str) -> Option<PlanInfo<'_>> {
        let svc = self.service(service)?;
        let entries: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.service == service && e.has(plan))
            .collect();
        let first = entries.first()?;
        Some(PlanInfo {
            service: svc,
            plan: plan.to_string(),
            runs: first.runs,
            spaces: first.spaces,
            common_runtime: first.common_runtime,
            entries,
        })
    }

    /// The plan names of `service`, in file order, each once; empty when the service takes any
    /// plan name.
    pub fn plan_names(&self, service: &str) -> Vec<&str> {
        let mut seen = BTreeSet::new();
        self.entries
            .iter()
            .filter(|e| e.service == service)
            .flat_map(|e| e.names.iter().map(String::as_str))
            .filter(|n| seen.insert(*n))
            .collect()
    }
}

// ------------------------------------------------------------------------------------------
// The file, as serde reads it.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    #[serde(default)]
    services: Vec<Spanned<RawService>>,
    #[serde(default)]
    plans: Vec<Spanned<RawEntry>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    name: Spanned<String>,
    title: String,
    kind: Spanned<ServiceKind>,
    #[serde(default)]
    datastore: bool,
    source: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    service: Spanned<String>,
    names: Spanned<Vec<Spanned<String>>>,
    placement: Runs,
    spaces: Option<Spanned<Spaces>>,
    common_runtime: Option<bool>,
    regions: Spanned<Vec<Spanned<String>>>,
    source: Spanned<String>,
    #[serde(default)]
    assumed: bool,
    note: Option<String>,
}

fn deserialize(text: &str, file: &str) -> Result<RawCatalogue, ScenarioError> {
    super::load::deserialize(text, file).map_err(|e| match e {
        ScenarioError::Invalid { location, message } => ScenarioError::Invalid {
            location,
            message: format!("add-on catalogue: {message}"),
        },
        other => other,
    })
}

/// Turns spans of the catalogue file into located errors.
struct Lines<'a> {
    text: &'a str,
    file: &'a str,
}

impl Lines<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        line_col(self.text, span.start).0
    }

    fn err(&self, span: Range<usize>, key: String, message: String) -> ScenarioError {
        let (line, column) = line_col(self.text, span.start);
        ScenarioError::Invalid {
            location: Location {
                file: self.file.to_string(),
                line: Some(line),
                column: Some(column),
                key: Some(key),
            },
            message: format!("add-on catalogue: {message}"),
        }
    }
}

fn build(raw: RawCatalogue, at: &Lines) -> Result<Catalogue, ScenarioError> {
    let mut services: Vec<Service> = Vec::with_capacity(raw.services.len());
    for (i, s) in raw.services.iter().enumerate() {
        let key = format!("services[{i}]");
        let r = s.get_ref();
        let name = r.name.get_ref();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(at.err(
                r.name.span(),
                format!("{key}.name"),
                format!("\"{name}\" is not an add-on slug: use letters, digits and `-`"),
            ));
        }
        if let Some(other) = services.iter().find(|o| &o.name == name) {
            return Err(at.err(
                r.name.span(),
                format!("{key}.name"),
                format!(
                    "service \"{name}\" is already listed at line {}",
                    other.line
                ),
            ));
        }
        let kind = *r.kind.get_ref();
        if kind != ServiceKind::Other
            && let Some(other) = services.iter().find(|o| o.kind == kind)
        {
            return Err(at.err(
                r.kind.span(),
                format!("{key}.kind"),
                format!(
                    "kind \"{}\" already belongs to service \"{}\" (line {}); only `other` may \
                     name several services",
                    kind.name(),
                    other.name,
                    other.line
                ),
            ));
        }
        if r.source.get_ref().trim().is_empty() {
            return Err(at.err(
                r.source.span(),
                format!("{key}.source"),
                "`source` is empty: say where the service's facts come from".to_string(),
            ));
        }
        services.push(Service {
            name: name.clone(),
            title: r.title.clone(),
            kind,
            datastore: r.datastore,
            source: r.source.get_ref().clone(),
            line: at.line(s.span()),
        });
    }

    let mut entries: Vec<Entry> = Vec::with_capacity(raw.plans.len());
    // (service, plan, region) -> line of the entry that listed it.
    let mut listed: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (i, e) in raw.plans.iter().enumerate() {
        let key = format!("plans[{i}]");
        let line = at.line(e.span());
        let entry = build_entry(e.get_ref(), &key, line, &services, &entries, at)?;
        let r = e.get_ref();
        let plans: Vec<String> = if entry.names.is_empty() {
            vec!["*".to_string()]
        } else {
            entry.names.clone()
        };
        for plan in &plans {
            for (ri, region) in entry.regions.iter().enumerate() {
                let k = (entry.service.clone(), plan.clone(), region.clone());
                if let Some(other) = listed.insert(k, line) {
                    return Err(at.err(
                        r.regions.get_ref()[ri].span(),
                        format!("{key}.regions[{ri}]"),
                        format!(
                            "{}:{plan} is already listed in region \"{region}\" at line {other}",
                            entry.service
                        ),
                    ));
                }
            }
        }
        entries.push(entry);
    }

    for s in &services {
        if !entries.iter().any(|e| e.service == s.name) {
            return Err(ScenarioError::Invalid {
                location: Location {
                    file: at.file.to_string(),
                    line: Some(s.line),
                    column: None,
                    key: Some("plans".to_string()),
                },
                message: format!(
                    "add-on catalogue: service \"{}\" has no [[plans]] entry: add one with its \
                     plans, placement and regions",
                    s.name
                ),
            });
        }
    }
    Ok(Catalogue {
        file: at.file.to_string(),
        services,
        entries,
    })
}

fn build_entry(
    r: &RawEntry,
    key: &str,
    line: usize,
    services: &[Service],
    before: &[Entry],
    at: &Lines,
) -> Result<Entry, ScenarioError> {
    let service = services
        .iter()
        .find(|s| s.name == *r.service.get_ref())
        .ok_or_else(|| {
            at.err(
                r.service.span(),
                format!("{key}.service"),
                format!(
                    "no [[services]] entry is named \"{}\"; services: {}",
                    r.service.get_ref(),
                    services
                        .iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;

    let raw_names = r.names.get_ref();
    let star = raw_names.iter().any(|n| n.get_ref() == "*");
    if raw_names.is_empty() || (star && raw_names.len() > 1) {
        return Err(at.err(
            r.names.span(),
            format!("{key}.names"),
            "`names` lists plan names, or is [\"*\"] alone for every plan of the service"
                .to_string(),
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for (ni, n) in raw_names.iter().enumerate() {
        let name = n.get_ref();
        let nkey = format!("{key}.names[{ni}]");
        if name == "*" {
            continue;
        }
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(at.err(
                n.span(),
                nkey,
                format!("\"{name}\" is not a plan name: use letters, digits and `-`"),
            ));
        }
        if names.contains(name) {
            return Err(at.err(n.span(), nkey, format!("plan \"{name}\" is listed twice")));
        }
        if let Some(kind) = service.kind.simulated()
            && lookup_limit(kind, name).is_none()
        {
            return Err(at.err(
                n.span(),
                nkey,
                format!(
                    "the simulator knows no connection limit for {} plan \"{name}\" (facts §6, \
                     src/scenario/addons.rs); list only plans it simulates",
                    service.kind.name()
                ),
            ));
        }
        names.push(name.clone());
    }
    if star && service.kind.simulated().is_some() {
        return Err(at.err(
            r.names.span(),
            format!("{key}.names"),
            format!(
                "{} plans must be named: each has its own connection limit",
                service.kind.name()
            ),
        ));
    }
    if let Some(other) = before.iter().find(|e| e.service == service.name)
        && other.names.is_empty() != star
    {
        return Err(at.err(
            r.names.span(),
            format!("{key}.names"),
            format!(
                "the entry at line {} {} for \"{}\": a service's entries either all say [\"*\"] \
                 or all name plans",
                other.line,
                if star { "names plans" } else { "says [\"*\"]" },
                service.name
            ),
        ));
    }

    let spaces = r.spaces.as_ref().map_or(Spaces::Any, |s| *s.get_ref());
    if r.placement == Runs::Outside
        && spaces != Spaces::Any
        && let Some(s) = &r.spaces
    {
        return Err(at.err(
            s.span(),
            format!("{key}.spaces"),
            "a plan outside the space is available to any space: leave `spaces` out".to_string(),
        ));
    }
    let common_runtime = r.common_runtime.unwrap_or(true);

    if r.regions.get_ref().is_empty() {
        return Err(at.err(
            r.regions.span(),
            format!("{key}.regions"),
            "`regions` is empty: list where the plans are available".to_string(),
        ));
    }
    let mut regions: Vec<String> = Vec::new();
    for (ri, reg) in r.regions.get_ref().iter().enumerate() {
        let region = reg.get_ref();
        let rkey = format!("{key}.regions[{ri}]");
        let private = REGIONS.contains(&region.as_str());
        let common = COMMON_REGIONS.contains(&region.as_str());
        if !private && !common {
            return Err(at.err(
                reg.span(),
                rkey,
                format!(
                    "unknown region \"{region}\"; Private Space regions: {}; Common Runtime \
                     regions (plans outside the space only): {}",
                    REGIONS.join(", "),
                    COMMON_REGIONS.join(", ")
                ),
            ));
        }
        if common && r.placement == Runs::Space {
            return Err(at.err(
                reg.span(),
                rkey,
                format!(
                    "\"{region}\" is a Common Runtime region: a plan installed in the space is \
                     created in the space's region, one of {}",
                    REGIONS.join(", ")
                ),
            ));
        }
        if regions.contains(region) {
            return Err(at.err(
                reg.span(),
                rkey,
                format!("region \"{region}\" is listed twice"),
            ));
        }
        regions.push(region.clone());
    }

    if r.source.get_ref().trim().is_empty() {
        return Err(at.err(
            r.source.span(),
            format!("{key}.source"),
            "`source` is empty: say where the entry comes from (or that it is an assumption)"
                .to_string(),
        ));
    }

    let entry = Entry {
        service: service.name.clone(),
        names,
        runs: r.placement,
        spaces,
        common_runtime,
        regions,
        source: r.source.get_ref().clone(),
        assumed: r.assumed,
        note: r.note.clone(),
        line,
    };
    // Entries listing the same plan must agree on where it runs.
    for other in before.iter().filter(|o| o.service == entry.service) {
        let shared = if entry.names.is_empty() {
            Some("*")
        } else {
            entry
                .names
                .iter()
                .find(|n| other.names.contains(n))
                .map(String::as_str)
        };
        let Some(plan) = shared else { continue };
        let disagree = if other.runs != entry.runs {
            Some("placement")
        } else if other.spaces != entry.spaces {
            Some("spaces")
        } else if other.common_runtime != entry.common_runtime {
            Some("common_runtime")
        } else {
            None
        };
        if let Some(what) = disagree {
            return Err(at.err(
                r.service.span(),
                format!("{key}.{what}"),
                format!(
                    "{}:{plan} is also listed at line {} with another `{what}`: entries \
                     listing the same plan must agree on placement, spaces and common_runtime",
                    entry.service, other.line
                ),
            ));
        }
    }
    Ok(entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::addons::PLANS;

    const SERVICE: &str = "[[services]]\nname = \"heroku-postgresql\"\ntitle = \"Heroku Postgres\"\n\
                           kind = \"postgres\"\ndatastore = true\nsource = \"PS\"\n";

    fn entry(body: &str) -> String {
        format!("{SERVICE}\n[[plans]]\nservice = \"heroku-postgresql\"\n{body}\nsource = \"PS\"\n")
    }

    /// The error's (line, key, message).
    fn error(text: &str) -> (Option<usize>, Option<String>, String) {
        match parse(text, "cat.toml") {
            Ok(_) => panic!("accepted:\n{text}"),
            Err(ScenarioError::Invalid { location, message }) => {
                assert_eq!(location.file, "cat.toml");
                (location.line, location.key, message)
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }

    #[test]
    fn default_catalogue_loads_and_covers_every_simulated_plan() {
        let c = default();
        assert_eq!(c.file(), DEFAULT_FILE);
        for p in PLANS {
            let kind = match p.kind {
                AddonKind::Postgres => ServiceKind::Postgres,
                AddonKind::Redis => ServiceKind::Redis,
            };
            let svc = c.service_of_kind(kind).unwrap();
            let info = c
                .plan(&svc.name, p.name)
                .unwrap_or_else(|| panic!("{}:{} is not in the catalogue", svc.name, p.name));
            assert!(!info.regions().is_empty());
        }
        for kind in [
            ServiceKind::Postgres,
            ServiceKind::Redis,
            ServiceKind::Kafka,
            ServiceKind::Scheduler,
            ServiceKind::Connect,
        ] {
            assert!(c.service_of_kind(kind).is_some(), "{kind:?}");
        }
    }

    #[test]
    fn default_catalogue_says_where_plans_run() {
        let c = default();
        let pg = |plan| c.plan("heroku-postgresql", plan).unwrap();
        assert_eq!(pg("private-2").runs, Runs::Space);
        assert_eq!(pg("private-2").spaces, Spaces::Private);
        assert!(!pg("private-2").common_runtime);
        assert_eq!(pg("shield-2").spaces, Spaces::Shield);
        assert_eq!(pg("standard-4").runs, Runs::Outside);
        assert_eq!(pg("premium-0").runs, Runs::Outside);
        // Documented in the article's five regions, assumed in the other five.
        let p2 = pg("private-2");
        assert!(!p2.available_in("tokyo").unwrap().assumed);
        assert!(p2.available_in("mumbai").unwrap().assumed);
        assert!(p2.available_in("us").is_none());
        assert_eq!(p2.regions().len(), REGIONS.len());
        // Essential: us and eu only (documented), virginia and dublin (assumed).
        let e0 = pg("essential-0");
        assert!(!e0.available_in("us").unwrap().assumed);
        assert!(e0.available_in("virginia").unwrap().assumed);
        assert!(e0.available_in("tokyo").is_none());
        let kv = |plan| c.plan("heroku-redis", plan).unwrap();
        assert_eq!(kv("private-7").runs, Runs::Space);
        assert_eq!(kv("premium-0").runs, Runs::Outside);
        assert_eq!(kv("mini").runs, Runs::Outside);
        // A third-party add-on takes any plan name.
        let nr = c.plan("newrelic", "wayne").unwrap();
        assert_eq!(nr.runs, Runs::Outside);
        assert!(!nr.service.datastore);
        assert!(c.plan("heroku-postgresql", "hobby-dev").is_none());
        assert!(c.plan("no-such-service", "x").is_none());
        assert_eq!(c.plan_names("newrelic"), Vec::<&str>::new());
        assert!(c.plan_names("heroku-redis").contains(&"premium-14"));
    }

    #[test]
    fn entries_each_have_a_source_and_assumptions_a_note() {
        for e in default().entries() {
            assert!(!e.source.is_empty(), "line {}", e.line);
            if e.assumed {
                assert!(
                    e.note.is_some() || e.source.contains("assumption"),
                    "line {}",
                    e.line
                );
            }
        }
    }

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let (line, _, message) = error("[[services]]\nname = \"x\"\ntitle = \n");
        assert_eq!(line, Some(3));
        assert!(message.starts_with("add-on catalogue:"), "{message}");
    }

    #[test]
    fn unknown_keys_name_the_key_and_line() {
        let (line, key, message) = error(&entry(
            "names = [\"private-0\"]\nplacement = \"space\"\nregions = [\"tokyo\"]\nzone = 1",
        ));
        assert_eq!(line, Some(13));
        assert_eq!(key.as_deref(), Some("plans[0].zone"));
        assert!(message.contains("unknown field `zone`"), "{message}");
    }

    #[test]
    fn bad_values_name_their_line() {
        let cases: &[(&str, usize, &str, &str)] = &[
            (
                "names = [\"private-0\"]\nplacement = \"space\"\nregions = [\"atlantis\"]",
                12,
                "plans[0].regions[0]",
                "unknown region \"atlantis\"",
            ),
            (
                "names = [\"private-0\"]\nplacement = \"space\"\nregions = [\"us\"]",
                12,
                "plans[0].regions[0]",
                "Common Runtime region",
            ),
            (
                "names = [\"private-1\"]\nplacement = \"space\"\nregions = [\"tokyo\"]",
                10,
                "plans[0].names[0]",
                "no connection limit for postgres plan \"private-1\"",
            ),
            (
                "names = [\"*\"]\nplacement = \"space\"\nregions = [\"tokyo\"]",
                10,
                "plans[0].names",
                "must be named",
            ),
            (
                "names = [\"standard-0\"]\nplacement = \"outside\"\nspaces = \"shield\"\n\
                 regions = [\"tokyo\"]",
                12,
                "plans[0].spaces",
                "leave `spaces` out",
            ),
            (
                "names = [\"private-0\"]\nplacement = \"space\"\nregions = [\"tokyo\", \"tokyo\"]",
                12,
                "plans[0].regions[1]",
                "listed twice",
            ),
            (
                "names = [\"private-0\"]\nplacement = \"space\"\nregions = []",
                12,
                "plans[0].regions",
                "`regions` is empty",
            ),
            (
                "names = [\"private-0\"]\nplacement = \"somewhere\"\nregions = [\"tokyo\"]",
                11,
                "plans[0].placement",
                "unknown variant `somewhere`",
            ),
        ];
        for (body, line, key, needle) in cases {
            let (l, k, m) = error(&entry(body));
            assert_eq!(l, Some(*line), "{body}: {m}");
            assert_eq!(k.as_deref(), Some(*key), "{body}: {m}");
            assert!(m.contains(needle), "{body}: {m}");
        }
    }

    #[test]
    fn entries_of_one_plan_must_agree() {
        let text = format!(
            "{}\n[[plans]]\nservice = \"heroku-postgresql\"\nnames = [\"private-0\"]\n\
             placement = \"outside\"\nregions = [\"oregon\"]\nsource = \"x\"\n",
            entry("names = [\"private-0\"]\nplacement = \"space\"\nregions = [\"tokyo\"]")
        );
        let (line, key, message) = error(&text);
        assert_eq!(line, Some(16));
        assert_eq!(key.as_deref(), Some("plans[1].placement"));
        assert!(message.contains("also listed at line 8"), "{message}");

        let text = format!(
            "{}\n[[plans]]\nservice = \"heroku-postgresql\"\nnames = [\"private-0\"]\n\
             placement = \"space\"\nregions = [\"tokyo\"]\nsource = \"x\"\n",
            entry("names = [\"private-0\"]\nplacement = \"space\"\nregions = [\"tokyo\"]")
        );
        let (line, key, message) = error(&text);
        assert_eq!(line, Some(19));
        assert_eq!(key.as_deref(), Some("plans[1].regions[0]"));
        assert!(message.contains("already listed in region \"tokyo\" at line 8"));
    }

    #[test]
    fn services_are_unique_and_used() {
        let (line, key, message) = error(&format!("{SERVICE}\n{SERVICE}"));
        assert_eq!(line, Some(9));
        assert_eq!(key.as_deref(), Some("services[1].name"));
        assert!(message.contains("already listed at line 1"), "{message}");

        let (line, _, message) = error(SERVICE);
        assert_eq!(line, Some(1));
        assert!(message.contains("has no [[plans]] entry"), "{message}");

        let (line, key, message) = error(&format!(
            "{SERVICE}\n[[plans]]\nservice = \"heroku-pg\"\nnames = [\"x\"]\n\
             placement = \"space\"\nregions = [\"tokyo\"]\nsource = \"x\"\n"
        ));
        assert_eq!(line, Some(9));
        assert_eq!(key.as_deref(), Some("plans[0].service"));
        assert!(message.contains("services: heroku-postgresql"), "{message}");
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("mine.toml");
        std::fs::write(&path, "[[plans]\n").unwrap();
        let e = load(&path).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!("{}:1:", path.display())),
            "{e}"
        );
        let e = load(&dir.path().join("missing.toml")).unwrap_err();
        assert!(
            e.to_string()
                .contains("missing.toml: cannot read the add-on catalogue"),
            "{e}"
        );
        std::fs::write(&path, DEFAULT_TEXT).unwrap();
        assert_eq!(load(&path).unwrap().file(), path.display().to_string());
        // The shipped file, read from disk, is the embedded default.
        let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join(DEFAULT_FILE);
        assert_eq!(load(&shipped).unwrap().entries(), default().entries());
    }
}
