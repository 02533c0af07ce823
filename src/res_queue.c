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
 *  - A waiter removes its ticket when it takes the resource. One that
 *    dies or gives up leaves it unread (opening it for writing fails with
 *    ENXIO), and it is removed later by a waiter with nobody before it
 *    (queue_pick says why it matters who).
 *
 * Only a waiter that wants this one resource queues. One that wants
 * several, all or nothing, tries them unordered, as flock(2) would: at the
 * head of one queue while it waits for another resource, it would keep
 * that queue's others from a free resource, and two such waiters, or one
 * and a resource it holds already (its PID file), can wait for each other
 * for ever.
 *
 * Who counts: a ticket is a FIFO, owned by us or root, that its waiter
 * holds open, and whose process is not stopped (a Ctrl-Z must not hold up
 * the queue; the one passed over queues again when continued). Anything
 * else in the directory is passed over: another user's tickets could keep
 * us waiting for ever, so each user's waiters (and root's) queue among
 * themselves, and between users the lock alone decides. Waiters that do
 * not queue (flock(1), portalocker, an older lockrun) may take the
 * resource while it is free: the head then finds it busy and waits on.
 * Within one lockrun, waiters of one set wait behind one another
 * (waiter.c) and hold one place in the queue at a time.
 * Every name in the queue's directory is opened under its descriptor and
 * never through a symlink.
 *
 * What a waiter costs does not grow with the queue: each user's waiters
 * keep a tail, the name of the last ticket they put in the queue, in a
 * file of that user's (.tail-<uid>). A waiter that comes takes the tail's
 * lock, and the ticket it names is the one before its own (root's tail
 * too, for a user's waiter); it joins and names its own ticket there. So
 * a tail names the last to join, who knew of every ticket before it, and
 * once that one took the resource, all of that user's before it are done
 * with. A waiter reads the whole directory only when the tail cannot say
 * that: it is new or not ours; another of ours is joining just then
 * (nobody waits for that lock: the one who does not get it reads the
 * directory, and removes the tail before it joins, as one who kept an
 * earlier place does, since the tail will not be right); the one it names
 * is a reader (a reader reads the directory too, to find the writers
 * before it), left without taking the resource, or is root's and gone
 * (root's last to take says on its tail that none of root's is in line).
 * It keeps the tickets it found before its own: when the one it watches
 * leaves, the next is the nearest of those still there.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
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
	char		*lockdir;	/* where the queue is */
	int		 kind;
	char		*name;		/* "<k>-<name>"; NULL: by the file's inode */
	int		 dfd;		/* the queue's directory, or -1 */
	int		 shared;
	uid_t		 euid;		/* ours: whose tickets are ours */

	char		 ticket[LOCKDIR_TICKET_MAX + 1];	/* ours, or "" */
	struct lockdir_ticket self;	/* what ours is, or will be */
	struct queue_entry *before;	/* the tickets before ours, oldest
					   first, as read (or as the tails
					   said): only shrinks till read again */
	size_t		 nbefore, capbefore;
	int		 partial;	/* before holds what the tails named,
					   not the whole queue */
	int		 newer;		/* reading it, we saw a ticket after
					   ours */
	struct lockdir_ticket *dead;	/* dead ones of ours we passed, to
					   remove when none before is live */
	size_t		 ndead, capdead;
	int		 rfd;		/* our FIFO, read end */
	struct timespec	 mtime;		/* its mtime when made: one who passes
					   us over, stopped, changes it */
	int		 pfd;		/* our predecessor's, write end */
	int		 eligible;	/* may try now */
	pid_t		 pred;		/* whose FIFO pfd is */
	pid_t		 writer;	/* a reader's nearest live writer
					   ahead, or 0 */

	struct ev_loop	*loop;
	ev_io		 pio;
	ev_signal	 cont;		/* we were stopped: to the end */
	resource_wake_cb *wake;
	void		*wake_arg;
};

#define RES_QUEUE(r)	((struct res_queue *)(r))

/*
 * How soon a waiter behind one that was stopped (SIGSTOP, Ctrl-Z: nothing
 * it can be told) passes it over, at the latest: the fallback retry of a
 * waiter in line, which a waiter that is not stopped never needs.
 */
#define QUEUE_PATIENCE	5.0	/* seconds */

/* A ticket before ours, and whether we saw it wait: one of our user's. */
struct queue_entry {
	struct lockdir_ticket	t;
	int			seen;
};

static void	queue_watch_pred(struct res_queue *);

/*
 * The queue's directory; with create, made if missing: as open as the lock
 * dir (all its users, in a shared one, put tickets there), sticky. Every
 * operation on it goes through this descriptor, never through a symlink,
 * and looks at what it opened before it trusts it: whoever can write the
 * queue's directory (every user of a shared lock dir) may put anything
 * there, and can only change the order of its own tickets by it. A queue
 * directory another user made (who could rename our tickets in it) is not
 * used (lockdir_queue_open): our waiters then try unordered.
 */
static int
queue_open_dir(struct res_queue *q, int create)
{
	struct stat	 st;
	char		 name[64];
	mode_t		 mode;

	if (q->dfd != -1)
		return (0);
	if (q->name == NULL) {
		/* A lock file anywhere: named by its device and inode. */
		if (stat(resource_where(q->inner), &st) == -1)
			return (-1);
		snprintf(name, sizeof(name), "%c-%llx-%llx",
		    LOCKDIR_QUEUE_FILE, (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);
		q->name = util_xstrdup(name);
	}
	if (stat(q->lockdir, &st) == -1)
		return (-1);
	mode = !create ? 0 : (st.st_mode & S_IWOTH) ? 01777 : 0700;
	q->dfd = lockdir_queue_open(q->lockdir, q->name, mode);
	return (q->dfd == -1 ? -1 : 0);
}

/*
 * Read the queue's directory from its start: a stream on a copy of its
 * descriptor, which shares the offset where the last reading stopped.
 */
static DIR *
queue_opendir(struct res_queue *q)
{
	DIR	*d;
	int	 fd;

	if ((fd = dup(q->dfd)) == -1)
		return (NULL);
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return (NULL);
	}
	rewinddir(d);
	return (d);
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

/* Is process pid stopped: 1, running: 0, or not to be seen (gone): -1? */
static int
queue_stopped(pid_t pid)
{
	struct util_proc	p;

	if (util_proc_stat(pid, &p) == -1)
		return (-1);
	return (p.state == 'T' || p.state == 't');
}

/* Queue order: by arrival, then pid (two waiters can share a nanosecond). */
static int
queue_ticket_cmp(const void *a, const void *b)
{
	const struct lockdir_ticket *x = a, *y = b;

	if (x->arrival != y->arrival)
		return (x->arrival < y->arrival ? -1 : 1);
	if (x->pid != y->pid)
		return (x->pid < y->pid ? -1 : 1);
	return (0);
}

/* What a ticket before ours is, when looked at. */
enum queue_state {
	QUEUE_TOOK,		/* not there: took the resource, or was removed
				   dead (see queue_pick) */
	QUEUE_GONE,		/* not one we wait for: another user's, not a
				   FIFO, or its waiter is stopped */
	QUEUE_DEAD,		/* a FIFO nobody reads: its waiter died or gave
				   up */
	QUEUE_LIVE,		/* its waiter waits */
	QUEUE_UNSURE,		/* cannot be looked at now (no descriptor):
				   counted, and looked at again at a retry */
};

/*
 * Does ticket t count: a FIFO of ours or root's (anyone else's could block
 * us forever, and is left to the lock itself), held open for reading by its
 * waiter, whose process is not stopped (a Ctrl-Z must not hold up the
 * queue; it queues again when continued: queue_cont_cb)? With wfd, the
 * write end of a live one is kept there. Its owner in *owner.
 */
static enum queue_state
queue_counts(struct res_queue *q, const struct lockdir_ticket *t, int *wfd,
    uid_t *owner)
{
	char		name[LOCKDIR_TICKET_MAX + 1];
	struct stat	a, b;
	int		fd;

	lockdir_ticket_name(t, name, sizeof(name));
	if (fstatat(q->dfd, name, &a, AT_SYMLINK_NOFOLLOW) == -1)
		return (errno == ENOENT ? QUEUE_TOOK : QUEUE_UNSURE);
	*owner = a.st_uid;
	if (!S_ISFIFO(a.st_mode) || (a.st_uid != 0 && a.st_uid != q->euid))
		return (QUEUE_GONE);
	if ((fd = lockdir_ticket_open(q->dfd, name)) == -1) {
		if (errno == ENOENT)
			return (QUEUE_TOOK);
		return (errno == ENXIO ? QUEUE_DEAD : QUEUE_UNSURE);
	}
	if (fstat(fd, &b) == -1 || b.st_ino != a.st_ino ||
	    b.st_dev != a.st_dev || !S_ISFIFO(b.st_mode) ||
	    /* A waiter we cannot see (another PID namespace) counts. */
	    queue_stopped((pid_t)t->pid) == 1) {
		/* Passed over while stopped: it is told (queue_cont_cb). */
		if (S_ISFIFO(b.st_mode))
			(void)futimens(fd, NULL);
		close(fd);
		return (QUEUE_GONE);
	}
	if (wfd != NULL)
		*wfd = fd;
	else
		close(fd);
	return (QUEUE_LIVE);
}

/*
 * A name in the queue's directory: a ticket, spelled as we spell them (a
 * name spelled otherwise would be looked for under another), or the
 * temporary name of one (queue_join) whose waiter was killed before it
 * could rename it, and that is removed here.
 */
static int
queue_entry_name(struct res_queue *q, const char *name,
    struct lockdir_ticket *t)
{
	struct stat	st;
	int		fd;

	if (name[0] == '.' && lockdir_ticket_parse(name + 1, t) == 0) {
		if (kill((pid_t)t->pid, 0) == -1 && errno == ESRCH &&
		    fstatat(q->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISFIFO(st.st_mode) && st.st_uid == q->euid) {
			fd = lockdir_ticket_open(q->dfd, name);
			if (fd == -1 && errno == ENXIO)
				(void)unlinkat(q->dfd, name, 0);
			else if (fd != -1)
				close(fd);
		}
		return (-1);
	}
	return (lockdir_ticket_parse(name, t));
}

/* One more ticket before ours; seen: one of ours, known to have waited. */
static void
queue_before_add(struct res_queue *q, const struct lockdir_ticket *t,
    int seen)
{
	if (q->nbefore == q->capbefore) {
		q->capbefore = q->capbefore == 0 ? 16 : q->capbefore * 2;
		q->before = util_xreallocarray(q->before, q->capbefore,
		    sizeof(*q->before));
	}
	q->before[q->nbefore].t = *t;
	q->before[q->nbefore++].seen = seen;
}

/* The tickets before ours in order, oldest first. */
static void
queue_before_sort(struct res_queue *q)
{
	/* The ticket is the entry's first member: compared as one. */
	if (q->nbefore > 1)
		qsort(q->before, q->nbefore, sizeof(*q->before),
		    queue_ticket_cmp);
}

/*
 * Read the whole queue: the tickets before ours, oldest first. That is the
 * one cost that grows with the queue, paid only when the tails cannot say
 * who is before us (queue_look); from then on we keep what we read, and
 * drop what we find gone (queue_pick). A ticket stamped before ours that
 * comes in after this read (its waiter was slow between stamping and
 * joining, or is a supervisor's instance that kept its place while
 * another of its set was in line) is not seen: its waiter and we may then
 * both try, as flock(2) waiters do, and whoever comes second waits on.
 */
static void
queue_read(struct res_queue *q)
{
	struct lockdir_ticket	 t;
	struct dirent		*de;
	DIR			*d;
	unsigned long long	 now = queue_now();
	int			 c;

	q->nbefore = 0;
	q->partial = q->newer = 0;
	if ((d = queue_opendir(q)) == NULL)
		return;			/* just try */
	while ((de = readdir(d)) != NULL) {
		if (queue_entry_name(q, de->d_name, &t) == -1)
			continue;
		if ((c = queue_ticket_cmp(&t, &q->self)) < 0)
			queue_before_add(q, &t, 0);
		else if (c > 0 && t.arrival <= now)
			q->newer = 1;	/* not one from before a reboot */
	}
	closedir(d);
	queue_before_sort(q);
}

/*
 * The tail (see the top of this file): a record of fixed size, so that one
 * pwrite(2) replaces it whole. It says who of its user's waiters is last
 * in line, a ticket's name and a newline, or that none is, "-" and a
 * newline; empty or anything else, it cannot say.
 */
#define QUEUE_TAIL_SIZE	(LOCKDIR_TICKET_MAX + 2)

enum queue_says {
	QUEUE_SAYS_NOTHING,	/* read the queue */
	QUEUE_SAYS_NONE,	/* none of its user's waiters is in line */
	QUEUE_SAYS_LAST,	/* the last in line is that ticket */
};

struct queue_tail {
	enum queue_says		says;
	struct lockdir_ticket	last;
};

/* What the tail open on fd says. */
static void
queue_tail_get(int fd, struct queue_tail *tail)
{
	char	buf[QUEUE_TAIL_SIZE + 1], *nl, *p;
	ssize_t	n;

	tail->says = QUEUE_SAYS_NOTHING;
	if ((n = pread(fd, buf, sizeof(buf), 0)) != QUEUE_TAIL_SIZE ||
	    (nl = memchr(buf, '\n', (size_t)n)) == NULL)
		return;
	for (p = nl + 1; p < buf + n; p++)
		if (*p != '\0')
			return;
	*nl = '\0';
	if (strcmp(buf, "-") == 0)
		tail->says = QUEUE_SAYS_NONE;
	/* A time to come: written before the host rebooted, says nothing. */
	else if (lockdir_ticket_parse(buf, &tail->last) == 0 &&
	    tail->last.arrival <= queue_now())
		tail->says = QUEUE_SAYS_LAST;
}

/* Say t is last in line, or with t NULL, that nobody is. */
static int
queue_tail_put(int fd, const struct lockdir_ticket *t)
{
	char	buf[QUEUE_TAIL_SIZE];

	memset(buf, 0, sizeof(buf));
	if (t != NULL)
		lockdir_ticket_name(t, buf, sizeof(buf));
	else
		buf[0] = '-';
	buf[strlen(buf)] = '\n';
	return (pwrite(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(buf) ?
	    0 : -1);
}

/*
 * Is the file open on fd a tail of uid's: a plain file of its own, with no
 * other name (anyone may put a file of that name in a shared queue, and a
 * tail dropped while we opened it has none)? Its stat in *st.
 */
static int
queue_tail_of(int fd, uid_t uid, struct stat *st)
{
	return (fstat(fd, st) == 0 && S_ISREG(st->st_mode) &&
	    st->st_uid == uid && st->st_nlink == 1);
}

/*
 * Our tail, locked; with create, made if missing. -1 if another of ours
 * holds the lock (it is joining: we do not wait for it), or the file is not
 * ours (anyone may put a file of that name in a shared queue), or it was
 * removed while we opened it (queue_tail_drop). Root's is readable by all:
 * root's tickets count for every user's waiters (and so anyone can take
 * its lock: root's waiters then read the queue, and make a new tail).
 */
static int
queue_tail_lock(struct res_queue *q, int create)
{
	char		name[LOCKDIR_TAIL_NAME_MAX];
	struct stat	st;
	mode_t		mode = q->euid == 0 ? 0644 : 0600;
	int		fd;

	lockdir_tail_name(q->euid, name, sizeof(name));
	if ((fd = openat(q->dfd, name, O_RDWR | (create ? O_CREAT : 0) |
	    O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, mode)) == -1)
		return (-1);
	if (flock(fd, LOCK_EX | LOCK_NB) == -1 ||
	    !queue_tail_of(fd, q->euid, &st) || ((st.st_mode & 07777) != mode &&
	    fchmod(fd, mode) == -1) || (st.st_size > QUEUE_TAIL_SIZE &&
	    ftruncate(fd, 0) == -1)) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Let the tail go (tfd may be -1), errno as it was. */
static void
queue_tail_unlock(int tfd)
{
	int	saved = errno;

	if (tfd != -1)
		close(tfd);		/* the lock goes with it */
	errno = saved;
}

/*
 * Our tail could be wrong: removed (another user's too, if we may: root
 * may), so that whoever comes next reads the queue and makes a new one.
 * One that held its lock meanwhile writes to what was removed.
 */
static void
queue_tail_drop(struct res_queue *q)
{
	char	name[LOCKDIR_TAIL_NAME_MAX];

	lockdir_tail_name(q->euid, name, sizeof(name));
	(void)unlinkat(q->dfd, name, 0);
}

/*
 * For a user's waiter, what root's tail says: root's tickets count for it
 * too. None in a queue directory that is not root's: root's waiters do not
 * queue there (lockdir_queue_open). In root's, no tail says nothing: it
 * was removed, or root's waiters never queued here.
 */
static void
queue_tail_root(struct res_queue *q, struct queue_tail *tail)
{
	char		name[LOCKDIR_TAIL_NAME_MAX];
	struct stat	st;
	int		fd;

	tail->says = QUEUE_SAYS_NOTHING;
	if (fstat(q->dfd, &st) == -1)
		return;
	if (st.st_uid != 0) {
		tail->says = QUEUE_SAYS_NONE;
		return;
	}
	lockdir_tail_name(0, name, sizeof(name));
	if ((fd = openat(q->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC | O_NOCTTY)) == -1)
		return;
	if (queue_tail_of(fd, 0, &st))
		queue_tail_get(fd, tail);
	close(fd);
}

/* Does the tail say who is before us: nobody, or a ticket before ours? */
static int
queue_tail_says(const struct res_queue *q, const struct queue_tail *tail)
{
	return (tail->says == QUEUE_SAYS_NONE || (tail->says ==
	    QUEUE_SAYS_LAST && queue_ticket_cmp(&tail->last, &q->self) < 0));
}

/*
 * Who is before us, when we come. A writer whose tail is ours, locked, and
 * says who is before us, takes that, and root's, for a user's waiter:
 * queue_pick reads the rest only if it must. Anyone else reads the whole
 * queue. The tail's descriptor, locked, or -1; what it said in *tail.
 */
static int
queue_look(struct res_queue *q, struct queue_tail *tail)
{
	struct queue_tail	root;
	int			tfd;

	tail->says = QUEUE_SAYS_NOTHING;
	if ((tfd = queue_tail_lock(q, 1)) != -1)
		queue_tail_get(tfd, tail);
	root.says = QUEUE_SAYS_NONE;
	if (!q->shared && q->euid != 0 && queue_tail_says(q, tail))
		queue_tail_root(q, &root);
	if (q->shared || !queue_tail_says(q, tail) ||
	    !queue_tail_says(q, &root)) {
		queue_read(q);
		return (tfd);
	}
	q->nbefore = 0;
	if (tail->says == QUEUE_SAYS_LAST)
		queue_before_add(q, &tail->last, 1);
	if (root.says == QUEUE_SAYS_LAST)
		queue_before_add(q, &root.last, 0);
	queue_before_sort(q);
	q->partial = 1;
	q->newer = 0;
	return (tfd);
}

/*
 * Will the tail be wrong once we join? Without its lock, we cannot know
 * that it names the last to join, nor can the one who holds it know of
 * us; if it names a later one (ours kept an earlier place), that one may
 * not know of us. It is dropped before we join, so that whoever comes
 * after us reads the whole queue.
 */
static int
queue_tail_stale(const struct res_queue *q, int tfd,
    const struct queue_tail *tail)
{
	return (tfd == -1 || (tail->says == QUEUE_SAYS_LAST &&
	    queue_ticket_cmp(&tail->last, &q->self) > 0));
}

/*
 * We joined, the tail locked and right: it says we are last, unless it
 * said nothing and we saw a later one (it goes on saying nothing).
 */
static void
queue_tail_note(struct res_queue *q, int tfd, const struct queue_tail *tail)
{
	if ((tail->says != QUEUE_SAYS_NOTHING || !q->newer) &&
	    queue_tail_put(tfd, &q->self) == -1)
		queue_tail_drop(q);
}

/*
 * Root's waiter took the resource: if the tail says it was last, it says
 * now that none of root's is in line, so that users' waiters need not look
 * for root's (theirs, a tail naming one gone is enough: queue_pick).
 */
static void
queue_tail_took(struct res_queue *q)
{
	struct queue_tail	tail;
	int			tfd;

	if (q->euid != 0 || (tfd = queue_tail_lock(q, 0)) == -1)
		return;
	queue_tail_get(tfd, &tail);
	if (tail.says == QUEUE_SAYS_LAST &&
	    queue_ticket_cmp(&tail.last, &q->self) == 0 &&
	    queue_tail_put(tfd, NULL) == -1)
		queue_tail_drop(q);
	queue_tail_unlock(tfd);
}

/* Remove the dead tickets of ours we passed: nothing before them waits. */
static void
queue_bury(struct res_queue *q)
{
	char	name[LOCKDIR_TICKET_MAX + 1];
	size_t	i;

	for (i = 0; i < q->ndead; i++) {
		lockdir_ticket_name(&q->dead[i], name, sizeof(name));
		(void)unlinkat(q->dfd, name, 0);
	}
	q->ndead = 0;
}

/*
 * Who before us still counts, from the nearest back: the first live one is
 * ours to watch (its FIFO's write end in pfd). A writer stops there; a
 * reader goes on to the nearest live writer, and with none may try. What is
 * found gone leaves the list; what lies beyond where we stopped is not
 * looked at, so that a handoff costs the same whatever the queue's length.
 *
 * That needs to know, of a ticket no longer there, that all before it is
 * done with. A waiter removes its ticket only when it takes the resource
 * (queue_leave), when no ticket of its user before it waited (a reader:
 * no writer's); one that dies or gives up leaves its FIFO unread, and it
 * is removed (queue_bury) only by a waiter of the same user with none
 * before it waiting, to whom it was dead. So once a ticket we saw wait
 * is gone, those of our user before it are done with (for a reader, the
 * writers), and nothing further back is looked at. Another user's ticket
 * (root's, which we count) says nothing of ours when it goes, nor does a
 * name we never saw wait (anyone can make and remove names in a shared
 * lock dir): past those, we look on.
 *
 * What the tails named (q->partial) is only the last in line: ours (seen:
 * we trust our own tail) and root's. A writer that must look past one of
 * them (it left without taking the resource; it was a reader that took
 * it, whose readers before it may wait yet; or it was root's, which says
 * nothing of root's others) reads the whole queue first.
 */
static void
queue_pick(struct res_queue *q)
{
	struct queue_entry	e;
	enum queue_state	c;
	size_t			n, keep, i;
	uid_t			owner = (uid_t)-1;
	int			wfd = -1, live;

	/* libev must let go of a descriptor before it is closed. */
	if (q->loop != NULL && ev_is_active(&q->pio))
		ev_io_stop(q->loop, &q->pio);
	if (q->pfd != -1) {
		close(q->pfd);
		q->pfd = -1;
	}
again:
	q->pred = q->writer = 0;
	n = keep = i = q->nbefore;
	live = 0;
	while (i > 0) {
		e = q->before[--i];
		wfd = -1;
		c = queue_counts(q, &e.t, live ? NULL : &wfd, &owner);
		if (c == QUEUE_TOOK && e.seen && (!e.t.reader || q->shared)) {
			i = 0;			/* all before it done with */
			break;
		}
		if (q->partial && c != QUEUE_LIVE && c != QUEUE_UNSURE) {
			/* Nothing kept yet: a writer stops at a live one. */
			q->ndead = 0;
			queue_read(q);
			goto again;
		}
		if (c == QUEUE_DEAD && owner == q->euid) {
			if (q->ndead == q->capdead) {
				q->capdead = q->capdead == 0 ? 4 :
				    q->capdead * 2;
				q->dead = util_xreallocarray(q->dead,
				    q->capdead, sizeof(*q->dead));
			}
			q->dead[q->ndead++] = e.t;
		}
		if (c != QUEUE_LIVE && c != QUEUE_UNSURE)
			continue;		/* out of the list */
		e.seen |= c == QUEUE_LIVE && owner == q->euid;
		q->before[--keep] = e;		/* stays, in order */
		if (!live) {
			live = 1;
			q->pfd = wfd;		/* -1 if unsure */
			q->pred = (pid_t)e.t.pid;
		}
		if (!e.t.reader) {
			q->writer = (pid_t)e.t.pid;
			break;
		}
		if (!q->shared)
			break;
	}
	/* Unread [0, i), then what was kept of [i, n). */
	if (keep > i)
		memmove(q->before + i, q->before + keep, (n - keep) *
		    sizeof(*q->before));
	q->nbefore = i + (n - keep);
	q->eligible = !live || (q->shared && q->writer == 0);
	if (!live)
		queue_bury(q);
	if (q->eligible && q->pfd != -1) {
		close(q->pfd);			/* only readers before us */
		q->pfd = -1;
	}
}

/*
 * Take a ticket: a FIFO made under a temporary name, opened for reading
 * (never through a link: it must be the FIFO we made, ours), then renamed
 * into the queue, so that a ticket anyone sees is always held; then the
 * tail (tfd, locked, or -1; what it named in *tail) says so. -1 if the
 * queue cannot be used (then we simply try unordered).
 */
static int
queue_join(struct res_queue *q, int tfd, const struct queue_tail *tail)
{
	struct stat		st;
	char			tmp[LOCKDIR_TICKET_MAX + 2];
	int			fd = -1, saved, stale;

	if (queue_open_dir(q, 1) == -1)
		return (-1);
	lockdir_ticket_name(&q->self, q->ticket, sizeof(q->ticket));
	snprintf(tmp, sizeof(tmp), ".%s", q->ticket);
	(void)unlinkat(q->dfd, tmp, 0);
	if (mkfifoat(q->dfd, tmp, 0600) == -1)
		goto fail;
	if ((fd = openat(q->dfd, tmp, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC | O_NOCTTY)) == -1 || fstat(fd, &st) == -1)
		goto fail;
	if (!S_ISFIFO(st.st_mode) || st.st_uid != q->euid) {
		errno = EPERM;		/* swapped under us */
		goto fail;
	}
	/* Others open it for writing only, to watch it. */
	if (fchmod(fd, 0622) == -1)
		goto fail;
	if ((stale = queue_tail_stale(q, tfd, tail)))
		queue_tail_drop(q);
	if (renameat(q->dfd, tmp, q->dfd, q->ticket) == -1)
		goto fail;
	q->rfd = fd;
	q->mtime = st.st_mtim;
	if (!stale)
		queue_tail_note(q, tfd, tail);
	queue_watch_pred(q);		/* if armed already */
	return (0);

fail:
	saved = errno;
	if (fd != -1)
		close(fd);
	(void)unlinkat(q->dfd, tmp, 0);
	q->ticket[0] = '\0';
	errno = saved;
	return (-1);
}

/*
 * Out of the queue for now: its directory is opened again when needed,
 * so that 2000 running or done instances hold no directories.
 */
static void
queue_close_dir(struct res_queue *q)
{
	if (q->dfd != -1)
		close(q->dfd);
	q->dfd = -1;
}

/*
 * Leave the queue: the one behind us is told by the kernel. Only a waiter
 * that took the resource removes its ticket (see queue_pick); one that
 * gives up leaves it unread, as a dead one's, to whoever finds it.
 */
static void
queue_leave(struct res_queue *q, int took)
{
	if (q->loop != NULL && ev_is_active(&q->pio))
		ev_io_stop(q->loop, &q->pio);
	/* Gone from the directory before the FIFO is closed. */
	if (took && q->ticket[0] != '\0' && q->dfd != -1) {
		queue_tail_took(q);
		(void)unlinkat(q->dfd, q->ticket, 0);
	}
	q->ticket[0] = '\0';
	if (q->rfd != -1)
		close(q->rfd);
	if (q->pfd != -1)
		close(q->pfd);
	q->rfd = q->pfd = -1;
	q->eligible = 0;
	q->nbefore = 0;
	q->partial = 0;
	q->ndead = 0;
}

/*
 * Take the resource when it is our turn. Not queued yet: read the queue
 * (the common, uncontended case finds it empty), try if nobody that counts
 * is before us, and take a ticket if that fails or somebody is.
 */
static int
queue_try(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);
	struct queue_tail	 tail;
	int			 rc, tfd = -1;

	/* Held for us by an ancestor: no queue to stand in (it would wait
	   behind those who wait for the ancestor, who waits for us). */
	if (q->inner->ops->inherited != NULL &&
	    (rc = q->inner->ops->inherited(q->inner)) != 0)
		return (rc == 1 ? resource_try(q->inner) : -1);
	/*
	 * A waiter that needs more than this (all or nothing) does not queue:
	 * at the head of one queue while it waits for something else, it
	 * would keep the others of that queue from a free resource, and
	 * from ones it holds (its PID file) they would never get (see the
	 * top of this file).
	 */
	if (!r->queue) {
		queue_leave(q, 0);
		return (resource_try(q->inner));
	}
	if (q->ticket[0] == '\0') {
		if (r->arrival == 0)
			r->arrival = queue_now();
		q->self.arrival = r->arrival;
		q->self.pid = (unsigned long)getpid();
		q->self.reader = q->shared;
		q->nbefore = 0;
		tail.says = QUEUE_SAYS_NOTHING;
		if (queue_open_dir(q, 0) == 0)
			tfd = queue_look(q, &tail);
		/* else no queue yet: nobody waits */
		queue_pick(q);
		if (q->eligible) {
			if (resource_try(q->inner) == 0) {
				queue_tail_unlock(tfd);
				queue_leave(q, 1);
				return (0);
			}
			if (errno != EWOULDBLOCK && errno != EAGAIN) {
				queue_tail_unlock(tfd);
				return (-1);
			}
		}
		/* With the tail, one descriptor short for the FIFO: without. */
		if ((rc = queue_join(q, tfd, &tail)) == -1 && errno == EMFILE &&
		    tfd != -1) {
			queue_tail_unlock(tfd);
			tfd = -1;
			rc = queue_join(q, tfd, &tail);
		}
		queue_tail_unlock(tfd);
		if (rc == -1) {
			queue_leave(q, 0);
			return (resource_try(q->inner));	/* unordered */
		}
	} else if (!q->eligible && (q->pfd == -1 || queue_stopped(q->pred) != 0 ||
	    (q->writer != 0 && queue_stopped(q->writer) != 0))) {
		/*
		 * Not our turn, as far as we knew. The one before us tells us
		 * when it leaves (queue_pred_cb); what it cannot tell is that
		 * it was stopped (SIGSTOP), nor, to a reader, that the writer
		 * it waits for was: the retries look at those two only, never
		 * at the whole queue (and again at one we could not open).
		 */
		queue_pick(q);
		queue_watch_pred(q);
	}
	if (!q->eligible) {
		errno = EWOULDBLOCK;
		return (-1);
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
	queue_leave(q, 1);
	queue_close_dir(q);
	r->arrival = 0;
}

static void
queue_close(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	queue_leave(q, 0);
	r->arrival = 0;
	resource_close(q->inner);
	queue_close_dir(q);
}

static void
queue_free(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	queue_leave(q, 0);
	resource_free(q->inner);
	if (q->dfd != -1)
		close(q->dfd);
	free(q->before);
	free(q->dead);
	free(r->key);
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
	queue_pick(q);
	if (q->eligible)
		q->wake(&q->r, q->wake_arg);	/* may free q */
	else
		queue_watch_pred(q);
}

/*
 * Continued (SIGCONT). If we were stopped and a waiter behind us went on
 * without us, it marked our ticket (queue_counts): we queue again, at the
 * end, as one who comes now. Otherwise we keep our place.
 */
static void
queue_cont_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct res_queue	*q = w->data;
	struct stat		 st;

	(void)loop;
	(void)revents;
	if (q->ticket[0] == '\0' || fstat(q->rfd, &st) == -1 ||
	    (st.st_mtim.tv_sec == q->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == q->mtime.tv_nsec))
		return;
	queue_leave(q, 0);
	q->r.arrival = queue_now();		/* not the waiter's */
	q->wake(&q->r, q->wake_arg);		/* may free q */
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
	ev_signal_start(loop, &q->cont);
	if (q->ticket[0] != '\0' && !q->eligible)
		queue_watch_pred(q);
}

static void
queue_disarm(struct resource *r)
{
	struct res_queue	*q = RES_QUEUE(r);

	if (q->loop != NULL && ev_is_active(&q->pio))
		ev_io_stop(q->loop, &q->pio);
	if (q->loop != NULL)
		ev_signal_stop(q->loop, &q->cont);
}

/*
 * Behind a live waiter, the kernel tells us when it leaves: a retry only
 * finds that it (or the writer we wait for) was stopped.
 */
static double
queue_patience(const struct resource *r)
{
	const struct res_queue	*q = RES_QUEUE(r);

	return (q->ticket[0] != '\0' && !q->eligible && q->pfd != -1 ?
	    QUEUE_PATIENCE : 0);
}

static const char *
queue_where(const struct resource *r)
{
	return (resource_where(RES_QUEUE(r)->inner));
}

/* "semaphore gpu: 2/2 slots busy (pids 1, 2); in line behind pid 3". */
static void
queue_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct res_queue	*q = RES_QUEUE(r);
	size_t			 n;

	q->inner->ops->describe(q->inner, cheap, buf, len);
	n = strlen(buf);
	if (q->ticket[0] == '\0' || n >= len)
		return;
	if (!q->eligible && q->pred != 0)
		snprintf(buf + n, len - n, "; in line behind pid %ld",
		    (long)q->pred);
	else if (q->eligible && q->nbefore > 0)
		snprintf(buf + n, len - n, "; in line behind readers");
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
	.patience = queue_patience,
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
	q->euid = geteuid();
	if (name != NULL)
		q->name = lockdir_queue_name(kind, name);
	q->dfd = q->rfd = q->pfd = -1;
	ev_io_init(&q->pio, queue_pred_cb, -1, EV_READ);
	q->pio.data = q;
	ev_signal_init(&q->cont, queue_cont_cb, SIGCONT);
	q->cont.data = q;
	return (&q->r);
}

/* The resource a queue is in front of. */
struct resource *
res_queue_inner(struct resource *r)
{
	return (r != NULL && r->ops == &res_queue_ops ? RES_QUEUE(r)->inner :
	    r);
}
