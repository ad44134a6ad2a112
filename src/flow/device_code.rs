//! The device authorization grant (RFC 8628): the user signs in on another device with a short
//! code while this process polls the token endpoint.
//!
//! Polling rules (RFC 8628 §3.5): wait `interval` seconds (5 when absent) between polls; on
//! `authorization_pending` keep waiting; on `slow_down` add 5 seconds to the interval for good;
//! any other error is final; stop once `expires_in` has passed. Entra sends no
//! `verification_uri_complete`. See
//! <https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code>.

use std::future::Future;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::token_endpoint::{authenticate, parse_token_response};
use crate::credential::ClientAuth;
use crate::error::{Error, ServerError};
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::DeviceCode;
use crate::token::TokenResponse;

/// `grant_type` of the polling requests (RFC 8628 §3.4).
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Interval when the server names none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: u64 = 5;

/// Longest wait between polls, whatever the server asks (also after `slow_down`): the user is
/// waiting, and a bigger number only ever comes from a broken or hostile server.
pub const MAX_INTERVAL: u64 = 60;

/// Longest a device code is waited for, whatever its `expires_in`: Entra's live 15 minutes, other
/// providers' 10 to 30; an hour bounds the run and keeps every clock sum far from overflowing.
pub const MAX_LIFETIME: u64 = 60 * 60;

/// The device authorization response (RFC 8628 §3.2).
#[derive(Debug, Clone, Deserialize)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// The code this process polls with.
    pub device_code: DeviceCode,
    /// The code the user types.
    pub user_code: String,
    /// Where the user types it. Entra's v1 endpoint called it `verification_url`.
    #[serde(alias = "verification_url")]
    pub verification_uri: String,
    /// The URL with the code filled in, when the provider offers one.
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    /// Lifetime of the codes, seconds, at most [`MAX_LIFETIME`].
    #[serde(deserialize_with = "lifetime")]
    pub expires_in: u64,
    /// Seconds between polls, at most [`MAX_INTERVAL`].
    #[serde(default, deserialize_with = "interval")]
    pub interval: Option<u64>,
    /// The provider's own instructions for the user (Entra sends one, localised).
    #[serde(default)]
    pub message: Option<String>,
}

fn lifetime<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    optional_seconds(d)?
        .map(|s| s.min(MAX_LIFETIME))
        .ok_or_else(|| serde::de::Error::custom("expected a number of seconds"))
}

fn interval<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(optional_seconds(d)?.map(|s| s.min(MAX_INTERVAL)))
}

fn optional_seconds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    use serde_json::Value;
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

impl DeviceAuthorization {
    /// What to tell the user: the server's message, or one built from the URL and code, on one
    /// line and [printable](crate::text::printable): it comes from the network and goes to a
    /// terminal.
    pub fn instructions(&self) -> String {
        let text = match &self.message {
            Some(message) if !message.trim().is_empty() => message.clone(),
            _ => format!(
                "To sign in, open {} and enter the code {}",
                self.verification_uri, self.user_code
            ),
        };
        crate::text::printable(&text).into_owned()
    }

    /// The polling interval: the server's (at most [`MAX_INTERVAL`]), else 5 seconds.
    pub fn interval(&self) -> Duration {
        Duration::from_secs(
            self.interval
                .filter(|i| *i > 0)
                .unwrap_or(DEFAULT_INTERVAL)
                .min(MAX_INTERVAL),
        )
    }

    /// The code's lifetime (at most [`MAX_LIFETIME`]).
    pub fn lifetime(&self) -> Duration {
        Duration::from_secs(self.expires_in.min(MAX_LIFETIME))
    }

    /// When the code expires, for a flow that started at `start`.
    pub fn deadline(&self, start: std::time::Instant) -> std::time::Instant {
        start.checked_add(self.lifetime()).unwrap_or(start)
    }
}

/// The device authorization request (RFC 8628 §3.1): `client_id` and `scope`, and a
/// confidential client's authentication (RFC 6749 §3.2.1 applies here too).
pub fn build_authorization_request(
    endpoint: &Url,
    client_id: &str,
    scopes: &[String],
    client_auth: Option<&ClientAuth>,
) -> HttpRequest {
    let request = HttpRequest::post_form(endpoint.clone())
        .field("client_id", client_id)
        .field("scope", scopes.join(" "));
    match client_auth {
        Some(auth) => authenticate(request, auth, client_id),
        None => request,
    }
}

/// Parses the device authorization response, or the server's refusal.
pub fn parse_authorization_response(
    request: &HttpRequest,
    response: &HttpResponse,
) -> Result<DeviceAuthorization, Error> {
    let unexpected = |detail: String| Error::UnexpectedResponse {
        endpoint: request.endpoint(),
        status: response.status,
        detail,
    };
    if let Some(refusal) = super::token_endpoint::refusal_without_body(request, response) {
        return Err(Error::OAuth(refusal));
    }
    let value: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|_| unexpected("the device authorization answer is not JSON".into()))?;
    if value.get("error").is_some_and(serde_json::Value::is_string) {
        let mut error: ServerError = serde_json::from_value(value)
            .map_err(|e| unexpected(format!("an error answer of unknown shape ({e})")))?;
        error.status = response.status;
        return Err(Error::OAuth(error));
    }
    serde_json::from_value(value)
        .map_err(|e| unexpected(format!("a malformed device authorization answer ({e})")))
}

/// Polls until the user finishes, declines or the code expires. `send` makes one polling
/// request; `sleep` waits (injected so tests run instantly and can check the intervals).
pub async fn poll<Send, SendFut, Sleep, SleepFut>(
    authorization: &DeviceAuthorization,
    mut send: Send,
    mut sleep: Sleep,
) -> Result<TokenResponse, Error>
where
    Send: FnMut() -> SendFut,
    SendFut: Future<Output = Result<TokenResponse, Error>>,
    Sleep: FnMut(Duration) -> SleepFut,
    SleepFut: Future<Output = ()>,
{
    let lifetime = authorization.lifetime();
    let max_interval = Duration::from_secs(MAX_INTERVAL);
    let mut interval = authorization.interval();
    let mut waited = Duration::ZERO;
    loop {
        if waited.saturating_add(interval) > lifetime {
            return Err(Error::OAuth(ServerError {
                error: "expired_token".into(),
                error_description: Some(format!(
                    "the code expired after {} s before the sign-in finished",
                    authorization.expires_in
                )),
                ..ServerError::default()
            }));
        }
        sleep(interval).await;
        waited = waited.saturating_add(interval);
        match send().await {
            Ok(response) => return Ok(response),
            Err(Error::OAuth(e)) if e.error == "authorization_pending" => {}
            Err(Error::OAuth(e)) if e.error == "slow_down" => {
                interval = (interval + Duration::from_secs(5)).min(max_interval);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Parses one polling answer.
pub fn parse_poll_response(
    request: &HttpRequest,
    response: &HttpResponse,
) -> Result<TokenResponse, Error> {
    parse_token_response(request, response)
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    fn authorization(expires_in: u64, interval: Option<u64>) -> DeviceAuthorization {
        DeviceAuthorization {
            device_code: DeviceCode::new("dc"),
            user_code: "ABCD-EFGH".into(),
            verification_uri: "https://microsoft.com/devicelogin".into(),
            verification_uri_complete: None,
            expires_in,
            interval,
            message: None,
        }
    }

    fn oauth(error: &str) -> Error {
        Error::OAuth(ServerError {
            error: error.into(),
            ..ServerError::default()
        })
    }

    fn token() -> TokenResponse {
        serde_json::from_str(r#"{"access_token":"at"}"#).unwrap()
    }

    fn run(
        auth: &DeviceAuthorization,
        answers: Vec<Result<TokenResponse, Error>>,
    ) -> (Result<TokenResponse, Error>, Vec<u64>, usize) {
        let answers = RefCell::new(answers.into_iter());
        let sleeps = RefCell::new(Vec::new());
        let polls = RefCell::new(0);
        let result = futures_lite_block_on(poll(
            auth,
            || {
                *polls.borrow_mut() += 1;
                let next = answers
                    .borrow_mut()
                    .next()
                    .unwrap_or_else(|| Err(oauth("authorization_pending")));
                async move { next }
            },
            |d| {
                sleeps.borrow_mut().push(d.as_secs());
                async {}
            },
        ));
        (result, sleeps.into_inner(), polls.into_inner())
    }

    /// A minimal executor: the futures here never actually wait.
    fn futures_lite_block_on<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn pending_then_slow_down_then_success() {
        let auth = authorization(900, Some(5));
        let (result, sleeps, polls) = run(
            &auth,
            vec![
                Err(oauth("authorization_pending")),
                Err(oauth("slow_down")),
                Err(oauth("authorization_pending")),
                Ok(token()),
            ],
        );
        assert!(result.is_ok());
        assert_eq!(sleeps, vec![5, 5, 10, 10]);
        assert_eq!(polls, 4);
    }

    #[test]
    fn any_other_error_is_final() {
        let (result, _, polls) = run(
            &authorization(900, None),
            vec![Err(oauth("authorization_declined"))],
        );
        assert!(matches!(result, Err(Error::OAuth(e)) if e.error == "authorization_declined"));
        assert_eq!(polls, 1);
    }

    #[test]
    fn stops_when_the_code_expires() {
        let (result, sleeps, polls) = run(&authorization(12, Some(5)), vec![]);
        assert!(matches!(result, Err(Error::OAuth(e)) if e.error == "expired_token"));
        assert_eq!((sleeps, polls), (vec![5, 5], 2));
    }

    mod clock {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            /// Whatever numbers the server sends, and however often it says `slow_down`, polling
            /// never panics, never waits longer than the bounded lifetime, and never sleeps longer
            /// than the bounded interval at a time.
            #[test]
            fn any_numbers_give_bounded_polling(
                expires_in in prop_oneof![
                    any::<u64>().prop_map(|n| n.to_string()),
                    any::<f64>().prop_map(|n| n.to_string()),
                    any::<i64>().prop_map(|n| format!("\"{n}\"")),
                    Just("18446744073709551616".to_owned()),
                ],
                interval in prop_oneof![
                    any::<u64>().prop_map(|n| n.to_string()),
                    any::<f64>().prop_map(|n| n.to_string()),
                    Just("null".to_owned()),
                ],
                answers in prop::collection::vec(
                    prop::sample::select(vec!["authorization_pending", "slow_down"]), 0..40),
            ) {
                let body = format!(
                    r#"{{"device_code":"d","user_code":"U","verification_uri":"https://x","expires_in":{expires_in},"interval":{interval}}}"#
                );
                let request =
                    HttpRequest::post_form(Url::parse("https://h/t/oauth2/v2.0/devicecode").unwrap());
                let response = HttpResponse { status: 200, content_type: None, body: body.into_bytes() };
                let Ok(auth) = parse_authorization_response(&request, &response) else {
                    return Ok(());
                };
                prop_assert!(auth.expires_in <= MAX_LIFETIME);
                prop_assert!(auth.interval() <= Duration::from_secs(MAX_INTERVAL));
                let _ = auth.deadline(std::time::Instant::now());
                let answers = answers.into_iter().map(|e| Err(oauth(e))).collect();
                let (_, sleeps, _) = run(&auth, answers);
                prop_assert!(sleeps.iter().all(|s| *s <= MAX_INTERVAL));
                prop_assert!(sleeps.iter().sum::<u64>() <= auth.lifetime().as_secs());
            }
        }
    }

    #[test]
    fn absurd_numbers_are_bounded() {
        let (result, sleeps, polls) = run(&authorization(u64::MAX, Some(u64::MAX)), vec![]);
        assert!(matches!(result, Err(Error::OAuth(e)) if e.error == "expired_token"));
        assert!(sleeps.iter().all(|s| *s == MAX_INTERVAL), "{sleeps:?}");
        assert_eq!(polls as u64, MAX_LIFETIME / MAX_INTERVAL);
        let slowed = run(
            &authorization(900, Some(50)),
            vec![
                Err(oauth("slow_down")),
                Err(oauth("slow_down")),
                Ok(token()),
            ],
        );
        assert_eq!(slowed.1, vec![50, 55, 60]);
    }

    #[test]
    fn parses_entra_and_v1_shapes_and_builds_instructions() {
        let request =
            HttpRequest::post_form(Url::parse("https://h/t/oauth2/v2.0/devicecode").unwrap());
        let body = br#"{"device_code":"d","user_code":"U1","verification_url":"https://x/device","expires_in":"900","interval":"5"}"#;
        let response = HttpResponse {
            status: 200,
            content_type: None,
            body: body.to_vec(),
        };
        let auth = parse_authorization_response(&request, &response).unwrap();
        assert_eq!(
            auth.instructions(),
            "To sign in, open https://x/device and enter the code U1"
        );
        assert_eq!(auth.interval(), Duration::from_secs(5));
        let refused = HttpResponse {
            status: 400,
            content_type: None,
            body: br#"{"error":"invalid_scope"}"#.to_vec(),
        };
        assert!(matches!(
            parse_authorization_response(&request, &refused),
            Err(Error::OAuth(_))
        ));
    }
}
