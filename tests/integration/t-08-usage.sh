#!/bin/sh
# t-08-usage.sh: bad command lines exit 64 with a message on stderr and run
# nothing; --help and --version exit 0 and print on stdout.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/u.lock
L=$T/locks
RAN=$T/ran

# bad ARG...: lockrun ARG... must exit 64, say why on stderr, print nothing
# on stdout and run nothing.
bad() {
	expect_rc 64 lockrun "$@"
	[ -s "$T/stderr" ] || fail "no message on stderr for: $(lib_quote "$@")"
	grep -q '^lockrun: ' "$T/stderr" ||
	    fail "message does not start with 'lockrun: ': $(cat "$T/stderr")"
	[ ! -s "$T/stdout" ] ||
	    fail "usage error printed on stdout: $(cat "$T/stdout")"
	[ ! -e "$RAN" ] || fail "the command ran for: $(lib_quote "$@")"
}

bad --no-such-option --lock "$F" -- touch "$RAN"
bad -Z --lock "$F" -- touch "$RAN"
bad --lock-dir "$L" --semaphore s --slots 0 -- touch "$RAN"
bad --lock-dir "$L" --semaphore s --slots 1025 -- touch "$RAN"
bad --lock-dir "$L" --semaphore s --slots three -- touch "$RAN"
bad --lock "$F" --wait 5x -- touch "$RAN"
bad --lock "$F" --timeout abc -- touch "$RAN"
bad --lock "$F" --kill-after 1x -- touch "$RAN"
bad --lock "$F"
bad --lock "$F" --
bad --lock-dir "$L" --semaphore s -- touch "$RAN"
bad --slots 3 --lock "$F" -- touch "$RAN"
bad -- touch "$RAN"
bad --lock "$F" --no-wait --wait 3s -- touch "$RAN"
bad --lock-dir "$L" --semaphore 'a/b' --slots 2 -- touch "$RAN"
bad --lock "$F" --conflict-exit-code 256 -- touch "$RAN"
bad --lock "$F" -E abc -- touch "$RAN"
bad --lock

# The message says what is wrong.
bad --lock-dir "$L" --semaphore s --slots 0 -- touch "$RAN"
stderr_has "--slots"
bad --lock "$F" --wait 5x -- touch "$RAN"
stderr_has "5x"
bad --no-such-option --lock "$F" -- touch "$RAN"
stderr_has "no-such-option"
# An option that lacks its argument, or has one it takes none of, says so
# in plain text (it printed "unknown option '-\003'" for --slots).
for args in "--slots|--slots: missing argument" \
    "--lock|--lock: missing argument" "-l|-l: missing argument" \
    "--check=yes|--check: takes no argument"; do
	bad ${args%%|*}
	stderr_has "lockrun: ${args#*|}"
	! LC_ALL=C tr -d '\n' <"$T/stderr" | LC_ALL=C grep -q '[[:cntrl:]]' ||
	    fail "control character in: $(od -c "$T/stderr")"
done
# One file locked twice would wait for itself forever.
bad --lock "$F" --lock "$(dirname "$F")/./$(basename "$F")" -- touch "$RAN"
stderr_has "same file"

for opt in --help -h; do
	expect_rc 0 lockrun "$opt"
	grep -qi 'usage' "$T/stdout" || fail "$opt: no usage on stdout"
	grep -q -- '--lock' "$T/stdout" || fail "$opt: usage does not mention --lock"
	[ ! -s "$T/stderr" ] || fail "$opt wrote to stderr: $(cat "$T/stderr")"
done
for opt in --version -V; do
	expect_rc 0 lockrun "$opt"
	grep -q '[0-9]' "$T/stdout" || fail "$opt: no version on stdout"
done
