#!/usr/bin/env bash
# The msal benchmark: `msal` (release build) side by side with MSAL Python against a local,
# TLS-serving, Entra-shaped identity provider on 127.0.0.1. Writes bench/RESULTS.md.
#
#   bench/run.sh                 # full run: 50 runs per msal case, 15 per MSAL Python case
#   BENCH_QUICK=1 bench/run.sh   # smoke run: a few runs each, proves the scripts work
#
# Needs: hyperfine (Debian/Ubuntu: `sudo apt-get install -y hyperfine`, or `cargo install
# hyperfine`; BENCH_INSTALL=1 lets this script run apt-get itself), GNU time at /usr/bin/time
# (package `time`) for peak RSS, python3 with `msal` and `cryptography` (`pip install msal`
# brings both), cargo. Other settings:
#   MSAL_BIN=path          benchmark this binary instead of building target/release/msal
#   BENCH_OUT=path         where to write the results (default bench/RESULTS.md)
#   BENCH_KEEP=1           keep the temporary directory (caches, hyperfine JSON)
# Nothing leaves 127.0.0.1. The whole run takes a few minutes (plus the release build).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
quick=${BENCH_QUICK:-0}
out=${BENCH_OUT:-$here/RESULTS.md}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ $quick == 1 ]]; then
    msal_runs=5 msal_warmup=2 py_runs=3 py_warmup=1 rss_runs=1
else
    msal_runs=50 msal_warmup=5 py_runs=15 py_warmup=2 rss_runs=3
fi

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# --- tools -------------------------------------------------------------------------------------
if ! command -v hyperfine >/dev/null; then
    if [[ ${BENCH_INSTALL:-0} == 1 ]] && command -v apt-get >/dev/null; then
        log "installing hyperfine (apt-get)"
        sudo_=""; [[ $(id -u) == 0 ]] || sudo_=sudo
        $sudo_ apt-get update -qq && $sudo_ apt-get install -y -qq hyperfine
    else
        die "hyperfine is missing: sudo apt-get install -y hyperfine (or cargo install hyperfine), or rerun with BENCH_INSTALL=1"
    fi
fi
# The tests' virtual environment (.ci/run makes it) has MSAL Python: use it when it is there.
if [[ -x $root/.venv/bin/python3 ]]; then
    PATH="$root/.venv/bin:$PATH"
fi
python3 -c 'import msal, cryptography' 2>/dev/null \
    || die "python3 needs MSAL Python and cryptography: .ci/run's .venv has them, or pip install msal"
hf_shell=(-N)   # no intermediate shell (hyperfine >= 1.13); older ones subtract a shell's start-up
if ! hyperfine -N --runs 1 true >/dev/null 2>&1; then
    echo "bench: this hyperfine has no -N; timing through a shell instead (upgrade for cleaner numbers)" >&2
    hf_shell=()
fi
gnu_time=/usr/bin/time
if ! "$gnu_time" -f %M true >/dev/null 2>&1; then
    echo "bench: GNU time (/usr/bin/time, Debian package 'time') is missing: peak RSS is not measured" >&2
    gnu_time=""
fi

if [[ -n ${MSAL_BIN:-} ]]; then
    msal=$MSAL_BIN
else
    log "building the release binary (cargo build --release --locked)"
    (cd "$root" && cargo build --release --locked)
    msal=$root/target/release/msal
fi
[[ -x $msal ]] || die "no msal binary at $msal"

rustc_version=$(rustc --version 2>/dev/null || echo "rustc: unknown")

# --- a private environment -----------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/msal-bench.XXXXXX")
idp_pid=""
cleanup() {
    if [[ -n $idp_pid ]]; then kill "$idp_pid" 2>/dev/null || true; wait "$idp_pid" 2>/dev/null || true; fi
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "bench: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# msal reads its config from XDG_CONFIG_HOME and keeps discovery metadata in XDG_CACHE_HOME.
export HOME=$work/home XDG_CONFIG_HOME=$work/home/.config XDG_CACHE_HOME=$work/home/.cache
mkdir -p "$HOME" && chmod 700 "$HOME"
unset MSAL_CACHE MSAL_AUTHORITY MSAL_CLIENT_ID MSAL_PROFILE MSAL_OIDC_AUTHORITY MSAL_LOG \
      MSAL_INSTANCE_DISCOVERY AZURE_TENANT_ID AZURE_CLIENT_ID AZURE_CLIENT_SECRET \
      AZURE_AUTHORITY_HOST AZURE_CLIENT_CERTIFICATE_PATH AZURE_FEDERATED_TOKEN_FILE \
      SSL_CERT_FILE HTTPS_PROXY https_proxy HTTP_PROXY http_proxy ALL_PROXY all_proxy || true
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
metadata_dir=$XDG_CACHE_HOME/msal
res=$work/results
mkdir -p "$res"

tenant_id=9188040d-6c67-4c5b-b112-36a304b66dad   # what discovery names (the realm)
tenant=contoso.example                            # what the authority URL says
user_client=04b07795-8ddb-461a-bbee-02f9e1bf7b46
username=ada@contoso.example
user_scope=api://bench-api/Data.Read
cc_client=5f8b6a4e-0c2d-4e59-9b1a-2d3c4e5f6a7b
cc_scope=api://bench-api/.default
printf 'bench-secret-%s\n' "$RANDOM$RANDOM" > "$work/secret.txt"
chmod 600 "$work/secret.txt"

# --- the identity provider -------------------------------------------------------------------
log "starting the identity provider"
python3 "$here/idp.py" --dir "$work" --ready-file "$work/idp.json" --parent-pid $$ \
    --tenant-id "$tenant_id" --tenant-domain "$tenant" \
    --secret-client "$cc_client:$(cat "$work/secret.txt")" --public-client "$user_client" &
idp_pid=$!
for _ in $(seq 100); do [[ -s $work/idp.json ]] && break; kill -0 "$idp_pid" || die "the identity provider died"; sleep 0.1; done
[[ -s $work/idp.json ]] || die "the identity provider did not start"
base=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["base"])' "$work/idp.json")
ca=$work/ca.pem
export REQUESTS_CA_BUNDLE=$ca         # MSAL Python (requests) trusts the throwaway CA
authority=$base/$tenant
# The provider also plays IMDS (over TLS, which both clients accept for this variable).
export AZURE_POD_IDENTITY_AUTHORITY_HOST=$base
mi_resource=https://bench-api.example
echo "identity provider: $base (authority $authority)" >&2

# --- caches ----------------------------------------------------------------------------------
sizes=(10 1000 10000)
log "generating caches of ${sizes[*]} access tokens (MSAL Python's TokenCache.add)"
for n in "${sizes[@]}"; do
    python3 "$here/make_cache.py" --out "$work/cache-$n.json" --tokens "$n" \
        --tenant-id "$tenant_id" --client-id "$user_client" --username "$username" \
        --scope "$user_scope" --print-user > "$work/expected-$n.txt"
done

q() { printf '%q ' "$@"; }   # a command line hyperfine -N splits back into these words
msal_silent() {
    q "$msal" silent --cache "$work/cache-$1.json" --authority "$authority" --ca-cert "$ca" \
        --client-id "$user_client" --username "$username" --scope "$user_scope" "${@:2}"
}
py_silent() {
    q python3 "$here/py_silent.py" "$work/cache-$1.json" "$authority" "$user_client" \
        "$user_scope" "$username" "${@:2}"
}
msal_cc() {   # $1: the cache file
    q "$msal" client-credentials --cache "$1" --authority "$authority" --ca-cert "$ca" \
        --client-id "$cc_client" --client-secret-file "$work/secret.txt" --scope "$cc_scope" "${@:2}"
}
py_cc() {     # $1: the cache file
    q python3 "$here/py_client_credentials.py" "$1" "$authority" "$cc_client" \
        "$work/secret.txt" "$cc_scope" "${@:2}"
}
msal_mi() {   # $1: the cache file
    q "$msal" managed-identity --cache "$1" --ca-cert "$ca" --resource "$mi_resource" "${@:2}"
}
py_mi() {     # $1: the cache file
    q python3 "$here/py_managed_identity.py" "$1" "$mi_resource"
}
run_words() { eval "set -- $1"; "$@"; }   # runs a q-built command line

# --- sanity: both find the same cached token; this also warms msal's metadata cache ---------
log "checking that msal and MSAL Python both find the cached token"
for n in "${sizes[@]}"; do
    want=$(cat "$work/expected-$n.txt")
    got_msal=$(run_words "$(msal_silent "$n")") || die "msal silent failed on the $n-token cache"
    got_py=$(run_words "$(py_silent "$n")") || die "MSAL Python failed on the $n-token cache"
    [[ $got_msal == "$want" ]] || die "msal silent returned another token than the cached one ($n tokens)"
    [[ $got_py == "$want" ]] || die "MSAL Python returned another token than the cached one ($n tokens)"
    sha256sum "$work/cache-$n.json" > "$work/cache-$n.sha256"
done
ls "$metadata_dir"/metadata-*.json >/dev/null 2>&1 || die "msal did not keep discovery metadata in $metadata_dir"

# --- request counts, counted at the identity provider ---------------------------------------
log "counting requests at the identity provider"
counts=$res/counts.jsonl
: > "$counts"
count() {  # name expected-total is-target command-line
    local name=$1 expected=$2 target=$3 line=$4 result
    eval "set -- $line"
    result=$(python3 "$here/count_requests.py" "$base" "$ca" -- "$@")
    python3 -c 'import json,sys; print(json.dumps({"case": sys.argv[1], "expected": int(sys.argv[2]), "target": sys.argv[3] == "1", "result": json.loads(sys.argv[4])}))' \
        "$name" "$expected" "$target" "$result" >> "$counts"
    echo "$name: $result" >&2
}
cp "$work/cache-10.json" "$work/cache-refresh.json"
rm -f "$work/cc-count.json" "$work/py-cc-count.json" "$work/py-http-count.pickle"
count "msal silent, cache hit" 0 1 "$(msal_silent 10)"
count "msal silent --force-refresh (refresh_token grant)" 1 0 \
    "$(q "$msal" silent --cache "$work/cache-refresh.json" --authority "$authority" --ca-cert "$ca" \
        --client-id "$user_client" --username "$username" --scope "$user_scope" --force-refresh)"
count "MSAL Python silent, cache hit" 1 0 "$(py_silent 10)"
run_words "$(py_silent 10 "$work/py-http-count.pickle")" >/dev/null   # fills the http_cache
count "MSAL Python silent, cache hit, warm http_cache" 0 0 "$(py_silent 10 "$work/py-http-count.pickle")"
rm -rf "$metadata_dir"
count "msal client-credentials, cold (no token, no metadata)" 2 0 "$(msal_cc "$work/cc-count.json")"
count "msal client-credentials, warm, cache hit" 0 1 "$(msal_cc "$work/cc-count.json")"
count "msal client-credentials, warm, --force-refresh" 1 1 "$(msal_cc "$work/cc-count.json" --force-refresh)"
count "MSAL Python client credentials, cold" 2 0 "$(py_cc "$work/py-cc-count.json")"
count "MSAL Python client credentials, warm, cache hit" 1 0 "$(py_cc "$work/py-cc-count.json")"
rm -f "$work/py-http-count.pickle"
run_words "$(py_cc "$work/py-cc-count.json" "$work/py-http-count.pickle")" >/dev/null
count "MSAL Python client credentials, warm, cache hit, warm http_cache" 0 0 \
    "$(py_cc "$work/py-cc-count.json" "$work/py-http-count.pickle")"
rm -f "$work/mi-count.json"
count "msal managed-identity, cold (IMDS)" 1 1 "$(msal_mi "$work/mi-count.json")"
count "msal managed-identity, warm, cache hit" 0 1 "$(msal_mi "$work/mi-count.json")"
count "MSAL Python managed identity, warm, cache hit (msal's token)" 0 0 "$(py_mi "$work/mi-count.json")"

# --- timings ---------------------------------------------------------------------------------
bench() {  # name runs warmup command-line [hyperfine options...]
    local name=$1 runs=$2 warmup=$3 line=$4
    log "timing: $name"
    hyperfine "${hf_shell[@]}" --style basic --runs "$runs" --warmup "$warmup" --command-name "$name" \
        --export-json "$res/time-$name.json" "${@:5}" "$line" >&2
}
# warm the metadata cache again (the counts above cleared it)
run_words "$(msal_silent 10)" >/dev/null

for n in "${sizes[@]}"; do
    bench "msal-silent-$n" "$msal_runs" "$msal_warmup" "$(msal_silent "$n")"
    bench "py-silent-$n" "$py_runs" "$py_warmup" "$(py_silent "$n")"
done
rm -f "$work/py-http.pickle"
bench "py-silent-10-httpcache" "$py_runs" "$py_warmup" "$(py_silent 10 "$work/py-http.pickle")"

# client credentials, cold: no token cache and (msal) no discovery metadata before each run
bench "msal-cc-cold" "$msal_runs" "$msal_warmup" "$(msal_cc "$work/cc-cold.json")" \
    --prepare "$(q rm -rf "$work/cc-cold.json" "$work/cc-cold.json.lock" "$metadata_dir")"
bench "py-cc-cold" "$py_runs" "$py_warmup" "$(py_cc "$work/py-cc-cold.json")" \
    --prepare "$(q rm -f "$work/py-cc-cold.json")"
# client credentials, warm: the warm-up runs fill the persisted cache; every timed run is a hit
run_words "$(msal_cc "$work/cc-warm.json")" >/dev/null
bench "msal-cc-warm" "$msal_runs" "$msal_warmup" "$(msal_cc "$work/cc-warm.json")"
bench "py-cc-warm" "$py_runs" "$py_warmup" "$(py_cc "$work/py-cc-warm.json")"
bench "py-cc-warm-httpcache" "$py_runs" "$py_warmup" \
    "$(py_cc "$work/py-cc-warm.json" "$work/py-cc-http.pickle")"
# managed identity, warm: a cached IMDS token, the same file for both
run_words "$(msal_mi "$work/mi-warm.json")" >/dev/null
bench "msal-mi-warm" "$msal_runs" "$msal_warmup" "$(msal_mi "$work/mi-warm.json")"
bench "py-mi-warm" "$py_runs" "$py_warmup" "$(py_mi "$work/mi-warm.json")"

for n in "${sizes[@]}"; do
    sha256sum -c --quiet "$work/cache-$n.sha256" || die "a cache hit changed cache-$n.json"
done

# --- peak RSS --------------------------------------------------------------------------------
rss=$res/rss.jsonl
: > "$rss"
if [[ -n $gnu_time ]]; then
    log "peak RSS (GNU time, max of $rss_runs runs)"
    measure_rss() {  # name target-kb(or "") command-line
        local name=$1 target=$2 line=$3 kb all=()
        eval "set -- $line"
        for _ in $(seq "$rss_runs"); do
            kb=$("$gnu_time" -f %M -o "$work/rss.txt" "$@" >/dev/null && tail -n1 "$work/rss.txt")
            all+=("$kb")
        done
        python3 -c 'import json,sys; print(json.dumps({"case": sys.argv[1], "target_kb": int(sys.argv[2]) if sys.argv[2] else None, "kb": [int(x) for x in sys.argv[3:]]}))' \
            "$name" "$target" "${all[@]}" >> "$rss"
        echo "$name: ${all[*]} KB" >&2
    }
    measure_rss "msal silent, 10 tokens" 15360 "$(msal_silent 10)"
    measure_rss "msal silent, 1,000 tokens" 15360 "$(msal_silent 1000)"
    measure_rss "msal silent, 10,000 tokens" 15360 "$(msal_silent 10000)"
    measure_rss "msal client-credentials, warm" 15360 "$(msal_cc "$work/cc-warm.json")"
    measure_rss "msal client-credentials, --force-refresh (TLS + token request)" 15360 \
        "$(msal_cc "$work/cc-warm.json" --force-refresh)"
    measure_rss "MSAL Python silent, 10 tokens" "" "$(py_silent 10)"
    measure_rss "MSAL Python silent, 10,000 tokens" "" "$(py_silent 10000)"
fi

# --- the machine, and the report -------------------------------------------------------------
log "writing $out"
python3 - "$res/meta.json" <<EOF
import json, os, platform, subprocess, sys, datetime
def sh(*c):
    try: return subprocess.run(c, capture_output=True, text=True, timeout=20).stdout.strip()
    except Exception: return ""
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
import msal, struct
def elf_sections(path):
    """The section names of a 64-bit little-endian ELF file ([] if it is not one)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    def section(i):
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)
    strtab = section(shstrndx)
    names = data[strtab[4]:strtab[4] + strtab[5]]
    return [names[section(i)[0]:names.index(b"\0", section(i)[0])].decode() for i in range(shnum)]
meta = {
    "quick": "$quick" == "1",
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    "cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(), "os": sh("sh", "-c", ". /etc/os-release && echo \$PRETTY_NAME"),
    "loadavg_start": "$load_start".split(), "loadavg_end": open("/proc/loadavg").read().split()[:3],
    "msal": sh("$msal", "--version"), "commit": sh("git", "-C", "$root", "describe", "--always", "--dirty"),
    "rustc": "$rustc_version", "python": platform.python_version(), "msal_python": msal.__version__,
    "requests": __import__("requests").__version__, "hyperfine": sh("hyperfine", "--version"),
    "binary": "$msal", "binary_bytes": os.path.getsize("$msal"), "binary_sections": elf_sections("$msal"),
    "no_shell": ${#hf_shell[@]} == 1,
    "runs": {"msal": $msal_runs, "msal_warmup": $msal_warmup, "python": $py_runs, "python_warmup": $py_warmup, "rss": $rss_runs},
    "cache_bytes": {n: os.path.getsize(f"$work/cache-{n}.json") for n in (10, 1000, 10000)},
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
EOF
python3 "$here/render.py" "$res" "$out"
