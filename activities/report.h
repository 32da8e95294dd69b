/*
 * report: save_publication_report. Worker threads.
 */
#ifndef HERALD_REPORT_H
#define HERALD_REPORT_H

#include "activities/activity.h"

/* Gathers what went out (posts, caption, photo, tokens, cost) and hands it
 * to the engine, which writes the publications table with the step's
 * completion (activity.h, "_publications"). */
void report_save(const struct act_call *, struct act_out *);

#endif
