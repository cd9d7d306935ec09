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
start_postgres $PG_PORT "$SCALE"

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
start_pgwarden pgwarden $PG_PORT $PGW_PORT $ADMIN_PORT "$work/policy.yaml" --event-loops "${EVENT_LOOPS:-1}"
pgw_pid=$PGW_PID
pids+=("$pgw_pid")
ready_ms=$PGW_READY_MS
TOKEN=$PGW_TOKEN

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
run() { run_pgbench "$@"; }
# Warm the JIT and caches before anything is measured: sessions must also have ended once, so
# the code paths of session ends are compiled before the first measured run.
warm_pgwarden $PGW_PORT "$TOKEN"
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
events=$(wc -l < "$work/pgwarden.audit.jsonl")
printf '\npgwarden: ready %d ms after start; resident memory %d MiB now, %d MiB peak (-Xmx256m); %d audit events written\n' \
  "$ready_ms" $((rss_kb / 1024)) $((hwm_kb / 1024)) "$events"
