/*
 * stamp.c: a benchmark helper. Write CLOCK_MONOTONIC in nanoseconds to
 * FILE, as early (or, with -w, as late) as a process can: startup costs the
 * same for every tool compared.
 *
 *	stamp FILE		write the time now
 *	stamp -w FIFO FILE	read one byte from FIFO first (a trigger)
 *	stamp -a FILE WORD	append "WORD TIME" and a newline to FILE (one
 *				write with O_APPEND: lines never mix)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct timespec	ts;
	char		buf[48], c;
	int		fd, n;

	if (argc == 4 && strcmp(argv[1], "-a") == 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		n = snprintf(buf, sizeof(buf), "%.12s %lld\n", argv[3],
		    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
		if ((fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644)) ==
		    -1 || write(fd, buf, n) != n || close(fd) == -1)
			return (1);
		return (0);
	}
	if (argc == 4 && strcmp(argv[1], "-w") == 0) {
		if ((fd = open(argv[2], O_RDONLY)) == -1 || read(fd, &c, 1) != 1)
			return (2);
		close(fd);
		argv += 2;
	} else if (argc != 2)
		return (64);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(buf, sizeof(buf), "%lld\n",
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	if ((fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, buf, n) != n || close(fd) == -1)
		return (1);
	return (0);
}
