# tests/integration/t-23-job-timeout.sh: a job over its timeout gets its stop
# signal on its whole process group (SIGKILL after stopwaitsecs), lockrun
# exits 124, and none of the job's processes is left.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# timeout_conf PREFIX BGPREFIX EXTRA: the job starts a background sleep and a
# foreground one, noting the pids of both and of its own shell; PREFIX runs
# first, BGPREFIX in the background subshell, EXTRA adds lines to the section.
timeout_conf() {
	write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:slow]
directory = $T
command = $1echo \$\$ >main.pid; ($2exec sleep 100) & echo \$! >bg.pid; "$PIDEXEC" fg.pid sleep 100
timeout = 1s
$3
EOF
}

# check_gone: every process the job noted is gone as soon as lockrun has
# exited: lockrun waits for the job's whole process group.
check_gone() {
	MAIN=$(read_pid "$T/main.pid")
	BGP=$(read_pid "$T/bg.pid")
	FGP=$(read_pid "$T/fg.pid")
	for p in "$MAIN" "$BGP" "$FGP"; do
		! is_running "$p" || fail "pid $p outlived lockrun: $(ps -o pid,pgid,stat,args -p "$p" | tail -1)"
	done
	rm -f "$T/main.pid" "$T/bg.pid" "$T/fg.pid"
}

# --- TERM is enough ---------------------------------------------------------
timeout_conf "" "" "stopwaitsecs = 5s"
START=$(now)
expect_rc 124 lockrun --config "$CONF"
TOOK=$(elapsed "$START" "$(now)")
stderr_has "timed out"
assert_between "$TOOK" 0.9 4.5 "a 1s timeout took (s)"
check_gone

# --- TERM is ignored by the whole group: SIGKILL after stopwaitsecs ---------
# (an ignored signal stays ignored across fork and exec, so both sleeps
# ignore it too)
timeout_conf "trap '' TERM; " "" "stopwaitsecs = 1s"
START=$(now)
expect_rc 124 lockrun --config "$CONF" slow
TOOK=$(elapsed "$START" "$(now)")
stderr_has "timed out"
assert_between "$TOOK" 1.9 6 "1s timeout + 1s stopwaitsecs took (s)"
check_gone

# --- stopsignal is what is sent ---------------------------------------------
# The job ignores TERM but not HUP, so with stopsignal = HUP it goes at once.
# (Not INT: sh starts "sleep 100 &" with INT ignored.)
timeout_conf "trap '' TERM; " "" "stopsignal = HUP
stopwaitsecs = 30s"
START=$(now)
expect_rc 124 lockrun --config "$CONF" slow
TOOK=$(elapsed "$START" "$(now)")
assert_between "$TOOK" 0.9 4.5 "a 1s timeout with stopsignal HUP took (s)"
check_gone

# --- the main process goes on TERM, a leftover in its group does not -------
# lockrun still waits for the group, and SIGKILLs it after stopwaitsecs.
timeout_conf "" "trap '' TERM; " "stopwaitsecs = 1s"
START=$(now)
expect_rc 124 lockrun --config "$CONF" slow
TOOK=$(elapsed "$START" "$(now)")
assert_between "$TOOK" 1.9 6 "1s timeout + 1s stopwaitsecs for a leftover took (s)"
check_gone

# --- a job that ends in time is not touched ---------------------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:quick]
command = exit 7
timeout = 5s
EOF
expect_rc 7 lockrun --config "$CONF"
