"""One writer of a shared token cache through msal-extensions, as the Azure CLI and azure-identity
write it: PersistedTokenCache over FilePersistence (lock file `<cache>.lockfile`, in-place
truncating rewrites).

    python msal_extensions_writer.py CACHE CLIENT_ID [START_FILE]
    python msal_extensions_writer.py --slow-rewrite CACHE READY_FILE

Adds one app-only access token for CLIENT_ID (environment login.microsoftonline.com, realm
contoso.example, scope api://x/.default) through MSAL Python's `TokenCache.add`, which takes the
lock, reloads the file if it changed, and rewrites it. With START_FILE, waits until that file
exists first, so that many writers start at once. Prints nothing on success; exits 3 when
msal-extensions is not installed.

--slow-rewrite plays a writer caught in the middle of its in-place rewrite: under msal-extensions'
lock it truncates the file, writes half of it back, creates READY_FILE, waits a second, then writes
the rest, as a slow disk or a large cache would make FilePersistence.save look to a reader.
"""
import os
import sys
import time


def slow_rewrite(path, ready):
    from msal_extensions import CrossPlatLock
    with CrossPlatLock(path + ".lockfile"):
        with open(path, "rb") as handle:
            data = handle.read()
        with open(path, "r+b") as handle:
            handle.truncate(0)
            handle.write(data[: len(data) // 2])
            handle.flush()
            open(ready, "w").close()
            time.sleep(1)
            handle.write(data[len(data) // 2:])
    return 0


def main():
    if sys.argv[1] == "--slow-rewrite":
        try:
            return slow_rewrite(sys.argv[2], sys.argv[3])
        except ImportError as e:
            sys.stderr.write("msal-extensions is not installed for %s (%s)\n" % (sys.executable, e))
            return 3
    path, client_id = sys.argv[1], sys.argv[2]
    start = sys.argv[3] if len(sys.argv) > 3 else None
    try:
        from msal_extensions import FilePersistence, PersistedTokenCache
    except ImportError as e:
        sys.stderr.write(
            "msal-extensions is not installed for %s (%s): run `python3 -m venv .venv && "
            ".venv/bin/python3 -m pip install -r tests/requirements.txt`\n" % (sys.executable, e))
        return 3
    cache = PersistedTokenCache(FilePersistence(path))
    deadline = time.monotonic() + 30
    while start and not os.path.exists(start) and time.monotonic() < deadline:
        time.sleep(0.005)
    cache.add({
        "client_id": client_id,
        "scope": ["api://x/.default"],
        "token_endpoint": "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token",
        "grant_type": "client_credentials",
        "response": {
            "access_token": "msal-extensions-token-" + client_id,
            "token_type": "Bearer",
            "expires_in": 3600,
        },
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
