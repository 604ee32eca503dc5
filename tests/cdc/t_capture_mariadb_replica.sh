# SPDX-License-Identifier: Apache-2.0
# The MariaDB capture's replica id (docs/cdc.md 10.2) and its stops: two
# captures of one server with the same capture.server_id cannot both
# stream (the server cuts the first dump when the second registers with
# its id), so the first exits with the stream's error (exit 1, not a
# crash); captures with the default id, derived from each one's name,
# stream side by side; SIGTERM stops a streaming capture with exit 130,
# its binlog stream closed cleanly. Three captures start one after the
# other: about 75 s under load, so it runs only with KF_CDC_SLOW=1.
source "$(dirname "$0")/lib.sh"

[ -n "${KF_CDC_SLOW:-}" ] || skip "slow (about 75 s): set KF_CDC_SLOW=1 to run it"

cdc_setup_mariadb
create_topic "$PREFIX.kferry.r" 1
db_sql mariadb "CREATE TABLE r (id INT PRIMARY KEY) ENGINE=InnoDB" >/dev/null
opts=(--tables kferry.r --snapshot never)

# streaming: waits for the capture of log $1 to read the binlog
streaming() {
	wait_until 60 grep -sq 'streaming the binlog' "$1" ||
		fail "the capture did not stream: $(tail -n 3 "$1" 2>&1)"
}

# the same id: the second cuts the first
SLOT=${SLOT}_a capture_bg "${opts[@]}" -o capture.server_id=4242
a_pid=$CAPTURE_PID a_log=$CAPTURE_LOG
on_exit "kill $a_pid 2>/dev/null"
streaming "$a_log"
SLOT=${SLOT}_b capture_bg "${opts[@]}" -o capture.server_id=4242
b_pid=$CAPTURE_PID b_log=$CAPTURE_LOG
on_exit "kill $b_pid 2>/dev/null"
streaming "$b_log"
rc=0
timeout 60 tail --pid="$a_pid" -f /dev/null || fail "the first capture still runs with its id taken"
wait "$a_pid" || rc=$?
[ "$rc" = 1 ] && grep -q 'binlog stream ended' "$a_log" ||
	fail "the cut capture: exit $rc: $(tail -n 2 "$a_log")"
log "same capture.server_id: the first capture exited $rc ($(grep -o 'binlog stream ended.*' "$a_log" | head -n 1))"

# default ids (from the names) differ: a third capture streams beside b
SLOT=${SLOT}_c capture_bg "${opts[@]}"
c_pid=$CAPTURE_PID c_log=$CAPTURE_LOG
on_exit "kill $c_pid 2>/dev/null"
streaming "$c_log"
db_sql mariadb "INSERT INTO r VALUES (1)" >/dev/null
sleep 2
kill -0 "$b_pid" 2>/dev/null || fail "capture b stopped: $(tail -n 2 "$b_log")"
kill -0 "$c_pid" 2>/dev/null || fail "capture c stopped: $(tail -n 2 "$c_log")"

# SIGTERM while streaming: a clean stop
for p in "$b_pid" "$c_pid"; do
	kill -TERM "$p"
	rc=0
	wait "$p" || rc=$?
	[ "$rc" = 130 ] || fail "SIGTERM: capture $p exited $rc: $(tail -n 2 "$b_log" "$c_log")"
done
log "SIGTERM: both streaming captures exited 130"
