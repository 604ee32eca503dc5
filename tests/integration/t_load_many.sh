# SPDX-License-Identifier: Apache-2.0
# kferry load of many small files in one run (docs/records.md 3.3, one
# ledger reader per run): every file is loaded, and a second run of the
# same files skips every one. Between the two runs a tombstone and a value
# that does not parse are written to the ledger for two of the files: the
# tombstone's file is loaded again (no record), the other keeps its done
# state (the value that does not parse is skipped with a warning). The
# ledger has two partitions and two files load at once, so reads of both
# partitions, and reads of a partition after its first, are exercised.
source "$(dirname "$0")/lib.sh"

LOAD_TOPIC=$TOPIC.rows
LOAD_LEDGER=$TOPIC.loads
create_topic "$LOAD_TOPIC" 1
create_topic "$LOAD_LEDGER" 2
FILES=16
ROWS=5

mkdir -p "$WORK/in"
for ((f = 1; f <= FILES; f++)); do
	awk -v f=$f -v n=$ROWS 'BEGIN { print "id,name"
		for (i = 1; i <= n; i++) printf "%d,file %d row %d\n", (f - 1) * n + i, f, i }' \
		>"$WORK/in/f$(printf %02d $f).csv"
done
ledger_key() { # FILE: the ledger key of that file's load record
	kcat -b "$BOOTSTRAP" -C -t "$LOAD_LEDGER" -o beginning -e -q -f '%k\t%s\n' 2>/dev/null |
		awk -F'\t' -v f="\"file\":\"$1\"" 'index($2, f) && !seen++ { print $1 }'
}
rows() {
	kcat -b "$BOOTSTRAP" -X isolation.level=read_committed -C -t "$LOAD_TOPIC" -o beginning -e -q \
		-f '.\n' 2>/dev/null | wc -l
}
# rows_are N: read_committed sees exactly N rows, once the load's commit
# markers are in (wait_committed)
rows_are() {
	wait_committed "$LOAD_TOPIC" "$1"
	[ "$(rows)" = "$1" ] || fail "read_committed sees $(rows) rows, not $1"
}

# 1. One run loads every file.
kf_load -o load.max_files_parallel=2 "$WORK"/in/*.csv || fail "load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_done)" = $FILES ] || fail "files_done: $LOAD_JSON"
[ "$(json_field "${LOAD_JSON%%\"files\":[*}" rows_published)" = $((FILES * ROWS)) ] || fail "rows_published: $LOAD_JSON"
rows_are $((FILES * ROWS))
parts=$(kcat -b "$BOOTSTRAP" -C -t "$LOAD_LEDGER" -o beginning -e -q -f '%p\n' 2>/dev/null | sort -u | wc -l)
[ "$parts" = 2 ] || fail "the load records are in $parts ledger partitions, not 2: no test of both"

# 2. A tombstone for f03, a value that does not parse for f05 (both
# newer than their done records, each in its key's partition).
k3=$(ledger_key "$WORK/in/f03.csv")
k5=$(ledger_key "$WORK/in/f05.csv")
[ -n "$k3" ] && [ -n "$k5" ] || fail "no ledger keys for f03 / f05: '$k3' '$k5'"
printf '%s\t\n%s\tnot json\n' "$k3" "$k5" |
	kcat -b "$BOOTSTRAP" -P -t "$LOAD_LEDGER" -K '\t' -Z -X topic.partitioner=murmur2_random ||
	fail "kcat could not write the tombstone"

# 3. The same files again: every one skipped but f03, loaded again.
kf_load -o load.max_files_parallel=2 "$WORK"/in/*.csv || fail "second load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_skipped)" = $((FILES - 1)) ] || fail "files_skipped: $LOAD_JSON"
[ "$(json_field "$LOAD_JSON" files_done)" = 1 ] || fail "files_done (the tombstoned f03): $LOAD_JSON"
[[ $LOAD_JSON == *'f03.csv","state":"done"'* ]] || fail "f03 was not the one loaded again: $LOAD_JSON"
[ "$(json_field "${LOAD_JSON%%\"files\":[*}" rows_published)" = $ROWS ] || fail "rows_published: $LOAD_JSON"
grep -q "load ledger $LOAD_LEDGER \[[0-9]*\] offset [0-9]*: .*; skipped" "$LOAD_LOG" ||
	fail "no warning for the value that does not parse: $(tail -n 5 "$LOAD_LOG")"
rows_are $(((FILES + 1) * ROWS))

# 4. And again: now every one is skipped.
kf_load -o load.max_files_parallel=2 "$WORK"/in/*.csv || fail "third load exited $?: $(tail -n 5 "$LOAD_LOG")"
[ "$(json_field "$LOAD_JSON" files_skipped)" = $FILES ] || fail "files_skipped: $LOAD_JSON"
[ "$(json_field "${LOAD_JSON%%\"files\":[*}" rows_published)" = 0 ] || fail "rows_published: $LOAD_JSON"
log "$FILES small files in one run: loaded, then skipped but the one with a tombstone, then all skipped"
