# SPDX-License-Identifier: Apache-2.0
# /metrics and /healthz of the watch daemon and of the receiver, scraped
# while files move and after: every counter equals what was actually moved
# (files, bytes, chunks counted here from the files themselves; the
# quarantines of two forged transfers), scrapes never go backwards or past
# the totals, nothing stays in flight, and the receiver's own summary line
# agrees. Also: an ephemeral port (:0) is logged, unknown paths are 404,
# and `kferry send --metrics-addr` starts and exits cleanly.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
command -v curl >/dev/null || skip "curl is not installed"

CHUNK=65536
REF=$WORK/ref
IN=$WORK/inbox
DEST=$WORK/dest
mkdir -p "$REF/deep/er" "$IN" "$DEST"

# Edge sizes around the chunk size, and some of everything.
: >"$REF/empty"
printf x >"$REF/one"
random_file "$REF/exact" $CHUNK
random_file "$REF/exact+1" $((CHUNK + 1))
random_file "$REF/deep/er/big.bin" $((MiB + 3))
for i in $(seq 1 20); do text_file "$REF/deep/t$i.txt" $((i * 9973)) "$i"; done

N=0 BYTES=0 CHUNKS=0
while IFS= read -r -d '' f; do
	s=$(stat -c %s "$f")
	N=$((N + 1))
	BYTES=$((BYTES + s))
	CHUNKS=$((CHUNKS + (s + CHUNK - 1) / CHUNK))
done < <(find "$REF" -type f -print0)
log "reference: $N files, $BYTES bytes, $CHUNKS chunks of $CHUNK bytes"

# scrape URL: the body of GET URL
scrape() { curl -sS --max-time 5 "$1"; }
# value TEXT SAMPLE: the value of the sample line (name and labels exactly
# as written), or "absent"
value() {
	local v
	v=$(awk -v k="$2" '$1 == k { print $2; exit }' <<<"$1")
	printf '%s\n' "${v:-absent}"
}
# expect TEXT SAMPLE WANT
expect() {
	local got
	got=$(value "$1" "$2")
	[ "$got" = "$3" ] || fail "$2 is $got, expected $3"
}
# addr_of LOG: the address the process said it listens on
addr_of() {
	sed -nE 's|.*metrics of [a-z]+ on http://([^/ ]+)/metrics.*|\1|p' "$1" | head -n 1
}
wait_addr() { # wait_addr PID LOG: sets ADDR
	wait_log "$1" "$2" "/metrics (health: /healthz)" 30
	ADDR=$(addr_of "$2")
	[[ $ADDR =~ ^127\.0\.0\.1:[0-9]+$ ]] && [ "${ADDR#*:}" != 0 ] ||
		fail "bad bound address '$ADDR' in $2"
	log "serving on $ADDR"
}
healthy() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/healthz")" = 200 ]; }

# check_scrape TEXT PREFIX-SAMPLES...: invariants of every scrape while
# work goes on: no counter above its total, none lower than the previous
# scrape (PREV_name), in-flight never negative.
declare -A PREV
check_scrape() {
	local text=$1 sample max v
	shift
	while [ $# -gt 0 ]; do
		sample=$1 max=$2
		shift 2
		v=$(value "$text" "$sample")
		[ "$v" = absent ] && v=0
		[ "$v" -le "$max" ] || fail "$sample = $v exceeds the total $max"
		[ "$v" -ge "${PREV[$sample]:-0}" ] ||
			fail "$sample went back from ${PREV[$sample]} to $v"
		PREV[$sample]=$v
	done
}

# ------------------------------------------------------------ sending side

cp -a "$REF/." "$IN/"
watch_start "$WORK/watch.log" --dir "$IN" --state-dir "$WORK/state" \
	--stable-seconds 1 --rescan 1 --chunk-size $CHUNK \
	--metrics-addr 127.0.0.1:0 --set metrics.stats_interval_ms=500
wait_addr "$WATCH_PID" "$WORK/watch.log"
L="topic=\"$TOPIC\",route=\"cli\""
SCRAPES=0 BUSY=0
while ! empty_dir "$IN"; do
	kill -0 "$WATCH_PID" || fail "kferry watch died: $(tail -n 5 "$WORK/watch.log")"
	M=$(scrape "http://$ADDR/metrics") || fail "scrape of the watch daemon failed"
	SCRAPES=$((SCRAPES + 1))
	check_scrape "$M" "kferry_sent_files_total{$L}" $N \
		"kferry_sent_bytes_total{$L}" $BYTES \
		"kferry_sent_chunks_total{$L}" $CHUNKS
	f=$(value "$M" 'kferry_files_in_flight{role="send"}')
	[ "$f" -ge 0 ] || fail "files in flight is $f"
	[ "$f" -gt 0 ] && BUSY=$((BUSY + 1))
	[ $SCRAPES -lt 600 ] || fail "the inbox did not empty in 2 minutes"
	sleep 0.2
done
note "watch: $SCRAPES scrapes while sending, $BUSY of them with files in flight"

# after = delete: a file leaves the inbox only once acknowledged, and it
# was counted before that
M=$(scrape "http://$ADDR/metrics")
printf '%s\n' "$M" >"$WORK/watch.metrics"
expect "$M" "kferry_sent_files_total{$L}" $N
expect "$M" "kferry_sent_bytes_total{$L}" $BYTES
expect "$M" "kferry_sent_chunks_total{$L}" $CHUNKS
expect "$M" "kferry_send_failures_total{$L}" 0
expect "$M" 'kferry_files_in_flight{role="send"}' 0
expect "$M" "kferry_send_duration_seconds_count{$L}" $N
expect "$M" "kferry_send_duration_seconds_bucket{$L,le=\"+Inf\"}" $N
expect "$M" 'kferry_build_info{version="'"$("$KFERRY" --version | awk '{print $2}')"'"}' 1
grep -q '^# TYPE kferry_send_duration_seconds histogram$' <<<"$M" ||
	fail "no histogram TYPE line for kferry_send_duration_seconds"
wait_until 20 healthy
M=$(scrape "http://$ADDR/metrics")
grep -qE '^kferry_broker_up\{broker="[^"]+"\} 1$' <<<"$M" ||
	fail "no broker is reported up: $(grep broker_up <<<"$M")"
tx=$(value "$M" kferry_rdkafka_tx_bytes_total)
[ "$tx" != absent ] && [ "$tx" -gt 0 ] || fail "kferry_rdkafka_tx_bytes_total is $tx"
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$ADDR/nope")
[ "$code" = 404 ] || fail "GET /nope answered $code, expected 404"
watch_stop

# ---------------------------------------------------------- receiving side

# two forged transfers that must be quarantined: chunk 0 fails its hash
# (no chunk written), and the whole-file hash is wrong (all 4 written);
# and one whose sender vanished after chunk 0: it stays in flight until
# the receiver abandons it (--abandon-timeout 4), so that scrapes see a
# transfer in flight for sure
for sc in chunk-hash file-hash vanish; do
	"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" "$sc" --path "forge/$sc" \
		--size 200000 --chunk-size $CHUNK >/dev/null 2>>"$WORK/forge.log" ||
		fail "kf-forge $sc failed: $(tail -n 3 "$WORK/forge.log")"
done
QUAR=2
RCHUNKS=$((CHUNKS + 4 + 1))

RLOG=$WORK/recv.log
"$KFERRY" receive -b "$BOOTSTRAP" -t "$TOPIC" -g "$GROUP" --dest "$DEST" \
	--abandon-timeout 4 --metrics-addr 127.0.0.1:0 \
	--set metrics.stats_interval_ms=500 2>"$RLOG" &
RPID=$!
KF_BG_PIDS+=("$RPID")
wait_addr "$RPID" "$RLOG"
T="topic=\"$TOPIC\""
PREV=()
SCRAPES=0 BUSY=0
while :; do
	kill -0 "$RPID" || fail "kferry receive died: $(tail -n 5 "$RLOG")"
	M=$(scrape "http://$ADDR/metrics") || fail "scrape of the receiver failed"
	SCRAPES=$((SCRAPES + 1))
	check_scrape "$M" "kferry_received_files_total{$T}" $N \
		"kferry_received_bytes_total{$T}" $BYTES \
		"kferry_received_chunks_total{$T}" $RCHUNKS \
		"kferry_quarantined_files_total{$T}" $QUAR
	f=$(value "$M" 'kferry_files_in_flight{role="receive"}')
	[ "$f" -ge 0 ] || fail "files in flight is $f"
	[ "$f" -gt 0 ] && BUSY=$((BUSY + 1))
	[ "$(value "$M" "kferry_received_files_total{$T}")" = $N ] &&
		[ "$(value "$M" "kferry_quarantined_files_total{$T}")" = $QUAR ] &&
		[ "$(value "$M" "kferry_abandoned_files_total{$T}")" = 1 ] && break
	[ $SCRAPES -lt 600 ] || fail "not everything was received in 2 minutes"
	sleep 0.2
done
note "receive: $SCRAPES scrapes, $BUSY of them with transfers in flight"
[ $BUSY -gt 0 ] || fail "no scrape saw the vanished sender's transfer in flight"
M=$(scrape "http://$ADDR/metrics")
printf '%s\n' "$M" >"$WORK/receiver.metrics"
expect "$M" "kferry_received_files_total{$T}" $N
expect "$M" "kferry_received_bytes_total{$T}" $BYTES
expect "$M" "kferry_received_chunks_total{$T}" $RCHUNKS
expect "$M" "kferry_quarantined_files_total{$T}" $QUAR
expect "$M" "kferry_abandoned_files_total{$T}" 1
expect "$M" 'kferry_files_in_flight{role="receive"}' 0
expect "$M" "kferry_receive_duration_seconds_count{$T}" $N
wait_until 20 healthy
# every message consumed: once the statistics catch up, no lag is left
lag_zero() {
	local m
	m=$(scrape "http://$ADDR/metrics" | grep "^kferry_consumer_lag_messages{$T,")
	[ -n "$m" ] && ! grep -qv ' 0$' <<<"$m"
}
wait_until 30 lag_zero
# brokers are named host:port/node id: no bootstrap, coordinator or
# internal aliases
M=$(scrape "http://$ADDR/metrics")
grep -q '^kferry_broker_up{' <<<"$M" || fail "no kferry_broker_up from the receiver"
odd=$(grep -E '^kferry_(broker_up|rdkafka_broker_rtt_seconds)\{' <<<"$M" |
	grep -vE '\{broker="[^"]+:[0-9]+/[0-9]+"\} ' || true)
[ -z "$odd" ] || fail "broker series that are not real brokers: $odd"

kill -TERM "$RPID"
rc=0
wait "$RPID" || rc=$?
[ "$rc" = 0 ] || fail "the receiver exited $rc after SIGTERM: $(tail -n 5 "$RLOG")"
# the receiver's own summary agrees with what /metrics said
assert_recv "$RLOG" files $N
assert_recv "$RLOG" bytes $BYTES
assert_recv "$RLOG" quarantined $QUAR
assert_recv "$RLOG" abandoned 1
mv "$DEST/forge" "$WORK/forge.dest" 2>/dev/null || true
assert_trees_equal "$REF" "$DEST"

# ------------------------------------------------------- the one-shot send

kf_send --metrics-addr 127.0.0.1:0 "$REF/one" || fail "send with --metrics-addr exited $?"
grep -q "metrics of send on http://127.0.0.1:" "$SEND_LOG" ||
	fail "send did not log its metrics address: $(tail -n 3 "$SEND_LOG")"
assert_send_ok 1
