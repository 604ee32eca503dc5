# SPDX-License-Identifier: Apache-2.0
# A rejected message larger than the receiver's own frames (a hostile
# producer, or a sender with a larger chunk_size whose MANIFEST this
# receiver never read) is still dead-lettered: whole when the dead-letter
# topic takes it, else as a copy cut to its first bytes with headers saying
# so. Either way the group moves past it; before, the dead-letter producer
# refused it ("Message size too large"), the receiver exited 3 with the
# offset held, and every restart stopped at the same message.
source "$(dirname "$0")/lib.sh"

: "${KF_FORGE:?}"
DEST=$WORK/dest
BIG=1100000 # over one default 1 MiB chunk frame

records() { # records FILE KEY: the records of read_topic's FILE with KEY
	tr -d '\0' <"$1" | awk -v RS='@@END@@' -v k="$2" -F'\t' 'NF >= 2 && $2 == k { print $1 }'
}
# read_until TOPIC FILE KEY: read_topic until a record with KEY shows up
# (the console consumer gives up after 5 s without a record, which a
# loaded machine's first fetch can take)
read_until() {
	local i
	for ((i = 0; i < 5; i++)); do
		read_topic "$1" "$2"
		[ -n "$(records "$2" "$3")" ] && return 0
		log "no record $3 in $1 yet: reading again"
	done
	fail "no record $3 in topic $1"
}
create_dlq() { # create_dlq NAME MAX_MESSAGE_BYTES
	"$KF_REPO/scripts/kafka/broker.sh" topic "$KF_BROKER_DIR" create "$1" \
		--partitions 1 --config max.message.bytes="$2" >/dev/null
}

# dead_letter_big NAME DLQ MAX_MESSAGE_BYTES: a message big/NAME of $BIG
# bytes, then a good file ok/NAME, received with the new topic DLQ (that
# takes MAX_MESSAGE_BYTES) for dead letters: ok/NAME arrives intact and
# big/NAME is dead-lettered once; its record is in $WORK/NAME.dlq.txt and
# its headers in h.
dead_letter_big() {
	create_dlq "$2" "$3"
	forge random --path "big/$1" --size $BIG
	forge good --path "ok/$1" --out "$WORK/$1.expected"
	receive_until_idle "$DEST" -o receive.dead_letter_topic="$2" ||
		fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
	assert_recv "$RECV_LOG" dead 1
	cmp -s "$DEST/ok/$1" "$WORK/$1.expected" || fail "the good file did not arrive intact"
	read_until "$2" "$WORK/$1.dlq.txt" "big/$1"
	h=$(records "$WORK/$1.dlq.txt" "big/$1")
	[ "$(printf '%s' "$h" | grep -c '^')" = 1 ] || fail "big/$1: expected one dead letter, got: $h"
}

# 1. The issue's reproduction: a dead-letter topic that takes 8 MiB.
dead_letter_big one "$TOPIC.dlq" 8388608
assert_recv "$RECV_LOG" rejected 1
[[ $h == *"kferry.dlq.kind:message"* ]] || fail "big/one: not a message dead letter: $h"
[[ $h == *"kferry.dlq.truncated"* ]] && fail "big/one was cut although the topic takes it: $h"
# the whole value (tr drops its NUL bytes, about 1 in 256)
size=$(tr -d '\0' <"$WORK/one.dlq.txt" | wc -c)
[ "$size" -gt $((BIG - BIG / 50)) ] || fail "the dead letter holds $size bytes, not the $BIG of the message"
log "a $BIG-byte message was dead-lettered whole"

# 2. A dead-letter topic that refuses it (512 KiB): a cut copy stands for it.
dead_letter_big two "$TOPIC.small" 524288
grep -aq "was refused for its size" "$RECV_LOG" || fail "no warning about the cut copy: $(tail -n 5 "$RECV_LOG")"
for want in "kferry.dlq.truncated:Broker: Message size too large" \
	"kferry.dlq.value_size:$BIG" "kferry.dlq.key_size:7" \
	"kferry.dlq.kind:message" "kferry.dlq.offset:"; do
	[[ $h == *"$want"* ]] || fail "big/two: no header '$want' in: $h"
done
size=$(tr -d '\0' <"$WORK/two.dlq.txt" | wc -c)
[ "$size" -lt 8192 ] || fail "the cut copy holds $size bytes"

# 3. The group moved past both: nothing is read or dead-lettered again.
receive_until_idle "$DEST" -o receive.dead_letter_topic="$TOPIC.small" ||
	fail "receiver exited $?: $(tail -n 5 "$RECV_LOG")"
assert_recv "$RECV_LOG" rejected 0
assert_recv "$RECV_LOG" dead 0
log "t_dlq_oversize passed: whole when the topic takes it, cut when it does not, never stuck"
