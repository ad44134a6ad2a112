//! Stand-ins for the platforms' managed-identity endpoints, on 127.0.0.1, as strict as their
//! documentation: IMDS, App Service, Azure Arc, Cloud Shell, Service Fabric (TLS, with the
//! certificate `IDENTITY_SERVER_THUMBPRINT` names) and Azure Machine Learning.
//!
//! Each checks what its platform checks (method, the required header and its value, the API
//! version, the parameter names it knows and no others, one identity selector at most), answers
//! in its platform's shape (strings or numbers, `expires_in` or `expires_on`) and refuses in its
//! platform's error shape. Azure Arc writes a fresh key file per challenge in a directory the
//! test owns and accepts it once. Every request is recorded (by the underlying [`TestIdp`]),
//! transport faults come from [`TestIdp::inject`], and platform-shaped failures from
//! [`MiEndpoint::fail_next`].
//!
//! Tokens are JWT-shaped (unsigned) with a `tid`, so a client can show the tenant.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Value, json};

use super::idp::{FaultRule, RecordedRequest, Response, TestIdp};

/// The tenant in every token's `tid`.
pub const MI_TENANT_ID: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";

/// Which platform a stand-in plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// The Azure Instance Metadata Service.
    Imds,
    /// App Service, Functions.
    AppService,
    /// The Azure Arc agent.
    Arc,
    /// Cloud Shell.
    CloudShell,
    /// Service Fabric.
    ServiceFabric,
    /// Azure Machine Learning.
    MachineLearning,
}

impl Platform {
    fn path(self) -> &'static str {
        match self {
            Platform::Imds | Platform::Arc | Platform::ServiceFabric => {
                "/metadata/identity/oauth2/token"
            }
            Platform::AppService => "/msi/token",
            Platform::CloudShell => "/oauth2/token",
            Platform::MachineLearning => "/MSI/auth",
        }
    }

    fn api_version(self) -> Option<&'static str> {
        match self {
            Platform::Imds => Some("2018-02-01"),
            Platform::AppService => Some("2019-08-01"),
            Platform::Arc => Some("2020-06-01"),
            Platform::ServiceFabric => Some("2019-07-01-preview"),
            Platform::MachineLearning => Some("2017-09-01"),
            Platform::CloudShell => None,
        }
    }

    /// The parameter names of a client id, an object id and a resource id.
    fn id_names(self) -> &'static [&'static str] {
        match self {
            Platform::Imds | Platform::Arc => &["client_id", "object_id", "msi_res_id"],
            Platform::AppService => &["client_id", "object_id", "mi_res_id"],
            Platform::MachineLearning => &["clientid", "object_id", "msi_res_id"],
            Platform::ServiceFabric | Platform::CloudShell => &[],
        }
    }
}

/// A managed identity the stand-in knows.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Its client (application) id.
    pub client_id: String,
    /// Its object (principal) id.
    pub object_id: String,
    /// Its Azure resource id.
    pub resource_id: String,
}

impl Identity {
    /// A user-assigned identity called `name`, with fresh ids.
    pub fn user_assigned(name: &str) -> Self {
        Self {
            client_id: uuid::Uuid::new_v4().to_string(),
            object_id: uuid::Uuid::new_v4().to_string(),
            resource_id: format!(
                "/subscriptions/{}/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}",
                uuid::Uuid::new_v4()
            ),
        }
    }
}

/// A token the stand-in issued.
#[derive(Clone)]
pub struct Issued {
    /// The token.
    pub access_token: String,
    /// The client id of the identity it was issued for.
    pub client_id: String,
    /// Whether that is the system-assigned identity.
    pub system_assigned: bool,
    /// The resource.
    pub resource: String,
}

impl std::fmt::Debug for Issued {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Issued")
            .field("client_id", &self.client_id)
            .field("system_assigned", &self.system_assigned)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

struct State {
    system: Option<Identity>,
    user_assigned: Vec<Identity>,
    issued: Vec<Issued>,
    lifetime: u64,
    scripted: VecDeque<Response>,
    refresh_hashes: Vec<String>,
    /// Azure Arc: the key of the outstanding challenge.
    arc_key: Option<String>,
    /// Azure Arc: the realm to name instead of a fresh key file.
    arc_realm: Option<String>,
    /// Azure Arc: whether user-assigned identities are honoured (newer agents) or silently
    /// replaced by the machine's own (older ones).
    arc_user_assigned: bool,
}

/// One platform's endpoint. Dropping it stops the server.
pub struct MiEndpoint {
    /// The platform played.
    pub platform: Platform,
    idp: TestIdp,
    state: Arc<Mutex<State>>,
    secret: String,
    arc_dir: Option<tempfile::TempDir>,
}

impl MiEndpoint {
    /// Start a stand-in for `platform` with a system-assigned identity.
    pub fn start(platform: Platform) -> Self {
        let idp = if platform == Platform::ServiceFabric {
            TestIdp::start_tls()
        } else {
            TestIdp::start()
        };
        let state = Arc::new(Mutex::new(State {
            system: Some(Identity::user_assigned("system")),
            user_assigned: Vec::new(),
            issued: Vec::new(),
            lifetime: 86_399,
            scripted: VecDeque::new(),
            refresh_hashes: Vec::new(),
            arc_key: None,
            arc_realm: None,
            arc_user_assigned: true,
        }));
        let secret = format!("platform-secret-{}", uuid::Uuid::new_v4().simple());
        let arc_dir = (platform == Platform::Arc).then(|| {
            tempfile::Builder::new()
                .prefix("msal-arc-tokens-")
                .tempdir()
                .expect("Arc key directory")
        });
        let endpoint = Self {
            platform,
            idp,
            state,
            secret,
            arc_dir,
        };
        let handler = Handler {
            platform,
            state: Arc::clone(&endpoint.state),
            secret: endpoint.secret.clone(),
            arc_dir: endpoint.arc_dir.as_ref().map(|d| d.path().to_path_buf()),
        };
        let method = if platform == Platform::CloudShell {
            "POST"
        } else {
            "GET"
        };
        endpoint
            .idp
            .add_route(method, platform.path(), move |req| handler.handle(req));
        endpoint
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Assign a user-assigned identity.
    pub fn assign(&self, identity: &Identity) {
        self.state().user_assigned.push(identity.clone());
    }

    /// Remove the system-assigned identity.
    pub fn without_system_assigned(&self) {
        self.state().system = None;
    }

    /// Lifetime of the tokens issued from now on, in seconds.
    pub fn set_lifetime(&self, secs: u64) {
        self.state().lifetime = secs;
    }

    /// Azure Arc: behave as an older agent that ignores user-assigned identities.
    pub fn arc_ignores_user_assigned(&self) {
        self.state().arc_user_assigned = false;
    }

    /// Azure Arc: name this realm in the challenge instead of a fresh key file.
    pub fn arc_challenge_realm(&self, realm: &str) {
        self.state().arc_realm = Some(realm.to_owned());
    }

    /// Azure Arc: the directory key files are written to (`MSAL_ARC_KEY_DIR`).
    pub fn arc_key_dir(&self) -> PathBuf {
        self.arc_dir
            .as_ref()
            .map(|d| d.path().to_path_buf())
            .expect("arc_key_dir() needs Platform::Arc")
    }

    /// The secret the platform hands its workloads (App Service's and Service Fabric's
    /// `IDENTITY_HEADER`, Azure ML's `MSI_SECRET`).
    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Answer the next `times` requests with `status` and the platform's error body (after
    /// recording them), instead of handling them.
    pub fn fail_next(&self, status: u16, times: usize) {
        let response = platform_error(self.platform, status, "transient", "injected by the test");
        let mut state = self.state();
        for _ in 0..times {
            state.scripted.push_back(response.clone());
        }
    }

    /// A transport fault ([`TestIdp::inject`]) on the token path.
    pub fn inject(&self, fault: super::idp::Fault, times: usize) {
        self.idp
            .inject(FaultRule::new(self.platform.path(), fault).times(times));
    }

    /// The variables the platform sets for its workloads (and, for Arc, `MSAL_ARC_KEY_DIR`).
    pub fn env(&self) -> Vec<(String, String)> {
        let base = self.idp.base_url();
        let url = format!("{base}{}", self.platform.path());
        let pairs: Vec<(&str, String)> = match self.platform {
            Platform::Imds => vec![("AZURE_POD_IDENTITY_AUTHORITY_HOST", base.clone())],
            Platform::AppService => vec![
                ("IDENTITY_ENDPOINT", url),
                ("IDENTITY_HEADER", self.secret.clone()),
            ],
            Platform::Arc => vec![
                ("IDENTITY_ENDPOINT", url),
                ("IMDS_ENDPOINT", base.clone()),
                ("MSAL_ARC_KEY_DIR", self.arc_key_dir().display().to_string()),
            ],
            Platform::CloudShell => vec![("MSI_ENDPOINT", url)],
            Platform::ServiceFabric => vec![
                ("IDENTITY_ENDPOINT", url),
                ("IDENTITY_HEADER", self.secret.clone()),
                ("IDENTITY_SERVER_THUMBPRINT", self.idp.server_cert_sha1()),
            ],
            Platform::MachineLearning => {
                vec![("MSI_ENDPOINT", url), ("MSI_SECRET", self.secret.clone())]
            }
        };
        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
    }

    /// The endpoint's base URL.
    pub fn base_url(&self) -> String {
        self.idp.base_url()
    }

    /// Requests to the token path, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.idp.requests_to(self.platform.path())
    }

    /// Every request the server received (any path).
    pub fn all_requests(&self) -> Vec<RecordedRequest> {
        self.idp.requests()
    }

    /// Tokens issued, oldest first.
    pub fn issued(&self) -> Vec<Issued> {
        self.state().issued.clone()
    }

    /// The last token issued.
    pub fn last_token(&self) -> String {
        self.issued()
            .last()
            .map(|i| i.access_token.clone())
            .expect("no token issued")
    }

    /// The `token_sha256_to_refresh` values received (Service Fabric).
    pub fn refresh_hashes(&self) -> Vec<String> {
        self.state().refresh_hashes.clone()
    }
}

#[derive(Clone)]
struct Handler {
    platform: Platform,
    state: Arc<Mutex<State>>,
    secret: String,
    arc_dir: Option<PathBuf>,
}

impl Handler {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn handle(&self, req: &RecordedRequest) -> Response {
        if let Some(scripted) = self.state().scripted.pop_front() {
            return scripted;
        }
        match self.check(req) {
            Ok((identity, resource)) => self.issue(&identity, &resource, req),
            Err(refusal) => refusal,
        }
    }

    fn refuse(&self, status: u16, code: &str, message: &str) -> Response {
        platform_error(self.platform, status, code, message)
    }

    /// The identity and resource of a request that is valid for the platform.
    fn check(&self, req: &RecordedRequest) -> Result<(Identity, String), Response> {
        let p = self.platform;
        // The platform's own header, with exactly its value.
        let header = match p {
            Platform::Imds | Platform::Arc | Platform::CloudShell => ("metadata", "true"),
            Platform::AppService => ("x-identity-header", self.secret.as_str()),
            Platform::ServiceFabric => ("secret", self.secret.as_str()),
            Platform::MachineLearning => ("secret", self.secret.as_str()),
        };
        if req.header(header.0) != Some(header.1) {
            return Err(match p {
                Platform::Imds | Platform::Arc | Platform::CloudShell => self.refuse(
                    400,
                    "invalid_request",
                    "Required metadata header not specified",
                ),
                Platform::ServiceFabric => self.refuse(
                    401,
                    "SecretHeaderNotFound",
                    "Secret is not found in the request headers.",
                ),
                _ => self.refuse(
                    401,
                    "unauthorized",
                    "The identity header is missing or wrong.",
                ),
            });
        }
        // A secret of another platform's protocol must never be sent along.
        for foreign in ["x-identity-header", "secret"] {
            if foreign != header.0 && req.header(foreign).is_some() {
                return Err(self.refuse(400, "invalid_request", "Unexpected secret header."));
            }
        }
        if p == Platform::CloudShell {
            if !req.query.is_empty() {
                return Err(self.refuse(400, "invalid_request", "Unexpected query."));
            }
            let names: Vec<&str> = req.form.iter().map(|(k, _)| k.as_str()).collect();
            return match (names.as_slice(), req.form("resource")) {
                (["resource"], Some(resource)) if !resource.is_empty() => {
                    let system = self.state().system.clone();
                    system.map(|i| (i, resource.to_owned())).ok_or_else(|| {
                        self.refuse(400, "invalid_request", "No identity is signed in.")
                    })
                }
                _ => Err(self.refuse(400, "invalid_request", "The form must hold resource only.")),
            };
        }
        if !req.form.is_empty() || !req.body.is_empty() {
            return Err(self.refuse(400, "invalid_request", "A GET has no body."));
        }
        let mut allowed = vec!["api-version", "resource"];
        allowed.extend(p.id_names());
        if p == Platform::ServiceFabric {
            allowed.push("token_sha256_to_refresh");
        }
        for (name, _) in &req.query {
            if !allowed.contains(&name.as_str()) {
                return Err(self.refuse(
                    400,
                    "invalid_request",
                    &format!("Unknown parameter {name}."),
                ));
            }
            if req.query.iter().filter(|(n, _)| n == name).count() > 1 {
                return Err(self.refuse(
                    400,
                    "invalid_request",
                    &format!("Repeated parameter {name}."),
                ));
            }
        }
        if req.query("api-version") != p.api_version() {
            return Err(self.refuse(400, "invalid_request", "Invalid or missing api-version."));
        }
        let resource = match req.query("resource") {
            Some(r) if !r.is_empty() => r.to_owned(),
            _ => {
                return Err(self.refuse(
                    400,
                    "invalid_request",
                    "Required audience parameter not specified",
                ));
            }
        };
        if let Some(hash) = req.query("token_sha256_to_refresh") {
            self.state().refresh_hashes.push(hash.to_owned());
        }
        let selectors: Vec<(usize, &str)> = p
            .id_names()
            .iter()
            .enumerate()
            .filter_map(|(i, name)| req.query(name).map(|v| (i, v)))
            .collect();
        // The agent challenges before it looks at the identity.
        if p == Platform::Arc {
            self.arc_authorize(req)?;
        }
        let state = self.state();
        let identity = match selectors.as_slice() {
            [] => state.system.clone(),
            [(kind, value)] => state
                .user_assigned
                .iter()
                .find(|i| {
                    let id = [&i.client_id, &i.object_id, &i.resource_id][*kind];
                    id.eq_ignore_ascii_case(value)
                })
                .cloned(),
            _ => {
                return Err(self.refuse(
                    400,
                    "invalid_request",
                    "More than one identity selector.",
                ));
            }
        };
        let identity = identity.ok_or_else(|| match p {
            Platform::AppService => {
                self.refuse(400, "", "Unable to load the proper Managed Identity.")
            }
            Platform::ServiceFabric => self.refuse(
                404,
                "ManagedIdentityNotFound",
                "Managed Identity not found for the application.",
            ),
            _ => self.refuse(400, "invalid_request", "Identity not found"),
        })?;
        Ok((identity, resource))
    }

    /// Azure Arc's challenge: a request without the key gets a fresh key file and a 401; with
    /// the outstanding key it passes, once.
    fn arc_authorize(&self, req: &RecordedRequest) -> Result<(), Response> {
        let mut state = self.state();
        let presented = req.header("authorization");
        if let Some(presented) = presented {
            let expected = state.arc_key.take().map(|k| format!("Basic {k}"));
            if expected.as_deref() == Some(presented) {
                return Ok(());
            }
            return Err(self.refuse(401, "invalid_request", "The key does not match."));
        }
        let dir = self.arc_dir.clone().expect("Arc key directory");
        let key = format!("{}", uuid::Uuid::new_v4().simple());
        let name = format!("{}.key", uuid::Uuid::new_v4());
        let path = dir.join(&name);
        super::write_private(&path, key.as_bytes());
        state.arc_key = Some(key);
        let realm = state
            .arc_realm
            .clone()
            .unwrap_or_else(|| path.display().to_string());
        Err(Response::with_body(401, "application/json", "{}")
            .header("WWW-Authenticate", &format!("Basic realm={realm}")))
    }

    fn issue(&self, identity: &Identity, resource: &str, req: &RecordedRequest) -> Response {
        let mut state = self.state();
        let system = state
            .system
            .as_ref()
            .is_some_and(|s| s.client_id == identity.client_id);
        // An older Arc agent ignores the selector and answers for the machine's own identity.
        let identity = if self.platform == Platform::Arc && !state.arc_user_assigned {
            state.system.clone().unwrap_or_else(|| identity.clone())
        } else {
            identity.clone()
        };
        let now = now_secs();
        let lifetime = state.lifetime;
        let token = jwt(&json!({
            "aud": resource,
            "tid": MI_TENANT_ID,
            "oid": identity.object_id,
            "appid": identity.client_id,
            "xms_mirid": identity.resource_id,
            "iat": now,
            "exp": now + lifetime,
            "jti": uuid::Uuid::new_v4().to_string(),
        }));
        state.issued.push(Issued {
            access_token: token.clone(),
            client_id: identity.client_id.clone(),
            system_assigned: system,
            resource: resource.to_owned(),
        });
        let expires_on = (now + lifetime).to_string();
        let body = match self.platform {
            Platform::Imds | Platform::Arc => {
                let mut body = json!({
                    "access_token": token,
                    "client_id": identity.client_id,
                    "expires_in": lifetime.to_string(),
                    "expires_on": expires_on,
                    "ext_expires_in": lifetime.to_string(),
                    "not_before": now.to_string(),
                    "resource": resource,
                    "token_type": "Bearer",
                });
                if self.platform == Platform::Arc && state.arc_user_assigned {
                    if req.query("object_id").is_some() {
                        body["object_id"] = json!(identity.object_id);
                    }
                    if req.query("msi_res_id").is_some() {
                        body["msi_res_id"] = json!(identity.resource_id);
                    }
                }
                body
            }
            Platform::AppService => json!({
                "access_token": token,
                "expires_on": expires_on,
                "resource": resource,
                "token_type": "Bearer",
                "client_id": identity.client_id,
            }),
            Platform::CloudShell => json!({
                "access_token": token,
                "expires_in": lifetime.to_string(),
                "expires_on": expires_on,
                "resource": resource,
                "token_type": "Bearer",
            }),
            Platform::ServiceFabric => json!({
                "access_token": token,
                "expires_on": now + lifetime,
                "resource": resource,
                "token_type": "Bearer",
            }),
            Platform::MachineLearning => json!({
                "access_token": token,
                "expires_on": expires_on,
                "resource": resource,
                "token_type": "Bearer",
            }),
        };
        Response::json(200, &body)
    }
}

/// An error answer in the platform's own shape.
fn platform_error(platform: Platform, status: u16, code: &str, message: &str) -> Response {
    let body: Value = match platform {
        Platform::AppService => json!({
            "statusCode": status,
            "message": message,
            "correlationId": uuid::Uuid::new_v4().to_string(),
        }),
        Platform::ServiceFabric => json!({
            "error": {
                "correlationId": uuid::Uuid::new_v4().to_string(),
                "code": code,
                "message": message,
            }
        }),
        _ => json!({ "error": code, "error_description": message }),
    };
    Response::json(status, &body)
}

/// An unsigned JWT-shaped token with these claims.
fn jwt(claims: &Value) -> String {
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        b64(&json!({"typ": "JWT", "alg": "RS256", "kid": "mi-test"})),
        b64(claims),
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(uuid::Uuid::new_v4().as_bytes())
    )
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
