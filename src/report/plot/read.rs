//! Reading the files plots are drawn from, with errors that name the file.

use std::path::Path;

use super::PlotError;

/// The text of `path`.
pub fn text(path: &Path) -> Result<String, PlotError> {
    std::fs::read_to_string(path).map_err(|source| PlotError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The JSON value in `path`.
pub fn json(path: &Path) -> Result<serde_json::Value, PlotError> {
    serde_json::from_str(&text(path)?)
        .map_err(|e| PlotError::input(path, format!("not valid JSON: {e}")))
}

/// A CSV table: the header and the records, every cell a string.
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Records, each as long as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Reads `path`; a ragged or unreadable file is an input error naming the line.
    pub fn read(path: &Path) -> Result<Table, PlotError> {
        let text = text(path)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .map_err(|e| PlotError::input(path, format!("bad CSV header: {e}")))?
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = Vec::new();
        for rec in reader.records() {
            let rec = rec.map_err(|e| PlotError::input(path, format!("bad CSV: {e}")))?;
            rows.push(rec.iter().map(str::to_string).collect());
        }
        Ok(Table { header, rows })
    }

    /// The index of column `name`.
    pub fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// The index of column `name`, or an input error naming the file and the column.
    pub fn need(&self, path: &Path, name: &str) -> Result<usize, PlotError> {
        self.col(name)
            .ok_or_else(|| PlotError::input(path, format!("has no column `{name}`")))
    }
}

/// A cell as a number; empty and unparsable cells are `None`.
pub fn cell(row: &[String], i: usize) -> Option<f64> {
    row.get(i)
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

/// Splits a value as written in a grid (`"450/s"`, `"250ms"`, `"3"`) into its number and unit.
pub fn number_with_unit(s: &str) -> Option<(f64, &str)> {
    let s = s.trim();
    let end = s
        .char_indices()
        .take_while(|&(_, c)| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        .map(|(i, c)| i + c.len_utf8())
        .last()?;
    // Back off over a trailing exponent marker that belongs to the unit ("2e" is not a number).
    (1..=end).rev().find_map(|cut| {
        s[..cut]
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .map(|v| (v, s[cut..].trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_values_split_into_number_and_unit() {
        assert_eq!(number_with_unit("450/s"), Some((450.0, "/s")));
        assert_eq!(number_with_unit("250ms"), Some((250.0, "ms")));
        assert_eq!(number_with_unit("3"), Some((3.0, "")));
        assert_eq!(number_with_unit("0.5"), Some((0.5, "")));
        assert_eq!(number_with_unit("random"), None);
    }
}
