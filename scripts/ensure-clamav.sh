#!/usr/bin/env bash
# The media worker scans uploads with a real clamd (docs/decisions/0018-photo-pipeline.md,
# "Scanning"). Reuse a clamd that already answers PING on CLAMD_SOCKET; otherwise install Debian's
# clamav-daemon and start one without systemd, on that UNIX socket and on 127.0.0.1:CLAMD_PORT.
# It never runs freshclam and needs no internet: its database directory holds only the signatures
# this script writes, so what it flags is known to the tests, and it loads in moments.
# Safe to run repeatedly: quiet when clamd already answers.
#
# CLAMD_DIR holds the config, database, log and pid file; a second clamd beside the usual one
# needs its own CLAMD_DIR, CLAMD_SOCKET and CLAMD_PORT.
set -euo pipefail

dir="${CLAMD_DIR:-/tmp/hangout-clamd}"
socket="${CLAMD_SOCKET:-$dir/clamd.sock}"
port="${CLAMD_PORT:-3310}"
start_timeout="${CLAMD_START_TIMEOUT:-60}"
conf="$dir/clamd.conf"
db="$dir/db"
log="$dir/clamd.log"
pidfile="$dir/clamd.pid"
# What test files carry to be flagged; the signature matches it anywhere in any file type.
marker=HANGOUT-PLANNER-TEST-SIGNATURE-7f3a9c
# The EICAR test file (68 bytes) by its MD5, so this script does not itself look like one to a
# scanner with the official database.
eicar_md5=44d88612fea8a8f36de82e1278abb02f
# Uploads are at most 10 MiB; a stream over StreamMaxLength is refused (an ERROR, never "OK"), and
# MaxFileSize is as large so that a stream clamd accepts is scanned in full, not skipped.
stream_max=16M
scan_max=64M
# Non-root login shells often lack the sbin folders, where clamd lives.
PATH="$PATH:/usr/sbin:/sbin"

say() { echo "ensure-clamav: $*" >&2; }

# shellcheck source=lib/system.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/system.sh"

# clamd's own health check: a NUL-terminated PING must come back as PONG. Perl (Debian's
# perl-base is essential, so always there) reaches the UNIX socket, which bash cannot.
answers() {
  # shellcheck disable=SC2016 # Perl's variables, not the shell's
  timeout 3 perl -MIO::Socket::UNIX -e '
    my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
    print $s "zPING\0";
    local $/ = "\0";
    my $reply = <$s>;
    exit(defined $reply && $reply eq "PONG\0" ? 0 : 1);
  ' "$socket" 2>/dev/null
}
tcp_taken() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$port" 2>/dev/null
}

# A clamd that died may linger as a zombie where nothing reaps orphans (a container's PID 1).
alive() {
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" && [[ "$state" != Z* ]]
}

show_log() {
  say "$1; last lines of $log:"
  tail -n 20 "$log" >&2 2>/dev/null || true
}

write_config() {
  mkdir -p "$db" "$(dirname "$socket")"
  # Only these files: clamd loads every database file it finds in the directory.
  find "$db" -mindepth 1 -delete
  local hex
  hex="$(printf %s "$marker" | od -An -tx1 | tr -d ' \n')"
  # .ndb body signature, Name:TargetType:Offset:HexSignature; type 0 = any file, offset * = anywhere.
  printf 'Hangout.Test.Infected:0:*:%s\n' "$hex" >"$db/hangout.ndb"
  # .hdb whole-file hash, MD5:Size:Name.
  printf '%s:68:Eicar-Test-Signature\n' "$eicar_md5" >"$db/hangout.hdb"
  # No User line: clamd switches user only when one is set (Debian's own config sets clamav), so
  # it runs as whoever starts it, which can reach this directory and bind an unprivileged port.
  cat >"$conf" <<EOF
Foreground no
PidFile $pidfile
LogFile $log
LogTime yes
DatabaseDirectory $db
LocalSocket $socket
TCPSocket $port
TCPAddr 127.0.0.1
StreamMaxLength $stream_max
MaxFileSize $stream_max
MaxScanSize $scan_max
EOF
}

start_clamd() {
  if ! command -v clamd >/dev/null 2>&1; then
    say "installing clamav-daemon from Debian packages"
    apt_install --no-install-recommends clamav-daemon
  fi
  write_config
  rm -f "$log"
  # clamd forks into the background itself (Foreground no) once its database is loaded, and the
  # daemon must not inherit the caller's lock or pipes (CI's tee).
  if ! clamd --config-file="$conf" </dev/null >>"$log" 2>&1 9>&-; then
    show_log "clamd failed to start"
    return 1
  fi
  local pid waited=0
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  until answers; do
    if [ -n "$pid" ] && ! alive "$pid"; then
      show_log "clamd exited while starting"
      return 1
    fi
    if [ "$waited" -ge "$start_timeout" ]; then
      show_log "clamd did not answer PING on $socket within ${start_timeout}s"
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  say "clamd answers on $socket and 127.0.0.1:$port (log in $log)"
}

answers && exit 0

# Test files, CI and `npm run dev` may all get here at once; one starts, the others wait and reuse.
mkdir -p "$dir"
exec 9>"$dir/.lock"
flock 9
answers && exit 0

if tcp_taken; then
  say "nothing answers on $socket but something listens on 127.0.0.1:$port;" \
    "free the port or set CLAMD_PORT (and CLAMD_SOCKET, CLAMD_DIR for a second clamd)"
  exit 1
fi
start_clamd
