/*
 * workflow: a workflow type is a static table of steps. The engine reads
 * these tables; they never change at run time.
 */
#ifndef HERALD_WORKFLOW_H
#define HERALD_WORKFLOW_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "activities/activity.h"

#define WF_MAX_STEPS 16
#define WF_MAX_DEPS  8

/* Temporal's semantics: the delay before attempt k+1 is
 * initial * coefficient^(k-1), at most max_interval; max_attempts counts
 * every attempt, the first included. */
struct retry_policy {
	int64_t initial_ms;      /* 0: 1000 */
	double  coefficient;     /* 0: 2.0 */
	int64_t max_interval_ms; /* 0: 100 x initial */
	int     max_attempts;    /* 0: unlimited */
};

struct step_def {
	const char *name;
	activity_fn run;
	/* For side-effecting steps: finds out whether an attempt whose
	 * outcome is unknown took effect (ACT_OK with its result: it did;
	 * ACT_RETRY: it did not, act again; ACT_UNKNOWN: cannot tell, an
	 * operator decides). NULL: every unknown outcome goes to an
	 * operator. */
	activity_fn         check;
	const char         *deps[WF_MAX_DEPS]; /* NULL-terminated */
	int64_t             timeout_ms;        /* start-to-close, per attempt */
	struct retry_policy retry;
	int                 side_effect;
	/* A kind of key this step claims (see activity.h); its activity is
	 * told which keys of that kind other runs hold. */
	const char *claims;
	/* The approval gate (DESIGN rule 10): no activity; for a brand in
	 * approve-before-publish mode the run waits here (waiting_approval)
	 * for an operator to approve, edit, reject or regenerate the caption
	 * of the step named here. Otherwise it passes at once. Its result is
	 * {"caption", "approval", ...}: the caption to publish. */
	const char *gate;
};

struct workflow {
	const char            *name;
	const struct step_def *steps;
	int                    nsteps;
	/* Checks an input; 0, or -1 with *cause. NULL: any JSON. */
	int (*check_input)(const cJSON *input, char **cause);
	/* The input names a brand that must be in the config. */
	int needs_brand;
};

/* The built-in types, NULL-terminated. */
extern const struct workflow *const workflow_types[];

extern const struct workflow workflow_diagnostic;
extern const struct workflow workflow_feed_publisher;

const struct workflow *workflow_find(const struct workflow *const *types,
                                     const char                   *name);

/* The delay before the next attempt after `attempt` failed. */
int64_t retry_delay_ms(const struct retry_policy *, int attempt);

/* The brand of an input: "pomandi" or {"brand":"pomandi"}; NULL if none.
 * Returns a pointer into input. */
const char *workflow_brand(const cJSON *input);

#endif
