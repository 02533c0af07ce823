# tests/integration/t-20-singleton.sh: a singleton job runs once at a time;
# on_running decides what a second run does (skip, fail, wait, replace),
# busy_exit_code changes the status of a skipped run, and the PID file holds
# the running job's pid.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- skip (the default): 75 and "already running as pid N" -----------------
# In a value, ";" after a space or tab starts a comment: "a ; b" is "a", so
# commands here are written "a; b", with no space before the ";".
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:sleeper]
command = echo \$\$ >"$T/sleeper.self"; echo run >>"$T/sleeper.runs"; "$HOLD" "$T/sleeper.hold" "$T/sleeper.release"
EOF
start_bg lockrun --config "$CONF" sleeper 2>"$T/first.err"
FIRST=$BG_PID
wait_for 'test -s "$T/sleeper.self" && test -s "$LOCKDIR/sleeper.pid"' 5
JOBPID=$(read_pid "$T/sleeper.self")
pidfile_is sleeper "$JOBPID"

expect_rc 75 lockrun -v --config "$CONF" sleeper
stderr_has "already running as pid $JOBPID"
# Without a job name too: the only job is skipped, so its 75 is the status.
expect_rc 75 lockrun -v --config "$CONF"
stderr_has "already running as pid $JOBPID"

# busy_exit_code = 0 in [lockrun]: cron wants a skipped run to look fine.
write_conf "$T/busy0.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR
busy_exit_code = 0

[job:sleeper]
command = echo run >>"$T/sleeper.runs"
EOF
expect_rc 0 lockrun -v --config "$T/busy0.ini" sleeper
stderr_has "already running as pid $JOBPID"

# on_running = fail: 75 as well, and said as a failure.
write_conf "$T/fail.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:sleeper]
command = echo run >>"$T/sleeper.runs"
on_running = fail
EOF
expect_rc 75 lockrun --config "$T/fail.ini" sleeper
stderr_has "already running as pid $JOBPID"

[ "$(count_lines "$T/sleeper.runs")" = 1 ] ||
    fail "a busy singleton was started again: $(count_lines "$T/sleeper.runs") runs"
is_running "$JOBPID" || fail "the first instance (pid $JOBPID) died"
touch "$T/sleeper.release"
expect_bg_rc 0 "$FIRST"
# The PID file stays (lock files are never removed) but names no one.
[ -f "$LOCKDIR/sleeper.pid" ] || fail "the PID file was removed"
[ ! -s "$LOCKDIR/sleeper.pid" ] ||
    fail "PID file still says $(cat "$LOCKDIR/sleeper.pid") after the job ended"
# Free again: it runs.
expect_rc 0 lockrun --config "$T/busy0.ini" sleeper
[ "$(count_lines "$T/sleeper.runs")" = 2 ] || fail "the free job did not run"

# --- wait: the second run starts once the first has ended -------------------
write_conf "$T/wait.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:waiter]
command = echo "start \$TAG" >>"$T/wait.order"; "$HOLD" "$T/wait.\$TAG" "$T/wait.release.\$TAG"; echo "end \$TAG" >>"$T/wait.order"
on_running = wait
EOF
TAG=a start_bg lockrun --config "$T/wait.ini" waiter 2>"$T/wait-a.err"
A=$BG_PID
wait_for 'test -s "$T/wait.a"' 5
TAG=b start_bg lockrun -v --config "$T/wait.ini" waiter 2>"$T/wait-b.err"
B=$BG_PID
wait_for 'grep -q "job waiter: waiting" "$T/wait-b.err"' 5
[ ! -e "$T/wait.b" ] || fail "on_running = wait started a second instance at once"
# With wait_timeout, a waiter gives up: busy, 75.
write_conf "$T/wait-to.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:waiter]
command = echo "start c" >>"$T/wait.order"
on_running = wait
wait_timeout = 300ms
EOF
expect_rc 75 lockrun --config "$T/wait-to.ini" waiter
stderr_has "gave up"
touch "$T/wait.release.a"
expect_bg_rc 0 "$A"
wait_for 'test -s "$T/wait.b"' 5
touch "$T/wait.release.b"
expect_bg_rc 0 "$B"
printf 'start a\nend a\nstart b\nend b\n' >"$T/wait.expected"
cmp -s "$T/wait.order" "$T/wait.expected" ||
    fail "on_running = wait: runs overlapped: $(tr '\n' ' ' <"$T/wait.order")"

# --- replace: the running instance is stopped, the new one runs -------------
write_conf "$T/replace1.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:rep]
command = echo \$\$ >"$T/rep.self"; "$PIDEXEC" "$T/rep.child" sleep 60
EOF
write_conf "$T/replace2.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:rep]
command = for p in \$(cat "$T/rep.self" "$T/rep.child"); do if kill -0 \$p 2>/dev/null; then echo "alive \$p"; fi; done >"$T/rep.second"
on_running = replace
stopwaitsecs = 5s
EOF
start_bg lockrun --config "$T/replace1.ini" rep 2>"$T/rep1.err"
R1=$BG_PID
wait_for 'test -s "$T/rep.self" && test -s "$T/rep.child" && test -s "$LOCKDIR/rep.pid"' 5
REP=$(read_pid "$T/rep.self")
REPCHILD=$(read_pid "$T/rep.child")
pidfile_is rep "$REP"
expect_rc 0 lockrun -v --config "$T/replace2.ini" rep
stderr_has "replacing pid $REP"
all_gone "$REP" "$REPCHILD" || fail "replace: the old instance still runs"
[ -f "$T/rep.second" ] || fail "replace: the new instance did not run"
[ ! -s "$T/rep.second" ] ||
    fail "replace: the new instance ran beside the old: $(cat "$T/rep.second")"
# The first lockrun reports its job killed by SIGTERM: 128 + 15.
expect_bg_rc 143 "$R1"

# --- replace, escalated: a job that ignores TERM gets KILL after stopwaitsecs
write_conf "$T/stubborn1.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:stub]
command = trap '' TERM; echo \$\$ >"$T/stub.self"; "$PIDEXEC" "$T/stub.child" sleep 60
EOF
write_conf "$T/stubborn2.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:stub]
command = echo replaced >"$T/stub.second"
on_running = replace
stopwaitsecs = 500ms
EOF
start_bg lockrun --config "$T/stubborn1.ini" stub 2>"$T/stub1.err"
S1=$BG_PID
wait_for 'test -s "$T/stub.self" && test -s "$T/stub.child" && test -s "$LOCKDIR/stub.pid"' 5
STUB=$(read_pid "$T/stub.self")
STUBCHILD=$(read_pid "$T/stub.child")
START=$(now)
expect_rc 0 lockrun -v --config "$T/stubborn2.ini" stub
TOOK=$(elapsed "$START" "$(now)")
stderr_has "sending KILL"
all_gone "$STUB" "$STUBCHILD" || fail "replace: the TERM-proof instance still runs"
[ -s "$T/stub.second" ] || fail "replace: the new instance did not run"
assert_between "$TOOK" 0.4 8 "replace with a 500ms stopwaitsecs took (s)"
expect_bg_rc 137 "$S1"

# --- replace beats autorestart: the old lockrun must not start its job again,
# neither at once nor after a backoff.
write_conf "$T/ar1.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:svc]
command = echo run >>"$T/svc.runs"; exec "$HOLD" "$T/svc.hold" "$T/never"
autorestart = true
startretries = 50
EOF
write_conf "$T/ar2.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:svc]
command = echo new >"$T/svc.new"
on_running = replace
stopwaitsecs = 2s
wait_timeout = 20s
EOF
start_bg lockrun -v --config "$T/ar1.ini" svc 2>"$T/ar1.err"
A1=$BG_PID
wait_for 'test -s "$T/svc.hold" && test -s "$LOCKDIR/svc.pid"' 5
expect_rc 0 lockrun --config "$T/ar2.ini" svc
[ -s "$T/svc.new" ] || fail "replace: the new run did not run"
expect_bg_rc 143 "$A1"
[ "$(count_lines "$T/svc.runs")" -eq 1 ] ||
    fail "the replaced job was restarted: $(count_lines "$T/svc.runs") runs"
grep -q "replaced by another run" "$T/ar1.err" ||
    fail "the old lockrun did not say why it stopped: $(cat "$T/ar1.err")"

# The same while the old job waits out a restart backoff (no PID to signal).
rm -f "$T/svc.runs" "$T/svc.new"
write_conf "$T/ar3.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:svc]
command = echo run >>"$T/svc.runs"; exit 1
autorestart = unexpected
startretries = 50
EOF
start_bg lockrun --config "$T/ar3.ini" svc 2>"$T/ar3.err"
A3=$BG_PID
wait_for 'test "$(count_lines "$T/svc.runs")" -ge 2' 10
expect_rc 0 lockrun --config "$T/ar2.ini" svc
[ -s "$T/svc.new" ] || fail "replace during backoff: the new run did not run"
expect_bg_rc 1 "$A3"

# --- replace never signals a PID that does not hold the PID file: anyone who
# can write the file could name any process there.
sleep 60 &
INNOCENT=$!
echo "$INNOCENT" >"$LOCKDIR/forged.pid"
start_bg flock "$LOCKDIR/forged.pid" "$HOLD" "$T/forged.hold" "$T/forged.release"
FL=$BG_PID
wait_for 'test -s "$T/forged.hold"' 5
write_conf "$T/forged.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:forged]
command = true
on_running = replace
stopwaitsecs = 200ms
wait_timeout = 2s
EOF
expect_rc 75 lockrun --config "$T/forged.ini" forged
stderr_has "which is not a job holding it: not signalling it"
is_running "$INNOCENT" || fail "replace signalled a pid that did not hold the file"
touch "$T/forged.release"
expect_bg_rc 0 "$FL"
kill "$INNOCENT"
