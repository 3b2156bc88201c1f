//! Scenario parser + validator: any bytes, read as the text of a scenario file, give a scenario
//! or a located error, never a panic. A scenario that parses is also linted and its resource
//! estimate computed (both must be total functions of a valid scenario). The simulation itself
//! is not run here: it is covered by the property tests (tests/integration/props.rs).
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The loader refuses non-UTF-8 files before parsing (load::read_text); mirror that.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // base_dir is a folder with no data files, so `file = ...` references fail cleanly.
    match spacesim::scenario::parse(text, "fuzz.toml", Path::new("/nonexistent-spacesim-fuzz"), None) {
        Ok(scenario) => {
            let _ = spacesim::lint::findings(&scenario);
            let _ = spacesim::model::bounds::estimate(&scenario);
            let _ = spacesim::model::bounds::refusal(&scenario);
        }
        Err(e) => {
            // Rendering the error must not panic either (line/column from spans).
            let _ = e.to_string();
        }
    }
});
