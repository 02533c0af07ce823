#!/bin/sh
# tests/integration/t-76-systemd.sh: the systemd integration.
#  - every unit passes 'systemd-analyze verify' without a word;
#  - the tmpfiles.d entry makes a lock dir that lockrun's own checks accept;
#  - with $NOTIFY_SOCKET (Type=notify), lockrun says READY=1 once every job
#    has started or is waiting, RELOADING=1 then READY=1 around a reload,
#    STOPPING=1 on its way out; its jobs do not see the socket.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

SRC=$TESTDIR/../../packaging/systemd

# --- the units --------------------------------------------------------------
if command -v systemd-analyze >/dev/null; then
	mkdir "$T/units" "$T/etc"
	for u in lockrun.service lockrun@.service; do
		sed -e "s|@bindir@|$(dirname "$LOCKRUN")|g" \
		    -e "s|@sysconfdir@|$T/etc|g" "$SRC/$u.in" >"$T/units/$u"
	done
	cp "$SRC/lockrun@.timer" "$T/units/"
	! grep -q '@[a-z]*@' "$T/units/"* || fail "a placeholder is left"
	# The man pages are not installed yet: the package test checks them.
	(cd "$T/units" && SYSTEMD_UNIT_PATH=$T/units: systemd-analyze verify \
	    --man=no lockrun.service lockrun@example.service \
	    lockrun@example.timer) >"$T/verify" 2>&1 ||
	    fail "systemd-analyze verify: $(cat "$T/verify")"
	[ ! -s "$T/verify" ] || fail "systemd-analyze verify: $(cat "$T/verify")"
	note "systemd-analyze verify: the three units are clean"
else
	note "no systemd-analyze: units not verified"
fi

# --- the tmpfiles.d entry ---------------------------------------------------
grep -q '^d /run/lock/lockrun 1777 root root -$' "$SRC/lockrun.tmpfiles" ||
    fail "the tmpfiles.d entry is not 'd /run/lock/lockrun 1777 root root -'"
if command -v systemd-tmpfiles >/dev/null && [ "$(id -u)" = 0 ]; then
	mkdir -m 0755 "$T/root"
	systemd-tmpfiles --create --root="$T/root" "$SRC/lockrun.tmpfiles" \
	    >"$T/tmpfiles" 2>&1 || fail "systemd-tmpfiles: $(cat "$T/tmpfiles")"
	SHARED=$T/root/run/lock/lockrun
	[ "$(stat -c '%a %U %G' "$SHARED")" = "1777 root root" ] ||
	    fail "made $(stat -c '%a %U %G' "$SHARED")"
	# lockrun itself accepts it for a shared semaphore.
	expect_rc 0 lockrun --lock-dir "$SHARED" --semaphore s --slots 1 -- true
fi

# --- the shipped /etc/lockrun/jobs.ini --------------------------------------
# Valid as it is, and with its commented examples uncommented.
cp "$TESTDIR/../../packaging/jobs.ini" "$T/shipped.ini"
expect_rc 0 lockrun --config "$T/shipped.ini" --check
sed 's/^;\(\[\|[a-z]\)/\1/' "$T/shipped.ini" >"$T/examples.ini"
expect_rc 0 lockrun --config "$T/examples.ini" --check
[ "$(cat "$T/stdout")" = "$T/examples.ini: ok: 4 jobs, 1 semaphore" ] ||
    fail "the uncommented examples: $(cat "$T/stdout")"

# --- sd_notify ---------------------------------------------------------------
command -v python3 >/dev/null || skip "no python3 to listen on NOTIFY_SOCKET"
SOCK=$T/notify.sock
# Each datagram on a line of its own (newlines inside as '|'), followed by
# what the lock dir's run.pid held when it came.
cat >"$T/listen.py" <<'EOF'
import os, socket, sys
sock, log, pidfile = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock)
open(sock + ".ready", "w").close()
while True:
    msg = s.recv(4096).decode().replace("\n", "|")
    try:
        pid = open(pidfile).read().strip()
    except OSError:
        pid = "-"
    with open(log, "a") as f:
        f.write("%s pid=%s\n" % (msg, pid))
EOF
start_bg python3 "$T/listen.py" "$SOCK" "$T/notify.log" "$LOCKDIR/run.pid"
wait_for 'test -e "$SOCK.ready"' 10

mkdir -p "$LOCKDIR"
start_bg flock "$LOCKDIR/door.lock" sleep 60
wait_for 'test -e "$LOCKDIR/door.lock"' 5
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:run]
command = env >"$T/run.env"; exec sleep 60

[job:wait]
command = true
locks = door
EOF
NOTIFY_SOCKET=$SOCK start_bg_int lockrun -v --config "$CONF" 2>"$T/lockrun.err"
LR=$BG_PID
wait_for 'grep -qs "^READY=1" "$T/notify.log"' 10
# When READY=1 came, run had started (lockrun writes its PID first) and
# wait was waiting.
grep -q '^READY=1 pid=[0-9]' "$T/notify.log" ||
    fail "READY=1 before the jobs started: $(cat "$T/notify.log")"
grep -q 'job wait: waiting' "$T/lockrun.err" ||
    fail "no job waiting when READY=1 came: $(cat "$T/lockrun.err")"
wait_for 'test -s "$T/run.env"' 10
! grep -q NOTIFY_SOCKET "$T/run.env" || fail "a job got NOTIFY_SOCKET"

kill -HUP "$LR"
wait_for '[ "$(grep -cs "^READY=1" "$T/notify.log")" = 2 ]' 10
grep -q '^RELOADING=1|MONOTONIC_USEC=[0-9]* ' "$T/notify.log" ||
    fail "no RELOADING=1 before the second READY=1: $(cat "$T/notify.log")"
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20
grep -q '^STOPPING=1' "$T/notify.log" ||
    fail "no STOPPING=1: $(cat "$T/notify.log")"
awk '{ sub(/\|.*/, "", $1); print $1 }' "$T/notify.log" | tr '\n' ' ' \
    >"$T/order"
[ "$(cat "$T/order")" = "READY=1 RELOADING=1 READY=1 STOPPING=1 " ] ||
    fail "notifications: $(cat "$T/order")"
