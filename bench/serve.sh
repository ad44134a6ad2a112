#!/usr/bin/env bash
# `msal serve` benchmark: warm requests over loopback with wrk (requests per second, p50/p99
# latency), and azure-identity getting a token through `msal serve` side by side with its
# AzureCliCredential path (a stand-in `az` that runs `msal silent -o az`), against the
# benchmark's TLS identity provider on 127.0.0.1 (bench/idp.py). Writes its section of
# bench/RESULTS.md (between the serve.sh markers; bench/render.py keeps it) and prints it.
#
#   bench/serve.sh                # full run (a minute or two, plus the release build)
#   BENCH_QUICK=1 bench/serve.sh  # smoke run
#
# Needs: wrk (Debian: `apt-get install -y wrk`), a Python with MSAL Python, cryptography and
# azure-identity (BENCH_PYTHON, default python3; `pip install -r tests/requirements.txt`), cargo.
#   MSAL_BIN=path    benchmark this binary instead of building target/release/msal
#   BENCH_OUT=path   where to write the section (default bench/RESULTS.md)
#   BENCH_KEEP=1     keep the temporary directory
# Nothing leaves 127.0.0.1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
quick=${BENCH_QUICK:-0}
out=${BENCH_OUT:-$here/RESULTS.md}
py=${BENCH_PYTHON:-python3}
if [[ $quick == 1 ]]; then wrk_time=3s py_runs=20 py_cli_runs=5 warmup=2; else wrk_time=15s py_runs=300 py_cli_runs=50 warmup=10; fi

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench/serve: %s\n' "$*" >&2; exit 1; }

command -v wrk >/dev/null || die "wrk is missing: apt-get install -y wrk"
"$py" -c 'import msal, cryptography, azure.identity' 2>/dev/null \
    || die "$py needs MSAL Python, cryptography and azure-identity: pip install -r tests/requirements.txt (or set BENCH_PYTHON)"
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

if [[ -n ${MSAL_BIN:-} ]]; then
    msal=$MSAL_BIN
else
    log "building the release binary (cargo build --release --locked)"
    (cd "$root" && cargo build --release --locked)
    msal=$root/target/release/msal
fi
[[ -x $msal ]] || die "no msal binary at $msal"
msal=$(cd "$(dirname "$msal")" && pwd)/$(basename "$msal")   # the stand-in az runs elsewhere

work=$(mktemp -d "${TMPDIR:-/tmp}/msal-bench-serve.XXXXXX")
idp_pid="" serve_pid=""
cleanup() {
    for pid in $serve_pid $idp_pid; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "bench/serve: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache
mkdir -p "$HOME" && chmod 700 "$HOME"
unset MSAL_CACHE MSAL_AUTHORITY MSAL_CLIENT_ID MSAL_PROFILE MSAL_OIDC_AUTHORITY MSAL_LOG \
      AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET AZURE_AUTHORITY_HOST IDENTITY_ENDPOINT \
      IDENTITY_HEADER MSI_ENDPOINT MSI_SECRET SSL_CERT_FILE HTTPS_PROXY https_proxy HTTP_PROXY \
      http_proxy ALL_PROXY all_proxy || true
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

tenant_id=9188040d-6c67-4c5b-b112-36a304b66dad
tenant=contoso.example
client=04b07795-8ddb-461a-bbee-02f9e1bf7b46
username=ada@contoso.example
resource=api://bench-api
cache=$work/cache.json

log "starting the identity provider"
"$py" "$here/idp.py" --dir "$work" --ready-file "$work/idp.json" --parent-pid $$ \
    --tenant-id "$tenant_id" --tenant-domain "$tenant" --public-client "$client" &
idp_pid=$!
for _ in $(seq 100); do [[ -s $work/idp.json ]] && break; kill -0 "$idp_pid" || die "the identity provider died"; sleep 0.1; done
[[ -s $work/idp.json ]] || die "the identity provider did not start"
base=$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["base"])' "$work/idp.json")
ca=$work/ca.pem
authority=$base/$tenant

# A signed-in user with a cached token for the resource (MSAL Python's TokenCache.add).
"$py" "$here/make_cache.py" --out "$cache" --tokens 10 --tenant-id "$tenant_id" \
    --client-id "$client" --username "$username" --scope "$resource/.default" --print-user \
    > "$work/expected.txt"
msal_args=(--cache "$cache" --authority "$authority" --ca-cert "$ca" --client-id "$client" --username "$username")
got=$("$msal" silent "${msal_args[@]}" --scope "$resource/.default")
[[ $got == "$(cat "$work/expected.txt")" ]] || die "msal silent did not return the cached token"

# The stand-in `az`: what AzureCliCredential runs (`az account get-access-token --output json
# --resource R`), answered by `msal silent -o az`.
mkdir -p "$work/bin"
{
    echo '#!/bin/sh'
    echo 'resource=""; while [ $# -gt 0 ]; do [ "$1" = --resource ] && resource=$2; shift; done'
    printf 'exec %q silent' "$msal"; printf ' %q' "${msal_args[@]}"; echo ' --scope "$resource/.default" -o az'
} > "$work/bin/az"
chmod +x "$work/bin/az"

log "starting msal serve"
"$msal" serve "${msal_args[@]}" > "$work/serve.env" 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 100); do [[ $(wc -l < "$work/serve.env") -ge 2 ]] && break; kill -0 "$serve_pid" || die "msal serve died: $(cat "$work/serve.log")"; sleep 0.05; done
# shellcheck disable=SC1091
. "$work/serve.env"
export IDENTITY_ENDPOINT IDENTITY_HEADER
url="$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=$resource"
answer=$("$py" -c '
import os, sys, urllib.request
r = urllib.request.Request(sys.argv[1], headers={"X-IDENTITY-HEADER": os.environ["IDENTITY_HEADER"]})
print(urllib.request.urlopen(r).read().decode())' "$url")
"$py" -c 'import json,sys; sys.exit(json.loads(sys.argv[1])["access_token"] != open(sys.argv[2]).read().strip())' \
    "$answer" "$work/expected.txt" || die "msal serve did not return the cached token"

wrk_run() {  # connections threads → the wrk output
    wrk -t"$2" -c"$1" -d"$wrk_time" --latency -H "X-IDENTITY-HEADER: $IDENTITY_HEADER" "$url"
}
log "wrk: 1 connection (one request at a time)"
wrk_run 1 1 | tee "$work/wrk-1.txt" >&2
log "wrk: 16 connections, 2 threads"
wrk_run 16 2 | tee "$work/wrk-16.txt" >&2

log "azure-identity: ManagedIdentityCredential through msal serve vs AzureCliCredential with the stand-in az"
PATH=$work/bin:$PATH "$py" "$here/py_serve_vs_cli.py" "$resource" "$work/expected.txt" \
    "$py_runs" "$py_cli_runs" "$warmup" > "$work/py.json"
got=$("$msal" silent "${msal_args[@]}" --scope "$resource/.default")
[[ $got == "$(cat "$work/expected.txt")" ]] || die "the cached token changed"
kill "$serve_pid"; wait "$serve_pid" || die "msal serve did not stop cleanly on SIGTERM"
serve_pid=""
if grep -qF "$IDENTITY_HEADER" "$work/serve.log" || grep -qF "$got" "$work/serve.log"; then
    die "msal serve's log holds the secret or the token"
fi
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

"$py" - "$work" "$out" "$quick" "$load_start" "$load_end" "$msal" "$root" <<'PYEOF'
import json, os, re, subprocess, sys
work, out, quick, load_start, load_end, msal, root = sys.argv[1:]
BEGIN, END = "<!-- serve.sh: begin -->", "<!-- serve.sh: end -->"

def wrk(path):
    text = open(path).read()
    def ms(v, unit):
        return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    lat = {p: ms(*re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M).groups()) for p in ("50", "99")}
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    total = int(re.search(r"(\d+) requests in", text).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return lat, rps, total, int(bad.group(1)) if bad else 0, errors.group(1) if errors else ""

def f(v):
    return f"{v:.3f} ms" if v < 1 else f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms"

def sh(*c):
    try: return subprocess.run(c, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception: return ""

one, many = wrk(f"{work}/wrk-1.txt"), wrk(f"{work}/wrk-16.txt")
py = json.load(open(f"{work}/py.json"))
mi, cli = py["managed-identity"], py["azure-cli"]
met = "yes" if one[0]["50"] < 1.0 else "no"
md = [BEGIN, "## `msal serve`", ""]
if quick == "1":
    md += ["**Smoke run (BENCH_QUICK=1): too few samples for conclusions.**", ""]
md += [
    "Generated by `bench/serve.sh`. `msal serve` (release build) answers the App Service managed-identity "
    "protocol on 127.0.0.1 from a cache file holding the user's token (10 tokens, written by MSAL Python), "
    "reading the file on every request as `msal silent` does; the identity provider (`bench/idp.py`, TLS) "
    "is not asked. Every answer was checked to be the cached token.",
    "",
    "Warm requests over loopback, measured by [wrk](https://github.com/wg/wrk) with kept-alive connections:",
    "",
    "| load | requests/s | p50 | p99 | requests | non-200 | target | met? |",
    "|---|---:|---:|---:|---:|---:|---|---|",
    f"| 1 connection, one request at a time | {one[1]:,.0f} | {f(one[0]['50'])} | {f(one[0]['99'])} | {one[2]:,} | {one[3]} | p50 < 1 ms | {met} |",
    f"| 16 connections, 2 threads | {many[1]:,.0f} | {f(many[0]['50'])} | {f(many[0]['99'])} | {many[2]:,} | {many[3]} |  |  |",
    "",
    "azure-identity 1.27 getting a token, in one Python process (`bench/py_serve_vs_cli.py`; a fresh "
    "credential per token, so MSAL Python's in-memory cache never answers instead):",
    "",
    "| path | runs | median | p99 | mean | min | max |",
    "|---|---:|---:|---:|---:|---:|---:|",
    f"| `ManagedIdentityCredential` → `msal serve` | {mi['runs']} | {f(mi['median'])} | {f(mi['p99'])} | {f(mi['mean'])} | {f(mi['min'])} | {f(mi['max'])} |",
    f"| `AzureCliCredential` → stand-in `az` (`msal silent -o az`, a process per token) | {cli['runs']} | {f(cli['median'])} | {f(cli['p99'])} | {f(cli['mean'])} | {f(cli['min'])} | {f(cli['max'])} |",
    "",
    f"Through `msal serve`, a token costs azure-identity {cli['median'] / mi['median']:.0f}× less than "
    "the process-per-token path with a stand-in as fast as `msal silent`; the real `az` took 355 ms "
    "median here (see notes/peers.md), about " + f"{355 / mi['median']:,.0f}× the `msal serve` path.",
    "",
    "Commands (`bench/serve.sh` runs them):",
    "",
    "```sh",
    "msal serve --cache CACHE --authority AUTHORITY --ca-cert CA --client-id CLIENT --username USER > serve.env &",
    ". serve.env",
    "wrk -t1 -c1 -d15s --latency -H \"X-IDENTITY-HEADER: $IDENTITY_HEADER\" \"$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=api://bench-api\"",
    "wrk -t2 -c16 -d15s --latency -H \"X-IDENTITY-HEADER: $IDENTITY_HEADER\" \"$IDENTITY_ENDPOINT?api-version=2019-08-01&resource=api://bench-api\"",
    "PATH=<dir with the stand-in az>:$PATH python3 bench/py_serve_vs_cli.py api://bench-api expected.txt MI_RUNS CLI_RUNS WARMUP",
    "```",
    "",
    f"Machine: {os.cpu_count()} logical cores, load average {load_start} at start, {load_end} at the end "
    f"(the machine is shared: the numbers move with other load); {sh(msal, '--version')} "
    f"(commit {sh('git', '-C', root, 'describe', '--always', '--dirty')}), wrk {sh('dpkg-query', '-W', '-f=${Version}', 'wrk') or '(version unknown)'}, azure-identity {__import__('azure.identity').identity.__version__}.",
    END,
]
section = "\n".join(md)
try:
    text = open(out).read()
except OSError:
    text = ""
if BEGIN in text and END in text:
    text = text[: text.index(BEGIN)] + section + text[text.index(END) + len(END):]
else:
    text = text.rstrip("\n") + "\n\n" + section + "\n"
with open(out, "w") as fh:
    fh.write(text)
print(section)
PYEOF
