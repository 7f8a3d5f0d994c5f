#!/usr/bin/env bash
# Restore-from-anything: replays the hostile inputs and faults that once lost data, hung or
# lied (issue 11) against the built binary, and asserts the exact outcome of each: exit code,
# the one-line message, and what must (not) be left behind. A regression in any fails CI.
#   bash tests/test_integration_hostile.sh [BUILD]      (tests/run.sh runs it as one test)
set -u
build=${1:-${HW_BUILD:-build}}
hw=$(realpath "$build/highwater")
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/hw-hostile.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work" || exit 3

pass=0; fail=0; failed=()
ok()  { pass=$((pass + 1)); printf '   ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); failed+=("$1"); printf '   FAIL %s: %s\n' "$1" "$2"; }

# expect NAME RC FRAGMENT SECONDS -- CMD...: exit code RC, stderr holds FRAGMENT (fixed
# string), and it took under SECONDS (a bad path must fail before anything is measured).
# Measured here: every refusal 0.01 s or less, the exec cases 0.15 to 0.8 s (the whole script
# 4.4 s); the limits (2 to 60 s) are margins for a loaded machine and the ASan binary.
expect() {
  local name=$1 rc=$2 frag=$3 secs=$4; shift 5
  local t0 got; t0=$(date +%s.%N)
  timeout 120 "$@" >"$work/out" 2>"$work/err"; got=$?
  local took; took=$(awk -v s="$t0" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e-s}')
  if [ "$got" -ne "$rc" ]; then bad "$name" "exit $got, expected $rc; stderr: $(head -c 300 "$work/err")"; return 1; fi
  if [ -n "$frag" ] && ! grep -qF -- "$frag" "$work/err"; then bad "$name" "stderr lacks '$frag': $(head -c 300 "$work/err")"; return 1; fi
  if awk -v t="$took" -v m="$secs" 'BEGIN{exit !(t > m)}'; then bad "$name" "took ${took}s, limit ${secs}s"; return 1; fi
  ok "$name (exit $rc, ${took}s)"
}
alive() { kill -0 "$1" 2>/dev/null; }

base=$root/results/baselines/ci.json

echo "== a directory where a report is read: exit 2, no 8 EiB malloc"
mkdir dir.json
expect dir-gate    2 "dir.json" 5 -- "$hw" gate dir.json --baseline "$base"
expect dir-base    2 "dir.json" 5 -- "$hw" gate "$base" --baseline dir.json
expect dir-compare 2 "dir.json" 5 -- "$hw" compare dir.json "$base"
expect dir-plot    2 "dir.json" 5 -- "$hw" plot dir.json -o p.html
expect dir-plan    2 "dir.json" 5 -- "$hw" plan --from dir.json "$base" --rows 1M
expect dir-runplan 2 "dir.json" 5 -- "$hw" run "$root/configs/ci.yaml" --plan dir.json --dry-run

echo "== a baseline that switches the gate off: 1e999 peaks are infinite, exit 2"
sed -E 's/("peak_rss_bytes":[[:space:]]*)[0-9.e+]+/\11e999/' "$base" > inf.json
grep -q 1e999 inf.json || bad inf-setup "no peak replaced in the baseline copy"
expect inf-baseline 2 "peak_rss_bytes" 5 -- "$hw" gate "$base" --baseline inf.json
expect inf-report   2 "peak_rss_bytes" 5 -- "$hw" gate inf.json --baseline "$base"
sed -E 's/("peak_rss_bytes":[[:space:]]*)[0-9.e+]+/\1-5/' "$base" > neg.json
expect neg-baseline 2 "peak_rss_bytes" 5 -- "$hw" gate "$base" --baseline neg.json

echo "== a symlink at the temp name is not followed"
echo victim > victim
cp victim victim.orig
for suf in tmp XXXXXX; do ln -sf "$work/victim" "p.html.$suf"; done
expect symlink-plot 0 "" 30 -- "$hw" plot "$base" -o p.html
cmp -s victim victim.orig && ok "symlink-victim unchanged" || bad symlink-victim "the symlink's target was overwritten"
grep -q '<html' p.html && ok "symlink-output written" || bad symlink-output "p.html is not the page"
rm -f p.html.tmp p.html.XXXXXX

echo "== two writers at once: the file is always whole, no temp left"
# A race, so rounds: with one shared PATH.tmp, 50 rounds lost a writer (exit 3) in 2 of 3
# tries here; the symlink case above is the deterministic check of the temp name.
for i in $(seq 1 50); do
  "$hw" gate "$base" --baseline "$base" --markdown md.md --junit j.xml >/dev/null 2>&1 &
  a=$!
  "$hw" plot "$base" -o two.html >/dev/null 2>&1 &
  b=$!
  "$hw" plot "$base" -o two.html >/dev/null 2>&1
  wait $a; ra=$?; wait $b; rb=$?
  [ $ra -eq 0 ] && [ $rb -eq 0 ] || { bad two-writers "a writer failed (exit $ra, $rb) on round $i"; break; }
done
tail -c 20 two.html | grep -q '</html>' && ok "two-writers html whole" || bad two-writers-html "two.html is torn"
left=$(ls -a | grep -E '^(two\.html|md\.md|j\.xml)\.' || true)
[ -z "$left" ] && ok "two-writers no temp files left" || bad two-writers-temp "left behind: $left"

echo "== a config that would hang libyaml: 100k levels of flow nesting, refused at once"
python3 -c 'print("[" * 100000 + "]" * 100000)' > deep.yaml
expect deep-flow 2 "deep.yaml:1:" 2 -- "$hw" run deep.yaml --dry-run

echo "== exit codes before anything is measured"
expect run-html-bad  2 "nodir/x.html" 5 -- "$hw" run "$root/configs/ci.yaml" --rows 20k --strategies streaming --allocators glibc --html nodir/x.html -o r.json
expect run-o-bad     2 "nodir/r.json" 5 -- "$hw" run "$root/configs/ci.yaml" -o nodir/r.json
expect exec-html-bad 2 "nodir/x.html" 5 -- "$hw" exec --html nodir/x.html -o e.json -- true
expect plan-o-bad    2 "nodir/p.json" 5 -- "$hw" plan "$root/configs/ci.yaml" --rows 1M -o nodir/p.json
expect gate-junit-bad 2 "nodir/j.xml" 5 -- "$hw" gate "$base" --baseline "$base" --junit nodir/j.xml
sed 's|^run:|run:\n  tmpdir: /nonexistent/hw|' "$root/configs/ci.yaml" > badtmp.yaml
expect run-tmpdir-bad 2 "badtmp.yaml:" 5 -- "$hw" run badtmp.yaml -o r.json
[ ! -e r.json ] && ok "no report from refused runs" || bad refused-report "r.json written by a refused run"

echo "== exec: a double-forked grandchild is counted and does not outlive exec"
cat > grand.py <<'EOF'
import os, sys, time
if os.fork() == 0:          # child: fork the grandchild, exit at once (the double fork)
    os.setsid()
    if os.fork() == 0:
        b = bytearray(b"\1") * (150 << 20)   # touched: bytearray(n) alone would be calloc
        open(sys.argv[1], "w").write(str(os.getpid()))
        time.sleep(3600)
    os._exit(0)
os.wait()
for _ in range(200):        # the command lives until the grandchild has its memory
    if os.path.exists(sys.argv[1]): break
    time.sleep(0.05)
time.sleep(0.5)
EOF
expect exec-doublefork 0 "" 60 -- "$hw" exec -o df.json -- python3 grand.py gpid
if [ -s gpid ]; then
  g=$(cat gpid); pids+=("$g")
  alive "$g" && bad exec-orphan "grandchild $g still running after exec returned" || ok "exec-orphan killed"
  peak=$(python3 -c 'import json; r=json.load(open("df.json")); print(int(max(x["peak_rss_bytes"] for x in r["runs"])))')
  [ "$peak" -ge $((150 << 20)) ] && ok "exec-doublefork counted ($((peak >> 20)) MiB)" || bad exec-doublefork-peak "tree peak $((peak >> 20)) MiB < 150 MiB"
else bad exec-doublefork-pid "the grandchild never wrote its pid"; fi

echo "== exec killed with SIGKILL: the escaped grandchild still dies"
rm -f gpid
"$hw" exec -o k.json -- python3 -c 'import os,time,sys
if os.fork()==0:
    os.setsid()
    if os.fork()==0:
        open("gpid","w").write(str(os.getpid())); time.sleep(3600)
    os._exit(0)
time.sleep(3600)' >/dev/null 2>&1 &
e=$!; pids+=("$e")
for _ in $(seq 100); do [ -s gpid ] && break; sleep 0.05; done
kill -9 "$e"; wait "$e" 2>/dev/null
if [ -s gpid ]; then
  g=$(cat gpid); pids+=("$g")
  for _ in $(seq 40); do alive "$g" || break; sleep 0.05; done
  alive "$g" && bad exec-sigkill "grandchild $g alive 2 s after exec was SIGKILLed" || ok "exec-sigkill grandchild gone"
else bad exec-sigkill-pid "the grandchild never wrote its pid"; fi

echo "== exec: an unterminated marker line is capped and recorded, later markers kept"
expect exec-longline 0 "" 30 -- "$hw" exec -o ll.json -- python3 -c 'import os
fd=int(os.environ["HIGHWATER_PHASE_FD"]); os.write(fd, b"x" * (64 << 20)); os.write(fd, b"\nbegin after\nend after\n")'
python3 - ll.json <<'EOF' && ok "exec-longline warning and phase kept" || bad exec-longline-report "see above"
import json, sys
r = json.load(open(sys.argv[1]))
run = r["runs"][0]
names = [p["name"] for p in run["phases"]]
warn = " ".join(json.dumps(w) for w in run.get("warnings", []) + r.get("warnings", []))
assert "after" in names, names
assert "longer than" in warn, warn
EOF

echo "== exec: a burst of markers right before exit is kept whole"
expect exec-burst 0 "" 30 -- "$hw" exec -o b.json -- python3 -c 'import os
fd=int(os.environ["HIGHWATER_PHASE_FD"])
os.write(fd, b"".join(b"begin p%d\nend p%d\n" % (i, i) for i in range(1000)))'
n=$(python3 -c 'import json; r=json.load(open("b.json")); print(len(r["runs"][0]["phases"]))')
[ "$n" -ge 1000 ] && ok "exec-burst $n phases" || bad exec-burst-count "$n of 1000 phases kept"

echo "== the worker under a wrapper that leaves fd 3 open and fd 4 closed"
"$hw" spec "$root/configs/ci.yaml" --rows 20k --strategies streaming --allocators glibc > spec.json
( exec 3>fd3.txt 4>&-; "$hw" worker spec.json ) > w.out 2>w.err
grep -q '"phase"' w.out && ok "worker-fd3 events on stdout" || bad worker-fd3 "no events: $(head -c 200 w.err)"

echo "hostile: $pass passed, $fail failed${failed:+ (${failed[*]})}"
[ "$fail" -eq 0 ]
