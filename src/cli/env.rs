//! The environment variables `msal` reads, captured once at start-up so that settings are
//! resolved from one snapshot (and tests can hand in their own).

use std::collections::HashMap;

/// Client id (`MSAL_` wins over `AZURE_`).
pub const MSAL_CLIENT_ID: &str = "MSAL_CLIENT_ID";
/// Client id, as azure-identity names it.
pub const AZURE_CLIENT_ID: &str = "AZURE_CLIENT_ID";
/// Authority URL.
pub const MSAL_AUTHORITY: &str = "MSAL_AUTHORITY";
/// Generic OpenID Connect issuer.
pub const MSAL_OIDC_AUTHORITY: &str = "MSAL_OIDC_AUTHORITY";
/// Tenant, as azure-identity names it.
pub const AZURE_TENANT_ID: &str = "AZURE_TENANT_ID";
/// Authority host for `--tenant`/`AZURE_TENANT_ID` (sovereign clouds, local providers).
pub const AZURE_AUTHORITY_HOST: &str = "AZURE_AUTHORITY_HOST";
/// The `kid` of certificate assertions.
pub const MSAL_KEY_ID: &str = "MSAL_KEY_ID";
/// The algorithm of certificate assertions.
pub const MSAL_SIGNING_ALG: &str = "MSAL_SIGNING_ALG";
/// The audience of certificate assertions: `token-endpoint` or `issuer`.
pub const MSAL_ASSERTION_AUDIENCE: &str = "MSAL_ASSERTION_AUDIENCE";
/// `false`: user sign-ins do not ask for `offline_access`.
pub const MSAL_OFFLINE_ACCESS: &str = "MSAL_OFFLINE_ACCESS";
/// The redirect URI of `msal login`.
pub const MSAL_REDIRECT_URI: &str = "MSAL_REDIRECT_URI";
/// Token cache file.
pub const MSAL_CACHE: &str = "MSAL_CACHE";
/// Seconds to wait for another `msal` holding the cache lock (default 30).
pub const MSAL_CACHE_LOCK_TIMEOUT: &str = "MSAL_CACHE_LOCK_TIMEOUT";
/// The configuration file (default `<config dir>/msal/config.toml`).
pub const MSAL_CONFIG: &str = "MSAL_CONFIG";
/// The profile of the configuration file to use.
pub const MSAL_PROFILE: &str = "MSAL_PROFILE";
/// Log level: error, warn, info, debug.
pub const MSAL_LOG: &str = "MSAL_LOG";
/// `false`/`0` turns instance discovery off.
pub const MSAL_INSTANCE_DISCOVERY: &str = "MSAL_INSTANCE_DISCOVERY";
/// OS keyring use: `auto`, `require`, `off` (see `cli::keyring`).
pub const MSAL_KEYRING: &str = "MSAL_KEYRING";
/// `1` encrypts the token cache with a key in the OS keyring; `0` decrypts it.
pub const MSAL_ENCRYPT_CACHE: &str = "MSAL_ENCRYPT_CACHE";
/// Seconds each keyring call may take (default 3).
pub const MSAL_KEYRING_TIMEOUT: &str = "MSAL_KEYRING_TIMEOUT";
/// Client secret.
pub const AZURE_CLIENT_SECRET: &str = "AZURE_CLIENT_SECRET";
/// Certificate file (PEM or PFX).
pub const AZURE_CLIENT_CERTIFICATE_PATH: &str = "AZURE_CLIENT_CERTIFICATE_PATH";
/// PFX password.
pub const AZURE_CLIENT_CERTIFICATE_PASSWORD: &str = "AZURE_CLIENT_CERTIFICATE_PASSWORD";
/// `true` sends the certificate chain (`x5c`).
pub const AZURE_CLIENT_SEND_CERTIFICATE_CHAIN: &str = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN";
/// Federated token file (Kubernetes workload identity).
pub const AZURE_FEDERATED_TOKEN_FILE: &str = "AZURE_FEDERATED_TOKEN_FILE";
/// GitHub Actions OIDC token endpoint.
pub const ACTIONS_ID_TOKEN_REQUEST_URL: &str = "ACTIONS_ID_TOKEN_REQUEST_URL";
/// GitHub Actions OIDC request token.
pub const ACTIONS_ID_TOKEN_REQUEST_TOKEN: &str = "ACTIONS_ID_TOKEN_REQUEST_TOKEN";

/// The only directory an Azure Arc key may be read from, instead of the agent's own
/// (`/var/opt/azcmagent/tokens`): for an agent installed elsewhere, or a stand-in endpoint.
pub const MSAL_ARC_KEY_DIR: &str = "MSAL_ARC_KEY_DIR";

/// The kubeconfig files kubectl reads (`:`-separated; `msal kubeconfig` writes the first).
pub const KUBECONFIG: &str = "KUBECONFIG";
/// What kubectl tells an exec credential plugin, e.g. whether it may interact with the user.
pub const KUBERNETES_EXEC_INFO: &str = "KUBERNETES_EXEC_INFO";

/// The variables platforms set for their managed-identity endpoints (see
/// `msal::managed_identity::detect`).
pub use msal::managed_identity::detect::{
    AZURE_POD_IDENTITY_AUTHORITY_HOST, IDENTITY_ENDPOINT, IDENTITY_HEADER,
    IDENTITY_SERVER_THUMBPRINT, IMDS_ENDPOINT, MSI_ENDPOINT, MSI_SECRET,
};

/// Proxy and trust settings, read by the HTTP client itself; captured here only for
/// `msal doctor`.
pub const NETWORK: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
];

/// Terminal conventions: `NO_COLOR` turns colour off, `TERM=dumb` too.
const TERMINAL: &[&str] = &["NO_COLOR", "TERM"];

const ALL: &[&str] = &[
    MSAL_CLIENT_ID,
    AZURE_CLIENT_ID,
    MSAL_AUTHORITY,
    MSAL_OIDC_AUTHORITY,
    AZURE_TENANT_ID,
    AZURE_AUTHORITY_HOST,
    MSAL_REDIRECT_URI,
    MSAL_OFFLINE_ACCESS,
    MSAL_KEY_ID,
    MSAL_SIGNING_ALG,
    MSAL_ASSERTION_AUDIENCE,
    MSAL_CACHE,
    MSAL_CACHE_LOCK_TIMEOUT,
    MSAL_LOG,
    MSAL_CONFIG,
    MSAL_PROFILE,
    MSAL_INSTANCE_DISCOVERY,
    MSAL_KEYRING,
    MSAL_ENCRYPT_CACHE,
    MSAL_KEYRING_TIMEOUT,
    AZURE_CLIENT_SECRET,
    AZURE_CLIENT_CERTIFICATE_PATH,
    AZURE_CLIENT_CERTIFICATE_PASSWORD,
    AZURE_CLIENT_SEND_CERTIFICATE_CHAIN,
    AZURE_FEDERATED_TOKEN_FILE,
    ACTIONS_ID_TOKEN_REQUEST_URL,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    MSAL_ARC_KEY_DIR,
    IDENTITY_ENDPOINT,
    IDENTITY_HEADER,
    IDENTITY_SERVER_THUMBPRINT,
    IMDS_ENDPOINT,
    MSI_ENDPOINT,
    MSI_SECRET,
    AZURE_POD_IDENTITY_AUTHORITY_HOST,
    KUBECONFIG,
    KUBERNETES_EXEC_INFO,
];

/// A snapshot of the variables above. Empty values count as unset, as in azure-identity.
#[derive(Default)]
pub struct Env {
    vars: HashMap<&'static str, String>,
}

impl std::fmt::Debug for Env {
    /// Names only: several values are secrets (client secrets, platform headers).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.vars.keys().copied().collect();
        names.sort_unstable();
        f.debug_struct("Env").field("set", &names).finish()
    }
}

impl Env {
    /// Reads the process environment.
    pub fn capture() -> Self {
        let vars = ALL
            .iter()
            .chain(NETWORK)
            .chain(TERMINAL)
            .filter_map(|name| {
                std::env::var(name)
                    .ok()
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*name, v))
            })
            .collect();
        Self { vars }
    }

    /// The value of `name`, if set and not empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The managed-identity platform variables, and whether the Azure Arc agent is installed.
    pub fn platform(&self) -> msal::managed_identity::PlatformEnv {
        let text = |name| self.get(name).map(str::to_owned);
        let secret = |name| self.get(name).map(msal::secret::PlatformSecret::new);
        msal::managed_identity::PlatformEnv {
            identity_endpoint: text(IDENTITY_ENDPOINT),
            identity_header: secret(IDENTITY_HEADER),
            identity_server_thumbprint: text(IDENTITY_SERVER_THUMBPRINT),
            imds_endpoint: text(IMDS_ENDPOINT),
            msi_endpoint: text(MSI_ENDPOINT),
            msi_secret: secret(MSI_SECRET),
            pod_identity_authority_host: text(AZURE_POD_IDENTITY_AUTHORITY_HOST),
            arc_agent_installed: msal::managed_identity::detect::arc_agent_installed(),
        }
    }

    /// A boolean variable: `1`, `true`, `yes`, `on` (any case) are true.
    pub fn flag(&self, name: &str) -> Option<bool> {
        self.get(name).map(|v| {
            matches!(
                v.trim().to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            )
        })
    }
}
