//! Which managed-identity source this machine has, from the variables platforms set for their
//! workloads, in the order MSAL Python checks them (`msal/managed_identity.py`,
//! `_obtain_token`), with azure-identity's Cloud Shell case (`MSI_ENDPOINT` without
//! `MSI_SECRET`) before the IMDS default.
//!
//! Endpoints are checked here, before any request: a platform's endpoint that receives a
//! secret (App Service's header, Azure ML's secret, the Arc key) must be https, or plain http to
//! a loopback or link-local address, where platforms run them; Service Fabric's must be https,
//! since its certificate is what is pinned. IMDS receives no secret, and its base address may
//! be any http(s) URL (`AZURE_POD_IDENTITY_AUTHORITY_HOST`, as MSAL Python and azure-identity
//! honour it).

use std::net::IpAddr;

use url::{Host, Url};

use super::{ManagedIdentityError, Source, SourceKind};
use crate::http::ServerPin;
use crate::secret::PlatformSecret;

/// App Service and Service Fabric's endpoint (and Arc's, with `IMDS_ENDPOINT`).
pub const IDENTITY_ENDPOINT: &str = "IDENTITY_ENDPOINT";
/// App Service and Service Fabric's secret header value.
pub const IDENTITY_HEADER: &str = "IDENTITY_HEADER";
/// Service Fabric's endpoint certificate thumbprint.
pub const IDENTITY_SERVER_THUMBPRINT: &str = "IDENTITY_SERVER_THUMBPRINT";
/// Set by the Azure Arc agent beside `IDENTITY_ENDPOINT`.
pub const IMDS_ENDPOINT: &str = "IMDS_ENDPOINT";
/// Cloud Shell's and Azure Machine Learning's endpoint.
pub const MSI_ENDPOINT: &str = "MSI_ENDPOINT";
/// Azure Machine Learning's secret.
pub const MSI_SECRET: &str = "MSI_SECRET";
/// Another base address for IMDS (AAD Pod Identity, tests).
pub const AZURE_POD_IDENTITY_AUTHORITY_HOST: &str = "AZURE_POD_IDENTITY_AUTHORITY_HOST";

/// IMDS's address on every Azure VM.
pub const IMDS_DEFAULT_BASE: &str = "http://169.254.169.254";
/// IMDS's token path.
const IMDS_TOKEN_PATH: &str = "/metadata/identity/oauth2/token";
/// The Azure Arc agent's endpoint when it is installed but its variables are not set (a
/// service, a cron job).
pub const ARC_DEFAULT_ENDPOINT: &str = "http://localhost:40342/metadata/identity/oauth2/token";

/// The platform variables, as the process sees them (unset and empty are the same), and whether
/// the Azure Arc agent is installed ([`arc_agent_installed`]).
#[derive(Debug, Clone, Default)]
pub struct PlatformEnv {
    /// `IDENTITY_ENDPOINT`.
    pub identity_endpoint: Option<String>,
    /// `IDENTITY_HEADER` (a secret).
    pub identity_header: Option<PlatformSecret>,
    /// `IDENTITY_SERVER_THUMBPRINT`.
    pub identity_server_thumbprint: Option<String>,
    /// `IMDS_ENDPOINT`.
    pub imds_endpoint: Option<String>,
    /// `MSI_ENDPOINT`.
    pub msi_endpoint: Option<String>,
    /// `MSI_SECRET` (a secret).
    pub msi_secret: Option<PlatformSecret>,
    /// `AZURE_POD_IDENTITY_AUTHORITY_HOST`.
    pub pod_identity_authority_host: Option<String>,
    /// Whether the Azure Arc agent is installed.
    pub arc_agent_installed: bool,
}

/// The chosen source and why it was chosen.
#[derive(Debug, Clone)]
pub struct Detection {
    /// The source.
    pub source: Source,
    /// Which variables (or files) decided it, for `msal doctor` and `-v`.
    pub reason: String,
}

/// Whether the Azure Connected Machine agent is installed (its `himds` service binary), which
/// MSAL Python takes as Azure Arc even without `IDENTITY_ENDPOINT`.
pub fn arc_agent_installed() -> bool {
    #[cfg(target_os = "linux")]
    {
        std::path::Path::new("/opt/azcmagent/bin/himds").exists()
    }
    #[cfg(windows)]
    {
        std::env::var_os("ProgramFiles").is_some_and(|dir| {
            std::path::Path::new(&dir)
                .join(r"AzureConnectedMachineAgent\himds.exe")
                .exists()
        })
    }
    #[cfg(not(any(target_os = "linux", windows)))]
    {
        false
    }
}

/// Chooses the source (see the module documentation).
pub fn detect(env: &PlatformEnv) -> Result<Detection, ManagedIdentityError> {
    let endpoint = env.identity_endpoint.as_deref();
    if let (Some(endpoint), Some(header), Some(thumbprint)) = (
        endpoint,
        &env.identity_header,
        env.identity_server_thumbprint.as_deref(),
    ) {
        let pin = ServerPin::from_thumbprint(thumbprint).ok_or_else(|| {
            ManagedIdentityError::BadVariable {
                variable: IDENTITY_SERVER_THUMBPRINT,
                problem: "is not a SHA-1 certificate thumbprint (40 hexadecimal digits)".into(),
            }
        })?;
        let endpoint = url(IDENTITY_ENDPOINT, endpoint, Transport::Https)?;
        return Ok(Detection {
            reason: format!(
                "{IDENTITY_ENDPOINT}, {IDENTITY_HEADER} and {IDENTITY_SERVER_THUMBPRINT} are set"
            ),
            source: Source::ServiceFabric {
                endpoint,
                header: header.clone(),
                pin,
            },
        });
    }
    if let (Some(endpoint), Some(header)) = (endpoint, &env.identity_header) {
        return Ok(Detection {
            reason: format!("{IDENTITY_ENDPOINT} and {IDENTITY_HEADER} are set"),
            source: Source::AppService {
                endpoint: url(IDENTITY_ENDPOINT, endpoint, Transport::Local)?,
                header: header.clone(),
            },
        });
    }
    if let (Some(endpoint), Some(secret)) = (env.msi_endpoint.as_deref(), &env.msi_secret) {
        return Ok(Detection {
            reason: format!("{MSI_ENDPOINT} and {MSI_SECRET} are set"),
            source: Source::MachineLearning {
                endpoint: url(MSI_ENDPOINT, endpoint, Transport::Local)?,
                secret: secret.clone(),
            },
        });
    }
    if let (Some(endpoint), Some(_)) = (endpoint, env.imds_endpoint.as_deref()) {
        return Ok(Detection {
            reason: format!("{IDENTITY_ENDPOINT} and {IMDS_ENDPOINT} are set"),
            source: Source::Arc {
                endpoint: url(IDENTITY_ENDPOINT, endpoint, Transport::Local)?,
            },
        });
    }
    if env.arc_agent_installed {
        return Ok(Detection {
            reason: "the Azure Connected Machine agent (himds) is installed".into(),
            source: Source::Arc {
                endpoint: url(
                    "the Arc agent's endpoint",
                    ARC_DEFAULT_ENDPOINT,
                    Transport::Local,
                )?,
            },
        });
    }
    if let Some(endpoint) = env.msi_endpoint.as_deref() {
        return Ok(Detection {
            reason: format!("{MSI_ENDPOINT} is set without {MSI_SECRET}"),
            source: Source::CloudShell {
                endpoint: url(MSI_ENDPOINT, endpoint, Transport::Local)?,
            },
        });
    }
    let (base, variable, reason) = match env.pod_identity_authority_host.as_deref() {
        Some(base) => (
            base,
            AZURE_POD_IDENTITY_AUTHORITY_HOST,
            format!("{AZURE_POD_IDENTITY_AUTHORITY_HOST} is set"),
        ),
        None => (
            IMDS_DEFAULT_BASE,
            "IMDS's address",
            "no platform variable is set: the Azure VM default".to_owned(),
        ),
    };
    // As MSAL Python builds it: the base without trailing slashes, then the token path.
    let endpoint = format!("{}{IMDS_TOKEN_PATH}", base.trim_end_matches('/'));
    Ok(Detection {
        reason,
        source: Source::Imds {
            endpoint: url(variable, &endpoint, Transport::Any)?,
        },
    })
}

/// What an endpoint's URL may be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// https only.
    Https,
    /// https, or http to a loopback or link-local address.
    Local,
    /// https or http.
    Any,
}

fn url(
    variable: &'static str,
    value: &str,
    transport: Transport,
) -> Result<Url, ManagedIdentityError> {
    let bad = |problem: &str| ManagedIdentityError::BadVariable {
        variable,
        problem: problem.to_owned(),
    };
    let url = Url::parse(value.trim()).map_err(|e| bad(&format!("is not a URL ({e})")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not carry a user name or password"));
    }
    let local = url.host().is_some_and(|host| is_local(&host));
    match (url.scheme(), transport) {
        ("https", _) if url.host().is_some() => Ok(url),
        ("http", Transport::Any) if url.host().is_some() => Ok(url),
        ("http", Transport::Local) if local => Ok(url),
        ("http", Transport::Local) => Err(bad(
            "must be https, or http to a loopback or link-local address: the request carries the \
             platform's secret",
        )),
        (_, Transport::Https) => Err(bad("must be an https URL")),
        _ => Err(bad("must be an http or https URL with a host")),
    }
}

/// Loopback (`127.0.0.0/8`, `::1`, `localhost`) or link-local (`169.254.0.0/16`, `fe80::/10`):
/// addresses that never leave the machine or its link, where platforms run their endpoints.
fn is_local(host: &Host<&str>) -> bool {
    let ip = match host {
        Host::Domain(name) => return name.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip),
        Host::Ipv6(ip) => IpAddr::V6(*ip),
    };
    match ip {
        IpAddr::V4(ip) => ip.is_loopback() || ip.is_link_local(),
        IpAddr::V6(ip) => ip.is_loopback() || (ip.segments()[0] & 0xffc0) == 0xfe80,
    }
}

impl SourceKind {
    /// The platform variables that choose this kind, for messages.
    pub fn variables(self) -> &'static str {
        match self {
            Self::Imds => "none (or AZURE_POD_IDENTITY_AUTHORITY_HOST)",
            Self::AppService => "IDENTITY_ENDPOINT, IDENTITY_HEADER",
            Self::Arc => "IDENTITY_ENDPOINT, IMDS_ENDPOINT",
            Self::CloudShell => "MSI_ENDPOINT",
            Self::ServiceFabric => "IDENTITY_ENDPOINT, IDENTITY_HEADER, IDENTITY_SERVER_THUMBPRINT",
            Self::MachineLearning => "MSI_ENDPOINT, MSI_SECRET",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(value: &str) -> Option<PlatformSecret> {
        Some(PlatformSecret::new(value))
    }

    fn some(value: &str) -> Option<String> {
        Some(value.to_owned())
    }

    const THUMBPRINT: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn sources_are_chosen_in_msal_pythons_order() {
        let all = PlatformEnv {
            identity_endpoint: some("https://10.0.0.4:2377/metadata/identity/oauth2/token"),
            identity_header: secret("h"),
            identity_server_thumbprint: some(THUMBPRINT),
            imds_endpoint: some("http://localhost:40342"),
            msi_endpoint: some("http://127.0.0.1:46808/MSI/auth"),
            msi_secret: secret("s"),
            pod_identity_authority_host: some("http://127.0.0.1:1"),
            arc_agent_installed: true,
        };
        let kind = |env: &PlatformEnv| detect(env).unwrap().source.kind();
        let mut env = all.clone();
        assert_eq!(kind(&env), SourceKind::ServiceFabric);
        env.identity_server_thumbprint = None;
        env.identity_endpoint = some("http://169.254.129.3:8081/msi/token");
        assert_eq!(kind(&env), SourceKind::AppService);
        env.identity_header = None;
        assert_eq!(kind(&env), SourceKind::MachineLearning);
        env.msi_secret = None;
        env.identity_endpoint = some(ARC_DEFAULT_ENDPOINT);
        assert_eq!(kind(&env), SourceKind::Arc);
        env.identity_endpoint = None;
        assert_eq!(kind(&env), SourceKind::Arc, "the agent is installed");
        env.arc_agent_installed = false;
        assert_eq!(kind(&env), SourceKind::CloudShell);
        env.msi_endpoint = None;
        let imds = detect(&env).unwrap();
        assert_eq!(
            imds.source.endpoint().as_str(),
            "http://127.0.0.1:1/metadata/identity/oauth2/token"
        );
        assert!(imds.reason.contains(AZURE_POD_IDENTITY_AUTHORITY_HOST));
        let default = detect(&PlatformEnv::default()).unwrap();
        assert_eq!(
            default.source.endpoint().as_str(),
            "http://169.254.169.254/metadata/identity/oauth2/token"
        );
        // A base with a trailing slash or a path, as MSAL Python joins it.
        env.pod_identity_authority_host = some("http://127.0.0.1:1/prefix//");
        assert_eq!(
            detect(&env).unwrap().source.endpoint().as_str(),
            "http://127.0.0.1:1/prefix/metadata/identity/oauth2/token"
        );
    }

    #[test]
    fn endpoints_that_receive_a_secret_stay_on_the_machine_or_use_tls() {
        let app_service = |endpoint: &str| {
            detect(&PlatformEnv {
                identity_endpoint: some(endpoint),
                identity_header: secret("h"),
                ..PlatformEnv::default()
            })
        };
        for ok in [
            "http://127.0.0.1:41741/MSI/token/",
            "http://localhost:8081/msi/token",
            "http://169.254.129.3:8081/msi/token",
            "http://[::1]:1/x",
            "http://[fe80::1]:1/x",
            "https://example.com/msi/token",
        ] {
            assert!(app_service(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/msi/token",
            "http://10.0.0.1/msi/token",
            "http://169.255.0.1/x",
            "ftp://127.0.0.1/x",
            "not a url",
            "http://user:pw@127.0.0.1/x",
            "file:///etc/passwd",
        ] {
            let err = app_service(bad).unwrap_err().to_string();
            assert!(err.starts_with(IDENTITY_ENDPOINT), "{bad}: {err}");
            assert!(!err.contains("pw@"), "{err}");
        }
        let fabric = |endpoint: &str, thumbprint: &str| {
            detect(&PlatformEnv {
                identity_endpoint: some(endpoint),
                identity_header: secret("h"),
                identity_server_thumbprint: some(thumbprint),
                ..PlatformEnv::default()
            })
        };
        assert!(fabric("https://10.0.0.4:2377/x", THUMBPRINT).is_ok());
        assert!(fabric("http://127.0.0.1:2377/x", THUMBPRINT).is_err());
        let err = fabric("https://10.0.0.4:2377/x", "abc").unwrap_err();
        assert!(
            err.to_string().starts_with(IDENTITY_SERVER_THUMBPRINT),
            "{err}"
        );
    }
}
