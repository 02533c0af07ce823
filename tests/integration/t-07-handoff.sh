#!/bin/sh
# t-07-handoff.sh: a waiter starts soon after the holder ends (event-driven
# wake-up, not a slow poll), and never before.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/h.lock

# The holder's last action is to note when it ends.
start_bg lockrun --lock "$F" -- sh -c \
    'touch "$1/started"; sleep 1; date +%s.%N >"$1/holder_end"' sh "$T"
holder=$BG_PID
wait_for 'test -e "$T/started"' 5

start_bg lockrun --lock "$F" -- sh -c 'date +%s.%N >"$1/waiter_start"' sh "$T"
waiter=$BG_PID

expect_bg_rc 0 "$holder"
expect_bg_rc 0 "$waiter"
if [ ! -s "$T/holder_end" ] || [ ! -s "$T/waiter_start" ]; then
	fail "a timestamp is missing"
fi
latency=$(elapsed "$(cat "$T/holder_end")" "$(cat "$T/waiter_start")")
note "handoff latency (holder's last action to waiter's start): $latency s"
# Not before the holder ended, and well before any polling fallback would
# matter; the real figure is about a millisecond. Under valgrind, starting
# the waiter's command alone takes longer than that on a busy host.
assert_between "$latency" 0 "$([ -n "${LOCKRUN_VALGRIND:-}" ] && echo 5 ||
    echo 0.5)" "handoff latency"
