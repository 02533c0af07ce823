/* holders.h: who holds a lock file, as the kernel tells it (/proc). */
#ifndef LOCKRUN_HOLDERS_H
#define LOCKRUN_HOLDERS_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

/*
 * What a message (not --status) may spend to name a holder: this much of
 * /proc/locks, and looking at this many descriptors of other processes.
 * Past that it names none: anyone can hold a million locks or files.
 */
#define HOLDERS_FEW_LOCKS	(256 * 1024)
#define HOLDERS_FEW_FDS		20000

/* One flock lock of /proc/locks. Its pid took it, and may be gone since. */
struct holders_lock {
	dev_t	dev;
	ino_t	ino;
	pid_t	pid;
	int	shared;
};

/* A snapshot of /proc/locks, sorted by inode. */
struct holders_table {
	struct holders_lock	*locks;
	size_t			 n;
};

/* A file, as /proc/locks names it and as stat(2) does. */
struct holders_key {
	dev_t	kdev;		/* the superblock's device (/proc/locks) */
	dev_t	dev;		/* st_dev (a btrfs subvolume's may differ) */
	ino_t	ino;
};

/* A live process that holds a lock. */
struct holder {
	pid_t	pid;
	uid_t	uid;
	pid_t	ppid;
	int	shared;
	pid_t	locker;		/* the pid that took the lock (/proc/locks) */
	int	held;		/* 0: it only has the file open (a waiter,
				   holders_scan_open) */
	time_t	since;		/* 0: unknown */
	char	cmd[160];	/* its command line, as it is (not escaped) */
};

int	holders_load(struct holders_table *, size_t);
void	holders_free(struct holders_table *);
int	holders_key_fd(int, struct holders_key *);
int	holders_key_path(const char *, struct holders_key *);
size_t	holders_locks(const struct holders_table *, const struct holders_key *,
	    struct holders_lock *, size_t);
int	holders_pid_holds(pid_t, const struct holders_key *, int *, pid_t *);
size_t	holders_live(const struct holders_key *, struct holder *, size_t,
	    int *, size_t);
typedef void holders_found_cb(size_t, const struct holder *, void *);
int	holders_scan(const struct holders_key *, size_t, holders_found_cb *,
	    void *, size_t);
int	holders_scan_open(const struct holders_key *, size_t,
	    holders_found_cb *, void *, size_t);
int	holders_proc(pid_t, struct holder *);
int	holders_pid_opened(pid_t, const struct holders_key *, size_t *);
void	holders_note_inherited(void);
int	holders_inherited_any(void);
int	holders_self_holds(const struct holders_key *, int, int *);
pid_t	holders_principal(const struct holder *, size_t);

#endif
