#!/usr/bin/env bash
# Demo of what issue 15's Slurm test needs, on a throwaway cluster (cluster.sh): a 4-task
# job array whose tasks each allocate and touch a different amount of anonymous memory, a
# job that depends on the array (afterok) and writes a file, then sacct's MaxRSS per task
# beside what the task allocated. Everything is stopped and removed on every path.
# Run as root. Exit codes: 0 all as expected, 1 a job or a figure was not, 3 no cluster.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
sizes=(40 80 120 160)          # MiB allocated by array task 0..3
hold=3                         # seconds each task holds its memory (sampling is every 1 s)
bound=${HW_SLURM_DEMO_WAIT:-120}

work=$(mktemp -d /tmp/hw-slurm-demo.XXXXXX)
cluster=$work/cluster
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local rc=$? t=$SECONDS
  trap - EXIT
  trap '' INT TERM PIPE   # neither a second ^C nor a closed stdout may cut it short
  set +e
  "$here/cluster.sh" stop "$cluster" || rc=1
  rm -rf -- "$work"
  echo "stop: $((SECONDS - t)) s; demo total: ${SECONDS} s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE

t=$SECONDS
"$here/cluster.sh" start "$cluster" >/dev/null || exit 3
export SLURM_CONF=$cluster/etc/slurm.conf
echo "start: $((SECONDS - t)) s"

cat >"$work/task.sh" <<EOF
#!/bin/bash
sizes=(${sizes[*]})
# bytearray(n) is zeroed by memset, so every page is touched; the stride write says so.
exec python3 -c '
import sys, time
n = int(sys.argv[1]) << 20
b = bytearray(n)
b[::4096] = b"\x01" * len(range(0, n, 4096))
time.sleep(int(sys.argv[2]))' "\${sizes[\$SLURM_ARRAY_TASK_ID]}" $hold
EOF

t=$SECONDS
array=$(sbatch --parsable --array=0-3 --mem=200M --chdir="$work" \
  --output="$work/task-%A_%a.out" "$work/task.sh")
after=$(sbatch --parsable --dependency=afterok:"$array" --mem=10M --chdir="$work" \
  --output="$work/merge-%j.out" --wrap "echo merged > '$work/merged.txt'")
echo "submitted array $array (tasks 0-3) and dependent job $after"

end=$((SECONDS + bound))
while [ -n "$(squeue -h -j "$array,$after" -o %i 2>/dev/null)" ]; do
  [ "$SECONDS" -lt "$end" ] || { echo "jobs still queued after ${bound}s:" >&2; squeue >&2; exit 1; }
  sleep 1
done
echo "jobs: $((SECONDS - t)) s from submit to both done"

# The job-end records reach slurmdbd a moment after squeue forgets the jobs.
rows=
for ((i = 0; i < 20; i++)); do
  rows=$(sacct -n -P -j "$array" --format=JobID,MaxRSS,State | grep '\.batch|' || true)
  [ "$(grep -c '|[0-9][0-9.]*[KMG]|COMPLETED$' <<<"$rows")" -eq 4 ] && break
  sleep 1
done
sacct -j "$array,$after" --format=JobID,MaxRSS,State,Elapsed

status=0
printf '%-6s %10s %12s %12s\n' task alloc_MiB MaxRSS_MiB over_MiB
for k in 0 1 2 3; do
  rss=$(awk -F'|' -v id="${array}_$k.batch" '$1 == id { print $2 }' <<<"$rows")
  mib=$(awk -v r="$rss" 'BEGIN { u = substr(r, length(r)); v = substr(r, 1, length(r) - 1)
    f = (u == "K") ? 1 / 1024 : (u == "M") ? 1 : (u == "G") ? 1024 : 1 / 1048576
    printf "%.1f", v * f }')
  printf '%-6s %10s %12s %12.1f\n' "$k" "${sizes[$k]}" "$mib" "$(awk -v a="$mib" -v b="${sizes[$k]}" 'BEGIN { print a - b }')"
  # Must cover the allocation and stay within the interpreter's own ~10-20 MiB on top.
  awk -v a="$mib" -v b="${sizes[$k]}" 'BEGIN { exit !(a >= b && a <= b + 32) }' \
    || { echo "task $k: MaxRSS '$rss' is not the allocated ${sizes[$k]} MiB (+ up to 32)" >&2; status=1; }
done
[ "$(cat "$work/merged.txt" 2>/dev/null)" = merged ] \
  || { echo "dependent job $after did not write $work/merged.txt" >&2; status=1; }
exit $status
