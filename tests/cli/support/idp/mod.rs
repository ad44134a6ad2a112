//! A strict, Entra-shaped test identity provider on `std::net::TcpListener`, on 127.0.0.1 only.
//!
//! It is strict where Entra ID is strict, records every request it receives (before any fault
//! applies), can inject faults, and never prints a secret or a token. A test holds a [`TestIdp`]:
//! it starts the server, registers tenants, clients and users, sets switches, and reads back what
//! the server received and issued. Dropping it stops the server and joins its threads.
//!
//! The parts, one job each:
//! - `server`: the listener, one thread per connection (plain or TLS), shutdown;
//! - `http`: minimal HTTP/1.1: requests read with size limits, responses with `Connection: close`;
//! - `tls`: a test CA and a server certificate for 127.0.0.1 and localhost;
//! - `faults`: what the server does instead of (or on top of) its normal answer;
//! - `routes`: method and path pattern (`{name}` segments capture) to handler; a test adds its own
//!   with [`TestIdp::add_route`];
//! - `discovery`: OpenID configuration, instance discovery, the keys endpoint;
//! - `token_endpoint`: which grant and which client a token request is for;
//! - `client_auth`: client authentication (secret in the body or HTTP Basic, certificate
//!   assertion, federated assertion, public clients);
//! - `jwt`: the tokens it makes and the client assertions it checks;
//! - `grants`: one module per grant (and the authorize and device authorization endpoints of the
//!   user flows), plus the user token response they share;
//! - `errors`: Entra-shaped OAuth error answers;
//! - `state`: all mutable data, in one `Mutex<State>` that handlers lock briefly;
//! - `user_flows`: the [`TestIdp`] methods for users and the sign-in switches;
//! - `tests`: its own tests (`cargo test --test cli support::idp`).
//!
//! A new grant is a module in `grants/` and a line in `token_endpoint::grant_handler`.

mod client_auth;
mod discovery;
mod errors;
mod faults;
mod grants;
mod http;
mod jwt;
mod routes;
mod server;
mod state;
mod tls;
mod token_endpoint;
mod user_flows;

#[cfg(test)]
mod tests;

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;

pub use faults::{Fault, FaultRule};
pub use http::{RecordedRequest, Response};
pub use state::{AuthorizeOutcome, DevicePlan, IdTokenFault, IssuedError, IssuedToken, TestUser};

use routes::{Handler, Route, builtin_routes};
use server::{Server, accept_loop};
use state::State;
use tls::tls_config;

/// The fixed GUID of the pre-registered tenant `contoso.example`.
pub const CONTOSO_TENANT_ID: &str = "8eaef023-2b34-4da1-9baa-8bc8c9d6a490";
/// The pre-registered tenant domain.
pub const CONTOSO_DOMAIN: &str = "contoso.example";
/// `client_assertion_type` for JWT client assertions.
pub const JWT_BEARER_ASSERTION_TYPE: &str =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// `expires_in` of the access tokens it issues, unless a test sets another
/// ([`TestIdp::set_access_token_lifetime`]).
pub const ACCESS_TOKEN_LIFETIME: u64 = 3599;

/// The tenants every Entra authority host knows besides tenant GUIDs and domains.
const WELL_KNOWN_TENANTS: [&str; 3] = ["common", "organizations", "consumers"];

/// The test identity provider. Dropping it stops the server and joins its threads.
pub struct TestIdp {
    server: Arc<Server>,
    addr: SocketAddr,
    accept_thread: Option<JoinHandle<()>>,
    conn_threads: Arc<Mutex<Vec<JoinHandle<()>>>>,
    ca_dir: Option<tempfile::TempDir>,
    /// The DER of the TLS server certificate, for a TLS IdP.
    server_cert: Option<Vec<u8>>,
}

impl TestIdp {
    /// Start on `http://127.0.0.1:<ephemeral>`.
    pub fn start() -> Self {
        Self::start_inner(None, None)
    }

    /// Start on `https://127.0.0.1:<ephemeral>` with a fresh test CA ([`Self::ca_cert_path`]).
    pub fn start_tls() -> Self {
        let dir = tempfile::tempdir().expect("temp dir for the test CA");
        let (config, ca_pem, server_cert) = tls_config();
        let ca_path = dir.path().join("test-ca.pem");
        std::fs::write(&ca_path, ca_pem).expect("write CA PEM");
        let mut idp = Self::start_inner(Some(Arc::new(config)), Some(dir));
        idp.server_cert = Some(server_cert);
        idp
    }

    /// The SHA-1 thumbprint (lowercase hex) of a TLS IdP's server certificate, as Windows and
    /// Service Fabric's `IDENTITY_SERVER_THUMBPRINT` write it.
    pub fn server_cert_sha1(&self) -> String {
        let der = self
            .server_cert
            .as_ref()
            .expect("server_cert_sha1() needs TestIdp::start_tls()");
        digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, der)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
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
            server_cert: None,
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

/// Seconds since the Unix epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
