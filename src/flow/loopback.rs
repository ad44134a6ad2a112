//! The loopback redirect listener of a native app's sign-in (RFC 8252 §7.3): an HTTP server on
//! 127.0.0.1 only, waiting for the authorization server to send the browser back with a code.
//!
//! It accepts the code as a GET query or a POSTed form (`response_mode=form_post`), answers the
//! browser with a short page, ignores stray requests (a favicon, a wrong path), and ignores any
//! response whose `state` is not this flow's, so a page cannot abort or hijack the sign-in by
//! posting to the port. Every request body is capped.

use std::io::Read as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::auth_code::{Redirect, parse_redirect};

/// Largest request body read: a form_post carries a code and a state, well under this.
const MAX_BODY: u64 = 64 * 1024;

/// How often the wait loop looks at the deadline and the cancel flag.
const TICK: Duration = Duration::from_millis(200);

/// Why waiting for the redirect ended without one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoopbackError {
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {reason}")]
    Bind {
        /// The port asked for (0 = any).
        port: u16,
        /// Why.
        reason: String,
    },
    /// The deadline passed.
    #[error("no sign-in response arrived within {0} s")]
    TimedOut(u64),
    /// The user pressed Ctrl-C.
    #[error("sign-in cancelled")]
    Cancelled,
    /// The listener failed.
    #[error("the loopback listener failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A listener on `127.0.0.1:{port}`.
pub struct LoopbackListener {
    server: tiny_http::Server,
    port: u16,
}

impl std::fmt::Debug for LoopbackListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackListener")
            .field("port", &self.port)
            .finish()
    }
}

impl LoopbackListener {
    /// Binds 127.0.0.1 on `port`, or on a free port when `None`.
    pub fn bind(port: Option<u16>) -> Result<Self, LoopbackError> {
        let asked = port.unwrap_or(0);
        let server = tiny_http::Server::http(SocketAddr::from((Ipv4Addr::LOCALHOST, asked)))
            .map_err(|e| LoopbackError::Bind {
                port: asked,
                reason: e.to_string(),
            })?;
        let port = server
            .server_addr()
            .to_ip()
            .map(|a| a.port())
            .ok_or_else(|| LoopbackError::Bind {
                port: asked,
                reason: "no IP address".into(),
            })?;
        Ok(Self { server, port })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The redirect URI to register and send: `http://localhost:{port}` (Entra matches any port
    /// on a `http://localhost` redirect of a public client).
    pub fn redirect_uri(&self) -> String {
        format!("http://localhost:{}", self.port)
    }

    /// Serves requests until one carries a code or an error for `state`, the deadline passes,
    /// or `cancelled` is set. Blocking: run it on a blocking thread.
    pub fn wait(
        &self,
        state: &str,
        deadline: Instant,
        cancelled: &AtomicBool,
    ) -> Result<Redirect, LoopbackError> {
        let started = Instant::now();
        loop {
            if cancelled.load(Ordering::Relaxed) {
                return Err(LoopbackError::Cancelled);
            }
            let now = Instant::now();
            if now >= deadline {
                // Rounded, not truncated: the caller's deadline was set a moment before this
                // wait began, and `--timeout 2` must not be reported as "1 s".
                let waited = deadline.duration_since(started);
                return Err(LoopbackError::TimedOut(
                    (waited.as_millis() as u64 + 500) / 1000,
                ));
            }
            let Some(request) = self.server.recv_timeout(TICK.min(deadline - now))? else {
                continue;
            };
            if let Some(outcome) = handle(request, state) {
                return Ok(outcome);
            }
        }
    }
}

/// Answers one request; `Some` when it finished the sign-in.
fn handle(mut request: tiny_http::Request, state: &str) -> Option<Redirect> {
    let from_loopback = request.remote_addr().is_some_and(|a| a.ip().is_loopback());
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path.to_owned(), query.to_owned()),
        None => (request.url().to_owned(), String::new()),
    };
    if !from_loopback || path != "/" {
        respond(request, 404, "Not found.");
        return None;
    }
    let params: Vec<(String, String)> = match request.method() {
        tiny_http::Method::Get => form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect(),
        tiny_http::Method::Post => {
            let mut body = Vec::new();
            let reader = request.as_reader();
            if reader.take(MAX_BODY + 1).read_to_end(&mut body).is_err()
                || body.len() as u64 > MAX_BODY
            {
                respond(request, 413, "Request too large.");
                return None;
            }
            form_urlencoded::parse(&body).into_owned().collect()
        }
        _ => {
            respond(request, 405, "Method not allowed.");
            return None;
        }
    };
    match parse_redirect(&params, state) {
        Redirect::Foreign => {
            respond(
                request,
                400,
                "This response does not belong to the sign-in msal is waiting for. You can close this window.",
            );
            None
        }
        Redirect::Code(code) => {
            respond(
                request,
                200,
                "Signed in. You can close this window and return to the terminal.",
            );
            Some(Redirect::Code(code))
        }
        Redirect::Error(error) => {
            respond(
                request,
                200,
                "Sign-in failed; msal shows the reason in the terminal. You can close this window.",
            );
            Some(Redirect::Error(error))
        }
    }
}

fn respond(request: tiny_http::Request, status: u16, message: &str) {
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>msal</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><p>{message}</p></body></html>"
    );
    let content_type =
        tiny_http::Header::from_bytes(&b"Content-Type"[..], &b"text/html; charset=utf-8"[..]);
    let mut response = tiny_http::Response::from_string(page).with_status_code(status);
    if let Ok(header) = content_type {
        response.add_header(header);
    }
    // The browser may have gone away; the sign-in outcome does not depend on this answer.
    let _ = request.respond(response);
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::TcpStream;

    use super::*;

    fn send(port: u16, raw: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A connection the listener leaves open (as it may for garbage) must not hang the test.
        stream
            .set_read_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    #[test]
    fn ignores_strays_and_foreign_state_then_takes_the_form_post() {
        let listener = LoopbackListener::bind(None).unwrap();
        let port = listener.port();
        assert!(listener.redirect_uri().starts_with("http://localhost:"));
        let client = std::thread::spawn(move || {
            let favicon = send(
                port,
                "GET /favicon.ico HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            );
            let foreign = send(
                port,
                "GET /?code=evil&state=wrong HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            );
            let body = "code=good&state=s1";
            let post = send(
                port,
                &format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                ),
            );
            (favicon, foreign, post)
        });
        let outcome = listener
            .wait(
                "s1",
                Instant::now() + Duration::from_secs(20),
                &AtomicBool::new(false),
            )
            .unwrap();
        let (favicon, foreign, post) = client.join().unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(foreign.starts_with("HTTP/1.1 400"), "{foreign}");
        assert!(post.starts_with("HTTP/1.1 200"), "{post}");
        assert!(matches!(outcome, Redirect::Code(code) if code.secret() == "good"));
    }

    #[test]
    fn survives_floods_oversized_bodies_and_garbage_then_takes_the_real_answer() {
        let listener = LoopbackListener::bind(None).unwrap();
        let port = listener.port();
        let attacker = std::thread::spawn(move || {
            let mut answers = Vec::new();
            for i in 0..200 {
                answers.push(send(
                    port,
                    &format!("GET /?code=stolen{i}&state=guess{i} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
                ));
            }
            let huge = "a".repeat(MAX_BODY as usize + 10);
            answers.push(send(
                port,
                &format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\ncode=x&state=s1&pad={huge}",
                    huge.len() + 18
                ),
            ));
            for garbage in [
                "\x00\x01\x02\r\n\r\n",
                "GET\r\n\r\n",
                "BREW /pot HTTP/1.1\r\n\r\n",
            ] {
                let _ = send(port, garbage);
            }
            answers.push(send(
                port,
                "GET /?code=real&state=s1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            ));
            answers
        });
        let outcome = listener
            .wait(
                "s1",
                Instant::now() + Duration::from_secs(60),
                &AtomicBool::new(false),
            )
            .unwrap();
        let answers = attacker.join().unwrap();
        assert!(
            answers[..200].iter().all(|a| a.starts_with("HTTP/1.1 400")),
            "forged states are refused"
        );
        assert!(
            answers[200].starts_with("HTTP/1.1 413"),
            "{}",
            &answers[200][..40.min(answers[200].len())]
        );
        assert!(answers[201].starts_with("HTTP/1.1 200"));
        assert!(
            matches!(outcome, Redirect::Code(code) if code.secret() == "real"),
            "only the real answer completes"
        );
    }

    #[test]
    fn binds_loopback_only() {
        let listener = LoopbackListener::bind(None).unwrap();
        let addr = listener.server.server_addr().to_ip().unwrap();
        assert_eq!(addr.ip(), std::net::IpAddr::from(Ipv4Addr::LOCALHOST));
    }

    #[test]
    fn stops_at_the_deadline_and_on_cancel() {
        let listener = LoopbackListener::bind(None).unwrap();
        let timed_out = listener.wait(
            "s",
            Instant::now() + Duration::from_millis(300),
            &AtomicBool::new(false),
        );
        assert!(matches!(timed_out, Err(LoopbackError::TimedOut(_))));
        let cancelled = listener.wait(
            "s",
            Instant::now() + Duration::from_secs(30),
            &AtomicBool::new(true),
        );
        assert!(matches!(cancelled, Err(LoopbackError::Cancelled)));
    }
}
