#!/usr/bin/env bash
# The allocator registry's example: mimalloc is one file (allocators/mimalloc.c) and one line
# (allocators/list.h). A run under it completes, its report names it (the run and the host's
# allocator versions), `highwater list` shows it, and a conf for it is refused.
#   bash tests/test_integration_mimalloc.sh [BUILD]      (tests/run.sh runs it as one test)
set -u
build=${1:-${HW_BUILD:-build}}
hw=$(realpath "$build/highwater")
root=$(cd "$(dirname "$0")/.." && pwd)
if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libmimalloc\.so\.2 '; then
  echo "skipped: libmimalloc.so.2 is not installed (apt-get install libmimalloc-dev)"
  exit 77
fi
work=$(mktemp -d /tmp/hw-mimalloc.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail=0
bad() { fail=1; printf '   FAIL %s\n' "$1"; }

"$hw" run "$root/configs/quick.yaml" --rows 20k --strategies whole-copy --allocators mimalloc \
  -o "$work/r.json" >"$work/out" 2>"$work/err" || bad "run exited $?: $(head -c 400 "$work/err")"
python3 - "$work/r.json" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
runs = r["runs"]
bad = [x for x in runs if x["allocator"] != "mimalloc" or x["status"] != "ok"]
if not runs or bad:
    print("   FAIL runs not ok under mimalloc:", [(x["allocator"], x["status"], x.get("reason")) for x in runs])
    sys.exit(1)
versions = r["host"]["allocator_versions"]
if not any("mimalloc" in json.dumps(v) for v in versions):
    print("   FAIL host.allocator_versions lacks mimalloc:", versions)
    sys.exit(1)
print("   ok   whole-copy under mimalloc:", runs[0]["status"], runs[0]["peak_rss_bytes"], "bytes")
PY
"$hw" list | grep -q '^mimalloc$' || bad "highwater list does not show mimalloc"
cat >"$work/c.yaml" <<'Y'
name: t
dataset: {rows: 1000, cols: 4, columns: [{dtype: f32, count: 4}]}
strategies: [whole-copy]
run: {allocators: [{name: mimalloc, conf: "x"}]}
Y
if "$hw" run "$work/c.yaml" --dry-run >"$work/out" 2>"$work/err"; then bad "a conf for mimalloc was accepted"
elif ! grep -qF "mimalloc takes no conf" "$work/err"; then bad "conf refusal: $(head -c 300 "$work/err")"; fi
[ "$fail" -eq 0 ] && echo "   ok   mimalloc: run, report, list, conf refusal"
exit "$fail"
