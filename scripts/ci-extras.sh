#!/usr/bin/env bash
# CI checks that need tools from PyPI: action.yml and the workflow against GitHub's schemas (offline, built into
# check-jsonschema), and the pre-commit hook on a throwaway repository with one bad and one good file.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-venv
[ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check pre-commit check-jsonschema

"$venv/bin/check-jsonschema" --builtin-schema vendor.github-actions action.yml
"$venv/bin/check-jsonschema" --builtin-schema vendor.github-workflows .github/workflows/*.yml

repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
git -C "$repo" init -q
printf 'NODE_EXTRA_CA_CERTS=/etc/mcp/ca.pem\n' > "$repo/.env"
printf "import https from 'node:https';\nhttps.get({ host: 'mcp.internal', ca: CA });\n" > "$repo/good.mts"
git -C "$repo" add -A
export PRE_COMMIT_HOME=$PWD/target/pre-commit-home
(cd "$repo" && "$OLDPWD/$venv/bin/pre-commit" try-repo "$OLDPWD" mcp-tls-audit --all-files)
echo "pre-commit: the good files pass"
printf "import https from 'node:https';\nhttps.get({ host: 'mcp.internal', rejectUnauthorized: false });\n" > "$repo/bad.cts"
git -C "$repo" add -A
if (cd "$repo" && "$OLDPWD/$venv/bin/pre-commit" try-repo "$OLDPWD" mcp-tls-audit --all-files); then
  echo "error: the pre-commit hook passed a file with rejectUnauthorized: false" >&2
  exit 1
fi
echo "pre-commit: the bad file fails the hook"
