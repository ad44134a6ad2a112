#!/usr/bin/env python3
"""Counts the requests one command makes to the benchmark's identity provider.

    count_requests.py BASE_URL CA_PEM -- COMMAND [ARGS...]

Zeroes the provider's counters (POST /_reset), runs COMMAND (stdout discarded, stderr shown),
reads GET /_stats, and prints {"exit": N, "total": N, "counts": {"METHOD path": N}} as JSON.
"""
import json
import ssl
import subprocess
import sys
import urllib.request


def call(base, ctx, method, path):
    req = urllib.request.Request(base + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(req, context=ctx, timeout=10) as resp:
        return json.load(resp)


def main():
    if len(sys.argv) < 5 or sys.argv[3] != "--":
        sys.exit(__doc__)
    base, ca, command = sys.argv[1], sys.argv[2], sys.argv[4:]
    ctx = ssl.create_default_context(cafile=ca)
    call(base, ctx, "POST", "/_reset")
    code = subprocess.run(command, stdout=subprocess.DEVNULL).returncode
    stats = call(base, ctx, "GET", "/_stats")
    print(json.dumps({"exit": code, "total": stats["total"], "counts": stats["counts"]}))


if __name__ == "__main__":
    main()
