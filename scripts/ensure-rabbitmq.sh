#!/usr/bin/env bash
# The outbox relay and the event consumers need a real AMQP 0-9-1 broker. Reuse whatever already
# answers on AMQP_HOST:AMQP_PORT; otherwise install RabbitMQ from Debian and start it without
# systemd (CI machines and containers have no init system). The default guest/guest user is all
# the services need, and it may log in from localhost only. Safe to run repeatedly: `npm test`
# calls it on every run, so it is quiet when a broker already answers.
#
# RABBITMQ_* and ERL_* variables reach the started broker, so a second node can run beside the
# usual one (RABBITMQ_NODENAME, RABBITMQ_DIST_PORT, RABBITMQ_MNESIA_BASE, RABBITMQ_LOG_BASE, ...).
# AMQP_PORT becomes RABBITMQ_NODE_PORT, but listeners named in a rabbitmq.conf win over it: such a
# second node needs its own RABBITMQ_CONFIG_FILE.
set -euo pipefail

host="${AMQP_HOST:-127.0.0.1}"
port="${AMQP_PORT:-5672}"
start_timeout="${AMQP_START_TIMEOUT:-90}"
log="${TMPDIR:-/tmp}/hangout-rabbitmq-$port.log"
server=/usr/lib/rabbitmq/bin/rabbitmq-server
home=/var/lib/rabbitmq
# Non-root login shells often lack the sbin folders, where start-stop-daemon lives.
PATH="$PATH:/usr/sbin:/sbin"

say() { echo "ensure-rabbitmq: $*" >&2; }

# shellcheck source=lib/system.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/system.sh"

# The client speaks first in AMQP: after the 8-byte protocol header, a 0-9-1 broker replies with
# a method frame (type 1) on channel 0 carrying Connection.Start (class 10, method 10). That tells
# a broker from any other listener, or from a broker of another protocol version (which answers
# with its own header and closes), and it holds exactly when clients can connect.
probe() {
  # shellcheck disable=SC2016 # $1/$2 expand in the inner shell, on purpose
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && printf "AMQP\x00\x00\x09\x01" >&3 && head -c 11 <&3' \
    _ "$host" "$port" 2>/dev/null | od -An -tx1 | tr -d ' \n' || true
}
answers() {
  case "$(probe)" in 010000????????000a000a) return 0 ;; *) return 1 ;; esac
}
listening() {
  timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$host" "$port" 2>/dev/null
}

is_local() {
  case "$host" in 127.* | localhost | ::1) return 0 ;; *) return 1 ;; esac
}

start_local_rabbitmq() {
  if ! [ -x "$server" ]; then
    say "installing RabbitMQ from Debian packages"
    apt_install --no-install-recommends rabbitmq-server
    # Where an init system runs, the package has just started the broker itself.
    if answers; then return 0; fi
  fi
  # The package creates only its default folders; overridden ones must belong to rabbitmq too.
  local dir
  for dir in "${RABBITMQ_MNESIA_BASE:-}" "${RABBITMQ_LOG_BASE:-}"; do
    [ -z "$dir" ] || as_root install -d -o rabbitmq -g rabbitmq -m 0750 "$dir"
  done

  # What the systemd unit sets up: the rabbitmq user, its home (where Erlang finds the cookie
  # that rabbitmqctl shares) and umask. sudo drops the caller's environment, so the broker's
  # own variables are handed over explicitly.
  local launch=(env "HOME=$home")
  local name
  for name in $(compgen -e); do
    case "$name" in RABBITMQ_* | ERL_*) launch+=("$name=${!name}") ;; esac
  done
  launch+=("RABBITMQ_NODE_PORT=$port")
  # The script is not the process that runs (Erlang is), so start-stop-daemon cannot match an
  # existing broker; the caller's lock keeps concurrent runs from starting two, and the broker
  # must not inherit it. Output goes to a file (opened as root, so any TMPDIR will do) so a
  # detached broker never holds a caller's pipe (CI's tee) open.
  local pidfile="${log%.log}.pid" pid
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  # A broker from an earlier run that gave up waiting may still be booting: wait for that one,
  # as a second node of the same name would only fail.
  if [ -n "$pid" ] && grep -qs rabbitmq-server "/proc/$pid/cmdline"; then
    say "waiting for the RabbitMQ started earlier (pid $pid, output in $log)"
  else
    as_root rm -f "$pidfile" "$log"
    say "starting RabbitMQ on port $port (output in $log)"
    as_root "${launch[@]}" start-stop-daemon --start --background --make-pidfile --pidfile "$pidfile" \
      --output "$log" --chuid rabbitmq --chdir "$home" --umask 027 --exec "$server" 9>&-
    pid="$(cat "$pidfile" 2>/dev/null || true)"
  fi

  local waited=0
  until answers; do
    # A broker that fails to boot (name taken, port taken, bad config) exits: say so now.
    if [ -n "$pid" ] && ! [ -d "/proc/$pid" ]; then
      say "RabbitMQ exited while starting; last lines of $log:"
      as_root tail -n 20 "$log" >&2 || true
      return 1
    fi
    if [ "$waited" -ge "$start_timeout" ]; then
      say "RabbitMQ did not answer on $host:$port within ${start_timeout}s; last lines of $log" \
        "(the broker's own log is in ${RABBITMQ_LOG_BASE:-/var/log/rabbitmq}):"
      as_root tail -n 20 "$log" >&2 || true
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

answers && exit 0

# Test files, CI and `npm run dev` may all get here at once; one starts, the others wait and reuse.
exec 9>"${TMPDIR:-/tmp}/hangout-rabbitmq-$port.lock"
flock 9
answers && exit 0

if listening; then
  say "something listens on $host:$port but does not answer as an AMQP 0-9-1 broker;" \
    "free the port or set AMQP_PORT"
  exit 1
fi
if ! is_local; then
  say "nothing answers on $host:$port and it is not local, so it cannot be started here"
  exit 1
fi
start_local_rabbitmq
