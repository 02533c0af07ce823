/* util.c: durations, numbers, allocation. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
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
 * Parse a duration as systemd.time(7) writes one: numbers, each with an
 * optional unit, added up: "90s", "1h30m", "1h 30min", "2.5h", "500ms".
 * Units: ms/msec, s/sec/second(s), m/min/minute(s), h/hr/hour(s),
 * d/day(s), w/week(s); a number without one is seconds. Spaces may stand
 * between parts and before a unit. "-1", "5x", "1e3", "inf" and "" are
 * not durations.
 */
int
util_parse_duration(const char *s, double *out)
{
	static const struct {
		const char	*unit;
		double		 scale;
	} units[] = {
		{ "ms", 0.001 }, { "msec", 0.001 },
		{ "s", 1 }, { "sec", 1 }, { "second", 1 }, { "seconds", 1 },
		{ "m", 60 }, { "min", 60 }, { "minute", 60 }, { "minutes", 60 },
		{ "h", 3600 }, { "hr", 3600 }, { "hour", 3600 },
		{ "hours", 3600 },
		{ "d", 86400 }, { "day", 86400 }, { "days", 86400 },
		{ "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
	};
	const char	*p, *num, *unit;
	char		*end;
	double		 v, total = 0;
	size_t		 i, ulen;
	int		 parts = 0;

	if (s == NULL)
		goto bad;
	for (p = s;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		/* Plain decimals: strtod would also take "0x10", "1e3", "inf". */
		for (num = p; isdigit((unsigned char)*p); p++)
			;
		if (*p == '.')
			for (p++; isdigit((unsigned char)*p); p++)
				;
		if (p == num || (p == num + 1 && *num == '.'))
			goto bad;
		errno = 0;
		v = strtod(num, &end);
		if (errno != 0 || end != p || !isfinite(v))
			goto bad;
		for (unit = p; *unit == ' ' || *unit == '\t'; unit++)
			;
		for (p = unit; isalpha((unsigned char)*p); p++)
			;
		ulen = p - unit;
		/* "1.2.3": a part without a unit ends the value or a word. */
		if (ulen == 0 && unit == end && *p != '\0')
			goto bad;
		if (ulen > 0) {
			for (i = 0; i < LOCKRUN_ARRAY_LEN(units); i++) {
				if (strlen(units[i].unit) == ulen &&
				    strncmp(unit, units[i].unit, ulen) == 0)
					break;
			}
			if (i == LOCKRUN_ARRAY_LEN(units))
				goto bad;
			v *= units[i].scale;
		}
		total += v;
		if (total > 100 * 365 * 86400.0)	/* a century is forever */
			goto bad;
		parts++;
	}
	if (parts == 0)
		goto bad;
	*out = total;
	return (0);

bad:
	errno = EINVAL;
	return (-1);
}

/*
 * Parse a size in bytes as supervisord writes one: a number with an
 * optional KB, MB or GB (of 1024), in any case: "1MB", "50mb", "4096".
 */
int
util_parse_size(const char *s, unsigned long *out)
{
	static const struct {
		const char	*unit;
		unsigned long	 scale;
	} units[] = {
		{ "", 1 }, { "KB", 1024 }, { "MB", 1024 * 1024 },
		{ "GB", 1024UL * 1024 * 1024 },
	};
	const char	*p;
	unsigned long	 n = 0;
	size_t		 i;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (n > 0xffffffffUL)
			goto bad;
		n = n * 10 + (unsigned long)(*p - '0');
	}
	if (p == s)
		goto bad;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(units); i++) {
		if (strcasecmp(p, units[i].unit) == 0) {
			if (n > 0xffffffffffUL / units[i].scale)
				goto bad;
			*out = n * units[i].scale;
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

/*
 * The user named (or numbered) s: its uid and primary gid (either may be
 * NULL). -1 when there is none.
 */
int
util_user(const char *s, uid_t *uid, gid_t *gid)
{
	struct passwd	*pw;
	unsigned long	 n;

	errno = 0;
	if ((pw = getpwnam(s)) == NULL && util_parse_uint(s, 0, 0x7fffffff,
	    &n) == 0)
		pw = getpwuid((uid_t)n);
	if (pw == NULL) {
		if (errno == 0)
			errno = ENOENT;
		return (-1);
	}
	if (uid != NULL)
		*uid = pw->pw_uid;
	if (gid != NULL)
		*gid = pw->pw_gid;
	return (0);
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
