/* lock.h: flock(2) files: open safely, try, release, PID contents. */
#ifndef LOCKRUN_LOCK_H
#define LOCKRUN_LOCK_H

#include <sys/types.h>

#include <errno.h>

/* errno for "not a regular file": no POSIX code says it. */
#ifdef EFTYPE
#define LOCK_ENOTREG	EFTYPE
#else
#define LOCK_ENOTREG	EMEDIUMTYPE
#endif
/* errno for "a file of ours belongs to another user": nor this. */
#define LOCK_EFOREIGN	ENOTUNIQ

/*
 * The mode of the files lockrun creates in a lock dir, whatever the umask:
 * a semaphore slot or named lock may be shared with other users of a
 * shared lock dir; a PID file (own) is nobody else's to open, so nobody
 * else can hold it and keep the job from running.
 */
#define LOCK_FILE_MODE	0644
#define LOCK_OWN_MODE	0600

enum lock_mode {
	LOCK_EXCLUSIVE,
	LOCK_SHARED,
};

struct lock {
	char		*path;
	enum lock_mode	 mode;
	int		 own;		/* must be root's or ours: a PID file */
	int		 user;		/* a file the user named (--lock): its
					   contents are theirs, never written */
	int		 fd;		/* -1 when closed */
	int		 held;
	uid_t		 owner;		/* the file's, once open */
};

void	lock_init(struct lock *, const char *, enum lock_mode);
int	lock_open(struct lock *);
int	lock_try(struct lock *);
void	lock_release(struct lock *);
void	lock_close(struct lock *);
void	lock_free(struct lock *);
int	lock_write_pid(struct lock *, pid_t, const char *);
int	lock_clear_pid(struct lock *);
pid_t	lock_read_pid_fd(int, char *, size_t);
pid_t	lock_read_pid(const char *, char *, size_t);
const char *lock_strerror(int);

#endif
