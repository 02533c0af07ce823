/*
 * sem.c: a bounded semaphore as N flock files <dir>/<name>.<NN><suffix>.
 *
 * Slot NN is "%02u", portalocker's BoundedSemaphore naming, so a Python
 * program and lockrun sharing a name and directory share one cap.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sem.h"
#include "util.h"

/* Describe a semaphore of nslots slots; nothing touches the disk yet. */
void
sem_init(struct sem *s, const char *dir, const char *name, unsigned nslots,
    const char *suffix)
{
	memset(s, 0, sizeof(*s));
	s->name = util_xstrdup(name);
	util_xasprintf(&s->prefix, "%s/%s.", dir, name);
	util_xasprintf(&s->pattern, "%s/%s.NN%s", dir, name, suffix);
	s->suffix = suffix;
	s->nslots = nslots;
	s->held = -1;
	s->held_lock.fd = -1;
	/*
	 * Contenders that all scan from slot 0 all fight over slot 0 first;
	 * start each one somewhere else.
	 */
	s->start = nslots > 1 ? (unsigned)(getpid() % nslots) : 0;
}

/* The path of slot i. */
void
sem_slot_path(const struct sem *s, unsigned i, char *buf, size_t len)
{
	snprintf(buf, len, "%s%02u%s", s->prefix, i, s->suffix);
}

/* Which of our slots is the file name (in the lock dir)? -1 if none. */
int
sem_slot_of(const struct sem *s, const char *name)
{
	const char	*base, *p;
	size_t		 blen, slen, nlen = strlen(name);
	unsigned long	 n;

	base = strrchr(s->prefix, '/');
	base = base != NULL ? base + 1 : s->prefix;
	blen = strlen(base);
	slen = strlen(s->suffix);
	if (nlen < blen + 2 + slen || strncmp(name, base, blen) != 0 ||
	    strcmp(name + nlen - slen, s->suffix) != 0)
		return (-1);
	n = 0;
	for (p = name + blen; p < name + nlen - slen; p++) {
		if (!isdigit((unsigned char)*p))
			return (-1);
		n = n * 10 + (*p - '0');
		if (n >= s->nslots)
			return (-1);
	}
	return ((int)n);
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
 * or -1 with errno EWOULDBLOCK when every slot tried is busy (or another
 * errno on failure). The files tried stay open until sem_close_spare, so
 * that waiting never reopens them.
 */
int
sem_try(struct sem *s)
{
	char		 path[4096];
	unsigned	 i, slot;
	struct lock	*l;

	if (s->held != -1)
		return (0);
	if (s->slots == NULL)
		s->slots = util_xcalloc(s->nslots, sizeof(*s->slots));
	for (i = 0; i < s->nslots; i++) {
		slot = (s->start + i) % s->nslots;
		if (s->nmarks > 0 && !s->marks[slot])
			continue;
		l = &s->slots[slot];
		if (l->path == NULL) {
			sem_slot_path(s, slot, path, sizeof(path));
			lock_init(l, path, LOCK_EXCLUSIVE);
		}
		if (lock_try(l) == 0) {
			s->held = (int)slot;
			s->start = (slot + 1) % s->nslots;
			return (0);
		}
		if (errno != EWOULDBLOCK)
			return (-1);
	}
	errno = EWOULDBLOCK;
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
	free(s->prefix);
	free(s->pattern);
	free(s->name);
	s->prefix = NULL;
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
