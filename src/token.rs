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

impl TokenResponse {
    /// Checks what will be printed, cached and sent on: the access token is RFC 6750 §2.1
    /// `b64token` text (so `-o header` and `-o env` can print it as is), the token type is one
    /// this tool knows, written the usual way (RFC 6749 §5.1 makes it case-insensitive), and the
    /// refresh token, ID token and scope hold no control characters. The error names the field,
    /// never its value.
    pub(crate) fn checked(mut self) -> Result<Self, String> {
        if !is_b64token(self.access_token.secret()) {
            return Err(
                "the access_token holds characters a bearer token cannot have \
                 (RFC 6750 §2.1 allows letters, digits, - . _ ~ + / and trailing =)"
                    .into(),
            );
        }
        self.token_type = canonical_token_type(&self.token_type)
            .ok_or_else(|| {
                format!(
                    "the token_type {} is not one this tool can use (Bearer, DPoP, pop or N_A)",
                    shown_word(&self.token_type)
                )
            })?
            .to_owned();
        let controls = |text: &str| text.chars().any(char::is_control);
        if self
            .refresh_token
            .as_ref()
            .is_some_and(|t| controls(t.secret()))
        {
            return Err("the refresh_token holds control characters".into());
        }
        if self.id_token.as_ref().is_some_and(|t| controls(t.secret())) {
            return Err("the id_token holds control characters".into());
        }
        if self.scope.as_deref().is_some_and(controls) {
            return Err("the scope holds control characters".into());
        }
        Ok(self)
    }
}

/// Whether `text` is an RFC 6750 §2.1 `b64token`:
/// `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub(crate) fn is_b64token(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty()
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// The token types this tool accepts, in their usual spelling: `Bearer` (RFC 6750), `DPoP`
/// (RFC 9449), `pop` (Entra's proof-of-possession tokens) and `N_A` (RFC 8693 §2.2.1, a token
/// exchange that issued something other than an access token). Matching is case-insensitive
/// (RFC 6749 §5.1); anything else is `None`.
pub fn canonical_token_type(token_type: &str) -> Option<&'static str> {
    ["Bearer", "DPoP", "pop", "N_A"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(token_type))
}

/// A server's word quoted in a message only when it is short and plain; otherwise a description.
fn shown_word(word: &str) -> String {
    if !word.is_empty()
        && word.len() <= 32
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        format!("{word:?}")
    } else {
        "given".to_owned()
    }
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

    /// The name a person knows the account by at any OpenID provider: MSAL's [`Self::username`],
    /// else `email`, else `name`, else the opaque `sub` (OpenID Connect Core §5.1: only `sub` is
    /// required).
    pub fn person(&self) -> Option<&str> {
        self.username()
            .or(self.email.as_deref())
            .or(self.name.as_deref())
            .or(self.sub.as_deref())
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
    fn b64tokens_and_token_types() {
        for good in ["a", "eyJ0.eyJz.c2ln", "A-._~+/9==", "x="] {
            assert!(is_b64token(good), "{good}");
        }
        for bad in [
            "",
            "=",
            "a b",
            "a\r\nb",
            "a=b",
            "a\u{202e}",
            "ä",
            "a,b",
            "a\"b",
            "a'b",
        ] {
            assert!(!is_b64token(bad), "{bad:?}");
        }
        assert_eq!(canonical_token_type("bearer"), Some("Bearer"));
        assert_eq!(canonical_token_type("DPOP"), Some("DPoP"));
        assert_eq!(canonical_token_type("PoP"), Some("pop"));
        assert_eq!(canonical_token_type("n_a"), Some("N_A"));
        assert_eq!(canonical_token_type("Bearer\r\nX: y"), None);
        assert_eq!(canonical_token_type("Basic"), None);
        let parse = |body: &str| {
            serde_json::from_str::<TokenResponse>(body)
                .unwrap()
                .checked()
        };
        let ok = parse(r#"{"access_token":"at","token_type":"BEARER"}"#).unwrap();
        assert_eq!(ok.token_type, "Bearer");
        let err = parse(r#"{"access_token":"at","token_type":"Bearer\r\nX-Evil: 1"}"#).unwrap_err();
        assert!(!err.contains("Evil"), "{err}");
        assert!(
            parse(r#"{"access_token":"at","token_type":"Basic"}"#)
                .unwrap_err()
                .contains("\"Basic\"")
        );
        assert!(parse(r#"{"access_token":"at","refresh_token":"r\u0007"}"#).is_err());
        assert!(parse(r#"{"access_token":"at","refresh_token":"r t ü"}"#).is_ok());
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
