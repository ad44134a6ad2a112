//! Requests that local clients send to msal's own loopback servers (the sign-in redirect
//! listener, `msal serve`): request heads parsed by httparse, with everything a client controls
//! bounded (head size, header count, body size), since any local process can connect.
//!
//! A [`RequestReader`] belongs to one connection and keeps what a client sent beyond one request
//! (a pipelined next request), so a server that keeps connections open reads them in turn.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt as _};

/// What one request may cost.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Request line and headers.
    pub head: usize,
    /// Header fields.
    pub headers: usize,
    /// A POST body.
    pub body: usize,
}

/// After an error answer, how much more of an unread request is drained (so the client sees the
/// answer rather than a reset), and for how long.
const DRAIN_BYTES: usize = 256 * 1024;
const DRAIN_TIME: std::time::Duration = std::time::Duration::from_secs(1);

/// The request methods these servers tell apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Other,
}

/// A request read in full.
pub(crate) struct Request {
    pub method: Method,
    /// The target's path, as sent (not percent-decoded).
    pub path: String,
    /// The target's query, without `?` (empty when there is none).
    pub query: String,
    /// Header fields in the order sent; names as sent.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The announced body length; only a POST body is read ([`Request::body`]).
    pub content_length: Option<u64>,
    pub body: Vec<u8>,
    /// HTTP/1.0, or `Connection: close`: the client expects the connection to end with the
    /// answer.
    pub close: bool,
}

impl Request {
    /// The values of every header field named `name` (case-insensitive).
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
}

// Header values may carry secrets (`msal serve`'s identity header): names only.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field(
                "headers",
                &self.headers.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("content_length", &self.content_length)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field("close", &self.close)
            .finish()
    }
}

/// A request refused before it was read in full. The connection cannot be trusted to be in
/// step after one, so it is answered and closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    Malformed,
    HeadTooLarge,
    BodyTooLarge,
    LengthRequired,
}

impl Refusal {
    pub fn status(self) -> u16 {
        match self {
            Refusal::Malformed => 400,
            Refusal::HeadTooLarge => 431,
            Refusal::BodyTooLarge => 413,
            Refusal::LengthRequired => 411,
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::Malformed => "Malformed request.",
            Refusal::HeadTooLarge => "Request headers too large.",
            Refusal::BodyTooLarge => "Request too large.",
            Refusal::LengthRequired => "A POST needs a Content-Length.",
        }
    }
}

/// The reason phrase of the statuses these servers send.
pub(crate) fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        411 => "Length Required",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Reads the requests of one connection.
#[derive(Debug, Default)]
pub(crate) struct RequestReader {
    /// Bytes received and not yet part of a request read.
    buffer: Vec<u8>,
}

impl RequestReader {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether the client already sent (part of) another request.
    pub fn has_buffered(&self) -> bool {
        !self.buffer.is_empty()
    }

    /// Reads one request: the head up to `limits.head` bytes, then a POST body of its
    /// `Content-Length` up to `limits.body` bytes. An I/O error or an end of stream before a
    /// whole request is `Err`; a request refused is `Ok(Err(_))`.
    pub async fn read<S: AsyncRead + Unpin>(
        &mut self,
        stream: &mut S,
        limits: &Limits,
    ) -> io::Result<Result<Request, Refusal>> {
        let mut chunk = [0u8; 4096];
        let head = loop {
            if !self.buffer.is_empty() {
                match parse_head(&self.buffer, limits) {
                    Ok(Some(head)) => break head,
                    Ok(None) => {}
                    Err(refusal) => return Ok(Err(refusal)),
                }
            }
            let room = limits
                .head
                .saturating_sub(self.buffer.len())
                .min(chunk.len());
            if room == 0 {
                return Ok(Err(Refusal::HeadTooLarge));
            }
            let n = stream.read(&mut chunk[..room]).await?;
            if n == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            self.buffer.extend_from_slice(&chunk[..n]);
        };
        let mut rest = self.buffer.split_off(head.len);
        self.buffer = Vec::new();
        let (path, query) = match head.target.split_once('?') {
            Some((path, query)) => (path.to_owned(), query.to_owned()),
            None => (head.target, String::new()),
        };
        let mut body = Vec::new();
        if head.method == Method::Post {
            let Some(length) = head.content_length else {
                return Ok(Err(Refusal::LengthRequired));
            };
            if length > limits.body as u64 {
                return Ok(Err(Refusal::BodyTooLarge));
            }
            // Bounded by the check above.
            let length = length as usize;
            if rest.len() > length {
                self.buffer = rest.split_off(length);
            }
            body = rest;
            while body.len() < length {
                let want = (length - body.len()).min(chunk.len());
                let n = stream.read(&mut chunk[..want]).await?;
                if n == 0 {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                }
                body.extend_from_slice(&chunk[..n]);
            }
        } else {
            self.buffer = rest;
        }
        Ok(Ok(Request {
            method: head.method,
            path,
            query,
            headers: head.headers,
            content_length: head.content_length,
            body,
            close: head.close,
        }))
    }
}

/// A complete request head.
struct Head {
    len: usize,
    method: Method,
    target: String,
    headers: Vec<(String, Vec<u8>)>,
    content_length: Option<u64>,
    close: bool,
}

/// The head at the start of `buffer`, `None` while it is incomplete.
fn parse_head(buffer: &[u8], limits: &Limits) -> Result<Option<Head>, Refusal> {
    let mut fields = vec![httparse::EMPTY_HEADER; limits.headers];
    let mut parsed = httparse::Request::new(&mut fields);
    match parsed.parse(buffer) {
        Ok(httparse::Status::Complete(len)) => {
            let method = match parsed.method {
                Some("GET") => Method::Get,
                Some("POST") => Method::Post,
                _ => Method::Other,
            };
            let content_length = content_length(parsed.headers)?;
            let close = parsed.version != Some(1)
                || parsed.headers.iter().any(|h| {
                    h.name.eq_ignore_ascii_case("connection")
                        && h.value
                            .split(|b| *b == b',')
                            .any(|token| token.trim_ascii().eq_ignore_ascii_case(b"close"))
                });
            Ok(Some(Head {
                len,
                method,
                target: parsed.path.unwrap_or_default().to_owned(),
                headers: parsed
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), h.value.to_vec()))
                    .collect(),
                content_length,
                close,
            }))
        }
        Ok(httparse::Status::Partial) => Ok(None),
        Err(httparse::Error::TooManyHeaders) => Err(Refusal::HeadTooLarge),
        Err(_) => Err(Refusal::Malformed),
    }
}

/// The body length a request announces. A chunked body is refused: local clients send a
/// `Content-Length`, and two framings (or two different lengths) are a smuggling attempt.
fn content_length(headers: &[httparse::Header<'_>]) -> Result<Option<u64>, Refusal> {
    let mut length = None;
    for header in headers {
        if header.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Refusal::LengthRequired);
        }
        if header.name.eq_ignore_ascii_case("content-length") {
            let value = std::str::from_utf8(header.value)
                .ok()
                .map(str::trim)
                .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|v| v.parse::<u64>().ok())
                .ok_or(Refusal::Malformed)?;
            if length.is_some_and(|l| l != value) {
                return Err(Refusal::Malformed);
            }
            length = Some(value);
        }
    }
    Ok(length)
}

/// Reads and discards what the client is still sending, a bounded amount for a bounded time:
/// closing a socket with unread data resets the connection, and the client would lose the
/// answer just written.
pub(crate) async fn drain<S: AsyncRead + Unpin>(stream: &mut S) {
    let mut chunk = [0u8; 4096];
    let mut left = DRAIN_BYTES;
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        while left > 0 {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => left = left.saturating_sub(n),
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        head: 1024,
        headers: 8,
        body: 64,
    };

    async fn read_all(input: &[u8]) -> Vec<Result<Request, Refusal>> {
        let mut stream = input;
        let mut reader = RequestReader::new();
        let mut out = Vec::new();
        while let Ok(request) = reader.read(&mut stream, &LIMITS).await {
            let refused = request.is_err();
            out.push(request);
            if refused {
                break;
            }
        }
        out
    }

    #[tokio::test]
    async fn reads_pipelined_requests_in_turn() {
        let input = b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\nX-Secret: s\r\n\r\n\
                      POST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\
                      GET /c HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n";
        let requests = read_all(input).await;
        assert_eq!(requests.len(), 3);
        let [a, b, c] = [&requests[0], &requests[1], &requests[2]].map(|r| r.as_ref().unwrap());
        assert_eq!(
            (a.method, a.path.as_str(), a.query.as_str()),
            (Method::Get, "/a", "x=1")
        );
        assert_eq!(a.header_values("x-secret").collect::<Vec<_>>(), [b"s"]);
        assert!(!a.close);
        assert!(
            !format!("{a:?}").contains("\"s\""),
            "header values stay out of Debug"
        );
        assert_eq!((b.method, b.body.as_slice()), (Method::Post, &b"abc"[..]));
        assert_eq!(c.path, "/c");
        assert!(c.close);
    }

    #[tokio::test]
    async fn http_1_0_closes_and_limits_hold() {
        let old = read_all(b"GET / HTTP/1.0\r\n\r\n").await;
        assert!(old[0].as_ref().unwrap().close);
        let cases: [(&[u8], Refusal); 4] = [
            (&[b'a'; 2000], Refusal::HeadTooLarge),
            (
                b"GET / HTTP/1.1\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\nE: 1\r\nF: 1\r\nG: 1\r\nH: 1\r\nI: 1\r\n\r\n",
                Refusal::HeadTooLarge,
            ),
            (
                b"POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n",
                Refusal::BodyTooLarge,
            ),
            (
                b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                Refusal::Malformed,
            ),
        ];
        for (input, refusal) in cases {
            let requests = read_all(input).await;
            assert!(
                matches!(requests.last(), Some(Err(r)) if *r == refusal),
                "{refusal:?}"
            );
        }
    }
}
