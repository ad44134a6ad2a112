//! Ctrl-C (SIGINT) and SIGTERM while a sign-in waits for the user.
//!
//! The runtime has one thread, and the cache's lock waits are blocking sleeps on it (the cache
//! API is synchronous), so a signal the runtime alone watched would go unseen until such a wait
//! ended, up to the lock timeout. The signals are therefore watched on a thread of their own,
//! which records the signal, ends any lock wait at once ([`msal::cache::CacheFile::with_interrupt`]
//! with [`stop_flag`]), and wakes the command.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, LazyLock};

use crate::cli::exit::Interrupted;

/// Set once a signal arrives; lock waits of the token cache end when it is.
static STOP: LazyLock<Arc<AtomicBool>> = LazyLock::new(|| Arc::new(AtomicBool::new(false)));

/// The number of the signal that arrived, 0 before any.
static RECEIVED: AtomicU8 = AtomicU8::new(0);

/// The flag that ends the token cache's lock waits when a signal arrives.
pub fn stop_flag() -> Arc<AtomicBool> {
    STOP.clone()
}

/// The signal that arrived, if one did: it ends the command whatever the command was doing,
/// so a sign-in that completes (or fails) while the user presses Ctrl-C still exits 130.
pub fn received() -> Option<Interrupted> {
    match RECEIVED.load(Ordering::SeqCst) {
        0 => None,
        2 => Some(Interrupted::SIGINT),
        _ => Some(Interrupted::SIGTERM),
    }
}

/// Resolves when the user presses Ctrl-C (SIGINT) or the process is asked to stop (SIGTERM),
/// with the error that exits 128 + the signal's number, as shells report a process that a
/// signal ended. The handlers are installed before this returns, not when it is first
/// awaited: call it before telling the user what to do, so no signal falls between. Once
/// installed, a handler stays for the life of the process, so keep waiting on this until the
/// command is done: a signal nobody waits for is ignored. Never resolves if the handlers cannot
/// be installed (the signals then keep their default effect).
pub fn interrupted() -> impl Future<Output = Interrupted> {
    let (installed, handlers) = std::sync::mpsc::channel::<bool>();
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let watcher = std::thread::Builder::new()
        .name("msal-signals".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let Ok(runtime) = runtime else {
                let _ = installed.send(false);
                return;
            };
            let signal = runtime.block_on(async {
                let Some(wait) = install() else {
                    let _ = installed.send(false);
                    return None;
                };
                let _ = installed.send(true);
                Some(wait.await)
            });
            if let Some(signal) = signal {
                RECEIVED.store(signal.exit_code() - 128, Ordering::SeqCst);
                STOP.store(true, Ordering::SeqCst);
                let _ = sender.send(signal);
            }
        });
    // Wait (briefly) for the handlers, so that they exist when the caller goes on.
    let ready = watcher.is_ok() && handlers.recv().unwrap_or(false);
    async move {
        match receiver.await {
            Ok(signal) if ready => signal,
            _ => std::future::pending().await,
        }
    }
}

/// Installs the handlers; the future resolves with the first signal.
#[cfg(unix)]
fn install() -> Option<impl Future<Output = Interrupted>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).ok()?;
    let mut terminate = signal(SignalKind::terminate()).ok()?;
    Some(async move {
        tokio::select! {
            _ = interrupt.recv() => Interrupted::SIGINT,
            _ = terminate.recv() => Interrupted::SIGTERM,
        }
    })
}

/// Installs the handler; the future resolves on Ctrl-C.
#[cfg(not(unix))]
fn install() -> Option<impl Future<Output = Interrupted>> {
    let ctrl_c = tokio::signal::ctrl_c();
    Some(async move {
        if ctrl_c.await.is_err() {
            std::future::pending::<()>().await;
        }
        Interrupted::SIGINT
    })
}
