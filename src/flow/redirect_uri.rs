//! The redirect URI of an interactive sign-in: where the authorization server sends the browser
//! back with the code.
//!
//! A loopback `http` URI (RFC 8252 §7.3) on `localhost`, `127.0.0.1` or `[::1]` is served by
//! msal's own listener ([`super::loopback`]), on the port it names or on a free one when it names
//! none, and on exactly its path. Any other URI the application registered (an `https` page of a
//! web app, say) works too when the user pastes the final address of the browser back, as in
//! MSAL's two-step auth code flow: nothing listens for it.
//!
//! The URI is sent exactly as the user wrote it (providers compare redirect URIs as strings, so
//! `http://localhost:8400` and `http://localhost:8400/` are different registrations to them),
//! with only the port filled in when it was left for msal to choose.

use std::fmt;

use url::Url;

/// Why a redirect URI cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the redirect URI {uri:?} {reason}")]
pub struct RedirectUriError {
    /// The URI as given.
    pub uri: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// A redirect URI for an interactive sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedirectUri {
    /// A loopback `http` URI msal listens on.
    Loopback(LoopbackRedirect),
    /// Any other registered URI: the user pastes the browser's final address.
    Pasted(Url),
}

/// A loopback `http` redirect URI, as written, with its port fixed or left to msal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackRedirect {
    /// `localhost`, `127.0.0.1` or `[::1]`, as written.
    host: String,
    /// The port, or `None` for any free one.
    port: Option<u16>,
    /// Everything after the host and port, as written (possibly empty).
    rest: String,
}

/// The loopback host names RFC 8252 §7.3 and §8.3 speak of.
const LOOPBACK_HOSTS: [&str; 3] = ["localhost", "127.0.0.1", "[::1]"];

impl RedirectUri {
    /// Parses a redirect URI: an absolute URI without a fragment (RFC 6749 §3.1.2) or user
    /// credentials. `http` on a loopback host is a [`RedirectUri::Loopback`], whose port may be
    /// left out (or 0) for any free one; anything else is a [`RedirectUri::Pasted`].
    pub fn parse(text: &str) -> Result<Self, RedirectUriError> {
        let fail = |reason| RedirectUriError {
            uri: text.to_owned(),
            reason,
        };
        let url = Url::parse(text).map_err(|_| fail("is not an absolute URI"))?;
        if url.fragment().is_some() {
            return Err(fail(
                "has a fragment (#…), which a redirect URI must not have",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(fail("carries user credentials"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(fail("contains spaces or control characters"));
        }
        let Some(after_scheme) = text
            .get(..7)
            .filter(|s| s.eq_ignore_ascii_case("http://"))
            .map(|_| &text[7..])
        else {
            return Ok(Self::Pasted(url));
        };
        let end = after_scheme
            .find(['/', '?', '#'])
            .unwrap_or(after_scheme.len());
        let (authority, rest) = after_scheme.split_at(end);
        let (host, port) = match authority.rsplit_once(':') {
            // `[::1]` alone has colons inside its brackets.
            Some((host, port)) if !port.contains(']') => (host, Some(port)),
            _ => (authority, None),
        };
        let Some(host) = LOOPBACK_HOSTS.iter().find(|h| h.eq_ignore_ascii_case(host)) else {
            return Ok(Self::Pasted(url));
        };
        let port = match port {
            None | Some("") => None,
            Some(digits) => match digits.parse::<u16>() {
                Ok(0) => None,
                Ok(port) => Some(port),
                Err(_) => return Err(fail("has a port that is not a number from 1 to 65535")),
            },
        };
        Ok(Self::Loopback(LoopbackRedirect {
            host: (*host).to_owned(),
            port,
            rest: rest.to_owned(),
        }))
    }

    /// The default of a provider: `http://localhost:{free port}` for Entra ID (what MSAL Python
    /// sends, and what Entra matches on any port for a public client's `http://localhost`
    /// registration); `http://127.0.0.1:{free port}/` elsewhere (RFC 8252 §7.3 and §8.3: the
    /// loopback IP literal, which providers that allow any loopback port accept).
    /// `port` fixes the port (`None`: any free one).
    pub fn default_for(entra: bool, port: Option<u16>) -> Self {
        let (host, rest) = if entra {
            ("localhost", "")
        } else {
            ("127.0.0.1", "/")
        };
        Self::Loopback(LoopbackRedirect {
            host: host.into(),
            port: port.filter(|p| *p != 0),
            rest: rest.into(),
        })
    }
}

impl LoopbackRedirect {
    /// The port the URI fixes, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The URI to send, with `port` (the listener's) filled in.
    pub fn with_port(&self, port: u16) -> String {
        format!("http://{}:{port}{}", self.host, self.rest)
    }

    /// The path a browser requests when it follows this URI: normalized as a browser normalizes
    /// it (`/` when the URI has none).
    pub fn path(&self) -> String {
        Url::parse(&self.with_port(self.port.unwrap_or(1)))
            .map(|u| u.path().to_owned())
            .unwrap_or_else(|_| "/".into())
    }
}

impl fmt::Display for RedirectUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Loopback(l) => match l.port {
                Some(port) => f.write_str(&l.with_port(port)),
                None => write!(f, "http://{}:{{free port}}{}", l.host, l.rest),
            },
            Self::Pasted(url) => f.write_str(url.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn loopback(text: &str) -> LoopbackRedirect {
        match RedirectUri::parse(text).unwrap() {
            RedirectUri::Loopback(l) => l,
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn loopback_uris_keep_their_exact_text_and_fill_in_a_free_port() {
        let fixed = loopback("http://127.0.0.1:8400/callback");
        assert_eq!(fixed.port(), Some(8400));
        assert_eq!(fixed.with_port(8400), "http://127.0.0.1:8400/callback");
        assert_eq!(fixed.path(), "/callback");

        let bare = loopback("http://localhost:8400");
        assert_eq!(
            bare.with_port(8400),
            "http://localhost:8400",
            "no slash added"
        );
        assert_eq!(bare.path(), "/");

        let free = loopback("http://[::1]/cb?x=1");
        assert_eq!(free.port(), None);
        assert_eq!(free.with_port(51000), "http://[::1]:51000/cb?x=1");
        assert_eq!(free.path(), "/cb");

        assert_eq!(loopback("HTTP://LocalHost:0/a").port(), None);
        assert_eq!(
            loopback("http://LOCALHOST:9/a").with_port(9),
            "http://localhost:9/a"
        );
        assert_eq!(loopback("http://127.0.0.1/a/../b").path(), "/b");
    }

    #[test]
    fn other_uris_are_pasted() {
        for text in [
            "https://app.example/cb",
            "https://localhost:8443/cb",
            "http://myhost.example:8080/cb",
            "http://127.0.0.2:8080/cb",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(
                matches!(RedirectUri::parse(text), Ok(RedirectUri::Pasted(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn unusable_uris_are_refused() {
        for text in [
            "/callback",
            "127.0.0.1:8400/cb",
            "http://127.0.0.1:8400/cb#frag",
            "http://user:pw@127.0.0.1:8400/cb",
            "http://127.0.0.1:99999/cb",
            "http://127.0.0.1:80a/cb",
            "http://127.0.0.1:8400/c b",
        ] {
            assert!(RedirectUri::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn defaults_follow_the_provider() {
        let entra = RedirectUri::default_for(true, None);
        let RedirectUri::Loopback(e) = &entra else {
            panic!()
        };
        assert_eq!(e.with_port(5), "http://localhost:5");
        let RedirectUri::Loopback(g) = RedirectUri::default_for(false, Some(8400)) else {
            panic!()
        };
        assert_eq!(g.port(), Some(8400));
        assert_eq!(g.with_port(8400), "http://127.0.0.1:8400/");
        assert_eq!(entra.to_string(), "http://localhost:{free port}");
    }
}
