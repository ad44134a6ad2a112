//! What a token endpoint returns: the successful response (RFC 6749 §5.1 with Entra ID's extra
//! fields), the ID token claims (OpenID Connect Core §2) and Entra's `client_info`.

use base64::Engine as _;
use serde::Deserialize;

use crate::secret::{AccessToken, IdToken, RefreshToken};

/// A successful token response (RFC 6749 §5.1), with the fields Entra ID adds.
///
/// See <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow#successful-response-2>.
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct TokenResponse {
    /// The access token.
    pub access_token: AccessToken,
    /// Usually `Bearer`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// Lifetime in seconds. Entra's v1 endpoints send it as a string, hence the lenient parse.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub expires_in: Option<u64>,
    /// Entra's extended lifetime, used when the service is degraded.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub ext_expires_in: Option<u64>,
    /// Entra's hint to refresh proactively after this many seconds.
    #[serde(default, deserialize_with = "lenient_u64")]
    pub refresh_in: Option<u64>,
    /// The granted scopes, space-separated, when they differ from the request (RFC 6749 §3.3).
    #[serde(default)]
    pub scope: Option<String>,
    /// A refresh token, when the grant issues one.
    #[serde(default)]
    pub refresh_token: Option<RefreshToken>,
    /// An OpenID Connect ID token, when `openid` was requested.
    #[serde(default)]
    pub id_token: Option<IdToken>,
    /// Entra's base64url JSON `{"uid":…,"utid":…}`, sent when the request had `client_info=1`.
    #[serde(default)]
    pub client_info: Option<String>,
    /// Entra's family-of-client-ids marker (FOCI), e.g. `"1"`.
    #[serde(default)]
    pub foci: Option<String>,
}

impl TokenResponse {
    /// The signed-in account this answer names (MSAL's `home_account_id`): `{uid}.{utid}` from
    /// Entra's `client_info`, else the ID token's `sub` (AD FS and other OpenID providers);
    /// `None` when it names no user (an app-only answer, or a refresh answer without an ID token,
    /// which OpenID Connect Core §12.2 allows).
    pub fn home_account_id(&self, claims: Option<&IdTokenClaims>) -> Option<String> {
        self.client_info
            .as_deref()
            .and_then(ClientInfo::decode)
            .map(|info| info.home_account_id())
            .or_else(|| claims.and_then(|c| c.sub.clone()))
    }
}

fn bearer() -> String {
    "Bearer".to_owned()
}

fn lenient_u64<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde_json::Value;
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

/// Entra's `client_info`: the user's object id and home tenant id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ClientInfo {
    /// The user's object id in their home tenant.
    pub uid: String,
    /// The user's home tenant id.
    pub utid: String,
}

impl ClientInfo {
    /// Decodes the base64url JSON Entra returns; `None` when it is not that shape.
    pub fn decode(encoded: &str) -> Option<Self> {
        let json = decode_base64url(encoded)?;
        serde_json::from_slice(&json).ok()
    }

    /// MSAL's `home_account_id`: `{uid}.{utid}`.
    pub fn home_account_id(&self) -> String {
        format!("{}.{}", self.uid, self.utid)
    }
}

/// The ID token claims this tool uses (OpenID Connect Core §2), read without verifying the
/// signature: the token came straight from the token endpoint over TLS (OpenID Connect Core
/// §3.1.3.7, item 6).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct IdTokenClaims {
    /// Issuer.
    #[serde(default)]
    pub iss: Option<String>,
    /// Subject: the user's id at this issuer.
    #[serde(default)]
    pub sub: Option<String>,
    /// Audience: one client id or several.
    #[serde(default)]
    pub aud: Option<serde_json::Value>,
    /// Expiry, epoch seconds.
    #[serde(default)]
    pub exp: Option<i64>,
    /// The nonce sent with the authorization request (MSAL sends a SHA-256 hex of it).
    #[serde(default)]
    pub nonce: Option<String>,
    /// Entra's object id of the user.
    #[serde(default)]
    pub oid: Option<String>,
    /// Entra's tenant id.
    #[serde(default)]
    pub tid: Option<String>,
    /// The sign-in name (Entra v2).
    #[serde(default)]
    pub preferred_username: Option<String>,
    /// The sign-in name (ADFS).
    #[serde(default)]
    pub upn: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail address (generic OpenID Connect providers).
    #[serde(default)]
    pub email: Option<String>,
}

impl IdTokenClaims {
    /// Decodes the payload of a compact JWS without checking its signature; `None` when the
    /// token is not a three-part JWT with a JSON object payload.
    pub fn decode_unverified(id_token: &IdToken) -> Option<Self> {
        let mut parts = id_token.secret().split('.');
        let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        serde_json::from_slice(&decode_base64url(payload)?).ok()
    }

    /// MSAL's username: `preferred_username`, else `upn`.
    pub fn username(&self) -> Option<&str> {
        self.preferred_username.as_deref().or(self.upn.as_deref())
    }

    /// Whether `client_id` is (one of) the audience(s).
    pub fn has_audience(&self, client_id: &str) -> bool {
        match &self.aud {
            Some(serde_json::Value::String(aud)) => aud == client_id,
            Some(serde_json::Value::Array(auds)) => auds.iter().any(|a| a == client_id),
            _ => false,
        }
    }
}

/// Decodes base64url with or without padding (Entra omits it; some providers keep it).
pub(crate) fn decode_base64url(text: &str) -> Option<Vec<u8>> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text.trim_end_matches('='))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entra_response_with_string_lifetimes() {
        let body = r#"{"token_type":"Bearer","expires_in":"3599","ext_expires_in":3599,
            "access_token":"at","refresh_in":1800.0}"#;
        let response: TokenResponse = serde_json::from_str(body).unwrap();
        assert_eq!(response.expires_in, Some(3599));
        assert_eq!(response.refresh_in, Some(1800));
        assert_eq!(response.access_token.secret(), "at");
    }

    #[test]
    fn decodes_client_info_with_or_without_padding() {
        // {"uid":"u1","utid":"t1"}
        let info = ClientInfo::decode("eyJ1aWQiOiJ1MSIsInV0aWQiOiJ0MSJ9").unwrap();
        assert_eq!(info.home_account_id(), "u1.t1");
        assert!(ClientInfo::decode("not base64 !").is_none());
    }

    #[test]
    fn id_token_claims_reject_malformed_tokens() {
        assert!(IdTokenClaims::decode_unverified(&IdToken::new("a.b")).is_none());
        assert!(IdTokenClaims::decode_unverified(&IdToken::new("a.!!.c")).is_none());
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(r#"{"sub":"s","aud":["x","c"],"preferred_username":"a@b"}"#);
        let claims =
            IdTokenClaims::decode_unverified(&IdToken::new(format!("e30.{payload}.sig"))).unwrap();
        assert!(claims.has_audience("c"));
        assert_eq!(claims.username(), Some("a@b"));
    }
}
