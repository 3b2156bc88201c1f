//! `spacesim compare`: two run directories side by side, and the KS distance between their
//! latency distributions.

use std::path::PathBuf;

use super::{EXIT_INPUT, print_stdout};
use crate::load::compare::{RunView, ks, render};
use crate::report::OutputDir;
use crate::report::plot::{Format, latency};

/// Arguments of `spacesim compare`.
#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// The first run directory (e.g. `spacesim run`'s output).
    pub a: PathBuf,
    /// The second run directory (e.g. `spacesim load`'s output).
    pub b: PathBuf,
    /// Directory for compare.txt (the table) and compare.png [default: results/compare/].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Exit 1 when the Kolmogorov–Smirnov distance between the latency distributions exceeds D
    /// (0 to 1), or cannot be computed.
    #[arg(long, value_name = "D")]
    pub max_ks: Option<f64>,
    /// Do not draw compare.png.
    #[arg(long)]
    pub no_plots: bool,
    /// Print nothing but the verdict line, warnings and errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command; returns the exit code.
pub fn run(args: &CompareArgs) -> anyhow::Result<u8> {
    if let Some(d) = args.max_ks
        && !(0.0..=1.0).contains(&d)
    {
        eprintln!("error: --max-ks {d}: a KS distance lies between 0 and 1");
        return Ok(EXIT_INPUT);
    }
    let mut views = Vec::new();
    for dir in [&args.a, &args.b] {
        match RunView::read(dir) {
            Ok(v) => views.push(v),
            Err(e) => {
                eprintln!("error: {e}");
                return Ok(EXIT_INPUT);
            }
        }
    }
    let (a, b) = (&views[0], &views[1]);
    let d = ks(a, b);
    let text = render(a, b, d);
    let dir = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join("compare"));
    let out = OutputDir::create(&dir)?;
    out.write("compare.txt", text.as_bytes())?;
    if !args.no_plots {
        let files = [
            (
                format!("{} ({})", a.label, a.kind),
                a.dir.join("latency.hgrm"),
            ),
            (
                format!("{} ({})", b.label, b.kind),
                b.dir.join("latency.hgrm"),
            ),
        ];
        if let Err(e) = latency::draw_files(&files, out.path(), "compare", Format::Png) {
            eprintln!(
                "warning: compare.png not drawn: {:#}",
                anyhow::Error::new(e)
            );
        }
    }
    if !args.quiet {
        print_stdout(&text)?;
    }
    match (args.max_ks, d) {
        (Some(max), Some(d)) if d > max => {
            println!("KS distance {d:.4} exceeds --max-ks {max}: the distributions differ");
            Ok(1)
        }
        (Some(max), None) => {
            println!("no KS distance to hold to --max-ks {max}: a run has no successful request");
            Ok(1)
        }
        (Some(max), Some(d)) => {
            println!("KS distance {d:.4} is within --max-ks {max}");
            Ok(0)
        }
        (None, _) => Ok(0),
    }
}
