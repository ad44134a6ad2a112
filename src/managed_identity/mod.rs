//! The platform's managed identity: tokens for a workload on Azure from an endpoint the platform
//! runs beside it, with no secret of the workload's own (MSAL Python's `ManagedIdentityClient`,
//! azure-identity's `ManagedIdentityCredential`).
//!
//! Each platform has its own endpoint and protocol, one module each, with pure request builders
//! and one shared answer parser ([`parse_token_answer`]):
//!
//! | source | module | chosen when |
//! |---|---|---|
//! | Service Fabric | [`service_fabric`] | `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` + `IDENTITY_SERVER_THUMBPRINT` |
//! | App Service, Functions, Container Apps, Automation | [`app_service`] | `IDENTITY_ENDPOINT` + `IDENTITY_HEADER` |
//! | Azure Machine Learning | [`machine_learning`] | `MSI_ENDPOINT` + `MSI_SECRET` |
//! | Azure Arc | [`arc`] | `IDENTITY_ENDPOINT` + `IMDS_ENDPOINT`, or the agent installed |
//! | Cloud Shell | [`cloud_shell`] | `MSI_ENDPOINT` alone |
//! | Azure VM, VM scale sets (IMDS) | [`imds`] | otherwise |
//!
//! [`detect`] chooses, in that order (MSAL Python's `_obtain_token`, with azure-identity's Cloud
//! Shell case, which MSAL Python leaves to its public client). How often each is retried is
//! [`retry_delay`].

pub mod app_service;
pub mod arc;
pub mod cloud_shell;
pub mod detect;
pub mod imds;
pub mod machine_learning;
mod retry;
pub mod service_fabric;

pub use detect::{Detection, PlatformEnv, detect};
pub use retry::{Outcome, retry_delay};

use serde_json::Value;
use url::Url;

use crate::http::{HttpExchange, HttpRequest, ServerPin};
use crate::secret::{AccessToken, PlatformSecret};

/// The resource whose tokens serve as a client assertion of an app registration that trusts
/// the managed identity (Entra's "managed identity as a federated identity credential").
pub const TOKEN_EXCHANGE_RESOURCE: &str = "api://AzureADTokenExchange";

/// Which of the workload's identities to get a token for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagedIdentity {
    /// The identity the platform gives the resource itself.
    SystemAssigned,
    /// A user-assigned identity, by its client (application) id.
    ClientId(String),
    /// A user-assigned identity, by its object (principal) id.
    ObjectId(String),
    /// A user-assigned identity, by its Azure resource id.
    ResourceId(String),
}

impl ManagedIdentity {
    /// The `client_id` its cache entries carry: the identifier as given, whatever its kind, or
    /// empty (written as `null`) for the system-assigned identity, exactly as MSAL Python keys
    /// them, so that each reads the other's tokens.
    pub fn cache_id(&self) -> &str {
        match self {
            Self::SystemAssigned => "",
            Self::ClientId(id) | Self::ObjectId(id) | Self::ResourceId(id) => id,
        }
    }

    /// Whether it is a user-assigned identity.
    pub fn is_user_assigned(&self) -> bool {
        !matches!(self, Self::SystemAssigned)
    }

    /// For messages: `system-assigned`, `user-assigned (client id …)`.
    pub fn describe(&self) -> String {
        match self {
            Self::SystemAssigned => "system-assigned".to_owned(),
            Self::ClientId(id) => format!("user-assigned (client id {id})"),
            Self::ObjectId(id) => format!("user-assigned (object id {id})"),
            Self::ResourceId(id) => format!("user-assigned (resource id {id})"),
        }
    }

    /// The query parameter naming a user-assigned identity, with the names a platform uses for
    /// client, object and resource ids; `None` for the system-assigned identity.
    fn parameter<'a>(&'a self, names: [&'static str; 3]) -> Option<(&'static str, &'a str)> {
        let [client, object, resource] = names;
        match self {
            Self::SystemAssigned => None,
            Self::ClientId(id) => Some((client, id)),
            Self::ObjectId(id) => Some((object, id)),
            Self::ResourceId(id) => Some((resource, id)),
        }
    }
}

/// Where tokens come from: the detected platform and what its variables say.
#[derive(Debug, Clone)]
pub enum Source {
    /// The Azure Instance Metadata Service: a VM, a VM scale set, AKS nodes.
    Imds {
        /// The token URL (`…/metadata/identity/oauth2/token`).
        endpoint: Url,
    },
    /// App Service, Azure Functions, Container Apps, Azure Automation.
    AppService {
        /// `IDENTITY_ENDPOINT`.
        endpoint: Url,
        /// `IDENTITY_HEADER`.
        header: PlatformSecret,
    },
    /// Azure Arc-enabled servers: the agent's local endpoint, with a key file challenge.
    Arc {
        /// `IDENTITY_ENDPOINT`, or the agent's default.
        endpoint: Url,
    },
    /// Azure Cloud Shell.
    CloudShell {
        /// `MSI_ENDPOINT`.
        endpoint: Url,
    },
    /// Service Fabric applications.
    ServiceFabric {
        /// `IDENTITY_ENDPOINT`.
        endpoint: Url,
        /// `IDENTITY_HEADER`.
        header: PlatformSecret,
        /// `IDENTITY_SERVER_THUMBPRINT`: the endpoint's certificate.
        pin: ServerPin,
    },
    /// Azure Machine Learning compute.
    MachineLearning {
        /// `MSI_ENDPOINT`.
        endpoint: Url,
        /// `MSI_SECRET`.
        secret: PlatformSecret,
    },
}

/// The kinds of [`Source`], for messages and policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// [`Source::Imds`].
    Imds,
    /// [`Source::AppService`].
    AppService,
    /// [`Source::Arc`].
    Arc,
    /// [`Source::CloudShell`].
    CloudShell,
    /// [`Source::ServiceFabric`].
    ServiceFabric,
    /// [`Source::MachineLearning`].
    MachineLearning,
}

impl SourceKind {
    /// A name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Imds => "IMDS (Azure VM)",
            Self::AppService => "App Service",
            Self::Arc => "Azure Arc",
            Self::CloudShell => "Cloud Shell",
            Self::ServiceFabric => "Service Fabric",
            Self::MachineLearning => "Azure Machine Learning",
        }
    }
}

impl std::fmt::Display for SourceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Source {
    /// Its kind.
    pub fn kind(&self) -> SourceKind {
        match self {
            Self::Imds { .. } => SourceKind::Imds,
            Self::AppService { .. } => SourceKind::AppService,
            Self::Arc { .. } => SourceKind::Arc,
            Self::CloudShell { .. } => SourceKind::CloudShell,
            Self::ServiceFabric { .. } => SourceKind::ServiceFabric,
            Self::MachineLearning { .. } => SourceKind::MachineLearning,
        }
    }

    /// The token endpoint (no secret in it).
    pub fn endpoint(&self) -> &Url {
        match self {
            Self::Imds { endpoint }
            | Self::AppService { endpoint, .. }
            | Self::Arc { endpoint }
            | Self::CloudShell { endpoint }
            | Self::ServiceFabric { endpoint, .. }
            | Self::MachineLearning { endpoint, .. } => endpoint,
        }
    }

    /// The certificate its endpoint must present, when the platform pins one.
    pub fn pin(&self) -> Option<&ServerPin> {
        match self {
            Self::ServiceFabric { pin, .. } => Some(pin),
            _ => None,
        }
    }

    /// Refuses an identity the platform cannot serve, before any request: Service Fabric and
    /// Cloud Shell choose the identity themselves (the cluster's configuration, the signed-in
    /// user), and a token for another identity than the one asked for must never be handed out.
    pub fn check_identity(&self, identity: &ManagedIdentity) -> Result<(), ManagedIdentityError> {
        let kind = self.kind();
        if identity.is_user_assigned()
            && matches!(kind, SourceKind::ServiceFabric | SourceKind::CloudShell)
        {
            return Err(ManagedIdentityError::Unsupported {
                source_kind: kind,
                what: format!(
                    "a {} identity: {} chooses the identity itself{}",
                    identity.describe(),
                    kind.name(),
                    if kind == SourceKind::ServiceFabric {
                        " (in the cluster's configuration)"
                    } else {
                        " (the signed-in user's)"
                    }
                ),
            });
        }
        Ok(())
    }

    /// The first request for a token for `resource`. `refresh_hash` is the SHA-256 (hex) of a
    /// token being replaced after a claims challenge; only Service Fabric takes it.
    pub fn token_request(
        &self,
        identity: &ManagedIdentity,
        resource: &str,
        refresh_hash: Option<&str>,
    ) -> HttpRequest {
        match self {
            Self::Imds { endpoint } => imds::token_request(endpoint, identity, resource),
            Self::AppService { endpoint, header } => {
                app_service::token_request(endpoint, header, identity, resource)
            }
            Self::Arc { endpoint } => arc::token_request(endpoint, identity, resource),
            Self::CloudShell { endpoint } => cloud_shell::token_request(endpoint, resource),
            Self::ServiceFabric {
                endpoint, header, ..
            } => service_fabric::token_request(endpoint, header, resource, refresh_hash),
            Self::MachineLearning { endpoint, secret } => {
                machine_learning::token_request(endpoint, secret, identity, resource)
            }
        }
    }
}

/// A platform's token, its lifetime made relative.
#[derive(Debug, Clone)]
pub struct ManagedIdentityToken {
    /// The access token.
    pub access_token: AccessToken,
    /// Usually `Bearer`.
    pub token_type: String,
    /// Seconds of validity left when it arrived.
    pub expires_in: u64,
    /// The identity the platform says it used, when it echoes one (`client_id`, `object_id`,
    /// `msi_res_id`/`mi_res_id`), for checking that the one asked for was honoured.
    echoed: Echo,
}

#[derive(Debug, Clone, Default)]
struct Echo {
    client_id: Option<String>,
    object_id: Option<String>,
    resource_id: Option<String>,
}

impl ManagedIdentityToken {
    /// Whether the answer confirms `identity` (case-insensitively: ids are GUIDs, and resource
    /// ids may differ in segment case). The system-assigned identity needs no confirmation.
    pub fn confirms(&self, identity: &ManagedIdentity) -> bool {
        let echoed = match identity {
            ManagedIdentity::SystemAssigned => return true,
            ManagedIdentity::ClientId(_) => &self.echoed.client_id,
            ManagedIdentity::ObjectId(_) => &self.echoed.object_id,
            ManagedIdentity::ResourceId(_) => &self.echoed.resource_id,
        };
        echoed
            .as_deref()
            .is_some_and(|e| e.eq_ignore_ascii_case(identity.cache_id()))
    }
}

/// Why no managed-identity token could be had.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManagedIdentityError {
    /// A platform variable is set to something unusable.
    #[error("{variable} {problem}")]
    BadVariable {
        /// The variable.
        variable: &'static str,
        /// What is wrong with it (never its value when it is a secret).
        problem: String,
    },
    /// The platform cannot do what was asked.
    #[error("{source_kind} managed identity does not support {what}")]
    Unsupported {
        /// The platform.
        source_kind: SourceKind,
        /// What it cannot do.
        what: String,
    },
    /// The platform's endpoint answered with an error: the identity is not assigned, not found,
    /// or the resource is unknown.
    #[error(
        "{source_kind} managed identity endpoint {endpoint} refused (HTTP {status}){}{}",
        code.as_deref().map(|c| format!(": {c}")).unwrap_or_default(),
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    )]
    Refused {
        /// The platform.
        source_kind: SourceKind,
        /// The endpoint, without query.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The platform's error code, if it sent one.
        code: Option<String>,
        /// The platform's message, if it sent one (control characters removed).
        message: Option<String>,
    },
    /// The endpoint kept failing (throttled or erroring) through every retry its platform
    /// documents.
    #[error(
        "{source_kind} managed identity endpoint {endpoint} is unavailable (HTTP {status} after \
         {attempts} attempts){}",
        message.as_deref().map(|m| format!(": {m}")).unwrap_or_default()
    )]
    Unavailable {
        /// The platform.
        source_kind: SourceKind,
        /// The endpoint, without query.
        endpoint: String,
        /// The last status.
        status: u16,
        /// How many requests were sent.
        attempts: u32,
        /// The platform's last message, if any.
        message: Option<String>,
    },
    /// Azure Arc's challenge could not be answered.
    #[error("Azure Arc: {0}")]
    Arc(String),
    /// Azure Arc did not confirm the user-assigned identity asked for: an agent that does not
    /// support user-assigned identities silently returns the machine's own.
    #[error(
        "Azure Arc did not confirm the {} in its answer; the agent probably does not support \
         user-assigned identities and returned the machine's own, so the token was not used",
        identity.describe()
    )]
    ArcIdentityNotConfirmed {
        /// The identity asked for.
        identity: ManagedIdentity,
    },
}

impl ManagedIdentityError {
    /// Whether the platform said no (as opposed to being unreachable or misconfigured): the
    /// equivalent of an OAuth error response.
    pub fn is_refusal(&self) -> bool {
        matches!(self, Self::Refused { .. })
    }
}

/// The longest platform message kept for an error.
const MAX_MESSAGE_CHARS: usize = 300;

/// Reads a platform's answer to a token request: a token, a refusal with the platform's own
/// message, or an unexpected response. Every platform answers with JSON holding `access_token`
/// and `expires_in` (IMDS, Arc, Cloud Shell) or `expires_on` in epoch seconds (App Service,
/// Service Fabric, Machine Learning), either as a number or a string; a token without a
/// lifetime is refused rather than cached for a guessed one.
pub fn parse_token_answer(
    kind: SourceKind,
    request: &HttpRequest,
    exchange: &HttpExchange,
    now: u64,
) -> crate::Result<ManagedIdentityToken> {
    let response = &exchange.response;
    let endpoint = request.endpoint();
    if !(200..300).contains(&response.status) {
        let (code, message) = platform_error(exchange);
        return Err(ManagedIdentityError::Refused {
            source_kind: kind,
            endpoint,
            status: response.status,
            code,
            message,
        }
        .into());
    }
    let json: Option<serde_json::Map<String, Value>> =
        serde_json::from_slice::<Value>(&response.body)
            .ok()
            .and_then(|v| match v {
                Value::Object(map) => Some(map),
                _ => None,
            });
    let unexpected = |detail: &str| crate::Error::UnexpectedResponse {
        endpoint: endpoint.clone(),
        status: response.status,
        detail: detail.to_owned(),
    };
    let Some(json) = json else {
        return Err(unexpected(&format!(
            "not a JSON object: {}",
            response.excerpt()
        )));
    };
    let access_token = match json.get("access_token") {
        Some(Value::String(token)) if !token.is_empty() => AccessToken::new(token.clone()),
        _ => return Err(unexpected("the answer has no access_token")),
    };
    let expires_in = match (
        seconds(json.get("expires_in")),
        seconds(json.get("expires_on")),
    ) {
        (Some(expires_in), _) => expires_in,
        (None, Some(expires_on)) => expires_on.saturating_sub(now),
        (None, None) => {
            return Err(unexpected(
                "the answer has an access token but neither expires_in nor expires_on",
            ));
        }
    };
    let text = |name: &str| {
        json.get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    Ok(ManagedIdentityToken {
        access_token,
        token_type: text("token_type").unwrap_or_else(|| "Bearer".to_owned()),
        expires_in,
        echoed: Echo {
            client_id: text("client_id"),
            object_id: text("object_id"),
            resource_id: text("msi_res_id").or_else(|| text("mi_res_id")),
        },
    })
}

/// The error code and message a platform put in an error answer, or an excerpt of a body that
/// is not JSON (an error answer carries no token).
pub(crate) fn platform_error(exchange: &HttpExchange) -> (Option<String>, Option<String>) {
    let response = &exchange.response;
    match serde_json::from_slice::<Value>(&response.body) {
        Ok(Value::Object(json)) => error_fields(&json),
        _ => {
            let excerpt = response.excerpt();
            (None, (!excerpt.is_empty()).then_some(excerpt))
        }
    }
}

/// A count of seconds as platforms write it: a number or a string of digits.
fn seconds(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The error code and message of a platform's error answer, in each platform's shape: OAuth's
/// `error` + `error_description` (IMDS, Arc, Cloud Shell), `error: {code, message}` (Service
/// Fabric), `statusCode` + `message` (App Service), or a bare `message`/`Message`.
fn error_fields(json: &serde_json::Map<String, Value>) -> (Option<String>, Option<String>) {
    let text = |value: Option<&Value>| value.and_then(Value::as_str).map(clean);
    match json.get("error") {
        Some(Value::String(code)) => (
            Some(clean(code)),
            text(json.get("error_description")).or_else(|| text(json.get("message"))),
        ),
        Some(Value::Object(inner)) => (text(inner.get("code")), text(inner.get("message"))),
        _ => (
            json.get("statusCode").map(|c| match c {
                Value::String(s) => clean(s),
                other => clean(&other.to_string()),
            }),
            text(json.get("message")).or_else(|| text(json.get("Message"))),
        ),
    }
}

/// A server's text made safe to show: nothing a terminal would interpret, bounded length.
fn clean(text: &str) -> String {
    crate::text::excerpt(text, MAX_MESSAGE_CHARS)
}

/// Appends the query parameters every request of a source carries.
fn with_query(endpoint: &Url, pairs: &[(&str, &str)]) -> Url {
    let mut url = endpoint.clone();
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in pairs {
            query.append_pair(name, value);
        }
    }
    url
}

#[cfg(test)]
mod tests;
