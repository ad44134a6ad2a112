//! A strict, Entra-shaped test identity provider on `std::net::TcpListener`.
//!
//! Hand-written minimal HTTP/1.1 (request line, headers, `Content-Length` body capped at 1 MiB,
//! `Connection: close` on every response, one thread per connection), optionally behind TLS
//! (`rustls`, a test CA made with `rcgen`). It is strict where Entra ID is strict, records every
//! request it receives (before any fault applies), and can inject faults.
//!
//! Extending it: built-in endpoints live in [`builtin_routes`] (method + path pattern with
//! `{name}` segments); grants plug into [`grant_handler`]; all mutable data sits in one
//! `Mutex<State>`. Tests can add their own routes with [`TestIdp::add_route`]. The user sign-in
//! flows (authorize, device code, refresh, password) live in the child module `user_flows`.
//!
//! Nothing here prints a secret or a token.

use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

mod user_flows;

pub use user_flows::{AuthorizeOutcome, DevicePlan, IdTokenFault, TestUser};

/// The fixed GUID of the pre-registered tenant `contoso.example`.
pub const CONTOSO_TENANT_ID: &str = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490";
/// The pre-registered tenant domain.
pub const CONTOSO_DOMAIN: &str = "contoso.example";
/// `client_assertion_type` for JWT client assertions.
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

const MAX_HEADER_BYTES: usize = 64 * 1024;
const MAX_BODY_BYTES: usize = 1024 * 1024;
const SOCKET_TIMEOUT: Duration = Duration::from_secs(15);
/// Clock skew tolerated for `nbf`/`iat`/`exp` of client assertions.
const CLOCK_SKEW_SECS: i64 = 60;
const DEFAULT_AT_LIFETIME: u64 = 3599;
const WELL_KNOWN_TENANTS: [&str; 3] = ["common", "organizations", "consumers"];

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

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

/// An access token the IdP issued.
#[derive(Clone)]
pub struct IssuedToken {
    /// The token.
    pub access_token: String,
    /// To which client.
    pub client_id: String,
    /// In which tenant (GUID).
    pub tenant_id: String,
    /// For which scope.
    pub scope: String,
    /// Lifetime in seconds as sent in `expires_in`.
    pub expires_in: u64,
    /// The grant that produced it (`client_credentials`, `authorization_code`, …).
    pub grant_type: String,
    /// The user it was issued for (user flows only).
    pub username: Option<String>,
    /// The refresh token issued with it, if any.
    pub refresh_token: Option<String>,
    /// The ID token issued with it, if any.
    pub id_token: Option<String>,
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("access_token", &"<redacted>")
            .field("client_id", &self.client_id)
            .field("tenant_id", &self.tenant_id)
            .field("scope", &self.scope)
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// An OAuth error response the IdP sent.
#[derive(Clone, Debug)]
pub struct IssuedError {
    /// HTTP status.
    pub status: u16,
    /// OAuth `error`.
    pub error: String,
    /// The AADSTS number.
    pub code: u32,
    /// `correlation_id` (the request's `client-request-id` when it had one).
    pub correlation_id: String,
    /// `trace_id`.
    pub trace_id: String,
}

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct Client {
    /// A public client (native app): must not authenticate, may only use user grants.
    public: bool,
    secrets: Vec<String>,
    /// (certificate DER, public key DER: RSAPublicKey or SubjectPublicKeyInfo)
    certificates: Vec<(Vec<u8>, Vec<u8>)>,
    federated_assertion: Option<String>,
}

/// All mutable data of the IdP. Routes lock it briefly.
pub struct State {
    /// lowercased domain -> tenant GUID
    tenants: HashMap<String, String>,
    clients: HashMap<String, Client>,
    faults: VecDeque<FaultRule>,
    requests: Vec<RecordedRequest>,
    issued: Vec<IssuedToken>,
    errors: Vec<IssuedError>,
    used_jtis: HashSet<String>,
    access_token_lifetime: u64,
    /// Users, codes, refresh tokens, device codes and the user-flow switches.
    users: user_flows::UserState,
}

impl State {
    fn new() -> Self {
        let mut tenants = HashMap::new();
        tenants.insert(CONTOSO_DOMAIN.to_owned(), CONTOSO_TENANT_ID.to_owned());
        Self {
            tenants,
            clients: HashMap::new(),
            faults: VecDeque::new(),
            requests: Vec::new(),
            issued: Vec::new(),
            errors: Vec::new(),
            used_jtis: HashSet::new(),
            access_token_lifetime: DEFAULT_AT_LIFETIME,
            users: user_flows::UserState::default(),
        }
    }

    /// The tenant id used in endpoints for `{t}`: a GUID for a registered domain or GUID,
    /// `common`/`organizations`/`consumers` as given, `None` when unknown.
    fn resolve_tenant(&self, t: &str) -> Option<String> {
        let lower = t.to_ascii_lowercase();
        if WELL_KNOWN_TENANTS.contains(&lower.as_str()) {
            return Some(lower);
        }
        if let Some(guid) = self.tenants.get(&lower) {
            return Some(guid.clone());
        }
        self.tenants.values().find(|g| **g == lower).cloned()
    }

    fn take_fault(&mut self, path: &str) -> Option<Fault> {
        let idx = self
            .faults
            .iter()
            .position(|r| r.times > 0 && path.contains(&r.path_contains))?;
        let rule = &mut self.faults[idx];
        rule.times -= 1;
        let fault = rule.fault.clone();
        if rule.times == 0 {
            self.faults.remove(idx);
        }
        Some(fault)
    }
}

/// Path parameters captured from `{name}` segments.
pub struct Params(Vec<(String, String)>);

impl Params {
    /// The value of `{name}`.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

type Handler = Arc<dyn Fn(&Server, &RecordedRequest, &Params) -> Response + Send + Sync>;

struct Route {
    method: String,
    pattern: Vec<String>,
    handler: Handler,
}

impl Route {
    fn new(method: &str, pattern: &str, handler: Handler) -> Self {
        Self {
            method: method.to_owned(),
            pattern: split_path(pattern),
            handler,
        }
    }

    fn matches(&self, method: &str, path: &str) -> Option<Params> {
        if self.method != method {
            return None;
        }
        let segments = split_path(path);
        if segments.len() != self.pattern.len() {
            return None;
        }
        let mut params = Vec::new();
        for (pat, seg) in self.pattern.iter().zip(&segments) {
            if let Some(name) = pat.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
                if seg.is_empty() {
                    return None;
                }
                params.push((name.to_owned(), seg.clone()));
            } else if pat != seg {
                return None;
            }
        }
        Some(Params(params))
    }
}

fn split_path(path: &str) -> Vec<String> {
    path.trim_start_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

/// The shared server side: what route handlers see.
pub struct Server {
    base_url: String,
    state: Mutex<State>,
    routes: Mutex<Vec<Route>>,
    shutdown: AtomicBool,
    tls: Option<Arc<rustls::ServerConfig>>,
    connections: Mutex<Vec<(u64, TcpStream)>>,
    next_conn_id: AtomicU64,
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

    fn stopping(&self) -> bool {
        self.shutdown.load(Ordering::SeqCst)
    }

    /// Sleep up to `d`, waking early when the server stops. Returns false if it is stopping.
    fn sleep(&self, d: Duration) -> bool {
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
        let timestamp = entra_timestamp(now_secs());
        let description = format!(
            "AADSTS{code}: {message}\r\nTrace ID: {trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {timestamp}"
        );
        self.state().errors.push(IssuedError {
            status,
            error: error.to_owned(),
            code,
            correlation_id: correlation_id.clone(),
            trace_id: trace_id.clone(),
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

// ---------------------------------------------------------------------------------------------
// TestIdp
// ---------------------------------------------------------------------------------------------

/// The test identity provider. Dropping it stops the server and joins its threads.
pub struct TestIdp {
    server: Arc<Server>,
    addr: SocketAddr,
    accept_thread: Option<JoinHandle<()>>,
    conn_threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    ca_dir: Option<tempfile::TempDir>,
}

impl TestIdp {
    /// Start on `http://127.0.0.1:<ephemeral>`.
    pub fn start() -> Self {
        Self::start_inner(None, None)
    }

    /// Start on `https://127.0.0.1:<ephemeral>` with a fresh test CA ([`Self::ca_cert_path`]).
    pub fn start_tls() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the test CA");
        let (config, ca_pem) = tls_config();
        let ca_path = dir.path().join("test-ca.pem");
        std::fs::write(&ca_path, ca_pem).expect("write CA PEM");
        Self::start_inner(Some(Arc::new(config)), Some(dir))
    }

    fn start_inner(
        tls: Option<Arc<rustls::ServerConfig>>,
        ca_dir: Option<tempfile::TempDir>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let server = Arc::new(Server {
            base_url: format!("{scheme}://127.0.0.1:{}", addr.port()),
            state: Mutex::new(State::new()),
            routes: Mutex::new(builtin_routes()),
            shutdown: AtomicBool::new(false),
            tls,
            connections: Mutex::new(Vec::new()),
            next_conn_id: AtomicU64::new(0),
        });
        let conn_threads = Arc::new(Mutex::new(Vec::new()));
        let accept_thread = {
            let server = Arc::clone(&server);
            let conn_threads = Arc::clone(&conn_threads);
            std::thread::Builder::new()
                .name("test-idp-accept".into())
                .spawn(move || accept_loop(&listener, &server, &conn_threads))
                .expect("spawn accept thread")
        };
        Self {
            server,
            addr,
            accept_thread: Some(accept_thread),
            conn_threads,
            ca_dir,
        }
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.base_url.clone()
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `base_url/tenant`.
    pub fn authority(&self, tenant: &str) -> String {
        format!("{}/{tenant}", self.server.base_url)
    }

    /// The token endpoint URL for a tenant (as discovery would return it).
    pub fn token_endpoint(&self, tenant: &str) -> String {
        let tid = self
            .server
            .state()
            .resolve_tenant(tenant)
            .unwrap_or_else(|| tenant.to_owned());
        format!("{}/{tid}/oauth2/v2.0/token", self.server.base_url)
    }

    /// The CA certificate (PEM) of a TLS IdP.
    pub fn ca_cert_path(&self) -> PathBuf {
        self.ca_dir
            .as_ref()
            .map(|d| d.path().join("test-ca.pem"))
            .expect("ca_cert_path() needs TestIdp::start_tls()")
    }

    /// Register a tenant domain; returns its new GUID.
    pub fn add_tenant(&self, domain: &str) -> String {
        let guid = uuid::Uuid::new_v4().to_string();
        self.server
            .state()
            .tenants
            .insert(domain.to_ascii_lowercase(), guid.clone());
        guid
    }

    /// A confidential client that authenticates with this secret (more secrets may be added).
    pub fn register_secret_client(&self, client_id: &str, secret: &str) {
        self.server
            .state()
            .clients
            .entry(client_id.to_owned())
            .or_default()
            .secrets
            .push(secret.to_owned());
    }

    /// A confidential client that authenticates with a JWT signed by this certificate's key.
    /// `public_key` is the DER RSAPublicKey or SubjectPublicKeyInfo.
    pub fn register_certificate_client(&self, client_id: &str, cert_der: &[u8], public_key: &[u8]) {
        self.server
            .state()
            .clients
            .entry(client_id.to_owned())
            .or_default()
            .certificates
            .push((cert_der.to_vec(), public_key.to_vec()));
    }

    /// A client that accepts a `client_assertion` equal to this exact string (standing in for
    /// Entra's federated identity credential check). Replaces an earlier expected assertion.
    pub fn register_federated_client(&self, client_id: &str, expected_assertion: &str) {
        self.server
            .state()
            .clients
            .entry(client_id.to_owned())
            .or_default()
            .federated_assertion = Some(expected_assertion.to_owned());
    }

    /// Lifetime (`expires_in`) of access tokens issued from now on.
    pub fn set_access_token_lifetime(&self, secs: u64) {
        self.server.state().access_token_lifetime = secs;
    }

    /// Queue a fault. Rules apply in the order they were injected.
    pub fn inject(&self, rule: FaultRule) {
        self.server.state().faults.push_back(rule);
    }

    /// Serve `handler` for `method` + `pattern` (segments like `{name}` capture). Custom routes
    /// take precedence over built-in ones.
    pub fn add_route(
        &self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&RecordedRequest) -> Response + Send + Sync + 'static,
    ) {
        let handler: Handler = Arc::new(move |_, req, _| handler(req));
        let mut routes = self.server.routes.lock().unwrap_or_else(|e| e.into_inner());
        routes.insert(0, Route::new(method, pattern, handler));
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.state().requests.clone()
    }

    /// Requests whose path contains `path_contains`.
    pub fn requests_to(&self, path_contains: &str) -> Vec<RecordedRequest> {
        self.server
            .state()
            .requests
            .iter()
            .filter(|r| r.path.contains(path_contains))
            .cloned()
            .collect()
    }

    /// POSTs to token endpoints.
    pub fn token_requests(&self) -> Vec<RecordedRequest> {
        self.server
            .state()
            .requests
            .iter()
            .filter(|r| r.is_token_request())
            .cloned()
            .collect()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.server.state().requests.len()
    }

    /// Forget recorded requests (issued tokens and errors stay).
    pub fn clear_requests(&self) {
        self.server.state().requests.clear();
    }

    /// Access tokens issued so far, oldest first.
    pub fn issued_access_tokens(&self) -> Vec<String> {
        self.server
            .state()
            .issued
            .iter()
            .map(|t| t.access_token.clone())
            .collect()
    }

    /// Access tokens issued so far, with what they were issued for.
    pub fn issued_tokens(&self) -> Vec<IssuedToken> {
        self.server.state().issued.clone()
    }

    /// OAuth error responses sent so far.
    pub fn issued_errors(&self) -> Vec<IssuedError> {
        self.server.state().errors.clone()
    }
}

impl Drop for TestIdp {
    fn drop(&mut self) {
        self.server.shutdown.store(true, Ordering::SeqCst);
        // Wake the blocking accept().
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(t) = self.accept_thread.take() {
            let _ = t.join();
        }
        // Unblock connection threads stuck in read/write.
        for (_, stream) in self
            .server
            .connections
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            let _ = stream.shutdown(Shutdown::Both);
        }
        let threads: Vec<_> = self
            .conn_threads
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        for t in threads {
            let _ = t.join();
        }
    }
}

fn accept_loop(
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

// ---------------------------------------------------------------------------------------------
// Connection handling
// ---------------------------------------------------------------------------------------------

enum Conn {
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
    fn finish(mut self) {
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
    fn abort(self) {
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

fn route(server: &Server, req: &RecordedRequest) -> Response {
    let found = {
        let routes = server.routes.lock().unwrap_or_else(|e| e.into_inner());
        let mut path_matched = false;
        let mut found = None;
        for r in routes.iter() {
            if let Some(p) = r.matches(&req.method, &req.path) {
                found = Some((Arc::clone(&r.handler), p));
                break;
            }
            if r.matches(&r.method, &req.path).is_some() {
                path_matched = true;
            }
        }
        found.ok_or(path_matched)
    };
    match found {
        Ok((handler, params)) => handler(server, req, &params),
        Err(true) => server.entra_error(
            req,
            405,
            "invalid_request",
            900561,
            "The endpoint only accepts POST, OPTIONS requests. Received a GET request.",
        ),
        Err(false) => Response::json(
            404,
            &json!({"error": "not_found", "error_description": format!("No route for {} {}", req.method, req.path)}),
        ),
    }
}

/// Ok(None): nothing to answer. Err(resp): a malformed request, answered with `resp`.
fn read_request(conn: &mut Conn) -> Result<Option<RecordedRequest>, Response> {
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

fn reason(status: u16) -> &'static str {
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

fn response_head(resp: &Response, content_length: usize) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {} {}\r\n", resp.status, reason(resp.status));
    for (k, v) in &resp.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!(
        "Content-Length: {content_length}\r\nConnection: close\r\n\r\n"
    ));
    head.into_bytes()
}

fn write_response(conn: &mut Conn, resp: &Response) -> io::Result<()> {
    conn.write_all(&response_head(resp, resp.body.len()))?;
    conn.write_all(&resp.body)?;
    conn.flush()
}

fn apply_fault(server: &Server, mut conn: Conn, req: &RecordedRequest, fault: Fault) {
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

// ---------------------------------------------------------------------------------------------
// Routes
// ---------------------------------------------------------------------------------------------

fn builtin(
    method: &str,
    pattern: &str,
    f: fn(&Server, &RecordedRequest, &Params) -> Response,
) -> Route {
    Route::new(method, pattern, Arc::new(f))
}

/// The built-in endpoints (the user flows' handlers live in `user_flows`).
fn builtin_routes() -> Vec<Route> {
    vec![
        builtin(
            "GET",
            "/{tenant}/v2.0/.well-known/openid-configuration",
            openid_configuration,
        ),
        builtin("GET", "/common/discovery/instance", instance_discovery),
        builtin("GET", "/{tenant}/discovery/v2.0/keys", jwks),
        builtin("POST", "/{tenant}/oauth2/v2.0/token", token_endpoint),
        builtin(
            "GET",
            "/{tenant}/oauth2/v2.0/authorize",
            user_flows::authorize,
        ),
        builtin(
            "POST",
            "/{tenant}/oauth2/v2.0/devicecode",
            user_flows::device_authorization,
        ),
    ]
}

fn openid_configuration(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let tid = server.state().resolve_tenant(t);
    let Some(tid) = tid else {
        return invalid_tenant(server, req, t);
    };
    let base = server.base_url();
    let issuer_tenant = if WELL_KNOWN_TENANTS.contains(&tid.as_str()) {
        "{tenantid}"
    } else {
        tid.as_str()
    };
    Response::json(
        200,
        &json!({
            "token_endpoint": format!("{base}/{tid}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{base}/{tid}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{base}/{issuer_tenant}/v2.0"),
            "request_uri_parameter_supported": false,
            "userinfo_endpoint": format!("{base}/oidc/userinfo"),
            "authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{base}/{tid}/oauth2/v2.0/devicecode"),
            "http_logout_supported": true,
            "frontchannel_logout_supported": true,
            "end_session_endpoint": format!("{base}/{tid}/oauth2/v2.0/logout"),
            "claims_supported": ["sub", "iss", "cloud_instance_name", "cloud_instance_host_name",
                "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr",
                "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"],
            "kerberos_endpoint": format!("{base}/{tid}/kerberos"),
            "tenant_region_scope": null,
            "cloud_instance_name": "microsoftonline.com",
            "cloud_graph_host_name": "graph.windows.net",
            "msgraph_host": "graph.microsoft.com",
            "rbac_url": "https://pas.windows.net",
        }),
    )
}

fn invalid_tenant(server: &Server, req: &RecordedRequest, t: &str) -> Response {
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

fn instance_discovery(server: &Server, req: &RecordedRequest, _: &Params) -> Response {
    let base = server.base_url();
    let host = base.split("://").nth(1).unwrap_or("");
    let host_no_port = host.split(':').next().unwrap_or(host);
    let tenant = req
        .query("authorization_endpoint")
        .and_then(|a| a.split("://").nth(1))
        .and_then(|rest| rest.split('/').nth(1))
        .unwrap_or("common")
        .to_owned();
    Response::json(
        200,
        &json!({
            "tenant_discovery_endpoint": format!("{base}/{tenant}/v2.0/.well-known/openid-configuration"),
            "api-version": "1.1",
            "metadata": [{
                "preferred_network": host_no_port,
                "preferred_cache": host_no_port,
                "aliases": [host_no_port],
            }],
        }),
    )
}

fn jwks(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let known = server.state().resolve_tenant(t).is_some();
    if !known {
        return invalid_tenant(server, req, t);
    }
    Response::json(200, &json!({"keys": [user_flows::signing_jwk()]}))
}

type GrantHandler = fn(&Server, &RecordedRequest, &TokenContext) -> Response;

/// What every grant handler gets: the resolved tenant and the authenticated client.
pub struct TokenContext {
    /// Tenant id from the URL: a GUID, or `common`/`organizations`/`consumers`.
    pub tenant_id: String,
    /// The authenticated client id.
    pub client_id: String,
    /// The token endpoint URL as requested.
    pub endpoint: String,
}

/// The grant handlers (jwt-bearer on-behalf-of is not served yet).
fn grant_handler(grant_type: &str) -> Option<GrantHandler> {
    match grant_type {
        "client_credentials" => Some(client_credentials_grant),
        "authorization_code" => Some(user_flows::authorization_code_grant),
        "refresh_token" => Some(user_flows::refresh_token_grant),
        user_flows::DEVICE_CODE_GRANT => Some(user_flows::device_code_grant),
        "password" => Some(user_flows::password_grant),
        user_flows::JWT_BEARER_GRANT => Some(user_flows::on_behalf_of_grant),
        _ => None,
    }
}

/// Grants that sign a user in, which public clients may use.
fn is_user_grant(grant_type: &str) -> bool {
    matches!(
        grant_type,
        "authorization_code" | "refresh_token" | "password" | user_flows::DEVICE_CODE_GRANT
    )
}

fn token_endpoint(server: &Server, req: &RecordedRequest, p: &Params) -> Response {
    let t = p.get("tenant");
    let tenant_id = server.state().resolve_tenant(t);
    let Some(tenant_id) = tenant_id else {
        return invalid_tenant(server, req, t);
    };
    let endpoint = format!("{}{}", server.base_url(), req.path);

    // HTTP Basic (client_secret_basic): client_id and secret form-urlencoded, then base64.
    let basic = req
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| {
            let (id, secret) = s.split_once(':')?;
            let dec = |v: &str| {
                url::form_urlencoded::parse(format!("x={v}").as_bytes())
                    .next()
                    .map(|(_, v)| v.into_owned())
                    .unwrap_or_default()
            };
            Some((dec(id), dec(secret)))
        });

    let Some(grant_type) = req.form("grant_type") else {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'grant_type'.",
        );
    };
    let Some(handler) = grant_handler(grant_type) else {
        return server.entra_error(
            req,
            400,
            "unsupported_grant_type",
            70003,
            &format!("The app requested an unsupported grant type '{grant_type}'."),
        );
    };
    let client_id = match (req.form("client_id"), &basic) {
        (Some(id), _) => id.to_owned(),
        (None, Some((id, _))) => id.clone(),
        (None, None) => {
            return server.entra_error(
                req,
                400,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'client_id'.",
            );
        }
    };
    if let Err(resp) = authenticate_client(
        server,
        req,
        &ClientRef {
            client_id: &client_id,
            tenant_id: &tenant_id,
            endpoint: &endpoint,
            grant_type,
        },
        &basic,
    ) {
        return resp;
    }
    let ctx = TokenContext {
        tenant_id,
        client_id,
        endpoint,
    };
    handler(server, req, &ctx)
}

/// Which client a token request names, and for what.
struct ClientRef<'a> {
    client_id: &'a str,
    tenant_id: &'a str,
    endpoint: &'a str,
    grant_type: &'a str,
}

fn authenticate_client(
    server: &Server,
    req: &RecordedRequest,
    client: &ClientRef<'_>,
    basic: &Option<(String, String)>,
) -> Result<(), Response> {
    let ClientRef {
        client_id,
        tenant_id,
        endpoint,
        grant_type,
    } = *client;
    let invalid_client =
        |code: u32, msg: &str| server.entra_error(req, 401, "invalid_client", code, msg);
    let registered = server.state().clients.get(client_id).map(|c| {
        (
            c.public,
            c.secrets.clone(),
            c.certificates.clone(),
            c.federated_assertion.clone(),
        )
    });
    let (public, secrets, certificates, federated) = match registered {
        Some(r) => r,
        None => {
            return Err(server.entra_error(
                req,
                400,
                "unauthorized_client",
                700016,
                &format!(
                    "Application with identifier '{client_id}' was not found in the directory '{tenant_id}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."
                ),
            ));
        }
    };
    if let Some((basic_id, _)) = basic
        && basic_id != client_id
    {
        return Err(server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The client_id in the Authorization header does not match the client_id in the body.",
        ));
    }
    let secret = req
        .form("client_secret")
        .map(str::to_owned)
        .or_else(|| basic.as_ref().map(|(_, s)| s.clone()));
    let assertion = req.form("client_assertion");
    if public {
        // Entra: a public client (native app) must not present a credential, and has none to
        // get an application token with.
        if secret.is_some() || assertion.is_some() {
            return Err(server.entra_error(
                req,
                401,
                "invalid_client",
                700025,
                "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
            ));
        }
        if is_user_grant(grant_type) {
            return Ok(());
        }
        return Err(invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    }
    match (secret, assertion) {
        (Some(_), Some(_)) => Err(server.entra_error(
            req,
            400,
            "invalid_request",
            90023,
            "The request contains both a client secret and a client assertion; send only one.",
        )),
        (Some(secret), None) => {
            if secrets.contains(&secret) {
                Ok(())
            } else {
                Err(invalid_client(
                    7000215,
                    &format!(
                        "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."
                    ),
                ))
            }
        }
        (None, Some(assertion)) => {
            if req.form("client_assertion_type") != Some(JWT_BEARER_ASSERTION_TYPE) {
                return Err(server.entra_error(
                    req,
                    400,
                    "invalid_request",
                    90014,
                    "The request body must contain a valid 'client_assertion_type' (urn:ietf:params:oauth:client-assertion-type:jwt-bearer).",
                ));
            }
            if let Some(expected) = &federated
                && assertion == expected
            {
                return Ok(());
            }
            if certificates.is_empty() {
                return Err(invalid_client(
                    700213,
                    &format!(
                        "No matching federated identity record found for presented assertion subject. Check your federated identity credential configuration for app '{client_id}'."
                    ),
                ));
            }
            verify_assertion(server, assertion, client_id, endpoint, &certificates)
                .map_err(|(code, msg)| invalid_client(code, &msg))
        }
        (None, None) => Err(invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        )),
    }
}

fn b64url_decode(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s.trim_end_matches('=')).ok()
}

/// Verify a certificate client assertion. Err((AADSTS code, message)).
fn verify_assertion(
    server: &Server,
    assertion: &str,
    client_id: &str,
    endpoint: &str,
    certificates: &[(Vec<u8>, Vec<u8>)],
) -> Result<(), (u32, String)> {
    let malformed = || (50027, "JWT token is invalid or malformed.".to_owned());
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Err(malformed());
    }
    let header: Value = b64url_decode(parts[0])
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let claims: Value = b64url_decode(parts[1])
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(malformed)?;
    let signature_bytes = b64url_decode(parts[2]).ok_or_else(malformed)?;
    let signed = format!("{}.{}", parts[0], parts[1]);

    let (thumb_field, algorithm): (&str, &'static dyn signature::VerificationAlgorithm) =
        match header["alg"].as_str() {
            Some("RS256") => ("x5t", &signature::RSA_PKCS1_2048_8192_SHA256),
            Some("PS256") => ("x5t#S256", &signature::RSA_PSS_2048_8192_SHA256),
            other => {
                return Err((
                    5002738,
                    format!(
                        "The client assertion uses an unsupported signing algorithm {other:?}; use RS256 or PS256."
                    ),
                ));
            }
        };
    let Some(thumb) = header[thumb_field].as_str() else {
        return Err((
            700027,
            format!(
                "Client assertion failed signature validation: the JWT header has no '{thumb_field}' for its algorithm."
            ),
        ));
    };
    let thumb = thumb.trim_end_matches('=');
    let Some((cert_der, public_key)) = certificates.iter().find(|(der, _)| {
        let d = if thumb_field == "x5t" {
            digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der)
        } else {
            digest::digest(&digest::SHA256, der)
        };
        URL_SAFE_NO_PAD.encode(d.as_ref()) == thumb
    }) else {
        return Err((
            700027,
            format!(
                "The certificate with identifier used to sign the client assertion is not registered on application '{client_id}'."
            ),
        ));
    };
    if let Some(x5c) = header.get("x5c") {
        let first = x5c
            .as_array()
            .and_then(|a| a.first())
            .and_then(Value::as_str)
            .and_then(|c| STANDARD.decode(c).ok());
        if first.as_deref() != Some(cert_der.as_slice()) {
            return Err((
                700027,
                "The first certificate in the assertion's x5c is not the certificate named by its thumbprint.".to_owned(),
            ));
        }
    }
    UnparsedPublicKey::new(algorithm, public_key)
        .verify(signed.as_bytes(), &signature_bytes)
        .map_err(|_| {
            (
                700027,
                "Client assertion failed signature validation.".to_owned(),
            )
        })?;

    if claims["aud"].as_str() != Some(endpoint) {
        return Err((
            700023,
            format!(
                "Client assertion audience claim does not match Realm issuer. Expected '{endpoint}'."
            ),
        ));
    }
    if claims["iss"].as_str() != Some(client_id) || claims["sub"].as_str() != Some(client_id) {
        return Err((
            700021,
            "Client assertion application identifier doesn't match 'client_id' parameter."
                .to_owned(),
        ));
    }
    let now = now_secs() as i64;
    let exp = claims["exp"].as_i64();
    let not_in_future =
        |v: &Value| v.is_null() || v.as_i64().is_some_and(|t| t <= now + CLOCK_SKEW_SECS);
    if exp.is_none_or(|e| e <= now - CLOCK_SKEW_SECS)
        || !not_in_future(&claims["nbf"])
        || !not_in_future(&claims["iat"])
    {
        return Err((
            700024,
            "Client assertion is not within its valid time range.".to_owned(),
        ));
    }
    let Some(jti) = claims["jti"].as_str().filter(|j| !j.is_empty()) else {
        return Err((
            700027,
            "Client assertion failed signature validation: the 'jti' claim is missing.".to_owned(),
        ));
    };
    if !server.state().used_jtis.insert(jti.to_owned()) {
        return Err((
            700024,
            "The client assertion was already used (its 'jti' was seen before); make a new assertion for each request.".to_owned(),
        ));
    }
    Ok(())
}

fn client_credentials_grant(
    server: &Server,
    req: &RecordedRequest,
    ctx: &TokenContext,
) -> Response {
    if WELL_KNOWN_TENANTS.contains(&ctx.tenant_id.as_str()) {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            50059,
            "No tenant-identifying information found in either the request or implied by any provided credentials.",
        );
    }
    let Some(scope) = req.form("scope") else {
        return server.entra_error(
            req,
            400,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
        );
    };
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.len() != 1 {
        return server.entra_error(
            req,
            400,
            "invalid_scope",
            70011,
            &format!("The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
        );
    }
    if !scopes[0].ends_with("/.default") {
        return server.entra_error(
            req,
            400,
            "invalid_scope",
            1002012,
            &format!(
                "The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI)."
            ),
        );
    }
    let resource = scopes[0].trim_end_matches("/.default");
    let mut state = server.state();
    let lifetime = state.access_token_lifetime;
    let now = now_secs();
    let access_token = make_jwt(&json!({
        "aud": resource,
        "iss": format!("{}/{}/", server.base_url(), ctx.tenant_id),
        "iat": now,
        "nbf": now,
        "exp": now + lifetime,
        "appid": ctx.client_id,
        "azp": ctx.client_id,
        "idtyp": "app",
        "oid": uuid::Uuid::new_v4().to_string(),
        "sub": uuid::Uuid::new_v4().to_string(),
        "tid": ctx.tenant_id,
        "uti": uuid::Uuid::new_v4().to_string(),
        "ver": "2.0",
    }));
    state.issued.push(IssuedToken {
        access_token: access_token.clone(),
        client_id: ctx.client_id.clone(),
        tenant_id: ctx.tenant_id.clone(),
        scope: scopes[0].to_owned(),
        expires_in: lifetime,
        grant_type: "client_credentials".to_owned(),
        username: None,
        refresh_token: None,
        id_token: None,
    });
    drop(state);
    Response::json(
        200,
        &json!({
            "token_type": "Bearer",
            "expires_in": lifetime,
            "ext_expires_in": lifetime,
            "access_token": access_token,
        }),
    )
}

/// A JWT-shaped token with a random (not verifiable) signature: unique per call.
fn make_jwt(claims: &Value) -> String {
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": "test-idp-key"});
    let mut sig = [0u8; 64];
    aws_lc_rs::rand::fill(&mut sig).expect("random bytes");
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

// ---------------------------------------------------------------------------------------------
// Time and TLS helpers
// ---------------------------------------------------------------------------------------------

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// (year, month, day, hour, minute, second) in UTC for epoch seconds.
pub fn utc_parts(epoch: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (epoch / 86_400) as i64;
    let rem = epoch % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        (rem % 3600 / 60) as u32,
        (rem % 60) as u32,
    )
}

/// Entra's timestamp format: `2026-11-26 14:23:11Z`.
pub fn entra_timestamp(epoch: u64) -> String {
    let (y, mo, d, h, mi, s) = utc_parts(epoch);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}Z")
}

/// A server config for SANs 127.0.0.1 and localhost, and the CA PEM that signs it.
fn tls_config() -> (rustls::ServerConfig, String) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
        IsCa, KeyPair, KeyUsagePurpose,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "msal test IdP CA");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_key = KeyPair::generate().expect("CA key");
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");

    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .expect("server params");
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let key = KeyPair::generate().expect("server key");
    let cert = params.signed_by(&key, &ca).expect("server certificate");

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone(), ca.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .expect("server TLS config");
    (config, ca.pem())
}
