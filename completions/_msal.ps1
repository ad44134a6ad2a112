
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'msal' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'msal'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'msal' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in a user in the browser (authorization code + PKCE), or with legacy methods')
            [CompletionResult]::new('device-code', 'device-code', [CompletionResultType]::ParameterValue, 'Sign in a user on another device with a code (device authorization grant)')
            [CompletionResult]::new('client-credentials', 'client-credentials', [CompletionResultType]::ParameterValue, 'Get an application''s own token with its secret, certificate or federated credential')
            [CompletionResult]::new('obo', 'obo', [CompletionResultType]::ParameterValue, 'Exchange a user''s token for a token to a downstream API (on-behalf-of)')
            [CompletionResult]::new('managed-identity', 'managed-identity', [CompletionResultType]::ParameterValue, 'Get a token of the platform''s managed identity (Azure VM, App Service, Functions, Arc, Cloud Shell, Service Fabric, Azure Machine Learning): no secret needed')
            [CompletionResult]::new('silent', 'silent', [CompletionResultType]::ParameterValue, 'Get a user''s token from the cache, refreshing it when needed, without interaction')
            [CompletionResult]::new('accounts', 'accounts', [CompletionResultType]::ParameterValue, 'List the accounts in the token cache, and choose the active one (--use)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the account `silent` would use, its tenant and cached tokens (exit 3 without a usable sign-in)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove an account''s tokens from the cache')
            [CompletionResult]::new('kubeconfig', 'kubeconfig', [CompletionResultType]::ParameterValue, 'Write or convert a kubeconfig user entry so that kubectl gets its token from msal')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Show the effective settings, where each came from, and where tokens are kept')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective settings, where each came from, and where tokens are kept')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish) or the man page')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'msal;login' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to request (repeatable); `openid profile offline_access` are always added')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to request (repeatable); `openid profile offline_access` are always added')
            [CompletionResult]::new('--extra-scope', '--extra-scope', [CompletionResultType]::ParameterName, 'Scopes of other resources to consent to now, without a token for them')
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'Loopback port for the redirect (default: any free port)')
            [CompletionResult]::new('--login-hint', '--login-hint', [CompletionResultType]::ParameterName, 'Pre-fill the username on the sign-in page')
            [CompletionResult]::new('--domain-hint', '--domain-hint', [CompletionResultType]::ParameterName, 'Skip home-realm discovery: `consumers`, `organizations` or a federated domain')
            [CompletionResult]::new('--prompt', '--prompt', [CompletionResultType]::ParameterName, '`select_account`, `login`, `consent` or `none`')
            [CompletionResult]::new('--claims', '--claims', [CompletionResultType]::ParameterName, 'A claims challenge (JSON) to satisfy')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Legacy: sign in with this username and a password read from stdin (no MFA; avoid)')
            [CompletionResult]::new('--refresh-token-file', '--refresh-token-file', [CompletionResultType]::ParameterName, 'Legacy: import a refresh token from FILE into the cache')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the sign-in URL instead of opening a browser; paste the final URL on stdin')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Legacy: read the password for --username from stdin')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;device-code' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to request (repeatable); `openid profile offline_access` are always added')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to request (repeatable); `openid profile offline_access` are always added')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--qr', '--qr', [CompletionResultType]::ParameterName, 'Also show the verification URL as a QR code')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;client-credentials' {
            [CompletionResult]::new('--claims', '--claims', [CompletionResultType]::ParameterName, 'A claims challenge (JSON) to satisfy; implies --force-refresh')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)')
            [CompletionResult]::new('--certificate', '--certificate', [CompletionResultType]::ParameterName, 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]')
            [CompletionResult]::new('--certificate-password-file', '--certificate-password-file', [CompletionResultType]::ParameterName, 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]')
            [CompletionResult]::new('--certificate-password', '--certificate-password', [CompletionResultType]::ParameterName, 'The PFX password itself (visible in the process list: prefer the file or the variable)')
            [CompletionResult]::new('--client-assertion-file', '--client-assertion-file', [CompletionResultType]::ParameterName, 'A signed client assertion (JWT) in FILE, read on every request')
            [CompletionResult]::new('--federated-token-file', '--federated-token-file', [CompletionResultType]::ParameterName, 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]')
            [CompletionResult]::new('--mi-client-id', '--mi-client-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]')
            [CompletionResult]::new('--mi-object-id', '--mi-object-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its object (principal) id')
            [CompletionResult]::new('--mi-resource-id', '--mi-resource-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)')
            [CompletionResult]::new('--client-auth-method', '--client-auth-method', [CompletionResultType]::ParameterName, 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post, unless the provider''s discovery document offers only client_secret_basic]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to request; Entra wants one `<resource>/.default`, e.g. https://graph.microsoft.com/.default')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to request; Entra wants one `<resource>/.default`, e.g. https://graph.microsoft.com/.default')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--force-refresh', '--force-refresh', [CompletionResultType]::ParameterName, 'Ask the identity provider even if the cache holds a valid token')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--send-certificate-chain', '--send-certificate-chain', [CompletionResultType]::ParameterName, 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]')
            [CompletionResult]::new('--github-oidc', '--github-oidc', [CompletionResultType]::ParameterName, 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)')
            [CompletionResult]::new('--managed-identity-assertion', '--managed-identity-assertion', [CompletionResultType]::ParameterName, 'Use a token of this machine''s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application''s id here, not the identity''s)')
            [CompletionResult]::new('--system-assigned', '--system-assigned', [CompletionResultType]::ParameterName, 'The system-assigned identity, even when AZURE_CLIENT_ID is set')
            [CompletionResult]::new('--save-secret', '--save-secret', [CompletionResultType]::ParameterName, 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option')
            [CompletionResult]::new('--forget-secret', '--forget-secret', [CompletionResultType]::ParameterName, 'Forget the credential kept by --save-secret for this client id and authority, and exit')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;obo' {
            [CompletionResult]::new('--claims', '--claims', [CompletionResultType]::ParameterName, 'A claims challenge (JSON) to satisfy; implies --force-refresh')
            [CompletionResult]::new('--assertion-file', '--assertion-file', [CompletionResultType]::ParameterName, 'The incoming user token, from FILE or stdin with `-`')
            [CompletionResult]::new('--client-secret-file', '--client-secret-file', [CompletionResultType]::ParameterName, 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]')
            [CompletionResult]::new('--client-secret', '--client-secret', [CompletionResultType]::ParameterName, 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)')
            [CompletionResult]::new('--certificate', '--certificate', [CompletionResultType]::ParameterName, 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]')
            [CompletionResult]::new('--certificate-password-file', '--certificate-password-file', [CompletionResultType]::ParameterName, 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]')
            [CompletionResult]::new('--certificate-password', '--certificate-password', [CompletionResultType]::ParameterName, 'The PFX password itself (visible in the process list: prefer the file or the variable)')
            [CompletionResult]::new('--client-assertion-file', '--client-assertion-file', [CompletionResultType]::ParameterName, 'A signed client assertion (JWT) in FILE, read on every request')
            [CompletionResult]::new('--federated-token-file', '--federated-token-file', [CompletionResultType]::ParameterName, 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]')
            [CompletionResult]::new('--mi-client-id', '--mi-client-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]')
            [CompletionResult]::new('--mi-object-id', '--mi-object-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its object (principal) id')
            [CompletionResult]::new('--mi-resource-id', '--mi-resource-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)')
            [CompletionResult]::new('--client-auth-method', '--client-auth-method', [CompletionResultType]::ParameterName, 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post, unless the provider''s discovery document offers only client_secret_basic]')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope of the downstream API (repeatable)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope of the downstream API (repeatable)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--force-refresh', '--force-refresh', [CompletionResultType]::ParameterName, 'Ask the identity provider even if the cache holds a valid token')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--send-certificate-chain', '--send-certificate-chain', [CompletionResultType]::ParameterName, 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]')
            [CompletionResult]::new('--github-oidc', '--github-oidc', [CompletionResultType]::ParameterName, 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)')
            [CompletionResult]::new('--managed-identity-assertion', '--managed-identity-assertion', [CompletionResultType]::ParameterName, 'Use a token of this machine''s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application''s id here, not the identity''s)')
            [CompletionResult]::new('--system-assigned', '--system-assigned', [CompletionResultType]::ParameterName, 'The system-assigned identity, even when AZURE_CLIENT_ID is set')
            [CompletionResult]::new('--save-secret', '--save-secret', [CompletionResultType]::ParameterName, 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option')
            [CompletionResult]::new('--forget-secret', '--forget-secret', [CompletionResultType]::ParameterName, 'Forget the credential kept by --save-secret for this client id and authority, and exit')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;managed-identity' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The scope, `<resource>/.default`, e.g. https://management.azure.com/.default')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'The scope, `<resource>/.default`, e.g. https://management.azure.com/.default')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'The resource itself, e.g. https://management.azure.com')
            [CompletionResult]::new('--claims', '--claims', [CompletionResultType]::ParameterName, 'A claims challenge (JSON) from a resource that revoked the token: get a new one')
            [CompletionResult]::new('--mi-client-id', '--mi-client-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]')
            [CompletionResult]::new('--mi-object-id', '--mi-object-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its object (principal) id')
            [CompletionResult]::new('--mi-resource-id', '--mi-resource-id', [CompletionResultType]::ParameterName, 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--force-refresh', '--force-refresh', [CompletionResultType]::ParameterName, 'Ask the platform even if the cache holds a valid token')
            [CompletionResult]::new('--no-cache', '--no-cache', [CompletionResultType]::ParameterName, 'Neither read nor write the token cache')
            [CompletionResult]::new('--system-assigned', '--system-assigned', [CompletionResultType]::ParameterName, 'The system-assigned identity, even when AZURE_CLIENT_ID is set')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;silent' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope to request (repeatable)')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope to request (repeatable)')
            [CompletionResult]::new('--claims', '--claims', [CompletionResultType]::ParameterName, 'A claims challenge (JSON) to satisfy; implies --force-refresh')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Pick the account by username (without it: the profile''s `account`, else the active account, else the only one)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'Pick the account by home account id')
            [CompletionResult]::new('--min-validity', '--min-validity', [CompletionResultType]::ParameterName, 'Refresh when less than this is left, e.g. 10m, 1h, 600 (seconds) [default: 5m]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--force-refresh', '--force-refresh', [CompletionResultType]::ParameterName, 'Ask the identity provider even if the cache holds a valid token')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;accounts' {
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Only accounts with this username')
            [CompletionResult]::new('--use', '--use', [CompletionResultType]::ParameterName, 'Make this account (a username or home account id) the application''s active account, which `silent` and `status` use when none is named')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;status' {
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'The account to show, by username (without it: the profile''s `account`, else the active account, else the only one)')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The account to show, by home account id')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;logout' {
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'The account''s username')
            [CompletionResult]::new('--account', '--account', [CompletionResultType]::ParameterName, 'The account''s home account id')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Every account')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;kubeconfig' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Scope of the cluster''s token (repeatable); for AKS with Entra ID 6dae42f8-4368-4678-94ff-3960e28e3630/.default')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'Scope of the cluster''s token (repeatable); for AKS with Entra ID 6dae42f8-4368-4678-94ff-3960e28e3630/.default')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'The kubeconfig file [env: KUBECONFIG (its first file)] [default: ~/.kube/config]')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The user entry to write, created when missing [default: the user of --context, else of the current context]')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The context whose user to convert; with --user, the context is pointed at that user')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--client-credentials', '--client-credentials', [CompletionResultType]::ParameterName, 'For a pipeline or a service principal: the entry runs `msal client-credentials` with the credential kubectl''s environment gives it (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE), and never interacts')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;doctor' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;config' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;completions' {
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Use this profile of the config file [env: MSAL_PROFILE]')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI''s public client')
            [CompletionResult]::new('--authority', '--authority', [CompletionResultType]::ParameterName, 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]')
            [CompletionResult]::new('--tenant', '--tenant', [CompletionResultType]::ParameterName, 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]')
            [CompletionResult]::new('--oidc-authority', '--oidc-authority', [CompletionResultType]::ParameterName, 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'What to print on stdout')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the identity provider on each request')
            [CompletionResult]::new('--ca-cert', '--ca-cert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too')
            [CompletionResult]::new('--keyring', '--keyring', [CompletionResultType]::ParameterName, 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]')
            [CompletionResult]::new('--no-instance-discovery', '--no-instance-discovery', [CompletionResultType]::ParameterName, 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Only errors on stderr')
            [CompletionResult]::new('--encrypt-cache', '--encrypt-cache', [CompletionResultType]::ParameterName, 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'msal;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Sign in a user in the browser (authorization code + PKCE), or with legacy methods')
            [CompletionResult]::new('device-code', 'device-code', [CompletionResultType]::ParameterValue, 'Sign in a user on another device with a code (device authorization grant)')
            [CompletionResult]::new('client-credentials', 'client-credentials', [CompletionResultType]::ParameterValue, 'Get an application''s own token with its secret, certificate or federated credential')
            [CompletionResult]::new('obo', 'obo', [CompletionResultType]::ParameterValue, 'Exchange a user''s token for a token to a downstream API (on-behalf-of)')
            [CompletionResult]::new('managed-identity', 'managed-identity', [CompletionResultType]::ParameterValue, 'Get a token of the platform''s managed identity (Azure VM, App Service, Functions, Arc, Cloud Shell, Service Fabric, Azure Machine Learning): no secret needed')
            [CompletionResult]::new('silent', 'silent', [CompletionResultType]::ParameterValue, 'Get a user''s token from the cache, refreshing it when needed, without interaction')
            [CompletionResult]::new('accounts', 'accounts', [CompletionResultType]::ParameterValue, 'List the accounts in the token cache, and choose the active one (--use)')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the account `silent` would use, its tenant and cached tokens (exit 3 without a usable sign-in)')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Remove an account''s tokens from the cache')
            [CompletionResult]::new('kubeconfig', 'kubeconfig', [CompletionResultType]::ParameterValue, 'Write or convert a kubeconfig user entry so that kubectl gets its token from msal')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Show the effective settings, where each came from, and where tokens are kept')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print shell completions (bash, zsh, fish, powershell, elvish) or the man page')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'msal;help;login' {
            break
        }
        'msal;help;device-code' {
            break
        }
        'msal;help;client-credentials' {
            break
        }
        'msal;help;obo' {
            break
        }
        'msal;help;managed-identity' {
            break
        }
        'msal;help;silent' {
            break
        }
        'msal;help;accounts' {
            break
        }
        'msal;help;status' {
            break
        }
        'msal;help;logout' {
            break
        }
        'msal;help;kubeconfig' {
            break
        }
        'msal;help;doctor' {
            break
        }
        'msal;help;completions' {
            break
        }
        'msal;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
