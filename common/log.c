/*
 * log: structured lines on stderr for journald or a terminal. The level is a
 * relaxed atomic, so SIGHUP can change it while workers log.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/util.h"

static _Atomic int log_level = LOG_INFO;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void
log_set_level(enum log_level level)
{
	atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&log_level,
	                                            memory_order_relaxed);
}

int
log_parse_level(const char *name, enum log_level *out)
{
	size_t i;

	for (i = 0; i < nitems(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

const char *
log_level_name(enum log_level level)
{
	return level_names[level];
}

void
log_msg(enum log_level level, const char *event, const char *fmt, ...)
{
	char    line[4096], ts[32];
	int     n, i;
	va_list ap;

	if ((int)level < atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	n = snprintf(line, sizeof line, "%s %s %s",
	             iso8601(clock_ms(), ts, sizeof ts), level_names[level],
	             event);
	if (fmt != NULL && n < (int)sizeof line - 2) {
		line[n++] = ' ';
		va_start(ap, fmt);
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
		va_end(ap);
		n = (int)strlen(line);
	}
	if (n > (int)sizeof line - 2)
		n = (int)sizeof line - 2; /* truncated; keep the newline */
	/* One event, one line: text from outside (an error body, a client's
	 * reason) cannot forge another. */
	for (i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			line[i] = ' ';
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
