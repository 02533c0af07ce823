#!/bin/sh
# t-11-exec-errors.sh: 127 for a command not found, 126 for one that cannot
# be executed; PATH search; arguments reach the command verbatim.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/e.lock

expect_rc 127 lockrun --lock "$F" -- lockrun-test-no-such-command
stderr_has lockrun-test-no-such-command
expect_rc 127 lockrun --lock "$F" -- "$T/missing"
stderr_has "$T/missing"

printf '#!/bin/sh\nexit 0\n' >"$T/noexec"
chmod 644 "$T/noexec"
expect_rc 126 lockrun --lock "$F" -- "$T/noexec"
stderr_has "$T/noexec"
mkdir "$T/adir"
expect_rc 126 lockrun --lock "$F" -- "$T/adir"
stderr_has "$T/adir"

# The lock is not kept by a command that never ran.
expect_rc 0 lockrun -n --lock "$F" -- true

# PATH search, with lockrun's own PATH.
mkdir "$T/path"
printf '#!/bin/sh\necho "found $*"\n' >"$T/path/lockrun-test-cmd"
chmod 755 "$T/path/lockrun-test-cmd"
expect_rc 0 env PATH="$T/path:$PATH" lockrun --lock "$F" -- lockrun-test-cmd x
[ "$(cat "$T/stdout")" = "found x" ] ||
    fail "PATH search: expected 'found x', got '$(cat "$T/stdout")'"

# Arguments verbatim: spaces, quotes, empty strings, globs.
expect_rc 0 lockrun --lock "$F" -- printf '%s|' 'a b' "c'd" '' '*' '$HOME'
[ "$(cat "$T/stdout")" = "a b|c'd||*|\$HOME|" ] ||
    fail "arguments changed on the way: got '$(cat "$T/stdout")'"

# The command's options are its own, after -- and without it.
expect_rc 0 lockrun --lock "$F" -- echo -n x
[ "$(od -An -c "$T/stdout" | tr -d ' ')" = x ] ||
    fail "echo -n x printed '$(od -An -c "$T/stdout")'"
expect_rc 0 lockrun --lock "$F" echo -n x
[ "$(od -An -c "$T/stdout" | tr -d ' ')" = x ] ||
    fail "without --, echo -n x printed '$(od -An -c "$T/stdout")'"
expect_rc 5 lockrun --lock "$F" sh -c 'exit 5' -s --wait

# A script without #! runs under /bin/sh, as execvp(3) and shells do.
printf 'echo "no #!: $1"\n' >"$T/noshebang"
chmod +x "$T/noshebang"
expect_rc 0 lockrun --lock "$F" -- "$T/noshebang" arg
[ "$(cat "$T/stdout")" = "no #!: arg" ] ||
    fail "a script without #! printed '$(cat "$T/stdout")'"
