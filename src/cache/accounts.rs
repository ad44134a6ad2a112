//! What the cache says about an account beyond MSAL's `Account` entry: which applications signed
//! it in, whether it is an application's active account, and the tenant its tokens were issued
//! in.
//!
//! - **Whose account.** MSAL's `Account` entries carry no client id, so an account one
//!   application signed in would otherwise be every application's. As MSAL.NET decides in
//!   `GetAccounts`, an account belongs to the applications that hold a refresh token or an ID
//!   token for it ([`TokenCache::clients_of_account`]); tokens obtained on behalf of someone else
//!   (on-behalf-of, tagged with the assertion's hash) are not a sign-in and do not count. Reading
//!   it from the tokens works for entries any MSAL client wrote.
//! - **The active account** of an application at an issuer is recorded in the extra field
//!   [`ACTIVE_FOR`] of that account's entries: a list of client ids. It lives in the cache, not in
//!   a file beside it, so that it is written under the cache's lock in the same write as the
//!   sign-in that made it (two sign-ins at once leave one active account, the later), follows the
//!   cache wherever `--cache` puts it (encrypted with it, too), and goes with the account when it
//!   is removed. Other MSAL clients keep unknown fields when they write the cache back, but drop
//!   them when they replace the entry on a sign-in of their own; the account is then no longer
//!   marked, and a choice is asked for as before.
//! - **The tenant.** After a sign-in at `organizations` or `common`, MSAL's `realm` is that word,
//!   and `client_info`'s `utid` is the user's home tenant (a guest's differs). The tenant the
//!   token was issued in is the ID token's `tid`: `msal` records it in the extra field
//!   [`TENANT_ID`], and reads the cached ID token's `tid` for entries other clients wrote.

use super::{
    AccessTokenEntry, AccountEntry, Map, TokenCache, TokenIssuer, USER_ASSERTION_HASH, origin_of,
    schema,
};
use crate::secret::IdToken;
use crate::token::IdTokenClaims;

/// The extra `Account` field listing the client ids whose active account this is (at the
/// entry's issuer).
pub const ACTIVE_FOR: &str = "msal_active_for";

/// The extra `Account` field holding the tenant the account's tokens were issued in (the ID
/// token's `tid`), where the realm does not say it.
pub const TENANT_ID: &str = "tenant_id";

/// A tenant id as a server may name one: a GUID or a domain name. Anything else (empty, long,
/// with spaces or control characters) is not shown as a tenant.
pub fn plausible_tenant(text: &str) -> bool {
    (1..=128).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
}

/// The `tid` claim of a JWT (an ID token, or an Entra access token), read without verification
/// for display, when it is a plausible tenant id.
pub fn token_tenant(jwt: &str) -> Option<String> {
    IdTokenClaims::decode_unverified(&IdToken::new(jwt))
        .and_then(|claims| claims.tid)
        .filter(|tid| plausible_tenant(tid))
}

fn active_for(extra: &Map) -> impl Iterator<Item = &str> {
    extra
        .get(ACTIVE_FOR)
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
}

fn owned_by(entry: &AccountEntry, issuer: &TokenIssuer) -> bool {
    issuer.owns(
        &entry.environment,
        Some(&entry.realm),
        origin_of(&entry.extra),
    )
}

impl TokenCache {
    /// The client ids that signed `home_account_id` in at `issuer`: those of its refresh tokens
    /// and ID tokens, except the ones obtained on behalf of an assertion. `None` when the cache
    /// holds no refresh or ID token for the account at all, not even on-behalf-of ones (an
    /// account another client recorded without any).
    pub fn clients_of_account(
        &self,
        home_account_id: &str,
        issuer: &TokenIssuer,
    ) -> Option<Vec<&str>> {
        let s = &self.sections;
        let refresh = s.refresh_tokens.values().filter(|rt| {
            rt.credential_type
                .eq_ignore_ascii_case(schema::REFRESH_TOKEN)
                && rt.home_account_id.as_deref() == Some(home_account_id)
                && issuer.owns(&rt.environment, None, origin_of(&rt.extra))
        });
        let id = s.id_tokens.values().filter(|idt| {
            idt.credential_type.eq_ignore_ascii_case(schema::ID_TOKEN)
                && idt.home_account_id.as_deref() == Some(home_account_id)
                && issuer.owns(&idt.environment, Some(&idt.realm), origin_of(&idt.extra))
        });
        let tokens: Vec<(&str, bool)> = refresh
            .map(|rt| {
                (
                    rt.client_id.as_str(),
                    rt.extra.contains_key(USER_ASSERTION_HASH),
                )
            })
            .chain(id.map(|idt| {
                (
                    idt.client_id.as_str(),
                    idt.extra.contains_key(USER_ASSERTION_HASH),
                )
            }))
            .collect();
        if tokens.is_empty() {
            return None;
        }
        let mut clients: Vec<&str> = tokens
            .into_iter()
            .filter(|(client, on_behalf)| !on_behalf && !client.is_empty())
            .map(|(client, _)| client)
            .collect();
        clients.sort_unstable();
        clients.dedup();
        Some(clients)
    }

    /// The home account id of `client_id`'s active account at `issuer`: the one whose entries
    /// name the client in [`ACTIVE_FOR`]. `None` when none does, or (after hand edits or other
    /// writers) when several do.
    pub fn active_account(&self, client_id: &str, issuer: &TokenIssuer) -> Option<&str> {
        let mut marked = self
            .sections
            .accounts
            .values()
            .filter(|a| owned_by(a, issuer) && active_for(&a.extra).any(|c| c == client_id))
            .filter_map(|a| a.home_account_id.as_deref());
        let first = marked.next()?;
        marked.all(|other| other == first).then_some(first)
    }

    /// Makes `home_account_id` the active account of `client_id` at `issuer`: marks its entries
    /// there and unmarks every other account's. Returns whether the account has an entry there
    /// (else nothing is marked, but other accounts are still unmarked).
    pub fn set_active_account(
        &mut self,
        home_account_id: &str,
        client_id: &str,
        issuer: &TokenIssuer,
    ) -> bool {
        let mut found = false;
        for entry in self.sections.accounts.values_mut() {
            if !owned_by(entry, issuer) {
                continue;
            }
            let this = entry.home_account_id.as_deref() == Some(home_account_id);
            found |= this;
            let mut clients: Vec<String> = active_for(&entry.extra)
                .filter(|c| *c != client_id)
                .map(str::to_owned)
                .collect();
            if this {
                clients.push(client_id.to_owned());
            }
            let had = entry.extra.contains_key(ACTIVE_FOR);
            if clients.is_empty() {
                if had {
                    entry.extra.remove(ACTIVE_FOR);
                }
            } else {
                entry.extra.insert(ACTIVE_FOR.to_owned(), clients.into());
            }
        }
        found
    }

    /// The tenant `entry`'s tokens were issued in, when the cache says it: the [`TENANT_ID`]
    /// `msal` recorded, else the `tid` of an ID token of the same account, issuer and realm.
    pub fn account_tenant(&self, entry: &AccountEntry) -> Option<String> {
        if let Some(tenant) = entry
            .extra
            .get(TENANT_ID)
            .and_then(serde_json::Value::as_str)
            .filter(|t| plausible_tenant(t))
        {
            return Some(tenant.to_owned());
        }
        let home_account_id = entry.home_account_id.as_deref()?;
        self.sections
            .id_tokens
            .values()
            .filter(|idt| {
                idt.home_account_id.as_deref() == Some(home_account_id)
                    && idt.environment.eq_ignore_ascii_case(&entry.environment)
                    && idt.realm.eq_ignore_ascii_case(&entry.realm)
                    && origin_of(&idt.extra) == origin_of(&entry.extra)
            })
            .find_map(|idt| token_tenant(idt.secret.secret()))
    }

    /// The access tokens `client_id` holds for `home_account_id` at `issuer`, in any realm,
    /// expired or not: bearer tokens of a sign-in (not those obtained on behalf of an assertion).
    pub fn access_tokens_of(
        &self,
        home_account_id: &str,
        client_id: &str,
        issuer: &TokenIssuer,
    ) -> Vec<&AccessTokenEntry> {
        self.sections
            .access_tokens
            .values()
            .filter(|at| {
                at.credential_type
                    .eq_ignore_ascii_case(schema::ACCESS_TOKEN)
                    && at.token_type.eq_ignore_ascii_case("bearer")
                    && !at.extra.contains_key("key_id")
                    && !at.extra.contains_key(USER_ASSERTION_HASH)
                    && at.home_account_id.as_deref() == Some(home_account_id)
                    && at.client_id.as_deref() == Some(client_id)
                    && issuer.owns(&at.environment, Some(&at.realm), origin_of(&at.extra))
            })
            .collect()
    }

    /// The account entry of `home_account_id` in `realm` at `issuer`.
    pub fn find_account(
        &self,
        home_account_id: &str,
        issuer: &TokenIssuer,
        realm: &str,
    ) -> Option<&AccountEntry> {
        let realm = issuer.fixed_realm().unwrap_or(realm);
        self.sections.accounts.values().find(|a| {
            a.home_account_id.as_deref() == Some(home_account_id)
                && owned_by(a, issuer)
                && a.realm.eq_ignore_ascii_case(realm)
        })
    }
}

/// Keeps the active-account marks of an entry being replaced by a new sign-in's (which knows
/// nothing of them).
pub(super) fn carry_over(old: &AccountEntry, new: &mut AccountEntry) {
    if let Some(marks) = old.extra.get(ACTIVE_FOR) {
        new.extra.insert(ACTIVE_FOR.to_owned(), marks.clone());
    }
}
