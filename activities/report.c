/*
 * report: one publication per channel that went out.
 */
#include <stdlib.h>
#include <string.h>

#include "activities/report.h"
#include "common/util.h"

static const char *const channels[][2] = {
	{ "facebook", "publish_facebook_photo" },
	{ "instagram", "publish_instagram_photo" },
};

/* Tokens and cost of the run's model calls (viewing and writing). */
static double
spent(const struct act_call *c, const char *key)
{
	static const char *const steps[] = { "view_image", "generate_caption" };
	double                   sum = 0, v;
	size_t                   i;

	for (i = 0; i < nitems(steps); i++) {
		v = cJSON_GetNumberValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(c->deps, steps[i]), key));
		if (v == v && v > 0)
			sum += v;
	}
	return sum;
}

void
report_save(const struct act_call *c, struct act_out *out)
{
	const cJSON *caption = cJSON_GetObjectItem(c->deps, "generate_caption");
	const cJSON *photo =
	    cJSON_GetObjectItem(c->deps, "get_random_unused_photo");
	cJSON *r = cJSON_CreateObject(), *pubs, *p, *post;
	size_t i;
	int    n = 0;

	pubs = cJSON_AddArrayToObject(r, "_publications");
	for (i = 0; i < nitems(channels); i++) {
		post = cJSON_GetObjectItem(c->deps, channels[i][1]);
		if (!cJSON_IsString(cJSON_GetObjectItem(post, "post_id")))
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "channel", channels[i][0]);
		cJSON_AddItemToObject(
		    p, "post_id",
		    cJSON_Duplicate(cJSON_GetObjectItem(post, "post_id"), 1));
		cJSON_AddItemToObject(
		    p, "permalink",
		    cJSON_Duplicate(cJSON_GetObjectItem(post, "permalink"), 1));
		cJSON_AddItemToObject(
		    p, "caption",
		    cJSON_Duplicate(cJSON_GetObjectItem(caption, "caption"),
		                    1));
		cJSON_AddItemToObject(
		    p, "photo_key",
		    cJSON_Duplicate(cJSON_GetObjectItem(photo, "key"), 1));
		cJSON_AddItemToObject(
		    p, "model",
		    cJSON_Duplicate(cJSON_GetObjectItem(caption, "model"), 1));
		/* Tokens and cost once per run, on its first channel. */
		cJSON_AddNumberToObject(p, "input_tokens",
		                        n == 0 ? spent(c, "input_tokens") : 0);
		cJSON_AddNumberToObject(p, "output_tokens",
		                        n == 0 ? spent(c, "output_tokens") : 0);
		cJSON_AddNumberToObject(p, "cost_usd",
		                        n == 0 ? spent(c, "cost_usd") : 0);
		cJSON_AddItemToArray(pubs, p);
		n++;
	}
	if (n == 0) {
		cJSON_Delete(r);
		out->status = ACT_FAIL;
		out->error = xstrdup("nothing was published to report");
		return;
	}
	cJSON_AddNumberToObject(r, "publications", n);
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
}
