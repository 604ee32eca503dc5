# SPDX-License-Identifier: Apache-2.0
# Helpers of the sink's tests (tests/sink/t_*.sh): what
# tests/integration/lib.sh gives (run.sh provides the same environment),
# plus the throwaway databases (scripts/db/db.sh), records written with
# kf-produce (tests/tools/produce.c), and what a table holds, computed in
# SQL.

source "$(dirname "${BASH_SOURCE[0]}")/../integration/lib.sh"

KF_PRODUCE=$(dirname "$KFERRY")/kf-produce
DB_SH=$KF_REPO/scripts/db/db.sh
[ -x "$KF_PRODUCE" ] || fail "no $KF_PRODUCE (build the test tools)"
# as root, PostgreSQL runs as 'postgres' and must get in: its directory
# is not below WORK, whose parents are private
DB_WORK=$(mktemp -d "${KF_TEST_TMP:-/tmp}/kf-sinkdb.XXXXXX") || fail "mktemp"
chmod 755 "$DB_WORK"
on_exit "rm -rf \"$DB_WORK\""

# db_start KIND: starts postgres or mariadb in $DB_WORK/KIND (stopped and
# deleted at exit); skips the test when the server is not installed.
db_start() {
	local dir=$DB_WORK/$1
	mkdir -p "$dir"
	"$DB_SH" start "$1" "$dir" >"$WORK/$1.start.log" 2>&1 ||
		skip "$1 did not start (scripts/setup.sh --with-db): $(tail -n 2 "$WORK/$1.start.log")"
	on_exit "\"$DB_SH\" stop \"$dir\" --clean >/dev/null 2>&1"
}
db_url() { "$DB_SH" url "$DB_WORK/$1"; }
# db_sql KIND SQL: the rows of SQL, tab-separated, no header.
db_sql() {
	if [ "$1" = postgres ]; then
		"$DB_SH" sql "$DB_WORK/$1" -qAt -F $'\t' -v ON_ERROR_STOP=1 -c "$2"
	else
		"$DB_SH" sql "$DB_WORK/$1" -N -B -e "$2"
	fi
}

# gen_records N [FIRST] [KEYED]: Connect JSON records of the table
# (id int64, name string, amount int64) on stdout, ids FIRST..FIRST+N-1;
# KEYED=1 gives each a struct key {id}. amount = id * 7 % 1000 - 3 * (id
# % 5 == 0 && NEG) (see gen_refused).
gen_records() {
	awk -v n="$1" -v first="${2:-1}" -v keyed="${3:-0}" -v neg="${NEG:-0}" 'BEGIN {
		ks = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"}],\"optional\":false,\"name\":\"t.Key\"}"
		vs = "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"},{\"type\":\"int64\",\"optional\":false,\"field\":\"amount\"}],\"optional\":false,\"name\":\"t\"}"
		for (i = first; i < first + n; i++) {
			amount = (i * 7) % 1000
			if (neg && i % neg == 0)
				amount = -amount - 1
			key = keyed ? sprintf("{\"schema\":%s,\"payload\":{\"id\":%d}}", ks, i) : ""
			printf "%s\t{\"schema\":%s,\"payload\":{\"id\":%d,\"name\":\"행 %d\",\"amount\":%d}}\n", key, vs, i, i, amount
		}
	}'
}

# expect_sums N [FIRST]: what table_sums prints for ids FIRST..FIRST+N-1.
expect_sums() {
	awk -v n="$1" -v first="${2:-1}" 'BEGIN {
		for (i = first; i < first + n; i++) {
			s += i; a += (i * 7) % 1000; l += length(sprintf("행 %d", i))
		}
		# %.0f: mawk clamps %d to 2^31 - 1 (a sum of ids past 65535 rows)
		printf "%d\t%.0f\t%.0f\t%.0f\n", n, s, a, l
	}'
}

# table_sums KIND TABLE: count, sum(id), sum(amount), sum(octet length of
# name): order-independent, and a duplicate or a loss changes them.
table_sums() {
	db_sql "$1" "SELECT COUNT(*), COALESCE(SUM(id),0), COALESCE(SUM(amount),0), COALESCE(SUM(OCTET_LENGTH(name)),0) FROM $2"
}

# pace RATE: stdin to stdout at about RATE lines a second (in tenths of
# a second), so that a producer behind it makes a stream of that pace.
pace() {
	awk -v n=$(($1 / 10 > 0 ? $1 / 10 : 1)) '{ print } NR % n == 0 { fflush(); system("sleep 0.1") }'
}

# produce TOPIC < LINES
produce() {
	"$KF_PRODUCE" -b "$BOOTSTRAP" -t "$1" 2>>"$WORK/produce.log" ||
		fail "kf-produce to $1 failed: $(tail -n 3 "$WORK/produce.log")"
}

# produce_head N PARTS: two thirds of N records (gen_records, no key) on
# $TOPIC in the background, in PARTS parts 0.3 s apart; sets HEAD (their
# count) and PRODUCER (its pid). produce_tail N then waits for them and
# produces the rest: a test that calls it after its fault (a rebalance,
# a restart) has that fault come mid-load whatever the speeds.
produce_head() {
	HEAD=$(($1 * 2 / 3 / $2 * $2))
	(
		for ((i = 0; i < $2; i++)); do
			gen_records $((HEAD / $2)) $((i * HEAD / $2 + 1)) | produce "$TOPIC"
			sleep 0.3
		done
	) &
	PRODUCER=$!
	KF_BG_PIDS+=("$PRODUCER")
}
produce_tail() {
	wait "$PRODUCER" || fail "producing the first $HEAD records failed"
	gen_records $(($1 - HEAD)) $((HEAD + 1)) | produce "$TOPIC"
}

# wait_sink_end PID N TABLE WHEN: the sink PID (kf_sink in the background,
# logging to sink.1.log) exits 0 and the PostgreSQL TABLE then holds the
# N records of produce_head and produce_tail once.
wait_sink_end() {
	local rc=0 got
	wait "$1" || rc=$?
	[ "$rc" = 0 ] || fail "the sink exited $rc: $(tail -n 5 "$WORK/sink.1.log")"
	got=$(table_sums postgres "$3")
	[ "$got" = "$(expect_sums "$2")" ] ||
		fail "after $4 the table holds $got, expected $(expect_sums "$2")"
}

# table_rows KIND TABLE: its row count, 0 while it does not exist.
table_rows() { db_sql "$1" "SELECT count(*) FROM $2" 2>/dev/null || echo 0; }
# rows_past KIND TABLE N: the table holds N rows or more.
rows_past() { [ "$(table_rows "$1" "$2")" -ge "$3" ]; }

# committed KIND GROUP: the offsets GROUP committed in the database's
# kferry_offsets, summed over its partitions (0 before its first commit):
# the messages applied, and it moves only with a commit.
committed() {
	db_sql "$1" "SELECT COALESCE(SUM(next_offset), 0) FROM kferry_offsets WHERE consumer_group = '$2'" 2>/dev/null || echo 0
}

# await_commit KIND GROUP SINCE PID: waits (60 s at most, the sink PID
# alive) until GROUP's committed offsets exceed SINCE; sets COMMITTED.
await_commit() {
	local t0=$SECONDS
	COMMITTED=$(committed "$1" "$2")
	while [ "$COMMITTED" -le "$3" ]; do
		kill -0 "$4" 2>/dev/null || fail "the sink ended with its group's offsets at $COMMITTED, not past $3: $(tail -n 5 "${KLOG:-$WORK/sink.1.log}")"
		[ $((SECONDS - t0)) -lt 60 ] || fail "no commit past offset sum $3 in 60 s"
		sleep 0.05
		COMMITTED=$(committed "$1" "$2")
	done
}

# kill_point KIND GROUP SINCE PID: returns at a random moment within a
# batch of the sink PID, while it commits: once GROUP's committed offsets
# moved past SINCE (the last kill's) and then once more (the stream
# flows), after a random part of the time that second move took (about
# one batch). Sets COMMITTED to what was committed when it returned, so
# that a kill then comes after rows committed since SINCE.
kill_point() {
	local t0 t1 first
	await_commit "$@"
	first=$COMMITTED
	t0=$(date +%s%N)
	await_commit "$1" "$2" "$first" "$4"
	t1=$(date +%s%N)
	sleep "$(awk -v ns=$((t1 - t0)) -v r="$RANDOM" 'BEGIN { printf "%.3f", ns / 1e9 * (r % 100) / 100 }')"
}

# registry_start: Apicurio Registry in $WORK/registry (scripts/kafka/
# registry.sh, stopped at exit); sets REGISTRY_URL, its ccompat API.
registry_start() {
	command -v java >/dev/null || skip "no java (scripts/setup.sh)"
	"$KF_REPO/scripts/kafka/registry.sh" start "$WORK/registry" >"$WORK/registry.log" 2>&1 ||
		fail "the registry did not start: $(tail -n 5 "$WORK/registry.log")"
	on_exit "\"$KF_REPO/scripts/kafka/registry.sh\" stop \"$WORK/registry\" >/dev/null 2>&1"
	REGISTRY_URL=$(cat "$WORK/registry/url")
}

KF_SINK_N=0
# kf_sink [sink options]: kferry sink --json on $TOPIC in $GROUP, idle exit
# after 3 s. Sets SINK_JSON and SINK_LOG; returns its exit code.
kf_sink() {
	local rc=0
	KF_SINK_N=$((KF_SINK_N + 1))
	SINK_LOG=$WORK/sink.$KF_SINK_N.log
	SINK_JSON=$(timeout 120 "$KFERRY" sink -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" \
		--idle-exit 3 --json "$@" 2>"$SINK_LOG") || rc=$?
	log "sink #$KF_SINK_N exit $rc: $SINK_JSON"
	return $rc
}
