# tests/integration/t-27-config-errors.sh: every kind of bad job file exits
# 78, starts nothing, and names FILE:LINE and the key; long command lines are
# read whole up to the limit and an over-long one is an error at its line.

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

# conf_with: $CONF is 6 fixed lines, with a job that would leave $T/ran if it
# ever ran, then stdin: the first line of stdin is line 7.
conf_with() {
	{
		printf '[lockrun]\n'			# 1
		printf 'lock_dir = %s\n' "$LOCKDIR"	# 2
		printf '\n'				# 3
		printf '[job:marker]\n'			# 4
		printf 'command = touch "%s/ran"\n' "$T"	# 5
		printf '\n'				# 6
		cat
	} >"$CONF"
}

# bad_conf LINE TEXT: lockrun, running or checking $CONF, exits 78 with
# "$CONF:LINE: TEXT" on stderr, and starts nothing.
bad_conf() {
	rm -f "$T/ran"
	expect_rc 78 lockrun --config "$CONF"
	stderr_has "$CONF:$1: $2"
	[ ! -e "$T/ran" ] || fail "a job ran although $CONF is bad"
	expect_rc 78 lockrun --config "$CONF" --check
	stderr_has "$CONF:$1: $2"
	[ ! -s "$T/stdout" ] || fail "--check of a bad file said: $(cat "$T/stdout")"
	expect_rc 78 lockrun --config "$CONF" marker
	stderr_has "$CONF:$1: $2"
	[ ! -e "$T/ran" ] || fail "a job ran although $CONF is bad"
}

# The fixed part alone is fine: the marker job runs.
conf_with </dev/null
expect_rc 0 lockrun --config "$CONF"
[ -e "$T/ran" ] || fail "the marker job did not run"

# --- sections ---------------------------------------------------------------
conf_with <<EOF
[jobs:typo]
command = true
EOF
bad_conf 7 "[jobs:typo]: unknown section"

conf_with <<EOF
[job:a/b]
command = true
EOF
bad_conf 7 "[job:a/b]: bad name"

conf_with <<EOF
[job:ok]
command = true

[job:marker]
command = true
EOF
bad_conf 10 "[job:marker]: duplicate section (first at line 4)"

conf_with <<EOF
[job:nocmd]
numprocs = 2
EOF
bad_conf 7 "[job:nocmd]: command: missing"

# A key before any section.
printf 'command = true\n[job:x]\ncommand = true\n' >"$CONF"
bad_conf 1 "command: "

# --- keys -------------------------------------------------------------------
conf_with <<EOF
[job:a]
command = true
timout = 1s
EOF
bad_conf 9 "timout: unknown key"

# A [lockrun] key in a job section is unknown there.
conf_with <<EOF
[job:a]
command = true
busy_exit_code = 0
EOF
bad_conf 9 "busy_exit_code: unknown key"

conf_with <<EOF
[job:a]
command = true
command = false
EOF
bad_conf 9 "command: set twice"

conf_with <<EOF
[job:a]
command =
EOF
bad_conf 8 "command: empty"

conf_with <<EOF
[job:a]
command = true
timeout = 5 fortnights
EOF
bad_conf 9 "timeout: bad duration"

conf_with <<EOF
[job:a]
command = true
stopwaitsecs = -1s
EOF
bad_conf 9 "stopwaitsecs: bad duration"

conf_with <<EOF
[job:a]
command = true
singleton = maybe
EOF
bad_conf 9 "singleton: bad boolean"

conf_with <<EOF
[job:a]
command = true
on_running = queue
EOF
bad_conf 9 "on_running: bad value"

conf_with <<EOF
[job:a]
command = true
semaphore = gpu
EOF
bad_conf 9 "semaphore: undefined semaphore"

# A signal that would not stop the job, or a number, is refused.
conf_with <<EOF
[job:a]
command = true
stopsignal = STOP
EOF
bad_conf 9 'stopsignal: bad signal "STOP" (expected TERM, HUP, INT, QUIT,'

conf_with <<EOF
[job:a]
command = true
stopsignal = 15
EOF
bad_conf 9 'stopsignal: bad signal "15"'

# A list is split before it is expanded: an expansion cannot add items.
LOCKRUN_T27_CODES=1,2
export LOCKRUN_T27_CODES
conf_with <<'EOF'
[job:a]
command = true
exitcodes = 0, %(ENV_LOCKRUN_T27_CODES)s
EOF
bad_conf 9 'exitcodes: %(ENV_LOCKRUN_T27_CODES)s gives "1,2", and an expansion'
unset LOCKRUN_T27_CODES

conf_with <<EOF
[semaphore:s]
slots = 0
EOF
bad_conf 8 "slots: "

conf_with <<EOF
[semaphore:s]
slots = 1025
EOF
bad_conf 8 "slots: "

# 1 and 1024 are the bounds, and fine.
conf_with <<EOF
[semaphore:one]
slots = 1

[semaphore:many]
slots = 1024
EOF
expect_rc 0 lockrun --config "$CONF" --check

conf_with <<EOF
[semaphore:s]
EOF
bad_conf 7 "[semaphore:s]: slots: missing"

# The line of a key whose value goes on over continuation lines.
conf_with <<EOF
[job:a]
command = echo one
  two
bogus = 1
EOF
bad_conf 10 "bogus: unknown key"

# --- long lines -------------------------------------------------------------
X5000=$(printf '%5000s' '' | tr ' ' x)
conf_with <<EOF
[job:long]
command = echo $X5000 | wc -c >"$T/long.len"
EOF
[ "$(wc -c <"$CONF")" -gt 5000 ] || fail "the long line is not long"
expect_rc 0 lockrun --config "$CONF" long
[ "$(tr -d ' ' <"$T/long.len")" = 5001 ] ||
    fail "a 5000-byte argument came out $(cat "$T/long.len") bytes long"

# An error just after a long line is reported at its own line.
conf_with <<EOF
[job:long]
command = echo $X5000 | wc -c >"$T/long.len"
bogus = 1
EOF
bad_conf 9 "bogus: unknown key"

# Too long to read: an error at that line, never a silent cut.
X70000=$(printf '%70000s' '' | tr ' ' x)
conf_with <<EOF
[job:long]
command = true

[job:huge]
command = echo $X70000
EOF
bad_conf 11 ""
grep -q "line longer than" "$T/stderr" ||
    fail "no word of the long line: $(cut -c 1-300 "$T/stderr")"

# The longest line read (65533 bytes) and one byte more.
# edge_conf N: line 8 is a command with an argument of N bytes.
edge_conf() {
	conf_with <<EOF
[job:edge]
command = printf '%s' $(printf "%${1}s" '' | tr ' ' y) | wc -c >"$T/edge.len"
EOF
}
edge_conf 0
N=$((65533 - $(sed -n 8p "$CONF" | tr -d '\n' | wc -c)))
edge_conf "$N"
LEN=$(sed -n 8p "$CONF" | tr -d '\n' | wc -c)
[ "$LEN" -eq 65533 ] || fail "test bug: the edge line is $LEN bytes"
expect_rc 0 lockrun --config "$CONF" edge
[ "$(tr -d ' ' <"$T/edge.len")" = "$N" ] ||
    fail "a $N-byte argument came out $(cat "$T/edge.len") bytes long"
edge_conf $((N + 1))
bad_conf 8 ""
