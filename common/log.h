/*
 * log: one line per event on stderr, "TIME LEVEL EVENT key=value ...".
 * Any thread; each line is written with a single write(2), after the
 * redactor (common/redact.h) replaced every registered secret in it. Never
 * pass a secret on purpose all the same: what was not registered (or is
 * shorter than REDACT_MIN_LEN) goes out as it is.
 */
#ifndef HERALD_LOG_H
#define HERALD_LOG_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

void           log_set_level(enum log_level);
enum log_level log_get_level(void);
/* Returns 0 and sets *out, or -1 if name is not a level. */
int         log_parse_level(const char *name, enum log_level *out);
const char *log_level_name(enum log_level);

/* event is one word ("daemon_started"); fmt formats the key=value fields
 * and may be NULL. */
void log_msg(enum log_level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
