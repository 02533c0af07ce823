/*
 * conf_hash.c: names to indexes, for the jobs and semaphores of a job file.
 * Open addressing with linear probing; the table is never more than half
 * full, so a probe ends soon. No removal: a job file only grows.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf_hash.h"
#include "util.h"

#define CONF_HASH_MIN	16

/* FNV-1a of s: names in a job file are short and come from its author. */
static size_t
conf_hash_of(const char *s)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return ((size_t)h);
}

/* The slot that holds key, or the empty one where it would go. */
static struct conf_hash_slot *
conf_hash_slot(const struct conf_hash *h, const char *key)
{
	size_t	i, mask = h->cap - 1;

	i = conf_hash_of(key) & mask;
	while (h->slots[i].key != NULL && strcmp(h->slots[i].key, key) != 0)
		i = (i + 1) & mask;
	return (&h->slots[i]);
}

/* Double the table and put every key back in its new place. */
static void
conf_hash_grow(struct conf_hash *h)
{
	struct conf_hash_slot	*old = h->slots;
	size_t			 oldcap = h->cap, i;

	h->cap = oldcap != 0 ? oldcap * 2 : CONF_HASH_MIN;
	h->slots = util_xcalloc(h->cap, sizeof(*h->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key != NULL)
			*conf_hash_slot(h, old[i].key) = old[i];
	}
	free(old);
}

/* Map key to value; -1 with EEXIST if key is there already. */
int
conf_hash_add(struct conf_hash *h, const char *key, size_t value)
{
	struct conf_hash_slot	*s;

	if ((h->n + 1) * 2 > h->cap)
		conf_hash_grow(h);
	s = conf_hash_slot(h, key);
	if (s->key != NULL) {
		errno = EEXIST;
		return (-1);
	}
	s->key = key;
	s->value = value;
	h->n++;
	return (0);
}

/* The value of key into *value; -1 if key is not there. */
int
conf_hash_find(const struct conf_hash *h, const char *key, size_t *value)
{
	const struct conf_hash_slot	*s;

	if (h->cap == 0)
		return (-1);
	s = conf_hash_slot(h, key);
	if (s->key == NULL)
		return (-1);
	*value = s->value;
	return (0);
}

/* Free the table and leave it empty. */
void
conf_hash_free(struct conf_hash *h)
{
	free(h->slots);
	memset(h, 0, sizeof(*h));
}
