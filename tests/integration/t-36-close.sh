#!/bin/sh
# tests/integration/t-36-close.sh: -o/--close, as flock(1)'s: the command
# does not inherit the locks, only lockrun holds them; so a daemon the
# command leaves behind does not keep them, and neither does the command
# once lockrun is killed with SIGKILL (the trade-off).

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/x.lock
L=$T/locks

# free: true if F can be locked now.
free() {
	flock -n "$F" true
}

# --- the command has none of the lock files open ----------------------------
# shellcheck disable=SC2016
LIST='ls -l /proc/$$/fd/ >"$0"'
expect_rc 0 lockrun --lock "$F" -- sh -c "$LIST" "$T/fds.plain"
grep -qF "$F" "$T/fds.plain" || fail "without --close the command lacks the lock"
expect_rc 0 lockrun -o --lock "$F" -- sh -c "$LIST" "$T/fds.close"
! grep -qF "$F" "$T/fds.close" || fail "--close: the command inherited the lock"
expect_rc 0 lockrun --close --lock-dir "$L" --semaphore s --slots 1 -- \
    sh -c "$LIST" "$T/fds.sem"
! grep -q "s\.00\.lock\|s\.slots" "$T/fds.sem" ||
    fail "--close: the command inherited the slot: $(cat "$T/fds.sem")"

# --- the lock is held while the command runs, by lockrun alone --------------
start_bg lockrun -o --lock "$F" -- "$HOLD" "$T/cmd.pid" "$T/release"
LR=$BG_PID
wait_for 'test -s "$T/cmd.pid"' 5
! free || fail "--close: the lock is not held while the command runs"
expect_rc 75 lockrun -n --lock "$F" -- true
# The trade-off: lockrun killed with SIGKILL lets the lock go, though the
# command still runs.
kill -KILL "$LR"
wait_for 'free' 10
is_running "$(cat "$T/cmd.pid")" || fail "the command died with lockrun"
touch "$T/release"
wait_for '! is_running "$(cat "$T/cmd.pid")"' 10

# --- a daemon the command starts (its own session) does not keep it ---------
DAEMON='setsid "$0" "$1" "$2" </dev/null >/dev/null 2>&1 &'
rm -f "$T/release"
expect_rc 0 lockrun -o --lock "$F" -- sh -c "$DAEMON" "$HOLD" "$T/d1.pid" "$T/release"
wait_for 'test -s "$T/d1.pid"' 5
free || fail "--close: the daemon the command left holds the lock"
# Without --close it does, as with flock(1).
expect_rc 0 lockrun --lock "$F" -- sh -c "$DAEMON" "$HOLD" "$T/d2.pid" "$T/release"
wait_for 'test -s "$T/d2.pid"' 5
! free || fail "without --close the daemon does not hold the lock"
touch "$T/release"
wait_for 'free' 10

expect_rc 64 lockrun -o --config "$T/none.ini"
stderr_has "--close"
