#!/usr/bin/env bash
# Stop the daemons that start-slurm.sh started: exactly the PIDs it recorded,
# never by name, in reverse start order. Run as root, no arguments.
set -euo pipefail

STATE_DIR=${SLURM_TEST_STATE_DIR:-/var/tmp/optimizer-animations-slurm}
PIDS=$STATE_DIR/pids

fail() { echo "stop-slurm: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root"
[ $# = 0 ] || fail "takes no arguments"
if [ ! -s "$PIDS" ]; then
    echo "stop-slurm: nothing recorded in $PIDS; nothing to stop"
    exit 0
fi

mapfile -t records < <(tac "$PIDS")
for record in "${records[@]}"; do
    read -r name pid <<<"$record"
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid"
        for _ in $(seq 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.2
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "stop-slurm: $name ($pid) ignored SIGTERM for 10 s; killing it" >&2
            kill -KILL "$pid"
        fi
        echo "stop-slurm: stopped $name ($pid)"
    fi
done
rm -f "$PIDS"
