//! Router-log reader: any bytes, as a log file, are split into lines (lossy UTF-8, as
//! `spacesim fit` reads them) and parsed; the lines kept are then fitted (arrival and
//! service-time fits) and the scenario fragment rendered. None of it may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use spacesim::fit::{Collector, analyse, fragment};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut collector = Collector::new(None);
    for line in text.split('\n') {
        let _ = spacesim::fit::parse::parse_line(line);
        collector.add_line(line);
    }
    // Fitting is O(n log n) in the lines kept; fuzz inputs are small, so it stays cheap.
    if let Some(fit) = analyse(&collector) {
        let _ = fragment::render(&fit, &fragment::FragmentOptions::default());
    }
});
