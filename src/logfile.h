/* logfile.h: a job's log file, written by lockrun from a pipe. */
#ifndef LOCKRUN_LOGFILE_H
#define LOCKRUN_LOGFILE_H

#include <sys/types.h>

#include <stddef.h>

#include <ev.h>

int		logfile_open(struct ev_loop *, const char *, mode_t,
		    const char *, int *, char *, size_t);
unsigned	logfile_reopen(void);
void		logfile_drain(void);

#endif
