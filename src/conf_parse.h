/*
 * conf_parse.h: what the files of the job file parser share (conf.c,
 * conf_ini.c, conf_keys.c). Private: the rest of lockrun includes conf.h.
 */
#ifndef LOCKRUN_CONF_PARSE_H
#define LOCKRUN_CONF_PARSE_H

#include <stddef.h>
#include <stdio.h>

#include "conf.h"

enum conf_section {
	CONF_SEC_NONE,
	CONF_SEC_LOCKRUN,
	CONF_SEC_JOB,
	CONF_SEC_SEM,
	CONF_SEC_LOCK,
};

#define CONF_EXPECT_SECTION	\
	"expected [lockrun], [job:NAME], [program:NAME], [semaphore:NAME] or " \
	"[lock:NAME]"

/* supervisord's default startsecs, for a [program:NAME] section. */
#define CONF_SUPERVISORD_STARTSECS	1.0

/* A "semaphore =" entry, resolved once the whole file is read. */
struct conf_semref {
	size_t	 job;
	char	*name;
	int	 line;
};

/* One parse of one file: conf_load's state, shared by the conf files. */
struct conf_parse {
	struct conf		*c;
	const char		*path;
	FILE			*f;
	char			*here;
	char			 host[256];	/* %(host_node_name)s */

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
	int			 pinstance;	/* it may be per instance */
	int			 templated;	/* its value is a template */

	struct conf_semref	*refs;
	size_t			 nrefs;

	/* Room in c->jobs, c->sems and refs: they grow by doubling. */
	size_t			 jobcap;
	size_t			 semcap;
	size_t			 lockcap;
	size_t			 refcap;
};

/* conf.c */
void		 conf_error(struct conf_parse *, int, const char *,
		    const char *, ...) __attribute__((format(printf, 4, 5)));
const char	*conf_show(struct conf_parse *, const char *);
void		 conf_strv_free(char **);
void		*conf_grow(void *, size_t, size_t *, size_t);
struct conf_job	*conf_add_job(struct conf_parse *, const char *);
struct conf_sem	*conf_add_sem(struct conf_parse *, const char *);

/* Record an error about the value of the key being applied. */
#define conf_key_error(p, ...)	\
	conf_error((p), (p)->pline, (p)->pname, __VA_ARGS__)

/* conf_ini.c */
int		 conf_ini_parse(struct conf_parse *);

/* conf_keys.c */
size_t		 conf_keys_count(void);
int		 conf_section(struct conf_parse *, const char *);
int		 conf_flush(struct conf_parse *);

#endif
