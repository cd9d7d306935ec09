#!/usr/bin/env bash
# Masked-result benchmark: how long one large result (ROWS rows of six columns) takes to arrive
# directly from PostgreSQL, through pgwarden without masking, and through pgwarden masking two of
# the six columns (email partial, ssn redact or hash), in one run on this machine. Prints, per
# configuration, the median time of ROUNDS runs, its ratio to direct, and pgwarden's CPU (user and
# sys, every thread, /proc/PID/stat over the measured runs) per run.
#
#   bench/masked-result.sh                    # defaults: 1,000,000 rows, 5 rounds, extended protocol
#   ROWS=200000 ROUNDS=9 bench/masked-result.sh
#   MODE=simple bench/masked-result.sh        # pgbench -M simple|extended|prepared
#   PORT_BASE=45452 bench/masked-result.sh    # loopback ports PORT_BASE to PORT_BASE+6 (default 55452)
#   PGWARDEN_JAR=/tmp/a.jar bench/masked-result.sh   # run a pgwarden.jar built elsewhere
#
# The client is pgbench running one SELECT of the whole table per run (libpq receives every row).
# Runs are interleaved (one of each configuration per round) so that drifting load on a shared
# machine falls on all of them alike; a warm-up round is not counted.
#
# Everything listens on loopback. Needs root (installs PostgreSQL 15 with apt-get when missing,
# runs the server as the postgres user). pgbench, PostgreSQL and pgwarden share the cores, so
# compare ratios within one run.
set -euo pipefail

ROWS=${ROWS:-1000000}
ROUNDS=${ROUNDS:-5}
MODE=${MODE:-extended}
PORT_BASE=${PORT_BASE:-55452}
PG_PORT=$PORT_BASE
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/pgwarden-maskbench.XXXXXX)"
chmod 755 "$work"
chown postgres "$work"
source "$root/bench/lib/common.sh"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  stop_postgres
  rm -rf "$work"
}
trap cleanup EXIT

install_tools
build_pgwarden
start_postgres $PG_PORT 1
echo "loading $ROWS rows..." >&2
psql -q -h 127.0.0.1 -p $PG_PORT -U postgres bench <<SQL
CREATE SCHEMA bench_stream;
CREATE TABLE bench_stream.people (id int, name text, email text, ssn text, city text, score int);
INSERT INTO bench_stream.people SELECT g, 'person ' || g, 'user' || g || '@example.com',
  lpad((g % 1000)::text, 3, '0') || '-' || lpad((g % 100)::text, 2, '0') || '-' || lpad(g::text, 4, '0'),
  'city ' || (g % 97), g % 1000 FROM generate_series(1, $ROWS) g;
VACUUM ANALYZE bench_stream.people;
-- Unqualified names: the agent's role finds the masking view first on its search_path (a
-- qualified name reads the table, whose masked columns it may not read); the others find the table.
ALTER DATABASE bench SET search_path = bench_stream, public;
SQL
echo 'SELECT id, name, email, ssn, city, score FROM people;' > "$work/select.sql"

# policy FILE [SSN_STRATEGY]: read-only; with a strategy, email and ssn are masked.
policy() {
  cat > "$1" <<POLICY
apiVersion: pgwarden.dev/v1alpha1
kind: DatabaseAccessPolicy
metadata: {name: masked-result}
spec:
  access: {mode: ReadOnly, schemas: [bench_stream]}
  onUnparseable: Deny
POLICY
  if [ -n "${2:-}" ]; then
    printf '  masking:\n    - columns: [bench_stream.people.email]\n      strategy: partial\n' >> "$1"
    printf '    - columns: [bench_stream.people.ssn]\n      strategy: %s\n' "$2" >> "$1"
  fi
}

# Configurations: name, port, password, pid (none for direct).
names=(direct); ports=($PG_PORT); passes=("$PASSWORD"); cpids=(none)
i=1
for cfg in "plain:" "redact:redact" "hash:hash"; do
  name=${cfg%%:*}; strategy=${cfg#*:}
  policy "$work/$name.yaml" "$strategy"
  start_pgwarden "$name" $PG_PORT $((PORT_BASE + i)) $((PORT_BASE + 3 + i)) "$work/$name.yaml"
  pids+=("$PGW_PID")
  names+=("$name"); ports+=($((PORT_BASE + i))); passes+=("$PGW_TOKEN"); cpids+=("$PGW_PID")
  i=$((i + 1))
done

# What each configuration returns for one row: shows that the masked ones mask.
for k in "${!names[@]}"; do
  printf '%-7s id 1: %s\n' "${names[$k]}" "$(PGPASSWORD="${passes[$k]}" psql -At -h 127.0.0.1 -p "${ports[$k]}" -U postgres \
    -c 'SELECT id, name, email, ssn, city, score FROM people WHERE id = 1' bench 2>&1)"
done

# once INDEX -> "ms cpu_ms": one SELECT of the whole table; pgwarden's CPU over it (0 for direct).
once() {
  local k=$1 out ms u0=0 s0=0 u1=0 s1=0
  [ "${cpids[$k]}" = none ] || read -r u0 s0 < <(cpu_ticks "${cpids[$k]}")
  out=$(PGPASSWORD="${passes[$k]}" pgbench -n -M "$MODE" -f "$work/select.sql" -c 1 -t 1 \
    -h 127.0.0.1 -p "${ports[$k]}" -U postgres bench 2>&1) || { echo "pgbench against ${names[$k]} failed: $out" >&2; exit 1; }
  [ "${cpids[$k]}" = none ] || read -r u1 s1 < <(cpu_ticks "${cpids[$k]}")
  ms=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
  echo "$ms $(( (u1 - u0 + s1 - s0) * 1000 / $(getconf CLK_TCK) ))"
}

echo "warming up..." >&2
for _ in 1 2; do for k in "${!names[@]}"; do once "$k" >/dev/null; done; done
: > "$work/runs"
for round in $(seq "$ROUNDS"); do
  echo "round $round of $ROUNDS..." >&2
  for k in "${!names[@]}"; do echo "$k $(once "$k")" >> "$work/runs"; done
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
direct=$(awk '$1 == 0 { print $2 }' "$work/runs" | median)
printf '\nOne SELECT of %s rows x 6 columns (pgbench -M %s, libpq), median of %s interleaved runs, %s cores\n' \
  "$ROWS" "$MODE" "$ROUNDS" "$(nproc)"
printf '%-42s | %9s | %9s | %15s | %s\n' configuration "ms" "vs direct" "pgwarden CPU ms" "runs (ms)"
label=("direct" "pgwarden, no masking" "pgwarden, 2 of 6 masked (partial, redact)" "pgwarden, 2 of 6 masked (partial, hash)")
for k in "${!names[@]}"; do
  m=$(awk -v k="$k" '$1 == k { print $2 }' "$work/runs" | median)
  cpu=$(awk -v k="$k" '$1 == k { print $3 }' "$work/runs" | median)
  runs=$(awk -v k="$k" '$1 == k { printf "%s%.0f", sep, $2; sep = " " }' "$work/runs")
  [ "$k" = 0 ] && cpu=-
  printf '%-42s | %9.0f | %8.2fx | %15s | %s\n' "${label[$k]}" "$m" "$(echo "$m / $direct" | bc -l)" "$cpu" "$runs"
done
