#!/bin/sh
# t-02-shared.sh: shared holders run together and keep an exclusive run out
# until the last of them has ended.

# Conditions for wait_for and sh -c scripts are meant to expand later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "${TESTDIR:-$(dirname "$0")}/lib.sh"

F=$T/rw.lock

# job ME OTHER: mark that ME runs, wait (bounded) until OTHER runs too, then
# until released; the last thing it does is mark its end.
cat >"$T/job" <<'EOS'
#!/bin/sh
d=$(dirname "$0")
touch "$d/$1.in"
n=0
while [ ! -e "$d/$2.in" ]; do
	n=$((n + 1)); [ "$n" -le 500 ] || exit 3
	sleep 0.02
done
touch "$d/$1.saw"
n=0
while [ ! -e "$d/$1.release" ]; do
	n=$((n + 1)); [ "$n" -le 1500 ] || exit 4
	sleep 0.02
done
touch "$d/$1.end"
EOS
chmod +x "$T/job"

start_bg lockrun --shared --lock "$F" -- "$T/job" a b
a=$BG_PID
start_bg lockrun -s --lock "$F" -- "$T/job" b a
b=$BG_PID
# Each one saw the other running: they overlap.
wait_for 'test -e "$T/a.saw" && test -e "$T/b.saw"' 10

# Exclusive is refused while they run; another shared run gets in.
expect_rc 75 lockrun -v --no-wait --lock "$F" -- touch "$T/ran"
[ ! -e "$T/ran" ] || fail "exclusive command ran under shared holders"
stderr_has "$F"
expect_rc 0 lockrun --no-wait --shared --lock "$F" -- true

# An exclusive waiter starts only once both have ended: it checks that
# itself, when it starts.
cat >"$T/excl" <<'EOS'
#!/bin/sh
d=$(dirname "$0")
if [ -e "$d/a.end" ] && [ -e "$d/b.end" ]; then
	touch "$d/excl.ok"
else
	touch "$d/excl.early"
fi
EOS
chmod +x "$T/excl"
start_bg lockrun --lock "$F" -- "$T/excl"
excl=$BG_PID

touch "$T/a.release"
expect_bg_rc 0 "$a"
# b still holds its shared lock: exclusive still refused, waiter not started.
expect_rc 75 lockrun --no-wait --lock "$F" -- true
if [ -e "$T/excl.early" ] || [ -e "$T/excl.ok" ]; then
	fail "exclusive waiter started while a shared holder ran"
fi

touch "$T/b.release"
expect_bg_rc 0 "$b"
expect_bg_rc 0 "$excl"
[ -e "$T/excl.ok" ] || fail "exclusive waiter did not see both shared runs end"
