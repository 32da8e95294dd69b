/*
 * cli_sched: the schedule commands' printers (tui/cli.c's table names
 * them).
 */
#ifndef HERALD_CLI_SCHED_H
#define HERALD_CLI_SCHED_H

#include <stdio.h>

#include <cjson/cJSON.h>

void cli_print_schedules(FILE *, const cJSON *result);
void cli_print_schedule(FILE *, const cJSON *result);
void cli_print_sched_changed(FILE *, const cJSON *result);

#endif
