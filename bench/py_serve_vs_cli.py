#!/usr/bin/env python3
"""azure-identity getting a token two ways, timed in one Python process (bench/serve.sh):

  managed-identity  a fresh ManagedIdentityCredential per token, answered by `msal serve`
                    (IDENTITY_ENDPOINT/IDENTITY_HEADER in the environment); fresh, so MSAL
                    Python's in-memory token cache inside it never answers instead
  azure-cli         a fresh AzureCliCredential per token: a process per token, as with `az`;
                    here a stand-in `az` on PATH that runs `msal silent -o az` (a lower bound
                    for the real `az`, which takes hundreds of milliseconds)

Usage: py_serve_vs_cli.py RESOURCE EXPECTED_TOKEN_FILE MI_RUNS CLI_RUNS WARMUP
Prints one JSON object: per way, the samples' median, p99, mean, min, max in milliseconds.
Every token must be the one in EXPECTED_TOKEN_FILE (the cached one).
"""

import json
import statistics
import sys
import time

from azure.identity import AzureCliCredential, ManagedIdentityCredential


def percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    resource, expected_file = sys.argv[1], sys.argv[2]
    mi_runs, cli_runs, warmup = (int(a) for a in sys.argv[3:6])
    expected = open(expected_file).read().strip()
    scope = resource + "/.default"
    ways = {
        "managed-identity": (ManagedIdentityCredential, mi_runs),
        "azure-cli": (AzureCliCredential, cli_runs),
    }
    out = {}
    for name, (make, runs) in ways.items():
        samples = []
        for i in range(warmup + runs):
            started = time.perf_counter()
            credential = make()
            token = credential.get_token(scope).token
            elapsed = time.perf_counter() - started
            credential.close()
            if token != expected:
                sys.exit(f"{name} returned another token than the cached one")
            if i >= warmup:
                samples.append(elapsed * 1000)
        out[name] = {
            "runs": runs,
            "median": statistics.median(samples),
            "p99": percentile(samples, 99),
            "mean": statistics.fmean(samples),
            "min": min(samples),
            "max": max(samples),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
