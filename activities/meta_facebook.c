/*
 * meta_facebook: the brand's Facebook Page photo post, and the check that
 * finds out whether an attempt whose answer was lost went out.
 *
 * The photo goes as a URL Meta fetches (S3 photos, presigned) or as a
 * multipart upload of the file (a local folder). The post is found again
 * by its caption among the page's posts since the run began: a caption is
 * specific enough, and nothing else links a lost answer to its post.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activities/meta.h"
#include "activities/meta_facebook.h"
#include "activities/photo.h"
#include "common/util.h"

/* The post's permalink; best effort: a live post is never failed over
 * it. */
static char *
permalink(const struct act_call *c, const char *post_id)
{
	const char      *params[] = { "fields", "permalink_url" };
	struct meta_call mc = {
		.method = "GET", .path = post_id, .params = params, .nparams = 1
	};
	struct act_out o;
	cJSON         *a;
	char          *link;

	memset(&o, 0, sizeof o);
	a = meta_request(c, &mc, &o);
	free(o.error);
	link = xstrdup(
	    cJSON_GetStringValue(cJSON_GetObjectItem(a, "permalink_url")));
	cJSON_Delete(a);
	return link;
}

void
meta_facebook_publish(const struct act_call *c, struct act_out *out)
{
	const char      *page = meta_setting(c, "page_id");
	const char      *caption = act_caption(c);
	const char      *params[4];
	char             path[160];
	struct meta_call mc = { .method = "POST", .publishes = 1 };
	struct meta_file file;
	struct photo     p;
	char            *link, *url = NULL;
	cJSON           *a;

	if (meta_skipped(c, out, "facebook", "page_id"))
		return;
	if (caption == NULL) {
		meta_fail(out, ACT_FAIL, "no caption to publish");
		return;
	}
	memset(&p, 0, sizeof p);
	snprintf(path, sizeof path, "%s/photos", page);
	params[0] = "caption";
	params[1] = caption;
	mc.path = path;
	mc.params = params;
	mc.nparams = 2;
	if (photo_has_url(c)) {
		/* S3: Meta fetches it. */
		if (photo_url(c, CH_FACEBOOK, &url, out) != 0)
			return;
		params[2] = "url";
		params[3] = url;
	} else {
		/* A local folder: the bytes go with the request. */
		if (photo_load(c, CH_FACEBOOK, &p, out) != 0)
			return;
		file.field = "source";
		file.type = "image/jpeg";
		file.data = p.data;
		file.len = p.len;
		mc.nparams = 1;
		mc.file = &file;
	}
	a = meta_request(c, &mc, out);
	free(p.data);
	if (url != NULL) {
		explicit_bzero(url, strlen(url));
		free(url);
	}
	if (a == NULL)
		return;
	if (!cJSON_IsString(cJSON_GetObjectItem(a, "post_id"))) {
		/* It answered, but not with a post: whether one exists is
		 * for the check to find out. */
		meta_fail(out, ACT_UNKNOWN,
		          "graph: the answer to the photo post has no post_id");
		cJSON_Delete(a);
		return;
	}
	link = permalink(c, cJSON_GetObjectItem(a, "post_id")->valuestring);
	meta_result(out, "facebook",
	            cJSON_GetObjectItem(a, "post_id")->valuestring, link,
	            "photo_id",
	            cJSON_GetStringValue(cJSON_GetObjectItem(a, "id")), 0);
	free(link);
	cJSON_Delete(a);
}

/* Looks once for the post with this caption since `since` (unix s):
 * 1 found (out set to it), 0 not there, -1 could not look (out set).
 * A listing that fails for a passing reason is read again
 * (meta_check_again). */
static int
look(const struct act_call *c, const char *since, struct act_out *out)
{
	const char *page = meta_setting(c, "page_id");
	const char *params[] = {
		"fields", "id,message,created_time,permalink_url",
		"since",  since,
		"limit",  "100"
	};
	char             path[160], what[200];
	struct meta_call mc = {
		.method = "GET", .path = path, .params = params, .nparams = 3
	};
	const cJSON *it;
	cJSON       *a;
	int          n;

	snprintf(path, sizeof path, "%s/posts", page);
	snprintf(what, sizeof what, "could not list the posts of page %s",
	         page);
	for (n = 1; (a = meta_request(c, &mc, out)) == NULL; n++)
		if (!meta_check_again(c, out, n, what))
			return -1; /* cannot look: cannot tell */
	it = meta_find(a, "message", act_caption(c));
	if (it != NULL)
		meta_result(out, "facebook",
		            cJSON_GetObjectItem(it, "id")->valuestring,
		            cJSON_GetStringValue(
		                cJSON_GetObjectItem(it, "permalink_url")),
		            "photo_id", NULL, 1);
	cJSON_Delete(a);
	return it != NULL;
}

void
meta_facebook_check(const struct act_call *c, struct act_out *out)
{
	char    since[32];
	int64_t from =
	    c->prev_started_at > 0 ? c->prev_started_at : c->created_at;
	int64_t settle = (int64_t)meta_number(c, "check_settle_ms", 20000);

	if (meta_skipped(c, out, "facebook", "page_id"))
		return;
	/* From a minute before the lost attempt began: clocks differ. */
	snprintf(since, sizeof since, "%lld", (long long)(from / 1000 - 60));
	if (look(c, since, out) != 0)
		return;
	/* Meta may still be fetching the photo of a post whose answer was
	 * lost: "not there" counts only if it is still not there a while
	 * later. */
	if (meta_sleep(c, settle) != 0) {
		meta_fail(out, ACT_UNKNOWN,
		          "no post with this caption on page %s at the first "
		          "look; %s came before the second",
		          meta_setting(c, "page_id"),
		          c->cancel != NULL && atomic_load(c->cancel)
		              ? "a cancel"
		              : "the step's deadline");
		return;
	}
	if (look(c, since, out) != 0)
		return;
	meta_fail(out, ACT_RETRY,
	          "no post with this caption on page %s since the attempt "
	          "began (looked twice, %g s apart): it did not go out",
	          meta_setting(c, "page_id"), (double)settle / 1000);
}
