#!/bin/sh
# tests/integration/t-54-status-live.sh: after its supervisor is killed
# with SIGKILL, a job keeps running and keeps its locks (it inherited
# them); --status then names the live holder, the job's process, for the
# PID file, the semaphore slot and a named lock, and never the dead
# supervisor (which /proc/locks still names as the lock's owner). The same
# for an ad hoc --lock whose lockrun was killed.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ -r /proc/locks ] || skip "no /proc/locks here"
PY=$(command -v python3) || skip "no python3 to read the JSON"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[job:live]
command = exec "$HOLD" "$T/live.pid" "$T/release"
semaphore = s
locks = db
EOF

start_bg lockrun --config "$CONF" live 2>"$T/sup.err"
SUP=$BG_PID
wait_for 'test -s "$T/live.pid" && test -s "$LOCKDIR/live.pid"' 10
JOB=$(read_pid "$T/live.pid")
pidfile_is live "$JOB"
kill -KILL "$SUP"
wait_bg "$SUP" 10
is_running "$JOB" || fail "the job died with its supervisor"

# It still holds its locks: another run is skipped.
expect_rc 75 lockrun -v --config "$CONF" live
stderr_has "already running as pid $JOB"

# The table: the job's pid everywhere, the supervisor's nowhere.
expect_rc 0 lockrun --config "$CONF" --status
cp "$T/stdout" "$T/table"
note "status after SIGKILL of supervisor $SUP (job $JOB):
$(cat "$T/table")"
grep -Eq "^live +running +$JOB " "$T/table" ||
    fail "the job is not shown running as $JOB: $(cat "$T/table")"
grep -Eq "^s +1/2 +slot 0[01]: pid $JOB \(live\)" "$T/table" ||
    fail "the slot's holder is not the job: $(cat "$T/table")"
grep -Eq "^db +exclusive +pid $JOB " "$T/table" ||
    fail "lock db's holder is not the job: $(cat "$T/table")"
! grep -Eq "(^|[^0-9])$SUP([^0-9]|\$)" "$T/table" ||
    fail "the dead supervisor $SUP is shown: $(cat "$T/table")"

# The JSON: the same, and the holder's command.
expect_rc 0 lockrun --config "$CONF" --status --json
cp "$T/stdout" "$T/status.json"
"$PY" - "$T/status.json" "$JOB" "$SUP" <<'EOF' ||
import json, sys
doc = json.load(open(sys.argv[1]))
job, sup = int(sys.argv[2]), int(sys.argv[3])
live = {j["name"]: j for j in doc["jobs"]}["live"]
assert live["state"] == "running", live
assert live["pid"] == job, live
assert live["verified"] is True, live
sem = doc["semaphores"][0]
assert sem["name"] == "s" and sem["used"] == 1, sem
(h,) = sem["holders"]
assert h["pid"] == job and h["job"] == "live", h
assert h["verified"] is True, h
assert "hold" in h["command"], h
(db,) = doc["locks"]
assert db["name"] == "db" and db["mode"] == "exclusive", db
assert db["holder"]["pid"] == job and db["holder"]["verified"] is True, db
assert "hold" in db["holder"]["command"], db
# Only "pids" (who took the lock, from /proc/locks; documented as possibly
# gone) may name the dead supervisor.
for what in (live, h, db["holder"]):
    assert sup not in what.values(), what
EOF
    fail "JSON after the supervisor's SIGKILL: $(cat "$T/status.json")"

touch "$T/release"
wait_for "! is_running $JOB" 10
wait_for 'lockrun --config "$CONF" --status | grep -Eq "^live +idle "' 10

# The job's main process ends too, and a process it started in the
# background (which inherited the locks) holds on: it is the live holder,
# shown instead of the PID file's pid (dead) or the supervisor's (dead).
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:s]
slots = 2

[job:live]
command = "$HOLD" "$T/child.pid" "$T/release-child" & exec "$HOLD" "$T/main.pid" "$T/release-main"
semaphore = s
locks = db
EOF
start_bg lockrun --config "$CONF" live 2>"$T/sup2.err"
SUP=$BG_PID
wait_for 'test -s "$T/main.pid" && test -s "$T/child.pid" && test -s "$LOCKDIR/live.pid"' 10
MAIN=$(read_pid "$T/main.pid")
CHILD=$(read_pid "$T/child.pid")
pidfile_is live "$MAIN"
kill -KILL "$SUP"
wait_bg "$SUP" 10
touch "$T/release-main"
wait_for "! is_running $MAIN" 10
is_running "$CHILD" || fail "the job's background process is gone"
expect_rc 75 lockrun -v --config "$CONF" live
stderr_has "already running as pid $CHILD"
expect_rc 0 lockrun --config "$CONF" --status
cp "$T/stdout" "$T/table"
note "status with only the job's child $CHILD left (main $MAIN, supervisor $SUP):
$(cat "$T/table")"
grep -Eq "^live +running +$CHILD " "$T/table" ||
    fail "the job is not shown running as its live holder $CHILD: $(cat "$T/table")"
grep -Eq "^s +1/2 +slot 0[01]: pid $CHILD " "$T/table" ||
    fail "the slot's live holder $CHILD is not shown: $(cat "$T/table")"
grep -Eq "^db +exclusive +pid $CHILD " "$T/table" ||
    fail "lock db's live holder $CHILD is not shown: $(cat "$T/table")"
for gone in "$MAIN" "$SUP"; do
	! grep -Eq "(^|[^0-9])$gone([^0-9]|\$)" "$T/table" ||
	    fail "the dead process $gone is shown: $(cat "$T/table")"
done
expect_rc 0 lockrun --config "$CONF" --status --json
cp "$T/stdout" "$T/status.json"
"$PY" - "$T/status.json" "$CHILD" "$MAIN" "$SUP" <<'EOF' ||
import json, sys
doc = json.load(open(sys.argv[1]))
child, main, sup = (int(a) for a in sys.argv[2:5])
live = {j["name"]: j for j in doc["jobs"]}["live"]
assert live["state"] == "running" and live["pid"] == child, live
(h,) = doc["semaphores"][0]["holders"]
assert h["pid"] == child and h["verified"] is True, h
assert "hold" in h["command"], h
(db,) = doc["locks"]
assert db["holder"]["pid"] == child, db
for what in (live, h, db["holder"]):
    assert main not in what.values() and sup not in what.values(), what
EOF
    fail "JSON with only the job's child left: $(cat "$T/status.json")"
touch "$T/release-child"
wait_for "! is_running $CHILD" 10
wait_for 'lockrun --config "$CONF" --status | grep -Eq "^live +idle "' 10

# Ad hoc: lockrun --lock killed, its command holds the lock on.
start_bg lockrun --lock "$T/adhoc.lock" -- "$HOLD" "$T/adhoc.pid" "$T/release2"
SUP=$BG_PID
wait_for 'test -s "$T/adhoc.pid"' 10
HELD=$(read_pid "$T/adhoc.pid")
kill -KILL "$SUP"
wait_bg "$SUP" 10
is_running "$HELD" || fail "the command died with lockrun"
expect_rc 75 lockrun --no-wait --lock "$T/adhoc.lock" -- true
expect_rc 0 lockrun --lock "$T/adhoc.lock" --status
grep -Eq "^$T/adhoc.lock +exclusive +pid $HELD " "$T/stdout" ||
    fail "the live holder $HELD is not shown: $(cat "$T/stdout")"
! grep -Eq "(^|[^0-9])$SUP([^0-9]|\$)" "$T/stdout" ||
    fail "the dead lockrun $SUP is shown: $(cat "$T/stdout")"
expect_rc 0 lockrun --lock "$T/adhoc.lock" --status --json
"$PY" -c '
import json, sys
lock = json.load(open(sys.argv[1]))["locks"][0]
assert lock["holder"]["pid"] == int(sys.argv[2]), lock
assert lock["holder"]["verified"] is True, lock
' "$T/stdout" "$HELD" || fail "ad hoc JSON: $(cat "$T/stdout")"
touch "$T/release2"
wait_for "! is_running $HELD" 10
