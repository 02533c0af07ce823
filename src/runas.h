/* runas.h: acting as a job's user (user =), for what root does for it. */
#ifndef LOCKRUN_RUNAS_H
#define LOCKRUN_RUNAS_H

#include <sys/types.h>

struct runas {
	uid_t	 uid;
	gid_t	 gid;
	gid_t	*groups;	/* initgroups(3)'s list */
	int	 ngroups;
	/* What to go back to. */
	gid_t	*saved;
	int	 nsaved;
	gid_t	 saved_egid;
};

int	runas_lookup(struct runas *, const char *);
void	runas_copy(struct runas *, const struct runas *);
int	runas_on(struct runas *);
void	runas_off(struct runas *);
void	runas_free(struct runas *);

#endif
