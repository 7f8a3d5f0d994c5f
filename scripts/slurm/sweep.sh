#!/usr/bin/env bash
# A highwater sweep on Slurm: one shard per task of a job array, then a merge job that
# depends on it, with Slurm's own accounting (sacct MaxRSS) set beside highwater's peaks.
#
#   sweep.sh [options] CONFIG OUTDIR [-- RUN_ARGS...]
#     --shards N          array size, one `run --shard K/N` a task (default 4)
#     --mem SIZE          sbatch --mem for every task (default: the largest step peak that
#                         `run --shard K/N --shard-memory` predicts over the N shards, plus 10%)
#     --highwater PATH    the binary (default: build/highwater beside this script's repository)
#     --dependency TYPE   afterok (default: a failed task, budget failures too, cancels the
#                         merge) or afterany (the merge runs and names the missing shards)
#     --wait SECONDS      wait for the merge job, print its log, exit with its outcome
#     --sbatch ARG        one more argument for both sbatch calls (--partition=x, --account=y)
#
# OUTDIR must be new or empty and on a filesystem every node sees: the tasks write
# OUTDIR/shard-K.json and shard-K.log, the merge OUTDIR/sacct.txt, merged.json, merge.log.
# RUN_ARGS go to every `highwater run` (e.g. --rows 70M --repeat 3). Prints the two job ids.
# Exit codes: 0 submitted (with --wait: merged), 1 the sweep ran but a job failed, 2 bad
# usage, 3 Slurm or highwater could not be run.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
me=${0##*/}
die() { echo "$me: $2" >&2; exit "$1"; }

shards=4 mem= bin=$here/../../build/highwater dep=afterok wait_s= extra=()
while [ $# -gt 0 ]; do
  case $1 in
  --shards) shards=${2:?}; shift 2 ;;
  --mem) mem=${2:?}; shift 2 ;;
  --highwater) bin=${2:?}; shift 2 ;;
  --dependency) dep=${2:?}; shift 2 ;;
  --wait) wait_s=${2:?}; shift 2 ;;
  --sbatch) extra+=("${2:?}"); shift 2 ;;
  --) break ;;
  -*) die 2 "unknown option '$1'; see the usage at the top of $0" ;;
  *) break ;;
  esac
done
[ $# -ge 2 ] || die 2 "usage: $me [--shards N] [--mem SIZE] [--wait S] CONFIG OUTDIR [-- RUN_ARGS...]"
config=$1 outdir=$2
shift 2
[ "${1:-}" != -- ] || shift
[[ $shards =~ ^[1-9][0-9]*$ ]] || die 2 "--shards '$shards': expected a whole number from 1, e.g. --shards 4"
case $dep in afterok | afterany) ;; *) die 2 "--dependency '$dep': expected afterok or afterany" ;; esac
[ -z "$wait_s" ] || [[ $wait_s =~ ^[0-9]+$ ]] || die 2 "--wait '$wait_s': expected seconds, e.g. --wait 600"
[ -x "$bin" ] || die 3 "$bin: no highwater binary; run make, or pass --highwater PATH"
[ -r "$config" ] || die 2 "$config: cannot read the config"
for c in sbatch sacct scontrol squeue; do command -v "$c" >/dev/null || die 3 "$c not found: a Slurm client is needed (apt-get install slurm-client)"; done
bin=$(cd "$(dirname "$bin")" && pwd)/${bin##*/}
config=$(cd "$(dirname "$config")" && pwd)/${config##*/}
mkdir -p -- "$outdir" || die 3 "$outdir: cannot make the directory"
outdir=$(cd "$outdir" && pwd)
[ -z "$(ls -A "$outdir")" ] || die 2 "$outdir: not empty; a sweep's shards are merged by glob, so give it a new directory"

# One --mem for the array: the largest step any shard needs. The predictions are the models'
# peaks, which fidelity holds to their libraries within 10% (its default tolerance): the
# request adds that 10%.
if [ -z "$mem" ]; then
  most=0
  for ((k = 1; k <= shards; k++)); do
    b=$("$bin" run "$config" --shard "$k/$shards" -j 1 --shard-memory "$@") || die 3 "highwater run --shard $k/$shards --shard-memory failed"
    [ "$b" -gt "$most" ] && most=$b
  done
  mem=$(( (most + most / 10 + (1 << 20) - 1) >> 20 ))M
fi

# The cluster's sampling interval for MaxRSS: "task=30" or "30" (Slurm's default), for merge.
interval=$(scontrol show config 2>/dev/null | awk '/^JobAcctGatherFrequency/ { sub(/^[^=]*= */, "")
  v = $0; if (match(v, /task=[0-9]+/)) v = substr(v, RSTART + 5, RLENGTH - 5); print v + 0 }')
[[ ${interval:-0} =~ ^[1-9][0-9]*$ ]] || interval=30

name=hw-$(basename "$config" .yaml)
array=$(sbatch --parsable --array="1-$shards" --mem="$mem" --cpus-per-task=1 --job-name="$name" \
  --chdir="$outdir" --output="$outdir/shard-%a.log" "${extra[@]}" \
  "$here/task.sbatch" "$bin" "$config" "$shards" "$outdir" "$@") || die 3 "sbatch of the array failed"
array=${array%%;*}
merge=$(sbatch --parsable --dependency="$dep:$array" --kill-on-invalid-dep=yes --mem="${HW_SLURM_MERGE_MEM:-1G}" \
  --job-name="$name-merge" --chdir="$outdir" --output="$outdir/merge.log" "${extra[@]}" \
  "$here/merge.sbatch" "$bin" "$outdir" "$array" "$shards" "$interval") || {
  scancel "$array" 2>/dev/null || true
  die 3 "sbatch of the merge job failed; the array $array was cancelled"
}
merge=${merge%%;*}
echo "array $array: $shards shards of $config, --mem=$mem each; merge $merge ($dep); into $outdir"
[ -n "$wait_s" ] || exit 0

end=$((SECONDS + wait_s))
while [ -n "$(squeue -h -j "$array,$merge" -o %i 2>/dev/null)" ]; do
  if [ "$SECONDS" -ge "$end" ]; then
    echo "$me: the sweep is still queued or running after ${wait_s}s; cancelling it" >&2
    squeue -j "$array,$merge" >&2 || true
    scancel "$array" "$merge" 2>/dev/null || true
    exit 1
  fi
  sleep 1
done
[ -f "$outdir/merge.log" ] && cat "$outdir/merge.log"
if [ ! -f "$outdir/merged.json" ]; then
  echo "$me: no merged report; the tasks' logs are $outdir/shard-*.log" >&2
  sacct -j "$array,$merge" --format=JobID,State,ExitCode,MaxRSS,Elapsed >&2 2>/dev/null || true
  exit 1
fi
