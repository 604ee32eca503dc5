# SPDX-License-Identifier: Apache-2.0
# kf-timeout: 420
# Scenario 2: a broker (the leader of a seeded partition) paused with
# SIGSTOP in the middle of a transfer for 12 to 18 s, longer than the
# broker session timeout (broker.session.timeout.ms, 9 s) and the
# receivers' consumer session timeout (6 s), then resumed with SIGCONT.
# The cluster fences it and moves its leaderships; when it wakes up it
# finds itself behind. The send must succeed, and the tree arrive exactly.
# CI: one pause; --full: three pauses on larger trees.
source "$(dirname "$0")/lib.sh"

leader_fault_scenario pause_leader
