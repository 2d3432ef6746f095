#!/usr/bin/env bash
# Dev, CI and the `test` script must all run the Bun that package.json pins (packageManager),
# since bun.lock and test behaviour depend on it. npm is the only channel to Bun that this
# environment can reach, so that is how a missing or different Bun gets replaced.
# Quiet when the right Bun is already there: `npm test` calls this on every run.
set -euo pipefail

pkg="$(cd "$(dirname "$0")/.." && pwd)/package.json"
want="$(sed -n 's/.*"packageManager"[[:space:]]*:[[:space:]]*"bun@\([^"]*\)".*/\1/p' "$pkg" | head -n 1)"
if [ -z "$want" ]; then
  echo "ensure-bun: no \"packageManager\": \"bun@<version>\" in $pkg" >&2
  exit 1
fi

have="$(bun --version 2>/dev/null || true)"
[ "$have" = "$want" ] && exit 0

echo "ensure-bun: installing bun@$want with npm (found: ${have:-no bun})" >&2
npm install -g --no-fund --no-audit --loglevel=error "bun@$want" >&2
hash -r
have="$(bun --version 2>/dev/null || true)"
if [ "$have" != "$want" ]; then
  # Another Bun (e.g. ~/.bun/bin) shadows npm's one on PATH; say which folder must come first.
  echo "ensure-bun: bun@$want is in $(npm prefix -g 2>/dev/null)/bin but 'bun' on PATH is ${have:-missing}" >&2
  exit 1
fi
