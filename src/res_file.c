/*
 * res_file.c: flock files as resources: a lock file, a semaphore's slots.
 *
 * The lock and sem modules do the work; this file says how they are taken,
 * given back, watched and described through the resource interface.
 */
#include "config.h"

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

/* --- a lock file -------------------------------------------------------- */

static int
res_lock_try(struct resource *r)
{
	struct res_file	*f = RES_FILE(r);

	int		 rc;

	if (f->inherited != -1)
		return (0);
	if (lock_try(&f->lock) == 0)
		return (0);
	if (errno != EWOULDBLOCK || (rc = res_file_inherited(r)) == -1)
		return (-1);
	if (rc == 0) {
		errno = EWOULDBLOCK;
		return (-1);
	}
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
 * "lock /x: held by pid 4". A lock file says nothing of its holder; with
 * cheap unset (an ad hoc lockrun, which runs nothing else) a little of
 * /proc/locks may name the process that took it.
 */
static void
res_lock_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct lock		*l = &RES_FILE(r)->lock;
	struct holders_table	 t, *tp = NULL;
	pid_t			 pid;

	if (!cheap && holders_load(&t, HOLDERS_FEW_LOCKS) == 0)
		tp = &t;
	pid = res_file_holder(l->fd, l->path, tp);
	if (tp != NULL)
		holders_free(tp);
	if (pid > 0)
		snprintf(buf, len, "lock %s: held by pid %ld", l->path,
		    (long)pid);
	else
		snprintf(buf, len, "lock %s: busy", l->path);
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
	int		 rc;

	if (f->inherited != -1)
		return (0);
	if (sem_try(&f->sem) == 0)
		return (0);
	/* A slot an ancestor holds for us: any will do. */
	if (errno != EWOULDBLOCK || (rc = res_file_inherited(r)) == -1)
		return (-1);
	if (rc == 0) {
		errno = EWOULDBLOCK;
		return (-1);
	}
	return (0);
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

int
res_is_sem(const struct resource *r)
{
	return (r->ops == &res_sem_ops);
}
