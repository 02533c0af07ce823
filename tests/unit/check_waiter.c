/* check_waiter.c: all-or-nothing acquisition, wake-ups, deadline. */
#include "config.h"

#include <sys/file.h>

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "lock.h"
#include "res_file.h"
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

/* A lock file as a resource, for the waiter. */
static struct resource *
test_res(const char *name)
{
	struct resource	*r;
	char		*p;

	util_xasprintf(&p, "%s/%s", tmpdir, name);
	r = res_lock_new(p, LOCK_EXCLUSIVE, 0);
	free(p);
	return (r);
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
	struct resource	*a = test_res("a.lock"), *b = test_res("b.lock");
	struct lock	 other_b, holder_b;
	struct waiter	 w;

	test_lock_init(&holder_b, "b.lock", LOCK_EXCLUSIVE);
	test_lock_init(&other_b, "b.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder_b), 0);

	waiter_init(&w);
	waiter_add(&w, b);
	waiter_add(&w, a);
	ck_assert_int_eq(waiter_try(&w), -1);
	ck_assert_int_eq(errno, EWOULDBLOCK);
	ck_assert_str_eq(waiter_busy_path(&w), res_lock(b)->path);
	ck_assert(!res_lock(a)->held);	/* taken in the attempt, given back */
	ck_assert(!res_lock(b)->held);
	/* Items are tried in key order whatever the order of adding. */
	ck_assert_ptr_eq(w.items[0].res, a);

	lock_release(&holder_b);
	ck_assert_int_eq(waiter_try(&w), 0);
	ck_assert(res_lock(a)->held && res_lock(b)->held);
	ck_assert_int_eq(lock_try(&other_b), -1);
	waiter_clear(&w);
	resource_free(a);
	resource_free(b);
	lock_free(&holder_b);
	lock_free(&other_b);
}
END_TEST

START_TEST(test_waiter_wakes_on_close)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct resource	*mine = test_res("x.lock");
	struct lock	 holder;
	struct waiter	 w;
	int		 i;

	test_lock_init(&holder, "x.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add(&w, mine);
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
	ck_assert(res_lock(mine)->held);
	waiter_clear(&w);
	resource_free(mine);
	lock_free(&holder);
}
END_TEST

/* A resource kind made here, counting tries: it holds a lock file. */
struct counted {
	struct resource	 r;
	struct resource	*file;
	int		 tries;
};

static int
counted_try(struct resource *r)
{
	struct counted	*c = (struct counted *)r;

	c->tries++;
	return (resource_try(c->file));
}

static void
counted_release(struct resource *r)
{
	resource_release(((struct counted *)r)->file);
}

static const char *
counted_watch(const struct resource *r, size_t i)
{
	const struct counted	*c = (const struct counted *)r;

	return (c->file->ops->watch(c->file, i));
}

START_TEST(test_waiter_other_files_wake_nobody)
{
	struct ev_loop		*loop = ev_default_loop(0);
	struct resource_ops	 ops;
	struct counted		 c;
	struct lock		 holder, other;
	struct waiter		 w;
	int			 i, tries;

	/* A new kind of resource is the ops it fills in. */
	memset(&c, 0, sizeof(c));
	c.file = test_res("w.lock");
	ops = *c.file->ops;
	ops.kind = "counted";
	ops.try = counted_try;
	ops.release = counted_release;
	ops.watch = counted_watch;
	c.r.ops = &ops;
	c.r.key = c.file->key;
	c.r.shared = 0;
	c.tries = 0;
	test_lock_init(&holder, "w.lock", LOCK_EXCLUSIVE);
	test_lock_init(&other, "unrelated.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add(&w, &c.r);
	waiter_start(&w, loop, 0, 60, record_cb, NULL);
	w.backoff = 30;
	ev_run(loop, EVRUN_ONCE);
	tries = c.tries;
	ck_assert_int_ge(tries, 1);
	/* Another file of the same directory closed 20 times: no attempt. */
	for (i = 0; i < 20; i++) {
		ck_assert_int_eq(lock_try(&other), 0);
		lock_close(&other);
	}
	for (i = 0; i < 5; i++)
		ev_run(loop, EVRUN_NOWAIT);
	ck_assert_int_eq(c.tries, tries);
	ck_assert_int_eq(cb_calls, 0);
	/* Its own file's close does wake it. */
	lock_close(&holder);
	for (i = 0; i < 10 && cb_calls == 0; i++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, 0);
	waiter_clear(&w);
	resource_free(c.file);
	lock_free(&holder);
	lock_free(&other);
}
END_TEST

START_TEST(test_waiter_fallback_timer_sees_unlock)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct resource	*mine = test_res("y.lock");
	struct lock	 holder;
	struct waiter	 w;

	test_lock_init(&holder, "y.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add(&w, mine);
	waiter_start(&w, loop, 0, 0.05, record_cb, NULL);
	ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 0);
	/* LOCK_UN with the file kept open sends no event: the timer finds it. */
	lock_release(&holder);
	run_until_called(loop);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, 0);
	waiter_clear(&w);
	resource_free(mine);
	lock_free(&holder);
}
END_TEST

START_TEST(test_waiter_deadline)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct resource	*mine = test_res("z.lock");
	struct lock	 holder;
	struct waiter	 w;

	test_lock_init(&holder, "z.lock", LOCK_EXCLUSIVE);
	ck_assert_int_eq(lock_try(&holder), 0);

	waiter_init(&w);
	waiter_add(&w, mine);
	waiter_start(&w, loop, 0.2, 0.05, record_cb, NULL);
	run_until_called(loop);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, -1);
	ck_assert_int_eq(cb_errno, ETIMEDOUT);
	ck_assert(!res_lock(mine)->held);
	waiter_clear(&w);
	resource_free(mine);
	lock_free(&holder);
}
END_TEST

START_TEST(test_waiter_semaphore_slot_freed)
{
	struct ev_loop	*loop = ev_default_loop(0);
	struct sem	 held[2];
	struct resource	*mine;
	struct waiter	 w;
	int		 i;

	for (i = 0; i < 2; i++) {
		sem_init(&held[i], tmpdir, "s", 2, LOCKDIR_SLOT);
		ck_assert_int_eq(sem_try(&held[i]), 0);
	}
	mine = res_sem_new(tmpdir, "s", 2, LOCKDIR_SLOT, 0, 0);
	waiter_init(&w);
	waiter_add(&w, mine);
	waiter_start(&w, loop, 0, 60, record_cb, NULL);
	w.backoff = 30;
	ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 0);
	sem_close(&held[1]);
	for (i = 0; i < 10 && cb_calls == 0; i++)
		ev_run(loop, EVRUN_ONCE);
	ck_assert_int_eq(cb_calls, 1);
	ck_assert_int_eq(cb_result, 0);
	ck_assert_int_ne(res_sem(mine)->held, held[0].held);
	waiter_clear(&w);
	for (i = 0; i < 2; i++)
		sem_free(&held[i]);
	resource_free(mine);
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
	tcase_add_test(tc, test_waiter_other_files_wake_nobody);
	tcase_add_test(tc, test_waiter_fallback_timer_sees_unlock);
	tcase_add_test(tc, test_waiter_deadline);
	tcase_add_test(tc, test_waiter_semaphore_slot_freed);
	suite_add_tcase(s, tc);
	return (check_run(s));
}
