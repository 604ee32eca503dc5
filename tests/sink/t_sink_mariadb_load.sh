# SPDX-License-Identifier: Apache-2.0
# MariaDB insert mode by LOAD DATA LOCAL INFILE from memory (docs/sink.md
# 4.3.1): hostile text (tabs, newlines, backslashes, a literal \N, CR,
# control bytes; the decoder refuses U+0000), Korean text and emoji,
# binary values of every byte, NULLs, rows the server refuses (a value
# too long for its column, a duplicate primary key). The records without
# the refused ones go in by LOAD DATA alone (no savepoint rolled back);
# with them, one LOAD DATA a batch, the isolation's halves by INSERT;
# all of them into three tables: by LOAD DATA (the default), by INSERT
# (sink.mariadb_load_data = false), and by LOAD DATA against a server
# with local_infile off (the fall back, with its log line). Each table
# must hold byte for byte the rows expected, the refused rows in the
# dead-letter topic with the server's error, and the server's Com_load
# counter says which path wrote.
source "$(dirname "$0")/lib.sh"

N=600     # records 1..N, then DUPS more repeating ids 1..DUPS
DUPS=10
LONG=50   # every LONG-th name is longer than VARCHAR(40)
python3 - "$N" "$DUPS" "$LONG" "$WORK/expected" "$WORK/clean" >"$WORK/records" <<'EOF'
import base64, json, sys

n, dups, long_every, expected = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
clean = open(sys.argv[5], "w")  # the records without the refused ones
texts = ["행 {}", "tab\there {}", "new\nline {}", "back\\slash\\N {}", "\\N", "",
         "cr\r\n {}", "ctrl\x1a\x7f\x01 {}", "한국어 텍스트 🙂 {}", "\\", "\t", "NULL"]
schema = {"type": "struct", "optional": False, "name": "t", "fields": [
    {"type": "int64", "optional": False, "field": "id"},
    {"type": "string", "optional": True, "field": "name"},
    {"type": "bytes", "optional": True, "field": "data"}]}
rows = {}
for i in list(range(1, n + 1)) + list(range(1, dups + 1)):
    name = None if i % 7 == 0 else texts[i % len(texts)].format(i)
    if i % long_every == 0:
        name = "긴" * 41  # 41 characters: too long for VARCHAR(40)
    data = None if i % 5 == 0 else bytes((i * 37 + k) % 256 for k in range(i % 64))
    payload = {"id": i, "name": name,
               "data": None if data is None else base64.b64encode(data).decode()}
    line = "\t" + json.dumps({"schema": schema, "payload": payload})
    print(line)
    if i % long_every and i not in rows:
        rows[i] = (name, data)
        print(line, file=clean)
with open(expected, "w") as f:
    for i in sorted(rows):
        name, data = rows[i]
        f.write("{}\t{}\t{}\n".format(
            i, "NULL" if name is None else name.encode().hex().upper(),
            "NULL" if data is None else data.hex().upper()))
EOF
refused=$((DUPS + N / LONG))
written=$((N - N / LONG))

db_start mariadb
url=$(db_url mariadb)
com() { db_sql mariadb "SHOW GLOBAL STATUS LIKE 'Com_$1'" | cut -f2; }
dump() { db_sql mariadb "SELECT id, HEX(name), HEX(data) FROM $1 ORDER BY id"; }

# run TABLE MODE [SINK OPTIONS...]: the records into TABLE, the dead
# letters to their own topic; MODE load, insert or off (one LOAD DATA
# refused): the path Com_load must show
run() {
	local table=$1 mode=$2 dlq=$TOPIC.dlq.$1 before after
	shift 2
	create_topic "$dlq" 1
	create_table "$table"
	before=$(com load)
	kf_sink --db "$url" --table "$table" -g "$GROUP-$table" \
		-o sink.dead_letter_topic="$dlq" "$@" || fail "$table: sink exited $?: $(tail -n 5 "$SINK_LOG")"
	after=$(com load)
	[ "$(json_field "$SINK_JSON" rows_written)" = "$written" ] || fail "$table: $SINK_JSON"
	[ "$(json_field "$SINK_JSON" rows_refused)" = "$refused" ] || fail "$table: $SINK_JSON"
	dump "$table" >"$WORK/$table.got"
	cmp -s "$WORK/expected" "$WORK/$table.got" ||
		fail "$table differs from the records: $(diff "$WORK/expected" "$WORK/$table.got" | head -n 6)"
	case $mode in
	load) # one LOAD DATA a batch at most: the halves that isolate a
		# refused row go by INSERT alone
		[ "$after" -gt "$before" ] || fail "$table: no LOAD DATA ran (Com_load $before, $after)"
		[ $((after - before)) -le "$(json_field "$SINK_JSON" batches)" ] ||
			fail "$table: $((after - before)) LOAD DATA for $(json_field "$SINK_JSON" batches) batches" ;;
	insert) [ "$after" = "$before" ] || fail "$table: LOAD DATA ran (Com_load $before, $after)" ;;
	off) # one refused, then INSERTs for the rest of the connection
		[ "$after" = $((before + 1)) ] || fail "$table: LOAD DATA tried $((after - before)) times" ;;
	esac
	kcat -b "$BOOTSTRAP" -C -t "$dlq" -p 0 -o beginning -e -q -f '%h\n' >"$WORK/$table.dlq" 2>&1 ||
		fail "$table: reading $dlq: $(tail -n 3 "$WORK/$table.dlq")"
	[ "$(grep -c 'kferry.dlq.kind=row' "$WORK/$table.dlq")" = "$refused" ] ||
		fail "$table: dead letters: $(head -n 3 "$WORK/$table.dlq")"
	[ "$(grep -c 'kferry.dlq.code=1406' "$WORK/$table.dlq")" = $((N / LONG)) ] ||
		fail "$table: no 'data too long' (1406) dead letters: $(head -n 3 "$WORK/$table.dlq")"
	[ "$(grep -c 'kferry.dlq.code=1062' "$WORK/$table.dlq")" = "$DUPS" ] ||
		fail "$table: no 'duplicate entry' (1062) dead letters: $(head -n 3 "$WORK/$table.dlq")"
	log "$table: $written rows byte for byte, $refused dead letters, Com_load $before -> $after"
}

create_table() {
	db_sql mariadb "CREATE TABLE $1 (id BIGINT NOT NULL PRIMARY KEY, name VARCHAR(40), data VARBINARY(64)) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
}

# the records that the server takes as they are: written by LOAD DATA
# alone, never rolled back to a savepoint and written again by INSERT
create_topic "$TOPIC.clean" 2
produce "$TOPIC.clean" <"$WORK/clean"
create_table t_clean
loads=$(com load) rollbacks=$(com rollback_to_savepoint)
TOPIC=$TOPIC.clean kf_sink --db "$url" --table t_clean -g "$GROUP-clean" ||
	fail "t_clean: sink exited $?: $(tail -n 5 "$SINK_LOG")"
[ "$(json_field "$SINK_JSON" rows_written)" = "$written" ] || fail "t_clean: $SINK_JSON"
dump t_clean >"$WORK/t_clean.got"
cmp -s "$WORK/expected" "$WORK/t_clean.got" ||
	fail "t_clean differs from the records: $(diff "$WORK/expected" "$WORK/t_clean.got" | head -n 6)"
[ "$(com load)" -gt "$loads" ] || fail "t_clean: no LOAD DATA ran"
[ "$(com rollback_to_savepoint)" = "$rollbacks" ] ||
	fail "t_clean: rows the server took as they are were written again by INSERT"
log "t_clean: $written rows by LOAD DATA alone, byte for byte"

produce "$TOPIC" <"$WORK/records"
run t_load load
run t_insert insert -o sink.mariadb_load_data=false
db_sql mariadb "SET GLOBAL local_infile = 0"
run t_off off
db_sql mariadb "SET GLOBAL local_infile = 1"
grep -q "refuses LOAD DATA LOCAL INFILE (local_infile is off)" "$SINK_LOG" ||
	fail "no log line of the fall back: $(tail -n 3 "$SINK_LOG")"
log "LOAD DATA, INSERT and the fall back wrote the same rows"
