/*
 * zk_status.c: the fleet's holders and waiters, read from ZooKeeper.
 *
 * --status lists the children of each fleet resource's node and reads
 * each child's data and stat: host, PID, job, since, fencing token. It
 * creates nothing and takes nothing (a session with no nodes of its own),
 * so looking never changes who holds. The answers come on the loop; a
 * server that does not answer within the session timeout is said to be
 * unreachable. What a node's data says was written by whoever created it:
 * any client of the ensemble may write anything there, so it is escaped
 * when printed, and shown as written, not verified.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>
#include <zookeeper/zookeeper.h>

#include "log.h"
#include "status.h"
#include "util.h"
#include "zk.h"
#include "zk_recipe.h"
#include "zk_status.h"

struct zk_status_node {
	struct zk_node		 n;
	char			*name;
	struct zk_holder	 h;
	int			 has_h;
	unsigned long long	 fence;
};

struct zk_status_res {
	const char		*kind;
	const char		*name;
	unsigned		 slots;
	char			*dir;
	int			 listed;	/* 1 ok, -1 failed */
	struct zk_status_node	*nodes;
	size_t			 nnodes;
};

static struct {
	struct zk_status_res	*res;
	size_t			 nres;
	size_t			 pending;
	int			 timed_out;
	struct ev_loop		*loop;
} zs;

static void
zk_status_add(const char *kind, const char *name, unsigned slots)
{
	struct zk_status_res	*r;

	zs.res = util_xreallocarray(zs.res, zs.nres + 1, sizeof(*zs.res));
	r = &zs.res[zs.nres++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->name = name;
	r->slots = slots;
	util_xasprintf(&r->dir, "%s/%s/%s", zk_prefix(), kind, name);
}

static void
zk_status_done(void)
{
	if (zs.pending > 0 && --zs.pending == 0)
		ev_break(zs.loop, EVBREAK_ALL);
}

static void
zk_status_data_done(int rc, const char *value, int len, const struct Stat *st,
    const void *data)
{
	struct zk_status_node	*n = (struct zk_status_node *)data;

	if (rc == ZOK) {
		n->fence = (unsigned long long)st->czxid;
		n->has_h = value != NULL && len > 0 &&
		    zk_recipe_data_parse(value, (size_t)len, &n->h) == 0;
	}
	zk_status_done();
}

static void
zk_status_list_done(int rc, const struct String_vector *sv, const void *data)
{
	struct zk_status_res	*r = &zs.res[(uintptr_t)data];
	struct zk_status_node	*n;
	char			 path[1024];
	size_t			 i;

	r->listed = rc == ZOK || rc == ZNONODE ? 1 : -1;
	if (rc == ZOK) {
		r->nodes = util_xcalloc(sv->count + 1, sizeof(*r->nodes));
		for (i = 0; i < (size_t)sv->count; i++) {
			n = &r->nodes[r->nnodes];
			n->name = util_xstrdup(sv->data[i]);
			if (zk_recipe_parse(n->name, &n->n) == -1) {
				free(n->name);
				continue;
			}
			r->nnodes++;
		}
		for (i = 0; i < r->nnodes; i++) {
			n = &r->nodes[i];
			snprintf(path, sizeof(path), "%s/%s", r->dir, n->name);
			if (zoo_aget(zk_handle(NULL), path, 0,
			    zk_status_data_done, n) == ZOK)
				zs.pending++;
		}
	}
	zk_status_done();
}

static void
zk_status_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	zs.timed_out = 1;
	ev_break(loop, EVBREAK_ALL);
}

static void
zk_status_connect_cb(struct zk_listener *l, enum zk_event ev)
{
	size_t	i;

	(void)l;
	if (ev != ZK_EV_CONNECTED)
		return;
	for (i = 0; i < zs.nres; i++) {
		if (zs.res[i].listed == 0 && zoo_aget_children(zk_handle(NULL),
		    zs.res[i].dir, 0, zk_status_list_done,
		    (const void *)(uintptr_t)i) == ZOK)
			zs.pending++;
	}
	if (zs.pending == 0)
		ev_break(zs.loop, EVBREAK_ALL);
}

static int
zk_status_node_cmp(const void *a, const void *b)
{
	const struct zk_status_node *x = a, *y = b;

	return (x->n.seq < y->n.seq ? -1 : x->n.seq > y->n.seq);
}

/* Read every fleet resource of c; -1 if the ensemble did not answer. */
static int
zk_status_read(const struct conf *c)
{
	struct zk_listener	l = { .cb = zk_status_connect_cb };
	ev_timer		t;
	size_t			i;

	for (i = 0; i < c->njobs; i++) {
		if (c->jobs[i].fleet)
			zk_status_add("job", c->jobs[i].name,
			    c->jobs[i].numprocs);
	}
	for (i = 0; i < c->nsems; i++) {
		if (c->sems[i].fleet)
			zk_status_add("semaphore", c->sems[i].name,
			    c->sems[i].slots);
	}
	for (i = 0; i < c->nlockdefs; i++) {
		if (c->lockdefs[i].fleet)
			zk_status_add("lock", c->lockdefs[i].name, 1);
	}
	zs.loop = ev_default_loop(0);
	if (zs.nres == 0 || zk_handle(zs.loop) == NULL)
		return (zs.nres == 0 ? 0 : -1);
	zk_listen(&l);
	ev_timer_init(&t, zk_status_timeout_cb, zk_timeout(), 0.);
	ev_timer_start(zs.loop, &t);
	ev_run(zs.loop, 0);
	ev_timer_stop(zs.loop, &t);
	zk_unlisten(&l);
	zk_shutdown();
	for (i = 0; i < zs.nres; i++) {
		if (zs.res[i].nnodes > 1)
			qsort(zs.res[i].nodes, zs.res[i].nnodes,
			    sizeof(*zs.res[i].nodes), zk_status_node_cmp);
	}
	/* Never connected, or not every resource read: not reachable. */
	for (i = 0; i < zs.nres; i++) {
		if (zs.res[i].listed != 1)
			return (-1);
	}
	return (0);
}

/* One node: who, since when, token. */
static void
zk_status_print_node(FILE *out, int json, const struct zk_status_node *n,
    int held)
{
	char	when[32];

	if (json) {
		fputs("{\"host\": ", out);
		status_json_str(out, n->has_h ? n->h.host : NULL);
		fputs(", \"pid\": ", out);
		if (n->has_h)
			fprintf(out, "%ld", (long)n->h.pid);
		else
			fputs("null", out);
		fputs(", \"job\": ", out);
		status_json_str(out, n->has_h ? n->h.job : NULL);
		fputs(", \"since\": ", out);
		status_json_str(out, status_time(n->has_h ? n->h.since : 0, 1,
		    when, sizeof(when)));
		fprintf(out, ", \"fence\": %llu, \"node\": ", n->fence);
		status_json_str(out, n->name);
		fprintf(out, ", \"holds\": %s}", held ? "true" : "false");
		return;
	}
	fprintf(out, "  %-8s ", held ? "holds" : "waits");
	status_text(out, n->has_h ? n->h.host : "?", 24, 0);
	fprintf(out, " pid %ld job ", n->has_h ? (long)n->h.pid : 0L);
	status_text(out, n->has_h && *n->h.job ? n->h.job : "-", 40, 0);
	fprintf(out, " since %s fence %llu\n", status_time(n->has_h ?
	    n->h.since : 0, 0, when, sizeof(when)), n->fence);
}

/*
 * Print the fleet's resources of the conf arg: text, a section of its own;
 * JSON, a "fleet" key of the top object (status_print_more).
 */
void
zk_status_print(FILE *out, int json, void *arg)
{
	const struct conf	*c = arg;
	struct zk_status_res	*r;
	struct zk_node		*v;
	size_t			 i, k, held;
	int			 ok;

	ok = zk_status_read(c) == 0;
	if (json) {
		fputs("  \"fleet\": {\"zookeeper\": ", out);
		status_json_str(out, zk_hosts());
		fputs(", \"prefix\": ", out);
		status_json_str(out, zk_prefix());
		fprintf(out, ", \"reachable\": %s, \"resources\": [",
		    ok ? "true" : "false");
	} else {
		fprintf(out, "FLEET (ZooKeeper at ");
		status_text(out, zk_hosts(), 0, 0);
		status_text(out, zk_prefix(), 0, 0);
		fprintf(out, ")%s\n", ok ? "" : ": not reachable");
	}
	for (i = 0; i < zs.nres; i++) {
		r = &zs.res[i];
		v = util_xcalloc(r->nnodes + 1, sizeof(*v));
		for (k = 0, held = 0; k < r->nnodes; k++)
			v[k] = r->nodes[k].n;
		for (k = 0; k < r->nnodes; k++)
			held += zk_recipe_holds(v, r->nnodes, k, r->slots);
		if (json) {
			fprintf(out, "%s\n    {\"kind\": \"%s\", \"name\": ",
			    i ? "," : "", r->kind);
			status_json_str(out, r->name);
			fprintf(out, ", \"slots\": %u, \"held\": %zu, "
			    "\"nodes\": [", r->slots, held);
		} else
			fprintf(out, "%-9s %-20s %zu/%u held, %zu waiting%s\n",
			    r->kind, r->name, held, r->slots, r->nnodes - held,
			    r->listed != 1 ? " (not read)" : "");
		for (k = 0; k < r->nnodes; k++) {
			if (json && k > 0)
				fputs(", ", out);
			zk_status_print_node(out, json, &r->nodes[k],
			    zk_recipe_holds(v, r->nnodes, k, r->slots));
		}
		if (json)
			fputs("]}", out);
		free(v);
		for (k = 0; k < r->nnodes; k++)
			free(r->nodes[k].name);
		free(r->nodes);
		free(r->dir);
	}
	fputs(json ? (zs.nres ? "\n  ]}\n" : "]}\n") : "\n", out);
	free(zs.res);
	memset(&zs, 0, sizeof(zs));
}
