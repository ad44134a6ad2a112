//! Faults the test identity provider injects: error statuses, throttling, delays, slow or cut
//! bodies, HTML where JSON belongs, malformed or oversized JSON, closed connections. A rule applies
//! to the next N requests whose path contains a string; the request is recorded either way.

use std::io::Write;
use std::time::Duration;

use super::http::{RecordedRequest, Response, reason, response_head, write_response};
use super::routes::route;
use super::server::{Conn, Server};

/// What the IdP does instead of (or on top of) its normal answer.
#[derive(Clone, Debug)]
pub enum Fault {
    /// This HTTP status with an Entra-shaped JSON error body.
    Status(u16),
    /// 429 with an optional `Retry-After` (seconds) header and an Entra-shaped JSON body.
    TooManyRequests {
        /// `Retry-After` value in seconds, if any.
        retry_after: Option<u64>,
    },
    /// Wait this long before answering normally (interrupted when the IdP stops).
    Delay(Duration),
    /// Send the normal answer's headers, then dribble its body over this long.
    SlowBody(Duration),
    /// 200 with an HTML page (`text/html`), like a captive portal or a proxy login page.
    Html,
    /// This status with an HTML error page.
    HtmlError(u16),
    /// 200 `application/json` whose body is truncated JSON.
    MalformedJson,
    /// 200 `application/json` with a body of this many bytes, streamed.
    Oversized(usize),
    /// Headers (with the full `Content-Length`) and half of the normal body, then close.
    ResetMidBody,
    /// Read the request, then close the connection without a byte of response.
    CloseWithoutResponse,
    /// This status with no body at all (`Content-Length: 0`, no content type), as some
    /// gateways and identity providers refuse a request.
    EmptyBody(u16),
}

/// A fault that applies to the next `times` requests whose path contains `path_contains`.
#[derive(Clone, Debug)]
pub struct FaultRule {
    /// Substring of the request path (without query) that selects requests.
    pub path_contains: String,
    /// What to do.
    pub fault: Fault,
    /// How many matching requests it applies to.
    pub times: usize,
}

impl FaultRule {
    /// A rule that applies once to requests whose path contains `path_contains`.
    pub fn new(path_contains: &str, fault: Fault) -> Self {
        Self {
            path_contains: path_contains.to_owned(),
            fault,
            times: 1,
        }
    }

    /// Apply to this many matching requests.
    pub fn times(mut self, times: usize) -> Self {
        self.times = times;
        self
    }
}

/// Answers `req` on `conn` as `fault` says (the normal answer comes from the routes).
pub(super) fn apply_fault(server: &Server, mut conn: Conn, req: &RecordedRequest, fault: Fault) {
    match fault {
        Fault::Status(status) => {
            let (error, code, msg) = match status {
                500..=599 => (
                    "temporarily_unavailable",
                    90033,
                    "A transient error has occurred. Please try again.",
                ),
                429 => (
                    "temporarily_unavailable",
                    50196,
                    "The server terminated an operation because it encountered a client request loop.",
                ),
                _ => (
                    "invalid_request",
                    90000,
                    "The request was rejected by a fault injected in the test IdP.",
                ),
            };
            let resp = server.entra_error(req, status, error, code, msg);
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Fault::TooManyRequests { retry_after } => {
            let mut resp = server.entra_error(
                req,
                429,
                "temporarily_unavailable",
                50196,
                "The server is throttling this client. Retry after the time given in Retry-After.",
            );
            if let Some(secs) = retry_after {
                resp = resp.header("Retry-After", &secs.to_string());
            }
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Fault::Delay(d) => {
            if !server.sleep(d) {
                conn.abort();
                return;
            }
            let resp = route(server, req);
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Fault::SlowBody(d) => {
            let resp = route(server, req);
            if conn
                .write_all(&response_head(&resp, resp.body.len()))
                .and_then(|()| conn.flush())
                .is_err()
            {
                return;
            }
            let pieces = 20usize;
            let step = resp.body.len().div_ceil(pieces).max(1);
            for piece in resp.body.chunks(step) {
                if !server.sleep(d / pieces as u32) {
                    conn.abort();
                    return;
                }
                if conn.write_all(piece).and_then(|()| conn.flush()).is_err() {
                    return;
                }
            }
            conn.finish();
        }
        Fault::Html => {
            let resp = Response::with_body(200, "text/html; charset=utf-8", html_page("Sign in"));
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Fault::HtmlError(status) => {
            let resp = Response::with_body(
                status,
                "text/html; charset=utf-8",
                html_page(&format!("{status} {}", reason(status))),
            );
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Fault::MalformedJson => {
            let resp = Response::with_body(
                200,
                "application/json; charset=utf-8",
                r#"{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"eyJ0eXAiOiJKV1Qi"#,
            );
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Fault::Oversized(size) => {
            let head = Response::with_body(200, "application/json; charset=utf-8", Vec::new());
            if conn.write_all(&response_head(&head, size)).is_err() {
                return;
            }
            // A JSON-looking body: {"token_type":…,"access_token":"AAAA…"}
            let (prefix, suffix): (&[u8], &[u8]) = {
                let p: &[u8] = br#"{"token_type":"Bearer","expires_in":3599,"access_token":""#;
                let s: &[u8] = br#""}"#;
                if size >= p.len() + s.len() {
                    (p, s)
                } else {
                    (b"", b"")
                }
            };
            if conn.write_all(prefix).is_err() {
                return;
            }
            let filler = vec![b'A'; 64 * 1024];
            let mut remaining = size - prefix.len() - suffix.len();
            while remaining > 0 {
                if server.stopping() {
                    conn.abort();
                    return;
                }
                let n = remaining.min(filler.len());
                if conn.write_all(&filler[..n]).is_err() {
                    return;
                }
                remaining -= n;
            }
            if conn.write_all(suffix).is_err() {
                return;
            }
            conn.finish();
        }
        Fault::ResetMidBody => {
            let resp = route(server, req);
            let half = resp.body.len() / 2;
            let _ = conn
                .write_all(&response_head(&resp, resp.body.len()))
                .and_then(|()| conn.write_all(&resp.body[..half]))
                .and_then(|()| conn.flush());
            conn.abort();
        }
        Fault::CloseWithoutResponse => conn.abort(),
        Fault::EmptyBody(status) => {
            let resp = Response {
                status,
                headers: Vec::new(),
                body: Vec::new(),
            };
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
    }
}

fn html_page(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{title}</title></head>\
         <body><h1>{title}</h1><form method=\"post\" action=\"/login\">\
         <input name=\"user\"></form></body></html>\n"
    )
}
