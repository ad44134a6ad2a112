//! Signed-in accounts as `get_accounts` reports them, which of them a request is about (a choice,
//! else the application's active account, else the only one), and the errors that say only the
//! user can help.
//!
//! An account is an application's when that application signed it in (it holds a refresh token
//! or an ID token for it, see `cache/accounts.rs`); the last sign-in of an application at an
//! issuer is its active account, until another sign-in or [`PublicClient::set_active_account`]
//! changes it.
//!
//! [`PublicClient::set_active_account`]: super::PublicClient::set_active_account

use super::ClientApplication;
use crate::authority::Authority;
use crate::cache::{AccountEntry, TokenCache, TokenIssuer};
use crate::error::{Error, Result};

/// A signed-in account, as `get_accounts` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Account {
    /// The sign-in name.
    pub username: String,
    /// `{uid}.{utid}` for Entra, the ID token `sub` elsewhere.
    pub home_account_id: String,
    /// The authority host.
    pub environment: String,
    /// The tenant the account's tokens were issued in: the ID token's `tid` for Entra (a GUID,
    /// also after a sign-in at `organizations` or `common`), else the cache realm; empty at
    /// generic OpenID providers, which have no tenants.
    pub tenant: String,
    /// The cache realm: the tenant segment of the authority it signed in at (`organizations`,
    /// a domain, a GUID), as MSAL writes it.
    pub realm: String,
    /// `https://{environment}/{realm}` (with the configured scheme and port when the account
    /// lives at the configured authority's host).
    pub authority: String,
    /// How the account was first signed in (`authorization_code`, device code, `password`).
    pub account_source: Option<String>,
    /// The display name the ID token gave, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The e-mail address the ID token gave, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether it is the active account of the application that asked, at its issuer: the
    /// account it signed in last, or the one chosen since.
    pub active: bool,
}

impl Account {
    fn from_entry(
        entry: &AccountEntry,
        configured: &Authority,
        cache: &TokenCache,
    ) -> Option<Self> {
        let origin = entry.origin();
        Some(Self {
            username: entry.username.clone(),
            home_account_id: entry.home_account_id.clone().filter(|id| !id.is_empty())?,
            environment: entry.environment.clone(),
            tenant: cache
                .account_tenant(entry)
                .unwrap_or_else(|| entry.realm.clone()),
            realm: entry.realm.clone(),
            authority: account_authority(configured, origin, &entry.environment, &entry.realm),
            account_source: entry.account_source.clone(),
            name: extra_text(entry, "name"),
            email: extra_text(entry, "email"),
            active: false,
        })
    }

    /// The name to show: the username, else the home account id.
    pub fn display_name(&self) -> &str {
        if self.username.is_empty() {
            &self.home_account_id
        } else {
            &self.username
        }
    }
}

fn extra_text(entry: &AccountEntry, field: &str) -> Option<String> {
    entry
        .extra
        .get(field)
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
}

/// Which account a silent request or a removal is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountSelector {
    /// By sign-in name (case-insensitive).
    Username(String),
    /// By home account id.
    HomeAccountId(String),
    /// By sign-in name or home account id, whichever the text is (a name typed in a
    /// configuration file or after `--use`).
    UsernameOrId(String),
}

impl AccountSelector {
    pub(crate) fn matches(&self, account: &Account) -> bool {
        match self {
            // The sign-in name, or the e-mail or display name the ID token gave (several
            // accounts matching is reported as ambiguous by the caller).
            AccountSelector::Username(u) => [
                Some(account.username.as_str()),
                account.email.as_deref(),
                account.name.as_deref(),
            ]
            .into_iter()
            .flatten()
            .any(|name| name.eq_ignore_ascii_case(u)),
            AccountSelector::HomeAccountId(id) => account.home_account_id.eq_ignore_ascii_case(id),
            AccountSelector::UsernameOrId(text) => {
                AccountSelector::HomeAccountId(text.clone()).matches(account)
                    || AccountSelector::Username(text.clone()).matches(account)
            }
        }
    }
}

impl std::fmt::Display for AccountSelector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AccountSelector::Username(u) | AccountSelector::UsernameOrId(u) => f.write_str(u),
            AccountSelector::HomeAccountId(id) => write!(f, "with id {id}"),
        }
    }
}

/// One of several accounts a request could be about, with a selector that picks it alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountChoice {
    /// The account.
    pub account: Account,
    /// Picks exactly this account among the application's: its username when no other account
    /// answers to that name, else its home account id.
    pub selector: AccountSelector,
}

/// How the account of a request was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChosenBy {
    /// The caller named it.
    Selector,
    /// It is the application's active account.
    Active,
    /// It is the application's only account.
    Only,
}

pub(crate) fn interaction(reason: &str) -> Error {
    Error::InteractionRequired {
        reason: reason.to_owned(),
        server: None,
    }
}

/// Where an account lives, as a URL: a generic provider's issuer (its `environment`), else the
/// origin the entry recorded and its tenant; for entries other clients wrote, the configured
/// authority's scheme and port when it is the same host, else https.
pub(crate) fn account_authority(
    configured: &Authority,
    origin: Option<&str>,
    environment: &str,
    realm: &str,
) -> String {
    if environment.contains("://") {
        environment.to_owned()
    } else if let Some(origin) = origin.filter(|o| !o.is_empty()) {
        format!("{origin}/{realm}")
    } else if configured.environment().eq_ignore_ascii_case(environment) {
        format!("{}/{realm}", configured.origin())
    } else {
        format!("https://{environment}/{realm}")
    }
}

/// Which accounts [`accounts_in`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Listing {
    /// Accounts at every issuer, not only the application's.
    pub(crate) every_host: bool,
    /// Accounts any application signed in, not only this one.
    pub(crate) every_client: bool,
}

impl Listing {
    /// The application's own accounts at its issuer: those a silent request can use.
    pub(crate) const OWN: Self = Self {
        every_host: false,
        every_client: false,
    };
}

/// The accounts of `cache` (in the order `accounts()` sorts them) that `listing` asks for, one
/// per home account id (an account signed in to several tenants appears once, with the realm it
/// was first seen in), each marked [`Account::active`] when it is `app`'s active account at its
/// issuer.
pub(crate) fn accounts_in(
    cache: &TokenCache,
    app: &ClientApplication,
    listing: Listing,
) -> Vec<Account> {
    let issuer = app.issuer();
    let client_id = &app.config().client_id;
    let mut accounts: Vec<Account> = Vec::new();
    for entry in cache.accounts() {
        let origin = entry.origin();
        let here = issuer.owns(&entry.environment, Some(&entry.realm), origin);
        if !listing.every_host && !here {
            continue;
        }
        let Some(mut account) = Account::from_entry(entry, &app.config().authority, cache) else {
            continue;
        };
        if accounts
            .iter()
            .any(|a| a.home_account_id == account.home_account_id)
        {
            continue;
        }
        let elsewhere;
        let entry_issuer = if here {
            issuer
        } else {
            elsewhere = TokenIssuer::of_entry(&entry.environment, origin);
            &elsewhere
        };
        let hid = account.home_account_id.as_str();
        if !listing.every_client {
            // An account no application holds a token for (recorded by another client without
            // any) is nobody's in particular, so anybody's.
            if let Some(clients) = cache.clients_of_account(hid, entry_issuer)
                && !clients.contains(&client_id.as_str())
            {
                continue;
            }
        }
        account.active = cache.active_account(client_id, entry_issuer) == Some(hid);
        accounts.push(account);
    }
    accounts
}

/// The account a request is about among `accounts` (the application's): the one `selector`
/// picks, else the active one, else the only one. Several candidates are an
/// [`Error::AccountChoiceRequired`] naming, for each, a selector that picks it alone.
pub(crate) fn choose_account(
    accounts: Vec<Account>,
    selector: Option<&AccountSelector>,
) -> Result<(Account, ChosenBy)> {
    let mut matching: Vec<&Account> = accounts
        .iter()
        .filter(|a| selector.is_none_or(|s| s.matches(a)))
        .collect();
    if selector.is_none()
        && let Some(active) = matching.iter().position(|a| a.active)
    {
        return Ok((matching.swap_remove(active).clone(), ChosenBy::Active));
    }
    match (matching.len(), selector) {
        (1, Some(_)) => Ok((matching[0].clone(), ChosenBy::Selector)),
        (1, None) => Ok((matching[0].clone(), ChosenBy::Only)),
        (0, None) => Err(interaction("no signed-in account in the cache")),
        (0, Some(AccountSelector::HomeAccountId(id))) => Err(interaction(&format!(
            "no account with id {id} in the cache"
        ))),
        (0, Some(s)) => Err(interaction(&format!("no account {s} in the cache"))),
        _ => Err(Error::AccountChoiceRequired {
            accounts: matching
                .into_iter()
                .map(|a| AccountChoice {
                    account: a.clone(),
                    selector: resolving_selector(a, &accounts),
                })
                .collect(),
        }),
    }
}

/// A selector that picks `account` alone among `all`: its username when that is unambiguous,
/// else its home account id.
fn resolving_selector(account: &Account, all: &[Account]) -> AccountSelector {
    let by_name = AccountSelector::Username(account.username.clone());
    if !account.username.is_empty() && all.iter().filter(|a| by_name.matches(a)).count() == 1 {
        by_name
    } else {
        AccountSelector::HomeAccountId(account.home_account_id.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(username: &str, email: Option<&str>, name: Option<&str>, id: &str) -> Account {
        Account {
            username: username.into(),
            home_account_id: id.into(),
            environment: "https://idp.example".into(),
            tenant: String::new(),
            realm: String::new(),
            authority: "https://idp.example".into(),
            account_source: None,
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
            active: false,
        }
    }

    #[test]
    fn a_username_chooses_by_sign_in_name_email_or_display_name_when_unambiguous() {
        let ada = account("ada", Some("ada@example.org"), Some("Ada L"), "1");
        let bob = account("bob", Some("bob@example.org"), Some("Ada L"), "2");
        let choose = |who: &str| {
            choose_account(
                vec![ada.clone(), bob.clone()],
                Some(&AccountSelector::Username(who.into())),
            )
        };
        assert_eq!(choose("ADA").unwrap().0.home_account_id, "1");
        assert_eq!(choose("bob@example.org").unwrap().0.home_account_id, "2");
        assert!(matches!(
            choose("ada l"),
            Err(Error::AccountChoiceRequired { .. })
        ));
        assert!(matches!(
            choose("carol"),
            Err(Error::InteractionRequired { .. })
        ));
    }
}
