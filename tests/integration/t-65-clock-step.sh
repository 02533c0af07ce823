#!/bin/sh
# tests/integration/t-65-clock-step.sh: the wall clock stepped an hour
# forward or back while lockrun waits moves none of its deadlines:
# --wait, --timeout, wait_timeout across a replacement, and the escalation
# to SIGKILL of a job's leftovers all count on the monotonic clock. The
# steps are made with fakeclock.so (LD_PRELOAD), which offsets the wall
# clock of lockrun alone by what a file says; the machine's clock is never
# touched. Then lockrun runs with its monotonic clock 30 years ahead (a
# private time namespace, unshare --time), where a float-to-integer
# conversion of the time would overflow.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ -f "${FAKECLOCK:-}" ] || skip "no fakeclock.so in \$FAKECLOCK (make check builds it)"
OFF=$T/offset
echo 0 >"$OFF"
mkdir -p "$LOCKDIR"

# stepped CMD...: CMD with the wall clock of $OFF. (ASan wants to be the
# first library loaded: the shim comes first, which is harmless here.)
stepped() {
	FAKECLOCK_FILE=$OFF LD_PRELOAD=$FAKECLOCK \
	    ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0 \
	    "$@"
}

# step_after SECS OFFSET: in the background, SECS from now, make the wall
# clock under 'stepped' OFFSET seconds off.
step_after() {
	(sleep "$1" && echo "$2" >"$OFF") &
}

# A lock held for the whole test.
start_bg lockrun --lock "$T/held.lock" -- "$HOLD" "$T/held.pid" "$T/release"
wait_for 'test -s "$T/held.pid"' 10

# --- --wait and --timeout, ad hoc --------------------------------------------
for step in 3600 -3600; do
	echo 0 >"$OFF"
	step_after 0.5 "$step"
	start=$(now)
	expect_rc 75 stepped lockrun --wait 2s --lock "$T/held.lock" -- true
	assert_between "$(elapsed "$start" "$(now)")" 1.9 10 \
	    "--wait 2s with the clock stepped $step s took (s)"

	echo 0 >"$OFF"
	step_after 0.5 "$step"
	start=$(now)
	expect_rc 124 stepped lockrun --timeout 2s --lock "$T/t.lock" -- \
	    sleep 30
	assert_between "$(elapsed "$start" "$(now)")" 1.9 10 \
	    "--timeout 2s with the clock stepped $step s took (s)"
done

# --- wait_timeout across a replacement ---------------------------------------
# The running job ignores TERM: the replacing run kills it after its
# stopwaitsecs (1 s), then waits for a lock held all along, and gives up
# when its wait_timeout of 4 s, counted from its start, is over. The clock
# steps while it replaces.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:r]
command = trap '' TERM; echo \$\$ >"$T/r.pid.tmp"; mv "$T/r.pid.tmp" "$T/r.pid"; while :; do sleep 0.1; done
EOF
write_conf "$T/replace.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:r]
command = touch "$T/ran"
on_running = replace
stopwaitsecs = 1s
wait_timeout = 4s
locks = other
EOF
start_bg lockrun --lock "$LOCKDIR/other.lock" -- "$HOLD" "$T/other.pid" \
    "$T/release"
wait_for 'test -s "$T/other.pid"' 10
for step in 3600 -3600; do
	echo 0 >"$OFF"
	rm -f "$T/r.pid"
	start_bg lockrun --config "$CONF"
	OLD=$BG_PID
	wait_for 'test -s "$T/r.pid"' 10
	step_after 0.5 "$step"
	start=$(now)
	start_bg stepped lockrun --config "$T/replace.ini"
	NEW=$BG_PID
	expect_bg_rc 75 "$NEW" 15
	took=$(elapsed "$start" "$(now)")
	expect_bg_rc 137 "$OLD" 10
	[ ! -e "$T/ran" ] || fail "ran without the lock 'other'"
	assert_between "$took" 3.9 12 \
	    "wait_timeout 4s across a replacement, clock stepped $step s (s)"
done

# --- leftovers of a job: SIGKILL after stopwaitsecs --------------------------
# The job leaves a process in its group that ignores TERM; lockrun sends
# TERM, then KILL stopwaitsecs (2 s) later. The clock steps back between.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:l]
command = trap '' TERM; sleep 60 & echo \$! >"$T/left.tmp"; mv "$T/left.tmp" "$T/left"
stopwaitsecs = 2s
EOF
echo 0 >"$OFF"
rm -f "$T/left"
start_bg stepped lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/left"' 10
step_after 1 -3600
start=$(now)
expect_bg_rc 0 "$LR" 15
wait_for '! is_running "$(cat "$T/left")"' 5
assert_between "$(elapsed "$start" "$(now)")" 1.5 12 \
    "leftover killed, clock stepped back (s)"

# --- a monotonic clock 30 years ahead -----------------------------------------
if unshare --time --monotonic 946080000 --fork true 2>/dev/null; then
	start=$(now)
	expect_rc 75 unshare --time --monotonic 946080000 --fork \
	    lockrun --wait 1s --lock "$T/held.lock" -- true
	expect_rc 124 unshare --time --monotonic 946080000 --fork \
	    lockrun --timeout 1s --lock "$T/t.lock" -- sleep 30
	expect_rc 0 unshare --time --monotonic 946080000 --fork \
	    lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 2 -- true
	assert_between "$(elapsed "$start" "$(now)")" 1.9 15 \
	    "with the monotonic clock 30 years ahead (s)"
else
	note "no time namespaces here: the 30-year monotonic clock not tested"
fi
touch "$T/release"
