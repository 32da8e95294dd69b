/*
 * outbox: publishes by writing a folder. The post is assembled in a
 * temporary folder and renamed into place, so a post is either wholly
 * there or not at all: the check after a crash can always tell.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activities/outbox.h"
#include "activities/photo.h"
#include "common/paths.h"
#include "common/util.h"

static int
write_file(const char *path, const void *buf, size_t len)
{
	int     fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, buf, len);
	if (n != (ssize_t)len || fsync(fd) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* Makes a directory's entries durable (after a rename into it). */
static int
sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Removes a temporary post folder (its files, then itself). */
static void
remove_tmp(const char *tmp)
{
	DIR           *d = opendir(tmp);
	struct dirent *de;
	char          *p;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		xasprintf(&p, "%s/%s", tmp, de->d_name);
		unlink(p);
		free(p);
	}
	closedir(d);
	rmdir(tmp);
}

/* Is the post out? post.json is the last file in, before the rename. */
static int
is_posted(const char *dir)
{
	struct stat sb;
	char       *file;
	int         rc;

	xasprintf(&file, "%s/post.json", dir);
	rc = stat(file, &sb) == 0;
	free(file);
	return rc;
}

static char *
post_dir(const struct act_call *c, const char *channel)
{
	const char *state =
	    cJSON_GetStringValue(cJSON_GetObjectItem(c->settings, "state_dir"));
	char *dir;

	xasprintf(&dir, "%s/outbox/%s/%s", state ? state : ".", channel,
	          c->exec_id);
	return dir;
}

/* The result for a post that is in place. */
static void
posted(const char *channel, const char *dir, const struct act_call *c,
       struct act_out *out)
{
	cJSON *r = cJSON_CreateObject();
	char  *id, *link;

	xasprintf(&id, "outbox-%s-%s", channel, c->exec_id);
	xasprintf(&link, "file://%s/post.json", dir);
	cJSON_AddStringToObject(r, "channel", channel);
	cJSON_AddStringToObject(r, "post_id", id);
	cJSON_AddStringToObject(r, "permalink", link);
	cJSON_AddStringToObject(r, "publisher", "outbox");
	out->status = ACT_OK;
	out->result = cJSON_PrintUnformatted(r);
	cJSON_Delete(r);
	free(id);
	free(link);
}

static void
publish(const struct act_call *c, struct act_out *out, const char *channel)
{
	const char  *caption = act_caption(c);
	const char  *key = act_dep_str(c, "get_random_unused_photo", "key");
	char        *dir = post_dir(c, channel), *tmp = NULL, *path = NULL;
	char        *cause = NULL, *json, *parent, *tmp_error;
	cJSON       *post;
	struct photo photo;
	char         ts[32];
	int          rc;

	if (caption == NULL || key == NULL) {
		out->status = ACT_FAIL;
		out->error = xstrdup("no caption or photo to publish");
		goto out;
	}
	if (is_posted(dir)) {
		posted(channel, dir, c, out); /* already out: say so */
		goto out;
	}
	xasprintf(&tmp, "%s.tmp-%d", dir, c->attempt);
	remove_tmp(tmp); /* an earlier try of this very attempt */
	if (paths_mkdir(tmp, 0755, &cause) != 0) {
		out->status = ACT_RETRY;
		xasprintf(&out->error, "outbox: %s", cause);
		goto out;
	}
	/* Exactly what the channel would get: its variant. */
	if (photo_load(c,
	               strcmp(channel, "facebook") == 0 ? CH_FACEBOOK
	                                                : CH_INSTAGRAM,
	               &photo, out) != 0) {
		tmp_error = xstrdup(out->error);
		free(out->error);
		xasprintf(&out->error, "outbox: %s", tmp_error);
		free(tmp_error);
		remove_tmp(tmp);
		goto out;
	}
	xasprintf(&path, "%s/photo.jpg", tmp);
	rc = write_file(path, photo.data, photo.len);
	free(photo.data);
	if (rc != 0)
		goto io_error;
	free(path);
	xasprintf(&path, "%s/caption.txt", tmp);
	if (write_file(path, caption, strlen(caption)) != 0)
		goto io_error;
	post = cJSON_CreateObject();
	cJSON_AddStringToObject(post, "channel", channel);
	cJSON_AddStringToObject(post, "execution", c->exec_id);
	cJSON_AddItemToObject(
	    post, "brand",
	    cJSON_Duplicate(
	        cJSON_GetObjectItem(cJSON_GetObjectItem(c->settings, "brand"),
	                            "name"),
	        1));
	cJSON_AddStringToObject(post, "photo_key", key);
	cJSON_AddStringToObject(post, "caption", caption);
	cJSON_AddStringToObject(post, "published_at",
	                        iso8601(clock_ms(), ts, sizeof ts));
	json = cJSON_Print(post);
	cJSON_Delete(post);
	free(path);
	xasprintf(&path, "%s/post.json", tmp);
	if (write_file(path, json, strlen(json)) != 0) {
		cJSON_free(json);
		goto io_error;
	}
	cJSON_free(json);
	if (sync_dir(tmp) != 0)
		goto io_error;
	if (rename(tmp, dir) != 0) {
		if ((errno == EEXIST || errno == ENOTEMPTY) && is_posted(dir)) {
			remove_tmp(tmp);
			posted(channel, dir, c, out); /* an earlier attempt */
			goto out;
		}
		goto io_error;
	}
	/* The rename must survive a power cut before we say it is out. */
	parent = xstrdup(dir);
	*strrchr(parent, '/') = '\0';
	rc = sync_dir(parent);
	free(parent);
	if (rc != 0) {
		out->status = ACT_UNKNOWN;
		xasprintf(&out->error, "outbox: %s: %s", dir, strerror(errno));
		goto out;
	}
	posted(channel, dir, c, out);
	goto out;
io_error:
	/* Nothing is out until the rename: trying again is safe. */
	out->status = ACT_RETRY;
	xasprintf(&out->error, "outbox: %s: %s", path ? path : dir,
	          strerror(errno));
	if (tmp != NULL)
		remove_tmp(tmp);
out:
	free(cause);
	free(tmp);
	free(path);
	free(dir);
}

static void
check(const struct act_call *c, struct act_out *out, const char *channel)
{
	char       *dir = post_dir(c, channel), *file;
	struct stat sb;

	xasprintf(&file, "%s/post.json", dir);
	if (stat(file, &sb) == 0 && is_posted(dir))
		posted(channel, dir, c, out);
	else if (errno == ENOENT) {
		out->status = ACT_RETRY; /* not out: publishing again is safe */
		xasprintf(&out->error, "no post in %s", dir);
	} else {
		out->status = ACT_UNKNOWN;
		xasprintf(&out->error, "%s: %s", file, strerror(errno));
	}
	free(file);
	free(dir);
}

void
outbox_publish_facebook(const struct act_call *c, struct act_out *out)
{
	publish(c, out, "facebook");
}

void
outbox_publish_instagram(const struct act_call *c, struct act_out *out)
{
	publish(c, out, "instagram");
}

void
outbox_check_facebook(const struct act_call *c, struct act_out *out)
{
	check(c, out, "facebook");
}

void
outbox_check_instagram(const struct act_call *c, struct act_out *out)
{
	check(c, out, "instagram");
}
