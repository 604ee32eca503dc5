#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Start and stop a throwaway PostgreSQL 15 or MariaDB 10.11 server (Debian's
# packages) on a free loopback port, for tests and benchmarks. Everything
# lives under one directory; nothing touches the system's own instances.
set -euo pipefail

PROG=${0##*/}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

usage() {
    cat <<USAGE
Usage:
  $PROG start postgres|mariadb DIR   create (once) and start a server in DIR
  $PROG stop    DIR [--clean|--crash] stop it (--clean: then delete DIR;
                                     --crash: as a power cut would, see below)
  $PROG status  DIR                  exit 0 when it runs
  $PROG url     DIR                  print its URL (kferry --db, libpq/Connector/C)
  $PROG jdbc    DIR                  print its JDBC URL (for Kafka Connect peers)
  $PROG sql     DIR [ARGS...]        run psql / mariadb against it (ARGS passed on,
                                     e.g. -c 'SELECT 1' or -e 'SELECT 1'; stdin works)
  $PROG --help

start   picks a free port on 127.0.0.1, writes DIR/{kind,port,url,server.log},
        and waits (KFERRY_DB_TIMEOUT s, default 60) until the server answers.
        The database is 'kferry', the user 'kferry' without a password (the
        server listens on loopback only), UTF-8 throughout (utf8mb4 on MariaDB).
        PostgreSQL runs with wal_level=logical (for kferry capture; another
        with KFERRY_PG_WAL_LEVEL, to test the capture's refusal) and refuses
        to run as root: as root, DIR belongs to, and the server runs as, the
        'postgres' user. MariaDB runs with a ROW binlog (FULL row image and metadata: docs/cdc.md 10.1)
        and local_infile on.
        Starting a DIR whose server was stopped restarts it on its old port.
stop    --crash stops it without a clean shutdown (PostgreSQL: pg_ctl -m
        immediate; MariaDB: SIGKILL): the next start recovers from the log,
        as after a power cut.

Environment:
  PG_BIN              PostgreSQL's binaries (default /usr/lib/postgresql/15/bin)
  KFERRY_DB_TIMEOUT   seconds to wait at start, default 60
  KFERRY_PG_WAL_LEVEL PostgreSQL's wal_level, default logical

Packages (scripts/setup.sh --with-db installs them):
  postgresql postgresql-contrib libpq-dev mariadb-server mariadb-client libmariadb-dev

Example:
  dir=\$(mktemp -d); $PROG start postgres "\$dir"; $PROG sql "\$dir" -c 'SELECT 1'
  $PROG stop "\$dir" --clean
USAGE
}

die() { echo "$PROG: error: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Runs a command as the server's owner: 'postgres'/'mysql' when we are root.
as_owner() {
    local owner=$1; shift
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$owner" -- "$@"
    else
        "$@"
    fi
}

wait_until() {
    local what=$1; shift
    local limit=${KFERRY_DB_TIMEOUT:-60} t=0
    until "$@" >/dev/null 2>&1; do
        t=$((t + 1))
        [ "$t" -le "$((limit * 2))" ] || die "$what did not answer within ${limit} s; see $DIR/server.log"
        sleep 0.5
    done
}

# ---------------------------------------------------------------------------
# PostgreSQL

pg_start() {
    local port
    [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL 15 in $PG_BIN (apt-get install postgresql, or scripts/setup.sh --with-db)"
    if [ ! -d "$DIR/data" ]; then
        port=$(free_port)
        echo "$port" >"$DIR/port"
        mkdir -p "$DIR/data" "$DIR/sock"
        if [ "$(id -u)" -eq 0 ]; then
            chown -R postgres: "$DIR"
            runuser -u postgres -- test -x "$DIR" ||
                die "the postgres user cannot reach $DIR: a directory above it is not searchable by others (chmod o+x it, or use another DIR)"
        fi
        as_owner postgres "$PG_BIN/initdb" -D "$DIR/data" -U postgres -A trust \
            -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
            die "initdb failed; see $DIR/initdb.log"
    fi
    port=$(cat "$DIR/port")
    as_owner postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t "${KFERRY_DB_TIMEOUT:-60}" \
        -o "-p $port -k $DIR/sock -c listen_addresses=127.0.0.1 -c wal_level=${KFERRY_PG_WAL_LEVEL:-logical} -c max_replication_slots=10 -c max_wal_senders=10 -c fsync=on" \
        start >/dev/null || die "PostgreSQL did not start; see $DIR/server.log"
    if ! pg_sql -U postgres -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='kferry'" | grep -q 1; then
        pg_sql -U postgres -d postgres -q -c "CREATE ROLE kferry LOGIN SUPERUSER REPLICATION" \
            -c "CREATE DATABASE kferry OWNER kferry" || die "could not create the kferry role and database"
    fi
    echo "postgresql://kferry@127.0.0.1:$port/kferry" >"$DIR/url"
}

pg_sql() {
    psql -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$(cat "$DIR/port")" "$@"
}

# pg_stop [MODE]: fast (the default) or immediate (no checkpoint: the next
# start replays the WAL, as after a crash).
pg_stop() {
    [ -d "$DIR/data" ] || return 0
    as_owner postgres "$PG_BIN/pg_ctl" -D "$DIR/data" -m "${1:-fast}" -w stop >/dev/null 2>&1 || true
}

pg_running() {
    as_owner postgres "$PG_BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

# ---------------------------------------------------------------------------
# MariaDB

my_sql() {
    mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$(cat "$DIR/port")" "$@"
}

my_start() {
    local port user_opt=()
    command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] ||
        die "no MariaDB server (apt-get install mariadb-server, or scripts/setup.sh --with-db)"
    [ "$(id -u)" -ne 0 ] || user_opt=(--user=mysql)
    if [ ! -d "$DIR/data" ]; then
        port=$(free_port)
        echo "$port" >"$DIR/port"
        mkdir -p "$DIR/data"
        [ "$(id -u)" -ne 0 ] || chown -R mysql: "$DIR"
        mariadb-install-db --no-defaults --datadir="$DIR/data" "${user_opt[@]}" \
            --auth-root-authentication-method=normal --skip-test-db \
            >"$DIR/install.log" 2>&1 || die "mariadb-install-db failed; see $DIR/install.log"
    fi
    port=$(cat "$DIR/port")
    [ "$(id -u)" -ne 0 ] || chown mysql: "$DIR"
    /usr/sbin/mariadbd --no-defaults --datadir="$DIR/data" "${user_opt[@]}" \
        --port="$port" --bind-address=127.0.0.1 --socket="$DIR/mysqld.sock" \
        --pid-file="$DIR/mysqld.pid" --log-error="$DIR/server.log" \
        --log-bin="$DIR/data/binlog" --binlog-format=ROW --binlog-row-image=FULL \
        --binlog-row-metadata=FULL --server-id=1 \
        --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
        --local-infile=1 --skip-name-resolve --innodb-buffer-pool-size=256M \
        </dev/null >/dev/null 2>&1 &
    wait_until MariaDB my_sql -u root -e 'SELECT 1'
    my_sql -u root -e "CREATE DATABASE IF NOT EXISTS kferry CHARACTER SET utf8mb4;
        CREATE USER IF NOT EXISTS 'kferry'@'127.0.0.1';
        GRANT ALL ON *.* TO 'kferry'@'127.0.0.1' WITH GRANT OPTION;" ||
        die "could not create the kferry user and database"
    echo "mariadb://kferry@127.0.0.1:$port/kferry" >"$DIR/url"
}

# my_stop [SIGNAL]: TERM (the default) or KILL (a crash: InnoDB recovers
# at the next start).
my_stop() {
    local pid
    [ -f "$DIR/mysqld.pid" ] || return 0
    pid=$(cat "$DIR/mysqld.pid")
    kill -"${1:-TERM}" "$pid" 2>/dev/null || return 0
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.5
    done
    kill -9 "$pid" 2>/dev/null || true
}

my_running() {
    [ -f "$DIR/mysqld.pid" ] && kill -0 "$(cat "$DIR/mysqld.pid")" 2>/dev/null
}

# ---------------------------------------------------------------------------

kind() {
    [ -f "$DIR/kind" ] || die "$DIR holds no server (run: $PROG start postgres|mariadb $DIR)"
    cat "$DIR/kind"
}

[ $# -ge 1 ] || { usage >&2; exit 2; }
cmd=$1; shift
case "$cmd" in
    -h|--help) usage; exit 0 ;;
    start)
        [ $# -eq 2 ] || die "usage: $PROG start postgres|mariadb DIR"
        KIND=$1; DIR=$2
        case "$KIND" in postgres|postgresql) KIND=postgres ;; mariadb|mysql) KIND=mariadb ;;
            *) die "unknown server '$KIND': postgres or mariadb" ;; esac
        mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
        if [ -f "$DIR/kind" ] && [ "$(cat "$DIR/kind")" != "$KIND" ]; then
            die "$DIR holds a $(cat "$DIR/kind") server"
        fi
        echo "$KIND" >"$DIR/kind"
        if [ "$KIND" = postgres ]; then pg_start; else my_start; fi
        log "$KIND serves $(cat "$DIR/url")"
        ;;
    stop)
        [ $# -ge 1 ] || die "usage: $PROG stop DIR [--clean|--crash]"
        DIR=$1
        [ -d "$DIR" ] || exit 0
        if [ -f "$DIR/kind" ]; then
            if [ "${2:-}" = --crash ]; then
                if [ "$(kind)" = postgres ]; then pg_stop immediate; else my_stop KILL; fi
            elif [ "$(kind)" = postgres ]; then pg_stop; else my_stop; fi
        fi
        [ "${2:-}" != --clean ] || rm -rf "$DIR"
        ;;
    status)
        DIR=${1:?usage: $PROG status DIR}
        if [ "$(kind)" = postgres ]; then pg_running; else my_running; fi
        ;;
    url)
        DIR=${1:?usage: $PROG url DIR}
        cat "$DIR/url"
        ;;
    jdbc)
        DIR=${1:?usage: $PROG jdbc DIR}
        if [ "$(kind)" = postgres ]; then
            echo "jdbc:postgresql://127.0.0.1:$(cat "$DIR/port")/kferry"
        else
            echo "jdbc:mariadb://127.0.0.1:$(cat "$DIR/port")/kferry"
        fi
        ;;
    sql)
        DIR=${1:?usage: $PROG sql DIR [ARGS...]}; shift
        if [ "$(kind)" = postgres ]; then pg_sql -U kferry -d kferry "$@"; else my_sql -u kferry kferry "$@"; fi
        ;;
    *) usage >&2; die "unknown command: $cmd" ;;
esac
