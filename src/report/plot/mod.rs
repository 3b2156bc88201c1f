//! Pictures of a run, a sweep or a capacity search, drawn from the files they wrote.
//!
//! Every plot is drawn from the CSV and JSON files on disk, never from memory, so `spacesim plot
//! DIR` redraws exactly what `spacesim run` drew, and a plot can be regenerated after the fact.
//! The files drawn from are byte-identical across runs; the pictures are not promised to be.
//!
//! - a run (`summary.json` + `timeseries.csv`): [`timeline`] (`timeline.png`) and [`latency`]
//!   (`latency.png`, from the `.hgrm` files);
//! - a sweep (`points.csv` + `sweep.json`): [`sweep`] (`sweep-<metric>.png`, and
//!   `heatmap-<metric>.png` for a two-parameter grid);
//! - a capacity search (`capacity.csv` + `capacity.json`): [`capacity`] (`capacity.png`).
//!
//! # Fonts
//! Text is drawn with plotters' `ab_glyph` renderer from a font compiled into the binary
//! (DejaVu Sans, `assets/fonts/`), not from the system's fonts: a fresh machine without
//! fontconfig draws the same text. The font is registered once, on first use.
//!
//! # Writing
//! Each picture is drawn into a temporary file in the output directory and renamed into place,
//! so a reader never sees half a PNG.

pub mod capacity;
pub mod latency;
mod read;
mod style;
pub mod sweep;
pub mod timeline;

use std::path::{Path, PathBuf};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

/// The file format of the pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// A raster image (for slides and the README). The default.
    #[default]
    Png,
    /// A vector image (for papers).
    Svg,
}

impl Format {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
        }
    }
}

/// What a directory holds, judged by the files in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A run: `summary.json` and `timeseries.csv`.
    Run,
    /// A sweep: `points.csv` and `sweep.json`.
    Sweep,
    /// A capacity search: `capacity.csv` and `capacity.json`.
    Capacity,
}

/// How to draw: the format and, for sweeps, the metrics.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Picture format (default PNG).
    pub format: Format,
    /// Sweep metrics to draw, as `summary.json` paths (default: [`sweep::DEFAULT_METRIC`]).
    pub metrics: Vec<String>,
}

/// Why nothing (or not everything) could be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The directory holds none of the file pairs a plot is drawn from.
    #[error(
        "{}: nothing to plot: expected a run (summary.json and timeseries.csv), a sweep \
         (points.csv and sweep.json) or a capacity search (capacity.csv and capacity.json)",
        dir.display()
    )]
    NothingToPlot {
        /// The directory.
        dir: PathBuf,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A file holds something a plot cannot be drawn from; the message says what and how to fix.
    #[error("{}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Drawing or writing a picture failed.
    #[error("cannot write {}: {message}", path.display())]
    Write {
        /// The picture.
        path: PathBuf,
        /// The cause.
        message: String,
    },
}

impl PlotError {
    pub(crate) fn input(path: &Path, message: impl Into<String>) -> Self {
        PlotError::Input {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }
}

/// Says what `dir` holds; a run wins over a sweep, a sweep over a capacity search.
pub fn detect(dir: &Path) -> Option<Kind> {
    let has = |a: &str, b: &str| dir.join(a).is_file() && dir.join(b).is_file();
    if has(crate::report::SUMMARY_FILE, crate::report::TIMESERIES_FILE) {
        Some(Kind::Run)
    } else if has("points.csv", "sweep.json") {
        Some(Kind::Sweep)
    } else if has("capacity.csv", "capacity.json") {
        Some(Kind::Capacity)
    } else {
        None
    }
}

/// Draws `timeline.png` and `latency.png` into `dir` from the files a run wrote there
/// (`summary.json`, `timeseries.csv`, `latency*.hgrm`); returns the pictures written.
pub fn draw_run(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    draw_run_to(dir, dir, Format::Png)
}

/// Draws a run's pictures from `dir` into `out`.
pub fn draw_run_to(dir: &Path, out: &Path, format: Format) -> Result<Vec<PathBuf>, PlotError> {
    let mut written = vec![timeline::draw(dir, out, format)?];
    written.extend(latency::draw(dir, out, format)?);
    Ok(written)
}

/// Draws whatever `dir` holds (see [`detect`]) into `out`; returns the pictures written.
pub fn draw_dir(dir: &Path, out: &Path, options: &Options) -> Result<Vec<PathBuf>, PlotError> {
    if let Err(source) = std::fs::read_dir(dir) {
        return Err(PlotError::Read {
            path: dir.to_path_buf(),
            source,
        });
    }
    match detect(dir) {
        Some(Kind::Run) => draw_run_to(dir, out, options.format),
        Some(Kind::Sweep) => sweep::draw(dir, out, options),
        Some(Kind::Capacity) => capacity::draw(dir, out, options.format).map(|p| vec![p]),
        None => Err(PlotError::NothingToPlot {
            dir: dir.to_path_buf(),
        }),
    }
}

/// The result of drawing on a backend; the error is the backend's, boxed.
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A picture that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Size in pixels (PNG) or user units (SVG).
    fn size(&self) -> (u32, u32);
    /// Draws the whole picture on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// Draws `figure` to `<out>/<stem>.<ext>` through a temporary file renamed into place.
pub(crate) fn render(
    figure: &impl Figure,
    out: &Path,
    stem: &str,
    format: Format,
) -> Result<PathBuf, PlotError> {
    register_font();
    let path = out.join(format!("{stem}.{}", format.extension()));
    let fail = |message: String| PlotError::Write {
        path: path.clone(),
        message,
    };
    std::fs::create_dir_all(out).map_err(|e| fail(e.to_string()))?;
    // The bitmap backend picks its encoder from the extension, so the temporary name keeps it.
    let tmp = tempfile::Builder::new()
        .prefix(".plot-")
        .suffix(&format!(".{}", format.extension()))
        .tempfile_in(out)
        .map_err(|e| fail(e.to_string()))?;
    match format {
        Format::Png => {
            let root = BitMapBackend::new(tmp.path(), figure.size()).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            figure.draw(&root).map_err(|e| fail(e.to_string()))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
                root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
                figure.draw(&root).map_err(|e| fail(e.to_string()))?;
                root.present().map_err(|e| fail(e.to_string()))?;
            }
            std::fs::write(tmp.path(), svg).map_err(|e| fail(e.to_string()))?;
        }
    }
    // Like every other result file: readable by everyone, as the umask allows (a temporary
    // file alone would stay private, 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(|e| fail(e.to_string()))?;
    }
    tmp.persist(&path).map_err(|e| fail(e.error.to_string()))?;
    Ok(path)
}

/// The bundled font; see the module docs.
static FONT: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font as plotters' `sans-serif` family, once per process.
fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bytes are compiled in and known to parse; a failure here is a build defect.
        if plotters::style::register_font("sans-serif", FontStyle::Normal, FONT).is_err() {
            panic!("the bundled font assets/fonts/DejaVuSans.ttf does not parse");
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_directory_has_nothing_to_plot() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(detect(dir.path()), None);
        let err = draw_dir(dir.path(), dir.path(), &Options::default()).unwrap_err();
        assert!(matches!(err, PlotError::NothingToPlot { .. }), "{err}");
    }

    #[test]
    fn the_bundled_font_parses() {
        register_font();
    }
}
