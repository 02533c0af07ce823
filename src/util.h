/* util.h: durations, numbers, allocation. */
#ifndef LOCKRUN_UTIL_H
#define LOCKRUN_UTIL_H

#include <stddef.h>
#include <sys/types.h>

#include <time.h>

#define LOCKRUN_ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

void	*util_xmalloc(size_t);
void	*util_xcalloc(size_t, size_t);
void	*util_xreallocarray(void *, size_t, size_t);
char	*util_xstrdup(const char *);
char	*util_xstrndup(const char *, size_t);
int	 util_xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

int	 util_parse_duration(const char *, double *);
int	 util_parse_size(const char *, unsigned long *);
int	 util_parse_uint(const char *, unsigned long, unsigned long,
	    unsigned long *);
int	 util_parse_int(const char *, long, long, long *);
int	 util_parse_bool(const char *, int *);
int	 util_parse_signal(const char *, int *);
const char *util_signame(int);
int	 util_valid_name(const char *);
int	 util_user(const char *, uid_t *, gid_t *);
void	 util_format_duration(double, char *, size_t);
double	 util_now(void);
double	 util_boottime(void);
/* What /proc/PID/stat says of a process. */
struct util_proc {
	char	state;		/* R S D Z T ... */
	pid_t	ppid;
	pid_t	pgrp;
	pid_t	sid;
	time_t	start;		/* epoch; 0 if unknown */
};

int	 util_proc_stat(pid_t, struct util_proc *);

#endif
