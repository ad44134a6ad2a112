//! Test harness: a temporary HOME/config/cache per test, a builder that runs the real `msal`
//! binary with a clean environment, and the test identity provider.
//!
//! Nothing here prints stdout of `msal` (it carries tokens); stderr is safe to print.

pub mod browser;
pub mod certs;
pub mod fixture;
pub mod http;
pub mod idp;
pub mod managed_identity;
pub mod msal_python;
pub mod oidc;
pub mod python;
pub mod users;

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// How long one `msal` run may take before it is killed and the test fails.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// A proxy address nothing listens on: any request `msal` tries to send anywhere but loopback
/// fails at once instead of reaching the internet.
pub const SINKHOLE_PROXY: &str = "http://127.0.0.1:9";

/// A temporary directory with `home/`, `config/` and `cache/` for one test.
pub struct TestEnv {
    dir: tempfile::TempDir,
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    /// Make the directories.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("msal-test-")
            .tempdir()
            .expect("temp dir");
        for sub in ["home", "config", "cache", "files"] {
            std::fs::create_dir(dir.path().join(sub)).expect("create dir");
        }
        Self { dir }
    }

    /// The temporary directory.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `$HOME`.
    pub fn home(&self) -> PathBuf {
        self.root().join("home")
    }

    /// `$XDG_CONFIG_HOME`.
    pub fn config_dir(&self) -> PathBuf {
        self.root().join("config")
    }

    /// `$XDG_CACHE_HOME`.
    pub fn cache_dir(&self) -> PathBuf {
        self.root().join("cache")
    }

    /// The default token cache: `$XDG_CONFIG_HOME/msal/token_cache.json`.
    pub fn cache_path(&self) -> PathBuf {
        self.config_dir().join("msal").join("token_cache.json")
    }

    /// The token cache parsed as JSON (panics if missing or not JSON).
    pub fn read_cache_json(&self) -> Value {
        read_json(&self.cache_path())
    }

    /// The raw bytes of the token cache.
    pub fn cache_bytes(&self) -> Vec<u8> {
        std::fs::read(self.cache_path()).expect("read token cache")
    }

    /// Write a file (mode 0600) under `files/` and return its path.
    pub fn write_file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root().join("files").join(name);
        write_private(&path, contents.as_ref());
        path
    }

    /// A builder for one `msal` run in this environment.
    pub fn msal(&self) -> Msal<'_> {
        Msal {
            env: self,
            args: Vec::new(),
            envs: Vec::new(),
            stdin: None,
            stdin_pipe: false,
            wrapper: Vec::new(),
        }
    }
}

/// Write a file with mode 0600, atomically (a temporary file renamed over it), so that a
/// process reading it meanwhile sees the old or the new contents, never a partial file.
pub fn write_private(path: &Path, contents: &[u8]) {
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4()));
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .unwrap_or_else(|e| panic!("write {}: {e}", tmp.display()));
    f.write_all(contents).expect("write file");
    drop(f);
    std::fs::rename(&tmp, path).unwrap_or_else(|e| panic!("rename to {}: {e}", path.display()));
}

/// Parse a JSON file (panics with the path if it is missing or not JSON).
pub fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The names in `dir`, sorted (panics if it cannot be read).
pub fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

/// One `msal` invocation being built.
pub struct Msal<'a> {
    env: &'a TestEnv,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    stdin: Option<Vec<u8>>,
    stdin_pipe: bool,
    /// A program (and its arguments) that runs `msal`, e.g. `keyctl session NAME`.
    wrapper: Vec<OsString>,
}

impl Msal<'_> {
    /// Append arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Append one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Set an environment variable (overrides the harness defaults).
    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.envs.push((key.into(), value.into()));
        self
    }

    /// Set several environment variables.
    pub fn envs<K, V>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<OsString>,
        V: Into<OsString>,
    {
        self.envs
            .extend(pairs.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Run `msal` through `wrapper` (a program and its arguments, then msal and its arguments),
    /// e.g. `keyctl session NAME` to give it a session keyring.
    pub fn wrapped_in<I, S>(mut self, wrapper: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.wrapper = wrapper.into_iter().map(Into::into).collect();
        self
    }

    /// Feed these bytes on stdin (default: /dev/null).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(bytes.into());
        self
    }

    /// Keep stdin open as a pipe the test writes to while `msal` runs
    /// ([`Running::write_stdin`]); it closes when the run is waited for.
    pub fn stdin_pipe(mut self) -> Self {
        self.stdin_pipe = true;
        self
    }

    fn command(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((program, args)) => {
                let mut cmd = Command::new(program);
                cmd.args(args).arg(env!("CARGO_BIN_EXE_msal"));
                cmd
            }
            None => Command::new(env!("CARGO_BIN_EXE_msal")),
        };
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        let root = self.env.root();
        cmd.env("HOME", self.env.home())
            .env("XDG_CONFIG_HOME", self.env.config_dir())
            .env("XDG_CACHE_HOME", self.env.cache_dir())
            .env("XDG_DATA_HOME", root.join("home/.local/share"))
            .env("XDG_STATE_HOME", root.join("home/.local/state"))
            .env("NO_PROXY", "127.0.0.1,localhost,::1")
            .env("no_proxy", "127.0.0.1,localhost,::1")
            .env("HTTP_PROXY", SINKHOLE_PROXY)
            .env("http_proxy", SINKHOLE_PROXY)
            .env("HTTPS_PROXY", SINKHOLE_PROXY)
            .env("https_proxy", SINKHOLE_PROXY)
            .env("ALL_PROXY", SINKHOLE_PROXY)
            .env("RUST_BACKTRACE", "1")
            .current_dir(root);
        for (k, v) in &self.envs {
            cmd.env(k, v);
        }
        cmd.args(&self.args);
        cmd.stdin(if self.stdin.is_some() || self.stdin_pipe {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        cmd
    }

    /// Start the process without waiting for it.
    pub fn spawn(self) -> Running {
        let mut child = self.command().spawn().expect("spawn msal");
        let mut stdin_pipe = None;
        let stdin_thread = match (self.stdin, child.stdin.take()) {
            (Some(bytes), Some(mut pipe)) => Some(std::thread::spawn(move || {
                // The child may exit without reading; a broken pipe is not our failure.
                let _ = pipe.write_all(&bytes);
            })),
            (None, Some(pipe)) => {
                stdin_pipe = Some(pipe);
                None
            }
            _ => None,
        };
        let stdout = reader(child.stdout.take().expect("stdout pipe"));
        let stderr_buf = Arc::new(Mutex::new(Vec::new()));
        let stderr = {
            let mut pipe = child.stderr.take().expect("stderr pipe");
            let buf = Arc::clone(&stderr_buf);
            std::thread::spawn(move || {
                let mut chunk = [0u8; 4096];
                loop {
                    match pipe.read(&mut chunk) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => buf
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .extend_from_slice(&chunk[..n]),
                    }
                }
            })
        };
        Running {
            child,
            stdout: Some(stdout),
            stderr: Some(stderr),
            stderr_buf,
            stdin_pipe,
            stdin_thread,
            deadline: Instant::now() + RUN_TIMEOUT,
        }
    }

    /// Run to completion (killed and failing the test after [`RUN_TIMEOUT`]).
    pub fn run(self) -> Run {
        self.spawn().wait()
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        buf
    })
}

/// A running `msal`.
pub struct Running {
    child: Child,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<()>>,
    stderr_buf: Arc<Mutex<Vec<u8>>>,
    stdin_pipe: Option<ChildStdin>,
    stdin_thread: Option<JoinHandle<()>>,
    deadline: Instant,
}

impl Running {
    /// Kill it with SIGKILL (no chance to clean up) and collect what it printed.
    pub fn kill(mut self) -> Run {
        let _ = self.child.kill();
        self.wait()
    }

    /// The process id (for /proc/<pid>/status and for sending signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send it a signal (`INT`, `TERM`…) with kill(1), as a terminal or a service manager would.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -s {name} failed");
    }

    /// What `msal` wrote on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr_buf.lock().unwrap_or_else(|e| e.into_inner()))
            .into_owned()
    }

    /// Wait (at most `timeout`) until stderr contains `needle`; returns stderr so far. Panics,
    /// showing stderr, when it does not come or `msal` exits first.
    #[track_caller]
    pub fn wait_for_stderr(&mut self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let text = self.stderr_so_far();
            if text.contains(needle) {
                return text;
            }
            let exited = self.child.try_wait().expect("poll msal").is_some();
            if exited || Instant::now() >= deadline {
                // Let the reader catch up with the last bytes before judging.
                std::thread::sleep(Duration::from_millis(50));
                let text = self.stderr_so_far();
                if text.contains(needle) {
                    return text;
                }
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "stderr never mentioned {needle:?} ({}); stderr:\n{text}",
                    if exited { "msal exited" } else { "timed out" }
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What `msal` printed on stdout, once it closed stdout while it may keep running (as
    /// `msal serve` does after its two lines). Panics, showing stderr, after `timeout`.
    #[track_caller]
    pub fn stdout_once_closed(&mut self, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        let reader = self.stdout.take().expect("stdout already taken");
        while !reader.is_finished() {
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "msal did not close stdout within {timeout:?}; stderr:\n{}",
                    self.stderr_so_far()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        String::from_utf8_lossy(&reader.join().unwrap_or_default()).into_owned()
    }

    /// Write to msal's stdin (needs [`Msal::stdin_pipe`]).
    pub fn write_stdin(&mut self, bytes: &[u8]) {
        let pipe = self
            .stdin_pipe
            .as_mut()
            .expect("write_stdin needs Msal::stdin_pipe()");
        pipe.write_all(bytes).expect("write to msal's stdin");
        pipe.flush().expect("flush msal's stdin");
    }

    /// Whether `msal` has exited.
    pub fn has_exited(&mut self) -> bool {
        self.child.try_wait().expect("poll msal").is_some()
    }

    /// Wait for it (bounded by the run timeout).
    pub fn wait(mut self) -> Run {
        drop(self.stdin_pipe.take());
        let status = loop {
            match self.child.try_wait().expect("wait for msal") {
                Some(status) => break status,
                None if Instant::now() >= self.deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    if let Some(t) = self.stderr.take() {
                        let _ = t.join();
                    }
                    panic!(
                        "msal ran longer than {RUN_TIMEOUT:?} and was killed; stderr:\n{}",
                        self.stderr_so_far()
                    );
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        if let Some(t) = self.stdin_thread.take() {
            let _ = t.join();
        }
        let stdout = self
            .stdout
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or_default();
        if let Some(t) = self.stderr.take() {
            let _ = t.join();
        }
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: self.stderr_so_far(),
        }
    }
}

impl Drop for Running {
    /// A run the test abandoned (it panicked) is killed, never left behind.
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a finished `msal` run showed the user.
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// stdout (may carry a token: never print it).
    pub stdout: String,
    /// stderr (safe to print).
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Run")
            .field("code", &self.code)
            .field(
                "stdout",
                &format_args!("<{} bytes, not shown>", self.stdout.len()),
            )
            .field("stderr", &self.stderr)
            .finish()
    }
}

impl Run {
    /// Panic (showing code and stderr, never stdout) unless it exited 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        self.assert_code(0)
    }

    /// Panic (showing code and stderr, never stdout) unless it exited with `code`.
    #[track_caller]
    pub fn assert_code(&self, code: i32) -> &Self {
        assert!(
            self.code == code,
            "msal exited with {} (expected {code}); stdout has {} bytes (not shown); stderr:\n{}",
            self.code,
            self.stdout.len(),
            self.stderr
        );
        self
    }

    /// Panic unless it failed with one of `codes`.
    #[track_caller]
    pub fn assert_code_in(&self, codes: &[i32]) -> &Self {
        assert!(
            codes.contains(&self.code),
            "msal exited with {} (expected one of {codes:?}); stderr:\n{}",
            self.code,
            self.stderr
        );
        self
    }

    /// Panic unless stdout is exactly `expected` (without showing either: they hold tokens).
    #[track_caller]
    pub fn assert_stdout_eq(&self, expected: &str, what: &str) -> &Self {
        assert!(
            self.stdout == expected,
            "stdout is not exactly {what} (stdout {} bytes, expected {} bytes; values not shown); stderr:\n{}",
            self.stdout.len(),
            expected.len(),
            self.stderr
        );
        self
    }

    /// Panic unless it exited 0 and stdout is exactly `token` and a newline (`-o token`).
    #[track_caller]
    pub fn assert_token(&self, token: &str) -> &Self {
        self.assert_success()
            .assert_stdout_eq(&format!("{token}\n"), "the issued token and a newline")
    }

    /// stderr contains `needle` (case-insensitive).
    pub fn stderr_has(&self, needle: &str) -> bool {
        self.stderr
            .to_ascii_lowercase()
            .contains(&needle.to_ascii_lowercase())
    }

    /// Panic unless stderr contains `needle` (case-insensitive).
    #[track_caller]
    pub fn assert_stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr_has(needle),
            "stderr does not mention {needle:?}; stderr:\n{}",
            self.stderr
        );
        self
    }

    /// Panic if stdout or stderr contains `secret` (without showing it).
    #[track_caller]
    pub fn assert_not_leaked(&self, secret: &str, what: &str) -> &Self {
        assert!(!secret.is_empty(), "empty {what}: nothing to check");
        assert!(!self.stdout.contains(secret), "{what} appears on stdout");
        assert!(
            !self.stderr.contains(secret),
            "{what} appears on stderr (stderr not shown because it holds it)"
        );
        self
    }

    /// stdout parsed as JSON (panics without showing stdout).
    #[track_caller]
    pub fn stdout_json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); {} bytes, not shown; stderr:\n{}",
                self.stdout.len(),
                self.stderr
            )
        })
    }
}
