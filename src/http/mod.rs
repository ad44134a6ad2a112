//! HTTP for talking to identity providers: plain request/response values that the protocol code
//! builds and parses as pure functions, and one client that sends them.

mod client;
pub(crate) mod inbound;
mod proxy;

pub use client::{Answer, BoxFuture, Exchange, Failure, HttpClient, HttpConfig, Transport};
pub use proxy::ProxyConfig;

use url::Url;

/// An HTTP request as the protocol code builds it: no transport types leak out of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// Extra headers (the client adds the MSAL headers itself).
    pub headers: Vec<(String, String)>,
    /// A form body (`application/x-www-form-urlencoded`) for POST; secrets inside stay wrapped
    /// until the client encodes them.
    pub form: Vec<(String, FormValue)>,
    /// An `Authorization` header carrying client credentials (HTTP Basic, RFC 6749 §2.3.1), kept
    /// apart from `headers` so that it stays [`FormValue::Secret`] and redacted in `Debug` output.
    pub authorization: Option<FormValue>,
}

/// The two methods identity-provider endpoints use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST with a form body.
    Post,
}

/// One form field's (or the `Authorization` header's) value: plain, or a secret that must not
/// appear in `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub enum FormValue {
    /// A value safe to log (grant type, scope, client id).
    Plain(String),
    /// A secret (client secret, assertion, code, refresh token, password, PKCE verifier).
    Secret(String),
}

impl FormValue {
    pub(crate) fn value(&self) -> &str {
        match self {
            FormValue::Plain(v) | FormValue::Secret(v) => v,
        }
    }
}

impl std::fmt::Debug for FormValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FormValue::Plain(v) => write!(f, "{v:?}"),
            FormValue::Secret(_) => f.write_str("[redacted]"),
        }
    }
}

impl HttpRequest {
    /// A GET of `url`.
    pub fn get(url: Url) -> Self {
        Self {
            method: Method::Get,
            url,
            headers: Vec::new(),
            form: Vec::new(),
            authorization: None,
        }
    }

    /// A form POST to `url`.
    pub fn post_form(url: Url) -> Self {
        Self {
            method: Method::Post,
            url,
            headers: Vec::new(),
            form: Vec::new(),
            authorization: None,
        }
    }

    /// Adds a plain form field.
    pub fn field(mut self, name: &str, value: impl Into<String>) -> Self {
        self.form
            .push((name.to_owned(), FormValue::Plain(value.into())));
        self
    }

    /// Adds a secret form field.
    pub fn secret_field(mut self, name: &str, value: &str) -> Self {
        self.form
            .push((name.to_owned(), FormValue::Secret(value.to_owned())));
        self
    }

    /// Sets the `Authorization` header to a secret value.
    pub fn secret_authorization(mut self, value: impl Into<String>) -> Self {
        self.authorization = Some(FormValue::Secret(value.into()));
        self
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The URL without query and fragment, safe for messages.
    pub fn endpoint(&self) -> String {
        endpoint_of(&self.url)
    }
}

/// `url` without credentials, query or fragment, for messages (a query may carry a code).
pub fn endpoint_of(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_password(None);
    let _ = shown.set_username("");
    shown.to_string()
}

/// An HTTP response, body read in full (up to the client's size cap).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// A short, printable excerpt of the body for error messages: at most 120 characters, nothing
    /// a terminal would interpret ([`crate::text::printable`]). Only used for bodies that failed to parse as the expected JSON, which
    /// therefore carry no token we recognise.
    pub fn excerpt(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let cleaned: String = crate::text::printable(&text).chars().take(120).collect();
        let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        if text.chars().count() > 120 {
            format!("{cleaned}…")
        } else {
            cleaned
        }
    }
}

/// Why a request got no usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// Connecting, TLS or sending failed.
    #[error("could not reach {endpoint}: {reason}")]
    Connect {
        /// Where.
        endpoint: String,
        /// The transport's reason, with its causes.
        reason: String,
    },
    /// No complete answer within the timeout.
    #[error("no answer from {endpoint} within {seconds} s (raise it with --timeout)")]
    Timeout {
        /// Where.
        endpoint: String,
        /// The limit that was hit.
        seconds: u64,
    },
    /// The answer was larger than any identity provider reply should be.
    #[error("the answer from {endpoint} exceeded {limit} bytes; refusing to read more")]
    BodyTooLarge {
        /// Where.
        endpoint: String,
        /// The cap.
        limit: usize,
    },
    /// The server kept answering 429/5xx after the retry.
    #[error("{endpoint} is unavailable (HTTP {status}){}", retry_after.map(|s| format!("; it asked to retry after {s} s")).unwrap_or_default())]
    Unavailable {
        /// Where.
        endpoint: String,
        /// The last status.
        status: u16,
        /// The last `Retry-After`, when it was beyond what we wait.
        retry_after: Option<u64>,
    },
    /// The HTTP client could not be set up (bad CA file, bad proxy).
    #[error("{0}")]
    Setup(String),
    /// The URL would send the request in clear to a host that is not loopback (tokens and
    /// secrets travel only over TLS, or over plain http on loopback).
    #[error("refusing to send a request to {endpoint}: {reason}")]
    Insecure {
        /// Where.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The server answered with a redirect that is not followed.
    #[error("{endpoint} redirected {reason}")]
    Redirect {
        /// The URL that redirected.
        endpoint: String,
        /// Where to and why it was refused.
        reason: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_in_messages_carry_no_credentials_query_or_fragment() {
        let url = Url::parse("https://u:pw@h.example:8443/t/token?code=abc#frag").unwrap();
        assert_eq!(endpoint_of(&url), "https://h.example:8443/t/token");
    }
}
