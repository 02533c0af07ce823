/*
 * res_queue.c: a first-come, first-served queue in front of a resource.
 *
 * flock(2) serves nobody in order: when a lock is released, whichever
 * waiter tries first gets it, and every waiter wakes to try. A queue puts
 * the waiters of a resource in the order they came, across every lockrun
 * of the host, and wakes only the one whose turn it is:
 *
 *  - A waiter that finds the resource busy, or others already queued,
 *    takes a ticket: a FIFO in the queue's directory, named by the time
 *    its waiter came (CLOCK_MONOTONIC, one clock for every process), its
 *    pid and whether it reads or writes. It holds the FIFO open for
 *    reading for as long as it waits.
 *  - Only the head of the queue (no live ticket before it) tries the
 *    resource, woken by its files' closes (resource.h); the others try
 *    nothing. A reader may try too when every live ticket before it is a
 *    reader's: a writer waits only for the readers that came before it,
 *    and readers that come after a waiting writer wait behind it.
 *  - Every other waiter opens the FIFO of the nearest live ticket before
 *    it for writing and watches that descriptor: the kernel reports an
 *    error on it as soon as nobody holds the FIFO for reading, that is
 *    when that waiter took the resource and left, or died (SIGKILL too).
 *    No inotify instance and no polling per waiter: a release wakes one.
 *  - A dead waiter's ticket (a FIFO nobody reads: opening it for writing
 *    fails with ENXIO) is removed by whoever finds it.
 *
 * All-or-nothing acquisition of several resources stays deadlock-free:
 * a waiter's tickets all carry the time its waiter came (r->arrival), so
 * every queue orders the waiters it shares with another alike, and the
 * first of those that came is at the head of each of its queues; a later
 * waiter never stands before an earlier one anywhere, so no cycle forms.
 *
 * Waiters that do not queue (flock(1), portalocker, an older lockrun) may
 * take the resource while it is free: the head then finds it busy and
 * waits on. Within one lockrun, waiters of one set wait behind one
 * another (waiter.c) and hold one place in the queue at a time. Whoever
 * can write the queue's directory (a shared lock dir: any of its users)
 * can add or remove tickets: that changes the order, never who holds the
 * resource. Finding a ticket's predecessor reads the queue's directory,
 * once per ticket that leaves before it.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "res_queue.h"
#include "util.h"


struct res_queue {
	struct resource	 r;
	struct resource	*inner;
	char		*dir;		/* the queue's directory */
	char		*lockdir;	/* ... and where it is made */
	int		 kind;
	char		*name;		/* NULL: by the inner file's inode */
	int		 shared;

	char		 ticket[LOCKDIR_TICKET_MAX + 1];	/* ours, or "" */
	int		 rfd;		/* our FIFO, read end */
	int		 pfd;		/* our predecessor's, write end */
	int		 eligible;	/* may try now */
	unsigned	 ahead;		/* live tickets before ours */

	struct ev_loop	*loop;
	ev_io		 pio;
	resource_wake_cb *wake;
	void		*wake_arg;
};

#define RES_QUEUE(r)	((struct res_queue *)(r))

static void	queue_watch_pred(struct res_queue *);

/* Make a directory if missing, with mode whatever the umask. */
static int
queue_mkdir(const char *path, mode_t mode)
{
	struct stat	st;

	if (mkdir(path, mode) == 0)
		return (chmod(path, mode));
	if (errno != EEXIST)
		return (-1);
	if (lstat(path, &st) == -1)
		return (-1);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return (-1);
	}
	return (0);
}

/*
 * The queue's directory, made if missing: as open as the lock dir (its
 * users, in a shared one, must all put tickets there), sticky.
 */
/*
 * A lock file anywhere (ad hoc --lock): its queue is named by the file's
 * device and inode, whatever path names it.
 */
static int
queue_name_file(struct res_queue *q)
{
	struct stat	st;
	char		name[64];

	if (stat(resource_where(q->inner), &st) == -1)
		return (-1);
	snprintf(name, sizeof(name), "%llx-%llx",
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
	q->dir = lockdir_queue_dir(q->lockdir, LOCKDIR_QUEUE_FILE, name);
	return (0);
}

/*
 * The queue's directory, made if missing: as open as the lock dir (its
 * users, in a shared one, must all put tickets there), sticky.
 */
static int
queue_open_dir(struct res_queue *q)
{
	struct stat	 st;
	char		*root;
	mode_t		 mode;
	int		 rc;

	if (q->dir == NULL && queue_name_file(q) == -1)
		return (-1);
	if (stat(q->lockdir, &st) == -1)
		return (-1);
	mode = (st.st_mode & S_IWOTH) ? 01777 : 0700;
	root = lockdir_queue_root(q->lockdir);
	rc = queue_mkdir(root, mode);
	free(root);
	if (rc == -1)
		return (-1);
	return (queue_mkdir(q->dir, mode));
}

/* Now, on the clock every process shares, in nanoseconds. */
static unsigned long long
queue_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return ((unsigned long long)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
}

/* Is name a ticket? Its mode in *reader. */
static int
queue_is_ticket(const char *name, int *reader)
{
	struct lockdir_ticket	t;

	if (lockdir_ticket_parse(name, &t) == -1)
		return (0);
	*reader = t.reader;
	return (1);
}

static int
queue_name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Is the ticket name (in the queue's directory) held by a live waiter? */
static int
queue_alive(struct res_queue *q, const char *name, int *wfd)
{
	char	*path;
	int	 fd;

	util_xasprintf(&path, "%s/%s", q->dir, name);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd == -1 && errno == ENXIO)
		(void)unlink(path);	/* nobody reads it: its waiter died */
	free(path);
	if (fd == -1)
		return (0);
	if (wfd != NULL)
		*wfd = fd;
	else
		close(fd);
	return (1);
}

/*
 * Look at the queue: how many live tickets are before ours, may we try
 * (nothing before us, or only readers and we read), and the descriptor of
 * the nearest one before us to watch (-1: none). Reading the directory
 * is the one cost that grows with the queue; it is paid when a waiter
 * joins and each time the one before it leaves.
 */
static void
queue_look(struct res_queue *q)
{
	struct dirent	 *de;
	DIR		 *d;
	char		**names = NULL;
	size_t		  n = 0, cap = 0, i;
	int		  reader, wfd, writers_before = 0;

	/* libev must let go of a descriptor before it is closed. */
	if (q->loop != NULL && ev_is_active(&q->pio))
		ev_io_stop(q->loop, &q->pio);
	if (q->pfd != -1) {
		close(q->pfd);
		q->pfd = -1;
	}
	q->ahead = 0;
	q->eligible = 1;
	if ((d = opendir(q->dir)) == NULL)
		return;			/* the queue is gone: just try */
	while ((de = readdir(d)) != NULL) {
		if (!queue_is_ticket(de->d_name, &reader) ||
		    strcmp(de->d_name, q->ticket) >= 0)
			continue;
		if (n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			names = util_xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = util_xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), queue_name_cmp);
	/* From the nearest back: the first live one is ours to watch. */
	for (i = n; i-- > 0; ) {
		reader = 0;
		(void)queue_is_ticket(names[i], &reader);
		if (!queue_alive(q, names[i], q->pfd == -1 ? &wfd : NULL))
			continue;
		if (q->pfd == -1)
			q->pfd = wfd;
		q->ahead++;
		if (!reader)
			writers_before = 1;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	q->eligible = q->ahead == 0 || (q->shared && !writers_before);
}

/*
 * Take a ticket: a FIFO made under a temporary name, opened for reading,
 * then renamed into the queue, so that a ticket anyone sees is always
 * held. -1 if the queue cannot be used (then we simply try unordered).
 */
static int
queue_join(struct res_queue *q)
{
	struct lockdir_ticket	 t;
	char			*tmp = NULL, *path = NULL;
	int			 fd = -1, saved;

	if (queue_open_dir(q) == -1)
		return (-1);
	if (q->r.arrival == 0)
		q->r.arrival = queue_now();
	t.arrival = q->r.arrival;
	t.pid = (unsigned long)getpid();
	t.reader = q->shared;
	lockdir_ticket_name(&t, q->ticket, sizeof(q->ticket));
	util_xasprintf(&tmp, "%s/.%s", q->dir, q->ticket);
	util_xasprintf(&path, "%s/%s", q->dir, q->ticket);
	(void)unlink(tmp);
	/* Others open it for writing only, to watch it. */
	if (mkfifo(tmp, 0622) == -1 || chmod(tmp, 0622) == -1)
		goto fail;
	if ((fd = open(tmp, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) ==
	    -1)
		goto fail;
	if (rename(tmp, path) == -1)
		goto fail;
	free(tmp);
	free(path);
	q->rfd = fd;
	queue_look(q);
	if (!q->eligible)
		queue_watch_pred(q);	/* if armed already */
	return (0);

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlink(tmp);
	free(tmp);
	free(path);
	q->ticket[0] = '\0';
	errno = saved;
	return (-1);
}

/* Leave the queue: the one behind us is told by the kernel. */
static void
queue_leave(struct res_queue *q)
{
	char	*path;

	if (q->loop != NULL && ev_is_active(&q->pio))
		ev_io_stop(q->loop, &q->pio);
	if (q->ticket[0] != '\0') {
		/* Gone from the directory before the FIFO is closed. */
		util_xasprintf(&path, "%s/%s", q->dir, q->ticket);
		(void)unlink(path);
		free(path);
		q->ticket[0] = '\0';
	}
	if (q->rfd != -1)
		close(q->rfd);
	if (q->pfd != -1)
		close(q->pfd);
	q->rfd = q->pfd = -1;
	q->eligible = 0;
	q->ahead = 0;
}

/* Are there live tickets in the queue (before anyone's)? */
static int
queue_busy(struct res_queue *q)
{
	struct dirent	*de;
	DIR		*d;
	int		 reader, busy = 0;

	if (q->dir == NULL && queue_name_file(q) == -1)
		return (0);	/* no such file yet: nobody can queue for it */
	if ((d = opendir(q->dir)) == NULL)
		return (0);
	while (!busy && (de = readdir(d)) != NULL) {
		if (queue_is_ticket(de->d_name, &reader) &&
		    queue_alive(q, de->d_name, NULL))
			busy = 1;
	}
	closedir(d);
	return (busy);
}

/*
 * Take the resource when it is our turn. Not queued yet: try at once if
 * nobody queues (the common, uncontended case costs one directory read),
 * and take a ticket if that fails or others are queued.
 */
static int
queue_try(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);
	int			 rc;

	/* Held for us by an ancestor: no queue to stand in (it would wait
	   behind those who wait for the ancestor, who waits for us). */
	if (q->inner->ops->inherited != NULL &&
	    (rc = q->inner->ops->inherited(q->inner)) != 0)
		return (rc == 1 ? resource_try(q->inner) : -1);
	if (q->ticket[0] == '\0') {
		if (!queue_busy(q)) {
			if (resource_try(q->inner) == 0)
				return (0);
			if (errno != EWOULDBLOCK && errno != EAGAIN)
				return (-1);
		}
		if (queue_join(q) == -1)
			return (resource_try(q->inner));	/* unordered */
	}
	if (!q->eligible) {
		/*
		 * Not our turn, as far as we knew. The one before us tells us
		 * when it leaves; a ticket that came in before ours meanwhile
		 * does not: a retry looks again.
		 */
		queue_look(q);
		queue_watch_pred(q);
		if (!q->eligible) {
			errno = EWOULDBLOCK;
			return (-1);
		}
	}
	return (resource_try(q->inner));
}

static void
queue_release(struct resource *r)
{
	resource_release(RES_QUEUE(r)->inner);
}

/* It is held for good: leave the queue, to the one behind us. */
static void
queue_settle(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	q->inner->ops->settle(q->inner);
	queue_leave(q);
	r->arrival = 0;
}

static void
queue_close(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	queue_leave(q);
	r->arrival = 0;
	resource_close(q->inner);
}

static void
queue_free(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	queue_leave(q);
	resource_free(q->inner);
	free(r->key);
	free(q->dir);
	free(q->lockdir);
	free(q->name);
	free(q);
}

static int
queue_fd(const struct resource *r)
{
	return (resource_fd(RES_QUEUE(r)->inner));
}

static int
queue_slot(const struct resource *r)
{
	const struct resource	*in = RES_QUEUE(r)->inner;

	return (in->ops->slot(in));
}

static int
queue_note(struct resource *r, pid_t pid, const char *label)
{
	struct resource	*in = RES_QUEUE(r)->inner;

	return (in->ops->note(in, pid, label));
}

/* Only the head watches the resource itself; the others, nothing. */
static const char *
queue_watch(const struct resource *r, size_t i)
{
	const struct res_queue	*q = RES_QUEUE(r);

	if (q->ticket[0] != '\0' && !q->eligible)
		return (NULL);
	return (q->inner->ops->watch(q->inner, i));
}

static void
queue_closed(struct resource *r, size_t i)
{
	struct resource	*in = RES_QUEUE(r)->inner;

	in->ops->closed(in, i);
}

static void
queue_unmark(struct resource *r)
{
	struct resource	*in = RES_QUEUE(r)->inner;

	in->ops->unmark(in);
}

/* The one before us left (took the resource, or died): look again. */
static void
queue_pred_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct res_queue	*q = w->data;

	(void)revents;
	ev_io_stop(loop, w);
	queue_look(q);
	if (q->eligible)
		q->wake(&q->r, q->wake_arg);	/* may free q */
	else
		queue_watch_pred(q);
}

/*
 * Watch the descriptor of the FIFO before ours: the kernel reports POLLERR
 * on it (which libev gives as readable) once nobody reads that FIFO.
 */
static void
queue_watch_pred(struct res_queue *q)
{
	if (q->loop == NULL)
		return;			/* not armed yet: arm will */
	if (ev_is_active(&q->pio)) {
		if (q->pio.fd == q->pfd)
			return;
		ev_io_stop(q->loop, &q->pio);
	}
	if (q->pfd == -1 || q->eligible)
		return;
	ev_io_set(&q->pio, q->pfd, EV_READ);
	ev_io_start(q->loop, &q->pio);
}

static void
queue_arm(struct resource *r, struct ev_loop *loop, resource_wake_cb *wake,
    void *arg)
{
	struct res_queue	*q = RES_QUEUE(r);

	q->loop = loop;
	q->wake = wake;
	q->wake_arg = arg;
	if (q->ticket[0] != '\0' && !q->eligible)
		queue_watch_pred(q);
}

static void
queue_disarm(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	if (q->loop != NULL && ev_is_active(&q->pio))
		ev_io_stop(q->loop, &q->pio);
}

static const char *
queue_where(const struct resource *r)
{
	return (resource_where(RES_QUEUE(r)->inner));
}

/* "semaphore gpu: 2/2 slots busy (pids 1, 2); 3 waiting before us". */
static void
queue_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct res_queue	*q = RES_QUEUE(r);
	size_t			 n;

	q->inner->ops->describe(q->inner, cheap, buf, len);
	n = strlen(buf);
	if (q->ticket[0] != '\0' && q->ahead > 0 && n < len)
		snprintf(buf + n, len - n, "; %u waiting before us%s",
		    q->ahead, q->eligible ? " (readers)" : "");
}

static const struct resource_ops res_queue_ops = {
	.kind = "queue",
	.try = queue_try,
	.release = queue_release,
	.settle = queue_settle,
	.close = queue_close,
	.free = queue_free,
	.fd = queue_fd,
	.slot = queue_slot,
	.note = queue_note,
	.watch = queue_watch,
	.closed = queue_closed,
	.unmark = queue_unmark,
	.arm = queue_arm,
	.disarm = queue_disarm,
	.where = queue_where,
	.describe = queue_describe,
};

/*
 * A queue in front of inner, in lock dir lockdir: of kind and name (or,
 * with name NULL, of the file inner locks, named by its inode once it is
 * open). The queue takes inner over: freeing it frees inner.
 */
struct resource *
res_queue_new(struct resource *inner, const char *lockdir,
    enum lockdir_queue_kind kind, const char *name)
{
	struct res_queue	*q;

	q = util_xcalloc(1, sizeof(*q));
	q->r.ops = &res_queue_ops;
	q->r.key = util_xstrdup(inner->key);
	q->r.shared = inner->shared;
	q->inner = inner;
	q->lockdir = util_xstrdup(lockdir);
	q->kind = kind;
	q->shared = inner->shared;
	if (name != NULL) {
		q->name = util_xstrdup(name);
		q->dir = lockdir_queue_dir(lockdir, kind, name);
	}
	q->rfd = q->pfd = -1;
	ev_io_init(&q->pio, queue_pred_cb, -1, EV_READ);
	q->pio.data = q;
	return (&q->r);
}

/* The resource a queue is in front of. */
struct resource *
res_queue_inner(struct resource *r)
{
	return (r != NULL && r->ops == &res_queue_ops ? RES_QUEUE(r)->inner :
	    r);
}
