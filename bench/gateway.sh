#!/usr/bin/env bash
# Gateway benchmark: pgbench select-only against PostgreSQL directly, through pgwarden and through
# pgbouncer, in one run, on this machine. Prints TPS, latency and ratios to direct, plus pgwarden's
# resident memory and time from start to ready.
#
#   bench/gateway.sh                       # defaults: clients 1 8 32, 15 s per run
#   DURATION=30 CLIENTS="8 32" bench/gateway.sh
#   MODES="simple" bench/gateway.sh        # simple protocol only (distinct literals per query)
#   EVENT_LOOPS=2 bench/gateway.sh         # pgwarden relay threads (default 1)
#   MASK=abalance bench/gateway.sh         # policy masks pgbench_accounts.abalance (strategy null);
#   MASK=filler bench/gateway.sh           # or a column the benchmark never selects
#
# Everything listens on loopback. Needs root (installs pgbouncer and the PostgreSQL 15 server with
# apt-get when missing, runs the servers as the postgres user).
set -euo pipefail

DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-"1 8 32"}
MODES=${MODES:-"prepared simple"}
SCALE=${SCALE:-10}
PG_PORT=55432; PGW_PORT=56432; PGB_PORT=56433; ADMIN_PORT=59187
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/pgwarden-bench.XXXXXX)"
chmod 755 "$work"
chown postgres "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null || true
  [ -n "${PGBIN:-}" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

need() { command -v "$1" >/dev/null 2>&1; }
if ! need pgbouncer || ! need pgbench || ! need bc || [ ! -x /usr/lib/postgresql/15/bin/postgres ]; then
  echo "installing pgbouncer, PostgreSQL 15 and bc with apt-get..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer postgresql-15 postgresql-client-15 bc >/dev/null
fi
PGBIN=/usr/lib/postgresql/15/bin
PASSWORD="bench-$(date +%s%N)"

echo "building pgwarden..." >&2
(cd "$root" && ./mvnw -q -B -ntp -pl src/cli -am package -DskipTests) >&2

# --- PostgreSQL ---------------------------------------------------------------------------
echo "$PASSWORD" > "$work/pwfile"
chown postgres "$work/pwfile"
runuser -u postgres -- "$PGBIN/initdb" -D "$work/data" -A scram-sha-256 --pwfile="$work/pwfile" -U postgres >/dev/null
cat >> "$work/data/postgresql.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
CONF
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w start >/dev/null
export PGPASSWORD="$PASSWORD"
psql -q -h 127.0.0.1 -p $PG_PORT -U postgres -c "create database bench" postgres
pgbench -q -i -s "$SCALE" -h 127.0.0.1 -p $PG_PORT -U postgres bench >/dev/null 2>&1

# --- pgwarden (the sidecar engine, via pgwarden local --upstream) -----------------------
cat > "$work/policy.yaml" <<POLICY
apiVersion: pgwarden.dev/v1alpha1
kind: DatabaseAccessPolicy
metadata: {name: bench}
spec:
  access: {mode: ReadWrite}
POLICY
if [ -n "${MASK:-}" ]; then
  cat >> "$work/policy.yaml" <<POLICY
  masking:
    - columns: [public.pgbench_accounts.$MASK]
      strategy: "null"
POLICY
fi
started=$(date +%s%N)
java -Xmx256m -jar "$root/src/cli/target/pgwarden.jar" local --policy "$work/policy.yaml" \
  --upstream "postgresql://postgres:$PASSWORD@127.0.0.1:$PG_PORT/bench" \
  --listen 127.0.0.1:$PGW_PORT --admin-listen 127.0.0.1:$ADMIN_PORT --state-dir "$work/state" \
  --audit-file "$work/audit.jsonl" --event-loops "${EVENT_LOOPS:-1}" > "$work/pgwarden.out" 2> "$work/pgwarden.err" &
pgw_pid=$!
pids+=("$pgw_pid")
until grep -q '^PGWARDEN_URL=' "$work/pgwarden.out" 2>/dev/null; do
  kill -0 "$pgw_pid" 2>/dev/null || { cat "$work/pgwarden.err" >&2; exit 1; }
  sleep 0.05
done
ready_ms=$(( ($(date +%s%N) - started) / 1000000 ))
TOKEN=$(java -jar "$root/src/cli/target/pgwarden.jar" token --ttl 2h --state-dir "$work/state")

# --- pgbouncer (session pooling: one server connection per client, like pgwarden) ---------
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
sleep 0.5

# --- runs ----------------------------------------------------------------------------------
run() { # target port password mode clients -> "tps latency_ms"
  local out
  out=$(PGPASSWORD="$3" pgbench -n -S -M "$4" -c "$5" -j 2 -T "$DURATION" -h 127.0.0.1 -p "$2" -U postgres bench 2>&1) || {
    echo "pgbench against $1 failed: $out" >&2; echo "0 0"; return; }
  local tps lat
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
  echo "${tps:-0} ${lat:-0}"
}
# Warm the JIT and caches before anything is measured: sessions must also have ended once, so
# the code paths of session ends are compiled before the first measured run.
for m in prepared simple prepared; do
  PGPASSWORD="$TOKEN" pgbench -n -S -M $m -c 8 -j 2 -T 4 -h 127.0.0.1 -p $PGW_PORT -U postgres bench >/dev/null 2>&1
done
PGPASSWORD="$PASSWORD" pgbench -n -S -M simple -c 8 -j 2 -T 3 -h 127.0.0.1 -p $PG_PORT -U postgres bench >/dev/null 2>&1

printf '\npgbench -S, %ss per run, scale %s, %s cores, masking: %s\n\n' "$DURATION" "$SCALE" "$(nproc)" "${MASK:-off}"
printf '%-9s %7s | %10s %8s | %10s %8s %6s | %10s %8s %6s\n' mode clients "direct" "lat ms" "pgwarden" "lat ms" ratio "pgbouncer" "lat ms" ratio
for mode in $MODES; do
  for c in $CLIENTS; do
    read -r d_tps d_lat < <(run direct $PG_PORT "$PASSWORD" "$mode" "$c")
    read -r w_tps w_lat < <(run pgwarden $PGW_PORT "$TOKEN" "$mode" "$c")
    read -r b_tps b_lat < <(run pgbouncer $PGB_PORT "$PASSWORD" "$mode" "$c")
    printf '%-9s %7s | %10.0f %8.3f | %10.0f %8.3f %6.2f | %10.0f %8.3f %6.2f\n' "$mode" "$c" \
      "$d_tps" "$d_lat" "$w_tps" "$w_lat" "$(echo "$w_tps / $d_tps" | bc -l)" \
      "$b_tps" "$b_lat" "$(echo "$b_tps / $d_tps" | bc -l)"
  done
done
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pgw_pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pgw_pid/status")
events=$(wc -l < "$work/audit.jsonl")
printf '\npgwarden: ready %d ms after start; resident memory %d MiB now, %d MiB peak (-Xmx256m); %d audit events written\n' \
  "$ready_ms" $((rss_kb / 1024)) $((hwm_kb / 1024)) "$events"
