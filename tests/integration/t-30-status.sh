#!/bin/sh
# tests/integration/t-30-status.sh: --status shows who runs and who holds
# which slot, as a table and as JSON; a PID file nobody holds is idle; and
# looking never makes a real acquisition fail.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ -r /proc/locks ] || skip "no /proc/locks here"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:heavy]
slots = 3

[job:backup]
command = echo \$\$ >"$T/backup.self"; "$HOLD" "$T/backup.hold" "$T/release"

[job:encode]
command = exec "$HOLD" "$T/encode.\$LOCKRUN_INSTANCE" "$T/release"
singleton = no
numprocs = 2
semaphore = heavy

[job:reader]
command = "$HOLD" "$T/reader.hold" "$T/release"
locks = db:shared

[job:idle]
command = true
EOF

start_bg lockrun --config "$CONF" backup encode reader
wait_for 'test -s "$T/backup.self" && test -s "$T/encode.0" && test -s "$T/encode.1" && test -s "$T/reader.hold"' 10
BACKUP=$(read_pid "$T/backup.self")
E0=$(read_pid "$T/encode.0")
E1=$(read_pid "$T/encode.1")
wait_for 'test -s "$LOCKDIR/backup.pid"' 5

# A stale PID file: it names a live process, but nobody holds its lock.
echo $$ >"$LOCKDIR/idle.pid"

expect_rc 0 lockrun --config "$CONF" --status
cp "$T/stdout" "$T/table"
grep -Eq "^backup +running +$BACKUP " "$T/table" ||
    fail "backup is not shown running as $BACKUP: $(cat "$T/table")"
grep -Eq "^idle +idle +- " "$T/table" ||
    fail "the stale PID file is not shown idle: $(cat "$T/table")"
grep -Eq "^heavy +2/3 " "$T/table" ||
    fail "semaphore heavy is not 2/3: $(cat "$T/table")"
for e in "$E0" "$E1"; do
	grep -q "pid $e (encode)" "$T/table" ||
	    fail "slot holder $e is not named: $(cat "$T/table")"
done
grep -Eq "^db +shared " "$T/table" ||
    fail "lock db is not shown shared: $(cat "$T/table")"
note "status table:
$(cat "$T/table")"

# The same as JSON, with a stable schema.
expect_rc 0 lockrun --config "$CONF" --status --json
cp "$T/stdout" "$T/status.json"
PY=$(command -v python3) || skip "no python3 to read the JSON"
"$PY" -m json.tool "$T/status.json" >/dev/null || fail "not JSON: $(cat "$T/status.json")"
"$PY" - "$T/status.json" "$BACKUP" "$E0" "$E1" <<'EOF' || fail "JSON values are wrong: $(cat "$T/status.json")"
import json, sys
doc = json.load(open(sys.argv[1]))
backup, e0, e1 = (int(a) for a in sys.argv[2:5])
assert doc["version"] == 1 and doc["proc_locks"] is True
jobs = {j["name"]: j for j in doc["jobs"]}
assert jobs["backup"]["state"] == "running" and jobs["backup"]["pid"] == backup
assert jobs["backup"]["since"] is not None
assert jobs["idle"]["state"] == "idle" and jobs["idle"]["pid"] is None
sem = doc["semaphores"][0]
assert sem["name"] == "heavy" and sem["slots"] == 3 and sem["used"] == 2
assert sorted(h["pid"] for h in sem["holders"]) == sorted([e0, e1])
assert all(h["job"] == "encode" for h in sem["holders"])
locks = {l["name"]: l for l in doc["locks"]}
assert locks["db"]["mode"] == "shared" and len(locks["db"]["pids"]) == 1
EOF

touch "$T/release"
wait_for 'lockrun --config "$CONF" --status | grep -Eq "^backup +idle "' 10

# What waits: a singleton queued for a full semaphore is shown waiting, with
# what it waits for.
write_conf "$T/wait.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR
[semaphore:one]
slots = 1
[job:first]
command = exec "$HOLD" "$T/first.pid" "$T/release2"
semaphore = one
[job:second]
command = true
semaphore = one
EOF
start_bg lockrun --config "$T/wait.ini" first
wait_for 'test -s "$T/first.pid"' 5
start_bg lockrun --config "$T/wait.ini" second
SECOND=$BG_PID
wait_for 'lockrun --config "$T/wait.ini" --status | grep -Eq "^second +waiting "' 10
expect_rc 0 lockrun --config "$T/wait.ini" --status
grep -q "waiting for semaphore one (1/1)" "$T/stdout" ||
    fail "the waiting job does not say what it waits for: $(cat "$T/stdout")"
expect_rc 0 lockrun --config "$T/wait.ini" --status --json
"$PY" -c '
import json, sys
jobs = {j["name"]: j for j in json.load(open(sys.argv[1]))["jobs"]}
assert jobs["second"]["state"] == "waiting", jobs["second"]
assert jobs["second"]["waiting_for"] == "semaphore one (1/1)", jobs["second"]
assert jobs["first"]["waiting_for"] is None
' "$T/stdout" || fail "JSON of the waiting job: $(cat "$T/stdout")"
touch "$T/release2"
expect_bg_rc 0 "$SECOND" 10

# Looking never disturbs: a loop of --status beside --no-wait acquisitions
# of free locks; not one acquisition may fail. This is the short form; the
# long one (1000 + 200 acquisitions) is tests/stress/status-beside-acquire.sh.
write_conf "$T/free.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR
[semaphore:one]
slots = 1
[job:quick]
command = true
semaphore = one
locks = db
EOF
(
	while [ ! -e "$T/stop-looking" ]; do
		lockrun --config "$T/free.ini" --status >/dev/null
	done
) &
LOOKER=$!
n=0
while [ "$n" -lt 100 ]; do
	lockrun -q --no-wait --lock "$LOCKDIR/plain.lock" -- true ||
	    fail "acquisition $n of a free lock failed while --status looked"
	n=$((n + 1))
done
n=0
while [ "$n" -lt 30 ]; do
	lockrun -q --no-wait --config "$T/free.ini" quick ||
	    fail "run $n of a job with a free slot and lock failed beside --status"
	n=$((n + 1))
done
touch "$T/stop-looking"
wait "$LOOKER"
note "100 --lock and 30 --config acquisitions beside a --status loop: none failed"

# Ad hoc: who holds a lock that flock(1) took, and a semaphore's slots, without
# a job file; free ones are shown too. Nothing runs.
if command -v flock >/dev/null; then
	start_bg flock "$T/adhoc.lock" "$HOLD" "$T/fl.pid" "$T/release3"
	FL=$BG_PID
	wait_for 'test -s "$T/fl.pid"' 5
	expect_rc 0 lockrun --lock "$T/adhoc.lock" --lock "$T/free.lock" --status
	# flock took it; the command it runs holds it now, and is named.
	HELD=$(read_pid "$T/fl.pid")
	grep -Eq "^$T/adhoc.lock +exclusive +pid $HELD \($(id -un): \"/bin/sh .*hold" \
	    "$T/stdout" || fail "flock's command is not shown: $(cat "$T/stdout")"
	grep -Eq "^$T/free.lock +free +-\$" "$T/stdout" ||
	    fail "a free lock is not shown free: $(cat "$T/stdout")"
	expect_rc 0 lockrun --lock "$T/adhoc.lock" --status --json
	"$PY" -c '
import json, os, sys
lock = json.load(open(sys.argv[1]))["locks"][0]
assert lock["mode"] == "exclusive" and lock["pids"] == [int(sys.argv[2])], lock
assert lock["holder"]["pid"] == int(sys.argv[3]), lock
assert lock["holder"]["verified"] is True, lock
assert lock["holder"]["uid"] == os.getuid(), lock
' "$T/stdout" "$FL" "$HELD" || fail "JSON of an ad hoc lock: $(cat "$T/stdout")"
	expect_rc 64 lockrun --lock "$T/adhoc.lock" --status -- true
	touch "$T/release3"
	expect_bg_rc 0 "$FL"
fi
