#!/usr/bin/env bash
# A sharded fuzz sweep on this one machine: the same shard files a batch
# scheduler would produce (docs/sweeps.md), run here N at a time, then
# merged into RELIABILITY.md with the seeds/s figure.
#
#   scripts/sweep.sh [--seeds N] [--start S] [--shards K] [--parallel P] [--jobs J]
#                    [--out DIR] [--report FILE]
#
#   --seeds N     seeds in the sweep (default 10000)
#   --start S     first seed (default 0)
#   --shards K    shard files to split it into (default 4)
#   --parallel P  shards running at once (default: the CPU count divided by J)
#   --jobs J      worker processes per shard (modswap fuzz --jobs, default 1)
#   --out DIR     where the shard files and logs go (default out/sweep-S-N)
#   --report FILE the merged report (default RELIABILITY.md)
#
# Each shard runs `modswap fuzz --seeds N --start S --shard k/K --jobs J --json
# DIR/shard-k.json` (its log in DIR/shard-k.log); a shard that finds a failure
# exits 1 and still writes its file. Then `modswap fuzz merge` joins them,
# refusing a missing or inconsistent shard (rerun that one shard by hand with
# the command in its log). The merge's last line gives the seeds/s from the
# first shard's start to the last one's end, the load average and the CPU a
# seed took. Exit: the merge's (0 clean, 1 failures found, 2 cannot merge).
set -euo pipefail

seeds=10000 start=0 shards=4 jobs=1 parallel='' out='' report=RELIABILITY.md
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --parallel) parallel=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --report) report=$2; shift 2 ;;
    -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "sweep.sh: unknown argument '$1' (--help lists them)" >&2; exit 2 ;;
  esac
done
for v in "$seeds" "$start" "$shards" "$jobs" ${parallel:+"$parallel"}; do
  case "$v" in ''|*[!0-9]*) echo "sweep.sh: '$v' is not a whole number" >&2; exit 2 ;; esac
done
cpus=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
[ -n "$parallel" ] || parallel=$(( cpus / jobs > 0 ? cpus / jobs : 1 ))
root=$(cd "$(dirname "$0")/.." && pwd)
out=${out:-$root/out/sweep-$start-$seeds}
mkdir -p "$out"
rm -f "$out"/shard-*.json

# the built CLI starts in a fraction of a second (from source, tsx compiles for ~1 s per worker)
(cd "$root" && npm run --silent build)

echo "sweep: seeds $start..$((start + seeds - 1)) in $shards shards, $parallel at a time, $jobs worker(s) each, on $cpus CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
echo "sweep: shard files and logs in $out"
seq 0 $((shards - 1)) | xargs -P "$parallel" -I{} sh -c '
  node "$1/bin/modswap" fuzz --seeds "$2" --start "$3" --shard "{}/$4" --jobs "$5" --json "$6/shard-{}.json" > "$6/shard-{}.log" 2>&1
  code=$?
  echo "sweep: shard {}/$4 exit $code: $(head -n 1 "$6/shard-{}.log")"
  [ $code -le 1 ]
' sh "$root" "$seeds" "$start" "$shards" "$jobs" "$out" || echo "sweep: a shard did not finish (see its log); the merge names it" >&2

echo "sweep: load average $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)"
set +e
node "$root/bin/modswap" fuzz merge --report "$report" "$out"/shard-*.json
code=$?
echo "sweep: $report written (merge exit $code)"
exit $code
