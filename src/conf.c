/* conf.c: the job file (INI) as a struct conf. No side effects, no libev. */
#include "config.h"

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "conf.h"
#include "util.h"

/*
 * Longest job, semaphore or lock name: "<name>.<NNNN>.lock" must stay well
 * inside NAME_MAX (255) or the lock file cannot be created at run time.
 */
#define CONF_NAME_MAX		200

/* Longest physical line we accept when libinih can grow its buffer. */
#define CONF_INI_MAX_LINE	65536

enum conf_section {
	CONF_SEC_NONE,
	CONF_SEC_LOCKRUN,
	CONF_SEC_JOB,
	CONF_SEC_SEM,
};

struct conf_parse;
typedef int conf_setter(struct conf_parse *, const char *);

struct conf_key {
	const char		*name;
	enum conf_section	 section;
	conf_setter		*set;
};

/* A "semaphore =" entry, resolved once the whole file is read. */
struct conf_semref {
	size_t	 job;
	char	*name;
	int	 line;
};

struct conf_parse {
	struct conf		*c;
	const char		*path;
	FILE			*f;
	char			*here;

	char			*err;
	size_t			 errlen;
	int			 failed;
	int			 errline;
	char			 show[96];	/* a value cut short */

	/* The reader: one physical line, handed to inih in chunks. */
	char			*line;
	size_t			 linesz;
	size_t			 len;
	size_t			 off;
	int			 lineno;
	size_t			 maxlen;	/* 0: from inih's buffer size */
	int			 prevkey;	/* inih's prev_name is set */
	int			 cont;		/* line continues a value */
	size_t			 expect;	/* length inih must pass */

	/* The section we are in. */
	enum conf_section	 sec;
	size_t			 secidx;
	char			*sechdr;	/* "job:backup", for messages */
	int			 lockrun_line;
	int			*seen;		/* line each key was set on */

	/* The key whose value may go on over continuation lines. */
	char			*pname;
	char			*pvalue;
	int			 pline;

	struct conf_semref	*refs;
	size_t			 nrefs;
};

static int	conf_set_lock_dir(struct conf_parse *, const char *);
static int	conf_set_busy_exit_code(struct conf_parse *, const char *);
static int	conf_set_log(struct conf_parse *, const char *);
static int	conf_set_log_level(struct conf_parse *, const char *);
static int	conf_set_slots(struct conf_parse *, const char *);
static int	conf_set_command(struct conf_parse *, const char *);
static int	conf_set_singleton(struct conf_parse *, const char *);
static int	conf_set_on_running(struct conf_parse *, const char *);
static int	conf_set_semaphore(struct conf_parse *, const char *);
static int	conf_set_locks(struct conf_parse *, const char *);
static int	conf_set_wait_timeout(struct conf_parse *, const char *);
static int	conf_set_retry_interval(struct conf_parse *, const char *);
static int	conf_set_timeout(struct conf_parse *, const char *);
static int	conf_set_stopsignal(struct conf_parse *, const char *);
static int	conf_set_stopwaitsecs(struct conf_parse *, const char *);
static int	conf_set_autorestart(struct conf_parse *, const char *);
static int	conf_set_exitcodes(struct conf_parse *, const char *);
static int	conf_set_startretries(struct conf_parse *, const char *);
static int	conf_set_numprocs(struct conf_parse *, const char *);
static int	conf_set_directory(struct conf_parse *, const char *);
static int	conf_set_environment(struct conf_parse *, const char *);
static int	conf_set_nice(struct conf_parse *, const char *);
static int	conf_set_ioclass(struct conf_parse *, const char *);
static int	conf_set_stdout_logfile(struct conf_parse *, const char *);
static int	conf_set_stderr_logfile(struct conf_parse *, const char *);
static int	conf_set_redirect_stderr(struct conf_parse *, const char *);

static const struct conf_key conf_keys[] = {
	{ "lock_dir",		CONF_SEC_LOCKRUN, conf_set_lock_dir },
	{ "busy_exit_code",	CONF_SEC_LOCKRUN, conf_set_busy_exit_code },
	{ "log",		CONF_SEC_LOCKRUN, conf_set_log },
	{ "log_level",		CONF_SEC_LOCKRUN, conf_set_log_level },

	{ "slots",		CONF_SEC_SEM,	conf_set_slots },

	{ "command",		CONF_SEC_JOB,	conf_set_command },
	{ "singleton",		CONF_SEC_JOB,	conf_set_singleton },
	{ "on_running",		CONF_SEC_JOB,	conf_set_on_running },
	{ "semaphore",		CONF_SEC_JOB,	conf_set_semaphore },
	{ "locks",		CONF_SEC_JOB,	conf_set_locks },
	{ "wait_timeout",	CONF_SEC_JOB,	conf_set_wait_timeout },
	{ "retry_interval",	CONF_SEC_JOB,	conf_set_retry_interval },
	{ "timeout",		CONF_SEC_JOB,	conf_set_timeout },
	{ "stopsignal",		CONF_SEC_JOB,	conf_set_stopsignal },
	{ "stopwaitsecs",	CONF_SEC_JOB,	conf_set_stopwaitsecs },
	{ "autorestart",	CONF_SEC_JOB,	conf_set_autorestart },
	{ "exitcodes",		CONF_SEC_JOB,	conf_set_exitcodes },
	{ "startretries",	CONF_SEC_JOB,	conf_set_startretries },
	{ "numprocs",		CONF_SEC_JOB,	conf_set_numprocs },
	{ "directory",		CONF_SEC_JOB,	conf_set_directory },
	{ "environment",	CONF_SEC_JOB,	conf_set_environment },
	{ "nice",		CONF_SEC_JOB,	conf_set_nice },
	{ "ioclass",		CONF_SEC_JOB,	conf_set_ioclass },
	{ "stdout_logfile",	CONF_SEC_JOB,	conf_set_stdout_logfile },
	{ "stderr_logfile",	CONF_SEC_JOB,	conf_set_stderr_logfile },
	{ "redirect_stderr",	CONF_SEC_JOB,	conf_set_redirect_stderr },
};
#define CONF_NKEYS	LOCKRUN_ARRAY_LEN(conf_keys)

#define CONF_EXPECT_DURATION	"expected e.g. 250ms, 10s, 5m, 2h, 1d"
#define CONF_EXPECT_BOOL	\
	"expected yes or no, true or false, on or off, 1 or 0"
#define CONF_EXPECT_SECTION	\
	"expected [lockrun], [job:NAME] or [semaphore:NAME]"
#define CONF_EXPECT_NAME	"expected letters, digits, '_', '.' and '-', " \
				"not ending in '.' and digits"

/* Record an error at line (0: none) unless an earlier one is already kept. */
static void __attribute__((format(printf, 4, 5)))
conf_error(struct conf_parse *p, int line, const char *what,
    const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (p->failed && (line == 0 || p->errline == 0 || line >= p->errline))
		return;
	p->failed = 1;
	p->errline = line;
	if (p->err == NULL || p->errlen == 0)
		return;

	if (line > 0)
		n = snprintf(p->err, p->errlen, "%s:%d: ", p->path, line);
	else
		n = snprintf(p->err, p->errlen, "%s: ", p->path);
	if (what != NULL && n >= 0 && (size_t)n < p->errlen)
		n += snprintf(p->err + n, p->errlen - n, "%s: ", what);
	if (n < 0 || (size_t)n >= p->errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - n, fmt, ap);
	va_end(ap);
}

/* Record an error about the value of the key being applied. */
#define conf_key_error(p, ...)	\
	conf_error((p), (p)->pline, (p)->pname, __VA_ARGS__)

/* A value cut short for an error message, so the reason stays readable. */
static const char *
conf_show(struct conf_parse *p, const char *v)
{
	size_t	max = 60;

	if (strlen(v) <= max)
		return (v);
	snprintf(p->show, sizeof(p->show), "%.*s...", (int)max, v);
	return (p->show);
}

/* Like inih: the first char of chars, or an inline ';' after a space. */
static const char *
conf_find(const char *s, const char *e, const char *chars)
{
	int	was_space = 0;

	for (; s < e; s++) {
		if (chars != NULL && strchr(chars, *s) != NULL)
			break;
		if (was_space && *s == ';')
			break;
		was_space = isspace((unsigned char)*s);
	}
	return (s);
}

/* Trim whitespace from both ends of s, in place. */
static char *
conf_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	*e = '\0';
	return (s);
}

/* Free a NULL-terminated string array. */
static void
conf_strv_free(char **v)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* Split a comma-separated list into trimmed items; -1 on an empty item. */
static int
conf_split(const char *v, char ***itemsp, size_t *np)
{
	char	**items = NULL, *copy, *s, *comma, *item;
	size_t	  n = 0;

	copy = s = util_xstrdup(v);
	for (;;) {
		if ((comma = strchr(s, ',')) != NULL)
			*comma = '\0';
		item = conf_trim(s);
		if (*item == '\0')
			goto fail;
		items = util_xreallocarray(items, n + 2, sizeof(*items));
		items[n++] = util_xstrdup(item);
		items[n] = NULL;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	free(copy);
	*itemsp = items;
	*np = n;
	return (0);

fail:
	free(copy);
	conf_strv_free(items);
	return (-1);
}

/* The job whose section we are in. */
static struct conf_job *
conf_cur_job(struct conf_parse *p)
{
	return (&p->c->jobs[p->secidx]);
}

/* Absolute directory of the config file, for %(here)s. */
static char *
conf_here(const char *path)
{
	char	*dir, *slash, *real, *abs, cwd[PATH_MAX];

	dir = util_xstrdup(path);
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		dir = util_xstrdup(".");
	} else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	if ((real = realpath(dir, NULL)) != NULL) {
		free(dir);
		return (real);
	}
	if (*dir == '/' || getcwd(cwd, sizeof(cwd)) == NULL)
		return (dir);
	util_xasprintf(&abs, "%s/%s", cwd, dir);
	free(dir);
	return (abs);
}

/* Append n bytes of s to the growing string *bufp. */
static void
conf_append(char **bufp, size_t *lenp, size_t *capp, const char *s, size_t n)
{
	if (*lenp + n + 1 > *capp) {
		*capp = (*lenp + n + 1) * 2;
		*bufp = util_xreallocarray(*bufp, *capp, 1);
	}
	memcpy(*bufp + *lenp, s, n);
	*lenp += n;
	(*bufp)[*lenp] = '\0';
}

/*
 * Expand %(here)s, %(ENV_NAME)s and %% in a value. A '%' followed by
 * anything else is kept as it is, so "date +%F" needs no escaping.
 */
static int
conf_expand(struct conf_parse *p, const char *v, char **out)
{
	const char	*s, *close, *env;
	char		*buf = NULL, *name;
	size_t		 len = 0, cap = 0;

	conf_append(&buf, &len, &cap, "", 0);
	for (s = v; *s != '\0'; s++) {
		if (s[0] == '%' && s[1] == '%') {
			conf_append(&buf, &len, &cap, "%", 1);
			s++;
			continue;
		}
		if (s[0] != '%' || s[1] != '(') {
			conf_append(&buf, &len, &cap, s, 1);
			continue;
		}

		close = strchr(s + 2, ')');
		if (close == NULL || close[1] != 's') {
			conf_key_error(p, "bad expansion \"%s\" (expected "
			    "%%(here)s or %%(ENV_NAME)s; write %%%% for "
			    "a literal %%)", conf_show(p, s));
			goto fail;
		}
		name = util_xstrndup(s + 2, close - (s + 2));
		if (strcmp(name, "here") == 0)
			conf_append(&buf, &len, &cap, p->here, strlen(p->here));
		else if (strncmp(name, "ENV_", 4) == 0 && name[4] != '\0') {
			if ((env = getenv(name + 4)) == NULL) {
				conf_key_error(p, "environment variable %s is "
				    "not set (in %%(%s)s)", name + 4, name);
				free(name);
				goto fail;
			}
			conf_append(&buf, &len, &cap, env, strlen(env));
		} else {
			conf_key_error(p, "unknown expansion \"%%(%s)s\" "
			    "(expected %%(here)s or %%(ENV_NAME)s; write %%%% "
			    "for a literal %%)", conf_show(p, name));
			free(name);
			goto fail;
		}
		free(name);
		s = close + 1;
	}
	*out = buf;
	return (0);

fail:
	free(buf);
	return (-1);
}

/* Small edit distance, to suggest a key for a typo. */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, d;

	if (la > 64 || lb > 64)
		return (SIZE_MAX);
	row = util_xcalloc(lb + 1, sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			d = prev + (tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]));
			if (row[j] + 1 < d)
				d = row[j] + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			row[j] = d;
			prev = tmp;
		}
	}
	d = row[lb];
	free(row);
	return (d);
}

/* Report a key this section does not have, with a guess at what was meant. */
static void
conf_unknown_key(struct conf_parse *p)
{
	const char	*best = NULL;
	size_t		 i, d, bestd = 3;

	for (i = 0; i < CONF_NKEYS; i++) {
		if (conf_keys[i].section != p->sec)
			continue;
		d = conf_distance(p->pname, conf_keys[i].name);
		if (d < bestd) {
			bestd = d;
			best = conf_keys[i].name;
		}
	}
	if (best != NULL)
		conf_key_error(p, "unknown key in [%s] (did you mean %s?)",
		    p->sechdr, best);
	else
		conf_key_error(p, "unknown key in [%s] (see lockrun.ini(5) "
		    "for the keys of this section)", p->sechdr);
}

/* Apply the pending key = value to the current section; free it. */
static int
conf_flush(struct conf_parse *p)
{
	char	*value = NULL;
	size_t	 i;
	int	 rc = -1;

	if (p->pname == NULL)
		return (0);

	for (i = 0; i < CONF_NKEYS; i++) {
		if (conf_keys[i].section == p->sec &&
		    strcmp(conf_keys[i].name, p->pname) == 0)
			break;
	}
	if (i == CONF_NKEYS) {
		conf_unknown_key(p);
		goto out;
	}
	if (p->seen[i] != 0) {
		conf_key_error(p, "set twice in [%s] (first at line %d)",
		    p->sechdr, p->seen[i]);
		goto out;
	}
	p->seen[i] = p->pline;
	if (conf_expand(p, p->pvalue, &value) == -1)
		goto out;
	rc = conf_keys[i].set(p, value);

out:
	free(value);
	free(p->pname);
	free(p->pvalue);
	p->pname = p->pvalue = NULL;
	return (rc);
}

/* Check a section name; -1 with the error recorded. */
static int
conf_check_name(struct conf_parse *p, const char *name, const char *what)
{
	if (!util_valid_name(name)) {
		conf_error(p, p->lineno, what, "bad name \"%s\" (%s)",
		    conf_show(p, name), CONF_EXPECT_NAME);
		return (-1);
	}
	if (strlen(name) > CONF_NAME_MAX) {
		conf_error(p, p->lineno, what, "name longer than %d bytes",
		    CONF_NAME_MAX);
		return (-1);
	}
	return (0);
}

/* Start the section named hdr (the text between the brackets). */
static int
conf_section(struct conf_parse *p, const char *hdr)
{
	struct conf	*c = p->c;
	struct conf_job	*job;
	struct conf_sem	*sem;
	const char	*name;
	char		*what;
	int		 rc = -1;

	util_xasprintf(&what, "[%s]", conf_show(p, hdr));
	free(p->sechdr);
	p->sechdr = util_xstrdup(hdr);
	memset(p->seen, 0, CONF_NKEYS * sizeof(*p->seen));

	if (strcmp(hdr, "lockrun") == 0) {
		if (p->lockrun_line != 0) {
			conf_error(p, p->lineno, what, "duplicate section "
			    "(first at line %d)", p->lockrun_line);
			goto out;
		}
		p->lockrun_line = p->lineno;
		p->sec = CONF_SEC_LOCKRUN;
	} else if (strncmp(hdr, "job:", 4) == 0) {
		name = hdr + 4;
		if (conf_check_name(p, name, what) == -1)
			goto out;
		if ((job = conf_find_job(c, name)) != NULL) {
			conf_error(p, p->lineno, what, "duplicate section "
			    "(first at line %d)", job->line);
			goto out;
		}
		c->jobs = util_xreallocarray(c->jobs, c->njobs + 1,
		    sizeof(*c->jobs));
		job = &c->jobs[c->njobs];
		conf_job_init(job, name);
		job->line = p->lineno;
		p->secidx = c->njobs++;
		p->sec = CONF_SEC_JOB;
	} else if (strncmp(hdr, "semaphore:", 10) == 0) {
		name = hdr + 10;
		if (conf_check_name(p, name, what) == -1)
			goto out;
		if ((sem = conf_find_sem(c, name)) != NULL) {
			conf_error(p, p->lineno, what, "duplicate section "
			    "(first at line %d)", sem->line);
			goto out;
		}
		c->sems = util_xreallocarray(c->sems, c->nsems + 1,
		    sizeof(*c->sems));
		sem = &c->sems[c->nsems];
		memset(sem, 0, sizeof(*sem));
		sem->name = util_xstrdup(name);
		sem->line = p->lineno;
		p->secidx = c->nsems++;
		p->sec = CONF_SEC_SEM;
	} else {
		conf_error(p, p->lineno, what, "unknown section (%s)",
		    CONF_EXPECT_SECTION);
		goto out;
	}
	rc = 0;

out:
	free(what);
	return (rc);
}

/*
 * Look at a new physical line the way inih will, before inih sees it: a
 * header starts its section here (inih calls no handler for it, and cuts
 * names at 49 bytes), a key line first applies the previous key, and a
 * key or continuation line says how long inih's value must come out.
 */
static int
conf_scan(struct conf_parse *p)
{
	char		*s = p->line, *hdr;
	const char	*start, *e, *end, *v, *ve;

	if (p->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0)
		s += 3;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		e--;
	start = s;
	while (start < e && isspace((unsigned char)*start))
		start++;

	p->cont = 0;
	if (start == e || *start == ';' || *start == '#')
		return (0);
	if (p->prevkey && start > p->line) {
		p->cont = 1;
		p->expect = e - start;
		return (0);
	}

	if (conf_flush(p) == -1)
		return (-1);

	if (*start == '[') {
		end = conf_find(start + 1, e, "]");
		if (end == e || *end != ']')
			goto syntax;
		p->prevkey = 0;
		hdr = util_xstrndup(start + 1, end - (start + 1));
		if (conf_section(p, hdr) == -1) {
			free(hdr);
			return (-1);
		}
		/* inih ignores what follows "]": a typo must not vanish. */
		for (end++; end < e && isspace((unsigned char)*end); end++)
			;
		if (end < e && *end != ';' && *end != '#') {
			conf_error(p, p->lineno, NULL, "[%s]: unexpected text "
			    "after \"]\" (expected a comment or nothing)", hdr);
			free(hdr);
			return (-1);
		}
		free(hdr);
		return (0);
	}

	end = conf_find(start, e, "=:");
	if (end == e || (*end != '=' && *end != ':'))
		goto syntax;
	v = end + 1;
	ve = conf_find(v, e, NULL);
	while (v < ve && isspace((unsigned char)*v))
		v++;
	while (ve > v && isspace((unsigned char)ve[-1]))
		ve--;
	p->expect = ve - v;
	while (end > start && isspace((unsigned char)end[-1]))
		end--;
	p->prevkey = end > start;
	return (0);

syntax:
	conf_error(p, p->lineno, NULL,
	    "syntax error (expected [section] or key = value)");
	return (-1);
}

/* Read the next physical line whole, count it, and check it. */
static int
conf_read_line(struct conf_parse *p, int num)
{
	ssize_t	n;
	size_t	len, limit;

	errno = 0;
	if ((n = getline(&p->line, &p->linesz, p->f)) == -1) {
		if (ferror(p->f))
			conf_error(p, p->lineno + 1, NULL, "read error: %s",
			    strerror(errno ? errno : EIO));
		return (-1);
	}
	p->lineno++;
	p->len = n;
	p->off = 0;

	len = n;
	if (len > 0 && p->line[len - 1] == '\n')
		len--;
	if (len > 0 && p->line[len - 1] == '\r')
		len--;
	limit = p->maxlen != 0 ? p->maxlen : (num > 3 ? (size_t)num - 3 : 0);
	if (len > limit) {
		conf_error(p, p->lineno, NULL, "line longer than %zu bytes",
		    limit);
		goto fail;
	}
	if (strlen(p->line) != (size_t)n) {
		conf_error(p, p->lineno, NULL, "NUL byte in line");
		goto fail;
	}
	return (conf_scan(p));

fail:
	/* Unless this line continues it, the key above is whole: check it. */
	if (!p->prevkey || !isspace((unsigned char)p->line[0]))
		conf_flush(p);	/* an error it finds is earlier, so kept */
	return (-1);
}

/*
 * inih's fgets-like reader. A line longer than inih's buffer is handed out
 * in pieces of num - 1 bytes; inih asks for more while the piece filled its
 * buffer without a newline, so a line is counted once, when it is read.
 * Returning NULL ends the parse: at the end of the file or at an error.
 */
static char *
conf_read(char *str, int num, void *arg)
{
	struct conf_parse	*p = arg;
	size_t			 n;

	if (num < 2)
		return (NULL);
	if (p->off >= p->len) {
		if (p->failed || conf_read_line(p, num) == -1)
			return (NULL);
	}
	n = p->len - p->off;
	if (n > (size_t)num - 1)
		n = num - 1;
	memcpy(str, p->line + p->off, n);
	str[n] = '\0';
	p->off += n;
	return (str);
}

/*
 * inih's handler: called for each key line and each continuation line.
 * Values are kept until the key's last line is read (see conf_scan).
 */
static int
conf_handler(void *arg, const char *section, const char *name,
    const char *value)
{
	struct conf_parse	*p = arg;
	const char		*e;
	char			*joined;

	(void)section;		/* inih cuts it at 49 bytes: conf_scan has it */
	if (p->failed)
		return (0);
	if (strlen(value) != p->expect) {
		conf_error(p, p->lineno, NULL,
		    "line not read whole by libinih (too long?)");
		return (0);
	}

	if (p->cont) {
		if (p->pname == NULL || strcmp(p->pname, name) != 0) {
			/* inih cuts key names at 49 bytes: an unknown key. */
			if (conf_flush(p) == -1)
				return (0);
			conf_error(p, p->lineno, NULL,
			    "syntax error (expected [section] or key = value)");
			return (0);
		}
		/* inih keeps inline comments on continuation lines. */
		e = conf_find(value, value + strlen(value), NULL);
		while (e > value && isspace((unsigned char)e[-1]))
			e--;
		if (e == value)
			return (1);
		util_xasprintf(&joined, "%s%s%.*s", p->pvalue,
		    *p->pvalue != '\0' ? " " : "", (int)(e - value), value);
		free(p->pvalue);
		p->pvalue = joined;
		return (1);
	}

	if (*name == '\0') {
		conf_error(p, p->lineno, NULL,
		    "syntax error (expected [section] or key = value)");
		return (0);
	}
	if (p->sec == CONF_SEC_NONE) {
		conf_error(p, p->lineno, name, "not in a section (%s before "
		    "it)", CONF_EXPECT_SECTION);
		return (0);
	}
	p->pname = util_xstrdup(name);
	p->pvalue = util_xstrdup(value);
	p->pline = p->lineno;
	return (1);
}

/* After the whole file: missing keys and semaphores named but not defined. */
static void
conf_check(struct conf_parse *p)
{
	struct conf		*c = p->c;
	struct conf_job		*job;
	struct conf_semref	*ref;
	struct conf_sem		*sem;
	size_t			 i;

	for (i = 0; i < c->njobs; i++) {
		job = &c->jobs[i];
		if (job->command == NULL)
			conf_error(p, job->line, NULL, "[job:%s]: command: "
			    "missing (expected command = a shell command)",
			    job->name);
		/* Which of several instances would "replace" stop? */
		if (job->on_running == CONF_ON_RUNNING_REPLACE &&
		    (!job->singleton || job->numprocs > 1))
			conf_error(p, job->line, NULL, "[job:%s]: on_running: "
			    "replace needs singleton = yes and numprocs = 1",
			    job->name);
	}
	for (i = 0; i < c->nsems; i++) {
		if (c->sems[i].slots == 0)
			conf_error(p, c->sems[i].line, NULL, "[semaphore:%s]: "
			    "slots: missing (expected slots = 1..%d)",
			    c->sems[i].name, LOCKRUN_MAX_SLOTS);
	}
	for (i = 0; i < p->nrefs; i++) {
		ref = &p->refs[i];
		if ((sem = conf_find_sem(c, ref->name)) == NULL) {
			conf_error(p, ref->line, "semaphore", "undefined "
			    "semaphore \"%s\" (expected a [semaphore:%s] "
			    "section)", ref->name, ref->name);
			continue;
		}
		job = &c->jobs[ref->job];
		job->sems = util_xreallocarray(job->sems, job->nsems + 1,
		    sizeof(*job->sems));
		job->sems[job->nsems++] = sem - c->sems;
	}
}

/* The name of key i of the file format, or NULL past the last one. */
const char *
conf_key_name(size_t i)
{
	return (i < CONF_NKEYS ? conf_keys[i].name : NULL);
}

/* Read the job file at path into c; on error, -1 and err says where. */
int
conf_load(struct conf *c, const char *path, char *err, size_t errlen)
{
	struct conf_parse	 p;
	struct stat		 st;
	size_t			 i;
	int			 ret, saved;
#ifdef HAVE_INIH_SWITCHES
	bool			 use_stack, allow_realloc, stop_on_error;
	int			 max_line;
#endif

	conf_init(c);
	if (err != NULL && errlen > 0)
		*err = '\0';
	memset(&p, 0, sizeof(p));
	p.c = c;
	p.path = path;
	p.err = err;
	p.errlen = errlen;

	if ((p.f = fopen(path, "re")) == NULL)
		goto open_fail;
	if (fstat(fileno(p.f), &st) == -1)
		goto open_fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto open_fail;
	}

	c->path = util_xstrdup(path);
	p.here = conf_here(path);
	p.seen = util_xcalloc(CONF_NKEYS, sizeof(*p.seen));

#ifdef HAVE_INIH_SWITCHES
	/* A heap buffer that grows: lines of up to 64 KiB arrive whole. */
	use_stack = ini_use_stack;
	allow_realloc = ini_allow_realloc;
	max_line = ini_max_line;
	stop_on_error = ini_stop_on_first_error;
	ini_use_stack = false;
	ini_allow_realloc = true;
	ini_max_line = CONF_INI_MAX_LINE;
	ini_stop_on_first_error = true;
	p.maxlen = CONF_INI_MAX_LINE - 3;	/* room for "\r\n" and NUL */
#endif
	ret = ini_parse_stream(conf_read, &p, conf_handler, &p);
#ifdef HAVE_INIH_SWITCHES
	ini_use_stack = use_stack;
	ini_allow_realloc = allow_realloc;
	ini_max_line = max_line;
	ini_stop_on_first_error = stop_on_error;
#endif

	if (ret == -2)
		conf_error(&p, p.lineno, NULL, "out of memory");
	else if (ret > 0 && !p.failed)
		conf_error(&p, ret, NULL,
		    "syntax error (expected [section] or key = value)");
	if (!p.failed)
		conf_flush(&p);
	if (!p.failed)
		conf_check(&p);

	fclose(p.f);
	free(p.here);
	free(p.line);
	free(p.sechdr);
	free(p.seen);
	free(p.pname);
	free(p.pvalue);
	for (i = 0; i < p.nrefs; i++)
		free(p.refs[i].name);
	free(p.refs);

	if (p.failed) {
		conf_free(c);
		errno = EINVAL;
		return (-1);
	}
	return (0);

open_fail:
	saved = errno;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s: cannot open: %s", path,
		    strerror(saved));
	if (p.f != NULL)
		fclose(p.f);
	errno = saved;
	return (-1);
}

/* An empty configuration. */
void
conf_init(struct conf *c)
{
	memset(c, 0, sizeof(*c));
	c->busy_exit_code = LOCKRUN_DEFAULT_BUSY_EXIT;
}

/* A job with every default, named name (may be NULL). */
void
conf_job_init(struct conf_job *job, const char *name)
{
	memset(job, 0, sizeof(*job));
	job->name = name != NULL ? util_xstrdup(name) : NULL;
	job->singleton = 1;
	job->on_running = CONF_ON_RUNNING_SKIP;
	job->wait_timeout = 0;
	job->retry_interval = LOCKRUN_DEFAULT_RETRY;
	job->timeout = 0;
	job->stopsignal = SIGTERM;
	job->stopwaitsecs = LOCKRUN_DEFAULT_STOPWAIT;
	job->autorestart = CONF_RESTART_FALSE;
	conf_exitcode_set(job, 0);
	job->startretries = LOCKRUN_DEFAULT_STARTRETRIES;
	job->numprocs = 1;
	job->ioclass = CONF_IOCLASS_NONE;
	job->iolevel = 4;
}

/* Free what a job owns. */
static void
conf_job_free(struct conf_job *job)
{
	size_t	i;

	free(job->name);
	free(job->command);
	conf_strv_free(job->argv);
	free(job->sems);
	for (i = 0; i < job->nlocks; i++)
		free(job->locks[i].name);
	free(job->locks);
	free(job->directory);
	conf_strv_free(job->environment);
	free(job->stdout_logfile);
	free(job->stderr_logfile);
}

/* Free everything c owns and leave it as conf_init does. */
void
conf_free(struct conf *c)
{
	size_t	i;

	for (i = 0; i < c->njobs; i++)
		conf_job_free(&c->jobs[i]);
	free(c->jobs);
	for (i = 0; i < c->nsems; i++)
		free(c->sems[i].name);
	free(c->sems);
	free(c->path);
	free(c->lock_dir);
	free(c->log);
	free(c->log_level);
	conf_init(c);
}

/* Whether exit status code counts as expected for job. */
int
conf_exitcode_expected(const struct conf_job *job, int code)
{
	if (code < 0 || code > 255)
		return (0);
	return ((job->exitcodes[code / 8] >> (code % 8)) & 1);
}

/* Add code (0..255) to the job's expected exit statuses. */
void
conf_exitcode_set(struct conf_job *job, int code)
{
	if (code < 0 || code > 255)
		return;
	job->exitcodes[code / 8] |= 1U << (code % 8);
}

/* The job named name, or NULL. */
struct conf_job *
conf_find_job(const struct conf *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->njobs; i++) {
		if (c->jobs[i].name != NULL &&
		    strcmp(c->jobs[i].name, name) == 0)
			return (&c->jobs[i]);
	}
	return (NULL);
}

/* The semaphore named name, or NULL. */
struct conf_sem *
conf_find_sem(const struct conf *c, const char *name)
{
	size_t	i;

	for (i = 0; i < c->nsems; i++) {
		if (strcmp(c->sems[i].name, name) == 0)
			return (&c->sems[i]);
	}
	return (NULL);
}

/* Key setters: the value is expanded; on error they record it and say -1. */

/* A non-empty string into *dst. */
static int
conf_set_string(struct conf_parse *p, const char *v, char **dst,
    const char *expected)
{
	if (*v == '\0') {
		conf_key_error(p, "empty (expected %s)", expected);
		return (-1);
	}
	*dst = util_xstrdup(v);
	return (0);
}

/* A duration in seconds into *dst. */
static int
conf_set_duration(struct conf_parse *p, const char *v, double *dst)
{
	if (util_parse_duration(v, dst) == -1) {
		conf_key_error(p, "bad duration \"%s\" (%s)", conf_show(p, v),
		    CONF_EXPECT_DURATION);
		return (-1);
	}
	return (0);
}

/* A boolean into *dst. */
static int
conf_set_bool(struct conf_parse *p, const char *v, int *dst)
{
	if (util_parse_bool(v, dst) == -1) {
		conf_key_error(p, "bad boolean \"%s\" (%s)", conf_show(p, v),
		    CONF_EXPECT_BOOL);
		return (-1);
	}
	return (0);
}

/* An unsigned number in [min, max] into *dst. */
static int
conf_set_uint(struct conf_parse *p, const char *v, unsigned long min,
    unsigned long max, unsigned long *dst)
{
	if (util_parse_uint(v, min, max, dst) == -1) {
		conf_key_error(p, "bad number \"%s\" (expected %lu..%lu)",
		    conf_show(p, v), min, max);
		return (-1);
	}
	return (0);
}

/* One of a NULL-terminated list of words; its index into *dst. */
static int
conf_set_enum(struct conf_parse *p, const char *v, const char *const *words,
    const char *expected, int *dst)
{
	int	i;

	for (i = 0; words[i] != NULL; i++) {
		if (strcmp(v, words[i]) == 0) {
			*dst = i;
			return (0);
		}
	}
	conf_key_error(p, "bad value \"%s\" (expected %s)", conf_show(p, v),
	    expected);
	return (-1);
}

/*
 * A path: a relative one is taken from the directory of the config file,
 * so that it means the same whoever starts lockrun from wherever.
 */
static int
conf_set_path(struct conf_parse *p, const char *v, char **dst,
    const char *expected)
{
	if (conf_set_string(p, v, dst, expected) == -1)
		return (-1);
	if (**dst != '/') {
		free(*dst);
		util_xasprintf(dst, "%s/%s", p->here, v);
	}
	return (0);
}

/* [lockrun] lock_dir: a directory path. */
static int
conf_set_lock_dir(struct conf_parse *p, const char *v)
{
	return (conf_set_path(p, v, &p->c->lock_dir, "a directory"));
}

/* [lockrun] busy_exit_code: 0..255. */
static int
conf_set_busy_exit_code(struct conf_parse *p, const char *v)
{
	unsigned long	n;

	if (conf_set_uint(p, v, 0, 255, &n) == -1)
		return (-1);
	p->c->busy_exit_code = (int)n;
	p->c->has_busy_exit_code = 1;
	return (0);
}

/* [lockrun] log: stderr or syslog. */
static int
conf_set_log(struct conf_parse *p, const char *v)
{
	static const char *const words[] = { "stderr", "syslog", NULL };
	int			 i;

	if (conf_set_enum(p, v, words, "stderr or syslog", &i) == -1)
		return (-1);
	p->c->log = util_xstrdup(v);
	return (0);
}

/* [lockrun] log_level: error, warn, info or debug. */
static int
conf_set_log_level(struct conf_parse *p, const char *v)
{
	static const char *const words[] = {
		"error", "warn", "info", "debug", NULL
	};
	int			 i;

	if (conf_set_enum(p, v, words, "error, warn, info or debug",
	    &i) == -1)
		return (-1);
	p->c->log_level = util_xstrdup(v);
	return (0);
}

/* [semaphore:NAME] slots: 1..LOCKRUN_MAX_SLOTS. */
static int
conf_set_slots(struct conf_parse *p, const char *v)
{
	unsigned long	n;

	if (conf_set_uint(p, v, 1, LOCKRUN_MAX_SLOTS, &n) == -1)
		return (-1);
	p->c->sems[p->secidx].slots = (unsigned)n;
	return (0);
}

/* command: run by /bin/sh -c. */
static int
conf_set_command(struct conf_parse *p, const char *v)
{
	return (conf_set_string(p, v, &conf_cur_job(p)->command,
	    "a shell command"));
}

/* singleton: boolean. */
static int
conf_set_singleton(struct conf_parse *p, const char *v)
{
	return (conf_set_bool(p, v, &conf_cur_job(p)->singleton));
}

/* on_running: skip, wait, fail or replace. */
static int
conf_set_on_running(struct conf_parse *p, const char *v)
{
	static const char *const words[] = {
		[CONF_ON_RUNNING_SKIP] = "skip",
		[CONF_ON_RUNNING_WAIT] = "wait",
		[CONF_ON_RUNNING_FAIL] = "fail",
		[CONF_ON_RUNNING_REPLACE] = "replace",
		NULL
	};
	int			 i;

	if (conf_set_enum(p, v, words, "skip, wait, fail or replace",
	    &i) == -1)
		return (-1);
	conf_cur_job(p)->on_running = i;
	return (0);
}

/* semaphore: names, resolved by conf_check once every section is read. */
static int
conf_set_semaphore(struct conf_parse *p, const char *v)
{
	char	**items;
	size_t	  n, i, j;
	int	  rc = -1;

	if (conf_split(v, &items, &n) == -1) {
		conf_key_error(p, "empty name in \"%s\" (expected NAME or "
		    "NAME1, NAME2)", conf_show(p, v));
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (!util_valid_name(items[i])) {
			conf_key_error(p, "bad name \"%s\" (%s)",
			    conf_show(p, items[i]), CONF_EXPECT_NAME);
			goto out;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(items[i], items[j]) == 0) {
				conf_key_error(p, "\"%s\" listed twice",
				    items[i]);
				goto out;
			}
		}
	}
	for (i = 0; i < n; i++) {
		p->refs = util_xreallocarray(p->refs, p->nrefs + 1,
		    sizeof(*p->refs));
		p->refs[p->nrefs].job = p->secidx;
		p->refs[p->nrefs].name = util_xstrdup(items[i]);
		p->refs[p->nrefs].line = p->pline;
		p->nrefs++;
	}
	rc = 0;

out:
	conf_strv_free(items);
	return (rc);
}

/* locks: NAME[:shared|:exclusive], comma-separated. */
static int
conf_set_locks(struct conf_parse *p, const char *v)
{
	struct conf_job		*job = conf_cur_job(p);
	struct conf_lock	*locks = NULL;
	char			**items, *colon, *mode;
	size_t			  n, i, j;
	int			  shared;

	if (conf_split(v, &items, &n) == -1) {
		conf_key_error(p, "empty item in \"%s\" (expected NAME, "
		    "NAME:shared or NAME:exclusive, comma-separated)",
		    conf_show(p, v));
		return (-1);
	}
	locks = util_xcalloc(n, sizeof(*locks));
	for (i = 0; i < n; i++) {
		shared = 0;
		if ((colon = strchr(items[i], ':')) != NULL) {
			*colon = '\0';
			mode = conf_trim(colon + 1);
			if (strcmp(mode, "shared") == 0)
				shared = 1;
			else if (strcmp(mode, "exclusive") != 0) {
				conf_key_error(p, "bad mode \"%s\" for lock "
				    "\"%s\" (expected shared or exclusive)",
				    conf_show(p, mode), items[i]);
				goto fail;
			}
			conf_trim(items[i]);	/* no leading space left */
		}
		if (!util_valid_name(items[i]) ||
		    strlen(items[i]) > CONF_NAME_MAX) {
			conf_key_error(p, "bad lock name \"%s\" (%s)",
			    conf_show(p, items[i]), CONF_EXPECT_NAME);
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (strcmp(locks[j].name, items[i]) == 0) {
				conf_key_error(p, "lock \"%s\" listed twice",
				    items[i]);
				goto fail;
			}
		}
		locks[i].name = util_xstrdup(items[i]);
		locks[i].shared = shared;
		locks[i].is_path = 0;
	}
	conf_strv_free(items);
	job->locks = locks;
	job->nlocks = n;
	return (0);

fail:
	for (j = 0; j < n; j++)
		free(locks[j].name);
	free(locks);
	conf_strv_free(items);
	return (-1);
}

/* wait_timeout: duration, 0 = forever. */
static int
conf_set_wait_timeout(struct conf_parse *p, const char *v)
{
	return (conf_set_duration(p, v, &conf_cur_job(p)->wait_timeout));
}

/* retry_interval: duration above 0. */
static int
conf_set_retry_interval(struct conf_parse *p, const char *v)
{
	double	d;

	if (conf_set_duration(p, v, &d) == -1)
		return (-1);
	if (d <= 0) {
		conf_key_error(p, "bad duration \"%s\" (expected more than 0, "
		    "e.g. 250ms, 1s)", conf_show(p, v));
		return (-1);
	}
	conf_cur_job(p)->retry_interval = d;
	return (0);
}

/* timeout: duration, 0 = none. */
static int
conf_set_timeout(struct conf_parse *p, const char *v)
{
	return (conf_set_duration(p, v, &conf_cur_job(p)->timeout));
}

/* stopsignal: TERM, SIGTERM or a number. */
static int
conf_set_stopsignal(struct conf_parse *p, const char *v)
{
	if (util_parse_signal(v, &conf_cur_job(p)->stopsignal) == -1) {
		conf_key_error(p, "bad signal \"%s\" (expected e.g. TERM, "
		    "SIGINT, HUP, KILL or a number)", conf_show(p, v));
		return (-1);
	}
	return (0);
}

/* stopwaitsecs: duration. */
static int
conf_set_stopwaitsecs(struct conf_parse *p, const char *v)
{
	return (conf_set_duration(p, v, &conf_cur_job(p)->stopwaitsecs));
}

/* autorestart: false, unexpected or true (other boolean words too). */
static int
conf_set_autorestart(struct conf_parse *p, const char *v)
{
	struct conf_job	*job = conf_cur_job(p);
	int		 b;

	if (strcmp(v, "unexpected") == 0)
		job->autorestart = CONF_RESTART_UNEXPECTED;
	else if (util_parse_bool(v, &b) == 0)
		job->autorestart = b ? CONF_RESTART_TRUE : CONF_RESTART_FALSE;
	else {
		conf_key_error(p, "bad value \"%s\" (expected false, "
		    "unexpected or true)", conf_show(p, v));
		return (-1);
	}
	return (0);
}

/* exitcodes: 0..255, comma-separated; replaces the default {0}. */
static int
conf_set_exitcodes(struct conf_parse *p, const char *v)
{
	struct conf_job	*job = conf_cur_job(p);
	unsigned char	 bits[sizeof(job->exitcodes)];
	char		**items;
	size_t		  n, i;
	unsigned long	  code;

	if (conf_split(v, &items, &n) == -1) {
		conf_key_error(p, "empty item in \"%s\" (expected exit "
		    "statuses 0..255, comma-separated)", conf_show(p, v));
		return (-1);
	}
	memset(bits, 0, sizeof(bits));
	for (i = 0; i < n; i++) {
		if (util_parse_uint(items[i], 0, 255, &code) == -1) {
			conf_key_error(p, "bad exit status \"%s\" (expected "
			    "0..255, comma-separated)", conf_show(p, items[i]));
			conf_strv_free(items);
			return (-1);
		}
		bits[code / 8] |= 1U << (code % 8);
	}
	conf_strv_free(items);
	memcpy(job->exitcodes, bits, sizeof(bits));
	return (0);
}

/* startretries: 0..1000. */
static int
conf_set_startretries(struct conf_parse *p, const char *v)
{
	unsigned long	n;

	if (conf_set_uint(p, v, 0, 1000, &n) == -1)
		return (-1);
	conf_cur_job(p)->startretries = (unsigned)n;
	return (0);
}

/* numprocs: 1..LOCKRUN_MAX_NUMPROCS. */
static int
conf_set_numprocs(struct conf_parse *p, const char *v)
{
	unsigned long	n;

	if (conf_set_uint(p, v, 1, LOCKRUN_MAX_NUMPROCS, &n) == -1)
		return (-1);
	conf_cur_job(p)->numprocs = (unsigned)n;
	return (0);
}

/* directory: where the command runs. */
static int
conf_set_directory(struct conf_parse *p, const char *v)
{
	return (conf_set_path(p, v, &conf_cur_job(p)->directory,
	    "a directory"));
}

/* Whether c may start (first) or continue an environment variable name. */
static int
conf_env_char(int ch, int first)
{
	return (ch == '_' || isalpha(ch) || (!first && isdigit(ch)));
}

/*
 * environment: KEY="value",KEY2=value2 as in supervisord. A quoted value
 * may hold commas; inside double quotes \" and \\ are escapes.
 */
static int
conf_set_environment(struct conf_parse *p, const char *v)
{
	struct conf_job	*job = conf_cur_job(p);
	char		**env = NULL, *val = NULL, *entry;
	const char	 *s = v, *key;
	size_t		  n = 0, keylen, vlen, i;
	char		  q;

	val = util_xmalloc(strlen(v) + 1);
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		key = s;
		while (conf_env_char((unsigned char)*s, s == key))
			s++;
		keylen = s - key;
		while (isspace((unsigned char)*s))
			s++;
		if (keylen == 0 || *s != '=') {
			conf_key_error(p, "bad entry at \"%s\" (expected "
			    "NAME=value or NAME=\"value\", comma-separated; "
			    "NAME is letters, digits and '_')",
			    conf_show(p, key));
			goto fail;
		}
		s++;
		while (isspace((unsigned char)*s))
			s++;

		vlen = 0;
		if (*s == '"' || *s == '\'') {
			q = *s++;
			while (*s != '\0' && *s != q) {
				if (q == '"' && *s == '\\' &&
				    (s[1] == '"' || s[1] == '\\'))
					s++;
				val[vlen++] = *s++;
			}
			if (*s != q) {
				conf_key_error(p, "unterminated %c quote in "
				    "\"%s\"", q, conf_show(p, key));
				goto fail;
			}
			s++;
			while (isspace((unsigned char)*s))
				s++;
			if (*s != ',' && *s != '\0') {
				conf_key_error(p, "expected ',' after the "
				    "quoted value of %.*s, not \"%s\"",
				    (int)keylen, key, conf_show(p, s));
				goto fail;
			}
		} else {
			while (*s != '\0' && *s != ',')
				val[vlen++] = *s++;
			while (vlen > 0 &&
			    isspace((unsigned char)val[vlen - 1]))
				vlen--;
		}
		if (*s == ',')
			s++;

		for (i = 0; i < n; i++) {
			if (strncmp(env[i], key, keylen) == 0 &&
			    env[i][keylen] == '=') {
				conf_key_error(p, "%.*s set twice",
				    (int)keylen, key);
				goto fail;
			}
		}
		util_xasprintf(&entry, "%.*s=%.*s", (int)keylen, key,
		    (int)vlen, val);
		env = util_xreallocarray(env, n + 2, sizeof(*env));
		env[n++] = entry;
		env[n] = NULL;
	}
	free(val);
	if (env == NULL)
		env = util_xcalloc(1, sizeof(*env));
	job->environment = env;
	job->nenvironment = n;
	return (0);

fail:
	free(val);
	conf_strv_free(env);
	return (-1);
}

/* nice: -20..19. */
static int
conf_set_nice(struct conf_parse *p, const char *v)
{
	struct conf_job	*job = conf_cur_job(p);
	long		 n;

	if (util_parse_int(v, -20, 19, &n) == -1) {
		conf_key_error(p, "bad number \"%s\" (expected -20..19)",
		    conf_show(p, v));
		return (-1);
	}
	job->nice = (int)n;
	job->has_nice = 1;
	return (0);
}

/* ioclass: idle, best-effort[:0-7] or realtime[:0-7]. */
static int
conf_set_ioclass(struct conf_parse *p, const char *v)
{
	struct conf_job		*job = conf_cur_job(p);
	const char		*colon;
	size_t			 len;
	unsigned long		 level = 4;
	enum conf_ioclass	 class;

	colon = strchr(v, ':');
	len = colon != NULL ? (size_t)(colon - v) : strlen(v);
	if (len == 4 && strncmp(v, "idle", len) == 0 && colon == NULL) {
		class = CONF_IOCLASS_IDLE;
	} else if (len == 11 && strncmp(v, "best-effort", len) == 0)
		class = CONF_IOCLASS_BEST_EFFORT;
	else if (len == 8 && strncmp(v, "realtime", len) == 0)
		class = CONF_IOCLASS_REALTIME;
	else
		goto bad;
	if (colon != NULL && util_parse_uint(colon + 1, 0, 7, &level) == -1)
		goto bad;
	job->ioclass = class;
	job->iolevel = (int)level;
	return (0);

bad:
	conf_key_error(p, "bad value \"%s\" (expected idle, best-effort[:0-7] "
	    "or realtime[:0-7])", conf_show(p, v));
	return (-1);
}

/* stdout_logfile: where the job's stdout goes. */
static int
conf_set_stdout_logfile(struct conf_parse *p, const char *v)
{
	return (conf_set_path(p, v, &conf_cur_job(p)->stdout_logfile,
	    "a file path"));
}

/* stderr_logfile: where the job's stderr goes. */
static int
conf_set_stderr_logfile(struct conf_parse *p, const char *v)
{
	return (conf_set_path(p, v, &conf_cur_job(p)->stderr_logfile,
	    "a file path"));
}

/* redirect_stderr: boolean, stderr goes where stdout goes. */
static int
conf_set_redirect_stderr(struct conf_parse *p, const char *v)
{
	return (conf_set_bool(p, v, &conf_cur_job(p)->redirect_stderr));
}
