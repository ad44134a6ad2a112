//! Entra instance discovery: asks the public cloud whether an unfamiliar host is an Entra
//! authority, and where its tenant metadata lives. MSAL does this for hosts it does not know,
//! so that a typo or a look-alike host is caught before any credential is sent to it.
//!
//! See <https://learn.microsoft.com/entra/identity-platform/msal-net-instance-discovery>.

use serde::Deserialize;
use url::Url;

use super::{Authority, AuthorityError, DEFAULT_AUTHORITY_HOST, check_transport};
use crate::http::{HttpRequest, HttpResponse};

#[derive(Deserialize)]
struct InstanceDiscovery {
    #[serde(default)]
    tenant_discovery_endpoint: Option<String>,
    #[serde(default)]
    metadata: Vec<InstanceGroup>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

/// One instance in the answer: hosts that are aliases of one another.
#[derive(Deserialize)]
struct InstanceGroup {
    #[serde(default)]
    aliases: Vec<String>,
}

/// What Entra's instance discovery vouches for about an authority's host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceMetadata {
    /// Where the tenant's OpenID metadata document is.
    pub tenant_discovery_endpoint: Url,
    /// Hosts of the same instance (lowercase): the aliases listed with the authority's host,
    /// and the host of the tenant discovery endpoint. Discovered endpoints may live on them.
    pub aliases: Vec<String>,
}

/// `GET {public cloud}/common/discovery/instance?api-version=1.1&authorization_endpoint=…`.
pub fn build_instance_discovery_request(
    authority: &Authority,
) -> Result<HttpRequest, AuthorityError> {
    let mut url = Url::parse(&format!(
        "{DEFAULT_AUTHORITY_HOST}/common/discovery/instance"
    ))
    .map_err(|e| AuthorityError::Invalid {
        url: DEFAULT_AUTHORITY_HOST.into(),
        reason: e.to_string(),
    })?;
    url.query_pairs_mut()
        .append_pair("api-version", "1.1")
        .append_pair(
            "authorization_endpoint",
            &format!("{}/oauth2/v2.0/authorize", authority.url()),
        );
    Ok(HttpRequest::get(url))
}

/// The tenant discovery URL and aliases Entra vouches for, or
/// [`AuthorityError::UnknownInstance`].
pub fn parse_instance_discovery_response(
    authority: &Authority,
    response: &HttpResponse,
) -> Result<InstanceMetadata, AuthorityError> {
    let unknown = |reason: String| AuthorityError::UnknownInstance {
        host: authority.environment(),
        reason,
    };
    let answer: InstanceDiscovery = serde_json::from_slice(&response.body).map_err(|_| {
        unknown(format!(
            "instance discovery answered HTTP {} without JSON",
            response.status
        ))
    })?;
    if let Some(error) = answer.error {
        let description = answer.error_description.unwrap_or_default();
        let first = description.lines().next().unwrap_or_default().to_owned();
        return Err(unknown(format!("{error}: {first}")));
    }
    let endpoint = answer
        .tenant_discovery_endpoint
        .ok_or_else(|| unknown("no tenant_discovery_endpoint in the answer".into()))?;
    let url = Url::parse(&endpoint)
        .map_err(|e| unknown(format!("bad tenant_discovery_endpoint: {e}")))?;
    check_transport(&url).map_err(unknown)?;
    let host = authority.environment();
    let mut aliases: Vec<String> = answer
        .metadata
        .into_iter()
        .find(|group| group.aliases.iter().any(|a| a.eq_ignore_ascii_case(&host)))
        .map(|group| group.aliases)
        .unwrap_or_default();
    aliases.extend(url.host_str().map(str::to_owned));
    for alias in &mut aliases {
        alias.make_ascii_lowercase();
    }
    aliases.sort();
    aliases.dedup();
    Ok(InstanceMetadata {
        tenant_discovery_endpoint: url,
        aliases,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_parses_instance_discovery() {
        let authority = Authority::parse("https://login.contoso.net/t1").unwrap();
        let request = build_instance_discovery_request(&authority).unwrap();
        assert!(request.url.as_str().contains(
            "authorization_endpoint=https%3A%2F%2Flogin.contoso.net%2Ft1%2Foauth2%2Fv2.0%2Fauthorize"
        ));
        let ok = HttpResponse {
            status: 200,
            content_type: None,
            body: br#"{"tenant_discovery_endpoint":"https://login.contoso.net/t1/v2.0/.well-known/openid-configuration",
                "metadata":[{"aliases":["other.example"]},{"aliases":["LOGIN.contoso.net","sts.contoso.net"]}]}"#.to_vec(),
        };
        let metadata = parse_instance_discovery_response(&authority, &ok).unwrap();
        assert_eq!(metadata.aliases, ["login.contoso.net", "sts.contoso.net"]);
        let refused = HttpResponse {
            status: 400,
            content_type: None,
            body: br#"{"error":"invalid_instance","error_description":"AADSTS50049: Unknown or invalid instance."}"#.to_vec(),
        };
        let err = parse_instance_discovery_response(&authority, &refused).unwrap_err();
        assert!(err.to_string().contains("AADSTS50049"), "{err}");
    }
}
