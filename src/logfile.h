/* logfile.h: a job's log file, written by lockrun from a pipe. */
#ifndef LOCKRUN_LOGFILE_H
#define LOCKRUN_LOGFILE_H

#include <sys/types.h>

#include <stddef.h>

#include <ev.h>

struct runas;

/* How a log file is written. */
struct logfile_how {
	mode_t			 mode;		/* when it is created */
	unsigned long		 maxbytes;	/* rotate at this size; 0: never */
	unsigned		 backups;	/* FILE.1 .. FILE.N kept */
	const struct runas	*as;		/* opened as this user, or NULL */
};

int		logfile_open(struct ev_loop *, const char *,
		    const struct logfile_how *, const char *, int *, char *,
		    size_t);
unsigned	logfile_reopen(void);
void		logfile_drain(void);

#endif
