#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every kferry test on a fresh Debian 12 machine: installs what is
# missing, builds, runs the unit tests (plain and under ASan/UBSan), fuzzes
# the wire decoders briefly, runs the integration suite against a real
# single-node Kafka broker that it starts and stops itself, and the seeded
# CI subset of the fault-injection suite against a three-node cluster.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PROG=${0##*/}
FUZZ_SECONDS=${KF_FUZZ_SECONDS:-20}
JOBS=${KF_JOBS:-$(nproc)}

usage() {
    cat <<USAGE
Usage: $PROG [--no-setup] [--skip STAGE]... [--help]

Stages, in order: setup, check (every source file names its license,
scripts/spdx.sh --check, and is laid out as .clang-format says,
scripts/format.sh --check), build, unit, sanitize, fuzz, integration (then
the hostile-input, resume, metrics, watch-reload, end-to-end and signed-ending tests
again with the sanitizer build), db (src/db against throwaway PostgreSQL
and MariaDB servers, tests/db/run.sh; kferry sink into them,
tests/sink/run.sh; kferry capture from PostgreSQL, tests/cdc/run.sh),
interop (Kafka Connect reads what we
write, and Debezium 3.2's PostgreSQL and JDBC connectors work with kferry
sink and load, tests/interop/run.sh; it fetches the Debezium plugins),
package (build the .deb and .rpm, install
the .deb, transfer with it, purge it; as root), security (TLS, SASL and
ACLs against a secured broker), fault (the CI subset of tests/fault/run.sh;
the full matrix is tests/fault/run.sh --full).
  --no-setup      same as --skip setup (packages and Kafka jars present)
  --skip STAGE    leave a stage out (for a quick local run)
Environment: KF_MANY (files in the many-small-files test, default 20000),
KF_FUZZ_SECONDS (default 20; nine targets: KF_FUZZ_SECONDS=600 for a soak), KF_JOBS (build parallelism),
KF_SUITE_JOBS (integration tests run at once, default 2), KF_SEED (the
fault suite's seed; printed, random by default).
Ends with the line 'N passed, M failed' and exits non-zero on any failure.
USAGE
}

skip=" "
while [ $# -gt 0 ]; do
    case "$1" in
        --no-setup) skip+="setup " ;;
        --skip) shift; skip+="${1:-} " ;;
        -h|--help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
    shift
done

passed=0
failed=0
failures=()

stage() { [[ "$skip" != *" $1 "* ]]; }
# Each heading says when it began, so a CI log shows what every stage costs
# against the budget (scripts/test.sh's stages must fit in 60 minutes).
say() { printf '\n=== %s === [%d min %02d s]\n' "$*" $((SECONDS / 60)) $((SECONDS % 60)); }
ok() { passed=$((passed + $1)); }
bad() { failed=$((failed + $1)); failures+=("$2"); }

# ctest prints "N% tests passed, M tests failed out of T".
count_ctest() {
    local log=$1 name=$2 line total fails
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        bad 1 "$name: ctest did not run"
        return
    fi
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    fails=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
    ok $((total - fails))
    [ "$fails" -eq 0 ] || bad "$fails" "$name: $fails unit test(s) failed"
}

# The integration suite ends with "N passed, M failed".
count_suite() {
    local log=$1 name=$2 line p f
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        bad 1 "$name: the suite did not finish"
        return
    fi
    p=${line%% passed*}
    f=$(sed -E 's/.* passed, ([0-9]+) failed.*/\1/' <<<"$line")
    ok "$p"
    [ "$f" -eq 0 ] || bad "$f" "$name: $f test(s) failed"
}

build() {
    local dir=$1
    shift
    cmake -S "$ROOT" -B "$ROOT/$dir" "$@" >/dev/null &&
        cmake --build "$ROOT/$dir" -j "$JOBS"
}

cd "$ROOT" || exit 2

if stage setup; then
    say "setup: packages, database servers, Kafka and Kafka Connect jars, Apicurio Registry"
    scripts/setup.sh --connect --registry --with-db || { echo "$PROG: setup failed" >&2; exit 2; }
fi

# check_tree SCRIPT WHAT: SCRIPT --check over the tree; on failure its
# list of files, and "WHAT (run SCRIPT)".
check_tree() {
    local out
    say "check: $2 ($1 --check)"
    if out=$("$1" --check 2>&1); then
        ok 1
    else
        echo "$out"
        bad 1 "check: $2 (run $1)"
    fi
}

if stage check; then
    check_tree scripts/spdx.sh "every source file names its license (SPDX line)"
    check_tree scripts/format.sh "source layout as .clang-format says"
fi

if stage build; then
    say "build (RelWithDebInfo)"
    build build -DCMAKE_BUILD_TYPE=RelWithDebInfo || {
        echo "0 passed, 1 failed"
        exit 1
    }
fi

if stage unit; then
    say "unit tests"
    (cd build && ctest --output-on-failure -j "$JOBS") 2>&1 | tee build/unit.log
    count_ctest build/unit.log unit
fi

if stage sanitize; then
    say "unit tests under AddressSanitizer and UndefinedBehaviorSanitizer"
    if build build-asan -DKF_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug; then
        (cd build-asan && ASAN_OPTIONS=detect_leaks=1 \
            UBSAN_OPTIONS=print_stacktrace=1 \
            ctest --output-on-failure -j "$JOBS") 2>&1 | tee build-asan/unit.log
        count_ctest build-asan/unit.log sanitize
    else
        bad 1 "sanitize: build failed"
    fi
fi

# fuzz_one NAME CORPUS MAX_LEN: FUZZ_SECONDS of build-fuzz/NAME from a copy
# of tests/fuzz/corpus/CORPUS (libFuzzer adds to the corpus it is given).
fuzz_one() {
    local corpus log=build-fuzz/$1.log
    corpus=$(mktemp -d)
    cp tests/fuzz/corpus/"$2"/* "$corpus"/
    if build-fuzz/"$1" -max_total_time="$FUZZ_SECONDS" -max_len="$3" \
        "$corpus" >"$log" 2>&1; then
        tail -n 2 "$log"
        ok 1
    else
        tail -n 40 "$log"
        bad 1 "fuzz: $1 found a crash ($log)"
    fi
    rm -rf "$corpus"
}

if stage fuzz; then
    say "fuzzing the wire decoders, the JSON tokenizer, the record readers, the schema loader, the sink's envelope decoder, the Avro decoder and the MariaDB binlog decoder for ${FUZZ_SECONDS}s each"
    if CC=clang build build-fuzz -DKF_FUZZ=ON -DKF_TESTS=OFF; then
        fuzz_one fuzz_wire wire 8192
        fuzz_one fuzz_csv csv 4096
        fuzz_one fuzz_jsontok jsontok 4096
        fuzz_one fuzz_jsonl jsonl 4096
        fuzz_one fuzz_fixed fixed 4096
        fuzz_one fuzz_schema schema 4096
        fuzz_one fuzz_envelope envelope 4096
        fuzz_one fuzz_avro avro 4096
        fuzz_one fuzz_binlog binlog 4096
    else
        bad 1 "fuzz: build failed"
    fi
fi

if stage integration; then
    say "integration tests against a real Kafka broker"
    # two tests at once: most wait on the broker or a timer, so two take
    # about half the wall time on two cores (KF_SUITE_JOBS=1: one at a time)
    KF_MANY=${KF_MANY:-20000} KF_SUITE_JOBS=${KF_SUITE_JOBS:-2} \
        tests/integration/run.sh --build build 2>&1 |
        tee build/integration.log
    count_suite build/integration.log integration
fi

if stage integration && stage sanitize; then
    say "hostile-input, conflict, resume, metrics, watch-reload, end-to-end protection, signed-ending, load and records-route integration tests with the ASan/UBSan binary"
    KF_SUITE_JOBS=${KF_SUITE_JOBS:-2} tests/integration/run.sh --build build-asan t_hostile t_hostile_text t_abort_malformed t_conflict t_basic t_resume_forged t_metrics t_watch_reload t_e2e_reject t_signed_ends t_sealed_supersede t_stale_manifest t_load_basic t_load_rejects t_load_split t_watch_records 2>&1 |
        tee build-asan/integration.log
    count_suite build-asan/integration.log "integration (sanitizers)"
fi

if stage db; then
    say "database layer and kferry verify against real PostgreSQL and MariaDB servers"
    tests/db/run.sh --build build 2>&1 | tee build/db.log
    count_suite build/db.log db
    say "kferry sink into real PostgreSQL and MariaDB servers, Avro through Apicurio Registry (tests/sink)"
    tests/sink/run.sh --build build 2>&1 | tee build/sink.log
    count_suite build/sink.log sink
    say "kferry capture from a real PostgreSQL server into Kafka, applied by kferry sink (tests/cdc)"
    tests/cdc/run.sh --build build 2>&1 | tee build/cdc.log
    count_suite build/cdc.log cdc
fi

if stage interop; then
    say "interoperability: Kafka Connect 3.9.1 and Debezium 3.2 with the record format, Avro through Apicurio's converter, and kferry sink (tests/interop)"
    tests/interop/run.sh --build build 2>&1 | tee build/interop.log
    count_suite build/interop.log interop
fi

if stage package; then
    say "packages: build, install the .deb, transfer with it, purge it; check the .rpm"
    if tests/packaging/run.sh 2>&1 | tee build/package.log; then
        ok 1
    else
        bad 1 "package: tests/packaging/run.sh failed (build/package.log)"
    fi
fi

if stage security; then
    say "security tests against a broker with TLS, SASL_SSL and ACLs"
    tests/security/run.sh --build build 2>&1 | tee build/security.log
    count_suite build/security.log security
fi

if stage fault; then
    say "fault injection against a three-node Kafka cluster (CI subset)"
    tests/fault/run.sh --build build 2>&1 | tee build/fault.log
    count_suite build/fault.log fault
fi

say "summary"
for f in "${failures[@]}"; do
    echo "FAILED: $f"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
