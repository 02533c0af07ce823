/*
 * notify.c: tell the service manager how lockrun is (sd_notify(3)).
 *
 * The protocol is one datagram of "KEY=value" lines to the AF_UNIX socket
 * named by $NOTIFY_SOCKET (a path, or '@' for the abstract namespace);
 * systemd documents it as stable and meant to be reimplemented, so lockrun
 * speaks it itself rather than link libsystemd for it. Without
 * $NOTIFY_SOCKET (not started by systemd with Type=notify) nothing is sent.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

static struct sockaddr_un	notify_addr;
static socklen_t		notify_len;	/* 0: no service manager */

/*
 * Take $NOTIFY_SOCKET, once, and out of the environment: the jobs are not
 * the service, and must not speak for it.
 */
void
notify_init(void)
{
	const char	*path = getenv("NOTIFY_SOCKET");
	size_t		 len;

	notify_len = 0;
	if (path == NULL)
		return;
	len = strlen(path);
	if ((path[0] == '/' || path[0] == '@') && len >= 2 &&
	    len < sizeof(notify_addr.sun_path)) {
		memset(&notify_addr, 0, sizeof(notify_addr));
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, len);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';
		notify_len = offsetof(struct sockaddr_un, sun_path) + len +
		    (path[0] == '/');
	} else
		log_warnx("NOTIFY_SOCKET %s: not a socket path: not telling "
		    "the service manager anything", path);
	(void)unsetenv("NOTIFY_SOCKET");
}

/*
 * Send state ("READY=1", "STOPPING=1", ...), if a service manager listens.
 * A failure is logged at debug level and otherwise ignored: lockrun's jobs
 * do not depend on it.
 */
void
notify_send(const char *state)
{
	int	fd, saved = errno;

	if (notify_len == 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_debug("notify: socket: %s", strerror(errno));
		goto out;
	}
	if (sendto(fd, state, strlen(state), MSG_NOSIGNAL,
	    (const struct sockaddr *)&notify_addr, notify_len) == -1)
		log_debug("notify: %s: %s", state, strerror(errno));
	close(fd);
out:
	errno = saved;
}

/*
 * "RELOADING=1" with the time systemd wants beside it (MONOTONIC_USEC,
 * for Type=notify-reload); READY=1 follows once the reload is done.
 */
void
notify_reloading(void)
{
	struct timespec	ts;
	char		buf[64];

	if (notify_len == 0)
		return;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1) {
		notify_send("RELOADING=1");
		return;
	}
	(void)snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	notify_send(buf);
}
