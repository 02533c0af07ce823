/* conf_expand.h: %(here)s, %(ENV_NAME)s and %% in job file values. Pure. */
#ifndef LOCKRUN_CONF_EXPAND_H
#define LOCKRUN_CONF_EXPAND_H

#include <stddef.h>

/* The value is one item of a comma-separated list: no ',' may come in. */
#define CONF_EXPAND_ITEM	0x1

int	conf_expand(const char *, const char *, int, char **, char *, size_t);

#endif
