/*
 * res_zk.c: fleet locks, semaphores and singletons in ZooKeeper.
 *
 * One node a resource ("<prefix>/semaphore/NAME", ".../lock/NAME",
 * ".../job/NAME"); under it, every contender's ephemeral sequential node,
 * in line (zk_recipe.c says who holds and whom a waiter watches). Its data
 * says host, PID, job and since when, for --status; its czxid, which only
 * grows in an ensemble, is the fencing token (LOCKRUN_FENCE).
 *
 * Nothing blocks the loop. try() creates the node, asynchronously, and
 * answers EINPROGRESS until the server has said where it stands in line;
 * then 0 when it holds, EWOULDBLOCK while others come first. A watch on
 * the node(s) it waits for, never a poll, brings the next listing; then
 * the waiter is woken through arm(). A waiter that gives up (close) takes
 * its node out of line.
 *
 * With other resources, all or nothing is not possible here: giving a
 * place in line back at every busy local slot would send it to the end of
 * the line and poll the server. So fleet claims are taken first, in key
 * order, one after the other, each held while the next is waited for, and
 * the host's resources after them, all or nothing (waiter.c, resource.h:
 * "first"). That cannot deadlock: a waiter holds fleet claims only while
 * waiting for a fleet claim later in the one order every host uses (the
 * keys are the node paths), or for host resources; and host resources are
 * never held while waiting (all or nothing), so no cycle can close. The
 * price: a job that holds its fleet claim and waits for a busy local slot
 * keeps the claim from the other hosts meanwhile (documented).
 *
 * A held claim is only as good as the session's lease (zk.c): lease()
 * says how long is left, and guard() tells the job when that changed, so
 * that it stops the command in time. A claim whose node vanishes (the
 * session expired, or someone deleted it) is lost at once.
 *
 * How could a fleet job run twice? What was looked at, and what stops it:
 *  - The connection drops, or the server is slow or stopped: the lease
 *    runs from the last request the server answered, never from our own
 *    guess of its clock; the job is killed margin before it ends, while
 *    the server cannot yet have expired the session (zk_recipe_budget).
 *  - lockrun is killed (SIGKILL): its command gets SIGKILL from the
 *    kernel (PR_SET_PDEATHSIG, the race with our death closed by
 *    getppid()), and the rest of its group from the watchdog, which sees
 *    its pipe close (watchdog.c). The session then expires on the server.
 *  - lockrun is stopped (SIGSTOP, Ctrl-Z of its group, a debugger): it
 *    cannot act, but the watchdog (its own session, so group stops miss
 *    it) kills the command when the lease it was last given runs out.
 *  - Clock jumps: leases use CLOCK_BOOTTIME, which neither a change of the
 *    wall clock nor a suspend can make run slow; the server's timeout runs
 *    on its own clock, and only rates matter, not offsets.
 *  - A server restart or a leader change: the session survives if the
 *    client reconnects within the lease; watches are set again by the
 *    client; a create answered by a lost connection may have made a node:
 *    its name carries our session and round, and any listing removes it.
 *  - An answer that comes after we gave up (a create, a listing): answers
 *    name a round, and a round nobody wants is ignored, its node deleted.
 *  - Another user of the ensemble: whoever can write under the prefix can
 *    delete our node (we notice and kill the job, but the next host may
 *    have started meanwhile) or write nodes that jump the line (names that
 *    do not parse are ignored, but a well-formed one counts). ZooKeeper's
 *    ACLs are the only cure; lockrun creates its nodes open
 *    (OPEN_ACL_UNSAFE) and says so in lockrun.ini(5).
 *  - A whole host paused (a VM): everything resumes at once and the
 *    command may run for a moment after another host started; only the
 *    fencing token (LOCKRUN_FENCE) can make that harmless.
 */
#include "config.h"

#include <sys/queue.h>

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>
#include <zookeeper/zookeeper.h>

#include "log.h"
#include "res_zk.h"
#include "util.h"
#include "zk.h"
#include "zk_recipe.h"

enum res_zk_state {
	RES_ZK_IDLE,		/* no node */
	RES_ZK_CREATING,	/* asked for one */
	RES_ZK_LISTING,		/* have one: where does it stand? */
	RES_ZK_WAITING,		/* others first; watching */
	RES_ZK_HELD,
};

struct res_zk {
	struct resource		 r;
	char			*dir;		/* the resource's node */
	char			*what;		/* "fleet semaphore gpu" */
	char			*job;		/* for the node's data */
	unsigned		 slots;		/* 1: a lock or a singleton */
	struct ev_loop		*loop;

	enum res_zk_state	 state;
	unsigned		 round;		/* of the node asked for; 0:
						   answers are stale */
	char			*node;		/* its path, or NULL */
	unsigned long long	 fence;		/* its czxid */
	int			 listing;	/* a listing is under way */
	int			 parents;	/* made the parents once */
	unsigned		 ahead;		/* at the last listing */
	unsigned		 holding;	/* ... of those, holders */
	struct zk_node		*line;		/* ... the nodes before ours
						   and ours (names our own) */
	size_t			 nline;
	int			 lost;		/* held, then lost */

	resource_wake_cb	*wake;		/* arm() */
	void			*wake_arg;
	resource_wake_cb	*guard;		/* guard() */
	void			*guard_arg;
	struct zk_listener	 listener;
	TAILQ_ENTRY(res_zk)	 entry;
};

#define RES_ZK(r)	((struct res_zk *)(r))

/* Every live fleet resource, for answers that name a round. */
static TAILQ_HEAD(, res_zk) res_zk_all = TAILQ_HEAD_INITIALIZER(res_zk_all);
static unsigned			res_zk_rounds;

static void	res_zk_list(struct res_zk *);

/* The resource whose current round is round, or NULL: a stale answer. */
static struct res_zk *
res_zk_find(const void *data)
{
	unsigned	 round = (unsigned)(uintptr_t)data;
	struct res_zk	*z;

	if (round == 0)
		return (NULL);
	TAILQ_FOREACH(z, &res_zk_all, entry) {
		if (z->round == round)
			return (z);
	}
	return (NULL);
}

/* Is round one of a live resource's? (Else its node is an orphan.) */
static int
res_zk_round_live(unsigned round)
{
	return (res_zk_find((const void *)(uintptr_t)round) != NULL);
}

static void
res_zk_void_done(int rc, const void *data)
{
	(void)data;
	if (rc != ZOK && rc != ZNONODE && rc != ZNODEEXISTS)
		log_debug("%s: %s", __func__, zerror(rc));
}

static void
res_zk_stat_done(int rc, const struct Stat *st, const void *data)
{
	(void)st;
	res_zk_void_done(rc, data);
}

static void
res_zk_string_done(int rc, const char *value, const void *data)
{
	(void)value;
	res_zk_void_done(rc, data);
}

/* Delete a node of ours, without waiting for the answer. */
static void
res_zk_delete(const char *path)
{
	zhandle_t	*zh = zk_connected() ? zk_handle(NULL) : NULL;

	if (zh != NULL && zoo_adelete(zh, path, -1, res_zk_void_done,
	    NULL) != ZOK)
		log_debug("%s: %s: cannot send", __func__, path);
}

/* Tell the waiter (armed) that a try may tell it something new. */
static void
res_zk_wake(struct res_zk *z)
{
	if (z->wake != NULL)
		z->wake(&z->r, z->wake_arg);
}

/* Tell the job (guarded) to look at the lease again. */
static void
res_zk_tell_guard(struct res_zk *z)
{
	if (z->guard != NULL)
		z->guard(&z->r, z->guard_arg);
}

/* Forget the line we saw. */
static void
res_zk_drop_line(struct res_zk *z)
{
	size_t	i;

	for (i = 0; i < z->nline; i++)
		free((char *)z->line[i].name);
	free(z->line);
	z->line = NULL;
	z->nline = 0;
}

/*
 * Keep the line up to our node (index me of v). Nodes only ever join at
 * the end (sequence numbers grow), so what was before us can only leave:
 * when a node we watch is deleted, the kept line without it says whether
 * we hold now, without asking the server again (a round trip less for
 * every handoff).
 */
static void
res_zk_keep_line(struct res_zk *z, const struct zk_node *v, size_t me)
{
	size_t	i;

	res_zk_drop_line(z);
	z->line = util_xcalloc(me + 1, sizeof(*z->line));
	for (i = 0; i <= me; i++) {
		z->line[i] = v[i];
		z->line[i].name = util_xstrdup(v[i].name);
	}
	z->nline = me + 1;
}

/* Forget our node (it is gone or being deleted): out of line. */
static void
res_zk_forget(struct res_zk *z)
{
	free(z->node);
	z->node = NULL;
	z->fence = 0;
	z->round = 0;
	z->listing = 0;
	z->state = RES_ZK_IDLE;
	res_zk_drop_line(z);
}

/* The claim is gone while held: the job must stop now. */
static void
res_zk_lose(struct res_zk *z, const char *why)
{
	log_warnx("%s: claim lost: %s", z->what, why);
	res_zk_forget(z);
	z->lost = 1;
	res_zk_tell_guard(z);
}

static void	res_zk_watch(struct res_zk *, const char *);
static int	res_zk_data(struct res_zk *, char *, size_t);

/* Ours now: say so to the node behind us (slots > 1), watch our own. */
static void
res_zk_grant(struct res_zk *z)
{
	char	buf[600];
	int	len;

	z->state = RES_ZK_HELD;
	res_zk_drop_line(z);
	/*
	 * With slots > 1 the node behind us may watch ours for this
	 * promotion (zk_recipe.c); the data is the time we hold.
	 */
	if (z->slots > 1 && (len = res_zk_data(z, buf, sizeof(buf))) != -1 &&
	    zoo_aset(zk_handle(NULL), z->node, buf, len, -1, res_zk_stat_done,
	    NULL) != ZOK)
		log_debug("%s: cannot send", z->node);
	res_zk_watch(z, z->node);	/* deleted under us? */
	res_zk_wake(z);
}

/* A node we watch was deleted: do we hold now, by the line we kept? */
static int
res_zk_left(struct res_zk *z, const char *path)
{
	const char	*base = strrchr(path, '/');
	size_t		 i, me;

	if (base == NULL || z->nline == 0)
		return (0);
	i = zk_recipe_find(z->line, z->nline, base + 1);
	me = z->nline - 1;
	if (i >= me)
		return (0);
	free((char *)z->line[i].name);
	memmove(&z->line[i], &z->line[i + 1], (z->nline - i - 1) *
	    sizeof(*z->line));
	z->nline--;
	me--;
	if (!zk_recipe_holds(z->line, z->nline, me, z->slots))
		return (0);
	for (i = 0, z->holding = 0; i < me; i++)
		z->holding += zk_recipe_holds(z->line, z->nline, i, z->slots);
	z->ahead = (unsigned)me;
	return (1);
}

static void
res_zk_watch_cb(zhandle_t *zh, int type, int state, const char *path,
    void *ctx)
{
	struct res_zk	*z = res_zk_find(ctx);

	(void)zh;
	(void)state;
	if (z == NULL || type == ZOO_SESSION_EVENT)
		return;
	if (z->state == RES_ZK_HELD) {
		/* Our own node: deleted by someone, or our data written. */
		if (type == ZOO_DELETED_EVENT && z->node != NULL &&
		    strcmp(path, z->node) == 0)
			res_zk_lose(z, "its node was deleted");
		return;
	}
	if (z->state != RES_ZK_WAITING)
		return;
	if (type == ZOO_DELETED_EVENT && res_zk_left(z, path))
		res_zk_grant(z);
	else
		res_zk_list(z);
}

static void
res_zk_exists_done(int rc, const struct Stat *st, const void *data)
{
	struct res_zk	*z = res_zk_find(data);

	(void)st;
	if (z == NULL)
		return;
	/* Gone before the watch was set: look again at once. */
	if (rc == ZNONODE && z->state == RES_ZK_WAITING)
		res_zk_list(z);
	else if (rc == ZNONODE && z->state == RES_ZK_HELD)
		res_zk_lose(z, "its node was deleted");
}

/* Watch path for deletion (and a change of its data). */
static void
res_zk_watch(struct res_zk *z, const char *path)
{
	zhandle_t	*zh = zk_handle(NULL);
	const void	*ctx = (const void *)(uintptr_t)z->round;

	if (zh == NULL || zoo_awexists(zh, path, res_zk_watch_cb, (void *)ctx,
	    res_zk_exists_done, ctx) != ZOK)
		log_debug("%s: %s: cannot send", __func__, path);
}

/* Our data, with the time we came to hold (or to wait). */
static int
res_zk_data(struct res_zk *z, char *buf, size_t len)
{
	return (zk_recipe_data(buf, len, zk_hostname(), getpid(), z->job,
	    time(NULL)));
}

/* Where we stand: hold, or watch whom the recipe says. */
static void
res_zk_list_done(int rc, const struct String_vector *sv, const void *data)
{
	struct res_zk	*z = res_zk_find(data);
	struct zk_node	*v;
	const char	*base;
	size_t		*watch, nwatch, n = 0, me, i;
	char		 path[1024];
	int		 held, was = 0;

	if (z == NULL)
		return;
	z->listing = 0;
	if (rc != ZOK) {
		/* Connection loss: CONNECTED lists again; else look again. */
		log_debug("%s: %s: %s", __func__, z->dir, zerror(rc));
		if (rc == ZNONODE && z->state == RES_ZK_HELD)
			res_zk_lose(z, "its node was deleted");
		return;
	}
	v = util_xcalloc(sv->count + 1, sizeof(*v));
	for (i = 0; i < (size_t)sv->count; i++) {
		if (zk_recipe_parse(sv->data[i], &v[n]) == 0)
			n++;
	}
	zk_recipe_sort(v, n);
	/* Nodes of this session from rounds nobody wants: out of line. */
	for (i = 0; i < n; i++) {
		if (v[i].session != (unsigned long long)zoo_client_id(
		    zk_handle(NULL))->client_id || res_zk_round_live(v[i].round))
			continue;
		snprintf(path, sizeof(path), "%s/%s", z->dir, v[i].name);
		log_debug("%s: removing an orphan of ours", path);
		res_zk_delete(path);
	}
	base = strrchr(z->node, '/') + 1;
	me = zk_recipe_find(v, n, base);
	if (me == n) {
		free(v);
		if (z->state == RES_ZK_HELD)
			res_zk_lose(z, "its node was deleted");
		else {
			/* Gone (deleted by someone): queue again. */
			res_zk_forget(z);
			res_zk_wake(z);
		}
		return;
	}
	watch = util_xcalloc(z->slots + 1, sizeof(*watch));
	held = zk_recipe_eval(v, n, me, z->slots, watch, &nwatch);
	if (z->state == RES_ZK_LISTING)
		log_info("%s: in line as %s, %zu before us", z->what, base,
		    me);
	z->ahead = (unsigned)me;
	for (i = 0, z->holding = 0; i < me; i++)
		z->holding += zk_recipe_holds(v, n, i, z->slots);
	if (held)
		res_zk_grant(z);
	else {
		was = z->state;
		z->state = RES_ZK_WAITING;
		res_zk_keep_line(z, v, me);
		for (i = 0; i < nwatch; i++) {
			snprintf(path, sizeof(path), "%s/%s", z->dir,
			    v[watch[i]].name);
			res_zk_watch(z, path);
		}
		/* "Busy" is news for a waiter that must not wait. */
		if (was != RES_ZK_WAITING)
			res_zk_wake(z);
	}
	free(watch);
	free(v);
}

/* Ask for the line; the answer decides (res_zk_list_done). */
static void
res_zk_list(struct res_zk *z)
{
	zhandle_t	*zh;

	if (z->listing || z->node == NULL || !zk_connected() ||
	    (zh = zk_handle(NULL)) == NULL)
		return;
	if (zoo_aget_children(zh, z->dir, 0, res_zk_list_done,
	    (const void *)(uintptr_t)z->round) == ZOK)
		z->listing = 1;
}

static void	res_zk_create(struct res_zk *);

/* Make the resource's node and those above it, in order (no answer
   needed: a session's requests are done in the order sent). */
static void
res_zk_make_parents(struct res_zk *z)
{
	zhandle_t	*zh = zk_handle(NULL);
	char		*p, *copy;

	copy = util_xstrdup(z->dir);
	for (p = strchr(copy + 1, '/'); ; p = strchr(p + 1, '/')) {
		if (p != NULL)
			*p = '\0';
		if (zoo_acreate(zh, copy, "", 0, &ZOO_OPEN_ACL_UNSAFE, 0,
		    res_zk_string_done, NULL) != ZOK)
			log_debug("%s: %s: cannot send", __func__, copy);
		if (p == NULL)
			break;
		*p = '/';
	}
	free(copy);
}

static void
res_zk_create_done(int rc, const char *value, const struct Stat *st,
    const void *data)
{
	struct res_zk	*z = res_zk_find(data);

	if (z == NULL || z->state != RES_ZK_CREATING) {
		/* Nobody wants it any more (gave up meanwhile). */
		if (rc == ZOK)
			res_zk_delete(value);
		return;
	}
	switch (rc) {
	case ZOK:
		z->node = util_xstrdup(value);
		z->fence = (unsigned long long)st->czxid;
		z->state = RES_ZK_LISTING;
		res_zk_list(z);
		return;
	case ZNONODE:
		if (!z->parents) {
			z->parents = 1;
			res_zk_make_parents(z);
			res_zk_create(z);
			return;
		}
		break;
	default:
		break;
	}
	/*
	 * Connection loss: the node may exist all the same; a later listing
	 * removes it (its round is not wanted). Start again when connected.
	 */
	log_debug("%s: %s: %s", __func__, z->dir, zerror(rc));
	res_zk_forget(z);
	if (rc != ZCONNECTIONLOSS && rc != ZOPERATIONTIMEOUT &&
	    rc != ZSESSIONEXPIRED && rc != ZCLOSING)
		log_warnx("%s: cannot create a node under %s%s: %s", z->what,
		    zk_prefix(), z->dir + strlen(zk_prefix()), zerror(rc));
	res_zk_wake(z);
}

/* Ask for our node in line. */
static void
res_zk_create(struct res_zk *z)
{
	zhandle_t	*zh = zk_handle(NULL);
	char		 path[1024], prefix[ZK_RECIPE_NAME_MAX], buf[600];
	int		 len;

	if (z->round == 0 && ++res_zk_rounds == 0)
		res_zk_rounds = 1;
	if (z->round == 0)
		z->round = res_zk_rounds;
	zk_recipe_prefix(prefix, sizeof(prefix), z->r.shared,
	    (unsigned long long)zoo_client_id(zh)->client_id, z->round);
	snprintf(path, sizeof(path), "%s/%s", z->dir, prefix);
	if ((len = res_zk_data(z, buf, sizeof(buf))) == -1)
		len = 0;
	z->state = RES_ZK_CREATING;
	if (zoo_acreate2(zh, path, buf, len, &ZOO_OPEN_ACL_UNSAFE,
	    ZOO_EPHEMERAL | ZOO_SEQUENCE, res_zk_create_done,
	    (const void *)(uintptr_t)z->round) != ZOK) {
		log_debug("%s: %s: cannot send", __func__, path);
		res_zk_forget(z);
	}
}

/*
 * Take it: 0 held; -1 and EINPROGRESS (asked), ENOTCONN (no session yet),
 * EWOULDBLOCK (others first, as the server said).
 */
static int
res_zk_try(struct resource *r)
{
	struct res_zk	*z = RES_ZK(r);

	switch (z->state) {
	case RES_ZK_HELD:
		return (0);
	case RES_ZK_WAITING:
		errno = EWOULDBLOCK;
		return (-1);
	case RES_ZK_CREATING:
	case RES_ZK_LISTING:
		errno = EINPROGRESS;
		return (-1);
	case RES_ZK_IDLE:
		break;
	}
	z->lost = 0;
	if (zk_handle(z->loop) == NULL)
		return (-1);
	if (!zk_connected()) {
		errno = ENOTCONN;
		return (-1);
	}
	res_zk_create(z);
	errno = z->state == RES_ZK_CREATING ? EINPROGRESS : ENOTCONN;
	return (-1);
}

/* Given back by a waiter that waits on: keep our place (see the top). */
static void
res_zk_release(struct resource *r)
{
	(void)r;
}

static void
res_zk_settle(struct resource *r)
{
	(void)r;
}

/* Out of line: delete our node (or the one being made, once it is). */
static void
res_zk_close(struct resource *r)
{
	struct res_zk	*z = RES_ZK(r);

	if (z->node != NULL)
		res_zk_delete(z->node);
	res_zk_forget(z);
	z->lost = 0;
}

static void
res_zk_free(struct resource *r)
{
	struct res_zk	*z = RES_ZK(r);

	res_zk_close(r);
	zk_unlisten(&z->listener);
	TAILQ_REMOVE(&res_zk_all, z, entry);
	free(z->dir);
	free(z->what);
	free(z->job);
	free(r->key);
	free(z);
}

static int
res_zk_fd(const struct resource *r)
{
	(void)r;
	return (-1);
}

static int
res_zk_slot(const struct resource *r)
{
	/* No numbered slots: two holders may have as many before them. */
	(void)r;
	return (-1);
}

/*
 * Who holds it: the node names this lockrun, not the job, whose PID is
 * known only once it runs. Writing it then would fire the watch of the
 * node behind ours for nothing (a listing more for every handoff).
 */
static int
res_zk_note(struct resource *r, pid_t pid, const char *label)
{
	(void)r;
	(void)pid;
	(void)label;
	return (0);
}

static void
res_zk_unmark(struct resource *r)
{
	(void)r;
}

static void
res_zk_arm(struct resource *r, struct ev_loop *loop, resource_wake_cb *cb,
    void *arg)
{
	struct res_zk	*z = RES_ZK(r);

	(void)loop;
	z->wake = cb;
	z->wake_arg = arg;
}

static void
res_zk_disarm(struct resource *r)
{
	struct res_zk	*z = RES_ZK(r);

	z->wake = NULL;
	z->wake_arg = NULL;
}

static const char *
res_zk_where(const struct resource *r)
{
	return (RES_ZK(r)->what);
}

static void
res_zk_describe(struct resource *r, int cheap, char *buf, size_t len)
{
	struct res_zk	*z = RES_ZK(r);

	(void)cheap;
	if (!zk_connected())
		snprintf(buf, len, "%s: ZooKeeper at %s not reachable",
		    z->what, zk_hosts());
	else if (z->state == RES_ZK_WAITING && z->slots > 1)
		snprintf(buf, len, "%s: %u/%u slots busy on the fleet, %u in "
		    "line before us", z->what, z->holding, z->slots,
		    z->ahead - z->holding);
	else if (z->state == RES_ZK_WAITING)
		snprintf(buf, len, "%s: held on the fleet, %u in line before "
		    "us", z->what, z->ahead);
	else
		snprintf(buf, len, "%s: asking ZooKeeper at %s", z->what,
		    zk_hosts());
}

/* Seconds before the claim must be given up; INFINITY when not held. */
static double
res_zk_lease(const struct resource *r)
{
	const struct res_zk	*z = RES_ZK(r);
	struct zk_budget	 b;
	double			 lease;

	if (z->lost)
		return (0);
	if (z->state != RES_ZK_HELD)
		return (INFINITY);
	if ((lease = zk_lease()) == 0)
		return (0);
	zk_recipe_budget(zk_timeout(), &b);
	return (lease - b.margin - util_boottime());
}

static void
res_zk_guard(struct resource *r, resource_wake_cb *cb, void *arg)
{
	struct res_zk	*z = RES_ZK(r);

	z->guard = cb;
	z->guard_arg = arg;
}

static unsigned long long
res_zk_fence(const struct resource *r)
{
	const struct res_zk	*z = RES_ZK(r);

	return (z->state == RES_ZK_HELD ? z->fence : 0);
}

/* The session came, moved its lease, or went. */
static void
res_zk_session_cb(struct zk_listener *l, enum zk_event ev)
{
	struct res_zk	*z = (struct res_zk *)((char *)l -
	    offsetof(struct res_zk, listener));

	switch (ev) {
	case ZK_EV_CONNECTED:
		/* Watches are set again by the client; answers were lost. */
		if (z->state == RES_ZK_LISTING || z->state == RES_ZK_WAITING) {
			z->listing = 0;
			res_zk_list(z);
		} else if (z->state == RES_ZK_IDLE)
			res_zk_wake(z);
		break;
	case ZK_EV_LEASE:
		if (z->state == RES_ZK_HELD || z->lost)
			res_zk_tell_guard(z);
		break;
	case ZK_EV_LOST:
		if (z->state == RES_ZK_HELD)
			res_zk_lose(z, "the ZooKeeper session ended");
		else if (z->state != RES_ZK_IDLE) {
			res_zk_forget(z);	/* its node is gone too */
			res_zk_wake(z);
		}
		break;
	}
}

static const struct resource_ops res_zk_ops = {
	.kind = "fleet",
	.try = res_zk_try,
	.release = res_zk_release,
	.settle = res_zk_settle,
	.close = res_zk_close,
	.free = res_zk_free,
	.fd = res_zk_fd,
	.slot = res_zk_slot,
	.note = res_zk_note,
	.watch = NULL,
	.closed = NULL,
	.unmark = res_zk_unmark,
	.arm = res_zk_arm,
	.disarm = res_zk_disarm,
	.where = res_zk_where,
	.describe = res_zk_describe,
	.inherited = NULL,
	.lease = res_zk_lease,
	.guard = res_zk_guard,
	.fence = res_zk_fence,
};

/*
 * A fleet resource: kind is "semaphore", "lock" or "job", name its name,
 * slots 1 for a lock or a singleton; job names the job in the node's data.
 */
struct resource *
res_zk_new(struct ev_loop *loop, const char *kind, const char *name,
    unsigned slots, int shared, const char *job)
{
	struct res_zk	*z;

	z = util_xcalloc(1, sizeof(*z));
	z->r.ops = &res_zk_ops;
	z->r.shared = shared;
	z->r.first = 1;
	util_xasprintf(&z->dir, "%s/%s/%s", zk_prefix(), kind, name);
	util_xasprintf(&z->r.key, "zk:%s", z->dir);
	util_xasprintf(&z->what, "fleet %s %s", kind, name);
	z->job = util_xstrdup(job != NULL ? job : "");
	z->slots = slots > 0 ? slots : 1;
	z->loop = loop;
	z->state = RES_ZK_IDLE;
	z->listener.cb = res_zk_session_cb;
	zk_listen(&z->listener);
	TAILQ_INSERT_TAIL(&res_zk_all, z, entry);
	return (&z->r);
}
