#!/bin/sh
# t-82-fleet-sigkill.sh: a fleet claim is not inherited as a lock file is.
# SIGKILL of the lockrun that holds a fleet mutex: its command and the
# command's own children die at once (PR_SET_PDEATHSIG, the watchdog),
# and the host that waits starts within the session timeout, never while
# the first command lives. SIGSTOP of the holding lockrun: the watchdog
# kills its command before the lease ends, and the waiter starts after.

# wait_for takes its condition in single quotes, to be evaluated later
# (so the variables it names look unused to shellcheck).
# shellcheck disable=SC2016,SC2034

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk-lib.sh disable=SC1091
. "$TESTDIR/zk-lib.sh"

zk_start 1
SESSION=3

# job NAME: note our pid and a child's, then run until killed; a second
# one at once is an overlap.
cat >"$T/bin/job" <<'EOS'
#!/bin/sh
d=$(dirname "$0")/..
mkdir "$d/running" 2>/dev/null || { echo "$1" >>"$d/overlap"; exit 1; }
sleep 300 &
echo "$! $LOCKRUN_FENCE" >"$d/$1.child"
echo $$ >"$d/$1.tmp" && mv "$d/$1.tmp" "$d/$1.pid"
trap 'rmdir "$d/running"; exit 0' TERM
while [ ! -e "$d/$1.go" ]; do sleep 0.02; done
rmdir "$d/running"
EOS
chmod +x "$T/bin/job"

# fleet HOST ARG...: lockrun on HOST, in the background, for mutex m.
fleet() {
	_h=$1
	shift
	start_host "$_h" lockrun --zookeeper "$ZK/t82" \
	    --session-timeout "${SESSION}s" --semaphore m --slots 1 "$@"
}

# --- SIGKILL ----------------------------------------------------------------
fleet a -- "$T/bin/job" a
a=$BG_PID
wait_for 'test -s "$T/a.pid"' 30
apid=$(cat "$T/a.pid")
achild=$(cut -d' ' -f1 "$T/a.child")
fleet b -v -- "$T/bin/job" b 2>"$T/b.err"
b=$BG_PID
wait_for 'grep -q "in line as" "$T/b.err"' 30
killed=$(now)
kill -KILL "$a"
wait_for '! is_running "$apid" && ! is_running "$achild"' 5
note "lockrun a killed: its command and the command's child died within" \
    "$(elapsed "$killed" "$(now)") s"
rmdir "$T/running"		# a's command could not: it was killed
[ ! -e "$T/b.pid" ] || fail "b started before a's command was gone"
wait_for 'test -s "$T/b.pid"' $((SESSION + 10))
took=$(elapsed "$killed" "$(now)")
note "host b started $took s after lockrun a was killed (session ${SESSION}s)"
assert_between "$took" 0 $((SESSION + 5)) "b's start after the kill"
[ ! -e "$T/overlap" ] || fail "two at once: $(cat "$T/overlap")"
touch "$T/b.go"
expect_bg_rc 0 "$b" 20

# --- SIGSTOP ----------------------------------------------------------------
rm -f "$T"/*.pid "$T"/*.go
fleet c -- "$T/bin/job" c
c=$BG_PID
wait_for 'test -s "$T/c.pid"' 30
cpid=$(cat "$T/c.pid")
fleet d -v -- "$T/bin/job" d 2>"$T/d.err"
d=$BG_PID
wait_for 'grep -q "in line as" "$T/d.err"' 30
stopped=$(now)
kill -STOP "$c"
# The watchdog kills c's command before c's session can expire...
wait_for '! is_running "$cpid"' "$SESSION"
died=$(elapsed "$stopped" "$(now)")
[ ! -e "$T/d.pid" ] || fail "d started while c's command lived"
rmdir "$T/running"
# ... then the server expires it, and d runs.
wait_for 'test -s "$T/d.pid"' $((SESSION + 10))
note "lockrun c stopped: its command killed after $died s, host d started" \
    "after $(elapsed "$stopped" "$(now)") s (session ${SESSION}s)"
[ ! -e "$T/overlap" ] || fail "two at once: $(cat "$T/overlap")"
kill -CONT "$c"
touch "$T/d.go"
expect_bg_rc 0 "$d" 20
wait_bg "$c" 20
note "lockrun c, continued, exited $BG_RC"
