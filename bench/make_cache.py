#!/usr/bin/env python3
"""Writes a token cache for the benchmark, in MSAL's unified schema, as MSAL Python writes it.

Every entry is produced by MSAL Python's own `TokenCache.add()` (the code path MSAL Python runs
after a token response), and the file is `SerializableTokenCache.serialize()`'s output, so its
shape is exactly what MSAL Python writes:

  * the benchmarked user (home_account_id uid.utid, environment 127.0.0.1, realm = the tenant
    GUID, --client-id, --username): AccessToken for --scope valid for an hour, RefreshToken,
    IdToken, Account, AppMetadata;
  * a few other signed-in users of the same app (each with AT, RT, IdT, Account);
  * filler access tokens of other scopes, for the benchmarked user and the others, until the
    cache holds --tokens access tokens in all. Secrets are JWT-shaped, about 1.5 KB each, like
    Entra's; a quarter of the fillers are expired.

Deterministic for a given --seed, apart from the timestamps (relative to now).
"""

import argparse
import base64
import json
import os
import random
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Tokens:
    def __init__(self, rng, base, tenant_id, client_id):
        self.rng = rng
        self.base = base
        self.tenant_id = tenant_id
        self.client_id = client_id

    def guid(self):
        return "%08x-%04x-4%03x-%04x-%012x" % (
            self.rng.getrandbits(32), self.rng.getrandbits(16), self.rng.getrandbits(12),
            0x8000 | self.rng.getrandbits(14), self.rng.getrandbits(48))

    def rand_b64(self, n):
        return b64url(self.rng.getrandbits(8 * n).to_bytes(n, "big"))

    def jwt(self, claims):
        header = {"typ": "JWT", "alg": "RS256",
                  "x5t": self.rand_b64(20), "kid": self.rand_b64(20)}
        return ".".join([b64url(json.dumps(header, separators=(",", ":")).encode()),
                         b64url(json.dumps(claims, separators=(",", ":")).encode()),
                         self.rand_b64(256)])

    def access_token(self, user, scope, now, lifetime):
        """An Entra-like v1 user access token (about 1.5 KB)."""
        resource, _, scp = scope.rpartition("/")
        first, _, last = user["username"].partition("@")[0].partition(".")
        return self.jwt({
            "aud": resource, "iss": f"https://sts.windows.net/{self.tenant_id}/",
            "iat": now, "nbf": now, "exp": now + lifetime,
            "acr": "1", "aio": self.rand_b64(32), "amr": ["pwd", "mfa"],
            "app_displayname": "msal benchmark", "appid": self.client_id, "appidacr": "0",
            "family_name": last.title() or "User", "given_name": first.title(),
            "idtyp": "user", "ipaddr": "203.0.113.%d" % self.rng.randrange(1, 255),
            "name": user["username"], "oid": user["uid"], "rh": "1.%s." % self.rand_b64(24),
            "scp": scp if scp != ".default" else "user_impersonation",
            "sub": self.rand_b64(32), "tid": self.tenant_id,
            "unique_name": user["username"], "upn": user["username"], "uti": self.rand_b64(16),
            "ver": "1.0", "xms_cc": ["CP1"],
        })

    def id_token(self, user, now):
        return self.jwt({
            "aud": self.client_id, "iss": f"{self.base}/{self.tenant_id}/v2.0",
            "iat": now, "nbf": now, "exp": now + 3600, "name": user["username"],
            "oid": user["uid"], "preferred_username": user["username"],
            "rh": "1.%s." % self.rand_b64(40), "sid": self.guid(), "sub": self.rand_b64(32),
            "tid": self.tenant_id, "uti": self.rand_b64(16), "ver": "2.0",
        })

    def refresh_token(self, user):
        # The benchmark's identity provider accepts "rt.<uid>.<utid>.<b64url username>.<random>".
        return "rt.%s.%s.%s.%s" % (user["uid"], self.tenant_id,
                                   b64url(user["username"].encode()), self.rand_b64(600))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    p.add_argument("--tokens", type=int, required=True, help="access tokens in all (>= 1)")
    p.add_argument("--tenant-id", required=True, help="the GUID the discovery names")
    p.add_argument("--client-id", required=True)
    p.add_argument("--username", required=True)
    p.add_argument("--scope", required=True, help="the scope the benchmark asks for")
    p.add_argument("--host", default="127.0.0.1", help="the authority's host (environment)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--print-user", action="store_true", help="print the user's AT secret")
    args = p.parse_args()
    if args.tokens < 1:
        p.error("--tokens must be at least 1")

    import msal  # MSAL Python writes the entries

    rng = random.Random(args.seed)
    base = f"https://{args.host}"
    token_endpoint = f"{base}/{args.tenant_id}/oauth2/v2.0/token"
    t = Tokens(rng, base, args.tenant_id, args.client_id)
    now = int(time.time())
    cache = msal.SerializableTokenCache()

    def sign_in(user, scope, at_secret, when, lifetime):
        """What MSAL Python stores after an authorization-code sign-in."""
        cache.add({
            "client_id": args.client_id,
            "scope": [scope],
            "token_endpoint": token_endpoint,
            "environment": args.host,
            "grant_type": "authorization_code",
            "params": {},
            "data": {},
            "response": {
                "token_type": "Bearer", "scope": scope, "expires_in": lifetime,
                "ext_expires_in": lifetime, "access_token": at_secret,
                "refresh_token": t.refresh_token(user), "id_token": t.id_token(user, when),
                "client_info": b64url(json.dumps(
                    {"uid": user["uid"], "utid": args.tenant_id}).encode()),
            },
        }, now=when)

    def add_access_token(user, scope, when, lifetime):
        """A later token for another scope: MSAL Python adds AT (+ rotated RT) after a refresh."""
        cache.add({
            "client_id": args.client_id,
            "scope": [scope],
            "token_endpoint": token_endpoint,
            "environment": args.host,
            "grant_type": "refresh_token",
            "params": {},
            "data": {},
            "skip_account_creation": True,
            "response": {
                "token_type": "Bearer", "scope": scope, "expires_in": lifetime,
                "ext_expires_in": lifetime,
                "access_token": t.access_token(user, scope, when, lifetime),
                "client_info": b64url(json.dumps(
                    {"uid": user["uid"], "utid": args.tenant_id}).encode()),
            },
        }, now=when)

    me = {"uid": t.guid(), "username": args.username}
    my_at = t.access_token(me, args.scope, now, 3600)
    sign_in(me, args.scope, my_at, now, 3600)

    others = []
    for i in range(min(20, (args.tokens - 1) // 5)):
        user = {"uid": t.guid(), "username": f"user{i:02d}.bench@contoso.example"}
        when = now - rng.randrange(0, 3000)
        scope = args.scope if i % 2 else "https://graph.microsoft.com/User.Read"
        sign_in(user, scope, t.access_token(user, scope, when, 3600), when, 3600)
        others.append(user)

    fillers = args.tokens - 1 - len(others)
    for i in range(fillers):
        user = me if (not others or i % 3 == 0) else others[i % len(others)]
        scope = rng.choice([
            f"api://{t.guid()}/.default",
            f"https://res{i}.contoso.example/user_impersonation",
            f"api://bench-api-{i}/Data.Read",
        ])
        # a quarter expired, the rest valid for 5..60 minutes
        if i % 4 == 3:
            when = now - 7200 - rng.randrange(0, 86400)
        else:
            when = now - rng.randrange(0, 3300)
        add_access_token(user, scope, when, 3600)

    count = len(cache._cache.get("AccessToken", {}))  # noqa: SLF001 (a check, not an API use)
    if count != args.tokens:
        sys.exit(f"make_cache: made {count} access tokens, wanted {args.tokens}")

    tmp = args.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(cache.serialize())
    os.chmod(tmp, 0o600)
    os.replace(tmp, args.out)
    if args.print_user:
        print(my_at)


if __name__ == "__main__":
    main()
