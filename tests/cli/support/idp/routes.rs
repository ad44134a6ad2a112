//! Routing: a method and a path pattern whose `{name}` segments capture, to a handler. Custom
//! routes a test adds come before the built-in endpoints; a path served for another method is
//! answered 405 as Entra does, anything else 404.

use std::sync::Arc;

use serde_json::json;

use super::discovery::{instance_discovery, jwks, openid_configuration};
use super::grants::{authorize, device_authorization};
use super::http::{RecordedRequest, Response};
use super::server::Server;
use super::token_endpoint::token_endpoint;

/// The built-in endpoints.
pub(super) fn builtin_routes() -> Vec<Route> {
    vec![
        builtin(
            "GET",
            "/{tenant}/v2.0/.well-known/openid-configuration",
            openid_configuration,
        ),
        builtin("GET", "/common/discovery/instance", instance_discovery),
        builtin("GET", "/{tenant}/discovery/v2.0/keys", jwks),
        builtin("POST", "/{tenant}/oauth2/v2.0/token", token_endpoint),
        builtin("GET", "/{tenant}/oauth2/v2.0/authorize", authorize),
        builtin(
            "POST",
            "/{tenant}/oauth2/v2.0/devicecode",
            device_authorization,
        ),
    ]
}

fn builtin(
    method: &str,
    pattern: &str,
    f: fn(&Server, &RecordedRequest, &Params) -> Response,
) -> Route {
    Route::new(method, pattern, Arc::new(f))
}

/// The answer of the first route that matches the request's method and path.
pub(super) fn route(server: &Server, req: &RecordedRequest) -> Response {
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

/// Path parameters captured from `{name}` segments.
pub(super) struct Params(Vec<(String, String)>);

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

pub(super) type Handler = Arc<dyn Fn(&Server, &RecordedRequest, &Params) -> Response + Send + Sync>;

pub(super) struct Route {
    pub(super) method: String,
    pub(super) pattern: Vec<String>,
    pub(super) handler: Handler,
}

impl Route {
    pub(super) fn new(method: &str, pattern: &str, handler: Handler) -> Self {
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
