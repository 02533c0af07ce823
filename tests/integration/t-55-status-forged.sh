#!/bin/sh
# tests/integration/t-55-status-forged.sh: --status believes the kernel,
# not what another user wrote into a shared lock dir. User nobody holds two
# slots of a semaphore in a 1777 dir and writes into the slot files a pid
# that holds nothing (one with terminal escapes after it) and "pid 1".
# Root's --status shows the real holders (the flock(1) processes), never
# the forged pids, prints no raw control bytes, and its JSON calls
# "verified" only what the kernel confirms. A job command that is not
# valid UTF-8 still gives valid JSON, and an escaped table.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (acts as user nobody)"
command -v setpriv >/dev/null || skip "no setpriv to act as user nobody"
command -v flock >/dev/null || skip "no flock(1)"
[ -r /proc/locks ] || skip "no /proc/locks here"
PY=$(command -v python3) || skip "no python3 to read the JSON"


umask 022
chmod 0755 "$T"
SHARED=$T/shared
install -d -m 1777 "$SHARED"
NB=$T/nb
mkdir "$NB"
chown 65534:65534 "$NB"
as_nobody test -x "$HOLD" || skip "user nobody cannot run $HOLD"

# A process of nobody's that holds no lock: the pid nobody will forge.
start_bg setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$HOLD" "$NB/victim.pid" "$NB/release"
wait_for 'test -s "$NB/victim.pid"' 10
VICTIM=$(read_pid "$NB/victim.pid")

# nobody's slot files: a forged pid with escapes after it, and pid 1.
as_nobody sh -c 'printf "%s\n\033]0;PWNED\007\033[2J\033[31mevil\n" "$1" >"$2"' \
    sh "$VICTIM" "$SHARED/s.00.lock"
as_nobody sh -c 'printf "1\nb\n" >"$1"' sh "$SHARED/s.01.lock"
# ... and nobody holds both slots with flock(1).
start_bg setpriv --reuid=65534 --regid=65534 --clear-groups \
    flock "$SHARED/s.00.lock" "$HOLD" "$NB/h0.pid" "$NB/release"
F0=$BG_PID
start_bg setpriv --reuid=65534 --regid=65534 --clear-groups \
    flock "$SHARED/s.01.lock" "$HOLD" "$NB/h1.pid" "$NB/release"
F1=$BG_PID
wait_for 'test -s "$NB/h0.pid" && test -s "$NB/h1.pid"' 10
H0=$(read_pid "$NB/h0.pid")
H1=$(read_pid "$NB/h1.pid")
note "forged pid $VICTIM; slot 00 held by flock $F0 / $H0, slot 01 by $F1 / $H1"

# The job file: root's. One job's command is not valid UTF-8 (a lone
# \xff, a truncated sequence, an overlong '/', a surrogate) and holds an
# escape sequence; valid UTF-8 (é) stays as it is.
{
	printf '[lockrun]\nlock_dir = %s\n\n' "$SHARED"
	printf '[semaphore:s]\nslots = 3\n\n'
	printf '[job:j]\ncommand = true\nsemaphore = s\n\n'
	printf '[job:bad]\ncommand = echo \377 \303\050 \300\257 \355\240\200 '
	printf '\033[2J ok \303\251\n'
} >"$CONF"
expect_rc 0 lockrun --config "$CONF" --check

# bytes FILE: how many raw ESC, BEL and 0xff bytes FILE has.
bytes() {
	LC_ALL=C tr -dc '\033\007\377' <"$1" | wc -c | tr -d ' '
}

# --- the table -----------------------------------------------------------
expect_rc 0 lockrun --config "$CONF" --status
cp "$T/stdout" "$T/table"
note "status table (cat -v):
$(cat -v "$T/table")"
[ "$(bytes "$T/table")" = 0 ] ||
    fail "raw control bytes in the table: $(cat -v "$T/table")"
! grep -Eq "pid 1([^0-9]|\$)" "$T/table" ||
    fail "pid 1 is shown as a holder: $(cat -v "$T/table")"
! grep -Eq "(^|[^0-9])$VICTIM([^0-9]|\$)" "$T/table" ||
    fail "the forged pid $VICTIM is shown: $(cat -v "$T/table")"
grep -Eq "^s +2/3 " "$T/table" || fail "s is not 2/3: $(cat -v "$T/table")"
grep -Eq "slot 00: pid ($F0|$H0) " "$T/table" ||
    fail "slot 00's real holder is not shown: $(cat -v "$T/table")"
grep -Eq "slot 01: pid ($F1|$H1) " "$T/table" ||
    fail "slot 01's real holder is not shown: $(cat -v "$T/table")"
grep -Fq 'echo \xff' "$T/table" ||
    fail "the invalid byte is not shown escaped: $(cat -v "$T/table")"
grep -q "ok é" "$T/table" ||
    fail "valid UTF-8 did not stay as it is: $(cat -v "$T/table")"

# --- the JSON ------------------------------------------------------------
expect_rc 0 lockrun --config "$CONF" --status --json
cp "$T/stdout" "$T/status.json"
[ "$(bytes "$T/status.json")" = 0 ] ||
    fail "raw control bytes in the JSON: $(cat -v "$T/status.json")"
"$PY" -m json.tool "$T/status.json" >/dev/null ||
    fail "not valid JSON: $(cat -v "$T/status.json")"
"$PY" - "$T/status.json" "$VICTIM" "$F0" "$H0" "$F1" "$H1" <<'EOF' ||
import json, sys
doc = json.load(open(sys.argv[1], encoding="utf-8"))
victim, f0, h0, f1, h1 = (int(a) for a in sys.argv[2:7])
real = {0: (f0, h0), 1: (f1, h1)}

# Nothing anywhere is "verified" for a pid the kernel does not confirm.
def walk(v):
    if isinstance(v, dict):
        if v.get("verified") is True:
            assert v.get("pid") in (f0, h0, f1, h1), v
        for x in v.values():
            walk(x)
    elif isinstance(v, list):
        for x in v:
            walk(x)
walk(doc)

sem = doc["semaphores"][0]
assert sem["name"] == "s" and sem["used"] == 2, sem
slots = {h["slot"]: h for h in sem["holders"]}
assert sorted(slots) == [0, 1], sem
for k, h in slots.items():
    assert h["pid"] in real[k], h
    assert h["pid"] not in (victim, 1), h
    assert h["uid"] == 65534, h
    assert "hold" in h["command"] or "flock" in h["command"], h
    assert h["job"] is None or "\x1b" not in h["job"], h
jobs = {j["name"]: j for j in doc["jobs"]}
cmd = jobs["bad"]["command"]
assert "ok \u00e9" in cmd and "\ufffd" in cmd, repr(cmd)
assert "\x1b[2J" in cmd, repr(cmd)	# escaped in the JSON text, kept
EOF
    fail "JSON: $(cat -v "$T/status.json")"

touch "$NB/release"
expect_bg_rc 0 "$F0" 10
expect_bg_rc 0 "$F1" 10
