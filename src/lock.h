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

enum lock_mode {
	LOCK_EXCLUSIVE,
	LOCK_SHARED,
};

/* A flock lock seen in /proc/locks. */
struct lock_holder {
	pid_t	pid;
	int	shared;
};

struct lock_table {
	struct lock_entry {
		dev_t	dev;
		ino_t	ino;
		pid_t	pid;
		int	shared;
	}	*entries;
	size_t	 n;
};

struct lock {
	char		*path;
	enum lock_mode	 mode;
	int		 fd;		/* -1 when closed */
	int		 held;
};

void	lock_init(struct lock *, const char *, enum lock_mode);
int	lock_open(struct lock *);
int	lock_try(struct lock *);
void	lock_release(struct lock *);
void	lock_close(struct lock *);
void	lock_free(struct lock *);
int	lock_write_pid(struct lock *, pid_t, const char *);
int	lock_clear_pid(struct lock *);
int	lock_append(struct lock *, const char *);
int	lock_opened_by(struct lock *, pid_t);
pid_t	lock_read_pid(const char *, char *, size_t);
int	lock_table_load(struct lock_table *);
size_t	lock_table_find(const struct lock_table *, const char *,
	    struct lock_holder *, size_t);
void	lock_table_free(struct lock_table *);
size_t	lock_holders(const char *, pid_t *, size_t);
const char *lock_strerror(int);
int	lock_dir_check(const char *, int, const char **);
char	*lock_dir_default(void);

#endif
