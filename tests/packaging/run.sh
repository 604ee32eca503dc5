#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Package test: builds the .deb and the .rpm (scripts/package.sh), installs
# the .deb (apt-get, which runs dpkg), checks what it installed, moves files
# through a real single-node Kafka broker with the installed binary,
# configuration and the units' command lines (as the user kferry), removes
# and purges the package with dpkg, and checks the .rpm's metadata and file
# list with rpm -qp.
#
#   tests/packaging/run.sh [--build DIR]     (as root: it installs a package)
#
# systemd is not expected to run (CI has no systemd as PID 1): the units
# are checked with systemd-analyze verify when it is installed, and their
# ExecStart= lines are run directly, never through systemctl.
#
# Exits 0 when every check passed; fail() names the one that did not.
# Environment: KF_TEST_TMP (scratch, default /tmp).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$ROOT/build-pkg
while [ $# -gt 0 ]; do
	case $1 in
	--build) BUILD=$(realpath -m "${2:?--build needs a directory}"); shift ;;
	-h | --help) sed -n '3,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done

[ "$(id -u)" = 0 ] || { echo "run.sh: run as root (it installs the .deb)" >&2; exit 2; }
if dpkg-query -W -f='${Status}' kferry 2>/dev/null | grep -q installed; then
	echo "run.sh: a kferry package is installed already; this test installs" \
		"and purges its own: remove it first (dpkg --purge kferry)" >&2
	exit 2
fi

# The helpers of the integration suite (trees, waits, clean-up on exit);
# they need these set. WORK must be reachable by the user kferry.
WORK=$(mktemp -d "${KF_TEST_TMP:-/tmp}/kf-pkg.XXXXXX")
chmod 0755 "$WORK"
KFERRY=/usr/bin/kferry BOOTSTRAP=unset TOPIC=kferry.pkg.$$ GROUP=kferry-pkg-$$
export KFERRY BOOTSTRAP TOPIC GROUP WORK
# shellcheck source=../integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
on_exit "rm -rf '$WORK'"
# set -e stops at any failing command: say which
trap 'echo "[$(date +%T.%3N)] FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

t0=$(now)
# ------------------------------------------------------------ build
log "building the packages"
mapfile -t pkgs < <("$ROOT/scripts/package.sh" --build "$BUILD")
DEB=${pkgs[0]:-} RPM=${pkgs[1]:-}
[[ $DEB == *.deb && -f $DEB ]] || fail "scripts/package.sh made no .deb: ${pkgs[*]}"
[[ $RPM == *.rpm && -f $RPM ]] || fail "scripts/package.sh made no .rpm: ${pkgs[*]}"
VERSION=$(sed -nE 's/^project\(kferry VERSION ([0-9.]+).*/\1/p' "$ROOT/CMakeLists.txt")
log "built in $(elapsed "$t0") s: $DEB $RPM (version $VERSION)"

# ------------------------------------------------------------ the .rpm
# rpm -qp reads the package without installing it.
rpmq() { rpm -qp "$@" "$RPM" 2>/dev/null; }
[ "$(rpmq --qf '%{NAME} %{VERSION}')" = "kferry $VERSION" ] ||
	fail "rpm: name/version: $(rpmq --qf '%{NAME} %{VERSION}')"
for tag in LICENSE SUMMARY DESCRIPTION; do
	v=$(rpmq --qf "%{$tag}")
	[ -n "$v" ] && [[ $v != *"CPack"* ]] || fail "rpm: $tag is empty or a placeholder: $v"
done
[ "$(rpmq --qf '%{PREFIXES}')" = "(none)" ] || fail "rpm: relocatable: $(rpmq --qf '%{PREFIXES}')"
requires=$(rpmq --requires)
for r in 'librdkafka.so.1()(64bit)' 'libuv.so.1()(64bit)' 'libzstd.so.1()(64bit)' \
	'libxxhash.so.0()(64bit)' 'libc.so.6()(64bit)' shadow-utils; do
	grep -qxF "$r" <<<"$requires" || fail "rpm: does not require $r: $requires"
done
files=$(rpmq --list)
for f in /usr/bin/kferry /usr/lib/systemd/system/kferry-watch.service \
	/usr/lib/systemd/system/kferry-receive@.service \
	/usr/share/man/man1/kferry.1.gz /usr/share/man/man5/kferry.conf.5.gz \
	/etc/kferry/kferry.conf /etc/kferry/watch.conf \
	/etc/kferry/receive/example.conf /var/lib/kferry \
	/usr/share/kferry/grafana/kferry.json /usr/share/doc/kferry/packaging.md; do
	grep -qxF "$f" <<<"$files" || fail "rpm: $f is not in the file list"
done
# exactly the three files in /etc are %config(noreplace); the units are not
config=$(rpmq --configfiles | sort)
expected=$(printf '%s\n' /etc/kferry/kferry.conf /etc/kferry/receive/example.conf \
	/etc/kferry/watch.conf)
[ "$config" = "$expected" ] || fail "rpm: config files are: $config"
noreplace=$(rpmq --qf '[%{FILEFLAGS:fflags}|%{FILENAMES}\n]' | awk -F'|' '$1 ~ /c/ && $1 ~ /n/ { print $2 }' | sort)
[ "$noreplace" = "$expected" ] || fail "rpm: %config(noreplace) files are: $noreplace"
owner=$(rpmq --qf '[%{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEMODES:perms} %{FILENAMES}\n]' |
	awk '$3 == "/var/lib/kferry" || $3 == "/etc/kferry/kferry.conf" { print $1, $2, $3 }')
grep -qx 'kferry:kferry drwxr-x--- /var/lib/kferry' <<<"$owner" &&
	grep -qx 'root:kferry -rw-r----- /etc/kferry/kferry.conf' <<<"$owner" ||
	fail "rpm: owners and modes: $owner"
rpmq --scripts | grep -q 'useradd -r -g kferry' || fail "rpm: %pre does not create the user"
log "rpm: metadata, requires, $(wc -l <<<"$files") files and %config checked"

# ------------------------------------------------------------ install
# The broker starts while dpkg works.
BROKER=$WORK/broker
on_exit "'$ROOT/scripts/kafka/broker.sh' stop '$BROKER' --clean >/dev/null 2>&1"
"$ROOT/scripts/kafka/broker.sh" start "$BROKER" >"$WORK/broker-start.log" 2>&1 &
broker_pid=$!

on_exit 'dpkg --purge kferry >/dev/null 2>&1; rm -rf /etc/kferry'
# apt-get hands the file to dpkg and installs what it depends on, if
# anything is missing (adduser on a minimal machine); it waits for a lock
# that another apt or dpkg holds.
log "apt-get install $DEB"
apt-get install -y -o DPkg::Lock::Timeout=180 "$DEB" >"$WORK/apt-install.log" 2>&1 ||
	fail "apt-get install failed: $(tail -n 20 "$WORK/apt-install.log")"
[ "$(dpkg-query -W -f='${Status} ${Version}' kferry)" = "install ok installed $VERSION" ] ||
	fail "kferry is not installed: $(dpkg-query -W -f='${Status} ${Version}' kferry)"

depends=$(dpkg-query -W -f='${Depends}' kferry)
for d in adduser libc6 librdkafka1 libuv1 libxxhash0 libzstd1 libcurl4; do
	grep -qE "(^|, )$d( |,|$)" <<<"$depends" || fail "deb: Depends lacks $d: $depends"
done
# each library the binary loads comes from a package it depends on
# owner PATH: the package that holds PATH, whichever of /lib or /usr/lib
# (the same directory on a merged /usr) dpkg knows it by
owner() {
	local real p
	real=$(realpath "$1")
	for p in "$1" "$real" "${real#/usr}"; do
		dpkg -S "$p" 2>/dev/null | cut -d: -f1 | head -n 1 | grep . && return
	done
	echo none
}
# the packages kferry's Depends bring in, transitively (each library's own
# libraries: libpq5's Kerberos, libmariadb3's, librdkafka1's)
closure=" "
queue=$(sed 's/([^)]*)//g; s/[|,]/ /g' <<<"$depends")
while [ -n "$queue" ]; do
	next=""
	for d in $queue; do
		d=${d%%:*}
		case $closure in *" $d "*) continue ;; esac
		closure="$closure$d "
		next="$next $(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$d" 2>/dev/null |
			sed 's/([^)]*)//g; s/[|,]/ /g')"
	done
	queue=$next
done
covered() { case $closure in *" $1 "*) return 0 ;; esac; return 1; }
for lib in $(ldd /usr/bin/kferry | awk '$3 ~ /^\// { print $3 }'); do
	pkg=$(owner "$lib")
	case $pkg in
	librdkafka1 | libuv1 | libzstd1 | libxxhash0 | libc6) ;;
	*) covered "$pkg" ||
		fail "deb: $lib comes from '$pkg', not covered by Depends: $depends" ;;
	esac
done

[ -x /usr/bin/kferry ] || fail "/usr/bin/kferry is not executable"
/usr/bin/kferry version | grep -qF "kferry $VERSION" || fail "kferry version: $(/usr/bin/kferry version)"
for u in kferry-watch.service kferry-receive@.service; do
	[ -f /usr/lib/systemd/system/$u ] || fail "$u is not installed"
	# /lib/systemd/system, where Debian 12 looks too: the same directory
	# on a merged /usr
	if [ -L /lib ]; then [ -f /lib/systemd/system/$u ] || fail "/lib/systemd/system/$u missing"; fi
	grep -qx 'User=kferry' /usr/lib/systemd/system/$u || fail "$u does not run as kferry"
done
for p in man1/kferry.1 man5/kferry.conf.5; do
	zcat /usr/share/man/$p.gz | cmp -s - "$ROOT/packaging/man/${p#*/}" ||
		fail "/usr/share/man/$p.gz is not packaging/man/${p#*/}"
done
if command -v man >/dev/null; then
	man -w kferry.conf >/dev/null 2>&1 || fail "man does not find kferry.conf(5)"
fi
conffiles=$(dpkg-query -W -f='${Conffiles}\n' kferry | awk 'NF { print $1 }' | sort)
[ "$conffiles" = "$expected" ] || fail "deb: conffiles are: $conffiles"

getent passwd kferry >/dev/null || fail "postinst did not create the user kferry"
[ "$(getent passwd kferry | cut -d: -f6,7)" = "/var/lib/kferry:/usr/sbin/nologin" ] ||
	fail "user kferry: $(getent passwd kferry)"
[ "$(stat -c '%U:%G %a' /var/lib/kferry)" = "kferry:kferry 750" ] ||
	fail "/var/lib/kferry: $(stat -c '%U:%G %a' /var/lib/kferry)"
for f in /etc/kferry/kferry.conf /etc/kferry/watch.conf /etc/kferry/receive/example.conf; do
	[ "$(stat -c '%U:%G %a' $f)" = "root:kferry 640" ] || fail "$f: $(stat -c '%U:%G %a' $f)"
done
log "deb: installed; files, Depends, conffiles, user and modes checked"

if command -v systemd-analyze >/dev/null; then
	# verify loads units by path; the template through an instance name
	ln -s /usr/lib/systemd/system/kferry-receive@.service "$WORK/kferry-receive@ci.service"
	out=$(systemd-analyze verify /usr/lib/systemd/system/kferry-watch.service \
		"$WORK/kferry-receive@ci.service" 2>&1) || true
	# man pages are looked up with man(1), which a minimal machine lacks
	command -v man >/dev/null || out=$(grep -v "Command 'man " <<<"$out" || true)
	[ -z "$out" ] || fail "systemd-analyze verify: $out"
	log "systemd-analyze verify: both units clean"
else
	note "systemd-analyze is not installed: the unit files were not verified"
fi

# ------------------------------------------------------------ a transfer
wait "$broker_pid" || fail "the broker did not start: $(tail -n 20 "$WORK/broker-start.log")"
BOOTSTRAP=$(cat "$BROKER/bootstrap")
"$ROOT/scripts/kafka/broker.sh" topic "$BROKER" create "$TOPIC" --partitions 2 >/dev/null

# As an administrator would: the shared settings in kferry.conf, the
# routes in watch.conf, one file per receiver.
sed -i -e "s|^#bootstrap = .*|bootstrap = $BOOTSTRAP|" \
	-e "s|^#topic = .*|topic = $TOPIC|" /etc/kferry/kferry.conf
[ "$(grep -cE "^(bootstrap = $BOOTSTRAP|topic = $TOPIC)$" /etc/kferry/kferry.conf)" = 2 ] ||
	fail "kferry.conf: the bootstrap and topic lines were not found to set"
mkdir -p "$WORK/outbox" "$WORK/inbox"
chown kferry:kferry "$WORK/outbox" "$WORK/inbox"
cat >>/etc/kferry/watch.conf <<EOF

[route.ci]
dir = $WORK/outbox
stable_seconds = 1
after = delete
EOF
cat >/etc/kferry/receive/ci.conf <<EOF
[receive]
dest = $WORK/inbox
group = $GROUP
idle_exit = 8
EOF
chgrp kferry /etc/kferry/receive/ci.conf
chmod 0640 /etc/kferry/receive/ci.conf

# ExecStart= of a unit, %i replaced, run as User= the way systemd would
exec_start() {
	sed -n 's/^ExecStart=//p' "/usr/lib/systemd/system/$1" | sed "s/%i/${2:-}/g"
}
AS_KFERRY=(setpriv --reuid=kferry --regid=kferry --init-groups --)

# 1. kferry send, as root, with the shared configuration
mkdir -p "$WORK/src/tree/sub/deeper" "$WORK/src/tree/한글 이름"
random_file "$WORK/src/tree/big.bin" $((3 * MiB + 17))
text_file "$WORK/src/tree/sub/notes.txt" 200000
: >"$WORK/src/tree/sub/deeper/empty"
random_file "$WORK/src/tree/한글 이름/파일 1.dat" 4097
/usr/bin/kferry send -c /etc/kferry/kferry.conf --no-progress --json "$WORK/src/tree" \
	>"$WORK/send.json" 2>"$WORK/send.log" || fail "send failed: $(tail -n 5 "$WORK/send.log")"
SEND_JSON=$(cat "$WORK/send.json") SEND_LOG=$WORK/send.log
assert_send_ok 4

# 2. kferry-watch.service's command line, as kferry: sends, deletes, and
#    records the files in its ledger in /var/lib/kferry
mkdir -p "$WORK/stage/watched/a" "$WORK/copy"
for i in 1 2 3; do random_file "$WORK/stage/watched/a/w$i" $((i * 50000)); done
text_file "$WORK/stage/watched/top.txt" 5000
cp -a "$WORK/stage/watched" "$WORK/copy/"
chown -R kferry:kferry "$WORK/stage/watched"
mv "$WORK/stage/watched" "$WORK/outbox/"
# shellcheck disable=SC2046 # the unit's command line, split as systemd does
"${AS_KFERRY[@]}" $(exec_start kferry-watch.service) 2>"$WORK/watch.log" &
WATCH_PID=$!
WATCH_LOG=$WORK/watch.log
KF_BG_PIDS+=("$WATCH_PID")
# Sent and deleted: nothing left under its name or claimed (empty_dir).
# From its start the daemon waits on the producer's idempotence id, one
# rescan (stable_seconds = 1) and a ledger fdatasync per file: about 2 s.
(wait_until 90 empty_dir "$WORK/outbox") ||
	fail "the watch daemon did not send and delete the 4 files in 90 s: $(tail -n 20 "$WORK/watch.log")"
watch_stop
[ -n "$(find /var/lib/kferry -mindepth 1 -user kferry -print -quit)" ] ||
	fail "the watch daemon wrote no ledger in /var/lib/kferry"

# 3. kferry-receive@ci.service's command line, as kferry, its stderr
#    standing for the journal (JOURNAL_STREAM names it, as systemd does)
: >"$WORK/recv.log"
rc=0
# shellcheck disable=SC2046
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/recv.log") timeout 180 \
	"${AS_KFERRY[@]}" $(exec_start kferry-receive@.service ci) 2>>"$WORK/recv.log" || rc=$?
[ $rc = 0 ] || fail "the receiver exited $rc: $(tail -n 10 "$WORK/recv.log")"
assert_trees_equal "$WORK/src/tree" "$WORK/inbox/tree"
assert_trees_equal "$WORK/copy/watched" "$WORK/inbox/watched"
assert_private_clean "$WORK/inbox"
[ "$(find "$WORK/inbox" -mindepth 1 -maxdepth 1 ! -name .kferry | wc -l)" = 2 ] ||
	fail "the inbox holds more than the two trees: $(ls -A "$WORK/inbox")"
[ -z "$(find "$WORK/inbox/tree" -type f ! -user kferry -print -quit)" ] ||
	fail "received files are not owned by kferry"
# journald reads the priority from "<N>" and adds its own timestamp
grep -qE '^<6>info  ' "$WORK/recv.log" || fail "no <6> info line for the journal: $(head -n 3 "$WORK/recv.log")"
# (the closing summary is the command's output, not a log line: the
# journal gives it the default priority, info)
bad=$(grep -vE '^(<[0-7]>|kferry: received )' "$WORK/recv.log" | head -n 3 || true)
[ -z "$bad" ] || fail "log lines without a priority prefix: $bad"
log "transfer: send and watch -> receive@ci, trees equal; journal lines carry <N>"

# ------------------------------------------------------------ reinstall
# An edited conffile survives the package going on again, and postinst
# gives it back to the group kferry.
before=$(sha256sum /etc/kferry/kferry.conf)
dpkg -i "$DEB" >"$WORK/dpkg-i.log" 2>&1 || fail "dpkg -i (again): $(tail -n 10 "$WORK/dpkg-i.log")"
[ "$(sha256sum /etc/kferry/kferry.conf)" = "$before" ] || fail "reinstalling replaced the edited kferry.conf"
[ -z "$(find /etc/kferry -name '*.dpkg-*' -print -quit)" ] || fail "reinstalling left $(find /etc/kferry -name '*.dpkg-*')"
[ "$(stat -c '%U:%G %a' /etc/kferry/kferry.conf)" = "root:kferry 640" ] ||
	fail "after reinstalling, kferry.conf is $(stat -c '%U:%G %a' /etc/kferry/kferry.conf)"
log "reinstall kept the edited kferry.conf"

# ------------------------------------------------------------ remove, purge
dpkg -r kferry >"$WORK/dpkg-r.log" 2>&1 || fail "dpkg -r: $(tail -n 5 "$WORK/dpkg-r.log")"
[ ! -e /usr/bin/kferry ] || fail "dpkg -r left /usr/bin/kferry"
[ ! -e /usr/lib/systemd/system/kferry-watch.service ] || fail "dpkg -r left the units"
[ ! -e /usr/share/man/man1/kferry.1.gz ] || fail "dpkg -r left the man page"
[ -f /etc/kferry/kferry.conf ] || fail "dpkg -r removed the configuration (only purge may)"
[ -n "$(ls -A /var/lib/kferry)" ] || fail "dpkg -r removed the ledger (only purge may)"
dpkg --purge kferry >"$WORK/dpkg-purge.log" 2>&1 || fail "dpkg --purge: $(tail -n 5 "$WORK/dpkg-purge.log")"
dpkg-query -W kferry >/dev/null 2>&1 && fail "kferry still known to dpkg after purge"
for f in /etc/kferry/kferry.conf /etc/kferry/watch.conf /etc/kferry/receive/example.conf /var/lib/kferry; do
	[ ! -e $f ] || fail "purge left $f"
done
# a file the administrator added stays
[ -f /etc/kferry/receive/ci.conf ] || fail "purge deleted the administrator's ci.conf"
rm -rf /etc/kferry
log "dpkg -r kept the configuration and ledger; purge removed them (the user kferry stays)"
log "package test passed in $(elapsed "$t0") s"
