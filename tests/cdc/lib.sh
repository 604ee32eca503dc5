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
	# the slots outlive the capture: drop them before the server stops
	# (the slot, and its resume name: docs/cdc.md 7)
	on_exit "'$DB_SH' sql '$DB_WORK/postgres' -qc \"SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name IN ('$SLOT', '${SLOT}_r')\" >/dev/null 2>&1"
}

# The same with a MariaDB source (docs/cdc.md 10): its kferry database,
# tables kferry.T on topics $PREFIX.kferry.T (CDC_SCHEMA); no slot (SLOT
# names the capture: its offsets key mariadb/$SLOT).
cdc_setup_mariadb() {
	db_start mariadb
	SRC_URL=$(db_url mariadb)
	CDC_SCHEMA=kferry
	PREFIX=${TOPIC}cdc
	SLOT=kf_$(tr -c 'a-z0-9_\n' _ <<<"${TOPIC,,}" | tail -c 40)
	OFFSETS=$TOPIC.offsets
	create_topic "$OFFSETS" 1
}

# The topics' middle part: the source's schema (PostgreSQL) or database
# (MariaDB).
CDC_SCHEMA=public

KF_CAPTURE_N=0
CDC_SINK_OPTS=()
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
# into $DST_URL (tables created), until idle; CDC_SINK_OPTS (an array)
# adds options.
sink_all() {
	local topics="" t
	for t in "$@"; do topics+=${topics:+,}$PREFIX.$CDC_SCHEMA.$t; done
	SINK_LOG=$WORK/sink.log
	SINK_JSON=$(timeout 120 "$KFERRY" sink -b "$BOOTSTRAP" -t "$topics" -g "$GROUP" \
		--db "$DST_URL" --table-format '${table}' --create-table --delete \
		--truncate --idle-exit 3 --json "${CDC_SINK_OPTS[@]}" 2>>"$SINK_LOG") ||
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

# events OUT: the records of every $PREFIX.$CDC_SCHEMA.* topic (read_committed,
# with kcat: a console consumer's JVM start cost seconds per call), one per
# line: KEY<TAB>VALUE, the value "null" for a tombstone; records of one
# partition in order. The key's schema name tells the table.
events() {
	local t topics
	topics=$(kcat -b "$BOOTSTRAP" -L 2>"$1.raw.log" |
		sed -n 's/^  topic "\([^"]*\)".*/\1/p' |
		grep -E "^${PREFIX//./\\.}\\.$CDC_SCHEMA\\." || true)
	[ -n "$topics" ] || fail "no $PREFIX.$CDC_SCHEMA.* topic: $(tail -n 5 "$1.raw.log")"
	: >"$1.raw"
	for t in $topics; do
		timeout 120 kcat -b "$BOOTSTRAP" -C -t "$t" -o beginning -e -q -Z \
			-X isolation.level=read_committed -f '%k\t%s@@END@@' \
			>>"$1.raw" 2>>"$1.raw.log" || fail "kcat could not read $t: $(tail -n 5 "$1.raw.log")"
	done
	grep -q @@END@@ "$1.raw" || fail "no events read: $(tail -n 5 "$1.raw.log")"
	# -Z prints a null key or value as NULL (no JSON text is that)
	sed -z 's/\n/\\n/g; s/\tNULL@@END@@/\tnull@@END@@/g; s/@@END@@/\n/g' "$1.raw" |
		sed 's/^NULL\t/null\t/' >"$1"
	log "read $(wc -l <"$1") records of $PREFIX.$CDC_SCHEMA.*"
}

# dup_events FILE: the streamed events (not the snapshot's, not
# tombstones) of FILE (as events writes it) that are there more than
# once: the same key, position (PostgreSQL's LSN; MariaDB's GTID and the
# row's index in its rows event) and operation.
dup_events() {
	grep -v $'\tnull$' "$1" | grep -v '"op":"r"' | awk -F'\t' '{
		k = $1; sub(/.*"payload":/, "", k)
		l = ""
		if (match($2, /"lsn":[0-9]+/)) l = substr($2, RSTART, RLENGTH)
		if (match($2, /"gtid":"[^"]*","file":"[^"]*","pos":[0-9]+,"row":[0-9]+/))
			l = l substr($2, RSTART, RLENGTH)
		match($2, /"op":"."/); o = substr($2, RSTART, RLENGTH)
		print k, l, o
	}' | sort | uniq -d || true
}

# dup_reads FILE: the keys (with their schema: the table) of FILE's
# snapshot events (op r) that are there more than once.
dup_reads() {
	grep -F '"op":"r"' "$1" | cut -f1 | sort | uniq -d || true
}

# offsets_records OUT: the values of the offsets topic $OFFSETS
# (read_committed), one record per line, in order.
offsets_records() {
	timeout 120 kcat -b "$BOOTSTRAP" -C -t "$OFFSETS" -o beginning -e -q \
		-X isolation.level=read_committed -f '%s\n' >"$1" 2>"$1.log" || true
	[ -s "$1" ] || fail "no offsets record read: $(tail -n 5 "$1.log")"
}
