# SPDX-License-Identifier: Apache-2.0
# audit.topic: the sender records one JSON record per file it sent, and
# the receiver one per transfer, on the audit topic, keyed by the path:
# sent and completed files with their size, the XXH3-128 of their bytes
# (as xxh128sum computes it) on both sides, the sender's host, topic,
# partition, offsets (the same on both sides) and RFC 3339 times; a forged
# transfer with a wrong whole-file hash as quarantined with its reason; a
# sender that vanished mid-file as failed. Read back with Kafka's console
# consumer.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}" "${KF_BROKER_DIR:?}"
command -v xxh128sum >/dev/null || skip "xxh128sum is not installed"
command -v python3 >/dev/null || skip "python3 is not installed"
LIB=$("$KF_REPO/scripts/kafka/fetch.sh") || fail "no Kafka jars"

AUDIT=$TOPIC.audit
create_topic "$AUDIT" 1
SRC=$WORK/src
DEST=$WORK/dest
mkdir -p "$SRC/audit/sub" "$DEST"
: >"$SRC/audit/empty"
printf 'one line\n' >"$SRC/audit/line.txt"
random_file "$SRC/audit/sub/blob.bin" $((2 * MiB + 5))
text_file "$SRC/audit/sub/text.txt" 300001
random_file "$SRC/audit/sub/파일 이름.bin" 70000
kf_send --chunk-size 64K --set "audit.topic=$AUDIT" "$SRC/audit" || fail "send exited $?: $(tail -n 3 "$SEND_LOG")"
assert_send_ok 5

for sc in file-hash vanish; do
	"$KF_FORGE" -b "$BOOTSTRAP" -t "$TOPIC" "$sc" --path "forge/$sc" \
		--size 200000 >/dev/null 2>>"$WORK/forge.log" ||
		fail "kf-forge $sc failed: $(tail -n 3 "$WORK/forge.log")"
done

receive_until_idle "$DEST" --abandon-timeout 3 --set "audit.topic=$AUDIT" ||
	fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" files 5
assert_recv "$RECV_LOG" quarantined 1
assert_recv "$RECV_LOG" abandoned 1
grep -q "audit records go to topic $AUDIT" "$RECV_LOG" ||
	fail "the receiver did not announce its audit topic"
! grep -q "not recorded" "$RECV_LOG" || fail "audit records were lost: $(grep 'not recorded' "$RECV_LOG")"

# The whole audit topic, key|value per line (5 + 7 records expected; read
# a little longer to see that there are no more).
timeout 90 java -Xmx256m -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
	-Dlog4j.configuration="file:$KF_BROKER_DIR/tools-log4j.properties" \
	-cp "$LIB/*" org.apache.kafka.tools.consumer.ConsoleConsumer \
	--bootstrap-server "$BOOTSTRAP" --topic "$AUDIT" --from-beginning \
	--timeout-ms 8000 --property print.key=true --property 'key.separator=|' \
	>"$WORK/audit.txt" 2>"$WORK/consumer.log" || true
log "audit topic: $(wc -l <"$WORK/audit.txt") records"

# expected: path|size|hash of every sent file
(cd "$SRC" && find audit -type f -print0 | sort -z |
	while IFS= read -r -d '' f; do
		printf '%s|%s|%s\n' "$f" "$(stat -c %s "$f")" "$(xxh128sum "$f" | cut -d' ' -f1)"
	done) >"$WORK/expected.txt"

python3 - "$WORK/audit.txt" "$WORK/expected.txt" "$TOPIC" "$(hostname)" <<'EOF' || fail "audit records are wrong (above)"
import json, re, sys
audit, expected, topic, host = sys.argv[1:5]
rfc3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
bad = []
recs = {}
for line in open(audit, encoding="utf-8"):
    key, _, value = line.rstrip("\n").partition("|")
    r = json.loads(value)
    if r["path"] != key:
        bad.append(f"key {key!r} is not the path {r['path']!r}")
    if (r["path"], r["event"]) in recs:
        bad.append(f"two {r['event']} records for {key!r}")
    recs[(r["path"], r["event"])] = r
    if r["event"] == "sent":
        continue
    for f in ("topic", "partition", "first_offset", "transfer_id", "received", "receiver_host"):
        if f not in r:
            bad.append(f"{key}: no {f}: {r}")
    if r.get("topic") != topic or r.get("receiver_host") != host:
        bad.append(f"{key}: topic or receiver_host wrong: {r}")
    if not re.fullmatch(r"[0-9a-f]{32}", r.get("transfer_id", "")):
        bad.append(f"{key}: transfer_id {r.get('transfer_id')!r}")
    for t in ("sent", "received", "placed", "ended"):
        if t in r and not rfc3339.match(r[t]):
            bad.append(f"{key}: {t} is not RFC 3339 UTC: {r[t]!r}")
    if "sent" in r and "received" in r and r["sent"] > r["received"]:
        bad.append(f"{key}: received before sent: {r}")
want = {}
for line in open(expected, encoding="utf-8"):
    p, size, h = line.rstrip("\n").split("|")
    want[p] = (int(size), h)
for p, (size, h) in want.items():
    s = recs.get((p, "sent"))
    r = recs.get((p, "completed"))
    if not r or not s:
        bad.append(f"no sent or completed record for {p!r}")
        continue
    if (s["size"], s.get("hash"), s.get("sender_host"), s["topic"]) != (size, h, host, topic):
        bad.append(f"{p}: sent record: expected {size} bytes, {h}: {s}")
    if (s.get("partition"), s.get("first_offset"), s.get("last_offset"), s.get("transfer_id")) != \
            (r["partition"], r["first_offset"], r.get("last_offset"), r["transfer_id"]):
        bad.append(f"{p}: sent and received records name other messages: {s} / {r}")
    for t in ("sent", "acknowledged"):
        if not rfc3339.match(s.get(t, "")):
            bad.append(f"{p}: sent record: {t} missing or not RFC 3339: {s}")
    if (r["event"], r.get("outcome"), r["size"], r.get("hash"), r.get("hash_alg")) != \
            ("completed", "placed", size, h, "xxh3-128"):
        bad.append(f"{p}: expected completed/placed, {size} bytes, {h}: {r}")
    if r.get("sender_host") != host or "placed" not in r or "sent" not in r:
        bad.append(f"{p}: sender_host, sent or placed missing or wrong: {r}")
    # equal for a file sent as one FILE frame (docs/protocol.md 3.7)
    if not r["first_offset"] <= r.get("last_offset", -1):
        bad.append(f"{p}: offsets {r['first_offset']}..{r.get('last_offset')}")
q = recs.get(("forge/file-hash", "quarantined"))
if not q or q["event"] != "quarantined" or "hash" not in q.get("reason", "") or "ended" not in q:
    bad.append(f"forge/file-hash: expected a quarantined record with a reason: {q}")
v = recs.get(("forge/vanish", "failed"))
if not v or v["event"] != "failed" or "abandoned" not in v.get("reason", ""):
    bad.append(f"forge/vanish: expected a failed record: {v}")
if len(recs) != 2 * len(want) + 2:
    bad.append(f"{len(recs)} records, expected {2 * len(want) + 2}: {sorted(recs)}")
for b in bad:
    print("audit:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
log "audit trail: one correct record per transfer"
