#!/bin/sh
# tests/integration/t-95-status-all.sh: "lockrun --status" with no --config,
# --lock or --semaphore lists everything in the lock dir: every semaphore
# (used/size, holders), every named lock, every job PID file with its live
# holder, and the lockruns that wait (which command, since when, for
# what); --lock-dir and --json apply.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

export LOCKRUN_LOCK_DIR="$LOCKDIR"

# Nothing has run yet: no lock dir, nothing to show, no error.
expect_rc 0 lockrun --status
grep -q "no lock dir" "$T/stdout" || fail "no lock dir: $(cat "$T/stdout")"

# A 2-slot semaphore, full, and a third lockrun waiting for it.
start_bg lockrun --semaphore gpu --slots 2 -- "$HOLD" "$T/g1.pid" "$T/release"
start_bg lockrun --semaphore gpu --slots 2 -- "$HOLD" "$T/g2.pid" "$T/release"
wait_for 'test -s "$T/g1.pid" && test -s "$T/g2.pid"' 10
start_bg lockrun --semaphore gpu --slots 2 -- touch "$T/g3.ran"
G3=$BG_PID
# A job of a file, running, holding a named lock shared; one with
# on_running = wait, waiting for it; and a named lock nobody holds.
write_conf <<EOF
[job:backup]
command = exec "$HOLD" "$T/backup.pid" "$T/release"
locks = db:shared

[job:later]
command = true
locks = spare
EOF
start_bg lockrun --config "$CONF" backup
wait_for 'test -s "$T/backup.pid"' 10
BACKUP=$(cat "$T/backup.pid")
expect_rc 0 lockrun --config "$CONF" later
sed 's/^\[job:backup\]$/&\non_running = wait/' "$CONF" >"$T/wait.ini"
start_bg lockrun --config "$T/wait.ini" backup
WAITER=$BG_PID
# Both waiters have their files open by now.
wait_for 'lockrun --status | grep -q "^$G3 .*semaphore gpu"' 10
wait_for 'lockrun --status | grep -q "^$WAITER .*job backup"' 10

expect_rc 0 lockrun --status
OUT=$T/stdout
grep -Eq "^backup +running +$BACKUP " "$OUT" || fail "job backup: $(cat "$OUT")"
grep -Eq "^gpu +2/2 +slot 00: pid [0-9]+.*slot 01: pid [0-9]+" "$OUT" ||
    fail "semaphore gpu: $(cat "$OUT")"
grep -Eq "^db +shared +pid $BACKUP " "$OUT" || fail "lock db: $(cat "$OUT")"
grep -Eq "^spare +free +-" "$OUT" || fail "lock spare: $(cat "$OUT")"
grep -Eq "^$G3 +[^ ]+ +[0-9-]+ [0-9:]+ +semaphore gpu: \"lockrun --semaphore gpu" "$OUT" ||
    fail "the waiter for gpu: $(cat "$OUT")"
grep -Eq "^$WAITER .*job backup: \"lockrun --config" "$OUT" ||
    fail "the waiter for backup: $(cat "$OUT")"

# The same as JSON.
expect_rc 0 lockrun --status --json
if command -v python3 >/dev/null; then
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sems = {s["name"]: s for s in d["semaphores"]}
assert sems["gpu"]["used"] == 2 and sems["gpu"]["slots"] == 2, sems
assert sems["gpu"]["slots_known"] is True, sems
jobs = {j["name"]: j for j in d["jobs"]}
assert jobs["backup"]["state"] == "running", jobs
assert jobs["backup"]["pid"] == int(sys.argv[2]), jobs
locks = {l["name"]: l for l in d["locks"]}
assert locks["db"]["mode"] == "shared" and locks["spare"]["mode"] == "free", locks
waits = {w["pid"]: w for w in d["waiting"]}
assert waits[int(sys.argv[3])]["for"] == "semaphore gpu", waits
assert waits[int(sys.argv[4])]["for"] == "job backup", waits
assert waits[int(sys.argv[3])]["since"] is not None, waits
' "$T/stdout" "$BACKUP" "$G3" "$WAITER" || fail "--json: $(cat "$T/stdout")"
fi

# --lock-dir applies; portalocker's slots without a size file: a guess.
mkdir "$T/other"
start_bg flock "$T/other/pl.00.lock" "$HOLD" "$T/pl.pid" "$T/release"
wait_for 'test -s "$T/pl.pid"' 10
: >"$T/other/pl.01.lock"
expect_rc 0 lockrun --lock-dir "$T/other" --status
grep -Eq "^pl +1/2\\? +slot 00: pid " "$T/stdout" || fail "--lock-dir: $(cat "$T/stdout")"
! grep -q gpu "$T/stdout" || fail "--lock-dir shows the other dir: $(cat "$T/stdout")"

touch "$T/release"
expect_bg_rc 0 "$G3" 10
expect_bg_rc 0 "$WAITER" 10
