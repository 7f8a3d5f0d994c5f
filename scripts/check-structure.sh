#!/usr/bin/env bash
# The structure rules of harness/ (harness/README.md), checked on the tree at ROOT (default:
# this checkout): no include circle between the folders of harness/, and no function in harness/ over HW_MAX_FUNCTION_LINES lines (default 120, from its first
# line to its closing brace). Prints the numbers: the longest function, the largest file, the
# folder graph. Exit 1 when a rule breaks. A file over 500 lines is named, not failed: the rule
# allows a file that is one job, which a script cannot judge.
#
# strategies/ and allocators/ are drawn but not walked for circles: common/'s registries include
# their list.h (X-macro lines, which include nothing), and each plug-in includes common/ and
# worker/, as harness/README.md says they may; a circle through them is the registry's shape.
#   bash scripts/check-structure.sh [ROOT]
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
max_fn=${HW_MAX_FUNCTION_LINES:-120}
max_file=500

shopt -s nullglob
# The -I order of the Makefile: a quoted include is looked up beside the file, then there.
dirs=(harness/cli harness/common harness/config harness/parent harness/worker harness/report harness/views
      strategies allocators)
files=()
for d in "${dirs[@]}"; do files+=("$d"/*.c "$d"/*.h); done
if [ ${#files[@]} -eq 0 ]; then echo "check-structure: no sources under $root" >&2; exit 2; fi

awk -v max_fn="$max_fn" -v max_file="$max_file" -v dirlist="${dirs[*]}" '
function folder(path) { sub(/\/[^\/]*$/, "", path); sub(/^harness\//, "", path); return path }
function dirof(path) { sub(/\/[^\/]*$/, "", path); return path }
# "a/b/../../c/x.h" -> "c/x.h"
function normal(path,   n, p, out, i, k) {
    n = split(path, p, "/"); k = 0
    for (i = 1; i <= n; i++) {
        if (p[i] == "." || p[i] == "") continue
        if (p[i] == ".." && k > 0) { k--; continue }
        out[++k] = p[i]
    }
    path = out[1]
    for (i = 2; i <= k; i++) path = path "/" out[i]
    return path
}
function resolve(from, name,   cand, i) {
    cand = normal(dirof(from) "/" name)
    if (cand in exists) return cand
    for (i = 1; i <= ndirs; i++) {
        cand = normal(D[i] "/" name)
        if (cand in exists) return cand
    }
    return ""
}
# One function: from the first line of its signature to its closing brace.
function close_fn() {
    len = FNR - fn_start + 1
    if (len > longest) { longest = len; longest_at = FILENAME ":" fn_start " " fn_name }
    if (len > max_fn && FILENAME ~ /^harness\//) {
        printf "check-structure: %s:%d: %s is %d lines, over %d; split it\n", FILENAME, fn_start, fn_name, len, max_fn
        bad = 1
    }
    in_fn = 0
}
BEGIN {
    ndirs = split(dirlist, D, " ")
    for (i = 1; i < ARGC; i++) exists[ARGV[i]] = 1
}
FNR == 1 {
    if (prev_file != "") lines[prev_file] = prev_fnr
    prev_file = FILENAME; in_fn = 0; delete sig
}
{ prev_fnr = FNR }
/^#include "/ {
    name = $0; sub(/^#include "/, "", name); sub(/".*/, "", name)
    target = resolve(FILENAME, name)
    if (target != "") {
        a = folder(FILENAME); b = folder(target)
        if (a != b && !((a, b) in edge)) {
            edge[a, b] = FILENAME ":" FNR " includes " name; shown[a] = shown[a] " " b
            if (FILENAME ~ /^harness\// && target ~ /^harness\//) { out[a] = out[a] " " b; nodes[a]; nodes[b] }
        }
    }
}
# Functions open with "{" alone at column 0 (this tree'"'"'s style) and close with "}" there.
!in_fn && $0 == "{" && FILENAME ~ /\.c$/ {
    s = FNR - 1
    while (s > 1 && (sig[s] ~ /^[ \t]/)) s--
    fn_start = s; fn_name = sig[s]; sub(/\(.*/, "", fn_name); sub(/.*[ *]/, "", fn_name)
    in_fn = 1
    next
}
in_fn && /^}/ { close_fn(); next }
{ sig[FNR] = $0 }
END {
    lines[prev_file] = prev_fnr
    for (f in lines) if (f ~ /^harness\//) {
        if (lines[f] > largest) { largest = lines[f]; largest_at = f }
        if (lines[f] > max_file) over = over sprintf("  %s: %d lines\n", f, lines[f])
    }
    # A circle: a folder reached again from itself by a depth-first walk.
    for (n in nodes) state[n] = 0
    for (n in nodes) if (!state[n]) walk(n, n)
    printf "longest function: %s (%d lines; limit %d)\n", longest_at, longest, max_fn
    printf "largest file under harness/: %s (%d lines)\n", largest_at, largest
    if (over != "") printf "files over %d lines (allowed when one job):\n%s", max_file, over
    printf "folder includes:"
    for (n in shown) printf "\n  %s ->%s", n, shown[n]
    printf "\n"
    if (cycles == "") print "include circles between folders: none"
    else {
        printf "check-structure: include circle between folders: %s\n", cycles
        n = split(cycles, step, / -> |; /)
        for (i = 1; i < n; i++) if ((step[i], step[i + 1]) in edge) printf "  %s -> %s: %s\n", step[i], step[i + 1], edge[step[i], step[i + 1]]
        bad = 1
    }
    exit bad
}
function walk(n, path,   k, m, nb, i) {
    state[n] = 1
    nb = split(out[n], m, " ")
    for (i = 1; i <= nb; i++) {
        if (state[m[i]] == 1) { cycles = cycles (cycles == "" ? "" : "; ") path " -> " m[i]; continue }
        if (!state[m[i]]) walk(m[i], path " -> " m[i])
    }
    state[n] = 2
}
' "${files[@]}"
