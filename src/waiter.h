/* waiter.h: all-or-nothing acquisition of locks and slots, without spinning. */
#ifndef LOCKRUN_WAITER_H
#define LOCKRUN_WAITER_H

#include <sys/queue.h>

#include <ev.h>

#include "lock.h"
#include "sem.h"

struct waiter;

/* Called once: 0 when everything is held; -1 and errno (ETIMEDOUT) if not. */
typedef void waiter_cb(struct waiter *, int, void *);

struct waiter_item {
	struct lock	*lock;		/* exactly one of lock, sem */
	struct sem	*sem;
	const char	*key;		/* sort key: a path, or a slot prefix */
	int		 wd;		/* inotify watch of its directory, or -1 */
};

struct waiter {
	struct waiter_item	*items;
	size_t			 nitems;
	size_t			 busy;		/* item that failed last */

	struct ev_loop		*loop;
	ev_timer		 retry;
	ev_timer		 deadline;
	double			 backoff;
	double			 retry_max;
	int			 active;
	int			 parked;	/* queued behind an equal waiter */
	int			 wake;
	int			 event_retry;	/* the retry timer follows an event */
	waiter_cb		*cb;
	void			*arg;
	TAILQ_ENTRY(waiter)	 entry;
};

void	waiter_init(struct waiter *);
void	waiter_add_lock(struct waiter *, struct lock *);
void	waiter_add_sem(struct waiter *, struct sem *);
void	waiter_clear(struct waiter *);
int	waiter_try(struct waiter *);
int	waiter_queued(struct waiter *);
void	waiter_release(struct waiter *);
void	waiter_start(struct waiter *, struct ev_loop *, double, double,
	    waiter_cb *, void *);
void	waiter_stop(struct waiter *);
const char *waiter_busy_path(const struct waiter *);

#endif
