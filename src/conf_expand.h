/* conf_expand.h: %(here)s, %(ENV_NAME)s and %% in job file values. Pure. */
#ifndef LOCKRUN_CONF_EXPAND_H
#define LOCKRUN_CONF_EXPAND_H

#include <stddef.h>

int	conf_expand(const char *, const char *, char **, char *, size_t);

#endif
