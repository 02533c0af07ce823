/*
 * conf_keys.c: the sections and keys of the job file, and the setters that
 * turn a key's value into fields of struct conf.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_expand.h"
#include "conf_parse.h"
#include "util.h"

/*
 * Longest job, semaphore or lock name: "<name>.<NNNN>.lock" must stay well
 * inside NAME_MAX (255) or the lock file cannot be created at run time.
 */
#define CONF_NAME_MAX		200

typedef int conf_setter(struct conf_parse *, const char *);

struct conf_key {
	const char		*name;
	enum conf_section	 section;
	conf_setter		*set;
	int			 items;		/* a list: expanded item by item */
};

static int	conf_set_lock_dir(struct conf_parse *, const char *);
static int	conf_set_busy_exit_code(struct conf_parse *, const char *);
static int	conf_set_log(struct conf_parse *, const char *);
static int	conf_set_log_level(struct conf_parse *, const char *);
static int	conf_set_metrics_file(struct conf_parse *, const char *);
static int	conf_set_zookeeper(struct conf_parse *, const char *);
static int	conf_set_session_timeout(struct conf_parse *, const char *);
static int	conf_set_slots(struct conf_parse *, const char *);
static int	conf_set_sem_scope(struct conf_parse *, const char *);
static int	conf_set_lock_scope(struct conf_parse *, const char *);
static int	conf_set_job_scope(struct conf_parse *, const char *);
static int	conf_set_command(struct conf_parse *, const char *);
static int	conf_set_process_name(struct conf_parse *, const char *);
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
static int	conf_set_startsecs(struct conf_parse *, const char *);
static int	conf_set_autostart(struct conf_parse *, const char *);
static int	conf_set_user(struct conf_parse *, const char *);
static int	conf_set_asgroup(struct conf_parse *, const char *);
static int	conf_set_umask(struct conf_parse *, const char *);
static int	conf_set_priority(struct conf_parse *, const char *);
static int	conf_set_numprocs(struct conf_parse *, const char *);
static int	conf_set_directory(struct conf_parse *, const char *);
static int	conf_set_environment(struct conf_parse *, const char *);
static int	conf_set_nice(struct conf_parse *, const char *);
static int	conf_set_ioclass(struct conf_parse *, const char *);
static int	conf_set_stdout_logfile(struct conf_parse *, const char *);
static int	conf_set_stderr_logfile(struct conf_parse *, const char *);
static int	conf_set_redirect_stderr(struct conf_parse *, const char *);
static int	conf_set_stdout_maxbytes(struct conf_parse *, const char *);
static int	conf_set_stdout_backups(struct conf_parse *, const char *);
static int	conf_set_stderr_maxbytes(struct conf_parse *, const char *);
static int	conf_set_stderr_backups(struct conf_parse *, const char *);

static const struct conf_key conf_keys[] = {
	{ "lock_dir",		CONF_SEC_LOCKRUN, conf_set_lock_dir, 0 },
	{ "busy_exit_code",	CONF_SEC_LOCKRUN, conf_set_busy_exit_code, 0 },
	{ "log",		CONF_SEC_LOCKRUN, conf_set_log, 0 },
	{ "log_level",		CONF_SEC_LOCKRUN, conf_set_log_level, 0 },
	{ "metrics_file",	CONF_SEC_LOCKRUN, conf_set_metrics_file, 0 },

	{ "zookeeper",		CONF_SEC_LOCKRUN, conf_set_zookeeper, 0 },
	{ "session_timeout",	CONF_SEC_LOCKRUN, conf_set_session_timeout, 0 },

	{ "slots",		CONF_SEC_SEM,	conf_set_slots, 0 },
	{ "scope",		CONF_SEC_SEM,	conf_set_sem_scope, 0 },

	{ "scope",		CONF_SEC_LOCK,	conf_set_lock_scope, 0 },

	{ "command",		CONF_SEC_JOB,	conf_set_command, 0 },
	{ "process_name",	CONF_SEC_JOB,	conf_set_process_name, 0 },
	{ "singleton",		CONF_SEC_JOB,	conf_set_singleton, 0 },
	{ "scope",		CONF_SEC_JOB,	conf_set_job_scope, 0 },
	{ "on_running",		CONF_SEC_JOB,	conf_set_on_running, 0 },
	{ "semaphore",		CONF_SEC_JOB,	conf_set_semaphore, 1 },
	{ "locks",		CONF_SEC_JOB,	conf_set_locks, 1 },
	{ "wait_timeout",	CONF_SEC_JOB,	conf_set_wait_timeout, 0 },
	{ "retry_interval",	CONF_SEC_JOB,	conf_set_retry_interval, 0 },
	{ "timeout",		CONF_SEC_JOB,	conf_set_timeout, 0 },
	{ "stopsignal",		CONF_SEC_JOB,	conf_set_stopsignal, 0 },
	{ "stopwaitsecs",	CONF_SEC_JOB,	conf_set_stopwaitsecs, 0 },
	{ "autorestart",	CONF_SEC_JOB,	conf_set_autorestart, 0 },
	{ "exitcodes",		CONF_SEC_JOB,	conf_set_exitcodes, 1 },
	{ "startretries",	CONF_SEC_JOB,	conf_set_startretries, 0 },
	{ "startsecs",		CONF_SEC_JOB,	conf_set_startsecs, 0 },
	{ "autostart",		CONF_SEC_JOB,	conf_set_autostart, 0 },
	{ "user",		CONF_SEC_JOB,	conf_set_user, 0 },
	{ "umask",		CONF_SEC_JOB,	conf_set_umask, 0 },
	{ "stopasgroup",	CONF_SEC_JOB,	conf_set_asgroup, 0 },
	{ "killasgroup",	CONF_SEC_JOB,	conf_set_asgroup, 0 },
	{ "priority",		CONF_SEC_JOB,	conf_set_priority, 0 },
	{ "numprocs",		CONF_SEC_JOB,	conf_set_numprocs, 0 },
	{ "directory",		CONF_SEC_JOB,	conf_set_directory, 0 },
	{ "environment",	CONF_SEC_JOB,	conf_set_environment, 1 },
	{ "nice",		CONF_SEC_JOB,	conf_set_nice, 0 },
	{ "ioclass",		CONF_SEC_JOB,	conf_set_ioclass, 0 },
	{ "stdout_logfile",	CONF_SEC_JOB,	conf_set_stdout_logfile, 0 },
	{ "stderr_logfile",	CONF_SEC_JOB,	conf_set_stderr_logfile, 0 },
	{ "redirect_stderr",	CONF_SEC_JOB,	conf_set_redirect_stderr, 0 },
	{ "stdout_logfile_maxbytes", CONF_SEC_JOB, conf_set_stdout_maxbytes, 0 },
	{ "stdout_logfile_backups", CONF_SEC_JOB, conf_set_stdout_backups, 0 },
	{ "stderr_logfile_maxbytes", CONF_SEC_JOB, conf_set_stderr_maxbytes, 0 },
	{ "stderr_logfile_backups", CONF_SEC_JOB, conf_set_stderr_backups, 0 },
};
#define CONF_NKEYS	LOCKRUN_ARRAY_LEN(conf_keys)

#define CONF_EXPECT_DURATION	\
	"expected e.g. 500ms, 90s, 5min, 1h30m, 2.5h, 1d"
#define CONF_EXPECT_BOOL	\
	"expected yes or no, true or false, on or off, 1 or 0"
#define CONF_EXPECT_NAME	"expected letters, digits, '_', '.' and '-', " \
				"not ending in '.' and digits"

/* Double every '%' of *sp: a value as a template of itself. */
static void
conf_escape_pct(char **sp)
{
	const char	*s;
	char		*out, *d;

	out = d = util_xmalloc(2 * strlen(*sp) + 1);
	for (s = *sp; *s != '\0'; s++) {
		*d++ = *s;
		if (*s == '%')
			*d++ = '%';
	}
	*d = '\0';
	free(*sp);
	*sp = out;
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

/* Values of a supervisord key that change nothing under lockrun. */
static int
conf_sv_any(const char *v)
{
	(void)v;
	return (1);
}

static int
conf_sv_false(const char *v)
{
	int	b;

	return (util_parse_bool(v, &b) == 0 && !b);
}

static int
conf_sv_auto(const char *v)
{
	return (strcmp(v, "AUTO") == 0);
}

static int
conf_sv_zero(const char *v)
{
	return (strcmp(v, "0") == 0);
}

/*
 * supervisord's [program:x] keys that lockrun does not support: a value
 * that would change nothing (the defaults; capture mode, which only feeds
 * event listeners) is accepted, any other is an error that says why and
 * what to use instead, never "unknown key".
 */
static const struct {
	const char	*name;
	int		(*harmless)(const char *);
	const char	*why;
} conf_supervisord_keys[] = {
	{ "stdout_capture_maxbytes", conf_sv_any, NULL },
	{ "stderr_capture_maxbytes", conf_sv_any, NULL },
	{ "stdout_events_enabled", conf_sv_false, "lockrun sends no events: "
	    "set it to false or remove it" },
	{ "stderr_events_enabled", conf_sv_false, "lockrun sends no events: "
	    "set it to false or remove it" },
	{ "serverurl", conf_sv_auto, "lockrun has no control server for a "
	    "job to reach: set it to AUTO or remove it" },
	{ "stdout_syslog", conf_sv_false, "send the output to syslog with "
	    "command = ... | logger -t NAME" },
	{ "stderr_syslog", conf_sv_false, "send the output to syslog with "
	    "command = ... 2>&1 | logger -t NAME" },
	{ "numprocs_start", conf_sv_zero, "lockrun numbers the instances "
	    "from 0 (NAME.00, %(process_num)d, $LOCKRUN_INSTANCE): add your "
	    "offset in the command" },
};

/*
 * A supervisord key lockrun does not support: 0 if it is none, 1 if it is
 * one with a harmless value, -1 with the error recorded.
 */
static int
conf_supervisord_key(struct conf_parse *p)
{
	size_t	i;

	if (p->sec != CONF_SEC_JOB)
		return (0);
	for (i = 0; i < LOCKRUN_ARRAY_LEN(conf_supervisord_keys); i++) {
		if (strcmp(p->pname, conf_supervisord_keys[i].name) != 0)
			continue;
		if (conf_supervisord_keys[i].harmless(p->pvalue))
			return (1);
		conf_key_error(p, "a supervisord key that lockrun does not "
		    "support with \"%s\": %s", conf_show(p, p->pvalue),
		    conf_supervisord_keys[i].why);
		return (-1);
	}
	return (0);
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

/*
 * The keys whose value may differ from one instance of a job to the next
 * (%(process_num)d), as supervisord allows.
 */
static const char *const conf_instance_keys[] = {
	"command", "process_name", "directory", "environment",
	"stdout_logfile", "stderr_logfile",
};

/*
 * Expand v into *out (see conf_expand); -1 with the error recorded. In a
 * key of conf_instance_keys, p->templated says whether *out is a template.
 */
static int
conf_expand_value(struct conf_parse *p, const char *v, int flags, char **out)
{
	struct conf_expand_ctx	ctx;
	char			why[1024];

	memset(&ctx, 0, sizeof(ctx));
	ctx.here = p->here;
	ctx.host_node_name = p->host;
	if (p->sec == CONF_SEC_JOB)
		ctx.program_name = conf_cur_job(p)->name;
	ctx.instance = p->pinstance && !(flags & CONF_EXPAND_ITEM);
	if (conf_expand(v, &ctx, flags, out, &p->templated, why,
	    sizeof(why)) == -1) {
		conf_key_error(p, "%s", why);
		return (-1);
	}
	return (0);
}

/* The value just set is a template: note which (CONF_TMPL_*). */
static void
conf_note_template(struct conf_parse *p, int bit)
{
	if (p->templated)
		conf_cur_job(p)->templated |= bit;
}

/*
 * A list: split v at its commas first, then expand each item on its own,
 * so that no expansion can add an item; what and expected say what an
 * item is, for errors. -1 with the error recorded.
 */
static int
conf_list(struct conf_parse *p, const char *v, const char *what,
    const char *expected, char ***itemsp, size_t *np)
{
	char	**items, *item;
	size_t	  n, i;

	if (conf_split(v, &items, &n) == -1) {
		conf_key_error(p, "empty %s in \"%s\" (expected %s)", what,
		    conf_show(p, v), expected);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (conf_expand_value(p, items[i], CONF_EXPAND_ITEM,
		    &item) == -1) {
			conf_strv_free(items);
			return (-1);
		}
		free(items[i]);
		items[i] = item;
	}
	*itemsp = items;
	*np = n;
	return (0);
}

/*
 * Apply the pending key = value to the current section; free it. A list
 * key's setter gets the value as written and expands each item itself;
 * every other setter gets the whole value expanded.
 */
int
conf_flush(struct conf_parse *p)
{
	char	*value = NULL;
	size_t	 i, k;
	int	 rc = -1, sv;

	if (p->pname == NULL)
		return (0);

	for (i = 0; i < CONF_NKEYS; i++) {
		if (conf_keys[i].section == p->sec &&
		    strcmp(conf_keys[i].name, p->pname) == 0)
			break;
	}
	if (i == CONF_NKEYS) {
		if ((sv = conf_supervisord_key(p)) == 0)
			conf_unknown_key(p);
		else if (sv == 1)
			rc = 0;
		goto out;
	}
	if (p->seen[i] != 0) {
		conf_key_error(p, "set twice in [%s] (first at line %d)",
		    p->sechdr, p->seen[i]);
		goto out;
	}
	p->seen[i] = p->pline;
	p->pinstance = 0;
	for (k = 0; k < LOCKRUN_ARRAY_LEN(conf_instance_keys); k++) {
		if (strcmp(p->pname, conf_instance_keys[k]) == 0)
			p->pinstance = p->sec == CONF_SEC_JOB;
	}
	p->templated = 0;
	if (conf_keys[i].items)
		rc = conf_keys[i].set(p, p->pvalue);
	else if (conf_expand_value(p, p->pvalue, 0, &value) == 0)
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

/*
 * supervisord's sections that lockrun does not read, and what to use
 * instead: a supervisord.conf fails with a reason, never a bare "unknown".
 */
static const struct {
	const char	*name;		/* "group" matches "group:NAME" too */
	const char	*why;
} conf_supervisord_sections[] = {
	{ "supervisord", "configures supervisord itself: lockrun takes its "
	    "settings from [lockrun] (lock_dir, log, log_level) and the "
	    "command line" },
	{ "supervisorctl", "lockrun has no control client: lockrun --status "
	    "shows what runs, and a signal stops it" },
	{ "unix_http_server", "lockrun has no control server: lockrun "
	    "--status shows what runs" },
	{ "inet_http_server", "lockrun has no control server: lockrun "
	    "--status shows what runs" },
	{ "rpcinterface", "lockrun has no control server" },
	{ "ctlplugin", "lockrun has no control client" },
	{ "group", "lockrun has no groups: name the jobs to run on the "
	    "command line (lockrun --config FILE a b), and cap them together "
	    "with a [semaphore:NAME]" },
	{ "include", "lockrun reads one file: put the sections in it" },
	{ "eventlistener", "lockrun sends no events" },
	{ "fcgi-program", "lockrun opens no sockets for its jobs: run the "
	    "program in a [job:NAME] that opens its own" },
};

/* A supervisord section: say why lockrun does not read it. 1 if it was one. */
static int
conf_supervisord_section(struct conf_parse *p, const char *hdr,
    const char *what)
{
	size_t	i, n;

	for (i = 0; i < LOCKRUN_ARRAY_LEN(conf_supervisord_sections); i++) {
		n = strlen(conf_supervisord_sections[i].name);
		if (strncmp(hdr, conf_supervisord_sections[i].name, n) == 0 &&
		    (hdr[n] == '\0' || hdr[n] == ':')) {
			conf_error(p, p->lineno, what, "a supervisord section "
			    "that lockrun does not support: %s; remove it",
			    conf_supervisord_sections[i].why);
			return (1);
		}
	}
	return (0);
}

/* Start the section named hdr (the text between the brackets). */
int
conf_section(struct conf_parse *p, const char *hdr)
{
	struct conf	*c = p->c;
	struct conf_job	*job;
	struct conf_sem	*sem;
	struct conf_lockdef *def;
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
	} else if (strncmp(hdr, "job:", 4) == 0 ||
	    strncmp(hdr, "program:", 8) == 0) {
		/* supervisord's [program:NAME] is a job, with its defaults. */
		name = strchr(hdr, ':') + 1;
		if (conf_check_name(p, name, what) == -1)
			goto out;
		if ((job = conf_find_job(c, name)) != NULL) {
			conf_error(p, p->lineno, what, "duplicate section "
			    "(first at line %d)", job->line);
			goto out;
		}
		job = conf_add_job(p, name);
		job->line = p->lineno;
		if (*hdr == 'p') {
			job->supervisord = 1;
			job->autorestart = CONF_RESTART_UNEXPECTED;
			job->startsecs = CONF_SUPERVISORD_STARTSECS;
		}
		p->secidx = c->njobs - 1;
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
		sem = conf_add_sem(p, name);
		sem->line = p->lineno;
		p->secidx = c->nsems - 1;
		p->sec = CONF_SEC_SEM;
	} else if (strncmp(hdr, "lock:", 5) == 0) {
		name = hdr + 5;
		if (conf_check_name(p, name, what) == -1)
			goto out;
		if ((def = conf_find_lockdef(c, name)) != NULL) {
			conf_error(p, p->lineno, what, "duplicate section "
			    "(first at line %d)", def->line);
			goto out;
		}
		c->lockdefs = conf_grow(c->lockdefs, c->nlockdefs,
		    &p->lockcap, sizeof(*c->lockdefs));
		def = &c->lockdefs[c->nlockdefs];
		memset(def, 0, sizeof(*def));
		def->name = util_xstrdup(name);
		def->line = p->lineno;
		p->secidx = c->nlockdefs++;
		p->sec = CONF_SEC_LOCK;
	} else {
		if (!conf_supervisord_section(p, hdr, what))
			conf_error(p, p->lineno, what, "unknown section (%s)",
			    CONF_EXPECT_SECTION);
		goto out;
	}
	rc = 0;

out:
	free(what);
	return (rc);
}

/* The name of key i of the file format, or NULL past the last one. */
const char *
conf_key_name(size_t i)
{
	return (i < CONF_NKEYS ? conf_keys[i].name : NULL);
}

/* How many keys the file format has (for struct conf_parse's seen). */
size_t
conf_keys_count(void)
{
	return (CONF_NKEYS);
}

/*
 * Key setters: the value is expanded (a list's items one by one, see
 * conf_flush); on error they record it and say -1.
 */

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
	char	*here;

	if (conf_set_string(p, v, dst, expected) == -1)
		return (-1);
	if (**dst != '/') {
		/* A template's '%' are doubled: here's too. */
		here = util_xstrdup(p->here);
		if (p->templated)
			conf_escape_pct(&here);
		free(*dst);
		util_xasprintf(dst, "%s/%s", here, v);
		free(here);
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

/* [lockrun] metrics_file: a file path (Prometheus textfile format). */
static int
conf_set_metrics_file(struct conf_parse *p, const char *v)
{
	return (conf_set_path(p, v, &p->c->metrics_file, "a file path"));
}

/*
 * [lockrun] zookeeper: ZooKeeper's own connect string, chroot included
 * ("zk1:2181,zk2:2181/lockrun"). Only its form is checked here.
 */
static int
conf_set_zookeeper(struct conf_parse *p, const char *v)
{
	if (*v == '\0' || strspn(v, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:,[]/") != strlen(v) ||
	    *v == '/' || *v == ',' || strstr(v, "//") != NULL ||
	    v[strlen(v) - 1] == '/') {
		conf_key_error(p, "bad connect string \"%s\" (expected "
		    "host:port[,host:port...][/path])", conf_show(p, v));
		return (-1);
	}
	p->c->zookeeper = util_xstrdup(v);
	p->c->zookeeper_line = p->pline;
	return (0);
}

/* [lockrun] session_timeout: 1s..10m. */
static int
conf_set_session_timeout(struct conf_parse *p, const char *v)
{
	double	d;

	if (conf_set_duration(p, v, &d) == -1)
		return (-1);
	if (d < 1 || d > 600) {
		conf_key_error(p, "%s out of range (expected 1s..10m)",
		    conf_show(p, v));
		return (-1);
	}
	p->c->session_timeout = d;
	return (0);
}

/* scope: host or fleet, into *fleet. */
static int
conf_set_scope(struct conf_parse *p, const char *v, int *fleet)
{
	static const char *const words[] = { "host", "fleet", NULL };

	return (conf_set_enum(p, v, words, "host or fleet", fleet));
}

/* [semaphore:NAME] scope. */
static int
conf_set_sem_scope(struct conf_parse *p, const char *v)
{
	return (conf_set_scope(p, v, &p->c->sems[p->secidx].fleet));
}

/* [lock:NAME] scope. */
static int
conf_set_lock_scope(struct conf_parse *p, const char *v)
{
	return (conf_set_scope(p, v, &p->c->lockdefs[p->secidx].fleet));
}

/* [job:NAME] scope: the singleton's. */
static int
conf_set_job_scope(struct conf_parse *p, const char *v)
{
	conf_cur_job(p)->fleet_line = p->pline;
	return (conf_set_scope(p, v, &conf_cur_job(p)->fleet));
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
	conf_note_template(p, CONF_TMPL_COMMAND);
	return (conf_set_string(p, v, &conf_cur_job(p)->command,
	    "a shell command"));
}

/* process_name: supervisord's name of an instance (given to the job). */
static int
conf_set_process_name(struct conf_parse *p, const char *v)
{
	conf_note_template(p, CONF_TMPL_PROCESS_NAME);
	conf_cur_job(p)->process_name_line = p->pline;
	return (conf_set_string(p, v, &conf_cur_job(p)->process_name,
	    "a name, e.g. %(program_name)s_%(process_num)02d"));
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

	if (conf_list(p, v, "name", "NAME or NAME1, NAME2", &items, &n) == -1)
		return (-1);
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
		p->refs = conf_grow(p->refs, p->nrefs, &p->refcap,
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

	if (conf_list(p, v, "item", "NAME, NAME:shared or NAME:exclusive, "
	    "comma-separated", &items, &n) == -1)
		return (-1);
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

/*
 * stopsignal: a signal that ends a process unless it is caught, by name
 * with or without SIG, in any case: supervisord's TERM, HUP, INT, QUIT,
 * KILL, USR1 and USR2, and ALRM and ABRT. Not STOP, CONT, CHLD and the like,
 * which would leave the job running, and no numbers, whose meaning varies.
 */
static int
conf_set_stopsignal(struct conf_parse *p, const char *v)
{
	static const char *const names[] = {
		"TERM", "HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "ALRM",
		"ABRT"
	};
	const char	*name = v;
	size_t		 i;

	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (i = 0; i < LOCKRUN_ARRAY_LEN(names); i++) {
		if (strcasecmp(name, names[i]) == 0 &&
		    util_parse_signal(name, &conf_cur_job(p)->stopsignal) == 0)
			return (0);
	}
	conf_key_error(p, "bad signal \"%s\" (expected TERM, HUP, INT, QUIT, "
	    "KILL, USR1, USR2, ALRM or ABRT, with or without SIG)",
	    conf_show(p, v));
	return (-1);
}

/* stopwaitsecs: duration. */
static int
conf_set_stopwaitsecs(struct conf_parse *p, const char *v)
{
	conf_cur_job(p)->stopwait_line = p->pline;
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

	if (conf_list(p, v, "item", "exit statuses 0..255, comma-separated",
	    &items, &n) == -1)
		return (-1);
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

/* startsecs: duration; 0 counts every start as a success. */
static int
conf_set_startsecs(struct conf_parse *p, const char *v)
{
	return (conf_set_duration(p, v, &conf_cur_job(p)->startsecs));
}

/* user: a user name or number that exists (run as it: root only). */
static int
conf_set_user(struct conf_parse *p, const char *v)
{
	struct conf_job	*job = conf_cur_job(p);

	if (util_user(v, NULL, NULL) == -1) {
		conf_key_error(p, "no such user \"%s\" (expected a user name "
		    "or number of this host)", conf_show(p, v));
		return (-1);
	}
	job->user_line = p->pline;
	return (conf_set_string(p, v, &job->user, "a user"));
}

/* umask: octal, as supervisord's 022. */
static int
conf_set_umask(struct conf_parse *p, const char *v)
{
	const char	*s = v;
	int		 m = 0;

	if (*s == '\0' || strlen(s) > 4)
		goto bad;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '7')
			goto bad;
		m = m * 8 + (*s - '0');
	}
	if (m > 0777)
		goto bad;
	conf_cur_job(p)->umask = m;
	return (0);

bad:
	conf_key_error(p, "bad umask \"%s\" (expected an octal number such "
	    "as 022)", conf_show(p, v));
	return (-1);
}

/*
 * stopasgroup, killasgroup: booleans, read and let be: lockrun signals a
 * job's whole process group always (its own session).
 */
static int
conf_set_asgroup(struct conf_parse *p, const char *v)
{
	int	b;

	return (conf_set_bool(p, v, &b));
}

/* autostart: boolean; no: it runs only when named. */
static int
conf_set_autostart(struct conf_parse *p, const char *v)
{
	return (conf_set_bool(p, v, &conf_cur_job(p)->autostart));
}

/* priority: a number; the lower start first and stop last. */
static int
conf_set_priority(struct conf_parse *p, const char *v)
{
	long	n;

	if (util_parse_int(v, -999999, 999999, &n) == -1) {
		conf_key_error(p, "bad number \"%s\" (expected -999999..999999; "
		    "the lower start first and stop last)", conf_show(p, v));
		return (-1);
	}
	conf_cur_job(p)->priority = (int)n;
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
	conf_note_template(p, CONF_TMPL_DIRECTORY);
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
 * may hold commas; inside double quotes \" and \\ are escapes. The value
 * as written is split into entries first and each value is expanded on its
 * own after, so that what an expansion gives (commas, quotes) stays in its
 * value; names are never expanded.
 */
static int
conf_set_environment(struct conf_parse *p, const char *v)
{
	struct conf_job	*job = conf_cur_job(p);
	char		**env = NULL, *val = NULL, *entry, *x;
	const char	 *s = v, *key;
	size_t		  n = 0, keylen, vlen, i;
	unsigned char	 *tmpl = NULL;
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
		if (s[0] == '%' && s[1] == '(') {
			conf_key_error(p, "expansion in a variable name at "
			    "\"%s\" (expansions are allowed in values only)",
			    conf_show(p, key));
			goto fail;
		}
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
		val[vlen] = '\0';
		if (conf_expand_value(p, val, 0, &x) == -1)
			goto fail;
		util_xasprintf(&entry, "%.*s=%s", (int)keylen, key, x);
		free(x);
		env = util_xreallocarray(env, n + 2, sizeof(*env));
		tmpl = util_xreallocarray(tmpl, n + 1, 1);
		tmpl[n] = p->templated;
		env[n++] = entry;
		env[n] = NULL;
	}
	free(val);
	if (env == NULL)
		env = util_xcalloc(1, sizeof(*env));
	/* One entry names %(process_num)d: all become templates. */
	for (i = 0; i < n; i++) {
		if (tmpl[i])
			job->templated |= CONF_TMPL_ENVIRONMENT;
	}
	for (i = 0; i < n && (job->templated & CONF_TMPL_ENVIRONMENT); i++) {
		if (!tmpl[i])
			conf_escape_pct(&env[i]);
	}
	free(tmpl);
	job->environment = env;
	job->nenvironment = n;
	return (0);

fail:
	free(val);
	free(tmpl);
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

/*
 * A log file: a path, supervisord's NONE (discard: /dev/null), not its
 * AUTO (a file of its child log directory) or syslog.
 */
static int
conf_set_logfile(struct conf_parse *p, const char *v, char **dst)
{
	if (strcmp(v, "NONE") == 0) {
		*dst = util_xstrdup("/dev/null");
		return (0);
	}
	if (strcmp(v, "AUTO") == 0 || strcmp(v, "syslog") == 0) {
		conf_key_error(p, "%s: a supervisord value that lockrun does "
		    "not support: %s", v, *v == 'A' ? "lockrun keeps no child "
		    "log directory: give a path, or remove the key to inherit "
		    "lockrun's output" : "send the output to syslog with "
		    "command = ... | logger -t NAME");
		return (-1);
	}
	return (conf_set_path(p, v, dst, "a file path, or NONE"));
}

/* stdout_logfile: where the job's stdout goes. */
static int
conf_set_stdout_logfile(struct conf_parse *p, const char *v)
{
	conf_note_template(p, CONF_TMPL_STDOUT);
	return (conf_set_logfile(p, v, &conf_cur_job(p)->stdout_logfile));
}

/* stderr_logfile: where the job's stderr goes. */
static int
conf_set_stderr_logfile(struct conf_parse *p, const char *v)
{
	conf_note_template(p, CONF_TMPL_STDERR);
	return (conf_set_logfile(p, v, &conf_cur_job(p)->stderr_logfile));
}

/* redirect_stderr: boolean, stderr goes where stdout goes. */
static int
conf_set_redirect_stderr(struct conf_parse *p, const char *v)
{
	return (conf_set_bool(p, v, &conf_cur_job(p)->redirect_stderr));
}

/* A size: bytes, or KB, MB, GB, as supervisord's 50MB. */
static int
conf_set_size(struct conf_parse *p, const char *v, unsigned long *dst)
{
	if (util_parse_size(v, dst) == -1) {
		conf_key_error(p, "bad size \"%s\" (expected bytes, or KB, MB "
		    "or GB, as 50MB; 0: no limit)", conf_show(p, v));
		return (-1);
	}
	return (0);
}

/* stdout_logfile_maxbytes: rotate stdout_logfile at this size; 0: never. */
static int
conf_set_stdout_maxbytes(struct conf_parse *p, const char *v)
{
	return (conf_set_size(p, v, &conf_cur_job(p)->stdout_maxbytes));
}

/* How many rotated files to keep, 0..1000, into *dst. */
static int
conf_set_backups(struct conf_parse *p, const char *v, unsigned *dst)
{
	unsigned long	n;

	if (conf_set_uint(p, v, 0, 1000, &n) == -1)
		return (-1);
	*dst = (unsigned)n;
	return (0);
}

/* stdout_logfile_backups: how many rotated files to keep. */
static int
conf_set_stdout_backups(struct conf_parse *p, const char *v)
{
	return (conf_set_backups(p, v, &conf_cur_job(p)->stdout_backups));
}

/* stderr_logfile_maxbytes: as stdout_logfile_maxbytes. */
static int
conf_set_stderr_maxbytes(struct conf_parse *p, const char *v)
{
	return (conf_set_size(p, v, &conf_cur_job(p)->stderr_maxbytes));
}

/* stderr_logfile_backups: as stdout_logfile_backups. */
static int
conf_set_stderr_backups(struct conf_parse *p, const char *v)
{
	return (conf_set_backups(p, v, &conf_cur_job(p)->stderr_backups));
}
