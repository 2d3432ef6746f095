#!/usr/bin/env bash
# Prints (last line of stdout) the path of a runnable step-ca. Order: step-ca on PATH, then a copy
# built earlier into <repo>/.data/bin, else build one from Debian's Go source packages. Only npm
# and Debian apt are reachable here, so there is no release download and no Go module proxy:
# Debian ships the smallstep sources (and all their dependencies) under /usr/share/gocode but not
# the cmd/step-ca main package, so a tiny main that runs commands.AppCommand is compiled in
# GOPATH mode. Idempotent and quiet once a binary exists; progress goes to stderr.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="$repo/.data"
bin="$data/bin/step-ca"
gopath=/usr/share/gocode
src="$gopath/src/github.com/smallstep/certificates"

say() { echo "ensure-step-ca: $*" >&2; }
runs() { "$1" --version >/dev/null 2>&1; }

if found="$(command -v step-ca 2>/dev/null)" && runs "$found"; then
  echo "$found"
  exit 0
fi
if [ -x "$bin" ] && runs "$bin"; then
  echo "$bin"
  exit 0
fi

mkdir -p "$data/bin"
# Test files, CI and `bun dev` may all get here at once; one builds, the others wait and reuse.
exec 9>"$data/step-ca-build.lock"
flock 9
if [ -x "$bin" ] && runs "$bin"; then
  echo "$bin"
  exit 0
fi

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}
if ! command -v go >/dev/null 2>&1 || ! [ -d "$src/commands" ]; then
  say "installing golang-go and golang-github-smallstep-certificates-dev from Debian (~1-2 min)"
  apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
  pkgs=(golang-go golang-github-smallstep-certificates-dev)
  # Stale or missing package lists show up as a failed install; only then pay for an update.
  as_root "${apt[@]}" install "${pkgs[@]}" >&2 ||
    { as_root "${apt[@]}" update >&2 && as_root "${apt[@]}" install "${pkgs[@]}" >&2; }
fi

# Mirrors upstream cmd/step-ca/main.go (0.19) minus help templates and pprof: the app's only
# action is AppCommand, which reads the ca.json path from the first argument.
build="$data/step-ca-build"
mkdir -p "$build"
cat >"$build/main.go" <<'EOF'
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/smallstep/certificates/commands"
	"github.com/urfave/cli"
)

var version = "debian-source-build"

func main() {
	app := cli.NewApp()
	app.Name = "step-ca"
	app.HelpName = "step-ca"
	app.Version = version
	app.Usage = "an online certificate authority for secure automated certificate management"
	app.UsageText = "step-ca <config> [--password-file=<file>]"
	app.Flags = commands.AppCommand.Flags
	app.Action = func(_ *cli.Context) error {
		// Same trick as upstream: run the "start" command with the raw arguments, so that
		// `step-ca ca.json --flags` works without a subcommand name.
		set := flag.NewFlagSet(app.Name, flag.ContinueOnError)
		_ = set.Parse(os.Args)
		return commands.AppCommand.Run(cli.NewContext(app, set, nil))
	}
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
EOF

version="$(dpkg-query -W -f='${Version}' golang-github-smallstep-certificates-dev 2>/dev/null || echo unknown)"
say "building step-ca $version from $src (30 s to 2 min on 2 vCPU; seconds with a warm .data/go-cache)"
# GOPATH mode: Debian's golang-*-dev packages are a GOPATH tree, not a module cache.
# Build to a temporary name and rename, so a half-written binary is never picked up.
(cd "$build" && GO111MODULE=off GOPATH="$gopath" GOCACHE="$data/go-cache" GOFLAGS='' \
  go build -ldflags "-s -w -X main.version=$version" -o "$bin.tmp" . >&2)
mv -f "$bin.tmp" "$bin"
runs "$bin" || { say "built $bin but it does not run"; exit 1; }
echo "$bin"
