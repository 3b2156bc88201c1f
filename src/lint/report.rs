//! What `spacesim lint` found, and its two renderings: lines like a compiler's, and JSON.
//!
//! ```text
//! scenarios/x.toml:12: error[space-cidr]: space.cidr: "10.0.0.0/17" is a /17: A `/16` CIDR range is required for the dyno VPC (`--cidr`) (source: private-spaces.txt, "Choosing Private Network CIDR Range"; heroku-facts.md §5)
//! lint: 1 error, 0 warnings in 1 file
//! ```

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::scenario::ScenarioError;
use crate::scenario::space::{Finding, Level};

/// Every file linted, in the order given (folders sorted by file name).
#[derive(Debug, Default)]
pub struct Report {
    /// One per file.
    pub files: Vec<FileReport>,
}

/// One file.
#[derive(Debug)]
pub struct FileReport {
    /// The file as given or found.
    pub file: PathBuf,
    /// Its findings, or why it could not be linted.
    pub outcome: Outcome,
}

/// What linting one file gave.
#[derive(Debug)]
pub enum Outcome {
    /// A valid scenario and the rules it breaks, sorted by line (maybe none).
    Checked(Vec<Finding>),
    /// The file cannot be read or is not a valid scenario (a schema error).
    Invalid(Invalid),
}

/// Why a file could not be linted, located when possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid {
    /// The file could not be read (`error[read]`) rather than not being a valid scenario
    /// (`error[schema]`).
    pub unreadable: bool,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key, when known.
    pub key: Option<String>,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl From<&ScenarioError> for Invalid {
    fn from(e: &ScenarioError) -> Invalid {
        match e {
            ScenarioError::Invalid { location, message } => Invalid {
                unreadable: false,
                line: location.line,
                column: location.column,
                key: location.key.clone(),
                message: message.clone(),
            },
            ScenarioError::Read { source, .. } => Invalid {
                unreadable: true,
                line: None,
                column: None,
                key: None,
                message: format!("cannot read the scenario file: {source}"),
            },
        }
    }
}

/// Totals over a report.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Error findings.
    pub errors: usize,
    /// Warning findings.
    pub warnings: usize,
    /// Files that could not be read or are not valid scenarios.
    pub invalid: usize,
    /// Files linted or tried.
    pub files: usize,
}

/// `file:line: level[rule]: key: message (source: …)`, one line.
pub fn render_finding(file: &str, f: &Finding) -> String {
    let at = match f.line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_string(),
    };
    format!(
        "{at}: {}[{}]: {}: {} (source: {})",
        f.level.name(),
        f.rule,
        f.key,
        f.message,
        f.source
    )
}

/// `file:line:column: error[schema]: key: message` (or `error[read]`), one line.
pub fn render_invalid(file: &str, e: &Invalid) -> String {
    let label = if e.unreadable { "read" } else { "schema" };
    let mut at = file.to_string();
    if let Some(line) = e.line {
        at.push_str(&format!(":{line}"));
        if let Some(col) = e.column {
            at.push_str(&format!(":{col}"));
        }
    }
    match &e.key {
        Some(key) => format!("{at}: error[{label}]: {key}: {}", e.message),
        None => format!("{at}: error[{label}]: {}", e.message),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Report {
    /// Errors, warnings and invalid files.
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            files: self.files.len(),
            ..Counts::default()
        };
        for f in &self.files {
            match &f.outcome {
                Outcome::Checked(findings) => {
                    for x in findings {
                        match x.level {
                            Level::Error => c.errors += 1,
                            Level::Warning => c.warnings += 1,
                        }
                    }
                }
                Outcome::Invalid(_) => c.invalid += 1,
            }
        }
        c
    }

    /// 0 no errors; 1 a rule is broken; 2 a file cannot be read or parsed (2 wins).
    pub fn exit_code(&self) -> u8 {
        let c = self.counts();
        if c.invalid > 0 {
            2
        } else if c.errors > 0 {
            1
        } else {
            0
        }
    }

    /// Every finding and schema error, file by file, then the verdict. With `quiet`, warnings
    /// are left out (errors and the verdict stay).
    pub fn render(&self, quiet: bool) -> String {
        let mut out = String::new();
        for f in &self.files {
            let file = f.file.display().to_string();
            match &f.outcome {
                Outcome::Checked(findings) => {
                    for x in findings {
                        if !(quiet && x.level == Level::Warning) {
                            out.push_str(&render_finding(&file, x));
                            out.push('\n');
                        }
                    }
                }
                Outcome::Invalid(e) => {
                    out.push_str(&render_invalid(&file, e));
                    out.push('\n');
                }
            }
        }
        out.push_str(&self.verdict());
        out
    }

    /// `lint: 2 errors, 1 warning in 3 files`, and a second line when files were invalid.
    pub fn verdict(&self) -> String {
        let c = self.counts();
        let mut out = format!(
            "lint: {}, {} in {}\n",
            plural(c.errors + c.invalid, "error", "errors"),
            plural(c.warnings, "warning", "warnings"),
            plural(c.files, "file", "files")
        );
        if c.invalid > 0 {
            out.push_str(&format!(
                "lint: {} could not be read or parsed (exit 2)\n",
                plural(c.invalid, "file", "files")
            ));
        }
        out
    }

    /// The report as JSON: `{"errors", "warnings", "invalid", "files": [{"file", "valid",
    /// "findings": [...]} or {"file", "valid": false, "error": {...}}]}`.
    pub fn to_json(&self) -> String {
        let c = self.counts();
        let files: Vec<Value> = self
            .files
            .iter()
            .map(|f| match &f.outcome {
                Outcome::Checked(findings) => json!({
                    "file": f.file.display().to_string(),
                    "valid": true,
                    "findings": findings.iter().map(|x| json!({
                        "level": x.level.name(),
                        "rule": x.rule,
                        "line": x.line,
                        "key": x.key,
                        "message": x.message,
                        "source": x.source,
                    })).collect::<Vec<_>>(),
                }),
                Outcome::Invalid(e) => json!({
                    "file": f.file.display().to_string(),
                    "valid": false,
                    "error": {
                        "kind": if e.unreadable { "read" } else { "schema" },
                        "line": e.line,
                        "column": e.column,
                        "key": e.key,
                        "message": e.message,
                    },
                }),
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&json!({
            "errors": c.errors,
            "warnings": c.warnings,
            "invalid": c.invalid,
            "exit_code": self.exit_code(),
            "files": files,
        }))
        .expect("JSON values serialize");
        text.push('\n');
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(level: Level, line: usize) -> Finding {
        Finding {
            level,
            rule: "space-cidr",
            message: "\"10.0.0.0/17\" is a /17".into(),
            source: "private-spaces.txt",
            line: Some(line),
            key: "space.cidr".into(),
        }
    }

    #[test]
    fn a_finding_reads_like_a_compiler_message() {
        assert_eq!(
            render_finding("x.toml", &finding(Level::Error, 12)),
            "x.toml:12: error[space-cidr]: space.cidr: \"10.0.0.0/17\" is a /17 \
             (source: private-spaces.txt)"
        );
    }

    #[test]
    fn invalid_files_win_over_errors_and_count_in_the_verdict() {
        let report = Report {
            files: vec![
                FileReport {
                    file: "a.toml".into(),
                    outcome: Outcome::Checked(vec![
                        finding(Level::Error, 3),
                        finding(Level::Warning, 4),
                    ]),
                },
                FileReport {
                    file: "b.toml".into(),
                    outcome: Outcome::Invalid(Invalid {
                        unreadable: false,
                        line: Some(2),
                        column: Some(8),
                        key: Some("space.cidr".into()),
                        message: "cannot read".into(),
                    }),
                },
            ],
        };
        assert_eq!(report.exit_code(), 2);
        let text = report.render(true);
        assert!(!text.contains("warning["), "{text}");
        assert!(text.contains("b.toml:2:8: error[schema]: space.cidr: cannot read"));
        assert!(text.ends_with(
            "lint: 2 errors, 1 warning in 2 files\nlint: 1 file could not be read or parsed (exit 2)\n"
        ));
        let json: Value = serde_json::from_str(&report.to_json()).unwrap();
        assert_eq!(json["files"][1]["valid"], false);
        assert_eq!(json["files"][0]["findings"][0]["line"], 3);
    }
}
