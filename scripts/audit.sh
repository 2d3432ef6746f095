#!/usr/bin/env bash
# Dependency audit, run by the hosted CI workflow (.github/workflows/ci.yml): `bun audit` at high
# severity and above, except the advisories accepted in .audit-allowlist (AUDIT_ALLOWLIST names
# another file). An audit that could not ask the registry's advisory endpoint fails: it is not a
# pass. (The registry reachable from the project's own CI machine answers 405 there, which is why
# .ci/run does not run this.)
set -euo pipefail
cd "$(dirname "$0")/.."
allowlist="${AUDIT_ALLOWLIST:-.audit-allowlist}"

fail() {
  echo "audit: $*" >&2
  exit 2
}

flags=()
[ -f "$allowlist" ] || fail "$allowlist not found"
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
  line_no=$((line_no + 1))
  entry="${line%%#*}"
  read -r id extra <<<"$entry" || true
  [ -n "${id:-}" ] || continue
  [[ "$id" =~ ^(GHSA(-[0-9a-z]{4}){3}|[0-9]+)$ ]] && [ -z "${extra:-}" ] ||
    fail "$allowlist:$line_no: expected one GHSA or numeric advisory id, got: $line"
  # An accepted advisory without a reason cannot be reviewed later.
  reason="${line#*#}"
  [[ "$line" == *"#"* && -n "${reason// /}" ]] || fail "$allowlist:$line_no: say why after '#': $line"
  flags+=("--ignore=$id")
done <"$allowlist"

status=0
output="$(bun audit --audit-level=high ${flags[@]+"${flags[@]}"} 2>&1)" || status=$?
printf '%s\n' "$output"
[ "$status" -eq 0 ] && exit 0
# bun's report of what it found always counts "N vulnerabilities"; without one, it never got an
# answer (registry down, refused, or an endpoint it does not serve, e.g. 405).
if grep -qiE '[0-9]+ vulnerabilit' <<<"$output"; then
  echo "audit: advisories at high severity or above (exit $status); fix them or accept them in $allowlist" >&2
  exit 1
fi
fail "the registry's advisory endpoint gave no usable answer (bun audit exit $status), so nothing was checked"
