//! Errors in scenario files, each naming the file, line, column and key.

use std::fmt;
use std::path::PathBuf;

/// A scenario file that cannot be used. Every variant is fatal for that scenario: fix the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScenarioError {
    /// The file could not be read.
    #[error("{}: cannot read the scenario file", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid scenario: TOML syntax, an unknown key, a wrong type, a bad value
    /// or a rule across values. `key` is the dotted path of the value (`apps[0].count`).
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What was wrong and what was expected.
        message: String,
    },
}

/// File, line, column and key of a problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The scenario file (or `<input>`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// Dotted key path, when known.
    pub key: Option<String>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if let Some(key) = &self.key {
            write!(f, ": `{key}`")?;
        }
        Ok(())
    }
}

impl ScenarioError {
    /// The location, for errors that have one.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ScenarioError::Invalid { location, .. } => Some(location),
            ScenarioError::Read { .. } => None,
        }
    }
}

/// Longest quoted value a message repeats in full; longer ones are cut in the middle.
const MAX_QUOTED: usize = 120;

/// `message` with every quoted value (`"…"` or `` `…` ``) longer than [`MAX_QUOTED`] characters shortened to
/// its start and end around `…`, with its length: an error about a 10 MB value quotes enough of
/// it to find, not all of it (found by a fuzz regression input: the message held the whole value).
pub(crate) fn elide_long_quotes(message: &str) -> String {
    // Values are quoted "like this"; unknown keys `like this`.
    elide_between(&elide_between(message, '"'), '`')
}

/// A dotted key path of at most [`MAX_QUOTED`] characters, cut at the end with `…` when longer
/// (an unknown 10 MB key is named by its start).
pub(crate) fn elide_key(key: String) -> String {
    if key.chars().count() <= MAX_QUOTED {
        return key;
    }
    let mut short: String = key.chars().take(MAX_QUOTED).collect();
    short.push('…');
    short
}

/// [`elide_long_quotes`] for one delimiter.
fn elide_between(message: &str, delim: char) -> String {
    let parts: Vec<&str> = message.split(delim).collect();
    if parts.len() < 3 || parts.iter().all(|p| p.len() <= MAX_QUOTED) {
        return message.to_string();
    }
    let mut out = String::new();
    let mut note = None;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push(delim);
            if let Some(n) = note.take() {
                out.push_str(&format!(" ({n} characters)"));
            }
        }
        // Odd parts are inside quotes, unless the last quote is unmatched.
        let quoted = i % 2 == 1 && i + 1 < parts.len();
        let chars = part.chars().count();
        if quoted && chars > MAX_QUOTED {
            out.extend(part.chars().take(MAX_QUOTED / 2));
            out.push('…');
            out.extend(part.chars().skip(chars - MAX_QUOTED / 4));
            note = Some(chars);
        } else {
            out.push_str(part);
        }
    }
    out
}

/// 1-based (line, column) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_quoted_values_are_elided() {
        let long = "a".repeat(1000);
        let m = elide_long_quotes(&format!("name: \"{long}\" is not a valid name \"x\""));
        let want = format!(
            "name: \"{}…{}\" (1000 characters) is not a valid name \"x\"",
            "a".repeat(60),
            "a".repeat(30)
        );
        assert_eq!(m, want);
        assert_eq!(elide_long_quotes("short \"b\" kept"), "short \"b\" kept");
        // An unmatched quote before a long tail is left alone.
        let tail = format!("x \"{long}");
        assert_eq!(elide_long_quotes(&tail), tail);
        let key = elide_key(long.clone());
        assert_eq!(key.chars().count(), MAX_QUOTED + 1);
        assert_eq!(elide_key("apps[0].name".into()), "apps[0].name");
    }

    #[test]
    fn line_col_counts_from_one() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        assert_eq!(line_col(text, 9), (2, 4));
        assert_eq!(line_col(text, 999), (3, 1));
    }

    #[test]
    fn location_reads_like_a_compiler_message() {
        let loc = Location {
            file: "s.toml".into(),
            line: Some(3),
            column: Some(7),
            key: Some("apps[0].count".into()),
        };
        assert_eq!(loc.to_string(), "s.toml:3:7: `apps[0].count`");
    }
}
