//! `msal completions SHELL`: shell completion scripts and the man pages, generated from the same
//! clap definitions as the parser so they never drift (a test compares them with `completions/`).

use clap::{Args, ValueEnum};

use crate::cli::args::command;
use crate::cli::exit::UsageError;
use crate::cli::output::write_stdout;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// Bash completions
    Bash,
    /// Zsh completions
    Zsh,
    /// Fish completions
    Fish,
    /// PowerShell completions
    Powershell,
    /// Elvish completions
    Elvish,
    /// A man page (roff): msal's, or with COMMAND that command's
    Man,
}

/// Arguments of `msal completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell (or `man` for a manual page)
    #[arg(value_enum)]
    pub target: Target,
    /// With `man`: this command's page (the one named msal-COMMAND) rather than msal's
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
}

/// Runs `msal completions`: prints the script on stdout.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    if args.command.is_some() && args.target != Target::Man {
        return Err(
            UsageError("a COMMAND names a man page: msal completions man COMMAND".into()).into(),
        );
    }
    write_stdout(&String::from_utf8_lossy(&generate(
        args.target,
        args.command.as_deref(),
    )?))?;
    Ok(())
}

/// The generated text for `target` (for `man`, the page of `page`, or msal(1)).
pub fn generate(target: Target, page: Option<&str>) -> anyhow::Result<Vec<u8>> {
    let mut command = command();
    let mut out = Vec::new();
    let shell = match target {
        Target::Bash => clap_complete::Shell::Bash,
        Target::Zsh => clap_complete::Shell::Zsh,
        Target::Fish => clap_complete::Shell::Fish,
        Target::Powershell => clap_complete::Shell::PowerShell,
        Target::Elvish => clap_complete::Shell::Elvish,
        Target::Man => {
            // msal(1) lists msal-COMMAND(1) for each command, and each of those is generated
            // here; `help` has no page of its own.
            let mut command = command.disable_help_subcommand(true);
            command.build();
            let page = match page {
                None => command,
                Some(name) => {
                    let page = command
                        .find_subcommand(name)
                        .cloned()
                        .ok_or_else(|| UsageError(format!("msal has no command {name:?}")))?;
                    let extra = page
                        .get_after_long_help()
                        .or(page.get_after_help())
                        .map(|text| format!("{text}\n\n"))
                        .unwrap_or_default();
                    page.after_long_help(format!(
                        "{extra}The global options of msal(1) (--client-id, --authority, \
                         --tenant, --cache, --profile, -v, …) apply to this command too."
                    ))
                }
            };
            clap_mangen::Man::new(page)
                .source(format!("msal {}", env!("CARGO_PKG_VERSION")))
                .render(&mut out)?;
            return Ok(out);
        }
    };
    clap_complete::generate(shell, &mut command, "msal", &mut out);
    Ok(out)
}
