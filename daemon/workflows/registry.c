/*
 * registry: the built-in workflow types and the helpers every type shares.
 */
#include <math.h>
#include <string.h>

#include "daemon/workflow.h"

const struct workflow *const workflow_types[] = {
	&workflow_diagnostic,
	&workflow_feed_publisher,
	NULL,
};

const struct workflow *
workflow_find(const struct workflow *const *types, const char *name)
{
	for (; *types != NULL; types++)
		if (strcmp((*types)->name, name) == 0)
			return *types;
	return NULL;
}

int64_t
retry_delay_ms(const struct retry_policy *p, int attempt)
{
	double initial = p->initial_ms > 0 ? (double)p->initial_ms : 1000.0;
	double coef = p->coefficient > 0 ? p->coefficient : 2.0;
	double max = p->max_interval_ms > 0 ? (double)p->max_interval_ms
	                                    : 100.0 * initial;
	double d = initial * pow(coef, attempt > 1 ? attempt - 1 : 0);

	return (int64_t)(d < max ? d : max);
}

const char *
workflow_brand(const cJSON *input)
{
	const cJSON *b;

	if (cJSON_IsString(input))
		return input->valuestring;
	b = cJSON_GetObjectItemCaseSensitive(input, "brand");
	return cJSON_IsString(b) ? b->valuestring : NULL;
}
