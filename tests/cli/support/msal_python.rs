//! MSAL Python (PyPI `msal`) as a peer of `msal` on one token cache: runs
//! `tests/interop/msal_python.py` with the tests' Python ([`super::python::interpreter`]) and
//! reads the JSON lines it prints.
//!
//! The script never prints a token: it reports the SHA-256 of an access token
//! ([`token_sha256`] computes the same for the token a test expects). Its stderr (messages and
//! error types only) is shown when a test fails.
//!
//! MSAL Python only talks https, so the identity provider must be a [`TestIdp::start_tls`];
//! `requests` trusts its test CA through `REQUESTS_CA_BUNDLE`. A missing MSAL Python fails the
//! test with the install command, never skips it.

use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::idp::TestIdp;
use super::{SINKHOLE_PROXY, TestEnv};

pub use super::python::INSTALL_COMMAND;

/// How long one run of the script may take before it is killed and the test fails.
const PY_TIMEOUT: Duration = Duration::from_secs(60);

/// Exit status of the script when `import msal` fails.
const MISSING_EXIT: i32 = 3;

/// The script's path.
pub fn script_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/msal_python.py")
}

/// Lowercase hex SHA-256 of a token, as the script reports tokens.
pub fn token_sha256(token: &str) -> String {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// MSAL Python configured for one authority, client and cache file.
pub struct MsalPython {
    root: PathBuf,
    home: PathBuf,
    ca_cert: Option<PathBuf>,
    cache: PathBuf,
    authority: String,
    client_id: String,
    envs: Vec<(OsString, OsString)>,
}

impl MsalPython {
    /// MSAL Python on `env`'s default cache file (the one `msal` uses without `--cache`), for
    /// `client_id` at `authority`, trusting `idp`'s test CA.
    pub fn new(env: &TestEnv, idp: &TestIdp, authority: &str, client_id: &str) -> Self {
        Self {
            root: env.root().to_path_buf(),
            home: env.home(),
            ca_cert: Some(idp.ca_cert_path()),
            cache: env.cache_path(),
            authority: authority.to_owned(),
            client_id: client_id.to_owned(),
            envs: Vec::new(),
        }
    }

    /// MSAL Python's `ManagedIdentityClient` on `env`'s default cache file, with the platform
    /// variables `platform` (a stand-in's, from `support::managed_identity`).
    pub fn managed_identity(env: &TestEnv, platform: &[(String, String)]) -> Self {
        Self {
            root: env.root().to_path_buf(),
            home: env.home(),
            ca_cert: None,
            cache: env.cache_path(),
            authority: "https://login.invalid/unused".to_owned(),
            client_id: "unused".to_owned(),
            envs: platform.iter().map(|(k, v)| (k.into(), v.into())).collect(),
        }
    }

    fn command(&self, subcommand: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new(super::python::interpreter());
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        if let Some(ca) = &self.ca_cert {
            cmd.env("REQUESTS_CA_BUNDLE", ca);
        }
        cmd.env("HOME", &self.home)
            // Anything but loopback goes to a proxy that does not exist: nothing reaches the
            // internet, whatever MSAL Python tries.
            .env("NO_PROXY", "127.0.0.1,localhost,::1")
            .env("no_proxy", "127.0.0.1,localhost,::1")
            .env("HTTP_PROXY", SINKHOLE_PROXY)
            .env("http_proxy", SINKHOLE_PROXY)
            .env("HTTPS_PROXY", SINKHOLE_PROXY)
            .env("https_proxy", SINKHOLE_PROXY)
            .env("ALL_PROXY", SINKHOLE_PROXY)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONIOENCODING", "utf-8")
            .current_dir(&self.root)
            .arg(script_path())
            .arg(subcommand)
            .arg("--cache")
            .arg(&self.cache)
            .args([
                "--authority",
                &self.authority,
                "--client-id",
                &self.client_id,
            ])
            .args(args)
            .envs(self.envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Start the script; talk to it with [`PyRunning`].
    pub fn spawn(&self, subcommand: &str, args: &[&str]) -> PyRunning {
        let mut child = self.command(subcommand, args).spawn().unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): the interop tests need Python with MSAL Python \
                 (`{INSTALL_COMMAND}`)",
                super::python::interpreter().display()
            )
        });
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("stdout pipe");
        let (tx, lines) = mpsc::channel();
        let stdout_thread = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_buf = Arc::new(Mutex::new(Vec::new()));
        let stderr_thread = {
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
        PyRunning {
            subcommand: subcommand.to_owned(),
            child,
            stdin,
            lines,
            threads: vec![stdout_thread, stderr_thread],
            stderr_buf,
            deadline: Instant::now() + PY_TIMEOUT,
        }
    }

    /// Run the script to completion; returns its last JSON line. Panics (showing stderr) unless
    /// it exited 0.
    #[track_caller]
    pub fn run(&self, subcommand: &str, args: &[&str]) -> Value {
        let mut running = self.spawn(subcommand, args);
        running.close_stdin();
        running.finish()
    }
}

/// A running `msal_python.py`. Dropping it kills the process if it still runs.
pub struct PyRunning {
    subcommand: String,
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    threads: Vec<JoinHandle<()>>,
    stderr_buf: Arc<Mutex<Vec<u8>>>,
    deadline: Instant,
}

impl PyRunning {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr_buf.lock().unwrap_or_else(|e| e.into_inner()))
            .into_owned()
    }

    /// Kill the process, wait for the readers, and fail the test with `what` and stderr.
    #[track_caller]
    fn fail(&mut self, what: &str) -> ! {
        let _ = self.child.kill();
        let status = self.child.wait().ok().and_then(|s| s.code());
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let stderr = self.stderr();
        if status == Some(MISSING_EXIT) || stderr.contains("MSAL Python is not installed") {
            panic!(
                "MSAL Python is not installed for {}; install it with `{INSTALL_COMMAND}` \
                 (.ci/run does). stderr:\n{stderr}",
                super::python::interpreter().display()
            );
        }
        panic!(
            "msal_python.py {}: {what} (exit {status:?}); stderr:\n{stderr}",
            self.subcommand
        );
    }

    fn parse(&mut self, line: &str) -> Value {
        match serde_json::from_str::<Value>(line) {
            Ok(v) if v["error"] == "msal_python_missing" => self.fail("MSAL Python is missing"),
            Ok(v) => v,
            Err(_) => self.fail(&format!(
                "printed a line that is not JSON ({} bytes, not shown)",
                line.len()
            )),
        }
    }

    /// The next JSON line on stdout (waiting at most until the run's deadline).
    #[track_caller]
    pub fn next_json(&mut self) -> Value {
        let left = self.deadline.saturating_duration_since(Instant::now());
        match self.lines.recv_timeout(left) {
            Ok(line) => self.parse(&line),
            Err(RecvTimeoutError::Timeout) => {
                self.fail(&format!("printed nothing for {PY_TIMEOUT:?}"))
            }
            Err(RecvTimeoutError::Disconnected) => self.fail("exited before printing its answer"),
        }
    }

    /// Write one line to the script's stdin.
    pub fn write_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin is open");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .and_then(|()| stdin.flush())
            .expect("write to msal_python.py");
    }

    /// Close the script's stdin.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Wait for the script to exit (bounded) and return its last JSON line; panics unless it
    /// exited 0 after printing one.
    #[track_caller]
    pub fn finish(mut self) -> Value {
        self.close_stdin();
        let status = loop {
            match self.child.try_wait().expect("wait for python3") {
                Some(status) => break status,
                None if Instant::now() >= self.deadline => {
                    self.fail(&format!("ran longer than {PY_TIMEOUT:?}"))
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
        let lines: Vec<String> = self.lines.try_iter().collect();
        if status.code() != Some(0) {
            self.fail("failed");
        }
        match lines.last() {
            Some(line) => {
                let line = line.clone();
                self.parse(&line)
            }
            None => self.fail("exited 0 without printing an answer"),
        }
    }
}

impl Drop for PyRunning {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
