/*
 * conf_expand.h: supervisord's %(NAME)s expansions and %% in job file
 * values. Pure.
 */
#ifndef LOCKRUN_CONF_EXPAND_H
#define LOCKRUN_CONF_EXPAND_H

#include <stddef.h>

/* The value is one item of a comma-separated list: no ',' may come in. */
#define CONF_EXPAND_ITEM	0x1

/* What a value may name, besides %(ENV_NAME)s. */
struct conf_expand_ctx {
	const char	*here;		/* %(here)s */
	const char	*program_name;	/* and group_name; NULL outside a job */
	const char	*host_node_name;
	/*
	 * %(process_num)d and %(numprocs)d may be used: they differ from
	 * one instance to the next, so they are kept, and the value is a
	 * template for conf_expand_instance.
	 */
	int		 instance;
};

int	 conf_expand(const char *, const struct conf_expand_ctx *, int,
	    char **, int *, char *, size_t);
char	*conf_expand_instance(const char *, unsigned, unsigned);

#endif
