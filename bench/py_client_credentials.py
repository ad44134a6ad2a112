#!/usr/bin/env python3
"""MSAL Python's equivalent of `msal client-credentials` with a client secret.

    py_client_credentials.py CACHE AUTHORITY CLIENT_ID SECRET_FILE SCOPE [HTTP_CACHE]

ConfidentialClientApplication(..., instance_discovery=False) with a SerializableTokenCache
persisted in CACHE (loaded if it exists, written back if it changed), acquire_token_for_client. With HTTP_CACHE, MSAL Python's
`http_cache` is persisted there (pickle) so discovery is not fetched on every run. Prints the
token. Trusts the CA in REQUESTS_CA_BUNDLE.
"""
import os
import pickle
import sys

import msal


def main():
    cache_path, authority, client_id, secret_file, scope = sys.argv[1:6]
    http_cache_path = sys.argv[6] if len(sys.argv) > 6 else None
    cache = msal.SerializableTokenCache()
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache.deserialize(f.read())
    http_cache = None
    if http_cache_path:
        try:
            with open(http_cache_path, "rb") as f:
                http_cache = pickle.load(f)
        except (FileNotFoundError, EOFError, pickle.UnpicklingError):
            http_cache = {}
    with open(secret_file) as f:
        secret = f.read().strip()
    app = msal.ConfidentialClientApplication(
        client_id, client_credential=secret, authority=authority, token_cache=cache,
        instance_discovery=False, http_cache=http_cache)
    result = app.acquire_token_for_client([scope])
    if http_cache_path:
        tmp = http_cache_path + ".tmp"
        with open(tmp, "wb") as f:
            pickle.dump(http_cache, f)
        os.replace(tmp, http_cache_path)
    if "access_token" not in result:
        sys.stderr.write("error: %s\n" % result.get("error_description"))
        return 1
    if cache.has_state_changed:
        tmp = cache_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(cache.serialize())
        os.chmod(tmp, 0o600)
        os.replace(tmp, cache_path)
    print(result["access_token"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
