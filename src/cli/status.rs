//! Status lines on stderr: the conversation with the user ("signed in as …", the device code
//! instructions, "removed …"). Plain text without a label, hidden by `-q`; diagnostics (warnings,
//! `-v` detail) go through the `log` facade instead ([`crate::cli::logger`]).

use std::fmt;
use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether status lines are shown: set once at start-up.
static SHOWN: AtomicBool = AtomicBool::new(true);

/// Shows status lines, or not (`-q`, or a log level that hides warnings).
pub fn init(shown: bool) {
    SHOWN.store(shown, Ordering::Relaxed);
}

/// Prints one status line (or several, for text with newlines) on stderr. The text quotes
/// servers and files (names, URLs, paths), so the terminal gets it without anything it would
/// interpret.
pub fn line(args: fmt::Arguments<'_>) {
    if !SHOWN.load(Ordering::Relaxed) {
        return;
    }
    let text = args.to_string();
    // Nothing sensible to do if stderr is gone.
    let _ = writeln!(
        std::io::stderr().lock(),
        "{}",
        msal::text::printable_lines(&text)
    );
}

/// Prints a status line on stderr (hidden by `-q`), with `format!` arguments.
macro_rules! status {
    ($($arg:tt)*) => { $crate::cli::status::line(format_args!($($arg)*)) };
}
pub(crate) use status;
