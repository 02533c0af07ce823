/* lockdir.h: the lock directory: which one, its safety, every file name in it. */
#ifndef LOCKRUN_LOCKDIR_H
#define LOCKRUN_LOCKDIR_H

#include <stddef.h>

/* The kinds of numbered files: semaphore slots and job instances. */
enum lockdir_slot_kind {
	LOCKDIR_SLOT,		/* <dir>/<sem>.NN.lock */
	LOCKDIR_INSTANCE,	/* <dir>/<job>.NN.pid */
};

char	*lockdir_default(void);
int	 lockdir_prepare(const char *, int, char *, size_t);

char	*lockdir_pid_file(const char *, const char *);
char	*lockdir_lock_file(const char *, const char *);
char	*lockdir_replace_file(const char *, const char *);
char	*lockdir_size_file(const char *, const char *);
char	*lockdir_slot_file(const char *, const char *, unsigned,
	    enum lockdir_slot_kind);
char	*lockdir_slot_pattern(const char *, const char *,
	    enum lockdir_slot_kind);
int	 lockdir_slot_of(const char *, const char *, unsigned,
	    enum lockdir_slot_kind);

#endif
