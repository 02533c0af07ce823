#!/bin/sh
# tests/integration/t-73-man.sh: both man pages are man(7) pages (one macro
# set, a real date and title, no BSD footer) and format without a warning
# from groff -ww or mandoc -T lint.

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

MAN=$TESTDIR/../../man
command -v groff >/dev/null || command -v mandoc >/dev/null ||
    skip "neither groff nor mandoc is installed"

for page in "$MAN/lockrun.1" "$MAN/lockrun.ini.5"; do
	name=$(basename "$page")
	grep -q '^\.TH ' "$page" || fail "$name: no .TH: not a man(7) page"
	! grep -qE '^\.(Dd|Dt|Os|Sh|Nm|Bl|It)( |$)' "$page" ||
	    fail "$name: mdoc macros in a man(7) page: $(grep -nE \
		'^\.(Dd|Dt|Os|Sh|Nm|Bl|It)( |$)' "$page" | head -n 3)"
	! grep -q 'Mdocdate' "$page" || fail "$name: an unexpanded \$Mdocdate\$"
	grep -qE '^\.TH [A-Z.]+ [15] "[0-9]{4}-[0-9]{2}-[0-9]{2}" "lockrun ' \
	    "$page" || fail "$name: .TH lacks a date and 'lockrun VERSION'"
	if command -v groff >/dev/null; then
		groff -man -ww -z -Tutf8 "$page" >"$T/groff" 2>&1 || :
		[ ! -s "$T/groff" ] ||
		    fail "$name: groff -ww: $(head -n 5 "$T/groff")"
		LC_ALL=C groff -man -Tascii -P-cbuo "$page" 2>/dev/null |
		    tail -n 1 >"$T/footer"
		! grep -q 'BSD' "$T/footer" ||
		    fail "$name: a BSD footer: $(cat "$T/footer")"
	fi
	if command -v mandoc >/dev/null; then
		# Whether the host's mandoc.db is current is not the page's
		# business.
		mandoc -T lint -W warning "$page" 2>&1 |
		    grep -v 'mandoc\.db' >"$T/lint" || :
		[ ! -s "$T/lint" ] ||
		    fail "$name: mandoc -T lint: $(head -n 5 "$T/lint")"
		# Every character of the text comes out as it was meant.
		mandoc -T ascii "$page" | col -b >"$T/text"
		! grep -nE '[A-Za-z]R\.P|\\f' "$T/text" ||
		    fail "$name: a font escape leaked into the text"
	fi
done
note "both pages are man(7) and lint-clean"
