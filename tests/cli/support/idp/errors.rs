//! Entra-shaped OAuth error answers: `error`, `error_codes`, an `error_description` that starts
//! with `AADSTS<code>:` and ends with the trace id, correlation id and timestamp, as Entra writes
//! them. Each one sent is recorded for tests to read back.

use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use super::http::{RecordedRequest, Response};
use super::server::Server;
use super::state::IssuedError;

impl Server {
    /// An Entra-shaped OAuth error response, recorded in `issued_errors`.
    pub fn entra_error(
        &self,
        req: &RecordedRequest,
        status: u16,
        error: &str,
        code: u32,
        message: &str,
    ) -> Response {
        let trace_id = uuid::Uuid::new_v4().to_string();
        let correlation_id = req
            .header("client-request-id")
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let timestamp = entra_timestamp(OffsetDateTime::now_utc());
        let description = format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        );
        self.state().errors.push(IssuedError {
            error: error.to_owned(),
            code,
            correlation_id: correlation_id.clone(),
        });
        Response::json(
            status,
            &json!({
                "error": error,
                "error_description": description,
                "error_codes": [code],
                "timestamp": timestamp,
                "trace_id": trace_id,
                "correlation_id": correlation_id,
                "error_uri": format!("{}/error?code={code}", self.base_url),
            }),
        )
    }
}

/// AADSTS90002: no tenant of that name or id.
pub(super) fn invalid_tenant(server: &Server, req: &RecordedRequest, t: &str) -> Response {
    server.entra_error(
        req,
        400,
        "invalid_tenant",
        90002,
        &format!(
            "Tenant '{t}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud."
        ),
    )
}

/// An OAuth error to answer with: (HTTP status, `error`, AADSTS code, message).
pub(super) type Refusal = (u16, &'static str, u32, String);

/// A [`Refusal`] (for grants that decide under the state lock and answer after it).
pub(super) fn refuse(
    status: u16,
    error: &'static str,
    code: u32,
    msg: impl Into<String>,
) -> Refusal {
    (status, error, code, msg.into())
}

/// AADSTS900144: a parameter the request must have is missing.
pub(super) fn missing_parameter(name: &str) -> Refusal {
    refuse(
        400,
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

/// The Entra-shaped answer to a [`Refusal`].
pub(super) fn answer(server: &Server, req: &RecordedRequest, refusal: Refusal) -> Response {
    let (status, error, code, msg) = refusal;
    server.entra_error(req, status, error, code, &msg)
}

/// Entra's timestamp format: `2026-11-26 14:23:11Z`.
fn entra_timestamp(at: OffsetDateTime) -> String {
    at.format(format_description!(
        "[year]-[month]-[day] [hour]:[minute]:[second]Z"
    ))
    .expect("a UTC time formats")
}
