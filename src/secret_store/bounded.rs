//! Runs one keyring call on a helper thread and waits for it with a deadline.
//!
//! Why a thread: the keyring crates are blocking and have no timeout of their own. A D-Bus
//! session bus that accepts a connection and never answers (a wedged `dbus-daemon`, a stale
//! `DBUS_SESSION_BUS_ADDRESS` forwarded into a container) would otherwise hang `msal`, and with it
//! a CI job, forever; no keyring call may hang a run. A call that misses the deadline is abandoned: its thread stays
//! blocked until the process exits, which the process does without waiting for it (it is not
//! joined), and the backend it was talking to is not asked again in this run.

use std::sync::mpsc;
use std::time::Duration;

/// Why a bounded call gave no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Unanswered {
    /// The call did not return within the deadline.
    #[error("no answer within {} s", .0.as_secs_f64())]
    TimedOut(Duration),
    /// The call panicked (its thread ended without an answer).
    #[error("the keyring library failed unexpectedly")]
    Panicked,
    /// No thread could be started.
    #[error("could not start a thread: {0}")]
    Spawn(String),
}

/// Runs `f` on a new thread and returns its result, or [`Unanswered`] after `timeout`.
pub(crate) fn bounded<T, F>(timeout: Duration, f: F) -> Result<T, Unanswered>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    // Capacity 1: an abandoned thread that finishes late can still send, and exit, without
    // blocking on a receiver that is gone.
    let (sender, receiver) = mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("msal-keyring".to_owned())
        .spawn(move || {
            // The receiver may have given up; nothing to do about that here.
            let _ = sender.send(f());
        })
        .map_err(|e| Unanswered::Spawn(e.to_string()))?;
    receiver.recv_timeout(timeout).map_err(|e| match e {
        mpsc::RecvTimeoutError::Timeout => Unanswered::TimedOut(timeout),
        mpsc::RecvTimeoutError::Disconnected => Unanswered::Panicked,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    #[test]
    fn answers_pass_through() {
        assert_eq!(bounded(Duration::from_secs(5), || 42), Ok(42));
    }

    #[test]
    fn a_hung_call_is_abandoned_at_the_deadline() {
        let start = Instant::now();
        let result = bounded(Duration::from_millis(100), || {
            std::thread::sleep(Duration::from_secs(30));
        });
        assert_eq!(
            result,
            Err(Unanswered::TimedOut(Duration::from_millis(100)))
        );
        assert!(start.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_panicking_call_is_an_error_not_a_crash() {
        let result: Result<(), _> = bounded(Duration::from_secs(5), || panic!("boom"));
        assert_eq!(result, Err(Unanswered::Panicked));
    }
}
