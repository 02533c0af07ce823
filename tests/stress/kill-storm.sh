#!/bin/sh
# tests/stress/kill-storm.sh: a singleton never runs twice, whatever is
# killed. 10,000 starts (times STRESS_SCALE) of one --config job from
# STRESS_WORKERS (8) concurrent loops, each start with on_running skip,
# wait or replace in turn, 2:2:1 (three files naming one job in one lock
# dir), while 'storm killer' SIGKILLs a random lockrun or a random job
# every 200 ms (STRESS_KILL_MS) on average. The jobs ('storm job') also
# kill themselves, leave leftovers in their process group, ignore SIGTERM,
# and leave children that setsid() away and outlive them. Every run marks itself with mkdir of one
# directory, held for exactly as long as the job's locks: a mkdir that
# finds it taken is an overlap. The pass: 0 overlaps, no exit status but
# those of a run, a skip or a kill, and the singleton free at the end.
# Run by 'make stress' (not by 'make check').

# shellcheck source-path=SCRIPTDIR source=../integration/conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")/../integration}/conf-lib.sh"
# shellcheck source=stress-lib.sh
. "$(dirname "$0")/stress-lib.sh"

STARTS=$(scaled 10000 60)
WORKERS=${STRESS_WORKERS:-8}
PER=$(((STARTS + WORKERS - 1) / WORKERS))
STARTS=$((PER * WORKERS))
mkdir -p "$LOCKDIR" "$T/mark"

for mode in skip wait replace; do
	write_conf "$T/$mode.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:storm]
command = exec "$STORM" job -m $mode -t 20 -k 10 -s 10 -l 10 -i 10 "$T/mark" "$T/log"
on_running = $mode
wait_timeout = 120s
stopwaitsecs = 200ms
EOF
done

# worker W: PER starts, the mode turning with each (a replace stops the
# running job and makes the waiting ones give way: one in five); "MODE
# STATUS" lines.
worker() {
	_i=0
	while [ "$_i" -lt "$PER" ]; do
		case $(((_i + $1) % 5)) in
		0 | 1) _m=skip ;;
		2 | 3) _m=wait ;;
		4) _m=replace ;;
		esac
		_rc=0
		lockrun -q --config "$T/$_m.ini" storm </dev/null >/dev/null \
		    2>>"$T/stderr.$1" || _rc=$?
		echo "$_m $_rc" >>"$T/status.$1"
		_i=$((_i + 1))
	done
}

start=$(now)
start_bg "$STORM" killer -i "${STRESS_KILL_MS:-200}" -p 50 "$T" "$T/stop" "$T/kills"
KILLER=$BG_PID
run_workers "$WORKERS"
touch "$T/stop"
wait_bg "$KILLER" 60
storm_secs=$(elapsed "$start" "$(now)")

# What the last runs left (leftovers, children gone away, sentinels) ends
# by itself within a few seconds.
wait_for '! storm_left' 60

cat "$T"/status.* >"$T/status"
starts=$(wc -l <"$T/status" | tr -d ' ')
ran=$(grep -c '^start ' "$T/log" || :)
overlaps=$(grep -c '^overlap ' "$T/log" || :)
kl=$(sed -n 's/^kills-lockrun //p' "$T/kills")
kj=$(sed -n 's/^kills-job //p' "$T/kills")
ks=$(grep -c '^self-kill ' "$T/log" || :)
codes=$(statuses "$T/status")
echo "kill-storm: $starts starts ($WORKERS workers, skip/wait/replace) in" \
    "$storm_secs s: $ran runs, $kl lockruns and $((kj + ks)) jobs" \
    "SIGKILLed ($ks by themselves), $overlaps overlaps"
echo "kill-storm: exit statuses: $codes"
[ "$starts" -eq "$STARTS" ] || fail "$starts starts, expected $STARTS"
[ "$overlaps" -eq 0 ] || fail "$overlaps overlaps: $(grep overlap "$T/log" | head -5)"
# 0 ran, 75 skipped or replaced before it started, 137 lockrun or the job
# SIGKILLed, 143 a job replaced (TERM). Anything else is a failure.
bad=$(awk '$2 != 0 && $2 != 75 && $2 != 137 && $2 != 143' "$T/status" |
    sort | uniq -c)
[ -z "$bad" ] || fail "unexpected exit statuses: $bad; stderr: $(cat "$T"/stderr.* | sort | uniq -c | sort -rn | head -5)"
[ -z "$(ls "$T/mark")" ] ||
    fail "markers left: $(cat "$T"/mark/*/owner 2>/dev/null || ls "$T/mark")"
[ "$ran" -gt 0 ] || fail "no job ever ran"
# The singleton is free: a run that may not wait runs.
write_conf "$T/final.ini" <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:storm]
command = true
EOF
expect_rc 0 lockrun -q --no-wait --config "$T/final.ini" storm
