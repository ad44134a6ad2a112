//! The one HTTP client: reqwest over rustls (aws-lc-rs), with the MSAL request headers, a
//! per-request timeout, a cap on response bodies and one bounded retry.
//!
//! Retry policy (DESIGN §3, as MSAL does): a 5xx or a connection failure is retried once; a 429
//! or 503 carrying `Retry-After` is retried once after that delay when it is at most
//! [`MAX_RETRY_AFTER`], and fails at once otherwise, so a run never hangs on a server's say-so.
//! Timeouts are not retried: doubling a wait the user bounded with `--timeout` would surprise.

use std::path::PathBuf;
use std::time::Duration;

use super::{HttpError, HttpRequest, HttpResponse, Method, ServerPin};

/// Longest `Retry-After` the client will wait for before retrying.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// Pause before retrying a 5xx or a connection failure that carried no `Retry-After`.
const RETRY_PAUSE: Duration = Duration::from_millis(500);

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
            pin: None,
        }
    }
}

/// Sends [`HttpRequest`]s and reads their responses in full.
#[derive(Debug)]
pub struct HttpClient {
    client: reqwest::Client,
    config: HttpConfig,
}

enum Attempt {
    Done(HttpResponse),
    Retry { after: Duration, last: HttpError },
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
    /// Builds a client. Proxies come from `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY`; the platform's
    /// trust roots (and `SSL_CERT_FILE`) plus `ca_cert` are trusted.
    pub fn new(config: HttpConfig) -> Result<Self, HttpError> {
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("msal/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path).map_err(|e| {
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
        Ok(Self { client, config })
    }

    /// The correlation id sent with every request.
    pub fn correlation_id(&self) -> &str {
        &self.config.correlation_id
    }

    /// Sends one request, retrying once as the module doc describes.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        match self.attempt(request).await? {
            Attempt::Done(response) => Ok(response),
            Attempt::Retry { after, last } => {
                log::info!(
                    "retrying {} in {} ms after: {last}",
                    request.endpoint(),
                    after.as_millis()
                );
                tokio::time::sleep(after).await;
                match self.attempt(request).await? {
                    Attempt::Done(response) => Ok(response),
                    Attempt::Retry { last, .. } => Err(last),
                }
            }
        }
    }

    async fn attempt(&self, request: &HttpRequest) -> Result<Attempt, HttpError> {
        let endpoint = request.endpoint();
        log::debug!(
            "{:?} {endpoint} fields={:?}",
            request.method,
            request
                .form
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect::<Vec<_>>()
        );
        let builder = self.builder(request)?;

        let mut response = match builder.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                return Err(HttpError::Timeout {
                    endpoint,
                    seconds: self.config.timeout.as_secs(),
                });
            }
            Err(e) => {
                let last = HttpError::Connect {
                    endpoint,
                    reason: error_chain(&e.without_url()),
                };
                return Ok(Attempt::Retry {
                    after: RETRY_PAUSE,
                    last,
                });
            }
        };

        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok());
        if status == 429 || (status >= 500 && retry_after.is_some()) {
            let last = HttpError::Unavailable {
                endpoint,
                status,
                retry_after,
            };
            return match retry_after.map(Duration::from_secs) {
                Some(wait) if wait <= MAX_RETRY_AFTER => Ok(Attempt::Retry { after: wait, last }),
                Some(_) => Err(last),
                None => Ok(Attempt::Retry {
                    after: RETRY_PAUSE,
                    last,
                }),
            };
        }
        if status >= 500 {
            let last = HttpError::Unavailable {
                endpoint,
                status,
                retry_after,
            };
            return Ok(Attempt::Retry {
                after: RETRY_PAUSE,
                last,
            });
        }

        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = match self.read_body(&mut response, &endpoint).await {
            Ok(body) => body,
            Err(e @ (HttpError::Timeout { .. } | HttpError::BodyTooLarge { .. })) => return Err(e),
            Err(last) => {
                return Ok(Attempt::Retry {
                    after: RETRY_PAUSE,
                    last,
                });
            }
        };
        log::debug!("{endpoint} answered HTTP {status}, {} bytes", body.len());
        Ok(Attempt::Done(HttpResponse {
            status,
            content_type,
            body,
        }))
    }

    /// The transport request for `request`: the MSAL headers of DESIGN §3, its own headers, its
    /// secrets marked sensitive, its form body.
    fn builder(&self, request: &HttpRequest) -> Result<reqwest::RequestBuilder, HttpError> {
        let mut builder = match request.method {
            Method::Get => self.client.get(request.url.clone()),
            Method::Post => self.client.post(request.url.clone()),
        };
        builder = builder
            .header("x-client-sku", "msal.rs")
            .header("x-client-ver", env!("CARGO_PKG_VERSION"))
            .header("x-client-os", std::env::consts::OS)
            .header("client-request-id", &self.config.correlation_id)
            .header("return-client-request-id", "true")
            .header("x-ms-lib-capability", "retry-after, h429")
            .header("accept", "application/json");
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        for (name, value) in &request.secret_headers {
            builder = builder.header(name.as_str(), sensitive(value.value())?);
        }
        if let Some(authorization) = &request.authorization {
            let mut value =
                reqwest::header::HeaderValue::from_str(authorization.value()).map_err(|_| {
                    HttpError::Setup("the Authorization header is not valid header text".into())
                })?;
            value.set_sensitive(true);
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        if request.method == Method::Post {
            let pairs: Vec<(&str, &str)> = request
                .form
                .iter()
                .map(|(k, v)| (k.as_str(), v.value()))
                .collect();
            builder = builder.form(&pairs);
        }
        Ok(builder)
    }

    /// Sends `request` once and returns the answer whatever its status: no retry, for callers
    /// that apply their own policy (a platform's managed-identity endpoint documents its own).
    /// Failing to connect or to read the whole answer is an error, as in [`Self::send`].
    pub async fn send_once(&self, request: &HttpRequest) -> Result<HttpExchange, HttpError> {
        let endpoint = request.endpoint();
        log::debug!("{:?} {endpoint} (no automatic retry)", request.method);
        let mut response = match self.builder(request)?.send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => {
                return Err(HttpError::Timeout {
                    endpoint,
                    seconds: self.config.timeout.as_secs(),
                });
            }
            Err(e) => {
                return Err(HttpError::Connect {
                    endpoint,
                    reason: error_chain(&e.without_url()),
                });
            }
        };
        let header = |name: reqwest::header::HeaderName| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header(reqwest::header::RETRY_AFTER).and_then(|v| v.trim().parse().ok());
        let www_authenticate = header(reqwest::header::WWW_AUTHENTICATE);
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let status = response.status().as_u16();
        let body = self.read_body(&mut response, &endpoint).await?;
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
                        seconds: self.config.timeout.as_secs(),
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
