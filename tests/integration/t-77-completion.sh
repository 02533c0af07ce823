#!/bin/sh
# tests/integration/t-77-completion.sh: bash completion offers lockrun's
# options, and after --config FILE the names of FILE's jobs.

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

COMPLETION=$TESTDIR/../../packaging/bash-completion/lockrun
BC=/usr/share/bash-completion/bash_completion
[ -f "$COMPLETION" ] || fail "no completion file at $COMPLETION"
command -v bash >/dev/null || skip "no bash"
[ -r "$BC" ] || skip "bash-completion is not installed ($BC)"

# complete_words WORD...: what completing the last WORD offers, sorted, on a line.
cat >"$T/complete.bash" <<'EOS'
# shellcheck disable=SC1090,SC2034
. "$1"
. "$2"
shift 2
COMP_WORDS=("$@")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="$*"
COMP_POINT=${#COMP_LINE}
_lockrun lockrun "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
EOS
complete_words() {
	bash "$T/complete.bash" "$BC" "$COMPLETION" "$@" 2>"$T/complete.err"
}

write_conf <<EOF
[lockrun]
lock_dir = $LOCKDIR

[semaphore:heavy]
slots = 2

[job:backup]
command = true

  [job:report.daily]
command = true

[job:re-index]
command = true
EOF

# expect WANT WORD...: completing the last WORD offers exactly WANT.
expect() {
	_want=$1
	shift
	_got=$(complete_words "$@")
	[ "$_got" = "$_want" ] ||
	    fail "completing '$*': got '$_got', not '$_want' $(cat "$T/complete.err")"
}

expect "backup re-index report.daily " lockrun --config "$CONF" ''
expect "re-index report.daily " lockrun -v --config "$CONF" --check re
expect "backup " lockrun -c "$CONF" b
expect "--config --conflict-exit-code " lockrun --con
expect "--status " lockrun --config "$CONF" --stat
# No job names without a file.
expect " " lockrun ''
# The file itself after --config.
complete_words lockrun --config "$T/jobs" | grep -q "$T/jobs.ini" ||
    fail "the file after --config: '$(complete_words lockrun --config "$T/jobs")'"
