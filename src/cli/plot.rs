//! `spacesim plot DIR`: redraws the pictures of a run, a sweep or a capacity search from the
//! files it wrote (see [`crate::report::plot`]). Exit 0 when every picture was written; 2 when
//! the directory holds nothing to plot or a file cannot be drawn from (the message names it).

use std::path::PathBuf;

use anyhow::Context;

use super::print_stdout;
use crate::report::plot::{self, Format, Options};

/// Picture format on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FormatArg {
    /// PNG raster images (slides, README).
    #[default]
    Png,
    /// SVG vector images (papers).
    Svg,
}

/// Arguments of `spacesim plot`.
#[derive(Debug, clap::Args)]
pub struct PlotArgs {
    /// A directory written by `spacesim run`, `sweep` or `capacity`.
    pub dir: PathBuf,
    /// Picture format.
    #[arg(long, value_enum, default_value_t = FormatArg::Png)]
    pub format: FormatArg,
    /// Where to write the pictures [default: DIR].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// A sweep metric to draw, as a summary.json path; repeat for several
    /// [default: latency_ms.p99].
    #[arg(long = "metric", value_name = "PATH")]
    pub metrics: Vec<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command; returns the exit code.
pub fn run(args: &PlotArgs) -> anyhow::Result<u8> {
    let options = Options {
        format: match args.format {
            FormatArg::Png => Format::Png,
            FormatArg::Svg => Format::Svg,
        },
        metrics: args.metrics.clone(),
    };
    let out = args.out.as_ref().unwrap_or(&args.dir);
    let written = plot::draw_dir(&args.dir, out, &options)?;
    if !args.quiet {
        let text: String = written
            .iter()
            .map(|p| format!("wrote {}\n", p.display()))
            .collect();
        print_stdout(&text).context("cannot write to stdout")?;
    }
    Ok(0)
}
