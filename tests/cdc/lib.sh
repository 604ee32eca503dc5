# SPDX-License-Identifier: Apache-2.0
# Helpers of the capture's tests (tests/cdc/t_*.sh): the sink suite's
# (databases, tests/sink/lib.sh), plus kferry capture runs and a look at
# the events on a topic.

source "$(dirname "${BASH_SOURCE[0]}")/../sink/lib.sh"

# The source is the server's kferry database; the target another
# database of the same server.
cdc_setup() {
	db_start postgres
	SRC_URL=$(db_url postgres)
	DST_URL=${SRC_URL%/*}/kferry_dst
	db_sql postgres "CREATE DATABASE kferry_dst" >/dev/null
	PREFIX=${TOPIC}cdc
	SLOT=kf_$(tr -c 'a-z0-9_\n' _ <<<"${TOPIC,,}" | tail -c 40)
	OFFSETS=$TOPIC.offsets
	create_topic "$OFFSETS" 1
	# the slot outlives the capture: drop it before the server stops
	on_exit "'$DB_SH' sql '$DB_WORK/postgres' -qc \"SELECT pg_drop_replication_slot('$SLOT')\" >/dev/null 2>&1"
}

KF_CAPTURE_N=0
# kf_capture [capture options]: kferry capture --json of $SRC_URL into
# $PREFIX.*, idle exit after 4 s, in the foreground. Sets CAPTURE_JSON
# and CAPTURE_LOG; returns its exit code.
kf_capture() {
	local rc=0
	KF_CAPTURE_N=$((KF_CAPTURE_N + 1))
	CAPTURE_LOG=$WORK/capture.$KF_CAPTURE_N.log
	CAPTURE_JSON=$(timeout 120 "$KFERRY" capture -b "$BOOTSTRAP" --db "$SRC_URL" \
		--topic-prefix "$PREFIX" --slot "$SLOT" \
		-o capture.offsets_topic="$OFFSETS" --idle-exit 4 --json "$@" \
		2>"$CAPTURE_LOG") || rc=$?
	log "capture #$KF_CAPTURE_N exit $rc: $CAPTURE_JSON"
	return $rc
}

# capture_bg [capture options]: kferry capture in the background (no idle
# exit), its pid in CAPTURE_PID, its log in CAPTURE_LOG.
capture_bg() {
	KF_CAPTURE_N=$((KF_CAPTURE_N + 1))
	CAPTURE_LOG=$WORK/capture.$KF_CAPTURE_N.log
	"$KFERRY" capture -b "$BOOTSTRAP" --db "$SRC_URL" \
		--topic-prefix "$PREFIX" --slot "$SLOT" \
		-o capture.offsets_topic="$OFFSETS" "$@" >"$CAPTURE_LOG.out" \
		2>"$CAPTURE_LOG" &
	CAPTURE_PID=$!
}

# sink_all TABLE...: kferry sink --delete --truncate of the tables' topics
# into $DST_URL (tables created), until idle.
sink_all() {
	local topics="" t
	for t in "$@"; do topics+=${topics:+,}$PREFIX.public.$t; done
	SINK_LOG=$WORK/sink.log
	SINK_JSON=$(timeout 120 "$KFERRY" sink -b "$BOOTSTRAP" -t "$topics" -g "$GROUP" \
		--db "$DST_URL" --table-format '${table}' --create-table --delete \
		--truncate --idle-exit 3 --json 2>>"$SINK_LOG") ||
		fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
	log "sink: $SINK_JSON"
}

# assert_equal TABLE...: kferry verify finds source and target equal.
assert_equal() {
	local tables
	tables=$(IFS=,; echo "$*")
	"$KFERRY" verify --source "$SRC_URL" --target "$DST_URL" --table "$tables" \
		>"$WORK/verify.out" 2>&1 ||
		fail "the target differs from the source: $(head -n 20 "$WORK/verify.out")"
	log "verify: $(tail -n 1 "$WORK/verify.out")"
}

# events TOPIC OUT: the records of partition 0 of TOPIC (read_committed),
# one per line: KEY<TAB>VALUE (tests/integration/lib.sh read_topic).
events() {
	read_topic "$1" "$2.raw" --isolation-level read_committed
	sed -z 's/\n/\\n/g; s/@@END@@/\n/g' "$2.raw" | cut -f2- >"$2"
}
