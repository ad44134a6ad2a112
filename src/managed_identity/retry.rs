//! When to ask a managed-identity endpoint again. Platforms disagree (MSAL Python's comments
//! sum it up: only IMDS documents retrying 404 and 410; Service Fabric asks not to retry 404), so
//! the policy depends on the source:
//!
//! - IMDS (<https://learn.microsoft.com/entra/identity/managed-identities-azure-resources/how-to-use-vm-token#error-handling>):
//!   404 (the endpoint is updating), 408, 429 and 5xx are retried with exponential back-off,
//!   1, 2 then 4 s; 410 (IMDS is being upgraded, which the page says takes up to 70 s) every
//!   10 s for 70 s. At most about 70 s in all.
//! - Every other platform: one retry on 429 or 5xx, as for identity providers.
//! - A connection that could not be made or broke off is retried once everywhere; a timeout
//!   never (the user bounded the wait with `--timeout`).
//!
//! A `Retry-After` the server sends replaces the computed pause when it is at most 10 s, as for
//! identity providers; a longer one ends the retries, so a run never hangs on a server's say-so.

use std::time::Duration;

use super::SourceKind;

/// Longest `Retry-After` honoured.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);

/// IMDS back-off: the pause before the first retry, doubled each time.
const IMDS_FIRST_PAUSE: Duration = Duration::from_secs(1);
/// IMDS back-off: how many retries of 404, 408, 429 and 5xx.
const IMDS_RETRIES: u32 = 3;
/// IMDS 410: the pause between retries, and how many (70 s, as the IMDS page says).
const IMDS_GONE_PAUSE: Duration = Duration::from_secs(10);
const IMDS_GONE_RETRIES: u32 = 7;

/// The pause before a single retry elsewhere.
const PAUSE: Duration = Duration::from_secs(1);

/// What one request to a managed-identity endpoint came to, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// An answer with this status, and its `Retry-After` in seconds.
    Status {
        /// The HTTP status.
        status: u16,
        /// `Retry-After`, when sent.
        retry_after: Option<u64>,
    },
    /// No answer: the connection failed or broke off.
    ConnectionFailed,
}

/// How long to wait before asking again, after `retries_done` retries ended in `outcome`;
/// `None` means stop (success, a final answer, or the retries are spent).
pub fn retry_delay(kind: SourceKind, retries_done: u32, outcome: Outcome) -> Option<Duration> {
    let (status, retry_after) = match outcome {
        Outcome::ConnectionFailed => return (retries_done == 0).then_some(PAUSE),
        Outcome::Status {
            status,
            retry_after,
        } => (status, retry_after.map(Duration::from_secs)),
    };
    let computed = match kind {
        SourceKind::Imds => match status {
            410 => (retries_done < IMDS_GONE_RETRIES).then_some(IMDS_GONE_PAUSE),
            404 | 408 | 429 | 500..=599 => (retries_done < IMDS_RETRIES)
                .then(|| IMDS_FIRST_PAUSE.saturating_mul(1 << retries_done.min(16))),
            _ => None,
        },
        _ => (matches!(status, 429 | 500..=599) && retries_done == 0).then_some(PAUSE),
    }?;
    match retry_after {
        Some(asked) if asked > MAX_RETRY_AFTER => None,
        Some(asked) => Some(asked),
        None => Some(computed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(status: u16) -> Outcome {
        Outcome::Status {
            status,
            retry_after: None,
        }
    }

    /// Every pause until the policy stops, for an endpoint that always answers `outcome`.
    fn schedule(kind: SourceKind, outcome: Outcome) -> Vec<u64> {
        (0..)
            .map_while(|done| retry_delay(kind, done, outcome))
            .map(|d| d.as_secs())
            .collect()
    }

    #[test]
    fn imds_backs_off_exponentially_and_waits_out_an_upgrade() {
        for code in [404, 408, 429, 500, 503, 599] {
            assert_eq!(
                schedule(SourceKind::Imds, status(code)),
                [1, 2, 4],
                "{code}"
            );
        }
        assert_eq!(schedule(SourceKind::Imds, status(410)), [10; 7]);
        assert_eq!(
            schedule(SourceKind::Imds, status(410)).iter().sum::<u64>(),
            70
        );
        for code in [200, 400, 401, 403] {
            assert!(
                schedule(SourceKind::Imds, status(code)).is_empty(),
                "{code}"
            );
        }
    }

    #[test]
    fn other_platforms_retry_once_on_throttling_and_server_errors() {
        for kind in [
            SourceKind::AppService,
            SourceKind::Arc,
            SourceKind::CloudShell,
            SourceKind::ServiceFabric,
            SourceKind::MachineLearning,
        ] {
            assert_eq!(schedule(kind, status(500)), [1], "{kind}");
            assert_eq!(schedule(kind, status(429)), [1], "{kind}");
            for code in [400, 404, 410] {
                assert!(schedule(kind, status(code)).is_empty(), "{kind} {code}");
            }
        }
    }

    #[test]
    fn connection_failures_are_retried_once_and_retry_after_is_bounded() {
        for kind in [SourceKind::Imds, SourceKind::AppService] {
            assert_eq!(schedule(kind, Outcome::ConnectionFailed), [1]);
        }
        let asked = |secs| Outcome::Status {
            status: 429,
            retry_after: Some(secs),
        };
        assert_eq!(schedule(SourceKind::Imds, asked(3)), [3, 3, 3]);
        assert!(schedule(SourceKind::Imds, asked(11)).is_empty());
        assert!(schedule(SourceKind::AppService, asked(u64::MAX)).is_empty());
        // Retry-After on a final answer does not make it retryable.
        let bad = Outcome::Status {
            status: 400,
            retry_after: Some(1),
        };
        assert!(schedule(SourceKind::Imds, bad).is_empty());
    }
}
