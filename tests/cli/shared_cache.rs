//! One token cache file shared with msal-extensions writers (how the Azure CLI and azure-identity
//! persist MSAL Python's cache): `msal` honours their `<cache>.lockfile`, never takes their
//! in-place rewrite caught half-way for the whole file, and neither side loses an entry.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use crate::support::idp::{CONTOSO_DOMAIN, TestIdp};
use crate::support::{TestEnv, python, write_private};

const SECRET: &str = "Shared~cache.secret-0123456789abcdef";
const SCOPE: &str = "api://x/.default";
/// Entries already in the cache: enough that a rewrite takes a while (about 1 MB).
const PREFILLED: usize = 1500;
const ROUNDS: usize = 5;
const PER_SIDE: usize = 10;
const PY_TIMEOUT: Duration = Duration::from_secs(60);

fn writer_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/msal_extensions_writer.py")
}

fn python_writer(args: &[&std::ffi::OsStr]) -> Child {
    Command::new(python::interpreter())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .arg(writer_script())
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}); install the tests' Python peers: `{}`",
                python::interpreter().display(),
                python::INSTALL_COMMAND
            )
        })
}

#[track_caller]
fn wait_python(mut child: Child, what: &str) {
    let deadline = Instant::now() + PY_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for python") {
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            assert!(
                status.success(),
                "{what} failed ({status}); install the tests' Python peers with `{}` if \
                 missing. stderr:\n{stderr}",
                python::INSTALL_COMMAND
            );
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{what} did not finish in {PY_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A cache of `PREFILLED` app-only tokens as MSAL Python writes them.
fn prefilled_cache() -> Vec<u8> {
    let mut tokens = Map::new();
    for i in 0..PREFILLED {
        let client = format!("prefill-{i:04}");
        tokens.insert(
            format!("-login.microsoftonline.com-accesstoken-{client}-contoso.example-{SCOPE}"),
            json!({
                "credential_type": "AccessToken",
                "secret": format!("prefilled-token-{i:04}-{}", "x".repeat(400)),
                "home_account_id": null,
                "environment": "login.microsoftonline.com",
                "client_id": client,
                "realm": "contoso.example",
                "target": SCOPE,
                "token_type": "Bearer",
                "cached_at": "1790000000",
                "expires_on": "4102444800",
                "extended_expires_on": "4102444800",
            }),
        );
    }
    serde_json::to_vec_pretty(&json!({ "AccessToken": tokens })).expect("JSON")
}

/// How many access tokens of clients whose id starts with `prefix` the cache holds.
fn tokens_of(cache: &Value, prefix: &str) -> usize {
    cache["AccessToken"]
        .as_object()
        .map(|m| {
            m.values()
                .filter(|e| {
                    e["client_id"]
                        .as_str()
                        .is_some_and(|c| c.starts_with(prefix))
                })
                .count()
        })
        .unwrap_or(0)
}

fn client_credentials<'a>(
    env: &'a TestEnv,
    idp: &TestIdp,
    client: &str,
    secret: &Path,
) -> crate::support::Msal<'a> {
    env.msal()
        .args(["client-credentials", "--authority"])
        .arg(idp.authority(CONTOSO_DOMAIN))
        .args(["--client-id", client, "--scope", SCOPE, "-o", "none"])
        .arg("--client-secret-file")
        .arg(secret)
}

#[test]
fn msal_and_msal_extensions_writing_one_file_at_once_lose_nothing() {
    let env = TestEnv::new();
    let idp = TestIdp::start();
    let cache = env.cache_path();
    std::fs::create_dir_all(cache.parent().expect("a parent")).expect("cache dir");
    write_private(&cache, &prefilled_cache());
    let secret = env.write_file("secret", SECRET);

    for round in 0..ROUNDS {
        let start = env.root().join(format!("start-{round}"));
        let peers: Vec<Child> = (0..PER_SIDE)
            .map(|i| {
                let client = format!("ext-{round}-{i}");
                python_writer(&[
                    cache.as_os_str(),
                    std::ffi::OsStr::new(&client),
                    start.as_os_str(),
                ])
            })
            .collect();
        let clients: Vec<String> = (0..PER_SIDE).map(|i| format!("msal-{round}-{i}")).collect();
        for client in &clients {
            idp.register_secret_client(client, SECRET);
        }
        std::fs::write(&start, "").expect("start");
        let ours: Vec<_> = clients
            .iter()
            .map(|client| client_credentials(&env, &idp, client, &secret).spawn())
            .collect();
        for peer in peers {
            wait_python(peer, "an msal-extensions writer");
        }
        for run in ours {
            run.wait().assert_success();
        }
    }

    let after = env.read_cache_json();
    assert_eq!(
        tokens_of(&after, "prefill-"),
        PREFILLED,
        "entries already there"
    );
    assert_eq!(
        tokens_of(&after, "ext-"),
        ROUNDS * PER_SIDE,
        "msal-extensions' entries"
    );
    assert_eq!(
        tokens_of(&after, "msal-"),
        ROUNDS * PER_SIDE,
        "msal's entries"
    );
}

#[test]
fn a_rewrite_caught_half_way_is_waited_for_not_taken_for_the_cache() {
    let env = TestEnv::new();
    let idp = TestIdp::start();
    idp.register_secret_client("late-writer", SECRET);
    let cache = env.cache_path();
    std::fs::create_dir_all(cache.parent().expect("a parent")).expect("cache dir");
    write_private(&cache, &prefilled_cache());
    let secret = env.write_file("secret", SECRET);

    // msal-extensions holds its lock with half the file written.
    let ready = env.root().join("half-written");
    let rewrite = python_writer(&[
        std::ffi::OsStr::new("--slow-rewrite"),
        cache.as_os_str(),
        ready.as_os_str(),
    ]);
    let deadline = Instant::now() + PY_TIMEOUT;
    while !ready.exists() {
        assert!(Instant::now() < deadline, "the rewrite never started");
        std::thread::sleep(Duration::from_millis(5));
    }

    // A read-only look and a write, both while the file is torn.
    let listed = env.msal().args(["accounts", "-o", "json"]).spawn();
    let written = client_credentials(&env, &idp, "late-writer", &secret).spawn();
    wait_python(rewrite, "the slow rewrite");
    listed.wait().assert_success();
    let written = written.wait();
    written.assert_success();
    assert!(
        !written.stderr_has("could not be read") && !written.stderr_has("corrupt"),
        "the torn file was taken for a corrupt cache: {}",
        written.stderr
    );

    let after = env.read_cache_json();
    assert_eq!(tokens_of(&after, "prefill-"), PREFILLED, "nothing lost");
    assert_eq!(tokens_of(&after, "late-writer"), 1, "msal's token kept");
    let aside: Vec<_> = std::fs::read_dir(cache.parent().expect("a parent"))
        .expect("read dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("corrupt"))
        .collect();
    assert!(aside.is_empty(), "nothing moved aside");
}
