#!/usr/bin/env bash
# Data-parallel training across a network without a second machine: two network namespaces on
# this one, joined by a veth pair (10.77.0.1 and 10.77.0.2, nothing else reachable), play two
# hosts of two processes each. mpirun starts the far host's processes through netns_agent.sh
# instead of ssh, and the processes talk over TCP on the veth pair only (no shared memory), so
# every gradient sum crosses the "network". The same job then runs as one process, and the two
# validation curves are printed side by side: they agree to float32 summation order.
#
#   sudo bash Tools/Distributed/two_hosts.sh [GRU_BINARY]
#
# Needs root (ip netns), Open MPI (mpirun) and a gru built with it (swift build -c release
# --product gru once libopenmpi-dev is installed). Leaves nothing behind: the namespaces and the
# work directory are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/../.."
gru="${1:-.build/release/gru}"
[ -x "$gru" ] || { echo "two_hosts.sh: no gru at $gru (swift build -c release --product gru)" >&2; exit 1; }
gru="$(cd "$(dirname "$gru")" && pwd)/$(basename "$gru")"
command -v mpirun >/dev/null || { echo "two_hosts.sh: mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "two_hosts.sh: needs root for ip netns" >&2; exit 1; }

work="$(mktemp -d)"
cleanup() {
    ip netns del grukit-host-a 2>/dev/null || true
    ip netns del grukit-host-b 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Two hosts and a cable.
ip netns add grukit-host-a
ip netns add grukit-host-b
ip link add grukit-veth-a type veth peer name grukit-veth-b
ip link set grukit-veth-a netns grukit-host-a
ip link set grukit-veth-b netns grukit-host-b
ip -n grukit-host-a addr add 10.77.0.1/24 dev grukit-veth-a
ip -n grukit-host-b addr add 10.77.0.2/24 dev grukit-veth-b
for side in a b; do
    ip -n "grukit-host-$side" link set lo up
    ip -n "grukit-host-$side" link set "grukit-veth-$side" up
done


"$gru" data adding --output "$work/data" --count 2000 --steps 50 --seed 3 >/dev/null
settings=(train --train "$work/data" --task forecast --epochs 3 --batch-size 64 --hidden-size 64 --seed 5
    --input-dropout 0.1)

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export GRUKIT_NETNS_HOSTS="10.77.0.2=grukit-host-b"
bytes() { ip netns exec grukit-host-a cat /sys/class/net/grukit-veth-a/statistics/tx_bytes; }
before="$(bytes)"
echo "== 4 processes on two hosts (10.77.0.1 and 10.77.0.2, TCP over the veth pair)"
ip netns exec grukit-host-a mpirun -np 4 --host 10.77.0.1:2,10.77.0.2:2 --bind-to none \
    --mca plm_rsh_agent "$PWD/Tools/Distributed/netns_agent.sh" \
    --mca btl self,tcp --mca btl_tcp_if_include 10.77.0.0/24 --mca oob_tcp_if_include 10.77.0.0/24 \
    -x GRUKIT_NUM_THREADS=1 -x PATH \
    "$gru" "${settings[@]}" --model "$work/two-hosts" > "$work/two-hosts.out"
# The epoch lines, without the progress bar mpirun's terminal drew.
tr '\r' '\n' < "$work/two-hosts.out" | sed 's/^\x1b\[K//' | grep -a -v '^epoch [0-9/]* \[' | sed 's/^/   /'
echo "   host a sent $(( ($(bytes) - before) / 1024 )) KiB to host b"

echo "== the same run in one process"
GRUKIT_NUM_THREADS=1 "$gru" "${settings[@]}" --model "$work/one-process" >/dev/null

echo "== validation loss by epoch: two hosts, one process"
losses() { grep -o '"validation":{"loss":[0-9.e+-]*' "$1/log.jsonl" | cut -d: -f3; }
paste <(losses "$work/two-hosts") <(losses "$work/one-process") | awk '
    { d = $1 - $2; if (d < 0) d = -d; r = d / ($2 > 1 ? $2 : 1); if (r > worst) worst = r; print "   " $1 "  " $2 }
    END { printf "   largest relative difference %.2g\n", worst; if (NR == 0 || worst > 1e-5) exit 1 }' ||
    { echo "two_hosts.sh: the two runs differ by more than 1e-5 (or did not log)" >&2; exit 1; }
