/*
 * tests/fuzz/options.c: libFuzzer harness for lockrun's command line
 * (options_parse, src/options.c, which lockrun's main calls).
 *
 * The input is the arguments after "lockrun", separated by NUL bytes.
 * Beside the sanitizers' checks, what a parse must guarantee: a refusal
 * comes with a message that prints nothing the user did not type but
 * plain text; an acceptance describes one thing lockrun can do.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "options.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX_ARGS	64

static void __attribute__((noreturn))
fuzz_fail(const char *what, const char *detail)
{
	fprintf(stderr, "options: %s: %s\n", what, detail);
	abort();
}

/* Is byte c of a message plain text, or in one of the arguments? */
static int
fuzz_byte_explained(unsigned char c, int argc, char **argv)
{
	int	i;

	if (c >= 0x20 && c < 0x7f)
		return (1);
	for (i = 1; i < argc; i++) {
		if (strchr(argv[i], c) != NULL)
			return (1);
	}
	return (0);
}

/* What an accepted command line promises. */
static void
fuzz_check_run(int argc, char **argv, const struct options *o, int first)
{
	(void)argv;
	if (first < 1 || first > argc)
		fuzz_fail("first operand out of range", "");
	if ((o->semaphore != NULL) != (o->slots != 0))
		fuzz_fail("semaphore without slots or slots without one", "");
	if (o->slots > LOCKRUN_MAX_SLOTS)
		fuzz_fail("slots out of range", o->semaphore);
	if (o->busy_code < -1 || o->busy_code > 255)
		fuzz_fail("busy code out of range", "");
	if (o->wait < 0 || o->timeout < 0 || o->kill_after < 0)
		fuzz_fail("negative duration", "");
	if (o->no_wait && o->wait > 0)
		fuzz_fail("--no-wait with --wait", "");
	if (o->config != NULL) {
		if (o->nlocks > 0 || o->semaphore != NULL || o->shared)
			fuzz_fail("--config with ad hoc locks", o->config);
		return;
	}
	if (o->fd != -1) {
		/* flock's "flock 9": a descriptor alone, and no command. */
		if (o->nlocks > 0 || o->semaphore != NULL || o->status)
			fuzz_fail("--fd with other locks or --status", "");
		if (first != argc)
			fuzz_fail("--fd with a command", "");
		return;
	}
	/* --status alone shows the whole lock dir; anything else locks. */
	if (o->nlocks == 0 && o->semaphore == NULL && !o->status)
		fuzz_fail("ad hoc with nothing to lock", "");
	/* run-this-one: whose holder to stop, and wait for. */
	if (o->replace && (o->nlocks != 1 || o->shared || o->no_wait))
		fuzz_fail("--replace without one exclusive --lock to wait for",
		    "");
	if (o->status ? first != argc : first >= argc)
		fuzz_fail("command and --status disagree", "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct options	 o;
	char		*buf, *p, *end, *argv[FUZZ_MAX_ARGS + 2], *err;
	int		 argc = 0, first, rc;
	size_t		 i;

	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "lockrun";
	for (p = buf, end = buf + size; argc <= FUZZ_MAX_ARGS; ) {
		argv[argc++] = p;
		p += strlen(p) + 1;
		if (p > end)
			break;
	}
	argv[argc] = NULL;

	rc = options_parse(argc, argv, &o, &first, &err);
	if (rc == -1) {
		if (err == NULL || *err == '\0')
			fuzz_fail("refused without a message", "");
		for (i = 0; err[i] != '\0'; i++) {
			if (!fuzz_byte_explained((unsigned char)err[i], argc,
			    argv))
				fuzz_fail("message holds a byte nobody typed",
				    err);
		}
	} else {
		if (err != NULL)
			fuzz_fail("accepted with a message", err);
		if (o.action == OPTIONS_RUN)
			fuzz_check_run(argc, argv, &o, first);
	}
	free(err);
	options_free(&o);
	free(buf);
	return (0);
}
