//! OpenID Connect Discovery (OpenID Connect Discovery 1.0 §4): build the metadata request and
//! parse and check the answer.

use serde::{Deserialize, Serialize};
use url::Url;

use super::{Authority, AuthorityError, Rejected, check_transport};
use crate::http::{HttpRequest, HttpResponse, endpoint_of};

/// The endpoints this tool uses from a provider's metadata document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Endpoints {
    /// The issuer identifier.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Token endpoint (RFC 6749 §3.2).
    pub token_endpoint: String,
    /// Authorization endpoint (RFC 6749 §3.1).
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    /// Device authorization endpoint (RFC 8628 §4).
    #[serde(default)]
    pub device_authorization_endpoint: Option<String>,
    /// How clients may authenticate at the token endpoint (OpenID Discovery §3).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// The JWS algorithms the token endpoint accepts for `private_key_jwt` assertions (OpenID
    /// Discovery §3).
    #[serde(default)]
    pub token_endpoint_auth_signing_alg_values_supported: Option<Vec<String>>,
    /// The scopes the provider says it supports (OpenID Discovery §3); whether it lists
    /// `offline_access` decides whether sign-ins ask for it.
    #[serde(default)]
    pub scopes_supported: Option<Vec<String>>,
}

/// What discovery established about an authority: its endpoints, and the hosts Entra's instance
/// discovery vouched for as aliases of the authority's host. Kept together in the metadata cache,
/// so that a document read back is judged by the same rule as when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovered {
    /// The endpoints.
    pub endpoints: Endpoints,
    /// Hosts instance discovery named as the authority host's aliases (lowercase).
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Endpoints {
    /// MSAL's cache `realm`: the first path segment of the token endpoint (the tenant id for
    /// Entra, `adfs` for AD FS), as MSAL Python derives it.
    pub fn realm(&self) -> String {
        Url::parse(&self.token_endpoint)
            .ok()
            .and_then(|u| {
                u.path_segments()
                    .and_then(|mut s| s.next().map(str::to_owned))
            })
            .unwrap_or_default()
    }

    /// The token endpoint as a URL.
    pub fn token_url(&self) -> Result<Url, AuthorityError> {
        parse_endpoint("token_endpoint", &self.token_endpoint)
    }

    /// The device authorization endpoint, when the provider has one.
    pub fn device_authorization_url(&self) -> Result<Option<Url>, AuthorityError> {
        self.device_authorization_endpoint
            .as_deref()
            .map(|e| parse_endpoint("device_authorization_endpoint", e))
            .transpose()
    }

    /// The authorization endpoint, when the provider has one.
    pub fn authorization_url(&self) -> Result<Option<Url>, AuthorityError> {
        self.authorization_endpoint
            .as_deref()
            .map(|e| parse_endpoint("authorization_endpoint", e))
            .transpose()
    }
}

fn parse_endpoint(name: &str, value: &str) -> Result<Url, AuthorityError> {
    let url = Url::parse(value).map_err(|e| AuthorityError::Discovery {
        url: value.to_owned(),
        reason: format!("{name} is not a URL: {e}"),
    })?;
    check_transport(&url).map_err(|reason| AuthorityError::Discovery {
        url: endpoint_of(&url),
        reason: format!("{name}: {reason}"),
    })?;
    Ok(url)
}

/// The discovery request: GET the metadata document (`url` overrides the authority's own
/// discovery URL when instance discovery named another).
pub fn build_discovery_request(authority: &Authority, url: Option<Url>) -> HttpRequest {
    HttpRequest::get(url.unwrap_or_else(|| authority.discovery_url()))
}

/// Parses and checks a discovery answer: a JSON object that passes [`check_discovered`], given
/// the aliases instance discovery vouched for (none when it was not asked).
pub fn parse_discovery_response(
    authority: &Authority,
    request: &HttpRequest,
    response: &HttpResponse,
    aliases: &[String],
) -> Result<Discovered, AuthorityError> {
    let url = request.endpoint();
    let fail = |reason: String| AuthorityError::Discovery {
        url: url.clone(),
        reason,
    };
    if !(200..300).contains(&response.status) {
        let error = serde_json::from_slice::<crate::ServerError>(&response.body)
            .ok()
            .filter(|e| !e.error.trim().is_empty());
        if let Some(mut error) = error.clone()
            && (400..500).contains(&response.status)
        {
            error.status = response.status;
            return Err(AuthorityError::Refused { url, error });
        }
        let detail = error
            .map(|e| e.to_string())
            .unwrap_or_else(|| response.excerpt());
        let detail = if detail.is_empty() {
            "an empty body".to_owned()
        } else {
            detail
        };
        let hint = if response.status == 400 || response.status == 404 {
            " (is the tenant or authority right?)"
        } else {
            ""
        };
        return Err(fail(format!("HTTP {}: {detail}{hint}", response.status)));
    }
    let endpoints: Endpoints = serde_json::from_slice(&response.body)
        .map_err(|e| fail(format!("not an OpenID metadata document ({e})")))?;
    let discovered = Discovered {
        endpoints,
        aliases: aliases.iter().map(|a| a.to_ascii_lowercase()).collect(),
    };
    check_discovered(authority, &discovered).map_err(|rejected| match rejected {
        Rejected::OtherIssuer { expected, named } => AuthorityError::IssuerMismatch {
            url: url.clone(),
            expected,
            named,
        },
        Rejected::Rule(reason) => fail(reason),
    })?;
    Ok(discovered)
}

/// The rule every discovery document must pass before any request goes to its endpoints,
/// whether it was just fetched or read back from the metadata cache (a file that another
/// program may have written):
///
/// - every endpoint is a URL over https, or http on a loopback host;
/// - for a generic OpenID Connect provider, the `issuer` is identical to the authority given
///   ([`Authority::check_issuer`], OpenID Connect Discovery §4.3); its endpoints may be on other
///   hosts, as the issuer's own document vouches for them;
/// - for an Entra-family authority, which names no issuer to compare, the token, authorization
///   and device authorization endpoints are on the authority's own host and port, or on a host
///   that instance discovery named as an alias of it (for the well-known clouds, one of the
///   cloud's hosts). See
///   <https://learn.microsoft.com/entra/identity-platform/msal-net-instance-discovery>.
///
/// The error says which endpoint broke which rule.
pub fn check_discovered(authority: &Authority, discovered: &Discovered) -> Result<(), Rejected> {
    let endpoints = &discovered.endpoints;
    let named = [
        ("token_endpoint", Some(endpoints.token_endpoint.as_str())),
        (
            "authorization_endpoint",
            endpoints.authorization_endpoint.as_deref(),
        ),
        (
            "device_authorization_endpoint",
            endpoints.device_authorization_endpoint.as_deref(),
        ),
    ];
    for (name, value) in named {
        let Some(value) = value else { continue };
        let url =
            Url::parse(value).map_err(|e| Rejected::Rule(format!("{name} is not a URL: {e}")))?;
        check_transport(&url).map_err(|reason| Rejected::Rule(format!("{name}: {reason}")))?;
        if authority.is_entra_family() && !authority.hosts(&url, &discovered.aliases) {
            return Err(Rejected::Rule(format!(
                "its {name} {} is not on the authority's host ({}) nor on a host Entra's \
                 instance discovery named as its alias",
                endpoint_of(&url),
                authority.origin()
            )));
        }
    }
    authority.check_issuer(endpoints.issuer.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn respond(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            content_type: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn parses_entra_metadata_and_derives_realm() {
        let authority = Authority::parse("https://login.microsoftonline.com/contoso.com").unwrap();
        let request = build_discovery_request(&authority, None);
        let body = r#"{"token_endpoint":"https://login.microsoftonline.com/72f9/oauth2/v2.0/token",
            "issuer":"https://login.microsoftonline.com/72f9/v2.0","authorization_endpoint":
            "https://login.microsoftonline.com/72f9/oauth2/v2.0/authorize","extra":1}"#;
        let discovered =
            parse_discovery_response(&authority, &request, &respond(200, body), &[]).unwrap();
        assert_eq!(discovered.endpoints.realm(), "72f9");
    }

    #[test]
    fn refuses_plain_http_endpoints_on_remote_hosts() {
        let authority = Authority::parse("https://login.microsoftonline.com/common").unwrap();
        let request = build_discovery_request(&authority, None);
        let body = r#"{"token_endpoint":"http://evil.example.com/token"}"#;
        let err =
            parse_discovery_response(&authority, &request, &respond(200, body), &[]).unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
    }

    fn discovered(token: &str, authorization: &str, device: &str, aliases: &[&str]) -> Discovered {
        Discovered {
            endpoints: Endpoints {
                issuer: Some("https://login.contoso.net/{tenantid}/v2.0".into()),
                token_endpoint: token.into(),
                authorization_endpoint: Some(authorization.into()),
                device_authorization_endpoint: Some(device.into()),
                token_endpoint_auth_methods_supported: None,
                token_endpoint_auth_signing_alg_values_supported: None,
                scopes_supported: None,
            },
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    #[test]
    fn entra_endpoints_are_on_the_authority_host_or_an_alias_instance_discovery_named() {
        let authority = Authority::parse("https://login.contoso.net/t1").unwrap();
        let at = |host: &str| {
            (
                format!("https://{host}/t1/oauth2/v2.0/token"),
                format!("https://{host}/t1/oauth2/v2.0/authorize"),
                format!("https://{host}/t1/oauth2/v2.0/devicecode"),
            )
        };
        let (t, a, d) = at("login.contoso.net");
        assert_eq!(
            check_discovered(&authority, &discovered(&t, &a, &d, &[])),
            Ok(())
        );
        let (et, ea, ed) = at("evil.example");
        for (t, a, d) in [(&et, &a, &d), (&t, &ea, &d), (&t, &a, &ed)] {
            let err = check_discovered(&authority, &discovered(t, a, d, &[])).unwrap_err();
            assert!(err.to_string().contains("evil.example"), "{err}");
        }
        let other_port = "https://login.contoso.net:8443/t1/oauth2/v2.0/token";
        assert!(check_discovered(&authority, &discovered(other_port, &a, &d, &[])).is_err());
        // Aliases instance discovery vouched for, on https's port only.
        let (st, sa, sd) = at("sts.contoso.net");
        let vouched = discovered(&st, &sa, &sd, &["sts.contoso.net"]);
        assert_eq!(check_discovered(&authority, &vouched), Ok(()));
        let alias_port = "https://sts.contoso.net:444/t1/oauth2/v2.0/token";
        let odd = discovered(alias_port, &a, &d, &["sts.contoso.net"]);
        assert!(check_discovered(&authority, &odd).is_err());

        // The well-known clouds: hosts of one cloud vouch for each other, not for another cloud.
        let public = Authority::parse("https://login.microsoftonline.com/common").unwrap();
        let (wt, wa, wd) = at("login.windows.net");
        assert_eq!(
            check_discovered(&public, &discovered(&wt, &wa, &wd, &[])),
            Ok(())
        );
        let (ct, ca, cd) = at("login.chinacloudapi.cn");
        assert!(check_discovered(&public, &discovered(&ct, &ca, &cd, &[])).is_err());

        // Loopback: same host and port, nothing else.
        let local = Authority::parse("http://127.0.0.1:4000/t1").unwrap();
        let ok = "http://127.0.0.1:4000/t1/oauth2/v2.0/token";
        for bad in [
            "http://127.0.0.1:4001/t1/oauth2/v2.0/token",
            "http://localhost:4000/t1/oauth2/v2.0/token",
            "http://[::1]:4000/t1/oauth2/v2.0/token",
        ] {
            let err = check_discovered(&local, &discovered(bad, ok, ok, &[])).unwrap_err();
            assert!(err.to_string().contains("token_endpoint"), "{err}");
        }
        assert_eq!(
            check_discovered(&local, &discovered(ok, ok, ok, &[])),
            Ok(())
        );
    }

    #[test]
    fn openid_providers_vouch_for_their_endpoints_through_the_issuer() {
        let authority = Authority::oidc("https://accounts.example.com").unwrap();
        let mut doc = discovered(
            "https://oauth2.example-apis.com/token",
            "https://accounts.example.com/o/oauth2/v2/auth",
            "https://oauth2.example-apis.com/device/code",
            &[],
        );
        doc.endpoints.issuer = Some("https://accounts.example.com".into());
        assert_eq!(check_discovered(&authority, &doc), Ok(()));
        doc.endpoints.issuer = Some("https://evil.example".into());
        assert!(check_discovered(&authority, &doc).is_err());
    }

    #[test]
    fn oidc_issuer_must_match() {
        let authority = Authority::oidc("https://id.example.com/realm").unwrap();
        let request = build_discovery_request(&authority, None);
        let good = r#"{"issuer":"https://id.example.com/realm","token_endpoint":"https://id.example.com/realm/token"}"#;
        assert!(parse_discovery_response(&authority, &request, &respond(200, good), &[]).is_ok());
        for issuer in [
            "https://other.example.com",
            "https://id.example.com/realm/",
            "",
        ] {
            let bad =
                format!(r#"{{"issuer":"{issuer}","token_endpoint":"https://id.example.com/t"}}"#);
            let err = parse_discovery_response(&authority, &request, &respond(200, &bad), &[])
                .unwrap_err()
                .to_string();
            assert!(err.contains("identical"), "{err}");
        }
        let none = r#"{"token_endpoint":"https://id.example.com/realm/token"}"#;
        assert!(parse_discovery_response(&authority, &request, &respond(200, none), &[]).is_err());
    }

    #[test]
    fn errors_name_the_server_reason() {
        let authority = Authority::parse("https://login.microsoftonline.com/nope").unwrap();
        let request = build_discovery_request(&authority, None);
        let body = r#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'nope' not found."}"#;
        let err =
            parse_discovery_response(&authority, &request, &respond(400, body), &[]).unwrap_err();
        assert!(err.to_string().contains("AADSTS90002"), "{err}");
        let html = parse_discovery_response(&authority, &request, &respond(200, "<html>"), &[])
            .unwrap_err();
        assert!(
            html.to_string().contains("not an OpenID metadata document"),
            "{html}"
        );
        let empty =
            parse_discovery_response(&authority, &request, &respond(404, ""), &[]).unwrap_err();
        assert!(
            empty.to_string().contains("HTTP 404: an empty body"),
            "{empty}"
        );
    }
}
