//! Writing a kubeconfig user entry that gets its token from an exec credential plugin (as
//! `kubelogin convert-kubeconfig` does), leaving every other entry as it was and keeping a
//! backup of the file it replaces.
//!
//! The file is the user's: it is read only when it is a regular file of theirs that no one else
//! can write, at most [`MAX_KUBECONFIG_BYTES`], never through a symbolic link another user could
//! have planted ([`crate::private_file`]); it is replaced atomically (a temporary file in the
//! same directory, fsynced and renamed) with mode 0600, as kubectl writes it; the previous
//! content goes to `<file>.bak-<UTC time>` first, also 0600. Nothing is written when nothing
//! changes. The format is the Kubernetes client configuration
//! (<https://kubernetes.io/docs/reference/config-api/kubeconfig.v1/>) and the exec section is
//! `client.authentication.k8s.io/v1`'s
//! (<https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins>).

mod yaml;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use crate::private_file::Refusal;
use crate::private_file::{FileError, Located};
use yaml::{Node, YamlError};

/// The largest kubeconfig read: files with many clusters and their certificates stay far below.
pub const MAX_KUBECONFIG_BYTES: u64 = 16 * 1024 * 1024;

/// The exec API version written: the only one current kubectl accepts without a warning.
pub const EXEC_API_VERSION: &str = "client.authentication.k8s.io/v1";

/// Whether kubectl lets the plugin talk to the user (`interactiveMode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InteractiveMode {
    /// Never: for pipelines and services.
    Never,
    /// When kubectl itself runs on a terminal: the plugin may sign the user in.
    IfAvailable,
}

impl InteractiveMode {
    fn as_str(self) -> &'static str {
        match self {
            InteractiveMode::Never => "Never",
            InteractiveMode::IfAvailable => "IfAvailable",
        }
    }
}

/// The exec credential plugin a user entry runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecPlugin {
    /// The program, found on `PATH` when it has no `/`.
    pub command: String,
    /// Its arguments (never secrets: the file is read by anything that reads kubeconfigs).
    pub args: Vec<String>,
    /// Whether it may interact with the user.
    pub interactive_mode: InteractiveMode,
    /// What kubectl shows when the command is not found.
    pub install_hint: Option<String>,
}

/// Which user entry to write.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// The user entry's name; without it, the user of [`Self::context`], else of the current
    /// context.
    pub user: Option<String>,
    /// A context: with [`Self::user`], the context is pointed at that user; without it, the
    /// context's user is the one written.
    pub context: Option<String>,
}

/// What [`write_exec_user`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The kubeconfig file (where a link at the path given led).
    pub path: PathBuf,
    /// The user entry written.
    pub user: String,
    /// Whether the entry is new (else an existing one was converted).
    pub created: bool,
    /// The context pointed at the user, when one was.
    pub context: Option<String>,
    /// The copy of the previous file, when there was one and it changed.
    pub backup: Option<PathBuf>,
    /// Whether the file already said exactly this (nothing was written).
    pub unchanged: bool,
}

/// Why the kubeconfig was not written. Messages name the file and entries, never quote content.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KubeconfigError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not one msal edits (another user's, writable by others, behind an untrusted
    /// link, not a regular file, too large); nothing was changed.
    #[error("kubeconfig {path} was not used: {reason}; nothing was changed")]
    Refused {
        /// The file, or the link or directory that made it unsafe.
        path: PathBuf,
        /// Why.
        reason: Refusal,
    },
    /// The file is not a kubeconfig msal can rewrite faithfully; nothing was changed.
    #[error("kubeconfig {path} was left as it is: {detail}")]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// What is wrong (never the content).
        detail: String,
    },
    /// No user entry was named and the file names none to use.
    #[error("kubeconfig {path} {detail}")]
    NoTarget {
        /// The file.
        path: PathBuf,
        /// What was missing.
        detail: String,
    },
}

impl KubeconfigError {
    fn from_file(error: FileError) -> Self {
        match error {
            FileError::Io { path, source } => Self::Io { path, source },
            FileError::Refused { path, reason } => Self::Refused { path, reason },
        }
    }
}

/// Writes (or converts) the user entry `target` names so that it runs `plugin`, in the
/// kubeconfig at `path` (created, with its directory, when missing), keeping every other entry,
/// and a backup of the previous file. `now` (epoch seconds) names the backup.
pub fn write_exec_user(
    path: &Path,
    target: &Target,
    plugin: &ExecPlugin,
    now: u64,
) -> Result<Written, KubeconfigError> {
    let located =
        crate::private_file::locate_or_create(path).map_err(KubeconfigError::from_file)?;
    let shown = located.path.clone();
    let before = read(&located)?;
    let unreadable = |detail: String| KubeconfigError::Unreadable {
        path: shown.clone(),
        detail,
    };
    let mut root = match &before {
        Some(text) => yaml::parse(text).map_err(|e: YamlError| unreadable(e.to_string()))?,
        None => None,
    }
    .unwrap_or_else(|| {
        Node::Map(vec![
            ("apiVersion".into(), Node::string("v1")),
            ("kind".into(), Node::string("Config")),
        ])
    });
    if !matches!(root, Node::Map(_)) {
        return Err(unreadable("its top level is not a mapping".into()));
    }
    let (user, context) = choose_user(&root, target, &shown)?;
    let created = set_user(&mut root, &user, plugin).map_err(|e| unreadable(e.into()))?;
    if let Some(context) = &context {
        point_context(&mut root, context, &user).map_err(|e| unreadable(e.into()))?;
    }
    let text = yaml::write(&root);
    let mut written = Written {
        path: shown.clone(),
        user,
        created,
        context,
        backup: None,
        unchanged: before.as_deref() == Some(text.as_str()),
    };
    if written.unchanged {
        return Ok(written);
    }
    if let Some(before) = &before {
        let name = backup_name(&located, now);
        let backup = located.sibling_path(&name);
        located
            .dir
            .write(&name, before.as_bytes(), &backup)
            .map_err(KubeconfigError::from_file)?;
        written.backup = Some(backup);
    }
    located
        .dir
        .write(&located.name, text.as_bytes(), &shown)
        .map_err(KubeconfigError::from_file)?;
    Ok(written)
}

/// The file's text, `None` when there is no file.
fn read(located: &Located) -> Result<Option<String>, KubeconfigError> {
    let Some(file) = located
        .dir
        .open(&located.name, &located.path)
        .map_err(KubeconfigError::from_file)?
    else {
        return Ok(None);
    };
    let bytes = file
        .read_all(MAX_KUBECONFIG_BYTES, &located.path)
        .map_err(KubeconfigError::from_file)?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| KubeconfigError::Unreadable {
            path: located.path.clone(),
            detail: "it is not UTF-8 text".into(),
        })
}

/// `<name>.bak-<YYYYMMDDTHHMMSSZ>`, with `.N` added when that exists already (two runs in one
/// second must not overwrite the older backup, which holds the original).
fn backup_name(located: &Located, now: u64) -> OsString {
    let stamp = time::OffsetDateTime::from_unix_timestamp(i64::try_from(now).unwrap_or(0))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let base = format!(
        ".bak-{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        stamp.year(),
        u8::from(stamp.month()),
        stamp.day(),
        stamp.hour(),
        stamp.minute(),
        stamp.second()
    );
    let mut name = located.sibling(&base);
    let mut n = 1;
    while located.dir.exists(&name) {
        name = located.sibling(&format!("{base}.{n}"));
        n += 1;
    }
    name
}

/// The user entry to write and the context to point at it.
fn choose_user(
    root: &Node,
    target: &Target,
    path: &Path,
) -> Result<(String, Option<String>), KubeconfigError> {
    let no_target = |detail: String| KubeconfigError::NoTarget {
        path: path.to_owned(),
        detail,
    };
    let context_user = |name: &str| -> Result<String, KubeconfigError> {
        let context = named(root, "contexts", name)
            .ok_or_else(|| no_target(format!("has no context {name:?}")))?;
        context
            .get("context")
            .and_then(|c| c.get("user"))
            .and_then(Node::as_str)
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| no_target(format!("names no user for context {name:?}")))
    };
    match (&target.user, &target.context) {
        (Some(user), Some(context)) => {
            if named(root, "contexts", context).is_none() {
                return Err(no_target(format!("has no context {context:?}")));
            }
            Ok((user.clone(), Some(context.clone())))
        }
        (Some(user), None) => Ok((user.clone(), None)),
        (None, Some(context)) => Ok((context_user(context)?, None)),
        (None, None) => {
            let current = root
                .get("current-context")
                .and_then(Node::as_str)
                .filter(|c| !c.is_empty())
                .ok_or_else(|| no_target("has no current context".into()))?;
            Ok((context_user(current)?, None))
        }
    }
}

/// The entry of a named list (`users`, `contexts`) with this `name`.
fn named<'a>(root: &'a Node, list: &str, name: &str) -> Option<&'a Node> {
    match root.get(list)? {
        Node::Seq(items) => items
            .iter()
            .find(|item| item.get("name").and_then(Node::as_str) == Some(name)),
        _ => None,
    }
}

/// Puts `plugin` in the user entry `name` (replacing its `user` section, since kubectl refuses
/// an exec plugin beside another way to authenticate), creating the entry, and the `users` list,
/// when missing. Returns whether the entry is new.
fn set_user(root: &mut Node, name: &str, plugin: &ExecPlugin) -> Result<bool, &'static str> {
    let mut exec = vec![
        ("apiVersion".to_owned(), Node::string(EXEC_API_VERSION)),
        ("command".to_owned(), Node::string(&plugin.command)),
        (
            "args".to_owned(),
            Node::Seq(plugin.args.iter().map(Node::string).collect()),
        ),
        ("env".to_owned(), Node::plain("null")),
    ];
    if let Some(hint) = &plugin.install_hint {
        exec.push(("installHint".to_owned(), Node::string(hint)));
    }
    exec.push((
        "interactiveMode".to_owned(),
        Node::string(plugin.interactive_mode.as_str()),
    ));
    exec.push(("provideClusterInfo".to_owned(), Node::plain("false")));
    let section = Node::Map(vec![("exec".to_owned(), Node::Map(exec))]);

    if root.get("users").is_none_or(Node::is_null) {
        root.set("users", Node::Seq(Vec::new()));
    }
    let Some(Node::Seq(users)) = root.get_mut("users") else {
        return Err("its `users` is not a list");
    };
    match users
        .iter_mut()
        .find(|u| u.get("name").and_then(Node::as_str) == Some(name))
    {
        Some(entry) => {
            if !matches!(entry, Node::Map(_)) {
                return Err("one of its users is not a mapping");
            }
            entry.set("user", section);
            Ok(false)
        }
        None => {
            users.push(Node::Map(vec![
                ("name".to_owned(), Node::string(name)),
                ("user".to_owned(), section),
            ]));
            Ok(true)
        }
    }
}

/// Points context `name` (which exists) at user `user`.
fn point_context(root: &mut Node, name: &str, user: &str) -> Result<(), &'static str> {
    let Some(Node::Seq(contexts)) = root.get_mut("contexts") else {
        return Err("its `contexts` is not a list");
    };
    let entry = contexts
        .iter_mut()
        .find(|c| c.get("name").and_then(Node::as_str) == Some(name))
        .ok_or("the context went missing")?;
    match entry.get_mut("context") {
        Some(context @ Node::Map(_)) => context.set("user", Node::string(user)),
        _ => return Err("a context has no `context` mapping"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin() -> ExecPlugin {
        ExecPlugin {
            command: "msal".into(),
            args: vec!["silent".into(), "--scope".into(), "x/.default".into()],
            interactive_mode: InteractiveMode::IfAvailable,
            install_hint: Some("install msal\nthen sign in".into()),
        }
    }

    #[test]
    fn converts_the_current_contexts_user_and_keeps_everything_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        let original = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://k:6443\n  name: k\ncontexts:\n- context:\n    cluster: k\n    user: me\n  name: k\ncurrent-context: k\nkind: Config\nusers:\n- name: me\n  user:\n    token: secret-value\n- name: other\n  user:\n    token: keep-me\n";
        std::fs::write(&path, original).unwrap();
        let written = write_exec_user(&path, &Target::default(), &plugin(), 1_790_000_000).unwrap();
        assert_eq!(written.user, "me");
        assert!(!written.created && !written.unchanged);
        let backup = written.backup.unwrap();
        assert_eq!(backup, dir.path().join("config.bak-20260921T141320Z"));
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("secret-value") && text.contains("keep-me"),
            "{text}"
        );
        assert!(
            text.contains("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"),
            "{text}"
        );
        assert!(text.contains("interactiveMode: IfAvailable"), "{text}");
        assert!(
            text.contains("installHint: \"install msal\\nthen sign in\""),
            "{text}"
        );
        // Again: nothing changes, no second backup.
        let again = write_exec_user(&path, &Target::default(), &plugin(), 1_790_000_000).unwrap();
        assert!(again.unchanged && again.backup.is_none());
        // A second change in the same second keeps the first backup.
        let mut other = plugin();
        other.args.push("-v".into());
        let third = write_exec_user(&path, &Target::default(), &other, 1_790_000_000).unwrap();
        assert_eq!(
            third.backup.unwrap(),
            dir.path().join("config.bak-20260921T141320Z.1")
        );
        assert_eq!(std::fs::read_to_string(&backup).unwrap(), original);
    }
}
