//! The one HTTP client: reqwest over rustls. Filled in by the http work.

use std::path::PathBuf;
use std::time::Duration;

use super::{HttpError, HttpRequest, HttpResponse};

/// How the client talks to the network.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Per-request timeout.
    pub timeout: Duration,
    /// Extra PEM trust anchors (`--ca-cert`).
    pub ca_cert: Option<PathBuf>,
}

/// Sends [`HttpRequest`]s.
#[derive(Debug)]
pub struct HttpClient {
    _config: HttpConfig,
}

impl HttpClient {
    /// Builds a client.
    pub fn new(config: HttpConfig) -> Result<Self, HttpError> {
        Ok(Self { _config: config })
    }

    /// Sends one request.
    pub async fn send(&self, request: &HttpRequest) -> Result<HttpResponse, HttpError> {
        Err(HttpError::Setup(format!("not implemented: {}", request.endpoint())))
    }
}
