#!/bin/sh
# t-03-wait-timeout.sh: --wait gives up on a held lock after about the time
# asked for, and succeeds if the lock comes free in time.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/w.lock

start_bg lockrun --lock "$F" -- "$HOLD" "$T/holder.pid" "$T/release"
holder=$BG_PID
wait_for 'test -s "$T/holder.pid"' 5

t0=$(now)
expect_rc 75 lockrun --wait 1s --lock "$F" -- touch "$T/ran"
t1=$(now)
took=$(elapsed "$t0" "$t1")
note "--wait 1s gave up after $took s"
assert_between "$took" 0.8 10 "time before giving up"
[ ! -e "$T/ran" ] || fail "the command ran although the lock was busy"
# As flock -w: the status says it; -v says why.
[ ! -s "$T/stderr" ] || fail "giving up was not quiet: $(cat "$T/stderr")"
expect_rc 75 lockrun -v --wait 500ms --lock "$F" -- touch "$T/ran"
grep "gave up after" "$T/stderr" | grep -qF "$F" ||
    fail "-v does not say what it gave up on: $(cat "$T/stderr")"

# The busy code applies to giving up, too.
expect_rc 9 lockrun -w 250ms -E 9 --lock "$F" -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "the command ran although the lock was busy"

# A waiter whose lock comes free before its deadline runs.
start_bg lockrun --wait 20s --lock "$F" -- touch "$T/ran"
waiter=$BG_PID
touch "$T/release"
expect_bg_rc 0 "$holder"
expect_bg_rc 0 "$waiter"
[ -e "$T/ran" ] || fail "the waiter exited 0 without running its command"
