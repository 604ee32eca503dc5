# SPDX-License-Identifier: Apache-2.0
# Helpers of the interoperability tests (tests/interop/t_*.sh): what
# tests/integration/lib.sh gives (run.sh provides the same environment),
# plus a Kafka Connect standalone worker (scripts/kafka/connect.sh) and a
# way to put records of exact bytes on a topic.

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

KF_INTEROP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KF_INTEROP_DATA=$KF_INTEROP_DIR/data
KF_KAFKA_LIB=$("$KF_REPO/scripts/kafka/fetch.sh") || fail "no Kafka jars (scripts/kafka/fetch.sh)"

# produce_records TOPIC FILE: every line of FILE that does not start with
# '#' becomes one record, HEADERS<TAB>KEY<TAB>VALUE with headers as
# NAME:VALUE,NAME:VALUE and <null> for a null key, through Kafka's own
# console producer (kafka.tools.ConsoleProducer): key and value are the
# line's UTF-8 bytes, unchanged.
produce_records() {
	grep -v '^#' "$2" |
		java -Xmx256m -XX:TieredStopAtLevel=1 \
			-Dlog4j.configuration="file:$KF_BROKER_DIR/tools-log4j.properties" \
			-cp "$KF_KAFKA_LIB/*" kafka.tools.ConsoleProducer \
			--bootstrap-server "$BOOTSTRAP" --topic "$1" \
			--producer-property acks=all \
			--property parse.key=true --property key.separator="$(printf '\t')" \
			--property parse.headers=true --property null.marker='<null>' \
			>"$WORK/produce.log" 2>&1 ||
		fail "kafka-console-producer failed: $(tail -n 5 "$WORK/produce.log")"
	log "produced $(grep -vc '^#' "$2") records from ${2##*/} to $1"
}

# assert_topic_records TOPIC FILE: partition 0 of TOPIC holds the records
# of FILE (as produce_records takes them), in order, with the same headers,
# keys and values, read back by Kafka's console consumer.
assert_topic_records() {
	read_topic "$1" "$WORK/topic.read"
	if ! cmp -s "$WORK/topic.read" <(grep -v '^#' "$2" |
		awk -F'\t' -v OFS='\t' '{ if ($2 == "<null>") $2 = "null"; printf "%s@@END@@", $0 }'); then
		fail "topic $1 does not hold the records of ${2##*/} byte for byte (read back: $WORK/topic.read)"
	fi
	log "topic $1 holds the records of ${2##*/} byte for byte"
}

# kferry_load [load options] FILE...: the hook for records that kferry
# itself writes: runs kferry load --json into $CONNECT_TOPIC and sets
# LOAD_JSON (its stdout) and LOAD_LOG; skips the test while the binary has
# no load command.
kferry_load() {
	"$KFERRY" load --help >/dev/null 2>&1 || skip "this kferry has no 'load' command yet"
	LOAD_LOG=$WORK/load.log
	LOAD_JSON=$("$KFERRY" load -b "$BOOTSTRAP" -t "$CONNECT_TOPIC" --json "$@" 2>"$LOAD_LOG") ||
		fail "kferry load exited $?: $LOAD_JSON $(tail -n 5 "$LOAD_LOG")"
	log "kferry load: $LOAD_JSON"
}

# settle_csv N: a settlement CSV of config/settlement.schema on stdout,
# rows of every shape the schema admits: quoted thousands, NULL and empty
# fees and memos, Korean memos, three currencies.
settle_csv() {
	awk -v n="$1" 'BEGIN {
		print "settle_id,merchant_no,settle_date,approved_at,amount,fee,currency,card_no,status,memo"
		split("KRW USD JPY", cur, " ")
		nm = split("|\"\"|정산 완료|\"late, resent\"|부분 환불", memo, "|")
		for (i = 1; i <= n; i++) {
			amount = i % 7 ? sprintf("%d.%02d", i * 13, i % 100) : sprintf("\"%d,%03d.50\"", i, i % 1000)
			fee = i % 5 ? sprintf("%d.%02d", i % 90, i % 100) : ""
			printf "%d,M%06d,2026-%02d-%02d,2026-12-02 %02d:%02d:%02d,%s,%s,%s,94101234%08d,%s,%s\n",
				1000 + i, i, i % 12 + 1, i % 28 + 1, i % 24, i % 60, (i * 7) % 60, amount, fee,
				cur[i % 3 + 1], i, i % 11 ? "OK" : "CANCEL", memo[i % nm + 1]
		}
	}'
}

# jdbc_props FILE NAME TOPICS JDBC_URL TABLE [PROPERTY...]: the properties
# of Debezium's JDBC sink (connector NAME, upsert on the record key, basic
# schema evolution: it creates TABLE) writing TOPICS into JDBC_URL, and
# the PROPERTY lines (KEY=VALUE) after them.
jdbc_props() {
	local file=$1 name=$2 topics=$3 jdbc=$4 table=$5
	shift 5
	cat >"$file" <<PROPS
name=$name
connector.class=io.debezium.connector.jdbc.JdbcSinkConnector
tasks.max=1
topics=$topics
connection.url=$jdbc
connection.username=kferry
connection.password=unused
insert.mode=upsert
primary.key.mode=record_key
schema.evolution=basic
collection.name.format=$table
PROPS
	[ $# = 0 ] || printf '%s\n' "$@" >>"$file"
}

# jdbc_vs_kferry N NAME [connect.sh start options]: Debezium's JDBC sink
# (connector NAME, upsert on the record key, the table created) writes
# $CONNECT_TOPIC into PostgreSQL table settle_a until it holds N rows;
# kferry sink (with the options in the array SINK_OPTS) writes the same
# topic into settle_b; kferry verify must find the two equal (its last
# line in VERIFY_LAST). Needs tests/sink/lib.sh and db_start postgres.
jdbc_vs_kferry() {
	local n=$1 name=$2 url
	shift 2
	url=$(db_url postgres)
	jdbc_props "$WORK/jdbc.properties" "$name" "$CONNECT_TOPIC" \
		"$("$DB_SH" jdbc "$DB_WORK/postgres")" settle_a
	connect_start "$WORK/jdbc.properties" "$@"
	a_rows() { [ "$(db_sql postgres "SELECT count(*) FROM settle_a" 2>/dev/null)" = "$n" ]; }
	wait_until 60 a_rows
	assert_connect_clean
	TOPIC=$CONNECT_TOPIC kf_sink --db "$url" --table settle_b --create-table --mode upsert \
		"${SINK_OPTS[@]+"${SINK_OPTS[@]}"}" || fail "kferry sink exited $?: $(tail -n 5 "$SINK_LOG")"
	"$KFERRY" verify --source "$url" --target "$url" --table settle_a:settle_b --key settle_id \
		>"$WORK/verify.out" 2>&1 || {
		db_sql postgres "SELECT table_name, column_name, data_type FROM information_schema.columns
			WHERE table_name IN ('settle_a', 'settle_b') ORDER BY 1, ordinal_position" >&2
		fail "Debezium's table and kferry's differ: $(head -n 30 "$WORK/verify.out")"
	}
	VERIFY_LAST=$(tail -n 1 "$WORK/verify.out")
}

# A topic of one partition, so that a sink sees the records in the order
# they were produced.
CONNECT_TOPIC=$TOPIC-one
create_topic "$CONNECT_TOPIC" 1

CONNECT_DIR=$WORK/connect
SINK_OUT=$WORK/sink.out

# connect_file_sink [connect.sh start options]: a Connect standalone worker
# running FileStreamSink on $CONNECT_TOPIC into $SINK_OUT, with
# JsonConverter and schemas.enable=true for key and value (connect.sh's
# defaults, which the options may override), stopped when the test ends.
connect_file_sink() {
	local props=$WORK/file-sink.properties
	cat >"$props" <<PROPS
name=kferry-file-sink
connector.class=org.apache.kafka.connect.file.FileStreamSinkConnector
tasks.max=1
topics=$CONNECT_TOPIC
file=$SINK_OUT
PROPS
	connect_start "$props" "$@"
}

# connect_start PROPS [connect.sh start options]: a Connect standalone
# worker in $CONNECT_DIR running the connector of PROPS, stopped when the
# test ends.
connect_start() {
	local props=$1
	shift
	on_exit "'$KF_REPO/scripts/kafka/connect.sh' stop '$CONNECT_DIR' >/dev/null 2>&1"
	"$KF_REPO/scripts/kafka/connect.sh" start "$CONNECT_DIR" --bootstrap "$BOOTSTRAP" \
		--connector "$props" "$@" >"$WORK/connect-start.log" 2>&1 ||
		fail "the Connect worker did not start: $(tail -n 20 "$WORK/connect-start.log")"
	log "$(tail -n 1 "$WORK/connect-start.log")"
}

# debezium_plugins [--debezium-mariadb]: the plugin.path of the Debezium
# connectors (scripts/kafka/fetch.sh --debezium, or with the option also
# the MariaDB connector's, which downloads them on first use).
debezium_plugins() {
	"$KF_REPO/scripts/kafka/fetch.sh" "${1:---debezium}" 2>"$WORK/fetch-debezium.log" ||
		fail "no Debezium plugins: $(tail -n 5 "$WORK/fetch-debezium.log")"
}

# apicurio_props PLUGINS CLASS [SETTING...]: sets the array PROPS to
# connect.sh start options: PLUGINS as plugin.path (hybrid discovery:
# Apicurio's jars have no service manifest) and, for key and value,
# Apicurio's converter CLASS in the Confluent wire format (a 4-byte id, no
# headers) against the v2 API of $REGISTRY_URL's registry, whose ccompat
# ids are its content ids; each SETTING (KEY=VALUE) is added to both
# sides' converter.
apicurio_props() {
	local plugins=$1 class=$2 side s
	shift 2
	PROPS=(--prop plugin.path="$plugins" --prop plugin.discovery=hybrid_warn)
	for side in key value; do
		PROPS+=(--prop "$side.converter=$class"
			--prop "$side.converter.apicurio.registry.url=${REGISTRY_URL%/apis/ccompat/v7}/apis/registry/v2"
			--prop "$side.converter.apicurio.registry.as-confluent=true"
			--prop "$side.converter.apicurio.registry.use-id=contentId"
			--prop "$side.converter.apicurio.registry.headers.enabled=false")
		for s in "$@"; do PROPS+=(--prop "$side.converter.$s"); done
	done
}

# connect_state: connect.sh status (connector and task states, a failed
# task's trace); returns its exit code.
connect_state() { "$KF_REPO/scripts/kafka/connect.sh" status "$CONNECT_DIR"; }

# state_brief STATUS: the states and the exception lines of a failed task's
# trace (its cause last), without the stack frames.
state_brief() { grep -vE '^[[:space:]]+(at |\.\.\. [0-9]+ more)' <<<"$1" | head -n 12; }

# sink_lines: lines of $SINK_OUT so far.
sink_lines() { cat "$SINK_OUT" 2>/dev/null | wc -l; }

# wait_sink N SECONDS: waits until $SINK_OUT holds N lines; fails at once
# with the task's trace if it fails, or after SECONDS.
wait_sink() {
	local i st
	for ((i = 0; i < $2 * 5; i++)); do
		[ "$(sink_lines)" -lt "$1" ] || return 0
		if ! st=$(connect_state 2>&1) && grep -q FAILED <<<"$st"; then
			fail "the sink failed after $(sink_lines) of $1 lines: $(state_brief "$st")"
		fi
		sleep 0.2
	done
	fail "$SINK_OUT has $(sink_lines) of $1 lines after $2 s: $(state_brief "$(connect_state 2>&1)")"
}

# assert_connect_clean: the connector and its task are RUNNING and the
# worker logged no ERROR.
assert_connect_clean() {
	local st errs
	st=$(connect_state 2>&1) || fail "the connector is not RUNNING: $(state_brief "$st")"
	errs=$(grep -E '\] (ERROR|FATAL) ' "$CONNECT_DIR/connect.log" | head -n 5 || true)
	[ -z "$errs" ] || fail "the Connect worker logged errors: $errs"
	log "Connect: $(tr '\n' ' ' <<<"$st")and no ERROR in its log"
}

# sink_visible: $SINK_OUT as the expected files hold it. Struct.toString
# prints a bytes field as a Java array's identity ([B@1b2c3d), so that
# part is blanked, and control characters other than TAB and LF are shown
# as <XX>; everything else is kept byte for byte.
sink_visible() {
	perl -pe 's/\[B@[0-9a-f]+/[B@.../g; s/([\x00-\x08\x0b-\x1f])/sprintf("<%02X>", ord($1))/ge' "$SINK_OUT"
}

# assert_sink EXPECTED...: $SINK_OUT (through sink_visible) is the
# concatenation of the EXPECTED files.
assert_sink() {
	if ! cmp -s <(sink_visible) <(cat "$@"); then
		echo "--- FileStreamSink output differs (< expected, > got):" >&2
		diff <(cat "$@") <(sink_visible) | head -n 40 >&2 || true
		fail "the sink's lines are not the expected ones ($*)"
	fi
	log "the sink wrote the $(sink_lines) expected lines"
}

# sink_check EXPECTED...: runs connect_file_sink, waits (up to 120 s) for as
# many lines as the EXPECTED files hold, then asserts a clean worker and
# those lines.
sink_check() {
	connect_file_sink
	wait_sink "$(cat "$@" | wc -l)" 120
	assert_connect_clean
	assert_sink "$@"
}

# wire_bodies TOPIC OUT: the records of partition 0 of TOPIC, each a key
# and a value in the Confluent wire format (docs/schemas.md 1.2), as lines
# KEY<TAB>VALUE of their bodies (the bytes after the 5-byte header) in OUT;
# the schema ids of the keys and of the values, each side's distinct ids
# in order, in OUT.ids. Fails on a record whose key or value is null,
# shorter than 5 bytes, has a magic byte other than 0, or a body holding a
# TAB or a newline (compact JSON holds neither outside its strings'
# escapes).
wire_bodies() {
	kcat -b "$BOOTSTRAP" -C -t "$1" -p 0 -o beginning -e -q -f '%K %S\n%k%s' >"$WORK/wire.raw" ||
		fail "kcat could not read $1"
	python3 - "$WORK/wire.raw" "$2" <<'PY' || fail "topic $1 holds a record that is not in the wire format"
import struct, sys
raw, out, ids = open(sys.argv[1], "rb").read(), open(sys.argv[2], "wb"), ([], [])
i = 0
while i < len(raw):
    nl = raw.index(b"\n", i)
    lens = [int(x) for x in raw[i:nl].split()]
    i = nl + 1
    parts = []
    for side, n in enumerate(lens):
        b, i = raw[i:i + n], i + n
        if n < 5 or b[0] != 0 or b"\t" in b[5:] or b"\n" in b[5:]:
            sys.exit("offset %d: %r" % (i, b[:16]))
        sid = struct.unpack(">I", b[1:5])[0]
        if sid not in ids[side]:
            ids[side].append(sid)
        parts.append(b[5:])
    out.write(b"\t".join(parts) + b"\n")
open(sys.argv[2] + ".ids", "w").write("%s\n%s\n" % tuple(" ".join(map(str, x)) for x in ids))
PY
}
