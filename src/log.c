/* log.c: one-line messages on stderr or to syslog. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"

static const char	*log_prog = "lockrun";
static enum log_level	 log_level = LOG_LEVEL_INFO;
static int		 log_syslog;
static char		 log_status_line[512];	/* drawn on a terminal, or "" */

/* Erase the status line, if one is drawn. */
static void
log_status_erase(void)
{
	if (log_status_line[0] != '\0')
		fputs("\r\033[K", stderr);
}

/* Draw it again after a message. */
static void
log_status_draw(void)
{
	if (log_status_line[0] != '\0') {
		fputs(log_status_line, stderr);
		fflush(stderr);
	}
}

/* Set the program name, the level and whether messages go to syslog. */
void
log_init(const char *prog, enum log_level level, int use_syslog)
{
	log_prog = prog;
	log_level = level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_level(enum log_level level)
{
	log_level = level;
}

enum log_level
log_get_level(void)
{
	return (log_level);
}

/* Would a message of this level be written? (Describing can cost.) */
int
log_enabled(enum log_level level)
{
	return (level <= log_level);
}

/*
 * Is our stderr the journal? systemd says so in $JOURNAL_STREAM, "DEV:INO"
 * of the stream it connected; a child that got another stderr inherits the
 * variable, so only a matching device and inode count.
 */
int
log_to_journal(void)
{
	const char		*env = getenv("JOURNAL_STREAM");
	struct stat		 st;
	unsigned long long	 dev, ino;
	char			 end;

	if (env == NULL || sscanf(env, "%llu:%llu%c", &dev, &ino, &end) != 2)
		return (0);
	if (fstat(STDERR_FILENO, &st) == -1)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

/* Parse error, warn, info or debug. */
int
log_parse_level(const char *s, enum log_level *out)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	size_t	i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

static void
log_vwrite(enum log_level level, const char *err, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	char	msg[2048];
	int	n;

	if (level > log_level)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n >= 0 && err != NULL && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - n, ": %s", err);
	if (log_syslog)
		syslog(prio[level], "%s", msg);
	else {
		log_status_erase();
		fprintf(stderr, "%s: %s\n", log_prog, msg);
		log_status_draw();
	}
}

/* Can a status line be drawn: stderr is a terminal we log to, not quiet? */
int
log_status_possible(void)
{
	return (!log_syslog && log_level >= LOG_LEVEL_WARN &&
	    isatty(STDERR_FILENO));
}

/*
 * Draw (or with NULL, erase) the one updating status line on the terminal;
 * log messages go above it. Nothing is drawn unless log_status_possible().
 */
void
log_status(const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (fmt == NULL || !log_status_possible()) {
		log_status_erase();
		log_status_line[0] = '\0';
		fflush(stderr);
		return;
	}
	log_status_erase();
	n = snprintf(log_status_line, sizeof(log_status_line), "%s: ",
	    log_prog);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(log_status_line))
		vsnprintf(log_status_line + n, sizeof(log_status_line) - n,
		    fmt, ap);
	va_end(ap);
	log_status_draw();
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERROR, NULL, fmt, ap);
	va_end(ap);
}

/* A warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}
