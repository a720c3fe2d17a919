#!/usr/bin/env bash
# Repeatable benchmark against ast-grep and semgrep on a pinned corpus of real code.
#
#   scripts/bench.sh [--setup-only] [bench.py options: --runs N, --skip-semgrep, ...]
#
# Everything it fetches goes to BENCH_DIR (default target/bench, which git ignores): the corpus
# (npm packages from bench/corpus/npm's lock, crates from bench/corpus/cargo's lock), the peers
# (ast-grep from bench/tools' lock, semgrep from PyPI) and the results. Steps whose output exists
# are skipped, so a second run only measures. It never builds mcp-tls-audit: pass --tool-path or
# build target/release/mcp-tls-audit first.
set -euo pipefail
cd "$(dirname "$0")/.."
export BENCH_DIR=${BENCH_DIR:-$PWD/target/bench}
SEMGREP_VERSION=1.185.0
stamps=$BENCH_DIR/stamps

# step NAME KEY COMMAND...: runs COMMAND unless it last succeeded with the same KEY (a lock
# file's checksum, a version), so an edited lock re-runs its step and an unchanged one skips it.
step() {
  local name=$1 key=$2; shift 2
  if [ "$(cat "$stamps/$name" 2>/dev/null)" = "$key" ]; then
    echo "setup: $name is up to date"
    return
  fi
  echo "setup: $name ..."
  local start=$SECONDS
  "$@"
  mkdir -p "$stamps" && echo "$key" > "$stamps/$name"
  echo "setup: $name done in $((SECONDS - start)) s"
}

npm_ci() { # SRC DEST [npm options]: a clean install of SRC's package.json + lock into DEST
  local src=$1 dest=$2; shift 2
  rm -rf "$dest" && mkdir -p "$dest"
  cp "$src/package.json" "$src/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error "$@")
}

corpus_npm() {
  # --ignore-scripts: the corpus is only read, never run.
  npm_ci bench/corpus/npm "$BENCH_DIR/corpus/npm" --ignore-scripts
  unhide "$BENCH_DIR/corpus/npm"
}

corpus_cargo() {
  rm -rf "$BENCH_DIR/corpus/cargo"
  # --manifest-path and the committed lock: nothing is written inside the repository.
  cargo vendor --quiet --manifest-path bench/corpus/cargo/Cargo.toml --locked --versioned-dirs \
    "$BENCH_DIR/corpus/cargo/vendor" > /dev/null
  unhide "$BENCH_DIR/corpus/cargo"
}

# mcp-tls-audit honours .gitignore and .ignore files and has no switch to stop, so the corpus
# must not hold any: otherwise the tools would scan different files.
unhide() {
  find "$1" -type f \( -name .gitignore -o -name .ignore -o -name .semgrepignore \) -print -delete |
    sed 's/^/setup: removed ignore file /'
}

tools_ast_grep() {
  # Scripts on: @ast-grep/cli's postinstall puts the platform binary in place.
  npm_ci bench/tools "$BENCH_DIR/tools/npm"
}

tools_semgrep() {
  rm -rf "$BENCH_DIR/tools/venv"
  python3 -m venv "$BENCH_DIR/tools/venv"
  "$BENCH_DIR/tools/venv/bin/pip" install --quiet --disable-pip-version-check "semgrep==$SEMGREP_VERSION"
}

sum() { sha256sum "$1" | cut -d' ' -f1; }
step corpus-npm "$(sum bench/corpus/npm/package-lock.json)" corpus_npm
step corpus-cargo "$(sum bench/corpus/cargo/Cargo.lock)" corpus_cargo
step ast-grep "$(sum bench/tools/package-lock.json)" tools_ast_grep
step semgrep "$SEMGREP_VERSION" tools_semgrep

if [ "${1:-}" = --setup-only ]; then
  exit 0
fi
exec python3 scripts/bench.py --bench-dir "$BENCH_DIR" "$@"
