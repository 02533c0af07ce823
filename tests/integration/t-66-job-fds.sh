#!/bin/sh
# tests/integration/t-66-job-fds.sh: what a command inherits from lockrun:
# its stdio, what lockrun itself inherited (lockrun closes nothing of its
# caller's, as flock(1) and timeout(1) do not), and the descriptors of its
# own locks (design §2), and nothing else: none of lockrun's own (inotify,
# libev's eventfd, the exec report pipe, the job file, the terminal) and
# none of another job's locks. Seen from outside, in /proc/PID/fd of the
# command while it runs. Under 'make check-valgrind' the same holds but
# for valgrind's own log, which it leaves open for lockrun's children.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

mkdir -p "$LOCKDIR"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
# A descriptor of the caller's, open in lockrun when it starts.
PASS=$T/passthrough
: >"$PASS"
exec 7>>"$PASS"

# only7 CMD...: CMD with descriptors 0-2 and 7 only (make, the shell and
# whatever started the test may have more open).
only7() {
	exec /usr/bin/python3 -c 'import os, sys
os.closerange(3, 7)
os.closerange(8, 65536)
os.execvp(sys.argv[1], sys.argv[1:])' "$@"
}

# fds_of PID: the targets of PID's descriptors but 0-2 and 7, one a line,
# sorted; valgrind's log left out.
fds_of() {
	for _f in /proc/"$1"/fd/*; do
		case ${_f##*/} in
		0 | 1 | 2 | 7) continue ;;
		esac
		_t=$(readlink "$_f") || continue
		case $_t in
		"${LOCKRUN_VALGRIND:-/nonexistent}"/*) continue ;;
		esac
		echo "$_t"
	done | sort
}

# expect_fds PID WHAT FILE...: PID has exactly FILE... open (beside 0-2
# and 7), and 7 is the caller's file.
expect_fds() {
	_pid=$1
	_what=$2
	shift 2
	_want=$(for _x in "$@"; do echo "$_x"; done | sort)
	_got=$(fds_of "$_pid")
	[ "$_got" = "$_want" ] ||
	    fail "$(printf '%s: the command has\n%s\nopen, expected\n%s' \
		"$_what" "$_got" "$_want")"
	[ "$(readlink "/proc/$_pid/fd/7")" = "$PASS" ] ||
	    fail "$_what: the caller's descriptor 7 did not reach the command"
	note "$_what: the command has 0-2, the caller's 7, and $*"
}

# child_of PID: the one child of PID.
child_of() {
	cat /proc/"$1"/task/*/children 2>/dev/null | tr -s ' ' '\n' |
	    grep -v '^$' | head -1
}

# --- Ad hoc: two locks -------------------------------------------------------
start_bg only7 lockrun --lock "$T/a.lock" --lock "$T/b.lock" -- sleep 30
LR=$BG_PID
wait_for 'test -n "$(child_of "$LR")" &&
    test "$(readlink "/proc/$(child_of "$LR")/exe")" != "$(readlink "/proc/$LR/exe")"' 20
C=$(child_of "$LR")
wait_for 'has_open "$C" "$T/b.lock"' 10
expect_fds "$C" "--lock A --lock B" "$T/a.lock" "$T/b.lock"
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20

# --- Ad hoc: a semaphore slot -------------------------------------------------
start_bg only7 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 2 -- sleep 30
LR=$BG_PID
wait_for 'test -n "$(child_of "$LR")" &&
    test "$(readlink "/proc/$(child_of "$LR")/exe")" != "$(readlink "/proc/$LR/exe")"' 20
C=$(child_of "$LR")
wait_for 'has_open "$C" "$LOCKDIR/s.slots"' 10
slot=$(fds_of "$C" | grep '/s\.0[01]\.lock$' || :)
[ -n "$slot" ] || fail "the command holds no slot: $(fds_of "$C")"
expect_fds "$C" "--semaphore s --slots 2" "$slot" "$LOCKDIR/s.slots"
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20

# --- Two jobs of one supervisor: each has its own locks only -----------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[semaphore:t]
slots = 1

[job:a]
command = echo \$\$ >"$T/a.pid.tmp" && mv "$T/a.pid.tmp" "$T/a.pid" && exec sleep 30
semaphore = s
locks = x, shared:shared

[job:b]
command = echo \$\$ >"$T/b.pid.tmp" && mv "$T/b.pid.tmp" "$T/b.pid" && exec sleep 30
semaphore = t
locks = y, shared:shared
stdout_logfile = $T/b.out
EOF
start_bg only7 lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/a.pid" && test -s "$T/b.pid"' 20
A=$(read_pid "$T/a.pid")
B=$(read_pid "$T/b.pid")
wait_for '[ "$(readlink "/proc/$A/exe")" != "$(readlink "/proc/$LR/exe")" ] &&
    has_open "$A" "$LOCKDIR/x.lock" && has_open "$B" "$LOCKDIR/y.lock"' 10
slot=$(fds_of "$A" | grep '/s\.0[01]\.lock$' || :)
[ -n "$slot" ] || fail "job a holds no slot of s: $(fds_of "$A")"
expect_fds "$A" "job a" "$LOCKDIR/a.pid" "$slot" "$LOCKDIR/s.slots" \
    "$LOCKDIR/x.lock" "$LOCKDIR/shared.lock"
expect_fds "$B" "job b" "$LOCKDIR/b.pid" "$LOCKDIR/t.00.lock" \
    "$LOCKDIR/t.slots" "$LOCKDIR/y.lock" "$LOCKDIR/shared.lock"
# Its stdout is a pipe lockrun copies to the log file (so that the file
# can be reopened on SIGUSR2).
OUT=$(readlink "/proc/$B/fd/1")
case $OUT in
pipe:*) has_open "$LR" "$OUT" || fail "job b's stdout: nobody reads $OUT" ;;
*) fail "job b's stdout is $OUT, not a pipe to its log file" ;;
esac
has_open "$LR" "$T/b.out" || fail "lockrun does not write job b's log file"
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20
