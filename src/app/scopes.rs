//! Scopes as the app layer handles them: split from text, decorated for user sign-ins, and
//! stripped of the reserved ones for cache lookups.

/// Scopes every user sign-in adds: an ID token, the profile claims, and a refresh token.
pub const RESERVED_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// The requested scopes plus [`RESERVED_SCOPES`], without duplicates (MSAL's "decorated"
/// scopes).
pub fn decorate_scopes(scopes: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::new();
    for scope in scopes.iter().map(String::as_str).chain(RESERVED_SCOPES) {
        if !all.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
            all.push(scope.to_owned());
        }
    }
    all
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
    fn decorates_scopes_once() {
        let scopes = decorate_scopes(&["User.Read".into(), "OpenID".into()]);
        assert_eq!(
            scopes,
            vec!["User.Read", "OpenID", "profile", "offline_access"]
        );
        assert_eq!(resource_scopes(&scopes), vec!["User.Read"]);
    }
}
