//! The OS keyring: `--save-secret`, `--forget-secret`, `--keyring`,
//! `--encrypt-cache`, proven on a headless machine
//!
//! - with no keyring at all (no D-Bus session bus, no session keyring: the harness's clean
//!   environment): the 0600 file fallback with its one-line notice, `--keyring require` failing;
//! - with a real Secret Service: a private `dbus-daemon` and `gnome-keyring-daemon --unlock` per
//!   test (Debian packages `dbus` and `gnome-keyring`);
//! - with kernel keyutils inside a session keyring (`keyctl session`, Debian package `keyutils`);
//! - with a D-Bus bus that accepts and never answers: bounded by the keyring timeout.
//!
//! Daemons are started with known process ids and killed when the test ends (also when it
//! fails), and nothing listens anywhere but on Unix sockets in the test's directory.

use std::ffi::OsString;
use std::io::{BufRead as _, BufReader, Write as _};
use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::net::UnixListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::certs::TestCert;
use crate::support::fixture::{CLIENT, Fixture, SECRET};
use crate::support::idp::{CONTOSO_DOMAIN, TestIdp};
use crate::support::{Msal, Run, TestEnv};

const PFX_PASSWORD: &str = "pfx-pass-word~42";

/// `msal client-credentials` for the test client, with no credential option, and a D-Bus
/// address where no bus listens: the clean "no keyring" environment, whatever machine the
/// test runs on (a CI runner may have a user bus at /run/user/UID/bus; a desktop session a
/// usable session keyring, which [`hide_keyutils`] takes away).
fn cc_isolated(fx: &Fixture) -> Msal<'_> {
    isolated(fx, fx.cc_without_credential())
}

/// `cc_isolated` with the client secret given in a file.
fn cc_isolated_with_secret(fx: &Fixture) -> Msal<'_> {
    isolated(fx, fx.cc())
}

fn isolated<'a>(fx: &Fixture, msal: Msal<'a>) -> Msal<'a> {
    msal.wrapped_in(hide_keyutils())
        .env("XDG_RUNTIME_DIR", runtime_dir(fx))
        .env("DBUS_SESSION_BUS_ADDRESS", no_bus(fx))
}

fn runtime_dir(fx: &Fixture) -> PathBuf {
    let dir = fx.env.root().join("run");
    if !dir.exists() {
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    dir
}

fn no_bus(fx: &Fixture) -> String {
    format!("unix:path={}", fx.env.root().join("no-bus-here").display())
}

fn secrets_dir(fx: &Fixture) -> PathBuf {
    fx.env.config_dir().join("msal").join("secrets")
}

fn secret_files(fx: &Fixture) -> Vec<PathBuf> {
    match std::fs::read_dir(secrets_dir(fx)) {
        Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The `client_secret` of the last token request.
fn last_client_secret(fx: &Fixture) -> Option<String> {
    fx.idp
        .token_requests()
        .last()
        .and_then(|r| r.form("client_secret").map(str::to_owned))
}

/// A wrapper that gives `msal` a session keyring it may not use, when the machine would
/// otherwise give it a usable one (a desktop login with `pam_keyinit`): the tests of "no
/// keyring" must not find one, nor leave test secrets in a developer's keyring. Empty where
/// keyutils is unusable anyway (this machine, CI: root in a container, no session keyring).
fn hide_keyutils() -> Vec<String> {
    static WRAPPER: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    WRAPPER
        .get_or_init(|| {
            let env = TestEnv::new();
            let probe = env
                .msal()
                .args([
                    "client-credentials",
                    "--authority",
                    "https://login.microsoftonline.com/keyring-probe",
                    "--client-id",
                    "keyring-probe",
                    "--forget-secret",
                    "--keyring",
                    "require",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
                .run();
            if probe.code != 0 {
                return Vec::new();
            }
            assert!(
                find_program("keyctl").is_some(),
                "this machine gives processes a usable session keyring; hiding it from the \
                 no-keyring tests needs keyctl (apt-get install -y keyutils)"
            );
            // A new session keyring, then no permission on it: keyutils fails its canary.
            [
                "keyctl",
                "session",
                "-",
                "sh",
                "-c",
                "keyctl setperm @s 0 >/dev/null && exec \"$@\"",
                "sh",
            ]
            .map(str::to_owned)
            .to_vec()
        })
        .clone()
}

/// Panics unless no secret and no issued token appears in the run's stderr, and no secret on
/// stdout.
#[track_caller]
fn assert_quiet_about_secrets(run: &Run, idp: &TestIdp) {
    run.assert_not_leaked(SECRET, "the client secret");
    if run.stdout.contains(PFX_PASSWORD) || run.stderr.contains(PFX_PASSWORD) {
        panic!("the PFX password was printed");
    }
    for token in idp.issued_access_tokens() {
        assert!(!run.stderr.contains(&token), "a token appears on stderr");
    }
}

/// Every file under `dir` (recursively) whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if kind.is_file()
            && let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            found.push(path);
        }
    }
    found
}

// ----- no keyring at all -----------------------------------------------------------------------

#[test]
fn without_a_keyring_the_secret_goes_to_a_private_file_with_one_notice_and_is_reused() {
    let fx = Fixture::new();
    let run = cc_isolated_with_secret(&fx).arg("--save-secret").run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    let notices: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("no keyring reachable"))
        .collect();
    assert_eq!(notices.len(), 1, "stderr:\n{}", run.stderr);
    let files = secret_files(&fx);
    assert_eq!(files.len(), 1, "{files:?}");
    let notice = notices[0];
    assert!(
        notice.contains(&files[0].display().to_string()) && notice.contains("(mode 0600)"),
        "the notice does not name the file: {notice}"
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&secrets_dir(&fx)), 0o700);

    // The next run, with no credential option, finds it (and proves it to the authority).
    let run = cc_isolated(&fx).args(["--force-refresh", "-v"]).run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    assert_eq!(last_client_secret(&fx).as_deref(), Some(SECRET));
    run.assert_stderr_has("keyring: found");

    // --save-secret with nothing given has nothing new to keep.
    let run = cc_isolated(&fx).arg("--save-secret").run();
    run.assert_code(2).assert_stderr_has("already saved");

    // Explicit options and the environment still win over the saved secret.
    let run = cc_isolated(&fx)
        .args(["--force-refresh"])
        .env("AZURE_CLIENT_SECRET", "from-the-environment")
        .run();
    run.assert_code(4);
    assert_eq!(
        last_client_secret(&fx).as_deref(),
        Some("from-the-environment")
    );

    // Forgetting removes the file; the run after that has no credential.
    let run = cc_isolated(&fx).arg("--forget-secret").run();
    run.assert_success()
        .assert_stderr_has("forgot the credential");
    assert!(secret_files(&fx).is_empty());
    let run = cc_isolated(&fx).run();
    run.assert_code(2).assert_stderr_has("no client credential");
    let run = cc_isolated(&fx).arg("--forget-secret").run();
    run.assert_success()
        .assert_stderr_has("no saved credential");
}

#[test]
fn keyring_require_without_a_keyring_fails_clearly_before_any_request() {
    let fx = Fixture::new();
    let run = cc_isolated_with_secret(&fx)
        .args(["--save-secret", "--keyring", "require"])
        .run();
    run.assert_code(1);
    assert_quiet_about_secrets(&run, &fx.idp);
    run.assert_stderr_has("no OS keyring is usable")
        .assert_stderr_has("Secret Service")
        .assert_stderr_has("keyutils");
    assert!(fx.idp.token_requests().is_empty(), "a token was requested");
    assert!(secret_files(&fx).is_empty(), "a secret file was written");

    // The variable does the same, for the lookup of a saved secret too.
    let run = cc_isolated(&fx).env("MSAL_KEYRING", "require").run();
    run.assert_code(1)
        .assert_stderr_has("no OS keyring is usable");
    let run = cc_isolated(&fx).env("MSAL_KEYRING", "sometimes").run();
    run.assert_code(2).assert_stderr_has("MSAL_KEYRING");

    // --save-secret has nothing to keep from a federated token file.
    let token = fx.env.write_file("federated", "eyJ.federated.token");
    let run = cc_isolated(&fx)
        .arg("--federated-token-file")
        .arg(token)
        .arg("--save-secret")
        .run();
    run.assert_code(2).assert_stderr_has("--save-secret");
}

#[test]
fn only_a_secret_the_identity_provider_accepted_in_this_run_is_saved() {
    let fx = Fixture::new();
    cc_isolated_with_secret(&fx)
        .args(["--save-secret", "--keyring", "off"])
        .run()
        .assert_success();
    let saved = secret_files(&fx);
    assert_eq!(saved.len(), 1);
    let good = std::fs::read(&saved[0]).unwrap();

    // A valid token is cached; a wrong secret must still be shown to the identity provider
    // before it replaces the saved one, and it is refused there.
    let wrong = fx
        .env
        .write_file("wrong", "Wr0ng~secret.for-the-keyring-test");
    let requests_before = fx.idp.token_requests().len();
    let run = cc_isolated(&fx)
        .arg("--client-secret-file")
        .arg(&wrong)
        .args(["--save-secret", "--keyring", "off"])
        .run();
    run.assert_code(4).assert_stderr_has("invalid_client");
    assert!(run.stdout.is_empty());
    assert_eq!(
        fx.idp.token_requests().len(),
        requests_before + 1,
        "the identity provider was asked"
    );
    assert_eq!(
        std::fs::read(&saved[0]).unwrap(),
        good,
        "the saved secret is untouched"
    );

    // So the saved secret still works.
    let run = cc_isolated(&fx)
        .args(["--force-refresh", "--keyring", "off"])
        .run();
    run.assert_success();
    assert_eq!(last_client_secret(&fx).as_deref(), Some(SECRET));

    // Saving the good secret again asks too, though the cache could have served the run.
    let run = cc_isolated_with_secret(&fx)
        .args(["--save-secret", "--keyring", "off"])
        .run();
    run.assert_success();
    assert_eq!(fx.idp.token_requests().len(), requests_before + 3);
}

#[test]
fn keyring_off_keeps_the_secret_in_the_file_without_a_notice() {
    let fx = Fixture::new();
    let run = cc_isolated_with_secret(&fx)
        .args(["--save-secret", "--keyring", "off", "-v"])
        .run();
    run.assert_success();
    assert!(!run.stderr_has("no keyring reachable"), "{}", run.stderr);
    assert!(
        !run.stderr_has("Secret Service"),
        "a keyring was probed: {}",
        run.stderr
    );
    assert_eq!(secret_files(&fx).len(), 1);
}

#[test]
fn cache_encryption_without_a_keyring_is_refused_before_any_request() {
    let fx = Fixture::new();
    let run = cc_isolated_with_secret(&fx).arg("--encrypt-cache").run();
    run.assert_code(1)
        .assert_stderr_has("the key to encrypt it")
        .assert_stderr_has("no OS keyring is usable");
    assert!(fx.idp.token_requests().is_empty(), "a token was requested");
    assert!(!fx.env.cache_path().exists());
    assert!(secret_files(&fx).is_empty(), "the key went to a file");

    let run = cc_isolated_with_secret(&fx)
        .args(["--encrypt-cache", "--keyring", "off"])
        .run();
    run.assert_code(2).assert_stderr_has("--keyring off");
}

// ----- a real Secret Service -------------------------------------------------------------------

/// A private D-Bus session bus with an unlocked GNOME Keyring on it, for one test. Both daemons
/// are children of the test with known ids, killed on drop.
struct SecretService {
    dbus: Child,
    keyring: Child,
    address: String,
}

impl SecretService {
    const PASSWORD: &'static [u8] = b"test-keyring-password";

    fn start(env: &TestEnv) -> Self {
        let missing: Vec<&str> = ["dbus-daemon", "dbus-send", "gnome-keyring-daemon"]
            .into_iter()
            .filter(|program| find_program(program).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "the Secret Service tests need {missing:?}: install the Debian packages dbus and \
             gnome-keyring (apt-get install -y dbus gnome-keyring; .ci/run does)"
        );
        let root = env.root();
        let run_dir = root.join("run");
        std::fs::create_dir_all(&run_dir).unwrap();
        std::fs::set_permissions(&run_dir, std::fs::Permissions::from_mode(0o700)).unwrap();
        let socket = root.join("bus");
        let mut dbus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .arg(format!("--address=unix:path={}", socket.display()))
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.home())
            .env("XDG_RUNTIME_DIR", &run_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let stdout = dbus.stdout.take().expect("dbus-daemon stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = sender.send(line);
        });
        let address = match receiver.recv_timeout(Duration::from_secs(10)) {
            Ok(line) if line.starts_with("unix:") => line.trim().to_owned(),
            other => {
                let _ = dbus.kill();
                let _ = dbus.wait();
                panic!("dbus-daemon did not print its address: {other:?}");
            }
        };
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", env.home())
            .env("XDG_DATA_HOME", root.join("home/.local/share"))
            .env("XDG_RUNTIME_DIR", &run_dir)
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        // --unlock reads the login keyring's password from stdin, up to end of file.
        let mut stdin = keyring.stdin.take().expect("gnome-keyring-daemon stdin");
        let _ = stdin.write_all(Self::PASSWORD);
        drop(stdin);
        let service = Self {
            dbus,
            keyring,
            address,
        };
        service.wait_for_name();
        service
    }

    /// `msal` run on this bus.
    fn on<'a>(&self, msal: Msal<'a>) -> Msal<'a> {
        msal.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
    }

    /// Waits until org.freedesktop.secrets is on the bus (else the bus would start a second,
    /// locked daemon by D-Bus activation when msal asks).
    fn wait_for_name(&self) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let output = Command::new("dbus-send")
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
                .stdin(Stdio::null())
                .stderr(Stdio::null())
                .output()
                .expect("run dbus-send");
            if String::from_utf8_lossy(&output.stdout).contains("boolean true") {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("gnome-keyring-daemon did not register org.freedesktop.secrets within 15 s");
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.dbus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| OsString::from("/usr/bin:/bin"));
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

#[test]
fn the_secret_service_keeps_the_saved_secret_and_the_next_run_finds_it() {
    let fx = Fixture::new();
    let service = SecretService::start(&fx.env);

    let run = service
        .on(cc_isolated_with_secret(&fx))
        .args(["--save-secret", "--keyring", "require", "-v"])
        .run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    run.assert_stderr_has("keyring: using the Secret Service")
        .assert_stderr_has("saved the credential")
        .assert_stderr_has("in the Secret Service (D-Bus)");
    assert!(!run.stderr_has("no keyring reachable"), "{}", run.stderr);
    assert!(secret_files(&fx).is_empty(), "a secret file was written");
    // Only the keyring daemon's own (encrypted) store may hold it: no file has the secret.
    assert_eq!(
        files_containing(fx.env.root(), SECRET),
        vec![fx.env.root().join("files/secret")]
    );

    let run = service
        .on(cc_isolated(&fx))
        .args(["--force-refresh", "-v"])
        .run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    run.assert_stderr_has("found the credential of client")
        .assert_stderr_has("in the Secret Service");
    assert_eq!(last_client_secret(&fx).as_deref(), Some(SECRET));

    // Without the bus the secret is nowhere: it was in the Secret Service, not in a file.
    cc_isolated(&fx).run().assert_code(2);

    let run = service.on(cc_isolated(&fx)).arg("--forget-secret").run();
    run.assert_success()
        .assert_stderr_has("forgot the credential")
        .assert_stderr_has("Secret Service");
    service.on(cc_isolated(&fx)).run().assert_code(2);
}

#[test]
fn a_certificate_and_its_pfx_password_are_kept_in_the_secret_service() {
    let fx = Fixture::new();
    let cert = TestCert::shared();
    fx.idp
        .register_certificate_client(CLIENT, &cert.cert_der, &cert.public_key_der);
    let service = SecretService::start(&fx.env);
    let pfx = fx.env.write_file("cert.pfx", cert.pfx(PFX_PASSWORD));
    let password = fx.env.write_file("pfx-password", PFX_PASSWORD);

    let run = service
        .on(cc_isolated(&fx))
        .arg("--certificate")
        .arg(&pfx)
        .arg("--certificate-password-file")
        .arg(&password)
        .arg("--save-secret")
        .run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);

    // The PFX alone: its password comes from the keyring.
    let run = service
        .on(cc_isolated(&fx))
        .arg("--certificate")
        .arg(&pfx)
        .arg("--force-refresh")
        .run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    // Nothing at all: the certificate's path and password come from the keyring.
    let run = service.on(cc_isolated(&fx)).arg("--force-refresh").run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    let last = fx.idp.token_requests().last().cloned().unwrap();
    assert!(last.form("client_assertion").is_some());
    assert_eq!(fx.idp.token_requests().len(), 3);
}

#[test]
fn an_encrypted_cache_round_trips_with_its_key_in_the_secret_service() {
    let fx = Fixture::new();
    let service = SecretService::start(&fx.env);

    let first = service
        .on(cc_isolated_with_secret(&fx))
        .arg("--encrypt-cache")
        .run();
    first.assert_success();
    assert_quiet_about_secrets(&first, &fx.idp);
    let token = first.stdout.trim().to_owned();
    let bytes = fx.env.cache_bytes();
    assert!(bytes.starts_with(b"#msal-encrypted-cache v1 "));
    assert!(
        serde_json::from_slice::<serde_json::Value>(&bytes).is_err(),
        "the encrypted cache parses as JSON"
    );
    assert!(
        !files_containing(fx.env.root(), &token)
            .iter()
            .any(|p| p == &fx.env.cache_path()),
        "the token is in the cache file in the clear"
    );
    assert!(secret_files(&fx).is_empty(), "the key went to a file");
    let mode = std::fs::metadata(fx.env.cache_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    // The next run, not told about encryption, is served from the cache: no request at all.
    let requests = fx.idp.request_count();
    let second = service.on(cc_isolated_with_secret(&fx)).run();
    second.assert_success();
    second.assert_stdout_eq(&first.stdout, "the cached token");
    assert_eq!(fx.idp.request_count(), requests, "the cache was not used");

    // Without the keyring: a clear failure, the file untouched and not moved aside.
    let run = cc_isolated_with_secret(&fx).run();
    run.assert_code(1)
        .assert_stderr_has("is encrypted")
        .assert_stderr_has("left untouched");
    assert_eq!(fx.env.cache_bytes(), bytes);
    assert_eq!(
        fx.idp.request_count(),
        requests,
        "a request without a cache"
    );
    let names: Vec<String> = std::fs::read_dir(fx.env.cache_path().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("corrupt"))
        .collect();
    assert!(names.is_empty(), "moved aside: {names:?}");

    // Opting out writes plain JSON that MSAL Python can read again.
    let run = service
        .on(cc_isolated_with_secret(&fx))
        .env("MSAL_ENCRYPT_CACHE", "0")
        .run();
    run.assert_success();
    run.assert_stdout_eq(&first.stdout, "the cached token");
    let json = fx.env.read_cache_json();
    assert_eq!(json["AccessToken"].as_object().unwrap().len(), 1);
}

#[test]
fn an_encrypted_cache_replaced_by_plain_json_is_refused_not_filled_in_the_clear() {
    let fx = Fixture::new();
    let service = SecretService::start(&fx.env);
    service
        .on(cc_isolated_with_secret(&fx))
        .arg("--encrypt-cache")
        .run()
        .assert_success();
    std::fs::write(fx.env.cache_path(), "{}").unwrap();

    let requests = fx.idp.request_count();
    let run = service.on(cc_isolated_with_secret(&fx)).run();
    run.assert_code(1)
        .assert_stderr_has("plain JSON")
        .assert_stderr_has("--encrypt-cache=0");
    assert_eq!(fx.env.cache_bytes(), b"{}", "left untouched");
    assert_eq!(fx.idp.request_count(), requests, "nothing was fetched");

    // Choosing plain JSON deliberately works, and the token is then written in the clear.
    let run = service
        .on(cc_isolated_with_secret(&fx))
        .env("MSAL_ENCRYPT_CACHE", "0")
        .run();
    run.assert_success();
    assert_eq!(
        fx.env.read_cache_json()["AccessToken"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn doctor_reads_an_encrypted_cache_with_its_key() {
    let fx = Fixture::new();
    let service = SecretService::start(&fx.env);
    service
        .on(cc_isolated_with_secret(&fx))
        .arg("--encrypt-cache")
        .run()
        .assert_success();
    let run = service
        .on(isolated(&fx, fx.env.msal()))
        .args(["doctor", "-o", "json"])
        .run();
    run.assert_success();
    let state = &run.stdout_json()["cache_state"];
    assert_eq!(state["access_tokens"], 1, "{state}");
    assert_eq!(state["error"], serde_json::Value::Null, "{state}");
}

#[test]
fn parallel_runs_on_an_encrypted_cache_lose_nothing() {
    let fx = Fixture::new();
    let service = SecretService::start(&fx.env);
    let secret = fx.env.write_file("secret", SECRET);
    let runs: Vec<_> = (0..8)
        .map(|i| {
            fx.env
                .msal()
                .args([
                    "client-credentials",
                    "--authority",
                    &fx.idp.authority(CONTOSO_DOMAIN),
                    "--client-id",
                    CLIENT,
                    "--scope",
                    &format!("api://parallel-{i}/.default"),
                    "--encrypt-cache",
                    "-o",
                    "none",
                    "--client-secret-file",
                ])
                .arg(&secret)
                .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
                .spawn()
        })
        .collect();
    for running in runs {
        let run = running.wait();
        run.assert_success();
        assert_quiet_about_secrets(&run, &fx.idp);
    }
    assert!(
        fx.env
            .cache_bytes()
            .starts_with(b"#msal-encrypted-cache v1 ")
    );
    // Decrypt to count: every token is there.
    cc_isolated_with_secret(&fx)
        .env("DBUS_SESSION_BUS_ADDRESS", &service.address)
        .env("MSAL_ENCRYPT_CACHE", "0")
        .args(["-o", "none"])
        .run()
        .assert_success();
    let json = fx.env.read_cache_json();
    assert_eq!(json["AccessToken"].as_object().unwrap().len(), 9);
}

// ----- kernel keyutils -------------------------------------------------------------------------

/// A named session keyring kept alive by a `keyctl session NAME sleep` child, which runs of
/// `msal` join with `keyctl session NAME msal …`. Killed on drop.
struct SessionKeyring {
    name: String,
    holder: Child,
}

impl SessionKeyring {
    fn start() -> Self {
        assert!(
            find_program("keyctl").is_some(),
            "the keyutils test needs keyctl: install the Debian package keyutils \
             (apt-get install -y keyutils; .ci/run does)"
        );
        let name = format!("msal-test-{}", uuid::Uuid::new_v4());
        let holder = Command::new("keyctl")
            .args(["session", &name, "sleep", "120"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start keyctl session");
        // Give the holder a moment to create the keyring before anyone joins it.
        std::thread::sleep(Duration::from_millis(200));
        Self { name, holder }
    }

    fn wrap<'a>(&self, msal: Msal<'a>) -> Msal<'a> {
        msal.wrapped_in(["keyctl", "session", &self.name])
    }
}

impl Drop for SessionKeyring {
    fn drop(&mut self) {
        let _ = self.holder.kill();
        let _ = self.holder.wait();
    }
}

#[test]
fn keyutils_keeps_the_secret_inside_a_session_keyring() {
    let fx = Fixture::new();
    let session = SessionKeyring::start();

    let run = session
        .wrap(cc_isolated_with_secret(&fx))
        .args(["--save-secret", "--keyring", "require", "-v"])
        .run();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    run.assert_stderr_has("keyring: using the kernel keyring (keyutils)")
        .assert_stderr_has("in the kernel keyring (keyutils)");
    assert!(secret_files(&fx).is_empty(), "a secret file was written");

    let run = session
        .wrap(cc_isolated(&fx))
        .args(["--force-refresh", "--keyring", "require"])
        .run();
    run.assert_success();
    assert_eq!(last_client_secret(&fx).as_deref(), Some(SECRET));

    // Remove it: keyutils also links keys into the user's persistent keyring, which outlives
    // the test by days.
    let run = session.wrap(cc_isolated(&fx)).arg("--forget-secret").run();
    run.assert_success().assert_stderr_has("kernel keyring");
    session.wrap(cc_isolated(&fx)).run().assert_code(2);
}

// ----- a keyring that never answers ------------------------------------------------------------

/// A Unix socket that accepts D-Bus connections and never says a word: a wedged bus.
struct HungBus {
    address: String,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HungBus {
    fn start(dir: &Path) -> Self {
        let path = dir.join("hung-bus");
        let listener = UnixListener::bind(&path).expect("bind the hung bus");
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut held = Vec::new();
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => held.push(stream),
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Self {
            address: format!("unix:path={}", path.display()),
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for HungBus {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn a_hung_keyring_costs_one_timeout_then_the_file_is_used() {
    let fx = Fixture::new();
    let bus = HungBus::start(fx.env.root());

    // The default deadline (3 s), then the fallback.
    let start = Instant::now();
    let run = cc_isolated_with_secret(&fx)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .args(["--save-secret", "-v"])
        .run();
    let elapsed = start.elapsed();
    run.assert_success();
    assert_quiet_about_secrets(&run, &fx.idp);
    run.assert_stderr_has("no answer within 3 s")
        .assert_stderr_has("no keyring reachable");
    assert!(
        elapsed < Duration::from_secs(15),
        "the run took {elapsed:?} with a hung keyring"
    );
    assert_eq!(secret_files(&fx).len(), 1);

    // MSAL_KEYRING_TIMEOUT shortens it; require fails clearly, naming the timeout.
    let start = Instant::now();
    let run = cc_isolated(&fx)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("MSAL_KEYRING_TIMEOUT", "0.5")
        .args(["--keyring", "require"])
        .run();
    let elapsed = start.elapsed();
    run.assert_code(1)
        .assert_stderr_has("no answer within 0.5 s");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");

    // Cache encryption against a hung keyring is refused within the bound too.
    let run = cc_isolated_with_secret(&fx)
        .env("DBUS_SESSION_BUS_ADDRESS", &bus.address)
        .env("MSAL_KEYRING_TIMEOUT", "0.5")
        .arg("--encrypt-cache")
        .run();
    run.assert_code(1)
        .assert_stderr_has("the key to encrypt it");
}
