//! Which proxy a request goes through: the curl variables (`HTTPS_PROXY`, `HTTP_PROXY`,
//! `ALL_PROXY`, `NO_PROXY`, upper case first, as reqwest reads them), except that loopback and
//! link-local destinations always connect directly.
//!
//! Plain http is allowed only to loopback hosts, where a secret never leaves the machine; sent
//! through a proxy, the same request would cross the network in clear. Link-local addresses are
//! where platforms serve managed identity (IMDS at 169.254.169.254), which a proxy cannot reach
//! on the machine's behalf anyway.

/// Destinations that never go through a proxy, in `NO_PROXY` syntax: loopback (127.0.0.0/8,
/// ::1, localhost and its subdomains) and link-local (169.254.0.0/16, fe80::/10).
const ALWAYS_DIRECT: &str = "127.0.0.0/8,::1,localhost,169.254.0.0/16,fe80::/10";

/// The proxy settings of the environment.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProxyConfig {
    /// For http destinations (`HTTP_PROXY`), and the variable it came from.
    pub http: Option<(&'static str, String)>,
    /// For https destinations (`HTTPS_PROXY`).
    pub https: Option<(&'static str, String)>,
    /// For both when the specific one is unset (`ALL_PROXY`).
    pub all: Option<(&'static str, String)>,
    /// The user's exclusions (`NO_PROXY`), as given.
    pub no_proxy: String,
}

impl std::fmt::Debug for ProxyConfig {
    // A proxy URL may carry a password: only which variables are set is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |p: &Option<(&'static str, String)>| p.as_ref().map(|(name, _)| *name);
        f.debug_struct("ProxyConfig")
            .field("http", &name(&self.http))
            .field("https", &name(&self.https))
            .field("all", &name(&self.all))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

impl ProxyConfig {
    /// Reads the process environment. Under CGI (`REQUEST_METHOD` set) no proxy is used, since
    /// a request's `Proxy:` header arrives there as `HTTP_PROXY` ("httpoxy"), as reqwest does.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `get`.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        if get("REQUEST_METHOD").is_some() {
            return Self::default();
        }
        let first = |names: [&'static str; 2]| {
            names.into_iter().find_map(|name| {
                get(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (name, v.trim().to_owned()))
            })
        };
        Self {
            http: first(["HTTP_PROXY", "http_proxy"]),
            https: first(["HTTPS_PROXY", "https_proxy"]),
            all: first(["ALL_PROXY", "all_proxy"]),
            no_proxy: first(["NO_PROXY", "no_proxy"])
                .map(|(_, v)| v)
                .unwrap_or_default(),
        }
    }

    /// The exclusions applied to every proxy: the user's, then loopback and link-local.
    pub fn exclusions(&self) -> String {
        let user = self.no_proxy.trim().trim_end_matches(',');
        if user.is_empty() {
            ALWAYS_DIRECT.to_owned()
        } else {
            format!("{user},{ALWAYS_DIRECT}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> ProxyConfig {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        ProxyConfig::from_lookup(|name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn reads_curl_variables_upper_case_first() {
        let c = config(&[
            ("HTTP_PROXY", "http://upper:1"),
            ("http_proxy", "http://lower:1"),
            ("https_proxy", "http://s:2"),
            ("all_proxy", " "),
            ("no_proxy", "corp.example,10.0.0.0/8"),
        ]);
        assert_eq!(c.http, Some(("HTTP_PROXY", "http://upper:1".into())));
        assert_eq!(c.https, Some(("https_proxy", "http://s:2".into())));
        assert_eq!(c.all, None);
        assert_eq!(
            c.exclusions(),
            format!("corp.example,10.0.0.0/8,{ALWAYS_DIRECT}")
        );
        assert!(!format!("{c:?}").contains("upper:1"));
    }

    #[test]
    fn loopback_and_link_local_are_always_direct() {
        let c = config(&[("HTTPS_PROXY", "http://p:3128"), ("NO_PROXY", "")]);
        for direct in [
            "127.0.0.0/8",
            "::1",
            "localhost",
            "169.254.0.0/16",
            "fe80::/10",
        ] {
            assert!(c.exclusions().split(',').any(|e| e == direct), "{direct}");
        }
    }

    #[test]
    fn cgi_uses_no_proxy() {
        let c = config(&[("HTTP_PROXY", "http://evil:1"), ("REQUEST_METHOD", "GET")]);
        assert_eq!(c, ProxyConfig::default());
    }
}
