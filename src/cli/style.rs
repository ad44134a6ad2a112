//! Colour for the labels on stderr (`error:`, `warning:`, `hint:`): only when stderr is a
//! terminal, never when `NO_COLOR` is set (<https://no-color.org>) or `TERM=dumb`. stdout is
//! never coloured: it carries tokens and JSON for other programs.

use std::io::IsTerminal as _;
use std::sync::OnceLock;

use crate::cli::env::Env;

static ENABLED: OnceLock<bool> = OnceLock::new();

/// Decides once, at start-up, whether stderr gets colour.
pub fn init(env: &Env) {
    let enabled = std::io::stderr().is_terminal()
        && env.get("NO_COLOR").is_none()
        && env.get("TERM") != Some("dumb");
    let _ = ENABLED.set(enabled);
}

fn paint(text: &str, code: &str) -> String {
    if ENABLED.get().copied().unwrap_or(false) {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_owned()
    }
}

/// `error:` in bold red.
pub fn error(label: &str) -> String {
    paint(label, "1;31")
}

/// `warning:` in bold yellow.
pub fn warning(label: &str) -> String {
    paint(label, "1;33")
}

/// `hint:` in bold cyan.
pub fn hint(label: &str) -> String {
    paint(label, "1;36")
}
