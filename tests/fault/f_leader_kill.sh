# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 420
# Scenario 1: the leader of a partition (as the cluster describes it at
# that moment) SIGKILLed in the middle of a transfer, and restarted a few
# seconds later. With replication factor 3 and min.insync.replicas 2 the
# send goes on against the new leader and must succeed; the receiver that
# runs all along, and a final drain, must deliver the tree exactly.
# CI: one kill; --full: three kills on larger trees.
source "$(dirname "$0")/lib.sh"

leader_fault_scenario kill_leader
