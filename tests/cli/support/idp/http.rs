//! Minimal HTTP/1.1 for the test identity provider: a request line, headers, and a
//! `Content-Length` body capped at 1 MiB (no chunked bodies), recorded as a [`RecordedRequest`];
//! a [`Response`] written with `Content-Length` and `Connection: close`.

use std::fmt;
use std::io::{self, Read, Write};

use serde_json::{Value, json};

const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// One request as the IdP received it.
#[derive(Clone)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target exactly as sent (origin form, or absolute form through a proxy).
    pub target: String,
    /// The path without query (for an absolute-form target, without scheme and host).
    pub path: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Headers with lowercased names, in order.
    pub headers: Vec<(String, String)>,
    /// Decoded `application/x-www-form-urlencoded` body pairs (empty for other bodies).
    pub form: Vec<(String, String)>,
    /// The raw body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The first header with this (case-insensitive) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first form field with this name.
    pub fn form(&self, name: &str) -> Option<&str> {
        self.form
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first query parameter with this name.
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether this is a POST to a token endpoint.
    pub fn is_token_request(&self) -> bool {
        self.method == "POST" && self.path.ends_with("/oauth2/v2.0/token")
    }
}

impl fmt::Debug for RecordedRequest {
    // Only method and path: form fields and headers carry secrets and assertions.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

/// An HTTP response a route produces.
#[derive(Clone, Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Extra headers (Content-Length and Connection are added when writing).
    pub headers: Vec<(String, String)>,
    /// Body bytes.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON response.
    pub fn json(status: u16, value: &Value) -> Self {
        Self {
            status,
            headers: vec![
                (
                    "Content-Type".into(),
                    "application/json; charset=utf-8".into(),
                ),
                ("Cache-Control".into(), "no-store, no-cache".into()),
                ("Pragma".into(), "no-cache".into()),
            ],
            body: value.to_string().into_bytes(),
        }
    }

    /// A response with this content type and body.
    pub fn with_body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// Add a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Ok(None): nothing to answer. Err(resp): a malformed request, answered with `resp`.
pub(super) fn read_request(conn: &mut impl Read) -> Result<Option<RecordedRequest>, Response> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(pos) = find(&buf, b"\r\n\r\n") {
            break pos;
        }
        if buf.len() > MAX_HEADER_BYTES {
            return Err(Response::json(
                431,
                &json!({"error": "invalid_request", "error_description": "headers too large"}),
            ));
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(bad_request("malformed request line"));
    };
    if !version.starts_with("HTTP/1.") {
        return Err(bad_request("unsupported HTTP version"));
    }
    let mut headers = Vec::new();
    for line in lines {
        let Some((k, v)) = line.split_once(':') else {
            return Err(bad_request("malformed header"));
        };
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if header("transfer-encoding").is_some() {
        return Err(Response::json(
            411,
            &json!({"error": "invalid_request", "error_description": "Content-Length required"}),
        ));
    }
    let content_length = match header("content-length") {
        None => 0,
        Some(v) => v
            .parse::<usize>()
            .map_err(|_| bad_request("bad Content-Length"))?,
    };
    if content_length > MAX_BODY_BYTES {
        return Err(Response::json(
            413,
            &json!({"error": "invalid_request", "error_description": "request body too large"}),
        ));
    }
    let mut body = buf[header_end + 4..].to_vec();
    while body.len() < content_length {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return Ok(None),
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(content_length);

    // Absolute form (a client talking to us as a proxy): strip scheme and authority.
    let absolute = (!target.starts_with('/'))
        .then(|| target.split_once("://"))
        .flatten();
    let origin_form = match absolute {
        Some((_, rest)) => match rest.find('/') {
            Some(i) => rest[i..].to_owned(),
            None => "/".to_owned(),
        },
        None => target.to_owned(),
    };
    let (path, query) = match origin_form.split_once('?') {
        Some((p, q)) => (p.to_owned(), parse_urlencoded(q.as_bytes())),
        None => (origin_form.clone(), Vec::new()),
    };
    let is_form = header("content-type").is_some_and(|ct| {
        ct.to_ascii_lowercase()
            .starts_with("application/x-www-form-urlencoded")
    });
    let form = if is_form {
        parse_urlencoded(&body)
    } else {
        Vec::new()
    };
    Ok(Some(RecordedRequest {
        method: method.to_owned(),
        target: target.to_owned(),
        path,
        query,
        headers,
        form,
        body,
    }))
}

fn bad_request(msg: &str) -> Response {
    Response::json(
        400,
        &json!({"error": "invalid_request", "error_description": msg}),
    )
}

fn parse_urlencoded(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Status line and headers, with `Content-Length` and `Connection: close`.
pub(super) fn response_head(resp: &Response, content_length: usize) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
    ));
    head.into_bytes()
}

/// Writes a whole response.
pub(super) fn write_response(conn: &mut impl Write, resp: &Response) -> io::Result<()> {
    conn.write_all(&response_head(resp, resp.body.len()))?;
    conn.write_all(&resp.body)?;
    conn.flush()
}

/// The reason phrase of a status.
pub(super) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}
