/*
 * report: one publication per channel that went out.
 */
#include <stdlib.h>
#include <string.h>

#include "activities/report.h"
#include "db/report_pg.h"
#include "common/json.h"
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

/* The PostgreSQL copy, when DATABASE_URL is set; its rows match the
 * SQLite ones the engine writes from "_publications". */
static int
write_pg(const struct act_call *c, const cJSON *pubs, int n,
         struct act_out *out)
{
	const char               *url = getenv("DATABASE_URL");
	struct store_publication *rows;
	const cJSON              *p;
	char                     *cause = NULL;
	int                       i = 0, retryable, rc;
	int64_t                   now = clock_ms();

	if (url == NULL || *url == '\0')
		return 0;
	rows = xcalloc((size_t)n, sizeof *rows);
	cJSON_ArrayForEach(p, pubs)
	{
		rows[i].execution = c->exec_id;
		rows[i].brand = cJSON_GetStringValue(cJSON_GetObjectItem(
		    cJSON_GetObjectItem(c->settings, "brand"), "name"));
		rows[i].channel =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "channel"));
		rows[i].post_id =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "post_id"));
		rows[i].permalink =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "permalink"));
		rows[i].caption =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "caption"));
		rows[i].photo_key =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "photo_key"));
		rows[i].model =
		    cJSON_GetStringValue(cJSON_GetObjectItem(p, "model"));
		rows[i].input_tokens = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(p, "input_tokens"));
		rows[i].output_tokens = (int64_t)cJSON_GetNumberValue(
		    cJSON_GetObjectItem(p, "output_tokens"));
		rows[i].cost_usd =
		    cJSON_GetNumberValue(cJSON_GetObjectItem(p, "cost_usd"));
		rows[i].published_at = now;
		i++;
	}
	rc = report_pg_write(url, rows, n, c->deadline, &cause, &retryable);
	free(rows);
	if (rc != 0) {
		out->status = retryable ? ACT_RETRY : ACT_FAIL;
		out->error = cause;
		return -1;
	}
	return 0;
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
		/* Every channel that went out, even when its post id is not
		 * known (an operator resolved it as done; a check found it
		 * out but not its id). */
		if (!cJSON_IsObject(post) ||
		    cJSON_GetObjectItem(post, "skipped") != NULL)
			continue;
		p = cJSON_CreateObject();
		cJSON_AddStringToObject(p, "channel", channels[i][0]);
		json_add_str(
		    p, "post_id",
		    cJSON_GetStringValue(cJSON_GetObjectItem(post, "post_id")));
		json_add_str(p, "permalink",
		             cJSON_GetStringValue(
		                 cJSON_GetObjectItem(post, "permalink")));
		cJSON_AddStringToObject(p, "caption", act_caption(c));
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
	if (write_pg(c, pubs, n, out) != 0) {
		cJSON_Delete(r);
		return;
	}
	cJSON_AddBoolToObject(r, "postgres",
	                      getenv("DATABASE_URL") != NULL &&
	                          *getenv("DATABASE_URL"));
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
}
