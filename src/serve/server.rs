//! The server loop: a listener on 127.0.0.1, connections bounded in number, size and time, and
//! token requests for one resource coalesced so that concurrent misses make one refresh.
//!
//! Getting a token runs in a task of its own, apart from the connection that asked: a client
//! that hangs up, or a connection dropped to make room, never cancels a refresh half-way (the
//! identity provider would have rotated the refresh token, and the new one would be lost). On
//! shutdown those tasks are waited for, within a bound.

use std::collections::{HashMap, VecDeque};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt as _;
use tokio::net::TcpStream;
use tokio::task::{AbortHandle, JoinSet};

use super::protocol::{
    self, IdentityHeader, PATH, Policy, Reply, TokenQuery, error_reply, failure_reply, token_reply,
};
use super::source::TokenProvider;
use crate::app::{AuthenticationResult, TokenSource};
use crate::http::inbound::{self, Request, RequestReader, drain};

/// What clients may cost.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    /// One request. SDKs send a few hundred bytes and no body.
    request: inbound::Limits,
    /// Connections open at once; the oldest is dropped to make room.
    pub(super) connections: usize,
    /// From the first byte of a request to its whole head.
    head_time: Duration,
    /// How long a kept-alive connection may wait for its next request.
    idle: Duration,
    /// Token acquisitions under way or waiting their turn; beyond, requests get a 503.
    pending: usize,
    /// How long shutdown waits for acquisitions under way.
    shutdown: Duration,
}

const LIMITS: Limits = Limits {
    request: inbound::Limits {
        head: 16 * 1024,
        headers: 64,
        body: 0,
    },
    connections: 128,
    head_time: Duration::from_secs(10),
    idle: Duration::from_secs(60),
    pending: 256,
    shutdown: Duration::from_secs(35),
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Another socket holds the port.
    #[error("port {port} is taken on 127.0.0.1 by another program")]
    PortInUse {
        /// The port.
        port: u16,
    },
    /// The port could not be bound.
    #[error("cannot listen on 127.0.0.1:{port}: {reason}")]
    Bind {
        /// The port asked for (0 = any).
        port: u16,
        /// Why.
        reason: String,
    },
    /// The secret could not be generated.
    #[error(transparent)]
    Secret(#[from] crate::Error),
    /// The listener failed.
    #[error("the msal serve listener failed: {0}")]
    Io(#[from] io::Error),
}

/// An App Service-shaped managed-identity endpoint on `http://127.0.0.1:{port}/msi/token`, with
/// a fresh secret.
pub struct Server {
    listener: std::net::TcpListener,
    port: u16,
    header: IdentityHeader,
    pub(super) limits: Limits,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

impl Server {
    /// Listens on `127.0.0.1:{port}`, or a free port when `None`, and makes the secret. Only
    /// the IPv4 loopback address: the endpoint is handed out as `127.0.0.1`, never as a name.
    pub fn bind(port: Option<u16>) -> Result<Self, ServeError> {
        let asked = port.unwrap_or(0);
        let listener = std::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, asked)))
            .map_err(|e| match e.kind() {
                io::ErrorKind::AddrInUse => ServeError::PortInUse { port: asked },
                _ => ServeError::Bind {
                    port: asked,
                    reason: e.to_string(),
                },
            })?;
        listener.set_nonblocking(true)?;
        let port = listener.local_addr()?.port();
        Ok(Self {
            listener,
            port,
            header: IdentityHeader::generate()?,
            limits: LIMITS,
        })
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `IDENTITY_ENDPOINT`: `http://127.0.0.1:{port}/msi/token`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}{PATH}", self.port)
    }

    /// `IDENTITY_HEADER`: the secret clients must send.
    pub fn header(&self) -> &IdentityHeader {
        &self.header
    }

    /// Serves tokens from `provider` until `stop` resolves, then stops accepting, closes every
    /// connection, waits (within a bound) for token requests under way, and returns what `stop`
    /// gave. Needs a Tokio runtime with I/O and time; on a multi-threaded one, the blocking parts
    /// of getting a token (the cache lock, the keyring) do not hold up other connections.
    pub async fn run<T>(
        self,
        provider: Arc<dyn TokenProvider>,
        policy: Policy,
        stop: impl Future<Output = T>,
    ) -> Result<T, ServeError> {
        // `from_std` panics outside a runtime; say so instead.
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ServeError::Io(io::Error::other(
                "msal serve needs a Tokio runtime",
            )));
        }
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let limits = self.limits;
        let shared = Arc::new(Shared {
            provider,
            policy,
            header: self.header,
            limits,
            gates: Mutex::new(HashMap::new()),
            pending: AtomicUsize::new(0),
        });
        let mut connections = JoinSet::new();
        // Oldest first, to drop the longest-held connection when all slots are taken.
        let mut open: VecDeque<AbortHandle> = VecDeque::new();
        tokio::pin!(stop);
        let outcome = loop {
            tokio::select! {
                outcome = &mut stop => break outcome,
                Some(_) = connections.join_next() => {}
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        if !peer.ip().is_loopback() {
                            continue;
                        }
                        // Answers are one small write each; Nagle's algorithm would hold a
                        // kept-alive connection's next one for the client's delayed ACK.
                        let _ = stream.set_nodelay(true);
                        open.retain(|c| !c.is_finished());
                        if open.len() >= limits.connections
                            && let Some(oldest) = open.pop_front()
                        {
                            oldest.abort();
                        }
                        open.push_back(connections.spawn(connection(stream, Arc::clone(&shared))));
                    }
                    // Out of descriptors, or a connection reset before it was accepted: neither
                    // ends the server, but do not spin on a persistent error.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                },
            }
        };
        drop(listener);
        connections.shutdown().await;
        shared.settle().await;
        Ok(outcome)
    }
}

/// What every connection shares.
struct Shared {
    provider: Arc<dyn TokenProvider>,
    policy: Policy,
    header: IdentityHeader,
    limits: Limits,
    /// One gate per resource (lowercased): acquisitions for a resource take turns, so the first
    /// miss refreshes and the others then find its token in the cache.
    gates: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Acquisitions under way or waiting at a gate.
    pending: AtomicUsize,
}

impl Shared {
    /// The answer to one request, and what the log says about it.
    async fn answer(self: &Arc<Self>, request: &Request) -> (Reply, String) {
        let query = match protocol::judge(request, &self.header, &self.policy) {
            Ok(query) => query,
            Err(reply) => {
                let what = format!(
                    "refused {} {}",
                    method_name(request),
                    excerpt(&request.path)
                );
                return (reply, what);
            }
        };
        let mut what = format!("token for {}", excerpt(&query.resource));
        if !query.selectors.is_empty() {
            let named: Vec<String> = query
                .selectors
                .iter()
                .map(|(n, v)| format!("{n}={}", excerpt(v)))
                .collect();
            what.push_str(&format!(
                " (asks for {}; served as {})",
                named.join(", "),
                self.policy.client_id
            ));
        }
        let reply = match self.acquire(&query).await {
            Ok(result) => {
                what.push_str(match result.source {
                    TokenSource::Cache => " from the cache",
                    TokenSource::IdentityProvider => " from the identity provider",
                });
                token_reply(&result, &query.resource, self.provider.client_id())
            }
            Err(reply) => reply,
        };
        (reply, what)
    }

    /// A token for the query's resource, in a task of its own that waits its turn at the
    /// resource's gate.
    async fn acquire(self: &Arc<Self>, query: &TokenQuery) -> Result<AuthenticationResult, Reply> {
        let Some(pending) = Pending::enter(self) else {
            return Err(error_reply(
                503,
                "msal serve has too many token requests under way; try again shortly.",
            ));
        };
        let resource = query.resource.clone();
        let key = resource.to_lowercase();
        let gate = self.gate(&key);
        let shared = Arc::clone(self);
        let task = tokio::spawn(async move {
            let _pending = pending;
            let result = {
                let _turn = gate.lock().await;
                off_the_runtime(shared.provider.token(&resource)).await
            };
            shared.release(&key, gate);
            result
        });
        match task.await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(failure_reply(&error, &query.resource)),
            Err(_) => Err(error_reply(
                500,
                "msal serve failed while getting the token; see its log.",
            )),
        }
    }

    fn gate(&self, key: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        Arc::clone(gates.entry(key.to_owned()).or_default())
    }

    /// Forgets the gate of `key` when no one else holds it, so the map does not grow with every
    /// resource ever asked for.
    fn release(&self, key: &str, gate: Arc<tokio::sync::Mutex<()>>) {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        // Ours and the map's: nobody is waiting, and nobody can take it while the map is locked.
        if Arc::strong_count(&gate) == 2 {
            gates.remove(key);
        }
    }

    /// Waits for acquisitions under way, within the shutdown bound.
    async fn settle(&self) {
        let deadline = Instant::now() + self.limits.shutdown;
        if self.pending.load(Ordering::SeqCst) > 0 {
            log::info!("waiting for the token requests under way to finish");
        }
        while self.pending.load(Ordering::SeqCst) > 0 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// One acquisition counted in [`Shared::pending`].
struct Pending(Arc<Shared>);

impl Pending {
    fn enter(shared: &Arc<Shared>) -> Option<Self> {
        let before = shared.pending.fetch_add(1, Ordering::SeqCst);
        if before >= shared.limits.pending {
            shared.pending.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Self(Arc::clone(shared)))
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        self.0.pending.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Runs `future`, which may block its thread (the cache lock is waited for with sleeps, the
/// keyring is called synchronously), where that does not stall other connections: on a
/// multi-threaded runtime, in place with this worker's other tasks handed to another thread.
async fn off_the_runtime<F: Future>(future: F) -> F::Output {
    let handle = tokio::runtime::Handle::current();
    if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
        tokio::task::block_in_place(|| handle.block_on(future))
    } else {
        future.await
    }
}

/// Serves one connection: requests in turn while the client keeps it open and each is answered
/// with a token; any refusal closes it.
async fn connection(mut stream: TcpStream, shared: Arc<Shared>) {
    let limits = shared.limits;
    let mut reader = RequestReader::new();
    loop {
        if !reader.has_buffered() {
            match tokio::time::timeout(limits.idle, stream.readable()).await {
                Ok(Ok(())) => {}
                _ => return,
            }
        }
        let read =
            tokio::time::timeout(limits.head_time, reader.read(&mut stream, &limits.request));
        let request = match read.await {
            Ok(Ok(Ok(request))) => request,
            Ok(Ok(Err(refusal))) => {
                log::info!(
                    "refused a request: {} {}",
                    refusal.status(),
                    refusal.message()
                );
                let reply = error_reply(refusal.status(), refusal.message());
                let _ = write_reply(&mut stream, &reply, true).await;
                drain(&mut stream).await;
                return;
            }
            // The client went away, sent nothing more, or was too slow.
            _ => return,
        };
        let started = Instant::now();
        let (reply, what) = shared.answer(&request).await;
        let close = request.close || reply.status != 200;
        let written = write_reply(&mut stream, &reply, close).await;
        let elapsed = started.elapsed().as_secs_f64() * 1000.0;
        if reply.message.is_empty() {
            log::info!("{what}: {} in {elapsed:.2} ms", reply.status);
        } else {
            log::info!(
                "{what}: {} in {elapsed:.2} ms: {}",
                reply.status,
                reply.message
            );
        }
        if close || written.is_err() {
            return;
        }
    }
}

async fn write_reply(stream: &mut TcpStream, reply: &Reply, close: bool) -> io::Result<()> {
    let answer = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: application/json; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\n{}\r\n{}",
        reply.status,
        inbound::reason(reply.status),
        reply.body.len(),
        if close { "Connection: close\r\n" } else { "" },
        reply.body
    );
    stream.write_all(answer.as_bytes()).await?;
    if close {
        stream.shutdown().await?;
    }
    Ok(())
}

fn method_name(request: &Request) -> &'static str {
    match request.method {
        inbound::Method::Get => "GET",
        inbound::Method::Post => "POST",
        inbound::Method::Other => "a request to",
    }
}

/// At most 200 characters of a value a client sent, for the log.
fn excerpt(text: &str) -> String {
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}
