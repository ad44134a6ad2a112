//! `msal completions SHELL`: shell completion scripts and the man page, generated from the same
//! clap definitions as the parser so they never drift (a test compares them with `completions/`).

use clap::{Args, CommandFactory as _, ValueEnum};

use crate::cli::args::Cli;
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
    /// The man page (roff)
    Man,
}

/// Arguments of `msal completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell (or `man` for the manual page)
    #[arg(value_enum)]
    pub target: Target,
}

/// Runs `msal completions`: prints the script on stdout.
pub fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    write_stdout(&String::from_utf8_lossy(&generate(args.target)?))?;
    Ok(())
}

/// The generated text for `target`.
pub fn generate(target: Target) -> anyhow::Result<Vec<u8>> {
    let mut command = Cli::command();
    let mut out = Vec::new();
    let shell = match target {
        Target::Bash => clap_complete::Shell::Bash,
        Target::Zsh => clap_complete::Shell::Zsh,
        Target::Fish => clap_complete::Shell::Fish,
        Target::Powershell => clap_complete::Shell::PowerShell,
        Target::Elvish => clap_complete::Shell::Elvish,
        Target::Man => {
            clap_mangen::Man::new(command).render(&mut out)?;
            return Ok(out);
        }
    };
    clap_complete::generate(shell, &mut command, "msal", &mut out);
    Ok(out)
}
