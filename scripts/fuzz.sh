#!/usr/bin/env bash
# Fuzzing with cargo-fuzz (libFuzzer + AddressSanitizer) on the stable toolchain.
#
#   scripts/fuzz.sh seed                  build fuzz/corpus/<target>/ from the fixtures, rules and sample answers
#   scripts/fuzz.sh run TARGET SECONDS    fuzz one target (crashes land in fuzz/artifacts/TARGET/)
#   scripts/fuzz.sh all SECONDS           fuzz every target in turn
#   scripts/fuzz.sh smoke [SECONDS]       CI: build without a sanitizer, seed, and fuzz each target briefly
#
# Targets: js, rust, cert, config, rule, probe_answer (see src/fuzz.rs). A crash's input becomes a file in
# tests/fuzz-regressions/TARGET/, and a test in tests/integration/fuzz_smoke.rs named after its cause replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS=(js rust cert config rule probe_answer)
# cargo-fuzz needs nightly flags (-Z sanitizer, sancov); the stable compiler accepts them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1

need_cargo_fuzz() {
  command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked --version 0.13.2
}

seed() {
  python3 - <<'PY'
import os, pathlib
# First byte of each input picks the file name, as in src/fuzz.rs (JS, RUST, CERT, CONFIG).
def pick(names, path):
    p = pathlib.Path(path); n = p.name.lower()
    for i, test in enumerate(names):
        if test(n):
            return i
    return None
targets = {
    "js": [lambda n: n.endswith((".js", ".mjs", ".cjs")), lambda n: n.endswith((".ts", ".mts", ".cts")),
           lambda n: n.endswith(".tsx"), lambda n: n.endswith(".jsx")],
    "rust": [lambda n: n.endswith(".rs"), lambda n: n == "cargo.toml"],
    "cert": [lambda n: n.endswith((".pem", ".crt", ".cer")), lambda n: n.endswith(".der"),
             lambda n: n.endswith((".p12", ".pfx")), lambda n: n.endswith(".txt"), lambda n: n.startswith("id_"),
             lambda n: n.endswith(".key")],
    "config": [lambda n: n.startswith(".env"), lambda n: "dockerfile" in n,
               lambda n: n.endswith((".yaml", ".yml")) and n != ".mcp-tls-audit.yaml",
               lambda n: n.endswith(".json") and n != "package.json", lambda n: n == "package.json",
               lambda n: n == ".mcp-tls-audit.yaml"],
}
for target in list(targets) + ["rule", "probe_answer"]:
    os.makedirs(f"fuzz/corpus/{target}", exist_ok=True)
for root, dirs, files in os.walk("fixtures"):
    for f in files:
        path = os.path.join(root, f)
        data = open(path, "rb").read()
        for target, names in targets.items():
            i = pick(names, path)
            if i is not None and len(data) < 64 * 1024:
                name = path.replace("/", "_")
                open(f"fuzz/corpus/{target}/{name}", "wb").write(bytes([i]) + data)
for f in os.listdir("rules"):
    open(f"fuzz/corpus/rule/{f}", "wb").write(open(f"rules/{f}", "rb").read())
json = b'{"jsonrpc":"2.0","id":1,"result":{"serverInfo":{"name":"m","version":"1"}}}'
answers = {
    "json": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(json), json),
    "sse": b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: message\ndata: %s\n\n" % json,
    "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (len(json), json),
    "redirect": b"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://elsewhere.example/\r\n\r\n",
    "alert": bytes([0x15, 3, 1, 0, 2, 2, 70]),
    "server-hello": bytes([0x16, 3, 1, 0, 0x4a, 2, 0, 0, 0x46, 3, 1]) + bytes(64),
}
for name, data in answers.items():
    open(f"fuzz/corpus/probe_answer/{name}", "wb").write(data)
PY
  for t in "${TARGETS[@]}"; do echo "fuzz/corpus/$t: $(ls "fuzz/corpus/$t" | wc -l) seeds"; done
}

run() {
  local target=$1 seconds=$2; shift 2
  mkdir -p "fuzz/corpus/$target"
  cargo fuzz run "$@" "$target" "fuzz/corpus/$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10
}

case "${1:-}" in
  seed) seed ;;
  run) need_cargo_fuzz; run "$2" "$3" ;;
  all) need_cargo_fuzz; for t in "${TARGETS[@]}"; do run "$t" "$2"; done ;;
  smoke)
    need_cargo_fuzz
    seed
    for t in "${TARGETS[@]}"; do run "$t" "${2:-5}" --sanitizer none; done ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
