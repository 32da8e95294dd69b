/*
 * config_check: the checks of a decoded config that span keys or look
 * outside the file (workflow types, the cron arithmetic, time zones).
 * Called by config_parse; main thread only.
 */
#ifndef HERALD_CONFIG_CHECK_H
#define HERALD_CONFIG_CHECK_H

struct config;

/* 0, or -1 with *cause "KEY.PATH: what is wrong" (caller frees). */
int config_check(const struct config *, char **cause);

#endif
