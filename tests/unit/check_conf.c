/* check_conf.c: unit tests for conf.c, the job file parser. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "conf.h"
#include "conf_hash.h"
#include "util.h"

#define CONF_TEST_NAME	200	/* longest name conf.c takes */

static char	test_dir[PATH_MAX];
static char	test_path[PATH_MAX + 32];
static int	test_nfiles;

/* Write content to a new file in the test directory; its path (static). */
static const char *
test_ini(const char *content)
{
	FILE	*f;

	snprintf(test_path, sizeof(test_path), "%s/t%d.ini", test_dir,
	    test_nfiles++);
	f = fopen(test_path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fputs(content, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
	return (test_path);
}

/* Load content; it must fail with "PATH:" followed by want. */
static void
test_expect_error(const char *content, const char *want)
{
	struct conf	 c;
	char		 err[1024], *full;
	const char	*path;

	path = test_ini(content);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	util_xasprintf(&full, "%s:%s", path, want);
	ck_assert_str_eq(err, full);
	free(full);
	/* Left as conf_init does, for conf_free. */
	ck_assert_ptr_null(c.jobs);
	ck_assert_ptr_null(c.sems);
	ck_assert_ptr_null(c.path);
	ck_assert_uint_eq(c.njobs, 0);
	conf_free(&c);
}

/* Load content; it must fail with an error starting "PATH:" + prefix. */
static void
test_expect_prefix(const char *content, const char *prefix)
{
	struct conf	 c;
	char		 err[1024], *full;
	const char	*path;

	path = test_ini(content);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	util_xasprintf(&full, "%s:%s", path, prefix);
	ck_assert_msg(strncmp(err, full, strlen(full)) == 0,
	    "error \"%s\" does not start with \"%s\"", err, full);
	free(full);
	conf_free(&c);
}

/* Load content; it must succeed. */
static void
test_expect_ok(struct conf *c, const char *content)
{
	char	err[1024] = "";

	ck_assert_msg(conf_load(c, test_ini(content), err, sizeof(err)) == 0,
	    "unexpected error: %s", err);
}

START_TEST(test_conf_full)
{
	struct conf	 c;
	struct conf_job	*j;

	test_expect_ok(&c,
	    "; every key\n"
	    "[lockrun]\n"
	    "lock_dir = /var/lock/lockrun\n"
	    "busy_exit_code = 3\n"
	    "log = syslog\n"
	    "log_level = debug\n"
	    "\n"
	    "[semaphore:heavy]\n"
	    "slots = 2\n"
	    "[semaphore:gpu]\n"
	    "slots = 1024\n"
	    "\n"
	    "[job:backup]\n"
	    "command = /usr/local/bin/backup --full >> /tmp/b.log 2>&1   ; sh\n"
	    "singleton = no\n"
	    "on_running = fail\n"
	    "semaphore = gpu, heavy\n"
	    "locks = db:shared, cache, net:exclusive\n"
	    "wait_timeout = 10m\n"
	    "retry_interval = 250ms\n"
	    "timeout = 2h\n"
	    "stopsignal = SIGINT\n"
	    "stopwaitsecs = 30s\n"
	    "autorestart = unexpected\n"
	    "exitcodes = 2, 255\n"
	    "startretries = 7\n"
	    "numprocs = 4\n"
	    "directory = /srv/backup\n"
	    "environment = MODE=\"full\",TMPDIR=/srv/tmp\n"
	    "nice = -5\n"
	    "ioclass = best-effort:6\n"
	    "stdout_logfile = /tmp/backup.out\n"
	    "stderr_logfile = /tmp/backup.err\n"
	    "redirect_stderr = true\n");

	ck_assert_str_eq(c.lock_dir, "/var/lock/lockrun");
	ck_assert_int_eq(c.busy_exit_code, 3);
	ck_assert_int_eq(c.has_busy_exit_code, 1);
	ck_assert_str_eq(c.log, "syslog");
	ck_assert_str_eq(c.log_level, "debug");
	ck_assert_uint_eq(c.nsems, 2);
	ck_assert_str_eq(c.sems[0].name, "heavy");
	ck_assert_uint_eq(c.sems[0].slots, 2);
	ck_assert_int_eq(c.sems[0].line, 8);
	ck_assert_uint_eq(c.sems[1].slots, 1024);

	ck_assert_uint_eq(c.njobs, 1);
	j = &c.jobs[0];
	ck_assert_str_eq(j->name, "backup");
	ck_assert_int_eq(j->line, 13);
	ck_assert_str_eq(j->command,
	    "/usr/local/bin/backup --full >> /tmp/b.log 2>&1");
	ck_assert_ptr_null(j->argv);
	ck_assert_int_eq(j->singleton, 0);
	ck_assert_int_eq(j->on_running, CONF_ON_RUNNING_FAIL);
	ck_assert_uint_eq(j->nsems, 2);
	ck_assert_uint_eq(j->sems[0], 1);
	ck_assert_uint_eq(j->sems[1], 0);
	ck_assert_uint_eq(j->nlocks, 3);
	ck_assert_str_eq(j->locks[0].name, "db");
	ck_assert_int_eq(j->locks[0].shared, 1);
	ck_assert_int_eq(j->locks[0].is_path, 0);
	ck_assert_str_eq(j->locks[1].name, "cache");
	ck_assert_int_eq(j->locks[1].shared, 0);
	ck_assert_str_eq(j->locks[2].name, "net");
	ck_assert_int_eq(j->locks[2].shared, 0);
	ck_assert_double_eq(j->wait_timeout, 600);
	ck_assert_double_eq_tol(j->retry_interval, 0.25, 1e-9);
	ck_assert_double_eq(j->timeout, 7200);
	ck_assert_int_eq(j->stopsignal, SIGINT);
	ck_assert_double_eq(j->stopwaitsecs, 30);
	ck_assert_int_eq(j->autorestart, CONF_RESTART_UNEXPECTED);
	ck_assert_int_eq(conf_exitcode_expected(j, 0), 0);
	ck_assert_int_eq(conf_exitcode_expected(j, 2), 1);
	ck_assert_int_eq(conf_exitcode_expected(j, 255), 1);
	ck_assert_int_eq(conf_exitcode_expected(j, 1), 0);
	ck_assert_uint_eq(j->startretries, 7);
	ck_assert_uint_eq(j->numprocs, 4);
	ck_assert_str_eq(j->directory, "/srv/backup");
	ck_assert_uint_eq(j->nenvironment, 2);
	ck_assert_str_eq(j->environment[0], "MODE=full");
	ck_assert_str_eq(j->environment[1], "TMPDIR=/srv/tmp");
	ck_assert_ptr_null(j->environment[2]);
	ck_assert_int_eq(j->has_nice, 1);
	ck_assert_int_eq(j->nice, -5);
	ck_assert_int_eq(j->ioclass, CONF_IOCLASS_BEST_EFFORT);
	ck_assert_int_eq(j->iolevel, 6);
	ck_assert_str_eq(j->stdout_logfile, "/tmp/backup.out");
	ck_assert_str_eq(j->stderr_logfile, "/tmp/backup.err");
	ck_assert_int_eq(j->redirect_stderr, 1);
	ck_assert_str_eq(c.path, test_path);
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_defaults)
{
	struct conf	 c;
	struct conf_job	*j, adhoc;

	test_expect_ok(&c, "[job:a]\ncommand = true\n");
	ck_assert_ptr_null(c.lock_dir);
	ck_assert_int_eq(c.busy_exit_code, LOCKRUN_DEFAULT_BUSY_EXIT);
	ck_assert_int_eq(c.has_busy_exit_code, 0);
	ck_assert_ptr_null(c.log);
	ck_assert_ptr_null(c.log_level);
	ck_assert_uint_eq(c.nsems, 0);
	ck_assert_uint_eq(c.njobs, 1);
	j = &c.jobs[0];
	ck_assert_int_eq(j->line, 1);
	ck_assert_int_eq(j->singleton, 1);
	ck_assert_int_eq(j->on_running, CONF_ON_RUNNING_SKIP);
	ck_assert_uint_eq(j->nsems, 0);
	ck_assert_uint_eq(j->nlocks, 0);
	ck_assert_double_eq(j->wait_timeout, 0);
	ck_assert_double_eq(j->retry_interval, LOCKRUN_DEFAULT_RETRY);
	ck_assert_double_eq(j->timeout, 0);
	ck_assert_int_eq(j->stopsignal, SIGTERM);
	ck_assert_double_eq(j->stopwaitsecs, LOCKRUN_DEFAULT_STOPWAIT);
	ck_assert_int_eq(j->autorestart, CONF_RESTART_FALSE);
	ck_assert_int_eq(conf_exitcode_expected(j, 0), 1);
	ck_assert_int_eq(conf_exitcode_expected(j, 1), 0);
	ck_assert_uint_eq(j->startretries, LOCKRUN_DEFAULT_STARTRETRIES);
	ck_assert_uint_eq(j->numprocs, 1);
	ck_assert_ptr_null(j->directory);
	ck_assert_ptr_null(j->environment);
	ck_assert_uint_eq(j->nenvironment, 0);
	ck_assert_int_eq(j->has_nice, 0);
	ck_assert_int_eq(j->ioclass, CONF_IOCLASS_NONE);
	ck_assert_ptr_null(j->stdout_logfile);
	ck_assert_ptr_null(j->stderr_logfile);
	ck_assert_int_eq(j->redirect_stderr, 0);
	conf_free(&c);

	/* The ad hoc mode builds its job the same way. */
	conf_job_init(&adhoc, "adhoc");
	ck_assert_str_eq(adhoc.name, "adhoc");
	ck_assert_int_eq(adhoc.singleton, 1);
	ck_assert_int_eq(adhoc.stopsignal, SIGTERM);
	ck_assert_int_eq(conf_exitcode_expected(&adhoc, 0), 1);
	free(adhoc.name);
}
END_TEST

START_TEST(test_conf_empty_file)
{
	struct conf	c;

	test_expect_ok(&c, "; nothing but a comment\n\n");
	ck_assert_uint_eq(c.njobs, 0);
	conf_free(&c);
	test_expect_ok(&c, "");
	ck_assert_uint_eq(c.njobs, 0);
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_unknown_section)
{
	test_expect_error("[job:a]\ncommand = x\n\n[programs:b]\ncommand = y\n",
	    "4: [programs:b]: unknown section (expected [lockrun], "
	    "[job:NAME], [program:NAME], [semaphore:NAME] or [lock:NAME])");
	test_expect_prefix("[job]\n", "1: [job]: unknown section");
}
END_TEST

/* supervisord's [program:NAME] is a job with supervisord's defaults. */
START_TEST(test_conf_program_section)
{
	struct conf	c;

	test_expect_ok(&c, "[program:cat]\ncommand = /bin/cat\n"
	    "[job:dog]\ncommand = true\n");
	ck_assert_uint_eq(c.njobs, 2);
	ck_assert_str_eq(c.jobs[0].name, "cat");
	ck_assert_int_eq(c.jobs[0].autorestart, CONF_RESTART_UNEXPECTED);
	ck_assert_double_eq(c.jobs[0].startsecs, 1);
	ck_assert_int_eq(c.jobs[1].autorestart, CONF_RESTART_FALSE);
	ck_assert_double_eq(c.jobs[1].startsecs, 0);
	conf_free(&c);
	test_expect_error("[job:a]\ncommand = x\n[program:a]\ncommand = y\n",
	    "3: [program:a]: duplicate section (first at line 1)");
	/* Its other sections say what to use instead. */
	test_expect_prefix("[supervisord]\nlogfile = x\n",
	    "1: [supervisord]: a supervisord section that lockrun does not "
	    "support: configures supervisord itself");
	test_expect_prefix("[group:g]\nprograms = a\n",
	    "1: [group:g]: a supervisord section that lockrun does not "
	    "support: lockrun has no groups");
	test_expect_prefix("[unix_http_server]\n",
	    "1: [unix_http_server]: a supervisord section");
	test_expect_prefix("[rpcinterface:supervisor]\n",
	    "1: [rpcinterface:supervisor]: a supervisord section");
}
END_TEST

START_TEST(test_conf_unknown_key)
{
	test_expect_error("[job:a]\ncommand = x\ncomand2 = y\n",
	    "3: comand2: unknown key in [job:a] (did you mean command?)");
	test_expect_error("[lockrun]\nfrobnicate = 1\n",
	    "2: frobnicate: unknown key in [lockrun] (see lockrun.ini(5) "
	    "for the keys of this section)");
	/* A job key is not a [lockrun] key. */
	test_expect_prefix("[lockrun]\ncommand = x\n",
	    "2: command: unknown key in [lockrun]");
	test_expect_prefix("[semaphore:s]\nslots = 1\nslot = 2\n",
	    "3: slot: unknown key in [semaphore:s]");
}
END_TEST

START_TEST(test_conf_bad_duration)
{
	test_expect_error("[job:a]\ncommand = x\n\nwait_timeout = 10x\n",
	    "4: wait_timeout: bad duration \"10x\" (expected e.g. 500ms, "
	    "90s, 5min, 1h30m, 2.5h, 1d)");
	test_expect_prefix("[job:a]\ncommand = x\ntimeout = -1\n",
	    "3: timeout: bad duration \"-1\"");
	test_expect_prefix("[job:a]\ncommand = x\nstopwaitsecs =\n",
	    "3: stopwaitsecs: bad duration \"\"");
	test_expect_prefix("[job:a]\ncommand = x\nretry_interval = 0\n",
	    "3: retry_interval: bad duration \"0\" (expected more than 0");
}
END_TEST

START_TEST(test_conf_bad_boolean)
{
	test_expect_error("[job:a]\nsingleton = maybe\ncommand = x\n",
	    "2: singleton: bad boolean \"maybe\" (expected yes or no, true "
	    "or false, on or off, 1 or 0)");
	test_expect_prefix("[job:a]\ncommand = x\nredirect_stderr = 2\n",
	    "3: redirect_stderr: bad boolean \"2\"");
}
END_TEST

START_TEST(test_conf_bad_enum)
{
	test_expect_error("[job:a]\ncommand = x\non_running = sometimes\n",
	    "3: on_running: bad value \"sometimes\" (expected skip, wait, "
	    "fail or replace)");
	test_expect_error("[job:a]\ncommand = x\nautorestart = always\n",
	    "3: autorestart: bad value \"always\" (expected false, "
	    "unexpected or true)");
	test_expect_prefix("[job:a]\ncommand = x\nioclass = idle:3\n",
	    "3: ioclass: bad value \"idle:3\" (expected idle, "
	    "best-effort[:0-7] or realtime[:0-7])");
	test_expect_prefix("[job:a]\ncommand = x\nioclass = realtime:8\n",
	    "3: ioclass: bad value");
	test_expect_error("[lockrun]\nlog = file\n",
	    "2: log: bad value \"file\" (expected stderr or syslog)");
	test_expect_error("[lockrun]\nlog_level = verbose\n",
	    "2: log_level: bad value \"verbose\" (expected error, warn, "
	    "info or debug)");
	test_expect_error("[job:a]\ncommand = x\nstopsignal = FOO\n",
	    "3: stopsignal: bad signal \"FOO\" (expected TERM, HUP, INT, "
	    "QUIT, KILL, USR1, USR2, ALRM or ABRT, with or without SIG)");
}
END_TEST

START_TEST(test_conf_enum_values)
{
	struct conf	c;

	test_expect_ok(&c,
	    "[job:a]\ncommand = x\nautorestart = true\nioclass = idle\n"
	    "on_running = wait\nstopsignal = sigkill\n"
	    "[job:b]\ncommand = x\nautorestart = no\nioclass = realtime\n"
	    "on_running = fail\nstopsignal = hup\n"
	    "[job:c]\ncommand = x\nioclass = best-effort\n");
	ck_assert_int_eq(c.jobs[0].autorestart, CONF_RESTART_TRUE);
	ck_assert_int_eq(c.jobs[0].ioclass, CONF_IOCLASS_IDLE);
	ck_assert_int_eq(c.jobs[0].on_running, CONF_ON_RUNNING_WAIT);
	ck_assert_int_eq(c.jobs[0].stopsignal, SIGKILL);
	ck_assert_int_eq(c.jobs[1].autorestart, CONF_RESTART_FALSE);
	ck_assert_int_eq(c.jobs[1].ioclass, CONF_IOCLASS_REALTIME);
	ck_assert_int_eq(c.jobs[1].iolevel, 4);
	ck_assert_int_eq(c.jobs[1].on_running, CONF_ON_RUNNING_FAIL);
	ck_assert_int_eq(c.jobs[1].stopsignal, SIGHUP);
	ck_assert_int_eq(c.jobs[2].ioclass, CONF_IOCLASS_BEST_EFFORT);
	ck_assert_int_eq(c.jobs[2].iolevel, 4);
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_stopsignal)
{
	static const struct {
		const char	*v;
		int		 sig;
	} ok[] = {
		{ "TERM", SIGTERM }, { "SIGTERM", SIGTERM },
		{ "term", SIGTERM }, { "sigTerm", SIGTERM },
		{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT },
		{ "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SIGUSR2", SIGUSR2 },
		{ "alrm", SIGALRM }, { "SIGABRT", SIGABRT },
	};
	/* None of these stops a job: refused, numbers too. */
	static const char *const bad[] = {
		"STOP", "SIGSTOP", "TSTP", "CONT", "CHLD", "SIGCHLD", "PIPE",
		"WINCH", "SEGV", "15", "9", "0", "SIG", "SIGSIGTERM", "TERM,HUP",
		"",
	};
	struct conf	c;
	char		text[128], want[256];
	size_t		i;

	for (i = 0; i < LOCKRUN_ARRAY_LEN(ok); i++) {
		snprintf(text, sizeof(text), "[job:a]\ncommand = x\n"
		    "stopsignal = %s\n", ok[i].v);
		test_expect_ok(&c, text);
		ck_assert_msg(c.jobs[0].stopsignal == ok[i].sig,
		    "stopsignal = %s gave %d", ok[i].v, c.jobs[0].stopsignal);
		conf_free(&c);
	}
	for (i = 0; i < LOCKRUN_ARRAY_LEN(bad); i++) {
		snprintf(text, sizeof(text), "[job:a]\ncommand = x\n"
		    "stopsignal = %s\n", bad[i]);
		snprintf(want, sizeof(want), "3: stopsignal: bad signal \"%s\" "
		    "(expected TERM, HUP, INT, QUIT, KILL, USR1, USR2, ALRM or "
		    "ABRT, with or without SIG)", bad[i]);
		test_expect_error(text, want);
	}
}
END_TEST

START_TEST(test_conf_numbers)
{
	test_expect_error("[lockrun]\nbusy_exit_code = 256\n",
	    "2: busy_exit_code: bad number \"256\" (expected 0..255)");
	test_expect_error("[job:a]\ncommand = x\nnumprocs = 0\n",
	    "3: numprocs: bad number \"0\" (expected 1..100000)");
	test_expect_error("[job:a]\ncommand = x\nstartretries = 1001\n",
	    "3: startretries: bad number \"1001\" (expected 0..1000)");
	test_expect_error("[job:a]\ncommand = x\nnice = 20\n",
	    "3: nice: bad number \"20\" (expected -20..19)");
	test_expect_prefix("[job:a]\ncommand = x\nnice = 1.5\n",
	    "3: nice: bad number");
	test_expect_error("[job:a]\ncommand = x\nexitcodes = 0, 256\n",
	    "3: exitcodes: bad exit status \"256\" (expected 0..255, "
	    "comma-separated)");
	test_expect_prefix("[job:a]\ncommand = x\nexitcodes = 0,,1\n",
	    "3: exitcodes: empty item in \"0,,1\"");
}
END_TEST

START_TEST(test_conf_undefined_semaphore)
{
	test_expect_error(
	    "[semaphore:heavy]\nslots = 1\n"
	    "[job:a]\ncommand = x\nsemaphore = heavy, light\n",
	    "5: semaphore: undefined semaphore \"light\" (expected a "
	    "[semaphore:light] section)");
	test_expect_prefix("[job:a]\ncommand = x\nsemaphore = a b\n",
	    "3: semaphore: bad name \"a b\"");
	test_expect_prefix("[job:a]\ncommand = x\nsemaphore = s,s\n"
	    "[semaphore:s]\nslots = 1\n",
	    "3: semaphore: \"s\" listed twice");
}
END_TEST

START_TEST(test_conf_semaphore_defined_later)
{
	struct conf	c;

	test_expect_ok(&c,
	    "[job:a]\ncommand = x\nsemaphore = late\n"
	    "[job:b]\ncommand = y\nsemaphore = early,late\n"
	    "[semaphore:early]\nslots = 3\n"
	    "[semaphore:late]\nslots = 1\n");
	ck_assert_uint_eq(c.jobs[0].nsems, 1);
	ck_assert_str_eq(c.sems[c.jobs[0].sems[0]].name, "late");
	ck_assert_uint_eq(c.jobs[1].nsems, 2);
	ck_assert_str_eq(c.sems[c.jobs[1].sems[0]].name, "early");
	ck_assert_str_eq(c.sems[c.jobs[1].sems[1]].name, "late");
	ck_assert_ptr_eq(conf_find_sem(&c, "late"), &c.sems[1]);
	ck_assert_ptr_eq(conf_find_job(&c, "b"), &c.jobs[1]);
	ck_assert_ptr_null(conf_find_job(&c, "c"));
	ck_assert_ptr_null(conf_find_sem(&c, "a"));
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_hash)
{
	struct conf_hash	  h;
	char			**keys;
	size_t			  i, v, n = 5000;

	memset(&h, 0, sizeof(h));
	ck_assert_int_eq(conf_hash_find(&h, "a", &v), -1);

	/* Enough keys to make the table grow many times over. */
	keys = util_xcalloc(n, sizeof(*keys));
	for (i = 0; i < n; i++) {
		util_xasprintf(&keys[i], "k%zu", i);
		ck_assert_int_eq(conf_hash_add(&h, keys[i], i), 0);
	}
	ck_assert_uint_eq(h.n, n);
	ck_assert_uint_le(h.n * 2, h.cap);
	for (i = 0; i < n; i++) {
		v = SIZE_MAX;
		ck_assert_int_eq(conf_hash_find(&h, keys[i], &v), 0);
		ck_assert_uint_eq(v, i);
	}
	ck_assert_int_eq(conf_hash_find(&h, "k5000", &v), -1);
	ck_assert_int_eq(conf_hash_find(&h, "", &v), -1);

	/* A key that is there already keeps its first value. */
	errno = 0;
	ck_assert_int_eq(conf_hash_add(&h, "k7", 99), -1);
	ck_assert_int_eq(errno, EEXIST);
	ck_assert_int_eq(conf_hash_find(&h, "k7", &v), 0);
	ck_assert_uint_eq(v, 7);

	conf_hash_free(&h);
	ck_assert_uint_eq(h.cap, 0);
	ck_assert_int_eq(conf_hash_find(&h, "k7", &v), -1);
	for (i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}
END_TEST

START_TEST(test_conf_many_sections)
{
	struct conf	 c;
	FILE		*f;
	char		*text, name[32];
	size_t		 i, len, njobs = 3000, nsems = 300;

	/* Semaphores before and after the jobs that use them. */
	ck_assert_ptr_nonnull(f = open_memstream(&text, &len));
	for (i = 0; i < nsems / 2; i++)
		fprintf(f, "[semaphore:s%zu]\nslots = %zu\n", i, i % 1024 + 1);
	for (i = 0; i < njobs; i++)
		fprintf(f, "[job:j%zu]\ncommand = x\nsemaphore = s%zu, s%zu\n",
		    i, i % nsems, (i + 1) % nsems);
	for (i = nsems / 2; i < nsems; i++)
		fprintf(f, "[semaphore:s%zu]\nslots = %zu\n", i, i % 1024 + 1);
	ck_assert_int_eq(fclose(f), 0);
	test_expect_ok(&c, text);
	free(text);

	ck_assert_uint_eq(c.njobs, njobs);
	ck_assert_uint_eq(c.nsems, nsems);
	for (i = 0; i < njobs; i++) {
		snprintf(name, sizeof(name), "j%zu", i);
		ck_assert_ptr_eq(conf_find_job(&c, name), &c.jobs[i]);
		ck_assert_uint_eq(c.jobs[i].nsems, 2);
		ck_assert_uint_eq(c.jobs[i].sems[0], i % nsems);
		ck_assert_uint_eq(c.jobs[i].sems[1], (i + 1) % nsems);
	}
	for (i = 0; i < nsems; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		ck_assert_ptr_eq(conf_find_sem(&c, name), &c.sems[i]);
		ck_assert_uint_eq(c.sems[i].slots, i % 1024 + 1);
	}
	ck_assert_ptr_null(conf_find_job(&c, "s1"));
	ck_assert_ptr_null(conf_find_sem(&c, "j1"));
	ck_assert_ptr_null(conf_find_job(&c, "j3000"));
	conf_free(&c);

	/* A conf built by hand, as the ad hoc mode does, is found too. */
	conf_init(&c);
	c.jobs = util_xcalloc(2, sizeof(*c.jobs));
	c.njobs = 2;
	conf_job_init(&c.jobs[0], "one");
	conf_job_init(&c.jobs[1], "two");
	ck_assert_ptr_eq(conf_find_job(&c, "two"), &c.jobs[1]);
	ck_assert_ptr_null(conf_find_job(&c, "three"));
	ck_assert_ptr_null(conf_find_sem(&c, "two"));
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_duplicate_job)
{
	test_expect_error("[job:a]\ncommand = x\n\n[job:b]\ncommand = y\n"
	    "[job:a]\ncommand = z\n",
	    "6: [job:a]: duplicate section (first at line 1)");
	test_expect_error("[semaphore:s]\nslots = 1\n[semaphore:s]\n",
	    "3: [semaphore:s]: duplicate section (first at line 1)");
	test_expect_error("[lockrun]\n[job:a]\ncommand = x\n[lockrun]\n",
	    "4: [lockrun]: duplicate section (first at line 1)");
}
END_TEST

START_TEST(test_conf_duplicate_key)
{
	test_expect_error("[job:a]\ncommand = x\ntimeout = 1s\n\n"
	    "timeout = 2s\n",
	    "5: timeout: set twice in [job:a] (first at line 3)");
	test_expect_error("[semaphore:s]\nslots = 1\nslots = 2\n",
	    "3: slots: set twice in [semaphore:s] (first at line 2)");
}
END_TEST

START_TEST(test_conf_missing_command)
{
	test_expect_error("[job:a]\ncommand = x\n\n[job:b]\nnumprocs = 2\n",
	    "4: [job:b]: command: missing (expected command = a shell "
	    "command)");
	/* A section with no keys at all (inih calls no handler for it). */
	test_expect_error("[job:a]\ncommand = x\n[job:empty]\n",
	    "3: [job:empty]: command: missing (expected command = a shell "
	    "command)");
}
END_TEST

START_TEST(test_conf_empty_command)
{
	test_expect_error("[job:a]\ncommand =\n",
	    "2: command: empty (expected a shell command)");
	test_expect_error("[job:a]\ncommand =    ; only a comment\n",
	    "2: command: empty (expected a shell command)");
}
END_TEST

START_TEST(test_conf_replace_needs_one_instance)
{
	test_expect_error("[job:a]\ncommand = x\non_running = replace\n"
	    "numprocs = 2\n",
	    "1: [job:a]: on_running: replace needs singleton = yes and "
	    "numprocs = 1");
	test_expect_error("[job:a]\ncommand = x\nsingleton = no\n"
	    "on_running = replace\n",
	    "1: [job:a]: on_running: replace needs singleton = yes and "
	    "numprocs = 1");
}
END_TEST

START_TEST(test_conf_bad_name)
{
	test_expect_error("[job:a b]\ncommand = x\n",
	    "1: [job:a b]: bad name \"a b\" (expected letters, digits, '_', "
	    "'.' and '-', not ending in '.' and digits)");
	/* x.00 is slot 00 of semaphore x and instance 00 of job x. */
	test_expect_prefix("[job:a.00]\ncommand = x\n", "1: [job:a.00]: bad name");
	test_expect_prefix("[job:a]\ncommand = x\nlocks = c.00\n",
	    "3: locks: bad lock name \"c.00\"");
	test_expect_prefix("[job:]\n", "1: [job:]: bad name \"\"");
	test_expect_prefix("[semaphore:..]\n", "1: [semaphore:..]: bad name");
	test_expect_prefix("[job:a/b]\n", "1: [job:a/b]: bad name");
	test_expect_prefix("[job:a]\ncommand = x\nlocks = ok, no/slash\n",
	    "3: locks: bad lock name \"no/slash\"");
	test_expect_error("[job:a]\ncommand = x\nlocks = db:read\n",
	    "3: locks: bad mode \"read\" for lock \"db\" (expected shared or "
	    "exclusive)");
	test_expect_prefix("[job:a]\ncommand = x\nlocks = db, db:shared\n",
	    "3: locks: lock \"db\" listed twice");
}
END_TEST

START_TEST(test_conf_long_name)
{
	struct conf	 c;
	char		 name[CONF_TEST_NAME + 2], *text;

	/* inih cuts section names at 49 bytes; lockrun must not. */
	memset(name, 'n', 120);
	name[120] = '\0';
	util_xasprintf(&text, "[job:%s]\ncommand = x\n", name);
	test_expect_ok(&c, text);
	ck_assert_str_eq(c.jobs[0].name, name);
	conf_free(&c);
	free(text);

	memset(name, 'n', CONF_TEST_NAME + 1);
	name[CONF_TEST_NAME + 1] = '\0';
	util_xasprintf(&text, "[job:%s]\ncommand = x\n", name);
#ifdef HAVE_INIH_SWITCHES
	test_expect_prefix(text, "1: [job:");
#else
	test_expect_prefix(text, "1: line longer than 197 bytes");
#endif
	free(text);
}
END_TEST

START_TEST(test_conf_slots_range)
{
	test_expect_error("[semaphore:s]\nslots = 0\n",
	    "2: slots: bad number \"0\" (expected 1..1024)");
	test_expect_error("[semaphore:s]\nslots = 1025\n",
	    "2: slots: bad number \"1025\" (expected 1..1024)");
	test_expect_error("[job:a]\ncommand = x\n[semaphore:s]\n",
	    "3: [semaphore:s]: slots: missing (expected slots = 1..1024)");
}
END_TEST

START_TEST(test_conf_syntax_error)
{
	test_expect_error("[job:a]\ncommand = x\njust some words\n",
	    "3: syntax error (expected [section] or key = value)");
	test_expect_error("[job:a\ncommand = x\n",
	    "1: syntax error (expected [section] or key = value)");
	test_expect_error("[job:a] x\ncommand = x\n",
	    "1: [job:a]: unexpected text after \"]\" (expected a comment or "
	    "nothing)");
	test_expect_prefix("[job:a]\ncommand = x\n"
	    "a_very_long_key_name_that_inih_cuts_at_forty_nine_bytes = 1\n"
	    "  more\n",
	    "3: a_very_long_key_name_that_inih_cuts_at_forty_nine_bytes: "
	    "unknown key in [job:a]");
	test_expect_error("[job:a]\n = x\n",
	    "2: syntax error (expected [section] or key = value)");
	test_expect_error("command = x\n[job:a]\n",
	    "1: command: not in a section (expected [lockrun], [job:NAME], "
	    "[program:NAME], [semaphore:NAME] or [lock:NAME] before it)");
}
END_TEST

START_TEST(test_conf_first_error_only)
{
	/* The bad value comes first, even though its key is applied late. */
	test_expect_error("[job:a]\ncommand = x\ntimeout = soon\n"
	    "[bogus]\nfoo = bar\n",
	    "3: timeout: bad duration \"soon\" (expected e.g. 500ms, 90s, "
	    "5min, 1h30m, 2.5h, 1d)");
	/* Checks made after the file is read: the lowest line wins. */
	test_expect_error("[job:a]\nsemaphore = nope\n[job:b]\ncommand = x\n",
	    "1: [job:a]: command: missing (expected command = a shell "
	    "command)");
	test_expect_error("[job:a]\ncommand = x\nsemaphore = nope\n[job:b]\n",
	    "3: semaphore: undefined semaphore \"nope\" (expected a "
	    "[semaphore:nope] section)");
}
END_TEST

START_TEST(test_conf_relative_paths)
{
	struct conf	 c;
	char		 err[1024], *want;
	const char	*path;

	/* Relative paths are from the file's directory, not lockrun's cwd. */
	path = test_ini("[lockrun]\nlock_dir = locks\n[job:a]\ncommand = x\n"
	    "directory = work/dir\nstdout_logfile = a.out\n"
	    "stderr_logfile = /abs/a.err\n");
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	util_xasprintf(&want, "%s/locks", test_dir);
	ck_assert_str_eq(c.lock_dir, want);
	free(want);
	util_xasprintf(&want, "%s/work/dir", test_dir);
	ck_assert_str_eq(c.jobs[0].directory, want);
	free(want);
	util_xasprintf(&want, "%s/a.out", test_dir);
	ck_assert_str_eq(c.jobs[0].stdout_logfile, want);
	free(want);
	ck_assert_str_eq(c.jobs[0].stderr_logfile, "/abs/a.err");
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_expand_here)
{
	struct conf	 c;
	char		 err[1024], *want, *rel, cwd[PATH_MAX];
	const char	*path;

	path = test_ini("[job:a]\ncommand = %(here)s/run.sh --pct=50%%\n"
	    "directory = %(here)s\n");
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), 0);
	util_xasprintf(&want, "%s/run.sh --pct=50%%", test_dir);
	ck_assert_str_eq(c.jobs[0].command, want);
	ck_assert_str_eq(c.jobs[0].directory, test_dir);
	free(want);
	conf_free(&c);

	/* A relative path still gives an absolute %(here)s. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(test_dir), 0);
	rel = strrchr(path, '/') + 1;
	ck_assert_int_eq(conf_load(&c, rel, err, sizeof(err)), 0);
	ck_assert_str_eq(c.jobs[0].directory, test_dir);
	ck_assert_str_eq(c.path, rel);
	conf_free(&c);
	ck_assert_int_eq(chdir(cwd), 0);

	/* A lone '%' is kept, so date +%F needs no escaping. */
	test_expect_ok(&c, "[job:a]\ncommand = date +%F 100%\n");
	ck_assert_str_eq(c.jobs[0].command, "date +%F 100%");
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_expand_env)
{
	struct conf	c;

	ck_assert_int_eq(setenv("LOCKRUN_TEST_X", "a,b \"c\"", 1), 0);
	ck_assert_int_eq(unsetenv("LOCKRUN_TEST_UNSET"), 0);
	test_expect_ok(&c,
	    "[lockrun]\nlock_dir = /tmp/%(ENV_LOCKRUN_TEST_X)s\n"
	    "[job:a]\ncommand = echo %(ENV_LOCKRUN_TEST_X)s"
	    "%(ENV_LOCKRUN_TEST_X)s\n");
	ck_assert_str_eq(c.lock_dir, "/tmp/a,b \"c\"");
	ck_assert_str_eq(c.jobs[0].command, "echo a,b \"c\"a,b \"c\"");
	conf_free(&c);

	test_expect_error("[job:a]\ncommand = x\n"
	    "stdout_logfile = %(ENV_LOCKRUN_TEST_UNSET)s/out\n",
	    "3: stdout_logfile: environment variable LOCKRUN_TEST_UNSET is "
	    "not set (in %(ENV_LOCKRUN_TEST_UNSET)s)");
	test_expect_error("[job:a]\ncommand = %(program)s\n",
	    "2: command: unknown expansion \"%(program)s\" (expected "
	    "%(here)s, %(program_name)s, %(group_name)s, %(host_node_name)s, "
	    "%(process_num)d, %(numprocs)d or %(ENV_NAME)s; write %% for a "
	    "literal %; the command can also read $LOCKRUN_JOB and "
	    "$LOCKRUN_INSTANCE)");
	test_expect_error("[job:a]\ncommand = %(here)d\n",
	    "2: command: %(here)d: %d needs a number, and here is text "
	    "(write %(here)s)");
	test_expect_prefix("[job:a]\ncommand = %(here)\n",
	    "2: command: bad expansion \"%(here)\" (expected %(NAME)s, or "
	    "%(NAME)d for a number");
	test_expect_prefix("[job:a]\ncommand = %(ENV_)s\n",
	    "2: command: unknown expansion \"%(ENV_)s\"");
}
END_TEST

/* supervisord's keys lockrun does not support: harmless, or why not. */
START_TEST(test_conf_supervisord_keys)
{
	struct conf	c;

	test_expect_ok(&c, "[program:x]\ncommand = true\n"
	    "stopasgroup = true\nkillasgroup = false\n"
	    "stdout_capture_maxbytes = 1MB\nstderr_events_enabled = false\n"
	    "serverurl = AUTO\nstdout_logfile = NONE\n");
	ck_assert_str_eq(c.jobs[0].stdout_logfile, "/dev/null");
	conf_free(&c);
	test_expect_error("[program:x]\ncommand = true\n"
	    "stdout_events_enabled = true\n",
	    "3: stdout_events_enabled: a supervisord key that lockrun does "
	    "not support with \"true\": lockrun sends no events: set it to "
	    "false or remove it");
	test_expect_prefix("[program:x]\ncommand = true\nnumprocs_start = 1\n",
	    "3: numprocs_start: a supervisord key that lockrun does not "
	    "support with \"1\": lockrun numbers the instances from 0");
	test_expect_prefix("[program:x]\ncommand = true\nserverurl = "
	    "unix:///tmp/s.sock\n", "3: serverurl: a supervisord key");
	test_expect_prefix("[program:x]\ncommand = true\n"
	    "stderr_logfile = AUTO\n", "3: stderr_logfile: AUTO: a "
	    "supervisord value that lockrun does not support: lockrun keeps "
	    "no child log directory");
	/* A real typo still gets its guess. */
	test_expect_prefix("[program:x]\ncommand = true\nstartsec = 1\n",
	    "3: startsec: unknown key in [program:x] (did you mean startsecs?)");
}
END_TEST

/* supervisord's names: the job's, the host's, and the instance's. */
START_TEST(test_conf_expand_supervisord)
{
	struct conf		 c, *cp = &c;
	struct conf_job		 inst;
	const struct conf_job	*j;
	char			 host[256];

	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	test_expect_ok(cp, "[program:cat]\n"
	    "command = /bin/cat %(program_name)s %(group_name)s "
	    "%(host_node_name)s 100%%\n");
	j = &c.jobs[0];
	{
		char	*want;

		util_xasprintf(&want, "/bin/cat cat cat %s 100%%", host);
		ck_assert_str_eq(j->command, want);
		free(want);
	}
	ck_assert_int_eq(j->templated, 0);
	ck_assert_ptr_eq(conf_job_instance(j, 0, &inst), j);
	conf_free(&c);

	/* %(process_num)d: a template, made for each instance. */
	test_expect_ok(cp, "[program:w]\n"
	    "command = run --n=%(process_num)d --of=%(numprocs)d 50%% "
	    "%(program_name)s\n"
	    "process_name = %(program_name)s_%(process_num)02d\n"
	    "directory = /srv/w%(process_num)d\n"
	    "stdout_logfile = logs/%(program_name)s-%(process_num)03d.log\n"
	    "environment = A=\"%(process_num)d\",B=\"100%%\"\n"
	    "numprocs = 12\n");
	j = &c.jobs[0];
	ck_assert(j->templated & CONF_TMPL_COMMAND);
	ck_assert(j->templated & CONF_TMPL_ENVIRONMENT);
	{
		const struct conf_job	*i7 = conf_job_instance(j, 7, &inst);
		char			*want;

		ck_assert_ptr_eq(i7, &inst);
		ck_assert_str_eq(i7->command, "run --n=7 --of=12 50% w");
		ck_assert_str_eq(i7->process_name, "w_07");
		ck_assert_str_eq(i7->directory, "/srv/w7");
		util_xasprintf(&want, "%s/logs/w-007.log", test_dir);
		ck_assert_str_eq(i7->stdout_logfile, want);
		free(want);
		ck_assert_str_eq(i7->environment[0], "A=7");
		ck_assert_str_eq(i7->environment[1], "B=100%");
		conf_job_instance_free(i7, &inst);
	}
	conf_free(&c);

	/* Only where supervisord allows it, with a way out. */
	test_expect_error("[job:a]\ncommand = x\ntimeout = %(process_num)d\n",
	    "3: timeout: %(process_num)d differs from one instance to the "
	    "next, and is known only in command, process_name, directory, "
	    "environment, stdout_logfile and stderr_logfile of a job (the "
	    "command can also read $LOCKRUN_INSTANCE)");
	test_expect_error("[lockrun]\nlock_dir = /run/%(program_name)s\n",
	    "2: lock_dir: %(program_name)s is known only in a [job:NAME] or "
	    "[program:NAME] section");
	test_expect_error("[job:a]\ncommand = x %(process_num)d\n"
	    "process_name = a\nnumprocs = 2\n",
	    "3: process_name: with numprocs = 2 it must name "
	    "%(process_num)d, or every instance has the same name (as "
	    "supervisord requires)");
	/* A literal %% stays one, and is no expansion. */
	test_expect_ok(cp, "[job:a]\ncommand = echo %%(process_num)d "
	    "%(process_num)d\nnumprocs = 2\n");
	{
		const struct conf_job	*i1 = conf_job_instance(&c.jobs[0], 1,
		    &inst);

		ck_assert_str_eq(i1->command, "echo %(process_num)d 1");
		conf_job_instance_free(i1, &inst);
	}
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_environment)
{
	struct conf	 c;
	char		**env;

	test_expect_ok(&c,
	    "[job:a]\ncommand = x\n"
	    "environment = A=\"x,y\", B = plain value ,C='q,\"r\"',"
	    "D=\"say \\\"hi\\\" \\\\o/\",E=,F=\"\", G_1=2,\n");
	env = c.jobs[0].environment;
	ck_assert_uint_eq(c.jobs[0].nenvironment, 7);
	ck_assert_str_eq(env[0], "A=x,y");
	ck_assert_str_eq(env[1], "B=plain value");
	ck_assert_str_eq(env[2], "C=q,\"r\"");
	ck_assert_str_eq(env[3], "D=say \"hi\" \\o/");
	ck_assert_str_eq(env[4], "E=");
	ck_assert_str_eq(env[5], "F=");
	ck_assert_str_eq(env[6], "G_1=2");
	ck_assert_ptr_null(env[7]);
	conf_free(&c);

	test_expect_prefix("[job:a]\ncommand = x\nenvironment = 1A=b\n",
	    "3: environment: bad entry at \"1A=b\"");
	test_expect_prefix("[job:a]\ncommand = x\nenvironment = A-B=c\n",
	    "3: environment: bad entry at \"A-B=c\"");
	test_expect_prefix("[job:a]\ncommand = x\nenvironment = A=\"b,c\n",
	    "3: environment: unterminated \" quote");
	test_expect_prefix("[job:a]\ncommand = x\nenvironment = A=\"b\"c\n",
	    "3: environment: expected ',' after the quoted value of A");
	test_expect_error("[job:a]\ncommand = x\nenvironment = A=1,B=2,A=3\n",
	    "3: environment: A set twice");
}
END_TEST

START_TEST(test_conf_environment_expand)
{
	struct conf	 c;
	char		**env;

	/* An expansion is one value: its commas cannot add an entry. */
	ck_assert_int_eq(setenv("LOCKRUN_TEST_X", "1,B=x", 1), 0);
	test_expect_ok(&c, "[job:a]\ncommand = x\n"
	    "environment = A=%(ENV_LOCKRUN_TEST_X)s\n");
	env = c.jobs[0].environment;
	ck_assert_uint_eq(c.jobs[0].nenvironment, 1);
	ck_assert_str_eq(env[0], "A=1,B=x");
	conf_free(&c);

	/* Nor can its quotes close a quoted value or open one. */
	ck_assert_int_eq(setenv("LOCKRUN_TEST_X", "x\",B=\"y", 1), 0);
	test_expect_ok(&c, "[job:a]\ncommand = x\n"
	    "environment = A=\"%(ENV_LOCKRUN_TEST_X)s\",C=%(ENV_LOCKRUN_TEST_X)s,"
	    "D='%(here)s 100%%'\n");
	env = c.jobs[0].environment;
	ck_assert_uint_eq(c.jobs[0].nenvironment, 3);
	ck_assert_str_eq(env[0], "A=x\",B=\"y");
	ck_assert_str_eq(env[1], "C=x\",B=\"y");
	ck_assert_uint_eq(strncmp(env[2], "D=", 2), 0);
	ck_assert_str_eq(env[2] + 2 + strlen(test_dir), " 100%");
	conf_free(&c);

	/* Names are written out. */
	ck_assert_int_eq(setenv("LOCKRUN_TEST_X", "B", 1), 0);
	test_expect_error("[job:a]\ncommand = x\n"
	    "environment = A=1, %(ENV_LOCKRUN_TEST_X)s=2\n",
	    "3: environment: expansion in a variable name at "
	    "\"%(ENV_LOCKRUN_TEST_X)s=2\" (expansions are allowed in values "
	    "only)");
	test_expect_prefix("[job:a]\ncommand = x\n"
	    "environment = A%(ENV_LOCKRUN_TEST_X)s=2\n",
	    "3: environment: expansion in a variable name at \"A%(ENV_");
	test_expect_error("[job:a]\ncommand = x\n"
	    "environment = A=\"%(ENV_LOCKRUN_TEST_UNSET)s\"\n",
	    "3: environment: environment variable LOCKRUN_TEST_UNSET is not "
	    "set (in %(ENV_LOCKRUN_TEST_UNSET)s)");
}
END_TEST

START_TEST(test_conf_list_expand)
{
	struct conf	c;

	/* Each item is expanded on its own. */
	ck_assert_int_eq(setenv("LOCKRUN_TEST_S", "gpu", 1), 0);
	ck_assert_int_eq(setenv("LOCKRUN_TEST_L", "db:shared", 1), 0);
	ck_assert_int_eq(setenv("LOCKRUN_TEST_E", "3", 1), 0);
	test_expect_ok(&c, "[semaphore:gpu]\nslots = 1\n"
	    "[semaphore:heavy]\nslots = 1\n"
	    "[job:a]\ncommand = x\n"
	    "semaphore = heavy, %(ENV_LOCKRUN_TEST_S)s\n"
	    "locks = %(ENV_LOCKRUN_TEST_L)s, net\n"
	    "exitcodes = %(ENV_LOCKRUN_TEST_E)s, 4\n");
	ck_assert_uint_eq(c.jobs[0].nsems, 2);
	ck_assert_str_eq(c.sems[c.jobs[0].sems[1]].name, "gpu");
	ck_assert_uint_eq(c.jobs[0].nlocks, 2);
	ck_assert_str_eq(c.jobs[0].locks[0].name, "db");
	ck_assert_int_eq(c.jobs[0].locks[0].shared, 1);
	ck_assert_int_eq(conf_exitcode_expected(&c.jobs[0], 3), 1);
	ck_assert_int_eq(conf_exitcode_expected(&c.jobs[0], 4), 1);
	ck_assert_int_eq(conf_exitcode_expected(&c.jobs[0], 0), 0);
	conf_free(&c);

	/* An expansion that holds a comma would add items: refused. */
	ck_assert_int_eq(setenv("LOCKRUN_TEST_X", "1,2", 1), 0);
	test_expect_error("[job:a]\ncommand = x\n"
	    "exitcodes = 0, %(ENV_LOCKRUN_TEST_X)s\n",
	    "3: exitcodes: %(ENV_LOCKRUN_TEST_X)s gives \"1,2\", and an "
	    "expansion cannot add items to a list (write the items out, "
	    "comma-separated)");
	ck_assert_int_eq(setenv("LOCKRUN_TEST_X", "gpu,heavy", 1), 0);
	test_expect_prefix("[semaphore:gpu]\nslots = 1\n"
	    "[semaphore:heavy]\nslots = 1\n[job:a]\ncommand = x\n"
	    "semaphore = %(ENV_LOCKRUN_TEST_X)s\n",
	    "7: semaphore: %(ENV_LOCKRUN_TEST_X)s gives \"gpu,heavy\", and an "
	    "expansion cannot add items");
	test_expect_prefix("[job:a]\ncommand = x\n"
	    "locks = a, b%(ENV_LOCKRUN_TEST_X)s\n",
	    "3: locks: %(ENV_LOCKRUN_TEST_X)s gives \"gpu,heavy\", and an "
	    "expansion cannot add items");
}
END_TEST

START_TEST(test_conf_continuation)
{
	struct conf	c;

	test_expect_ok(&c,
	    "[job:a]\n"
	    "command = echo one\n"
	    "    two   ; a comment\n"
	    "; a comment line does not end the value\n"
	    "\tthree\n"
	    "environment =\n"
	    "    A=\"1\",\n"
	    "    B=\"2\"\n"
	    "timeout = 5s\n");
	ck_assert_str_eq(c.jobs[0].command, "echo one two three");
	ck_assert_uint_eq(c.jobs[0].nenvironment, 2);
	ck_assert_str_eq(c.jobs[0].environment[1], "B=2");
	ck_assert_double_eq(c.jobs[0].timeout, 5);
	conf_free(&c);

	/* After a header an indented line is a key, not a continuation. */
	test_expect_ok(&c, "[job:a]\n  command = x\n  timeout = 1s\n");
	ck_assert_str_eq(c.jobs[0].command, "x timeout = 1s");
	conf_free(&c);

	/* An error in a continued value names the key's first line. */
	test_expect_error("[job:a]\ncommand = x\nwait_timeout = 1\n  0x\n",
	    "3: wait_timeout: bad duration \"1 0x\" (expected e.g. 500ms, "
	    "90s, 5min, 1h30m, 2.5h, 1d)");
}
END_TEST

START_TEST(test_conf_inline_comment)
{
	struct conf	c;

	test_expect_ok(&c,
	    "# hash comment\n"
	    "[job:a]   ; comment after a header\n"
	    "command = sleep 1; echo done ; comment\n"
	    "numprocs: 2\n");
	ck_assert_str_eq(c.jobs[0].command, "sleep 1; echo done");
	ck_assert_uint_eq(c.jobs[0].numprocs, 2);
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_long_line)
{
	struct conf	 c;
	char		*cmd, *text, err[1024];
	const char	*path;
	int		 rc;

	cmd = util_xmalloc(4005 + 1);
	memset(cmd, 'x', 4005);
	memcpy(cmd, "echo ", 5);
	cmd[4005] = '\0';
	util_xasprintf(&text, "[job:a]\n\ncommand = %s\ntimeout = 3s\n", cmd);
	path = test_ini(text);
	rc = conf_load(&c, path, err, sizeof(err));
#ifdef HAVE_INIH_SWITCHES
	ck_assert_msg(rc == 0, "unexpected error: %s", err);
	ck_assert_uint_eq(strlen(c.jobs[0].command), 4005);
	ck_assert_str_eq(c.jobs[0].command, cmd);
	ck_assert_double_eq(c.jobs[0].timeout, 3);
	conf_free(&c);
#else
	/* Without a growable buffer, a long line is an error, not a cut. */
	ck_assert_int_eq(rc, -1);
	free(text);
	util_xasprintf(&text, "%s:3: line longer than 197 bytes", path);
	ck_assert_str_eq(err, text);
#endif
	free(text);
	free(cmd);
}
END_TEST

/* A file whose line 3 holds a value making the line len bytes long. */
static char *
test_line_of(size_t len, const char *eol)
{
	char	*line, *text;

	line = util_xmalloc(len + 1);
	memset(line, 'y', len);
	memcpy(line, "command = ", 10);
	line[len] = '\0';
	util_xasprintf(&text, "[job:a]%s;%s%s%stimeout = 1s%s", eol, eol,
	    line, eol, eol);
	free(line);
	return (text);
}

START_TEST(test_conf_too_long_line)
{
	struct conf	 c;
	char		*text, *bad, want[64];
	size_t		 max;

#ifdef HAVE_INIH_SWITCHES
	max = 65536 - 3;
#else
	max = 200 - 3;
#endif
	/* The longest line allowed, with either line ending. */
	text = test_line_of(max, "\r\n");
	test_expect_ok(&c, text);
	ck_assert_uint_eq(strlen(c.jobs[0].command), max - 10);
	ck_assert_double_eq(c.jobs[0].timeout, 1);
	conf_free(&c);
	free(text);
	text = test_line_of(max, "\n");
	test_expect_ok(&c, text);
	ck_assert_uint_eq(strlen(c.jobs[0].command), max - 10);
	conf_free(&c);
	free(text);

	/* One byte more: an error naming its line, never a cut value. */
	snprintf(want, sizeof(want), "3: line longer than %zu bytes", max);
	text = test_line_of(max + 1, "\n");
	test_expect_error(text, want);
	free(text);
	text = test_line_of(100000, "\r\n");
	test_expect_error(text, want);
	free(text);

	/* A bad value just above the long line is the first error. */
	text = util_xmalloc(max + 2);
	memset(text, 'k', max + 1);
	text[max + 1] = '\0';
	util_xasprintf(&bad, "[job:b]\ntimeout = soon\n; c\n%s = 1\n", text);
	test_expect_error(bad, "2: timeout: bad duration \"soon\" (expected "
	    "e.g. 500ms, 90s, 5min, 1h30m, 2.5h, 1d)");
	free(bad);
	free(text);
}
END_TEST

START_TEST(test_conf_crlf)
{
	struct conf	c;

	test_expect_ok(&c,
	    "\xef\xbb\xbf[lockrun]\r\nbusy_exit_code = 9\r\n\r\n"
	    "[semaphore:s]\r\nslots = 2\r\n"
	    "[job:a]\r\ncommand = echo hi\r\nsemaphore = s\r\n"
	    "environment = A=\"1\",\r\n  B=2\r\n");
	ck_assert_int_eq(c.busy_exit_code, 9);
	ck_assert_uint_eq(c.sems[0].slots, 2);
	ck_assert_str_eq(c.jobs[0].command, "echo hi");
	ck_assert_str_eq(c.jobs[0].environment[1], "B=2");
	ck_assert_int_eq(c.jobs[0].line, 6);
	conf_free(&c);

	test_expect_error("[job:a]\r\ncommand = x\r\nnice = 99\r\n",
	    "3: nice: bad number \"99\" (expected -20..19)");
}
END_TEST

START_TEST(test_conf_open_error)
{
	struct conf	 c;
	char		 err[1024], *path, *want;

	util_xasprintf(&path, "%s/does-not-exist.ini", test_dir);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	ck_assert_int_eq(errno, ENOENT);
	util_xasprintf(&want, "%s: cannot open: %s", path, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	free(want);
	free(path);
	conf_free(&c);

	ck_assert_int_eq(conf_load(&c, test_dir, err, sizeof(err)), -1);
	util_xasprintf(&want, "%s: cannot open: %s", test_dir,
	    strerror(EISDIR));
	ck_assert_str_eq(err, want);
	free(want);
	conf_free(&c);
}
END_TEST

START_TEST(test_conf_exitcode_bitmap)
{
	struct conf_job	job;
	int		i;

	conf_job_init(&job, NULL);
	ck_assert_ptr_null(job.name);
	ck_assert_int_eq(conf_exitcode_expected(&job, 0), 1);
	conf_exitcode_set(&job, 7);
	conf_exitcode_set(&job, 255);
	conf_exitcode_set(&job, 256);	/* ignored */
	conf_exitcode_set(&job, -1);	/* ignored */
	for (i = 0; i < 256; i++)
		ck_assert_int_eq(conf_exitcode_expected(&job, i),
		    i == 0 || i == 7 || i == 255);
	ck_assert_int_eq(conf_exitcode_expected(&job, -1), 0);
	ck_assert_int_eq(conf_exitcode_expected(&job, 256), 0);
}
END_TEST

START_TEST(test_conf_free_argv)
{
	struct conf	c;

	/* The ad hoc mode fills argv; conf_free frees it too. */
	conf_init(&c);
	c.jobs = util_xcalloc(1, sizeof(*c.jobs));
	c.njobs = 1;
	conf_job_init(&c.jobs[0], "adhoc");
	c.jobs[0].argv = util_xcalloc(3, sizeof(char *));
	c.jobs[0].argv[0] = util_xstrdup("sleep");
	c.jobs[0].argv[1] = util_xstrdup("1");
	conf_free(&c);
	ck_assert_uint_eq(c.njobs, 0);
	ck_assert_int_eq(c.busy_exit_code, LOCKRUN_DEFAULT_BUSY_EXIT);
	conf_free(&c);		/* twice is harmless */
}
END_TEST

/* Load a file shipped in the source tree; it must parse. */
static void
test_shipped(const char *rel)
{
	struct conf	 c;
	const char	*top;
	char		*path, err[1024] = "";

#ifdef TOP_SRCDIR
	top = TOP_SRCDIR;
#else
	top = NULL;
#endif
	if (top == NULL && (top = getenv("top_srcdir")) == NULL)
		top = "../..";
	util_xasprintf(&path, "%s/%s", top, rel);
	ck_assert_msg(conf_load(&c, path, err, sizeof(err)) == 0,
	    "%s: %s", path, err);
	ck_assert_uint_gt(c.njobs, 0);
	conf_free(&c);
	free(path);
}

START_TEST(test_conf_example_loads)
{
	test_shipped("conf/example.ini");
	test_shipped("conf/demo.ini");
}
END_TEST

/* conf/example.ini shows every key (set, or in a comment: "; lock_dir ="). */
START_TEST(test_conf_example_covers_every_key)
{
	FILE		*f;
	char		*path, *line = NULL, *p;
	const char	*key, *top;
	size_t		 cap = 0, i, klen;
	int		 found;

#ifdef TOP_SRCDIR
	top = TOP_SRCDIR;
#else
	top = "../..";
#endif
	util_xasprintf(&path, "%s/conf/example.ini", top);
	for (i = 0; (key = conf_key_name(i)) != NULL; i++) {
		ck_assert_ptr_nonnull(f = fopen(path, "r"));
		klen = strlen(key);
		found = 0;
		while (!found && getline(&line, &cap, f) != -1) {
			for (p = line; *p == ';' || *p == '#' || *p == ' ' ||
			    *p == '\t'; p++)
				;
			if (strncmp(p, key, klen) != 0)
				continue;
			for (p += klen; *p == ' ' || *p == '\t'; p++)
				;
			found = *p == '=';
		}
		fclose(f);
		ck_assert_msg(found, "conf/example.ini does not show key %s", key);
	}
	ck_assert_uint_gt(i, 20);
	free(line);
	free(path);
}
END_TEST

/* Remove one entry of the test directory. */
static int
test_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return (remove(path));
}

/* The suite: every test in one case, each in its own process. */
static Suite *
conf_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("conf");
	tc = tcase_create("conf");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_conf_full);
	tcase_add_test(tc, test_conf_defaults);
	tcase_add_test(tc, test_conf_empty_file);
	tcase_add_test(tc, test_conf_unknown_section);
	tcase_add_test(tc, test_conf_program_section);
	tcase_add_test(tc, test_conf_expand_supervisord);
	tcase_add_test(tc, test_conf_supervisord_keys);
	tcase_add_test(tc, test_conf_unknown_key);
	tcase_add_test(tc, test_conf_bad_duration);
	tcase_add_test(tc, test_conf_bad_boolean);
	tcase_add_test(tc, test_conf_bad_enum);
	tcase_add_test(tc, test_conf_enum_values);
	tcase_add_test(tc, test_conf_stopsignal);
	tcase_add_test(tc, test_conf_numbers);
	tcase_add_test(tc, test_conf_undefined_semaphore);
	tcase_add_test(tc, test_conf_semaphore_defined_later);
	tcase_add_test(tc, test_conf_hash);
	tcase_add_test(tc, test_conf_many_sections);
	tcase_add_test(tc, test_conf_duplicate_job);
	tcase_add_test(tc, test_conf_duplicate_key);
	tcase_add_test(tc, test_conf_missing_command);
	tcase_add_test(tc, test_conf_empty_command);
	tcase_add_test(tc, test_conf_replace_needs_one_instance);
	tcase_add_test(tc, test_conf_relative_paths);
	tcase_add_test(tc, test_conf_bad_name);
	tcase_add_test(tc, test_conf_long_name);
	tcase_add_test(tc, test_conf_slots_range);
	tcase_add_test(tc, test_conf_syntax_error);
	tcase_add_test(tc, test_conf_first_error_only);
	tcase_add_test(tc, test_conf_expand_here);
	tcase_add_test(tc, test_conf_expand_env);
	tcase_add_test(tc, test_conf_environment);
	tcase_add_test(tc, test_conf_environment_expand);
	tcase_add_test(tc, test_conf_list_expand);
	tcase_add_test(tc, test_conf_continuation);
	tcase_add_test(tc, test_conf_inline_comment);
	tcase_add_test(tc, test_conf_long_line);
	tcase_add_test(tc, test_conf_too_long_line);
	tcase_add_test(tc, test_conf_crlf);
	tcase_add_test(tc, test_conf_open_error);
	tcase_add_test(tc, test_conf_exitcode_bitmap);
	tcase_add_test(tc, test_conf_free_argv);
	tcase_add_test(tc, test_conf_example_loads);
	tcase_add_test(tc, test_conf_example_covers_every_key);
	suite_add_tcase(s, tc);
	return (s);
}

/* Run the suite in a fresh temporary directory; nonzero if a test failed. */
int
main(void)
{
	SRunner		*sr;
	const char	*tmp;
	char		*real;
	int		 failed;

	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(test_dir, sizeof(test_dir), "%s/check_conf.XXXXXX", tmp);
	if (mkdtemp(test_dir) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	/* %(here)s is resolved, so compare against the resolved path. */
	if ((real = realpath(test_dir, NULL)) != NULL) {
		snprintf(test_dir, sizeof(test_dir), "%s", real);
		free(real);
	}

	sr = srunner_create(conf_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);

	nftw(test_dir, test_rm, 16, FTW_DEPTH | FTW_PHYS);
	return (failed == 0 ? 0 : 1);
}
