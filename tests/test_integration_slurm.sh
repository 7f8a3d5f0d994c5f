#!/usr/bin/env bash
# A sweep on a real Slurm (issue 15): a one-node Slurm 22.05 cluster on localhost
# (scripts/slurm/cluster.sh: munged, MariaDB + slurmdbd for sacct, slurmctld, slurmd, all
# under a temp dir), configs/ci.yaml submitted as a 4-task array plus its merge job
# (scripts/slurm/sweep.sh), checked against the same config run unsharded in one process:
#   - the merged report has exactly the unsharded runs (job index, label, allocator, repeat),
#   - the gate passes it against the unsharded report (every peak within its tolerance),
#   - each task COMPLETED on this node, and sacct's MaxRSS lies within the bounds
#     highwater's figures put on it (merged.accounting: consistent),
#   - nothing is left afterwards: no daemon, job step, state dir or cgroup of ours.
# Prints the walls (sharded sweep against one process) and sacct beside highwater's peaks.
# Skips (exit 77, one line) when not root, when Slurm is not installed (`bash
# scripts/install-deps.sh --slurm`; .ci/run does it) or when the cluster cannot start.
#   bash tests/test_integration_slurm.sh [BUILD]
set -u
build=${1:-${HW_BUILD:-build}}
root=$(cd "$(dirname "$0")/.." && pwd)
hw=$(realpath "$build/highwater")
py=/usr/bin/python3

[ "$(id -u)" -eq 0 ] || { echo "skip: a one-node Slurm needs root (munged, slurmd)"; exit 77; }
for c in munged slurmctld slurmd sbatch sacct slurmdbd mariadbd; do
  command -v "$c" >/dev/null 2>&1 || { echo "skip: $c is not installed (bash scripts/install-deps.sh --slurm)"; exit 77; }
done

work=$(mktemp -d /tmp/hw-test-slurm.XXXXXX)
cluster=$work/cluster
started=
pass=0; fail=0
ok()  { pass=$((pass + 1)); printf '   ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf '   FAIL %s\n' "$1"; }
# shellcheck disable=SC2317 # the EXIT trap
cleanup() {
  local rc=$?
  trap - EXIT
  trap '' INT TERM PIPE
  [ -n "$started" ] && "$root/scripts/slurm/cluster.sh" stop "$cluster" >/dev/null 2>&1
  rm -rf -- "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One process first, alone on the machine, for the runs to compare and the wall to beat.
t0=$(date +%s.%N)
TMPDIR=$work "$hw" run "$root/configs/ci.yaml" -o "$work/all.json" >"$work/all.out" 2>"$work/all.err"
rc=$?
t1=$(date +%s.%N)
[ "$rc" -eq 0 ] || { echo "FAIL: the unsharded run exited $rc: $(tail -c 300 "$work/all.err")"; exit 1; }

if ! "$root/scripts/slurm/cluster.sh" start "$cluster" >"$work/start.out" 2>"$work/start.err"; then
  echo "skip: the one-node Slurm could not start: $(tail -n 1 "$work/start.err")"
  exit 77
fi
started=1
export SLURM_CONF=$cluster/etc/slurm.conf
t2=$(date +%s.%N)
TMPDIR=$work "$root/scripts/slurm/sweep.sh" --shards 4 --wait 600 --highwater "$hw" \
  "$root/configs/ci.yaml" "$work/sweep" >"$work/sweep.out" 2>"$work/sweep.err"
rc=$?
t3=$(date +%s.%N)
sed -n '/^merged /,$p' "$work/sweep.out"
if [ "$rc" -eq 0 ] && [ -f "$work/sweep/merged.json" ]; then ok "sweep.sh: 4 tasks and the merge job ran (exit 0)"
else bad "sweep.sh exited $rc: $(tail -c 400 "$work/sweep.err")"; fi

# The merged runs are the unsharded ones; the tasks ran here; sacct agrees with highwater.
if "$py" - "$work/all.json" "$work/sweep/merged.json" "$(hostname -s)" >"$work/check.out" 2>&1 <<'PY'
import json, sys
one, merged, host = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
key = lambda r: (r["job_index"], r["label"], r["allocator"], r["repeat"])
bad = []
a, b = sorted(map(key, one["runs"])), sorted(map(key, merged["runs"]))
if a != b:
    bad.append("runs differ: only unsharded %s, only merged %s" % (sorted(set(a) - set(b)), sorted(set(b) - set(a))))
if len(b) != len(set(b)):
    bad.append("a run is in the merged report twice")
st = {key(r): r["status"] for r in one["runs"]}
bad += ["%s: %s merged, %s unsharded" % (key(r), r["status"], st.get(key(r))) for r in merged["runs"] if r["status"] != st.get(key(r))]
acc = merged["merged"].get("accounting") or {}
tasks = acc.get("tasks", [])
if sorted(t["index"] for t in tasks) != [1, 2, 3, 4]:
    bad.append("accounting has tasks %s, expected shards 1-4" % [t["index"] for t in tasks])
for t in tasks:
    if t.get("state") != "COMPLETED" or t.get("node") != host or t["verdict"] != "consistent" or not t.get("max_rss_bytes"):
        bad.append("shard %s: state %s on %s, verdict %s (%s)" % (t["index"], t.get("state"), t.get("node"), t["verdict"], t["reason"]))
for line in bad:
    print(line)
sys.exit(1 if bad else 0)
PY
then ok "merged: the unsharded 34 runs, each shard's task COMPLETED here with sacct's MaxRSS within highwater's bounds"
else bad "merged report: $(tr '\n' ';' <"$work/check.out")"; fi

"$hw" gate "$work/sweep/merged.json" --baseline "$work/all.json" >"$work/gate.out" 2>&1
rc=$?
if [ "$rc" -eq 0 ]; then ok "gate: the merged report passes against the unsharded one ($(grep -o '[0-9]* compared.*' "$work/gate.out" | head -n 1))"
else bad "gate exited $rc: $(tail -n 5 "$work/gate.out" | tr '\n' ';')"; fi

awk -v a="$t0" -v b="$t1" -v c="$t2" -v d="$t3" \
  'BEGIN { printf "   walls: one process %.1f s; the 4-task array with its merge %.1f s (submit to merged)\n", b - a, d - c }'

# Nothing of the cluster may outlive it: no process naming its config or dir, no dir.
"$root/scripts/slurm/cluster.sh" stop "$cluster" >"$work/stop.out" 2>&1
rc=$?
started=
unset SLURM_CONF
left=
for p in /proc/[0-9]*; do
  # The pids are listed before the readers start, so no reader below is one of them.
  [ "${p#/proc/}" = "$$" ] && continue
  if cat "$p/cmdline" "$p/environ" 2>/dev/null | tr '\0' '\n' | grep -qF -- "$work/" ||
     case $(readlink "$p/cwd" 2>/dev/null) in "$work"/*) true ;; *) false ;; esac; then
    left+=" ${p#/proc/}($(tr '\0' ' ' <"$p/cmdline" 2>/dev/null | head -c 60))"
  fi
done
if [ "$rc" -eq 0 ] && [ ! -e "$cluster" ] && [ -z "$left" ]; then ok "cluster stopped: no daemon, job step or state dir left"
else bad "after stop (exit $rc): dir $( [ -e "$cluster" ] && echo left || echo gone), processes: ${left:-none}"; fi

echo "slurm: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
