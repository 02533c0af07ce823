/*
 * res_file.c: flock files as resources: a lock file, a semaphore's slots,
 * a descriptor we inherited (flock(1)'s "flock 9").
 *
 * The lock and sem modules do the work; this file says how they are taken,
 * given back, watched and described through the resource interface.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "holders.h"
#include "res_file.h"
#include "util.h"

struct res_file {
	struct resource	 r;
	int		 is_sem;
	struct lock	 lock;
	struct sem	 sem;
	int		 inherited;	/* a descriptor we inherited holds it */
	int		 inherited_slot; /* ... that slot of the semaphore */
	int		 reentry_looked; /* this wait looked for one */
	int		 fd;		/* an inherited descriptor, or -1 */
	char		*where;		/* ... "fd 9 (/var/lock/x)" */
	char		*watch;		/* ... its file, or NULL */
	int		 took;		/* ... locked by us in this try */
};

#define RES_FILE(r)	((struct res_file *)(r))

/* A file's holder: the PID it names, if the kernel confirms it; else 0. */
static pid_t
res_file_holder(int fd, const char *path, const struct holders_table *t)
{
	struct holders_key	k;
	struct holders_lock	l;
	pid_t			pid;

	if ((fd != -1 ? holders_key_fd(fd, &k) : holders_key_path(path,
	    &k)) == -1)
		return (0);
	pid = fd != -1 ? lock_read_pid_fd(fd, NULL, 0) : lock_read_pid(path,
	    NULL, 0);
	if (pid > 0 && holders_pid_holds(pid, &k, NULL, NULL) == 1)
		return (pid);
	if (t == NULL || holders_locks(t, &k, &l, 1) == 0)
		return (0);
	return (l.pid);		/* it took the lock; it may be gone since */
}

/* Does one of our own descriptors hold the file at path (not skip)? */
static int
res_file_holds(struct res_file *f, const char *path, int skip)
{
	struct holders_key	k;
	int			fd, shared;

	if (holders_key_path(path, &k) == -1 ||
	    (fd = holders_self_holds(&k, skip, &shared)) == -1)
		return (0);
	if (shared && !f->r.shared) {
		errno = EDEADLK;
		return (-1);
	}
	f->inherited = fd;
	return (1);
}

/*
 * Reentrant nesting (portalocker's RLock, across processes): a command
 * run under lockrun that runs lockrun for a lock or semaphore its own
 * ancestor holds for it inherited the descriptor that holds it. Look once
 * per wait for such a descriptor of our own, as the kernel shows it
 * (/proc/self/fdinfo: a lock line on that very file), not as an
 * environment variable would claim: then it is held, and the ancestor
 * keeps it; we neither unlock nor close it. Any other process still
 * waits. An exclusive lock wanted where the ancestor holds it shared would
 * wait for ourselves forever: -1 and EDEADLK. 1 if held so, else 0.
 */
static int
res_file_inherited(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);
	char		*path;
	unsigned	 i;
	int		 rc = 0;

	if (f->inherited != -1)
		return (1);
	if (f->reentry_looked || !holders_inherited_any())
		return (0);
	f->reentry_looked = 1;
	if (!f->is_sem)
		return (res_file_holds(f, f->lock.path, f->lock.fd));
	if (f->sem.kind != LOCKDIR_SLOT)
		return (0);		/* a job's instances are no lock */
	for (i = 0; rc == 0 && i < f->sem.nslots; i++) {
		path = sem_slot_path(&f->sem, i);
		if ((rc = res_file_holds(f, path, -1)) == 1)
			f->inherited_slot = (int)i;
		free(path);
	}
	return (rc);
}

/* Append pid to the list in buf: "4", "4, 5". */
static void
res_file_add_pid(char *buf, size_t len, size_t *off, size_t *n, pid_t pid)
{
	if (*off >= len)
		return;
	*off += snprintf(buf + *off, len - *off, "%s%ld", *n > 0 ? ", " : "",
	    (long)pid);
	(*n)++;
}

/*
 * Our own try failed (errno): is it held for us by an ancestor
 * (res_file_inherited)? 0 if so, else -1 with errno, EWOULDBLOCK when
 * busy.
 */
static int
res_file_busy(struct resource *r)
{
	int	rc;

	if (errno != EWOULDBLOCK || (rc = res_file_inherited(r)) == -1)
		return (-1);
	if (rc == 0) {
		errno = EWOULDBLOCK;
		return (-1);
	}
	return (0);
}

/* --- a lock file -------------------------------------------------------- */

static int
res_lock_try(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	if (f->inherited != -1)
		return (0);
	if (lock_try(&f->lock) == 0)
		return (0);
	if (res_file_busy(r) == -1)
		return (-1);
	lock_close(&f->lock);		/* ours is not needed */
	return (0);
}

static void
res_lock_release(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	if (f->inherited == -1)
		lock_release(&f->lock);
}

static void
res_lock_settle(struct resource *r)
{
	(void)r;
}

static void
res_lock_close(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);
	struct lock	*l = &f->lock;

	if (l->held)
		(void)lock_clear_pid(l);
	lock_close(l);
	f->inherited = -1;	/* the ancestor's: not ours to close */
	f->reentry_looked = 0;
}

static void
res_file_free(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	if (f->is_sem)
		sem_free(&f->sem);
	else
		lock_free(&f->lock);
	free(r->key);
	free(f);
}

static int
res_lock_fd(const struct resource *r)
{
	const struct res_file	*f = RES_FILE(r);

	if (f->inherited != -1)
		return (f->inherited);
	return (f->lock.held ? f->lock.fd : -1);
}

static int
res_none_slot(const struct resource *r)
{
	(void)r;
	return (-1);
}

static int
res_lock_note(struct resource *r, pid_t pid, const char *label)
{
	struct res_file	*f = RES_FILE(r);

	if (f->inherited != -1)
		return (0);		/* the ancestor's file says it */
	return (pid > 0 ? lock_write_pid(&f->lock, pid, label) :
	    lock_clear_pid(&f->lock));
}

static const char *
res_lock_watch(const struct resource *r, size_t i)
{
	return (i == 0 ? RES_FILE(r)->lock.path : NULL);
}

static void
res_lock_closed(struct resource *r, size_t i)
{
	(void)r;
	(void)i;
}

static void
res_lock_unmark(struct resource *r)
{
	(void)r;
}

static const char *
res_lock_where(const struct resource *r)
{
	return (RES_FILE(r)->lock.path);
}

/*
 * "WHAT: held by pid 4", of the file open on fd (or at path). A lock file
 * says nothing of its holder; with cheap unset (an ad hoc lockrun, which
 * runs nothing else) a little of /proc/locks may name the process that
 * took it.
 */
static void
res_file_describe(int fd, const char *path, const char *what, int cheap,
    char *buf, size_t len)
{
	struct holders_table	 t, *tp = NULL;
	pid_t			 pid;

	if (!cheap && holders_load(&t, HOLDERS_FEW_LOCKS) == 0)
		tp = &t;
	pid = res_file_holder(fd, path, tp);
	if (tp != NULL)
		holders_free(tp);
	if (pid > 0)
		snprintf(buf, len, "%s: held by pid %ld", what, (long)pid);
	else
		snprintf(buf, len, "%s: busy", what);
}

/* "lock /x: held by pid 4". */
static void
res_lock_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct lock	*l = &RES_FILE(r)->lock;
	char		*what;

	util_xasprintf(&what, "lock %s", l->path);
	res_file_describe(l->fd, l->path, what, cheap, buf, len);
	free(what);
}

static const struct resource_ops res_lock_ops = {
	.kind = "lock",
	.try = res_lock_try,
	.release = res_lock_release,
	.settle = res_lock_settle,
	.close = res_lock_close,
	.free = res_file_free,
	.fd = res_lock_fd,
	.slot = res_none_slot,
	.note = res_lock_note,
	.watch = res_lock_watch,
	.closed = res_lock_closed,
	.unmark = res_lock_unmark,
	.where = res_lock_where,
	.describe = res_lock_describe,
	.inherited = res_file_inherited,
};

/*
 * The lock file path, shared or exclusive; with own, the file must be
 * root's or ours (a PID file). Nothing is opened yet.
 */
struct resource *
res_lock_new(const char *path, enum lock_mode mode, int own)
{
	struct res_file	*f;

	f = util_xcalloc(1, sizeof(*f));
	f->r.ops = &res_lock_ops;
	f->r.key = util_xstrdup(path);
	f->r.shared = mode == LOCK_SHARED;
	lock_init(&f->lock, path, mode);
	f->lock.own = own;
	f->inherited = -1;
	return (&f->r);
}

/* --- a semaphore's slots ------------------------------------------------- */

static int
res_sem_try(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	if (f->inherited != -1)
		return (0);
	if (sem_try(&f->sem) == 0)
		return (0);
	/* A slot an ancestor holds for us: any will do. */
	return (res_file_busy(r));
}

static void
res_sem_release(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	if (f->inherited == -1)
		sem_release(&f->sem);
}

static void
res_sem_settle(struct resource *r)
{
	sem_close_spare(&RES_FILE(r)->sem);
}

static void
res_sem_close(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);
	struct lock	*held;

	if ((held = sem_held_lock(&f->sem)) != NULL)
		(void)lock_clear_pid(held);
	sem_close(&f->sem);
	f->inherited = -1;
	f->reentry_looked = 0;
}

static int
res_sem_fd(const struct resource *r)
{
	const struct res_file	*f = RES_FILE(r);
	struct lock		*held;

	if (f->inherited != -1)
		return (f->inherited);
	held = sem_held_lock((struct sem *)&f->sem);
	return (held != NULL ? held->fd : -1);
}

static int
res_sem_slot(const struct resource *r)
{
	const struct res_file	*f = RES_FILE(r);

	return (f->inherited != -1 ? f->inherited_slot : f->sem.held);
}

static int
res_sem_note(struct resource *r, pid_t pid, const char *label)
{
	struct lock	*held = sem_held_lock(&RES_FILE(r)->sem);

	if (RES_FILE(r)->inherited != -1)
		return (0);		/* the ancestor's file says it */

	if (held == NULL) {
		errno = ENOLCK;
		return (-1);
	}
	return (pid > 0 ? lock_write_pid(held, pid, label) :
	    lock_clear_pid(held));
}

/* Slot i's file, while trying (the waiter watches what it has tried). */
static const char *
res_sem_watch(const struct resource *r, size_t i)
{
	const struct sem	*s = &RES_FILE(r)->sem;

	if (i >= s->nslots || s->slots == NULL)
		return (NULL);
	return (s->slots[i].path != NULL ? s->slots[i].path : "");
}

static void
res_sem_closed(struct resource *r, size_t i)
{
	sem_mark(&RES_FILE(r)->sem, (int)i);
}

static void
res_sem_unmark(struct resource *r)
{
	sem_unmark(&RES_FILE(r)->sem);
}

static const char *
res_sem_where(const struct resource *r)
{
	return (sem_error_path(&RES_FILE(r)->sem));
}

/* "semaphore gpu: 3/3 slots busy (pids 1, 2, 3)", from the slots' files. */
static void
res_sem_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct sem	*s = &RES_FILE(r)->sem;
	char		 who[160], *path;
	size_t		 n = 0, off = 0;
	unsigned	 i;
	pid_t		 pid;

	(void)cheap;
	who[0] = '\0';
	if (s->kind == LOCKDIR_INSTANCE) {
		snprintf(buf, len, "all %u instances are running", s->nslots);
		return;
	}
	for (i = 0; i < s->nslots && n < 16; i++) {
		path = sem_slot_path(s, i);
		if ((pid = res_file_holder(s->slots != NULL ?
		    s->slots[i].fd : -1, path, NULL)) > 0)
			res_file_add_pid(who, sizeof(who), &off, &n, pid);
		free(path);
	}
	snprintf(buf, len, "semaphore %s: %u/%u slots busy%s%s%s", s->name,
	    s->nslots, s->nslots, n == 0 ? "" : n == 1 ? " (pid " :
	    " (pids ", who, n > 0 ? ")" : "");
}

static const struct resource_ops res_sem_ops = {
	.kind = "semaphore",
	.try = res_sem_try,
	.release = res_sem_release,
	.settle = res_sem_settle,
	.close = res_sem_close,
	.free = res_file_free,
	.fd = res_sem_fd,
	.slot = res_sem_slot,
	.note = res_sem_note,
	.watch = res_sem_watch,
	.closed = res_sem_closed,
	.unmark = res_sem_unmark,
	.where = res_sem_where,
	.describe = res_sem_describe,
	.inherited = res_file_inherited,
};

/*
 * One slot of semaphore name in dir, of nslots (or the instance files of a
 * job, with LOCKDIR_INSTANCE and own); the scan for a free slot starts at
 * start. Nothing is opened yet.
 */
struct resource *
res_sem_new(const char *dir, const char *name, unsigned nslots,
    enum lockdir_slot_kind kind, int own, unsigned start)
{
	struct res_file	*f;

	f = util_xcalloc(1, sizeof(*f));
	f->is_sem = 1;
	f->r.ops = &res_sem_ops;
	sem_init(&f->sem, dir, name, nslots, kind);
	f->sem.own = own;
	f->sem.start = start % nslots;
	f->r.key = util_xstrdup(f->sem.pattern);
	f->inherited = -1;
	return (&f->r);
}

/* The lock file of a lock resource (its PID file, for a singleton job). */
struct lock *
res_lock(struct resource *r)
{
	return (r != NULL && r->ops == &res_lock_ops ? &RES_FILE(r)->lock :
	    NULL);
}

/* The semaphore of a semaphore resource. */
struct sem *
res_sem(struct resource *r)
{
	return (r != NULL && r->ops == &res_sem_ops ? &RES_FILE(r)->sem :
	    NULL);
}

/* --- an inherited descriptor -------------------------------------------- */

/*
 * Lock the open file of a descriptor that the caller (a shell's "exec
 * 9>file") opened and keeps: the lock is the open file's, so it outlives
 * us for as long as the caller keeps the descriptor. Nothing here closes
 * or unlocks it, but a try that must be undone.
 */
static int
res_fd_try(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);
	int		 op;

	op = (f->lock.mode == LOCK_SHARED ? LOCK_SH : LOCK_EX) | LOCK_NB;
	while (flock(f->fd, op) == -1) {
		if (errno != EINTR)
			return (-1);
	}
	f->took = 1;
	return (0);
}

static void
res_fd_release(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);
	int		 saved = errno;

	if (f->took)
		(void)flock(f->fd, LOCK_UN);
	f->took = 0;
	errno = saved;
}

/* Keep it: the lock is the caller's now. */
static void
res_fd_keep(struct resource *r)
{
	(void)r;
}

static void
res_fd_free(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	free(f->where);
	free(f->watch);
	lock_free(&f->lock);
	free(r->key);
	free(f);
}

static int
res_fd_fd(const struct resource *r)
{
	return (RES_FILE(r)->took ? RES_FILE(r)->fd : -1);
}

static int
res_fd_note(struct resource *r, pid_t pid, const char *label)
{
	(void)r;
	(void)pid;
	(void)label;
	return (0);		/* the caller's file: nothing of ours in it */
}

static const char *
res_fd_watch(const struct resource *r, size_t i)
{
	const char	*path = RES_FILE(r)->watch;

	return (i == 0 && path != NULL ? path : NULL);
}

static const char *
res_fd_where(const struct resource *r)
{
	return (RES_FILE(r)->where);
}

/* "fd 9 (/var/lock/x): held by pid 4", as for a lock file. */
static void
res_fd_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct res_file	*f = RES_FILE(r);

	res_file_describe(f->fd, NULL, f->where, cheap, buf, len);
}

static const struct resource_ops res_fd_ops = {
	.kind = "descriptor",
	.try = res_fd_try,
	.release = res_fd_release,
	.settle = res_fd_keep,
	.close = res_fd_keep,
	.free = res_fd_free,
	.fd = res_fd_fd,
	.slot = res_none_slot,
	.note = res_fd_note,
	.watch = res_fd_watch,
	.closed = res_lock_closed,
	.unmark = res_lock_unmark,
	.where = res_fd_where,
	.describe = res_fd_describe,
};

/*
 * The open file of descriptor fd, to lock shared or exclusive. Its close
 * events are watched on the path /proc says it has, when it is a regular
 * file that the path still names.
 */
struct resource *
res_fd_new(int fd, enum lock_mode mode)
{
	struct res_file	*f;
	struct stat	 a, b;
	char		 proc[64], path[4096];
	ssize_t		 n;

	f = util_xcalloc(1, sizeof(*f));
	f->r.ops = &res_fd_ops;
	f->r.shared = mode == LOCK_SHARED;
	f->fd = fd;
	f->inherited = -1;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = readlink(proc, path, sizeof(path) - 1);
	if (n > 0 && path[0] == '/' && fstat(fd, &a) == 0 &&
	    S_ISREG(a.st_mode) && (path[n] = '\0', stat(path, &b) == 0) &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino) {
		f->watch = util_xstrdup(path);
		util_xasprintf(&f->where, "fd %d (%s)", fd, path);
	} else
		util_xasprintf(&f->where, "fd %d", fd);
	util_xasprintf(&f->r.key, "%s", f->watch != NULL ? f->watch :
	    f->where);
	lock_init(&f->lock, f->where, mode);	/* the mode, for try */
	return (&f->r);
}

int
res_is_sem(const struct resource *r)
{
	return (r->ops == &res_sem_ops);
}
