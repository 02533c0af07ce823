#!/bin/sh
# tests/integration/t-31-progress.sh: a wait of over a second shows one
# updating line on a terminal, naming what is waited for and its holder;
# on a pipe there are no redraws (no carriage return at all).

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

command -v script >/dev/null || skip "no script(1) for a pseudo-terminal"

F=$T/p.lock
start_bg lockrun --lock "$F" -- "$HOLD" "$T/holder" "$T/release"
wait_for 'test -s "$T/holder"' 5
HOLDER_LOCKRUN=$BG_PID

# The waiter runs under a pseudo-terminal; release the lock once the
# progress line has been drawn (or after a generous bound).
LR=$(command -v lockrun)
start_bg script -qfec "$LR --wait 60s --lock $F -- echo got-it" "$T/tty.out"
WAITER=$BG_PID
wait_for 'grep -qs "waiting for lock" "$T/tty.out"' 15
touch "$T/release"
expect_bg_rc 0 "$WAITER" 20
grep -q "got-it" "$T/tty.out" || fail "the command did not run: $(cat "$T/tty.out")"
# (Where the host holds over 256 KiB of /proc/locks, lockrun may only say
# "busy": it reads no more of it to name a holder.)
grep -q "waiting for lock $F: held by pid $HOLDER_LOCKRUN" "$T/tty.out" ||
    { [ "$(wc -c </proc/locks)" -ge 200000 ] &&
    grep -q "waiting for lock $F: busy" "$T/tty.out"; } ||
    fail "the line does not name the lock and its holder: $(cat -A "$T/tty.out")"
grep -q "$(printf '\r')" "$T/tty.out" || fail "no redraw on the terminal"
note "terminal: $(tr '\r' '|' <"$T/tty.out" | head -c 300)"

# Now on a pipe: the same wait, no carriage return, and (ad hoc, like
# flock) nothing at all unless -v; with -v one line at the start and one at
# the end of the wait.
rm -f "$T/release" "$T/holder"
start_bg lockrun --lock "$F" -- "$HOLD" "$T/holder" "$T/release"
wait_for 'test -s "$T/holder"' 5
start_bg sh -c 'lockrun -v --wait 60s --lock "$1" -- true 2>&1 | cat >"$2"' sh \
    "$F" "$T/pipe.out"
WAITER=$BG_PID
# Keep the lock over a second, so that a progress line would be due (this
# sleep only makes the wait long; nothing is asserted on its account).
wait_for 'grep -qs "waiting:" "$T/pipe.out"' 10
sleep 1.5
touch "$T/release"
expect_bg_rc 0 "$WAITER" 20
if grep -q "$(printf '\r')" "$T/pipe.out"; then
	fail "a carriage return reached the pipe: $(cat -A "$T/pipe.out")"
fi
grep -q "waiting: lock $F: \(held by pid\|busy\)" "$T/pipe.out" ||
    fail "no line when the wait started: $(cat "$T/pipe.out")"
grep -q "done waiting after" "$T/pipe.out" ||
    fail "no line when the wait ended: $(cat "$T/pipe.out")"
note "pipe: $(cat "$T/pipe.out")"
