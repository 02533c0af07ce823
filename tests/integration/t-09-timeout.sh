#!/bin/sh
# t-09-timeout.sh: --timeout stops the command's whole process group and
# exits 124; a command that ignores TERM is killed after --kill-after.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/t.lock

# TERM reaches the whole group, background children included.
t0=$(now)
expect_rc 124 lockrun --lock "$F" --timeout 1s -- \
    sh -c 'sleep 100 & echo $! >"$1.tmp"; mv "$1.tmp" "$1"; sleep 100' sh "$T/bg.pid"
took=$(elapsed "$t0" "$(now)")
note "--timeout 1s: lockrun exited after $took s"
assert_between "$took" 0.9 10 "time to exit 124"
bg=$(cat "$T/bg.pid")
wait_for "! is_running $bg" 5
expect_rc 0 lockrun -n --lock "$F" -- true

# TERM ignored by the whole group: SIGKILL after --kill-after.
t0=$(now)
expect_rc 124 lockrun --lock "$F" --timeout 0.5s --kill-after 0.5s -- \
    sh -c 'trap "" TERM; sleep 100 & echo $! >"$1.tmp"; mv "$1.tmp" "$1"; wait' \
    sh "$T/bg2.pid"
took=$(elapsed "$t0" "$(now)")
note "--timeout 0.5s --kill-after 0.5s, TERM ignored: exited after $took s"
assert_between "$took" 0.9 10 "time to exit 124"
bg=$(cat "$T/bg2.pid")
wait_for "! is_running $bg" 5

# The brief's plain form, TERM ignored by sh and the sleep it runs.
expect_rc 124 lockrun --lock "$F" --timeout 0.5s --kill-after 0.5s -- \
    sh -c 'trap "" TERM; sleep 100'

# A command that ends in time is not affected.
expect_rc 0 lockrun --lock "$F" --timeout 10s -- true
expect_rc 3 lockrun --lock "$F" --timeout 10s -- sh -c 'exit 3'
