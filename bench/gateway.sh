#!/usr/bin/env bash
# Gateway benchmark: pgbench select-only against PostgreSQL directly, through pgwarden and through
# pgbouncer, in one run, on this machine. For each protocol and client count it prints TPS,
# average latency, and CPU per transaction (user and sys, from /proc/PID/stat over the run, every
# thread) of pgwarden and of pgbouncer, with their ratios; pgwarden's heap allocation per
# transaction; the same pgwarden with recording on; pgwarden's resident memory and start-to-ready
# time, and where its threads spent their CPU.
#
#   bench/gateway.sh                       # defaults: clients 1 8 32, both protocols, 15 s per run
#   bench/gateway.sh --profile             # also a JFR profile of pgwarden: top frames by CPU and allocation
#   DURATION=30 CLIENTS="8 32" bench/gateway.sh
#   MODES="simple" bench/gateway.sh        # simple protocol only (distinct literals per query)
#   EVENT_LOOPS=2 bench/gateway.sh         # pgwarden relay threads (default 1)
#   MASK=public.pgbench_accounts.abalance bench/gateway.sh   # mask the column pgbench selects
#   MASK=off bench/gateway.sh              # no masking rule
#   RECORDING=off bench/gateway.sh         # skip the runs with recording on
#   COMPARE_JAR=/tmp/b.jar bench/gateway.sh   # A/B: the second pgwarden runs that jar, without recording
#   PORT_BASE=45432 bench/gateway.sh       # loopback ports PORT_BASE to PORT_BASE+5 (default 55432)
#   PGWARDEN_JAVA_OPTS="-Xmx256m ..." bench/gateway.sh       # pgwarden's JVM options
#   PGWARDEN_JAR=/tmp/a.jar bench/gateway.sh                 # run a pgwarden.jar built elsewhere (A/B runs)
#
# pgwarden runs as `pgwarden local --upstream` with the chained audit on, every statement
# classified and judged, and by default a masking rule on a table pgbench does not read
# (public.pgbench_tellers.filler). The recording instance is the same with recording.results
# Summary, parts spooled and moved to a directory store.
#
# Everything listens on loopback. Needs root (installs pgbouncer and the PostgreSQL 15 server with
# apt-get when missing, runs the servers as the postgres user). pgbench, PostgreSQL and the
# proxies share the cores, so compare ratios within one run.
set -euo pipefail

PROFILE=false
for arg in "$@"; do
  case "$arg" in
    --profile) PROFILE=true ;;
    *) echo "usage: bench/gateway.sh [--profile]" >&2; exit 2 ;;
  esac
done
DURATION=${DURATION:-15}
CLIENTS=${CLIENTS:-"1 8 32"}
MODES=${MODES:-"prepared simple"}
SCALE=${SCALE:-10}
MASK=${MASK:-public.pgbench_tellers.filler}
RECORDING=${RECORDING:-on}
COMPARE_JAR=${COMPARE_JAR:-}
# The second instance is measured in every cell: with recording on, or another build of pgwarden.
[ -n "$COMPARE_JAR" ] && RECORDING=on
# Loopback ports: PORT_BASE + 0..5 (PostgreSQL, pgwarden, pgbouncer, pgwarden recording, their admin ports).
PORT_BASE=${PORT_BASE:-55432}
PG_PORT=$PORT_BASE; PGW_PORT=$((PORT_BASE + 1)); PGB_PORT=$((PORT_BASE + 2)); REC_PORT=$((PORT_BASE + 3))
ADMIN_PORT=$((PORT_BASE + 4)); REC_ADMIN_PORT=$((PORT_BASE + 5))
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
  if [ "$PROFILE" = true ] && [ -f "$work/profile.jfr" ]; then
    cp "$work/profile.jfr" /tmp/pgwarden-profile.jfr
  fi
  rm -rf "$work"
}
trap cleanup EXIT

install_tools
build_pgwarden
start_postgres $PG_PORT "$SCALE"
TICK=$(getconf CLK_TCK)

# --- pgwarden (the sidecar engine, via pgwarden local --upstream) -----------------------
policy() { # policy FILE [recording]
  # Each pgwarden local gets a policy name of its own: a second one starting with the same name on
  # the same database drops the first one's login (it takes it for a crashed run's).
  cat > "$1" <<POLICY
apiVersion: pgwarden.dev/v1alpha1
kind: DatabaseAccessPolicy
metadata: {name: bench${2:+-$2}}
spec:
  access: {mode: ReadWrite}
POLICY
  if [ "$MASK" != off ]; then
    printf '  masking:\n    - columns: [%s]\n      strategy: "null"\n' "$MASK" >> "$1"
  fi
  if [ "${2:-}" = recording ]; then
    printf '  recording: {results: Summary}\n' >> "$1"
  fi
}
policy "$work/policy.yaml"
start_pgwarden pgwarden $PG_PORT $PGW_PORT $ADMIN_PORT "$work/policy.yaml" --event-loops "${EVENT_LOOPS:-1}"
pgw_pid=$PGW_PID
pids+=("$pgw_pid")
ready_ms=$PGW_READY_MS
TOKEN=$PGW_TOKEN
if [ -n "$COMPARE_JAR" ]; then
  policy "$work/policy-compare.yaml" compare
  PGWARDEN_JAR="$COMPARE_JAR" start_pgwarden recording $PG_PORT $REC_PORT $REC_ADMIN_PORT "$work/policy-compare.yaml" \
    --event-loops "${EVENT_LOOPS:-1}"
elif [ "$RECORDING" = on ]; then
  policy "$work/policy-rec.yaml" recording
  start_pgwarden recording $PG_PORT $REC_PORT $REC_ADMIN_PORT "$work/policy-rec.yaml" \
    --event-loops "${EVENT_LOOPS:-1}" --recordings "$work/store"
fi
if [ "$RECORDING" = on ]; then
  rec_pid=$PGW_PID
  pids+=("$rec_pid")
  REC_TOKEN=$PGW_TOKEN
fi

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
for _ in $(seq 50); do [ -s "$work/pgbouncer.pid" ] && break; sleep 0.1; done
pgb_pid=$(cat "$work/pgbouncer.pid")

# --- allocation (and, with --profile, CPU and allocation samples) recorded by JFR ---------------
# Started after the warm-up, through jcmd, so neither the start-to-ready time nor the JIT's warm-up
# is part of it. Only jdk.ThreadAllocationStatistics is on, once a second: next to free.
cat > "$work/allocation.jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="pgwarden allocation">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">1 s</setting></event>
</configuration>
JFC
jfr_start() { # jfr_start PID NAME
  jcmd "$1" JFR.start name=bench settings="$work/allocation.jfc" filename="$work/$2.jfr" >/dev/null
}
jfr_stop() { jcmd "$1" JFR.stop name=bench >/dev/null; }

# --- runs ----------------------------------------------------------------------------------
# Warm the JIT and caches before anything is measured: sessions must also have ended once, so
# the code paths of session ends are compiled before the first measured run.
warm_pgwarden $PGW_PORT "$TOKEN"
[ "$RECORDING" = on ] && warm_pgwarden $REC_PORT "$REC_TOKEN"
PGPASSWORD="$PASSWORD" pgbench -n -S -M simple -c 8 -j 2 -T 3 -h 127.0.0.1 -p $PG_PORT -U postgres bench >/dev/null 2>&1
PGPASSWORD="$PASSWORD" pgbench -n -S -M prepared -c 8 -j 2 -T 3 -h 127.0.0.1 -p $PGB_PORT -U postgres bench >/dev/null 2>&1
# The JIT compiles for a minute of CPU or more (and starting JFR throws some code away): warm
# each pgwarden, in every cell's shape, until its compiler threads are next to idle, so that
# what is measured is the steady state.
jit_ticks() { thread_ticks "$1" | awk '$1 ~ /Compiler/ { t += $2 } END { print t + 0 }'; }
warm_until_quiet() { # warm_until_quiet PID PORT TOKEN
  local round j0 j1 m c
  for round in $(seq "${WARM_ROUNDS:-12}"); do
    j0=$(jit_ticks "$1")
    for m in $MODES; do
      for c in $CLIENTS; do
        PGPASSWORD="$3" pgbench -n -S -M "$m" -c "$c" -j 2 -T 2 -h 127.0.0.1 -p "$2" -U postgres bench >/dev/null 2>&1
      done
    done
    j1=$(jit_ticks "$1")
    echo "warm-up round $round of pid $1: JIT $(( (j1 - j0) * 1000 / TICK )) ms" >&2
    [ $((j1 - j0)) -le $((TICK / 5)) ] && break
  done
}
warm_until_quiet "$pgw_pid" $PGW_PORT "$TOKEN"
if [ "$RECORDING" = on ]; then warm_until_quiet "$rec_pid" $REC_PORT "$REC_TOKEN"; fi
# Resident memory of the warmed-up pgwarden, before JFR adds its own buffers.
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pgw_pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$pgw_pid/status")
jfr_start "$pgw_pid" pgwarden
[ "$RECORDING" = on ] && jfr_start "$rec_pid" recording
if [ "$PROFILE" = true ]; then
  jcmd "$pgw_pid" JFR.start name=profile settings=profile filename="$work/profile.jfr" >/dev/null
fi
# Starting JFR loads classes, which throws some compiled code away: until the JIT is quiet again.
warm_until_quiet "$pgw_pid" $PGW_PORT "$TOKEN"
if [ "$RECORDING" = on ]; then warm_until_quiet "$rec_pid" $REC_PORT "$REC_TOKEN"; fi

# thread_kinds BEFORE AFTER TRANSACTIONS -> "loop audit jit gc other" CPU us per transaction by kind of thread
thread_kinds() {
  awk -v tx="$3" -v hz="$TICK" 'NR == FNR { before[$1] += $2; next } { after[$1] += $2 } END {
    for (n in after) {
      if (n ~ /IoEv|EventLoop/) k = "loop"; else if (n ~ /pgwarden-audit/) k = "audit"
      else if (n ~ /Compiler/) k = "jit"; else if (n ~ /GC|G1|VM_Thread|Conc/) k = "gc"; else k = "other"
      t[k] += after[n] - (n in before ? before[n] : 0)
    }
    d = tx > 0 ? tx : 1
    printf "%.1f %.1f %.1f %.1f %.1f\n", t["loop"] * 1e6 / hz / d, t["audit"] * 1e6 / hz / d, t["jit"] * 1e6 / hz / d,
      t["gc"] * 1e6 / hz / d, t["other"] * 1e6 / hz / d }' "$1" "$2"
}

# measure NAME PID PORT PASSWORD MODE CLIENTS -> "tps lat_ms transactions user_us sys_us" (CPU per transaction);
# for pgwarden, also the CPU of its threads by kind in $work/threads.NAME-MODE-CLIENTS
measure() {
  local name=$1 pid=$2 port=$3 pass=$4 mode=$5 c=$6 u0 s0 u1 s1 t0 t1 tps lat tx
  if [ "$pid" = "$pgw_pid" ]; then thread_ticks "$pid" > "$work/threads.before"; fi
  read -r u0 s0 < <(cpu_ticks "$pid")
  t0=$(date +%s%3N)
  read -r tps lat tx < <(run_pgbench "$name" "$port" "$pass" "$mode" "$c")
  t1=$(date +%s%3N)
  read -r u1 s1 < <(cpu_ticks "$pid")
  if [ "$pid" = "$pgw_pid" ]; then
    thread_ticks "$pid" > "$work/threads.after"
    thread_kinds "$work/threads.before" "$work/threads.after" "$tx" > "$work/threads.$name-$mode-$c"
  fi
  [ "$pid" = "$pgw_pid" ] || [ "$pid" = "${rec_pid:-}" ] && echo "$name-$mode-$c $t0 $t1 $tx" >> "$work/windows.$name"
  awk -v tps="$tps" -v lat="$lat" -v tx="$tx" -v u="$((u1 - u0))" -v s="$((s1 - s0))" -v hz="$TICK" \
    'BEGIN { d = tx > 0 ? tx : 1; printf "%s %s %s %.2f %.2f\n", tps, lat, tx, u * 1e6 / hz / d, s * 1e6 / hz / d }'
}

results="$work/results"
: > "$results"
for mode in $MODES; do
  for c in $CLIENTS; do
    echo "running $mode, $c clients..." >&2
    read -r d_tps d_lat _ < <(run_pgbench direct $PG_PORT "$PASSWORD" "$mode" "$c")
    read -r w_tps w_lat _ w_usr w_sys < <(measure pgwarden "$pgw_pid" $PGW_PORT "$TOKEN" "$mode" "$c")
    read -r b_tps b_lat _ b_usr b_sys < <(measure pgbouncer "$pgb_pid" $PGB_PORT "$PASSWORD" "$mode" "$c")
    r_tps=0; r_usr=0; r_sys=0
    if [ "$RECORDING" = on ]; then
      read -r r_tps _ _ r_usr r_sys < <(measure recording "$rec_pid" $REC_PORT "$REC_TOKEN" "$mode" "$c")
    fi
    echo "$mode $c $d_tps $d_lat $w_tps $w_lat $w_usr $w_sys $b_tps $b_lat $b_usr $b_sys $r_tps $r_usr $r_sys" >> "$results"
  done
done

# --- allocation per transaction ---------------------------------------------------------------
jfr_stop "$pgw_pid"
java "$root/bench/lib/JfrReport.java" alloc "$work/pgwarden.jfr" "$work/windows.pgwarden" > "$work/alloc.pgwarden"
if [ "$RECORDING" = on ]; then
  jfr_stop "$rec_pid"
  java "$root/bench/lib/JfrReport.java" alloc "$work/recording.jfr" "$work/windows.recording" > "$work/alloc.recording"
else
  : > "$work/alloc.recording"
fi
alloc_of() { awk -v k="$1" '$1 == k {print $2; f = 1} END {if (!f) print 0}' "$work/alloc.$2"; }

# --- tables ---------------------------------------------------------------------------------
printf '\npgbench -S, %ss per run, scale %s, %s cores; pgwarden: chained audit, classification, masking rule: %s, %s event loop(s)\n' \
  "$DURATION" "$SCALE" "$(nproc)" "$MASK" "${EVENT_LOOPS:-1}"
printf 'pgwarden JVM: %s\n' "${PGWARDEN_JAVA_OPTS:--Xmx256m}"
printf '\nThroughput and latency (latency overhead: average latency minus direct, in us)\n'
printf '%-9s %7s | %8s %7s | %8s %7s %6s | %8s %7s %6s | %7s\n' mode clients direct "lat ms" pgwarden "lat ms" "+us" \
  pgbouncer "lat ms" "+us" "TPS w/b"
while read -r mode c d_tps d_lat w_tps w_lat w_usr w_sys b_tps b_lat b_usr b_sys r_tps r_usr r_sys; do
  printf '%-9s %7s | %8.0f %7.3f | %8.0f %7.3f %6.0f | %8.0f %7.3f %6.0f | %7.2f\n' "$mode" "$c" "$d_tps" "$d_lat" \
    "$w_tps" "$w_lat" "$(echo "($w_lat - $d_lat) * 1000" | bc -l)" "$b_tps" "$b_lat" "$(echo "($b_lat - $d_lat) * 1000" | bc -l)" \
    "$(echo "$w_tps / $b_tps" | bc -l)"
done < "$results"

printf '\nCPU per transaction in us (user + sys, every thread; /proc/PID/stat over the run) and pgwarden heap allocation\n'
printf '%-9s %7s | %8s %6s %6s | %8s %6s %6s | %6s %6s %6s | %9s\n' mode clients pgwarden user sys pgbouncer user sys \
  "w/b" "usr" "sys" "alloc B/tx"
while read -r mode c d_tps d_lat w_tps w_lat w_usr w_sys b_tps b_lat b_usr b_sys r_tps r_usr r_sys; do
  w=$(echo "$w_usr + $w_sys" | bc -l); b=$(echo "$b_usr + $b_sys" | bc -l)
  printf '%-9s %7s | %8.1f %6.1f %6.1f | %8.1f %6.1f %6.1f | %6.2f %6.2f %6.2f | %9s\n' "$mode" "$c" "$w" "$w_usr" "$w_sys" \
    "$b" "$b_usr" "$b_sys" "$(echo "$w / $b" | bc -l)" "$(echo "$w_usr / $b_usr" | bc -l)" "$(echo "$w_sys / $b_sys" | bc -l)" \
    "$(alloc_of "pgwarden-$mode-$c" pgwarden)"
done < "$results"

printf '\npgwarden CPU per transaction by thread, in us (event loop, audit writer, JIT compilers, GC and VM, the rest)\n'
printf '%-9s %7s | %6s %6s %6s %6s %6s\n' mode clients loop audit jit gc other
while read -r mode c _; do
  printf '%-9s %7s | %6s %6s %6s %6s %6s\n' "$mode" "$c" $(cat "$work/threads.pgwarden-$mode-$c")
done < "$results"

if [ "$RECORDING" = on ]; then
  if [ -n "$COMPARE_JAR" ]; then
    printf '\nB: %s, against A: %s (the pgwarden above), same policy, no recording\n' "$COMPARE_JAR" \
      "${PGWARDEN_JAR:-this build}"
    printf '%-9s %7s | %8s %8s | %8s %8s %9s | %6s %6s\n' mode clients "TPS A" "us/tx" "TPS B" "us/tx" "alloc B/tx" "B/A cpu" "TPS"
  else
    printf '\nRecording on (results Summary, spool, directory store) against the same pgwarden without it\n'
    printf '%-9s %7s | %8s %8s | %8s %8s %9s | %6s %6s\n' mode clients "TPS off" "us/tx" "TPS on" "us/tx" "alloc B/tx" "cpu" "TPS"
  fi
  while read -r mode c d_tps d_lat w_tps w_lat w_usr w_sys b_tps b_lat b_usr b_sys r_tps r_usr r_sys; do
    w=$(echo "$w_usr + $w_sys" | bc -l); r=$(echo "$r_usr + $r_sys" | bc -l)
    printf '%-9s %7s | %8.0f %8.1f | %8.0f %8.1f %9s | %6.2f %6.2f\n' "$mode" "$c" "$w_tps" "$w" "$r_tps" "$r" \
      "$(alloc_of "recording-$mode-$c" recording)" "$(echo "$r / $w" | bc -l)" "$(echo "$r_tps / $w_tps" | bc -l)"
  done < "$results"
fi

events=$(wc -l < "$work/pgwarden.audit.jsonl")
printf '\npgwarden: ready %d ms after start; resident memory after warm-up %d MiB, %d MiB peak; %d audit events written\n' \
  "$ready_ms" $((rss_kb / 1024)) $((hwm_kb / 1024)) "$events"

if [ "$PROFILE" = true ]; then
  jcmd "$pgw_pid" JFR.stop name=profile >/dev/null
  printf '\nProfile of pgwarden over the measured runs (JFR settings=profile; kept in /tmp/pgwarden-profile.jfr)\n\n'
  java "$root/bench/lib/JfrReport.java" top "$work/profile.jfr" "${TOP:-20}"
fi
