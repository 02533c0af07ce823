/* util.c: durations, numbers, allocation. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

/* Allocation failure in a supervisor has no useful recovery: say so and stop. */
static void __attribute__((noreturn))
util_oom(void)
{
	static const char msg[] = "lockrun: out of memory\n";

	(void)!write(2, msg, sizeof(msg) - 1);
	abort();
}

void *
util_xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		util_oom();
	return (p);
}

void *
util_xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n == 0 ? 1 : n, size == 0 ? 1 : size)) == NULL)
		util_oom();
	return (p);
}

void *
util_xreallocarray(void *old, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		util_oom();
	if ((p = realloc(old, n * size == 0 ? 1 : n * size)) == NULL)
		util_oom();
	return (p);
}

char *
util_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		util_oom();
	return (p);
}

char *
util_xstrndup(const char *s, size_t n)
{
	char	*p;

	if ((p = strndup(s, n)) == NULL)
		util_oom();
	return (p);
}

int
util_xasprintf(char **out, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vasprintf(out, fmt, ap);
	va_end(ap);
	if (n == -1)
		util_oom();
	return (n);
}

/*
 * Parse a duration: a non-negative number with an optional unit ms, s, m, h
 * or d; a bare number is seconds. "1.5s" and "250ms" are fine, "10 s",
 * "-1", "5x" and "" are not.
 */
int
util_parse_duration(const char *s, double *out)
{
	static const struct {
		const char	*unit;
		double		 scale;
	} units[] = {
		{ "", 1 }, { "ms", 0.001 }, { "s", 1 }, { "m", 60 },
		{ "h", 3600 }, { "d", 86400 },
	};
	const char	*p;
	char		*end;
	double		 v;
	size_t		 i;

	/* Plain decimals only: strtod would also take "0x10", "1e3", "inf". */
	if (s == NULL)
		goto bad;
	for (p = s; isdigit((unsigned char)*p); p++)
		;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (p == s || (p == s + 1 && *s == '.'))
		goto bad;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end != p || !isfinite(v))
		goto bad;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(units); i++) {
		if (strcmp(end, units[i].unit) == 0) {
			v *= units[i].scale;
			if (v > 100 * 365 * 86400.0)	/* a century is forever */
				goto bad;
			*out = v;
			return (0);
		}
	}
bad:
	errno = EINVAL;
	return (-1);
}

/* Parse a decimal signed number in [min, max]. */
int
util_parse_int(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (s == NULL || !(isdigit((unsigned char)*s) ||
	    ((*s == '-' || *s == '+') && isdigit((unsigned char)s[1])))) {
		errno = EINVAL;
		return (-1);
	}
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0') {
		errno = errno ? errno : EINVAL;
		return (-1);
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return (-1);
	}
	*out = v;
	return (0);
}

/* Parse a decimal unsigned number in [min, max] (<= LONG_MAX); no sign. */
int
util_parse_uint(const char *s, unsigned long min, unsigned long max,
    unsigned long *out)
{
	long	v;

	if (s == NULL || !isdigit((unsigned char)*s)) {
		errno = EINVAL;
		return (-1);
	}
	if (util_parse_int(s, (long)min, (long)max, &v) == -1)
		return (-1);
	*out = (unsigned long)v;
	return (0);
}

/* Parse a boolean as supervisord does: true/false, yes/no, on/off, 1/0. */
int
util_parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	static const char *const no[] = { "false", "no", "off", "0" };
	size_t	i;

	for (i = 0; i < LOCKRUN_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	errno = EINVAL;
	return (-1);
}

static const struct {
	const char	*name;
	int		 sig;
} util_signals[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
	{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "TERM", SIGTERM }, { "ALRM", SIGALRM }, { "ABRT", SIGABRT },
	{ "CONT", SIGCONT }, { "STOP", SIGSTOP }, { "PIPE", SIGPIPE },
};

/* Parse a signal name (TERM, SIGTERM, term) or number. */
int
util_parse_signal(const char *s, int *out)
{
	unsigned long	n;
	size_t		i;

	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(util_signals); i++) {
		if (strcasecmp(s, util_signals[i].name) == 0) {
			*out = util_signals[i].sig;
			return (0);
		}
	}
	if (util_parse_uint(s, 1, NSIG - 1, &n) == 0) {
		*out = (int)n;
		return (0);
	}
	errno = EINVAL;
	return (-1);
}

/* The short name of a signal ("TERM"), or its number as text. */
const char *
util_signame(int sig)
{
	static char	buf[16];
	size_t		i;

	for (i = 0; i < LOCKRUN_ARRAY_LEN(util_signals); i++) {
		if (util_signals[i].sig == sig)
			return (util_signals[i].name);
	}
	snprintf(buf, sizeof(buf), "%d", sig);
	return (buf);
}

/*
 * Job, semaphore and lock names: [A-Za-z0-9_.-]+, not "." or "..", and not
 * ending in "." and digits: "x.00" is taken by slot 00 of semaphore x
 * (x.00.lock) and by instance 00 of job x (x.00.pid).
 */
int
util_valid_name(const char *s)
{
	const char	*p, *dot;

	if (*s == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return (0);
	for (p = s; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("_.-", *p) == NULL)
			return (0);
	}
	if ((dot = strrchr(s, '.')) != NULL && dot[1] != '\0' &&
	    strspn(dot + 1, "0123456789") == strlen(dot + 1))
		return (0);
	return (1);
}

/* Format seconds the way a person reads them: 250ms, 12s, 5m, 2h3m. */
void
util_format_duration(double secs, char *buf, size_t len)
{
	unsigned long	s;

	if (secs < 1) {
		snprintf(buf, len, "%lums", (unsigned long)(secs * 1000 + 0.5));
		return;
	}
	s = (unsigned long)(secs + 0.5);
	if (s < 60)
		snprintf(buf, len, "%lus", s);
	else if (s < 3600)
		snprintf(buf, len, s % 60 ? "%lum%lus" : "%lum", s / 60, s % 60);
	else
		snprintf(buf, len, (s % 3600) / 60 ? "%luh%lum" : "%luh",
		    s / 3600, (s % 3600) / 60);
}

/* Monotonic time in seconds. */
double
util_now(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * Seconds on CLOCK_BOOTTIME: monotonic, and it counts a suspended host,
 * as the clocks of other hosts do (leases, zk.c).
 */
double
util_boottime(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1 &&
	    clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return (0);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

/*
 * What /proc/PID/stat says of a process: its state, parent, process group,
 * session and start time (an epoch time, 0 if unknown). Linux only: -1
 * elsewhere or when the process is gone.
 */
int
util_proc_stat(pid_t pid, struct util_proc *out)
{
	static unsigned long long	 btime;
	char				 path[64], buf[1024], *p;
	unsigned long long		 ticks;
	long				 ppid, pgrp, sid, hz;
	ssize_t				 n;
	FILE				*f;
	int				 fd, field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (-1);
	buf[n] = '\0';
	/* "pid (comm) S ppid pgrp session ...": comm may hold ' ' and ')'. */
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 1, " %c %ld %ld %ld",
	    &out->state, &ppid, &pgrp, &sid) != 4)
		return (-1);
	out->ppid = (pid_t)ppid;
	out->pgrp = (pid_t)pgrp;
	out->sid = (pid_t)sid;
	out->start = 0;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p == NULL || sscanf(p + 1, "%llu", &ticks) != 1)
		return (0);
	if (btime == 0 && (f = fopen("/proc/stat", "re")) != NULL) {
		while (fgets(buf, sizeof(buf), f) != NULL) {
			if (sscanf(buf, "btime %llu", &btime) == 1)
				break;
		}
		fclose(f);
	}
	if (btime != 0 && (hz = sysconf(_SC_CLK_TCK)) > 0)
		out->start = (time_t)(btime + ticks / (unsigned long long)hz);
	return (0);
}
