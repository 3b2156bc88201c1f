//! `spacesim lint`: the platform's rules, checked without simulating.
//!
//! A Private Space has rules the platform enforces: a /16 dyno network, 25 apps, 10 dynos per
//! process type, 20 trusted IP ranges, … (private-spaces.txt; heroku-facts.md §4.2, §5). Lint
//! reports every rule a scenario breaks, with the file, the line, the key, the rule's id and
//! where the rule comes from, so a plan is judged before anyone applies it.
//!
//! # Where findings come from
//!
//! - The scenario builder applies the space and formation rules ([`rules`]) while it reads the
//!   file, because only then are the lines known; it keeps them in `Scenario::findings`, next to
//!   the add-on rules the add-on builder applies.
//! - [`ops`] judges the timeline's operations (a scale past a limit, a member creating an app
//!   without permission).
//!
//! [`findings`] joins them, sorted by line.
//!
//! # Two levels
//!
//! An **error** is a space or formation the platform would never have let exist (a /17 CIDR,
//! 26 apps, an unknown region): `spacesim run` refuses the scenario unless
//! `--allow-violations` is given, and `spacesim check` fails it. A **warning** is an operation
//! the platform would refuse: the run simulates the refusal, which is the point.
//!
//! # Exit codes
//!
//! 0 no errors (warnings allowed), 1 a rule is broken, 2 a file cannot be read or is not a
//! valid scenario (2 wins over 1); every file is linted either way.

pub mod ops;
pub mod report;
pub mod rules;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use self::report::{FileReport, Invalid, Outcome, Report};
use crate::scenario::space::{Finding, Level};
use crate::scenario::{self, Scenario};

/// Every finding about `scenario`, sorted by line (findings without a line last), errors
/// before warnings on one line.
pub fn findings(scenario: &Scenario) -> Vec<Finding> {
    let mut all = scenario.findings.clone();
    // Timeline operations the platform would refuse.
    all.extend(ops::findings(scenario));
    sort(&mut all);
    all
}

/// Sorts findings by line (none last), then errors first, then rule and key.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.line.is_none(),
            a.line,
            std::cmp::Reverse(a.level),
            a.rule,
            &a.key,
        )
            .cmp(&(
                b.line.is_none(),
                b.line,
                std::cmp::Reverse(b.level),
                b.rule,
                &b.key,
            ))
    });
}

/// True when one of `findings` is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.level == Level::Error)
}

/// Lints one scenario file.
pub fn lint_file(path: &Path) -> FileReport {
    let outcome = match scenario::load(path) {
        Ok(s) => Outcome::Checked(findings(&s)),
        Err(e) => Outcome::Invalid(Invalid::from(&e)),
    };
    FileReport {
        file: path.to_path_buf(),
        outcome,
    }
}

/// Lints every scenario file under `paths` (files as given; folders: their `*.toml`, as
/// `spacesim check` finds them), in parallel, reported in the order found. A path that does not
/// exist is reported as an unreadable file; the others are linted all the same.
pub fn lint(paths: &[PathBuf]) -> Report {
    let mut targets: Vec<Result<PathBuf, FileReport>> = Vec::new();
    for p in paths {
        if !p.exists() {
            targets.push(Err(FileReport {
                file: p.clone(),
                outcome: Outcome::Invalid(Invalid {
                    unreadable: true,
                    line: None,
                    column: None,
                    key: None,
                    message: "no such file or folder".to_string(),
                }),
            }));
            continue;
        }
        match crate::check::discover(std::slice::from_ref(p)) {
            Ok(files) => targets.extend(files.into_iter().map(Ok)),
            Err(message) => targets.push(Err(FileReport {
                file: p.clone(),
                outcome: Outcome::Invalid(Invalid {
                    unreadable: true,
                    line: None,
                    column: None,
                    key: None,
                    message,
                }),
            })),
        }
    }
    let files = targets
        .into_par_iter()
        .map(|t| match t {
            Ok(path) => lint_file(&path),
            Err(report) => report,
        })
        .collect();
    Report { files }
}
