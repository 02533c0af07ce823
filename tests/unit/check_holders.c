/* check_holders.c: who holds a lock, as /proc tells it; group leftovers. */
#include "config.h"

#include <sys/file.h>
#include <sys/wait.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group.h"
#include "holders.h"
#include "lockdir.h"
#include "util.h"

#include "check_common.h"

/*
 * Look up k in a fresh snapshot of /proc/locks, up to 50 times: the table
 * is read a page at a time, so an entry can slip between two reads while
 * other processes of the host take and drop locks.
 */
static size_t
find_lock(const struct holders_key *k, struct holders_lock *l)
{
	struct holders_table	t;
	size_t			n = 0;
	int			i;

	for (i = 0; i < 50 && n == 0; i++) {
		ck_assert_int_eq(holders_load(&t, 0), 0);
		n = holders_locks(&t, k, l, 1);
		holders_free(&t);
	}
	return (n);
}

START_TEST(test_holders_locker_and_live)
{
	struct holders_table	 t;
	struct holders_key	 k;
	struct holders_lock	 l;
	struct holder		 h[4];
	char			*p;
	int			 fd, pipefd[2], partial, shared;
	pid_t			 child, locker;
	char			 c;

	if (holders_load(&t, 0) == -1)
		return;			/* no /proc/locks here */
	holders_free(&t);
	util_xasprintf(&p, "%s/h.lock", tmpdir);
	ck_assert_int_ne(fd = open(p, O_RDWR | O_CREAT, 0644), -1);
	ck_assert_int_eq(flock(fd, LOCK_EX), 0);
	ck_assert_int_eq(holders_key_path(p, &k), 0);

	ck_assert_uint_eq(find_lock(&k, &l), 1);
	ck_assert_int_eq(l.pid, getpid());
	ck_assert_int_eq(l.shared, 0);
	ck_assert_int_eq(holders_pid_holds(getpid(), &k, &shared, &locker), 1);
	ck_assert_int_eq(locker, getpid());

	/* A child inherits it; we let go of our copy: the child holds it. */
	ck_assert_int_eq(pipe(pipefd), 0);
	if ((child = fork()) == 0) {
		close(pipefd[1]);
		(void)!read(pipefd[0], &c, 1);
		_exit(0);
	}
	close(pipefd[0]);
	close(fd);
	ck_assert_uint_eq(holders_live(&k, h, 4, &partial, 0), 1);
	ck_assert_int_eq(h[0].pid, child);
	ck_assert_int_eq(h[0].locker, getpid());	/* /proc/locks says us */
	ck_assert_int_eq(h[0].ppid, getpid());
	ck_assert_int_eq(holders_principal(h, 1), child);
	ck_assert_int_eq(holders_pid_holds(getpid(), &k, NULL, NULL), 0);
	close(pipefd[1]);
	ck_assert_int_eq(waitpid(child, NULL, 0), child);
	ck_assert_uint_eq(holders_live(&k, h, 4, &partial, 0), 0);
	free(p);
}
END_TEST

START_TEST(test_holders_many_locks_read_whole)
{
	struct holders_table	 t;
	struct holders_key	 k;
	struct holders_lock	 l;
	char			*p;
	int			 i, fds[300];

	if (holders_load(&t, 0) == -1)
		return;
	holders_free(&t);
	/* More than one read(2) of /proc/locks: the last one is found too. */
	for (i = 0; i < 300; i++) {
		util_xasprintf(&p, "%s/m%03d.lock", tmpdir, i);
		ck_assert_int_ne(fds[i] = open(p, O_RDWR | O_CREAT, 0644), -1);
		ck_assert_int_eq(flock(fds[i], i % 2 ? LOCK_SH : LOCK_EX), 0);
		if (i == 299)
			ck_assert_int_eq(holders_key_path(p, &k), 0);
		free(p);
	}
	ck_assert_int_eq(holders_load(&t, 0), 0);
	ck_assert_uint_ge(t.n, 250);	/* some may slip by, see find_lock */
	holders_free(&t);
	ck_assert_uint_eq(find_lock(&k, &l), 1);
	ck_assert_int_eq(l.shared, 1);
	for (i = 0; i < 300; i++)
		close(fds[i]);
}
END_TEST

START_TEST(test_holders_principal_prefers_the_job)
{
	struct holder	h[3];

	memset(h, 0, sizeof(h));
	/* lockrun 10 took it; job 11 inherited it; its child 12 too. */
	h[0].pid = 12; h[0].ppid = 11; h[0].locker = 10; h[0].since = 5;
	h[1].pid = 10; h[1].ppid = 1; h[1].locker = 10; h[1].since = 3;
	h[2].pid = 11; h[2].ppid = 10; h[2].locker = 10; h[2].since = 4;
	ck_assert_int_eq(holders_principal(h, 3), 11);
	/* Only lockrun: it waits for the rest. */
	ck_assert_int_eq(holders_principal(&h[1], 1), 10);
	ck_assert_int_eq(holders_principal(h, 0), -1);
}
END_TEST

START_TEST(test_group_leftovers_of_a_gone_leader)
{
	pid_t	leader, member;
	int	p[2], i, n = -1;
	char	c;

	/* A leader in its own group, with a member that outlives it. */
	ck_assert_int_eq(pipe(p), 0);
	if ((leader = fork()) == 0) {
		setpgid(0, 0);
		if (fork() == 0) {
			close(p[1]);
			(void)!read(p[0], &c, 1);
			_exit(0);
		}
		_exit(0);
	}
	close(p[0]);
	ck_assert_int_eq(waitpid(leader, NULL, 0), leader);
	/*
	 * The member is an orphan now, our descendant only if we are a
	 * subreaper; either way group_signal must count it or give up.
	 */
	for (i = 0; i < 100 && (n = group_signal(leader, 0)) == 0; i++)
		usleep(10000);
	if (n == -1)
		return;			/* no /proc children lists */
	(void)member;
	close(p[1]);
	for (i = 0; i < 500 && (n = group_signal(leader, 0)) > 0; i++)
		usleep(10000);
	ck_assert_int_eq(n, 0);
}
END_TEST

START_TEST(test_group_ignores_strangers)
{
	/* Our own pgid's number, not our descendants': nothing to signal. */
	ck_assert_int_le(group_signal(getppid(), SIGCONT), 0);
}
END_TEST

START_TEST(test_lockdir_names)
{
	char	*p;

	p = lockdir_pid_file("/d", "backup");
	ck_assert_str_eq(p, "/d/backup.pid");
	free(p);
	p = lockdir_slot_file("/d", "gpu", 3, LOCKDIR_SLOT);
	ck_assert_str_eq(p, "/d/gpu.03.lock");	/* portalocker's naming */
	free(p);
	p = lockdir_slot_file("/d", "w", 120, LOCKDIR_INSTANCE);
	ck_assert_str_eq(p, "/d/w.120.pid");
	free(p);
	p = lockdir_lock_file("/d", "db");
	ck_assert_str_eq(p, "/d/db.lock");
	free(p);
	p = lockdir_replace_file("/d", "backup");
	ck_assert_str_eq(p, "/d/backup.replace");
	free(p);
	p = lockdir_size_file("/d", "gpu");
	ck_assert_str_eq(p, "/d/gpu.slots");
	free(p);
	ck_assert_int_eq(lockdir_slot_of("gpu.11.lock", "gpu", 12,
	    LOCKDIR_SLOT), 11);
	ck_assert_int_eq(lockdir_slot_of("gpu.12.lock", "gpu", 12,
	    LOCKDIR_SLOT), -1);
	ck_assert_int_eq(lockdir_slot_of("gpu.11.pid", "gpu", 12,
	    LOCKDIR_SLOT), -1);
	ck_assert_int_eq(lockdir_slot_of("gpu.11.pid", "gpu", 12,
	    LOCKDIR_INSTANCE), 11);
	ck_assert_int_eq(lockdir_slot_of("gpux.01.lock", "gpu", 12,
	    LOCKDIR_SLOT), -1);
}
END_TEST

/* A queue ticket has one spelling: any other is not a ticket. */
START_TEST(test_lockdir_ticket_names)
{
	static const char *const bad[] = {
		"", "0123456789abcdef", "0123456789abcdef.", "0123456789abcdef.1",
		"0123456789abcdef.1.", "0123456789abcdef.01.w",
		"0123456789abcdef.0.w", "0123456789ABCDEF.1.w",
		"0123456789abcdeg.1.w", "0123456789abcde.1.w",
		"0123456789abcdef0.1.w", "0123456789abcdef.1.x",
		"0123456789abcdef.1.wx", "0123456789abcdef.2147483648.w",
		"0123456789abcdef.99999999999999999999.r", ".0123456789abcdef.1.w",
	};
	struct lockdir_ticket	t, u;
	char			name[LOCKDIR_TICKET_MAX + 1];
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		ck_assert_msg(lockdir_ticket_parse(bad[i], &t) == -1, "%s",
		    bad[i]);
	ck_assert_int_eq(lockdir_ticket_parse("00000000000000ff.2147483647.r",
	    &t), 0);
	ck_assert(t.arrival == 0xff && t.pid == 2147483647UL && t.reader);
	/* What lockdir_ticket_name writes reads back the same. */
	u.arrival = 0xfedcba9876543210ULL;
	u.pid = 4194304;
	u.reader = 0;
	lockdir_ticket_name(&u, name, sizeof(name));
	ck_assert_str_eq(name, "fedcba9876543210.4194304.w");
	ck_assert_int_eq(lockdir_ticket_parse(name, &t), 0);
	ck_assert(t.arrival == u.arrival && t.pid == u.pid && !t.reader);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("holders");
	TCase	*tc = tcase_create("holders");

	tcase_add_checked_fixture(tc, tmpdir_setup, tmpdir_teardown);
	tcase_add_test(tc, test_holders_locker_and_live);
	tcase_add_test(tc, test_holders_many_locks_read_whole);
	tcase_add_test(tc, test_holders_principal_prefers_the_job);
	tcase_add_test(tc, test_group_leftovers_of_a_gone_leader);
	tcase_add_test(tc, test_group_ignores_strangers);
	tcase_add_test(tc, test_lockdir_names);
	tcase_add_test(tc, test_lockdir_ticket_names);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
