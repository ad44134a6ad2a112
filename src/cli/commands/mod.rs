//! One module per subcommand: its arguments, and a `run` that unpacks them, calls the library
//! and hands the result to the printer.

pub mod accounts;
pub mod client_credentials;
pub mod device_code;
pub mod login;
pub mod logout;
pub mod obo;
pub mod scopes;
pub mod silent;
mod user;

/// The error for subcommands a later version will implement: says so plainly, exits 1.
pub fn not_yet(command: &str) -> anyhow::Error {
    anyhow::anyhow!("`msal {command}` is not implemented in this version yet")
}
