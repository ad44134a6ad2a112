//! The files `msal` keeps (token cache, lock file, discovery metadata, the keyring's fallback
//! file) and the files a user names as inputs, against hostile and unlucky file systems: special
//! files, other users' planted links and files in shared directories (played by `nobody` through
//! `setpriv`; the tests run as root), umask 000, and files that are not caches at all.
//!
//! Every refusal must exit 1 naming the path and the reason, and change nothing.

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::fixture::{CLIENT, Fixture, SCOPE, SECRET};
use crate::support::idp::{CONTOSO_DOMAIN, TestIdp};
use crate::support::{Msal, Run, entries, read_json, write_private};

/// `msal accounts`: a command that only reads.
fn accounts(fx: &Fixture) -> Msal<'_> {
    fx.env.msal().arg("accounts")
}

/// Lets `nobody` into the test's directory, and makes a sticky directory everyone can write to
/// in it, like `/tmp`.
fn shared_dir(fx: &Fixture) -> PathBuf {
    set_mode(fx.env.root(), 0o755);
    let dir = fx.env.root().join("shared");
    std::fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o1777);
    dir
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

/// Runs `script` with `sh` as the user `nobody` (the other user on the machine), with `args`
/// as `$1`, `$2`, ….
fn as_nobody(script: &str, args: &[&Path]) {
    let status = Command::new("setpriv")
        .args([
            "--reuid=nobody",
            "--regid=nogroup",
            "--clear-groups",
            "sh",
            "-c",
            script,
            "sh",
        ])
        .args(args)
        .status()
        .expect("run setpriv");
    assert!(status.success(), "as nobody: {script}: {status}");
}

/// Runs `msal`, failing the test if it is still running after 20 seconds: a run that blocks on
/// a special file must not pass because the harness's longer timeout kills it.
fn run_briefly(msal: Msal<'_>) -> Run {
    let start = Instant::now();
    let mut running = msal.spawn();
    while !running.has_exited() {
        if start.elapsed() > Duration::from_secs(20) {
            let run = running.kill();
            panic!(
                "msal was still running after 20 s (blocked on a file?); stderr:\n{}",
                run.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    running.wait()
}

/// Makes a FIFO at `path`.
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// A character device of our own with the major and minor numbers of `/dev/null` (1, 3) or
/// `/dev/zero` (1, 5), so that a test going wrong harms a copy, never the machine's own. `None`
/// where device nodes cannot be made (a container without `CAP_MKNOD`).
fn char_device(path: &Path, minor: u32) -> Option<PathBuf> {
    let made = Command::new("mknod")
        .arg(path)
        .args(["c", "1", &minor.to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("cannot make device nodes here; skipping {}", path.display());
        return None;
    }
    set_mode(path, 0o666);
    Some(path.to_owned())
}

/// A summary of a path's entry that changes if anything about it changes (type, mode, owner,
/// inode, size, mtime), without following a link.
fn fingerprint(path: &Path) -> (u32, u32, u64, u64, i64, i64) {
    let m = std::fs::symlink_metadata(path).unwrap();
    (
        m.mode(),
        m.uid(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
    )
}

#[track_caller]
fn assert_refused(run: &Run, path: &Path, reason: &str) {
    run.assert_code(1);
    run.assert_stderr_has(&path.display().to_string());
    run.assert_stderr_has(reason);
    run.assert_stderr_has("nothing was changed");
}

// ----- a cache path that names something other than a file ------------------------------------

#[test]
fn a_cache_path_naming_a_device_fifo_or_directory_is_refused_and_left_alone() {
    let fx = Fixture::new();
    let dir = fx.env.root().join("specials");
    std::fs::create_dir(&dir).unwrap();
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let home = fx.env.home();
    set_mode(&home, 0o755);
    let mut cases = vec![(fifo, "a FIFO (named pipe)"), (home.clone(), "a directory")];
    for (name, minor) in [("null", 3), ("zero", 5)] {
        if let Some(device) = char_device(&dir.join(name), minor) {
            cases.push((device, "a character device"));
        }
    }
    for (path, reason) in &cases {
        let before = fingerprint(path);
        let around = entries(path.parent().unwrap());
        for run in [
            run_briefly(accounts(&fx).arg("--cache").arg(path)),
            run_briefly(fx.env.msal().arg("doctor").arg("--cache").arg(path)),
            run_briefly(fx.cc().arg("--cache").arg(path)),
        ] {
            assert_refused(&run, path, reason);
        }
        assert_eq!(fingerprint(path), before, "{} was changed", path.display());
        assert_eq!(
            entries(path.parent().unwrap()),
            around,
            "files appeared next to {}",
            path.display()
        );
    }
    assert_eq!(mode(&home), 0o755);
    assert_eq!(fx.idp.request_count(), 0, "nothing is asked with no cache");
}

#[test]
fn a_cache_larger_than_any_real_one_is_refused_not_read_or_moved() {
    let fx = Fixture::new();
    let path = fx.env.cache_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = std::fs::File::create(&path).unwrap();
    // Sparse: 65 MiB of zeros that take no disk space.
    file.set_len(65 * 1024 * 1024).unwrap();
    drop(file);
    set_mode(&path, 0o600);
    let before = fingerprint(&path);
    for run in [run_briefly(accounts(&fx)), run_briefly(fx.cc())] {
        assert_refused(&run, &path, "larger than 64 MiB");
    }
    assert_eq!(fingerprint(&path), before);
    assert_eq!(entries(path.parent().unwrap()), ["token_cache.json"]);
}

// ----- other users' files and links in shared directories -------------------------------------

#[test]
fn another_users_symlink_in_a_shared_directory_is_never_followed() {
    let fx = Fixture::new();
    let shared = shared_dir(&fx);
    // The victim's file the attacker would like chmod-ed, moved and overwritten.
    let ssh = fx.env.home().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    let keys = ssh.join("authorized_keys");
    std::fs::write(&keys, "ssh-ed25519 AAAAC3Nza the-victims-key\n").unwrap();
    set_mode(&keys, 0o644);
    let link = shared.join("cache.json");
    as_nobody("ln -s \"$1\" \"$2\"", &[&keys, &link]);
    let keys_before = fingerprint(&keys);
    let link_before = fingerprint(&link);

    for run in [
        run_briefly(accounts(&fx).arg("--cache").arg(&link)),
        run_briefly(fx.env.msal().arg("doctor").arg("--cache").arg(&link)),
        run_briefly(fx.cc().arg("--cache").arg(&link)),
        run_briefly(fx.env.msal().arg("logout").arg("--cache").arg(&link)),
    ] {
        assert_refused(&run, &link, "symbolic link");
        run.assert_stderr_has("others can write to");
    }
    assert_eq!(fingerprint(&keys), keys_before, "the victim's file changed");
    assert_eq!(
        std::fs::read_to_string(&keys).unwrap(),
        "ssh-ed25519 AAAAC3Nza the-victims-key\n"
    );
    assert_eq!(fingerprint(&link), link_before, "the link changed");
    assert_eq!(
        entries(&shared),
        ["cache.json"],
        "nothing created beside it"
    );
    assert_eq!(entries(&ssh), ["authorized_keys"]);
    assert_eq!(fx.idp.request_count(), 0);

    // The same link in a directory others can write to that is not even sticky, and one the
    // victim made themselves in a shared directory: neither is followed.
    let open = fx.env.root().join("open");
    std::fs::create_dir(&open).unwrap();
    set_mode(&open, 0o777);
    let link = open.join("cache.json");
    as_nobody("ln -s \"$1\" \"$2\"", &[&keys, &link]);
    assert_refused(
        &run_briefly(fx.cc().arg("--cache").arg(&link)),
        &link,
        "symbolic link",
    );
    let own = shared.join("own.json");
    std::os::unix::fs::symlink(&keys, &own).unwrap();
    assert_refused(
        &run_briefly(fx.cc().arg("--cache").arg(&own)),
        &own,
        "symbolic link",
    );
    assert_eq!(fingerprint(&keys), keys_before, "the victim's file changed");
}

#[test]
fn another_users_cache_file_is_refused_not_served() {
    let fx = Fixture::new();
    let shared = shared_dir(&fx);
    // The attacker's cache holds a valid token for exactly what the victim asks for.
    let theirs = fx.env.root().join("attacker-cache.json");
    fx.cc()
        .arg("--cache")
        .arg(&theirs)
        .args(["-o", "none"])
        .run()
        .assert_success();
    let attacker_token = fx.idp.issued_access_tokens().pop().unwrap();
    let planted = shared.join("cache.json");
    set_mode(&theirs, 0o644);
    as_nobody("cp \"$1\" \"$2\" && chmod 666 \"$2\"", &[&theirs, &planted]);
    let before = fingerprint(&planted);
    let bytes = std::fs::read(&planted).unwrap();

    for run in [
        run_briefly(fx.cc().arg("--cache").arg(&planted)),
        run_briefly(accounts(&fx).arg("--cache").arg(&planted)),
    ] {
        assert_refused(&run, &planted, "belongs to uid 65534");
        assert!(
            !run.stdout.contains(&attacker_token),
            "the attacker's token was served"
        );
    }
    assert_eq!(fingerprint(&planted), before);
    assert_eq!(std::fs::read(&planted).unwrap(), bytes);
    assert_eq!(entries(&shared), ["cache.json"]);

    // The victim's own file that others can write to is no better: its tokens may be anyone's.
    let own = fx.env.root().join("own-cache.json");
    std::fs::copy(&theirs, &own).unwrap();
    set_mode(&own, 0o666);
    let before = fingerprint(&own);
    let run = run_briefly(fx.cc().arg("--cache").arg(&own));
    assert_refused(&run, &own, "other users can write to it (mode 666)");
    assert!(!run.stdout.contains(&attacker_token));
    assert_eq!(fingerprint(&own), before);
}

#[test]
fn a_file_of_the_users_in_a_shared_directory_is_still_theirs() {
    let fx = Fixture::new();
    let shared = shared_dir(&fx);
    let cache = shared.join("mine.json");
    fx.cc()
        .arg("--cache")
        .arg(&cache)
        .args(["-o", "none"])
        .run()
        .assert_success();
    assert_eq!(mode(&cache), 0o600);
    let run = fx
        .cc()
        .arg("--cache")
        .arg(&cache)
        .args(["-o", "json"])
        .run();
    run.assert_success();
    assert_eq!(run.stdout_json()["token_source"], "cache");
    // Its lock file, planted by another user in advance, is refused rather than shared.
    let lock = shared.join("mine.json.lock");
    std::fs::remove_file(&lock).unwrap();
    as_nobody("touch \"$1\"", &[&lock]);
    let requests = fx.idp.request_count();
    let run = run_briefly(fx.cc().arg("--cache").arg(&cache).arg("--force-refresh"));
    assert_refused(&run, &lock, "belongs to uid 65534");
    assert_eq!(
        fx.idp.request_count(),
        requests,
        "refused before any request"
    );
}

// ----- read-only commands change nothing ------------------------------------------------------

#[test]
fn read_only_commands_report_a_file_that_is_not_a_cache_and_leave_it_alone() {
    let fx = Fixture::new();
    let path = fx.env.root().join("files/passwd");
    std::fs::write(&path, "root:x:0:0:root:/root:/bin/bash\n").unwrap();
    set_mode(&path, 0o644);
    let before = fingerprint(&path);
    let around = entries(path.parent().unwrap());
    for run in [
        run_briefly(accounts(&fx).arg("--cache").arg(&path)),
        run_briefly(fx.env.msal().arg("doctor").arg("--cache").arg(&path)),
        run_briefly(
            fx.env
                .msal()
                .args(["silent", "--scope", "User.Read"])
                .arg("--cache")
                .arg(&path),
        ),
    ] {
        run.assert_code(1)
            .assert_stderr_has(&path.display().to_string())
            .assert_stderr_has("is not a token cache")
            .assert_stderr_has("left untouched");
    }
    assert_eq!(fingerprint(&path), before, "the file was changed");
    assert_eq!(
        entries(path.parent().unwrap()),
        around,
        "files appeared beside it"
    );
}

#[test]
fn a_cache_hit_neither_rewrites_nor_chmods_the_file() {
    let fx = Fixture::new();
    fx.cc().args(["-o", "none"]).run().assert_success();
    let path = fx.env.cache_path();
    set_mode(&path, 0o644);
    let before = fingerprint(&path);
    let run = fx.cc().args(["-o", "json"]).run();
    run.assert_success();
    assert_eq!(run.stdout_json()["token_source"], "cache");
    run.assert_stderr_has("accessible to other users (mode 644)");
    assert_eq!(fingerprint(&path), before, "a read changed the file");
    // A run that writes makes it private.
    fx.cc()
        .args(["-o", "none", "--force-refresh"])
        .run()
        .assert_success();
    assert_eq!(mode(&path), 0o600);
}

// ----- directories msal creates, and the discovery metadata it keeps --------------------------

/// `msal` run with umask 000, as a careless service or container might.
fn with_umask_000(msal: Msal<'_>) -> Msal<'_> {
    msal.wrapped_in(["sh", "-c", "umask 000; exec \"$0\" \"$@\""])
}

#[test]
fn every_directory_msal_creates_is_0700_whatever_the_umask() {
    let fx = Fixture::new();
    let fresh = fx.env.root().join("fresh");
    let run = with_umask_000(fx.cc())
        .env("XDG_CONFIG_HOME", fresh.join("config"))
        .env("XDG_CACHE_HOME", fresh.join("cache"))
        .args(["--save-secret", "--keyring", "off", "-o", "none"])
        .run();
    run.assert_success();
    let dirs = [
        fresh.clone(),
        fresh.join("config"),
        fresh.join("config/msal"),
        fresh.join("config/msal/secrets"),
        fresh.join("cache"),
        fresh.join("cache/msal"),
    ];
    for dir in &dirs {
        assert_eq!(mode(dir), 0o700, "{}", dir.display());
    }
    let mut files = entries(&fresh.join("config/msal"));
    files.retain(|n| n != "secrets");
    assert!(files.contains(&"token_cache.json".to_owned()), "{files:?}");
    for dir in [&dirs[2], &dirs[3], &dirs[5]] {
        for name in entries(dir) {
            let path = dir.join(&name);
            if path.is_file() {
                assert_eq!(mode(&path), 0o600, "{}", path.display());
            }
        }
    }
    assert_eq!(entries(&dirs[5]).len(), 1, "one metadata file");

    // A umask that takes the owner's own permissions still gives 0700 directories.
    let odd = fx.env.root().join("odd");
    fx.cc()
        .wrapped_in(["sh", "-c", "umask 0277; exec \"$0\" \"$@\""])
        .arg("--cache")
        .arg(odd.join("a/cache.json"))
        .args(["-o", "none"])
        .run()
        .assert_success();
    assert_eq!(mode(&odd), 0o700);
    assert_eq!(mode(&odd.join("a")), 0o700);
}

#[test]
fn planted_discovery_metadata_is_ignored_and_replaced() {
    let fx = Fixture::new();
    set_mode(fx.env.root(), 0o755);
    // Directories an older msal left open to everyone under umask 000.
    let metadata_dir = fx.env.cache_dir().join("msal");
    std::fs::create_dir(&metadata_dir).unwrap();
    set_mode(&fx.env.cache_dir(), 0o777);
    set_mode(&metadata_dir, 0o777);
    fx.cc().args(["-o", "none"]).run().assert_success();
    let names = entries(&metadata_dir);
    assert_eq!(names.len(), 1, "{names:?}");
    let file = metadata_dir.join(&names[0]);
    let genuine = read_json(&file);
    // As that older version left it.
    set_mode(&metadata_dir, 0o777);

    // Another user swaps in a document that sends the token request, secret and all, to them.
    let attacker = TestIdp::start();
    attacker.register_secret_client(CLIENT, SECRET);
    let mut forged: Value = genuine.clone();
    forged["endpoints"]["token_endpoint"] = attacker.token_endpoint(CONTOSO_DOMAIN).into();
    let forged_path = fx.env.root().join("forged.json");
    write_private(&forged_path, forged.to_string().as_bytes());
    set_mode(&forged_path, 0o644);
    as_nobody("rm -f \"$2\" && cp \"$1\" \"$2\"", &[&forged_path, &file]);
    assert_eq!(std::fs::metadata(&file).unwrap().uid(), 65534);

    let run = fx.cc().args(["-o", "none", "--force-refresh"]).run();
    assert_eq!(attacker.request_count(), 0, "the forged endpoint was used");
    run.assert_success();
    run.assert_stderr_has(&file.display().to_string())
        .assert_stderr_has("belongs to uid 65534");
    assert_eq!(fx.idp.token_requests().len(), 2);
    // Replaced by the genuine document, the user's, and the directory closed.
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!((meta.uid(), meta.mode() & 0o777), (0, 0o600));
    assert_eq!(read_json(&file)["endpoints"], genuine["endpoints"]);
    assert_eq!(mode(&metadata_dir), 0o700);

    // The user's own file that others could write to is no better.
    std::fs::copy(&forged_path, &file).unwrap();
    set_mode(&file, 0o666);
    fx.cc()
        .args(["-o", "none", "--force-refresh"])
        .run()
        .assert_success();
    assert_eq!(attacker.request_count(), 0, "the forged endpoint was used");
    assert_eq!(read_json(&file)["endpoints"], genuine["endpoints"]);
    assert_eq!(mode(&file), 0o600);
}

// ----- inputs the user names ------------------------------------------------------------------

/// Runs `msal` with at most 1 GiB of address space, so that a run that reads an endless file
/// into memory fails the test instead of the machine.
fn with_memory_cap(msal: Msal<'_>) -> Msal<'_> {
    msal.wrapped_in(["sh", "-c", "ulimit -v 1048576; exec \"$0\" \"$@\""])
}

#[test]
fn named_inputs_that_never_end_or_never_come_fail_at_once() {
    let fx = Fixture::new();
    let dir = fx.env.root().join("inputs");
    std::fs::create_dir(&dir).unwrap();
    let fifo = dir.join("fifo");
    mkfifo(&fifo);
    let zero = char_device(&dir.join("zero"), 5);
    let base = |option: &str, path: &Path| {
        with_memory_cap(fx.env.msal())
            .args([
                "client-credentials",
                "--authority",
                &fx.idp.authority(CONTOSO_DOMAIN),
                "--client-id",
                CLIENT,
                "--scope",
                SCOPE,
                "--no-cache",
            ])
            .arg(option)
            .arg(path)
    };
    let mut cases: Vec<(&str, PathBuf)> = vec![
        ("--certificate", fifo.clone()),
        ("--client-secret-file", fifo.clone()),
        ("--client-assertion-file", fifo.clone()),
        ("--certificate", dir.clone()),
    ];
    if let Some(zero) = &zero {
        cases.extend([
            ("--certificate", zero.clone()),
            ("--client-secret-file", zero.clone()),
            ("--federated-token-file", zero.clone()),
        ]);
    }
    for (option, path) in &cases {
        let run = run_briefly(base(option, path));
        run.assert_code_in(&[1, 2]);
        run.assert_stderr_has(&path.display().to_string());
    }
    if let Some(zero) = &zero {
        // The CA bundle is read for every https client; give the run a secret so it gets there.
        let run = run_briefly(
            base("--ca-cert", zero)
                .arg("--client-secret-file")
                .arg(fx.secret_file()),
        );
        run.assert_code(1)
            .assert_stderr_has(&zero.display().to_string())
            .assert_stderr_has("character device");
    }
    assert_eq!(fx.idp.token_requests().len(), 0);
}
