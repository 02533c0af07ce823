/*
 * tests/integration/fakeclock.c: an LD_PRELOAD shim for t-65-clock-step:
 * the wall clock of a process (clock_gettime of CLOCK_REALTIME and its
 * coarse and TAI kin, gettimeofday, time) runs the number of seconds in
 * the file $FAKECLOCK_FILE ahead of the real one (behind, if negative).
 * The file is read at every call, so a test steps the clock of the
 * processes under it by rewriting the file, and the machine's own clock
 * is never touched. The monotonic clocks are left alone.
 */
#define _GNU_SOURCE
#include <sys/time.h>

#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int	clock_gettime(clockid_t, struct timespec *);
int	gettimeofday(struct timeval *restrict, void *restrict);
time_t	time(time_t *);

/* The offset in seconds, 0 when there is no file or no number in it. */
static long
fakeclock_offset(void)
{
	const char	*path;
	char		 buf[32];
	ssize_t		 n;
	int		 fd;

	if ((path = getenv("FAKECLOCK_FILE")) == NULL ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return (0);
	buf[n] = '\0';
	return (strtol(buf, NULL, 10));
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	static int	(*real)(clockid_t, struct timespec *);
	int		rc;

	if (real == NULL)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT,
		    "clock_gettime");
	rc = real(id, ts);
	if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE ||
	    id == CLOCK_TAI))
		ts->tv_sec += fakeclock_offset();
	return (rc);
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec	ts;

	(void)tz;
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (-1);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return (0);
}

time_t
time(time_t *t)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return ((time_t)-1);
	if (t != NULL)
		*t = ts.tv_sec;
	return (ts.tv_sec);
}
