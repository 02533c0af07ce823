# tests/stress/stress-lib.sh: what the stress tests share, on top of
# conf-lib.sh (and lib.sh): a test starts with
#	. "${TESTDIR:-$(dirname "$0")/../integration}/conf-lib.sh"
#	. "$(dirname "$0")/stress-lib.sh"
#
#	$STORM			the helper (tests/stress/storm.c), built by
#				'make stress', which passes its path
#	scaled N MIN		N times $STRESS_SCALE (1; CI runs 0.05), at
#				least MIN
#	storm_left		true while a storm-* process of this test lives
#				(a job, a leftover, a sentinel, a child gone away)
#	statuses FILE		"KIND STATUS: COUNT, ..." of a file of
#				"KIND STATUS" lines
#	run_workers N		run the test's function 'worker' N times at
#				once (worker 0 ... worker N-1), wait for all

# shellcheck shell=sh

[ -x "${STORM:-}" ] || fail "no storm helper in \$STORM (make stress builds it)"

scaled() {
	awk -v s="${STRESS_SCALE:-1}" -v n="$1" -v min="$2" \
	    'BEGIN { n = int(n * s); print n < min ? min : n }'
}

storm_left() {
	for _f in /proc/[0-9]*/comm; do
		case $(cat "$_f" 2>/dev/null) in
		storm-*)
			_p=${_f#/proc/}
			_p=${_p%/comm}
			grep -qzxF "TEST_LOCKRUN_TAG=$T" "/proc/$_p/environ" \
			    2>/dev/null && return 0
			;;
		esac
	done
	return 1
}

statuses() {
	awk '{ n[$1 " " $2]++ } END { for (k in n) print k ": " n[k] }' "$1" |
	    sort | tr '\n' ',' | sed 's/,$//; s/,/, /g'
}

run_workers() {
	_w=0
	_pids=
	while [ "$_w" -lt "$1" ]; do
		start_bg worker "$_w"
		_pids="$_pids $BG_PID"
		_w=$((_w + 1))
	done
	for _p in $_pids; do
		wait_bg "$_p" 3600
	done
}
