//! Which Python runs the tests' Python peers (MSAL Python, msal-extensions): the virtual
//! environment `.ci/run` creates in `.venv/` (so the set-up works on a stock Debian or Ubuntu,
//! whose own Python refuses `pip install`, PEP 668), else `$MSAL_TEST_PYTHON`, else `python3`.

use std::path::{Path, PathBuf};

/// What a developer runs once to install the Python peers (`.ci/run` does the same).
pub const INSTALL_COMMAND: &str =
    "python3 -m venv .venv && .venv/bin/python -m pip install -r tests/requirements.txt";

/// The Python interpreter for the peers.
pub fn interpreter() -> PathBuf {
    if let Some(explicit) = std::env::var_os("MSAL_TEST_PYTHON") {
        return PathBuf::from(explicit);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/python3");
    if venv.exists() {
        return venv;
    }
    PathBuf::from("python3")
}
