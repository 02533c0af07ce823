#!/bin/sh
# tests/integration/t-34-quiet.sh: cron mails every byte a job prints, so a
# run that succeeds or is skipped prints nothing unless asked (-v,
# log_level); failures and errors always do; under systemd (stderr is the
# journal: $JOURNAL_STREAM names it) the comings and goings are logged.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# quiet WHAT: fail unless the last expect_rc printed nothing on stderr.
quiet() {
	[ ! -s "$T/stderr" ] || fail "$1 was not quiet: $(cat "$T/stderr")"
}

F=$T/x.lock

# --- ad hoc: the man page's cron line says nothing when the lock is busy ----
expect_rc 0 lockrun --lock "$F" -- true
quiet "a run that succeeded"
start_bg lockrun --lock "$F" -- "$HOLD" "$T/holder.pid" "$T/release"
HOLDER=$BG_PID
wait_for 'test -s "$T/holder.pid"' 5
expect_rc 0 lockrun --no-wait -E 0 --lock "$F" -- touch "$T/ran"
quiet "a skipped run (-n -E 0)"
expect_rc 75 lockrun -n --lock "$F" -- touch "$T/ran"
quiet "a skipped run (-n)"
expect_rc 75 lockrun -v -n --lock "$F" -- touch "$T/ran"
stderr_has "not waiting"
touch "$T/release"
expect_bg_rc 0 "$HOLDER"
[ ! -e "$T/ran" ] || fail "a busy run ran"
# An error is always said.
expect_rc 127 lockrun --lock "$F" -- "$T/no-such-command"
stderr_has "no-such-command"

# --- a job file: no "started as" and "exited with status 0" on every run ----
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:backup]
command = "$HOLD" "$T/backup.pid" "$T/backup.release"

[job:ok]
command = true

[job:bad]
command = exit 3

[job:killed]
command = kill -KILL \$\$

[job:slow]
command = sleep 30
timeout = 200ms
EOF
expect_rc 0 lockrun --config "$CONF" ok
quiet "a job that succeeded"
start_bg lockrun --config "$CONF" backup
BACKUP=$BG_PID
wait_for 'test -s "$T/backup.pid"' 5
expect_rc 75 lockrun --config "$CONF" backup
quiet "a skipped job"
expect_rc 0 lockrun -E 0 --config "$CONF" backup
quiet "a skipped job (-E 0)"
expect_rc 75 lockrun -v --config "$CONF" backup
stderr_has "job backup: skipped: job backup is already running"
touch "$T/backup.release"
expect_bg_rc 0 "$BACKUP"

# Failures are always said.
expect_rc 3 lockrun --config "$CONF" bad
stderr_has "job bad: pid"
stderr_has "exited with status 3"
expect_rc 137 lockrun --config "$CONF" killed
stderr_has "killed by signal KILL"
expect_rc 124 lockrun --config "$CONF" slow
stderr_has "job slow: pid"
stderr_has "timed out after 200ms"
# -q: errors only.
expect_rc 3 lockrun -q --config "$CONF" bad
quiet "-q"

# -v and log_level = info bring the comings and goings back.
expect_rc 0 lockrun -v --config "$CONF" ok
stderr_has "job ok: started as pid"
stderr_has "exited with status 0"
sed 's/^lock_dir = .*/&\nlog_level = info/' "$CONF" >"$T/info.ini"
expect_rc 0 lockrun --config "$T/info.ini" ok
stderr_has "job ok: started as pid"

# --- under systemd: stderr is the journal stream it names -------------------
# JOURNAL_STREAM is "DEV:INO" of stderr; inherited by a child whose stderr
# is something else, it does not count.
: >"$T/journal"
STREAM=$(stat -c '%d:%i' "$T/journal")
JOURNAL_STREAM=$STREAM lockrun --config "$CONF" ok 2>>"$T/journal"
grep -q "job ok: started as pid" "$T/journal" ||
    fail "stderr is the journal, and info lines are missing: $(cat "$T/journal")"
JOURNAL_STREAM=$STREAM expect_rc 0 lockrun --config "$CONF" ok
quiet "a run whose stderr is not the JOURNAL_STREAM"
JOURNAL_STREAM=$STREAM expect_rc 0 lockrun -E 0 -n --lock "$F" -- true
quiet "an ad hoc run whose stderr is not the JOURNAL_STREAM"
