#!/usr/bin/env bash
# Tools the test suite drives for real, from Debian's packages: Chromium (the docs page in a
# browser, through playwright-core, which never downloads a browser here), promtool (Prometheus
# config and alert-rule tests) and docker-compose (validates docker-compose.yml offline; no
# engine), curl, jq and openssl (the README's curl session, run by e2e/readme-session.test.ts), and
# nginx (envoy/web-server.test.ts checks web/nginx.conf with `nginx -t` and serves a build with it).
# --no-install-recommends keeps docker-compose from pulling in the Docker engine.
# Quiet when everything is present.
set -euo pipefail
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || missing+=(nginx-light)
for tool in curl jq openssl; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
{ command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; } || missing+=(docker-compose)
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "ensure-test-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
install() { apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
install 2>/dev/null || { apt-get update -q >/dev/null && install; }
# The prometheus and nginx packages start servers (:9090, :80) where an init system runs; tests
# need only promtool and the nginx binary.
if pgrep -x prometheus >/dev/null 2>&1; then
  service prometheus stop >/dev/null 2>&1 || true
fi
if pgrep -x nginx >/dev/null 2>&1; then
  service nginx stop >/dev/null 2>&1 || true
fi
