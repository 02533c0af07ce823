#!/bin/sh
# tests/integration/t-29-examples.sh: the shipped example and demo files run
# as they are and succeed (README's first command runs the demo).

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

for f in example demo; do
	expect_rc 0 lockrun --lock-dir "$T/locks" --config "$TESTDIR/../../conf/$f.ini" --check
	expect_rc 0 lockrun --lock-dir "$T/locks" --config "$TESTDIR/../../conf/$f.ini"
	grep -q "exited with status 0" "$T/stderr" ||
	    fail "conf/$f.ini: no job reported its exit: $(cat "$T/stderr")"
done
