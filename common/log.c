/*
 * log: structured lines on stderr for journald or a terminal. The level is a
 * relaxed atomic, so SIGHUP can change it while workers log. Every line
 * passes the redactor (common/redact.h) before it is written.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/redact.h"
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
	char    line[4096], ts[32], *fields = NULL;
	int     n, i;
	va_list ap;

	if ((int)level < atomic_load_explicit(&log_level, memory_order_relaxed))
		return;
	if (fmt != NULL) {
		va_start(ap, fmt);
		xvasprintf(&fields, fmt, ap);
		va_end(ap);
		/* Whole, before the line is cut to size: a secret cut in
		 * two would no longer be found, and its head would show. */
		redact_str(&fields);
	}
	n = snprintf(line, sizeof line, "%s %s %s%s%s",
	             iso8601(clock_ms(), ts, sizeof ts), level_names[level],
	             event, fields != NULL ? " " : "",
	             fields != NULL ? fields : "");
	free(fields);
	if (n < 0)
		n = 0;
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
