#!/bin/sh
# t-48-sem-size.sh: one semaphore has one size. While lockruns use
# semaphore s with 2 slots, a run that says it has 4 (which would let 4 run
# at once) is refused: 64 ad hoc, 78 from a config naming FILE:LINE, with
# the size in use and a holder's pid; a run with 2 slots works. Once every
# user is gone (including a command whose lockrun was SIGKILLed, which is
# named as the holder), a new size is accepted.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# holder TAG SLOTS: an ad hoc run of semaphore s that holds a slot until
# $T/TAG.release exists; its lockrun in LR, its command in CMD.
holder() {
	_tag=$1
	start_bg lockrun --lock-dir "$LOCKDIR" --semaphore s --slots "$2" -- \
	    "$HOLD" "$T/$_tag.pid" "$T/$_tag.release"
	LR=$BG_PID
	wait_for 'test -s "$T/$_tag.pid"' 10
	CMD=$(cat "$T/$_tag.pid")
}

# names_holder PID...: the last stderr names no holder but one of the PIDs
# (a live one). lockrun looks at a bounded number of descriptors to find
# one: on a host busy with open files it may name none, never a wrong one.
names_holder() {
	_named=$(sed -n 's/.*(pid \([0-9]*\)).*/\1/p' "$T/stderr" | head -1)
	if [ -z "$_named" ]; then
		note "no holder named: $(cat "$T/stderr")"
		return 0
	fi
	for _p in "$@"; do
		[ "$_named" = "$_p" ] && return 0
	done
	fail "pid $_named named as a holder, not one of $*: $(cat "$T/stderr")"
}

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 4

[job:j]
command = echo run >>"$T/j.runs"
semaphore = s
EOF

# --- a 2-slot user: --slots 4 is refused, --slots 2 works ---------------------
holder a 2
A_LR=$LR
A_CMD=$CMD
expect_rc 64 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 4 -- \
    touch "$T/four.ran"
stderr_has "--slots 4"
stderr_has "has 2 slots"
names_holder "$A_LR" "$A_CMD"
[ ! -e "$T/four.ran" ] || fail "a run with another size ran"
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 2 -- \
    touch "$T/two.ran"
[ -e "$T/two.ran" ] || fail "a run with the size in use did not run"

# --- the config says 4: 78, FILE:LINE ----------------------------------------
expect_rc 78 lockrun --config "$CONF"
stderr_has "$CONF:4:"
stderr_has "count 2 slots"
names_holder "$A_LR" "$A_CMD"
[ ! -e "$T/j.runs" ] || fail "a job of a refused config ran"
expect_rc 78 lockrun --config "$CONF" j
stderr_has "$CONF:4:"

# --- a second 2-slot user; the first ends: the size still holds --------------
holder b 2
B_LR=$LR
B_CMD=$CMD
touch "$T/a.release"
expect_bg_rc 0 "$A_LR" 15
expect_rc 64 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 4 -- true
names_holder "$B_LR" "$B_CMD"
touch "$T/b.release"
expect_bg_rc 0 "$B_LR" 15

# --- every user gone: a new size is accepted ---------------------------------
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 4 -- \
    touch "$T/four.ran"
[ -e "$T/four.ran" ] || fail "--slots 4 did not run once the semaphore was free"
# Now the config's 4 slots are in use, and 2 is the odd one out.
expect_rc 0 lockrun --config "$CONF" j
[ "$(count_lines "$T/j.runs")" -eq 1 ] || fail "the config's job did not run"
write_conf "$T/hold4.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 4

[job:h]
command = "$HOLD" "$T/c.pid" "$T/c.release"
semaphore = s
EOF
start_bg lockrun --config "$T/hold4.ini" 2>"$T/hold4.err"
C_LR=$BG_PID
wait_for 'test -s "$T/c.pid"' 10
expect_rc 64 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 2 -- true
stderr_has "has 4 slots"
# The job's main process (sh -c, the parent of the hold script) counts too.
C_CMD=$(cat "$T/c.pid")
lib_stat "$C_CMD" || fail "the hold script $C_CMD is gone"
names_holder "$C_LR" "$C_CMD" "$LIB_PPID"
touch "$T/c.release"
expect_bg_rc 0 "$C_LR" 15

# --- a user's lockrun is SIGKILLed: its command still uses the semaphore ----
# (it holds the slot and the size), and is the holder to name: the lockrun
# that took the lock is gone, though /proc/locks still shows its pid.
holder d 4
D_LR=$LR
D_CMD=$CMD
kill -KILL "$D_LR"
wait_bg "$D_LR"
is_running "$D_CMD" || fail "the command died with its lockrun"
expect_rc 64 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 2 -- true
stderr_has "has 4 slots"
names_holder "$D_CMD"
touch "$T/d.release"
wait_for "! is_running $D_CMD" 15
expect_rc 0 lockrun --lock-dir "$LOCKDIR" --semaphore s --slots 2 -- true
