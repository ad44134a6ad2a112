//! `msal device-code`: sign in on another device with a code (RFC 8628).

use std::io::{IsTerminal as _, Write as _};
use std::time::{Duration, Instant};

use clap::Args;

use super::user::{self, OfflineAccessArgs, UserClient};
use crate::cli::Context;
use crate::cli::args::CredentialArgs;
use crate::cli::keyring::forget_secret;
use crate::cli::signal;
use crate::cli::status::status;

/// Arguments of `msal device-code`.
#[derive(Debug, Args)]
pub struct DeviceCodeArgs {
    /// Scope to request (repeatable); `openid profile` are added, and `offline_access` where the
    /// provider supports it
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)
    #[arg(long, value_name = "RESOURCE", conflicts_with = "scopes")]
    pub resource: Option<String>,
    /// Also show the verification URL as a QR code
    #[arg(long)]
    pub qr: bool,

    /// Whether a refresh token is asked for.
    #[command(flatten)]
    pub offline_access: OfflineAccessArgs,

    /// A confidential client's credential (its sign-ins and refreshes authenticate the client).
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// Runs `msal device-code`.
pub async fn run(args: DeviceCodeArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let scopes = super::required_scopes(
        &context.settings,
        args.resource.as_deref(),
        &args.scopes,
        super::USER_SCOPE,
    )?;
    let UserClient { client, save } =
        user::client(context, &args.credential, &args.offline_access)?;
    let flow = client.initiate_device_flow(&scopes).await?;
    // Until the polling ends.
    let interrupted = signal::interrupted();
    tokio::pin!(interrupted);
    status!("{}", flow.authorization.instructions());
    if args.qr {
        let target = flow
            .authorization
            .verification_uri_complete
            .as_deref()
            .unwrap_or(&flow.authorization.verification_uri);
        status!("{}", qr(target));
    }

    let expires = flow.authorization.deadline(Instant::now());
    let show_countdown = std::io::stderr().is_terminal() && !context.settings.quiet;
    let result = {
        let poll = client.complete_device_flow(&flow);
        tokio::pin!(poll);
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                result = &mut poll => break result,
                signal = &mut interrupted => {
                    clear_line(show_countdown);
                    return Err(signal.into());
                }
                _ = tick.tick(), if show_countdown => {
                    let left = expires.saturating_duration_since(Instant::now()).as_secs();
                    let _ = write!(std::io::stderr(), "\rWaiting for the sign-in… {}:{:02} left ", left / 60, left % 60);
                }
            }
        }
    };
    clear_line(show_countdown);
    // A signal that came while the thread was busy (waiting for the cache's lock) still ends it.
    if let Some(signal) = signal::received() {
        return Err(signal.into());
    }
    let result = result?;
    if let Some(save) = save {
        save.commit(&result)?;
    }
    user::finish_sign_in(&result, context)
}

fn clear_line(active: bool) {
    if active {
        let _ = write!(std::io::stderr(), "\r\x1b[2K");
    }
}

/// The URL as a QR code in Unicode half blocks (two modules per character cell), with the
/// quiet zone scanners need.
fn qr(text: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return "(the URL is too long for a QR code)".to_owned();
    };
    let width = code.width();
    let colors = code.to_colors();
    let dark = |x: isize, y: isize| -> bool {
        x >= 0
            && y >= 0
            && (x as usize) < width
            && (y as usize) < width
            && colors[y as usize * width + x as usize] == qrcode::Color::Dark
    };
    let quiet = 2isize;
    let size = width as isize;
    let mut out = String::new();
    let mut y = -quiet;
    while y < size + quiet {
        for x in -quiet..size + quiet {
            out.push(match (dark(x, y), dark(x, y + 1)) {
                (true, true) => ' ',
                (true, false) => '▄',
                (false, true) => '▀',
                (false, false) => '█',
            });
        }
        out.push('\n');
        y += 2;
    }
    out
}
