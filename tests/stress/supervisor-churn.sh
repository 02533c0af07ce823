#!/bin/sh
# tests/stress/supervisor-churn.sh: one supervisor stays lean under churn.
# One lockrun --config runs 130 instances with autorestart (100 singletons
# of numprocs, and 30 behind a 4-slot semaphore, so that some always wait),
# for 180 s (times STRESS_SCALE, at least 20 s), while 'storm killer'
# SIGKILLs one of their jobs every 50 ms on average, and the jobs leave
# leftovers in their group and children that setsid() away. Every second
# the supervisor's descriptors (/proc/PID/fd), VmRSS and zombie children
# are sampled. The pass: no growth of descriptors or RSS between the first
# and the last third of the run, no child left a zombie for more than a
# second or two, no cap exceeded, and after SIGTERM lockrun exits 143 with
# nothing of its jobs' process groups left alive.
# Run by 'make stress' (not by 'make check').

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=../integration/conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")/../integration}/conf-lib.sh"
# shellcheck source=stress-lib.sh
. "$(dirname "$0")/stress-lib.sh"

SECS=$(scaled 180 20)
mkdir -p "$LOCKDIR" "$T/mark1" "$T/mark2"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:pool]
slots = 4

[job:own]
command = exec "$STORM" job -n 100 -t 2000 -s 20 -l 20 -i 10 "$T/mark1" "$T/log"
numprocs = 100
autorestart = true
startretries = 1000
stopwaitsecs = 500ms

[job:pooled]
command = exec "$STORM" job -n 4 -t 2000 -s 20 -l 20 "$T/mark2" "$T/log"
numprocs = 30
semaphore = pool
singleton = no
autorestart = true
startretries = 1000
stopwaitsecs = 500ms
EOF

start_bg_int lockrun -v --config "$CONF" 2>"$T/lockrun.log"
LR=$BG_PID
wait_for 'test -f "$T/log" && test "$(grep -c "^start " "$T/log")" -ge 24' 30
start_bg "$STORM" killer -i 50 -p 0 "$T" "$T/stop" "$T/kills"
KILLER=$BG_PID

# One sample a second: "SECOND FDS RSS_KB ZOMBIE_PIDS...".
sample() {
	_fds=$(ls "/proc/$LR/fd" 2>/dev/null | wc -l | tr -d ' ')
	_rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$LR/status")
	_z=
	for _c in $(cat /proc/"$LR"/task/*/children 2>/dev/null); do
		lib_stat "$_c" && [ "$LIB_STATE" = Z ] && _z="$_z $_c"
	done
	echo "$1 $_fds $_rss$_z" >>"$T/samples"
}
start=$(now)
s=0
while [ "$s" -lt "$SECS" ]; do
	is_running "$LR" || fail "lockrun is gone: $(tail -5 "$T/lockrun.log")"
	sample "$s"
	sleep 1
	s=$((s + 1))
done
touch "$T/stop"
wait_bg "$KILLER" 60

kill -TERM "$LR"
expect_bg_rc 143 "$LR" 60
churn_secs=$(elapsed "$start" "$(now)")
# Nothing of a job's process group may outlive lockrun: the jobs' main
# processes and leftovers are storm-job; children gone away (storm-away)
# and sentinels end by themselves.
orphans=
for f in /proc/[0-9]*/comm; do
	[ "$(cat "$f" 2>/dev/null)" = storm-job ] || continue
	p=${f#/proc/}
	p=${p%/comm}
	grep -qzxF "TEST_LOCKRUN_TAG=$T" "/proc/$p/environ" 2>/dev/null &&
	    is_running "$p" && orphans="$orphans $p"
done
[ -z "$orphans" ] || fail "job processes outlived lockrun:$orphans"

starts=$(grep -c '^start ' "$T/log" || :)
over=$(grep -c '^overlap ' "$T/log" || :)
restarts=$(grep -c 'restarting in\|trying again in' "$T/lockrun.log" || :)
kj=$(sed -n 's/^kills-job //p' "$T/kills")
# First and last thirds of the samples (the first 5 s are warm-up).
awk -v n="$SECS" '
	$1 >= 5 && $1 < 5 + (n - 5) / 3 { if ($2 > f1) f1 = $2; if ($3 > r1) r1 = $3 }
	$1 >= n - (n - 5) / 3 { if ($2 > f2) f2 = $2; if ($3 > r2) r2 = $3 }
	{ if (min == "" || $3 < min) min = $3; if ($3 > max) max = $3 }
	END { print f1, f2, r1, r2, min, max }' "$T/samples" >"$T/thirds"
read -r f1 f2 r1 r2 rmin rmax <"$T/thirds"
# A zombie child in three samples in a row was not reaped for 2 s or more.
stuck=$(awk '{ delete now; for (i = 4; i <= NF; i++) { now[$i] = 1;
	seen[$i]++ } for (p in seen) if (!(p in now)) delete seen[p] }
	END { for (p in seen) if (seen[p] >= 3) print p }' "$T/samples")
echo "supervisor-churn: $churn_secs s, 130 instances: $starts starts" \
    "($restarts restarts), $kj jobs SIGKILLed, $over cap violations"
echo "supervisor-churn: descriptors max $f1 in the first third, $f2 in the" \
    "last; VmRSS max $r1 / $r2 KiB (min $rmin, max $rmax); zombies kept:" \
    "${stuck:-none}; after SIGTERM: exit 143, no job process left"
[ "$over" -eq 0 ] || fail "$over cap violations: $(grep overlap "$T/log" | head -3)"
[ "$kj" -gt 0 ] || fail "no job was killed"
[ "$f2" -le $((f1 + 4)) ] || fail "descriptors grew: $f1 -> $f2"
[ "$r2" -le $((r1 + 512)) ] || fail "VmRSS grew: $r1 -> $r2 KiB"
[ -z "$stuck" ] || fail "zombie children not reaped: $stuck"
