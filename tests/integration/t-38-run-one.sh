#!/bin/sh
# tests/integration/t-38-run-one.sh: the run-one family, ad hoc.
#	run-this-one		--replace: stop the command holding the --lock
#				(one lockrun runs), then run
#	keep-one-running	--restart always
#	run-one-until-success	--restart on-failure
#	run-one-until-failure	--restart on-success
# with autorestart's backoff; a replaced run does not restart.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/x.lock
export LOCKRUN_LOCK_DIR="$T/locks"

# --- run-this-one: the holder's command is stopped, then we run --------------
start_bg lockrun --lock "$F" -- "$HOLD" "$T/a.pid" "$T/never"
A=$BG_PID
wait_for 'test -s "$T/a.pid"' 5
A_CMD=$(cat "$T/a.pid")
expect_rc 0 lockrun --replace --lock "$F" -- touch "$T/b.ran"
[ -e "$T/b.ran" ] || fail "--replace did not run its command"
expect_bg_rc 143 "$A"
is_running "$A_CMD" && fail "the replaced command still runs"
# Nothing holds it: --replace just runs.
expect_rc 0 lockrun --replace --lock "$F" -- true
[ ! -s "$T/stderr" ] || fail "a --replace that replaced nothing said: $(cat "$T/stderr")"

# --- a holder lockrun did not start is not signalled: waited for -------------
start_bg flock "$F" "$HOLD" "$T/f.pid" "$T/f.release"
FL=$BG_PID
wait_for 'test -s "$T/f.pid"' 5
expect_rc 75 lockrun --replace --wait 1s --lock "$F" -- touch "$T/c.ran"
# The holder is named when a look through /proc finds it within its budget
# (other tests may hold thousands of descriptors meanwhile).
grep -q "not a command that lockrun runs: not signalling it" "$T/stderr" ||
    note "the holder was not named: $(cat "$T/stderr")"
! grep -q "replacing pid" "$T/stderr" || fail "it signalled: $(cat "$T/stderr")"
[ ! -e "$T/c.ran" ] || fail "--replace ran beside a flock(1) holder"
is_running "$(cat "$T/f.pid")" || fail "--replace signalled flock(1)'s command"
touch "$T/f.release"
expect_bg_rc 0 "$FL"

# --- keep-one-running: --restart always, until a signal ----------------------
start_bg lockrun --restart always --lock "$F" -- sh -c 'date +%s.%N >>"$0"' "$T/k.runs"
K=$BG_PID
wait_for 'test "$(wc -l <"$T/k.runs")" -ge 3' 20
kill -TERM "$K"
wait_bg "$K" 20
N=$(wc -l <"$T/k.runs")
# The backoff of autorestart: 0.5 s, then 1 s between the first runs.
GAPS=$(awk 'NR > 1 && NR <= 3 { printf "%.3f ", $1 - prev } { prev = $1 }' "$T/k.runs")
# shellcheck disable=SC2086
set -- $GAPS
assert_between "$1" 0.4 20 "first restart delay (s)"
assert_between "$2" 0.9 20 "second restart delay (s)"
[ "$(wc -l <"$T/k.runs")" -eq "$N" ] || fail "runs went on after lockrun ended"

# --- run-one-until-success / -until-failure ----------------------------------
# The command fails (exit 3) twice, then succeeds.
UNTIL='echo run >>"$0"; [ "$(wc -l <"$0")" -ge 3 ] && exit 0; exit 3'
expect_rc 0 lockrun --restart on-failure --lock "$F" -- sh -c "$UNTIL" "$T/s.runs"
[ "$(wc -l <"$T/s.runs")" -eq 3 ] || fail "on-failure: $(wc -l <"$T/s.runs") runs, not 3"
# It succeeds twice, then fails: its status is lockrun's.
UNTIL='echo run >>"$0"; [ "$(wc -l <"$0")" -ge 3 ] && exit 3; exit 0'
expect_rc 3 lockrun --restart on-success --lock "$F" -- sh -c "$UNTIL" "$T/f.runs"
[ "$(wc -l <"$T/f.runs")" -eq 3 ] || fail "on-success: $(wc -l <"$T/f.runs") runs, not 3"

# --- a replaced keep-one-running does not start again ------------------------
start_bg lockrun --restart always --lock "$F" -- "$PIDEXEC" "$T/k2.pid" sh -c 'echo run >>"$0"; exec sleep 30' "$T/k2.runs"
K2=$BG_PID
wait_for 'test -s "$T/k2.pid"' 5
expect_rc 0 lockrun --replace --lock "$F" -- touch "$T/d.ran"
expect_bg_rc 143 "$K2" 20
[ "$(wc -l <"$T/k2.runs")" -eq 1 ] || fail "the replaced run started again"

# --- a script holding its own descriptor is waited for, never signalled ----
# exec 9>F; flock 9 (or lockrun --fd 9): the script leads its own process
# group and holds the lock, but no lockrun runs it.
if command -v flock >/dev/null && command -v setsid >/dev/null; then
	G=$T/g.lock
	start_bg setsid sh -c 'exec 9>"$1"; flock 9; echo $$ >"$2.tmp"; mv "$2.tmp" "$2"
	    while [ ! -e "$3" ]; do sleep 0.02; done' sh "$G" "$T/g.pid" "$T/g.go"
	S=$BG_PID
	wait_for 'test -s "$T/g.pid"' 10
	start_bg lockrun --replace --lock "$G" -- touch "$T/g.ran"
	R=$BG_PID
	wait_for 'waiting_for "$R" "$G"' 10
	is_running "$(cat "$T/g.pid")" || fail "--replace signalled a script that locked its own fd"
	[ ! -e "$T/g.ran" ] || fail "--replace ran beside the script"
	touch "$T/g.go"
	expect_bg_rc 0 "$S" 10
	expect_bg_rc 0 "$R" 20
	[ -e "$T/g.ran" ] || fail "--replace did not run once the script let go"
fi

# --- usage -------------------------------------------------------------------
expect_rc 64 lockrun --replace -- true
stderr_has "--replace needs exactly one --lock"
expect_rc 64 lockrun --replace --lock "$F" --lock "$F.2" -- true
expect_rc 64 lockrun --replace --shared --lock "$F" -- true
expect_rc 64 lockrun --replace -n --lock "$F" -- true
expect_rc 64 lockrun --restart sometimes --lock "$F" -- true
stderr_has "always, on-failure or on-success"
expect_rc 64 lockrun --restart always --config "$T/none.ini"
stderr_has "autorestart"
