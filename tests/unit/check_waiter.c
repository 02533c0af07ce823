/* check_waiter.c: all-or-nothing acquisition, wake-ups, deadline. */
#include "config.h"

#include <sys/file.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lock.h"
#include "util.h"

#include "waiter.h"

#include "check_common.h"

static int	cb_calls, cb_result, cb_errno;

static void
setup(void)
{
	tmpdir_setup();
	cb_calls = 0;
	cb_result = 1;
	cb_errno = 0;
}


static void
test_lock_init(struct lock *l, const char *name, enum lock_mode mode)
{
	char	*p;

	util_xasprintf(&p, "%s/%s", tmpdir, name);
	lock_init(l, p, mode);
	free(p);
}

static void
record_cb(struct waiter *w, int result, void *arg)
{
	(void)w;
	(void)arg;
	cb_calls++;
	cb_result = result;
	cb_errno = errno;
}

static void
guard_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)t;
	(void)revents;
	ev_break(loop, EVBREAK_ALL);
}

/* Run the loop until the waiter reports, or a generous guard expires. */
static void
run_until_called(struct ev_loop *loop)
{
	ev_timer	guard;

	ev_timer_init(&guard, guard_cb, 30., 0.);
	ev_timer_start(loop, &guard);
	while (cb_calls == 0 && ev_is_active(&guard))
		ev_run(loop, EVRUN_ONCE);
	ev_timer_stop(loop, &guard);
}

START_TEST(test_waiter_all_or_nothing)
{
	struct lock	a, b, other_b, holder_b;
	struct waiter	w;

	test_lock_init(&a, "a.lock", LOCK_EXCLUSIVE);
	test_lock_init(&b, "b.lock", LOCK_EXCLUSIVE);
	test_lock_init(&holder_b, "b.lock", LOCK_EXCLUSIVE);
	test_lock_init(&other_b, "b.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder_b), 0);

	waiter_init(&w);
	waiter_add_lock(&w, &b);
	waiter_add_lock(&w, &a);
	ck_assert_int_eq(waiter_try(&w), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	ck_assert_str_eq(waiter_busy_path(&w), b.path);
	ck_assert(!a.held);		/* taken in the attempt, given back */
	ck_assert(!b.held);
	/* Items are tried in path order whatever the order of adding. */
	ck_assert_str_eq(w.items[0].key, a.path);

	lock_release(&holder_b);
	ck_assert_int_eq(waiter_try(&w), 0);
	ck_assert(a.held && b.held);
	ck_assert_int_eq(lock_try(&other_b), -1);
	waiter_clear(&w);
	lock_free(&a);
	lock_free(&b);
	lock_free(&holder_b);
	lock_free(&other_b);
}
END_TEST

START_TEST(test_waiter_wakes_on_close)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct lock	 mine, holder;
	struct waiter	 w;
	int		 i;

	test_lock_init(&mine, "x.lock", LOCK_EXCLUSIVE);
	test_lock_init(&holder, "x.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add_lock(&w, &mine);
	waiter_start(&w, loop, 0, 60, record_cb, NULL);
	/* Make the fallback timer irrelevant: its next retry is 15 s away. */
	w.backoff = 30;
	ev_run(loop, EVRUN_ONCE);	/* the first attempt fails */
	ck_assert_int_eq(cb_calls, 0);
	ck_assert(ev_timer_remaining(loop, &w.retry) > 10);

	/* The last close of the holder's file is the wake-up. */
	lock_close(&holder);
	for (i = 0; i < 10 && cb_calls == 0; i++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, 0);
	ck_assert(mine.held);
	waiter_clear(&w);
	lock_free(&mine);
	lock_free(&holder);
}
END_TEST

START_TEST(test_waiter_fallback_timer_sees_unlock)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct lock	 mine, holder;
	struct waiter	 w;

	test_lock_init(&mine, "y.lock", LOCK_EXCLUSIVE);
	test_lock_init(&holder, "y.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add_lock(&w, &mine);
	waiter_start(&w, loop, 0, 0.05, record_cb, NULL);
	ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 0);
	/* LOCK_UN with the file kept open sends no event: the timer finds it. */
	lock_release(&holder);
	run_until_called(loop);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, 0);
	waiter_clear(&w);
	lock_free(&mine);
	lock_free(&holder);
}
END_TEST

START_TEST(test_waiter_deadline)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct lock	 mine, holder;
	struct waiter	 w;

	test_lock_init(&mine, "z.lock", LOCK_EXCLUSIVE);
	test_lock_init(&holder, "z.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add_lock(&w, &mine);
	waiter_start(&w, loop, 0.2, 0.05, record_cb, NULL);
	run_until_called(loop);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, -1);
	ck_assert_int_eq(cb_errno, ETIMEDOUT);
	ck_assert(!mine.held);
	waiter_clear(&w);
	lock_free(&mine);
	lock_free(&holder);
}
END_TEST

START_TEST(test_waiter_semaphore_slot_freed)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct sem	 held[2], mine;
	struct waiter	 w;
	int		 i;

	for (i = 0; i < 2; i++) {
		sem_init(&held[i], tmpdir, "s", 2, LOCKDIR_SLOT);
		ck_assert_int_eq(sem_try(&held[i]), 0);
	}
	sem_init(&mine, tmpdir, "s", 2, LOCKDIR_SLOT);
	waiter_init(&w);
	waiter_add_sem(&w, &mine);
	waiter_start(&w, loop, 0, 60, record_cb, NULL);
	w.backoff = 30;
	ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 0);
	sem_close(&held[1]);
	for (i = 0; i < 10 && cb_calls == 0; i++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, 0);
	ck_assert_int_ne(mine.held, held[0].held);
	waiter_clear(&w);
	for (i = 0; i < 2; i++)
		sem_free(&held[i]);
	sem_free(&mine);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("waiter");
	TCase	*tc = tcase_create("waiter");

	tcase_add_checked_fixture(tc, setup, tmpdir_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_waiter_all_or_nothing);
	tcase_add_test(tc, test_waiter_wakes_on_close);
	tcase_add_test(tc, test_waiter_fallback_timer_sees_unlock);
	tcase_add_test(tc, test_waiter_deadline);
	tcase_add_test(tc, test_waiter_semaphore_slot_freed);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
