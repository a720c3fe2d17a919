#!/usr/bin/env bash
# The logic of the GitHub Action (action.yml stays thin). Subcommands, in the order the action runs them:
#   install  put mcp-tls-audit on PATH: a release binary checked against its SHA-256, else `cargo install`
#   scan     run the scan once (annotations on stdout, SARIF, JSON, summary); never fails the step
#   summary  append the Markdown summary to $GITHUB_STEP_SUMMARY
#   finish   exit with the scan's exit code (applies fail-on)
# Inputs arrive as INPUT_* environment variables; outputs go to $GITHUB_OUTPUT.
set -euo pipefail

cmd=${1:?usage: action.sh install|scan|summary|finish}
work=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/mcp-tls-audit
mkdir -p "$work"
bin=${MCP_TLS_AUDIT_BIN:-mcp-tls-audit}

output() { printf '%s=%s\n' "$1" "$2" >> "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set}"; }

case "$cmd" in
  install)
    if command -v "$bin" >/dev/null 2>&1; then
      echo "using $(command -v "$bin")"
      exit 0
    fi
    version=${INPUT_VERSION:-latest}
    action_dir=${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
    repo=${GITHUB_ACTION_REPOSITORY:-}
    os=$(uname -s | tr '[:upper:]' '[:lower:]')
    arch=$(uname -m)
    asset="mcp-tls-audit-${arch}-${os}.tar.gz"
    if [ -n "$repo" ] && [ "$version" != "latest" ]; then
      base="https://github.com/$repo/releases/download/v${version#v}"
      if curl -fsSL "$base/$asset" -o "$work/$asset" && curl -fsSL "$base/$asset.sha256" -o "$work/$asset.sha256"; then
        expected=$(cut -d' ' -f1 < "$work/$asset.sha256")
        actual=$(sha256sum "$work/$asset" | cut -d' ' -f1)
        if [ "$expected" = "$actual" ]; then
          tar -xzf "$work/$asset" -C "$work"
          install -m 0755 "$work/mcp-tls-audit" "$HOME/.local/bin/mcp-tls-audit" 2>/dev/null \
            || { mkdir -p "$HOME/.local/bin" && install -m 0755 "$work/mcp-tls-audit" "$HOME/.local/bin/"; }
          echo "$HOME/.local/bin" >> "${GITHUB_PATH:-/dev/null}"
          echo "installed the $asset release binary (SHA-256 verified)"
          exit 0
        fi
        echo "::warning title=mcp-tls-audit::$asset: SHA-256 mismatch; building from source instead"
      fi
    fi
    echo "building mcp-tls-audit from $action_dir with cargo install --locked"
    cargo install --locked --path "$action_dir" --root "$HOME/.local"
    echo "$HOME/.local/bin" >> "${GITHUB_PATH:-/dev/null}"
    ;;

  scan)
    sarif=${INPUT_SARIF_FILE:-mcp-tls-audit.sarif}
    args=(scan)
    read -r -a paths <<< "${INPUT_PATHS:-.}"
    args+=("${paths[@]}")
    [ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
    args+=(--min-severity "${INPUT_MIN_SEVERITY:-info}" --fail-on "${INPUT_FAIL_ON:-low}")
    args+=(--sarif-output "$sarif" --sarif-category "${INPUT_CATEGORY:-mcp-tls-audit}")
    args+=(--json-output "$work/report.json" --color never)
    if [ "${INPUT_SUMMARY:-true}" = "true" ]; then
      : > "$work/summary.md"
      args+=(--summary "$work/summary.md")
    fi
    if [ "${INPUT_ANNOTATIONS:-true}" = "true" ]; then args+=(--format github); else args+=(--format text); fi
    code=0
    "$bin" "${args[@]}" || code=$?
    findings=0
    grade=
    if [ -f "$work/report.json" ]; then
      findings=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["findings"])' "$work/report.json")
      grade=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grade"]["letter"])' "$work/report.json")
    fi
    output sarif-file "$sarif"
    output findings "$findings"
    output grade "$grade"
    output exit-code "$code"
    echo "mcp-tls-audit: grade ${grade:-?}, $findings finding(s), exit code $code"
    ;;

  summary)
    if [ -s "$work/summary.md" ]; then cat "$work/summary.md" >> "${GITHUB_STEP_SUMMARY:?GITHUB_STEP_SUMMARY is not set}"; fi
    ;;

  finish)
    code=${INPUT_EXIT_CODE:-}
    case "$code" in
      0) exit 0 ;;
      1) echo "::error title=mcp-tls-audit::findings at or above fail-on (${INPUT_FAIL_ON:-low})"; exit 1 ;;
      *) echo "::error title=mcp-tls-audit::the scan could not run (exit code ${code:-missing})"; exit 2 ;;
    esac
    ;;

  *) echo "action.sh: unknown subcommand $cmd" >&2; exit 2 ;;
esac
