/*
 * bench: what the benchmarks in tests/bench share.
 */
#ifndef HERALD_BENCH_H
#define HERALD_BENCH_H

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field of /proc/PID/status in KiB (VmRSS:, RssAnon:, VmHWM:...), or a
 * count (Threads:); -1 when it cannot be read. */
static inline long
bench_status(pid_t pid, const char *field)
{
	char  path[64], line[256];
	FILE *f;
	long  v = -1;

	snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, strlen(field)) == 0)
			v = atol(line + strlen(field) + 1);
	fclose(f);
	return v;
}

#endif
