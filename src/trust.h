/* trust.h: what lockrun trusts on a host shared with other users. */
#ifndef LOCKRUN_TRUST_H
#define LOCKRUN_TRUST_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stddef.h>

int	trust_owner(uid_t);
void	trust_user_name(uid_t, char *, size_t);
int	trust_dir(const char *, char *, size_t);
int	trust_parent(const char *, char *, size_t);
int	trust_file_path(const char *, char **, char *, size_t);
int	trust_file(const struct stat *, const char *, int, char *, size_t);
int	trust_open_append(const char *, mode_t, char *, size_t);

#endif
