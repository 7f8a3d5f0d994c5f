#!/usr/bin/env bash
# Installs highwater's build dependencies from Debian's packages, only those that
# pkg-config cannot already find. Idempotent: a second run installs nothing.
set -euo pipefail

# pkg-config module -> Debian package
declare -A pkgs=(
  [jemalloc]=libjemalloc-dev
  [yaml-0.1]=libyaml-dev
  [libcjson]=libcjson-dev
  [cmocka]=libcmocka-dev
)

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
# The tests check the gate's JUnit output with xmllint, and a worker's peak against GNU time.
command -v xmllint >/dev/null 2>&1 || missing+=(libxml2-utils)
[ -x /usr/bin/time ] || missing+=(time)
# `highwater exec`'s example and tests run python3 (standard library only).
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# --fuzz (make fuzz only): clang and its libFuzzer + sanitizer runtimes.
if [ "${1:-}" = "--fuzz" ]; then
  command -v clang >/dev/null 2>&1 || missing+=(clang)
  [ -f "$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-$(uname -m).a" ] ||
    missing+=(libclang-rt-14-dev)
fi
for mod in "${!pkgs[@]}"; do
  if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists "$mod"; then
    missing+=("${pkgs[$mod]}")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo=sudo; else
    echo "install-deps: need root to install: ${missing[*]} (run: apt-get install ${missing[*]})" >&2
    exit 3
  fi
else
  sudo=
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
  $sudo apt-get update >/dev/null 2>&1 || true
  $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2
}
