#!/bin/sh
# t-05-semaphore.sh: 20 runs of a 3-slot semaphore started at once all run,
# never more than 3 at a time, each in its own slot 0..2.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

L=$T/locks
N=20

# slotjob: count the runs in progress (markers made with mkdir, which is
# atomic), log the count and our slot, claim the slot's marker (mkdir fails
# if another run holds the same slot), stay a while, clean up.
cat >"$T/slotjob" <<'EOS'
#!/bin/sh
d=$(dirname "$0")
mkdir "$d/run.$$"
set -- "$d"/run.*
echo "$# ${LOCKRUN_SLOT-unset}" >>"$d/log"
if ! mkdir "$d/slot.${LOCKRUN_SLOT-unset}" 2>/dev/null; then
	echo "slot ${LOCKRUN_SLOT-unset} in use twice" >>"$d/errors"
	rmdir "$d/run.$$"
	exit 5
fi
sleep 0.3
rmdir "$d/slot.$LOCKRUN_SLOT" "$d/run.$$"
EOS
chmod +x "$T/slotjob"

pids=
i=0
while [ "$i" -lt "$N" ]; do
	start_bg lockrun --lock-dir "$L" --semaphore s --slots 3 -- "$T/slotjob"
	pids="$pids $BG_PID"
	i=$((i + 1))
done
for p in $pids; do
	wait_bg "$p" 30
	[ "$BG_RC" -eq 0 ] ||
	    fail "a run exited $BG_RC: $(cat "$T/errors" 2>/dev/null || :)"
done

[ ! -e "$T/errors" ] || fail "$(cat "$T/errors")"
runs=$(wc -l <"$T/log")
[ "$runs" -eq "$N" ] || fail "expected $N runs in the log, found $runs"
max=$(awk 'BEGIN { m = 0 } $1 > m { m = $1 } END { print m }' "$T/log")
note "most runs at once: $max"
[ "$max" -le 3 ] || fail "$max runs at once with 3 slots: $(cat "$T/log")"
# 20 runs of 0.3 s each that never overlap would mean slots are not used.
[ "$max" -ge 2 ] || fail "never two runs at once with 3 slots: $(cat "$T/log")"
bad=$(awk '$2 !~ /^[012]$/' "$T/log")
[ -z "$bad" ] || fail "LOCKRUN_SLOT outside 0..2: $bad"

# The slot files follow <dir>/<name>.NN.lock, and there are only 3 of them.
for n in 00 01 02; do
	[ -f "$L/s.$n.lock" ] || fail "no slot file $L/s.$n.lock"
done
[ ! -e "$L/s.03.lock" ] || fail "a fourth slot file $L/s.03.lock"

# All slots held: --no-wait is busy and says so.
i=0
pids=
while [ "$i" -lt 3 ]; do
	start_bg lockrun --lock-dir "$L" --semaphore s --slots 3 -- \
	    "$HOLD" "$T/holder.$i" "$T/release"
	pids="$pids $BG_PID"
	i=$((i + 1))
done
wait_for 'test -s "$T/holder.0" && test -s "$T/holder.1" && test -s "$T/holder.2"' 10
expect_rc 75 lockrun -v --lock-dir "$L" --semaphore s --slots 3 --no-wait -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "a fourth run got in with 3 slots held"
stderr_has "3/3"
touch "$T/release"
for p in $pids; do
	expect_bg_rc 0 "$p"
done
expect_rc 0 lockrun --lock-dir "$L" --semaphore s --slots 3 --no-wait -- true
