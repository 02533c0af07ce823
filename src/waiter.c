/*
 * waiter.c: all-or-nothing acquisition of resources, without spinning.
 *
 * Every attempt takes the resources in one canonical order (sorted by
 * key) and gives back what it took if any is busy, so two waiters that
 * need the same resources can never deadlock. Between attempts nothing
 * blocks: a resource wakes us when it may be free (resource.h: an inotify
 * watch on the files it names, which reports their last close, or its
 * own arm()), and a timer with exponential backoff and jitter covers what
 * no notice covers (a holder that only does LOCK_UN, NFS, other hosts).
 *
 * Files are watched one by one, not their directory: in a lock dir shared
 * by many, closes of other files wake nobody.
 */
#include "config.h"

#include <sys/types.h>
#ifdef HAVE_SYS_INOTIFY_H
#include <sys/inotify.h>
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "waiter.h"

#define WAITER_BACKOFF_MIN	0.005	/* first fallback retry, seconds */
#define WAITER_EVENT_RETRY	0.001	/* second try after a close event */
#define WAITER_BLIND_MAX	0.1	/* polling ceiling without a watch, and
					   the latest retry after an event */

/*
 * One inotify descriptor serves every waiter of the process; a file
 * watched by several of them has one watch (inotify gives the same
 * descriptor for the same file), counted. Waiters are kept in order of
 * arrival.
 */
struct waiter_watch {
	int		wd;
	unsigned	refs;
};

static TAILQ_HEAD(, waiter) waiter_list = TAILQ_HEAD_INITIALIZER(waiter_list);
static struct waiter_watch	*waiter_watches;
static size_t			 waiter_nwatches;
static int			 waiter_ifd = -1;
static ev_io			 waiter_io;

/* Why an attempt is made: it decides how the next one is scheduled. */
enum waiter_why {
	WAITER_WHY_TIMER,		/* the fallback backoff: a full scan */
	WAITER_WHY_EVENT,		/* a wake-up: what was closed only */
	WAITER_WHY_EVENT_RETRY,		/* the same, a millisecond later */
};

static void	waiter_attempt(struct waiter *, enum waiter_why);

void
waiter_init(struct waiter *w)
{
	memset(w, 0, sizeof(*w));
}

/* Add a resource to the set (it stays the caller's). */
void
waiter_add(struct waiter *w, struct resource *r)
{
	struct waiter_item	*it;

	w->items = util_xreallocarray(w->items, w->nitems + 1,
	    sizeof(*w->items));
	it = &w->items[w->nitems++];
	memset(it, 0, sizeof(*it));
	it->res = r;
}

/* Forget the set (the resources belong to the caller). */
void
waiter_clear(struct waiter *w)
{
	waiter_stop(w);
	free(w->items);
	w->items = NULL;
	w->nitems = 0;
	w->busy = 0;
	w->arrival = 0;
}

/* Claims held while the rest is waited for come first (resource.h). */
static int
waiter_item_cmp(const void *a, const void *b)
{
	const struct waiter_item *x = a, *y = b;

	if (x->res->first != y->res->first)
		return (y->res->first - x->res->first);
	return (strcmp(x->res->key, y->res->key));
}

/*
 * Note when this waiter came, for every resource that queues, and whether
 * it may queue at all: only a waiter that wants one resource does (see
 * res_queue.c: all-or-nothing waiters in queues deadlock).
 */
static void
waiter_arrive(struct waiter *w)
{
	struct timespec	ts;
	size_t		i;

	if (w->arrival == 0 && clock_gettime(CLOCK_MONOTONIC, &ts) == 0)
		w->arrival = (unsigned long long)ts.tv_sec * 1000000000ULL +
		    ts.tv_nsec;
	for (i = 0; i < w->nitems; i++) {
		if (w->items[i].res->arrival == 0)
			w->items[i].res->arrival = w->arrival;
		w->items[i].res->queue = (w->nitems == 1);
	}
}

/* Put the set in the canonical order. */
static void
waiter_sort(struct waiter *w)
{
	if (w->nitems > 1)
		qsort(w->items, w->nitems, sizeof(*w->items), waiter_item_cmp);
}

/*
 * Try to take every resource, in key order; all or none. 0 when all are
 * held; -1 with errno EWOULDBLOCK when one is busy (w->busy says which).
 */
int
waiter_try(struct waiter *w)
{
	size_t	i;

	waiter_sort(w);
	waiter_arrive(w);
	for (i = 0; i < w->nitems; i++) {
		if (resource_try(w->items[i].res) == -1)
			goto fail;
	}
	/*
	 * What only trying needs (a semaphore's other slot files) is not
	 * needed until the next wait. Closing it now wakes the other
	 * waiters once more, but closing it with the held one at the end
	 * costs more: a burst of events then wakes each waiter several times.
	 */
	for (i = 0; i < w->nitems; i++)
		w->items[i].res->ops->settle(w->items[i].res);
	return (0);

fail:
	w->busy = i;
	w->busy_errno = errno;
	while (i-- > 0)
		resource_release(w->items[i].res);
	errno = w->busy_errno;
	return (-1);
}

/*
 * Is errno a "not yet" rather than a "busy": asked and not answered, or
 * the server not reached (resource.h)? The waiter waits on either way.
 */
int
waiter_pending(int err)
{
	return (err == EINPROGRESS || err == ENOTCONN);
}

/* Give every resource back (what makes the next try cheap stays open). */
void
waiter_release(struct waiter *w)
{
	size_t	i;

	for (i = 0; i < w->nitems; i++)
		resource_release(w->items[i].res);
}

/* The resource that was busy at the last attempt, or NULL. */
struct resource *
waiter_busy(const struct waiter *w)
{
	return (w->busy < w->nitems ? w->items[w->busy].res : NULL);
}

/* The path of the resource that was busy or failed at the last attempt. */
const char *
waiter_busy_path(const struct waiter *w)
{
	struct resource	*r = waiter_busy(w);

	return (r != NULL ? resource_where(r) : "?");
}

/*
 * A resource may be free now: note it, and attempt at the next flush (in
 * order of arrival, see waiter_flush).
 */
static void
waiter_wake(struct resource *r, void *arg)
{
	struct waiter	*w = arg;

	(void)r;
	if (w->active && !w->parked)
		w->wake = 1;
}

/*
 * Attempt for every waiter woken, one at a time from the head, in order
 * of arrival: an attempt may start, stop or free other waiters.
 */
static void
waiter_flush(void)
{
	struct waiter	*w;

again:
	TAILQ_FOREACH(w, &waiter_list, entry) {
		if (w->wake) {
			w->wake = 0;
			waiter_attempt(w, WAITER_WHY_EVENT);
			goto again;
		}
	}
}

/* A resource armed itself and may be free: attempt at once. */
static void
waiter_armed_wake(struct resource *r, void *arg)
{
	waiter_wake(r, arg);
	waiter_flush();
}

#ifdef HAVE_SYS_INOTIFY_H
/* Read close events and wake the waiters whose files they name. */
static void
waiter_inotify_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	char				 buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	struct waiter			*w;
	struct waiter_item		*it;
	ssize_t				 n;
	char				*p;
	size_t				 i, k;

	(void)loop;
	(void)io;
	(void)revents;
	for (;;) {
		n = read(waiter_ifd, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (p = buf; p < buf + n; p += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)p;
			TAILQ_FOREACH(w, &waiter_list, entry) {
				if (!w->active || w->parked)
					continue;
				if (ev->mask & IN_Q_OVERFLOW) {
					/* Events were lost: everyone looks. */
					w->wake = 1;
					continue;
				}
				for (i = 0; i < w->nitems; i++) {
					it = &w->items[i];
					for (k = 0; k < it->nwds; k++) {
						if (it->wds[k] != ev->wd)
							continue;
						it->res->ops->closed(it->res,
						    k);
						w->wake = 1;
					}
				}
			}
		}
	}
	waiter_flush();
}

/* Watch one file for closes; the watch descriptor, or -1. */
static int
waiter_watch_add(struct ev_loop *loop, const char *path)
{
	static int	told;
	size_t		i;
	int		wd;

	if (waiter_ifd == -1) {
		if ((waiter_ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1) {
			if (!told++)
				log_info("no inotify (%s%s): polling for "
				    "releases instead", strerror(errno),
				    errno == EMFILE ? ": raise sysctl fs."
				    "inotify.max_user_instances" : "");
			return (-1);
		}
		ev_io_init(&waiter_io, waiter_inotify_cb, waiter_ifd, EV_READ);
	}
	if (!ev_is_active(&waiter_io))
		ev_io_start(loop, &waiter_io);
	wd = inotify_add_watch(waiter_ifd, path,
	    IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_DONT_FOLLOW);
	if (wd == -1) {
		log_debug("%s: cannot watch, polling only: %s", path,
		    strerror(errno));
		return (-1);
	}
	for (i = 0; i < waiter_nwatches; i++) {
		if (waiter_watches[i].wd == wd) {
			waiter_watches[i].refs++;
			return (wd);
		}
	}
	waiter_watches = util_xreallocarray(waiter_watches,
	    waiter_nwatches + 1, sizeof(*waiter_watches));
	waiter_watches[waiter_nwatches].wd = wd;
	waiter_watches[waiter_nwatches].refs = 1;
	waiter_nwatches++;
	return (wd);
}

/* Drop one reference to a watch; the last one removes it. */
static void
waiter_watch_del(int wd)
{
	size_t	i;

	for (i = 0; i < waiter_nwatches; i++) {
		if (waiter_watches[i].wd != wd || --waiter_watches[i].refs > 0)
			continue;
		(void)inotify_rm_watch(waiter_ifd, wd);
		waiter_watches[i] = waiter_watches[--waiter_nwatches];
		break;
	}
}

/* Nobody waits: stop listening, so the loop can end. */
static void
waiter_watch_idle(struct ev_loop *loop)
{
	if (waiter_ifd != -1 && ev_is_active(&waiter_io))
		ev_io_stop(loop, &waiter_io);
}
#else
static int
waiter_watch_add(struct ev_loop *loop, const char *path)
{
	(void)loop;
	(void)path;
	return (-1);
}

static void
waiter_watch_del(int wd)
{
	(void)wd;
}

static void
waiter_watch_idle(struct ev_loop *loop)
{
	(void)loop;
}
#endif

/*
 * Be woken by the item's resource: watch the files it names, or arm it.
 * 0 if it will tell us about every release, -1 if we are blind to some.
 */
static int
waiter_item_watch(struct waiter *w, struct waiter_item *it)
{
	const char	*path;
	size_t		 n, k;
	int		 blind = 0;

	if (it->res->ops->arm != NULL) {
		if (!it->armed)
			it->res->ops->arm(it->res, w->loop, waiter_armed_wake,
			    w);
		it->armed = 1;
	}
	if (it->res->ops->watch == NULL)
		return (0);
	for (n = 0; it->res->ops->watch(it->res, n) != NULL; n++)
		;
	for (k = n; k < it->nwds; k++) {	/* no longer named */
		if (it->wds[k] != -1)
			waiter_watch_del(it->wds[k]);
	}
	if (it->nwds != n) {
		it->wds = util_xreallocarray(it->wds, n, sizeof(*it->wds));
		for (k = it->nwds; k < n; k++)
			it->wds[k] = -1;
		it->nwds = n;
	}
	for (k = 0; k < n; k++) {
		path = it->res->ops->watch(it->res, k);
		if (it->wds[k] == -1 && *path != '\0')
			it->wds[k] = waiter_watch_add(w->loop, path);
		if (it->wds[k] == -1)
			blind = 1;
	}
	return (blind ? -1 : 0);
}

/* Stop being woken by the item's resource. */
static void
waiter_item_unwatch(struct waiter_item *it)
{
	size_t	k;

	if (it->armed && it->res->ops->disarm != NULL)
		it->res->ops->disarm(it->res);
	it->armed = 0;
	for (k = 0; k < it->nwds; k++) {
		if (it->wds[k] != -1)
			waiter_watch_del(it->wds[k]);
	}
	free(it->wds);
	it->wds = NULL;
	it->nwds = 0;
}

/* Do two waiters wait for the same resources in the same modes? */
static int
waiter_same(const struct waiter *a, const struct waiter *b)
{
	size_t	i;

	if (a->nitems != b->nitems)
		return (0);
	for (i = 0; i < a->nitems; i++) {
		if (strcmp(a->items[i].res->key, b->items[i].res->key) != 0 ||
		    a->items[i].res->ops != b->items[i].res->ops ||
		    a->items[i].res->shared != b->items[i].res->shared)
			return (0);
	}
	return (1);
}

/*
 * Is a waiter for the same set already queued in this process? Then this
 * one should queue behind it rather than try: first come, first served.
 */
int
waiter_queued(struct waiter *w)
{
	struct waiter	*o;

	if (w->nitems == 0)
		return (0);
	waiter_sort(w);
	TAILQ_FOREACH(o, &waiter_list, entry) {
		if (o != w && waiter_same(o, w))
			return (1);
	}
	return (0);
}

/*
 * How long the waiter may go without a fallback retry: what every
 * resource allows (resource.h), or 0. A thousand processes in a queue,
 * each woken only when its turn comes, then cost nothing while they wait,
 * however long that is.
 */
static double
waiter_patience(const struct waiter *w)
{
	const struct resource	*r;
	double			 p = 0, x;
	size_t			 i;

	for (i = 0; i < w->nitems; i++) {
		r = w->items[i].res;
		if (r->ops->patience == NULL || (x = r->ops->patience(r)) <= 0)
			return (0);
		if (i == 0 || x < p)
			p = x;
	}
	return (p);
}

/* Schedule the next fallback retry (an attempt now: at once). */
static void
waiter_schedule(struct waiter *w, double after)
{
	double	patience;

	if (after > 0 && after < (patience = waiter_patience(w)))
		after = patience;
	ev_timer_stop(w->loop, &w->retry);
	ev_timer_set(&w->retry, after, 0.);
	ev_timer_start(w->loop, &w->retry);
}

static void
waiter_finish(struct waiter *w, int result, int err)
{
	waiter_stop(w);
	errno = err;
	w->cb(w, result, w->arg);	/* may free w */
}

/*
 * The backoff ceiling: retry_interval, or much less while some release
 * cannot be seen (no inotify instance or watch left: the user has too
 * many waiting processes). Each blind retry also tries to watch again, as
 * instances are freed by processes that are done.
 */
static double
waiter_ceiling(struct waiter *w)
{
	size_t	i;
	int	blind = 0;

	for (i = 0; i < w->nitems; i++) {
		if (waiter_item_watch(w, &w->items[i]) == -1)
			blind = 1;
	}
	if (blind && w->retry_max > WAITER_BLIND_MAX)
		return (WAITER_BLIND_MAX);
	return (w->retry_max);
}

/* Watch what each resource names now (adding what is new). */
static void
waiter_rewatch(struct waiter *w)
{
	size_t	i;

	for (i = 0; i < w->nitems; i++)
		(void)waiter_item_watch(w, &w->items[i]);
}

/* Forget what wake-ups pointed at: the next try looks at everything. */
static void
waiter_unmark(struct waiter *w)
{
	size_t	i;

	for (i = 0; i < w->nitems; i++)
		w->items[i].res->ops->unmark(w->items[i].res);
}

/* One attempt; after a wake-up, one more about a millisecond later. */
static void
waiter_attempt(struct waiter *w, enum waiter_why why)
{
	double	delay, ceiling;

	if (why == WAITER_WHY_TIMER)
		waiter_unmark(w);
	if (waiter_try(w) == 0) {
		waiter_finish(w, 0, 0);
		return;
	}
	if (errno != EWOULDBLOCK && errno != EAGAIN && !waiter_pending(errno)) {
		waiter_finish(w, -1, errno);
		return;
	}
	/* A server said "busy" to a waiter that must not wait. */
	if (!waiter_pending(errno) && w->items[w->busy].res->nowait) {
		waiter_finish(w, -1, EWOULDBLOCK);
		return;
	}
	/* What to be woken by may have changed (our turn in a queue came). */
	waiter_rewatch(w);
	switch (why) {
	case WAITER_WHY_EVENT:
		/*
		 * The kernel sends the close event just before it drops the
		 * lock (fsnotify_close comes before locks_remove_file in
		 * __fput), so a try right after the event can still fail:
		 * let the closing process run on and try again at once, then
		 * the same files once more a millisecond later. Measured with
		 * 400 waiting processes, the immediate second try cut the
		 * median handoff from 5 ms to 1.5 ms.
		 */
		sched_yield();
		if (waiter_try(w) == 0) {
			waiter_finish(w, 0, 0);
			return;
		}
		w->event_retry = 1;
		waiter_schedule(w, WAITER_EVENT_RETRY);
		return;
	case WAITER_WHY_EVENT_RETRY:
		/*
		 * Someone else was faster (or the machine is slow): back to
		 * the fallback schedule, but not later than the blind ceiling,
		 * as things are moving.
		 */
		log_debug("%s: still busy after a close event: %s", __func__,
		    waiter_busy_path(w));
		waiter_unmark(w);
		waiter_schedule(w, w->backoff < WAITER_BLIND_MAX ? w->backoff :
		    WAITER_BLIND_MAX);
		return;
	case WAITER_WHY_TIMER:
		break;
	}
	delay = w->backoff * (0.5 + 0.5 * (double)random() / RAND_MAX);
	waiter_schedule(w, delay);
	ceiling = waiter_ceiling(w);
	w->backoff *= 2;
	if (w->backoff > ceiling)
		w->backoff = ceiling;
}

static void
waiter_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct waiter	*w = t->data;
	int		 event_retry = w->event_retry;

	(void)loop;
	(void)revents;
	w->event_retry = 0;
	waiter_attempt(w, event_retry ? WAITER_WHY_EVENT_RETRY :
	    WAITER_WHY_TIMER);
}

static void
waiter_deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	waiter_finish(t->data, -1, ETIMEDOUT);
}

/* Wait actively: be woken by the resources, and try at once. */
static void
waiter_activate(struct waiter *w)
{
	size_t	i;

	w->parked = 0;
	for (i = 0; i < w->nitems; i++)
		(void)waiter_item_watch(w, &w->items[i]);
	/* The watches are in place: no release can slip by this attempt. */
	waiter_schedule(w, 0.);
}

/*
 * Wait for the set: cb is called once, with 0 when every item is held, or
 * -1 and errno ETIMEDOUT after timeout seconds (0: no limit) or another
 * errno on failure; never before waiter_start returns.
 *
 * Of the waiters of one process that want the same set, only the first
 * waits actively: the others are parked behind it, in order of arrival,
 * with no files open and no retries. So a job of numprocs = 2000 behind a
 * 16-slot semaphore holds 16 descriptors while it waits, not 32,000, and
 * each release wakes one of its instances, not all of them.
 */
void
waiter_start(struct waiter *w, struct ev_loop *loop, double timeout,
    double retry_max, waiter_cb *cb, void *arg)
{
	static int	seeded;
	int		queued;

	if (!seeded) {
		/* The microseconds modulo 2^32 (as a double, out of range). */
		srandom((unsigned)getpid() ^
		    (unsigned)(unsigned long long)(util_now() * 1e6));
		seeded = 1;
	}
	w->loop = loop;
	w->cb = cb;
	w->arg = arg;
	w->retry_max = retry_max > WAITER_BACKOFF_MIN ? retry_max :
	    WAITER_BACKOFF_MIN;
	w->backoff = WAITER_BACKOFF_MIN;
	w->wake = 0;
	w->event_retry = 0;
	ev_timer_init(&w->retry, waiter_retry_cb, 0., 0.);
	w->retry.data = w;
	ev_timer_init(&w->deadline, waiter_deadline_cb, timeout, 0.);
	w->deadline.data = w;
	queued = waiter_queued(w);
	TAILQ_INSERT_TAIL(&waiter_list, w, entry);
	w->active = 1;
	if (timeout > 0)
		ev_timer_start(loop, &w->deadline);
	if (queued)
		w->parked = 1;
	else
		waiter_activate(w);
}

/* Stop waiting; whatever is held stays held. */
void
waiter_stop(struct waiter *w)
{
	struct waiter	*next;
	size_t		 i;

	if (!w->active)
		return;
	w->active = 0;
	w->wake = 0;
	ev_timer_stop(w->loop, &w->retry);
	ev_timer_stop(w->loop, &w->deadline);
	/*
	 * The first waiter parked behind this one takes its place (before
	 * the watches are dropped, so that they are kept, not redone).
	 */
	if (!w->parked) {
		for (next = TAILQ_NEXT(w, entry); next != NULL;
		    next = TAILQ_NEXT(next, entry)) {
			if (next->parked && waiter_same(next, w)) {
				waiter_activate(next);
				break;
			}
		}
	}
	for (i = 0; i < w->nitems; i++)
		waiter_item_unwatch(&w->items[i]);
	TAILQ_REMOVE(&waiter_list, w, entry);
	w->parked = 0;
	if (TAILQ_EMPTY(&waiter_list))
		waiter_watch_idle(w->loop);
}
