#!/bin/sh
# t-81-fleet-singleton.sh: one jobs.ini on 3 "hosts": a scope = fleet job
# started on all three at once runs on exactly one (the others skip, 75);
# a job with a fleet singleton and a host semaphore ("mixed") waits for
# both and never deadlocks; a fleet stopwaitsecs that does not fit the
# session timeout, or a fleet scope without zookeeper, is refused.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk-lib.sh disable=SC1091
. "$TESTDIR/zk-lib.sh"

zk_start 1

cat >"$T/bin/job" <<'EOS'
#!/bin/sh
# job DIR NAME: one at a time in the whole fleet (a mkdir marker), noted.
mkdir "$1/running.$2" 2>/dev/null || { echo overlap >>"$1/overlap"; exit 1; }
echo "$LOCKRUN_FENCE" >>"$1/ran.$2"
while [ ! -e "$1/release.$2" ]; do sleep 0.02; done
rmdir "$1/running.$2"
EOS
chmod +x "$T/bin/job"

write_conf <<EOF
[lockrun]
zookeeper = $ZK/t81
session_timeout = 4s

[semaphore:cpu]
slots = 1

[job:report]
command = "$T/bin/job" "$T" report
scope = fleet

[job:mixed]
command = "$T/bin/job" "$T" mixed
scope = fleet
on_running = wait
semaphore = cpu
EOF
expect_rc 0 lockrun --config "$CONF" --check

# --- three hosts at once: one runs, two skip --------------------------------
for h in a b c; do
	start_host "$h" lockrun -v --config "$CONF" report 2>"$T/err.$h"
	eval "pid_$h=\$BG_PID"
done
wait_for 'test -d "$T/running.report"' 30
# The two that skip end by themselves; the one that runs waits.
wait_for '[ "$(for p in $pid_a $pid_b $pid_c; do is_running $p && echo; done | wc -l)" -eq 1 ]' 30
runner=
p=
for h in a b c; do
	eval "p=\$pid_$h"
	if is_running "$p"; then
		runner=$p
		continue
	fi
	wait_bg "$p"
	[ "$BG_RC" -eq 75 ] || fail "host $h: exit $BG_RC: $(cat "$T/err.$h")"
	grep -q 'skipped: fleet job report' "$T/err.$h" ||
	    fail "host $h: $(cat "$T/err.$h")"
done
touch "$T/release.report"
expect_bg_rc 0 "$runner" 30
[ "$(count_lines "$T/ran.report")" -eq 1 ] ||
	fail "ran $(count_lines "$T/ran.report") times"
[ ! -e "$T/overlap" ] || fail "two at once"
note "3 hosts at once: 1 ran (fence $(cat "$T/ran.report")), 2 skipped (75)"

# --- mixed: fleet singleton + host semaphore --------------------------------
# Host a's slot of cpu is taken by an ad hoc run: mixed@a gets the fleet
# claim and waits for the slot; mixed@b waits in the fleet line. Neither
# may deadlock: once a's slot is free, a runs, then b.
start_host a lockrun --semaphore cpu --slots 1 -- \
    "$HOLD" "$T/cpu.pid" "$T/cpu.go"
cpu=$BG_PID
wait_for 'test -s "$T/cpu.pid"' 10
start_host a lockrun -v --config "$CONF" mixed 2>"$T/mixed.a"
ma=$BG_PID
wait_for 'grep -q "in line as" "$T/mixed.a"' 20
start_host b lockrun -v --config "$CONF" mixed 2>"$T/mixed.b"
mb=$BG_PID
wait_for 'grep -q "in line as" "$T/mixed.b"' 20
[ ! -e "$T/running.mixed" ] || fail "mixed ran while a's cpu slot was busy"
touch "$T/cpu.go"
expect_bg_rc 0 "$cpu" 10
wait_for 'test -d "$T/running.mixed"' 20
touch "$T/release.mixed"
expect_bg_rc 0 "$ma" 30
expect_bg_rc 0 "$mb" 30
[ "$(count_lines "$T/ran.mixed")" -eq 2 ] ||
	fail "mixed ran $(count_lines "$T/ran.mixed") times"
[ ! -e "$T/overlap" ] || fail "two at once"
note "mixed: fleet singleton + host semaphore ran on a, then b" \
    "(fences $(tr '\n' ' ' <"$T/ran.mixed"))"

# --- what cannot be kept is refused -----------------------------------------
write_conf "$T/bad.ini" <<EOF
[lockrun]
zookeeper = $ZK/t81
session_timeout = 4s

[job:x]
command = true
scope = fleet
stopwaitsecs = 10s
EOF
expect_rc 78 lockrun --config "$T/bad.ini" --check
stderr_has "bad.ini:8: stopwaitsecs: 10s does not fit session_timeout = 4s"
write_conf "$T/bad2.ini" <<EOF
[semaphore:s]
slots = 2
scope = fleet
[job:x]
command = true
semaphore = s
EOF
expect_rc 78 lockrun --config "$T/bad2.ini" --check
stderr_has "bad2.ini:1: [semaphore:s]: scope = fleet needs zookeeper"
write_conf "$T/bad3.ini" <<EOF
[lockrun]
zookeeper = $ZK/t81
[job:x]
command = true
scope = fleet
on_running = replace
EOF
expect_rc 78 lockrun --config "$T/bad3.ini" --check
stderr_has "on_running = replace cannot stop a run on another host"
