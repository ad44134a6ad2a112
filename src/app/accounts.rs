//! Signed-in accounts as `get_accounts` reports them, which of them a request is about, and the
//! errors that say only the user can help.

use super::ClientApplication;
use crate::authority::Authority;
use crate::cache::{AccountEntry, ORIGIN};
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
    /// The tenant (cache realm).
    pub tenant: String,
    /// `https://{environment}/{tenant}` (with the configured scheme and port when the account
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
}

impl Account {
    fn from_entry(entry: &AccountEntry, configured: &Authority) -> Option<Self> {
        let origin = entry.extra.get(ORIGIN).and_then(serde_json::Value::as_str);
        Some(Self {
            username: entry.username.clone(),
            home_account_id: entry.home_account_id.clone().filter(|id| !id.is_empty())?,
            environment: entry.environment.clone(),
            tenant: entry.realm.clone(),
            authority: account_authority(configured, origin, &entry.environment, &entry.realm),
            account_source: entry.account_source.clone(),
            name: extra_text(entry, "name"),
            email: extra_text(entry, "email"),
        })
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
        }
    }
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

/// The accounts among `entries` (a cache's, in the order `accounts()` sorts them) at `app`'s
/// issuer (or every issuer), one per home account id (an account signed in to several tenants
/// appears once, with the realm it was first seen in).
pub(crate) fn accounts_in(
    entries: &[&AccountEntry],
    app: &ClientApplication,
    every_host: bool,
) -> Vec<Account> {
    let issuer = app.issuer();
    let mut accounts: Vec<Account> = Vec::new();
    for entry in entries {
        let origin = entry.extra.get(ORIGIN).and_then(serde_json::Value::as_str);
        if !every_host && !issuer.owns(&entry.environment, Some(&entry.realm), origin) {
            continue;
        }
        let Some(account) = Account::from_entry(entry, &app.config().authority) else {
            continue;
        };
        if !accounts
            .iter()
            .any(|a| a.home_account_id == account.home_account_id)
        {
            accounts.push(account);
        }
    }
    accounts
}

pub(crate) fn choose_account(
    accounts: Vec<Account>,
    selector: Option<&AccountSelector>,
) -> Result<Account> {
    let mut matching: Vec<Account> = accounts
        .into_iter()
        .filter(|a| selector.is_none_or(|s| s.matches(a)))
        .collect();
    match (matching.len(), selector) {
        (1, _) => Ok(matching.remove(0)),
        (0, None) => Err(interaction("no signed-in account in the cache")),
        (0, Some(AccountSelector::Username(u))) => {
            Err(interaction(&format!("no account {u} in the cache")))
        }
        (0, Some(AccountSelector::HomeAccountId(id))) => Err(interaction(&format!(
            "no account with id {id} in the cache"
        ))),
        _ => {
            let names: Vec<String> = matching
                .iter()
                .map(|a| format!("{} ({})", a.username, a.home_account_id))
                .collect();
            Err(Error::AccountChoiceRequired { accounts: names })
        }
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
            authority: "https://idp.example".into(),
            account_source: None,
            name: name.map(str::to_owned),
            email: email.map(str::to_owned),
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
        assert_eq!(choose("ADA").unwrap().home_account_id, "1");
        assert_eq!(choose("bob@example.org").unwrap().home_account_id, "2");
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
