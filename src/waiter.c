/*
 * waiter.c: all-or-nothing acquisition of locks and slots, without spinning.
 *
 * Every attempt takes the items in one canonical order (sorted by path) and
 * gives back what it took if any item is busy, so two waiters that need the
 * same locks can never deadlock. Between attempts nothing blocks: an inotify
 * watch on the lock files' directories wakes us when a holder closes a file,
 * and a timer with exponential backoff and jitter covers what inotify cannot
 * see (a holder that only does LOCK_UN, NFS, other hosts).
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
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "waiter.h"

#define WAITER_BACKOFF_MIN	0.005	/* first fallback retry, seconds */
#define WAITER_EVENT_RETRY	0.001	/* second try after a close event */
#define WAITER_BLIND_MAX	0.1	/* polling ceiling without a watch, and
					   the latest retry after an event */

/*
 * One inotify descriptor serves every waiter of the process: the watches on
 * directories are counted, the waiters kept in order of arrival.
 */
struct waiter_watch {
	char	*dir;
	int	 wd;
	unsigned refs;
};

static TAILQ_HEAD(, waiter) waiter_list = TAILQ_HEAD_INITIALIZER(waiter_list);
static struct waiter_watch	*waiter_watches;
static size_t			 waiter_nwatches;
static int			 waiter_ifd = -1;
static ev_io			 waiter_io;

/* Why an attempt is made: it decides how the next one is scheduled. */
enum waiter_why {
	WAITER_WHY_TIMER,		/* the fallback backoff: a full scan */
	WAITER_WHY_EVENT,		/* a close event: the closed slots only */
	WAITER_WHY_EVENT_RETRY,		/* the same, a millisecond later */
};

static void	waiter_attempt(struct waiter *, enum waiter_why);

void
waiter_init(struct waiter *w)
{
	memset(w, 0, sizeof(*w));
}

static void
waiter_add(struct waiter *w, struct lock *l, struct sem *s)
{
	struct waiter_item	*it;

	w->items = util_xreallocarray(w->items, w->nitems + 1,
	    sizeof(*w->items));
	it = &w->items[w->nitems++];
	it->lock = l;
	it->sem = s;
	it->key = l != NULL ? l->path : s->pattern;
	it->wd = -1;
}

/* Add a lock to the set. */
void
waiter_add_lock(struct waiter *w, struct lock *l)
{
	waiter_add(w, l, NULL);
}

/* Add one slot of a semaphore to the set. */
void
waiter_add_sem(struct waiter *w, struct sem *s)
{
	waiter_add(w, NULL, s);
}

/* Forget the set (the locks and semaphores belong to the caller). */
void
waiter_clear(struct waiter *w)
{
	waiter_stop(w);
	free(w->items);
	w->items = NULL;
	w->nitems = 0;
	w->busy = 0;
}

static int
waiter_item_cmp(const void *a, const void *b)
{
	const struct waiter_item *x = a, *y = b;

	return (strcmp(x->key, y->key));
}

static int
waiter_item_try(struct waiter_item *it)
{
	return (it->lock != NULL ? lock_try(it->lock) : sem_try(it->sem));
}

static void
waiter_item_release(struct waiter_item *it)
{
	if (it->lock != NULL)
		lock_release(it->lock);
	else
		sem_release(it->sem);
}

/*
 * Try to take every item, in path order; all or none. 0 when all are held;
 * -1 with errno EWOULDBLOCK when one is busy (w->busy says which).
 */
int
waiter_try(struct waiter *w)
{
	size_t	i;

	if (w->nitems > 1)
		qsort(w->items, w->nitems, sizeof(*w->items), waiter_item_cmp);
	for (i = 0; i < w->nitems; i++) {
		if (waiter_item_try(&w->items[i]) == -1)
			goto fail;
	}
	/*
	 * The other slots' files are not needed until the next wait. Closing
	 * them now wakes the other waiters once more, but closing them with
	 * the held one at the end costs more: a burst of events then wakes
	 * each waiter several times.
	 */
	for (i = 0; i < w->nitems; i++) {
		if (w->items[i].sem != NULL)
			sem_close_spare(w->items[i].sem);
	}
	return (0);

fail:
	w->busy = i;
	while (i-- > 0)
		waiter_item_release(&w->items[i]);
	return (-1);
}

/* Release every item (the files stay open). */
void
waiter_release(struct waiter *w)
{
	size_t	i;

	for (i = 0; i < w->nitems; i++)
		waiter_item_release(&w->items[i]);
}

/* The path of the item that was busy at the last attempt. */
const char *
waiter_busy_path(const struct waiter *w)
{
	const struct waiter_item	*it;

	if (w->busy >= w->nitems)
		return ("?");
	it = &w->items[w->busy];
	return (it->lock != NULL ? it->lock->path : sem_error_path(it->sem));
}

#ifdef HAVE_SYS_INOTIFY_H
static int
waiter_basename_is(const char *path, const char *name)
{
	const char	*slash = strrchr(path, '/');

	return (strcmp(slash != NULL ? slash + 1 : path, name) == 0);
}

/*
 * A file called name was closed: is it the item's lock or one of its slots?
 * A slot is marked, so that the next try looks at it alone.
 */
static int
waiter_item_closed(const struct waiter_item *it, const char *name)
{
	int	slot;

	if (it->lock != NULL)
		return (waiter_basename_is(it->lock->path, name));
	if ((slot = sem_slot_of(it->sem, name)) == -1)
		return (0);
	sem_mark(it->sem, slot);
	return (1);
}

/* Read close events and wake the waiters whose files they name. */
static void
waiter_inotify_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	char				 buf[8192]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event	*ev;
	struct waiter			*w;
	ssize_t				 n;
	char				*p;
	size_t				 i;

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
			if (ev->mask & IN_Q_OVERFLOW) {
				/* Events were lost: every active waiter looks. */
				TAILQ_FOREACH(w, &waiter_list, entry)
					w->wake = !w->parked;
				continue;
			}
			if (ev->len == 0)
				continue;
			TAILQ_FOREACH(w, &waiter_list, entry) {
				for (i = 0; i < w->nitems; i++) {
					if (w->items[i].wd == ev->wd &&
					    waiter_item_closed(&w->items[i], ev->name))
						w->wake = 1;
				}
			}
		}
	}

	/*
	 * Callbacks may start, stop or free other waiters: take one at a time
	 * from the head, in order of arrival.
	 */
again:
	TAILQ_FOREACH(w, &waiter_list, entry) {
		if (w->wake) {
			w->wake = 0;
			waiter_attempt(w, WAITER_WHY_EVENT);
			goto again;
		}
	}
}

/* Watch the directory of path for closes; the watch descriptor or -1. */
static int
waiter_watch_add(struct ev_loop *loop, const char *path)
{
	static int	 told;
	char		*dir, *slash;
	size_t		 i;
	int		 wd;

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

	slash = strrchr(path, '/');
	if (slash == NULL)
		dir = util_xstrdup(".");
	else if (slash == path)
		dir = util_xstrdup("/");
	else
		dir = util_xstrndup(path, slash - path);
	for (i = 0; i < waiter_nwatches; i++) {
		if (strcmp(waiter_watches[i].dir, dir) == 0) {
			waiter_watches[i].refs++;
			free(dir);
			return (waiter_watches[i].wd);
		}
	}
	wd = inotify_add_watch(waiter_ifd, dir,
	    IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_ONLYDIR);
	if (wd == -1) {
		log_debug("%s: cannot watch, polling only: %s", dir,
		    strerror(errno));
		free(dir);
		return (-1);
	}
	waiter_watches = util_xreallocarray(waiter_watches,
	    waiter_nwatches + 1, sizeof(*waiter_watches));
	waiter_watches[waiter_nwatches].dir = dir;
	waiter_watches[waiter_nwatches].wd = wd;
	waiter_watches[waiter_nwatches].refs = 1;
	waiter_nwatches++;
	return (wd);
}

/* Drop one reference to a watch; the last one removes it. */
static void
waiter_watch_del(struct ev_loop *loop, int wd)
{
	size_t	i;

	(void)loop;
	for (i = 0; i < waiter_nwatches; i++) {
		if (waiter_watches[i].wd != wd || --waiter_watches[i].refs > 0)
			continue;
		(void)inotify_rm_watch(waiter_ifd, wd);
		free(waiter_watches[i].dir);
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
waiter_watch_del(struct ev_loop *loop, int wd)
{
	(void)loop;
	(void)wd;
}

static void
waiter_watch_idle(struct ev_loop *loop)
{
	(void)loop;
}
#endif

/* Do two waiters wait for the same files in the same modes? */
static int
waiter_same(const struct waiter *a, const struct waiter *b)
{
	size_t	i;

	if (a->nitems != b->nitems)
		return (0);
	for (i = 0; i < a->nitems; i++) {
		if (strcmp(a->items[i].key, b->items[i].key) != 0 ||
		    (a->items[i].lock != NULL) != (b->items[i].lock != NULL) ||
		    (a->items[i].lock != NULL &&
		    a->items[i].lock->mode != b->items[i].lock->mode))
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
	qsort(w->items, w->nitems, sizeof(*w->items), waiter_item_cmp);
	TAILQ_FOREACH(o, &waiter_list, entry) {
		if (o != w && waiter_same(o, w))
			return (1);
	}
	return (0);
}

/* Schedule the next fallback retry: exponential backoff with jitter. */
static void
waiter_schedule(struct waiter *w, double after)
{
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
 * The backoff ceiling: retry_interval, or much less while some directory
 * has no watch (no inotify instance left: the user has too many waiting
 * processes). Each blind retry also tries to get a watch again, as
 * instances are freed by processes that are done.
 */
static double
waiter_ceiling(struct waiter *w)
{
	size_t	i;
	int	blind = 0;

	for (i = 0; i < w->nitems; i++) {
		if (w->items[i].wd == -1)
			w->items[i].wd = waiter_watch_add(w->loop,
			    w->items[i].key);
		if (w->items[i].wd == -1)
			blind = 1;
	}
	if (blind && w->retry_max > WAITER_BLIND_MAX)
		return (WAITER_BLIND_MAX);
	return (w->retry_max);
}

/* Forget the slots that close events pointed at: the next try scans all. */
static void
waiter_unmark(struct waiter *w)
{
	size_t	i;

	for (i = 0; i < w->nitems; i++) {
		if (w->items[i].sem != NULL)
			sem_unmark(w->items[i].sem);
	}
}

/* One attempt; on an inotify event, one more about a millisecond later. */
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
	if (errno != EWOULDBLOCK && errno != EAGAIN) {
		waiter_finish(w, -1, errno);
		return;
	}
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

/* Wait actively: watch the directories and try at once. */
static void
waiter_activate(struct waiter *w)
{
	size_t	i;

	w->parked = 0;
	for (i = 0; i < w->nitems; i++)
		w->items[i].wd = waiter_watch_add(w->loop, w->items[i].key);
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
	for (i = 0; i < w->nitems; i++) {
		if (w->items[i].wd != -1)
			waiter_watch_del(w->loop, w->items[i].wd);
		w->items[i].wd = -1;
	}
	TAILQ_REMOVE(&waiter_list, w, entry);
	w->parked = 0;
	if (TAILQ_EMPTY(&waiter_list))
		waiter_watch_idle(w->loop);
}
