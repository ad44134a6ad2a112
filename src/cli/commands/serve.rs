//! `msal serve`: a loopback managed-identity endpoint (App Service's protocol) answered from
//! msal's cache, for every Azure SDK on the machine; with `-- COMMAND`, for one program.

use std::ffi::OsString;
use std::sync::Arc;

use clap::Args;
use msal::app::{ManagedIdentityClient, ManagedIdentityConfig};
use msal::serve::{
    AppTokens, ManagedIdentityTokens, Policy, Server, TokenProvider, UserTokens, child_environment,
};

use super::super::Context;
use super::super::args::CredentialArgs;
use super::super::exit::{CannotRun, ExitStatus, Interrupted, UsageError};
use super::super::output::write_stdout;
use super::{confidential, silent, user};
use crate::cli::status::status;

/// Arguments of `msal serve`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  msal serve -- python3 app.py          # app.py's DefaultAzureCredential gets your tokens
  eval \"$(msal serve &)\"                # IDENTITY_ENDPOINT/IDENTITY_HEADER for this shell
  msal serve --allow-resource https://vault.azure.net -- ./job.sh")]
pub struct ServeArgs {
    /// Port on 127.0.0.1 (default: any free port)
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,

    /// Serve this account's tokens (needed only when the cache holds several)
    #[arg(long, value_name = "USERNAME", conflicts_with = "account")]
    pub username: Option<String>,

    /// Serve the tokens of the account with this home account id
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,

    /// Serve only this resource, e.g. https://vault.azure.net (repeatable; default: any)
    #[arg(long = "allow-resource", value_name = "RESOURCE")]
    pub allow_resources: Vec<String>,

    /// Refuse requests that name another identity (client_id, object_id, mi_res_id) instead of
    /// serving msal's identity whatever they name
    #[arg(long)]
    pub strict_identity: bool,

    /// Serve the application's own tokens (client credentials) rather than a user's; implied by
    /// any client credential option. The credential may also come from AZURE_CLIENT_SECRET,
    /// AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE.
    #[arg(long, conflicts_with_all = ["username", "account"])]
    pub app: bool,

    /// Relay the host's managed identity (chosen with --mi-client-id, --mi-object-id or
    /// --mi-resource-id; system-assigned by default) rather than a user's or the application's
    /// tokens: for a program that cannot reach the platform's endpoint, or should not hold its
    /// secret
    #[arg(long, conflicts_with_all = ["username", "account", "app"])]
    pub managed_identity: bool,

    /// How the application proves its identity (serves the application's own tokens).
    #[command(flatten)]
    pub credential: CredentialArgs,

    /// Run COMMAND with IDENTITY_ENDPOINT and IDENTITY_HEADER set, serve while it runs, and exit
    /// with its status
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

impl ServeArgs {
    /// Whether a client credential option was given.
    fn credential_given(&self) -> bool {
        let c = &self.credential;
        c.client_secret_file.is_some()
            || c.client_secret.is_some()
            || c.certificate.is_some()
            || c.client_assertion_file.is_some()
            || c.federated_token_file.is_some()
            || c.github_oidc
            || c.managed_identity_assertion
    }
}

/// Runs `msal serve`.
pub async fn run(args: ServeArgs, context: &Context) -> anyhow::Result<()> {
    let keyring = &args.credential.keyring;
    if keyring.save_secret || keyring.forget_secret {
        return Err(UsageError(
            "msal serve neither saves nor forgets credentials: run `msal client-credentials \
             --save-secret …` once, and msal serve finds the saved one"
                .into(),
        )
        .into());
    }
    let app_tokens = args.app || args.credential_given();
    if args.managed_identity && app_tokens {
        return Err(UsageError(
            "--managed-identity relays the host's identity; a client credential serves the \
             application's own tokens: give one or the other"
                .into(),
        )
        .into());
    }
    if app_tokens && (args.username.is_some() || args.account.is_some()) {
        return Err(UsageError(
            "--username/--account choose a user; a client credential serves the application's \
             own tokens: give one or the other"
                .into(),
        )
        .into());
    }
    let provider: Arc<dyn TokenProvider> = if args.managed_identity {
        let identity = crate::cli::settings::managed_identity(&args.credential.identity, None);
        let detection = crate::cli::settings::detect_source(&context.env)?;
        let settings = &context.settings;
        Arc::new(ManagedIdentityTokens::new(ManagedIdentityClient::new(
            ManagedIdentityConfig {
                identity,
                source: detection.source,
                arc_key_dir: crate::cli::settings::arc_key_dir(&context.env),
                http: settings.http_config(),
                token_cache: Some(settings.cache_file()),
            },
        )))
    } else if app_tokens {
        let confidential::Confidential { client, .. } = confidential::client(
            context,
            &args.credential,
            false,
            "an application's own tokens",
        )?;
        Arc::new(AppTokens::new(client))
    } else {
        let client = user::public_client(context);
        match client.accounts(false) {
            Ok(accounts) if accounts.is_empty() => log::warn!(
                "no account is signed in yet; until you run `msal login`, requests get an error \
                 saying so"
            ),
            Ok(_) => {}
            Err(e) => return Err(e.into()),
        }
        Arc::new(UserTokens::new(
            client,
            silent::selector(args.username.clone(), args.account.clone()),
        ))
    };
    let policy = Policy {
        allowed_resources: args.allow_resources.clone(),
        strict_identity: args.strict_identity,
        client_id: provider.client_id().to_owned(),
    };
    let server = Server::bind(args.port)?;
    log::info!(
        "serving {} tokens as client {} on {}",
        if args.managed_identity {
            "the managed identity's"
        } else if app_tokens {
            "the application's"
        } else {
            "the signed-in user's"
        },
        policy.client_id,
        server.endpoint()
    );
    if args.command.is_empty() {
        serve_until_stopped(server, provider, policy).await
    } else {
        run_command(server, provider, policy, &args.command, context).await
    }
}

/// Prints the two `export` lines, then serves until SIGTERM (exit 0) or SIGINT (exit 130).
async fn serve_until_stopped(
    server: Server,
    provider: Arc<dyn TokenProvider>,
    policy: Policy,
) -> anyhow::Result<()> {
    // Before anyone can know the endpoint, so no stop request falls between.
    let stop = crate::cli::signal::interrupted();
    write_stdout(&format!(
        "export IDENTITY_ENDPOINT='{}'\nexport IDENTITY_HEADER='{}'\n",
        server.endpoint(),
        server.header().secret()
    ))?;
    release_stdout();
    status!(
        "msal serve (pid {}): serving on {} until stopped (Ctrl-C or SIGTERM)",
        std::process::id(),
        server.endpoint()
    );
    match server.run(provider, policy, stop).await? {
        Interrupted::SIGINT => Err(ExitStatus(Interrupted::SIGINT.exit_code()).into()),
        _ => Ok(()),
    }
}

/// Nothing more goes to stdout: point it at /dev/null, so that a reader waiting for its end
/// (`eval "$(msal serve &)"`) has the two lines and returns while the server runs on.
fn release_stdout() {
    #[cfg(unix)]
    {
        let released = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .and_then(|null| rustix::stdio::dup2_stdout(&null).map_err(Into::into));
        if let Err(e) = released {
            log::debug!("stdout stays open: {e}");
        }
    }
}

/// Serves while COMMAND runs with the endpoint in its environment, passing on SIGTERM and SIGHUP
/// (a terminal's Ctrl-C reaches the whole process group already: msal ignores it and waits for
/// COMMAND), and ends with COMMAND's exit status.
async fn run_command(
    server: Server,
    provider: Arc<dyn TokenProvider>,
    policy: Policy,
    command: &[OsString],
    context: &Context,
) -> anyhow::Result<()> {
    let Some((program, arguments)) = command.split_first() else {
        return Err(UsageError("no COMMAND after --".into()).into());
    };
    let changes = child_environment(&server.endpoint(), server.header(), |name| {
        context.env.get(name).map(str::to_owned)
    });
    let mut child = std::process::Command::new(program);
    child.args(arguments);
    for name in &changes.remove {
        child.env_remove(name);
    }
    for (name, value) in &changes.set {
        child.env(name, value);
    }
    // Installed before the child starts, so a signal meant for it is never lost (nor fatal to
    // msal) in between.
    let signals = Signals::install()?;
    let mut child = child.spawn().map_err(|e| {
        let shown = msal::text::printable(&program.to_string_lossy()).into_owned();
        let code = if e.kind() == std::io::ErrorKind::NotFound {
            127
        } else {
            126
        };
        CannotRun {
            code,
            message: format!("cannot run {shown}: {e}"),
        }
    })?;
    let pid = child.id();
    let waited = tokio::task::spawn_blocking(move || child.wait());
    let stop = async move {
        tokio::pin!(waited);
        tokio::select! {
            status = &mut waited => match status {
                Ok(status) => status.map_err(anyhow::Error::from),
                Err(e) => Err(anyhow::anyhow!("lost track of the command: {e}")),
            },
            never = signals.forward(pid) => match never {},
        }
    };
    let status = server.run(provider, policy, stop).await??;
    match exit_code(&status) {
        0 => Ok(()),
        code => Err(ExitStatus(code).into()),
    }
}

/// The status a shell would report for the child: its exit code, or 128 + the signal's number.
fn exit_code(status: &std::process::ExitStatus) -> u8 {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt as _;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(255);
        }
    }
    status
        .code()
        .map_or(1, |code| u8::try_from(code).unwrap_or(1))
}

/// The signals `msal serve -- COMMAND` handles while COMMAND runs.
struct Signals {
    #[cfg(unix)]
    handlers: [(tokio::signal::unix::Signal, Option<rustix::process::Signal>); 3],
}

impl Signals {
    fn install() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use rustix::process::Signal;
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                handlers: [
                    (signal(SignalKind::terminate())?, Some(Signal::TERM)),
                    (signal(SignalKind::hangup())?, Some(Signal::HUP)),
                    // Handled, so that it does not end msal; the terminal sent it to COMMAND too.
                    (signal(SignalKind::interrupt())?, None),
                ],
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    /// Passes the signals on to `pid`, for ever.
    async fn forward(self, pid: u32) -> std::convert::Infallible {
        #[cfg(unix)]
        {
            let [mut term, mut hup, mut int] = self.handlers;
            let target = i32::try_from(pid)
                .ok()
                .and_then(rustix::process::Pid::from_raw);
            loop {
                let signal = tokio::select! {
                    _ = term.0.recv() => term.1,
                    _ = hup.0.recv() => hup.1,
                    _ = int.0.recv() => int.1,
                };
                if let (Some(signal), Some(target)) = (signal, target) {
                    log::info!("passing {signal:?} on to the command");
                    let _ = rustix::process::kill_process(target, signal);
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = pid;
            std::future::pending().await
        }
    }
}
