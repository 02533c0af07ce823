#!/bin/sh
# tests/integration/t-75-metrics.sh: metrics_file is written in the
# node_exporter textfile format, replaced whole (never seen half-written),
# after state changes: per job its last start, exit status, success and
# duration, and its runs, skips, failures, restarts and wait; per semaphore
# its size and the slots in use. Every lockrun of the file adds to the same
# counters (a cron line and the supervisor), and a directory another user
# could change is refused.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

mkdir "$T/prom"
PROM=$T/prom/jobs.prom

# metric NAME JOB: the value of NAME{name="JOB"}, or nothing.
metric() {
	sed -n "s/^$1{name=\"$2\"} //p" "$PROM" 2>/dev/null
}

# has NAME JOB VALUE: the metric has that value now.
has() {
	[ "$(metric "$1" "$2")" = "$3" ]
}

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR
metrics_file = prom/jobs.prom

[semaphore:heavy]
slots = 2

[job:ok]
command = sleep 0.3

[job:bad]
command = exit 3

[job:flaky]
command = exit 1
autorestart = true
startsecs = 5s
startretries = 2

[job:holder]
command = exec "$HOLD" "$T/holder.pid" "$T/release"
semaphore = heavy

[job:waiter]
command = true
locks = door

[job:quick]
command = true
singleton = no
EOF

# The waiter waits about a second for a lock someone else holds.
mkdir -p "$LOCKDIR"
start_bg flock "$LOCKDIR/door.lock" sleep 1.5
wait_for 'test -e "$LOCKDIR/door.lock"' 5
BEFORE=$(date +%s)
start_bg lockrun -v --config "$CONF" 2>"$T/lockrun.err"
LR=$BG_PID

wait_for 'has lockrun_job_runs_total ok 1 && has lockrun_job_last_exit_status ok 0' 10
wait_for 'has lockrun_job_last_exit_status bad 3 && has lockrun_job_failures_total bad 1' 10
wait_for 'has lockrun_job_restarts_total flaky 2' 20
wait_for 'has lockrun_job_runs_total flaky 3 && has lockrun_job_failures_total flaky 3' 10
wait_for 'has lockrun_semaphore_used heavy 1' 10
has lockrun_semaphore_slots heavy 2 || fail "slots: $(cat "$PROM")"
wait_for 'has lockrun_job_runs_total waiter 1' 10

# The values themselves.
SUCC=$(metric lockrun_job_last_success_time_seconds ok)
START=$(metric lockrun_job_last_start_time_seconds ok)
DUR=$(metric lockrun_job_last_duration_seconds ok)
NOW=$(date +%s)
assert_between "$START" "$BEFORE" "$NOW" "ok's last start"
assert_between "$SUCC" "$START" "$((NOW + 1))" "ok's last success"
assert_between "$DUR" 0.25 5 "ok's last duration"
[ -z "$(metric lockrun_job_last_success_time_seconds bad)" ] ||
    fail "bad never succeeded, yet has a last success time"
WAITED=$(metric lockrun_job_wait_seconds_total waiter)
assert_between "$WAITED" 0.5 10 "the waiter's wait (s)"
has lockrun_job_skips_total ok 0 || fail "ok: skips: $(cat "$PROM")"

# The format node_exporter reads: HELP and TYPE, then samples.
grep -v '^# HELP lockrun_[a-z_]* .' "$PROM" |
    grep -v '^# TYPE lockrun_[a-z_]* \(gauge\|counter\)$' |
    grep -v '^lockrun_[a-z_]*{name="[A-Za-z0-9_.-]*"} [0-9][0-9.]*$' \
    >"$T/odd" || :
[ ! -s "$T/odd" ] || fail "lines not in the textfile format: $(cat "$T/odd")"
[ "$(stat -c %a "$PROM")" = 644 ] ||
    fail "the file is $(stat -c %a "$PROM"), not 0644 (node_exporter reads it)"

# A second lockrun of the same file (cron) adds to the same counters: a
# skip of the busy singleton, a run of ok.
expect_rc 75 lockrun --config "$CONF" holder
has lockrun_job_skips_total holder 1 ||
    fail "holder's skip: $(metric lockrun_job_skips_total holder)"
expect_rc 0 lockrun --config "$CONF" ok
has lockrun_job_runs_total ok 2 || fail "ok's runs: $(metric lockrun_job_runs_total ok)"
has lockrun_job_failures_total bad 1 || fail "a run of ok lost bad's count"

# Readers see a whole file at every moment: it is replaced, never rewritten.
i=0
while [ "$i" -lt 10 ]; do
	start_bg lockrun --config "$CONF" quick 2>/dev/null
	i=$((i + 1))
	n=$(grep -c '^lockrun_job_runs_total' "$PROM")
	[ "$n" = 6 ] || fail "a reader saw $n runs_total lines: a partial file"
	sleep 0.01
done
wait_for 'has lockrun_job_runs_total quick 11' 30

# The supervisor writes the last changes on its way out.
touch "$T/release"
expect_bg_rc 3 "$LR" 20
has lockrun_job_runs_total holder 1 || fail "holder: $(cat "$PROM")"
has lockrun_job_last_exit_status holder 0 || fail "holder's exit not written"
has lockrun_semaphore_used heavy 0 || fail "used: $(metric lockrun_semaphore_used heavy)"
# Each write renames its temporary file: none is left once all are done.
wait_for '! test -e "$PROM.tmp"' 10

# A directory another user could change is refused, with the reason.
mkdir "$T/open"
chmod 0777 "$T/open"
sed 's|^metrics_file = .*|metrics_file = open/jobs.prom|' "$CONF" >"$T/open.ini"
expect_rc 0 lockrun --config "$T/open.ini" ok
stderr_has "metrics_file $T/open/jobs.prom"
stderr_has "writable by everyone"
[ ! -e "$T/open/jobs.prom" ] || fail "metrics written into a 0777 directory"
