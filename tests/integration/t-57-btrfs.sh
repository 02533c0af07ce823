#!/bin/sh
# tests/integration/t-57-btrfs.sh: --status finds the holders of lock files
# on a btrfs subvolume, where stat(2)'s st_dev (the subvolume's) is not the
# device /proc/locks prints (the file system's). Needs root, a loop device
# and mkfs.btrfs; skipped where any is missing.

# wait_for takes its condition in single quotes, to be evaluated later.
# shellcheck disable=SC2016

# shellcheck source-path=SCRIPTDIR source=conf-lib.sh disable=SC1091
. "${TESTDIR:-$(dirname "$0")}/conf-lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to mount a file system"
command -v mkfs.btrfs >/dev/null || skip "no mkfs.btrfs (btrfs-progs)"
command -v btrfs >/dev/null || skip "no btrfs (btrfs-progs)"
[ -r /proc/locks ] || skip "no /proc/locks here"
grep -qw btrfs /proc/filesystems || skip "the kernel has no btrfs"

IMG=$T/btrfs.img
MNT=$T/mnt
mkdir "$MNT"
truncate -s 128M "$IMG"
mkfs.btrfs -q "$IMG" >/dev/null 2>&1 || skip "mkfs.btrfs failed"
mount -o loop "$IMG" "$MNT" 2>/dev/null || skip "cannot mount a loop device"
on_cleanup 'umount "$MNT" 2>/dev/null || umount -l "$MNT"' 
btrfs subvolume create "$MNT/sub" >/dev/null
LOCKS=$MNT/sub/locks
[ "$(stat -c %d "$MNT/sub")" != "$(stat -c %d "$MNT")" ] ||
    skip "the subvolume has the file system's st_dev: nothing to test"

write_conf <<EOF
[lockrun]
lock_dir = $LOCKS

[semaphore:one]
slots = 1

[job:b]
command = exec "$HOLD" "$T/b.pid" "$T/release"
semaphore = one
EOF
start_bg lockrun --config "$CONF"
LR=$BG_PID
wait_for 'test -s "$T/b.pid"' 10
B=$(read_pid "$T/b.pid")

expect_rc 0 lockrun --config "$CONF" --status
grep -Eq "^b +running +$B " "$T/stdout" ||
    fail "the job on btrfs is not shown running as $B: $(cat "$T/stdout")"
grep -Eq "^one +1/1 +slot 00: pid $B \\(b\\)" "$T/stdout" ||
    fail "the slot on btrfs is not shown held by $B: $(cat "$T/stdout")"
note "status on a btrfs subvolume:
$(cat "$T/stdout")"

touch "$T/release"
expect_bg_rc 0 "$LR" 10
expect_rc 0 lockrun --config "$CONF" --status
grep -Eq "^b +idle " "$T/stdout" || fail "not idle after: $(cat "$T/stdout")"
