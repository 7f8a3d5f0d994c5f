#!/usr/bin/env bash
# scripts/check-structure.sh on this tree: no include circle between harness/'s folders and no
# function over 120 lines (issue 13). Then on trees made to break each rule, so that the check
# is seen to fail: a 121-line function (120 passes) and a circle common -> report -> common.
#   bash tests/test_structure.sh [BUILD]
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
check=$root/scripts/check-structure.sh
work=$(mktemp -d /tmp/hw-test-structure.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
pass=0; fail=0
ok()  { pass=$((pass + 1)); printf '   ok   %s\n' "$1"; }
bad() { fail=$((fail + 1)); printf '   FAIL %s\n' "$1"; }

if out=$(bash "$check" "$root" 2>&1); then ok "this tree: $(echo "$out" | head -n 2 | tr '\n' ';')"
else bad "this tree breaks a rule:"$'\n'"$out"; fi

# A tree under $work/NAME: common/a.c with one function of BODY lines between its braces (its
# signature and braces make it BODY + 3), report/b.c including a.h, and EXTRA for common/a.c.
tree() {
  local t=$work/$1 body=$2 extra=${3:-}
  mkdir -p "$t/harness/common" "$t/harness/report"
  printf '#ifndef A_H\n#define A_H\nint a(void);\n#endif\n' > "$t/harness/common/a.h"
  printf '#ifndef B_H\n#define B_H\nint b(void);\n#endif\n' > "$t/harness/report/b.h"
  { printf '#include "a.h"\n%s\nint a(void)\n{\n' "$extra"
    for ((i = 0; i < body; i++)); do printf '    (void)0;\n'; done
    printf '    return 0;\n}\n'; } > "$t/harness/common/a.c"
  printf '#include "a.h"\n#include "b.h"\nint b(void)\n{\n    return a();\n}\n' > "$t/harness/report/b.c"
}

tree fits 116
if out=$(bash "$check" "$work/fits" 2>&1); then ok "a 120-line function passes"
else bad "a 120-line function: $out"; fi

tree long 117
out=$(bash "$check" "$work/long" 2>&1); rc=$?
if [ "$rc" -eq 1 ] && grep -qF "harness/common/a.c:3: a is 121 lines, over 120" <<<"$out"; then ok "a 121-line function fails, named"
else bad "a 121-line function: exit $rc, $out"; fi

tree circle 1 '#include "b.h"'
out=$(bash "$check" "$work/circle" 2>&1); rc=$?
# Either folder may start the walk (awk's order): both includes of the circle are named.
if [ "$rc" -eq 1 ] && grep -qE "include circle between folders: (common|report) -> (common|report) -> " <<<"$out" \
   && grep -qF "common -> report: harness/common/a.c:2 includes b.h" <<<"$out" \
   && grep -qF "report -> common: harness/report/b.c:1 includes a.h" <<<"$out"; then ok "a circle between folders fails, with the include that closes it"
else bad "a circle: exit $rc, $out"; fi

echo "structure: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
