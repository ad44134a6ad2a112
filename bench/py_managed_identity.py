#!/usr/bin/env python3
"""MSAL Python's equivalent of `msal managed-identity` (system-assigned, IMDS).

    py_managed_identity.py CACHE RESOURCE

ManagedIdentityClient(SystemAssignedManagedIdentity()) with a SerializableTokenCache persisted
in CACHE (loaded if it exists, written back if it changed), acquire_token_for_client. IMDS is
wherever AZURE_POD_IDENTITY_AUTHORITY_HOST points (the benchmark's identity provider); the CA
in REQUESTS_CA_BUNDLE is trusted. Prints the token.
"""
import os
import sys

import msal
import requests


def main():
    cache_path, resource = sys.argv[1:3]
    cache = msal.SerializableTokenCache()
    if os.path.exists(cache_path):
        with open(cache_path) as f:
            cache.deserialize(f.read())
    client = msal.ManagedIdentityClient(
        msal.SystemAssignedManagedIdentity(), http_client=requests.Session(), token_cache=cache)
    result = client.acquire_token_for_client(resource=resource)
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
