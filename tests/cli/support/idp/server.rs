//! The server side of the test identity provider: the accept loop, one thread per connection
//! (plain TCP or TLS), each reading one request, recording it, and answering it (or applying a
//! fault) before closing; and what lets a stopping server wake and join its threads.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::faults::apply_fault;
use super::http::{read_request, write_response};
use super::routes::{Route, route};
use super::state::State;

/// How long a connection may stay silent (reading or writing) before it is dropped.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(15);

/// The shared server side: what route handlers see.
pub(super) struct Server {
    pub(super) base_url: String,
    pub(super) state: Mutex<State>,
    pub(super) routes: Mutex<Vec<Route>>,
    pub(super) shutdown: AtomicBool,
    pub(super) tls: Option<Arc<rustls::ServerConfig>>,
    pub(super) connections: Mutex<Vec<(u64, TcpStream)>>,
    pub(super) next_conn_id: AtomicU64,
}

impl Server {
    /// `http(s)://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Lock the state.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(super) fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleep up to `d`, waking early when the server stops. Returns false if it is stopping.
    pub(super) fn sleep(&self, d: Duration) -> bool {
        let deadline = Instant::now() + d;
        loop {
            if self.stopping() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(20)));
        }
    }
}

/// Accepts connections until the server stops, each on its own thread.
pub(super) fn accept_loop(
    listener: &TcpListener,
    server: &Arc<Server>,
    conn_threads: &Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    for conn in listener.incoming() {
        if server.stopping() {
            break;
        }
        let Ok(stream) = conn else { continue };
        let id = server.next_conn_id.fetch_add(1, Ordering::SeqCst);
        if let Ok(clone) = stream.try_clone() {
            server
                .connections
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((id, clone));
        }
        let server2 = Arc::clone(server);
        let handle = std::thread::Builder::new()
            .name("test-idp-conn".into())
            .spawn(move || {
                handle_connection(&server2, stream);
                server2
                    .connections
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .retain(|(i, _)| *i != id);
            });
        if let Ok(handle) = handle {
            let mut threads = conn_threads.lock().unwrap_or_else(|e| e.into_inner());
            threads.retain(|t| !t.is_finished());
            threads.push(handle);
        }
    }
}

/// One request: read, record, then answer it (or apply the fault whose turn it is) and close.
fn handle_connection(server: &Server, stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(SOCKET_TIMEOUT));
    let _ = stream.set_write_timeout(Some(SOCKET_TIMEOUT));
    let _ = stream.set_nodelay(true);
    let mut conn = match &server.tls {
        None => Conn::Plain(stream),
        Some(cfg) => match rustls::ServerConnection::new(Arc::clone(cfg)) {
            Ok(c) => Conn::Tls(Box::new(rustls::StreamOwned::new(c, stream))),
            Err(_) => return,
        },
    };
    if server.stopping() {
        return;
    }
    let req = match read_request(&mut conn) {
        Ok(Some(req)) => req,
        Ok(None) => return, // closed, TLS handshake failure, or our own wake-up connection
        Err(resp) => {
            let _ = write_response(&mut conn, &resp);
            conn.finish();
            return;
        }
    };
    let fault = {
        let mut state = server.state();
        state.requests.push(req.clone());
        state.take_fault(&req.path)
    };
    match fault {
        None => {
            let resp = route(server, &req);
            let _ = write_response(&mut conn, &resp);
            conn.finish();
        }
        Some(fault) => apply_fault(server, conn, &req, fault),
    }
}

/// A connection, plain or TLS.
pub(super) enum Conn {
    Plain(TcpStream),
    Tls(Box<rustls::StreamOwned<rustls::ServerConnection, TcpStream>>),
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

impl Conn {
    pub(super) fn finish(mut self) {
        let _ = self.flush();
        match self {
            Conn::Plain(s) => {
                let _ = s.shutdown(Shutdown::Write);
                drain_briefly(s);
            }
            Conn::Tls(mut s) => {
                s.conn.send_close_notify();
                let _ = s.flush();
                let _ = s.sock.shutdown(Shutdown::Write);
                drain_briefly(s.sock);
            }
        }
    }

    /// Close at once without a graceful TLS close_notify.
    pub(super) fn abort(self) {
        let sock = match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.sock,
        };
        let _ = sock.shutdown(Shutdown::Both);
    }
}

/// Read what the peer still sends (bounded) so that closing does not reset a response the peer
/// has not read yet.
fn drain_briefly(mut s: TcpStream) {
    let _ = s.set_read_timeout(Some(Duration::from_millis(200)));
    let mut buf = vec![0u8; 64 * 1024];
    for _ in 0..64 {
        match s.read(&mut buf) {
            Ok(n) if n > 0 => continue,
            _ => break,
        }
    }
}
