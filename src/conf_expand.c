/*
 * conf_expand.c: supervisord's %(NAME)s expansions and %% in job file
 * values. Pure: no parser state; what it needs comes as arguments.
 *
 * A name is followed by a conversion as in Python: %(program_name)s,
 * %(process_num)d, %(process_num)02d. %(process_num)d and %(numprocs)d
 * differ from one instance of a job to the next: a value that uses them
 * is kept as a template (every other '%' doubled), and each instance gets
 * its own from conf_expand_instance.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_expand.h"
#include "util.h"

/* Longest part of a value quoted in an error, so the reason stays readable. */
#define CONF_EXPAND_SHOW	60

#define CONF_EXPAND_KNOWN	"%(here)s, %(program_name)s, %(group_name)s, " \
				"%(host_node_name)s, %(process_num)d, "	\
				"%(numprocs)d or %(ENV_NAME)s"

/* One %(NAME)SPEC in a value. */
struct conf_expand_ref {
	const char	*name;
	size_t		 nlen;
	char		 flags[4];	/* of "-0" */
	unsigned	 width;
	char		 conv;		/* 's' or 'd' */
	const char	*end;		/* past the conversion */
};

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

/* Append s, each '%' doubled when escape is set (in a template). */
static void
conf_expand_text(char **bufp, size_t *lenp, size_t *capp, const char *s,
    int escape)
{
	const char	*pct;

	while (escape && (pct = strchr(s, '%')) != NULL) {
		conf_expand_append(bufp, lenp, capp, s, pct + 1 - s);
		conf_expand_append(bufp, lenp, capp, "%", 1);
		s = pct + 1;
	}
	conf_expand_append(bufp, lenp, capp, s, strlen(s));
}

/* The "..." that follows s cut short at CONF_EXPAND_SHOW bytes, or "". */
static const char *
conf_expand_cut(const char *s)
{
	return (strlen(s) > CONF_EXPAND_SHOW ? "..." : "");
}

/*
 * Parse the %(NAME)SPEC at s (which starts "%("): flags '-' and '0', a
 * width of up to three digits, the conversion s, d or i (as d). -1 if it
 * is not one.
 */
static int
conf_expand_parse(const char *s, struct conf_expand_ref *r)
{
	const char	*p, *close;
	size_t		 nf = 0;

	memset(r, 0, sizeof(*r));
	if ((close = strchr(s + 2, ')')) == NULL)
		return (-1);
	r->name = s + 2;
	r->nlen = close - r->name;
	for (p = close + 1; (*p == '-' || *p == '0') && nf < 3; p++)
		r->flags[nf++] = *p;
	for (; *p >= '0' && *p <= '9' && r->width < 100; p++)
		r->width = r->width * 10 + (*p - '0');
	if (*p >= '0' && *p <= '9')
		return (-1);
	if (*p == 's' || *p == 'd')
		r->conv = *p;
	else if (*p == 'i')
		r->conv = 'd';
	else
		return (-1);
	r->end = p + 1;
	return (0);
}

/* Is it name? */
static int
conf_expand_is(const struct conf_expand_ref *r, const char *name)
{
	return (strlen(name) == r->nlen && strncmp(r->name, name, r->nlen) == 0);
}

/* Does the reference differ from one instance to the next? */
static int
conf_expand_per_instance(const struct conf_expand_ref *r)
{
	return (conf_expand_is(r, "process_num") ||
	    conf_expand_is(r, "numprocs"));
}

/* Format text (or, if NULL, the number n) as the reference says. */
static void
conf_expand_format(char **bufp, size_t *lenp, size_t *capp,
    const struct conf_expand_ref *r, const char *text, unsigned long n)
{
	char	num[32], *out;
	int	left = strchr(r->flags, '-') != NULL, w = (int)r->width;

	if (text == NULL && r->conv == 'd') {
		if (left)
			util_xasprintf(&out, "%-*lu", w, n);
		else if (strchr(r->flags, '0') != NULL)
			util_xasprintf(&out, "%0*lu", w, n);
		else
			util_xasprintf(&out, "%*lu", w, n);
	} else {
		if (text == NULL) {
			snprintf(num, sizeof(num), "%lu", n);
			text = num;
		}
		if (left)
			util_xasprintf(&out, "%-*s", w, text);
		else
			util_xasprintf(&out, "%*s", w, text);
	}
	conf_expand_append(bufp, lenp, capp, out, strlen(out));
	free(out);
}

/* Does v use %(process_num) or %(numprocs) (a literal %% aside)? */
static int
conf_expand_uses_instance(const char *v)
{
	struct conf_expand_ref	r;
	const char		*s;

	for (s = v; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == '%')
			s++;
		else if (s[0] == '%' && s[1] == '(' &&
		    conf_expand_parse(s, &r) == 0 &&
		    conf_expand_per_instance(&r))
			return (1);
	}
	return (0);
}

/*
 * The text of a name that is the same for every instance, or NULL with
 * err saying why.
 */
static const char *
conf_expand_lookup(const struct conf_expand_ref *r,
    const struct conf_expand_ctx *ctx, char *err, size_t errlen)
{
	char		*name;
	const char	*text = NULL;

	name = util_xstrndup(r->name, r->nlen);
	if (strcmp(name, "here") == 0)
		text = ctx->here;
	else if (strcmp(name, "host_node_name") == 0)
		text = ctx->host_node_name;
	else if (strcmp(name, "program_name") == 0 ||
	    strcmp(name, "group_name") == 0) {
		if ((text = ctx->program_name) == NULL)
			snprintf(err, errlen, "%%(%s)s is known only in a "
			    "[job:NAME] or [program:NAME] section", name);
	} else if (conf_expand_per_instance(r))
		snprintf(err, errlen, "%%(%s)d differs from one instance to "
		    "the next, and is known only in command, process_name, "
		    "directory, environment, stdout_logfile and "
		    "stderr_logfile of a job (the command can also read "
		    "$LOCKRUN_INSTANCE)", name);
	else if (strncmp(name, "ENV_", 4) == 0 && name[4] != '\0') {
		if ((text = getenv(name + 4)) == NULL)
			snprintf(err, errlen, "environment variable %s is not "
			    "set (in %%(%s)s)", name + 4, name);
	} else
		snprintf(err, errlen, "unknown expansion \"%%(%.*s%s)%c\" "
		    "(expected %s; write %%%% for a literal %%; the command "
		    "can also read $LOCKRUN_JOB and $LOCKRUN_INSTANCE)",
		    CONF_EXPAND_SHOW, name, conf_expand_cut(name), r->conv,
		    CONF_EXPAND_KNOWN);
	free(name);
	return (text);
}

/*
 * Expand %(NAME)s (see conf_expand_lookup) and %% in v into *out. A '%'
 * followed by anything but '(' is kept as it is, so "date +%F" needs no
 * escaping. With ctx->instance, a value that uses %(process_num) or
 * %(numprocs) becomes a template for conf_expand_instance, and *templated
 * says so. With CONF_EXPAND_ITEM in flags, v is one item of a list and an
 * expansion that gives a ',' is refused: it would add items. On error,
 * -1 and err says why (without FILE:LINE: key:).
 */
int
conf_expand(const char *v, const struct conf_expand_ctx *ctx, int flags,
    char **out, int *templated, char *err, size_t errlen)
{
	struct conf_expand_ref	 r;
	const char		*s, *text;
	char			*buf = NULL, *name;
	size_t			 len = 0, cap = 0;
	int			 keep;

	keep = ctx->instance && conf_expand_uses_instance(v);
	conf_expand_append(&buf, &len, &cap, "", 0);
	for (s = v; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == '%') {
			conf_expand_text(&buf, &len, &cap, "%", keep);
			s++;
			continue;
		}
		if (s[0] != '%' || s[1] != '(') {
			if (*s == '%')
				conf_expand_text(&buf, &len, &cap, "%", keep);
			else
				conf_expand_append(&buf, &len, &cap, s, 1);
			continue;
		}
		if (conf_expand_parse(s, &r) == -1) {
			snprintf(err, errlen, "bad expansion \"%.*s%s\" "
			    "(expected %%(NAME)s, or %%(NAME)d for a number, "
			    "as %s; write %%%% for a literal %%)",
			    CONF_EXPAND_SHOW, s, conf_expand_cut(s),
			    CONF_EXPAND_KNOWN);
			goto fail;
		}
		if (keep && conf_expand_per_instance(&r)) {
			/* For conf_expand_instance, as written. */
			conf_expand_append(&buf, &len, &cap, s, r.end - s);
			s = r.end - 1;
			continue;
		}
		if ((text = conf_expand_lookup(&r, ctx, err, errlen)) == NULL)
			goto fail;
		name = util_xstrndup(r.name, r.nlen);
		if (r.conv == 'd') {
			snprintf(err, errlen, "%%(%s)d: %%d needs a number, and "
			    "%s is text (write %%(%s)s)", name, name, name);
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
		free(name);
		if (keep) {
			char	*tmp = NULL;
			size_t	 tlen = 0, tcap = 0;

			conf_expand_format(&tmp, &tlen, &tcap, &r, text, 0);
			conf_expand_text(&buf, &len, &cap, tmp, 1);
			free(tmp);
		} else
			conf_expand_format(&buf, &len, &cap, &r, text, 0);
		s = r.end - 1;
	}
	*out = buf;
	if (templated != NULL)
		*templated = keep;
	return (0);

fail:
	free(buf);
	return (-1);
}

/*
 * The value of template t (conf_expand's, with ctx->instance) for instance
 * process_num of numprocs: %(process_num)d and %(numprocs)d formatted, %%
 * a '%'. Pure; never fails on a template conf_expand made.
 */
char *
conf_expand_instance(const char *t, unsigned process_num, unsigned numprocs)
{
	struct conf_expand_ref	 r;
	const char		*s;
	char			*buf = NULL;
	size_t			 len = 0, cap = 0;

	conf_expand_append(&buf, &len, &cap, "", 0);
	for (s = t; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == '%') {
			conf_expand_append(&buf, &len, &cap, "%", 1);
			s++;
		} else if (s[0] == '%' && s[1] == '(' &&
		    conf_expand_parse(s, &r) == 0 &&
		    conf_expand_per_instance(&r)) {
			conf_expand_format(&buf, &len, &cap, &r, NULL,
			    conf_expand_is(&r, "numprocs") ? numprocs :
			    process_num);
			s = r.end - 1;
		} else
			conf_expand_append(&buf, &len, &cap, s, 1);
	}
	return (buf);
}
