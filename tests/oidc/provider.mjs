// A real, independent OpenID Connect provider for msal's end-to-end tests: the npm package
// `oidc-provider` (OpenID Certified), configured here and nowhere else.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// - Listens on 127.0.0.1 only, on an ephemeral port, and prints its issuer
//   (`http://127.0.0.1:PORT`) as the first line of stdout; nothing else goes to stdout.
// - Exits when its stdin closes, so a test that crashes never leaves it running.
// - CONFIG.json (written by tests/cli/support/oidc.rs):
//     clients                       oidc-provider client metadata (RFC 7591 names); a client may
//                                   carry `certificate_pem`, which becomes its registered `jwks`
//                                   (one key, `kid` = its RFC 7638 thumbprint, or
//                                   `certificate_kid` when given)
//     accounts                      [{ sub, ...claims }]: who can sign in (login = sub; any password)
//     token_endpoint_auth_methods   optional: the client authentication methods enabled and
//                                   advertised in discovery (default: oidc-provider's list)
//     issuer_host                   optional: the host in the issuer (default 127.0.0.1); a
//                                   different one makes discovery disagree with the address used
//     id_token_profile_claims       optional, default true: put the scope claims
//                                   (preferred_username, email…) in the ID token as well
//     scopes                        optional, default ["openid", "offline_access"]: the scopes
//                                   (besides the claim scopes profile and email) enabled and
//                                   listed in discovery's scopes_supported
//     refused_scopes                optional: an authorization request asking for one of these
//                                   is answered 400 invalid_scope, as Google answers one for
//                                   offline_access
//     refresh_without_id_token      optional: refresh answers carry no ID token (OpenID Connect
//                                   Core §12.2 allows it; glewlwyd does it)
//     issuer_paths                  optional, default [""]: serve one independent provider per
//                                   path on the same port (issuer `http://HOST:PORT/PATH`), as
//                                   Keycloak serves realms; the first line of stdout is then the
//                                   first path's issuer. Clients and accounts are the same in each.
//
// Beyond stock oidc-provider, for the tests only:
// - the token endpoint is strict about client authentication: a client must use exactly the
//   method it registered (oidc-provider itself treats client_secret_basic and client_secret_post
//   as interchangeable), so a test can prove which one msal used;
// - every authorization request's parameters, token endpoint exchange (the request's client
//   authentication, grant and PKCE verifier, the answer) and device authorization answer is kept
//   and served as JSON at GET /test/log;
// - an authorization request for offline_access without `prompt` is handled as if it had
//   prompt=consent, so a sign-in gets a refresh token as it does from Entra (see below);
// - the device authorization answer carries `interval: 1` (oidc-provider sends none, and RFC 8628
//   then means 5 s), so device-code tests do not wait.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createHash, createPublicKey, randomBytes } from 'node:crypto';
import { parse as parseQuery } from 'node:querystring';

import Provider from 'oidc-provider';

const configPath = process.argv[2];
if (!configPath) {
  process.stderr.write('usage: node provider.mjs CONFIG.json\n');
  process.exit(2);
}
const config = JSON.parse(readFileSync(configPath, 'utf8'));

// Stop when the test goes away: its end of our stdin closes.
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();

const server = createServer();
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', resolve);
});
const { port } = server.address();
const origin = `http://${config.issuer_host ?? '127.0.0.1'}:${port}`;
const issuerPaths = config.issuer_paths ?? [''];

/// RFC 7638: the SHA-256 of the key's required members, in lexicographic order, base64url.
function jwkThumbprint(jwk) {
  const required = jwk.kty === 'EC'
    ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
    : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

const accounts = new Map((config.accounts ?? []).map((account) => [account.sub, account]));

const clients = (config.clients ?? []).map(({ certificate_pem: pem, certificate_kid: kid, ...metadata }) => {
  if (pem) {
    // Registered as Keycloak, Okta and Auth0 register a key: a JWKS whose key has a `kid`, here
    // its RFC 7638 thumbprint (or `certificate_kid`, a name the provider chose), which is what a
    // client's assertion must name.
    const jwk = createPublicKey(pem).export({ format: 'jwk' });
    metadata.jwks = { keys: [{ ...jwk, kid: kid ?? jwkThumbprint(jwk), use: 'sig' }] };
  }
  return metadata;
});

const log = [];

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    clients,
    async findAccount(_ctx, sub) {
      const account = accounts.get(sub);
      if (!account) {
        return undefined;
      }
      return { accountId: sub, async claims() { return { ...account, sub }; } };
    },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    conformIdTokenClaims: !(config.id_token_profile_claims ?? true),
    ...(config.scopes ? { scopes: config.scopes } : {}),
    ...(config.token_endpoint_auth_methods
      ? { clientAuthMethods: config.token_endpoint_auth_methods }
      : {}),
    features: {
      clientCredentials: { enabled: true },
      deviceFlow: { enabled: true },
      devInteractions: { enabled: true },
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: 3600,
      ClientCredentials: 3600,
      DeviceCode: 600,
      IdToken: 3600,
      RefreshToken: 86400,
    },
  });

  /// What client authentication a token request used (OpenID Connect Core §9 names).
  function authMethod(headers, body) {
    if (headers.authorization !== undefined) {
      return /^basic /i.test(headers.authorization) ? 'client_secret_basic' : 'unknown';
    }
    if (body.client_secret !== undefined) {
      return 'client_secret_post';
    }
    if (body.client_assertion !== undefined) {
      return 'client_assertion';
    }
    return 'none';
  }

  /// The client id a token request claims, by the means it authenticated with.
  function claimedClientId(headers, body) {
    if (/^basic /i.test(headers.authorization ?? '')) {
      const basic = Buffer.from(headers.authorization.slice(6).trim(), 'base64').toString('utf8');
      const id = basic.slice(0, Math.max(basic.indexOf(':'), 0));
      try {
        return decodeURIComponent(id.replace(/\+/g, '%20'));
      } catch {
        return undefined;
      }
    }
    if (body.client_assertion !== undefined) {
      try {
        const payload = body.client_assertion.split('.')[1];
        return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')).sub;
      } catch {
        return undefined;
      }
    }
    return body.client_id;
  }

  /// The header and claims of a JWT, unverified (oidc-provider verifies it; this only records).
  function jwtParts(jwt) {
    try {
      const [header, claims] = jwt.split('.').slice(0, 2)
        .map((part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')));
      return { header, claims };
    } catch {
      return undefined;
    }
  }

  async function readBody(req) {
    const chunks = [];
    for await (const chunk of req) {
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  provider.use(async (ctx, next) => {
      if (ctx.method === 'GET' && ctx.path === '/auth') {
      // OpenID Connect Core §11: offline_access needs prompt=consent "unless other conditions for
      // processing the request permitting offline access … are in place". Here they are (native
      // clients always see the consent page, which names offline access), as with Entra, which
      // issues refresh tokens for offline_access without prompt=consent; oidc-provider would
      // otherwise drop offline_access and issue no refresh token.
      const query = new URLSearchParams(ctx.querystring);
      log.push({ issuer, authorization_request: Object.fromEntries(query) });
      const refused = (query.get('scope') ?? '').split(' ')
        .find((scope) => (config.refused_scopes ?? []).includes(scope));
      if (refused !== undefined) {
        ctx.status = 400;
        ctx.body = { error: 'invalid_scope', error_description: `Some requested scopes were invalid: ${refused}` };
        return;
      }
      if (query.get('scope')?.split(' ').includes('offline_access') && !query.has('prompt')) {
        query.set('prompt', 'consent');
        ctx.querystring = query.toString();
      }
    }

    if (ctx.method === 'POST' && ctx.path === '/token') {
      const raw = await readBody(ctx.req);
      // oidc-provider reads an already-read body from here (with a one-time notice on stderr).
      ctx.req.body = raw;
      const body = parseQuery(raw);
      const used = authMethod(ctx.headers, body);
      const clientId = claimedClientId(ctx.headers, body);
      const entry = {
        issuer,
        grant_type: body.grant_type,
        client_id: clientId,
        auth_method: used,
        scope: body.scope,
        client_info: body.client_info,
        code: body.code,
        code_verifier: body.code_verifier,
        redirect_uri: body.redirect_uri,
      };
      if (body.client_assertion !== undefined) {
        entry.client_assertion = jwtParts(body.client_assertion);
      }
      log.push(entry);

      const client = clientId === undefined ? undefined : await provider.Client.find(clientId);
      const registered = client?.clientAuthMethod;
      const expected = ['private_key_jwt', 'client_secret_jwt'].includes(registered)
        ? 'client_assertion'
        : registered;
      if (client && used !== expected) {
        ctx.status = 401;
        ctx.body = {
          error: 'invalid_client',
          error_description: `client ${clientId} is registered for ${registered} but used ${used}`,
        };
        entry.status = ctx.status;
        entry.response = ctx.body;
        return;
      }

      await next();
      if (config.refresh_without_id_token && body.grant_type === 'refresh_token'
          && ctx.body?.id_token !== undefined) {
        const { id_token: _dropped, ...rest } = ctx.body;
        ctx.body = rest;
      }
      entry.status = ctx.status;
      entry.response = ctx.body;
      return;
    }

    await next();

    if (ctx.method === 'POST' && ctx.path === '/device/auth' && ctx.status === 200) {
      ctx.body = { ...ctx.body, interval: 1 };
      log.push({ issuer, device_authorization: ctx.body });
    }
  });

  return provider;
}

// One provider per issuer path, the longest path first, each given the request with its path
// stripped (oidc-provider finds its mount path from `originalUrl`).
const providers = issuerPaths
  .map((path) => [path, makeProvider(`${origin}${path}`).callback()])
  .sort(([a], [b]) => b.length - a.length);
server.on('request', (req, res) => {
  if (req.method === 'GET' && req.url === '/test/log') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(log));
    return;
  }
  for (const [path, callback] of providers) {
    const rest = req.url.slice(path.length);
    if (req.url.startsWith(path) && (path === '' || rest === '' || /^[/?]/.test(rest))) {
      req.originalUrl = req.url;
      // oidc-provider finds its mount path by looking for the request's URL in originalUrl,
      // which fails once a middleware has changed the query (the prompt=consent above); then
      // it falls back to baseUrl.
      req.baseUrl = path;
      req.url = rest === '' ? '/' : rest;
      callback(req, res);
      return;
    }
  }
  res.statusCode = 404;
  res.end();
});
process.stdout.write(`${origin}${issuerPaths[0]}\n`);
