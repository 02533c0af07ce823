/*
 * tests/fuzz/conf_load.c: libFuzzer harness for the job file loader.
 *
 * The input is a whole job file: conf_load reads it (lines, sections, keys,
 * %(here)s and %(ENV_NAME)s expansions, the environment tokenizer, lists)
 * from a memfd through /proc/self/fd. Beside the sanitizers' checks, what
 * a load must guarantee: an error says FILE: and nothing is kept; a
 * success holds only jobs and semaphores lockrun can run.
 */
#include "config.h"

#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "util.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int	fuzz_fd = -1;
static char	fuzz_path[64];

/* Stop with a message libFuzzer keeps beside the input that caused it. */
static void __attribute__((noreturn))
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "conf_load: %s: %s\n", what, detail);
	abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if ((fuzz_fd = memfd_create("fuzz.ini", MFD_CLOEXEC)) == -1) {
		perror("memfd_create");
		exit(1);
	}
	snprintf(fuzz_path, sizeof(fuzz_path), "/proc/self/fd/%d", fuzz_fd);
	/* What %(ENV_...)s may name: plain, a list, quotes, empty. */
	setenv("FUZZ", "value", 1);
	setenv("FUZZ_LIST", "a,b", 1);
	setenv("FUZZ_QUOTE", "say \"hi\", \\o/", 1);
	setenv("FUZZ_EMPTY", "", 1);
	setenv("FUZZ_PCT", "%(here)s %%", 1);
	unsetenv("FUZZ_UNSET");
	return (0);
}

/* What a successful load promises about one job. */
static void
fuzz_check_job(const struct conf *c, const struct conf_job *job)
{
	size_t	i;

	if (!util_valid_name(job->name))
		fuzz_fail("job with a bad name", job->name);
	if (conf_find_job(c, job->name) != job)
		fuzz_fail("job not found by its name", job->name);
	if (job->command == NULL || *job->command == '\0')
		fuzz_fail("job without a command", job->name);
	if (job->numprocs < 1 || job->numprocs > LOCKRUN_MAX_NUMPROCS)
		fuzz_fail("numprocs out of range", job->name);
	if (job->on_running == CONF_ON_RUNNING_REPLACE &&
	    (!job->singleton || job->numprocs != 1))
		fuzz_fail("replace without a single singleton", job->name);
	if (job->wait_timeout < 0 || job->timeout < 0 ||
	    job->stopwaitsecs < 0 || job->retry_interval <= 0)
		fuzz_fail("negative duration", job->name);
	if (job->has_nice && (job->nice < -20 || job->nice > 19))
		fuzz_fail("nice out of range", job->name);
	if (job->iolevel < 0 || job->iolevel > 7)
		fuzz_fail("I/O level out of range", job->name);
	for (i = 0; i < job->nsems; i++) {
		if (job->sems[i] >= c->nsems)
			fuzz_fail("semaphore index out of range", job->name);
	}
	for (i = 0; i < job->nlocks; i++) {
		if (!util_valid_name(job->locks[i].name))
			fuzz_fail("lock with a bad name", job->locks[i].name);
	}
	for (i = 0; i < job->nenvironment; i++) {
		if (job->environment[i] == NULL ||
		    strchr(job->environment[i], '=') == NULL)
			fuzz_fail("environment entry without '='", job->name);
	}
	if (job->environment != NULL && job->environment[i] != NULL)
		fuzz_fail("environment not NULL-terminated", job->name);
	if (job->directory != NULL && *job->directory != '/')
		fuzz_fail("directory not absolute", job->directory);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	c;
	char		err[1024];
	size_t		i, plen;
	int		rc;

	if (ftruncate(fuzz_fd, 0) == -1 ||
	    pwrite(fuzz_fd, data, size, 0) != (ssize_t)size)
		fuzz_fail("memfd", "cannot write the input");

	memset(err, 'x', sizeof(err));
	rc = conf_load(&c, fuzz_path, err, sizeof(err));
	if (memchr(err, '\0', sizeof(err)) == NULL)
		fuzz_fail("error message", "not NUL-terminated");
	plen = strlen(fuzz_path);
	if (rc == -1) {
		if (strncmp(err, fuzz_path, plen) != 0 || err[plen] != ':')
			fuzz_fail("error without FILE:", err);
		if (c.njobs != 0 || c.nsems != 0 || c.jobs != NULL)
			fuzz_fail("failed load kept something", err);
		return (0);
	}
	if (err[0] != '\0')
		fuzz_fail("success with an error message", err);
	if (c.busy_exit_code < 0 || c.busy_exit_code > 255)
		fuzz_fail("busy_exit_code out of range", "");
	if (c.lock_dir != NULL && *c.lock_dir != '/')
		fuzz_fail("lock_dir not absolute", c.lock_dir);
	for (i = 0; i < c.nsems; i++) {
		if (c.sems[i].slots < 1 || c.sems[i].slots > LOCKRUN_MAX_SLOTS)
			fuzz_fail("slots out of range", c.sems[i].name);
		if (!util_valid_name(c.sems[i].name) ||
		    conf_find_sem(&c, c.sems[i].name) != &c.sems[i])
			fuzz_fail("semaphore not found by name",
			    c.sems[i].name);
	}
	for (i = 0; i < c.njobs; i++)
		fuzz_check_job(&c, &c.jobs[i]);
	conf_free(&c);
	return (0);
}
