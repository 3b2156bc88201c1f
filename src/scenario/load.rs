//! Building a [`Scenario`] from a file: parse with serde, then check every rule across values.
//!
//! Stage one deserializes [`RawScenario`]; units are parsed there, so a bad duration fails with
//! the TOML parser's position. Stage two (`build`) applies defaults and cross-field rules and
//! reports each problem with the span of the value it is about.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::Path;

use sha2::{Digest, Sha256};
use toml::Spanned;

use super::addons::{AddonSite, build_app_addons};
use super::apps::{build_jobs, build_preboot, build_process, build_traffic};
use super::error::{Location, ScenarioError, line_col};
use super::network::{build_client_network, build_externals, build_space};
use super::overrides::Override;
use super::platform::{build_platform, build_prices, build_speeds};
use super::raw::{RawPolicy, RawScenario, RawSimulator};
use super::spec::*;
use super::timeline::build_timeline_for;
use super::traffic::BuildCtx;
use crate::engine::SimDuration;

/// Reads and validates the scenario file at `path`.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_with(path, &[])
}

/// Reads the scenario file at `path`, applies `overrides` in order, and validates the result.
pub fn load_with(path: &Path, overrides: &[Override]) -> Result<Scenario, ScenarioError> {
    parse_file_text(path, &read_text(path)?, overrides)
}

/// Validates `text`, the contents of the scenario file `path`, with `overrides` applied: for
/// callers that build many variants of one file and read it once.
pub fn parse_file_text(
    path: &Path,
    text: &str,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    let base_dir = path.parent().unwrap_or(Path::new("."));
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
    let mut scenario = parse_with(
        text,
        &path.display().to_string(),
        base_dir,
        stem.as_deref(),
        overrides,
    )?;
    scenario.source.path = Some(path.to_path_buf());
    Ok(scenario)
}

/// The file at `path` as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let bytes = std::fs::read(path).map_err(|source| ScenarioError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| ScenarioError::Invalid {
        location: Location {
            file: path.display().to_string(),
            line: None,
            column: None,
            key: None,
        },
        message: format!("the file is not UTF-8 text ({e})"),
    })?;
    Ok(text)
}

/// Validates scenario `text`. `file` names it in messages; relative paths inside it resolve
/// against `base_dir`; `default_name` is used when the file has no `name`.
pub fn parse(
    text: &str,
    file: &str,
    base_dir: &Path,
    default_name: Option<&str>,
) -> Result<Scenario, ScenarioError> {
    parse_with(text, file, base_dir, default_name, &[])
}

/// Like [`parse`], with `overrides` applied to `text` first. Provenance keeps the SHA-256 of
/// `text` as written and lists the overrides.
pub fn parse_with(
    text: &str,
    file: &str,
    base_dir: &Path,
    default_name: Option<&str>,
    overrides: &[Override],
) -> Result<Scenario, ScenarioError> {
    let sha256 = sha256_hex(text.as_bytes());
    if overrides.is_empty() {
        let raw = deserialize(text, file)?;
        let ctx = Checker { text, file };
        return build(raw, &ctx, base_dir, default_name, sha256);
    }
    let edited = super::overrides::apply(text, file, overrides)?;
    let annotate = |e| super::overrides::annotate(e, &edited);
    let raw = deserialize(&edited, file).map_err(annotate)?;
    let ctx = Checker {
        text: &edited,
        file,
    };
    let mut scenario = build(raw, &ctx, base_dir, default_name, sha256).map_err(annotate)?;
    scenario.source.overrides = overrides.iter().map(Override::assignment).collect();
    Ok(scenario)
}

/// Deserializes TOML `text` (the file `file`), naming the line, column and key of an error.
pub(super) fn deserialize<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<T, ScenarioError> {
    let de = toml::Deserializer::parse(text).map_err(|e| toml_error(text, file, e, None))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        // `toml::Spanned` shows up in serde's path as a private field name: drop it.
        let key = e
            .path()
            .to_string()
            .replace(".$__serde_spanned_private_value", "");
        let key = (key != "." && !key.is_empty()).then_some(key);
        toml_error(text, file, e.into_inner(), key)
    })
}

fn toml_error(text: &str, file: &str, e: toml::de::Error, key: Option<String>) -> ScenarioError {
    let (line, column) = match e.span() {
        Some(span) => {
            let (l, c) = line_col(text, span.start);
            (Some(l), Some(c))
        }
        None => (None, None),
    };
    ScenarioError::Invalid {
        location: Location {
            file: file.to_string(),
            line,
            column,
            key: key.map(super::error::elide_key),
        },
        message: super::error::elide_long_quotes(e.message().trim()),
    }
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// First retry delay of a client that retries, when the scenario does not say
/// (**assumption**: a common client-library default; doubled for each further retry).
pub const DEFAULT_CLIENT_BACKOFF: SimDuration = SimDuration::from_secs(1);

/// Turns spans into located errors.
pub(super) struct Checker<'a> {
    text: &'a str,
    file: &'a str,
}

impl Checker<'_> {
    /// An error at `span` about `key`: `file:line:col: \`key\`: message`.
    pub(super) fn err(
        &self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let (line, column) = line_col(self.text, span.start);
        ScenarioError::Invalid {
            location: Location {
                file: self.file.to_string(),
                line: Some(line),
                column: Some(column),
                key: Some(key.into()),
            },
            message: super::error::elide_long_quotes(&message.into()),
        }
    }

    /// 1-based line of a span's start.
    pub(super) fn line(&self, span: Range<usize>) -> usize {
        line_col(self.text, span.start).0
    }
}

/// `addon_catalogue = "file"`: the scenario's own add-on catalogue, relative to its folder.
fn load_catalogue(
    ctx: &Checker,
    base_dir: &Path,
    path: &Spanned<String>,
) -> Result<super::catalogue::Catalogue, ScenarioError> {
    let file = base_dir.join(path.get_ref());
    if !file.is_file() {
        return Err(ctx.err(
            path.span(),
            "addon_catalogue",
            format!(
                "no add-on catalogue file \"{}\" (looked for {}): copy {} and point at the copy",
                path.get_ref(),
                file.display(),
                super::catalogue::DEFAULT_FILE
            ),
        ));
    }
    super::catalogue::load(&file)
}

/// Names of apps, processes and traffic classes appear in metric paths and file names.
pub(super) fn check_name(
    ctx: &Checker,
    name: &Spanned<String>,
    key: &str,
) -> Result<String, ScenarioError> {
    let s = name.get_ref();
    let ok = !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(s.clone())
    } else {
        Err(ctx.err(
            name.span(),
            key,
            format!(
                "\"{s}\" is not a valid name: use 1 to 64 letters, digits, `-` or `_` \
                 (names appear in metric paths such as apps.<app>.latency_ms.p99 and in file names)"
            ),
        ))
    }
}

fn build(
    raw: RawScenario,
    ctx: &Checker,
    base_dir: &Path,
    default_name: Option<&str>,
    sha256: String,
) -> Result<Scenario, ScenarioError> {
    let sweep = raw
        .sweep
        .as_ref()
        .map(|s| super::sweep::build_sweep(ctx, s))
        .transpose()?;
    let expect = super::expect::build_expectations(ctx, &raw.expect)?;

    let name = match &raw.name {
        Some(n) => check_name(ctx, n, "name")?,
        None => default_name.unwrap_or("scenario").to_string(),
    };
    let duration = *raw.duration.get_ref();
    if duration.0 == SimDuration::ZERO {
        return Err(ctx.err(
            raw.duration.span(),
            "duration",
            "`duration` must be more than 0s",
        ));
    }
    let warmup = match &raw.warmup {
        Some(w) if w.get_ref().0 >= duration.0 => {
            return Err(ctx.err(
                w.span(),
                "warmup",
                format!(
                    "`warmup` ({}) must be shorter than `duration` ({}): statistics count only \
                     requests arriving after the warm-up",
                    w.get_ref().0,
                    duration.0
                ),
            ));
        }
        Some(w) => w.get_ref().0,
        None => SimDuration::ZERO,
    };
    let start = raw.start.map(|s| s.0);

    let router = {
        let r = raw.router.as_ref();
        let policy = match r.and_then(|r| r.policy) {
            None | Some(RawPolicy::Random) => RoutingPolicy::Random,
            Some(RawPolicy::RoundRobin) => RoutingPolicy::RoundRobin,
            Some(RawPolicy::LeastConnections) => RoutingPolicy::LeastConnections,
            Some(RawPolicy::PowerOfTwo) => RoutingPolicy::PowerOfTwo,
        };
        let timeout = match r.and_then(|r| r.timeout.as_ref()) {
            Some(t) if t.get_ref().0 == SimDuration::ZERO => {
                return Err(ctx.err(
                    t.span(),
                    "router.timeout",
                    "`router.timeout` must be more than 0s",
                ));
            }
            Some(t) => t.get_ref().0,
            None => DEFAULT_ROUTER_TIMEOUT,
        };
        RouterConfig { policy, timeout }
    };

    let mut findings = Vec::new();
    let space = build_space(ctx, raw.space.as_ref(), &mut findings)?;
    let externals = build_externals(ctx, &raw.external, &space.network, &mut findings)?;

    let simulator = build_simulator(ctx, raw.simulator.as_ref())?;

    if raw.apps.is_empty() {
        return Err(ctx.err(
            0..0,
            "apps",
            "a scenario needs at least one `[[apps]]` entry with a `web` process and a traffic class",
        ));
    }
    let build_ctx = BuildCtx {
        base_dir,
        start,
        duration: duration.0,
    };
    let platform = build_platform(ctx, raw.platform.as_ref(), space.runtime, &build_ctx)?;
    let prices = build_prices(ctx, raw.prices.as_ref())?;
    let speeds = build_speeds(ctx, raw.speeds.as_ref())?;
    let catalogue = match &raw.addon_catalogue {
        Some(path) => Some(load_catalogue(ctx, base_dir, path)?),
        None => None,
    };
    let site = AddonSite::new(
        &space,
        catalogue
            .as_ref()
            .unwrap_or_else(|| super::catalogue::default()),
    );
    let mut apps = Vec::with_capacity(raw.apps.len());
    let mut app_names = BTreeSet::new();
    for (ai, app) in raw.apps.iter().enumerate() {
        let app_span = app.span();
        let app = app.get_ref();
        let akey = format!("apps[{ai}]");
        let app_name = check_name(ctx, &app.name, &format!("{akey}.name"))?;
        if !app_names.insert(app_name.clone()) {
            return Err(ctx.err(
                app.name.span(),
                format!("{akey}.name"),
                format!("app \"{app_name}\" is defined twice"),
            ));
        }
        let mut processes = Vec::with_capacity(app.processes.len());
        let mut kinds = BTreeSet::new();
        for (pi, p) in app.processes.iter().enumerate() {
            let pkey = format!("{akey}.processes[{pi}]");
            let process = build_process(ctx, p, &pkey, &space, &build_ctx, &speeds)?;
            if !kinds.insert(process.kind.clone()) {
                return Err(ctx.err(
                    p.get_ref().kind.span(),
                    format!("{pkey}.type"),
                    format!(
                        "process type \"{}\" is defined twice in app \"{app_name}\"",
                        process.kind
                    ),
                ));
            }
            processes.push(process);
        }

        let addons = build_app_addons(ctx, &app.addons, &akey, &app_name, &site, &mut findings)?;
        let jobs = build_jobs(ctx, app, &processes, &akey, &app_name, &build_ctx)?;
        let mut traffic = Vec::with_capacity(app.traffic.len());
        for (ti, t) in app.traffic.iter().enumerate() {
            let tkey = format!("{akey}.traffic[{ti}]");
            let mut class = build_traffic(
                ctx,
                t.get_ref(),
                &tkey,
                &app_name,
                &addons,
                &jobs,
                &build_ctx,
            )?;
            class.network = build_client_network(ctx, t.get_ref(), &tkey, &externals)?;
            if traffic.iter().any(|c: &TrafficSpec| c.name == class.name) {
                return Err(ctx.err(
                    t.get_ref().name.span(),
                    format!("{tkey}.name"),
                    format!(
                        "traffic class \"{}\" is defined twice in app \"{app_name}\"",
                        class.name
                    ),
                ));
            }
            traffic.push(class);
        }
        if !traffic.is_empty() && !processes.iter().any(|p| p.is_web()) {
            return Err(ctx.err(
                app_span,
                format!("{akey}.processes"),
                format!(
                    "app \"{app_name}\" has traffic but no `web` process; add \
                     [[apps.processes]] with type = \"web\" (only web dynos receive HTTP requests)"
                ),
            ));
        }
        apps.push(AppSpec {
            name: app_name,
            processes,
            traffic,
            new: app.new.unwrap_or(false),
            preboot: build_preboot(ctx, app, &akey, space.runtime)?,
            addons,
            jobs,
            custom_domain_ssl: app.custom_domain_ssl.unwrap_or(false),
        });
    }
    super::formation::check(ctx, &raw.apps, &apps, &space, &mut findings);
    let timeline = build_timeline_for(
        ctx,
        &raw.timeline,
        &apps,
        &space.network.members,
        duration.0,
        start,
        &platform,
    )?;

    Ok(Scenario {
        name,
        seed: raw.seed.unwrap_or(DEFAULT_SEED),
        duration: duration.0,
        warmup,
        start,
        downtime_threshold: raw
            .downtime_threshold
            .map_or(DEFAULT_DOWNTIME_THRESHOLD, |f| f.0),
        router,
        space,
        simulator,
        platform,
        apps,
        timeline,
        prices,
        speeds,
        expect,
        externals,
        findings,
        sweep,
        report: build_report(ctx, raw.report.as_ref())?,
        source: Source {
            path: None,
            sha256,
            overrides: Vec::new(),
        },
    })
}

/// `[report]`: a router log goes inside the output directory, so its name is a plain relative
/// path (no `..`, not absolute).
fn build_report(
    ctx: &Checker,
    raw: Option<&super::raw::RawReport>,
) -> Result<ReportConfig, ScenarioError> {
    let router_log = match raw.and_then(|r| r.router_log.as_ref()) {
        Some(name) => {
            let path = Path::new(name.get_ref());
            let inside = !name.get_ref().trim().is_empty()
                && path.is_relative()
                && path
                    .components()
                    .all(|c| matches!(c, std::path::Component::Normal(_)));
            if !inside {
                return Err(ctx.err(
                    name.span(),
                    "report.router_log",
                    format!(
                        "\"{}\" is not a file name inside the output directory; write a relative \
                         path such as \"router.log\" (use --router-log for a path elsewhere)",
                        name.get_ref()
                    ),
                ));
            }
            Some(name.get_ref().clone())
        }
        None => None,
    };
    Ok(ReportConfig {
        plots: raw.and_then(|r| r.plots).unwrap_or(true),
        router_log,
    })
}

/// `[simulator]`: the limits that keep a run bounded.
fn build_simulator(
    ctx: &Checker,
    raw: Option<&RawSimulator>,
) -> Result<SimulatorConfig, ScenarioError> {
    let at_least_one = |value: Option<&Spanned<u64>>, key: &str, default: u64| match value {
        Some(m) if *m.get_ref() == 0 => {
            Err(ctx.err(m.span(), key, format!("`{key}` must be at least 1")))
        }
        Some(m) => Ok(*m.get_ref()),
        None => Ok(default),
    };
    let max_in_flight = at_least_one(
        raw.and_then(|s| s.max_in_flight.as_ref()),
        "simulator.max_in_flight",
        DEFAULT_MAX_IN_FLIGHT,
    )?;
    let max_events = at_least_one(
        raw.and_then(|s| s.max_events.as_ref()),
        "simulator.max_events",
        DEFAULT_MAX_EVENTS,
    )?;
    let wall_budget = match raw.and_then(|s| s.wall_budget.as_ref()) {
        Some(b) if b.get_ref().0 == SimDuration::ZERO => {
            return Err(ctx.err(
                b.span(),
                "simulator.wall_budget",
                "`simulator.wall_budget` must be more than 0s",
            ));
        }
        Some(b) => Some(std::time::Duration::from_nanos(b.get_ref().0.as_nanos())),
        None => None,
    };
    Ok(SimulatorConfig {
        max_in_flight,
        max_events,
        wall_budget,
        check_invariants: raw.and_then(|s| s.check_invariants).unwrap_or(false),
    })
}
