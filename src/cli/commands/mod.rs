//! One module per subcommand: its arguments, and a `run` that unpacks them, calls the library
//! and hands the result to the printer.

pub mod accounts;
pub mod client_credentials;
pub mod completions;
pub mod device_code;
pub mod doctor;
pub mod login;
pub mod logout;
pub mod obo;
pub mod scopes;
pub mod silent;
mod user;
