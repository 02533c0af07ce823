#!/bin/sh
# t-01-exclusive.sh: an exclusive lock admits one run at a time; the busy exit
# code can be changed; the command's own exit status passes through.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/x.lock

# A holder that runs until we release it.
start_bg lockrun --lock "$F" -- "$HOLD" "$T/holder.pid" "$T/release"
holder=$BG_PID
wait_for 'test -s "$T/holder.pid"' 5
cmd=$(cat "$T/holder.pid")

# Busy: 75, the command does not run, one line naming the lock and holder.
expect_rc 75 lockrun -v --no-wait --lock "$F" -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "the command ran although the lock was busy"
stderr_has "$F"
# lockrun reads at most 256 KiB of /proc/locks to name the holder: on a
# host holding more locks than that, "busy" is all it may say.
if [ "$(wc -c </proc/locks)" -lt 200000 ] || ! grep -q "busy, not waiting" "$T/stderr"; then
	grep -Eq "pid ($holder|$cmd)([^0-9]|\$)" "$T/stderr" ||
	    fail "stderr does not name the holder (lockrun $holder, command $cmd): $(cat "$T/stderr")"
fi
[ "$(wc -l <"$T/stderr")" -eq 1 ] ||
    fail "expected one line on stderr, got: $(cat "$T/stderr")"

expect_rc 75 lockrun -n --lock "$F" -- touch "$T/ran"
expect_rc 0 lockrun -n -E 0 --lock "$F" -- touch "$T/ran"
expect_rc 3 lockrun --no-wait --conflict-exit-code 3 --lock "$F" -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "the command ran although the lock was busy"

# Once the holder is gone the lock is free again.
touch "$T/release"
expect_bg_rc 0 "$holder"
expect_rc 0 lockrun --no-wait --lock "$F" -- touch "$T/ran"
[ -e "$T/ran" ] || fail "exit 0 but the command did not run"

# The command's own status, and 128+N for a signal.
expect_rc 3 lockrun -n --lock "$F" -- sh -c 'exit 3'
expect_rc 1 lockrun -n --lock "$F" -- false
expect_rc 255 lockrun -n --lock "$F" -- sh -c 'exit 255'
expect_rc 143 lockrun -n --lock "$F" -- sh -c 'kill -TERM $$'
expect_rc 137 lockrun -n --lock "$F" -- sh -c 'kill -KILL $$'
