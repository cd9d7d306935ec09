#!/usr/bin/env bash
# Trial-run benchmark: what a changesMoreThan rule costs a bounded write. pgbench runs one UPDATE
# of one row by primary key (autocommit) through two pgwarden instances in front of one
# PostgreSQL: one whose policy has no changesMoreThan rule, one whose rule (UPDATE, DELETE,
# changesMoreThan: 100, RequireApproval) makes every UPDATE run as a trial first. Runs alternate,
# ROUNDS times per cell; the median TPS of each and pgwarden's CPU per transaction are compared.
#
#   bench/trial.sh                          # defaults: clients 1 and 8, both protocols, 10 s per run, 3 rounds
#   DURATION=20 ROUNDS=5 CLIENTS="8" bench/trial.sh
#   SKIP_BUILD=1 bench/trial.sh             # with the jar already built (src/cli/target/pgwarden.jar)
#
# A trial adds round trips: in the simple protocol the Query is sent as BEGIN (or SAVEPOINT inside
# the client's transaction), the statement and a count of pgwarden's own (the backend's xact counters and pg_class) in one round
# trip, then the COMMIT (or RELEASE) that lets it stand in a second; in the extended protocol the
# batch opens a savepoint before its Parse or Bind, the Execute goes between two counts of pgwarden's
# own (one Parse, then Bind, Execute, Close for each, inside the batch) and a Flush, and the Sync carries the RELEASE.
#
# Everything listens on loopback. Needs root (installs PostgreSQL 15 with apt-get when missing).
set -euo pipefail

DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-"1 8"}
MODES=${MODES:-"prepared simple"}
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-10}
PG_PORT=55452; PLAIN_PORT=56452; TRIAL_PORT=56453
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/pgwarden-trialbench.XXXXXX)"
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
[ -n "${SKIP_BUILD:-}" ] || build_pgwarden
start_postgres $PG_PORT "$SCALE"

policy() {
  cat <<POLICY
apiVersion: pgwarden.dev/v1alpha1
kind: DatabaseAccessPolicy
metadata: {name: bench-$1}
spec:
  access: {mode: ReadWrite}
  rules:
    - name: unbounded-writes
      statements: [UPDATE, DELETE]
      withoutWhere: true
      action: RequireApproval
$2
POLICY
}
policy plain "" > "$work/plain.yaml"
policy trial "    - name: big-writes
      statements: [UPDATE, DELETE]
      changesMoreThan: 100
      action: RequireApproval" > "$work/trial.yaml"
cat > "$work/update.sql" <<'SQL'
\set aid random(1, 100000 * :scale)
\set delta random(-5000, 5000)
UPDATE pgbench_accounts SET abalance = abalance + :delta WHERE aid = :aid;
SQL
chmod 644 "$work/update.sql"

start_pgwarden plain $PG_PORT $PLAIN_PORT 59198 "$work/plain.yaml"
pids+=("$PGW_PID"); PLAIN_PID=$PGW_PID; PLAIN_TOKEN=$PGW_TOKEN
start_pgwarden trial $PG_PORT $TRIAL_PORT 59199 "$work/trial.yaml"
pids+=("$PGW_PID"); TRIAL_PID=$PGW_PID; TRIAL_TOKEN=$PGW_TOKEN

# update PORT TOKEN MODE CLIENTS -> "tps transactions"
update() {
  local out
  out=$(PGPASSWORD="$2" pgbench -n -f "$work/update.sql" -M "$3" -c "$4" -j 2 -T "$DURATION" -h 127.0.0.1 -p "$1" \
    -U postgres bench 2>&1) || { echo "pgbench failed: $out" >&2; echo "0 0"; return; }
  echo "$(sed -n 's/^tps = \([0-9.]*\) (without initial connection time)/\1/p' <<<"$out") \
$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")"
}
for port_token in "$PLAIN_PORT $PLAIN_TOKEN" "$TRIAL_PORT $TRIAL_TOKEN"; do
  set -- $port_token
  for m in prepared simple; do DURATION=4 update "$1" "$2" $m 8 >/dev/null; done
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# measured PID PORT TOKEN MODE CLIENTS -> "tps cpu_us_per_tx"
measured() {
  local before after tps tx
  before=$(cpu_ticks "$1" | awk '{print $1 + $2}')
  read -r tps tx < <(update "$2" "$3" "$4" "$5")
  after=$(cpu_ticks "$1" | awk '{print $1 + $2}')
  echo "$tps $(echo "($after - $before) * 1000000 / $(getconf CLK_TCK) / ($tx + 0.000001)" | bc -l)"
}

printf '\npgbench, one UPDATE by primary key per transaction, %ss per run, %s rounds alternating, scale %s, %s cores\n\n' \
  "$DURATION" "$ROUNDS" "$SCALE" "$(nproc)"
printf '%-9s %7s | %12s %12s | %12s %12s | %9s %9s\n' mode clients "plain TPS" "trial TPS" "plain us/tx" "trial us/tx" \
  "TPS ratio" "CPU ratio"
for mode in $MODES; do
  for c in $CLIENTS; do
    pt=(); tt=(); pc=(); tc=()
    for _ in $(seq "$ROUNDS"); do
      read -r tps cpu < <(measured "$PLAIN_PID" $PLAIN_PORT "$PLAIN_TOKEN" "$mode" "$c"); pt+=("$tps"); pc+=("$cpu")
      read -r tps cpu < <(measured "$TRIAL_PID" $TRIAL_PORT "$TRIAL_TOKEN" "$mode" "$c"); tt+=("$tps"); tc+=("$cpu")
    done
    p=$(printf '%s\n' "${pt[@]}" | median); t=$(printf '%s\n' "${tt[@]}" | median)
    pu=$(printf '%s\n' "${pc[@]}" | median); tu=$(printf '%s\n' "${tc[@]}" | median)
    printf '%-9s %7s | %12.0f %12.0f | %12.1f %12.1f | %9.3f %9.3f\n' "$mode" "$c" "$p" "$t" "$pu" "$tu" \
      "$(echo "$t / $p" | bc -l)" "$(echo "$tu / $pu" | bc -l)"
  done
done
held=$(grep -c '"approval"' "$work/trial.audit.jsonl" || true)
printf '\nstatements held for approval by the trial policy: %s (a bounded UPDATE changes one row: none expected)\n' "$held"
