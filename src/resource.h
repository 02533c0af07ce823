/*
 * resource.h: the one interface of "a thing a job waits for".
 *
 * A job holds a set of resources: its PID file, a slot of each of its
 * semaphores, its named locks (res_file.c); a queue in front of one
 * (res_queue.c); a lock on another host some day. The waiter takes a set
 * all or none, in the order of the resources' keys, and waits between
 * attempts without spinning; it knows them only through these operations.
 * A new kind of resource is a new file that fills in a struct resource_ops.
 *
 * How a resource wakes its waiter, one of:
 *  - files: it names the files whose last close may free it (watch), and
 *    the waiter's inotify watch calls closed() for each close of one;
 *  - anything else: arm() makes it call the waiter's wake function when
 *    it may be free (a peer left a queue, a server answered), disarm()
 *    stops that.
 * Either way the waiter also retries on a timer with backoff, for what
 * no notice covers (a holder that only unlocks, NFS).
 *
 * Claims held on a lease (fleet claims, res_zk.c) are taken first, in key
 * order, one after the other, and kept while the waiter waits for the
 * rest: they are ordered acquisition, not all or nothing (see res_zk.c
 * for why that cannot deadlock). try() may answer EINPROGRESS (asked, no
 * answer yet) or ENOTCONN (the server cannot be reached): the waiter
 * waits on, as for EWOULDBLOCK, but only EWOULDBLOCK means "busy".
 */
#ifndef LOCKRUN_RESOURCE_H
#define LOCKRUN_RESOURCE_H

#include <sys/types.h>

#include <stddef.h>

struct ev_loop;
struct resource;

/* Called by an armed resource when it may have become free. */
typedef void resource_wake_cb(struct resource *, void *);

struct resource_ops {
	const char	*kind;		/* "lock", "semaphore", ... */

	/* Take it now: 0; busy: -1 and EWOULDBLOCK; -1 and errno. */
	int		(*try)(struct resource *);
	/* Give it back, keeping what makes the next try cheap. */
	void		(*release)(struct resource *);
	/* It is held and the wait is over: drop what only trying needs. */
	void		(*settle)(struct resource *);
	/* Give it back and close everything: the next try starts afresh. */
	void		(*close)(struct resource *);
	void		(*free)(struct resource *);

	/* The descriptor that holds it, for the job to inherit, or -1. */
	int		(*fd)(const struct resource *);
	/* The slot held (LOCKRUN_SLOT), or -1. */
	int		(*slot)(const struct resource *);
	/* Record (pid > 0) or forget (0) who holds it, where it can. */
	int		(*note)(struct resource *, pid_t, const char *);

	/* The i-th file whose close may free it, or NULL after the last. */
	const char	*(*watch)(const struct resource *, size_t);
	/* File i (of watch) was closed by someone: look there next. */
	void		(*closed)(struct resource *, size_t);
	/* Forget what closed() noted: the next try looks everywhere. */
	void		(*unmark)(struct resource *);
	/* Or: call wake when it may be free / stop (both may be NULL). */
	void		(*arm)(struct resource *, struct ev_loop *,
			    resource_wake_cb *, void *);
	void		(*disarm)(struct resource *);
	/*
	 * Seconds its waiter may go without a fallback retry, since it
	 * wakes the waiter itself and a retry only finds what it cannot be
	 * told (a stopped waiter before it in a queue). 0, or NULL: retry
	 * as usual.
	 */
	double		(*patience)(const struct resource *);

	/* What to name in an error about it (the file that failed). */
	const char	*(*where)(const struct resource *);
	/*
	 * Say who holds it, for a message: "semaphore gpu: 3/3 slots busy
	 * (pids 1, 2, 3)". cheap: it may not read /proc/locks (a supervisor:
	 * any user can make that long; see holders.c).
	 */
	void		(*describe)(struct resource *, int, char *, size_t);
	/*
	 * Do we hold it already, through what an ancestor passed down (a job
	 * that runs lockrun again)? 1 yes, 0 no, -1 and errno (EDEADLK: it
	 * would wait for ourselves). May be NULL: never.
	 */
	int		(*inherited)(struct resource *);

	/*
	 * Held on a lease: the seconds left before it must be given up
	 * (<= 0: now, the claim is lost), or INFINITY for as long as we
	 * hold it. guard() calls cb whenever that may have changed (NULL:
	 * stop). fence() is the claim's fencing token, or 0. All three may
	 * be NULL: a file lock is held for as long as its descriptor.
	 */
	double		(*lease)(const struct resource *);
	void		(*guard)(struct resource *, resource_wake_cb *, void *);
	unsigned long long (*fence)(const struct resource *);
};

struct resource {
	const struct resource_ops	*ops;
	char				*key;	/* the canonical order */
	int				 shared; /* with key: equal sets */
	unsigned long long		 arrival; /* when its waiter came, ns
						    CLOCK_MONOTONIC; 0: not yet */
	int				 queue;	/* may stand in a queue: the
						   waiter wants it alone */
	int				 first;	/* taken before the others and
						   kept while they are waited
						   for (fleet claims) */
	int				 nowait; /* busy: give up, no wait */
};

/* The common calls, for readability at the call sites. */
static inline int
resource_try(struct resource *r)
{
	return (r->ops->try(r));
}

static inline void
resource_release(struct resource *r)
{
	r->ops->release(r);
}

static inline void
resource_close(struct resource *r)
{
	r->ops->close(r);
}

static inline int
resource_fd(const struct resource *r)
{
	return (r->ops->fd(r));
}

static inline const char *
resource_where(const struct resource *r)
{
	return (r->ops->where(r));
}

static inline void
resource_free(struct resource *r)
{
	if (r != NULL)
		r->ops->free(r);
}

#endif
