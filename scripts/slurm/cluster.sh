#!/usr/bin/env bash
# A throwaway one-node Slurm cluster on localhost, for tests: everything it makes (config,
# munge key and socket, state, spool, logs, pid files, the accounting database) lives under
# DIR, its daemons listen on unusual ports, so a system-wide munge or Slurm is not touched.
#
#   cluster.sh start DIR   start munged [, mariadbd, slurmdbd], slurmctld, slurmd as root;
#                          returns once sinfo shows the node idle. On any failure it stops
#                          what it started and removes DIR before exiting non-zero.
#   cluster.sh stop DIR    cancel every job, stop every daemon it started, remove DIR.
#   cluster.sh env DIR     print the export line clients need (SLURM_CONF).
#
# It installs nothing. Needs: munge slurmctld slurmd slurm-client; for sacct (MaxRSS of
# finished jobs) also slurmdbd mariadb-server-core mariadb-client-core (not mariadb-server,
# whose postinst makes a system database), as Slurm 22.05 keeps step accounting only in
# slurmdbd's MySQL/MariaDB store. Environment:
#   HW_SLURM_ACCOUNTING  dbd | none | auto (default: dbd when slurmdbd and mariadbd exist)
#   HW_SLURM_PORT        first of four consecutive TCP ports (default 26817)
#   HW_SLURM_MEM_MB      the node's RealMemory (default: 90% of MemTotal)
#   HW_SLURM_ACCT_FREQ   jobacct_gather/linux sampling interval in seconds (default 1)
#   HW_SLURM_WAIT        seconds to wait for each daemon (default 30)
#   HW_SLURM_KEEP_LOGS   a directory that stop (or a failed start) copies DIR/log into
# Exit codes: 0 done, 2 bad usage or DIR not ours, 3 could not start.
set -euo pipefail

me=${0##*/}
die() { echo "$me: $2" >&2; exit "$1"; }

[ $# -eq 2 ] || die 2 "usage: $me start|stop|env DIR"
cmd=$1
case $2 in /*) dir=${2%/} ;; *) dir=$PWD/${2%/} ;; esac
if [ -z "$dir" ] || [ "$dir" = / ]; then die 2 "DIR '$2' is the root directory; give an empty or new directory"; fi
marker=$dir/.hw-slurm-cluster
conf=$dir/etc/slurm.conf
port0=${HW_SLURM_PORT:-26817}
ctld_port=$port0 slurmd_port=$((port0 + 1)) dbd_port=$((port0 + 2)) db_port=$((port0 + 3))
wait_s=${HW_SLURM_WAIT:-30}
node=$(hostname -s)

# Every daemon we start is named in DIR/run/NAME.pid; a pid counts as ours only while its
# command line or environment (SLURM_CONF: slurmdbd takes no path argument) still names
# DIR, so a pid reused after a crash is never killed.
ours() {
  [ -n "$1" ] && cat "/proc/$1/cmdline" "/proc/$1/environ" 2>/dev/null | tr '\0' '\n' \
    | grep -qF -- "$dir/"
}

# Processes with their cwd, an open file or a unix socket under DIR, or this cluster's
# SLURM_CONF in their environment, and their descendants: job steps (slurmstepd and the
# job's own processes) that outlived their daemons. Skips this shell's ancestry.
holders() {
  local skip=" " q=$$
  while [ "$q" -gt 1 ] 2>/dev/null; do
    skip+="$q "
    q=$(awk '{print $4}' "/proc/$q/stat" 2>/dev/null) || break
  done
  find /proc/[0-9]*/cwd /proc/[0-9]*/fd -maxdepth 1 -printf '%h %l\n' 2>/dev/null \
    | awk -v d="$dir" -v skip="$skip" '
        NR == FNR { if (index($8, d "/") == 1) sock["socket:[" $7 "]"]; next }
        { split($1, f, "/"); p = f[3] }
        ($2 == d || index($2, d "/") == 1 || ($2 in sock)) && index(skip, " " p " ") == 0 \
          && !(p in seen) { seen[p]; print p }' /proc/net/unix - \
    | cat - <(grep -lzxF "SLURM_CONF=$conf" /proc/[0-9]*/environ 2>/dev/null \
                | awk -F/ -v skip="$skip" 'index(skip, " " $3 " ") == 0 { print $3 }') \
    | sort -u | descendants
}

descendants() { # pids on stdin -> those pids and all their descendants
  local roots
  roots=$(cat)
  [ -n "$roots" ] || return 0
  ps -e -o pid=,ppid= | awk -v roots="$roots" '{ kid[$2] = kid[$2] " " $1 }
    function walk(p,  n, k, i) { if (p in out) return; out[p]; print p
      n = split(kid[p], k, " "); for (i = 1; i <= n; i++) walk(k[i]) }
    END { n = split(roots, r, "\n"); for (i = 1; i <= n; i++) walk(r[i]) }'
}

# TERM, wait up to $2 seconds, then KILL and wait again: returns once every pid is gone.
reap() {
  local pids=$1 t=$2 p left
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # the pid lists are split on purpose
  kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < t * 10; i++)); do
    left=; for p in $pids; do kill -0 "$p" 2>/dev/null && left+="$p "; done
    [ -z "$left" ] && return 0
    sleep 0.1
  done
  echo "$me: killing $left (still running after ${t}s)" >&2
  # shellcheck disable=SC2086
  kill -KILL $left 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    left=; for p in $pids; do kill -0 "$p" 2>/dev/null && left+="$p "; done
    [ -z "$left" ] && return 0
    sleep 0.1
  done
}

stop_daemons() { # NAME...: stop the daemons named in DIR/run/NAME.pid that are still ours
  local n p pids=
  for n in "$@"; do
    [ -r "$dir/run/$n.pid" ] || continue
    p=$(cat "$dir/run/$n.pid")
    ours "$p" && pids+="$p "
  done
  reap "$pids" 15
  for n in "$@"; do rm -f "$dir/run/$n.pid"; done
}

do_stop() {
  # Every step is tried whatever the one before it did: a half-started or half-dead cluster
  # is the case this exists for. Nor may a ^C or a reader that went away (SIGPIPE on the
  # messages) cut it short.
  set +e
  trap '' INT TERM PIPE
  export SLURM_CONF=$conf
  # Cancel jobs while slurmctld and slurmd can still end them cleanly (epilog, accounting).
  if [ -r "$dir/run/slurmctld.pid" ] && ours "$(cat "$dir/run/slurmctld.pid")"; then
    local jobs
    jobs=$(squeue -h -o %i 2>/dev/null | paste -sd, -)
    [ -z "$jobs" ] || scancel --full --quiet "$jobs" 2>/dev/null
    for ((i = 0; i < 100; i++)); do
      [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
      sleep 0.1
    done
  fi
  # Two rounds, each in parallel: slurmctld still reaches slurmdbd while it shuts down.
  stop_daemons slurmd slurmctld
  stop_daemons slurmdbd mariadbd munged
  reap "$(holders)" 5
  if [ -n "${HW_SLURM_KEEP_LOGS:-}" ] && [ -d "$dir/log" ]; then
    mkdir -p "$HW_SLURM_KEEP_LOGS"
    cp -a "$dir/log/." "$HW_SLURM_KEEP_LOGS/" || true
  fi
  rm -rf -- "$dir"
}

logs_hint() { # where a failed start's logs end up, since DIR is removed
  if [ -n "${HW_SLURM_KEEP_LOGS:-}" ]; then echo "logs copied to $HW_SLURM_KEEP_LOGS"
  else echo "set HW_SLURM_KEEP_LOGS=SOMEDIR to keep the logs"; fi
}

tail_log() { # NAME: the last lines of DIR/log/NAME.{log,out}, to explain a failed start
  local f=$dir/log/$1.log
  [ -s "$f" ] || f=$dir/log/$1.out   # stderr, where it failed before opening its log
  [ -s "$f" ] && { echo "  ${f##*/}:"; tail -n 8 "$f" | sed 's/^/  | /'; } >&2
  return 0
}

wait_for() { # NAME WHAT CMD...: retry CMD every 0.2 s for at most $wait_s seconds, while
  # the daemon NAME is still running
  local name=$1 what=$2 end=$((SECONDS + wait_s)); shift 2
  while [ "$SECONDS" -lt "$end" ]; do
    timeout 10 "$@" >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/run/$name.pid")" 2>/dev/null \
      || { echo "$me: $name exited while starting ($(logs_hint))" >&2; return 1; }
    sleep 0.2
  done
  echo "$me: $what did not come up within ${wait_s}s ($(logs_hint))" >&2
  return 1
}

launch() { # NAME CMD...: run CMD in the foreground of its own session, pid in DIR/run
  local name=$1; shift
  setsid "$@" </dev/null >>"$dir/log/$name.out" 2>&1 &
  echo $! >"$dir/run/$name.pid"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

need() { command -v "$1" >/dev/null || die 3 "$1 not found: install $2 (apt-get install $2)"; }

write_slurm_conf() {
  local mem=$1 cpus=$2 acct=$3
  cat >"$conf" <<EOF
# Generated by $me for a throwaway cluster in $dir; removed with it.
ClusterName=hwtest
# The address given, so that clients need not resolve the host name.
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/run/slurmctld.own.pid
SlurmdPidFile=$dir/run/slurmd.own.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroup plugins: this host's cgroup v1 memory hierarchy is in use by others and v2 has
# no memory controller, and MaxRSS comes from jobacct_gather/linux reading /proc anyway.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=task=${HW_SLURM_ACCT_FREQ:-1}
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
# Finished jobs stay visible to scontrol for 10 minutes.
MinJobAge=600
MailProg=/bin/true
# One line per finished job, the only record when accounting is none (sacct -c reads it).
JobCompType=jobcomp/filetxt
JobCompLoc=$dir/log/jobcomp.txt
EOF
  if [ "$acct" = dbd ]; then
    cat >>"$conf" <<EOF
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$dbd_port
# Connections to slurmdbd take their munge socket from here, not from AuthInfo.
AccountingStoragePass=$dir/munge/munge.socket
EOF
  else
    echo "AccountingStorageType=accounting_storage/none" >>"$conf"
  fi
  cat >>"$conf" <<EOF
NodeName=$node NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=hw Nodes=$node Default=YES MaxTime=INFINITE State=UP
EOF
}

start_db() { # a private MariaDB on 127.0.0.1:$db_port for slurmdbd, datadir under DIR
  mkdir -p "$dir/db"
  mariadb-install-db --no-defaults --datadir="$dir/db" --user=root --skip-test-db \
    --auth-root-authentication-method=socket >"$dir/log/mariadb-install.log" 2>&1 \
    || { echo "$me: mariadb-install-db failed" >&2; tail_log mariadb-install; exit 3; }
  launch mariadbd mariadbd --no-defaults --datadir="$dir/db" --socket="$dir/db/sock" \
    --pid-file="$dir/run/mariadbd.own.pid" --port="$db_port" --bind-address=127.0.0.1 \
    --user=root --log-error="$dir/log/mariadbd.log" --skip-log-bin \
    --innodb-buffer-pool-size=16M --innodb-log-file-size=8M --performance-schema=OFF
  wait_for mariadbd mariadbd mariadb --no-defaults --socket="$dir/db/sock" -e 'SELECT 1' \
    || { tail_log mariadbd; exit 3; }
  mariadb --no-defaults --socket="$dir/db/sock" -e "
    CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY 'hwtest';
    GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';" \
    || { echo "$me: could not create the slurm database user" >&2; exit 3; }
  # slurmdbd refuses a config readable by others (it holds the database password).
  install -m 600 /dev/null "$dir/etc/slurmdbd.conf"
  cat >"$dir/etc/slurmdbd.conf" <<EOF
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$dbd_port
SlurmUser=root
PidFile=$dir/run/slurmdbd.own.pid
LogFile=$dir/log/slurmdbd.log
DebugLevel=info
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$db_port
StorageUser=slurm
StoragePass=hwtest
StorageLoc=slurm_acct_db
EOF
  # slurmdbd has no -f: it reads slurmdbd.conf beside \$SLURM_CONF.
  launch slurmdbd slurmdbd -D -s
  wait_for slurmdbd slurmdbd sacctmgr -n list cluster || { tail_log slurmdbd; exit 3; }
  # Adding the cluster also makes the root account and root's association.
  sacctmgr -i add cluster hwtest >/dev/null \
    || { echo "$me: sacctmgr add cluster failed" >&2; tail_log slurmdbd; exit 3; }
}

on_start_exit() { # a start that did not finish stops what it had started
  local rc=$?
  trap - EXIT
  [ "$rc" -eq 0 ] && exit 0
  do_stop
  [ "$rc" -eq 1 ] && rc=3   # a command that failed under set -e: still "could not start"
  exit "$rc"
}

do_start() {
  need munged munge; need slurmctld slurmctld; need slurmd slurmd; need sinfo slurm-client
  local acct=${HW_SLURM_ACCOUNTING:-auto}
  if [ "$acct" = auto ]; then
    if command -v slurmdbd >/dev/null && command -v mariadbd >/dev/null; then acct=dbd
    else acct=none; echo "$me: no slurmdbd/mariadbd: starting without accounting (sacct will not work)" >&2
    fi
  fi
  case $acct in
    dbd) need slurmdbd slurmdbd; need mariadbd mariadb-server-core; need mariadb mariadb-client-core ;;
    none) ;;
    *) die 2 "HW_SLURM_ACCOUNTING='$acct' is not dbd, none or auto" ;;
  esac
  [ "$(id -u)" = 0 ] || die 3 "must run as root (slurmd runs jobs as their users)"
  if [ -e "$dir" ]; then
    [ -e "$marker" ] && die 2 "a cluster already lives in $dir: run '$me stop $dir' first"
    if ! [ -d "$dir" ] || [ -n "$(ls -A "$dir")" ]; then
      die 2 "DIR $dir exists and is not empty: give an empty or new directory"
    fi
  fi
  local p
  for p in $ctld_port $slurmd_port $dbd_port $db_port; do
    port_free "$p" || die 3 "port $p on 127.0.0.1 is in use: set HW_SLURM_PORT to the first of 4 free ports"
  done

  mkdir -p "$dir"
  : >"$marker"
  # From here on, any failure (or INT/TERM) stops what was started and removes DIR.
  trap on_start_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 141' PIPE   # stderr's reader gone: still clean up (a handler, not inherited)
  # munged wants its key directory closed to writes by others, and searchable so that every
  # client can reach the socket.
  mkdir -m 711 "$dir/munge"
  mkdir -p "$dir/etc" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
  export SLURM_CONF=$conf

  mungekey --create --keyfile="$dir/munge/munge.key" --bits=1024 2>/dev/null \
    || { dd if=/dev/urandom of="$dir/munge/munge.key" bs=128 count=1 status=none; }
  chmod 400 "$dir/munge/munge.key"
  launch munged munged --foreground --force --socket="$dir/munge/munge.socket" \
    --key-file="$dir/munge/munge.key" --pid-file="$dir/run/munged.own.pid" \
    --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munged.seed"
  wait_for munged munged bash -c "munge -n -S '$dir/munge/munge.socket' | unmunge -S '$dir/munge/munge.socket'" \
    || { tail_log munged; exit 3; }

  local mem cpus
  mem=${HW_SLURM_MEM_MB:-$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)}
  cpus=$(nproc)
  write_slurm_conf "$mem" "$cpus" "$acct"
  if [ "$acct" = dbd ]; then start_db; fi

  launch slurmctld slurmctld -D -s -i -f "$conf"
  wait_for slurmctld slurmctld bash -c "scontrol ping | grep -q UP" || { tail_log slurmctld; exit 3; }
  launch slurmd slurmd -D -s -f "$conf"
  wait_for slurmd "node $node (idle)" bash -c "[ \"\$(sinfo -h -n '$node' -o %T)\" = idle ]" \
    || { echo "  sinfo: $(sinfo -h -n "$node" -o '%T %E' 2>&1)" >&2; tail_log slurmd; exit 3; }
  trap - EXIT INT TERM PIPE
  echo "export SLURM_CONF=$conf"
}

case $cmd in
  start) do_start ;;
  stop)
    [ -e "$dir" ] || exit 0
    [ -e "$marker" ] || die 2 "$dir has no cluster marker (.hw-slurm-cluster): not removing it"
    do_stop ;;
  env) [ -e "$marker" ] || die 2 "no cluster in $dir"; echo "export SLURM_CONF=$conf" ;;
  *) die 2 "usage: $me start|stop|env DIR" ;;
esac
