#!/bin/sh
# tests/stress/status-beside-acquire.sh: the long form of t-30's check that
# looking never disturbs: 1000 --no-wait --lock and 200 --config acquisitions
# of free locks beside a --status loop; not one may fail. Run by
# 'make stress' (not by 'make check': it takes about a minute, several under
# the sanitizers).

# shellcheck source-path=SCRIPTDIR source=../integration/conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")/../integration}/conf-lib.sh"

[ -r /proc/locks ] || skip "no /proc/locks here"
mkdir -p "$LOCKDIR"
# STRESS_SCALE (1; CI runs 0.05) shortens the run.
LOCKS=${STRESS_LOCKS:-$(awk -v s="${STRESS_SCALE:-1}" 'BEGIN { n = int(1000 * s); print n < 50 ? 50 : n }')}
RUNS=${STRESS_RUNS:-$(awk -v s="${STRESS_SCALE:-1}" 'BEGIN { n = int(200 * s); print n < 10 ? 10 : n }')}

write_conf <<EOF
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
		lockrun --config "$CONF" --status >/dev/null
	done
) &
LOOKER=$!
start=$(now)
n=0
while [ "$n" -lt "$LOCKS" ]; do
	lockrun -q --no-wait --lock "$LOCKDIR/plain.lock" -- true ||
	    fail "acquisition $n of a free lock failed while --status looked"
	n=$((n + 1))
done
n=0
while [ "$n" -lt "$RUNS" ]; do
	lockrun -q --no-wait --config "$CONF" quick ||
	    fail "run $n of a job with a free slot and lock failed beside --status"
	n=$((n + 1))
done
touch "$T/stop-looking"
wait "$LOOKER"
echo "status-beside-acquire: $LOCKS --lock and $RUNS --config acquisitions" \
    "beside a --status loop in $(elapsed "$start" "$(now)") s: 0 failed"
