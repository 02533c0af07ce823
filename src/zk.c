/*
 * zk.c: the one ZooKeeper session of a lockrun process, on the libev loop.
 *
 * The single-threaded C client (libzookeeper_st) does no I/O of its own:
 * zookeeper_interest() says which descriptor to watch, for what, and
 * until when; zookeeper_process() does the work and runs the callbacks.
 * An ev_prepare asks before every turn of the loop, and an ev_io and an
 * ev_timer wait for what it said: no threads, no polling.
 *
 * The lease. A fleet claim is an ephemeral node: the server deletes it
 * when it has heard nothing from this session for the session timeout T
 * (the negotiated one), and then the next host in line starts. We cannot
 * know when the server last heard from us, only a time before which it
 * surely did. In an ensemble that is not "when we sent a request it has
 * since answered": a follower answers reads on its own, even cut off from
 * the leader, and it is the leader that expires sessions, hearing of our
 * requests only with the follower's next ping (every tickTime/2). So the
 * probe is a sync, which goes through the leader: once it is answered,
 * the follower reached the leader after we sent it, and had pinged it in
 * between with the news of our previous probe, sent one probe interval
 * earlier (which holds while tickTime/2 is shorter than that interval,
 * T/5: tickTime < 2T/5, as lockrun.ini(5) says). So the server cannot
 * expire the session before the previous probe's sending + T on its
 * clock; that is the lease (zk_lease). A probe goes out every T/5 while
 * the session lives, so a healthy session's lease is always about 3T/5
 * ahead. A job must be gone strictly before the lease ends: see
 * zk_recipe_budget for the arithmetic, job.c for the stop, and watchdog.c
 * for a lockrun that cannot act (SIGSTOP).
 *
 * Times are CLOCK_BOOTTIME, which counts a suspended host: a laptop that
 * slept through the lease wakes up with it over, not with it paused (the
 * server's clock went on). Neither a change of the wall clock nor a
 * suspend can lengthen a lease.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <zookeeper/zookeeper.h>

#include "log.h"
#include "util.h"
#include "zk.h"
#include "zk_recipe.h"

static struct {
	char		*hosts;		/* host:port,... without the chroot */
	char		*prefix;	/* the chroot ("" for none) */
	double		 timeout;	/* asked for, seconds */
	zhandle_t	*zh;
	struct ev_loop	*loop;
	ev_prepare	 prepare;
	ev_io		 io;
	ev_timer	 timer;
	ev_timer	 probe;
	int		 fd;
	int		 connected;
	double		 lease;		/* util_boottime(); 0: none */
	double		 since;		/* last connect attempt or loss */
	double		 down_since;	/* not connected since; 0: connected */
	double		 sent[8];	/* when the last probes went out */
	unsigned	 nprobes;
	unsigned	 first_probe;	/* of this connection */
	double		 connect_sent;	/* when its connect began */
	int		 told_timeout;	/* said it is not what was asked */
	TAILQ_HEAD(, zk_listener) listeners;
	char		 hostname[256];
} zk = { .fd = -1, .listeners = TAILQ_HEAD_INITIALIZER(zk.listeners) };

/*
 * Take ZooKeeper's connect string, "host:port,host:port/chroot". The
 * chroot is kept as a prefix of our own, not given to the client: a
 * chrooted session cannot create its own root. 0, or -1 with why.
 */
int
zk_configure(const char *connect, double timeout, char *why, size_t len)
{
	const char	*slash;
	size_t		 n;

	if (connect == NULL || *connect == '\0' || *connect == '/' ||
	    *connect == ',') {
		snprintf(why, len, "expected host:port[,host:port...][/path]");
		return (-1);
	}
	if (strspn(connect, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789.-_:,[]/") != strlen(connect)) {
		snprintf(why, len, "unexpected character in \"%s\" (expected "
		    "host:port[,host:port...][/path])", connect);
		return (-1);
	}
	if (timeout < 1 || timeout > 600) {
		snprintf(why, len, "session timeout out of range (expected "
		    "1s..10m)");
		return (-1);
	}
	slash = strchr(connect, '/');
	n = slash != NULL ? (size_t)(slash - connect) : strlen(connect);
	if (slash != NULL && (slash[1] == '\0' || strstr(slash, "//") != NULL ||
	    slash[strlen(slash) - 1] == '/' || strstr(slash, "/.") != NULL)) {
		snprintf(why, len, "bad path \"%s\" (expected /name[/name...])",
		    slash);
		return (-1);
	}
	free(zk.hosts);
	free(zk.prefix);
	zk.hosts = util_xstrndup(connect, n);
	zk.prefix = util_xstrdup(slash != NULL ? slash : "");
	zk.timeout = timeout;
	return (0);
}

int
zk_configured(void)
{
	return (zk.hosts != NULL);
}

/* The ensemble, for messages. */
const char *
zk_hosts(void)
{
	return (zk.hosts != NULL ? zk.hosts : "?");
}

/* Where our nodes live: "" or "/lockrun". */
const char *
zk_prefix(void)
{
	return (zk.prefix != NULL ? zk.prefix : "");
}

/* The session timeout: the negotiated one once connected. */
double
zk_timeout(void)
{
	int	ms;

	if (zk.zh != NULL && zk.connected && (ms = zoo_recv_timeout(zk.zh)) > 0)
		return (ms / 1000.0);
	return (zk.timeout);
}

/*
 * The name this host goes by in the nodes and in --status:
 * $LOCKRUN_HOSTNAME, else the kernel's.
 */
const char *
zk_hostname(void)
{
	const char	*e;

	if (zk.hostname[0] != '\0')
		return (zk.hostname);
	if ((e = getenv("LOCKRUN_HOSTNAME")) != NULL && *e != '\0')
		snprintf(zk.hostname, sizeof(zk.hostname), "%s", e);
	else if (gethostname(zk.hostname, sizeof(zk.hostname) - 1) == -1)
		snprintf(zk.hostname, sizeof(zk.hostname), "?");
	zk.hostname[sizeof(zk.hostname) - 1] = '\0';
	return (zk.hostname);
}

static void
zk_notify(enum zk_event ev)
{
	struct zk_listener	*l, *next;

	for (l = TAILQ_FIRST(&zk.listeners); l != NULL; l = next) {
		next = TAILQ_NEXT(l, entry);
		l->cb(l, ev);
	}
}

void
zk_listen(struct zk_listener *l)
{
	TAILQ_INSERT_TAIL(&zk.listeners, l, entry);
}

void
zk_unlisten(struct zk_listener *l)
{
	TAILQ_REMOVE(&zk.listeners, l, entry);
}

int
zk_connected(void)
{
	return (zk.zh != NULL && zk.connected);
}

/* Since when (util_boottime) we have had no connection; 0 when connected. */
double
zk_unreachable_since(void)
{
	return (zk.down_since);
}

/* The earliest the server may expire our session (util_boottime), or 0. */
double
zk_lease(void)
{
	return (zk.lease);
}

/* The lease runs from sent: the server heard from us after that. */
static void
zk_renew(double sent)
{
	double	lease = sent + zk_timeout();

	if (lease <= zk.lease)
		return;
	zk.lease = lease;
	zk_notify(ZK_EV_LEASE);
}

static void
zk_probe_done(int rc, const char *value, const void *data)
{
	unsigned	n = (unsigned)(uintptr_t)data;

	(void)value;
	/*
	 * Probes go out every t/5: eight are never in flight at once. The
	 * lease runs from the one before (see the top); the first of a
	 * session from its connect, which the leader itself handled.
	 */
	if (rc != ZOK)
		log_debug("%s: %s", __func__, zerror(rc));
	else if (n > zk.first_probe)
		zk_renew(zk.sent[(n - 1) % LOCKRUN_ARRAY_LEN(zk.sent)]);
	else
		zk_renew(zk.connect_sent);
}

/* Ask the leader, through our server, something cheap: a sync. */
static void
zk_probe_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	unsigned	n;

	(void)loop;
	(void)t;
	(void)revents;
	if (!zk_connected())
		return;
	n = zk.nprobes++;
	zk.sent[n % LOCKRUN_ARRAY_LEN(zk.sent)] = util_boottime();
	if (zoo_async(zk.zh, "/", zk_probe_done,
	    (const void *)(uintptr_t)n) != ZOK)
		log_debug("%s: cannot send", __func__);
}

/* The session is over: every node of it is gone (or soon will be). */
static void
zk_lost(const char *why)
{
	log_warnx("zookeeper %s: %s", zk.hosts, why);
	zk.connected = 0;
	zk.lease = 0;
	if (zk.down_since == 0)
		zk.down_since = util_boottime();
	zk_notify(ZK_EV_LOST);
	zk_notify(ZK_EV_LEASE);
}

/* The client's session events. */
static void
zk_watcher(zhandle_t *zh, int type, int state, const char *path, void *ctx)
{
	struct zk_budget	b;

	(void)zh;
	(void)path;
	(void)ctx;
	if (type != ZOO_SESSION_EVENT)
		return;
	if (state == ZOO_CONNECTED_STATE) {
		log_debug("zookeeper %s: connected (session timeout %gs)",
		    zk.hosts, zk_timeout());
		zk.connected = 1;
		zk.down_since = 0;
		zk_recipe_budget(zk_timeout(), &b);
		if (zk_timeout() < zk.timeout && !zk.told_timeout) {
			log_warnx("zookeeper %s: session timeout %gs, not the "
			    "%gs asked for (the server's maxSessionTimeout): "
			    "fleet jobs get TERM %gs before their claim may "
			    "end", zk.hosts, zk_timeout(), zk.timeout,
			    b.stopwait);
			zk.told_timeout = 1;
		}
		/*
		 * The server heard our connect, sent after the attempt began;
		 * the leader handles a session's creation and revalidation.
		 * Probes from now on renew from the one before them.
		 */
		zk.connect_sent = zk.since;
		zk.first_probe = zk.nprobes;
		zk_renew(zk.since);
		/*
		 * A connect that took long (servers down, an election) leaves
		 * a short lease: probe at once then, so that a claim granted
		 * now is not stopped for it. Otherwise the connect was the
		 * probe.
		 */
		ev_timer_stop(zk.loop, &zk.probe);
		ev_timer_set(&zk.probe, zk.lease - util_boottime() <
		    zk_timeout() - b.probe ? 0. : b.probe, b.probe);
		ev_timer_start(zk.loop, &zk.probe);
		zk_notify(ZK_EV_CONNECTED);
	} else if (state == ZOO_EXPIRED_SESSION_STATE) {
		zk_lost("session expired");
	} else if (state == ZOO_AUTH_FAILED_STATE) {
		zk_lost("authentication failed");
	} else {
		/* Connecting again: the lease runs on, nothing renews it. */
		if (zk.connected)
			log_info("zookeeper %s: connection lost, lease left "
			    "%.1fs", zk.hosts, zk.lease - util_boottime());
		zk.connected = 0;
		zk.since = util_boottime();
		if (zk.down_since == 0)
			zk.down_since = zk.since;
	}
}

/* The client's log, at our debug level. */
static void
zk_log_cb(const char *msg)
{
	log_debug("zookeeper client: %s", msg);
}

/* Give the client what it asked for, then ask again (zk_prepare_cb). */
static void
zk_process(int events)
{
	int	rc;

	if (zk.zh == NULL)
		return;
	rc = zookeeper_process(zk.zh, events);
	if (rc != ZOK && rc != ZNOTHING)
		log_debug("%s: %s", __func__, zerror(rc));
	if (zk.zh != NULL && is_unrecoverable(zk.zh) && zk.lease != 0)
		zk_lost("session expired");
}

static void
zk_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	zk_process((revents & EV_READ ? ZOOKEEPER_READ : 0) |
	    (revents & EV_WRITE ? ZOOKEEPER_WRITE : 0));
}

static void
zk_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	zk_process(0);
}

/*
 * Before the loop sleeps: what does the client wait for? Its descriptor
 * changes at every reconnect; a new one is made close-on-exec here, so
 * that no job inherits the connection and keeps it open.
 */
static void
zk_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	/*
	 * What an error leaves unsaid (the client returns before filling
	 * these in when it cannot resolve the servers' names, say): nothing
	 * to watch, and a look again in a second.
	 */
	struct timeval	tv = { 1, 0 };
	int		fd = -1, interest = 0, ev = 0, rc, fl;

	(void)w;
	(void)revents;
	if (zk.zh == NULL)
		return;
	rc = zookeeper_interest(zk.zh, &fd, &interest, &tv);
	if (rc == ZINVALIDSTATE) {
		if (zk.lease != 0 || zk.connected)
			zk_lost("session expired");
		ev_io_stop(loop, &zk.io);
		ev_timer_stop(loop, &zk.timer);
		return;
	}
	if (interest & ZOOKEEPER_READ)
		ev |= EV_READ;
	if (interest & ZOOKEEPER_WRITE)
		ev |= EV_WRITE;
	if (fd != zk.fd || (fd != -1 && ev != (zk.io.events & (EV_READ |
	    EV_WRITE)))) {
		ev_io_stop(loop, &zk.io);
		if (fd != zk.fd && fd != -1 &&
		    (fl = fcntl(fd, F_GETFD)) != -1 && !(fl & FD_CLOEXEC))
			(void)fcntl(fd, F_SETFD, fl | FD_CLOEXEC);
		zk.fd = fd;
		if (fd != -1 && ev != 0) {
			ev_io_set(&zk.io, fd, ev);
			ev_io_start(loop, &zk.io);
		}
	}
	ev_timer_stop(loop, &zk.timer);
	ev_timer_set(&zk.timer, tv.tv_sec + tv.tv_usec / 1e6, 0.);
	ev_timer_start(loop, &zk.timer);
}

/*
 * The session's handle, made (and the connection begun) on first use
 * with a loop; NULL with errno when the client cannot even start.
 */
void *
zk_handle(struct ev_loop *loop)
{
	if (zk.zh != NULL && is_unrecoverable(zk.zh)) {
		/* Expired: a new session for whatever comes next. */
		zk_shutdown();
	}
	if (zk.zh != NULL || loop == NULL)
		return (zk.zh);
	if (zk.hosts == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	zoo_set_debug_level(log_enabled(LOG_LEVEL_DEBUG) ?
	    ZOO_LOG_LEVEL_DEBUG : ZOO_LOG_LEVEL_ERROR);
	zk.loop = loop;
	zk.since = util_boottime();
	zk.down_since = zk.since;
	zk.connected = 0;
	zk.lease = 0;
	zk.zh = zookeeper_init2(zk.hosts, zk_watcher, (int)(zk.timeout * 1000),
	    NULL, NULL, 0, zk_log_cb);
	if (zk.zh == NULL)
		return (NULL);
	/*
	 * By default the client resolves the server names again each time
	 * it is asked what to wait for: before every turn of our loop, a
	 * getaddrinfo() (a DNS query, with names) that blocks the loop, a
	 * fleet handoff included. Resolved when the connection is lost.
	 */
	if (zoo_set_servers_resolution_delay(zk.zh, -1) != ZOK)
		log_debug("zookeeper: cannot set the resolution delay");
	ev_prepare_init(&zk.prepare, zk_prepare_cb);
	ev_prepare_start(loop, &zk.prepare);
	ev_init(&zk.io, zk_io_cb);
	ev_init(&zk.timer, zk_timer_cb);
	ev_init(&zk.probe, zk_probe_cb);
	zk.fd = -1;
	return (zk.zh);
}

/*
 * Close the session: the server deletes every node of it at once, so
 * whoever waits behind us is told now, not after the session timeout.
 * Pending callbacks run once more, with ZCLOSING.
 */
void
zk_shutdown(void)
{
	zhandle_t	*zh = zk.zh;

	if (zh == NULL)
		return;
	ev_prepare_stop(zk.loop, &zk.prepare);
	ev_io_stop(zk.loop, &zk.io);
	ev_timer_stop(zk.loop, &zk.timer);
	ev_timer_stop(zk.loop, &zk.probe);
	zk.fd = -1;
	zk.zh = NULL;
	zk.connected = 0;
	zk.lease = 0;
	(void)zookeeper_close(zh);
	zk_notify(ZK_EV_LOST);
}
