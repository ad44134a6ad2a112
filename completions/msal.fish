# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_msal_global_optspecs
    string join \n profile= client-id= authority= tenant= oidc-authority= no-instance-discovery cache= o/output= timeout= ca-cert= v/verbose q/quiet keyring= encrypt-cache h/help V/version
end

function __fish_msal_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_msal_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_msal_using_subcommand
    set -l cmd (__fish_msal_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c msal -n "__fish_msal_needs_command" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_needs_command" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_needs_command" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_needs_command" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_needs_command" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_needs_command" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_needs_command" -s o -l output -d 'What to print on stdout' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'
table\t'A table for people (`accounts`, `doctor`)'"
complete -c msal -n "__fish_msal_needs_command" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_needs_command" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_needs_command" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_needs_command" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_needs_command" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_needs_command" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_needs_command" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_needs_command" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_needs_command" -f -a "login" -d 'Sign in a user in the browser (authorization code + PKCE), or with legacy methods'
complete -c msal -n "__fish_msal_needs_command" -f -a "device-code" -d 'Sign in a user on another device with a code (device authorization grant)'
complete -c msal -n "__fish_msal_needs_command" -f -a "client-credentials" -d 'Get an application\'s own token with its secret, certificate or federated credential'
complete -c msal -n "__fish_msal_needs_command" -f -a "obo" -d 'Exchange a user\'s token for a token to a downstream API (on-behalf-of; RFC 8693 token exchange with other OpenID providers)'
complete -c msal -n "__fish_msal_needs_command" -f -a "managed-identity" -d 'Get a token of the platform\'s managed identity (Azure VM, App Service, Functions, Arc, Cloud Shell, Service Fabric, Azure Machine Learning): no secret needed'
complete -c msal -n "__fish_msal_needs_command" -f -a "silent" -d 'Get a user\'s token from the cache, refreshing it when needed, without interaction'
complete -c msal -n "__fish_msal_needs_command" -f -a "accounts" -d 'List the accounts in the token cache, and choose the active one (--use)'
complete -c msal -n "__fish_msal_needs_command" -f -a "status" -d 'Show the account `silent` would use, its tenant and cached tokens (exit 3 without a usable sign-in)'
complete -c msal -n "__fish_msal_needs_command" -f -a "logout" -d 'Remove an account\'s tokens from the cache'
complete -c msal -n "__fish_msal_needs_command" -f -a "serve" -d 'Serve the signed-in user\'s tokens to Azure SDKs on this machine: a loopback managed-identity endpoint (App Service\'s protocol), for one COMMAND or until stopped'
complete -c msal -n "__fish_msal_needs_command" -f -a "kubeconfig" -d 'Write or convert a kubeconfig user entry so that kubectl gets its token from msal'
complete -c msal -n "__fish_msal_needs_command" -f -a "doctor" -d 'Show the effective settings, where each came from, and where tokens are kept'
complete -c msal -n "__fish_msal_needs_command" -f -a "config" -d 'Show the effective settings, where each came from, and where tokens are kept'
complete -c msal -n "__fish_msal_needs_command" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish) or the man page'
complete -c msal -n "__fish_msal_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c msal -n "__fish_msal_using_subcommand login" -s s -l scope -d 'Scope to request (repeatable); `openid profile` are added, and `offline_access` where the provider supports it' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l resource -d 'The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l extra-scope -d 'Scopes of other resources to consent to now, without a token for them' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l port -d 'Loopback port for the default redirect URI (default: any free port)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l redirect-uri -d 'The redirect URI the application registered [env: MSAL_REDIRECT_URI]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l auth-param -d 'Add KEY=VALUE to the authorization request (repeatable), for providers that need more, e.g. Google\'s --auth-param access_type=offline for a refresh token; also the profile\'s auth_params table' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l login-hint -d 'Pre-fill the username on the sign-in page' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l domain-hint -d 'Skip home-realm discovery: `consumers`, `organizations` or a federated domain' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l prompt -d '`select_account`, `login`, `consent` or `none`' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l claims -d 'A claims challenge (JSON) to satisfy' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l username -d 'Legacy: sign in with this username and a password read from stdin (no MFA; avoid)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l refresh-token-file -d 'Legacy: import a refresh token from FILE into the cache' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand login" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand login" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand login" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -s o -l output -d 'What to print on stdout [default: token]' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand login" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand login" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand login" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand login" -l no-browser -d 'Print the sign-in URL instead of opening a browser; paste the final URL on stdin'
complete -c msal -n "__fish_msal_using_subcommand login" -l password-stdin -d 'Legacy: read the password for --username from stdin'
complete -c msal -n "__fish_msal_using_subcommand login" -l no-offline-access -d 'Do not ask for offline_access (a refresh token) [env: MSAL_OFFLINE_ACCESS=false] [default: ask at Entra ID, and at other providers whose discovery document lists it or lists no scopes]'
complete -c msal -n "__fish_msal_using_subcommand login" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand login" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand login" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand login" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand login" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand login" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand login" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand login" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand login" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand login" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand login" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand device-code" -s s -l scope -d 'Scope to request (repeatable); `openid profile` are added, and `offline_access` where the provider supports it' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l resource -d 'The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand device-code" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand device-code" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand device-code" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -s o -l output -d 'What to print on stdout [default: token]' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand device-code" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand device-code" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand device-code" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand device-code" -l qr -d 'Also show the verification URL as a QR code'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l no-offline-access -d 'Do not ask for offline_access (a refresh token) [env: MSAL_OFFLINE_ACCESS=false] [default: ask at Entra ID, and at other providers whose discovery document lists it or lists no scopes]'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand device-code" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand device-code" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand device-code" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand device-code" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand device-code" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l resource -d 'The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l claims -d 'A claims challenge (JSON) to satisfy; implies --force-refresh' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -s s -l scope -d 'Scope to request; Entra wants one `<resource>/.default`, e.g. https://graph.microsoft.com/.default; other providers take any (or none, for the client\'s default scopes)' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -s o -l output -d 'What to print on stdout [default: token]' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l force-refresh -d 'Ask the identity provider even if the cache holds a valid token'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l no-cache -d 'Neither read nor write the token cache'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand client-credentials" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand obo" -l claims -d 'A claims challenge (JSON) to satisfy; implies --force-refresh' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l assertion-file -d 'The incoming user token, from FILE or stdin with `-`' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l subject-token-type -d 'The type of the incoming token: a URN, or access_token, refresh_token, id_token, jwt, saml1, saml2 [default: access_token]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l requested-token-type -d 'The type of token wanted, when not the provider\'s default (same names as above)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l audience -d 'The logical name of the service the token is for (with or instead of --scope)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand obo" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand obo" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand obo" -s s -l scope -d 'Scope of the downstream API (repeatable)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l resource -d 'The downstream API: short for --scope RESOURCE/.default with Entra ID, the `resource` of a token exchange (RFC 8693 §2.1, with or instead of --scope) with other OpenID providers' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -s o -l output -d 'What to print on stdout [default: token]' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand obo" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand obo" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand obo" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand obo" -l force-refresh -d 'Ask the identity provider even if the cache holds a valid token'
complete -c msal -n "__fish_msal_using_subcommand obo" -l no-cache -d 'Neither read nor write the token cache'
complete -c msal -n "__fish_msal_using_subcommand obo" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand obo" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand obo" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand obo" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand obo" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand obo" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand obo" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand obo" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand obo" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand obo" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand obo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand obo" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -s s -l scope -d 'The scope, `<resource>/.default`, e.g. https://management.azure.com/.default' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l resource -d 'The resource itself, e.g. https://management.azure.com' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l claims -d 'A claims challenge (JSON) from a resource that revoked the token: get a new one' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -s o -l output -d 'What to print on stdout [default: token]' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l force-refresh -d 'Ask the platform even if the cache holds a valid token'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l no-cache -d 'Neither read nor write the token cache'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand managed-identity" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand silent" -s s -l scope -d 'Scope to request (repeatable)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l resource -d 'The resource, as `az` takes it: short for --scope RESOURCE/.default (Entra ID)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l claims -d 'A claims challenge (JSON) to satisfy; implies --force-refresh' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l username -d 'Pick the account by username (without it: the profile\'s `account`, else the active account, else the only one)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l account -d 'Pick the account by home account id' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l min-validity -d 'Refresh when less than this is left, e.g. 10m, 1h, 600 (seconds) [default: 5m]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand silent" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand silent" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand silent" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -s o -l output -d 'What to print on stdout [default: token]' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand silent" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand silent" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand silent" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand silent" -l force-refresh -d 'Ask the identity provider even if the cache holds a valid token'
complete -c msal -n "__fish_msal_using_subcommand silent" -l no-offline-access -d 'Do not ask for offline_access (a refresh token) [env: MSAL_OFFLINE_ACCESS=false] [default: ask at Entra ID, and at other providers whose discovery document lists it or lists no scopes]'
complete -c msal -n "__fish_msal_using_subcommand silent" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand silent" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand silent" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand silent" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand silent" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand silent" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand silent" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand silent" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand silent" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand silent" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand silent" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand silent" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand accounts" -l username -d 'Only accounts with this username' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l use -d 'Make this account (a username or home account id) the application\'s active account, which `silent` and `status` use when none is named' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand accounts" -s o -l output -d 'What to print on stdout: table, json or none [default: table]' -r -f -a "table\t'A table for people (`accounts`, `doctor`)'
json\t'A JSON object with the token and its metadata'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand accounts" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand accounts" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand accounts" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand accounts" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand accounts" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand accounts" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand accounts" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand accounts" -s h -l help -d 'Print help'
complete -c msal -n "__fish_msal_using_subcommand accounts" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand status" -l username -d 'The account to show, by username (without it: the profile\'s `account`, else the active account, else the only one)' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l account -d 'The account to show, by home account id' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand status" -s o -l output -d 'What to print on stdout: table, json or none [default: table]' -r -f -a "table\t'A table for people (`accounts`, `doctor`)'
json\t'A JSON object with the token and its metadata'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand status" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand status" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand status" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand status" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand status" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand status" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand status" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand status" -s h -l help -d 'Print help'
complete -c msal -n "__fish_msal_using_subcommand status" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand logout" -l username -d 'The account\'s username' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l account -d 'The account\'s home account id' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand logout" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand logout" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand logout" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -s o -l output -d 'What to print on stdout: json or none [default: none]' -r -f -a "json\t'A JSON object with the token and its metadata'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand logout" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand logout" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand logout" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand logout" -l all -d 'Every account'
complete -c msal -n "__fish_msal_using_subcommand logout" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand logout" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand logout" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand logout" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand logout" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand logout" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand logout" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand logout" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand logout" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand logout" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand logout" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand serve" -l port -d 'Port on 127.0.0.1 (default: any free port)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l username -d 'Serve this account\'s tokens (needed only when the cache holds several)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l account -d 'Serve the tokens of the account with this home account id' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l allow-resource -d 'Serve only this resource, e.g. https://vault.azure.net (repeatable; default: any)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l client-secret-file -d 'Read the client secret from FILE, or from stdin with `-` [env: AZURE_CLIENT_SECRET]' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -l client-secret -d 'The client secret itself (visible to other users in the process list: prefer --client-secret-file or AZURE_CLIENT_SECRET)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l certificate -d 'Certificate with its private key: PEM (key + certificate) or PFX/PKCS#12 [env: AZURE_CLIENT_CERTIFICATE_PATH]' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -l certificate-password-file -d 'Read the PFX password from FILE, or stdin with `-` [env: AZURE_CLIENT_CERTIFICATE_PASSWORD]' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -l certificate-password -d 'The PFX password itself (visible in the process list: prefer the file or the variable)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l client-assertion-file -d 'A signed client assertion (JWT) in FILE, read on every request' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -l federated-token-file -d 'A federated token in FILE (e.g. Kubernetes workload identity), re-read on every request [env: AZURE_FEDERATED_TOKEN_FILE]' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -l mi-client-id -d 'A user-assigned managed identity, by its client id [env: AZURE_CLIENT_ID, for `msal managed-identity`]' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l mi-object-id -d 'A user-assigned managed identity, by its object (principal) id' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l mi-resource-id -d 'A user-assigned managed identity, by its Azure resource id (/subscriptions/…/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l client-auth-method -d 'How to send a client secret: `post` (in the request body, as Entra ID and MSAL do) or `basic` (HTTP Basic authentication) [default: post for Entra ID; basic for other providers, unless their discovery document offers only client_secret_post]' -r -f -a "post\t'client_secret_post: in the request body'
basic\t'client_secret_basic: HTTP Basic authentication'"
complete -c msal -n "__fish_msal_using_subcommand serve" -l key-id -d 'The `kid` header of certificate assertions (private_key_jwt): the name the provider gave the registered key [env: MSAL_KEY_ID] [default: the key\'s RFC 7638 JWK thumbprint; none for Entra ID, which finds the key by x5t#S256]' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l signing-alg -d 'The algorithm that signs certificate assertions [env: MSAL_SIGNING_ALG] [default: from the key and the provider\'s token_endpoint_auth_signing_alg_values_supported: RS256 for RSA keys (PS256 for Entra ID), ES256 for P-256 keys]' -r -f -a "RS256\t'RSASSA-PKCS1-v1_5 with SHA-256 (RSA keys)'
PS256\t'RSASSA-PSS with SHA-256 (RSA keys)'
ES256\t'ECDSA on P-256 with SHA-256 (P-256 keys)'"
complete -c msal -n "__fish_msal_using_subcommand serve" -l assertion-audience -d 'The `aud` of certificate assertions: the token endpoint, as most providers document, or the issuer, as the errata of OpenID Connect Core §9 ask [env: MSAL_ASSERTION_AUDIENCE] [default: token-endpoint]' -r -f -a "token-endpoint\t'The provider\'s token endpoint'
issuer\t'The provider\'s issuer identifier'"
complete -c msal -n "__fish_msal_using_subcommand serve" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -s o -l output -d 'What to print on stdout' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'
table\t'A table for people (`accounts`, `doctor`)'"
complete -c msal -n "__fish_msal_using_subcommand serve" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand serve" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand serve" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand serve" -l strict-identity -d 'Refuse requests that name another identity (client_id, object_id, mi_res_id) instead of serving msal\'s identity whatever they name'
complete -c msal -n "__fish_msal_using_subcommand serve" -l app -d 'Serve the application\'s own tokens (client credentials) rather than a user\'s; implied by any client credential option. The credential may also come from AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE'
complete -c msal -n "__fish_msal_using_subcommand serve" -l managed-identity -d 'Relay the host\'s managed identity (chosen with --mi-client-id, --mi-object-id or --mi-resource-id; system-assigned by default) rather than a user\'s or the application\'s tokens: for a program that cannot reach the platform\'s endpoint, or should not hold its secret'
complete -c msal -n "__fish_msal_using_subcommand serve" -l send-certificate-chain -d 'Send the certificate chain (x5c) for subject-name/issuer authentication [env: AZURE_CLIENT_SEND_CERTIFICATE_CHAIN]'
complete -c msal -n "__fish_msal_using_subcommand serve" -l github-oidc -d 'Use a fresh GitHub Actions OIDC token as the client assertion (needs `permissions: id-token: write`)'
complete -c msal -n "__fish_msal_using_subcommand serve" -l managed-identity-assertion -d 'Use a token of this machine\'s managed identity (for api://AzureADTokenExchange) as the client assertion: the app registration trusts the identity as a federated credential. The identity is system-assigned unless --mi-client-id, --mi-object-id or --mi-resource-id names one (AZURE_CLIENT_ID is the application\'s id here, not the identity\'s)'
complete -c msal -n "__fish_msal_using_subcommand serve" -l system-assigned -d 'The system-assigned identity, even when AZURE_CLIENT_ID is set'
complete -c msal -n "__fish_msal_using_subcommand serve" -l save-secret -d 'Keep the client secret (or certificate and its password) in the OS keyring for later runs with this client id and authority, which then need no credential option'
complete -c msal -n "__fish_msal_using_subcommand serve" -l forget-secret -d 'Forget the credential kept by --save-secret for this client id and authority, and exit'
complete -c msal -n "__fish_msal_using_subcommand serve" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand serve" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand serve" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand serve" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand serve" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -s s -l scope -d 'Scope of the cluster\'s token (repeatable); for AKS with Entra ID 6dae42f8-4368-4678-94ff-3960e28e3630/.default' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l kubeconfig -d 'The kubeconfig file [env: KUBECONFIG (its first file)] [default: ~/.kube/config]' -r -F
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l user -d 'The user entry to write, created when missing [default: the user of --context, else of the current context]' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l context -d 'The context whose user to convert; with --user, the context is pointed at that user' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -s o -l output -d 'What to print on stdout' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'
table\t'A table for people (`accounts`, `doctor`)'"
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l client-credentials -d 'For a pipeline or a service principal: the entry runs `msal client-credentials` with the credential kubectl\'s environment gives it (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE), and never interacts'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -s h -l help -d 'Print help'
complete -c msal -n "__fish_msal_using_subcommand kubeconfig" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand doctor" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand doctor" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand doctor" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand doctor" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand doctor" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand doctor" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand doctor" -s o -l output -d 'What to print on stdout: table, json or none [default: table]' -r -f -a "table\t'A table for people (`accounts`, `doctor`)'
json\t'A JSON object with the token and its metadata'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand doctor" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand doctor" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand doctor" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand doctor" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand doctor" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand doctor" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand doctor" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand doctor" -s h -l help -d 'Print help'
complete -c msal -n "__fish_msal_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand config" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand config" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand config" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand config" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand config" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand config" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand config" -s o -l output -d 'What to print on stdout: table, json or none [default: table]' -r -f -a "table\t'A table for people (`accounts`, `doctor`)'
json\t'A JSON object with the token and its metadata'
none\t'Nothing (warm the cache, check that a token can be had)'"
complete -c msal -n "__fish_msal_using_subcommand config" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand config" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand config" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand config" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand config" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand config" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand config" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand config" -s h -l help -d 'Print help'
complete -c msal -n "__fish_msal_using_subcommand config" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand completions" -l profile -d 'Use this profile of the config file [env: MSAL_PROFILE]' -r
complete -c msal -n "__fish_msal_using_subcommand completions" -l client-id -d 'Application (client) id [env: MSAL_CLIENT_ID, AZURE_CLIENT_ID]; user sign-ins default to the Azure CLI\'s public client' -r
complete -c msal -n "__fish_msal_using_subcommand completions" -l authority -d 'Authority URL, e.g. https://login.microsoftonline.com/contoso.onmicrosoft.com [env: MSAL_AUTHORITY] [default: https://login.microsoftonline.com/organizations]' -r
complete -c msal -n "__fish_msal_using_subcommand completions" -l tenant -d 'Tenant id or domain; shorthand for --authority {AZURE_AUTHORITY_HOST}/TENANT [env: AZURE_TENANT_ID]' -r
complete -c msal -n "__fish_msal_using_subcommand completions" -l oidc-authority -d 'A generic OpenID Connect issuer (discovery at URL/.well-known/openid-configuration) [env: MSAL_OIDC_AUTHORITY]' -r
complete -c msal -n "__fish_msal_using_subcommand completions" -l cache -d 'Token cache file [env: MSAL_CACHE] [default: <config dir>/msal/token_cache.json]' -r -F
complete -c msal -n "__fish_msal_using_subcommand completions" -s o -l output -d 'What to print on stdout' -r -f -a "token\t'The access token and a newline'
json\t'A JSON object with the token and its metadata'
env\t'`export` lines for `eval "$(msal … -o env)"`'
header\t'An `Authorization: Bearer …` header line'
az\t'The JSON shape of `az account get-access-token`'
exec-credential\t'A Kubernetes client.authentication.k8s.io/v1 ExecCredential'
none\t'Nothing (warm the cache, check that a token can be had)'
table\t'A table for people (`accounts`, `doctor`)'"
complete -c msal -n "__fish_msal_using_subcommand completions" -l timeout -d 'Seconds to wait for the identity provider on each request [default: 30]; given, it also bounds how long `msal login` waits for the sign-in (else 300)' -r
complete -c msal -n "__fish_msal_using_subcommand completions" -l ca-cert -d 'Extra trusted CA certificates (PEM) for TLS; SSL_CERT_FILE is honoured too' -r -F
complete -c msal -n "__fish_msal_using_subcommand completions" -l keyring -d 'Use of the OS keyring: auto (keyring, else a 0600 file with a notice), require (fail without a keyring), off (never) [env: MSAL_KEYRING]' -r -f -a "auto\t'The OS keyring when one works, else a 0600 file in the config directory'
require\t'The OS keyring or a clear failure'
off\t'Never the OS keyring'"
complete -c msal -n "__fish_msal_using_subcommand completions" -l no-instance-discovery -d 'Do not validate unfamiliar Entra hosts through instance discovery [env: MSAL_INSTANCE_DISCOVERY=false]'
complete -c msal -n "__fish_msal_using_subcommand completions" -s v -l verbose -d 'More diagnostics on stderr (-v, -vv); secrets are always redacted [env: MSAL_LOG]'
complete -c msal -n "__fish_msal_using_subcommand completions" -s q -l quiet -d 'Only errors on stderr'
complete -c msal -n "__fish_msal_using_subcommand completions" -l encrypt-cache -d 'Encrypt the token cache file with a key kept in the OS keyring (MSAL Python and the Azure CLI can then no longer read it) [env: MSAL_ENCRYPT_CACHE; =0 decrypts it again]'
complete -c msal -n "__fish_msal_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c msal -n "__fish_msal_using_subcommand completions" -s V -l version -d 'Print version'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "login" -d 'Sign in a user in the browser (authorization code + PKCE), or with legacy methods'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "device-code" -d 'Sign in a user on another device with a code (device authorization grant)'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "client-credentials" -d 'Get an application\'s own token with its secret, certificate or federated credential'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "obo" -d 'Exchange a user\'s token for a token to a downstream API (on-behalf-of; RFC 8693 token exchange with other OpenID providers)'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "managed-identity" -d 'Get a token of the platform\'s managed identity (Azure VM, App Service, Functions, Arc, Cloud Shell, Service Fabric, Azure Machine Learning): no secret needed'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "silent" -d 'Get a user\'s token from the cache, refreshing it when needed, without interaction'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "accounts" -d 'List the accounts in the token cache, and choose the active one (--use)'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "status" -d 'Show the account `silent` would use, its tenant and cached tokens (exit 3 without a usable sign-in)'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "logout" -d 'Remove an account\'s tokens from the cache'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "serve" -d 'Serve the signed-in user\'s tokens to Azure SDKs on this machine: a loopback managed-identity endpoint (App Service\'s protocol), for one COMMAND or until stopped'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "kubeconfig" -d 'Write or convert a kubeconfig user entry so that kubectl gets its token from msal'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "doctor" -d 'Show the effective settings, where each came from, and where tokens are kept'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "completions" -d 'Print shell completions (bash, zsh, fish, powershell, elvish) or the man page'
complete -c msal -n "__fish_msal_using_subcommand help; and not __fish_seen_subcommand_from login device-code client-credentials obo managed-identity silent accounts status logout serve kubeconfig doctor completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
