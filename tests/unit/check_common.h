/* check_common.h: what the unit tests share: a private directory, a runner. */
#ifndef LOCKRUN_CHECK_COMMON_H
#define LOCKRUN_CHECK_COMMON_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

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

	util_xasprintf(&cmd, "rm -rf '%s'", tmpdir);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
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
