# tests/integration/lib.sh: helpers for the integration tests (POSIX sh).
#
# A test starts with
#	. "${TESTDIR:-$(dirname "$0")}/lib.sh"
# and gets: set -eu, a private directory $T (removed on exit), a cleanup trap
# that kills whatever the test started, and the helpers below.
#
#	start_bg CMD...		run CMD in the background; its pid in $BG_PID
#	start_bg_int CMD...	the same, with SIGINT and SIGQUIT as a command in
#				the foreground gets them (sh starts '&' commands
#				with both ignored, and lockrun keeps them so)
#	wait_bg PID [SECS]	wait (bounded) for a start_bg process; status in $BG_RC
#	expect_bg_rc RC PID [SECS]  wait_bg, then fail unless the status is RC
#	expect_rc RC CMD...	run CMD; fail unless it exits RC (stdout in
#				$T/stdout, stderr in $T/stderr)
#	stderr_has TEXT		fail unless $T/stderr contains TEXT
#	wait_for 'COND' SECS	poll the shell condition COND every 20 ms
#	is_running PID		true if PID exists and is not a zombie
#	has_open PID FILE	true if process PID has FILE open
#	waiting_for PID FILE	true if lockrun PID waits for FILE: it has
#				FILE open (first in line) or holds a ticket
#				in a queue (behind others)
#	now; elapsed START END; assert_between VALUE LO HI WHAT
#	fail MSG; skip MSG; note MSG
#	skip_under_valgrind WHY	skip the test under LOCKRUN_VALGRIND
#	on_cleanup 'CMD'	run CMD at exit, after what the test started is
#				killed and before $T is removed (e.g. umount)
#
# Do not use a bare 'wait': a watchdog runs in the background (see the end).
#
# Helper programs (executable, for lockrun to run directly):
#	"$HOLD" PIDFILE RELEASE		write own pid to PIDFILE, then wait until
#					the file RELEASE exists (at most 60 s)
#	"$PIDEXEC" PIDFILE CMD [ARG...]	write own pid to PIDFILE, then exec CMD
# Both write PIDFILE atomically (temp file + mv), so 'test -s' on it is safe.
#
# LOCKRUN_VALGRIND=DIR runs every lockrun of the test under valgrind (see
# below where $T/bin is made).
#
# Every process the test execs carries TEST_LOCKRUN_TAG=$T in its
# environment; cleanup uses that to find commands that outlived a killed
# lockrun (they are orphans by then, so no pid list knows them). The name
# must not start with LOCKRUN_: lockrun drops those from a command's
# environment.

# shellcheck shell=sh

set -eu

# A suite run under nohup(1), or with signals ignored some other way, would
# hand that on to every lockrun, and lockrun keeps an ignored signal ignored
# for its command (t-45): start each test from the default dispositions.
if [ -z "${LOCKRUN_TEST_SIGNALS:-}" ] && [ -f "$0" ] &&
    env --default-signal=HUP true 2>/dev/null; then
	LOCKRUN_TEST_SIGNALS=default
	export LOCKRUN_TEST_SIGNALS
	exec env --default-signal=HUP,INT,QUIT,TERM,USR1,USR2 \
	    "${BASH:-/bin/sh}" "$0" "$@"
fi

TEST_NAME=$(basename "$0" .sh)

if [ -z "${TESTDIR:-}" ]; then
	TESTDIR=$(cd "$(dirname "$0")" && pwd)
fi
if [ -z "${LOCKRUN:-}" ]; then
	LOCKRUN=$(cd "$TESTDIR/../.." && pwd)/build/lockrun
fi
# The tests call plain 'lockrun': make sure it is the one under test.
PATH=$(dirname "$LOCKRUN"):$PATH
export TESTDIR LOCKRUN PATH

# note MSG: a line in the test log.
note() {
	printf '# %s: %s\n' "$TEST_NAME" "$*" >&2
}

# fail MSG: report and end the test as failed.
fail() {
	printf '%s: FAIL: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# skip MSG: end the test as skipped.
skip() {
	printf '%s: SKIP: %s\n' "$TEST_NAME" "$*" >&2
	exit 77
}

[ -x "$LOCKRUN" ] || fail "no lockrun binary at $LOCKRUN (build it first)"

T=$(mktemp -d "${TMPDIR:-/tmp}/lockrun-$TEST_NAME.XXXXXX")
TEST_LOCKRUN_TAG=$T
export TEST_LOCKRUN_TAG

# lib_stat PID: set LIB_STATE, LIB_PPID, LIB_PGRP from /proc/PID/stat;
# false if there is no such process.
lib_stat() {
	{ read -r _lib_line <"/proc/$1/stat"; } 2>/dev/null || return 1
	# The command name may hold spaces and parentheses: skip to the last ") ".
	_lib_line=${_lib_line##*") "}
	LIB_STATE=${_lib_line%% *}
	_lib_line=${_lib_line#* }
	LIB_PPID=${_lib_line%% *}
	_lib_line=${_lib_line#* }
	LIB_PGRP=${_lib_line%% *}
}

# as_nobody CMD...: run CMD as user nobody (uid and gid 65534); root only.
as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

# is_running PID: PID exists and is not a zombie. (kill -0 also succeeds on a
# zombie, and orphans here may stay zombies for a while before init reaps them.)
is_running() {
	lib_stat "$1" || return 1
	[ "$LIB_STATE" != Z ] && [ "$LIB_STATE" != X ]
}

# has_open PID FILE: see above.
has_open() {
	for _lib_f in /proc/"$1"/fd/*; do
		[ "$(readlink "$_lib_f" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}

# waiting_for PID FILE: see above.
waiting_for() {
	for _lib_f in /proc/"$1"/fd/*; do
		case $(readlink "$_lib_f" 2>/dev/null) in
		"$2" | */queue/*/*."$1".[rw])
			return 0
			;;
		esac
	done
	return 1
}

lib_stat $$ || fail "cannot read /proc/$$/stat (is /proc mounted?)"
LIB_OWN_PGRP=$LIB_PGRP

# lib_kill PID: SIGKILL PID and, unless it is ours, its process group.
lib_kill() {
	lib_stat "$1" || return 0
	if [ "$LIB_PGRP" != "$LIB_OWN_PGRP" ] && [ "$LIB_PGRP" -gt 1 ]; then
		kill -s KILL -- "-$LIB_PGRP" 2>/dev/null || :
	fi
	kill -KILL "$1" 2>/dev/null || :
}

# lib_tagged: pids of live processes that carry our tag (zombies have an
# empty environ, so they never match).
lib_tagged() {
	grep -lzxF "TEST_LOCKRUN_TAG=$T" /proc/[0-9]*/environ 2>/dev/null |
	    sed -n 's|^/proc/\([0-9]*\)/environ$|\1|p' || :
}

# Kill what we started (tracked pids that are still our children, then
# anything carrying the tag, with their process groups), remove $T, and keep
# the test's exit status.
lib_cleanup() {
	_lib_rc=$?
	trap - EXIT
	set +e
	unset TEST_LOCKRUN_TAG		# so that grep in lib_tagged is not found
	if [ -f "$T/.bg_pids" ]; then
		while read -r _lib_p; do
			# Not ours any more (reaped, pid reused): leave it alone.
			lib_stat "$_lib_p" && [ "$LIB_PPID" = $$ ] &&
			    lib_kill "$_lib_p"
		done <"$T/.bg_pids"
	fi
	_lib_i=0
	while [ "$_lib_i" -lt 5 ]; do
		_lib_pids=$(lib_tagged)
		[ -n "$_lib_pids" ] || break
		for _lib_p in $_lib_pids; do
			[ "$_lib_p" != $$ ] && lib_kill "$_lib_p"
		done
		_lib_i=$((_lib_i + 1))
	done
	eval "${LIB_ON_CLEANUP:-:}"
	rm -rf "$T"
	exit "$_lib_rc"
}
# skip_under_valgrind WHY: see above (for what valgrind cannot do, or
# bounds of time it cannot meet).
skip_under_valgrind() {
	[ -z "${LOCKRUN_VALGRIND:-}" ] || skip "not under valgrind: $*"
}

# on_cleanup 'CMD': see above.
on_cleanup() {
	LIB_ON_CLEANUP="${LIB_ON_CLEANUP:-:}; $1"
}

trap lib_cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# start_bg CMD...: run CMD in the background, remember it, set BG_PID.
start_bg() {
	"$@" &
	BG_PID=$!
	echo "$BG_PID" >>"$T/.bg_pids"
}

# start_holder PIDFILE RELEASE ARGS...: start_bg lockrun ARGS -- $HOLD
# PIDFILE RELEASE (its pid in BG_PID), and wait until the command holds.
start_holder() {
	_pidfile=$1
	_release=$2
	shift 2
	start_bg lockrun "$@" -- "$HOLD" "$_pidfile" "$_release"
	# shellcheck disable=SC2016
	wait_for 'test -s "$_pidfile"' 10
}

# start_bg_int CMD...: start_bg, but with SIGINT and SIGQUIT not ignored.
start_bg_int() {
	start_bg env --default-signal=INT,QUIT "$@"
}

# wait_for 'COND' SECS: poll COND (eval'd) every 20 ms, at most SECS (may be
# fractional) worth of polls; fail if it never holds.
wait_for() {
	_lib_n=$(awk -v t="$2" 'BEGIN { printf "%d", t * 50 + 1 }')
	while [ "$_lib_n" -gt 0 ]; do
		if eval "$1"; then
			return 0
		fi
		sleep 0.02
		_lib_n=$((_lib_n - 1))
	done
	fail "timed out after $2 s waiting for: $1"
}

# wait_bg PID [SECS]: wait (default 10 s) for background process PID to end;
# its exit status in BG_RC.
wait_bg() {
	wait_for "! is_running $1" "${2:-10}"
	BG_RC=0
	wait "$1" || BG_RC=$?
}

# expect_bg_rc RC PID [SECS]: wait_bg, then fail unless it exited RC.
expect_bg_rc() {
	wait_bg "$2" "${3:-10}"
	[ "$BG_RC" -eq "$1" ] ||
	    fail "background pid $2: expected exit $1, got $BG_RC"
}

# lib_quote ARG...: the arguments as one shell-quoted line, for messages.
lib_quote() {
	_lib_q=
	for _lib_a in "$@"; do
		case $_lib_a in
		'' | *[!A-Za-z0-9_./=:,+%@-]*)
			_lib_a="'$(printf '%s' "$_lib_a" | sed "s/'/'\\\\''/g")'"
			;;
		esac
		_lib_q="$_lib_q${_lib_q:+ }$_lib_a"
	done
	printf '%s' "$_lib_q"
}

# expect_rc RC CMD...: run CMD, fail unless it exits RC; its stdout stays in
# $T/stdout and its stderr in $T/stderr.
expect_rc() {
	_lib_want=$1
	shift
	_lib_rc=0
	"$@" >"$T/stdout" 2>"$T/stderr" || _lib_rc=$?
	if [ "$_lib_rc" -ne "$_lib_want" ]; then
		fail "$(printf 'command: %s\nexpected exit %s, got %s\nstderr:\n%s' \
		    "$(lib_quote "$@")" "$_lib_want" "$_lib_rc" \
		    "$(cat "$T/stderr")")"
	fi
	note "exit $_lib_rc as expected: $(lib_quote "$@")"
}

# stderr_has TEXT: fail unless the last expect_rc's stderr contains TEXT.
stderr_has() {
	grep -qF -- "$1" "$T/stderr" ||
	    fail "$(printf 'stderr lacks "%s"; it was:\n%s' "$1" \
		"$(cat "$T/stderr")")"
}

# now: wall-clock seconds with nanoseconds.
now() {
	date +%s.%N
}

# elapsed START END: END - START in seconds.
elapsed() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'
}

# assert_between VALUE LO HI WHAT: fail unless LO <= VALUE <= HI.
assert_between() {
	awk -v v="$1" -v lo="$2" -v hi="$3" \
	    'BEGIN { exit !(v + 0 >= lo + 0 && v + 0 <= hi + 0) }' ||
	    fail "$4: $1 is not between $2 and $3"
}

mkdir "$T/bin"

# Under LOCKRUN_VALGRIND=DIR ('make check-valgrind'), every lockrun the test
# runs goes through valgrind's memcheck (same pid, same exit status), each
# report in DIR/TEST.PID.log (tests/valgrind-report.sh reads them). Only
# lockrun itself: not the forked child before its exec, not the commands.
if [ -n "${LOCKRUN_VALGRIND:-}" ]; then
	mkdir -p "$T/valgrind" "$LOCKRUN_VALGRIND"
	cat >"$T/valgrind/lockrun" <<EOF
#!/bin/sh
exec valgrind -q --tool=memcheck --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite \
    --track-fds=yes --child-silent-after-fork=yes --num-callers=20 \
    --log-file="$LOCKRUN_VALGRIND/$TEST_NAME.%p.log" "$LOCKRUN" "\$@"
EOF
	chmod +x "$T/valgrind/lockrun"
	PATH=$T/valgrind:$PATH
fi

HOLD=$T/bin/hold
cat >"$HOLD" <<'EOF'
#!/bin/sh
# hold PIDFILE RELEASE: note our pid, then wait until RELEASE exists.
echo $$ >"$1.tmp" && mv "$1.tmp" "$1"
n=0
while [ ! -e "$2" ]; do
	n=$((n + 1))
	[ "$n" -le 3000 ] || exit 99
	sleep 0.02
done
EOF

PIDEXEC=$T/bin/pidexec
cat >"$PIDEXEC" <<'EOF'
#!/bin/sh
# pidexec PIDFILE CMD [ARG...]: note our pid, then become CMD.
f=$1
shift
echo $$ >"$f.tmp" && mv "$f.tmp" "$f"
exec "$@"
EOF
chmod +x "$HOLD" "$PIDEXEC"

# A watchdog: a test still running after LOCKRUN_TEST_TIMEOUT seconds (120)
# is stopped, so that a hung lockrun cannot hang 'make check'. The shell runs
# its TERM trap only once the foreground command ends, so kill that too.
cat >"$T/bin/watchdog" <<'EOF'
#!/bin/sh
# watchdog SECS PID: after SECS, TERM PID and SIGKILL its other children.
sleep "$1"
echo "watchdog: test still running after $1 s: stopping it" >&2
kill -TERM "$2"
for f in /proc/[0-9]*/stat; do
	{ read -r l <"$f"; } 2>/dev/null || continue
	p=${l%% *}
	l=${l##*") "}
	l=${l#* }
	[ "${l%% *}" = "$2" ] && [ "$p" != $$ ] && kill -KILL "$p" 2>/dev/null
done
exit 0
EOF
chmod +x "$T/bin/watchdog"
start_bg "$T/bin/watchdog" "${LOCKRUN_TEST_TIMEOUT:-120}" $$
