/*
 * lockfile: flock(2) on <state-dir>/heraldd.lock. The kernel drops the lock
 * when the process dies, even by SIGKILL, so a crash never leaves a stale
 * lock behind.
 */
#include <sys/file.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "daemon/lockfile.h"

int
lockfile_acquire(const char *path, char **cause)
{
	char buf[32];
	int  fd, n;

	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int err = errno;

		n = (int)pread(fd, buf, sizeof buf - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (err == EWOULDBLOCK)
			xasprintf(cause,
			          "state dir is in use by another heraldd "
			          "(pid %s, lock %s)",
			          *buf != '\0' ? buf : "unknown", path);
		else
			xasprintf(cause, "%s: %s", path, strerror(err));
		close(fd);
		return -1;
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
lockfile_release(int fd)
{
	if (fd < 0)
		return;
	(void)!ftruncate(fd, 0);
	close(fd);
}
