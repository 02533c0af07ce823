/* conf_hash.h: names to indexes, so that a job file's sections are found
 * in constant time. Private to the conf files. */
#ifndef LOCKRUN_CONF_HASH_H
#define LOCKRUN_CONF_HASH_H

#include <stddef.h>

struct conf_hash_slot {
	const char	*key;		/* NULL: empty */
	size_t		 value;
};

/* All zero is an empty table. Keys are not copied: they must outlive it. */
struct conf_hash {
	struct conf_hash_slot	*slots;
	size_t			 cap;	/* 0, or a power of two */
	size_t			 n;
};

int	conf_hash_add(struct conf_hash *, const char *, size_t);
int	conf_hash_find(const struct conf_hash *, const char *, size_t *);
void	conf_hash_free(struct conf_hash *);

#endif
