#!/usr/bin/env bash
# `srun` starting a data-parallel gru train, on a one-node Slurm cluster made on this machine:
# munge, slurmctld and slurmd from Debian's slurm-wlm (installed when missing), this machine the
# only node, its state under a temporary directory. srun starts two processes through PMIx
# (--mpi=pmix, Open MPI's own way of learning its job from a launcher); the same run in one
# process follows, and the two validation losses must agree within 1e-5.
#
#   sudo bash Tools/Distributed/slurm_one_node.sh [GRU_BINARY]
#
# Needs root (it starts daemons, stopped again on exit) and a gru built with Open MPI. Slurm's
# configuration file, /etc/slurm/slurm.conf, is replaced for the run and restored after.
set -euo pipefail
cd "$(dirname "$0")/../.."
gru="${1:-.build/release/gru}"
[ -x "$gru" ] || { echo "slurm_one_node.sh: no gru at $gru (swift build -c release --product gru)" >&2; exit 1; }
gru="$(cd "$(dirname "$gru")" && pwd)/$(basename "$gru")"
[ "$(id -u)" -eq 0 ] || { echo "slurm_one_node.sh: needs root to start Slurm's daemons" >&2; exit 1; }
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    echo "installing slurm-wlm and munge (apt-get)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

work="$(mktemp -d)"
config=/etc/slurm/slurm.conf
[ -e "$config" ] && cp "$config" "$work/slurm.conf.saved"
cleanup() {
    pkill -x slurmd 2>/dev/null || true
    pkill -x slurmctld 2>/dev/null || true
    [ -n "${munge_started:-}" ] && pkill -x munged 2>/dev/null || true
    if [ -e "$work/slurm.conf.saved" ]; then cp "$work/slurm.conf.saved" "$config"; else rm -f "$config"; fi
    rm -rf "$work"
}
trap cleanup EXIT

host="$(hostname)"
mkdir -p "$work/state" "$work/spool" /etc/slurm
cat > "$config" <<CONF
ClusterName=grukit
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=one Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
if ! pgrep -x munged >/dev/null; then
    mkdir -p /run/munge && chown munge:munge /run/munge
    [ -s /etc/munge/munge.key ] || { dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key 2>/dev/null; chown munge:munge /etc/munge/munge.key; chmod 400 /etc/munge/munge.key; }
    munged --force 2>/dev/null
    munge_started=1
fi
pkill -x slurmd 2>/dev/null || true
pkill -x slurmctld 2>/dev/null || true
slurmctld
slurmd
for _ in $(seq 50); do sinfo -h -o %t 2>/dev/null | grep -q idle && break; sleep 0.2; done

"$gru" data adding --output "$work/data" --count 1000 --steps 40 --seed 3 >/dev/null
settings=(train --train "$work/data" --task forecast --epochs 3 --batch-size 32 --hidden-size 32 --seed 5
    --input-dropout 0.1)
echo "== srun -n 2 --mpi=pmix gru train"
srun -n 2 --mpi=pmix "$gru" "${settings[@]}" --model "$work/srun" > "$work/srun.out"
tr '\r' '\n' < "$work/srun.out" | sed 's/^\x1b\[K//' | grep -a -v '^epoch [0-9/]* \[' | sed 's/^/   /'
echo "== the same run in one process"
"$gru" "${settings[@]}" --model "$work/one-process" >/dev/null

echo "== validation loss by epoch: srun, one process"
losses() { grep -o '"validation":{"loss":[0-9.e+-]*' "$1/log.jsonl" | cut -d: -f3; }
paste <(losses "$work/srun") <(losses "$work/one-process") | awk '
    { d = $1 - $2; if (d < 0) d = -d; r = d / ($2 > 1 ? $2 : 1); if (r > worst) worst = r; print "   " $1 "  " $2 }
    END { printf "   largest relative difference %.2g\n", worst; if (NR == 0 || worst > 1e-5) exit 1 }' ||
    { echo "slurm_one_node.sh: the two runs differ by more than 1e-5 (or did not log)" >&2; exit 1; }
