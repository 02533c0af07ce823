/*
 * sem.c: a bounded semaphore as N flock files <dir>/<name>.NN.lock.
 *
 * Slot NN is "%02u", portalocker's BoundedSemaphore naming, so a Python
 * program and lockrun sharing a name and directory share one cap.
 */
#include "config.h"

#include <sys/file.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sem.h"
#include "util.h"

/*
 * Describe a semaphore of nslots slots (or the instance files of a job, with
 * LOCKDIR_INSTANCE); nothing touches the disk yet.
 */
void
sem_init(struct sem *s, const char *dir, const char *name, unsigned nslots,
    enum lockdir_slot_kind kind)
{
	memset(s, 0, sizeof(*s));
	s->dir = util_xstrdup(dir);
	s->name = util_xstrdup(name);
	s->pattern = lockdir_slot_pattern(dir, name, kind);
	s->kind = kind;
	s->nslots = nslots;
	s->held = -1;
	s->failed = -1;
	s->held_lock.fd = -1;
	/*
	 * Contenders that all scan from slot 0 all fight over slot 0 first;
	 * start each one somewhere else.
	 */
	s->start = nslots > 1 ? (unsigned)(getpid() % nslots) : 0;
}

/* The path of slot i (to be freed). */
char *
sem_slot_path(const struct sem *s, unsigned i)
{
	return (lockdir_slot_file(s->dir, s->name, i, s->kind));
}

/* The slot file the last sem_try failed on, or the pattern of all of them. */
const char *
sem_error_path(const struct sem *s)
{
	if (s->failed != -1 && s->slots != NULL &&
	    s->slots[s->failed].path != NULL)
		return (s->slots[s->failed].path);
	return (s->pattern);
}

/* Which of our slots is the file name (in the lock dir)? -1 if none. */
int
sem_slot_of(const struct sem *s, const char *name)
{
	return (lockdir_slot_of(name, s->name, s->nslots, s->kind));
}

/*
 * Note that slot i was just closed by someone: the next sem_try tries the
 * noted slots only. When many wait, each release then costs each of them
 * one flock, not one per slot.
 */
void
sem_mark(struct sem *s, int i)
{
	if (s->marks == NULL)
		s->marks = util_xcalloc(s->nslots, 1);
	if (!s->marks[i]) {
		s->marks[i] = 1;
		s->nmarks++;
	}
}

/* Forget the noted slots: the next sem_try scans them all. */
void
sem_unmark(struct sem *s)
{
	free(s->marks);
	s->marks = NULL;
	s->nmarks = 0;
}

/*
 * Take any free slot (of the marked ones, if any are): 0 and s->held set,
 * or -1 with errno EWOULDBLOCK when every slot tried is busy. A slot that
 * cannot be opened (another user's 0600 file) does not stop the scan: the
 * next may do. When none is busy and none could be taken, -1 with the
 * first slot's error (s->failed says which); and -1 with EMFILE or ENFILE
 * whenever a slot could not be opened for want of descriptors. Errors
 * are only told after a scan of every slot, marked or not. The files
 * tried stay open until sem_close_spare, so that waiting never reopens
 * them.
 */
int
sem_try(struct sem *s)
{
	unsigned	 i, slot;
	struct lock	*l;
	char		*path;
	int		 busy = 0, err = 0, nofds = 0;

	if (s->held != -1)
		return (0);
	if (s->slots == NULL)
		s->slots = util_xcalloc(s->nslots, sizeof(*s->slots));
	s->failed = -1;
	for (i = 0; i < s->nslots; i++) {
		slot = (s->start + i) % s->nslots;
		if (s->nmarks > 0 && !s->marks[slot])
			continue;
		l = &s->slots[slot];
		if (l->path == NULL) {
			path = sem_slot_path(s, slot);
			lock_init(l, path, LOCK_EXCLUSIVE);
			l->own = s->own;
			free(path);
		}
		if (lock_try(l) == 0) {
			s->held = (int)slot;
			s->failed = -1;
			s->start = (slot + 1) % s->nslots;
			return (0);
		}
		if (errno == EWOULDBLOCK)
			busy = 1;
		else if (s->own) {
			/* A job's instance file: no other will do. */
			s->failed = (int)slot;
			return (-1);
		} else if (s->failed == -1 || (!nofds && (errno == EMFILE ||
		    errno == ENFILE))) {
			s->failed = (int)slot;
			err = errno;
			nofds = errno == EMFILE || errno == ENFILE;
		}
	}
	/*
	 * A slot that failed is judged against all of them: a close event
	 * that marked only it (another user's file, or one replaced by a
	 * FIFO) must not end a wait that other slots can still serve.
	 */
	if (s->nmarks > 0 && (nofds || (!busy && err != 0))) {
		sem_unmark(s);
		return (sem_try(s));
	}
	/*
	 * Out of descriptors, a slot we could not open would never be tried
	 * while we wait, and the wait might never end with that slot free:
	 * that is an error, even when the others are busy.
	 */
	errno = nofds || (!busy && err != 0) ? err : EWOULDBLOCK;
	return (-1);
}

/* Give our slot back (the files stay open). */
void
sem_release(struct sem *s)
{
	if (s->held == -1)
		return;
	if (s->slots != NULL)
		lock_release(&s->slots[s->held]);
	else
		lock_release(&s->held_lock);
	s->held = -1;
}

/*
 * Close every slot file but the one we hold, which moves to held_lock: the
 * others are not needed until the next wait.
 */
void
sem_close_spare(struct sem *s)
{
	unsigned	i;

	sem_unmark(s);
	if (s->slots == NULL)
		return;
	if (s->held != -1) {
		lock_free(&s->held_lock);
		s->held_lock = s->slots[s->held];
		s->slots[s->held].path = NULL;
		s->slots[s->held].fd = -1;
	}
	for (i = 0; i < s->nslots; i++) {
		if (s->slots[i].path != NULL)	/* tried, so opened */
			lock_free(&s->slots[i]);
	}
	free(s->slots);
	s->slots = NULL;
}

/* Close every slot file, releasing ours. */
void
sem_close(struct sem *s)
{
	s->held = -1;
	sem_close_spare(s);
	lock_close(&s->held_lock);
}

void
sem_free(struct sem *s)
{
	sem_close(s);
	lock_free(&s->held_lock);
	free(s->dir);
	free(s->pattern);
	free(s->name);
	s->dir = NULL;
	s->pattern = NULL;
	s->name = NULL;
}

/* The lock of the slot we hold, or NULL. */
struct lock *
sem_held_lock(struct sem *s)
{
	if (s->held == -1)
		return (NULL);
	return (s->slots != NULL ? &s->slots[s->held] : &s->held_lock);
}

/* The size recorded in a .slots file, or 0 if none can be read. */
static unsigned
sem_size_read(int fd)
{
	char		buf[32];
	ssize_t		n;
	unsigned long	v;

	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return (0);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (util_parse_uint(buf, 1, 1 << 20, &v) == -1)
		return (0);
	return ((unsigned)v);
}

/* Record size in the .slots file we hold exclusively. */
static int
sem_size_write(int fd, unsigned size)
{
	char	buf[32];
	int	n;

	n = snprintf(buf, sizeof(buf), "%u\n", size);
	if (ftruncate(fd, 0) == -1)
		return (-1);
	errno = 0;
	if (pwrite(fd, buf, n, 0) != n) {
		if (errno == 0)
			errno = EIO;
		return (-1);
	}
	return (0);
}

/*
 * Claim that semaphore name in dir has nslots slots, for as long as l (made
 * here) stays open: every lockrun that uses a semaphore holds a shared lock
 * on <name>.slots, whose contents say the size; a job inherits it, so the
 * claim lasts as long as any holder. A new size is written only when
 * nobody holds the file: two callers that disagree (--slots 2 and
 * --slots 4) would otherwise let the larger cap win. Returns 0 when
 * agreed; -1 and errno EBUSY with *theirs the size in use; other errno on
 * failure (the file unreadable, or another user's we cannot write).
 */
int
sem_claim_size(struct lock *l, const char *dir, const char *name,
    unsigned nslots, unsigned *theirs)
{
	char		*path;
	unsigned	 now;
	int		 tries, fd;

	*theirs = 0;
	path = lockdir_size_file(dir, name);
	lock_init(l, path, LOCK_SHARED);
	free(path);
	if (lock_open(l) == -1)
		return (-1);
	fd = l->fd;
	/* A newcomer rewriting the size holds the file for a moment. */
	for (tries = 0; tries < 1000; tries++) {
		if ((now = sem_size_read(fd)) == nslots) {
			if (flock(fd, LOCK_SH | LOCK_NB) == -1) {
				if (errno != EWOULDBLOCK)
					return (-1);
				(void)sched_yield();
				continue;
			}
			/* Changed between the read and the lock? */
			if (sem_size_read(fd) == nslots) {
				l->held = 1;
				return (0);
			}
			(void)flock(fd, LOCK_UN);
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
			if (errno != EWOULDBLOCK)
				return (-1);
			/* In use with another size (or being rewritten). */
			if (now != 0 && tries >= 10) {
				*theirs = now;
				errno = EBUSY;
				return (-1);
			}
			(void)sched_yield();
			continue;
		}
		/* Nobody uses it: the size is ours to set. */
		if (sem_size_write(fd, nslots) == -1) {
			(void)flock(fd, LOCK_UN);
			*theirs = now;
			errno = now != 0 ? EBUSY : errno;
			return (-1);
		}
		(void)flock(fd, LOCK_UN);
	}
	errno = EWOULDBLOCK;
	return (-1);
}
