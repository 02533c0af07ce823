/*
 * zk_recipe.c: ZooKeeper's lock and semaphore recipes as pure functions.
 *
 * Every contender for a fleet lock or semaphore creates an ephemeral
 * sequential node under the resource's node; the sequence numbers put them
 * in line, first come first served. Who holds:
 *
 *  - a semaphore of N slots (a lock or a job is one of 1 slot): the first N
 *    nodes in line;
 *  - a shared (reader's) node of a lock: every node with no exclusive node
 *    before it, as in ZooKeeper's read/write lock recipe.
 *
 * Whom a waiter watches, so that a release wakes one waiter, not all (no
 * herd): a reader the last exclusive node before it; an exclusive node
 * that is first in line behind the N holders every one of them (any of
 * them may leave first); any other one the node just before it. That one
 * either leaves (its waiter gave up or died) or, with N > 1, is promoted:
 * its owner writes its data when it comes to hold, which fires the watch,
 * and the node behind it, first in line now, watches the holders. With
 * N = 1 the node before is the holder: its deletion is the only event.
 *
 * A node's name carries our session and round ("x-<session>-<round>-" and
 * the sequence), so that a node whose create was answered by a lost
 * connection can be told apart from everyone else's and removed when a
 * listing shows it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zk_recipe.h"

/* The name we ask for; ZooKeeper appends the sequence. */
void
zk_recipe_prefix(char *buf, size_t len, int shared, unsigned long long session,
    unsigned round)
{
	snprintf(buf, len, "%c-%016llx-%08x-", shared ? 's' : 'x', session,
	    round);
}

/* Are the first len bytes of p lower-case hex digits, then a '-'? */
static int
zk_recipe_hex(const char *p, size_t len)
{
	return (strspn(p, "0123456789abcdef") == len && p[len] == '-');
}

/* Parse a child's name; 0, or -1 if it is none of ours (never counted). */
int
zk_recipe_parse(const char *name, struct zk_node *n)
{
	const char	*p = name;
	char		*end;

	memset(n, 0, sizeof(*n));
	if ((p[0] != 'x' && p[0] != 's') || p[1] != '-')
		return (-1);
	n->shared = p[0] == 's';
	p += 2;
	if (!zk_recipe_hex(p, 16))
		return (-1);
	n->session = strtoull(p, NULL, 16);
	p += 17;
	if (!zk_recipe_hex(p, 8))
		return (-1);
	n->round = (unsigned)strtoul(p, NULL, 16);
	p += 9;
	/* ZooKeeper's sequence: %010d of a signed counter. */
	if (strlen(p) != 10 || strspn(p, "0123456789") != 10)
		return (-1);
	errno = 0;
	n->seq = strtoull(p, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	n->name = name;
	return (0);
}

static int
zk_recipe_cmp(const void *a, const void *b)
{
	const struct zk_node *x = a, *y = b;

	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

/* Put nodes in line. */
void
zk_recipe_sort(struct zk_node *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), zk_recipe_cmp);
}

/* The index of the node named name, or n. */
size_t
zk_recipe_find(const struct zk_node *v, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(v[i].name, name) == 0)
			break;
	}
	return (i);
}

/* Does node me of the line v hold (slots: 1 for a lock)? */
int
zk_recipe_holds(const struct zk_node *v, size_t n, size_t me, unsigned slots)
{
	size_t	i;

	if (me >= n)
		return (0);
	if (!v[me].shared)
		return (me < slots);
	for (i = 0; i < me; i++) {
		if (!v[i].shared)
			return (0);
	}
	return (1);
}

/*
 * Does node me hold? 1; else 0 and the indexes of the nodes to watch in
 * watch (room for slots of them) and their count in *nwatch.
 */
int
zk_recipe_eval(const struct zk_node *v, size_t n, size_t me, unsigned slots,
    size_t *watch, size_t *nwatch)
{
	size_t	i;

	*nwatch = 0;
	if (zk_recipe_holds(v, n, me, slots))
		return (1);
	if (me >= n)
		return (0);
	if (v[me].shared) {
		for (i = me; i-- > 0; ) {
			if (!v[i].shared) {
				watch[(*nwatch)++] = i;
				break;
			}
		}
	} else if (me == slots) {
		for (i = 0; i < slots; i++)
			watch[(*nwatch)++] = i;
	} else
		watch[(*nwatch)++] = me - 1;
	return (0);
}

/*
 * What a node says of its owner, one key a line: the host (names may hold
 * any byte but a newline: it is replaced), the PID, the job and when it
 * came. -1 if it does not fit.
 */
int
zk_recipe_data(char *buf, size_t len, const char *host, pid_t pid,
    const char *job, time_t since)
{
	char	h[256], j[256], *p;
	int	n;

	snprintf(h, sizeof(h), "%s", host);
	snprintf(j, sizeof(j), "%s", job);
	for (p = h; (p = strchr(p, '\n')) != NULL; )
		*p = '?';
	for (p = j; (p = strchr(p, '\n')) != NULL; )
		*p = '?';
	n = snprintf(buf, len, "host=%s\npid=%ld\njob=%s\nsince=%lld\n", h,
	    (long)pid, j, (long long)since);
	if (n < 0 || (size_t)n >= len)
		return (-1);
	return (n);
}

/* Read what zk_recipe_data wrote; 0, or -1 if it is not that. */
int
zk_recipe_data_parse(const char *buf, size_t len, struct zk_holder *h)
{
	const char	*p = buf, *end = buf + len, *nl, *eq;
	size_t		 klen, vlen;
	char		 num[32];
	int		 seen = 0;

	memset(h, 0, sizeof(*h));
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (nl == NULL)
			nl = end;
		eq = memchr(p, '=', nl - p);
		if (eq == NULL)
			return (-1);
		klen = eq - p;
		vlen = nl - eq - 1;
		if (klen == 4 && memcmp(p, "host", 4) == 0) {
			if (vlen >= sizeof(h->host))
				vlen = sizeof(h->host) - 1;
			memcpy(h->host, eq + 1, vlen);
			h->host[vlen] = '\0';
			seen |= 1;
		} else if (klen == 3 && memcmp(p, "job", 3) == 0) {
			if (vlen >= sizeof(h->job))
				vlen = sizeof(h->job) - 1;
			memcpy(h->job, eq + 1, vlen);
			h->job[vlen] = '\0';
		} else if ((klen == 3 && memcmp(p, "pid", 3) == 0) ||
		    (klen == 5 && memcmp(p, "since", 5) == 0)) {
			if (vlen == 0 || vlen >= sizeof(num))
				return (-1);
			memcpy(num, eq + 1, vlen);
			num[vlen] = '\0';
			if (strspn(num, "0123456789") != vlen)
				return (-1);
			if (klen == 3) {
				h->pid = (pid_t)strtol(num, NULL, 10);
				seen |= 2;
			} else
				h->since = (time_t)strtoll(num, NULL, 10);
		}
		p = nl + 1;
	}
	return (seen == 3 ? 0 : -1);
}

/*
 * What a session timeout t leaves for stopping a job, all in seconds:
 *
 *	|<------------------------------- t ------------------------------->|
 *	sent | 2 probes | reserve | stop signal ... stopwait ... KILL | margin | expiry
 *
 * The lease runs from the moment we sent the probe before the last one
 * the leader answered (zk.c): no sooner than that moment + t can the
 * server expire the session and let another host in. A probe renews it
 * every t/5, so a healthy session's lease is never less than
 * t - 2 probes - (a round trip) ahead. A job gets its stop signal
 * stopwaitsecs before its KILL, and the KILL comes margin before the
 * lease ends. So a healthy session never stops a job as long as
 * stopwaitsecs <= t - 2 probes - margin - reserve, the reserve covering a
 * slow answer and a busy host; conf refuses a longer one. With t = 10s:
 * probe 2s, margin 0.5s, reserve 1s, stopwait at most 4.5s.
 */
void
zk_recipe_budget(double t, struct zk_budget *b)
{
	b->probe = t / 5;
	b->margin = t / 20 > 0.2 ? t / 20 : 0.2;
	b->reserve = t / 10 > 0.2 ? t / 10 : 0.2;
	b->stopwait = t - 2 * b->probe - b->margin - b->reserve;
	if (b->stopwait < 0)
		b->stopwait = 0;
}
