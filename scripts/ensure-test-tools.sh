#!/usr/bin/env bash
# Tools the test suite drives for real, from Debian's packages: Chromium (the docs page in a
# browser, through playwright-core, which never downloads a browser here), promtool (Prometheus
# config and alert-rule tests) and docker-compose (validates docker-compose.yml offline; no
# engine), and curl, jq and openssl (the README's curl session, run by e2e/readme-session.test.ts).
# --no-install-recommends keeps docker-compose from pulling in the Docker engine.
# Quiet when everything is present.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
for tool in curl jq openssl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
{ command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; } || missing+=(docker-compose)
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "ensure-test-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
install 2>/dev/null || { apt-get update -q >/dev/null && install; }
# The prometheus package starts a server on :9090 where an init system runs; tests need only promtool.
if pgrep -x prometheus >/dev/null 2>&1; then
  service prometheus stop >/dev/null 2>&1 || true
fi
