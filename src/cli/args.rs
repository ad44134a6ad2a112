//! Command-line definitions (clap derive): the global options every subcommand shares, and the
//! argument groups several subcommands reuse.

use std::path::{Path, PathBuf};

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
use clap::{Arg, Args, CommandFactory as _, Parser, Subcommand, ValueEnum};
use msal::app::AssertionAudience;
use msal::credential::{SecretAuthMethod, SigningAlgorithm};

use crate::cli::commands;

/// Get OAuth 2.0 / OpenID Connect tokens from Microsoft Entra ID and other OpenID Connect
/// providers.
///
/// stdout carries only the token (or what --output asks for); messages go to stderr.
/// Exit status: 0 success, 1 failure, 2 usage error, 3 sign-in required, 4 refused by the
/// authority.
#[derive(Debug, Parser)]
#[command(
    name = "msal",
    version,
    propagate_version = true,
    arg_required_else_help = true
)]
#[command(after_help = "Examples:
  msal login --scope https://graph.microsoft.com/User.Read
  msal silent --scope https://graph.microsoft.com/User.Read -o header
  msal client-credentials --tenant $T --client-id $C \\
      --client-secret-file secret.txt --scope api://my-api/.default")]
pub struct Cli {
    /// Options shared by every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in a user in the browser (authorization code + PKCE), or with legacy methods.
    Login(commands::login::LoginArgs),
    /// Sign in a user on another device with a code (device authorization grant).
    DeviceCode(commands::device_code::DeviceCodeArgs),
    /// Get an application's own token with its secret, certificate or federated credential.
    ClientCredentials(commands::client_credentials::ClientCredentialsArgs),
    /// Exchange a user's token for a token to a downstream API (on-behalf-of; RFC 8693 token
    /// exchange with other OpenID providers).
    Obo(commands::obo::OboArgs),
    /// Get a token of the platform's managed identity (Azure VM, App Service, Functions, Arc,
    /// Cloud Shell, Service Fabric, Azure Machine Learning): no secret needed.
    ManagedIdentity(commands::managed_identity::ManagedIdentityArgs),
    /// Get a user's token from the cache, refreshing it when needed, without interaction.
    Silent(commands::silent::SilentArgs),
    /// List the accounts in the token cache, and choose the active one (--use).
    Accounts(commands::accounts::AccountsArgs),
    /// Show the account `silent` would use, its tenant and cached tokens (exit 3 without a
    /// usable sign-in).
    Status(commands::status::StatusArgs),
    /// Remove an account's tokens from the cache.
    Logout(commands::logout::LogoutArgs),
    /// Serve the signed-in user's tokens to Azure SDKs on this machine: a loopback managed-identity
    /// endpoint (App Service's protocol), for one COMMAND or until stopped.
    Serve(commands::serve::ServeArgs),
    /// Write or convert a kubeconfig user entry so that kubectl gets its token from msal.
    Kubeconfig(commands::kubeconfig::KubeconfigArgs),
    /// Show the effective settings, where each came from, and where tokens are kept.
    #[command(visible_alias = "config")]
    Doctor(commands::doctor::DoctorArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish) or the man page.
    Completions(commands::completions::CompletionsArgs),
}

impl Command {
    /// The command's name, as typed.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Login(_) => "login",
            Self::DeviceCode(_) => "device-code",
            Self::ClientCredentials(_) => "client-credentials",
            Self::Obo(_) => "obo",
            Self::ManagedIdentity(_) => "managed-identity",
            Self::Serve(_) => "serve",
            Self::Status(_) => "status",
            Self::Kubeconfig(_) => "kubeconfig",
            Self::Silent(_) => "silent",
            Self::Accounts(_) => "accounts",
            Self::Logout(_) => "logout",
            Self::Doctor(_) => "doctor",
            Self::Completions(_) => "completions",
        }
    }
}

/// Every output format, for the commands that print a token.
const TOKEN_FORMATS: &[OutputFormat] = &[
    OutputFormat::Token,
    OutputFormat::Json,
    OutputFormat::Env,
    OutputFormat::Header,
    OutputFormat::Az,
    OutputFormat::ExecCredential,
    OutputFormat::None,
];

/// The `-o` formats a command can print, and the one it prints when none of them is chosen.
pub fn output_formats(command: &str) -> (&'static [OutputFormat], OutputFormat) {
    use OutputFormat::{Json, None, Table, Token};
    match command {
        "accounts" | "doctor" | "status" => (&[Table, Json, None], Table),
        // What was removed goes to stderr.
        "logout" => (&[Json, None], None),
        // These print what they print: completions, man pages, the two export lines.
        "completions" | "serve" | "kubeconfig" => (&[], Token),
        _ => (TOKEN_FORMATS, Token),
    }
}

/// The command line as clap parses it: [`Cli`], with each subcommand's help showing its own
/// options and only naming the global ones (`msal --help` describes them), and each
/// subcommand's `-o` offering the formats it can print.
pub fn command() -> clap::Command {
    let cli = Cli::command();
    let globals: Vec<Arg> = cli
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let template = subcommand_template(&globals);
    let names: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect();
    let pages = PossibleValuesParser::new(names.clone());
    let cli = cli.mut_subcommand("completions", |sub| {
        sub.mut_arg("command", |arg| arg.value_parser(pages))
    });
    names.into_iter().fold(cli, |cli, name| {
        let (formats, default) = output_formats(&name);
        cli.mut_subcommand(&name, |sub| {
            // A copy of a global argument in a subcommand takes the place of the one clap would
            // propagate there; values still reach the global options wherever they are typed.
            let sub = globals.iter().fold(sub, |sub, arg| {
                let copy = if arg.get_id() == "output" && !formats.is_empty() {
                    output_arg(arg.clone(), formats, default)
                } else {
                    arg.clone().hide(true)
                };
                sub.arg(copy)
            });
            sub.help_template(template.clone())
        })
    })
}

/// `-o` as a subcommand offers it: among its own options, with the formats it can print.
fn output_arg(arg: Arg, formats: &'static [OutputFormat], default: OutputFormat) -> Arg {
    let values: Vec<PossibleValue> = formats
        .iter()
        .filter_map(|f| f.to_possible_value())
        .collect();
    let names: Vec<String> = values.iter().map(|v| v.get_name().to_owned()).collect();
    let default = default
        .to_possible_value()
        .map(|v| v.get_name().to_owned())
        .unwrap_or_default();
    let parser =
        PossibleValuesParser::new(values).try_map(|name| OutputFormat::from_str(&name, true));
    let arg = arg.value_parser(parser).help_heading(None::<&str>);
    if formats == TOKEN_FORMATS {
        arg.help(format!("What to print on stdout [default: {default}]"))
    } else {
        arg.help(format!(
            "What to print on stdout: {} [default: {default}]",
            one_of(&names)
        ))
        .hide_possible_values(true)
    }
}

/// `a`, `a or b`, `a, b or c`.
pub fn one_of(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// The help of a subcommand: clap's own layout, then the global options by name.
fn subcommand_template(globals: &[Arg]) -> String {
    let mut names: Vec<String> = Vec::new();
    for arg in globals.iter().filter(|a| a.get_id() != "output") {
        let takes_value = arg.get_action().takes_values();
        names.push(match (arg.get_short(), arg.get_long()) {
            (Some(short), _) if !takes_value => format!("-{short}"),
            (_, Some(long)) => match arg.get_value_names().and_then(|v| v.first()) {
                Some(value) if takes_value => format!("--{long} {value}"),
                _ => format!("--{long}"),
            },
            (Some(short), None) => format!("-{short}"),
            (None, None) => continue,
        });
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for name in names {
        if !line.is_empty() && line.len() + 2 + name.len() > 98 {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str("  ");
        line.push_str(&name);
    }
    lines.push(line);
    let header = clap::builder::Styles::default().get_header().to_owned();
    format!(
        "{{before-help}}{{about-with-newline}}\n{{usage-heading}} {{usage}}\n\n{{all-args}}\n\n\
         {header}Global options{header:#} (here too; `msal --help` describes them):\n{}{{after-help}}",
        lines.join("\n")
    )
}

/// Options valid before or after the subcommand.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Use this profile of the config file [env: MSAL_PROFILE]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to
    /// the Azure CLI's public client
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,

    /// Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com
    /// [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]
    #[arg(long, global = true, value_name = "URL", conflicts_with_all = ["tenant", "oidc_authority"])]
    pub authority: Option<String>,

    /// Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT
    /// [env: AZURE_TENANT_ID]
    #[arg(
        long,
        global = true,
        value_name = "TENANT",
        conflicts_with = "oidc_authority"
    )]
    pub tenant: Option<String>,

    /// A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration)
    /// [env: MSAL_OIDC_AUTHORITY]
    #[arg(long, global = true, value_name = "URL")]
    pub oidc_authority: Option<String>,

    /// Do not validate unfamiliar Entra hosts through instance discovery
    /// [env: MSAL_INSTANCE_DISCOVERY=false]
    #[arg(long, global = true)]
    pub no_instance_discovery: bool,

    /// Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]
    #[arg(long, global = true, value_name = "PATH")]
    pub cache: Option<PathBuf>,

    /// What to print on stdout
    #[arg(short, long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,

    /// Seconds to wait for the identity provider on each request [default: 30]; given, it also
    /// bounds how long `msal login` waits for the sign-in (else 300)
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,

    /// Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_cert: Option<PathBuf>,

    /// More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// OS keyring options (src/cli/keyring.rs).
    #[command(flatten)]
    pub keyring: crate::cli::keyring::KeyringArgs,
}

/// `--output` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// The access token and a newline
    Token,
    /// A JSON object with the token and its metadata
    Json,
    /// `export` lines for `eval "$(msal … -o env)"`
    Env,
    /// An `Authorization: Bearer …` header line
    Header,
    /// The JSON shape of `az account get-access-token`
    Az,
    /// A Kubernetes client.authentication.k8s.io/v1 ExecCredential
    ExecCredential,
    /// Nothing (warm the cache, check that a token can be had)
    None,
    /// A table for people (`accounts`, `doctor`)
    Table,
}

/// The token a command asks for, and whether a cached one will do: shared by the commands that
/// get a token without signing anyone in. A command may reword `--scope`'s help with
/// `#[command(mut_arg("scopes", …))]`.
#[derive(Debug, Args)]
pub struct TokenArgs {
    /// Scope to request (repeatable)
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,

    /// The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)
    #[arg(long, value_name = "RESOURCE", conflicts_with = "scopes")]
    pub resource: Option<String>,

    /// Ask the identity provider even if the cache holds a valid token
    #[arg(long)]
    pub force_refresh: bool,

    /// A claims challenge (JSON) to satisfy; implies --force-refresh
    #[arg(long, value_name = "JSON")]
    pub claims: Option<String>,
}

/// `--no-cache`, for the commands that can work without the token cache.
#[derive(Debug, Args)]
pub struct NoCacheArgs {
    /// Neither read nor write the token cache
    #[arg(long)]
    pub no_cache: bool,
}

/// How a confidential client proves its identity. At most one source may be given; without
/// one, AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH and AZURE_FEDERATED_TOKEN_FILE are
/// tried in that order.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Client credential")]
pub struct CredentialArgs {
    /// Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]
    #[arg(long, value_name = "FILE")]
    pub client_secret_file: Option<PathBuf>,

    /// The client secret itself (visible to other users in the process list: prefer
    /// --client-secret-file or AZURE_CLIENT_SECRET)
    #[arg(long, value_name = "SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,

    /// Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12
    /// [env: AZURE_CLIENT_CERTIFICATE_PATH]
    #[arg(long, value_name = "PATH")]
    pub certificate: Option<PathBuf>,

    /// Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]
    #[arg(long, value_name = "FILE")]
    pub certificate_password_file: Option<PathBuf>,

    /// The PFX password itself (visible in the process list: prefer the file or the variable)
    #[arg(long, value_name = "PASSWORD")]
    pub certificate_password: Option<String>,

    /// Send the certificate chain (x5c) for subject-name/issuer authentication
    /// [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]
    #[arg(long)]
    pub send_certificate_chain: bool,

    /// A signed client assertion (JWT) in FILE, read on every request
    #[arg(long, value_name = "FILE")]
    pub client_assertion_file: Option<PathBuf>,

    /// A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request
    /// [env: AZURE_FEDERATED_TOKEN_FILE]
    #[arg(long, value_name = "FILE")]
    pub federated_token_file: Option<PathBuf>,

    /// Use a fresh GitHub Actions OIDC token as the client assertion (needs
    /// `permissions: id-token: write`)
    #[arg(long)]
    pub github_oidc: bool,

    /// Use a token of this machine's managed identity (for api://AzureADTokenExchange) as the
    /// client assertion: the app registration trusts the identity as a federated credential.
    /// The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id
    /// names one (AZURE_CLIENT_ID is the application's id here, not the identity's)
    #[arg(long)]
    pub managed_identity_assertion: bool,

    /// Which managed identity --managed-identity-assertion uses.
    #[command(flatten)]
    pub identity: IdentityArgs,

    /// How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or
    /// `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other
    /// providers, unless their discovery document offers only client_secret_post]
    #[arg(long, value_enum, value_name = "METHOD")]
    pub client_auth_method: Option<ClientAuthMethod>,

    /// The `kid` header of certificate assertions (private_key_jwt): the name the provider
    /// gave the registered key [env: MSAL_KEY_ID] [default: the key's RFC 7638 JWK thumbprint;
    /// none for Entra ID, which finds the key by x5t#S256]
    #[arg(long, value_name = "KID")]
    pub key_id: Option<String>,

    /// The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from
    /// the key and the provider's token_endpoint_auth_signing_alg_values_supported: RS256 for
    /// RSA keys (PS256 for Entra ID), ES256 for P-256 keys]
    #[arg(long, value_enum, ignore_case = true, value_name = "ALG")]
    pub signing_alg: Option<SigningAlg>,

    /// The `aud` of certificate assertions: the token endpoint, as most providers document, or
    /// the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE]
    /// [default: token-endpoint]
    #[arg(long, value_enum, value_name = "AUDIENCE")]
    pub assertion_audience: Option<AssertionAudienceArg>,

    /// --save-secret / --forget-secret (src/cli/keyring.rs).
    #[command(flatten)]
    pub keyring: crate::cli::keyring::SaveSecretArgs,
}

impl CredentialArgs {
    /// The options that may name stdin (`-`), for [`crate::cli::credential::check_stdin`].
    pub fn stdin_inputs(&self) -> [(&'static str, Option<&Path>); 2] {
        [
            ("--client-secret-file", self.client_secret_file.as_deref()),
            (
                "--certificate-password-file",
                self.certificate_password_file.as_deref(),
            ),
        ]
    }
}

/// Which of the machine's managed identities to use: the system-assigned one unless one of these
/// names a user-assigned one.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Managed identity")]
pub struct IdentityArgs {
    /// A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for
    /// `msal managed-identity`]
    #[arg(long, value_name = "ID", conflicts_with_all = ["mi_object_id", "mi_resource_id", "system_assigned"])]
    pub mi_client_id: Option<String>,

    /// A user-assigned managed identity, by its object (principal) id
    #[arg(long, value_name = "ID", conflicts_with_all = ["mi_resource_id", "system_assigned"])]
    pub mi_object_id: Option<String>,

    /// A user-assigned managed identity, by its Azure resource id
    /// (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)
    #[arg(long, value_name = "ID", conflicts_with = "system_assigned")]
    pub mi_resource_id: Option<String>,

    /// The system-assigned identity, even when AZURE_CLIENT_ID is set
    #[arg(long)]
    pub system_assigned: bool,
}

/// `--client-auth-method`: how a client secret travels (RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuthMethod {
    /// client_secret_post: in the request body
    #[value(alias = "client_secret_post")]
    Post,
    /// client_secret_basic: HTTP Basic authentication
    #[value(alias = "client_secret_basic")]
    Basic,
}

/// `--signing-alg`: the JOSE algorithms msal signs client assertions with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)
    #[value(name = "RS256")]
    Rs256,
    /// RSASSA-PSS with SHA-256 (RSA keys)
    #[value(name = "PS256")]
    Ps256,
    /// ECDSA on P-256 with SHA-256 (P-256 keys)
    #[value(name = "ES256")]
    Es256,
}

impl From<SigningAlg> for SigningAlgorithm {
    fn from(alg: SigningAlg) -> Self {
        match alg {
            SigningAlg::Rs256 => SigningAlgorithm::Rs256,
            SigningAlg::Ps256 => SigningAlgorithm::Ps256,
            SigningAlg::Es256 => SigningAlgorithm::Es256,
        }
    }
}

/// `--assertion-audience`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssertionAudienceArg {
    /// The provider's token endpoint
    TokenEndpoint,
    /// The provider's issuer identifier
    Issuer,
}

impl From<AssertionAudienceArg> for AssertionAudience {
    fn from(audience: AssertionAudienceArg) -> Self {
        match audience {
            AssertionAudienceArg::TokenEndpoint => AssertionAudience::TokenEndpoint,
            AssertionAudienceArg::Issuer => AssertionAudience::Issuer,
        }
    }
}

impl From<ClientAuthMethod> for SecretAuthMethod {
    fn from(method: ClientAuthMethod) -> Self {
        match method {
            ClientAuthMethod::Post => SecretAuthMethod::Post,
            ClientAuthMethod::Basic => SecretAuthMethod::Basic,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        command().debug_assert();
    }

    #[test]
    fn the_timeout_help_names_the_default_in_force() {
        let command = command();
        let timeout = command
            .get_arguments()
            .find(|a| a.get_id() == "timeout")
            .unwrap();
        let help = timeout.get_help().unwrap().to_string();
        let default = crate::cli::settings::DEFAULT_TIMEOUT_SECS;
        assert!(help.contains(&format!("[default: {default}]")), "{help}");
    }

    #[test]
    fn lists_read_as_prose() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(one_of(&names(&["json"])), "json");
        assert_eq!(one_of(&names(&["json", "none"])), "json or none");
        assert_eq!(
            one_of(&names(&["table", "json", "none"])),
            "table, json or none"
        );
    }

    #[test]
    fn every_subcommand_has_a_name_and_formats() {
        for sub in command().get_subcommands() {
            let (formats, default) = output_formats(sub.get_name());
            assert!(formats.is_empty() || formats.contains(&default));
        }
    }
}
