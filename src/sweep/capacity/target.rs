//! Which scenario value a capacity search varies, and where it starts: `--vary PATH` (a rate,
//! by default the only traffic class's arrival rate) or `--minimize PATH` (an integer).
//!
//! The starting value is read from the scenario as written, after the `--set` overrides, with
//! the same path syntax as `--set`: tables by key, arrays of tables by their elements' `name`
//! (or `type`), any array by a 0-based index.

use toml::{Table, Value};

use super::axis::Axis;

/// What to search for.
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// The largest rate that meets the SLOs, at `path` (None: the only traffic class's
    /// `arrival.rate`).
    MaxRate {
        /// Dotted path of a rate such as `apps.api.traffic.default.arrival.rate`.
        path: Option<String>,
        /// Relative width of the final bracket, e.g. 0.01.
        precision: f64,
    },
    /// The smallest integer that meets the SLOs, at `path`, from 1 to `max`.
    MinValue {
        /// Dotted path of an integer such as `apps.api.processes.web.count`.
        path: String,
        /// The largest value probed.
        max: u64,
    },
}

impl Target {
    /// The axis this target searches in the scenario document `doc` (overrides applied).
    pub fn axis(&self, doc: &Table) -> Result<Axis, String> {
        match self {
            Target::MaxRate { path, precision } => {
                let path = match path {
                    Some(p) => p.clone(),
                    None => default_rate_path(doc)?,
                };
                let value = value_at(doc, &path).map_err(|m| format!("--vary {path}: {m}"))?;
                match value {
                    Value::String(s) => {
                        Axis::rate(&path, s, *precision).map_err(|m| format!("--vary {m}"))
                    }
                    other => Err(format!(
                        "--vary {path}: the value there is {other}, not a rate such as \"450/s\"; \
                         --vary searches for the largest rate (for a dyno count, use --minimize)"
                    )),
                }
            }
            Target::MinValue { path, max } => {
                let value = value_at(doc, path).map_err(|m| format!("--minimize {path}: {m}"))?;
                match value {
                    Value::Integer(n) => {
                        Axis::count(path, *n, *max).map_err(|m| format!("--minimize {m}"))
                    }
                    other => Err(format!(
                        "--minimize {path}: the value there is {other}, not an integer; \
                         --minimize searches for the smallest integer such as a dyno count \
                         (apps.api.processes.web.count); for a rate, use --vary"
                    )),
                }
            }
        }
    }
}

/// The path of the arrival rate of the scenario's only traffic class that has one.
pub fn default_rate_path(doc: &Table) -> Result<String, String> {
    let mut found = Vec::new();
    for app in doc
        .get("apps")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let app_name = app.get("name").and_then(Value::as_str).unwrap_or("?");
        let classes = app.get("traffic").and_then(Value::as_array);
        for class in classes.into_iter().flatten() {
            let has_rate = class
                .get("arrival")
                .and_then(Value::as_table)
                .is_some_and(|a| a.contains_key("rate"));
            if has_rate {
                let class_name = class.get("name").and_then(Value::as_str).unwrap_or("?");
                found.push(format!("apps.{app_name}.traffic.{class_name}.arrival.rate"));
            }
        }
    }
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => Err(
            "no traffic class has an arrival `rate` to vary; name the rate to search \
                  with --vary PATH (e.g. --vary apps.api.traffic.default.arrival.rate)"
                .to_string(),
        ),
        n => Err(format!(
            "{n} traffic classes have an arrival rate; choose the one to search with --vary: {}",
            found.join(", ")
        )),
    }
}

/// The value at dotted `path` in `doc`, or an error saying what exists where the path stops.
pub fn value_at<'a>(doc: &'a Table, path: &str) -> Result<&'a Value, String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!(
            "\"{path}\" is not a path: use dotted keys such as apps.api.processes.web.count"
        ));
    }
    let mut walked: Vec<&str> = Vec::new();
    let mut table = doc;
    let mut at: Option<&Value> = None;
    for seg in path.split('.') {
        let here = || {
            if walked.is_empty() {
                "the scenario".to_string()
            } else {
                format!("`{}`", walked.join("."))
            }
        };
        let next = match at {
            None => table.get(seg).ok_or_else(|| {
                let keys: Vec<&str> = table.keys().map(String::as_str).collect();
                format!(
                    "{} has no `{seg}` (it has: {}); write the value in the file or set it \
                     with --set",
                    here(),
                    keys.join(", ")
                )
            })?,
            Some(Value::Array(items)) => pick(items, seg).ok_or_else(|| {
                let names: Vec<&str> = items.iter().filter_map(element_name).collect();
                format!(
                    "{} has no element named `{seg}` (it has: {}; or use an index from 0 to {})",
                    here(),
                    names.join(", "),
                    items.len().saturating_sub(1)
                )
            })?,
            Some(other) => {
                return Err(format!("{} is {other}, a value: it has no `{seg}`", here()));
            }
        };
        walked.push(seg);
        if let Value::Table(t) = next {
            table = t;
            at = None;
        } else {
            at = Some(next);
        }
    }
    match at {
        Some(Value::Array(_)) | None => Err(format!(
            "`{path}` is a table or a list, not a value; name one of its keys"
        )),
        Some(v) => Ok(v),
    }
}

/// The element of an array named `seg` (by `name`, then `type`), or at index `seg`.
fn pick<'a>(items: &'a [Value], seg: &str) -> Option<&'a Value> {
    items
        .iter()
        .find(|v| element_name(v) == Some(seg))
        .or_else(|| seg.parse::<usize>().ok().and_then(|i| items.get(i)))
}

fn element_name(v: &Value) -> Option<&str> {
    ["name", "type"]
        .iter()
        .find_map(|k| v.get(k).and_then(Value::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"
name = "t"
[[apps]]
name = "api"
[[apps.processes]]
type = "web"
count = 2
[[apps.traffic]]
name = "default"
arrival = { process = "poisson", rate = "100/s" }
[[apps.traffic]]
name = "replay"
arrival = { process = "trace", file = "x.csv" }
"#;

    fn doc(text: &str) -> Table {
        text.parse().unwrap()
    }

    #[test]
    fn paths_address_arrays_by_name_and_index() {
        let d = doc(DOC);
        let rate = value_at(&d, "apps.api.traffic.default.arrival.rate").unwrap();
        assert_eq!(rate.as_str(), Some("100/s"));
        assert_eq!(
            value_at(&d, "apps.0.processes.web.count")
                .unwrap()
                .as_integer(),
            Some(2)
        );
        let e = value_at(&d, "apps.api.traffic.dflt.arrival.rate").unwrap_err();
        assert!(
            e.contains("no element named `dflt` (it has: default, replay"),
            "{e}"
        );
        let e = value_at(&d, "apps.api.processes.web.cont").unwrap_err();
        assert!(e.contains("has no `cont` (it has: count, type)"), "{e}");
        let e = value_at(&d, "apps.api.processes").unwrap_err();
        assert!(e.contains("not a value"), "{e}");
        let e = value_at(&d, "name.x").unwrap_err();
        assert!(e.contains("a value: it has no `x`"), "{e}");
        assert!(value_at(&d, "apps..x").unwrap_err().contains("not a path"));
    }

    #[test]
    fn the_default_is_the_only_class_with_a_rate() {
        assert_eq!(
            default_rate_path(&doc(DOC)).unwrap(),
            "apps.api.traffic.default.arrival.rate"
        );
        let two = format!(
            "{DOC}[[apps.traffic]]\nname = \"b\"\narrival = {{ process = \"constant\", rate = \"1/s\" }}\n"
        );
        let e = default_rate_path(&doc(&two)).unwrap_err();
        assert!(e.contains("2 traffic classes") && e.contains("apps.api.traffic.b.arrival.rate"));
        let e = default_rate_path(&doc("name = \"x\"")).unwrap_err();
        assert!(e.contains("--vary PATH"), "{e}");
    }

    #[test]
    fn targets_check_the_kind_of_value() {
        let d = doc(DOC);
        let axis = Target::MaxRate {
            path: None,
            precision: 0.01,
        }
        .axis(&d)
        .unwrap();
        assert_eq!(
            (axis.path.as_str(), axis.start),
            ("apps.api.traffic.default.arrival.rate", 100.0)
        );
        let e = Target::MaxRate {
            path: Some("apps.api.processes.web.count".into()),
            precision: 0.01,
        }
        .axis(&d)
        .unwrap_err();
        assert!(e.contains("not a rate") && e.contains("--minimize"), "{e}");
        let e = Target::MinValue {
            path: "apps.api.traffic.default.arrival.rate".into(),
            max: 100,
        }
        .axis(&d)
        .unwrap_err();
        assert!(e.contains("not an integer"), "{e}");
        let axis = Target::MinValue {
            path: "apps.api.processes.web.count".into(),
            max: 100,
        }
        .axis(&d)
        .unwrap();
        assert_eq!(axis.start, 2.0);
    }
}
