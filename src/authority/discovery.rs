//! OpenID Connect Discovery (OpenID Connect Discovery 1.0 §4): build the metadata request and
//! parse and check the answer.

use serde::{Deserialize, Serialize};
use url::Url;

use super::{Authority, AuthorityError, check_transport};
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

/// Parses and checks a discovery answer: a JSON object with a token endpoint; every endpoint over
/// https (or http on loopback); for generic OpenID Connect providers the `issuer` must be
/// identical to the authority given ([`Authority::check_issuer`], OpenID Connect Discovery §4.3),
/// so a spoofed document cannot redirect tokens elsewhere.
pub fn parse_discovery_response(
    authority: &Authority,
    request: &HttpRequest,
    response: &HttpResponse,
) -> Result<Endpoints, AuthorityError> {
    let url = request.endpoint();
    let fail = |reason: String| AuthorityError::Discovery {
        url: url.clone(),
        reason,
    };
    if !(200..300).contains(&response.status) {
        let detail = serde_json::from_slice::<crate::ServerError>(&response.body)
            .ok()
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
    endpoints.token_url()?;
    endpoints.authorization_url()?;
    endpoints.device_authorization_url()?;
    authority
        .check_issuer(endpoints.issuer.as_deref())
        .map_err(fail)?;
    Ok(endpoints)
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
        let endpoints =
            parse_discovery_response(&authority, &request, &respond(200, body)).unwrap();
        assert_eq!(endpoints.realm(), "72f9");
    }

    #[test]
    fn refuses_plain_http_endpoints_on_remote_hosts() {
        let authority = Authority::parse("https://login.microsoftonline.com/common").unwrap();
        let request = build_discovery_request(&authority, None);
        let body = r#"{"token_endpoint":"http://evil.example.com/token"}"#;
        let err = parse_discovery_response(&authority, &request, &respond(200, body)).unwrap_err();
        assert!(err.to_string().contains("plain http"), "{err}");
    }

    #[test]
    fn oidc_issuer_must_match() {
        let authority = Authority::oidc("https://id.example.com/realm").unwrap();
        let request = build_discovery_request(&authority, None);
        let good = r#"{"issuer":"https://id.example.com/realm","token_endpoint":"https://id.example.com/realm/token"}"#;
        assert!(parse_discovery_response(&authority, &request, &respond(200, good)).is_ok());
        for issuer in [
            "https://other.example.com",
            "https://id.example.com/realm/",
            "",
        ] {
            let bad =
                format!(r#"{{"issuer":"{issuer}","token_endpoint":"https://id.example.com/t"}}"#);
            let err = parse_discovery_response(&authority, &request, &respond(200, &bad))
                .unwrap_err()
                .to_string();
            assert!(err.contains("identical"), "{err}");
        }
        let none = r#"{"token_endpoint":"https://id.example.com/realm/token"}"#;
        assert!(parse_discovery_response(&authority, &request, &respond(200, none)).is_err());
    }

    #[test]
    fn errors_name_the_server_reason() {
        let authority = Authority::parse("https://login.microsoftonline.com/nope").unwrap();
        let request = build_discovery_request(&authority, None);
        let body = r#"{"error":"invalid_tenant","error_description":"AADSTS90002: Tenant 'nope' not found."}"#;
        let err = parse_discovery_response(&authority, &request, &respond(400, body)).unwrap_err();
        assert!(err.to_string().contains("AADSTS90002"), "{err}");
        let html =
            parse_discovery_response(&authority, &request, &respond(200, "<html>")).unwrap_err();
        assert!(
            html.to_string().contains("not an OpenID metadata document"),
            "{html}"
        );
        let empty = parse_discovery_response(&authority, &request, &respond(404, "")).unwrap_err();
        assert!(
            empty.to_string().contains("HTTP 404: an empty body"),
            "{empty}"
        );
    }
}
