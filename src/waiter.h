/* waiter.h: all-or-nothing acquisition of resources, without spinning. */
#ifndef LOCKRUN_WAITER_H
#define LOCKRUN_WAITER_H

#include <sys/queue.h>

#include <ev.h>

#include "resource.h"

struct waiter;

/*
 * Called once: 0 when everything is held; -1 and errno (ETIMEDOUT, or
 * EWOULDBLOCK for a resource marked nowait) if not.
 */
typedef void waiter_cb(struct waiter *, int, void *);

struct waiter_item {
	struct resource	*res;
	int		*wds;		/* inotify watches of its files, or -1 */
	size_t		 nwds;
	int		 armed;		/* arm()ed, for kinds without files */
};

struct waiter {
	struct waiter_item	*items;
	size_t			 nitems;
	size_t			 busy;		/* item that failed last */
	int			 busy_errno;	/* ... and why */

	struct ev_loop		*loop;
	ev_timer		 retry;
	ev_timer		 deadline;
	double			 backoff;
	double			 retry_max;
	int			 active;
	int			 parked;	/* queued behind an equal waiter */
	int			 wake;
	int			 event_retry;	/* the retry timer follows an event */
	unsigned long long	 arrival;	/* when it came: its place in queues */
	waiter_cb		*cb;
	void			*arg;
	TAILQ_ENTRY(waiter)	 entry;
};

void	waiter_init(struct waiter *);
void	waiter_add(struct waiter *, struct resource *);
void	waiter_clear(struct waiter *);
int	waiter_try(struct waiter *);
int	waiter_queued(struct waiter *);
int	waiter_pending(int);
void	waiter_release(struct waiter *);
void	waiter_start(struct waiter *, struct ev_loop *, double, double,
	    waiter_cb *, void *);
void	waiter_stop(struct waiter *);
struct resource *waiter_busy(const struct waiter *);
const char *waiter_busy_path(const struct waiter *);

#endif
