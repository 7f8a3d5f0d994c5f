#!/usr/bin/env bash
# What `highwater exec`'s sampler costs: exec's own CPU (every thread; the Pss reader's apart)
# while it samples an idle command for SECONDS at INTERVAL_MS, beside the bare-wake floor of
# the same wait with no sample (scripts/sampler_floor.c, built here), and the samples taken
# against wall / interval. The command is idle, so all the CPU measured is the sampler's.
#   scripts/sampler-cost.sh [-r ROUNDS] [-s SECONDS] [-i INTERVAL_MS] [-c "CASES"] [BIN]
# CASES (default "floor tree100 machine100"), run in turn every round:
#   floor        the wait alone (1 ns of timer slack, as exec sets)
#   tree100      a command keeping 100 processes alive (sh and 100 sleeps): 101 to sample
#   machine100   100 sleeping processes on the machine beside a command of 5 (sh, 4 sleeps)
#   tree100-walk, machine100-walk   the same without a cgroup (HIGHWATER_NO_CGROUP=1)
# Per case and round: samples (% of expected), exec's CPU in % of a core and per sample, the
# Pss reader's, and "rest": the sampling thread's CPU less the floor's per wake, per sample.
# Then each figure's range over the rounds. It times: run it under the machine's lock, e.g.
#   flock /work/wt/test.lock scripts/sampler-cost.sh
set -eu
rounds=3 secs=5 interval=1 cases="floor tree100 machine100"
while getopts r:s:i:c: o; do
    case $o in
    r) rounds=$OPTARG ;;
    s) secs=$OPTARG ;;
    i) interval=$OPTARG ;;
    c) cases=$OPTARG ;;
    *) sed -n '2,15p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/highwater}
[ -x "$bin" ] || { echo "sampler-cost: no $bin (make first)" >&2; exit 2; }
work=$(mktemp -d)
sleepers=()
cleanup() {
    for p in "${sleepers[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"${CC:-cc}" -O2 -o "$work/floor" "$root/scripts/sampler_floor.c"

# One exec run: "samples expected cpu pss_cpu wall" from its report.
exec_run() {
    local env=$1 cmd=$2
    env $env "$bin" exec --interval-ms "$interval" -o "$work/r.json" -- sh -c "$cmd" > /dev/null
    python3 - "$work/r.json" "$interval" <<'EOF'
import json, sys
run = json.load(open(sys.argv[1]))["runs"][0]
wall = run["wall_seconds"]
pss = run["pss"].get("cpu_seconds") or 0.0
print(run["timeline"]["samples"], wall * 1000.0 / float(sys.argv[2]), run["sampler_cpu_seconds"], pss, wall)
EOF
}

start_sleepers() {
    for _ in $(seq 100); do sleep $((secs + 30)) & sleepers+=($!); done
}

stop_sleepers() {
    for p in "${sleepers[@]}"; do kill "$p" 2>/dev/null || true; done
    wait "${sleepers[@]}" 2>/dev/null || true
    sleepers=()
}

# One case: "samples expected cpu pss_cpu wall".
run_case() {
    local tree100="for i in \$(seq 100); do sleep $secs & done; wait"
    local small="for i in 1 2 3 4; do sleep $secs & done; wait"
    case $1 in
    floor) "$work/floor" "$secs" "$interval" 1 | awk '{print $1, $3 * 1000 / '"$interval"', $2, 0, $3}' ;;
    tree100) exec_run HIGHWATER_UNUSED=1 "$tree100" ;;
    tree100-walk) exec_run HIGHWATER_NO_CGROUP=1 "$tree100" ;;
    machine100 | machine100-walk)
        start_sleepers
        exec_run "$([ "$1" = machine100 ] && echo HIGHWATER_UNUSED=1 || echo HIGHWATER_NO_CGROUP=1)" "$small"
        stop_sleepers ;;
    *) echo "sampler-cost: unknown case $1" >&2; exit 2 ;;
    esac
}

: > "$work/all"
for r in $(seq "$rounds"); do
    floor_wake=
    for c in $cases; do
        # Not in $(...): a subshell's sleepers would be out of cleanup's reach on an error or
        # Ctrl-C (bash runs no EXIT trap there), 100 processes left for SECONDS + 30 s.
        run_case "$c" > "$work/line"
        read -r n exp cpu pss wall < "$work/line"
        [ "$c" = floor ] && floor_wake=$(awk -v c="$cpu" -v n="$n" 'BEGIN {print c / n}')
        echo "$r $c $n $exp $cpu $pss $wall ${floor_wake:-nan}" >> "$work/all"
    done
done

# Figures per round, then ranges: "rest" is the sampling thread's CPU per sample less the
# floor's CPU per wake of the same round (nan without a floor case).
awk '
function pct(x, w) { return 100 * x / w }
{
    r = $1; c = $2; n = $3; want = $4; cpu = $5; pss = $6; wall = $7; fw = $8
    f["samples %"] = pct(n, want)
    f["cpu % core"] = pct(cpu, wall)
    f["us/sample"] = 1e6 * (cpu - pss) / n
    f["pss % core"] = pct(pss, wall)
    f["rest us/sample"] = (fw == "nan" || c == "floor") ? "nan" : 1e6 * ((cpu - pss) / n - fw)
    f["rest % core"] = (fw == "nan" || c == "floor") ? "nan" : pct((cpu - pss) - fw * n, wall)
    printf "round %d %-16s samples %5d of %5.0f (%5.1f%%)  cpu %6.3f s = %5.2f%% of a core (Pss %.2f%%)  %6.1f us/sample", r, c, n, want, f["samples %"], cpu, f["cpu % core"], f["pss % core"], f["us/sample"]
    if (f["rest us/sample"] != "nan")
        printf "  rest %5.1f us/sample = %5.2f%% of a core", f["rest us/sample"], f["rest % core"]
    printf "\n"
    if (!(c in seen)) { seen[c] = 1; order[++nc] = c }
    for (k in f) if (f[k] != "nan") {
        key = c SUBSEP k
        if (!(key in lo) || f[k] < lo[key]) lo[key] = f[k]
        if (!(key in hi) || f[k] > hi[key]) hi[key] = f[k]
    }
}
END {
    split("samples %,cpu % core,us/sample,pss % core,rest us/sample,rest % core", names, ",")
    print "ranges over the rounds (min - max):"
    for (i = 1; i <= nc; i++) {
        c = order[i]; line = sprintf("  %-16s", c)
        for (j = 1; j <= 6; j++) { key = c SUBSEP names[j]
            if (key in lo) line = line sprintf("  %s %.2f-%.2f", names[j], lo[key], hi[key]) }
        print line
    }
}' "$work/all"
