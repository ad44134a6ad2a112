//! HTTP for talking to identity providers: plain request/response values that the protocol code
//! builds and parses as pure functions, and one client that sends them.

mod client;
pub(crate) mod inbound;
mod pinned;
mod proxy;

pub use client::{BoxFuture, Exchange, Failure, HttpClient, HttpConfig, HttpExchange, Transport};
pub use pinned::ServerPin;
pub use proxy::ProxyConfig;

use url::Url;
use zeroize::Zeroizing;

/// An HTTP request as the protocol code builds it: no transport types leak out of this module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// GET or POST.
    pub method: Method,
    /// The full URL, query included.
    pub url: Url,
    /// Extra headers; the client adds MSAL's own (`x-client-sku`, `client-request-id`, …) itself.
    pub headers: Vec<(String, String)>,
    /// A form body (`application/x-www-form-urlencoded`) for POST; secrets inside stay wrapped
    /// until [`Self::form_body`] encodes them.
    pub form: Vec<(String, FormValue)>,
    /// An `Authorization` header carrying client credentials (HTTP Basic, RFC 6749 §2.3.1), kept
    /// apart from `headers` so that it stays [`FormValue::Secret`] and redacted in `Debug` output.
    pub authorization: Option<FormValue>,
    /// Headers whose values are secrets (a platform's managed-identity header), kept apart from
    /// `headers` for the same reason as `authorization`.
    pub secret_headers: Vec<(String, FormValue)>,
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
/// appear in `Debug` output and is zeroed when dropped.
#[derive(Clone, PartialEq, Eq)]
pub enum FormValue {
    /// A value safe to log (grant type, scope, client id).
    Plain(String),
    /// A secret (client secret, assertion, code, refresh token, password, PKCE verifier).
    Secret(Zeroizing<String>),
}

impl FormValue {
    /// A secret value, copied once into memory that is zeroed when dropped.
    pub fn secret(value: &str) -> Self {
        FormValue::Secret(Zeroizing::new(value.to_owned()))
    }

    pub(crate) fn value(&self) -> &str {
        match self {
            FormValue::Plain(v) => v,
            FormValue::Secret(v) => v,
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
            secret_headers: Vec::new(),
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
            secret_headers: Vec::new(),
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
        self.form.push((name.to_owned(), FormValue::secret(value)));
        self
    }

    /// Sets the `Authorization` header to a secret value.
    pub fn secret_authorization(mut self, value: Zeroizing<String>) -> Self {
        self.authorization = Some(FormValue::Secret(value));
        self
    }

    /// Adds a header whose value is a secret: redacted in `Debug` output and marked sensitive
    /// for the transport.
    pub fn secret_header(mut self, name: &str, value: &str) -> Self {
        self.secret_headers
            .push((name.to_owned(), FormValue::secret(value)));
        self
    }

    /// The form body as `application/x-www-form-urlencoded` bytes (the WHATWG URL Standard's
    /// serializer, as RFC 6749 Appendix B asks), in memory that is zeroed when dropped, since it
    /// carries the request's secrets. Its exact length is counted first, so the buffer is never
    /// reallocated: no copy of a secret is left behind in freed memory.
    pub fn form_body(&self) -> Zeroizing<Vec<u8>> {
        let mut len = 0;
        encode_form(&self.form, |piece| len += piece.len());
        let mut body = Zeroizing::new(Vec::with_capacity(len));
        encode_form(&self.form, |piece| body.extend_from_slice(piece.as_bytes()));
        body
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

/// Hands `sink` the pieces of the encoded form `name=value&name=value`.
fn encode_form(form: &[(String, FormValue)], mut sink: impl FnMut(&str)) {
    for (i, (name, value)) in form.iter().enumerate() {
        if i > 0 {
            sink("&");
        }
        form_urlencoded::byte_serialize(name.as_bytes()).for_each(&mut sink);
        sink("=");
        form_urlencoded::byte_serialize(value.value().as_bytes()).for_each(&mut sink);
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
    /// a terminal would interpret ([`crate::text::excerpt`]). Only used for bodies that failed to
    /// parse as the expected JSON, which therefore carry no token we recognise.
    pub fn excerpt(&self) -> String {
        crate::text::excerpt(&String::from_utf8_lossy(&self.body), 120)
    }
}

/// Why a request got no usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// Connecting, TLS or sending failed.
    #[error("could not reach {endpoint}: {reason}")]
    Connect {
        /// The URL asked, without query, fragment or credentials ([`endpoint_of`]): safe to show.
        endpoint: String,
        /// The transport's reason, with its causes.
        reason: String,
    },
    /// The server's TLS certificate was refused: the connection never carried a request.
    #[error("could not reach {endpoint}: {reason}")]
    Certificate {
        /// The URL asked, without query, fragment or credentials ([`endpoint_of`]): safe to show.
        endpoint: String,
        /// What is wrong with the certificate, for a caller that suggests a fix.
        problem: CertificateProblem,
        /// The transport's reason, with its causes.
        reason: String,
    },
    /// No complete answer within the timeout.
    #[error("no answer from {endpoint} within {seconds} s")]
    Timeout {
        /// The URL asked, without query, fragment or credentials ([`endpoint_of`]): safe to show.
        endpoint: String,
        /// The limit that was hit.
        seconds: u64,
    },
    /// The answer was larger than any identity provider reply should be.
    #[error("the answer from {endpoint} exceeded {limit} bytes; refusing to read more")]
    BodyTooLarge {
        /// The URL asked, without query, fragment or credentials ([`endpoint_of`]): safe to show.
        endpoint: String,
        /// The most bytes a response body may have.
        limit: usize,
    },
    /// The server kept answering 429/5xx after the retry.
    #[error("{endpoint} is unavailable (HTTP {status}){}", retry_after.map(|s| format!("; it asked to retry after {s} s")).unwrap_or_default())]
    Unavailable {
        /// The URL asked, without query, fragment or credentials ([`endpoint_of`]): safe to show.
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
        /// The URL asked, without query, fragment or credentials ([`endpoint_of`]): safe to show.
        endpoint: String,
        /// Which transport rule the URL breaks.
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

/// Why a server's TLS certificate was refused (the certificate checks of RFC 5280 §6 and the
/// name check of RFC 6125 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// It names another host: a wrong URL, or a proxy that intercepts TLS.
    OtherName,
    /// It is expired or not yet valid, as this machine's clock sees it.
    OutsideValidity,
    /// No trusted root vouches for it (a private CA, a TLS-inspecting proxy), or it is
    /// otherwise invalid.
    Untrusted,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compile-time: the type is zeroed when dropped.
    fn zeroed_on_drop<T: zeroize::ZeroizeOnDrop>(_: &T) {}

    #[test]
    fn the_form_body_is_encoded_as_before_into_one_zeroizing_buffer() {
        let request = HttpRequest::post_form(Url::parse("https://h.example/token").unwrap())
            .field("grant_type", "refresh_token")
            .field("scope", "openid offline_access api://x/a+b")
            .secret_field("refresh_token", "0.AX-y~z/=&%é ")
            .secret_field("client_secret", "s3cr3t+/=");
        let body = request.form_body();
        zeroed_on_drop(&body);
        for (_, value) in &request.form {
            if let FormValue::Secret(secret) = value {
                zeroed_on_drop(secret);
            }
        }
        // What reqwest's `form()` sent (serde_urlencoded over the same serializer).
        let expected = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(request.form.iter().map(|(k, v)| (k, v.value())))
            .finish();
        assert_eq!(body.as_slice(), expected.as_bytes());
        assert_eq!(body.capacity(), body.len(), "one allocation, never grown");
        assert!(
            HttpRequest::get(Url::parse("https://h.example/").unwrap())
                .form_body()
                .is_empty()
        );
    }

    #[test]
    fn endpoints_in_messages_carry_no_credentials_query_or_fragment() {
        let url = Url::parse("https://u:pw@h.example:8443/t/token?code=abc#frag").unwrap();
        assert_eq!(endpoint_of(&url), "https://h.example:8443/t/token");
    }
}
