#!/usr/bin/env bash
# Installs what highwater's build and tests need from Debian's packages, only what is not
# already there. Idempotent: a second run installs nothing and prints nothing. apt's own
# output is shown (on stderr), so a slow first run shows its progress; if apt fails, one
# line says so and the exit code is 3 ("could not run").
set -euo pipefail

# What is checked -> the Debian package that provides it. cmd:NAME is a command on PATH,
# file:PATH a file, pc:MODULE a pkg-config module (checked once pkg-config itself is there),
# fuzzrt: clang's libFuzzer runtime (its directory is clang's to say, once clang is there).
deps=(
  "cmd:pkg-config   pkg-config"
  "pc:jemalloc      libjemalloc-dev"
  "pc:yaml-0.1      libyaml-dev"
  "pc:libcjson      libcjson-dev"
  "pc:cmocka        libcmocka-dev"
  "cmd:xmllint      libxml2-utils"   # the tests check the gate's JUnit output with it
  "file:/usr/bin/time time"          # a worker's peak is checked against GNU time
  "cmd:python3      python3"         # `highwater exec`'s example and tests (standard library)
  "file:/usr/include/mimalloc.h libmimalloc-dev"  # the mimalloc allocator choice (LD_PRELOAD of libmimalloc.so.2)
)
# Blocks for optional tools append to the same table (deps+=(...)), so one check, one apt
# run and one failure message cover them all.
# --fuzz (make fuzz only): clang and its libFuzzer + sanitizer runtimes.
if [ "${1:-}" = "--fuzz" ]; then
  deps+=("cmd:clang clang" "fuzzrt: libclang-rt-14-dev")
fi
# --twins (make twins, which make test runs): the real libraries the models are held against
# (highwater fidelity): Node.js + npm for nodejs-polars (npm ci in scripts/twins/polars),
# Debian's pandas and numpy for the pandas twins (run with /usr/bin/python3).
if [ "${1:-}" = "--twins" ]; then
  deps+=("cmd:node nodejs" "cmd:npm npm"
         "file:/usr/lib/python3/dist-packages/pandas/__init__.py python3-pandas"
         "file:/usr/lib/python3/dist-packages/numpy/__init__.py python3-numpy")
fi
# --slurm (.ci/run, for tests/test_integration_slurm.sh): a one-node Slurm 22.05 on localhost
# (scripts/slurm/cluster.sh). slurmdbd + MariaDB are there because 22.05 keeps a finished
# job's per-step MaxRSS only in slurmdbd's store, which sacct reads; -core, not mariadb-server,
# whose postinst makes a system database. Their services are not started (see below).
if [ "${1:-}" = "--slurm" ]; then
  deps+=("cmd:munged munge" "cmd:slurmctld slurmctld" "cmd:slurmd slurmd" "cmd:sbatch slurm-client"
         "cmd:slurmdbd slurmdbd" "cmd:mariadbd mariadb-server-core" "cmd:mariadb-install-db mariadb-server-core"
         "cmd:mariadb mariadb-client-core")
  slurm=1
fi
# The Makefile passes its CC; gcc (or cc, which gcc provides) is installed when missing.
case ${CC:-gcc} in gcc | cc) deps+=("cmd:${CC:-gcc} gcc") ;; esac

have() {
  case $1 in
  cmd:*) command -v "${1#cmd:}" >/dev/null 2>&1 ;;
  file:*) [ -e "${1#file:}" ] ;;
  pc:*) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "${1#pc:}" ;;
  fuzzrt:) [ -f "$(clang --print-runtime-dir 2>/dev/null)/libclang_rt.fuzzer-$(uname -m).a" ] ;;
  esac
}

missing_of() {
  missing=()
  local e
  for e in "${deps[@]}"; do
    read -r what pkg <<<"$e"
    # Two checks may name one package (mariadbd and mariadb-install-db): listed once.
    have "$what" || [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
  done
}

missing_of
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
# Slurm's and munge's packages start their daemons on install; the test runs its own under a
# temp dir, so a policy-rc.d (the Debian way to say "start nothing") is put in place for the
# apt run when the machine has none, and removed after it on every path.
policy=/usr/sbin/policy-rc.d
if [ -n "${slurm:-}" ] && [ ! -e "$policy" ]; then
  trap '$sudo rm -f "$policy"' EXIT
  printf '#!/bin/sh\n# highwater install-deps --slurm: no service starts during this apt run\nexit 101\n' |
    $sudo tee "$policy" >/dev/null
  $sudo chmod 755 "$policy"
fi
apt_install() { $sudo apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
# A fresh debootstrap has no package lists, and old lists name files the mirror has dropped:
# update first when there are none, and once more before a retry.
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  $sudo apt-get update >&2 || true
fi
if ! apt_install; then
  $sudo apt-get update >&2 || true
  if ! apt_install; then
    echo "install-deps: apt-get could not install ${missing[*]} (see apt's output above); fix apt" \
         "(network, sources.list) and run make again" >&2
    exit 3
  fi
fi
missing_of
if [ ${#missing[@]} -ne 0 ]; then
  echo "install-deps: still missing after apt-get install: ${missing[*]}" >&2
  exit 3
fi
