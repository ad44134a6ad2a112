//! `msal obo`: the on-behalf-of exchange of a user's token for a downstream API's token (Entra
//! ID's on-behalf-of flow, or RFC 8693 token exchange with other OpenID providers).

use std::path::PathBuf;

use clap::Args;
use msal::app::{OnBehalfOfParameters, TokenExchangeParameters};
use msal::secret::Assertion;

use crate::cli::Context;
use crate::cli::args::{CredentialArgs, NoCacheArgs, TokenArgs};
use crate::cli::commands::confidential::{self, Confidential};
use crate::cli::credential::{check_stdin, read_secret};
use crate::cli::exit::UsageError;
use crate::cli::keyring::forget_secret;

/// Arguments of `msal obo`.
#[derive(Debug, Args)]
#[command(mut_arg("scopes", |a| a.help("Scope of the downstream API (repeatable)")))]
// A token exchange sends `resource` besides `scope`, so the two no longer conflict here; with
// Entra ID, where the resource becomes the scope, `run` refuses both.
#[command(mut_arg("resource", |a| a.conflicts_with(clap::builder::Resettable::<clap::Id>::Reset).help(
    "The downstream API: short for --scope RESOURCE/.default with Entra ID, the `resource` of \
     a token exchange (RFC 8693 §2.1, with or instead of --scope) with other OpenID providers"
)))]
pub struct OboArgs {
    /// The token asked for.
    #[command(flatten)]
    pub token: TokenArgs,

    /// The incoming user token, from FILE or stdin with `-`
    #[arg(long, value_name = "FILE")]
    pub assertion_file: Option<PathBuf>,

    /// What OpenID providers other than Entra ID are asked for (RFC 8693 token exchange).
    #[command(flatten)]
    pub exchange: ExchangeArgs,

    /// Whether the cache is used.
    #[command(flatten)]
    pub cache: NoCacheArgs,

    /// How the application proves its identity.
    #[command(flatten)]
    pub credential: CredentialArgs,
}

/// With an OpenID provider other than Entra ID, `msal obo` is an RFC 8693 token exchange; these
/// say what to exchange for what.
#[derive(Debug, Args)]
#[command(next_help_heading = "Token exchange (RFC 8693; OpenID providers other than Entra ID)")]
pub struct ExchangeArgs {
    /// The type of the incoming token: a URN, or access_token, refresh_token, id_token, jwt,
    /// saml1, saml2 [default: access_token]
    #[arg(long, value_name = "TYPE")]
    pub subject_token_type: Option<String>,

    /// The type of token wanted, when not the provider's default (same names as above)
    #[arg(long, value_name = "TYPE")]
    pub requested_token_type: Option<String>,

    /// The logical name of the service the token is for (with or instead of --scope)
    #[arg(long, value_name = "NAME")]
    pub audience: Option<String>,
}

impl ExchangeArgs {
    /// The exchange parameters, with short token type names made URNs (RFC 8693 §3).
    fn parameters(self, resource: Option<String>) -> TokenExchangeParameters {
        TokenExchangeParameters {
            subject_token_type: self.subject_token_type.map(token_type_urn),
            requested_token_type: self.requested_token_type.map(token_type_urn),
            audience: self.audience,
            resource,
        }
    }

    /// The first option given, for the message that says they do not apply.
    fn first_given(&self) -> Option<&'static str> {
        [
            ("--subject-token-type", self.subject_token_type.is_some()),
            (
                "--requested-token-type",
                self.requested_token_type.is_some(),
            ),
            ("--audience", self.audience.is_some()),
        ]
        .into_iter()
        .find_map(|(name, given)| given.then_some(name))
    }
}

/// The token type URNs of RFC 8693 §3 by their last segment; anything else as given.
fn token_type_urn(name: String) -> String {
    const SHORT: [&str; 6] = [
        "access_token",
        "refresh_token",
        "id_token",
        "jwt",
        "saml1",
        "saml2",
    ];
    match SHORT.iter().find(|s| s.eq_ignore_ascii_case(&name)) {
        Some(short) => format!("urn:ietf:params:oauth:token-type:{short}"),
        None => name,
    }
}

/// Runs `msal obo`.
pub async fn run(args: OboArgs, context: &Context) -> anyhow::Result<()> {
    if args.credential.keyring.forget_secret {
        return forget_secret(context);
    }
    let entra = context.settings.authority.is_entra_family();
    if entra && let Some(option) = args.exchange.first_given() {
        return Err(UsageError(format!(
            "{option} is for token exchange (RFC 8693) with OpenID providers other than Entra \
             ID (--oidc-authority); Entra's on-behalf-of flow takes --scope or --resource"
        ))
        .into());
    }
    if entra && args.token.resource.is_some() && !args.token.scopes.is_empty() {
        return Err(UsageError(
            "--resource stands for the scope RESOURCE/.default: pass it or --scope, not both"
                .into(),
        )
        .into());
    }
    let scopes = if entra {
        super::required_scopes(
            &context.settings,
            args.token.resource.as_deref(),
            &args.token.scopes,
            " for the downstream API, e.g. https://graph.microsoft.com/.default",
        )?
    } else if args.exchange.audience.is_none() && args.token.resource.is_none() {
        super::required_scopes(
            &context.settings,
            None,
            &args.token.scopes,
            " for the downstream API, or name it with --audience or --resource",
        )?
    } else {
        // A token exchange may name its target by audience or resource alone.
        context.settings.scopes(&args.token.scopes)
    };
    // With Entra ID the resource became the scope above; a token exchange sends it as is.
    let exchange_resource = if entra { None } else { args.token.resource };
    let Some(assertion_file) = &args.assertion_file else {
        return Err(UsageError(
            "pass the incoming user token with --assertion-file FILE (or - for stdin)".into(),
        )
        .into());
    };
    check_stdin(
        args.credential
            .stdin_inputs()
            .into_iter()
            .chain([("--assertion-file", Some(assertion_file.as_path()))]),
    )?;
    super::check_claims(args.token.claims.as_deref())?;
    let user_assertion = Assertion::new(read_secret(assertion_file, "user assertion")?);
    let Confidential { client, save } = confidential::client(
        context,
        &args.credential,
        args.cache.no_cache,
        "on-behalf-of tokens",
    )?;
    let params = OnBehalfOfParameters {
        user_assertion,
        scopes,
        claims: args.token.claims,
        // As for client credentials: the credential to save must meet the identity provider.
        force_refresh: args.token.force_refresh || save.is_some(),
        exchange: args.exchange.parameters(exchange_resource),
    };
    let result = client.acquire_token_on_behalf_of(&params).await?;
    if let Some(save) = save {
        save.commit(&result)?;
    }
    context.printer.token(&result)?;
    Ok(())
}
