/*
 * conf_expand.c: %(here)s, %(ENV_NAME)s and %% in job file values, as in
 * supervisord. Pure: no parser state; what it needs comes as arguments.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_expand.h"
#include "util.h"

/* Longest part of a value quoted in an error, so the reason stays readable. */
#define CONF_EXPAND_SHOW	60

/* Append n bytes of s to the growing string *bufp. */
static void
conf_expand_append(char **bufp, size_t *lenp, size_t *capp, const char *s,
    size_t n)
{
	if (*lenp + n + 1 > *capp) {
		*capp = (*lenp + n + 1) * 2;
		*bufp = util_xreallocarray(*bufp, *capp, 1);
	}
	memcpy(*bufp + *lenp, s, n);
	*lenp += n;
	(*bufp)[*lenp] = '\0';
}

/* The "..." that follows s cut short at CONF_EXPAND_SHOW bytes, or "". */
static const char *
conf_expand_cut(const char *s)
{
	return (strlen(s) > CONF_EXPAND_SHOW ? "..." : "");
}

/*
 * Expand %(here)s (to here), %(ENV_NAME)s and %% in v into *out. A '%'
 * followed by anything else is kept as it is, so "date +%F" needs no
 * escaping. With CONF_EXPAND_ITEM in flags, v is one item of a list and an
 * expansion that gives a ',' is refused: it would add items. On error, -1
 * and err says why (without FILE:LINE: key:).
 */
int
conf_expand(const char *v, const char *here, int flags, char **out,
    char *err, size_t errlen)
{
	const char	*s, *close, *text;
	char		*buf = NULL, *name;
	size_t		 len = 0, cap = 0;

	conf_expand_append(&buf, &len, &cap, "", 0);
	for (s = v; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == '%') {
			conf_expand_append(&buf, &len, &cap, "%", 1);
			s++;
			continue;
		}
		if (s[0] != '%' || s[1] != '(') {
			conf_expand_append(&buf, &len, &cap, s, 1);
			continue;
		}

		close = strchr(s + 2, ')');
		if (close == NULL || close[1] != 's') {
			snprintf(err, errlen, "bad expansion \"%.*s%s\" "
			    "(expected %%(here)s or %%(ENV_NAME)s; write %%%% "
			    "for a literal %%)", CONF_EXPAND_SHOW, s,
			    conf_expand_cut(s));
			goto fail;
		}
		name = util_xstrndup(s + 2, close - (s + 2));
		if (strcmp(name, "here") == 0)
			text = here;
		else if (strncmp(name, "ENV_", 4) == 0 && name[4] != '\0') {
			if ((text = getenv(name + 4)) == NULL) {
				snprintf(err, errlen, "environment variable %s "
				    "is not set (in %%(%s)s)", name + 4, name);
				free(name);
				goto fail;
			}
		} else {
			snprintf(err, errlen, "unknown expansion "
			    "\"%%(%.*s%s)s\" (expected %%(here)s or "
			    "%%(ENV_NAME)s; write %%%% for a literal %%)",
			    CONF_EXPAND_SHOW, name,
			    conf_expand_cut(name));
			free(name);
			goto fail;
		}
		if ((flags & CONF_EXPAND_ITEM) && strchr(text, ',') != NULL) {
			snprintf(err, errlen, "%%(%s)s gives \"%.*s%s\", and "
			    "an expansion cannot add items to a list (write "
			    "the items out, comma-separated)", name,
			    CONF_EXPAND_SHOW, text, conf_expand_cut(text));
			free(name);
			goto fail;
		}
		conf_expand_append(&buf, &len, &cap, text, strlen(text));
		free(name);
		s = close + 1;
	}
	*out = buf;
	return (0);

fail:
	free(buf);
	return (-1);
}
