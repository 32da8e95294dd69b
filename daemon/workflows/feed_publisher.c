/*
 * FeedPublisherWorkflow: a brand's photo, described, captioned in its
 * language, published to Facebook and Instagram at once, and reported.
 *
 *   get_random_unused_photo -> view_image -> generate_caption
 *     -> approve_caption (the approval gate: waits for an operator when
 *        the brand says so, else passes at once)
 *     -> (publish_facebook_photo, publish_instagram_photo)
 *     -> save_publication_report
 *
 * Input: "pomandi" or {"brand": "pomandi"}. Which photo source, caption
 * writer and publisher a brand uses comes from its settings (photos from
 * a folder or an S3 bucket; the offline writer or Claude; Meta's Graph
 * API or the local outbox).
 */
#include <string.h>

#include "activities/claude.h"
#include "activities/meta_facebook.h"
#include "activities/meta_instagram.h"
#include "activities/offline.h"
#include "activities/outbox.h"
#include "activities/pick.h"
#include "activities/report.h"
#include "common/util.h"
#include "daemon/workflow.h"

static int
feed_check_input(const cJSON *in, char **cause)
{
	const cJSON *it;

	if (cJSON_IsString(in) && *in->valuestring != '\0')
		return 0;
	if (cJSON_IsObject(in) &&
	    cJSON_IsString(cJSON_GetObjectItem(in, "brand"))) {
		cJSON_ArrayForEach(it, in)
		{
			if (strcmp(it->string, "brand") != 0) {
				xasprintf(cause, "input.%s: unknown key",
				          it->string);
				return -1;
			}
		}
		return 0;
	}
	xasprintf(cause, "input: expected a brand: \"pomandi\" or "
	                 "{\"brand\": \"pomandi\"}");
	return -1;
}

/* The brand's caption writer decides who looks and who writes. */
static int
writer_is_claude(const struct act_call *c)
{
	const char *w = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                        "captions"),
	    "writer"));

	return w != NULL && strcmp(w, "claude") == 0;
}

/* The brand's publisher: Meta's Graph API, or the local outbox. */
static int
to_meta(const struct act_call *c)
{
	const char *to = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                        "publish"),
	    "to"));

	return to != NULL && strcmp(to, "meta") == 0;
}

static void
publish_facebook(const struct act_call *c, struct act_out *out)
{
	if (to_meta(c))
		meta_facebook_publish(c, out);
	else
		outbox_publish_facebook(c, out);
}

static void
check_facebook(const struct act_call *c, struct act_out *out)
{
	if (to_meta(c))
		meta_facebook_check(c, out);
	else
		outbox_check_facebook(c, out);
}

static void
publish_instagram(const struct act_call *c, struct act_out *out)
{
	if (to_meta(c))
		meta_instagram_publish(c, out);
	else
		outbox_publish_instagram(c, out);
}

static void
check_instagram(const struct act_call *c, struct act_out *out)
{
	if (to_meta(c))
		meta_instagram_check(c, out);
	else
		outbox_check_instagram(c, out);
}

static void
view_image(const struct act_call *c, struct act_out *out)
{
	if (writer_is_claude(c))
		claude_view(c, out);
	else
		offline_view(c, out);
}

static void
generate_caption(const struct act_call *c, struct act_out *out)
{
	if (writer_is_claude(c))
		claude_caption(c, out);
	else
		offline_caption(c, out);
}

#define MIN 60000

static const struct step_def feed_steps[] = {
	{
	    .name = "get_random_unused_photo",
	    .run = pick_photo,
	    .timeout_ms = 2 * MIN,
	    .retry = { .max_attempts = 3 },
	    .claims = "photo",
	},
	{
	    .name = "view_image",
	    .run = view_image,
	    .deps = { "get_random_unused_photo", NULL },
	    .timeout_ms = 1 * MIN,
	    .retry = { .max_attempts = 2 },
	},
	{
	    .name = "generate_caption",
	    .run = generate_caption,
	    .deps = { "view_image", NULL },
	    .timeout_ms = 3 * MIN,
	    .retry = { .max_attempts = 2 },
	},
	{
	    .name = "approve_caption",
	    .gate = "generate_caption",
	    .deps = { "generate_caption", NULL },
	},
	{
	    .name = "publish_facebook_photo",
	    .run = publish_facebook,
	    .check = check_facebook,
	    .deps = { "approve_caption", "get_random_unused_photo", NULL },
	    .timeout_ms = 5 * MIN,
	    .retry = { .max_attempts = 3 },
	    .side_effect = 1,
	},
	{
	    .name = "publish_instagram_photo",
	    .run = publish_instagram,
	    .check = check_instagram,
	    .deps = { "approve_caption", "get_random_unused_photo", NULL },
	    .timeout_ms = 5 * MIN,
	    .retry = { .max_attempts = 3 },
	    .side_effect = 1,
	},
	{
	    .name = "save_publication_report",
	    .run = report_save,
	    .deps = { "publish_facebook_photo", "publish_instagram_photo",
	              "approve_caption", "generate_caption", "view_image",
	              "get_random_unused_photo", NULL },
	    .timeout_ms = 1 * MIN,
	    .retry = { .max_attempts = 2 },
	},
};

const struct workflow workflow_feed_publisher = {
	.name = "FeedPublisherWorkflow",
	.steps = feed_steps,
	.nsteps = (int)nitems(feed_steps),
	.check_input = feed_check_input,
	.needs_brand = 1,
};
