#!/usr/bin/env bash
# Start a single-node SLURM cluster on this machine, for the cluster tests.
#
# Installs Debian's slurmctld, slurmd, slurm-client, munge, slurmdbd and
# mariadb-server if missing, writes a minimal configuration and starts, by hand
# (no systemd here), munged, mariadbd, slurmdbd (accounting, which `sacct` and
# so Snakemake's SLURM plugin need), slurmctld and slurmd. Each daemon runs in
# the foreground of a background process whose PID is recorded in
# $STATE_DIR/pids; stop-slurm.sh stops exactly those. Idempotent: when every
# recorded daemon still runs, it does nothing. Run as root, no arguments.
set -euo pipefail

STATE_DIR=${SLURM_TEST_STATE_DIR:-/var/tmp/optimizer-animations-slurm}
PIDS=$STATE_DIR/pids
CLUSTER=optanim
DB_PASSWORD=optanim-test-only  # a throwaway database on loopback

fail() { echo "start-slurm: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (it installs packages and starts daemons)"
[ $# = 0 ] || fail "takes no arguments"

all_running() {
    [ -s "$PIDS" ] || return 1
    local name pid
    while read -r name pid; do
        kill -0 "$pid" 2>/dev/null || return 1
    done <"$PIDS"
}

if all_running; then
    echo "start-slurm: already running ($(tr '\n' ' ' <"$PIDS"))"
    exit 0
fi
if [ -s "$PIDS" ]; then
    echo "start-slurm: some recorded daemons are gone; restarting all" >&2
    "$(dirname "$0")/stop-slurm.sh"
fi

packages=(slurmctld slurmd slurm-client munge slurmdbd mariadb-server)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "start-slurm: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || fail "apt-get update failed"
    apt-get install -y -qq "${missing[@]}" >/dev/null || fail "could not install ${missing[*]}"
fi

mkdir -p "$STATE_DIR"
: >"$PIDS"
NODE=$(hostname -s)
# slurmctld and slurmd find the node by its short host name.
getent hosts "$NODE" >/dev/null || echo "127.0.0.1 $NODE" >>/etc/hosts
CPUS=$(nproc)
# Leave headroom below the machine's memory, or slurmd refuses the node.
MEMORY_MB=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 * 9 / 10 ))

mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm /run/munge /run/mysqld
chown munge:munge /run/munge
chown mysql:mysql /run/mysqld

cat >/etc/slurm/slurm.conf <<EOF
# Written by tests/cluster/start-slurm.sh: a one-node test cluster.
ClusterName=$CLUSTER
SlurmctldHost=$NODE
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
# No cgroups in this container: track job processes by their parent PIDs.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=$STATE_DIR/slurmctld.pid
SlurmdPidFile=$STATE_DIR/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
# Accounting through slurmdbd, so that sacct reports finished jobs.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
JobAcctGatherType=jobacct_gather/linux
JobAcctGatherFrequency=5
# Finished jobs stay visible to squeue for 10 minutes.
MinJobAge=600
NodeName=$NODE CPUs=$CPUS RealMemory=$MEMORY_MB State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF

cat >/etc/slurm/slurmdbd.conf <<EOF
# Written by tests/cluster/start-slurm.sh
AuthType=auth/munge
DbdHost=localhost
SlurmUser=root
PidFile=$STATE_DIR/slurmdbd.pid
LogFile=/var/log/slurm/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=$DB_PASSWORD
StorageLoc=slurm_acct_db
EOF
chmod 600 /etc/slurm/slurmdbd.conf

# start NAME COMMAND...: run COMMAND in the background and record its PID.
start() {
    local name=$1
    shift
    setsid "$@" >>"$STATE_DIR/$name.out" 2>&1 </dev/null &
    echo "$name $!" >>"$PIDS"
}

wait_until() {
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq $((seconds * 5))); do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    fail "$what did not come up within ${seconds}s (see $STATE_DIR/*.out and /var/log/slurm/)"
}

# munged must run as the munge user; setpriv execs, so the PID is munged's.
start munged setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged --foreground
wait_until munged 20 munge -n

# mariadbd does not daemonize itself: it runs in the foreground of its process.
start mariadbd /usr/sbin/mariadbd --user=mysql --socket=/run/mysqld/mysqld.sock \
    --bind-address=127.0.0.1 --skip-networking=0
wait_until mariadbd 60 mariadb -e "SELECT 1"
mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '$DB_PASSWORD';
            GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"

start slurmdbd /usr/sbin/slurmdbd -D
wait_until slurmdbd 60 sacctmgr -n show cluster

sacctmgr -i -Q add cluster "$CLUSTER" >/dev/null 2>&1 || true
start slurmctld /usr/sbin/slurmctld -D -i
wait_until slurmctld 60 scontrol ping
start slurmd /usr/sbin/slurmd -D
wait_until "the node" 60 sh -c "sinfo -h -N -o %T | grep -qE '^(idle|mixed|allocated)'"

echo "start-slurm: cluster '$CLUSTER' up on $NODE ($CPUS CPUs, ${MEMORY_MB} MB); pids in $PIDS"
