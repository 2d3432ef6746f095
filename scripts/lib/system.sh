# Shared by the ensure-*.sh scripts that install and start a system server. Source it after
# defining `say` (the script's own prefixed message to stderr).

# Installing and starting a system server needs root; fall back to passwordless sudo for
# developers who are not root, and fail clearly rather than prompting (CI has no stdin).
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    say "need root (or passwordless sudo) to run: $*"
    return 1
  fi
}

# apt-get install of Debian packages (extra apt-get options may come first, e.g.
# --no-install-recommends).
apt_install() {
  local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
  # Fresh container images ship without package lists; stale lists show up as a failed install.
  if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then as_root "${apt[@]}" update; fi
  as_root "${apt[@]}" install "$@" ||
    { as_root "${apt[@]}" update && as_root "${apt[@]}" install "$@"; }
}
