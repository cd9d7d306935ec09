#!/usr/bin/env bash
# Connection churn: pgbench -C (a new connection for every transaction: connect, authenticate,
# one SELECT, disconnect) against PostgreSQL directly, through pgwarden (token check and SCRAM
# upstream on every connection) and through pgbouncer (session pooling). Prints connections per
# second, and pgwarden's threads, file descriptors and resident memory before and after, which
# must not grow with the number of sessions served.
#
#   bench/churn.sh                         # defaults: clients 1 8, 20 s per run
#   DURATION=60 CLIENTS="1 8 32" bench/churn.sh
#
# Everything listens on loopback. Needs root (installs pgbouncer and the PostgreSQL 15 server with
# apt-get when missing, runs the servers as the postgres user). The CI-sized check of the same
# promise is ChurnTest (sidecar); this measures it against the alternatives.
set -euo pipefail

DURATION=${DURATION:-20}
CLIENTS=${CLIENTS:-"1 8"}
PG_PORT=55442; PGW_PORT=56442; PGB_PORT=56443; ADMIN_PORT=59197
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/pgwarden-churn.XXXXXX)"
chmod 755 "$work"
chown postgres "$work"
source "$root/bench/lib/common.sh"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT

install_tools
build_pgwarden
start_postgres $PG_PORT 1

cat > "$work/policy.yaml" <<POLICY
apiVersion: pgwarden.dev/v1alpha1
kind: DatabaseAccessPolicy
metadata: {name: churn}
spec:
  access: {mode: ReadOnly}
POLICY
start_pgwarden pgwarden $PG_PORT $PGW_PORT $ADMIN_PORT "$work/policy.yaml"
pgw_pid=$PGW_PID
pids+=("$pgw_pid")
TOKEN=$PGW_TOKEN

cat > "$work/pgbouncer.ini" <<INI
[databases]
bench = host=127.0.0.1 port=$PG_PORT dbname=bench
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PGB_PORT
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $work/userlist.txt
pool_mode = session
max_client_conn = 400
default_pool_size = 100
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
echo "\"postgres\" \"$PASSWORD\"" > "$work/userlist.txt"
chown -R postgres "$work"
runuser -u postgres -- pgbouncer -d "$work/pgbouncer.ini"
until PGPASSWORD="$PASSWORD" psql -qtA -h 127.0.0.1 -p $PGB_PORT -U postgres -c 'select 1' bench >/dev/null 2>&1; do
  sleep 0.1
done

# churn TARGET PORT PASSWORD CLIENTS -> connections per second (pgbench -C: one per transaction)
churn() {
  local out
  out=$(PGPASSWORD="$3" pgbench -n -C -S -M simple -c "$4" -j 2 -T "$DURATION" -h 127.0.0.1 -p "$2" -U postgres bench 2>&1) || {
    echo "pgbench against $1 failed: $out" >&2; echo 0; return; }
  sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out" | head -1
}
gauges() {
  printf '%s threads, %s fds, %s MiB resident' "$(awk '/^Threads/ {print $2}' "/proc/$pgw_pid/status")" \
    "$(ls "/proc/$pgw_pid/fd" | wc -l)" "$(( $(awk '/VmRSS/ {print $2}' "/proc/$pgw_pid/status") / 1024 ))"
}

# Warm the JIT and the session paths first: what is compiled or pooled once is not growth.
PGPASSWORD="$TOKEN" pgbench -n -C -S -M simple -c 4 -j 2 -T 5 -h 127.0.0.1 -p $PGW_PORT -U postgres bench >/dev/null 2>&1
before=$(gauges)
printf '\npgbench -C -S (new connection per transaction), %ss per run, %s cores\n\n' "$DURATION" "$(nproc)"
printf '%7s | %12s | %12s %6s | %12s %6s\n' clients "direct c/s" "pgwarden c/s" ratio "pgbouncer c/s" ratio
for c in $CLIENTS; do
  d=$(churn direct $PG_PORT "$PASSWORD" "$c")
  w=$(churn pgwarden $PGW_PORT "$TOKEN" "$c")
  b=$(churn pgbouncer $PGB_PORT "$PASSWORD" "$c")
  printf '%7s | %12.0f | %12.0f %6.2f | %12.0f %6.2f\n' "$c" "$d" "$w" "$(echo "$w / $d" | bc -l)" "$b" \
    "$(echo "$b / $d" | bc -l)"
done
sessions=$(grep -c '"event":"session_end"' "$work/pgwarden.audit.jsonl" || true)
printf '\npgwarden after %s sessions: before the runs %s; after them %s\n' "$sessions" "$before" "$(gauges)"
