//! The command-line layer: parse, resolve settings, run one subcommand, print, map the outcome
//! to an exit code. Declared only from `main.rs`, so clap and printing stay out of the library.

mod args;
mod commands;
mod config;
mod credential;
mod env;
mod exit;
mod keyring;
mod logger;
mod output;
mod settings;
mod signal;
mod status;
mod style;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::FromArgMatches as _;

use args::{Cli, Command, OutputFormat};
use env::Env;
use output::Printer;
use settings::Settings;

/// What a subcommand gets besides its own arguments.
pub struct Context {
    /// Resolved global settings.
    pub settings: Settings,
    /// The environment snapshot.
    pub env: Env,
    /// The stdout writer.
    pub printer: Printer,
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let raw: Vec<OsString> = std::env::args_os().collect();
    let cli = match args::command()
        .try_get_matches_from(&raw)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches))
    {
        Ok(cli) => cli,
        Err(e) => return exit::usage(e, &raw),
    };
    let env = Env::capture();
    style::init(&env);
    logger::init(cli.global.verbose, cli.global.quiet, env.get(env::MSAL_LOG));
    // Until the settings are resolved, only the flag can choose how errors look.
    let mut errors_as = cli.global.output.unwrap_or(OutputFormat::Token);
    match run(cli, env, &mut errors_as) {
        Ok(()) => ExitCode::from(exit::SUCCESS),
        Err(error) => {
            exit::report(&error, errors_as);
            ExitCode::from(exit::code(&error))
        }
    }
}

/// Runs the command; `errors_as` becomes the output format the settings chose (the flag, else
/// the profile's), so that a script that gets JSON tokens gets JSON errors too.
fn run(cli: Cli, env: Env, errors_as: &mut OutputFormat) -> anyhow::Result<()> {
    let name = cli.command.name();
    let (formats, default) = args::output_formats(name);
    if let Some(format) = cli.global.output
        && !formats.contains(&format)
    {
        return Err(exit::UsageError(output_refusal(name, format, formats)).into());
    }
    // Offline commands need neither settings nor a runtime.
    if let Command::Completions(args) = &cli.command {
        return commands::completions::run(args);
    }
    let mut settings = Settings::resolve(&cli.global, &env)?;
    settings.restrict_output(formats, default);
    *errors_as = settings.output;
    let printer = Printer::new(settings.output);
    let context = Context {
        settings,
        env,
        printer,
    };
    // One thread: a CLI makes a handful of sequential requests, and a single-threaded runtime
    // starts fastest. `serve` is a server: a token request that waits for the cache lock must
    // not hold up the others.
    let runtime = match &cli.command {
        Command::Serve(_) => tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?,
        _ => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
    };
    runtime.block_on(async {
        match cli.command {
            Command::Login(args) => commands::login::run(args, &context).await,
            Command::DeviceCode(args) => commands::device_code::run(args, &context).await,
            Command::ClientCredentials(args) => {
                commands::client_credentials::run(args, &context).await
            }
            Command::Obo(args) => commands::obo::run(args, &context).await,
            Command::ManagedIdentity(args) => commands::managed_identity::run(args, &context).await,
            Command::Silent(args) => commands::silent::run(args, &context).await,
            Command::Accounts(args) => commands::accounts::run(args, &context).await,
            Command::Status(args) => commands::status::run(args, &context).await,
            Command::Kubeconfig(args) => commands::kubeconfig::run(args, &context).await,
            Command::Logout(args) => commands::logout::run(args, &context).await,
            Command::Serve(args) => commands::serve::run(args, &context).await,
            Command::Doctor(args) => commands::doctor::run(args, &context).await,
            Command::Completions(args) => commands::completions::run(&args),
        }
    })
}

/// Why `-o format` cannot go with `command`, and what can.
fn output_refusal(command: &str, format: OutputFormat, formats: &[OutputFormat]) -> String {
    use clap::ValueEnum as _;
    let name = |f: &OutputFormat| {
        f.to_possible_value()
            .map(|v| v.get_name().to_owned())
            .unwrap_or_default()
    };
    if formats.is_empty() {
        return format!(
            "msal {command} prints a shell script or a man page: -o does not apply to it"
        );
    }
    let can: Vec<String> = formats.iter().map(name).collect();
    format!(
        "msal {command} cannot print {}: -o takes {} here (or leave it out)",
        name(&format),
        args::one_of(&can)
    )
}
