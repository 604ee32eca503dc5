#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Soak test of kferry under random faults (docs/fault-tolerance.md):
#
#   tests/fault/soak.sh [--duration SECONDS|Nm|Nh] [run.sh options]
#
# Starts the fault suite's three-node cluster and runs the soak scenario
# (tests/fault/s_soak.sh) for the duration (default 20m): batches of files
# sent while receivers, senders and brokers are killed or paused at seeded
# random moments. Prints files, bytes, faults injected, lost, duplicated
# and partial, like the suite; KF_SEED replays the same fault sequence.
set -uo pipefail

dur=20m
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--duration)
		[ $# -ge 2 ] || { echo "soak.sh: --duration needs a value" >&2; exit 2; }
		dur=$2
		shift
		;;
	--duration=*) dur=${1#*=} ;;
	-h | --help)
		sed -n '3,/^set -uo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*) args+=("$1") ;;
	esac
	shift
done
case $dur in
*h) secs=$((${dur%h} * 3600)) ;;
*m) secs=$((${dur%m} * 60)) ;;
*s) secs=${dur%s} ;;
*) secs=$dur ;;
esac
[[ $secs =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || { echo "soak.sh: bad --duration '$dur'" >&2; exit 2; }
KF_SOAK_SECONDS=$secs exec "$(dirname "$0")/run.sh" "${args[@]+"${args[@]}"}" s_soak
