//! The one path from a token request to the cache: send it, check the answer's ID token, file
//! what came back under the right owner, and describe the result. Every grant goes through
//! [`ClientApplication::redeem`], so a change of what is checked or stored is made here once.

use super::accounts::{Account, account_authority};
use super::scopes::{resource_scopes, split_scopes};
use super::{AuthenticationResult, ClientApplication, now};
use crate::authority::Endpoints;
use crate::cache::{
    LockedCacheFile, RefreshTokenEntry, TokenCache, TokenEvent, plausible_tenant, token_tenant,
};
use crate::error::{Error, Result};
use crate::http::HttpRequest;
use crate::token::{IdTokenClaims, TokenResponse};

/// Whose tokens an answer holds, which decides the account they are filed under.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Owner<'a> {
    /// The application itself (client credentials): no account.
    App,
    /// The user the answer names (a sign-in, a refresh token imported).
    NamedUser,
    /// The account whose refresh token `used` was spent, with the cache lock held since it was
    /// read. The answer belongs to that account whether or not it names one (OpenID Connect Core
    /// §12.2 lets a refresh answer omit the ID token); one that names another is refused.
    Refreshed {
        locked: &'a LockedCacheFile<'a>,
        used: &'a RefreshTokenEntry,
    },
    /// The user behind an on-behalf-of assertion with this hash: filed under the user the answer
    /// names or, when it names none, under the assertion, and tagged with it, so that these
    /// tokens are never served as the app's own or a signed-in user's.
    Assertion(&'a str),
}

/// How to file one answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Filing<'a> {
    /// The grant that was redeemed (MSAL's `account_source` for sign-ins).
    pub(crate) grant_type: &'a str,
    /// The scopes asked for; the answer's `scope`, when it has one, says what was granted.
    pub(crate) scopes: &'a [String],
    /// Whose tokens these are.
    pub(crate) owner: Owner<'a>,
    /// The username typed for the password grant, for an answer whose ID token names none.
    pub(crate) username_hint: Option<&'a str>,
}

impl ClientApplication {
    /// Sends a token request and files the answer ([`Self::store`]).
    pub(crate) async fn redeem(
        &self,
        endpoints: &Endpoints,
        request: &HttpRequest,
        filing: &Filing<'_>,
        check: impl FnOnce(&IdTokenClaims) -> Result<()>,
    ) -> Result<AuthenticationResult> {
        let response = self.request_token(request).await?;
        self.store(endpoints, &response, filing, check)
    }

    /// Checks an answer's ID token ([`checked_id_token_claims`], then `check`), files the answer
    /// in the cache, and describes it. Failing to save is reported and not fatal: the caller
    /// holds a good token.
    pub(crate) fn store(
        &self,
        endpoints: &Endpoints,
        response: &TokenResponse,
        filing: &Filing<'_>,
        check: impl FnOnce(&IdTokenClaims) -> Result<()>,
    ) -> Result<AuthenticationResult> {
        let config = self.config();
        // An app-only answer names no user; an ID token in it, if any, is not looked at.
        let claims = match filing.owner {
            Owner::App => None,
            _ => checked_id_token_claims(response, endpoints, &config.client_id)?,
        };
        if let Some(claims) = &claims {
            check(claims)?;
        }
        let claims = claims.as_ref();
        let realm = self.realm(endpoints);
        let now = now();
        let named = response.home_account_id(claims);
        let home_account_id = match filing.owner {
            Owner::App => None,
            Owner::NamedUser => named,
            Owner::Refreshed { used, .. } => match used.home_account_id.clone() {
                Some(spent) if named.as_ref().is_some_and(|named| *named != spent) => {
                    return Err(Error::UnexpectedResponse {
                        endpoint: endpoint_of_token(endpoints),
                        status: 200,
                        detail: "the answer to a refresh names another account than the one \
                                 whose refresh token was spent; nothing was stored"
                            .into(),
                    });
                }
                spent => spent.or(named),
            },
            Owner::Assertion(hash) => named.or_else(|| Some(hash.to_owned())),
        };
        let granted = response
            .scope
            .as_deref()
            .map(split_scopes)
            .unwrap_or_else(|| filing.scopes.to_vec());
        // A user's tokens are looked up by their resource scopes alone; the app's are filed as
        // granted.
        let granted = match filing.owner {
            Owner::App => granted,
            _ => resource_scopes(&granted),
        };
        let event = TokenEvent {
            client_id: &config.client_id,
            issuer: self.issuer(),
            realm: &realm,
            scopes: &granted,
            grant_type: filing.grant_type,
            response,
            home_account_id: home_account_id.as_deref(),
            id_token_claims: claims,
            username_hint: filing.username_hint,
            user_assertion_hash: match filing.owner {
                Owner::Assertion(hash) => Some(hash),
                _ => None,
            },
        };
        let refreshed = match filing.owner {
            Owner::Refreshed { locked, used } => Some((locked, used)),
            _ => None,
        };
        // The last sign-in of an application at an issuer becomes its active account.
        let signed_in = match filing.owner {
            Owner::NamedUser => home_account_id.as_deref(),
            _ => None,
        };
        let made_active = signed_in.is_some();
        let write = |cache: &mut TokenCache| {
            cache.add(&event, now);
            if let Some(home_account_id) = signed_in {
                cache.set_active_account(home_account_id, &config.client_id, self.issuer());
            }
            // A rotated refresh token replaces the one used (MSAL's `update_rt`), so a spent
            // token is never tried again; `add` also keyed it by the granted scopes.
            if let (Some((_, used)), Some(rotated)) = (refreshed, &response.refresh_token) {
                cache.replace_refresh_token(used, rotated.clone(), now);
            }
            cache.remove_expired_access_tokens(now);
        };
        match refreshed {
            // The lock is held already (the refresh happened under it).
            Some((locked, _)) => {
                if let Err(e) = locked.update(write) {
                    log::warn!("the refreshed token was not saved in the cache: {e}");
                }
            }
            None => {
                self.save(write);
            }
        }

        // The tenant the token was issued in (Entra's `tid`: the ID token's, else the access
        // token's), which the realm does not say after a sign-in at `organizations`.
        let tenant_id = Some(())
            .filter(|()| self.issuer().fixed_realm().is_none())
            .and_then(|()| {
                claims
                    .and_then(|c| c.tid.clone())
                    .filter(|t| plausible_tenant(t))
                    .or_else(|| token_tenant(response.access_token.secret()))
            })
            .unwrap_or_else(|| realm.clone());
        let account = match filing.owner {
            Owner::NamedUser | Owner::Refreshed { .. } => home_account_id.map(|home_account_id| {
                let issuer = self.issuer();
                Account {
                    username: claims
                        .and_then(if issuer.fixed_realm().is_some() {
                            IdTokenClaims::person
                        } else {
                            IdTokenClaims::username
                        })
                        .or(filing.username_hint)
                        .unwrap_or_default()
                        .to_owned(),
                    authority: account_authority(
                        &config.authority,
                        Some(issuer.origin()),
                        issuer.environment(),
                        &realm,
                    ),
                    home_account_id,
                    environment: issuer.environment().to_owned(),
                    tenant: tenant_id.clone(),
                    realm: realm.clone(),
                    account_source: None,
                    name: claims.and_then(|c| c.name.clone()),
                    email: claims.and_then(|c| c.email.clone()),
                    active: made_active,
                }
            }),
            Owner::App | Owner::Assertion(_) => None,
        };
        let mut result = AuthenticationResult::from_response(response, granted, tenant_id, now);
        result.account = account;
        Ok(result)
    }
}

/// Decodes the ID token of a token response, when there is one, and checks it as OpenID Connect
/// Core §3.1.3.7 asks of a token received straight from the token endpoint over TLS: the issuer
/// is the one discovery named (Entra's multi-tenant issuer has a `{tenantid}` placeholder, filled
/// from the token's `tid`, as MSAL does), and this client is in the audience. The signature is
/// not checked: TLS to the discovered token endpoint already vouches for the sender (ibid.,
/// item 6).
pub(crate) fn checked_id_token_claims(
    response: &TokenResponse,
    endpoints: &Endpoints,
    client_id: &str,
) -> Result<Option<IdTokenClaims>> {
    let Some(token) = &response.id_token else {
        return Ok(None);
    };
    let refuse = |detail: String| Error::UnexpectedResponse {
        endpoint: endpoint_of_token(endpoints),
        status: 200,
        detail,
    };
    let claims = IdTokenClaims::decode_unverified(token)
        .ok_or_else(|| refuse("the ID token is not a readable JWT".into()))?;
    if !claims.has_audience(client_id) {
        return Err(refuse(format!(
            "the ID token was issued to another application, not {client_id}"
        )));
    }
    if let Some(expected) = &endpoints.issuer {
        let expected = match &claims.tid {
            Some(tid) => expected.replace("{tenantid}", tid),
            None => expected.clone(),
        };
        if claims.iss.as_deref() != Some(expected.as_str()) {
            return Err(refuse(format!(
                "the ID token's issuer {:?} is not the authority's ({expected:?})",
                claims.iss.as_deref().unwrap_or_default()
            )));
        }
    }
    Ok(Some(claims))
}

/// The token endpoint without query or fragment, for error messages.
fn endpoint_of_token(endpoints: &Endpoints) -> String {
    endpoints
        .token_endpoint
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// No extra check of the ID token.
pub(crate) fn no_check(_: &IdTokenClaims) -> Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    use super::*;
    use crate::authority::Endpoints;

    fn response_with_id_token(claims: serde_json::Value) -> TokenResponse {
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string());
        serde_json::from_value(
            serde_json::json!({"access_token": "a", "id_token": format!("e30.{payload}.sig")}),
        )
        .unwrap()
    }

    fn endpoints(issuer: &str) -> Endpoints {
        Endpoints {
            issuer: Some(issuer.into()),
            token_endpoint: "https://login.example.com/t/oauth2/v2.0/token?x=1".into(),
            authorization_endpoint: None,
            device_authorization_endpoint: None,
            token_endpoint_auth_methods_supported: None,
            token_endpoint_auth_signing_alg_values_supported: None,
            scopes_supported: None,
        }
    }

    #[test]
    fn id_tokens_must_come_from_the_issuer_for_this_client() {
        let multi = endpoints("https://login.example.com/{tenantid}/v2.0");
        let good = response_with_id_token(serde_json::json!({
            "iss": "https://login.example.com/t1/v2.0", "tid": "t1", "aud": "c1", "sub": "s"
        }));
        assert!(
            checked_id_token_claims(&good, &multi, "c1")
                .unwrap()
                .is_some()
        );
        let err = checked_id_token_claims(&good, &multi, "c2")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("another application") && !err.contains("x=1"),
            "{err}"
        );
        let forged = response_with_id_token(serde_json::json!({
            "iss": "https://evil.example.com/t1/v2.0", "tid": "t1", "aud": "c1"
        }));
        assert!(checked_id_token_claims(&forged, &multi, "c1").is_err());
        let other_tenant = response_with_id_token(serde_json::json!({
            "iss": "https://login.example.com/t2/v2.0", "tid": "t1", "aud": "c1"
        }));
        assert!(checked_id_token_claims(&other_tenant, &multi, "c1").is_err());
        let none: TokenResponse = serde_json::from_str(r#"{"access_token":"a"}"#).unwrap();
        assert!(
            checked_id_token_claims(&none, &multi, "c1")
                .unwrap()
                .is_none()
        );
    }
}
