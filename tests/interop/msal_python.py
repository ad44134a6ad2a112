#!/usr/bin/env python3
"""MSAL Python's side of the cache interoperability tests (`tests/cli/interop.rs`).

The Rust tests run this script with one subcommand; it drives MSAL Python (PyPI `msal`) on the
same token cache file that the `msal` binary reads and writes, and prints what MSAL Python saw
as one JSON object per line on stdout.

It never prints a token, a refresh token or a secret: access tokens are reported as the SHA-256
(hex) of their text, which the tests compare with the SHA-256 of the token they expect.

Subcommands (common options: --cache FILE --authority URL --client-id ID):
  accounts
      get_accounts() of a PublicClientApplication on the cache (read only).
  silent --scope S... [--username U]
      get_accounts(username), then acquire_token_silent(scopes, account) with the first one;
      the cache file is written back only when MSAL Python refreshed (a cache hit writes
      nothing).
  device-flow --scope S...
      initiate_device_flow, print {"step": "started", ...}, wait for one line on stdin (the test
      approves the code at the identity provider meanwhile), acquire_token_by_device_flow, then
      write cache.serialize() to the cache file.
  client-credentials --scope S... --secret-file F
      ConfidentialClientApplication.acquire_token_for_client; writes the cache file back when
      MSAL Python changed it.
  managed-identity --resource R [--mi-client-id ID | --mi-object-id ID | --mi-resource-id ID]
      ManagedIdentityClient.acquire_token_for_client(resource=R), system-assigned unless an
      id is given; the platform comes from the environment (the tests point
      AZURE_POD_IDENTITY_AUTHORITY_HOST, or App Service's variables, at a stand-in). Writes the
      cache file back when MSAL Python changed it. --authority and --client-id are ignored.

The identity provider serves HTTPS with a test CA: `requests` trusts it through
REQUESTS_CA_BUNDLE, which the tests set. Only the standard library and `msal` are used.

Exit status: 0 when the subcommand ran (whatever MSAL Python answered: the JSON says), 3 when
MSAL Python is not installed, 1 on any other failure (its type and message on stderr).
"""

import argparse
import hashlib
import json
import os
import sys
import tempfile

MISSING_EXIT = 3
MSAL_VERSION = None


def emit(obj):
    if MSAL_VERSION:
        obj = dict(obj, msal_python_version=MSAL_VERSION)
    sys.stdout.write(json.dumps(obj, sort_keys=True) + "\n")
    sys.stdout.flush()


def sha256(text):
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text else None


def load_cache(msal, path):
    cache = msal.SerializableTokenCache()
    if os.path.exists(path):
        with open(path, "r", encoding="utf-8") as f:
            cache.deserialize(f.read())
    return cache


def save_cache(cache, path):
    """What an MSAL Python application does with its cache, written the safe way: a private
    temporary file in the same directory, renamed over the old one."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, mode=0o700, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".msal-python-", dir=directory)  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(cache.serialize())
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def describe_account(account):
    keys = ("username", "home_account_id", "environment", "realm", "local_account_id",
            "authority_type", "account_source")
    return {k: account.get(k) for k in keys}


def describe_result(result):
    """A token result without its secrets."""
    if result is None:
        return {"found": False}
    out = {
        "found": "access_token" in result,
        "token_source": result.get("token_source"),
        "token_type": result.get("token_type"),
        "access_token_sha256": sha256(result.get("access_token")),
        "error": result.get("error"),
        "error_description": result.get("error_description"),
    }
    claims = result.get("id_token_claims") or {}
    if claims:
        out["id_token_username"] = claims.get("preferred_username")
    return out


def public_app(msal, args, cache):
    return msal.PublicClientApplication(
        args.client_id,
        authority=args.authority,
        instance_discovery=False,  # a host Entra's instance discovery does not know
        token_cache=cache,
    )


def cmd_accounts(msal, args):
    cache = load_cache(msal, args.cache)
    app = public_app(msal, args, cache)
    emit({"accounts": [describe_account(a) for a in app.get_accounts()]})


def cmd_silent(msal, args):
    cache = load_cache(msal, args.cache)
    app = public_app(msal, args, cache)
    accounts = app.get_accounts(username=args.username)
    out = {"accounts": [describe_account(a) for a in accounts]}
    if accounts:
        result = app.acquire_token_silent(args.scope, account=accounts[0])
        if result and result.get("token_source") == "identity_provider":
            save_cache(cache, args.cache)
        out["result"] = describe_result(result)
    emit(out)


def cmd_device_flow(msal, args):
    cache = load_cache(msal, args.cache)
    app = public_app(msal, args, cache)
    flow = app.initiate_device_flow(scopes=args.scope)
    if "user_code" not in flow:
        emit({"step": "failed", "error": flow.get("error"),
              "error_description": flow.get("error_description")})
        return
    emit({"step": "started", "user_code": flow["user_code"],
          "verification_uri": flow.get("verification_uri"), "interval": flow.get("interval")})
    # The test approves the code at the identity provider, then says so.
    if not sys.stdin.readline():
        raise RuntimeError("stdin closed before the test approved the device code")
    result = app.acquire_token_by_device_flow(flow)
    if "access_token" in result:
        save_cache(cache, args.cache)
    accounts = app.get_accounts()
    emit({"step": "done", "result": describe_result(result),
          "accounts": [describe_account(a) for a in accounts]})


def cmd_client_credentials(msal, args):
    with open(args.secret_file, "r", encoding="utf-8") as f:
        secret = f.read().strip()
    cache = load_cache(msal, args.cache)
    app = msal.ConfidentialClientApplication(
        args.client_id,
        client_credential=secret,
        authority=args.authority,
        instance_discovery=False,
        token_cache=cache,
    )
    # MSAL Python >= 1.23 looks in the cache first.
    result = app.acquire_token_for_client(scopes=args.scope)
    if "access_token" in result and cache.has_state_changed:
        save_cache(cache, args.cache)
    emit({"result": describe_result(result)})


def cmd_managed_identity(msal, args):
    import requests  # MSAL Python's own dependency

    if args.mi_client_id:
        identity = msal.UserAssignedManagedIdentity(client_id=args.mi_client_id)
    elif args.mi_object_id:
        identity = msal.UserAssignedManagedIdentity(object_id=args.mi_object_id)
    elif args.mi_resource_id:
        identity = msal.UserAssignedManagedIdentity(resource_id=args.mi_resource_id)
    else:
        identity = msal.SystemAssignedManagedIdentity()
    cache = load_cache(msal, args.cache)
    client = msal.ManagedIdentityClient(
        identity, http_client=requests.Session(), token_cache=cache)
    result = client.acquire_token_for_client(resource=args.resource)
    if "access_token" in result and cache.has_state_changed:
        save_cache(cache, args.cache)
    emit({"result": describe_result(result)})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("accounts", "silent", "device-flow", "client-credentials", "managed-identity"):
        p = sub.add_parser(name)
        p.add_argument("--cache", required=True)
        p.add_argument("--authority", required=True)
        p.add_argument("--client-id", required=True)
        if name == "managed-identity":
            p.add_argument("--resource", required=True)
            for kind in ("client", "object", "resource"):
                p.add_argument("--mi-%s-id" % kind)
        elif name != "accounts":
            p.add_argument("--scope", action="append", required=True)
        if name == "silent":
            p.add_argument("--username")
        if name == "client-credentials":
            p.add_argument("--secret-file", required=True)
    args = parser.parse_args()

    try:
        import msal
    except ImportError as e:
        emit({"error": "msal_python_missing", "detail": str(e), "python": sys.executable})
        sys.stderr.write(
            "MSAL Python is not installed for %s (%s): run `python3 -m venv .venv && "
            ".venv/bin/python3 -m pip install -r tests/requirements.txt`\n"
            % (sys.executable, e))
        return MISSING_EXIT
    global MSAL_VERSION
    MSAL_VERSION = getattr(msal, "__version__", "unknown")

    handlers = {
        "accounts": cmd_accounts,
        "silent": cmd_silent,
        "device-flow": cmd_device_flow,
        "client-credentials": cmd_client_credentials,
        "managed-identity": cmd_managed_identity,
    }
    try:
        handlers[args.command](msal, args)
    except Exception as e:  # noqa: BLE001 - reported to the test, which fails
        # Type and message only: no traceback with local variables, which could hold tokens.
        sys.stderr.write("msal_python.py %s failed: %s: %s\n" % (args.command, type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
