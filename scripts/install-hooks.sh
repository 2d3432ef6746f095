#!/usr/bin/env bash
# Runs from `bun install` (postinstall/prepare). Git hooks are a convenience for developers, so
# this must never make an install fail: CI, tarball checkouts and odd setups just get a note.
cd "$(dirname "$0")/.." || exit 0

note() {
  echo "install-hooks: $* (git hooks not installed)"
  exit 0
}

case "${CI:-}" in "" | 0 | false) ;; *) note "CI=${CI}" ;; esac
# .git is a folder in a clone and a file in a worktree; without it lefthook would install into
# whatever repository happens to contain this folder.
[ -e .git ] || note "no .git here"
# Use the locked devDependency only: a bare `bunx lefthook` would fetch one from the registry.
[ -x node_modules/.bin/lefthook ] || note "lefthook is not installed in node_modules"
if out="$(bunx lefthook install 2>&1)"; then
  printf '%s\n' "$out"
else
  note "lefthook failed: $(printf '%s' "$out" | tail -n 1)"
fi
