//! Authorities: which identity provider and tenant, parsed and classified once, and where their
//! endpoints are (OpenID Connect Discovery, Entra instance discovery, an on-disk metadata cache).
//!
//! Entra authority shapes: <https://learn.microsoft.com/entra/identity-platform/msal-client-application-configuration#authority>.

mod discovery;
mod instance;
mod metadata_cache;

pub use discovery::{
    Discovered, Endpoints, build_discovery_request, check_discovered, parse_discovery_response,
};
pub use instance::{
    InstanceMetadata, build_instance_discovery_request, parse_instance_discovery_response,
};
pub use metadata_cache::MetadataCache;

use std::net::IpAddr;

use url::Url;

/// Public-cloud host used when only a tenant is given.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// The authority used when none is given: work and school accounts of any tenant.
pub const DEFAULT_AUTHORITY: &str = "https://login.microsoftonline.com/organizations";

/// Entra's cloud instances whose metadata is known, so instance discovery is skipped for their
/// hosts (public cloud and sovereign clouds, as MSAL lists them). Each group is one instance:
/// its hosts are aliases of one another, as instance discovery answers for them, so a discovery
/// document of one may name endpoints on another.
const WELL_KNOWN_CLOUDS: &[&[&str]] = &[
    &[
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    ],
    &["login.partner.microsoftonline.cn", "login.chinacloudapi.cn"],
    &["login.microsoftonline.de"],
    &["login.microsoftonline.us", "login.usgovcloudapi.net"],
    &["login-us.microsoftonline.com"],
    &["login.sovcloud-identity.fr"],
    &["login.sovcloud-identity.de"],
    &["login.sovcloud-identity.sg"],
];

/// What kind of identity provider an authority is; it decides the discovery URL, whether
/// instance discovery applies, and Entra-only request details such as `client_info`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorityKind {
    /// Entra ID (`https://{host}/{tenant}`), including sovereign clouds.
    Entra,
    /// Entra External ID for customers (`https://{tenant}.ciamlogin.com/…`).
    Ciam,
    /// Azure AD B2C (`https://{host}/{tenant}/{policy}` or `/tfp/{tenant}/{policy}`).
    B2c,
    /// AD FS (`https://{host}/adfs`).
    Adfs,
    /// Any OpenID Connect provider (`--oidc-authority`): discovery at
    /// `{issuer}/.well-known/openid-configuration`, no Entra-specific steps.
    Oidc,
}

/// Why a discovery document is not used ([`check_discovered`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejected {
    /// It names another issuer than the generic OpenID Connect provider given.
    #[error(
        "the document names the issuer {named:?}, not {expected:?}; OpenID Connect Discovery \
         requires them to be identical"
    )]
    OtherIssuer {
        /// The issuer the authority was given as.
        expected: String,
        /// The issuer the document names.
        named: String,
    },
    /// An endpoint, or a missing issuer, breaks another rule of [`check_discovered`].
    #[error("{0}")]
    Rule(String),
}

/// A parsed authority.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authority {
    url: Url,
    kind: AuthorityKind,
    tenant: String,
    /// For a generic OpenID Connect provider: the issuer exactly as given, which its discovery
    /// document must name verbatim (OpenID Connect Discovery §4.3).
    issuer: Option<String>,
}

/// Why an authority is unusable.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorityError {
    /// The URL does not parse or has the wrong shape.
    #[error("invalid authority {url}: {reason}")]
    Invalid {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The text is close to an authority but is not one: it lacks `https://`, or it names an
    /// endpoint or a discovery document under the authority.
    #[error("invalid authority {url}: {reason}; the authority is {suggestion}")]
    Mistyped {
        /// What was given.
        url: String,
        /// What is wrong with it.
        reason: String,
        /// The authority it most likely means.
        suggestion: String,
    },
    /// The identity provider refused discovery with an OAuth error, e.g. Entra's
    /// `invalid_tenant` (AADSTS90002) for a tenant it does not know.
    #[error("OpenID discovery at {url} was refused: {error} (is the tenant or authority right?)")]
    Refused {
        /// The discovery URL.
        url: String,
        /// The provider's error.
        error: crate::ServerError,
    },
    /// OpenID discovery answered with something that is not a usable metadata document.
    #[error("OpenID discovery at {url} failed: {reason}")]
    Discovery {
        /// The discovery URL.
        url: String,
        /// What was wrong.
        reason: String,
    },
    /// A generic OpenID Connect provider's discovery document names another issuer than the
    /// authority given, which OpenID Connect Discovery §4.3 forbids: a document served for
    /// another issuer must not redirect tokens and secrets.
    #[error(
        "OpenID discovery at {url} failed: the document names the issuer {named:?}, not \
         {expected:?}; OpenID Connect Discovery requires them to be identical"
    )]
    IssuerMismatch {
        /// The discovery URL.
        url: String,
        /// The issuer the authority was given as.
        expected: String,
        /// The issuer the document names.
        named: String,
    },
    /// Entra's instance discovery does not know this host.
    #[error("{host} is not a known Entra ID authority host ({reason})")]
    UnknownInstance {
        /// The host.
        host: String,
        /// Entra's answer.
        reason: String,
    },
}

impl Authority {
    /// Parses an Entra-family authority URL (`--authority`): Entra ID, CIAM, B2C or AD FS.
    pub fn parse(text: &str) -> Result<Self, AuthorityError> {
        let url = parse_base_url(text)?;
        let host = host_of(&url);
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.filter(|p| !p.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        let invalid = |reason: &str| AuthorityError::Invalid {
            url: crate::text::without_credentials(text).into_owned(),
            reason: reason.to_owned(),
        };

        let (kind, tenant, path) = if segments
            .first()
            .is_some_and(|s| s.eq_ignore_ascii_case("adfs"))
        {
            (AuthorityKind::Adfs, "adfs".to_owned(), "adfs".to_owned())
        } else if host.ends_with(".ciamlogin.com") {
            let tenant = match segments.first() {
                Some(t) => t.clone(),
                None => {
                    let sub = host.split('.').next().unwrap_or_default();
                    format!("{sub}.onmicrosoft.com")
                }
            };
            (AuthorityKind::Ciam, tenant.clone(), tenant)
        } else if is_b2c(&host, &segments) {
            let rest: Vec<&String> = match segments.first() {
                Some(first) if first.eq_ignore_ascii_case("tfp") => {
                    segments.iter().skip(1).collect()
                }
                _ => segments.iter().collect(),
            };
            match rest.as_slice() {
                [tenant, policy, ..] => (
                    AuthorityKind::B2c,
                    tenant.to_string(),
                    format!("{tenant}/{policy}"),
                ),
                _ => return Err(invalid("a B2C authority needs /{tenant}/{policy}")),
            }
        } else {
            match segments.as_slice() {
                [tenant] => (AuthorityKind::Entra, tenant.clone(), tenant.clone()),
                [] => {
                    return Err(invalid(
                        "the URL names no tenant (e.g. …/organizations, …/contoso.onmicrosoft.com or a tenant id)",
                    ));
                }
                [tenant, ..]
                    if tenant.eq_ignore_ascii_case("v2.0")
                        || tenant.eq_ignore_ascii_case("oauth2") =>
                {
                    return Err(invalid(
                        "give the authority without endpoint paths, e.g. https://login.microsoftonline.com/{tenant}",
                    ));
                }
                [tenant, next, ..]
                    if ENDPOINT_PATHS.iter().any(|p| next.eq_ignore_ascii_case(p)) =>
                {
                    let mut authority = url.clone();
                    authority.set_path(tenant);
                    return Err(AuthorityError::Mistyped {
                        url: text.to_owned(),
                        reason: format!(
                            "/{} is {}, not part of the authority",
                            segments[1..].join("/"),
                            what_path(&segments[1..])
                        ),
                        suggestion: authority.as_str().trim_end_matches('/').to_owned(),
                    });
                }
                _ => {
                    return Err(invalid(
                        "an Entra authority has exactly one path segment: the tenant",
                    ));
                }
            }
        };
        let mut normalized = url.clone();
        normalized.set_path(&path);
        Ok(Self {
            url: normalized,
            kind,
            tenant,
            issuer: None,
        })
    }

    /// A generic OpenID Connect issuer (`--oidc-authority`). Its text is kept exactly as given
    /// (surrounding whitespace aside): the discovered `issuer` must be identical to it (OpenID
    /// Connect Discovery §4.3; an issuer is a case-sensitive URL). Discovery drops a trailing
    /// slash before appending `/.well-known/openid-configuration` (§4.1).
    pub fn oidc(text: &str) -> Result<Self, AuthorityError> {
        let url = parse_base_url(text)?;
        if let Some(issuer) = text.trim().strip_suffix(WELL_KNOWN_SUFFIX) {
            return Err(AuthorityError::Mistyped {
                url: text.to_owned(),
                reason: "that is the discovery document's address, not the issuer".into(),
                suggestion: issuer.to_owned(),
            });
        }
        let tenant = url
            .path_segments()
            .and_then(|mut s| s.rfind(|p| !p.is_empty()).map(str::to_owned))
            .unwrap_or_default();
        Ok(Self {
            url,
            kind: AuthorityKind::Oidc,
            tenant,
            issuer: Some(text.trim().to_owned()),
        })
    }

    /// `{host}/{tenant}`, where host is `AZURE_AUTHORITY_HOST` or the public cloud.
    pub fn from_tenant(host: Option<&str>, tenant: &str) -> Result<Self, AuthorityError> {
        let host = host.unwrap_or(DEFAULT_AUTHORITY_HOST).trim_end_matches('/');
        let host = if host.contains("://") {
            host.to_owned()
        } else {
            format!("https://{host}")
        };
        Self::parse(&format!("{host}/{}", tenant.trim_matches('/')))
    }

    /// The authority URL, without a trailing slash.
    pub fn url(&self) -> &str {
        self.url.as_str().trim_end_matches('/')
    }

    /// `scheme://host[:port]`, for showing where an account lives.
    pub fn origin(&self) -> String {
        self.url.origin().ascii_serialization()
    }

    /// Its kind.
    pub fn kind(&self) -> &AuthorityKind {
        &self.kind
    }

    /// The tenant as given (`organizations`, a domain, a GUID, `adfs`, a B2C tenant).
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// MSAL's cache `environment`: the host, lowercase, without the port.
    pub fn environment(&self) -> String {
        host_of(&self.url)
    }

    /// The issuer a generic OpenID Connect provider must name, exactly as the user gave it;
    /// `None` for Entra-family authorities, whose issuer names the tenant id instead.
    pub fn expected_issuer(&self) -> Option<&str> {
        self.issuer.as_deref()
    }

    /// Checks a discovery document's `issuer` against [`Self::expected_issuer`]: for a generic
    /// OpenID Connect provider they must be identical (OpenID Connect Discovery §4.3), so a
    /// document served for another issuer cannot redirect tokens and secrets. The error says why.
    pub fn check_issuer(&self, issuer: Option<&str>) -> Result<(), Rejected> {
        let Some(expected) = self.expected_issuer() else {
            return Ok(());
        };
        match issuer {
            Some(issuer) if issuer == expected => Ok(()),
            Some(issuer) => Err(Rejected::OtherIssuer {
                expected: expected.to_owned(),
                named: issuer.to_owned(),
            }),
            None => Err(Rejected::Rule(format!(
                "the document names no issuer, so it cannot be checked against {expected:?}"
            ))),
        }
    }

    /// Whether Entra-specific request details apply (`client_info=1`, `X-AnchorMailbox`).
    pub fn is_entra_family(&self) -> bool {
        self.kind != AuthorityKind::Oidc
    }

    /// Whether Entra's instance discovery should vouch for this host before it is used.
    /// Well-known clouds, B2C, CIAM, AD FS, generic OIDC and loopback hosts skip it.
    pub fn needs_instance_discovery(&self) -> bool {
        let host = self.environment();
        self.kind == AuthorityKind::Entra
            && self.well_known_aliases().is_empty()
            && !is_loopback_host(&host)
    }

    /// The hosts of this authority's well-known cloud (its own host among them), or none when
    /// the host is not a well-known one.
    pub fn well_known_aliases(&self) -> &'static [&'static str] {
        let host = self.environment();
        WELL_KNOWN_CLOUDS
            .iter()
            .find(|cloud| cloud.contains(&host.as_str()))
            .copied()
            .unwrap_or_default()
    }

    /// Whether `url` is on this authority's own host and port, or on a host in `aliases` (with
    /// https's port).
    pub(crate) fn hosts(&self, url: &Url, aliases: &[String]) -> bool {
        let host = host_of(url);
        if host == self.environment()
            && url.port_or_known_default() == self.url.port_or_known_default()
        {
            return true;
        }
        url.scheme() == "https"
            && url.port_or_known_default() == Some(443)
            && (aliases.iter().any(|a| a.eq_ignore_ascii_case(&host))
                || self.well_known_aliases().contains(&host.as_str()))
    }

    /// The OpenID Connect discovery document URL for this authority.
    pub fn discovery_url(&self) -> Url {
        let base = self.url();
        let text = match self.kind {
            AuthorityKind::Oidc => format!("{base}/.well-known/openid-configuration"),
            AuthorityKind::Adfs => format!("{base}/.well-known/openid-configuration"),
            _ => format!("{base}/v2.0/.well-known/openid-configuration"),
        };
        // The base URL parsed already; appending a fixed path cannot make it unparsable.
        Url::parse(&text).unwrap_or_else(|_| self.url.clone())
    }
}

fn is_b2c(host: &str, segments: &[String]) -> bool {
    host.ends_with(".b2clogin.com")
        || segments
            .first()
            .is_some_and(|s| s.eq_ignore_ascii_case("tfp"))
        || segments
            .get(1)
            .is_some_and(|s| s.to_ascii_lowercase().starts_with("b2c_"))
}

/// Parses an authority's base URL: https (or http on a loopback host), no query, no fragment,
/// no credentials.
fn parse_base_url(text: &str) -> Result<Url, AuthorityError> {
    // The text is repeated in the message: a password in it is not.
    let invalid = |reason: String| AuthorityError::Invalid {
        url: crate::text::without_credentials(text).into_owned(),
        reason,
    };
    let trimmed = text.trim();
    let url = match Url::parse(trimmed) {
        // `host:port/path` parses as a URL whose scheme is the host.
        Ok(url) if url.cannot_be_a_base() && !trimmed.contains("://") => {
            return Err(missing_scheme(text));
        }
        Ok(url) => url,
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            return Err(missing_scheme(text));
        }
        Err(e) => return Err(invalid(e.to_string())),
    };
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or fragment".into()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("it must not carry credentials".into()));
    }
    check_transport(&url).map_err(invalid)?;
    let mut url = url;
    let path = url.path().trim_end_matches('/').to_owned();
    url.set_path(&path);
    Ok(url)
}

/// Path segments that follow the tenant in an endpoint or discovery URL, never in an authority.
const ENDPOINT_PATHS: &[&str] = &[
    "v2.0",
    "oauth2",
    ".well-known",
    "discovery",
    "saml2",
    "wsfed",
    "kerberos",
];

/// What discovery appends to an issuer (OpenID Connect Discovery §4.1).
const WELL_KNOWN_SUFFIX: &str = "/.well-known/openid-configuration";

/// Names the endpoint that a path after the tenant points to.
fn what_path(rest: &[String]) -> &'static str {
    let last = rest
        .last()
        .map(|s| s.to_ascii_lowercase())
        .unwrap_or_default();
    match last.as_str() {
        "openid-configuration" => "the OpenID discovery document",
        "token" => "the token endpoint",
        "authorize" => "the authorization endpoint",
        "devicecode" => "the device code endpoint",
        "v2.0" => "the v2.0 endpoint suffix (msal adds it)",
        _ => "an endpoint path",
    }
}

/// `text` with the scheme it lacks: `http://` for a loopback host, `https://` otherwise; the
/// error suggests it, without the endpoint path when the rest names one too.
fn missing_scheme(text: &str) -> AuthorityError {
    let trimmed = text.trim();
    let host_port = trimmed.split('/').next().unwrap_or_default();
    let host = match host_port.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => host_port,
    };
    let scheme = if is_loopback_host(host) {
        "http"
    } else {
        "https"
    };
    let candidate = format!("{scheme}://{trimmed}");
    let suggestion = match Authority::parse(&candidate) {
        Err(AuthorityError::Mistyped { suggestion, .. }) => suggestion,
        _ if Url::parse(&candidate).is_ok_and(|u| u.host_str().is_some()) => candidate,
        _ => {
            return AuthorityError::Invalid {
                url: crate::text::without_credentials(text).into_owned(),
                reason: "an authority is a URL starting with https://".into(),
            };
        }
    };
    // What was typed may hold a password (`user:pw@host`); the message never repeats it.
    AuthorityError::Mistyped {
        url: crate::text::without_credentials(text).into_owned(),
        reason: format!("it has no {scheme}://"),
        suggestion: crate::text::without_credentials(&suggestion).into_owned(),
    }
}

/// Tokens and secrets travel only over TLS; plain http is allowed for loopback hosts, which
/// local identity providers and tests use.
pub(crate) fn check_transport(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if url.host_str().is_some_and(is_loopback_host) => Ok(()),
        "http" => Err(format!(
            "plain http is refused for {} (only loopback hosts may use http); use https",
            url.host_str().unwrap_or("this host")
        )),
        other => Err(format!("unsupported scheme {other}: use https")),
    }
}

/// 127.0.0.1 (and the rest of 127/8), ::1 and localhost, as the url crate writes hosts (it turns
/// `2130706433`, `0x7f.1` or `0177.0.0.1` into `127.0.0.1`). Deliberately not loopback: an
/// IPv4-mapped address (`::ffff:127.0.0.1`, which a dual-stack socket still delivers to
/// 127.0.0.1, so a rule that compared text would be fooled by it), `0.0.0.0`, `localhost.` and
/// names under `.localhost`: what is refused can only be safe.
pub fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn host_of(url: &Url) -> String {
    url.host_str().unwrap_or_default().to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind_and_tenant(text: &str) -> (AuthorityKind, String) {
        let a = Authority::parse(text).unwrap();
        (a.kind().clone(), a.tenant().to_owned())
    }

    #[test]
    fn a_password_typed_without_a_scheme_is_never_repeated() {
        for typed in [
            "alice:Hunter2-secret@login.microsoftonline.com/common",
            "alice:Hunter2-secret@",
        ] {
            let error = Authority::parse(typed).unwrap_err().to_string();
            assert!(!error.contains("Hunter2-secret"), "{typed} gave: {error}");
        }
    }

    #[test]
    fn classifies_authority_shapes() {
        assert_eq!(
            kind_and_tenant("https://login.microsoftonline.com/organizations/"),
            (AuthorityKind::Entra, "organizations".into())
        );
        assert_eq!(
            kind_and_tenant(
                "https://login.microsoftonline.us/72f988bf-86f1-41af-91ab-2d7cd011db47"
            ),
            (
                AuthorityKind::Entra,
                "72f988bf-86f1-41af-91ab-2d7cd011db47".into()
            )
        );
        assert_eq!(
            kind_and_tenant("https://fs.contoso.com/adfs"),
            (AuthorityKind::Adfs, "adfs".into())
        );
        assert_eq!(
            kind_and_tenant("https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin"),
            (AuthorityKind::B2c, "contoso.onmicrosoft.com".into())
        );
        assert_eq!(
            kind_and_tenant(
                "https://login.microsoftonline.com/tfp/contoso.onmicrosoft.com/B2C_1_x"
            ),
            (AuthorityKind::B2c, "contoso.onmicrosoft.com".into())
        );
        assert_eq!(
            kind_and_tenant("https://contoso.ciamlogin.com"),
            (AuthorityKind::Ciam, "contoso.onmicrosoft.com".into())
        );
    }

    #[test]
    fn refuses_plain_http_except_loopback() {
        assert!(Authority::parse("http://login.example.com/common").is_err());
        assert!(Authority::parse("http://127.0.0.1:8080/common").is_ok());
        assert!(Authority::parse("http://[::1]:8080/common").is_ok());
        assert!(Authority::parse("http://localhost/common").is_ok());
        assert!(Authority::oidc("http://10.0.0.1/realms/x").is_err());
        assert!(Authority::parse("ftp://login.microsoftonline.com/common").is_err());
    }

    #[test]
    fn only_plain_loopback_forms_may_use_http() {
        let allowed = |text: &str| check_transport(&Url::parse(text).unwrap()).is_ok();
        for loopback in [
            "http://127.0.0.1:1/",
            "http://127.9.8.7/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::1]/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://LOCALHOST/",
            "https://example.com/",
        ] {
            assert!(allowed(loopback), "{loopback}");
        }
        for remote in [
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[::127.0.0.1]/",
            "http://0.0.0.0/",
            "http://0/",
            "http://[::]/",
            "http://localhost./",
            "http://evil.localhost/",
            "http://127.0.0.1.nip.io/",
            "http://169.254.169.254/",
            "ftp://127.0.0.1/",
        ] {
            assert!(!allowed(remote), "{remote}");
        }
    }

    #[test]
    fn refuses_malformed_authorities() {
        for bad in [
            "not a url",
            "https://login.microsoftonline.com",
            "https://login.microsoftonline.com/common?x=1",
            "https://user:pw@login.microsoftonline.com/common",
            "https://login.microsoftonline.com/common/oauth2/v2.0/token",
        ] {
            assert!(Authority::parse(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn near_misses_name_the_authority_meant() {
        let suggestion = |text: &str| match Authority::parse(text) {
            Err(AuthorityError::Mistyped { suggestion, .. }) => suggestion,
            other => panic!("{text}: {other:?}"),
        };
        for (given, meant) in [
            ("127.0.0.1:8080/t1", "http://127.0.0.1:8080/t1"),
            ("localhost:8080/t1", "http://localhost:8080/t1"),
            ("[::1]:8080/t1/v2.0", "http://[::1]:8080/t1"),
            (
                "login.microsoftonline.com/contoso.com",
                "https://login.microsoftonline.com/contoso.com",
            ),
            (
                "https://login.microsoftonline.com/t1/v2.0/",
                "https://login.microsoftonline.com/t1",
            ),
            (
                "https://login.microsoftonline.com/t1/v2.0/.well-known/openid-configuration",
                "https://login.microsoftonline.com/t1",
            ),
            (
                "https://login.microsoftonline.us/t1/.well-known/openid-configuration",
                "https://login.microsoftonline.us/t1",
            ),
            (
                "https://login.microsoftonline.com/t1/oauth2/v2.0/token",
                "https://login.microsoftonline.com/t1",
            ),
            (
                "https://login.microsoftonline.com/t1/oauth2/authorize",
                "https://login.microsoftonline.com/t1",
            ),
        ] {
            assert_eq!(suggestion(given), meant, "{given}");
        }
        match Authority::oidc("https://id.example.com/r/.well-known/openid-configuration") {
            Err(AuthorityError::Mistyped { suggestion, .. }) => {
                assert_eq!(suggestion, "https://id.example.com/r");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            Authority::parse("urn:x"),
            Err(AuthorityError::Invalid { .. })
        ));
    }

    #[test]
    fn environment_is_lowercase_host_without_port() {
        let a = Authority::parse("http://127.0.0.1:4321/Contoso.example").unwrap();
        assert_eq!(a.environment(), "127.0.0.1");
        assert_eq!(a.url(), "http://127.0.0.1:4321/Contoso.example");
        let b = Authority::parse("https://LOGIN.microsoftonline.com/common").unwrap();
        assert_eq!(b.environment(), "login.microsoftonline.com");
    }

    #[test]
    fn discovery_urls() {
        let entra = Authority::from_tenant(None, "contoso.onmicrosoft.com").unwrap();
        assert_eq!(
            entra.discovery_url().as_str(),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        );
        let adfs = Authority::parse("https://fs.contoso.com/adfs/").unwrap();
        assert_eq!(
            adfs.discovery_url().as_str(),
            "https://fs.contoso.com/adfs/.well-known/openid-configuration"
        );
        let oidc = Authority::oidc("https://accounts.example.com/realms/dev/").unwrap();
        assert_eq!(
            oidc.discovery_url().as_str(),
            "https://accounts.example.com/realms/dev/.well-known/openid-configuration"
        );
        assert_eq!(
            oidc.expected_issuer(),
            Some("https://accounts.example.com/realms/dev/")
        );
        assert_eq!(entra.expected_issuer(), None);
    }

    #[test]
    fn oidc_issuer_must_be_identical_to_the_authority_given() {
        let given = Authority::oidc(" http://127.0.0.1:8080 ").unwrap();
        assert_eq!(given.check_issuer(Some("http://127.0.0.1:8080")), Ok(()));
        for other in [
            "http://localhost:8080",
            "http://127.0.0.1:8080/",
            "HTTP://127.0.0.1:8080",
            "http://127.0.0.1:8081",
        ] {
            assert_eq!(
                given.check_issuer(Some(other)),
                Err(Rejected::OtherIssuer {
                    expected: "http://127.0.0.1:8080".into(),
                    named: other.into()
                })
            );
        }
        assert!(given.check_issuer(None).is_err());
        let slash = Authority::oidc("https://tenant.example.com/").unwrap();
        assert!(
            slash
                .check_issuer(Some("https://tenant.example.com/"))
                .is_ok()
        );
        assert!(
            slash
                .check_issuer(Some("https://tenant.example.com"))
                .is_err()
        );
        let entra = Authority::parse("https://login.microsoftonline.com/common").unwrap();
        assert!(
            entra
                .check_issuer(Some("https://sts.windows.net/x/"))
                .is_ok()
        );
    }

    #[test]
    fn instance_discovery_only_for_unknown_entra_hosts() {
        assert!(
            !Authority::parse("https://login.microsoftonline.com/common")
                .unwrap()
                .needs_instance_discovery()
        );
        assert!(
            !Authority::parse("http://127.0.0.1:1/common")
                .unwrap()
                .needs_instance_discovery()
        );
        assert!(
            Authority::parse("https://login.contoso.net/common")
                .unwrap()
                .needs_instance_discovery()
        );
        assert!(
            !Authority::oidc("https://login.contoso.net/x")
                .unwrap()
                .needs_instance_discovery()
        );
    }

    #[test]
    fn from_tenant_uses_the_authority_host() {
        let a = Authority::from_tenant(Some("https://login.microsoftonline.us/"), "t1").unwrap();
        assert_eq!(a.url(), "https://login.microsoftonline.us/t1");
        let b = Authority::from_tenant(Some("login.chinacloudapi.cn"), "t2").unwrap();
        assert_eq!(b.url(), "https://login.chinacloudapi.cn/t2");
    }
}
