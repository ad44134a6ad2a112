//! The server loop with an in-process token source: coalescing, connections that hang up,
//! kept-alive and pipelined requests, refusals, and shutdown.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use super::{Policy, Server, TokenProvider};
use crate::app::{AuthenticationResult, TokenSource};
use crate::error::Result;
use crate::http::BoxFuture;
use crate::secret::AccessToken;

/// A token source that takes `delay` to get a token, then serves it from its "cache".
struct Slow {
    delay: Duration,
    requests: AtomicUsize,
    finished: AtomicUsize,
    cached: std::sync::Mutex<Option<String>>,
}

impl Slow {
    fn new(delay: Duration) -> Arc<Self> {
        Arc::new(Self {
            delay,
            requests: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            cached: std::sync::Mutex::new(None),
        })
    }
}

fn result(token: &str, source: TokenSource) -> AuthenticationResult {
    AuthenticationResult {
        access_token: AccessToken::new(token),
        token_type: "Bearer".into(),
        expires_on: 4_000_000_000,
        scopes: Vec::new(),
        tenant_id: "t".into(),
        source,
        account: None,
    }
}

impl TokenProvider for Slow {
    fn client_id(&self) -> &str {
        "app-1"
    }

    fn token<'a>(&'a self, resource: &'a str) -> BoxFuture<'a, Result<AuthenticationResult>> {
        Box::pin(async move {
            if let Some(token) = self.cached.lock().unwrap().clone() {
                return Ok(result(&token, TokenSource::Cache));
            }
            let n = self.requests.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(self.delay).await;
            let token = format!("token-{n}-for-{resource}");
            *self.cached.lock().unwrap() = Some(token.clone());
            self.finished.fetch_add(1, Ordering::SeqCst);
            Ok(result(&token, TokenSource::IdentityProvider))
        })
    }
}

struct Running {
    port: u16,
    secret: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    done: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(source: Arc<Slow>) -> Self {
        Self::start_with(source, 128)
    }

    /// With room for only `connections` connections at once.
    fn start_with(source: Arc<Slow>, connections: usize) -> Self {
        let mut server = Server::bind(None).unwrap();
        server.limits.connections = connections;
        let port = server.port();
        let secret = server.header().secret().to_owned();
        assert_eq!(
            server.endpoint(),
            format!("http://127.0.0.1:{port}/msi/token")
        );
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let policy = Policy {
            client_id: "app-1".into(),
            ..Policy::default()
        };
        let done = tokio::spawn(async move {
            server
                .run(source, policy, async move {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Self {
            port,
            secret,
            stop: Some(stop),
            done,
        }
    }

    fn request(&self, resource: &str) -> String {
        format!(
            "GET /msi/token?api-version=2019-08-01&resource={resource} HTTP/1.1\r\nHost: x\r\nX-IDENTITY-HEADER: {}\r\n\r\n",
            self.secret
        )
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        tokio::time::timeout(Duration::from_secs(60), self.done)
            .await
            .expect("the server stops")
            .unwrap();
    }
}

fn connect(port: u16) -> TcpStream {
    let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

/// Reads one response: (status, head, body). Panics on a closed connection.
fn read_response(stream: &mut TcpStream, pending: &mut Vec<u8>) -> (u16, String, String) {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .unwrap()
                .parse()
                .unwrap();
            if pending.len() >= end + 4 + length {
                let body =
                    String::from_utf8_lossy(&pending[end + 4..end + 4 + length]).into_owned();
                pending.drain(..end + 4 + length);
                let status = head[9..12].parse().unwrap();
                return (status, head, body);
            }
        }
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0, "the connection closed before a whole response");
        pending.extend_from_slice(&chunk[..n]);
    }
}

fn is_closed(stream: &mut TcpStream) -> bool {
    matches!(stream.read(&mut [0u8; 1]), Ok(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_misses_make_one_request() {
    let source = Slow::new(Duration::from_millis(300));
    let server = Running::start(Arc::clone(&source));
    let (port, request) = (server.port, server.request("https://vault.azure.net"));
    let clients: Vec<_> = (0..50)
        .map(|_| {
            let request = request.clone();
            std::thread::spawn(move || {
                let mut stream = connect(port);
                stream.write_all(request.as_bytes()).unwrap();
                read_response(&mut stream, &mut Vec::new())
            })
        })
        .collect();
    let answers: Vec<(u16, String, String)> = tokio::task::spawn_blocking(move || {
        clients.into_iter().map(|c| c.join().unwrap()).collect()
    })
    .await
    .unwrap();
    assert_eq!(source.requests.load(Ordering::SeqCst), 1);
    let tokens: std::collections::BTreeSet<String> = answers
        .iter()
        .map(|(status, _, body)| {
            assert_eq!(*status, 200, "{body}");
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            body["access_token"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(
        tokens.into_iter().collect::<Vec<_>>(),
        ["token-0-for-https://vault.azure.net"]
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_to_make_room_does_not_cancel_its_token_request() {
    let source = Slow::new(Duration::from_millis(500));
    let server = Running::start_with(Arc::clone(&source), 2);
    let (port, request) = (server.port, server.request("r"));
    tokio::task::spawn_blocking(move || {
        let mut asking = connect(port);
        asking.write_all(request.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        // Two more connections: the asking one, the oldest, is dropped.
        let _others = [connect(port), connect(port)];
        assert!(is_closed(&mut asking), "dropped to make room");
    })
    .await
    .unwrap();
    assert_eq!(source.requests.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        source.finished.load(Ordering::SeqCst),
        1,
        "the request ran to the end"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stopping_waits_for_the_token_request_under_way() {
    stopping_waits().await;
}

// Where nothing runs in place: the connection task is cancelled at once.
#[tokio::test]
async fn stopping_waits_for_the_token_request_under_way_on_one_thread() {
    stopping_waits().await;
}

async fn stopping_waits() {
    let source = Slow::new(Duration::from_millis(500));
    let server = Running::start(Arc::clone(&source));
    let (port, request) = (server.port, server.request("r"));
    let client = std::thread::spawn(move || {
        let mut stream = connect(port);
        stream.write_all(request.as_bytes()).unwrap();
        // The connection is closed at shutdown, before or after its answer.
        let mut rest = Vec::new();
        let _ = stream.read_to_end(&mut rest);
    });
    while source.requests.load(Ordering::SeqCst) == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    server.stop().await;
    assert_eq!(source.finished.load(Ordering::SeqCst), 1);
    tokio::task::spawn_blocking(move || client.join().unwrap())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keeps_connections_alive_reads_pipelined_requests_and_closes_after_a_refusal() {
    let source = Slow::new(Duration::from_millis(1));
    let server = Running::start(Arc::clone(&source));
    let (port, secret) = (server.port, server.secret.clone());
    let first = server.request("a");
    let second = server.request("b");
    tokio::task::spawn_blocking(move || {
        let mut stream = connect(port);
        let mut pending = Vec::new();
        stream
            .write_all(format!("{first}{second}").as_bytes())
            .unwrap();
        let (s1, h1, b1) = read_response(&mut stream, &mut pending);
        let (s2, h2, _) = read_response(&mut stream, &mut pending);
        assert_eq!((s1, s2), (200, 200), "{b1}");
        assert!(!h1.contains("Connection: close") && !h2.contains("Connection: close"));
        assert!(h1.contains("Content-Type: application/json"));
        assert!(h1.contains("Cache-Control: no-store"));

        let wrong = first.replace(&secret, "wrong");
        stream.write_all(wrong.as_bytes()).unwrap();
        let (status, head, body) = read_response(&mut stream, &mut pending);
        assert_eq!(status, 401);
        assert!(head.contains("Connection: close"));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&body).unwrap(),
            serde_json::json!({"statusCode": 401, "message": "The X-IDENTITY-HEADER header is wrong."})
        );
        assert!(is_closed(&mut stream));

        // Oversized heads and bodies are refused in the same JSON shape, then closed.
        for raw in [
            format!("GET /msi/token HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000)),
            "POST /msi/token HTTP/1.1\r\nContent-Length: 10\r\n\r\n0123456789".to_owned(),
            "GET /msi/token HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_owned(),
        ] {
            let mut stream = connect(port);
            stream.write_all(raw.as_bytes()).unwrap();
            let (status, _, body) = read_response(&mut stream, &mut Vec::new());
            assert!([431, 413, 411].contains(&status), "{status} {body}");
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["statusCode"], status);
        }
    })
    .await
    .unwrap();
    server.stop().await;
}

#[tokio::test]
async fn runs_on_a_single_threaded_runtime_too() {
    let source = Slow::new(Duration::from_millis(1));
    let server = Running::start(Arc::clone(&source));
    let (port, request) = (server.port, server.request("r"));
    let answer = tokio::task::spawn_blocking(move || {
        let mut stream = connect(port);
        stream.write_all(request.as_bytes()).unwrap();
        read_response(&mut stream, &mut Vec::new())
    })
    .await
    .unwrap();
    assert_eq!(answer.0, 200);
    server.stop().await;
}

#[test]
fn the_secret_never_shows_in_debug_output() {
    let server = Server::bind(None).unwrap();
    let secret = server.header().secret().to_owned();
    assert!(!format!("{server:?}").contains(&secret));
    assert!(!format!("{:?}", server.header()).contains(&secret));
}
