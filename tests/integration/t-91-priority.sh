#!/bin/sh
# tests/integration/t-91-priority.sh: supervisord's autostart and priority.
# A job with autostart = no runs only when named; the lower priority starts
# first and is stopped last, each group once the one before is gone.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# --- start order: the lowest priority takes the one slot first --------------
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:one]
slots = 1

[job:late]
command = echo late >>"$T/order"
semaphore = one
priority = 300

[job:early]
command = echo early >>"$T/order"
semaphore = one
priority = 100

[job:manual]
command = echo manual >>"$T/order"
autostart = no
EOF
expect_rc 0 lockrun --config "$CONF"
[ "$(head -n 1 "$T/order")" = early ] || fail "start order: $(cat "$T/order")"
! grep -q manual "$T/order" || fail "autostart = no: it ran with the file"
expect_rc 0 lockrun --config "$CONF" manual
grep -q manual "$T/order" || fail "autostart = no: it did not run when named"

# Nothing starts with the file: nothing to do, and no failure.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:manual]
command = echo manual >>"$T/none"
autostart = false
EOF
expect_rc 0 lockrun --config "$CONF"
[ ! -e "$T/none" ] || fail "autostart = false: it ran"

# --- stop order: the highest priority first, the next once it is gone -------
# Each job notes when it gets TERM; "db" takes a moment to go.
write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[job:db]
command = trap 'echo db-term >>"$T/stops"; sleep 0.5; echo db-gone >>"$T/stops"; exit 0' TERM; echo db >>"$T/up"; while :; do sleep 0.05; done
priority = 10

[job:web]
command = trap 'echo web-term >>"$T/stops"; sleep 0.5; echo web-gone >>"$T/stops"; exit 0' TERM; echo web >>"$T/up"; while :; do sleep 0.05; done
priority = 20
EOF
start_bg lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test "$(count_lines "$T/up")" -eq 2' 10
kill -TERM "$LR"
expect_bg_rc 143 "$LR" 20
[ "$(tr '\n' ' ' <"$T/stops")" = "web-term web-gone db-term db-gone " ] ||
    fail "stop order: $(tr '\n' ' ' <"$T/stops")"
