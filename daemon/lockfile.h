/*
 * lockfile: one daemon per state dir. Main thread.
 */
#ifndef HERALD_LOCKFILE_H
#define HERALD_LOCKFILE_H

/* Takes an exclusive lock on path and writes our pid into it. Returns the
 * open descriptor (keep it open: closing or dying releases the lock), or -1
 * with *cause set; when another process holds the lock, *cause names its
 * pid. */
int lockfile_acquire(const char *path, char **cause);

/* Empties and closes the file; the lock goes with it. */
void lockfile_release(int fd);

#endif
