#!/bin/sh
# tests/integration/t-79-cookbook.sh: the README's cookbook recipes (the sh
# blocks after a "<!-- t-79: NAME -->" line) run as they are, each in an
# empty directory, and print what the README says they print.

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

README=$TESTDIR/../../README.md
[ -f "$README" ] || fail "no README.md at $README"

# recipe NAME: the block of that name, as the README has it.
recipe() {
	awk -v name="$1" '
		$0 == "<!-- t-79: " name " -->" { found = 1; next }
		found && /^```sh$/ { inside = 1; next }
		inside && /^```$/ { exit }
		inside { print }' "$README"
}

# run NAME: run the recipe in $T/NAME; its output in $T/NAME.out.
run() {
	recipe "$1" >"$T/$1.sh"
	[ -s "$T/$1.sh" ] || fail "README has no recipe '$1'"
	mkdir "$T/$1"
	(cd "$T/$1" && sh "$T/$1.sh") >"$T/$1.out" 2>"$T/$1.err" ||
	    fail "recipe $1 failed: $(cat "$T/$1.err")"
	note "recipe $1: $(tr '\n' '|' <"$T/$1.out")"
}

# said NAME TEXT: the recipe printed the line TEXT.
said() {
	grep -qxF -- "$2" "$T/$1.out" ||
	    fail "recipe $1 printed '$(cat "$T/$1.out")', not '$2'"
}

run counter
said counter 100
# Each block's comments say what it prints.
grep -q '^cat counter		# 100$' "$T/counter.sh" || fail "the counter recipe changed"

if python3 -c 'import json' 2>/dev/null; then
	run json
	said json '{"runs": 20}'
fi

run pidguard
said pidguard "second start: 75"

run rw
said rw "writer: 75"
said rw "writer ran"

if /usr/bin/python3 -c 'import portalocker' 2>/dev/null; then
	PATH=$(dirname "$LOCKRUN"):/usr/bin:$PATH run semaphore
	said semaphore "third: 75"
else
	note "no python3-portalocker: the semaphore recipe not run"
fi
