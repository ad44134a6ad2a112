//! `msal device-code`: sign in on another device with a code (RFC 8628).

use clap::Args;

use super::super::Context;

/// Arguments of `msal device-code`.
#[derive(Debug, Args)]
pub struct DeviceCodeArgs {
    /// Scope to request (repeatable); `openid profile offline_access` are always added
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// Also show the verification URL as a QR code
    #[arg(long)]
    pub qr: bool,
}

/// Runs `msal device-code`.
pub async fn run(_args: DeviceCodeArgs, _context: &Context) -> anyhow::Result<()> {
    Err(super::not_yet("device-code"))
}
