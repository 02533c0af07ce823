#!/bin/sh
# t-06-sigkill.sh: the command inherits the lock, so SIGKILLing lockrun does
# not free it while the command lives; it is free once the command is gone.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/k.lock

start_bg lockrun --lock "$F" -- "$PIDEXEC" "$T/cmd.pid" sleep 30
lr=$BG_PID
wait_for 'test -s "$T/cmd.pid"' 5
cmd=$(cat "$T/cmd.pid")
wait_for "is_running $cmd" 5

kill -KILL "$lr"
wait_bg "$lr" 5
[ "$BG_RC" -eq 137 ] || fail "lockrun was SIGKILLed but exited $BG_RC"
is_running "$cmd" || fail "the command ($cmd) died with lockrun"

expect_rc 75 lockrun -n --lock "$F" -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "a second run got the lock while the orphaned command held it"
is_running "$cmd" || fail "the command ($cmd) ended early"
# flock(1) sees it held, too.
if command -v flock >/dev/null 2>&1; then
	expect_rc 1 flock -n "$F" true
fi

kill -KILL "$cmd"
wait_for "! is_running $cmd" 5
wait_for 'lockrun -n --lock "$F" true 2>/dev/null' 5
expect_rc 0 lockrun -n --lock "$F" touch "$T/ran"
[ -e "$T/ran" ] || fail "exit 0 but the command did not run"
