#!/usr/bin/env bash
# Tests and the embedded run need a real MySQL-compatible server plus the application user
# (hangout/hangout). Reuse whatever already answers on DB_HOST:DB_PORT; otherwise install and
# start MariaDB from Debian without systemd (CI machines and containers have no init system).
# Safe to run repeatedly: `npm test` calls it on every run.
set -euo pipefail

host="${DB_HOST:-127.0.0.1}"
port="${DB_PORT:-3306}"
start_timeout="${DB_START_TIMEOUT:-60}"
datadir=/var/lib/mysql
log="${TMPDIR:-/tmp}/hangout-mariadbd.log"
# Non-root login shells often lack the sbin folders, where start-stop-daemon and mariadbd live.
PATH="$PATH:/usr/sbin:/sbin"

say() { echo "ensure-mysql: $*" >&2; }

# shellcheck source=lib/system.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/system.sh"

# A MySQL-compatible server speaks first: its greeting's 5th byte is the protocol version (0x0a),
# or 0xff when it greets with an error such as "Host ... is not allowed to connect" (which makes
# `mariadb-admin ping` fail although the server is up). This needs no client, tells a database
# from any other listener, and is ready exactly when clients can connect.
answers() {
  local greeting
  # shellcheck disable=SC2016 # $1/$2 expand in the inner shell, on purpose
  greeting="$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && head -c 5 <&3' _ "$host" "$port" 2>/dev/null |
    od -An -tx1 | tr -d ' \n')" || true
  case "$greeting" in ????????0a | ????????ff) return 0 ;; *) return 1 ;; esac
}

is_local() {
  case "$host" in 127.* | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

start_local_mariadb() {
  if ! [ -x /usr/sbin/mariadbd ]; then
    say "installing MariaDB from Debian packages"
    apt_install mariadb-server mariadb-client
  fi
  # The package's postinst normally initialises the datadir and may even start the server
  # (through its init script, when policy-rc.d allows); only do what is still missing.
  if ! [ -d "$datadir/mysql" ]; then
    say "initialising $datadir"
    as_root env -u TMPDIR mariadb-install-db --user=mysql --datadir="$datadir" --skip-test-db >/dev/null
  fi
  as_root install -d -o mysql -g mysql -m 0755 /run/mysqld
  # --oknodo: a mariadbd that is already starting (e.g. from the postinst) is left alone.
  # stdout/stderr go to a file so a detached server never holds a caller's pipe (CI's tee) open.
  # mariadbd takes TMPDIR as its tmpdir, and a caller's TMPDIR is often not writable by mysql.
  as_root env -u TMPDIR start-stop-daemon --start --oknodo --background --output "$log" \
    --exec /usr/sbin/mariadbd -- --user=mysql --port="$port"
  local waited=0
  until answers; do
    if [ "$waited" -ge "$start_timeout" ]; then
      say "MariaDB did not answer on $host:$port within ${start_timeout}s; last lines of $log:"
      tail -n 20 "$log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

if ! answers; then
  if ! is_local; then
    say "nothing answers on $host:$port and it is not local, so it cannot be started here"
    exit 1
  fi
  start_local_mariadb
fi

# Only manage users on the local server we can administer through the unix socket; the port
# check makes sure the socket leads to the same server that answers on DB_PORT.
root_sql() { as_root mariadb -uroot -N -B -e "$1"; }
if is_local && command -v mariadb >/dev/null 2>&1 &&
  [ "$(root_sql 'select @@port' 2>/dev/null || true)" = "$port" ]; then
  # ALL ON *.*: tests create and drop a throwaway database per file, services create their own.
  root_sql "
    CREATE USER IF NOT EXISTS 'hangout'@'127.0.0.1' IDENTIFIED BY 'hangout';
    CREATE USER IF NOT EXISTS 'hangout'@'localhost' IDENTIFIED BY 'hangout';
    CREATE USER IF NOT EXISTS 'hangout'@'%' IDENTIFIED BY 'hangout';
    GRANT ALL PRIVILEGES ON *.* TO 'hangout'@'127.0.0.1', 'hangout'@'localhost', 'hangout'@'%';"
  if ! mariadb -uhangout -phangout -h "$host" -P "$port" --protocol=tcp -e 'select 1' >/dev/null 2>&1; then
    say "warning: user hangout exists but cannot log in over TCP (password changed by someone?)"
  fi
else
  say "note: cannot administer the server on $host:$port as root; give DATABASE URLs in the environment"
fi
