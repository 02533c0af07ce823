/*
 * options.c: lockrun's command line, parsed without side effects: no
 * output, no exit. A bad command line comes back as a message, which
 * lockrun.c prints and turns into exit 64; --help and --version come back
 * as what to do. The fuzz harness (tests/fuzz/options.c) calls it as it is.
 */
#include "config.h"

#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "options.h"
#include "util.h"
#include "zk_recipe.h"

enum {
	OPT_CHECK = 256,
	OPT_LOCK_DIR,
	OPT_SEMAPHORE,
	OPT_SLOTS,
	OPT_TIMEOUT,
	OPT_KILL_AFTER,
	OPT_SYSLOG,
	OPT_STATUS,
	OPT_JSON,
	OPT_FD,
	OPT_REPLACE,
	OPT_RESTART,
	OPT_ZOOKEEPER,
	OPT_SESSION_TIMEOUT,
};

static const struct option options_long[] = {
	{ "config",		required_argument, NULL, 'c' },
	{ "check",		no_argument,	   NULL, OPT_CHECK },
	{ "status",		no_argument,	   NULL, OPT_STATUS },
	{ "json",		no_argument,	   NULL, OPT_JSON },
	{ "lock",		required_argument, NULL, 'l' },
	{ "fd",			required_argument, NULL, OPT_FD },
	{ "shared",		no_argument,	   NULL, 's' },
	{ "close",		no_argument,	   NULL, 'o' },
	{ "semaphore",		required_argument, NULL, OPT_SEMAPHORE },
	{ "slots",		required_argument, NULL, OPT_SLOTS },
	{ "lock-dir",		required_argument, NULL, OPT_LOCK_DIR },
	{ "zookeeper",		required_argument, NULL, OPT_ZOOKEEPER },
	{ "session-timeout",	required_argument, NULL, OPT_SESSION_TIMEOUT },
	{ "no-wait",		no_argument,	   NULL, 'n' },
	{ "nonblock",		no_argument,	   NULL, 'n' },
	{ "wait",		required_argument, NULL, 'w' },
	{ "conflict-exit-code",	required_argument, NULL, 'E' },
	{ "timeout",		required_argument, NULL, OPT_TIMEOUT },
	{ "kill-after",		required_argument, NULL, OPT_KILL_AFTER },
	{ "replace",		no_argument,	   NULL, OPT_REPLACE },
	{ "restart",		required_argument, NULL, OPT_RESTART },
	{ "verbose",		no_argument,	   NULL, 'v' },
	{ "quiet",		no_argument,	   NULL, 'q' },
	{ "syslog",		no_argument,	   NULL, OPT_SYSLOG },
	{ "help",		no_argument,	   NULL, 'h' },
	{ "version",		no_argument,	   NULL, 'V' },
	{ NULL,			0,		   NULL, 0 },
};

/* Set *errp to the message (to be freed); returns -1 for the caller. */
static int __attribute__((format(printf, 2, 3)))
options_error(char **errp, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	if (vasprintf(errp, fmt, ap) == -1) {
		va_end(ap);
		*errp = util_xstrdup("out of memory");
		return (-1);
	}
	va_end(ap);
	return (-1);
}

/* A duration option's value into *out; -1 and a message if it is bad. */
static int
options_duration(const char *opt, const char *arg, double *out, char **errp)
{
	if (util_parse_duration(arg, out) == -1)
		return (options_error(errp, "%s: bad duration '%s' (expected "
		    "e.g. 500ms, 90s, 5min, 1h30m, 2.5h, 1d)", opt, arg));
	return (0);
}

/*
 * The file a lock path names, as a canonical string: its directory resolved
 * (the file itself may not exist yet) and its own name.
 */
char *
options_canonical(const char *path)
{
	char	*copy, *dir, *real, *out;
	char	*base;

	copy = util_xstrdup(path);
	base = strrchr(copy, '/');
	if (base == NULL) {
		dir = ".";
		base = copy;
	} else {
		*base++ = '\0';
		dir = *copy != '\0' ? copy : "/";
	}
	if ((real = realpath(dir, NULL)) == NULL) {
		free(copy);
		return (util_xstrdup(path));
	}
	util_xasprintf(&out, "%s/%s", real, base);
	free(real);
	free(copy);
	return (out);
}

/*
 * Two --lock options naming one file would make lockrun wait for itself
 * forever (flock: two opens of a file contend): refuse them.
 */
static int
options_check_duplicates(const struct options *o, char **errp)
{
	char	*a, *b;
	size_t	 i, k;
	int	 same;

	for (i = 0; i < o->nlocks; i++) {
		a = options_canonical(o->locks[i]);
		for (k = i + 1; k < o->nlocks; k++) {
			b = options_canonical(o->locks[k]);
			same = strcmp(a, b) == 0;
			free(b);
			if (same) {
				free(a);
				return (options_error(errp, "--lock: '%s' and "
				    "'%s' are the same file", o->locks[i],
				    o->locks[k]));
			}
		}
		free(a);
	}
	return (0);
}

/*
 * getopt_long refused arg: an unknown or ambiguous option, or a value given
 * to a long option that takes none. optopt is the option's character for a
 * short option, the option's value for a long one that took a value (which
 * may be no character at all: OPT_CHECK), 0 when no option matched.
 */
static int
options_unknown(const char *arg, char **errp)
{
	if (strncmp(arg, "--", 2) == 0 && optopt != 0)
		return (options_error(errp, "%.*s: takes no argument",
		    (int)strcspn(arg, "="), arg));
	if (strncmp(arg, "--", 2) != 0 && optopt != 0)
		return (options_error(errp, "unknown option '-%c'", optopt));
	return (options_error(errp, "unknown option '%s'", arg));
}

/* One option ch (with optarg) into o; -1 and a message if it is bad. */
static int
options_one(int ch, char **argv, struct options *o, char **errp)
{
	unsigned long	n;

	switch (ch) {
	case 'c':
		o->config = optarg;
		break;
	case OPT_CHECK:
		o->check = 1;
		break;
	case OPT_STATUS:
		o->status = 1;
		break;
	case OPT_JSON:
		o->json = 1;
		break;
	case 'l':
		if (*optarg == '\0')
			return (options_error(errp, "--lock: empty path"));
		o->locks = util_xreallocarray(o->locks, o->nlocks + 1,
		    sizeof(*o->locks));
		o->locks[o->nlocks++] = optarg;
		break;
	case 's':
		o->shared = 1;
		break;
	case 'o':
		o->close = 1;
		break;
	case OPT_FD:
		if (util_parse_uint(optarg, 0, INT_MAX, &n) == -1)
			return (options_error(errp, "--fd: '%s' is not a "
			    "descriptor number", optarg));
		o->fd = (int)n;
		break;
	case OPT_SEMAPHORE:
		if (!util_valid_name(optarg))
			return (options_error(errp, "--semaphore: bad name "
			    "'%s' (expected letters, digits, '_', '.', '-', "
			    "not ending in '.' and digits)", optarg));
		o->semaphore = optarg;
		break;
	case OPT_SLOTS:
		if (util_parse_uint(optarg, 1, LOCKRUN_MAX_SLOTS,
		    &o->slots) == -1)
			return (options_error(errp, "--slots: '%s' is not a "
			    "number from 1 to %d", optarg, LOCKRUN_MAX_SLOTS));
		break;
	case OPT_LOCK_DIR:
		if (*optarg == '\0')
			return (options_error(errp, "--lock-dir: empty path"));
		o->lock_dir = optarg;
		break;
	case OPT_ZOOKEEPER:
#ifndef HAVE_ZOOKEEPER
		return (options_error(errp, "--zookeeper: lockrun was built "
		    "without ZooKeeper support (rebuild with "
		    "libzookeeper-st-dev)"));
#endif
		o->zookeeper = optarg;
		break;
	case OPT_SESSION_TIMEOUT:
		if (options_duration("--session-timeout", optarg,
		    &o->session_timeout, errp) == -1)
			return (-1);
		if (o->session_timeout < 1 || o->session_timeout > 600)
			return (options_error(errp, "--session-timeout: '%s' "
			    "out of range (expected 1s..10m)", optarg));
		break;
	case 'n':
		o->no_wait = 1;
		break;
	case 'w':
		if (options_duration("--wait", optarg, &o->wait, errp) == -1)
			return (-1);
		if (o->wait == 0)
			o->no_wait = 1;
		break;
	case 'E':
		if (util_parse_uint(optarg, 0, 255, &n) == -1)
			return (options_error(errp, "--conflict-exit-code: "
			    "'%s' is not a number from 0 to 255", optarg));
		o->busy_code = (long)n;
		break;
	case OPT_TIMEOUT:
		return (options_duration("--timeout", optarg, &o->timeout,
		    errp));
	case OPT_KILL_AFTER:
		o->kill_after_set = 1;
		return (options_duration("--kill-after", optarg,
		    &o->kill_after, errp));
	case OPT_REPLACE:
		o->replace = 1;
		break;
	case OPT_RESTART:
		if (strcmp(optarg, "always") == 0)
			o->restart = CONF_RESTART_TRUE;
		else if (strcmp(optarg, "on-failure") == 0)
			o->restart = CONF_RESTART_UNEXPECTED;
		else if (strcmp(optarg, "on-success") == 0)
			o->restart = CONF_RESTART_EXPECTED;
		else
			return (options_error(errp, "--restart: '%s' is not "
			    "always, on-failure or on-success", optarg));
		break;
	case 'v':
		o->verbose++;
		break;
	case 'q':
		o->quiet = 1;
		break;
	case OPT_SYSLOG:
		o->use_syslog = 1;
		break;
	case 'h':
		o->action = OPTIONS_HELP;
		break;
	case 'V':
		o->action = OPTIONS_VERSION;
		break;
	case ':':
		return (options_error(errp, "%s: missing argument",
		    argv[optind - 1]));
	default:
		return (options_unknown(argv[optind - 1], errp));
	}
	return (0);
}

/*
 * --zookeeper makes --semaphore fleet wide (--lock stays a local file);
 * the command's stop must fit in the session timeout (zk_recipe_budget):
 * a --kill-after too long is refused, the default cut down.
 */
static int
options_check_fleet(struct options *o, char **errp)
{
	struct zk_budget	b;

	if (o->zookeeper == NULL)
		return (0);
	if (o->config != NULL)
		return (options_error(errp, "--config excludes --zookeeper: "
		    "set zookeeper in [lockrun]"));
	if (o->semaphore == NULL)
		return (options_error(errp, "--zookeeper needs --semaphore "
		    "NAME --slots N (--lock PATH is always a local file)"));
	zk_recipe_budget(o->session_timeout, &b);
	if (o->kill_after <= b.stopwait)
		return (0);
	if (o->kill_after_set)
		return (options_error(errp, "--kill-after: %gs does not fit a "
		    "session timeout of %gs: the command must be gone before "
		    "the ZooKeeper session may expire, so at most %gs (or "
		    "raise --session-timeout)", o->kill_after,
		    o->session_timeout, b.stopwait));
	o->kill_after = b.stopwait;
	return (0);
}

/* The options that go together, or exclude each other, once all are read. */
static int
options_check(int argc, struct options *o, char **errp)
{
	if (o->semaphore != NULL && o->slots == 0)
		return (options_error(errp, "--semaphore needs --slots N"));
	if (o->slots != 0 && o->semaphore == NULL)
		return (options_error(errp, "--slots needs --semaphore NAME"));
	if (o->json && !o->status)
		return (options_error(errp, "--json goes with --status"));
	if (o->check && o->status)
		return (options_error(errp, "--check and --status exclude "
		    "each other"));
	if (o->no_wait && o->wait > 0)
		return (options_error(errp, "--no-wait and --wait exclude "
		    "each other"));
	if (options_check_fleet(o, errp) == -1)
		return (-1);
	if (o->fd != -1) {
		/* flock(1)'s "flock 9": lock for the shell, run nothing. */
		if (o->config != NULL || o->nlocks > 0 ||
		    o->semaphore != NULL || o->status || o->check)
			return (options_error(errp, "--fd excludes --config, "
			    "--lock, --semaphore and --status"));
		if (o->timeout > 0 || o->kill_after_set || o->close ||
		    o->replace || o->restart != CONF_RESTART_FALSE)
			return (options_error(errp, "--fd runs no command: "
			    "--timeout, --kill-after, --close, --replace and "
			    "--restart do not apply"));
		if (optind < argc)
			return (options_error(errp, "--fd runs no command: it "
			    "locks the file that descriptor %d is open on, and "
			    "the lock stays with whoever keeps it open (give "
			    "--lock PATH to run a command)", o->fd));
		return (0);
	}
	if (o->config != NULL) {
		if (o->nlocks > 0 || o->semaphore != NULL || o->shared ||
		    o->close)
			return (options_error(errp, "--config excludes --lock, "
			    "--shared, --close and --semaphore"));
		if (o->wait > 0 || o->timeout > 0 || o->kill_after_set)
			return (options_error(errp, "--config excludes --wait, "
			    "--timeout and --kill-after: set wait_timeout, "
			    "timeout and stopwaitsecs in the file"));
		if (o->replace || o->restart != CONF_RESTART_FALSE)
			return (options_error(errp, "--config excludes "
			    "--replace and --restart: set on_running = "
			    "replace and autorestart in the file"));
		return (0);
	}
	if (o->check)
		return (options_error(errp, "--check needs --config FILE"));
	if (options_check_duplicates(o, errp) == -1)
		return (-1);
	/* Whose command to stop: the one holding the one --lock. */
	if (o->replace && (o->nlocks != 1 || o->shared))
		return (options_error(errp, "--replace needs exactly one "
		    "--lock PATH, exclusive: the lock whose holder it stops"));
	if (o->replace && o->no_wait)
		return (options_error(errp, "--replace and --no-wait exclude "
		    "each other: replacing means waiting for the holder to "
		    "stop"));
	if (o->nlocks == 0 && o->semaphore == NULL && !o->status)
		return (options_error(errp, "nothing to lock: give --lock PATH, "
		    "--semaphore NAME --slots N, or --config FILE"));
	if (o->status && optind < argc)
		return (options_error(errp, "--status runs no command"));
	if (o->status && (o->replace || o->restart != CONF_RESTART_FALSE))
		return (options_error(errp, "--status excludes --replace and "
		    "--restart"));
	if (!o->status && optind >= argc)
		return (options_error(errp, "no command given"));
	return (0);
}

/*
 * Parse the command line into o; *first gets the index of the first
 * operand (the command, or the job names). 0 when it is good (o->action
 * says what to do: --help and --version end the parse where they stand);
 * -1 and *errp a message (to be freed) when it is not. o points into argv.
 * Either way, options_free(o) frees what it holds.
 */
int
options_parse(int argc, char **argv, struct options *o, int *first,
    char **errp)
{
	int	ch;

	memset(o, 0, sizeof(*o));
	o->action = OPTIONS_RUN;
	o->fd = -1;
	o->busy_code = -1;
	o->kill_after = LOCKRUN_DEFAULT_STOPWAIT;
	o->session_timeout = LOCKRUN_DEFAULT_SESSION;
	*errp = NULL;
	*first = argc;
	opterr = 0;
	optind = 0;		/* glibc: start afresh, as on a first call */
	/*
	 * "+": stop at the command, so its own flags are left alone; ":":
	 * a missing argument is ':', not an unknown option.
	 */
	while ((ch = getopt_long(argc, argv, "+:c:l:sonw:E:vqhV",
	    options_long, NULL)) != -1) {
		if (options_one(ch, argv, o, errp) == -1)
			return (-1);
		if (o->action != OPTIONS_RUN)
			return (0);
	}
	if (options_check(argc, o, errp) == -1)
		return (-1);
	*first = optind;
	return (0);
}

/* Free what options_parse made (not the strings, which are argv's). */
void
options_free(struct options *o)
{
	free(o->locks);
	o->locks = NULL;
	o->nlocks = 0;
}
