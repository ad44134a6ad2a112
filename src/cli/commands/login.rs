//! `msal login`: interactive sign-in (authorization code + PKCE on a loopback redirect), plus
//! the legacy username/password and refresh-token import.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Args;
use msal::app::{AuthenticationResult, InteractiveParameters, PublicClient};
use msal::flow::auth_code::Redirect;
use msal::flow::redirect_uri::RedirectUri;
use msal::secret::{Password, RefreshToken};
use msal::text::printable;

use super::user::{self, OfflineAccessArgs, UserClient};
use crate::cli::Context;
use crate::cli::args::CredentialArgs;
use crate::cli::credential::{check_stdin, read_secret};
use crate::cli::env;
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;
use crate::cli::settings::flatten_scopes;
use crate::cli::signal;
use crate::cli::status::status;

/// Arguments of `msal login`.
#[derive(Debug, Args, Default)]
pub struct LoginArgs {
    /// Scope to request (repeatable); `openid profile` are added, and `offline_access` where the
    /// provider supports it
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)
    #[arg(long, value_name = "RESOURCE", conflicts_with = "scopes")]
    pub resource: Option<String>,
    /// Scopes of other resources to consent to now, without a token for them
    #[arg(long, value_name = "SCOPE")]
    pub extra_scope: Vec<String>,
    /// Print the sign-in URL instead of opening a browser; paste the final URL on stdin
    #[arg(long)]
    pub no_browser: bool,
    /// Loopback port for the default redirect URI (default: any free port)
    #[arg(long, value_name = "PORT", conflicts_with = "redirect_uri")]
    pub port: Option<u16>,
    /// The redirect URI the application registered [env: MSAL_REDIRECT_URI]
    ///
    /// A loopback http URI on localhost, 127.0.0.1 or [::1], with or without a port and with any
    /// path: msal listens on exactly that (a free port when it names none). With --no-browser,
    /// any registered URI (e.g. https://app.example/callback): paste the address the browser
    /// ends on. Default: http://localhost:PORT for Entra ID (register http://localhost),
    /// http://127.0.0.1:PORT/ for other providers (register http://127.0.0.1/ where the
    /// provider allows any loopback port). Providers that match redirect URIs exactly need a
    /// fixed port: register e.g. http://127.0.0.1:8400/callback and pass the same.
    #[arg(long, value_name = "URI", verbatim_doc_comment)]
    pub redirect_uri: Option<String>,
    /// Add KEY=VALUE to the authorization request (repeatable), for providers that need more,
    /// e.g. Google's --auth-param access_type=offline for a refresh token; also the profile's
    /// auth_params table
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_auth_param)]
    pub auth_param: Vec<(String, String)>,
    /// Pre-fill the username on the sign-in page
    #[arg(long, value_name = "USERNAME")]
    pub login_hint: Option<String>,
    /// Skip home-realm discovery: `consumers`, `organizations` or a federated domain
    #[arg(long, value_name = "DOMAIN")]
    pub domain_hint: Option<String>,
    /// `select_account`, `login`, `consent` or `none`
    #[arg(long, value_name = "PROMPT")]
    pub prompt: Option<String>,
    /// A claims challenge (JSON) to satisfy
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,
    /// Legacy: sign in with this username and a password read from stdin (no MFA; avoid)
    #[arg(long, value_name = "USERNAME", requires = "password_stdin")]
    pub username: Option<String>,
    /// Legacy: read the password for --username from stdin
    #[arg(long, requires = "username")]
    pub password_stdin: bool,
    /// Legacy: import a refresh token from FILE into the cache
    #[arg(long, value_name = "FILE")]
    pub refresh_token_file: Option<PathBuf>,

    /// Whether a refresh token is asked for.
    #[command(flatten)]
    pub offline_access: OfflineAccessArgs,

    /// A confidential client's credential (its sign-ins and refreshes authenticate the client).
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// How long a sign-in waits for the browser when `--timeout` is not given.
const DEFAULT_WAIT: Duration = Duration::from_secs(300);

/// Runs `msal login`.
pub async fn run(args: LoginArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let scopes = super::required_scopes(
        &context.settings,
        args.resource.as_deref(),
        &args.scopes,
        super::USER_SCOPE,
    )?;
    // A browser sign-in reads a pasted address from stdin.
    let pasting = args.username.is_none() && args.refresh_token_file.is_none();
    let stdin_inputs = [
        (
            "--password-stdin",
            args.password_stdin.then(|| Path::new("-")),
        ),
        ("--refresh-token-file", args.refresh_token_file.as_deref()),
        (
            "the pasted sign-in address",
            pasting.then(|| Path::new("-")),
        ),
    ];
    check_stdin(
        args.credential
            .stdin_inputs()
            .into_iter()
            .chain(stdin_inputs),
    )?;
    let UserClient { client, save } =
        user::client(context, &args.credential, &args.offline_access)?;

    let result = if let Some(username) = &args.username {
        let password = Password::new(read_secret(Path::new("-"), "password")?);
        client
            .acquire_token_by_username_password(username, &password, &scopes)
            .await?
    } else if let Some(file) = &args.refresh_token_file {
        let token = RefreshToken::new(read_secret(file, "refresh token")?);
        client
            .acquire_token_by_refresh_token(&token, &scopes)
            .await?
    } else {
        interactive(&client, &args, scopes, context).await?
    };
    if let Some(save) = save {
        save.commit(&result)?;
    }
    user::finish_sign_in(&result, context)
}

/// An interactive sign-in with `msal login`'s defaults (the browser when there is one, else the
/// URL to open and a paste prompt), for `silent`'s fallback when kubectl lets its plugin
/// interact with the user.
pub async fn sign_in_interactively(
    client: &PublicClient,
    scopes: Vec<String>,
    context: &Context,
) -> anyhow::Result<AuthenticationResult> {
    interactive(client, &LoginArgs::default(), scopes, context).await
}

async fn interactive(
    client: &PublicClient,
    args: &LoginArgs,
    scopes: Vec<String>,
    context: &Context,
) -> anyhow::Result<AuthenticationResult> {
    let browser = if args.no_browser {
        None
    } else {
        browser::detect()
    };
    let redirect_uri = redirect_uri(args, context)?;
    let params = InteractiveParameters {
        scopes,
        extra_scopes: flatten_scopes(&args.extra_scope),
        login_hint: args.login_hint.clone(),
        domain_hint: args.domain_hint.clone(),
        prompt: args.prompt.clone(),
        claims: args.claims.clone(),
        port: args.port,
        redirect_uri,
        remote_browser: browser.is_none(),
        extra_parameters: auth_params(args, context),
    };
    let flow = client.initiate_interactive(&params).await?;
    // From here until the sign-in is complete, code redemption included.
    let interrupted = signal::interrupted();
    tokio::pin!(interrupted);
    let url = flow.url().to_string();
    let opened = browser.is_some() && browser::open(&url);
    if opened {
        status!(
            "Opened the sign-in page in your browser; waiting for you to finish (Ctrl-C to cancel)."
        );
        status!("If it did not open, visit:\n  {url}");
    } else {
        status!("Open this URL in a browser to sign in:\n\n  {url}\n");
        let redirect = printable(flow.redirect_uri());
        if flow.is_listening() {
            status!(
                "After signing in, the browser goes to {redirect}; if that page cannot load \
                 (the browser is on another machine), paste its full address here and press Enter."
            );
        } else {
            status!(
                "After signing in, the browser goes to {redirect}: paste the full address it \
                 ends on here and press Enter."
            );
        }
    }

    let wait = context.settings.timeout_given.unwrap_or(DEFAULT_WAIT);
    let now = Instant::now();
    let deadline = now.checked_add(wait).unwrap_or(now + DEFAULT_WAIT);
    let pasted = paste(&flow, !opened);
    let redirect = tokio::select! {
        outcome = flow.wait_for_redirect(deadline) => outcome?,
        redirect = pasted => redirect,
        signal = &mut interrupted => return Err(signal.into()),
    };
    let result = tokio::select! {
        result = client.complete_interactive(&flow, redirect) => result,
        signal = &mut interrupted => return Err(signal.into()),
    };
    // A signal that came while the thread was busy (waiting for the cache's lock) still ends it.
    if let Some(signal) = signal::received() {
        return Err(signal.into());
    }
    Ok(result?)
}

/// `KEY=VALUE` of `--auth-param`.
fn parse_auth_param(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.to_owned()))
        }
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

/// `--auth-param` options, then the profile's `auth_params` whose keys no option gave.
fn auth_params(args: &LoginArgs, context: &Context) -> Vec<(String, String)> {
    let mut params = args.auth_param.clone();
    if let Some(profile) = &context.settings.config.profile.auth_params {
        for (key, value) in profile {
            if !params.iter().any(|(k, _)| k == key) {
                params.push((key.clone(), value.clone()));
            }
        }
    }
    params
}

/// The redirect URI: `--redirect-uri`, `MSAL_REDIRECT_URI` or the profile's `redirect_uri`;
/// `None` leaves the provider's default.
fn redirect_uri(args: &LoginArgs, context: &Context) -> anyhow::Result<Option<RedirectUri>> {
    let chosen = [
        (args.redirect_uri.as_deref(), "--redirect-uri"),
        (
            context.env.get(env::MSAL_REDIRECT_URI),
            env::MSAL_REDIRECT_URI,
        ),
        (
            context.settings.config.profile.redirect_uri.as_deref(),
            "the profile's redirect_uri",
        ),
    ]
    .into_iter()
    .find_map(|(value, source)| value.map(|v| (v, source)));
    let Some((text, source)) = chosen else {
        return Ok(None);
    };
    if args.port.is_some() {
        return Err(UsageError(format!(
            "--port and {source} both choose the redirect; put the port in the redirect URI"
        ))
        .into());
    }
    let redirect = RedirectUri::parse(text).map_err(|e| UsageError(format!("{source}: {e}")))?;
    if matches!(redirect, RedirectUri::Pasted(_)) && !args.no_browser {
        return Err(UsageError(format!(
            "{source}: msal can listen only on a loopback http redirect URI (localhost, \
             127.0.0.1 or [::1]); for {text} add --no-browser and paste the address the \
             browser ends on"
        ))
        .into());
    }
    Ok(Some(redirect))
}

/// Reads pasted redirect URLs from stdin until one answers this sign-in; never resolves when
/// pasting is off or stdin ends.
async fn paste(flow: &msal::app::InteractiveFlow, enabled: bool) -> Redirect {
    if !enabled {
        return std::future::pending().await;
    }
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<String>(4);
    // A blocking read of stdin cannot be cancelled; the thread ends with the process.
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if sender.blocking_send(line).is_err() {
                break;
            }
        }
    });
    while let Some(line) = receiver.recv().await {
        if line.trim().is_empty() {
            continue;
        }
        match flow.parse_pasted(&line) {
            Redirect::Foreign => status!(
                "That is not the address of this sign-in's answer (it needs ?code=…&state=…); try again."
            ),
            redirect => return redirect,
        }
    }
    std::future::pending().await
}

mod browser {
    //! Opening the user's browser. `webbrowser` reports success whenever it can spawn a GUI
    //! browser, even one that dies for lack of a display, so this checks for a display first.

    /// Whether a browser can plausibly show a page here: `$BROWSER`, a graphical session,
    /// macOS/Windows, or WSL (which opens the Windows browser).
    pub fn detect() -> Option<()> {
        let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
        let graphical = cfg!(any(target_os = "macos", target_os = "windows"))
            || set("BROWSER")
            || set("DISPLAY")
            || set("WAYLAND_DISPLAY")
            || set("WSL_DISTRO_NAME");
        (graphical && !set("SSH_CONNECTION") || set("BROWSER")).then_some(())
    }

    /// Opens `url` (honouring `$BROWSER`); false when no browser could be started.
    pub fn open(url: &str) -> bool {
        webbrowser::open_browser_with_options(
            webbrowser::Browser::Default,
            url,
            webbrowser::BrowserOptions::new().with_suppress_output(true),
        )
        .is_ok()
    }
}
