# Shared by the benchmarks: a throwaway PostgreSQL 15 with pgbench data, pgwarden instances in
# front of it, and one pgbench run. Source it after setting $root and $work; needs root.

PGBIN=/usr/lib/postgresql/15/bin

need() { command -v "$1" >/dev/null 2>&1; }

install_tools() {
  if ! need pgbouncer || ! need pgbench || ! need bc || [ ! -x $PGBIN/postgres ]; then
    echo "installing pgbouncer, PostgreSQL 15 and bc with apt-get..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer postgresql-15 postgresql-client-15 bc >/dev/null
  fi
}

build_pgwarden() {
  echo "building pgwarden..." >&2
  (cd "$root" && ./mvnw -q -B -ntp -pl src/cli -am package -DskipTests) >&2
}

# start_postgres PORT SCALE: initdb in $work/data, database bench with pgbench tables; sets PASSWORD.
start_postgres() {
  PASSWORD="bench-$(date +%s%N)"
  echo "$PASSWORD" > "$work/pwfile"
  chown postgres "$work/pwfile"
  runuser -u postgres -- "$PGBIN/initdb" -D "$work/data" -A scram-sha-256 --pwfile="$work/pwfile" -U postgres >/dev/null
  cat >> "$work/data/postgresql.conf" <<CONF
port = $1
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
max_connections = 300
shared_buffers = 256MB
fsync = off
synchronous_commit = off
CONF
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -l "$work/postgres.log" -w start >/dev/null
  export PGPASSWORD="$PASSWORD"
  psql -q -h 127.0.0.1 -p "$1" -U postgres -c "create database bench" postgres
  pgbench -q -i -s "$2" -h 127.0.0.1 -p "$1" -U postgres bench >/dev/null 2>&1
}

stop_postgres() {
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true
}

# start_pgwarden NAME PG_PORT PORT ADMIN_PORT POLICY [extra pgwarden local options...]
# Runs pgwarden local --upstream in the background with its state in $work/NAME; sets
# PGW_PID and PGW_TOKEN (a token valid for 2 h) and PGW_READY_MS.
start_pgwarden() {
  local name=$1 pg_port=$2 port=$3 admin=$4 policy=$5
  shift 5
  local started
  started=$(date +%s%N)
  java ${PGWARDEN_JAVA_OPTS:--Xmx256m} -jar "${PGWARDEN_JAR:-$root/src/cli/target/pgwarden.jar}" local --policy "$policy" \
    --upstream "postgresql://postgres:$PASSWORD@127.0.0.1:$pg_port/bench" \
    --listen 127.0.0.1:"$port" --admin-listen 127.0.0.1:"$admin" --state-dir "$work/$name" \
    --audit-file "$work/$name.audit.jsonl" "$@" > "$work/$name.out" 2> "$work/$name.err" &
  PGW_PID=$!
  until grep -q '^PGWARDEN_URL=' "$work/$name.out" 2>/dev/null; do
    kill -0 "$PGW_PID" 2>/dev/null || { cat "$work/$name.out" "$work/$name.err" >&2; exit 1; }
    sleep 0.05
  done
  PGW_READY_MS=$(( ($(date +%s%N) - started) / 1000000 ))
  PGW_TOKEN=$(java -jar "${PGWARDEN_JAR:-$root/src/cli/target/pgwarden.jar}" token --ttl 2h --state-dir "$work/$name")
}

# run_pgbench TARGET PORT PASSWORD MODE CLIENTS -> "tps latency_ms transactions" (select-only, $DURATION s)
run_pgbench() {
  local out
  out=$(PGPASSWORD="$3" pgbench -n -S -M "$4" -c "$5" -j 2 -T "$DURATION" -h 127.0.0.1 -p "$2" -U postgres bench 2>&1) || {
    echo "pgbench against $1 failed: $out" >&2; echo "0 0 0"; return; }
  local tps lat tx
  tps=$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
  tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  echo "${tps:-0} ${lat:-0} ${tx:-0}"
}

# cpu_ticks PID -> "user sys": clock ticks the process has used so far, every thread (live or ended).
cpu_ticks() {
  # Fields 14 and 15 of /proc/PID/stat; the command name (field 2) may hold spaces, so count after it.
  sed 's/^.*) //' "/proc/$1/stat" | awk '{print $12, $13}'
}

# thread_ticks PID -> "name ticks" per live thread, numbers in names folded (pgwarden-loop-3 -> pgwarden-loop-N).
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    sed -n 's/^[0-9]* (\(.*\)) [A-Za-z] \(.*\)$/\1|\2/p' "$t/stat" 2>/dev/null
  done | awk -F'|' '{ split($2, f, " "); name = $1; gsub(/[0-9]+/, "N", name); gsub(/ /, "_", name); print name, f[11] + f[12] }'
}

# warm_pgwarden PORT TOKEN: compiles the relay and session-end paths before anything is measured.
warm_pgwarden() {
  for m in prepared simple prepared; do
    PGPASSWORD="$2" pgbench -n -S -M $m -c 8 -j 2 -T 4 -h 127.0.0.1 -p "$1" -U postgres bench > "$work/warm.log" 2>&1 \
      || { echo "warm-up ($m) through port $1 failed:" >&2; tail -5 "$work/warm.log" >&2; return 1; }
  done
}
