//! `msal login` end to end: the real binary, the test IdP's authorize and token endpoints, and a
//! fake browser (`$BROWSER`) that submits the sign-in answer to msal's loopback listener.
//! Also the legacy sign-ins (`--username` + `--password-stdin`, `--refresh-token-file`).

use std::io::Write as _;
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt as _;
use std::time::{Duration, Instant};

use crate::support::idp::{AuthorizeOutcome, CONTOSO_TENANT_ID, IdTokenFault};
use crate::support::users::{
    ALICE, ALICE_PASSWORD, BOB, Browser, CLIENT, SCOPE, UserFx, query_of, scopes_of, secrets_in,
    section,
};
use crate::support::{Running, http};

fn sha256_b64url(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        text.as_bytes(),
    ))
}

/// A port nothing listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn browser_sign_in_uses_form_post_pkce_state_and_nonce() {
    let fx = UserFx::new();
    let run = fx.login(Browser::Complete).run();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    run.assert_stderr_has(&format!("signed in as {ALICE}"));
    fx.assert_no_secret_leaked(&run);

    // What the browser sent to the authorize endpoint.
    let authorize = fx.authorize_requests();
    assert_eq!(authorize.len(), 1, "one authorize request");
    let a = &authorize[0];
    assert_eq!(
        a.path,
        format!("/{CONTOSO_TENANT_ID}/oauth2/v2.0/authorize")
    );
    assert_eq!(query_of(a, "client_id"), CLIENT);
    assert_eq!(query_of(a, "response_type"), "code");
    assert_eq!(query_of(a, "response_mode"), "form_post");
    assert_eq!(query_of(a, "code_challenge_method"), "S256");
    assert_eq!(query_of(a, "code_challenge").len(), 43);
    assert!(query_of(a, "state").len() >= 16);
    let nonce = query_of(a, "nonce");
    assert!(
        nonce.len() == 64 && nonce.chars().all(|c| c.is_ascii_hexdigit()),
        "the nonce is a SHA-256 hex"
    );
    let scopes = scopes_of(query_of(a, "scope"));
    for s in [SCOPE, "openid", "profile", "offline_access"] {
        assert!(scopes.contains(&s), "{s} in {scopes:?}");
    }
    let redirect = query_of(a, "redirect_uri");
    let port: u16 = redirect
        .strip_prefix("http://localhost:")
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("redirect_uri {redirect} is http://localhost:PORT"));
    assert!(port > 0);
    assert!(a.query("login_hint").is_none() && a.query("prompt").is_none());

    // The browser posted the form to the loopback listener, which answered with a page.
    let log = fx.browser_finished();
    let deliver = log
        .iter()
        .find(|e| e["step"] == "deliver")
        .expect("the browser delivered the answer");
    assert_eq!(deliver["method"], "POST");
    assert_eq!(deliver["status"], 200);
    assert!(
        deliver["page"].as_str().unwrap().contains("Signed in"),
        "{deliver}"
    );

    // The code redemption.
    let tokens = fx.idp.token_requests();
    assert_eq!(tokens.len(), 1);
    let t = &tokens[0];
    assert_eq!(t.form("grant_type"), Some("authorization_code"));
    assert_eq!(t.form("client_id"), Some(CLIENT));
    assert_eq!(t.form("redirect_uri"), Some(redirect));
    assert_eq!(t.form("client_info"), Some("1"));
    assert!(t.form("client_secret").is_none() && t.form("client_assertion").is_none());
    let verifier = t.form("code_verifier").expect("a code_verifier");
    assert!(verifier.len() >= 43);
    assert_eq!(
        sha256_b64url(verifier),
        query_of(a, "code_challenge"),
        "the verifier matches the challenge"
    );
    let token_scopes = scopes_of(t.form("scope").unwrap());
    for s in [SCOPE, "openid", "profile", "offline_access"] {
        assert!(token_scopes.contains(&s), "{s} in {token_scopes:?}");
    }
}

#[test]
fn sign_in_fills_an_msal_shaped_cache() {
    let fx = UserFx::new();
    fx.sign_in_with_browser();
    let issued = fx.last_issued();
    let cache = fx.cache();
    let hai = fx.alice.home_account_id();
    let env = "127.0.0.1";
    let realm = CONTOSO_TENANT_ID;
    let target = SCOPE.to_lowercase();

    let at_key = format!("{hai}-{env}-accesstoken-{CLIENT}-{realm}-{target}");
    let at = &section(&cache, "AccessToken")[&at_key];
    assert_eq!(section(&cache, "AccessToken").len(), 1);
    assert!(
        at["secret"] == issued.access_token.as_str(),
        "the issued AT"
    );
    assert_eq!(at["credential_type"], "AccessToken");
    assert_eq!(at["home_account_id"], hai);
    assert_eq!(at["environment"], env);
    assert_eq!(at["realm"], realm);
    assert_eq!(at["client_id"], CLIENT);
    assert_eq!(at["target"], SCOPE);
    assert_eq!(at["token_type"], "Bearer");
    let cached_at: u64 = at["cached_at"].as_str().unwrap().parse().unwrap();
    let expires_on: u64 = at["expires_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(expires_on - cached_at, 3599);
    assert!(at["extended_expires_on"].is_string());

    let rt_key = format!("{hai}-{env}-refreshtoken-{CLIENT}--{target}");
    let rt = &section(&cache, "RefreshToken")[&rt_key];
    assert!(
        rt["secret"] == issued.refresh_token.as_deref().unwrap(),
        "the issued RT"
    );
    assert_eq!(rt["credential_type"], "RefreshToken");
    assert_eq!(rt["home_account_id"], hai);
    assert_eq!(rt["environment"], env);
    assert_eq!(rt["client_id"], CLIENT);

    let idt_key = format!("{hai}-{env}-idtoken-{CLIENT}-{realm}-");
    let idt = &section(&cache, "IdToken")[&idt_key];
    assert!(
        idt["secret"] == issued.id_token.as_deref().unwrap(),
        "the issued ID token"
    );
    assert_eq!(idt["credential_type"], "IdToken");
    assert_eq!(idt["realm"], realm);

    let account = &section(&cache, "Account")[&format!("{hai}-{env}-{realm}")];
    assert_eq!(account["home_account_id"], hai);
    assert_eq!(account["environment"], env);
    assert_eq!(account["realm"], realm);
    assert_eq!(account["local_account_id"], fx.alice.oid);
    assert_eq!(account["username"], ALICE);
    assert_eq!(account["authority_type"], "MSSTS");
    assert_eq!(account["account_source"], "authorization_code");

    let meta = &section(&cache, "AppMetadata")[&format!("appmetadata-{env}-{CLIENT}")];
    assert_eq!(meta["client_id"], CLIENT);
    assert_eq!(meta["environment"], env);

    let mode = std::fs::metadata(fx.env.cache_path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the cache file is private");
}

#[test]
fn hints_prompt_claims_and_extra_scopes_are_forwarded() {
    let fx = UserFx::new();
    let claims = r#"{"id_token":{"auth_time":{"essential":true}}}"#;
    let extra = "https://storage.azure.com/user_impersonation";
    let run = fx
        .login(Browser::Complete)
        .args(["--login-hint", BOB, "--prompt", "select_account"])
        .args(["--domain-hint", "contoso.example", "--claims", claims])
        .args(["--extra-scope", extra])
        .run();
    run.assert_success();
    run.assert_stderr_has(&format!("signed in as {BOB}"));
    fx.browser_finished();
    fx.assert_no_secret_leaked(&run);
    let a = &fx.authorize_requests()[0];
    assert_eq!(query_of(a, "login_hint"), BOB);
    assert_eq!(query_of(a, "prompt"), "select_account");
    assert_eq!(query_of(a, "domain_hint"), "contoso.example");
    assert_eq!(query_of(a, "claims"), claims);
    let scopes = scopes_of(query_of(a, "scope"));
    assert!(
        scopes.contains(&extra) && scopes.contains(&SCOPE),
        "{scopes:?}"
    );
    // The extra scope is consented to, not requested as the token's scope.
    let token_scopes = fx.last_token_request().form("scope").unwrap().to_owned();
    assert!(!token_scopes.contains(extra), "{token_scopes}");
    // Bob (the login hint), not Alice (the default user), is signed in.
    let accounts = section(&fx.cache(), "Account").clone();
    assert_eq!(accounts.len(), 1);
    let account = accounts.values().next().unwrap();
    assert_eq!(account["username"], BOB);
    assert_eq!(account["home_account_id"], fx.bob.home_account_id());
}

#[test]
fn declined_consent_exits_4_naming_access_denied() {
    let fx = UserFx::new();
    fx.idp.set_authorize_outcome(AuthorizeOutcome::declined());
    let run = fx.login(Browser::Complete).run();
    run.assert_code(4)
        .assert_stderr_has("access_denied")
        .assert_stderr_has("AADSTS65004");
    assert!(run.stdout.is_empty());
    fx.browser_finished();
    assert!(fx.idp.token_requests().is_empty(), "no code, no redemption");
    assert!(
        !fx.env.cache_path().exists() || secrets_in(&fx.cache(), "AccessToken").is_empty(),
        "nothing cached"
    );
}

#[test]
fn port_option_is_honoured() {
    let fx = UserFx::new();
    let port = free_port();
    let run = fx
        .login(Browser::Complete)
        .args(["--port", &port.to_string()])
        .run();
    run.assert_success();
    fx.browser_finished();
    let a = &fx.authorize_requests()[0];
    assert_eq!(
        query_of(a, "redirect_uri"),
        format!("http://localhost:{port}")
    );
    assert_eq!(
        fx.last_token_request().form("redirect_uri"),
        Some(format!("http://localhost:{port}").as_str())
    );
}

#[test]
fn no_browser_prints_the_url_and_takes_the_pasted_redirect() {
    let fx = UserFx::new();
    let mut running = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser", "-o", "token"])
        // Even with a browser available, --no-browser must not open it.
        .env("BROWSER", crate::support::users::browser_command())
        .env("MSAL_TEST_BROWSER_LOG", fx.browser_log_path())
        .stdin_pipe()
        .spawn();
    let stderr = running.wait_for_stderr("/oauth2/v2.0/authorize?", Duration::from_secs(20));
    let url = stderr
        .split_whitespace()
        .find(|w| w.contains("/oauth2/v2.0/authorize?"))
        .unwrap()
        .to_owned();
    let parsed = url::Url::parse(&url).unwrap();
    let param = |name: &str| {
        parsed
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(
        param("response_mode").as_deref(),
        Some("query"),
        "a pasted URL must carry the code"
    );

    // The user signs in in a browser elsewhere; it ends on http://localhost:PORT/?code=…
    let resp = http::get(&url).unwrap();
    assert_eq!(resp.status, 302, "{}", resp.text());
    let location = resp.header("location").unwrap().to_owned();
    let state = param("state").unwrap();
    assert!(location.contains(&format!("state={state}")));

    // A URL with the wrong state is refused, and msal keeps waiting.
    let forged = location.replace(&format!("state={state}"), "state=forged");
    running.write_stdin(format!("{forged}\n").as_bytes());
    running.wait_for_stderr("not the address of this sign-in", Duration::from_secs(20));
    assert!(!running.has_exited(), "still waiting after a wrong paste");
    assert!(fx.idp.token_requests().is_empty(), "nothing redeemed");

    running.write_stdin(format!("  {location}  \n").as_bytes());
    let run = running.wait();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    assert!(
        !run.stdout.contains("authorize"),
        "the URL is on stderr only"
    );
    assert_eq!(fx.idp.token_requests().len(), 1);
    assert!(fx.browser_log().is_empty(), "no browser was started");
    fx.assert_no_secret_leaked(&run);
}

#[test]
fn no_browser_also_takes_the_redirect_at_the_loopback() {
    // --no-browser, but the browser the user opened runs on this machine after all: it
    // follows the 302 to http://localhost:PORT/?code=… (a GET with a query).
    let fx = UserFx::new();
    let mut running = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser", "-o", "token"])
        .stdin_pipe()
        .spawn();
    let stderr = running.wait_for_stderr("/oauth2/v2.0/authorize?", Duration::from_secs(20));
    let url = stderr
        .split_whitespace()
        .find(|w| w.contains("/oauth2/v2.0/authorize?"))
        .unwrap()
        .to_owned();
    let location = http::get(&url)
        .unwrap()
        .header("location")
        .expect("a redirect")
        .replace("http://localhost:", "http://127.0.0.1:");
    let page = http::get(&location).unwrap();
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Signed in"), "{}", page.text());
    let run = running.wait();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    fx.assert_no_secret_leaked(&run);
}

#[test]
fn a_pasted_error_redirect_exits_4() {
    // The user declined on a browser elsewhere and pasted the final address.
    let fx = UserFx::new();
    fx.idp.set_authorize_outcome(AuthorizeOutcome::declined());
    let mut running = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser"])
        .stdin_pipe()
        .spawn();
    let stderr = running.wait_for_stderr("/oauth2/v2.0/authorize?", Duration::from_secs(20));
    let url = stderr
        .split_whitespace()
        .find(|w| w.contains("/oauth2/v2.0/authorize?"))
        .unwrap()
        .to_owned();
    let resp = http::get(&url).unwrap();
    let location = resp.header("location").expect("a redirect").to_owned();
    assert!(location.contains("error=access_denied"), "{location}");
    running.write_stdin(format!("{location}\n").as_bytes());
    let run = running.wait();
    run.assert_code(4)
        .assert_stderr_has("access_denied")
        .assert_stderr_has("AADSTS65004");
    assert!(run.stdout.is_empty());
    assert!(fx.idp.token_requests().is_empty());
}

#[test]
fn a_wrong_state_at_the_loopback_is_refused_and_the_sign_in_goes_on() {
    let fx = UserFx::new();
    let run = fx.login(Browser::ForgedFirst).run();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    let log = fx.browser_finished();
    let step = |label: &str| {
        log.iter()
            .find(|e| e["step"] == "deliver" && e["label"] == label)
            .unwrap_or_else(|| panic!("no {label} delivery in {log:?}"))
            .clone()
    };
    let favicon = log.iter().find(|e| e["step"] == "favicon").unwrap();
    assert_eq!(favicon["status"], 404, "stray requests are ignored");
    let forged = step("forged");
    assert_eq!(forged["status"], 400);
    assert!(
        forged["page"]
            .as_str()
            .unwrap()
            .contains("does not belong to the sign-in"),
        "{forged}"
    );
    assert_eq!(step("real")["status"], 200);
    assert_eq!(
        fx.idp.token_requests().len(),
        1,
        "only the real code is redeemed"
    );
}

#[test]
fn a_browser_that_never_completes_times_out_with_exit_1() {
    // The only answer that reaches the listener has a forged state: it must not complete the
    // sign-in, and `--timeout 2` ends the wait.
    let fx = UserFx::new();
    let run = fx.login(Browser::ForgedOnly).args(["--timeout", "2"]).run();
    run.assert_code(1)
        .assert_stderr_has("no sign-in response arrived within 2 s");
    assert!(run.stdout.is_empty());
    let log = fx.browser_finished();
    assert!(
        log.iter()
            .any(|e| e["step"] == "deliver" && e["label"] == "forged" && e["status"] == 400),
        "{log:?}"
    );
    assert!(fx.idp.token_requests().is_empty());
    assert!(!fx.env.cache_path().exists(), "nothing cached");
    fx.assert_no_secret_leaked(&run);
}

/// Local addresses (hex, as /proc/net/tcp* shows them) of listening sockets on `port`.
fn listeners_on(port: u16) -> Vec<String> {
    let mut found = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state)) = (cols.get(1), cols.get(3)) else {
                continue;
            };
            let Some((addr, p)) = local.rsplit_once(':') else {
                continue;
            };
            if *state == "0A" && u16::from_str_radix(p, 16).ok() == Some(port) {
                found.push(addr.to_owned());
            }
        }
    }
    found
}

#[test]
fn the_loopback_listener_binds_the_loopback_addresses_only() {
    let fx = UserFx::new();
    let port = free_port();
    let mut running = fx
        .login(Browser::Ignore)
        .args(["--port", &port.to_string()])
        .spawn();
    // Listening, and the browser was started.
    running.wait_for_stderr("waiting for you to finish", Duration::from_secs(20));
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut listeners = loop {
        let found = listeners_on(port);
        if found.len() >= 2 {
            break found;
        }
        assert!(
            Instant::now() < deadline,
            "msal never listened on port {port} twice ({found:?}); stderr:\n{}",
            running.stderr_so_far()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    listeners.sort();
    assert_eq!(
        listeners,
        vec![
            "00000000000000000000000001000000".to_owned(),
            "0100007F".to_owned()
        ],
        "127.0.0.1 and ::1 (not 0.0.0.0, not ::)"
    );
    drop(running); // kills msal
    fx.browser_finished();
}

#[test]
fn a_browser_that_resolves_localhost_to_ipv6_reaches_msal() {
    let fx = UserFx::new();
    let (running, port, location) = login_waiting_at_the_loopback(&fx);
    // What msal answers on [::1] is what it answers on 127.0.0.1: a stray request first.
    let stray = http::get(&format!("http://[::1]:{port}/favicon.ico")).unwrap();
    assert_eq!(stray.status, 404);
    assert!(stray.text().contains("msal"), "{}", stray.text());
    let page = http::get(&location.replace("http://127.0.0.1:", "http://[::1]:")).unwrap();
    assert_eq!(page.status, 200);
    assert!(page.text().contains("Signed in"), "{}", page.text());
    let run = running.wait();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
}

#[test]
fn a_busy_port_says_so_and_how_to_choose() {
    let fx = UserFx::new();
    let holder = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = holder.local_addr().unwrap().port();
    let run = fx
        .msal("login")
        .args([
            "--scope",
            SCOPE,
            "--no-browser",
            "--port",
            &port.to_string(),
        ])
        .run();
    run.assert_code(2)
        .assert_stderr_has(&format!("port {port} is already in use on 127.0.0.1"))
        .assert_stderr_has("hint: choose another --port")
        .assert_stderr_has("leave --port out");
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    assert!(fx.authorize_requests().is_empty());
}

#[test]
fn a_port_another_program_holds_on_ipv6_is_refused() {
    // Another program listens on [::1]:PORT, where a browser resolving `localhost` to ::1 would
    // deliver the code; 127.0.0.1:PORT is free.
    let fx = UserFx::new();
    let squatter = std::net::TcpListener::bind("[::1]:0").unwrap();
    squatter.set_nonblocking(true).unwrap();
    let port = squatter.local_addr().unwrap().port();
    let run = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser", "--timeout", "3"])
        .args(["--port", &port.to_string()])
        .run();
    run.assert_code(2)
        .assert_stderr_has(&format!("port {port} is already in use on [::1]"));
    assert!(
        !run.stderr.contains("/oauth2/v2.0/authorize?"),
        "no sign-in was started"
    );
    assert!(
        squatter.accept().is_err(),
        "nothing was sent to the other program"
    );
    assert!(fx.authorize_requests().is_empty());
}

#[test]
fn without_ipv6_the_listener_takes_127_0_0_1_alone() {
    // A network namespace whose loopback has IPv6 turned off, as containers often do; the
    // discovery metadata cached by a first run lets msal start the sign-in there without
    // reaching the identity provider.
    let fx = UserFx::new();
    fx.sign_in();
    let run = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser", "--timeout", "2"])
        .wrapped_in([
            "unshare",
            "--user",
            "--map-root-user",
            "--net",
            "sh",
            "-c",
            "ip link set lo up && sysctl -q -w net.ipv6.conf.lo.disable_ipv6=1 && \
             ! grep -q ' lo$' /proc/net/if_inet6 && exec \"$0\" \"$@\"",
        ])
        .run();
    run.assert_code(1)
        .assert_stderr_has("/oauth2/v2.0/authorize?")
        .assert_stderr_has("no sign-in response arrived within 2 s");
}

/// Starts `msal login --no-browser` and has the IdP sign Alice in (as a browser elsewhere would);
/// returns the waiting msal, its loopback port, and the final redirect (with `127.0.0.1` for
/// `localhost`) that completes the sign-in when fetched.
fn login_waiting_at_the_loopback(fx: &UserFx) -> (Running, u16, String) {
    let mut running = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser", "-o", "token"])
        .stdin_pipe()
        .spawn();
    let stderr = running.wait_for_stderr("/oauth2/v2.0/authorize?", Duration::from_secs(20));
    let url = stderr
        .split_whitespace()
        .find(|w| w.contains("/oauth2/v2.0/authorize?"))
        .unwrap()
        .to_owned();
    let location = http::get(&url)
        .unwrap()
        .header("location")
        .expect("a redirect")
        .replace("http://localhost:", "http://127.0.0.1:");
    let port = location
        .strip_prefix("http://127.0.0.1:")
        .and_then(|rest| rest.split(['/', '?']).next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{location} is http://localhost:PORT/…"));
    (running, port, location)
}

#[test]
fn ctrl_c_or_sigterm_while_waiting_exits_128_plus_the_signal() {
    let fx = UserFx::new();
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let (running, _, _) = login_waiting_at_the_loopback(&fx);
        running.signal(signal);
        let run = running.wait();
        run.assert_code(code);
        assert!(run.stdout.is_empty());
        assert!(
            fx.idp.token_requests().is_empty(),
            "SIG{signal}: nothing redeemed"
        );
    }
    // With `-o json` the error says so too.
    let mut running = fx
        .msal("login")
        .args(["--scope", SCOPE, "--no-browser", "-o", "json"])
        .stdin_pipe()
        .spawn();
    running.wait_for_stderr("/oauth2/v2.0/authorize?", Duration::from_secs(20));
    running.signal("INT");
    let run = running.wait();
    run.assert_code(130)
        .assert_stderr_has(r#""error":"interrupted""#);
}

/// `(VmHWM in KiB, Threads)` of a live process: its peak resident memory and its thread count.
fn peak_rss_kib_and_threads(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| -> u64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    (field("VmHWM:"), field("Threads:"))
}

#[test]
fn a_huge_header_and_hundreds_of_held_connections_neither_stop_the_sign_in_nor_grow_msal() {
    let fx = UserFx::new();
    let (running, port, location) = login_waiting_at_the_loopback(&fx);
    let (rss_before, threads_before) = peak_rss_kib_and_threads(running.pid());

    // Hundreds of half-open connections: each starts a request and then says nothing.
    let held: Vec<TcpStream> = (0..300)
        .map(|_| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let _ = s.write_all(b"GET /?code=");
            s
        })
        .collect();
    // One header line of 200 MiB, sent as fast as msal takes it.
    let flood = std::thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        let chunk = vec![b'a'; 1 << 20];
        let mut taken = 0usize;
        if s.write_all(b"GET / HTTP/1.1\r\nX-Pad: ").is_ok() {
            for _ in 0..200 {
                if s.write_all(&chunk).is_err() {
                    break;
                }
                taken += chunk.len();
            }
        }
        taken
    });
    let taken = flood.join().unwrap();
    let (rss_peak, threads) = peak_rss_kib_and_threads(running.pid());

    // The real answer still gets through, and completes the sign-in.
    let page = http::get(&location).unwrap();
    assert_eq!(page.status, 200, "{}", page.text());
    let run = running.wait();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    eprintln!(
        "peak RSS {rss_before} KiB -> {rss_peak} KiB, threads {threads_before} -> {threads}, \
         header bytes taken {taken}"
    );
    assert!(
        taken < 16 << 20,
        "msal stopped taking the header line early, not after {taken} bytes"
    );
    assert!(
        rss_peak < rss_before + 16 * 1024,
        "peak RSS grew from {rss_before} KiB to {rss_peak} KiB under attack"
    );
    assert!(
        threads <= threads_before + 2,
        "{threads} threads under attack ({threads_before} before)"
    );
    drop(held);
}

#[test]
fn an_id_token_with_the_wrong_nonce_or_audience_fails_and_caches_nothing() {
    for (fault, needle) in [
        (IdTokenFault::WrongNonce, "nonce"),
        (IdTokenFault::WrongAudience, "another application"),
    ] {
        let fx = UserFx::new();
        fx.idp.set_id_token_fault(Some(fault));
        let run = fx.login(Browser::Complete).run();
        run.assert_code(1).assert_stderr_has(needle);
        assert!(run.stdout.is_empty());
        fx.browser_finished();
        assert_eq!(fx.idp.token_requests().len(), 1);
        assert!(
            !fx.env.cache_path().exists(),
            "{fault:?}: nothing is cached from a response that failed the check"
        );
        fx.assert_no_secret_leaked(&run);
    }
}

// ----- legacy ---------------------------------------------------------------------------------

#[test]
fn username_and_password_from_stdin() {
    let fx = UserFx::new();
    let run = fx
        .msal("login")
        .args(["--scope", SCOPE, "--username", ALICE, "--password-stdin"])
        .args(["-o", "token"])
        .stdin(format!("{ALICE_PASSWORD}\n"))
        .run();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    run.assert_not_leaked(ALICE_PASSWORD, "the password");
    fx.assert_no_secret_leaked(&run);
    let t = fx.last_token_request();
    assert_eq!(t.form("grant_type"), Some("password"));
    assert_eq!(t.form("username"), Some(ALICE));
    assert!(
        t.form("password") == Some(ALICE_PASSWORD),
        "the password without its newline"
    );
    assert_eq!(t.form("client_info"), Some("1"));
    let cache = fx.cache();
    let account = section(&cache, "Account").values().next().unwrap().clone();
    assert_eq!(account["username"], ALICE);
    assert_eq!(account["account_source"], "password");
    assert_eq!(secrets_in(&cache, "RefreshToken").len(), 1);
}

#[test]
fn a_wrong_password_exits_4_and_is_never_shown() {
    let fx = UserFx::new();
    let wrong = "Not-Alice's-Pa55word";
    for output in [None, Some("json")] {
        let mut msal = fx
            .msal("login")
            .args(["--scope", SCOPE, "--username", ALICE, "--password-stdin"])
            .stdin(format!("{wrong}\n"));
        if let Some(o) = output {
            msal = msal.args(["-o", o]);
        }
        let run = msal.run();
        run.assert_code(4)
            .assert_stderr_has("invalid_grant")
            .assert_stderr_has("AADSTS50126");
        run.assert_not_leaked(wrong, "the wrong password");
        assert!(run.stdout.is_empty());
        fx.assert_no_secret_leaked(&run);
    }
    assert!(!fx.env.cache_path().exists());
}

#[test]
fn refresh_token_file_imports_and_caches() {
    let fx = UserFx::new();
    // A refresh token from elsewhere (another tool signed Bob in).
    let resp = http::post_form(
        &fx.idp.token_endpoint(CONTOSO_TENANT_ID),
        &[
            ("grant_type", "password"),
            ("client_id", CLIENT),
            ("username", BOB),
            ("password", &fx.bob.password),
            ("scope", &format!("{SCOPE} openid profile offline_access")),
        ],
    )
    .unwrap();
    let imported = resp.json()["refresh_token"].as_str().unwrap().to_owned();
    let file = fx.env.write_file("rt.txt", format!("{imported}\n"));
    fx.idp.clear_requests();

    let run = fx
        .msal("login")
        .args(["--scope", SCOPE, "-o", "token", "--refresh-token-file"])
        .arg(&file)
        .run();
    run.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the issued access token",
    );
    fx.assert_no_secret_leaked(&run);
    let t = fx.last_token_request();
    assert_eq!(t.form("grant_type"), Some("refresh_token"));
    assert!(t.form("refresh_token") == Some(imported.as_str()));
    let cache = fx.cache();
    let rotated = fx.last_issued().refresh_token.unwrap();
    assert_eq!(
        secrets_in(&cache, "RefreshToken"),
        vec![rotated],
        "the rotated refresh token is kept, the spent one is not"
    );
    let account = section(&cache, "Account").values().next().unwrap().clone();
    assert_eq!(account["username"], BOB);
    assert_eq!(account["home_account_id"], fx.bob.home_account_id());

    // The imported sign-in serves `msal silent` from the cache.
    fx.idp.clear_requests();
    let silent = fx.silent().run();
    silent.assert_success().assert_stdout_eq(
        &format!("{}\n", fx.last_issued().access_token),
        "the cached access token",
    );
    assert_eq!(fx.idp.request_count(), 0);
}

#[test]
fn two_logins_at_once_each_complete_their_own_sign_in() {
    let fx = UserFx::new();
    let first = fx
        .login(Browser::Complete)
        .args(["--login-hint", ALICE])
        .spawn();
    let second = fx
        .login(Browser::Complete)
        .args(["--login-hint", BOB])
        .spawn();
    let (first, second) = (first.wait(), second.wait());
    first.assert_success();
    second.assert_success();
    let issued = fx.idp.issued_tokens();
    let owner = |run: &crate::support::Run| {
        issued
            .iter()
            .find(|t| t.access_token == run.stdout.trim())
            .and_then(|t| t.username.clone())
    };
    assert_eq!(
        owner(&first).as_deref(),
        Some(ALICE),
        "each listener got its own answer"
    );
    assert_eq!(owner(&second).as_deref(), Some(BOB));
    let accounts = fx.msal("accounts").args(["-o", "json"]).run();
    assert_eq!(accounts.stdout_json().as_array().map(Vec::len), Some(2));
}
