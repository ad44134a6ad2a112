//! Diagnostics on stderr through the `log` facade: warnings by default, errors only with `-q`,
//! more with `-v`/`-vv` or `MSAL_LOG`. The library logs no secret: they live in redacting types.
//! Status lines for the user have their own printer ([`crate::cli::status`]).

use std::io::Write as _;

use log::{Level, LevelFilter, Log, Metadata, Record};

use crate::cli::style;

struct StderrLogger {
    level: LevelFilter,
}

impl Log for StderrLogger {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.level() <= self.level && metadata.target().starts_with("msal")
    }

    fn log(&self, record: &Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        // Messages quote servers and files (names, descriptions, paths): whatever they hold,
        // the terminal gets text, never an escape sequence.
        let text = record.args().to_string();
        let text = msal::text::printable_lines(&text);
        let label = match record.level() {
            Level::Error => style::error("error:"),
            Level::Warn => style::warning("warning:"),
            Level::Info => "info:".to_owned(),
            Level::Debug => "debug:".to_owned(),
            Level::Trace => "trace:".to_owned(),
        };
        // Nothing sensible to do if stderr is gone.
        let _ = writeln!(std::io::stderr().lock(), "{label} {text}");
    }

    fn flush(&self) {}
}

/// Installs the logger. `verbose` counts `-v`; `quiet` is `-q`; `env_level` is `MSAL_LOG`.
/// Status lines ([`crate::cli::status`]) are shown whenever warnings are.
pub fn init(verbose: u8, quiet: bool, env_level: Option<&str>) {
    let level = if quiet {
        LevelFilter::Error
    } else if verbose >= 2 {
        LevelFilter::Debug
    } else if verbose == 1 {
        LevelFilter::Info
    } else {
        env_level
            .and_then(|l| l.parse().ok())
            .unwrap_or(LevelFilter::Warn)
    };
    crate::cli::status::init(level >= LevelFilter::Warn);
    // One logger for the life of the process; leaking it is what `set_logger` needs.
    if log::set_logger(Box::leak(Box::new(StderrLogger { level }))).is_ok() {
        log::set_max_level(level);
    }
}
