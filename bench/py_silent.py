#!/usr/bin/env python3
"""MSAL Python's equivalent of `msal silent`: a user's token from a persisted cache.

    py_silent.py CACHE AUTHORITY CLIENT_ID SCOPE USERNAME [HTTP_CACHE]

SerializableTokenCache loaded from CACHE (written back only if it changed),
PublicClientApplication(..., instance_discovery=False), acquire_token_silent. With HTTP_CACHE,
MSAL Python's `http_cache` is persisted there (pickle), as MSAL Python's docs suggest, so that
the discovery document is not fetched on every run (what the Azure CLI does). Prints the token.
Trusts the CA in REQUESTS_CA_BUNDLE. Exit 3 if no token could be had silently.
"""
import os
import pickle
import sys

import msal


def main():
    cache_path, authority, client_id, scope, username = sys.argv[1:6]
    http_cache_path = sys.argv[6] if len(sys.argv) > 6 else None
    cache = msal.SerializableTokenCache()
    with open(cache_path) as f:
        cache.deserialize(f.read())
    http_cache = None
    if http_cache_path:
        try:
            with open(http_cache_path, "rb") as f:
                http_cache = pickle.load(f)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            http_cache = {}
    app = msal.PublicClientApplication(
        client_id, authority=authority, token_cache=cache, instance_discovery=False,
        http_cache=http_cache)
    accounts = app.get_accounts(username=username)
    result = app.acquire_token_silent([scope], account=accounts[0]) if accounts else None
    if http_cache_path:
        tmp = http_cache_path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(http_cache, f)
        os.replace(tmp, http_cache_path)
    if not result or "access_token" not in result:
        sys.stderr.write("no token: %s\n" % (result and result.get("error_description")))
        return 3
    if cache.has_state_changed:
        tmp = cache_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(cache.serialize())
        os.replace(tmp, cache_path)
    print(result["access_token"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
