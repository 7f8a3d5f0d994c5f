#!/usr/bin/env bash
# Every model against its real-library twin (issue 12), at a scale a test affords:
# configs/ci.yaml (the seed's dtype mix, every strategy of the catalogue, so every twin) at
# 250k rows under glibc (the Node binding's malloc). The f64 source and 2M rows are the
# experiment (README, "Fidelity"), not the test. Each phase of each strategy with a twin must
# agree within 0.10 D, or fall inside the band of a gap its strategy states for that phase
# (.fidelity_gaps); a strategy without a twin must say why; every Polars twin's warm-up (the
# library's fixed costs) must be set apart. Then `run --fidelity` must put the verdict in the
# run and in the lessons. Skips (exit 77, one line) when node, nodejs-polars or Debian's
# pandas is missing: `make twins` installs them.
#   bash tests/test_integration_fidelity.sh [BUILD]
set -u
build=${1:-${HW_BUILD:-build}}
hw=$(realpath "$build/highwater")
root=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3

if ! command -v node >/dev/null 2>&1; then echo "skip: node is not installed (make twins)"; exit 77; fi
if [ ! -f "$root/scripts/twins/polars/node_modules/nodejs-polars/package.json" ]; then
  echo "skip: nodejs-polars is not installed in scripts/twins/polars (make twins)"; exit 77
fi
if ! "$py" -c 'import pandas, numpy' 2>/dev/null; then
  echo "skip: Debian's python3-pandas is not installed (make twins)"; exit 77
fi

work=$(mktemp -d /tmp/hw-fidelity.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
pass=0; fail=0
ok()  { pass=$((pass + 1)); printf '   ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf '   FAIL %s\n' "$1"; }

for cfg in ci; do
  out=$work/$cfg.json
  TMPDIR=$work "$hw" fidelity "$root/configs/$cfg.yaml" --rows 250k --allocators glibc -o "$out" \
    >"$work/$cfg.out" 2>"$work/$cfg.err"
  rc=$?
  cat "$work/$cfg.out"
  if [ "$rc" -ne 0 ]; then bad "$cfg: fidelity exited $rc: $(tail -c 400 "$work/$cfg.err")"; continue; fi
  # Every entry: compared and within (or its gap named), or no twin with the reason why.
  if "$py" - "$out" <<'EOF'
import json, sys
f = json.load(open(sys.argv[1]))
problems = []
entries = f["entries"]
if not entries:
    problems.append("no entries")
for e in entries:
    where = "%s (%s)" % (e["label"], e["allocator"])
    if e["status"] == "no_twin":
        if not e.get("reason"):
            problems.append(where + ": no twin and no reason")
        continue
    if e["status"] != "compared":
        problems.append("%s: %s: %s" % (where, e["status"], e.get("reason")))
        continue
    if e["library"] == "nodejs-polars" and not (e.get("twin_warmup") or {}).get("kept_bytes", 0) > 0:
        problems.append(where + ": the twin's warm-up was not set apart")
    for p in e["phases"] + [dict(e["run"], name="run")]:
        off = p["diff_d"] is None or abs(p["diff_d"]) > f["tolerance_d"]
        if off and not p.get("gap"):
            problems.append("%s phase %s: model %s real %s, no gap of that phase holds it"
                            % (where, p["name"], p["model_d"], p["real_d"]))
if problems:
    print("\n".join(problems))
    sys.exit(1)
print("%d entries, %d compared" % (len(entries), sum(e["status"] == "compared" for e in entries)))
EOF
  then ok "$cfg: every twinned model within $("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['tolerance_d'])" "$out") D of its twin at 250k rows"
  else bad "$cfg: a model differs from its twin beyond the tolerance, with no reason given"; fi
done

# The verdict travels into a run report and its lessons.
TMPDIR=$work "$hw" run "$root/configs/ci.yaml" --rows 250k --allocators glibc --strategies select-chain \
  --fidelity "$work/ci.json" --no-timeline -o "$work/run.json" >"$work/run.out" 2>"$work/run.err"
if "$py" - "$work/run.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
f = r["runs"][0]["fidelity"]
assert f["library"] == "nodejs-polars" and f["rows"] == 250000, f
lessons = [l["text"] for l in r["lessons"] if l["kind"] == "fidelity"]
assert lessons and "of real nodejs-polars" in lessons[0] and "at 250k rows" in lessons[0], lessons
EOF
then ok "run --fidelity: the run's fidelity block and its lesson"
else bad "run --fidelity: no fidelity block or lesson in $(head -c 300 "$work/run.err")"; fi

# Another dtype mix is refused by name.
TMPDIR=$work "$hw" run "$root/configs/fidelity-f64.yaml" --fidelity "$work/ci.json" --dry-run \
  >"$work/mix.out" 2>"$work/mix.err"
rc=$?
if [ "$rc" -eq 2 ] && grep -qF "measured on another dtype mix" "$work/mix.err"; then ok "another mix's fidelity report is refused (exit 2)"
else bad "another mix's fidelity report: exit $rc, $(head -c 300 "$work/mix.err")"; fi

# SIGTERM to fidelity while a twin runs (as a CI timeout sends it): the twin's `highwater exec`
# is told once and ends its tree, fidelity writes nothing, exits 130 and leaves no process and
# no directory of its own. (A Polars twin: the pandas memmap twin's own temp directory is not
# removed when exec kills it, in this version as in the one before.)
mkdir -p "$work/int"
TMPDIR=$work/int "$hw" fidelity "$root/configs/ci.yaml" --rows 50k --allocators glibc --strategies select-chain \
  -o "$work/int.json" >"$work/int.out" 2>"$work/int.err" &
pid=$!
for _ in $(seq 1200); do pgrep -P "$pid" -f " exec " >/dev/null && break; sleep 0.05; done
twin=$(pgrep -P "$pid" -f " exec ")
kill -TERM "$pid"
wait "$pid"
rc=$?
left=$(pgrep -f "$work/int" | tr '\n' ' ')
if [ -n "$twin" ] && [ "$rc" -eq 130 ] && grep -qF "interrupted; nothing written" "$work/int.err" && [ ! -e "$work/int.json" ] \
   && [ -z "$left" ] && [ -z "$(ls -A "$work/int")" ]; then ok "SIGTERM during a twin: exit 130, nothing written, nothing left"
else bad "SIGTERM during a twin (twin ${twin:-never seen}): exit $rc, left: ${left:-no process} $(ls -A "$work/int"), $(tail -c 300 "$work/int.err")"; fi

echo "fidelity: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
