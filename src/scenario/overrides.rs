//! Overriding scenario values by path: `--set PATH=VALUE` and the points of a `[sweep]`.
//!
//! A path walks the file's tables with dots: `apps.api.processes.web.count`. Arrays of tables
//! are addressed by their elements' names (apps and traffic classes by `name`, processes by
//! `type`, add-ons and jobs by `name`), any array by a 0-based index (`timeline.2.at`).
//!
//! Overrides edit the document with `toml_edit`, which keeps the rest of the file as written, so
//! a replaced value stays on its line and errors in the rest of the file still point at the
//! right line. Each replaced value carries a comment naming where it came from; an error on that
//! line says so (see [`annotate`]).
//!
//! A value is read as TOML when it is one (`6`, `true`, `1.5`, `["a", "b"]`, `{ from = 1 }`) and
//! as a string otherwise (`450/s`, `least_connections`, `2m`), as Helm's `--set` does.

use std::fmt;

use toml_edit::{DocumentMut, Item, Table, TableLike, Value};

use super::error::{Location, ScenarioError};

/// Marks an overridden value in the rendered document; [`annotate`] looks for it.
const MARK: &str = "# set by ";

/// One value to replace.
#[derive(Clone, Debug)]
pub struct Override {
    /// Dotted path, e.g. `apps.api.processes.web.count`.
    pub path: String,
    /// The new value.
    pub value: Value,
    /// Where it comes from, for messages: `--set apps.api.processes.web.count=6`.
    pub origin: String,
}

impl Override {
    /// Parses `PATH=VALUE` as given to `--set`.
    pub fn parse_assignment(arg: &str) -> Result<Override, String> {
        let Some((path, value)) = arg.split_once('=') else {
            return Err(format!(
                "`--set {arg}`: expected PATH=VALUE, e.g. `--set apps.api.processes.web.count=6`"
            ));
        };
        let path = path.trim();
        check_path(path).map_err(|m| format!("`--set {arg}`: {m}"))?;
        Ok(Override {
            path: path.to_string(),
            value: parse_value(value.trim()),
            origin: format!("--set {path}={}", value.trim()),
        })
    }

    /// An override from a parsed TOML value (a sweep's grid); `origin` names its source.
    pub fn from_toml(path: &str, value: &toml::Value, origin: String) -> Override {
        Override {
            path: path.to_string(),
            value: parse_value(&value.to_string()),
            origin,
        }
    }

    /// The value as a person reads it: strings without quotes, everything else as TOML.
    pub fn display_value(&self) -> String {
        display(&self.value)
    }

    /// `path=value`, for provenance.
    pub fn assignment(&self) -> String {
        format!("{}={}", self.path, self.display_value())
    }
}

impl fmt::Display for Override {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.origin)
    }
}

/// `value` as a person reads it: strings without quotes, everything else as TOML.
pub fn display(value: &Value) -> String {
    match value.as_str() {
        Some(s) => s.to_string(),
        None => value.clone().decorated("", "").to_string(),
    }
}

/// A `--set` value: TOML when it parses as a TOML value, otherwise the text as a string.
pub fn parse_value(text: &str) -> Value {
    text.parse::<Value>()
        .map(|v| v.decorated(" ", ""))
        .unwrap_or_else(|_| Value::from(text).decorated(" ", ""))
}

fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!(
            "\"{path}\" is not a path: use dotted keys such as apps.api.processes.web.count"
        ));
    }
    Ok(())
}

/// Applies `overrides` in order to the scenario `text` and returns the edited document.
/// `file` names the file in errors.
pub fn apply(text: &str, file: &str, overrides: &[Override]) -> Result<String, ScenarioError> {
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let (line, column) = e
            .span()
            .map(|s| super::error::line_col(text, s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        ScenarioError::Invalid {
            location: Location {
                file: file.to_string(),
                line,
                column,
                key: None,
            },
            message: e.message().trim().to_string(),
        }
    })?;
    for o in overrides {
        check_path(&o.path).map_err(|m| invalid(file, o, m))?;
        let segments: Vec<&str> = o.path.split('.').collect();
        set_in(doc.as_table_mut(), &segments, &mut Vec::new(), o, true)
            .map_err(|m| invalid(file, o, m))?;
    }
    Ok(doc.to_string())
}

fn invalid(file: &str, o: &Override, message: String) -> ScenarioError {
    ScenarioError::Invalid {
        location: Location {
            file: file.to_string(),
            line: None,
            column: None,
            key: Some(o.path.clone()),
        },
        message: format!("{message} (in `{o}`)"),
    }
}

/// Adds "this value was set by ..." to an error that points at an overridden line of
/// `rendered`, the text [`apply`] returned.
pub fn annotate(e: ScenarioError, rendered: &str) -> ScenarioError {
    match e {
        ScenarioError::Invalid { location, message } => {
            let origin = location
                .line
                .and_then(|l| rendered.lines().nth(l - 1))
                .and_then(|line| line.split_once(MARK).map(|(_, o)| o.trim().to_string()));
            let message = match origin {
                Some(o) => format!("{message} (this value was set by `{o}`)"),
                None => message,
            };
            ScenarioError::Invalid { location, message }
        }
        other => other,
    }
}

/// Sets `segments` under table `t`; `walked` holds the path so far, for messages. `standard` is
/// false inside inline tables, where a comment cannot follow a value.
fn set_in(
    t: &mut dyn TableLike,
    segments: &[&str],
    walked: &mut Vec<String>,
    o: &Override,
    standard: bool,
) -> Result<(), String> {
    let (seg, rest) = segments.split_first().expect("paths are never empty");
    if rest.is_empty() {
        return set_leaf(t, seg, walked, o, standard);
    }
    if t.get(seg).is_none() {
        // A table the file leaves out, e.g. `[router]`: create it.
        let mut table = Table::new();
        table.set_implicit(true);
        t.insert(seg, Item::Table(table));
    }
    walked.push(seg.to_string());
    let here = walked.join(".");
    match t.get_mut(seg).expect("inserted above") {
        Item::Table(child) => set_in(child, rest, walked, o, true),
        Item::Value(Value::InlineTable(child)) => set_in(child, rest, walked, o, false),
        Item::ArrayOfTables(array) => {
            let names: Vec<Option<String>> = array.iter().map(|t| element_name(t)).collect();
            let i = pick(&names, rest[0], &here)?;
            walked.push(rest[0].to_string());
            let table = array.get_mut(i).expect("picked in range");
            if rest.len() == 1 {
                return Err(format!(
                    "`{}` is a whole table; set one of its keys, e.g. `{}.{}`",
                    walked.join("."),
                    walked.join("."),
                    first_key(table).unwrap_or("name")
                ));
            }
            set_in(table, &rest[1..], walked, o, true)
        }
        Item::Value(Value::Array(array)) => {
            let names: Vec<Option<String>> = array
                .iter()
                .map(|v| v.as_inline_table().and_then(|t| element_name(t)))
                .collect();
            let i = pick(&names, rest[0], &here)?;
            walked.push(rest[0].to_string());
            if rest.len() == 1 {
                let old = array.get(i).expect("picked in range");
                let value = o.value.clone().decorated(
                    old.decor().prefix().and_then(|p| p.as_str()).unwrap_or(""),
                    old.decor().suffix().and_then(|s| s.as_str()).unwrap_or(""),
                );
                array.replace(i, value);
                return Ok(());
            }
            match array.get_mut(i) {
                Some(Value::InlineTable(child)) => set_in(child, &rest[1..], walked, o, false),
                _ => Err(format!(
                    "`{}` is a value, not a table: it has no `{}`",
                    walked.join("."),
                    rest[1]
                )),
            }
        }
        _ => Err(format!(
            "`{here}` is a value, not a table: it has no `{}`",
            rest[0]
        )),
    }
}

fn set_leaf(
    t: &mut dyn TableLike,
    seg: &str,
    walked: &[String],
    o: &Override,
    standard: bool,
) -> Result<(), String> {
    let mut value = o.value.clone();
    let suffix = if standard {
        format!(" {MARK}{o}")
    } else {
        String::new()
    };
    match t.get_mut(seg) {
        Some(Item::Value(old)) => {
            let prefix = old
                .decor()
                .prefix()
                .and_then(|p| p.as_str())
                .unwrap_or(" ")
                .to_string();
            let suffix = if standard {
                suffix
            } else {
                old.decor()
                    .suffix()
                    .and_then(|s| s.as_str())
                    .unwrap_or("")
                    .to_string()
            };
            value = value.decorated(prefix, suffix);
            *old = value;
            Ok(())
        }
        Some(Item::None) | None => {
            t.insert(seg, Item::Value(value.decorated(" ", suffix)));
            Ok(())
        }
        Some(_) => {
            let mut path = walked.to_vec();
            path.push(seg.to_string());
            Err(format!(
                "`{}` is a table or a list of tables, not a value; set one of its keys",
                path.join(".")
            ))
        }
    }
}

/// The name an element of an array is addressed by: its `name`, else its `type`.
fn element_name(t: &dyn TableLike) -> Option<String> {
    ["name", "type"]
        .iter()
        .find_map(|k| t.get(k).and_then(|i| i.as_str()).map(str::to_string))
}

fn first_key(t: &dyn TableLike) -> Option<&str> {
    t.iter().next().map(|(k, _)| k)
}

/// The element `seg` names: by name first, then by 0-based index.
fn pick(names: &[Option<String>], seg: &str, here: &str) -> Result<usize, String> {
    if let Some(i) = names.iter().position(|n| n.as_deref() == Some(seg)) {
        return Ok(i);
    }
    if let Ok(i) = seg.parse::<usize>() {
        if i < names.len() {
            return Ok(i);
        }
        return Err(format!(
            "`{here}` has {} element(s); index {i} is out of range",
            names.len()
        ));
    }
    let known: Vec<&str> = names.iter().flatten().map(String::as_str).collect();
    Err(if known.is_empty() {
        format!(
            "`{here}` is a list: address its elements by index (0 to {})",
            names.len().saturating_sub(1)
        )
    } else {
        format!(
            "`{here}` has no element named `{seg}`; it has: {} (or use an index from 0 to {})",
            known.join(", "),
            names.len().saturating_sub(1)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"name = "t"
duration = "1h"

[[apps]]
name = "api"
[[apps.processes]]
type = "web"
count = 2   # two dynos
[[apps.traffic]]
name = "default"
arrival = { kind = "poisson", rate = "100/s" }

[[timeline]]
at = "10m"
action = "restart"
"#;

    fn set(arg: &str) -> Result<String, ScenarioError> {
        apply(TEXT, "t.toml", &[Override::parse_assignment(arg).unwrap()])
    }

    #[test]
    fn values_are_replaced_in_place_by_name_and_index() {
        let out = set("apps.api.processes.web.count=6").unwrap();
        assert!(out.contains("count = 6 # set by --set apps.api.processes.web.count=6\n"));
        // Nothing else moved.
        assert_eq!(out.lines().count(), TEXT.lines().count());
        let out = set("apps.api.traffic.default.arrival.rate=450/s").unwrap();
        assert!(out.contains(r#"rate = "450/s""#), "{out}");
        let out = set("timeline.0.at=20m").unwrap();
        assert!(out.contains(r#"at = "20m" # set by"#), "{out}");
        let out = set("apps.0.processes.0.count=3").unwrap();
        assert!(out.contains("count = 3 #"));
    }

    #[test]
    fn missing_keys_and_tables_are_added() {
        let out = set("seed=7").unwrap();
        assert!(out.contains("seed = 7"), "{out}");
        let out = set("router.policy=least_connections").unwrap();
        let parsed: toml::Table = out.parse().unwrap();
        assert_eq!(
            parsed["router"]["policy"].as_str(),
            Some("least_connections")
        );
    }

    #[test]
    fn values_are_typed_when_they_are_toml() {
        assert_eq!(parse_value("6").as_integer(), Some(6));
        assert_eq!(parse_value("true").as_bool(), Some(true));
        assert_eq!(parse_value("450/s").as_str(), Some("450/s"));
        assert_eq!(parse_value("\"6\"").as_str(), Some("6"));
        assert_eq!(display(&parse_value("450/s")), "450/s");
        assert_eq!(display(&parse_value("1.5")), "1.5");
    }

    #[test]
    fn bad_paths_say_what_exists() {
        let e = set("apps.apx.processes.web.count=6")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no element named `apx`; it has: api"), "{e}");
        let e = set("apps.api.processes.web=6").unwrap_err().to_string();
        assert!(e.contains("is a whole table"), "{e}");
        let e = set("duration.x=1").unwrap_err().to_string();
        assert!(e.contains("`duration` is a value"), "{e}");
        let e = set("timeline.3.at=1m").unwrap_err().to_string();
        assert!(e.contains("index 3 is out of range"), "{e}");
        assert!(Override::parse_assignment("novalue").is_err());
        assert!(Override::parse_assignment("a..b=1").is_err());
    }

    #[test]
    fn errors_on_an_overridden_line_name_the_override() {
        let rendered = set("apps.api.processes.web.count=lots").unwrap();
        let line = rendered.lines().position(|l| l.contains("count")).unwrap() + 1;
        let e = ScenarioError::Invalid {
            location: Location {
                file: "t.toml".into(),
                line: Some(line),
                column: Some(9),
                key: Some("apps[0].processes[0].count".into()),
            },
            message: "invalid type".into(),
        };
        let e = annotate(e, &rendered).to_string();
        assert!(
            e.contains("(this value was set by `--set apps.api.processes.web.count=lots`)"),
            "{e}"
        );
    }
}
