//! `msal kubeconfig`: writes, or converts, a kubeconfig user entry so that kubectl gets its token
//! from `msal` (as `kubelogin convert-kubeconfig` does): `msal silent` for a person, which signs
//! them in when kubectl runs on a terminal (`interactiveMode: IfAvailable`), or
//! `msal client-credentials` for a pipeline, with the credential from kubectl's environment.
//! Every other entry stays as it was; the previous file is kept as `<file>.bak-<time>`.

use std::path::PathBuf;

use clap::Args;
use msal::kubeconfig::{ExecPlugin, InteractiveMode, Target, write_exec_user};
use msal::text::printable;

use crate::cli::Context;
use crate::cli::env;
use crate::cli::exit::UsageError;
use crate::cli::output::shell_word;
use crate::cli::status::status;

/// The scope of an AKS cluster with Entra ID (its server application), for the examples.
const AKS_SCOPE: &str = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

/// Arguments of `msal kubeconfig`.
#[derive(Debug, Args)]
pub struct KubeconfigArgs {
    /// Scope of the cluster's token (repeatable); for AKS with Entra ID
    /// 6dae42f8-4368-4678-94ff-3960e28e3630/.default
    #[arg(short, long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
    /// The kubeconfig file [env: KUBECONFIG (its first file)] [default: ~/.kube/config]
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The user entry to write, created when missing [default: the user of --context, else of
    /// the current context]
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The context whose user to convert; with --user, the context is pointed at that user
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// For a pipeline or a service principal: the entry runs `msal client-credentials` with the
    /// credential kubectl's environment gives it (AZURE_CLIENT_SECRET,
    /// AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE), and never interacts
    #[arg(long)]
    pub client_credentials: bool,
}

/// Runs `msal kubeconfig`.
pub async fn run(args: KubeconfigArgs, context: &Context) -> anyhow::Result<()> {
    let scopes = super::required_scopes(
        &context.settings,
        None,
        &args.scopes,
        &format!(", e.g. --scope {AKS_SCOPE} for AKS"),
    )?;
    let path = match args.kubeconfig {
        Some(path) => path,
        None => default_path(&context.env)?,
    };
    let options = plugin_options(context);
    let mut plugin_args: Vec<String> = vec![if args.client_credentials {
        "client-credentials".into()
    } else {
        "silent".into()
    }];
    for scope in &scopes {
        plugin_args.extend(["--scope".into(), scope.clone()]);
    }
    plugin_args.extend(options.iter().cloned());
    plugin_args.extend(["-o".into(), "exec-credential".into()]);
    let login: Vec<String> = ["msal".to_owned(), "login".to_owned()]
        .into_iter()
        .chain(
            scopes
                .iter()
                .flat_map(|s| ["--scope".to_owned(), s.clone()]),
        )
        .chain(options.iter().cloned())
        .map(|word| shell_word(&word))
        .collect();
    let login = login.join(" ");
    let plugin = if args.client_credentials {
        ExecPlugin {
            command: "msal".into(),
            args: plugin_args,
            interactive_mode: InteractiveMode::Never,
            install_hint: Some(
                "msal gets this cluster's token with the application's credential from the \
                 environment (AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, \
                 AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE): install msal \
                 and put it on PATH"
                    .into(),
            ),
        }
    } else {
        ExecPlugin {
            command: "msal".into(),
            args: plugin_args,
            interactive_mode: InteractiveMode::IfAvailable,
            install_hint: Some(format!(
                "msal gets this cluster's token: install msal, put it on PATH, and sign in \
                 once with\n  {login}\n"
            )),
        }
    };
    let target = Target {
        user: args.user,
        context: args.context,
    };
    let written = write_exec_user(&path, &target, &plugin, now())?;
    let file = written.path.display();
    let user = printable(&written.user);
    if written.unchanged {
        status!("{file}: user {user} already gets its token from msal; nothing changed");
        return Ok(());
    }
    status!(
        "{file}: {} user {user}{}",
        if written.created {
            "added"
        } else {
            "converted"
        },
        written
            .context
            .as_deref()
            .map(|c| format!(", used by context {}", printable(c)))
            .unwrap_or_default()
    );
    if let Some(backup) = &written.backup {
        status!(
            "the previous file is {} (comments are not carried over)",
            backup.display()
        );
    }
    if !args.client_credentials {
        status!("kubectl now gets the token from the cache; sign in once with:\n  {login}");
    }
    Ok(())
}

/// The options the plugin needs to reach the same authority, client and cache as this run:
/// those chosen by flag, environment or profile (defaults need no option).
fn plugin_options(context: &Context) -> Vec<String> {
    let settings = &context.settings;
    let mut options = Vec::new();
    if settings.authority_given {
        let flag = if settings.authority.is_entra_family() {
            "--authority"
        } else {
            "--oidc-authority"
        };
        options.extend([flag.to_owned(), settings.authority.url().to_owned()]);
    }
    if let Some(client_id) = &settings.client_id {
        options.extend(["--client-id".to_owned(), client_id.clone()]);
    }
    if settings.sources.contains(&("cache", "default")) {
        // The default cache is where the plugin looks anyway.
    } else {
        let cache = std::path::absolute(&settings.cache_path)
            .unwrap_or_else(|_| settings.cache_path.clone());
        options.extend(["--cache".to_owned(), cache.display().to_string()]);
    }
    if let Some(ca_cert) = &settings.ca_cert {
        let ca_cert = std::path::absolute(ca_cert).unwrap_or_else(|_| ca_cert.clone());
        options.extend(["--ca-cert".to_owned(), ca_cert.display().to_string()]);
    }
    if !settings.instance_discovery {
        options.push("--no-instance-discovery".to_owned());
    }
    options
}

/// The first file of `KUBECONFIG`, else `~/.kube/config`, as kubectl picks the file it writes.
fn default_path(env: &env::Env) -> anyhow::Result<PathBuf> {
    if let Some(first) = env
        .get(env::KUBECONFIG)
        .and_then(|list| std::env::split_paths(list).find(|p| !p.as_os_str().is_empty()))
    {
        return Ok(first);
    }
    directories::BaseDirs::new()
        .map(|dirs| dirs.home_dir().join(".kube").join("config"))
        .ok_or_else(|| {
            UsageError("cannot find the home directory: pass --kubeconfig FILE".into()).into()
        })
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
