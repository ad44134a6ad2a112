//! The `msal` command: parse, run, map the outcome to an exit code. Everything else lives in
//! `cli` (argument handling and printing) and in the `msal` library.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
