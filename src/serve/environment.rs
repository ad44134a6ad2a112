//! The environment of a program run under `msal serve -- COMMAND`: the endpoint and its secret
//! set, loopback kept away from proxies, and the variables that would make an SDK choose another
//! managed-identity source removed.

use super::protocol::IdentityHeader;

/// Variables that make Azure SDKs pick another managed-identity source before, or instead of,
/// App Service: Service Fabric (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER` +
/// `IDENTITY_SERVER_THUMBPRINT`, checked first by MSAL Python, azure-identity, .NET and Go),
/// Azure Machine Learning and the older App Service (`MSI_ENDPOINT` + `MSI_SECRET`), Cloud
/// Shell (`MSI_ENDPOINT`), Azure Arc (`IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`), and IMDS through a
/// pod-identity proxy (`AZURE_POD_IDENTITY_AUTHORITY_HOST`). MSAL Python's `_obtain_token` and
/// azure-identity's `ManagedIdentityCredential` give the order.
pub const OTHER_SOURCES: [&str; 5] = [
    "IDENTITY_SERVER_THUMBPRINT",
    "MSI_ENDPOINT",
    "MSI_SECRET",
    "IMDS_ENDPOINT",
    "AZURE_POD_IDENTITY_AUTHORITY_HOST",
];

/// The proxy-bypass variables: clients read one or the other (Python and curl prefer the
/// lowercase one, Go and Node the uppercase one).
const NO_PROXY: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// What to change in the inherited environment.
pub struct ChildEnvironment {
    /// Variables to set.
    pub set: Vec<(&'static str, String)>,
    /// Variables to remove.
    pub remove: Vec<&'static str>,
}

// `set` holds the secret.
impl std::fmt::Debug for ChildEnvironment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChildEnvironment")
            .field("set", &self.set.iter().map(|(n, _)| n).collect::<Vec<_>>())
            .field("remove", &self.remove)
            .finish()
    }
}

/// The changes for a child of the endpoint `endpoint` with secret `header`, given the current
/// values (`get`; empty counts as unset). Loopback joins whichever of `NO_PROXY`/`no_proxy` is
/// set (both when neither is), so that an SDK behind `HTTP_PROXY` does not send the secret and
/// the tokens to the proxy, and no other host's bypass changes.
pub fn child_environment(
    endpoint: &str,
    header: &IdentityHeader,
    get: impl Fn(&str) -> Option<String>,
) -> ChildEnvironment {
    let mut set = vec![
        ("IDENTITY_ENDPOINT", endpoint.to_owned()),
        ("IDENTITY_HEADER", header.secret().to_owned()),
    ];
    let current: Vec<(&'static str, Option<String>)> = NO_PROXY
        .iter()
        .map(|name| (*name, get(name).filter(|v| !v.trim().is_empty())))
        .collect();
    let none_set = current.iter().all(|(_, value)| value.is_none());
    for (name, value) in current {
        match value {
            Some(value) => set.push((name, with_loopback(&value))),
            None if none_set => set.push((name, with_loopback(""))),
            None => {}
        }
    }
    ChildEnvironment {
        set,
        remove: OTHER_SOURCES.to_vec(),
    }
}

/// A `NO_PROXY` list with `127.0.0.1` and `localhost` in it.
fn with_loopback(list: &str) -> String {
    let entries: Vec<&str> = list
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.contains(&"*") {
        return list.to_owned();
    }
    let mut out: Vec<String> = entries.iter().map(|e| (*e).to_owned()).collect();
    for host in ["127.0.0.1", "localhost"] {
        if !entries.iter().any(|e| e.eq_ignore_ascii_case(host)) {
            out.push(host.to_owned());
        }
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(vars: &[(&str, &str)]) -> Vec<(&'static str, String)> {
        let header = IdentityHeader::generate().unwrap();
        let env = child_environment("http://127.0.0.1:1/msi/token", &header, |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        });
        assert_eq!(env.remove, OTHER_SOURCES);
        assert!(!format!("{env:?}").contains(header.secret()));
        env.set
            .into_iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("no_proxy"))
            .collect()
    }

    #[test]
    fn loopback_joins_the_proxy_bypass_without_changing_the_rest() {
        let both = [
            ("NO_PROXY", "127.0.0.1,localhost".to_owned()),
            ("no_proxy", "127.0.0.1,localhost".to_owned()),
        ];
        assert_eq!(run(&[]), both);
        assert_eq!(run(&[("NO_PROXY", " "), ("no_proxy", "")]), both);
        assert_eq!(
            run(&[("NO_PROXY", "corp.example, LOCALHOST")]),
            [("NO_PROXY", "corp.example,LOCALHOST,127.0.0.1".to_owned())],
            "only the variable that is set changes"
        );
        assert_eq!(
            run(&[("no_proxy", "a"), ("NO_PROXY", "*")]),
            [
                ("NO_PROXY", "*".to_owned()),
                ("no_proxy", "a,127.0.0.1,localhost".to_owned())
            ]
        );
    }
}
