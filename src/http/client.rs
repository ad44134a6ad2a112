//! The one HTTP client: reqwest over rustls (aws-lc-rs), with the MSAL request headers, a
//! per-request timeout, a cap on response bodies and one bounded retry.
//!
//! Retry policy (as MSAL does): a 5xx or a connection failure is retried once; a 429
//! or 503 carrying `Retry-After` is retried once after that delay when it is at most
//! [`MAX_RETRY_AFTER`], and fails at once otherwise, so a run never hangs on a server's say-so.
//! Timeouts are not retried: doubling a wait the user bounded with `--timeout` would surprise.
//!
//! Where requests go: every URL, and every redirect hop, must be https or plain http to a
//! loopback host ([`check_transport`]). A redirect is followed only within the origin (scheme,
//! host and port) of the request: a token request carries a client secret, a code or a refresh
//! token in its body, which a 307/308 would re-post, so a redirect to any other origin (another
//! host, another port, or a downgrade to http) fails the request instead. Same-origin redirects
//! are kept because they hand nothing to anyone new, and a provider that moved a path still works.

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use zeroize::Zeroizing;

use super::{
    CertificateProblem, HttpError, HttpRequest, HttpResponse, Method, ProxyConfig, ServerPin,
    endpoint_of,
};
use crate::authority::check_transport;

/// Longest `Retry-After` the client will wait for before retrying.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Most redirects followed (within one origin) for one request.
const MAX_REDIRECTS: usize = 5;

/// Pause before retrying a 5xx or a connection failure that carried no `Retry-After`.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

/// The largest CA bundle read: the system bundles are a few hundred kilobytes.
const MAX_CA_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Largest response body read: identity-provider replies are a few kilobytes, and a hostile or
/// broken server must not make the tool buffer gigabytes.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// How the client talks to the network.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Per-request timeout: connecting, sending and reading the whole body.
    pub timeout: Duration,
    /// Extra PEM trust anchors (`--ca-cert`), added to the platform's roots.
    pub ca_cert: Option<PathBuf>,
    /// Sent as `client-request-id` on every request of this operation; Entra echoes it back as
    /// the `correlation_id` of errors.
    pub correlation_id: String,
    /// Proxies; loopback and link-local destinations bypass them whatever this says.
    pub proxy: ProxyConfig,
    /// Trust only a server presenting this certificate, instead of any the trust roots vouch
    /// for: a platform endpoint whose certificate the platform names by its thumbprint.
    pub pin: Option<ServerPin>,
}

impl HttpConfig {
    /// A configuration with the given timeout, no extra roots and a fresh correlation id.
    pub fn new(timeout: Duration) -> Self {
        Self {
            timeout,
            ca_cert: None,
            correlation_id: uuid::Uuid::new_v4().to_string(),
            proxy: ProxyConfig::from_env(),
            pin: None,
        }
    }
}

/// Sends [`HttpRequest`]s and reads their responses in full, with the policy every request
/// follows: the https-or-loopback rule, the MSAL headers, one bounded retry ([`step`]). The
/// exchange itself goes through a [`Transport`]: reqwest in `msal`, an in-process identity
/// provider in tests.
#[derive(Debug)]
pub struct HttpClient {
    transport: Arc<dyn Transport>,
    config: HttpConfig,
}

/// One exchange with the network, no retry: the seam between the protocol code and reqwest.
pub trait Transport: std::fmt::Debug + Send + Sync {
    /// Sends `request` once, with `headers` added, and reads the answer in full.
    fn exchange<'a>(
        &'a self,
        request: &'a HttpRequest,
        headers: &'a [(&'static str, String)],
    ) -> BoxFuture<'a, Exchange>;
}

/// A future a [`Transport`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one exchange came to.
pub type Exchange = Result<HttpExchange, Failure>;

/// An exchange that failed, and whether trying once more may help (a connection refused or
/// broken off may; a timeout the user set, a refused redirect or a body too large do not).
#[derive(Debug)]
pub struct Failure {
    /// Why.
    pub error: HttpError,
    /// Whether one more try may help.
    pub retryable: bool,
}

/// What to do after an exchange.
#[derive(Debug)]
enum Step {
    /// This is the outcome.
    Done(Result<HttpResponse, HttpError>),
    /// Try once more after this pause; `error` is the outcome if that is not allowed.
    Retry { after: Duration, error: HttpError },
}

/// The retry policy, as a pure function of what an exchange came to (see the module doc).
fn step(exchange: Exchange, endpoint: &str) -> Step {
    match exchange {
        Ok(HttpExchange {
            response,
            retry_after,
            ..
        }) => {
            let unavailable = || HttpError::Unavailable {
                endpoint: endpoint.to_owned(),
                status: response.status,
                retry_after,
            };
            match verdict(response.status, retry_after) {
                Verdict::Read => Step::Done(Ok(response)),
                Verdict::RetryAfter(after) => Step::Retry {
                    after,
                    error: unavailable(),
                },
                Verdict::GiveUp => Step::Done(Err(unavailable())),
            }
        }
        Err(Failure {
            error,
            retryable: true,
        }) => Step::Retry {
            after: RETRY_PAUSE,
            error,
        },
        Err(Failure { error, .. }) => Step::Done(Err(error)),
    }
}

/// One request's answer, whatever its status, with the headers a caller that applies its own
/// retry policy or authentication challenge needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpExchange {
    /// Status and body.
    pub response: HttpResponse,
    /// `Retry-After`, in seconds (the HTTP-date form is not read).
    pub retry_after: Option<u64>,
    /// The first `WWW-Authenticate` header (RFC 9110 §11.6.1).
    pub www_authenticate: Option<String>,
}

impl HttpClient {
    /// Builds a client over reqwest. Proxies come from `config.proxy` (the `HTTPS_PROXY`/
    /// `HTTP_PROXY`/`ALL_PROXY`/`NO_PROXY` variables), never for loopback and link-local
    /// destinations; the platform's trust roots (and `SSL_CERT_FILE`) plus `ca_cert` are trusted.
    pub fn new(config: HttpConfig) -> Result<Self, HttpError> {
        let transport = Arc::new(ReqwestTransport::new(&config)?);
        Ok(Self::with_transport(config, transport))
    }

    /// A client whose exchanges go through `transport`.
    pub fn with_transport(config: HttpConfig, transport: Arc<dyn Transport>) -> Self {
        Self { transport, config }
    }

    /// The correlation id sent with every request.
    pub fn correlation_id(&self) -> &str {
        &self.config.correlation_id
    }

    /// The MSAL headers every request carries.
    fn headers(&self) -> [(&'static str, String); 7] {
        [
            ("x-client-sku", "msal.rs".to_owned()),
            ("x-client-ver", env!("CARGO_PKG_VERSION").to_owned()),
            ("x-client-os", std::env::consts::OS.to_owned()),
            ("client-request-id", self.config.correlation_id.clone()),
            ("return-client-request-id", "true".to_owned()),
            ("x-ms-lib-capability", "retry-after, h429".to_owned()),
            ("accept", "application/json".to_owned()),
        ]
    }

    /// Sends `request` once and returns the answer whatever its status: no retry, for callers
    /// that apply their own policy (a platform's managed-identity endpoint documents its own).
    /// The endpoint was checked by the caller: a platform names its managed-identity endpoint in
    /// its own variables, plain http on loopback or link-local by design. Failing to connect or
    /// to read the whole answer is an error, as in [`Self::send`].
    pub async fn send_once(&self, request: &HttpRequest) -> Result<HttpExchange, HttpError> {
        log::debug!(
            "{:?} {} (no automatic retry)",
            request.method,
            request.endpoint()
        );
        let headers = self.headers();
        self.transport
            .exchange(request, &headers)
            .await
            .map_err(|failure| failure.error)
    }

    /// Sends one request, retrying once as the module doc describes.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        let endpoint = request.endpoint();
        check_transport(&request.url).map_err(|reason| HttpError::Insecure {
            endpoint: endpoint.clone(),
            reason,
        })?;
        log::debug!(
            "{:?} {endpoint} fields={:?}",
            request.method,
            request
                .form
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect::<Vec<_>>()
        );
        let headers = self.headers();
        let exchange = self.transport.exchange(request, &headers).await;
        match step(exchange, &endpoint) {
            Step::Done(outcome) => outcome,
            Step::Retry { after, error } => {
                log::info!(
                    "retrying {endpoint} in {} ms after: {error}",
                    after.as_millis()
                );
                tokio::time::sleep(after).await;
                let exchange = self.transport.exchange(request, &headers).await;
                match step(exchange, &endpoint) {
                    Step::Done(outcome) => outcome,
                    Step::Retry { error, .. } => Err(error),
                }
            }
        }
    }
}

/// The network, through reqwest over rustls.
#[derive(Debug)]
struct ReqwestTransport {
    client: reqwest::Client,
    timeout: Duration,
}

impl ReqwestTransport {
    fn new(config: &HttpConfig) -> Result<Self, HttpError> {
        let mut builder = with_proxies(reqwest::Client::builder(), &config.proxy)?
            .redirect(reqwest::redirect::Policy::custom(redirect_policy))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("msal/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_cert {
            let pem = crate::input_file::read(path, MAX_CA_FILE_BYTES).map_err(|e| {
                HttpError::Setup(format!(
                    "cannot read CA certificate file {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                HttpError::Setup(format!(
                    "{} holds no usable PEM certificate: {}",
                    path.display(),
                    error_chain(&e)
                ))
            })?;
            if certs.is_empty() {
                return Err(HttpError::Setup(format!(
                    "{} holds no PEM certificate",
                    path.display()
                )));
            }
            builder = builder.tls_certs_merge(certs);
        }
        if let Some(pin) = &config.pin {
            builder = builder.tls_backend_preconfigured(pin.client_config()?);
        }
        let client = builder
            .build()
            .map_err(|e| HttpError::Setup(format!("cannot set up HTTPS: {}", error_chain(&e))))?;
        Ok(Self {
            client,
            timeout: config.timeout,
        })
    }

    async fn exchange_once(
        &self,
        request: &HttpRequest,
        headers: &[(&'static str, String)],
    ) -> Exchange {
        let secrets = match SecretParts::of(request) {
            Ok(secrets) => secrets,
            Err(error) => {
                return Err(Failure {
                    error,
                    retryable: false,
                });
            }
        };
        let endpoint = request.endpoint();
        let fail = |error: HttpError, retryable: bool| Failure { error, retryable };
        let mut builder = match request.method {
            Method::Get => self.client.get(request.url.clone()),
            Method::Post => self.client.post(request.url.clone()),
        };
        for (name, value) in headers {
            builder = builder.header(*name, value.as_str());
        }
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        for (name, value) in &request.secret_headers {
            builder = builder.header(
                name.as_str(),
                sensitive(value.value()).map_err(|e| fail(e, false))?,
            );
        }
        if let Some(value) = &secrets.authorization {
            builder = builder.header(reqwest::header::AUTHORIZATION, value.clone());
        }
        if let Some(body) = &secrets.body {
            builder = builder
                .header(
                    reqwest::header::CONTENT_TYPE,
                    "application/x-www-form-urlencoded",
                )
                .body(body.clone());
        }

        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                return Err(fail(
                    HttpError::Timeout {
                        endpoint,
                        seconds: self.timeout.as_secs(),
                    },
                    false,
                ));
            }
            Err(e) if e.is_redirect() => {
                let reason = match find_cause::<RedirectRefused>(&e) {
                    Some(refused) => refused.to_string(),
                    None => format!("and failed: {}", error_chain(&e.without_url())),
                };
                return Err(fail(HttpError::Redirect { endpoint, reason }, false));
            }
            Err(e) => {
                let e = e.without_url();
                let reason = error_chain(&e);
                let last = match certificate_problem(&e) {
                    Some(problem) => HttpError::Certificate {
                        endpoint,
                        problem,
                        reason,
                    },
                    None => HttpError::Connect { endpoint, reason },
                };
                // A refused certificate is refused again: only a broken connection is retried.
                let retryable = matches!(last, HttpError::Connect { .. });
                return Err(fail(last, retryable));
            }
        };

        let status = response.status().as_u16();
        let retry_after = retry_after_secs(
            response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let www_authenticate = header(reqwest::header::WWW_AUTHENTICATE);
        let body = match self.read_body(&mut response, &endpoint).await {
            Ok(body) => body,
            Err(e @ (HttpError::Timeout { .. } | HttpError::BodyTooLarge { .. })) => {
                return Err(fail(e, false));
            }
            Err(e) => return Err(fail(e, true)),
        };
        log::debug!("{endpoint} answered HTTP {status}, {} bytes", body.len());
        Ok(HttpExchange {
            response: HttpResponse {
                status,
                content_type,
                body,
            },
            retry_after,
            www_authenticate,
        })
    }

    async fn read_body(
        &self,
        response: &mut reqwest::Response,
        endpoint: &str,
    ) -> Result<Vec<u8>, HttpError> {
        let too_large = || HttpError::BodyTooLarge {
            endpoint: endpoint.to_owned(),
            limit: MAX_BODY_BYTES,
        };
        if response
            .content_length()
            .is_some_and(|n| n > MAX_BODY_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY_BYTES {
                        return Err(too_large());
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => return Ok(body),
                Err(e) if e.is_timeout() => {
                    return Err(HttpError::Timeout {
                        endpoint: endpoint.to_owned(),
                        seconds: self.timeout.as_secs(),
                    });
                }
                Err(e) => {
                    return Err(HttpError::Connect {
                        endpoint: endpoint.to_owned(),
                        reason: format!("the answer broke off: {}", error_chain(&e.without_url())),
                    });
                }
            }
        }
    }
}

impl Transport for ReqwestTransport {
    fn exchange<'a>(
        &'a self,
        request: &'a HttpRequest,
        headers: &'a [(&'static str, String)],
    ) -> BoxFuture<'a, Exchange> {
        Box::pin(self.exchange_once(request, headers))
    }
}

/// The parts of a request that carry its secrets, encoded once for every attempt and handed to
/// the transport without a copy: their bytes stay in zeroizing buffers ([`Bytes::from_owner`]),
/// zeroed when the transport drops its last reference.
struct SecretParts {
    /// The form body of a POST.
    body: Option<Bytes>,
    /// The `Authorization` header, marked sensitive (HTTP/2's HPACK never indexes it, and
    /// reqwest's `Debug` hides it).
    authorization: Option<reqwest::header::HeaderValue>,
}

impl SecretParts {
    fn of(request: &HttpRequest) -> Result<Self, HttpError> {
        let body = (request.method == Method::Post).then(|| Bytes::from_owner(request.form_body()));
        let authorization = match &request.authorization {
            Some(value) => {
                let bytes = Zeroizing::new(value.value().as_bytes().to_vec());
                let mut value =
                    reqwest::header::HeaderValue::from_maybe_shared(Bytes::from_owner(bytes))
                        .map_err(|_| {
                            HttpError::Setup(
                                "the Authorization header is not valid header text".into(),
                            )
                        })?;
                value.set_sensitive(true);
                Some(value)
            }
            None => None,
        };
        Ok(Self {
            body,
            authorization,
        })
    }
}

/// Replaces reqwest's own reading of the proxy variables, which would send a loopback request
/// (a secret in clear, by the https-or-loopback rule) to a proxy, with the same variables plus
/// the destinations that are always direct ([`ProxyConfig::exclusions`]). The specific proxy
/// comes before `ALL_PROXY`, as curl and reqwest order them. A value that is not a usable URL
/// fails the run, named by its variable only: it may carry a password.
fn with_proxies(
    builder: reqwest::ClientBuilder,
    proxy: &ProxyConfig,
) -> Result<reqwest::ClientBuilder, HttpError> {
    type MakeProxy = fn(&str) -> reqwest::Result<reqwest::Proxy>;
    let mut builder = builder.no_proxy();
    let exclusions = proxy.exclusions();
    let candidates: [(&Option<(&'static str, String)>, MakeProxy); 3] = [
        (&proxy.http, |url| reqwest::Proxy::http(url)),
        (&proxy.https, |url| reqwest::Proxy::https(url)),
        (&proxy.all, |url| reqwest::Proxy::all(url)),
    ];
    for (setting, make) in candidates {
        let Some((variable, url)) = setting else {
            continue;
        };
        let proxy = make(url).map_err(|_| {
            HttpError::Setup(format!("the proxy in {variable} is not a usable URL"))
        })?;
        builder = builder.proxy(proxy.no_proxy(reqwest::NoProxy::from_string(&exclusions)));
    }
    Ok(builder)
}

/// Why a redirect was not followed.
#[derive(Debug)]
enum RedirectRefused {
    OtherOrigin(String),
    Insecure(String),
    TooMany,
}

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RedirectRefused::OtherOrigin(to) => write!(
                f,
                "to another origin ({to}); such a redirect is never followed, since the request \
                 would carry its secrets there"
            ),
            RedirectRefused::Insecure(reason) => write!(f, "to {reason}"),
            RedirectRefused::TooMany => write!(f, "more than {MAX_REDIRECTS} times"),
        }
    }
}

impl std::error::Error for RedirectRefused {}

/// Follows a redirect only to the origin of the original request, over an allowed transport, a
/// few times at most (see the module documentation).
fn redirect_policy(attempt: reqwest::redirect::Attempt<'_>) -> reqwest::redirect::Action {
    let next = attempt.url();
    let refusal = match attempt.previous().first() {
        _ if attempt.previous().len() > MAX_REDIRECTS => Some(RedirectRefused::TooMany),
        Some(first) if first.origin() != next.origin() => Some(RedirectRefused::OtherOrigin(
            next.origin().ascii_serialization(),
        )),
        _ => check_transport(next)
            .err()
            .map(|reason| RedirectRefused::Insecure(format!("{}: {reason}", endpoint_of(next)))),
    };
    match refusal {
        Some(refusal) => attempt.error(refusal),
        None => attempt.follow(),
    }
}

/// The first cause of type `T` in an error's chain.
fn find_cause<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        cause = e.source();
    }
    None
}

/// Why rustls refused the server's certificate, if that is what failed the connection. rustls's
/// error reaches us inside `io::Error`s (one from tokio-rustls, one from the connector), and an
/// `io::Error`'s `source()` skips the error it wraps, so the walk goes into what each wraps.
fn certificate_problem(error: &(dyn std::error::Error + 'static)) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(rustls::Error::InvalidCertificate(problem)) = e.downcast_ref::<rustls::Error>()
        {
            return Some(match problem {
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    CertificateProblem::OtherName
                }
                C::Expired
                | C::ExpiredContext { .. }
                | C::NotValidYet
                | C::NotValidYetContext { .. } => CertificateProblem::OutsideValidity,
                _ => CertificateProblem::Untrusted,
            });
        }
        cause = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

/// What to do with an answer's status before reading its body.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    /// Read the body: it is the answer.
    Read,
    /// Try once more after this pause.
    RetryAfter(Duration),
    /// Fail now: the server asked for a longer wait than the client grants.
    GiveUp,
}

/// A 429, or a 5xx with `Retry-After`, is retried after that delay when it is at most
/// [`MAX_RETRY_AFTER`] (after [`RETRY_PAUSE`] without one) and given up otherwise; another 5xx
/// is retried after [`RETRY_PAUSE`]; everything else is read.
fn verdict(status: u16, retry_after: Option<u64>) -> Verdict {
    if status == 429 || (status >= 500 && retry_after.is_some()) {
        return match retry_after.map(Duration::from_secs) {
            Some(wait) if wait <= MAX_RETRY_AFTER => Verdict::RetryAfter(wait),
            Some(_) => Verdict::GiveUp,
            None => Verdict::RetryAfter(RETRY_PAUSE),
        };
    }
    if status >= 500 {
        return Verdict::RetryAfter(RETRY_PAUSE);
    }
    Verdict::Read
}

/// `Retry-After` in seconds (RFC 9110 §10.2.3). The HTTP-date form is not read: identity
/// providers send seconds, and a date would need the local clock to be trusted.
fn retry_after_secs(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| v.trim().parse::<u64>().ok())
}

/// A header value that the transport must treat as a secret (never in its own debug output).
fn sensitive(value: &str) -> Result<reqwest::header::HeaderValue, HttpError> {
    let mut value = reqwest::header::HeaderValue::from_str(value)
        .map_err(|_| HttpError::Setup("a secret header value is not valid header text".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// An error and its causes on one line, skipping causes that repeat their parent's text.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if parts.last().is_none_or(|last| !last.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn retry_verdicts() {
        assert_eq!(verdict(200, Some(5)), Verdict::Read);
        assert_eq!(verdict(400, None), Verdict::Read);
        assert_eq!(verdict(429, None), Verdict::RetryAfter(RETRY_PAUSE));
        assert_eq!(
            verdict(503, Some(3)),
            Verdict::RetryAfter(Duration::from_secs(3))
        );
        assert_eq!(verdict(503, Some(u64::MAX)), Verdict::GiveUp);
        assert_eq!(verdict(502, None), Verdict::RetryAfter(RETRY_PAUSE));
        assert_eq!(retry_after_secs(Some(" 7 ")), Some(7));
        assert_eq!(retry_after_secs(Some("18446744073709551616")), None);
        assert_eq!(
            retry_after_secs(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }

    fn answer(status: u16, retry_after: Option<u64>) -> Exchange {
        Ok(HttpExchange {
            response: HttpResponse {
                status,
                content_type: None,
                body: Vec::new(),
            },
            retry_after,
            www_authenticate: None,
        })
    }

    fn failure(retryable: bool) -> Exchange {
        Err(Failure {
            error: HttpError::Connect {
                endpoint: "https://idp.example/token".into(),
                reason: "refused".into(),
            },
            retryable,
        })
    }

    /// What becomes of each kind of exchange: (exchange, retried after, final status or error).
    #[test]
    fn retry_steps() {
        let e = "https://idp.example/token";
        let cases: Vec<(Exchange, Option<Duration>, Result<u16, &str>)> = vec![
            (answer(200, None), None, Ok(200)),
            (answer(400, Some(1)), None, Ok(400)),
            (answer(401, None), None, Ok(401)),
            (
                answer(429, Some(2)),
                Some(Duration::from_secs(2)),
                Err("unavailable"),
            ),
            (answer(429, None), Some(RETRY_PAUSE), Err("unavailable")),
            (answer(503, Some(11)), None, Err("unavailable")),
            (answer(500, None), Some(RETRY_PAUSE), Err("unavailable")),
            (failure(true), Some(RETRY_PAUSE), Err("could not reach")),
            (failure(false), None, Err("could not reach")),
        ];
        for (exchange, retry, outcome) in cases {
            let (after, result) = match step(exchange, e) {
                Step::Done(result) => (None, result),
                Step::Retry { after, error } => (Some(after), Err(error)),
            };
            assert_eq!(after, retry);
            match (result, outcome) {
                (Ok(response), Ok(status)) => assert_eq!(response.status, status),
                (Err(error), Err(text)) => assert!(error.to_string().contains(text), "{error}"),
                (other, expected) => panic!("{other:?} where {expected:?} was expected"),
            }
        }
    }

    /// An error that wraps another, as hyper's and reqwest's do.
    #[derive(Debug)]
    struct Wrapper(Box<dyn std::error::Error + Send + Sync>);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&*self.0)
        }
    }

    #[test]
    fn a_refused_certificate_is_told_apart_by_rustls_error_type() {
        use rustls::CertificateError as C;
        let cases = [
            (C::UnknownIssuer, Some(CertificateProblem::Untrusted)),
            (C::BadSignature, Some(CertificateProblem::Untrusted)),
            (C::NotValidForName, Some(CertificateProblem::OtherName)),
            (C::Expired, Some(CertificateProblem::OutsideValidity)),
            (C::NotValidYet, Some(CertificateProblem::OutsideValidity)),
        ];
        for (rustls_error, expected) in cases {
            // As reqwest reports it: tokio-rustls's io::Error inside the connector's.
            let io = std::io::Error::other(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                rustls::Error::InvalidCertificate(rustls_error),
            ));
            let chain = Wrapper(Box::new(io));
            assert_eq!(certificate_problem(&chain), expected);
        }
        let refused = Wrapper(Box::new(std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused,
        )));
        assert_eq!(certificate_problem(&refused), None);
        let other_tls = Wrapper(Box::new(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::DecryptError,
        )));
        assert_eq!(certificate_problem(&other_tls), None);
    }

    proptest! {
        /// Whatever `Retry-After` a server sends, the client waits at most `MAX_RETRY_AFTER`.
        #[test]
        fn retry_after_waits_are_bounded(status in 100u16..600, header in prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[ -~]{0,30}",
        ]) {
            if let Verdict::RetryAfter(wait) = verdict(status, retry_after_secs(Some(&header))) {
                prop_assert!(wait <= MAX_RETRY_AFTER);
            }
        }
    }
}
