#!/usr/bin/env python3
"""A program that uses managed identity the way applications do, run by the `msal serve` tests as
`msal serve -- python3 serve_client.py RESOURCE SECRET_FILE CLIENT…`.

Each CLIENT gets a token for RESOURCE through the endpoint in IDENTITY_ENDPOINT/IDENTITY_HEADER:

  azure-mi       azure-identity's ManagedIdentityCredential
  azure-default  azure-identity's DefaultAzureCredential
  msal-mi        MSAL Python's ManagedIdentityClient (system-assigned)

Prints one JSON object on stdout: what the environment looked like (never the secret itself,
which goes to SECRET_FILE for the test to look for in msal's output), and per client either the
SHA-256 of the token it got or the error it raised, with its message. No token is printed.
"""

import hashlib
import json
import os
import sys


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


def azure(resource, default):
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    credential = DefaultAzureCredential() if default else ManagedIdentityCredential()
    with credential:
        token = credential.get_token(resource + "/.default")
    return {"ok": True, "sha256": digest(token.token), "expires_on": token.expires_on}


def msal_mi(resource):
    import msal
    import requests

    client = msal.ManagedIdentityClient(
        msal.SystemAssignedManagedIdentity(), http_client=requests.Session(), token_cache=None
    )
    result = client.acquire_token_for_client(resource=resource)
    if "access_token" in result:
        return {"ok": True, "sha256": digest(result["access_token"])}
    return {"ok": False, "type": result.get("error"), "message": result.get("error_description")}


def main():
    resource, secret_file, clients = sys.argv[1], sys.argv[2], sys.argv[3:]
    header = os.environ.get("IDENTITY_HEADER", "")
    with open(secret_file, "w") as f:
        f.write(header)
    env = {
        "endpoint": os.environ.get("IDENTITY_ENDPOINT"),
        "header_length": len(header),
        "NO_PROXY": os.environ.get("NO_PROXY"),
        "no_proxy": os.environ.get("no_proxy"),
        "present": sorted(
            name
            for name in (
                "MSI_ENDPOINT",
                "MSI_SECRET",
                "IMDS_ENDPOINT",
                "IDENTITY_SERVER_THUMBPRINT",
                "AZURE_POD_IDENTITY_AUTHORITY_HOST",
            )
            if name in os.environ
        ),
    }
    results = {}
    for client in clients:
        try:
            if client == "azure-mi":
                results[client] = azure(resource, default=False)
            elif client == "azure-default":
                results[client] = azure(resource, default=True)
            elif client == "msal-mi":
                results[client] = msal_mi(resource)
            else:
                raise ValueError(f"unknown client {client}")
        except Exception as e:  # what the program would see
            results[client] = {"ok": False, "type": type(e).__name__, "message": str(e)}
    print(json.dumps({"env": env, "results": results}))


if __name__ == "__main__":
    main()
