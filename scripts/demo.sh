#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The first thing to run on a fresh Debian 12 machine: installs what kferry
# needs, builds it, starts a local single-node Kafka broker, sends a sample
# tree through it with `kferry send`, receives it with `kferry receive`,
# and proves the copy is byte for byte identical (file-to-file); then loads
# a CSV with `kferry load` and writes it into PostgreSQL with `kferry sink`,
# exactly once, and proves the table equals the file (file-to-DB); then
# streams a table's rows and changes with `kferry capture` into another
# database with `kferry sink`, and proves both equal with `kferry verify`
# (DB-to-DB).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=${0##*/}
WORK=${KF_DEMO_DIR:-$(mktemp -d /tmp/kferry-demo.XXXXXX)}
keep=0

usage() {
    cat <<USAGE
Usage: $PROG [--keep] [--help]

  1. scripts/setup.sh     installs packages (apt-get) and Kafka jars (mvn)
  2. cmake build          into build/
  3. a local broker       scripts/kafka/broker.sh start, KRaft, one node
  4. a sample tree        text, binary, an empty file, Korean and spaced
                          names, nested directories, a 64 MiB file
  5. kferry send          then kferry receive --idle-exit
  6. verification         sha256 of every file, mode and mtime
  7. file-to-DB           a settlement CSV (config/settlement.schema) through
                          kferry load into a topic, kferry sink into a
                          PostgreSQL table (scripts/db/db.sh), rows and
                          sums compared with the file
  8. DB-to-DB             a PostgreSQL table's rows and changes through
                          kferry capture (Debezium's change events) and
                          kferry sink into another database, proven equal
                          by kferry verify
--keep leaves the broker running and the files in place (default: stop the
broker and delete the scratch directory $WORK).
USAGE
}

while [ $# -gt 0 ]; do
    case "$1" in
        --keep) keep=1 ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

say() { printf '\n==> %s\n' "$*"; }

cleanup() {
    "$ROOT/scripts/db/db.sh" stop "$WORK/pg" >/dev/null 2>&1 || true
    if [ "$keep" -eq 0 ]; then
        "$ROOT/scripts/kafka/broker.sh" stop "$WORK/broker" --clean >/dev/null 2>&1 || true
        rm -rf "$WORK"
    else
        echo "kept: broker in $WORK/broker (bootstrap $(cat "$WORK/broker/bootstrap" 2>/dev/null)), files in $WORK"
    fi
}
trap cleanup EXIT

say "installing dependencies"
"$ROOT/scripts/setup.sh" --with-db

say "building kferry"
cmake -S "$ROOT" -B "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$ROOT/build" -j "$(nproc)" --target kferry
KFERRY=$ROOT/build/kferry

say "starting a local Kafka broker"
mkdir -p "$WORK"
"$ROOT/scripts/kafka/broker.sh" start "$WORK/broker"
BOOTSTRAP=$(cat "$WORK/broker/bootstrap")
"$ROOT/scripts/kafka/broker.sh" topic "$WORK/broker" create kferry.demo --partitions 4 >/dev/null

say "making a sample tree in $WORK/outbox/sample"
src=$WORK/outbox/sample
mkdir -p "$src/reports/2026/11" "$src/images" "$src/한글 폴더"
seq 1 200000 | sed 's/^/line /' >"$src/reports/2026/11/daily.csv"
head -c 64M /dev/urandom >"$src/images/large.bin"
head -c 3000 /dev/urandom >"$src/images/small.bin"
: >"$src/empty.txt"
echo "안녕하세요, kferry" >"$src/한글 폴더/인사 말.txt"
chmod 0750 "$src/images/large.bin"
touch -d '2020-01-02 03:04:05' "$src/reports/2026/11/daily.csv"

say "kferry send"
"$KFERRY" send -b "$BOOTSTRAP" -t kferry.demo "$src"

say "kferry receive"
"$KFERRY" receive -b "$BOOTSTRAP" -t kferry.demo -g demo \
    --dest "$WORK/inbox" --idle-exit 3

say "verifying"
sums() { (cd "$1" && find . -path ./.kferry -prune -o -type f -print0 | sort -z |
    xargs -0 stat -c '%a %Y %s %n' && find . -path ./.kferry -prune -o -type f -print0 |
    sort -z | xargs -0 sha256sum); }
if diff <(sums "$src") <(sums "$WORK/inbox/sample") >/dev/null; then
    n=$(find "$src" -type f | wc -l)
    echo "verified: all $n files arrived byte for byte identical (sha256), with their modes and mtimes"
else
    diff <(sums "$src") <(sums "$WORK/inbox/sample") || true
    echo "$PROG: the received tree differs from the sent tree" >&2
    exit 1
fi

say "file-to-DB: a CSV into PostgreSQL through Kafka (kferry load, kferry sink)"
"$ROOT/scripts/kafka/broker.sh" topic "$WORK/broker" create kferry.settlements --partitions 4 >/dev/null
"$ROOT/scripts/kafka/broker.sh" topic "$WORK/broker" create kferry.loads --partitions 1 \
    --config cleanup.policy=compact >/dev/null
csv=$WORK/settle_20261202.csv
{
    echo 'settle_id,merchant_no,settle_date,approved_at,amount,fee,currency,card_no,status,memo'
    awk 'BEGIN { for (i = 1; i <= 10000; i++)
        printf "%d,M%06d,2026-12-02,2026-12-02 09:%02d:%02d,\"%d,%03d.%02d\",%d.%02d,KRW,94101234%08d,%s,%s\n",
            i, i % 1000000, int(i / 60) % 60, i % 60, i % 900 + 1, i % 1000, i % 100, i % 50, i % 100, i,
            i % 97 ? "OK" : "TEST", i % 7 ? "" : "\"야간, 재발송\"" }'
} >"$csv"
mkdir -p "$WORK/pg"
chmod o+x "$WORK"
"$ROOT/scripts/db/db.sh" start postgres "$WORK/pg"
DB=$("$ROOT/scripts/db/db.sh" url "$WORK/pg")
"$KFERRY" load -b "$BOOTSTRAP" -t kferry.settlements --schema "$ROOT/config/settlement.schema" "$csv"
"$KFERRY" sink -b "$BOOTSTRAP" -t kferry.settlements -g demo-sink --db "$DB" \
    --table settlement --create-table --idle-exit 3
# the schema's filter drops status TEST rows (i % 97 == 0); amounts are
# "N,NNN.NN" with a thousands separator
want=$(awk -F, 'NR > 1 && $0 !~ /,TEST,/ { n++ } END { print n }' "$csv")
got=$("$ROOT/scripts/db/db.sh" sql "$WORK/pg" -qtAX -c "SELECT count(*) FROM settlement")
masked=$("$ROOT/scripts/db/db.sh" sql "$WORK/pg" -qtAX -c \
    "SELECT count(*) FROM settlement WHERE card_no LIKE '************____'")
if [ "$got" = "$want" ] && [ "$masked" = "$want" ]; then
    echo "verified: table settlement holds the file's $want rows (TEST rows filtered out), card numbers masked"
else
    echo "$PROG: table settlement holds $got rows ($masked masked), the file $want" >&2
    exit 1
fi

say "DB-to-DB: a table's changes into another database (kferry capture, kferry sink, kferry verify)"
"$ROOT/scripts/kafka/broker.sh" topic "$WORK/broker" create kferry.capture.offsets --partitions 1 \
    --config cleanup.policy=compact >/dev/null
"$ROOT/scripts/kafka/broker.sh" topic "$WORK/broker" create kferry.public.accounts --partitions 4 >/dev/null
pgsql() { "$ROOT/scripts/db/db.sh" sql "$WORK/pg" -qtAX -v ON_ERROR_STOP=1 "$@" >/dev/null; }
pgsql -c "CREATE DATABASE replica"
pgsql -c "CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL,
    balance numeric(14,2) NOT NULL, opened date, updated_at timestamptz)" \
    -c "INSERT INTO accounts SELECT g, '고객 ' || g, g * 10.5, DATE '2020-01-01' + g,
    now() FROM generate_series(1, 5000) g"
# the rows (snapshot), then the changes of a second run: the slot keeps
# what happened in between, exactly once across the restart
"$KFERRY" capture -b "$BOOTSTRAP" --db "$DB" --tables public.accounts --idle-exit 3
pgsql -c "BEGIN; UPDATE accounts SET balance = balance - 100, updated_at = now()
    WHERE id % 10 = 0; INSERT INTO accounts VALUES (9001, '신규', 0, NULL, now());
    DELETE FROM accounts WHERE id BETWEEN 4000 AND 4099; COMMIT"
"$KFERRY" capture -b "$BOOTSTRAP" --db "$DB" --tables public.accounts --idle-exit 3
"$KFERRY" sink -b "$BOOTSTRAP" -t kferry.public.accounts -g demo-cdc \
    --db "${DB%/*}/replica" --table accounts --create-table --delete --idle-exit 3
"$KFERRY" verify --source "$DB" --target "${DB%/*}/replica" --table accounts
