# tests/integration/t-26-orphan.sh: lockrun SIGKILLed while a singleton job
# runs: the orphaned job still holds its lock, so another run of the job is
# skipped (75) while it lives; once it is gone the job runs again.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# The job notes each run; it holds on (a long sleep) unless $T/quick exists.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 1

[job:orphan]
command = echo \$\$ >>"$T/runs"; if [ ! -e "$T/quick" ]; then "$PIDEXEC" "$T/sleep.pid" sleep 100; fi
locks = l
semaphore = s

[job:other]
command = echo other >>"$T/other.runs"
locks = l
wait_timeout = 300ms
EOF

start_bg lockrun --config "$CONF" orphan 2>"$T/first.err"
LR=$BG_PID
wait_for 'test -s "$T/runs" && test -s "$T/sleep.pid" && test -s "$LOCKDIR/orphan.pid"' 5
JOB=$(read_pid "$T/runs")
SLEEP=$(read_pid "$T/sleep.pid")
pidfile_is orphan "$JOB"

kill -KILL "$LR"
wait_bg "$LR" 5
is_running "$JOB" || fail "the job (pid $JOB) died with lockrun"
is_running "$SLEEP" || fail "the job's child (pid $SLEEP) died with lockrun"

# The orphan keeps every lock the job took: PID file, named lock, slot.
expect_rc 75 lockrun -v --config "$CONF" orphan
stderr_has "already running as pid $JOB"
expect_rc 75 lockrun -v --config "$CONF" other
[ ! -e "$T/other.runs" ] || fail "a job ran under a lock the orphan holds"
expect_rc 75 lockrun --lock-dir "$LOCKDIR" --no-wait --semaphore s --slots 1 -- true
[ "$(count_lines "$T/runs")" = 1 ] || fail "the job ran twice"

# Kill the orphan's group (its own session: pgid = its pid).
kill -s KILL -- "-$JOB"
wait_for "all_gone $JOB $SLEEP" 5

touch "$T/quick"
expect_rc 0 lockrun --config "$CONF" orphan
[ "$(count_lines "$T/runs")" = 2 ] || fail "the job did not run again"
expect_rc 0 lockrun --config "$CONF" other
[ "$(count_lines "$T/other.runs")" = 1 ] || fail "the other job did not run"

# --- an orphan holds its own job's locks, and no other job's ----------------
# Two jobs of one lockrun are orphaned together; once a's processes are gone,
# a's locks are free although b, started by the same lockrun, lives on.
write_conf "$T/two.ini" <<EOF2
[lockrun]
lock_dir = $LOCKDIR

[semaphore:one]
slots = 1

[semaphore:two]
slots = 1

[job:a]
command = echo \$\$ >>"$T/a.runs"; if [ ! -e "$T/quick.a" ]; then "$PIDEXEC" "$T/a.sleep" sleep 100; fi
locks = la
semaphore = one

[job:b]
command = echo \$\$ >>"$T/b.runs"; if [ ! -e "$T/quick.b" ]; then "$PIDEXEC" "$T/b.sleep" sleep 100; fi
locks = lb
semaphore = two
EOF2
start_bg lockrun --config "$T/two.ini" 2>"$T/two.err"
LR=$BG_PID
wait_for 'test -s "$T/a.sleep" && test -s "$T/b.sleep"' 5
A=$(read_pid "$T/a.runs")
ASLEEP=$(read_pid "$T/a.sleep")
B=$(read_pid "$T/b.runs")
BSLEEP=$(read_pid "$T/b.sleep")
kill -KILL "$LR"
wait_bg "$LR" 5
expect_rc 75 lockrun -v --config "$T/two.ini" a
expect_rc 75 lockrun -v --config "$T/two.ini" b
kill -s KILL -- "-$A"
wait_for "all_gone $A $ASLEEP" 5
is_running "$B" || fail "job b died with job a"
touch "$T/quick.a" "$T/quick.b"
# a's PID file, named lock and slot are all free: it runs.
expect_rc 0 lockrun --config "$T/two.ini" a
[ "$(count_lines "$T/a.runs")" = 2 ] || fail "job a did not run again"
# b's are still held by b's orphan.
expect_rc 75 lockrun -v --config "$T/two.ini" b
kill -s KILL -- "-$B"
wait_for "all_gone $B $BSLEEP" 5
expect_rc 0 lockrun --config "$T/two.ini" b
[ "$(count_lines "$T/b.runs")" = 2 ] || fail "job b did not run again"
