#!/bin/sh
# t-45-nohup.sh: signals ignored when lockrun starts stay ignored, in lockrun
# and in its command, as with flock(1): under nohup, SIGHUP neither stops
# lockrun nor reaches the command; started with '&' by sh (SIGINT ignored),
# SIGINT does neither. Signals not ignored at the start keep their default
# in the command, and SIGTERM still stops both.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

command -v nohup >/dev/null || skip "no nohup(1)"

F=$T/n.lock

# ignored PID SIG: is signal number SIG (1..31) ignored by PID (SigIgn)?
ignored() {
	_mask=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$1/status")
	[ -n "$_mask" ] || fail "no SigIgn for pid $1"
	# The low 32 bits are enough for signals 1..31.
	_low=$(printf '%s' "$_mask" | sed 's/.*\(........\)$/\1/')
	[ $((0x$_low >> ($2 - 1) & 1)) -eq 1 ]
}

# stays_up SECS PID...: fail if one of the PIDs ends within SECS.
stays_up() {
	_n=$(awk -v t="$1" 'BEGIN { printf "%d", t * 50 + 1 }')
	shift
	while [ "$_n" -gt 0 ]; do
		for _p in "$@"; do
			is_running "$_p" || fail "pid $_p ended after an ignored signal"
		done
		sleep 0.02
		_n=$((_n - 1))
	done
}

# start_cmd TAG STARTER...: start lockrun through STARTER (start_bg or
# start_bg_int, with nohup or not); LR is lockrun, CMD its command.
start_cmd() {
	_tag=$1
	shift
	"$@" lockrun --lock "$F" -- "$PIDEXEC" "$T/$_tag.pid" sleep 60 \
	    >"$T/$_tag.out" 2>&1
	LR=$BG_PID
	wait_for 'test -s "$T/$_tag.pid"' 10
	CMD=$(cat "$T/$_tag.pid")
}

# --- nohup lockrun ... &: SIGHUP (and SIGINT) ignored ------------------------
start_cmd nohup start_bg nohup
ignored "$LR" 1 || fail "lockrun under nohup does not ignore SIGHUP"
ignored "$CMD" 1 ||
    fail "the command of lockrun under nohup does not ignore SIGHUP: $(grep SigIgn "/proc/$CMD/status")"
ignored "$LR" 2 || fail "lockrun started with & does not ignore SIGINT"
ignored "$CMD" 2 ||
    fail "the command of lockrun started with & does not ignore SIGINT: $(grep SigIgn "/proc/$CMD/status")"
kill -HUP "$LR"
kill -INT "$LR"
stays_up 1 "$LR" "$CMD"
# TERM still stops them: 143, not 129 (HUP) or 130 (INT).
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 15
wait_for "! is_running $CMD" 10

# --- started with '&' by sh, no nohup: SIGINT ignored, SIGHUP not -----------
start_cmd amp start_bg
ignored "$CMD" 2 || fail "the command of lockrun started with & does not ignore SIGINT"
if ignored "$CMD" 1; then
	fail "SIGHUP is ignored in the command though it was not in lockrun"
fi
kill -INT "$LR"
stays_up 1 "$LR" "$CMD"
kill -HUP "$LR"
expect_bg_rc 129 "$LR" 15
wait_for "! is_running $CMD" 10

# --- nothing ignored at the start: the command gets defaults -----------------
start_cmd int start_bg_int
if ignored "$CMD" 1 || ignored "$CMD" 2; then
	fail "the command ignores SIGHUP or SIGINT: $(grep SigIgn "/proc/$CMD/status")"
fi
kill -INT "$LR"
expect_bg_rc 130 "$LR" 15
wait_for "! is_running $CMD" 10
