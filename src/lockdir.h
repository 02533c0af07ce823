/* lockdir.h: the lock directory: which one, its safety, every file name in it. */
#ifndef LOCKRUN_LOCKDIR_H
#define LOCKRUN_LOCKDIR_H

#include <sys/types.h>

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
char	*lockdir_path_replace_file(const char *, const char *);
char	*lockdir_size_file(const char *, const char *);
char	*lockdir_slot_file(const char *, const char *, unsigned,
	    enum lockdir_slot_kind);
char	*lockdir_slot_pattern(const char *, const char *,
	    enum lockdir_slot_kind);
char	*lockdir_instance_name(const char *, unsigned);
int	 lockdir_slot_of(const char *, const char *, unsigned,
	    enum lockdir_slot_kind);

/* What a queue is in front of: its name is the kind's letter and a name. */
enum lockdir_queue_kind {
	LOCKDIR_QUEUE_SEM = 's',	/* a semaphore */
	LOCKDIR_QUEUE_PID = 'p',	/* a singleton's PID file */
	LOCKDIR_QUEUE_LOCK = 'l',	/* a named lock */
	LOCKDIR_QUEUE_FILE = 'f',	/* any lock file, by device and inode */
};

/* A waiter's ticket in a queue: "<ns, 16 hex>.<pid>.<r|w>". */
#define LOCKDIR_TICKET_MAX	(16 + 1 + 10 + 1 + 1)

struct lockdir_ticket {
	unsigned long long	arrival;	/* ns, CLOCK_MONOTONIC */
	unsigned long		pid;
	int			reader;
};

#define LOCKDIR_QUEUE_ROOT	"queue"

char	*lockdir_queue_root(const char *);
char	*lockdir_queue_name(enum lockdir_queue_kind, const char *);
void	 lockdir_ticket_name(const struct lockdir_ticket *, char *, size_t);
int	 lockdir_ticket_parse(const char *, struct lockdir_ticket *);
#define LOCKDIR_TAIL_NAME_MAX	(sizeof(".tail-") + 20)
void	 lockdir_tail_name(uid_t, char *, size_t);
int	 lockdir_ticket_open(int, const char *);
int	 lockdir_queue_open(const char *, const char *, mode_t);

#endif
