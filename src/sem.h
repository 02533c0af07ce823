/* sem.h: a bounded semaphore as N flock files <dir>/<name>.NN.lock. */
#ifndef LOCKRUN_SEM_H
#define LOCKRUN_SEM_H

#include "lock.h"
#include "lockdir.h"

/*
 * The slot files are opened only while trying (slots[], one lock each, made
 * on first use); once a slot is ours it moves to held_lock and the rest are
 * closed. An idle or queued semaphore costs a few bytes, not N locks.
 */
struct sem {
	char			*dir;
	char			*name;
	char			*pattern;	/* "<dir>/<name>.NN.lock" */
	enum lockdir_slot_kind	 kind;
	int			 own;		/* slots must be root's or ours */
	unsigned		 nslots;
	struct lock		*slots;		/* while trying, else NULL */
	struct lock		 held_lock;	/* the slot we hold, when held != -1 */
	int			 held;		/* its index, or -1 */
	int			 failed;	/* slot of the last error, or -1 */
	unsigned char		*marks;		/* slots just closed by someone */
	unsigned		 nmarks;
	unsigned		 start;		/* where the next scan begins */
};

void	sem_init(struct sem *, const char *, const char *, unsigned,
	    enum lockdir_slot_kind);
int	sem_try(struct sem *);
void	sem_release(struct sem *);
void	sem_close_spare(struct sem *);
void	sem_close(struct sem *);
void	sem_free(struct sem *);
struct lock *sem_held_lock(struct sem *);
char	*sem_slot_path(const struct sem *, unsigned);
const char *sem_error_path(const struct sem *);
int	sem_slot_of(const struct sem *, const char *);
void	sem_mark(struct sem *, int);
void	sem_unmark(struct sem *);
int	sem_claim_size(struct lock *, const char *, const char *, unsigned,
	    unsigned *);

#endif
