#!/bin/sh
# tests/integration/t-60-full-fs.sh: a lock dir on a full file system (a
# small tmpfs). With no inode left, no lock file can be created: exit 73
# with the path, and nothing starts, for a lock dir, a --lock, a semaphore
# and a job. With inodes but no blocks left, lock files are created but
# nothing can be written in them: a singleton still runs once and excludes
# a second run (its PID file stays empty; --status finds the job through
# /proc), and a semaphore, whose size cannot be recorded, is refused with
# 73. Needs root to mount; skipped elsewhere.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
MNT=$T/mnt
mkdir "$MNT"

# full_fs OPTIONS: a fresh tmpfs on $MNT with OPTIONS, $MNT/locks made.
full_fs() {
	umount "$MNT" 2>/dev/null || :
	mount -t tmpfs -o "$1,mode=0755" tmpfs "$MNT" ||
	    skip "cannot mount a tmpfs"
	mkdir "$MNT/locks"
}
on_cleanup 'umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null'

# nothing_ran: the commands of this test leave $T/ran.
nothing_ran() {
	[ ! -e "$T/ran" ] || fail "a command ran on a full file system"
}

# --- No inode left ----------------------------------------------------------
full_fs size=1m,nr_inodes=4
i=0
while touch "$MNT/fill.$i" 2>/dev/null; do
	i=$((i + 1))
done
[ "$(df -i "$MNT" | awk 'NR == 2 { print $4 }')" -eq 0 ] ||
    skip "could not use up the inodes of a tmpfs"

expect_rc 73 lockrun --lock "$MNT/locks/x.lock" -- touch "$T/ran"
stderr_has "$MNT/locks/x.lock: No space left on device"
nothing_ran
expect_rc 73 lockrun --lock-dir "$MNT/locks" --semaphore s --slots 2 -- \
    touch "$T/ran"
stderr_has "$MNT/locks/s.slots: No space left on device"
nothing_ran
expect_rc 73 lockrun --lock-dir "$MNT/newdir" --semaphore s --slots 2 -- \
    touch "$T/ran"
stderr_has "lock dir $MNT/newdir: No space left on device"
nothing_ran
write_conf <<EOF
[lockrun]
lock_dir = $MNT/locks

[job:j]
command = touch "$T/ran"
EOF
expect_rc 73 lockrun --config "$CONF"
stderr_has "$MNT/locks/j.pid: No space left on device"
nothing_ran

# --- Inodes, but no block left ----------------------------------------------
full_fs size=64k,nr_inodes=100
dd if=/dev/zero of="$MNT/fill" bs=4k count=64 2>/dev/null || :
[ "$(df -k "$MNT" | awk 'NR == 2 { print $4 }')" -eq 0 ] ||
    skip "could not fill a tmpfs"

write_conf <<EOF
[lockrun]
lock_dir = $MNT/locks

[job:j]
command = exec "$HOLD" "$T/j.pid" "$T/release"
EOF
start_bg lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/j.pid"' 10
J=$(read_pid "$T/j.pid")
[ ! -s "$MNT/locks/j.pid" ] || fail "a PID was written on a full file system"
expect_rc 75 lockrun -v --config "$CONF"
stderr_has "job j is already running as pid $J"
expect_rc 0 lockrun --config "$CONF" --status
grep -Eq "^j +running +$J " "$T/stdout" ||
    fail "--status does not show the job: $(cat "$T/stdout")"
touch "$T/release"
expect_bg_rc 0 "$LR" 10

write_conf <<EOF
[lockrun]
lock_dir = $MNT/locks

[semaphore:s]
slots = 2

[job:k]
command = touch "$T/ran"
semaphore = s
EOF
expect_rc 73 lockrun --config "$CONF"
stderr_has "$MNT/locks/s.slots: No space left on device"
nothing_ran
