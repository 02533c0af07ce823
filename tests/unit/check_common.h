/* check_common.h: what the unit tests share: a private directory, a runner. */
#ifndef LOCKRUN_CHECK_COMMON_H
#define LOCKRUN_CHECK_COMMON_H

#include <sys/stat.h>

#include <check.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "util.h"

/*
 * Each test runs in a process of its own (check's fork mode), so each gets
 * its own directory from the template, and a lock taken in one test is gone
 * in the next.
 */
static char	tmpdir[] __attribute__((unused)) = "/tmp/lockrun-check.XXXXXX";

static inline void
tmpdir_setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static inline void
tmpdir_teardown(void)
{
	char	*cmd;

	if (geteuid() != 0 && getresuid(&(uid_t){ 0 }, &(uid_t){ 0 },
	    &(uid_t){ 0 }) == 0) {
		(void)!setresuid(0, 0, 0);	/* after become_nobody */
		(void)!setresgid(0, 0, 0);
	}
	util_xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/*
 * Go on as user nobody (65534), in this test's process only (check forks
 * one per test), with the test directory open to all as /tmp is. 0 when we
 * are not root and cannot: the caller skips what needs another user.
 */
static inline int
become_nobody(void)
{
	if (geteuid() != 0)
		return (0);
	ck_assert_int_eq(chmod(tmpdir, 01777), 0);
	ck_assert_int_eq(setgroups(0, NULL), 0);
	/* The saved ids stay root's, for tmpdir_teardown to clean up. */
	ck_assert_int_eq(setresgid(65534, 65534, 0), 0);
	ck_assert_int_eq(setresuid(65534, 65534, 0), 0);
	return (1);
}

/* Run the suite; the exit status for the test driver. */
static inline int
check_run(Suite *s)
{
	SRunner	*sr = srunner_create(s);
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}

#endif
