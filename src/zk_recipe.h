/*
 * zk_recipe.h: ZooKeeper's lock and semaphore recipes as pure functions:
 * node names, who holds, whom to watch, what a node says, the stop budget.
 * No client library here: the unit tests and --status use it too.
 */
#ifndef LOCKRUN_ZK_RECIPE_H
#define LOCKRUN_ZK_RECIPE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

/* "x-<session>-<round>-<sequence>": what we name a node (ZooKeeper adds
   the sequence, ten digits). x: exclusive or a slot; s: shared. */
#define ZK_RECIPE_NAME_MAX	64

struct zk_node {
	const char		*name;
	unsigned long long	 seq;
	unsigned long long	 session;
	unsigned		 round;
	int			 shared;
};

/* What a node's data says. */
struct zk_holder {
	char		host[256];
	pid_t		pid;
	char		job[256];
	time_t		since;
};

/* How a session timeout is spent: see zk_recipe_budget. */
struct zk_budget {
	double	probe;		/* between two probes of the server */
	double	margin;		/* KILL this long before the server may expire */
	double	reserve;	/* for a slow answer and a busy host */
	double	stopwait;	/* the longest stopwaitsecs that fits */
};

void	 zk_recipe_prefix(char *, size_t, int, unsigned long long, unsigned);
int	 zk_recipe_parse(const char *, struct zk_node *);
void	 zk_recipe_sort(struct zk_node *, size_t);
size_t	 zk_recipe_find(const struct zk_node *, size_t, const char *);
int	 zk_recipe_eval(const struct zk_node *, size_t, size_t, unsigned,
	    size_t *, size_t *);
int	 zk_recipe_holds(const struct zk_node *, size_t, size_t, unsigned);
int	 zk_recipe_data(char *, size_t, const char *, pid_t, const char *,
	    time_t);
int	 zk_recipe_data_parse(const char *, size_t, struct zk_holder *);
void	 zk_recipe_budget(double, struct zk_budget *);

#endif
