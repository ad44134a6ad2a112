//! A real, independent OpenID Connect provider for end-to-end tests: the npm package
//! `oidc-provider` (OpenID Certified), run by `tests/oidc/provider.mjs` under Node on
//! 127.0.0.1 with an ephemeral port.
//!
//! [`OidcProvider::start`] writes the configuration (clients, accounts, options) to a file,
//! starts `node`, and reads the issuer from the first line of its stdout. The provider exits
//! when its stdin closes, so it never outlives the test process; `Drop` also kills it.
//!
//! Install it once with `npm ci --prefix tests/oidc` (what `.ci/run` does); without it these
//! tests fail and say so.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::http;

/// How long the provider may take to start (≈0.5 s on an idle machine; CI shares 2 cores).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The command that installs the provider.
pub const INSTALL_COMMAND: &str = "npm ci --prefix tests/oidc";

/// What the provider serves: clients, accounts and options, as `tests/oidc/provider.mjs` reads
/// them (see the comment at its top).
#[derive(Debug, Clone)]
pub struct OidcConfig {
    json: Value,
}

impl Default for OidcConfig {
    fn default() -> Self {
        Self::new()
    }
}

impl OidcConfig {
    /// No clients, no accounts, stock options.
    pub fn new() -> Self {
        Self {
            json: json!({"clients": [], "accounts": []}),
        }
    }

    /// Registers a client (oidc-provider / RFC 7591 metadata; `certificate_pem` becomes `jwks`).
    pub fn client(mut self, metadata: Value) -> Self {
        self.list("clients").push(metadata);
        self
    }

    /// Adds an account that can sign in with `login` = its `sub` and any password.
    pub fn account(mut self, claims: Value) -> Self {
        self.list("accounts").push(claims);
        self
    }

    /// Enables and advertises only these client authentication methods.
    pub fn token_endpoint_auth_methods(mut self, methods: &[&str]) -> Self {
        self.json["token_endpoint_auth_methods"] = json!(methods);
        self
    }

    /// Puts `host` in the issuer instead of 127.0.0.1 (it still listens on 127.0.0.1).
    pub fn issuer_host(mut self, host: &str) -> Self {
        self.json["issuer_host"] = json!(host);
        self
    }

    /// Serves one independent provider per path on the same port (issuers
    /// `http://127.0.0.1:PORT/PATH`, like Keycloak's realms); [`OidcProvider::issuer`] is the
    /// first one's, [`OidcProvider::issuer_at`] names the others.
    pub fn issuer_paths(mut self, paths: &[&str]) -> Self {
        self.json["issuer_paths"] = json!(paths);
        self
    }

    /// Whether the ID token carries the scope claims (`preferred_username`, `email`); without
    /// them it has only `sub` and the protocol claims, as OpenID Connect Core §5.4 has it.
    pub fn id_token_profile_claims(mut self, on: bool) -> Self {
        self.json["id_token_profile_claims"] = json!(on);
        self
    }

    /// Enables and lists in discovery only these scopes (besides `profile` and `email`).
    pub fn scopes(mut self, scopes: &[&str]) -> Self {
        self.json["scopes"] = json!(scopes);
        self
    }

    /// Refuses an authorization request that asks for one of these scopes (`invalid_scope`), as
    /// Google refuses `offline_access`.
    pub fn refused_scopes(mut self, scopes: &[&str]) -> Self {
        self.json["refused_scopes"] = json!(scopes);
        self
    }

    /// Refresh answers carry no ID token, as OpenID Connect Core §12.2 allows.
    pub fn refresh_without_id_token(mut self) -> Self {
        self.json["refresh_without_id_token"] = json!(true);
        self
    }

    fn list(&mut self, name: &str) -> &mut Vec<Value> {
        self.json[name].as_array_mut().expect("a JSON array")
    }
}

/// A running provider.
pub struct OidcProvider {
    child: Child,
    stdin: Option<ChildStdin>,
    issuer: String,
    stderr: Arc<Mutex<Vec<u8>>>,
    _config: tempfile::NamedTempFile,
}

impl OidcProvider {
    /// Starts a provider with `config`; panics with the install command when `oidc-provider`
    /// is not installed, or with the provider's stderr when it does not start.
    pub fn start(config: &OidcConfig) -> Self {
        let dir = provider_dir();
        let script = dir.join("provider.mjs");
        assert!(
            dir.join("node_modules/oidc-provider/package.json")
                .is_file(),
            "the test OpenID Connect provider is not installed: run `{INSTALL_COMMAND}` in {} \
             (.ci/run does this); it needs Node.js 20 or later",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut file = tempfile::Builder::new()
            .prefix("msal-oidc-config-")
            .suffix(".json")
            .tempfile()
            .expect("config file");
        std::io::Write::write_all(&mut file, config.json.to_string().as_bytes())
            .expect("write config");

        let mut child = Command::new("node")
            .arg(&script)
            .arg(file.path())
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot run `node` for the test OpenID Connect provider ({e}); install Node.js 20 or later")
            });
        let stdin = child.stdin.take();

        let stderr = Arc::new(Mutex::new(Vec::new()));
        {
            let stderr = Arc::clone(&stderr);
            let mut pipe = child.stderr.take().expect("stderr pipe");
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                while let Ok(n) = pipe.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    stderr
                        .lock()
                        .expect("stderr lock")
                        .extend_from_slice(&chunk[..n]);
                }
            });
        }
        let (sender, receiver) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout pipe");
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = sender.send(lines.next());
            // Keep draining so the provider never blocks on a full pipe.
            for _ in lines {}
        });

        let mut provider = Self {
            child,
            stdin,
            issuer: String::new(),
            stderr,
            _config: file,
        };
        match receiver.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) if line.starts_with("http://") => provider.issuer = line,
            outcome => {
                let _ = provider.child.kill();
                let _ = provider.child.wait();
                panic!(
                    "the test OpenID Connect provider did not start ({outcome:?}); its stderr:\n{}",
                    provider.stderr_text()
                );
            }
        }
        provider
    }

    /// The issuer, exactly as the provider names itself (`http://127.0.0.1:PORT`).
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `http://127.0.0.1:PORT`, whatever host and path the issuer names.
    pub fn base_url(&self) -> String {
        let authority = self.issuer.trim_start_matches("http://");
        let host_port = authority.split('/').next().expect("a host");
        let port = host_port.rsplit(':').next().expect("a port");
        format!("http://127.0.0.1:{port}")
    }

    /// The issuer served at `path` (one of [`OidcConfig::issuer_paths`]).
    pub fn issuer_at(&self, path: &str) -> String {
        format!("{}{path}", self.base_url())
    }

    /// The token endpoint.
    pub fn token_endpoint(&self) -> String {
        format!("{}/token", self.issuer)
    }

    /// What the provider wrote on stderr so far (warnings; never tokens).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().expect("stderr lock")).into_owned()
    }

    /// Everything the provider logged: authorization request parameters
    /// (`authorization_request`), token endpoint exchanges (`grant_type`, `client_id`,
    /// `auth_method`, `client_assertion` header and claims, `code`, `code_verifier`,
    /// `redirect_uri`, `status`, `response`) and device authorization answers
    /// (`device_authorization`). Holds secrets: never print it.
    pub fn log(&self) -> Vec<Value> {
        let response = http::get(&format!("{}/test/log", self.base_url())).expect("GET /test/log");
        assert_eq!(response.status, 200, "GET /test/log");
        match response.json() {
            Value::Array(entries) => entries,
            other => panic!("/test/log is not a list: {other}"),
        }
    }

    /// The token endpoint exchanges, oldest first.
    pub fn token_exchanges(&self) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter(|e| e.get("grant_type").is_some())
            .collect()
    }

    /// The last token endpoint exchange (panics when there was none).
    pub fn last_token_exchange(&self) -> Value {
        self.token_exchanges()
            .pop()
            .expect("the provider received a token request")
    }

    /// The parameters of the authorization requests (the browser's GET of the authorization
    /// endpoint), oldest first.
    pub fn authorization_requests(&self) -> Vec<Value> {
        self.log()
            .into_iter()
            .filter_map(|e| e.get("authorization_request").cloned())
            .collect()
    }

    /// Plays the user on another device: opens the verification page of `authorization`, enters
    /// its user code, signs in as `login` and checks the provider confirmed the sign-in.
    pub fn approve_device(&self, authorization: &Value, login: &str, password: &str) {
        let field = |name: &str| {
            authorization[name]
                .as_str()
                .unwrap_or_else(|| panic!("no {name} in {authorization}"))
                .to_owned()
        };
        let page = super::browser::Browser::new().complete(
            &field("verification_uri"),
            &[
                ("user_code", field("user_code").as_str()),
                ("login", login),
                ("password", password),
            ],
        );
        assert!(
            page.body.contains("Sign-in Success"),
            "the device page did not confirm the sign-in: {}",
            page.body
        );
    }

    /// The first device authorization answer, waited for a while (`None` if none came).
    pub fn wait_for_device_authorization(&self) -> Option<Value> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(answer) = self
                .log()
                .into_iter()
                .find_map(|e| e.get("device_authorization").cloned())
            {
                return Some(answer);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        // Closing stdin stops it; kill covers a provider that is stuck.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}
