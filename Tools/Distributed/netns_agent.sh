#!/usr/bin/env bash
# mpirun's remote-shell agent for two_hosts.sh: where mpirun would ssh to a host, this runs the
# command in that host's network namespace on this machine. mpirun calls it as
#   netns_agent.sh HOST COMMAND...
# and HOST is one of the namespaces' addresses, named in GRUKIT_NETNS_HOSTS as ADDRESS=NAMESPACE
# pairs separated by spaces.
set -euo pipefail
host="$1"
shift
for pair in ${GRUKIT_NETNS_HOSTS:?}; do
    if [ "${pair%%=*}" = "$host" ]; then
        exec ip netns exec "${pair#*=}" /bin/sh -c "$*"
    fi
done
echo "netns_agent.sh: no namespace for host $host (GRUKIT_NETNS_HOSTS=$GRUKIT_NETNS_HOSTS)" >&2
exit 1
