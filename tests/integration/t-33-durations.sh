#!/bin/sh
# tests/integration/t-33-durations.sh: durations as systemd writes them
# ("90s", "1h30m", "1h 30min", "2.5h", "500ms"), read by one parser for the
# options and for every duration key of a job file.

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- options: --timeout "1s 500ms" stops the command after about 1.5 s -----
START=$(now)
expect_rc 124 lockrun --timeout '1s 500ms' --lock "$T/a.lock" -- sleep 30
assert_between "$(elapsed "$START" "$(now)")" 1.4 20 "--timeout '1s 500ms' (s)"
expect_rc 0 lockrun --wait '1h 30min' --kill-after 2.5h --lock "$T/a.lock" -- true
expect_rc 0 lockrun -w 90s --lock "$T/a.lock" -- true
expect_rc 64 lockrun -w '1h 30 fortnights' --lock "$T/a.lock" -- true
stderr_has "bad duration '1h 30 fortnights'"

# --- every duration key of a job file takes the same forms ------------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:a]
command = sleep 30
wait_timeout = 1h 30min
retry_interval = 500ms
timeout = 1.5 seconds
stopwaitsecs = 1min30s
EOF
START=$(now)
expect_rc 124 lockrun --config "$CONF"
assert_between "$(elapsed "$START" "$(now)")" 1.4 20 "timeout = 1.5 seconds (s)"

write_conf <<EOF
[job:a]
command = true
timeout = 2 weeks 1 day
EOF
expect_rc 0 lockrun --config "$CONF" --check
