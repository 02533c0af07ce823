/* sem.h: a bounded semaphore as N flock files <dir>/<name>.<NN><suffix>. */
#ifndef LOCKRUN_SEM_H
#define LOCKRUN_SEM_H

#include "lock.h"

/*
 * The slot files are opened only while trying (slots[], one lock each, made
 * on first use); once a slot is ours it moves to held_lock and the rest are
 * closed. An idle or queued semaphore costs a few bytes, not N locks.
 */
struct sem {
	char		*name;
	char		*prefix;	/* "<dir>/<name>." */
	char		*pattern;	/* "<dir>/<name>.NN.lock", for messages */
	const char	*suffix;	/* ".lock" or ".pid" */
	unsigned	 nslots;
	struct lock	*slots;		/* while trying, else NULL */
	struct lock	 held_lock;	/* the slot we hold, when held != -1 */
	int		 held;		/* its index, or -1 */
	unsigned char	*marks;		/* slots just closed by someone */
	unsigned	 nmarks;
	unsigned	 start;		/* where the next scan begins */
};

void	sem_init(struct sem *, const char *, const char *, unsigned,
	    const char *);
int	sem_try(struct sem *);
void	sem_release(struct sem *);
void	sem_close_spare(struct sem *);
void	sem_close(struct sem *);
void	sem_free(struct sem *);
struct lock *sem_held_lock(struct sem *);
void	sem_slot_path(const struct sem *, unsigned, char *, size_t);
int	sem_slot_of(const struct sem *, const char *);
void	sem_mark(struct sem *, int);
void	sem_unmark(struct sem *);

#endif
