/* log.h: one-line messages on stderr or to syslog. */
#ifndef LOCKRUN_LOG_H
#define LOCKRUN_LOG_H

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void	log_init(const char *, enum log_level, int);
void	log_set_level(enum log_level);
enum log_level log_get_level(void);
int	log_parse_level(const char *, enum log_level *);
int	log_enabled(enum log_level);
int	log_to_journal(void);

int	log_status_possible(void);
void	log_status(const char *, ...) __attribute__((format(printf, 1, 2)));

void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
