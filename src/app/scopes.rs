//! Scopes as the app layer handles them: split from text, decorated for user sign-ins, and
//! stripped of the reserved ones for cache lookups.

/// Scopes every user sign-in adds: an ID token, the profile claims, and a refresh token.
pub const RESERVED_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// The requested scopes plus [`RESERVED_SCOPES`], without duplicates (MSAL's "decorated"
/// scopes).
pub fn decorate_scopes(scopes: &[String]) -> Vec<String> {
    decorate_scopes_with(scopes, true)
}

/// [`decorate_scopes`], with `offline_access` only when `offline_access` says so (a scope the
/// caller asked for is kept either way).
pub fn decorate_scopes_with(scopes: &[String], offline_access: bool) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    let reserved = RESERVED_SCOPES
        .into_iter()
        .filter(|s| offline_access || *s != "offline_access");
    for scope in scopes.iter().map(String::as_str).chain(reserved) {
        if !all.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
            all.push(scope.to_owned());
        }
    }
    all
}

/// Whether user sign-ins ask for `offline_access` (a refresh token, OpenID Connect Core §11):
/// not when the caller turned it off; else always at Entra ID (as MSAL does), and at another
/// provider when its discovery document lists the scope or lists none (Google, for one, lists
/// none and refuses it, giving refresh tokens for `access_type=offline` instead).
pub(crate) fn wants_offline_access(
    setting: OfflineAccess,
    entra: bool,
    scopes_supported: Option<&[String]>,
) -> bool {
    match setting {
        OfflineAccess::Never => false,
        OfflineAccess::Auto => {
            entra
                || scopes_supported.is_none_or(|listed| {
                    listed
                        .iter()
                        .any(|s| s.eq_ignore_ascii_case("offline_access"))
                })
        }
    }
}

/// Whether user sign-ins ask for `offline_access`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OfflineAccess {
    /// When the provider supports it ([`PublicClient::with_offline_access`](super::PublicClient::with_offline_access)).
    #[default]
    Auto,
    /// Never: for providers that refuse the scope although they list it, or users who want no
    /// refresh token kept.
    Never,
}

/// The requested scopes without the reserved ones: what an access token is looked up by.
pub(crate) fn resource_scopes(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| !RESERVED_SCOPES.iter().any(|r| r.eq_ignore_ascii_case(s)))
        .cloned()
        .collect()
}

/// Scopes from a space-separated string (RFC 6749 §3.3).
pub fn split_scopes(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_access_follows_the_setting_and_the_providers_list() {
        let listed = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let auto = OfflineAccess::Auto;
        assert!(wants_offline_access(auto, true, Some(&listed(&["openid"]))));
        assert!(wants_offline_access(auto, false, None));
        assert!(wants_offline_access(
            auto,
            false,
            Some(&listed(&["openid", "offline_access"]))
        ));
        assert!(!wants_offline_access(
            auto,
            false,
            Some(&listed(&["openid", "email"]))
        ));
        assert!(!wants_offline_access(OfflineAccess::Never, true, None));
        assert_eq!(
            decorate_scopes_with(&["email".into()], false),
            vec!["email", "openid", "profile"]
        );
        assert_eq!(
            decorate_scopes_with(&["offline_access".into()], false),
            vec!["offline_access", "openid", "profile"],
            "asked for by name, it is kept"
        );
    }

    #[test]
    fn decorates_scopes_once() {
        let scopes = decorate_scopes(&["User.Read".into(), "OpenID".into()]);
        assert_eq!(
            scopes,
            vec!["User.Read", "OpenID", "profile", "offline_access"]
        );
        assert_eq!(resource_scopes(&scopes), vec!["User.Read"]);
    }
}
