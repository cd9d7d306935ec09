#!/usr/bin/env bash
# Recording benchmark: pgbench select-only through two pgwarden instances in front of one
# PostgreSQL, one recording every session (recording.results Summary, parts spooled, gzipped and
# moved to a store directory by the uploader) and one writing the chained audit lines only.
# Runs alternate between the two, ROUNDS times per cell; the median TPS of each is compared.
#
#   bench/recording.sh                      # defaults: clients 1 8 32, 10 s per run, 3 rounds
#   DURATION=20 ROUNDS=5 CLIENTS="8" bench/recording.sh
#
# Everything listens on loopback. Needs root (installs PostgreSQL 15 with apt-get when missing).
set -euo pipefail

DURATION=${DURATION:-10}
CLIENTS=${CLIENTS:-"1 8 32"}
MODES=${MODES:-"prepared simple"}
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-10}
PG_PORT=55442; OFF_PORT=56442; ON_PORT=56443
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/pgwarden-recbench.XXXXXX)"
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
start_postgres $PG_PORT "$SCALE"

cat > "$work/policy.yaml" <<POLICY
apiVersion: pgwarden.dev/v1alpha1
kind: DatabaseAccessPolicy
metadata: {name: bench}
spec:
  access: {mode: ReadWrite}
  recording: {results: Summary}
POLICY
start_pgwarden off $PG_PORT $OFF_PORT 59188 "$work/policy.yaml"
pids+=("$PGW_PID"); OFF_TOKEN=$PGW_TOKEN
start_pgwarden on $PG_PORT $ON_PORT 59189 "$work/policy.yaml" --recordings "$work/recordings"
pids+=("$PGW_PID"); ON_PID=$PGW_PID; ON_TOKEN=$PGW_TOKEN
warm_pgwarden $OFF_PORT "$OFF_TOKEN"
warm_pgwarden $ON_PORT "$ON_TOKEN"

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '\npgbench -S, %ss per run, %s rounds alternating, scale %s, %s cores\n\n' "$DURATION" "$ROUNDS" "$SCALE" "$(nproc)"
printf '%-9s %7s | %14s | %14s | %6s\n' mode clients "recording off" "recording on" "on/off"
for mode in $MODES; do
  for c in $CLIENTS; do
    off=(); on=()
    for _ in $(seq "$ROUNDS"); do
      read -r tps _ < <(run_pgbench off $OFF_PORT "$OFF_TOKEN" "$mode" "$c"); off+=("$tps")
      read -r tps _ < <(run_pgbench on $ON_PORT "$ON_TOKEN" "$mode" "$c"); on+=("$tps")
    done
    off_m=$(printf '%s\n' "${off[@]}" | median)
    on_m=$(printf '%s\n' "${on[@]}" | median)
    printf '%-9s %7s | %14.0f | %14.0f | %6.3f\n' "$mode" "$c" "$off_m" "$on_m" "$(echo "$on_m / $off_m" | bc -l)"
  done
done
sleep 6 # one part interval: the last parts are finished and moved
parts=$(find "$work/recordings" -name '*.jsonl.gz' | wc -l)
bytes=$(du -sb "$work/recordings" | cut -f1)
events=$(wc -l < "$work/on.audit.jsonl")
spooled=$(find "$work/on/spool" -type f 2>/dev/null | wc -l)
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$ON_PID/status")
printf '\nrecording: %d events in %d parts, %d KiB gzipped in the store; %d files left in the spool; peak resident memory %d MiB\n' \
  "$events" "$parts" $((bytes / 1024)) "$spooled" $((hwm_kb / 1024))
