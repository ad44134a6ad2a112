//! What the user sign-in tests share: an IdP with a public client and users, the fake browser
//! (`tests/cli/fake_browser.py`, run as `$BROWSER`), signing in, and checks that no secret
//! reaches the terminal.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::idp::{CONTOSO_DOMAIN, IssuedToken, RecordedRequest, TestIdp, TestUser};
use super::{Msal, Run, TestEnv};

/// The public client the tests sign in with.
pub const CLIENT: &str = "2f8c6a1e-5b3d-4e7f-9a0b-c1d2e3f4a5b6";
/// The resource scope asked for.
pub const SCOPE: &str = "https://graph.microsoft.com/User.Read";
/// Alice, of contoso.example (the default user at the authorize endpoint).
pub const ALICE: &str = "alice@contoso.example";
/// Alice's password.
pub const ALICE_PASSWORD: &str = "Alice-Pa55word!";
/// Bob, also of contoso.example.
pub const BOB: &str = "bob@contoso.example";
/// Carol, of fabrikam.example (another tenant).
pub const CAROL: &str = "carol@fabrikam.example";
/// `grant_type` of device code polling, which is also its `account_source`.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// How the fake browser behaves (`MSAL_TEST_BROWSER_MODE`).
#[derive(Clone, Copy, Debug)]
pub enum Browser {
    /// Sign in and deliver the answer to the loopback listener.
    Complete,
    /// A favicon request and an answer with a forged `state` first, then the real answer.
    ForgedFirst,
    /// Only an answer with a forged `state`.
    ForgedOnly,
    /// Never shows up.
    Ignore,
}

impl Browser {
    fn mode(self) -> &'static str {
        match self {
            Browser::Complete => "complete",
            Browser::ForgedFirst => "forged-first",
            Browser::ForgedOnly => "forged-only",
            Browser::Ignore => "ignore",
        }
    }
}

/// An IdP with the public client [`CLIENT`] and users Alice and Bob (contoso) and Carol
/// (fabrikam), plus an empty test environment.
pub struct UserFx {
    /// HOME, config and cache.
    pub env: TestEnv,
    /// The identity provider.
    pub idp: TestIdp,
    /// Alice.
    pub alice: TestUser,
    /// Bob.
    pub bob: TestUser,
    /// Carol.
    pub carol: TestUser,
}

impl UserFx {
    /// A fresh IdP and environment.
    pub fn new() -> Self {
        let idp = TestIdp::start();
        idp.register_public_client(CLIENT);
        let alice = idp.add_user(ALICE, ALICE_PASSWORD);
        let bob = idp.add_user(BOB, "Bob-Pa55word!");
        idp.add_tenant("fabrikam.example");
        let carol = idp.add_user_in("fabrikam.example", CAROL, "Carol-Pa55word!");
        idp.set_default_user(ALICE);
        Self {
            env: TestEnv::new(),
            idp,
            alice,
            bob,
            carol,
        }
    }

    /// The contoso authority (`http://127.0.0.1:PORT/contoso.example`).
    pub fn authority(&self) -> String {
        self.idp.authority(CONTOSO_DOMAIN)
    }

    /// `msal <command> --authority <contoso> --client-id CLIENT`.
    pub fn msal(&self, command: &str) -> Msal<'_> {
        self.msal_at(command, &self.authority())
    }

    /// `msal <command> --authority <authority> --client-id CLIENT`.
    pub fn msal_at(&self, command: &str, authority: &str) -> Msal<'_> {
        self.env
            .msal()
            .args([command, "--authority", authority, "--client-id", CLIENT])
    }

    /// `msal login --scope SCOPE -o token` with the fake browser.
    pub fn login(&self, browser: Browser) -> Msal<'_> {
        self.with_browser(self.msal("login"), browser)
            .args(["--scope", SCOPE, "-o", "token"])
    }

    /// `msal silent --scope SCOPE -o token`.
    pub fn silent(&self) -> Msal<'_> {
        self.msal("silent").args(["--scope", SCOPE, "-o", "token"])
    }

    /// Set `$BROWSER` to the fake browser in this mode, logging to [`Self::browser_log_path`].
    pub fn with_browser<'a>(&self, msal: Msal<'a>, browser: Browser) -> Msal<'a> {
        msal.env("BROWSER", browser_command())
            .env("MSAL_TEST_BROWSER_MODE", browser.mode())
            .env("MSAL_TEST_BROWSER_LOG", self.browser_log_path())
    }

    /// Where the fake browser logs its steps.
    pub fn browser_log_path(&self) -> PathBuf {
        self.env.root().join("browser.log")
    }

    /// The fake browser's steps so far.
    pub fn browser_log(&self) -> Vec<Value> {
        std::fs::read_to_string(self.browser_log_path())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("browser log lines are JSON"))
            .collect()
    }

    /// Wait (bounded) until the fake browser has exited — `msal` does not wait for it — and
    /// return its steps.
    #[track_caller]
    pub fn browser_finished(&self) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let log = self.browser_log();
            if log.iter().any(|e| e["step"] == "exit") {
                return log;
            }
            assert!(
                Instant::now() < deadline,
                "the fake browser did not finish; its log: {log:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sign in interactively (fake browser) as the default user, Alice; returns the run.
    #[track_caller]
    pub fn sign_in_with_browser(&self) -> Run {
        let run = self.login(Browser::Complete).run();
        run.assert_success();
        self.browser_finished();
        run
    }

    /// Sign in as `username` through `authority` with the fake browser.
    #[track_caller]
    pub fn sign_in_with_browser_at(&self, authority: &str, username: &str) -> Run {
        let run = self
            .with_browser(self.msal_at("login", authority), Browser::Complete)
            .args(["--scope", SCOPE, "-o", "token", "--login-hint", username])
            .run();
        run.assert_success();
        self.browser_finished();
        run
    }

    /// Sign Alice in the quick way (`--username` + `--password-stdin`: no browser process), for
    /// tests about what comes after a sign-in; the cache is the same but for `account_source`.
    #[track_caller]
    pub fn sign_in(&self) -> Run {
        self.sign_in_at(&self.authority(), ALICE)
    }

    /// Sign `username` in through `authority` the quick way.
    #[track_caller]
    pub fn sign_in_at(&self, authority: &str, username: &str) -> Run {
        let user = [&self.alice, &self.bob, &self.carol]
            .into_iter()
            .find(|u| u.username == username)
            .unwrap_or_else(|| panic!("no test user {username}"));
        let run = self
            .msal_at("login", authority)
            .args(["--scope", SCOPE, "-o", "token", "--username", username])
            .arg("--password-stdin")
            .stdin(format!("{}\n", user.password))
            .run();
        run.assert_success();
        run
    }

    /// The last token response the IdP sent.
    pub fn last_issued(&self) -> IssuedToken {
        self.idp
            .issued_tokens()
            .last()
            .cloned()
            .expect("the IdP issued a token")
    }

    /// The last token request the IdP received.
    pub fn last_token_request(&self) -> RecordedRequest {
        self.idp
            .token_requests()
            .last()
            .cloned()
            .expect("a token request")
    }

    /// The authorize requests the IdP received.
    pub fn authorize_requests(&self) -> Vec<RecordedRequest> {
        self.idp.requests_to("/oauth2/v2.0/authorize")
    }

    /// Every secret the IdP handed out or received: tokens, codes, passwords, device codes.
    pub fn secrets(&self) -> Vec<(String, &'static str)> {
        let mut secrets = Vec::new();
        for t in self.idp.issued_tokens() {
            secrets.push((t.access_token, "an access token"));
            if let Some(rt) = t.refresh_token {
                secrets.push((rt, "a refresh token"));
            }
            if let Some(idt) = t.id_token {
                secrets.push((idt, "an ID token"));
            }
        }
        for r in self.idp.requests() {
            for (field, what) in [
                ("code", "an authorization code"),
                ("code_verifier", "a PKCE verifier"),
                ("refresh_token", "a refresh token"),
                ("password", "a password"),
                ("device_code", "a device code"),
            ] {
                if let Some(v) = r.form(field) {
                    secrets.push((v.to_owned(), what));
                }
            }
        }
        for user in [&self.alice, &self.bob, &self.carol] {
            secrets.push((user.password.clone(), "a password"));
        }
        secrets
    }

    /// No secret in `text` (what a command printed on `stream`).
    #[track_caller]
    pub fn assert_no_secret_in(&self, text: &str, stream: &str) {
        for (secret, what) in self.secrets() {
            assert!(
                !text.contains(&secret),
                "{what} appears on {stream} (not shown because it holds it)"
            );
        }
    }

    /// No secret on stderr; stdout empty or exactly one issued access token and a newline.
    #[track_caller]
    pub fn assert_no_secret_leaked(&self, run: &Run) {
        self.assert_no_secret_in(&run.stderr, "stderr");
        if !run.stdout.is_empty() {
            let token = run.stdout.strip_suffix('\n').unwrap_or("<no newline>");
            assert!(
                !token.contains('\n') && self.idp.issued_access_tokens().iter().any(|t| t == token),
                "stdout is not exactly one issued access token and a newline ({} bytes, not shown)",
                run.stdout.len()
            );
        }
    }

    /// The token cache as JSON.
    pub fn cache(&self) -> Value {
        self.env.read_cache_json()
    }
}

/// `$BROWSER` for the fake browser: `python3 <path>`. `webbrowser` splits `$BROWSER` on
/// whitespace and `:`, so the path must contain neither.
pub fn browser_command() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cli/fake_browser.py");
    let path = script.to_str().expect("UTF-8 path");
    assert!(
        !path.contains(char::is_whitespace) && !path.contains(':'),
        "the fake browser's path {path:?} contains whitespace or ':', which $BROWSER cannot carry; \
         move the checkout"
    );
    python3_available();
    // -I -S: only the standard library, no site packages or PYTHON* variables (and a faster
    // start).
    format!("python3 -I -S {path}")
}

fn python3_available() {
    static CHECK: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *CHECK.get_or_init(|| {
        std::process::Command::new("python3")
            .arg("--version")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    assert!(
        ok,
        "python3 is needed for the fake browser of the login tests"
    );
}

/// The entries of a cache section, by key.
pub fn section<'a>(cache: &'a Value, name: &str) -> &'a serde_json::Map<String, Value> {
    cache[name]
        .as_object()
        .unwrap_or_else(|| panic!("the cache has no {name} section"))
}

/// The `secret`s of a cache section.
pub fn secrets_in(cache: &Value, name: &str) -> Vec<String> {
    cache[name]
        .as_object()
        .map(|m| {
            m.values()
                .filter_map(|e| e["secret"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// The value of a query parameter of a recorded request.
pub fn query_of<'a>(req: &'a RecordedRequest, name: &str) -> &'a str {
    req.query(name)
        .unwrap_or_else(|| panic!("{req:?} has no {name} parameter"))
}

/// The scopes of a space-separated list.
pub fn scopes_of(text: &str) -> Vec<&str> {
    text.split_whitespace().collect()
}
