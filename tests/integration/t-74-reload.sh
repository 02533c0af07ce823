#!/bin/sh
# tests/integration/t-74-reload.sh: SIGHUP to a lockrun running all the jobs
# of a file reloads it, as supervisord's update does: an unchanged job keeps
# its process and its locks, a new job starts, a removed one is stopped with
# its stopsignal, a changed one restarts, and its new instance starts only
# once the old one has stopped (never twice). A file with an error is
# reported with FILE:LINE and changes nothing. With job names on the command
# line, SIGHUP stops lockrun as before.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# A job that notes when it starts and, after a slow stop, when it ends, in
# $T/order: the changed job's new instance must come after the old's end.
SLOW=$T/bin/slow
cat >"$SLOW" <<'EOF'
#!/bin/sh
# slow NAME ORDER PIDFILE: note start, stop slowly on TERM, note the end.
trap 'sleep 0.5; echo "$1 end" >>"$2"; exit 0' TERM
echo "$1 start" >>"$2"
echo $$ >"$3.tmp" && mv "$3.tmp" "$3"
while :; do
	sleep 0.05
done
EOF
chmod +x "$SLOW"

conf() {
	write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:same]
command = exec "$HOLD" "$T/same.pid" "$T/never"

$1
EOF
}

conf "[job:change]
command = exec \"$SLOW\" old \"$T/order\" \"$T/change.old\"
stopwaitsecs = 20

[job:gone]
command = trap 'echo INT >\"$T/gone.sig\"; exit 0' INT; echo \$\$ >\"$T/gone.pid\"; while :; do sleep 0.05; done
stopsignal = INT"

start_bg_int lockrun -v --config "$CONF" 2>"$T/lockrun.err"
LR=$BG_PID
wait_for 'test -s "$T/same.pid" && test -s "$T/change.old" && test -s "$T/gone.pid"' 10
SAME=$(read_pid "$T/same.pid")
OLD=$(read_pid "$T/change.old")
GONE=$(read_pid "$T/gone.pid")
pidfile_is same "$SAME"

# --- a file with an error changes nothing --------------------------------
cp "$CONF" "$T/good.ini"
printf '[job:broken]\ncommand = true\nnumprocs = lots\n' >>"$CONF"
kill -HUP "$LR"
wait_for 'grep -q "not reloaded" "$T/lockrun.err"' 10
grep -q "$CONF:[0-9]*: numprocs" "$T/lockrun.err" ||
    fail "the error does not name FILE:LINE: $(cat "$T/lockrun.err")"
for p in "$SAME" "$OLD" "$GONE"; do
	is_running "$p" || fail "pid $p was stopped by a reload that failed"
done
is_running "$LR" || fail "lockrun exited on a bad reload"

# --- same stays, change restarts, gone stops, new starts ------------------
conf "[job:change]
command = exec \"$SLOW\" new \"$T/order\" \"$T/change.new\"
stopwaitsecs = 20

[job:new]
command = exec \"$HOLD\" \"$T/new.pid\" \"$T/never\""
kill -HUP "$LR"
wait_for 'test -s "$T/new.pid"' 10
wait_for 'test -s "$T/gone.sig"' 10
wait_for 'test -s "$T/change.new"' 10
wait_for "! is_running $GONE" 10
[ "$(cat "$T/gone.sig")" = INT ] || fail "gone was not stopped with its stopsignal"
! is_running "$OLD" || fail "the old instance of change still runs"
NEW=$(read_pid "$T/change.new")
is_running "$NEW" || fail "the new instance of change is not running"
printf 'old start\nold end\nnew start\n' >"$T/order.expected"
cmp -s "$T/order" "$T/order.expected" ||
    fail "the changed job ran twice at once: $(cat "$T/order")"
is_running "$SAME" || fail "the unchanged job was stopped"
pidfile_is same "$SAME"
pidfile_is change "$NEW"
# Its lock was never let go: nobody else can take it.
expect_rc 1 flock -n "$LOCKDIR/same.pid" true
grep -q "reloaded $CONF: 1 job unchanged, 1 new, 1 changed, 1 removed" \
    "$T/lockrun.err" || fail "no summary of the reload: $(cat "$T/lockrun.err")"
NEWJOB=$(read_pid "$T/new.pid")

# The running set and the exit code follow the new file.
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 30
wait_for "all_gone $SAME $NEW $NEWJOB" 10

# --- with job names given, SIGHUP is a hang-up: lockrun stops ----------------
cp "$T/good.ini" "$CONF"
rm -f "$T/same.pid"
start_bg lockrun -v --config "$CONF" same 2>"$T/named.err"
LR=$BG_PID
wait_for 'test -s "$T/same.pid"' 10
SAME=$(read_pid "$T/same.pid")
kill -HUP "$LR"
expect_bg_rc 129 "$LR" 20
wait_for "all_gone $SAME" 10
