#!/bin/sh
# t-84-fleet-leader.sh: a 3-server ensemble on loopback. The leader is
# killed while host a holds a fleet mutex and host b waits for it: the
# sessions move to the servers left, a's command keeps running (its lease
# is renewed in time), and b still gets its turn when a is done.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"
# shellcheck source-path=SCRIPTDIR source=zk-lib.sh disable=SC1091
. "$TESTDIR/zk-lib.sh"

zk_start 3
SESSION=8

# fleet HOST ARG...: lockrun on HOST, in the background, for mutex m; a
# short stop leaves the lease most of the session to ride out an election.
fleet() {
	_h=$1
	shift
	start_host "$_h" lockrun -v --zookeeper "$ZK/t84" \
	    --session-timeout "${SESSION}s" --kill-after 1s \
	    --semaphore m --slots 1 "$@"
}

fleet a -- "$HOLD" "$T/a.pid" "$T/a.go" 2>"$T/a.err"
a=$BG_PID
wait_for 'test -s "$T/a.pid"' 30
apid=$(cat "$T/a.pid")
fleet b -- "$PIDEXEC" "$T/b.pid" true 2>"$T/b.err"
b=$BG_PID
wait_for 'grep -q "in line as" "$T/b.err"' 30

leader=$(zk_leader) || fail "no leader among the 3 servers"
killed=$(now)
zk_kill "$leader"
note "killed the leader, server $leader"
# A new leader is elected among the two left.
wait_for 'zk_leader >/dev/null' 30
note "new leader: server $(zk_leader), $(elapsed "$killed" "$(now)") s later"
# Longer than a session: a lost session would have stopped a's command by
# now. (Nothing to poll for: what is checked is that nothing happened.)
sleep $((SESSION + 2))
is_running "$apid" || fail "a's command died: $(cat "$T/a.err")"
! grep -q 'claim' "$T/a.err" || fail "a lost its claim: $(cat "$T/a.err")"
[ ! -e "$T/b.pid" ] || fail "b ran while a held the mutex"
note "a's command still runs $(elapsed "$killed" "$(now)") s after the kill"

touch "$T/a.go"
expect_bg_rc 0 "$a" 30
wait_for 'test -s "$T/b.pid"' 30
expect_bg_rc 0 "$b" 30
note "b got its turn after a"
