#!/bin/sh
# tests/stress/sem-churn.sh: a semaphore's cap is never exceeded, whatever
# is killed, and no slot leaks. 3,000 acquisitions (times STRESS_SCALE) of
# one 4-slot semaphore, from STRESS_WORKERS (8) concurrent loops: ad hoc
# (--semaphore) and --config runs in turn, beside flock(1) holding single
# slot files and portalocker's BoundedSemaphore holding any slot, while
# 'storm killer' SIGKILLs a random lockrun or job every 200 ms on average.
# Every holder marks itself with mkdir of one of 4 directories, held for
# exactly as long as its slot ('storm job'): finding all 4 taken is one
# holder too many. 'storm watch' samples /proc/locks (the slot files
# locked, and any lock on a slot file past the cap) and the markers
# meanwhile. The pass: 0 cap violations, every
# lockrun that was not killed ran its command, and all 4 slots free at
# the end. Run by 'make stress' (not by 'make check').

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=../integration/conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")/../integration}/conf-lib.sh"
# shellcheck source=stress-lib.sh
. "$(dirname "$0")/stress-lib.sh"

[ -r /proc/locks ] || skip "no /proc/locks here"
N=4
ACQS=$(scaled 3000 40)
WORKERS=${STRESS_WORKERS:-8}
PER=$(((ACQS + WORKERS - 1) / WORKERS))
ACQS=$((PER * WORKERS))
mkdir -p "$LOCKDIR" "$T/mark"
# The job of every holder; -m says which kind of holder ran it.
JOB="job -n $N -t 20 -k 10 -s 10 -l 10 $T/mark $T/log"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:pool]
slots = $N

[job:churn]
command = exec "$STORM" $JOB -m config
semaphore = pool
singleton = no
stopwaitsecs = 200ms
EOF

# worker W: PER acquisitions, ad hoc and --config in turn; "KIND STATUS".
worker() {
	_i=0
	while [ "$_i" -lt "$PER" ]; do
		_rc=0
		if [ $(((_i + $1) % 2)) -eq 0 ]; then
			_k=adhoc
			# shellcheck disable=SC2086
			lockrun -q --lock-dir "$LOCKDIR" --semaphore pool \
			    --slots "$N" -- "$STORM" $JOB -m adhoc </dev/null \
			    >/dev/null 2>>"$T/stderr.$1" || _rc=$?
		else
			_k=config
			lockrun -q --config "$CONF" churn </dev/null \
			    >/dev/null 2>>"$T/stderr.$1" || _rc=$?
		fi
		echo "$_k $_rc" >>"$T/status.$1"
		_i=$((_i + 1))
	done
}

# flock(1) on one slot file at a time; the command inherits the lock.
flocker() {
	_i=0
	while [ ! -e "$T/stop" ]; do
		_s=$(printf '%02d' $((_i % N)))
		# shellcheck disable=SC2086
		flock "$LOCKDIR/pool.$_s.lock" "$STORM" $JOB -m flock </dev/null \
		    >/dev/null 2>&1 && echo flock >>"$T/others"
		_i=$((_i + 1))
	done
}

# portalocker's BoundedSemaphore: any free slot, passed on to the command.
PY=/usr/bin/python3
cat >"$T/pl.py" <<'EOF'
import os, subprocess, sys
import portalocker
storm, lockdir, n, stop, others = sys.argv[1:6]
job = sys.argv[6:]
while not os.path.exists(stop):
    sem = portalocker.BoundedSemaphore(int(n), name="pool", directory=lockdir,
                                       timeout=600, check_interval=0.05)
    sys.stdout = open(os.devnull, "w")	# 2.2.1 prints as it tries
    lock = sem.acquire()
    subprocess.run([storm] + job + ["-m", "portalocker"],
                   pass_fds=[lock.fh.fileno()],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # Close our copy only: sem.release() would LOCK_UN the lock the
    # command's processes still hold (they share the open file).
    lock.fh.close()
    lock.fh = None
    sem.lock = None
    with open(others, "a") as f:
        f.write("portalocker\n")
EOF

start=$(now)
start_bg "$STORM" watch "$LOCKDIR" pool "$N" "$T/mark" "$T/stop" "$T/watch"
WATCH=$BG_PID
start_bg "$STORM" killer -i "${STRESS_KILL_MS:-200}" -p 50 "$T" "$T/stop" "$T/kills"
KILLER=$BG_PID
start_bg flocker
FLOCKER=$BG_PID
PL=
if "$PY" -c 'import portalocker' 2>/dev/null; then
	# shellcheck disable=SC2086
	start_bg "$PY" "$T/pl.py" "$STORM" "$LOCKDIR" "$N" "$T/stop" \
	    "$T/others" $JOB
	PL=$BG_PID
else
	note "no python3-portalocker: no portalocker holders"
fi
run_workers "$WORKERS"
touch "$T/stop"
for p in $KILLER $WATCH $FLOCKER $PL; do
	wait_bg "$p" 120
done
churn_secs=$(elapsed "$start" "$(now)")

wait_for '! storm_left' 60

cat "$T"/status.* >"$T/status"
acqs=$(wc -l <"$T/status" | tr -d ' ')
ran=$(grep -c '^start ' "$T/log" || :)
over=$(grep -c '^overlap ' "$T/log" || :)
fl=$(grep -c '^flock$' "$T/others" || :)
pl=$(grep -c '^portalocker$' "$T/others" || :)
kl=$(sed -n 's/^kills-lockrun //p' "$T/kills")
kj=$(sed -n 's/^kills-job //p' "$T/kills")
samples=$(sed -n 's/^samples //p' "$T/watch")
torn=$(sed -n 's/^torn-reads //p' "$T/watch")
maxl=$(sed -n 's/^max-locks //p' "$T/watch")
beyond=$(sed -n 's/^beyond-cap //p' "$T/watch")
maxm=$(sed -n 's/^max-markers //p' "$T/watch")
codes=$(statuses "$T/status")
echo "sem-churn: $acqs lockrun acquisitions of a $N-slot semaphore" \
    "(ad hoc and --config, $WORKERS workers) beside $fl flock(1) and $pl" \
    "portalocker holders in $churn_secs s: $ran holders ran, $kl lockruns" \
    "and $kj jobs SIGKILLed, $over cap violations"
echo "sem-churn: $samples samples of /proc/locks and the markers: at most" \
    "$maxl of $N slot files locked, $beyond locks on slot files past the" \
    "cap, at most $maxm markers ($torn samples read torn, a lock and its" \
    "successor both seen); exit statuses: $codes"
[ "$acqs" -eq "$ACQS" ] || fail "$acqs acquisitions, expected $ACQS"
[ "$over" -eq 0 ] || fail "$over cap violations: $(grep overlap "$T/log" | head -5)"
[ "$maxl" -le "$N" ] && [ "$maxm" -le "$N" ] && [ "$beyond" -eq 0 ] ||
    fail "more than $N holders seen: $maxl slots locked, $beyond past" \
    "the cap, $maxm markers"
# Without a wait limit every lockrun runs its command: 0, or 137 when the
# lockrun or its command was SIGKILLed. Never 75: no slot may be lost.
bad=$(awk '$2 != 0 && $2 != 137' "$T/status" | sort | uniq -c)
[ -z "$bad" ] || fail "unexpected exit statuses: $bad; stderr: $(cat "$T"/stderr.* | sort | uniq -c | sort -rn | head -5)"
[ -z "$(ls "$T/mark")" ] ||
    fail "markers left: $(cat "$T"/mark/*/owner 2>/dev/null || ls "$T/mark")"

# No slot leaked: all 4 can be held at once, now, without waiting.
rm -f "$T/release"
i=0
while [ "$i" -lt "$N" ]; do
	start_bg lockrun --no-wait --lock-dir "$LOCKDIR" --semaphore pool \
	    --slots "$N" -- "$HOLD" "$T/h.$i" "$T/release"
	eval "H$i=\$BG_PID"
	i=$((i + 1))
done
wait_for 'test -s "$T/h.0" && test -s "$T/h.1" && test -s "$T/h.2" &&
    test -s "$T/h.3"' 20
expect_rc 75 lockrun --no-wait --lock-dir "$LOCKDIR" --semaphore pool \
    --slots "$N" -- true
touch "$T/release"
for p in $H0 $H1 $H2 $H3; do
	expect_bg_rc 0 "$p" 20
done
