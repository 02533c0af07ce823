#!/bin/sh
# t-44-tty.sh: on a terminal, the command may use it as it would without
# lockrun: one that changes the terminal's modes through /dev/tty (as a
# password prompt does) while its stdin is not the terminal must not be
# stopped (SIGTTOU) and hang; once lockrun ends, its caller has the
# terminal back; and with stdin the terminal, the command reads from it and
# its status passes through.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

command -v script >/dev/null || skip "no script(1) for a pseudo-terminal"
command -v timeout >/dev/null || skip "no timeout(1)"

LR=$(command -v lockrun)
F=$T/tty.lock

# in_pty INPUT CMD: run the shell command CMD on a new pseudo-terminal with
# INPUT typed in, at most 20 s; its output (with \r) in $T/stdout.
in_pty() {
	printf '%s' "$1" >"$T/input"
	_rc=0
	timeout -k 5 20 script -qec "$2" /dev/null <"$T/input" >"$T/stdout" \
	    2>"$T/stderr" || _rc=$?
	tr -d '\r' <"$T/stdout" >"$T/out"
	case $_rc in
	124 | 137)
		fail "hung on a terminal (stopped?): $2; output: $(cat "$T/out")"
		;;
	esac
	PTY_RC=$_rc
}

# --- the command takes the terminal through /dev/tty, stdin elsewhere ------
in_pty '' "$LR --lock $F -- sh -c 'stty -echo </dev/tty && stty echo </dev/tty && echo tty-ok' </dev/null; echo lockrun-rc=\$?"
grep -qx "tty-ok" "$T/out" || fail "the command did not finish: $(cat "$T/out")"
grep -qx "lockrun-rc=0" "$T/out" || fail "lockrun did not exit 0: $(cat "$T/out")"
[ "$PTY_RC" -eq 0 ] || fail "script exited $PTY_RC: $(cat "$T/out")"

# ... and after lockrun its caller uses the terminal as before: it is the
# terminal's foreground process group again.
in_pty '' "$LR --lock $F -- sh -c 'stty -echo </dev/tty && stty echo </dev/tty && echo tty-ok' </dev/null; stty -echo; stty echo; echo caller-ok"
grep -qx "tty-ok" "$T/out" || fail "the command did not finish: $(cat "$T/out")"
grep -qx "caller-ok" "$T/out" ||
    fail "the caller did not get the terminal back: $(cat "$T/out")"

# --- the normal case: stdin is the terminal --------------------------------
in_pty 'hello
' "$LR --lock $F -- sh -c 'test -t 0 && echo stdin-is-tty; read -r x; echo \"got:\$x\"; exit 3'"
grep -qx "stdin-is-tty" "$T/out" || fail "stdin is not the terminal: $(cat "$T/out")"
grep -qx "got:hello" "$T/out" || fail "the command did not read the terminal: $(cat "$T/out")"
[ "$PTY_RC" -eq 3 ] || fail "expected the command's status 3, got $PTY_RC: $(cat "$T/out")"
