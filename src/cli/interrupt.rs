//! Ctrl-C for long commands: the first interrupt asks the work to stop after the runs in
//! progress (finished runs are kept); a second one quits at once with exit code 130.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

/// Exit code of an interrupted command (128 + SIGINT).
pub const EXIT_INTERRUPTED: u8 = 130;

static STOP: AtomicBool = AtomicBool::new(false);
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// Installs the handler (once) and returns the flag long work polls.
pub fn stop_flag() -> &'static AtomicBool {
    INSTALLED.get_or_init(|| {
        ctrlc::set_handler(|| {
            if STOP.swap(true, Ordering::SeqCst) {
                eprintln!("\ninterrupted again: quitting now");
                std::process::exit(i32::from(EXIT_INTERRUPTED));
            }
            eprintln!(
                "\ninterrupted: stopping after the work in progress (finished runs and partial \
                 results are kept; Ctrl-C again to quit now)"
            );
        })
        .is_ok()
    });
    &STOP
}
