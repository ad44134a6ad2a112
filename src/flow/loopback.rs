//! The loopback redirect listener of a native app's sign-in (RFC 8252 §7.3): an HTTP server on
//! the loopback interface only (RFC 8252 §8.3), waiting for the authorization server to send the
//! browser back with a code.
//!
//! It serves one redirect URI ([`LoopbackRedirect`]): its port, and only its path.
//!
//! A browser may resolve a redirect URI's `localhost` to `::1` first (Chromium tries `[::1]:PORT`
//! before `127.0.0.1:PORT`). So the listener takes the same port on both 127.0.0.1 and ::1,
//! whatever host the URI names: were ::1 left free, another local program could bind `[::1]:PORT` and receive the
//! code. Where ::1 does not exist (IPv6 disabled, as in some containers) 127.0.0.1 alone is
//! enough, since nobody can bind ::1 either. A port some other socket already holds on ::1 is
//! never used: the code could go there.
//!
//! It accepts the code as a GET query or a POSTed form (`response_mode=form_post`), answers the
//! browser with a short page, ignores stray requests (a favicon, a wrong path), and ignores any
//! response whose `state` is not this flow's, so a page cannot abort or hijack the sign-in by
//! posting to the port.
//!
//! Any local process can connect to the port, so everything a connection can make the listener
//! hold is bounded: the request head, the body, the time a connection may take, and the number of
//! connections open at once (the oldest is dropped to make room, so connections held open by an
//! attacker cannot lock the browser out). All connections are served by tasks on the caller's
//! runtime: no thread per connection. One request per connection: the answer says
//! `Connection: close`.

use std::collections::VecDeque;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::task::{AbortHandle, JoinSet};

use super::auth_code::{Redirect, parse_redirect};
use super::redirect_uri::LoopbackRedirect;
use crate::http::inbound::{self, Method, Request, RequestReader, drain};

/// What one connection may cost.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// Request line and headers. Browsers send every cookie set for `localhost` (any port) with
    /// the redirect, so this leaves room for other local web apps' cookies.
    head: usize,
    /// Header fields.
    headers: usize,
    /// A form_post body: a code, a state and a few short fields, well under this.
    body: usize,
    /// Connections served at once.
    connections: usize,
    /// From accepting a connection to having answered it. A browser sends its request at once.
    per_connection: Duration,
}

const LIMITS: Limits = Limits {
    head: 32 * 1024,
    headers: 100,
    body: 64 * 1024,
    connections: 32,
    per_connection: Duration::from_secs(10),
};

/// How many ports are tried, when the port is ours to choose, before giving up on finding one
/// free on both 127.0.0.1 and ::1.
const BIND_ATTEMPTS: usize = 16;

/// The platform's "address family not supported" error: IPv6 compiled out or disabled at boot.
const EAFNOSUPPORT: Option<i32> = if cfg!(any(target_os = "linux", target_os = "android")) {
    Some(97)
} else if cfg!(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "netbsd",
    target_os = "dragonfly"
)) {
    Some(47)
} else if cfg!(windows) {
    Some(10047)
} else {
    None
};

/// Why waiting for the redirect ended without one.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoopbackError {
    /// Another socket holds the port on one of the loopback addresses.
    #[error("port {port} is already in use on {address} by another program")]
    PortInUse {
        /// The port the redirect URI needs.
        port: u16,
        /// `127.0.0.1` or `[::1]`.
        address: &'static str,
    },
    /// The port could not be bound.
    #[error("cannot listen on loopback port {port}: {reason}")]
    Bind {
        /// The port asked for (0 = any).
        port: u16,
        /// The operating system's reason.
        reason: String,
    },
    /// The deadline passed.
    #[error("no sign-in response arrived within {seconds} s at {redirect_uri}")]
    TimedOut {
        /// How long it waited.
        seconds: u64,
        /// The redirect URI the browser was to come back to.
        redirect_uri: String,
    },
    /// The listener failed.
    #[error("the loopback listener failed: {0}")]
    Io(#[from] io::Error),
}

/// A listener on `127.0.0.1:{port}`, and on `[::1]:{port}` where IPv6 exists.
pub struct LoopbackListener {
    v4: std::net::TcpListener,
    v6: Option<std::net::TcpListener>,
    port: u16,
    /// The one path that takes the answer (the redirect URI's).
    path: String,
    /// The redirect URI it serves, for messages.
    redirect_uri: String,
    limits: Limits,
}

impl std::fmt::Debug for LoopbackListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopbackListener")
            .field("port", &self.port)
            .field("path", &self.path)
            .field("ipv6", &self.v6.is_some())
            .finish()
    }
}

impl LoopbackListener {
    /// Binds `port` on 127.0.0.1 and ::1, or a port free on both when `None`.
    pub fn bind(port: Option<u16>) -> Result<Self, LoopbackError> {
        Self::bind_with(port, bind_v6)
    }

    /// [`Self::bind`], with the way ::1 is bound given (tests play the program that got there
    /// first).
    fn bind_with(
        port: Option<u16>,
        mut v6_binder: impl FnMut(u16) -> io::Result<std::net::TcpListener>,
    ) -> Result<Self, LoopbackError> {
        let asked = port.unwrap_or(0);
        // Ports found taken on ::1 stay bound on 127.0.0.1 until a pair is found, so that the
        // system does not offer the same port again.
        let mut rejected = Vec::new();
        loop {
            let v4 = bind_v4(asked)?;
            let port = v4.local_addr().map_err(|e| bind_error(asked, &e))?.port();
            let v6 = match v6_binder(port) {
                Ok(v6) => Some(v6),
                Err(e) if ipv6_absent(&e) => None,
                Err(e) if e.kind() == io::ErrorKind::AddrInUse => {
                    if asked != 0 || rejected.len() + 1 >= BIND_ATTEMPTS {
                        return Err(LoopbackError::PortInUse {
                            port,
                            address: "[::1]",
                        });
                    }
                    rejected.push(v4);
                    continue;
                }
                Err(e) => return Err(bind_error(port, &e)),
            };
            return Ok(Self {
                v4,
                v6,
                port,
                path: "/".into(),
                redirect_uri: format!("http://localhost:{port}"),
                limits: LIMITS,
            });
        }
    }

    /// The port it listens on (the one asked for, or the one the system chose), which the
    /// redirect URI names.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Binds the port `redirect` names (or a free one) and serves its path only.
    pub fn bind_for(redirect: &LoopbackRedirect) -> Result<Self, LoopbackError> {
        let mut listener = Self::bind(redirect.port())?;
        listener.path = redirect.path();
        listener.redirect_uri = redirect.with_port(listener.port);
        Ok(listener)
    }

    /// The redirect URI to send: the one [`Self::bind_for`] was given, with the port filled in;
    /// `http://localhost:{port}` after [`Self::bind`] (Entra matches any port on a
    /// `http://localhost` redirect of a public client).
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Serves requests until one carries a code or an error for `state`, or the deadline
    /// passes. Runs on a Tokio runtime with I/O enabled; dropping the future stops the wait and
    /// closes every connection it holds.
    pub async fn wait(&self, state: &str, deadline: Instant) -> Result<Redirect, LoopbackError> {
        // `from_std` panics outside a runtime; say so instead.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(LoopbackError::Io(io::Error::other(
                "the loopback listener needs a Tokio runtime",
            )));
        }
        let v4 = tokio::net::TcpListener::from_std(self.v4.try_clone()?)?;
        let v6 = match &self.v6 {
            Some(v6) => Some(tokio::net::TcpListener::from_std(v6.try_clone()?)?),
            None => None,
        };
        let started = Instant::now();
        let expected = Arc::new(Expected {
            state: state.to_owned(),
            path: self.path.clone(),
        });
        let limits = self.limits;
        let mut connections = JoinSet::new();
        // Oldest first, to drop the longest-held connection when all slots are taken.
        let mut open: VecDeque<AbortHandle> = VecDeque::new();
        let expiry = tokio::time::sleep_until(deadline.into());
        tokio::pin!(expiry);
        loop {
            tokio::select! {
                () = &mut expiry => {
                    // Rounded, not truncated: the caller's deadline was set a moment before this
                    // wait began, and `--timeout 2` must not be reported as "1 s".
                    let waited = deadline.saturating_duration_since(started);
                    return Err(LoopbackError::TimedOut {
                        seconds: (waited.as_millis() as u64 + 500) / 1000,
                        redirect_uri: self.redirect_uri.clone(),
                    });
                }
                Some(done) = connections.join_next() => {
                    if let Ok(Some(redirect)) = done {
                        return Ok(redirect);
                    }
                }
                accepted = accept(&v4, v6.as_ref()) => match accepted {
                    Ok((stream, peer)) => {
                        if !peer.ip().is_loopback() {
                            continue;
                        }
                        open.retain(|c| !c.is_finished());
                        if open.len() >= limits.connections
                            && let Some(oldest) = open.pop_front()
                        {
                            oldest.abort();
                        }
                        let expected = Arc::clone(&expected);
                        open.push_back(connections.spawn(serve(stream, expected, limits)));
                    }
                    // Out of descriptors or a connection reset before it was accepted: neither
                    // ends the sign-in, but do not spin on a persistent error.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
            }
        }
    }
}

/// The next connection on either address.
async fn accept(
    v4: &tokio::net::TcpListener,
    v6: Option<&tokio::net::TcpListener>,
) -> io::Result<(TcpStream, SocketAddr)> {
    match v6 {
        Some(v6) => tokio::select! {
            accepted = v4.accept() => accepted,
            accepted = v6.accept() => accepted,
        },
        None => v4.accept().await,
    }
}

fn bind_v4(port: u16) -> Result<std::net::TcpListener, LoopbackError> {
    let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .map_err(|e| match e.kind() {
            io::ErrorKind::AddrInUse => LoopbackError::PortInUse {
                port,
                address: "127.0.0.1",
            },
            _ => bind_error(port, &e),
        })?;
    // Accepting happens on the async runtime, which needs non-blocking sockets.
    listener
        .set_nonblocking(true)
        .map_err(|e| bind_error(port, &e))?;
    Ok(listener)
}

fn bind_v6(port: u16) -> io::Result<std::net::TcpListener> {
    let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, port)))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// Whether a failure to bind ::1 means this machine has no IPv6 loopback: then no other program
/// can bind it either.
fn ipv6_absent(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::AddrNotAvailable
        || (EAFNOSUPPORT.is_some() && error.raw_os_error() == EAFNOSUPPORT)
}

fn bind_error(port: u16, error: &io::Error) -> LoopbackError {
    LoopbackError::Bind {
        port,
        reason: error.to_string(),
    }
}

/// Serves one connection within the per-connection time; `Some` when it finished the sign-in.
async fn serve(mut stream: TcpStream, expected: Arc<Expected>, limits: Limits) -> Option<Redirect> {
    tokio::time::timeout(
        limits.per_connection,
        exchange(&mut stream, &expected, limits),
    )
    .await
    .ok()
    .flatten()
}

/// What the answer to this sign-in looks like.
struct Expected {
    /// The flow's `state`.
    state: String,
    /// The redirect URI's path.
    path: String,
}

async fn exchange(stream: &mut TcpStream, expected: &Expected, limits: Limits) -> Option<Redirect> {
    let inbound = inbound::Limits {
        head: limits.head,
        headers: limits.headers,
        body: limits.body,
    };
    let request = match RequestReader::new().read(stream, &inbound).await {
        Ok(Ok(request)) => request,
        Ok(Err(refusal)) => {
            let _ = respond(stream, refusal.status(), refusal.message()).await;
            drain(stream).await;
            return None;
        }
        // The client went away or sent nothing.
        Err(_) => return None,
    };
    let (status, message, outcome) = judge(&request, expected);
    // The browser may have gone away; the sign-in outcome does not depend on this answer.
    let _ = respond(stream, status, message).await;
    outcome
}

/// The answer to a complete request, and the sign-in outcome it carries.
fn judge(request: &Request, expected: &Expected) -> (u16, &'static str, Option<Redirect>) {
    let state = expected.state.as_str();
    if request.path != expected.path {
        return (404, "Not found.", None);
    }
    let params: Vec<(String, String)> = match request.method {
        Method::Get => form_urlencoded::parse(request.query.as_bytes())
            .into_owned()
            .collect(),
        Method::Post => form_urlencoded::parse(&request.body).into_owned().collect(),
        Method::Other => return (405, "Method not allowed.", None),
    };
    match parse_redirect(&params, state) {
        Redirect::Foreign => (
            400,
            "This response does not belong to the sign-in msal is waiting for. You can close this window.",
            None,
        ),
        Redirect::Code(code) => (
            200,
            "Signed in. You can close this window and return to the terminal.",
            Some(Redirect::Code(code)),
        ),
        Redirect::Error(error) => (
            200,
            "Sign-in failed; msal shows the reason in the terminal. You can close this window.",
            Some(Redirect::Error(error)),
        ),
    }
}

async fn respond(stream: &mut TcpStream, status: u16, message: &str) -> io::Result<()> {
    let reason = inbound::reason(status);
    let page = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>msal</title></head>\
         <body style=\"font-family:sans-serif;margin:3em\"><p>{message}</p></body></html>"
    );
    let answer = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n\
         Connection: close\r\n\r\n{page}",
        page.len()
    );
    stream.write_all(answer.as_bytes()).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::TcpStream;

    use super::*;

    fn send(port: u16, raw: &str) -> String {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A connection the listener leaves open must not hang the test.
        stream
            .set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        stream.write_all(raw.as_bytes()).unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        String::from_utf8_lossy(&answer).into_owned()
    }

    async fn wait(listener: &LoopbackListener, state: &str, within: Duration) -> Redirect {
        listener.wait(state, Instant::now() + within).await.unwrap()
    }

    #[tokio::test]
    async fn ignores_strays_and_foreign_state_then_takes_the_form_post() {
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
        let outcome = wait(&listener, "s1", Duration::from_secs(20)).await;
        let (favicon, foreign, post) = client.join().unwrap();
        assert!(favicon.starts_with("HTTP/1.1 404"), "{favicon}");
        assert!(foreign.starts_with("HTTP/1.1 400"), "{foreign}");
        assert!(post.starts_with("HTTP/1.1 200"), "{post}");
        assert!(post.contains("Connection: close"), "{post}");
        assert!(matches!(outcome, Redirect::Code(code) if code.secret() == "good"));
    }

    #[tokio::test]
    async fn serves_exactly_the_redirect_uris_path() {
        let redirect =
            match super::super::redirect_uri::RedirectUri::parse("http://127.0.0.1/callback/")
                .unwrap()
            {
                super::super::redirect_uri::RedirectUri::Loopback(l) => l,
                other => panic!("{other:?}"),
            };
        let listener = LoopbackListener::bind_for(&redirect).unwrap();
        let port = listener.port();
        assert_eq!(
            listener.redirect_uri(),
            format!("http://127.0.0.1:{port}/callback/")
        );
        let client = std::thread::spawn(move || {
            let request = |path: &str| {
                send(
                    port,
                    &format!(
                        "GET {path}?code=c&state=s1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    ),
                )
            };
            (request("/"), request("/callback"), request("/callback/"))
        });
        let outcome = wait(&listener, "s1", Duration::from_secs(20)).await;
        let (root, no_slash, exact) = client.join().unwrap();
        assert!(root.starts_with("HTTP/1.1 404"), "{root}");
        assert!(no_slash.starts_with("HTTP/1.1 404"), "{no_slash}");
        assert!(exact.starts_with("HTTP/1.1 200"), "{exact}");
        assert!(matches!(outcome, Redirect::Code(_)));
    }

    #[tokio::test]
    async fn survives_floods_oversized_requests_and_garbage_then_takes_the_real_answer() {
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
            let huge = "a".repeat(LIMITS.body + 10);
            answers.push(send(
                port,
                &format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\ncode=x&state=s1&pad={huge}",
                    huge.len() + 20
                ),
            ));
            let cookie = "c".repeat(LIMITS.head);
            answers.push(send(
                port,
                &format!("GET /?code=x&state=s1 HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n"),
            ));
            let many: String = (0..LIMITS.headers + 1)
                .map(|i| format!("X-{i}: y\r\n"))
                .collect();
            answers.push(send(
                port,
                &format!("GET /?code=x&state=s1 HTTP/1.1\r\n{many}\r\n"),
            ));
            answers.push(send(
                port,
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n12\r\ncode=x&state=s1\r\n0\r\n\r\n",
            ));
            answers.push(send(
                port,
                "POST / HTTP/1.1\r\nContent-Length: 15\r\nContent-Length: 3\r\n\r\ncode=x&state=s1",
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
        let outcome = wait(&listener, "s1", Duration::from_secs(60)).await;
        let answers = attacker.join().unwrap();
        assert!(
            answers[..200].iter().all(|a| a.starts_with("HTTP/1.1 400")),
            "forged states are refused"
        );
        let status = |a: &String| a.get(..12).unwrap_or(a).to_owned();
        let refused: Vec<String> = answers[200..205].iter().map(status).collect();
        assert_eq!(
            refused,
            [
                "HTTP/1.1 413",
                "HTTP/1.1 431",
                "HTTP/1.1 431",
                "HTTP/1.1 411",
                "HTTP/1.1 400"
            ]
        );
        assert!(answers[205].starts_with("HTTP/1.1 200"));
        assert!(
            matches!(outcome, Redirect::Code(code) if code.secret() == "real"),
            "only the real answer completes"
        );
    }

    #[tokio::test]
    async fn drops_the_oldest_connection_when_full_and_silent_ones_in_time() {
        let mut listener = LoopbackListener::bind(None).unwrap();
        listener.limits.connections = 4;
        listener.limits.per_connection = Duration::from_secs(2);
        let port = listener.port();
        let is_closed = |s: &mut TcpStream, within: Duration| {
            s.set_read_timeout(Some(within)).unwrap();
            matches!(s.read(&mut [0u8; 1]), Ok(0))
        };
        let attacker = std::thread::spawn(move || {
            // Ten silent connections, one after the other.
            let mut held: Vec<TcpStream> = (0..10)
                .map(|_| {
                    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                    std::thread::sleep(Duration::from_millis(50));
                    s
                })
                .collect();
            let last_opened = Instant::now();
            let dropped_for_newer: Vec<bool> = held[..6]
                .iter_mut()
                .map(|s| is_closed(s, Duration::from_secs(1)))
                .collect();
            let newest_kept: Vec<bool> = held[6..]
                .iter_mut()
                .map(|s| !is_closed(s, Duration::from_millis(100)))
                .collect();
            std::thread::sleep(Duration::from_millis(2500).saturating_sub(last_opened.elapsed()));
            let newest_timed_out: Vec<bool> = held[6..]
                .iter_mut()
                .map(|s| is_closed(s, Duration::from_secs(2)))
                .collect();
            let real = send(port, "GET /?code=real&state=s1 HTTP/1.1\r\nHost: x\r\n\r\n");
            (dropped_for_newer, newest_kept, newest_timed_out, real)
        });
        let outcome = wait(&listener, "s1", Duration::from_secs(30)).await;
        let (dropped_for_newer, newest_kept, newest_timed_out, real) = attacker.join().unwrap();
        assert_eq!(
            dropped_for_newer, [true; 6],
            "the oldest are dropped for newer ones"
        );
        assert_eq!(newest_kept, [true; 4], "the newest are kept");
        assert_eq!(
            newest_timed_out, [true; 4],
            "silent connections end in time"
        );
        assert!(real.starts_with("HTTP/1.1 200"), "{real}");
        assert!(matches!(outcome, Redirect::Code(_)));
    }

    #[test]
    fn binds_the_same_port_on_both_loopback_addresses() {
        let listener = LoopbackListener::bind(None).unwrap();
        let v4 = listener.v4.local_addr().unwrap();
        assert_eq!(v4.ip(), std::net::IpAddr::from(Ipv4Addr::LOCALHOST));
        assert_eq!(v4.port(), listener.port());
        // This machine has ::1 (the CLI tests check the case without IPv6).
        let v6 = listener.v6.as_ref().unwrap().local_addr().unwrap();
        assert_eq!(v6.ip(), std::net::IpAddr::from(Ipv6Addr::LOCALHOST));
        assert_eq!(v6.port(), listener.port());
    }

    #[test]
    fn a_port_another_program_holds_on_ipv6_is_not_chosen() {
        // Another program gets to [::1]:PORT between msal's two binds, twice.
        let mut squatters = Vec::new();
        let listener = LoopbackListener::bind_with(None, |port| {
            if squatters.len() < 2 {
                squatters.push(std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, port)).unwrap());
            }
            bind_v6(port)
        })
        .unwrap();
        let taken: Vec<u16> = squatters
            .iter()
            .map(|s| s.local_addr().unwrap().port())
            .collect();
        assert_eq!(taken.len(), 2);
        assert!(!taken.contains(&listener.port()), "{taken:?}");
        assert!(listener.v6.is_some());

        // A port the user fixed is refused rather than shared.
        let squatter = std::net::TcpListener::bind((Ipv6Addr::LOCALHOST, 0)).unwrap();
        let port = squatter.local_addr().unwrap().port();
        let refused = LoopbackListener::bind(Some(port)).unwrap_err();
        assert!(
            matches!(refused, LoopbackError::PortInUse { address: "[::1]", port: p } if p == port),
            "{refused}"
        );
    }

    #[test]
    fn no_ipv6_is_not_an_error() {
        for absent in [
            io::Error::from(io::ErrorKind::AddrNotAvailable),
            io::Error::from_raw_os_error(EAFNOSUPPORT.unwrap_or(0)),
        ] {
            let kind = absent.kind();
            let mut absent = Some(absent);
            let listener = LoopbackListener::bind_with(None, |_| {
                Err(absent
                    .take()
                    .unwrap_or_else(|| io::Error::other("called twice")))
            })
            .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            assert!(listener.v6.is_none());
        }
    }

    #[tokio::test]
    async fn stops_at_the_deadline() {
        let listener = LoopbackListener::bind(None).unwrap();
        let timed_out = listener
            .wait("s", Instant::now() + Duration::from_millis(300))
            .await;
        assert!(matches!(
            timed_out,
            Err(LoopbackError::TimedOut { ref redirect_uri, .. }) if redirect_uri.starts_with("http://localhost:")
        ));
    }

    #[test]
    fn outside_a_runtime_it_is_an_error_not_a_panic() {
        let listener = LoopbackListener::bind(None).unwrap();
        let outcome = futures_block_on(listener.wait("s", Instant::now()));
        assert!(matches!(outcome, Err(LoopbackError::Io(_))));
    }

    /// Polls a future to completion without a Tokio runtime.
    fn futures_block_on<F: std::future::Future>(future: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut future = std::pin::pin!(future);
        let mut context = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(out) = future.as_mut().poll(&mut context) {
                return out;
            }
        }
    }
}
