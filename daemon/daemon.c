/*
 * daemon: start and stop order of heraldd's parts, and the glue that
 * routes each protocol method to the engine (changes) or the query pool
 * (reads). Main thread, except route(), which runs on nng's threads.
 *
 * Start: engine (opens the store, recovers), queries, ipc server.
 * Stop: the reverse, but the server is closed first and freed last, so
 * replies still owed by the engine and queries have somewhere to go.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <libgen.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "common/paths.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "daemon/exporter.h"
#include "daemon/photo_ops.h"
#include "daemon/query.h"
#include "daemon/trace.h"
#include "ipc/server.h"

struct daemon {
	char                      *state_dir;
	char                      *db_path;
	char                      *config_path; /* the engine borrows it */
	struct config             *cfg;
	int                        demo;
	struct engine             *engine;
	struct query              *query;
	struct photo_ops          *photos;
	struct trace              *trace;
	_Atomic(struct exporter *) exporter; /* read by the engine thread */
	_Atomic(struct server *)   server;   /* read by the engine thread */
	struct query_info          qinfo;
	char *req_url, *pub_url; /* borrowed by the server */
	/* The engine's commit count at the last tick and the last trim. */
	int64_t tick_commits, trim_commits;
};

static void
log_config(const struct config *c)
{
	log_info("config_loaded", "source=%s brands=%d schedules=%d workers=%d",
	         c->source, c->brands.n, c->schedules.n, c->workers);
}

/* The config's schedules as rows for the engine (strings borrowed from
 * cfg, except the cron arrays: free with free_rows). */
static struct store_sched *
config_rows(const struct config *cfg)
{
	const struct config_schedule *cs = cfg->schedules.v;
	struct store_sched           *rows;
	int                           i, k;

	rows = xcalloc((size_t)cfg->schedules.n + 1, sizeof *rows);
	for (i = 0; i < cfg->schedules.n; i++) {
		cJSON *arr = cJSON_CreateArray();

		for (k = 0; k < cs[i].cron.n; k++)
			cJSON_AddItemToArray(
			    arr,
			    cJSON_CreateString(((char **)cs[i].cron.v)[k]));
		rows[i].id = cs[i].id;
		rows[i].workflow = cs[i].workflow;
		rows[i].input = cs[i].input != NULL ? cs[i].input : "null";
		rows[i].cron = cJSON_PrintUnformatted(arr);
		cJSON_Delete(arr);
		rows[i].timezone =
		    cs[i].timezone != NULL ? cs[i].timezone : "UTC";
		rows[i].overlap = config_overlap_names[cs[i].overlap];
		rows[i].catchup_ms = cs[i].catchup_ms;
		rows[i].jitter_ms = cs[i].jitter_ms;
		rows[i].source = "config";
		rows[i].paused = cs[i].paused;
	}
	return rows;
}

/* Where the demo's photos and prompts are: $HERALD_ASSETS_DIR, else the
 * source tree's assets (running from a checkout), else the installed
 * ones. */
static const char *
assets_dir(void)
{
	const char *v = getenv("HERALD_ASSETS_DIR");
	struct stat sb;

	if (v != NULL && *v != '\0')
		return v;
	if (stat(HERALD_SOURCE_ASSETS, &sb) == 0 && S_ISDIR(sb.st_mode))
		return HERALD_SOURCE_ASSETS;
	return HERALD_INSTALLED_ASSETS;
}

/* The caption prompt for a language, from the assets' prompts/. */
static char *
read_prompt(const char *language)
{
	char  *path, *buf = NULL;
	FILE  *f;
	size_t n;

	xasprintf(&path, "%s/prompts/%s.txt", assets_dir(), language);
	if ((f = fopen(path, "r")) != NULL) {
		buf = xmalloc(65536);
		n = fread(buf, 1, 65535, f);
		buf[n] = '\0';
		fclose(f);
	} else
		log_warn("prompt_missing", "path=%s", path);
	free(path);
	return buf;
}

/* A brand's photo source, for the activities: paths made absolute, S3
 * defaults filled in (the credentials stay in the environment). */
static void
photos_settings(cJSON *x, const struct config_brand *b, const char *base)
{
	const struct config_photos *p = &b->photos;
	char                       *s;

	cJSON_AddStringToObject(x, "fit", config_fit_names[p->fit]);
	cJSON_AddStringToObject(x, "background",
	                        p->background ? p->background : "#ffffff");
	cJSON_AddNumberToObject(x, "variants_keep",
	                        (double)(p->variants_keep_ms / 1000));
	if (p->source == CONFIG_PHOTOS_S3) {
		cJSON_AddStringToObject(x, "source", "s3");
		cJSON_AddStringToObject(x, "variants_prefix",
		                        p->variants_prefix
		                            ? p->variants_prefix
		                            : "herald-variants/");
		cJSON_AddStringToObject(x, "bucket", p->bucket);
		if (p->prefix != NULL)
			cJSON_AddStringToObject(x, "prefix", p->prefix);
		else {
			xasprintf(&s, "%s/", b->name);
			cJSON_AddStringToObject(x, "prefix", s);
			free(s);
		}
		cJSON_AddStringToObject(x, "region",
		                        p->region ? p->region : "us-east-1");
		if (p->endpoint != NULL)
			cJSON_AddStringToObject(x, "endpoint", p->endpoint);
		cJSON_AddBoolToObject(x, "path_style", p->path_style);
		cJSON_AddNumberToObject(x, "url_expires",
		                        (double)(p->url_expires_ms / 1000));
		return;
	}
	cJSON_AddStringToObject(x, "source", "dir");
	if (p->path[0] == '/')
		s = xstrdup(p->path);
	else
		xasprintf(&s, "%s/%s", base, p->path);
	cJSON_AddStringToObject(x, "path", s);
	free(s);
}

/* What activities may know of the config (no secrets: those stay in the
 * environment), with paths made absolute. */
static char *
settings_text(const struct config *cfg, const char *state_dir)
{
	const struct config_brand *b = cfg->brands.v;
	cJSON                     *o = cJSON_CreateObject(), *brands, *bo, *x;
	char                      *base, *text, *prompt;
	int                        i, k;

	if (strcmp(cfg->source, "<demo>") == 0 ||
	    strcmp(cfg->source, "<defaults>") == 0)
		base = xstrdup(assets_dir());
	else {
		char *copy = xstrdup(cfg->source);

		base = xstrdup(dirname(copy));
		free(copy);
	}
	cJSON_AddStringToObject(o, "state_dir", state_dir);
	brands = cJSON_AddObjectToObject(o, "brands");
	for (i = 0; i < cfg->brands.n; i++) {
		bo = cJSON_AddObjectToObject(brands, b[i].name);
		cJSON_AddStringToObject(bo, "name", b[i].name);
		cJSON_AddStringToObject(bo, "display_name",
		                        b[i].display_name ? b[i].display_name
		                                          : b[i].name);
		cJSON_AddStringToObject(bo, "language",
		                        config_language_names[b[i].language]);
		cJSON_AddStringToObject(
		    bo, "approval",
		    b[i].approval == CONFIG_APPROVAL_REQUIRED ? "required"
		                                              : "auto");
		photos_settings(cJSON_AddObjectToObject(bo, "photos"), &b[i],
		                base);
		cJSON_AddNumberToObject(bo, "approval_timeout_ms",
		                        (double)b[i].approval_timeout_ms);
		cJSON_AddStringToObject(
		    bo, "on_timeout",
		    b[i].on_timeout == CONFIG_TIMEOUT_APPROVE ? "approve"
		                                              : "reject");
		x = cJSON_AddObjectToObject(bo, "captions");
		cJSON_AddStringToObject(
		    x, "writer",
		    b[i].captions.writer == CONFIG_WRITER_CLAUDE ? "claude"
		                                                 : "offline");
		if (b[i].captions.voice != NULL)
			cJSON_AddStringToObject(x, "voice",
			                        b[i].captions.voice);
		if ((prompt = read_prompt(
		         config_language_names[b[i].language])) != NULL) {
			cJSON_AddStringToObject(x, "prompt", prompt);
			free(prompt);
		}
		x = cJSON_AddArrayToObject(x, "hashtags");
		for (k = 0; k < b[i].captions.hashtags.n; k++)
			cJSON_AddItemToArray(
			    x, cJSON_CreateString(
			           ((char **)b[i].captions.hashtags.v)[k]));
		x = cJSON_AddObjectToObject(bo, "publish");
		cJSON_AddStringToObject(
		    x, "to",
		    b[i].publish.to == CONFIG_PUBLISH_META ? "meta" : "outbox");
		if (b[i].publish.page_id != NULL)
			cJSON_AddStringToObject(x, "page_id",
			                        b[i].publish.page_id);
		if (b[i].publish.instagram_user_id != NULL)
			cJSON_AddStringToObject(x, "instagram_user_id",
			                        b[i].publish.instagram_user_id);
		/* The variable's name, never its value. */
		if (b[i].publish.token_env != NULL)
			cJSON_AddStringToObject(x, "token_env",
			                        b[i].publish.token_env);
	}
	x = cJSON_AddObjectToObject(o, "meta");
	if (cfg->meta.base_url != NULL)
		cJSON_AddStringToObject(x, "base_url", cfg->meta.base_url);
	if (cfg->meta.version != NULL)
		cJSON_AddStringToObject(x, "version", cfg->meta.version);
	cJSON_AddNumberToObject(x, "poll_interval_ms",
	                        cfg->meta.poll_interval_ms > 0
	                            ? (double)cfg->meta.poll_interval_ms
	                            : 10000);
	cJSON_AddNumberToObject(x, "throttle_wait_ms",
	                        cfg->meta.throttle_wait_ms > 0
	                            ? (double)cfg->meta.throttle_wait_ms
	                            : 60000);
	cJSON_AddNumberToObject(x, "check_settle_ms",
	                        cfg->meta.check_settle_ms > 0
	                            ? (double)cfg->meta.check_settle_ms
	                            : 20000);
	cJSON_AddNumberToObject(x, "check_retry_ms",
	                        cfg->meta.check_retry_ms > 0
	                            ? (double)cfg->meta.check_retry_ms
	                            : 1000);
	cJSON_AddNumberToObject(
	    x, "poll_max", cfg->meta.poll_max > 0 ? cfg->meta.poll_max : 90);
	x = cJSON_AddObjectToObject(o, "anthropic");
	if (cfg->anthropic.base_url != NULL)
		cJSON_AddStringToObject(x, "base_url", cfg->anthropic.base_url);
	if (cfg->anthropic.model != NULL)
		cJSON_AddStringToObject(x, "model", cfg->anthropic.model);
	cJSON_AddNumberToObject(
	    x, "max_tokens",
	    cfg->anthropic.max_tokens > 0 ? cfg->anthropic.max_tokens : 1024);
	bo = cJSON_AddObjectToObject(x, "prices");
	for (i = 0; i < cfg->anthropic.prices.n; i++) {
		const struct config_price *pr =
		    &((struct config_price *)cfg->anthropic.prices.v)[i];

		x = cJSON_AddObjectToObject(bo, pr->model);
		cJSON_AddNumberToObject(x, "input", pr->input);
		cJSON_AddNumberToObject(x, "output", pr->output);
	}
	free(base);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return text;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Langfuse export is on when the config allows it and both keys are
 * set. */
static int
langfuse_on(const struct config *cfg)
{
	return cfg->langfuse.enabled && env("LANGFUSE_PUBLIC_KEY") != NULL &&
	       env("LANGFUSE_SECRET_KEY") != NULL;
}

/* Secrets a config needs must be in the environment (or .env) at start,
 * not discovered at the first post. */
int
daemon_check_env(const struct config *cfg, char **cause)
{
	const struct config_brand *b = cfg->brands.v;
	const char                *key = getenv("ANTHROPIC_API_KEY");
	const char                *akid = getenv("AWS_ACCESS_KEY_ID");
	const char                *secret = getenv("AWS_SECRET_ACCESS_KEY");
	int                        i;

	/* Half a key pair is a mistake, not a wish to export nothing. */
	if (cfg->langfuse.enabled && (env("LANGFUSE_PUBLIC_KEY") != NULL) !=
	                                 (env("LANGFUSE_SECRET_KEY") != NULL)) {
		xasprintf(cause,
		          "Langfuse: %s is set but %s is not (set both in the "
		          "environment or .env, or neither)",
		          env("LANGFUSE_PUBLIC_KEY") ? "LANGFUSE_PUBLIC_KEY"
		                                     : "LANGFUSE_SECRET_KEY",
		          env("LANGFUSE_PUBLIC_KEY") ? "LANGFUSE_SECRET_KEY"
		                                     : "LANGFUSE_PUBLIC_KEY");
		return -1;
	}
	if (cfg->langfuse.max_backoff_ms < 100) {
		xasprintf(cause, "%s: langfuse.max_backoff: at least 100ms",
		          cfg->source);
		return -1;
	}

	for (i = 0; i < cfg->brands.n; i++) {
		const char *tok = b[i].publish.token_env != NULL
		                      ? getenv(b[i].publish.token_env)
		                      : NULL;

		if (b[i].photos.source == CONFIG_PHOTOS_S3 &&
		    (akid == NULL || *akid == '\0' || secret == NULL ||
		     *secret == '\0')) {
			xasprintf(cause,
			          "%s: brands.%s.photos.source: s3 needs "
			          "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
			          "in the environment or .env",
			          cfg->source, b[i].name);
			return -1;
		}
		if (b[i].publish.to == CONFIG_PUBLISH_META &&
		    (tok == NULL || *tok == '\0')) {
			xasprintf(cause,
			          "%s: brands.%s.publish.token_env: %s is not "
			          "set in the environment or .env",
			          cfg->source, b[i].name,
			          env_name_shown(b[i].publish.token_env));
			return -1;
		}
		if (b[i].captions.writer == CONFIG_WRITER_CLAUDE &&
		    (key == NULL || *key == '\0')) {
			xasprintf(
			    cause,
			    "%s: brands.%s.captions.writer: claude needs "
			    "ANTHROPIC_API_KEY in the environment or .env",
			    cfg->source, b[i].name);
			return -1;
		}
	}
	return 0;
}

static void
free_rows(struct store_sched *rows, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free((char *)rows[i].cron);
	free(rows);
}

/* The Langfuse exporter, when the keys are set (after the engine: the
 * store is migrated by then). */
static int
start_exporter(struct daemon *d, const struct config *cfg, char **cause)
{
	const struct config_langfuse *lf = &cfg->langfuse;
	struct exporter_opts          o = { 0 };
	struct exporter              *x;
	const char                   *base, *from;
	char                         *url;
	size_t                        n;

	if (!langfuse_on(cfg)) {
		log_info("langfuse_export", "enabled=0 reason=\"%s\"",
		         !lf->enabled ? "langfuse.enabled is false"
		                      : "LANGFUSE_PUBLIC_KEY and "
		                        "LANGFUSE_SECRET_KEY are not set");
		return 0;
	}
	if (lf->base_url != NULL) {
		base = lf->base_url;
		from = "config";
	} else if ((base = env("LANGFUSE_HOST")) != NULL)
		from = "LANGFUSE_HOST";
	else {
		base = "https://cloud.langfuse.com";
		from = "default";
	}
	n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	xasprintf(&url, "%.*s/api/public/otel/v1/traces", (int)n, base);
	o.db_path = d->db_path;
	o.url = url;
	o.public_key = env("LANGFUSE_PUBLIC_KEY");
	o.secret_key = env("LANGFUSE_SECRET_KEY");
	o.batch = lf->batch;
	o.flush_ms = lf->flush_ms;
	o.max_backoff = lf->max_backoff_ms;
	x = exporter_start(&o, cause);
	free(url);
	if (x == NULL)
		return -1;
	atomic_store(&d->exporter, x);
	/* The URL is not logged: it could carry credentials. */
	log_info("langfuse_export",
	         "enabled=1 host_from=%s prompts=%d max_outbox=%d batch=%d",
	         from, lf->prompts, lf->max_outbox, lf->batch);
	return 0;
}

static void
route(void *arg, struct proto_req *req, struct reply_to rt)
{
	struct daemon *d = arg;
	cJSON         *params = req->params;

	req->params = NULL;
	if (req->m->flags & M_POOL)
		photo_ops_call(d->photos, req->m->id, params, rt);
	else if (req->m->flags & M_READONLY)
		query_call(d->query, req->m->id, params, rt);
	else
		engine_call(d->engine, req->m->id, params, req->rid, rt);
	proto_req_fini(req);
}

static void
publish(void *arg, const char *topic, char *json)
{
	struct daemon *d = arg;

	struct server *s = atomic_load(&d->server);

	struct exporter *x = atomic_load(&d->exporter);

	/* A step or execution event may have written spans. */
	if (x != NULL &&
	    (strcmp(topic, "step") == 0 || strcmp(topic, "execution") == 0))
		exporter_kick(x);

	if (s != NULL)
		server_publish(s, topic, json);
	else
		free(json);
}

static void
demo_started(void *arg, char *reply)
{
	cJSON *r = cJSON_Parse(reply);

	(void)arg;
	/* already_exists: this state dir had its first runs before. */
	const char *code = cJSON_GetStringValue(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(r, "error"), "code"));

	if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")) &&
	    (code == NULL || strcmp(code, "already_exists") != 0))
		log_warn("demo_run_failed", "reply=%s", reply);
	cJSON_Delete(r);
	free(reply);
}

/* The demo shows the whole job at once: one run per brand, the first
 * time it starts on a state dir. */
static void
demo_runs(struct daemon *d, const struct config *cfg)
{
	const struct config_brand *b = cfg->brands.v;
	struct reply_to            rt = { demo_started, NULL };
	cJSON                     *params;
	char                      *id;
	int                        i;

	for (i = 0; i < cfg->brands.n; i++) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "type",
		                        "FeedPublisherWorkflow");
		cJSON_AddStringToObject(params, "input", b[i].name);
		xasprintf(&id, "%s-demo-first-run", b[i].name);
		cJSON_AddStringToObject(params, "id", id);
		free(id);
		engine_call(d->engine, M_WORKFLOW_START, params, NULL, rt);
	}
}

/* What a photo step or method left in <state_dir>/tmp when heraldd died
 * with it (copies of originals, half-made variants): nobody reads them
 * again. Only heraldd writes there, and a second one is refused by the
 * lock taken before this. */
static void
clear_tmp(const char *state_dir)
{
	struct dirent *de;
	DIR           *d;
	char          *dir, *p;
	int            n = 0;

	xasprintf(&dir, "%s/tmp", state_dir);
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strncmp(de->d_name, "photo-", 6) != 0)
				continue;
			xasprintf(&p, "%s/%s", dir, de->d_name);
			n += unlink(p) == 0;
			free(p);
		}
		closedir(d);
	}
	if (n > 0)
		log_info("tmp_cleared", "files=%d dir=%s", n, dir);
	free(dir);
}

struct daemon *
daemon_start(const char *state_dir, struct config *cfg, int demo, char **cause)
{
	struct daemon      *d = xcalloc(1, sizeof *d);
	struct engine_opts  eo = { 0 };
	struct trace_opts   to = { 0 };
	struct server_opts  so = { 0 };
	struct server      *srv;
	struct store_sched *rows;
	char               *req_url, *pub_url, *settings;

	d->state_dir = xstrdup(state_dir);
	d->demo = demo;
	log_config(cfg);
	xasprintf(&d->db_path, "%s/herald.db", state_dir);
	clear_tmp(state_dir);
	if ((d->req_url = paths_ipc_url(state_dir, "herald.sock", cause)) ==
	        NULL ||
	    (d->pub_url = paths_ipc_url(state_dir, "events.sock", cause)) ==
	        NULL)
		goto fail;
	req_url = d->req_url;
	pub_url = d->pub_url;

	if (strcmp(cfg->source, "<demo>") == 0)
		d->config_path = xstrdup("the demo config built into heraldd "
		                         "(--demo)");
	else if (strcmp(cfg->source, "<defaults>") != 0 &&
	         (d->config_path = realpath(cfg->source, NULL)) == NULL)
		d->config_path = xstrdup(cfg->source);
	eo.config_path = d->config_path;
	eo.db_path = d->db_path;
	eo.sync_full = cfg->synchronous == CONFIG_SYNC_FULL;
	eo.workers = cfg->workers;
	eo.drain_ms = -1; /* main drains, watching for a second signal */
	eo.types = workflow_types;
	eo.publish = publish;
	eo.publish_arg = d;
	to.export = langfuse_on(cfg);
	to.prompts = cfg->langfuse.prompts;
	to.max_outbox = cfg->langfuse.max_outbox;
	d->trace = trace_new(&to);
	eo.trace = d->trace;
	rows = config_rows(cfg);
	eo.scheds = rows;
	eo.nscheds = cfg->schedules.n;
	settings = settings_text(cfg, state_dir);
	eo.settings = settings;
	d->engine = engine_start(&eo, cause);
	free_rows(rows, cfg->schedules.n);
	if (d->engine != NULL)
		d->photos =
		    photo_ops_start(d->db_path, settings, d->engine, cause);
	free(settings);
	if (d->engine == NULL || d->photos == NULL)
		goto fail;
	if (start_exporter(d, cfg, cause) != 0)
		goto fail;

	d->qinfo.db_path = d->db_path;
	d->qinfo.state_dir = d->state_dir;
	d->qinfo.workers = cfg->workers;
	d->qinfo.started_at = clock_ms();
	d->qinfo.engine = d->engine;
	d->qinfo.trace = d->trace;
	d->qinfo.exporter = atomic_load(&d->exporter);
	d->qinfo.types = workflow_types;
	if ((d->query = query_start(&d->qinfo, 2, cause)) == NULL)
		goto fail;

	so.req_url = req_url;
	so.pub_url = pub_url;
	so.mode = cfg->socket_mode;
	so.group = cfg->socket_group;
	so.listen = (const char *const *)cfg->listen.v;
	so.nlisten = cfg->listen.n;
	so.tls_cert = cfg->tls.cert;
	so.tls_key = cfg->tls.key;
	if (cfg->listen.n > 0) {
		so.token = getenv(cfg->token_env);
		if (so.token == NULL || strlen(so.token) < 16) {
			xasprintf(
			    cause,
			    "token_env: %s must hold a token of at least 16 "
			    "characters for the listeners",
			    env_name_shown(cfg->token_env));
			goto fail;
		}
	}
	so.handler = route;
	so.arg = d;
	if ((srv = server_start(&so, cause)) == NULL)
		goto fail;
	atomic_store(&d->server, srv);
	if (demo)
		demo_runs(d, cfg);
	log_info("ipc_listening",
	         "url=%s events=%s remote_listeners=%d mode=%04o", req_url,
	         pub_url, cfg->listen.n, cfg->socket_mode);
	d->cfg = cfg;
	return d;
fail:
	daemon_stop(d);
	return NULL;
}

void
daemon_reload(struct daemon *d, struct config *cfg)
{
	struct store_sched *rows = config_rows(cfg);
	char               *settings = settings_text(cfg, d->state_dir);

	engine_reload(d->engine, rows, cfg->schedules.n, settings);
	photo_ops_reload(d->photos, settings);
	free_rows(rows, cfg->schedules.n);
	free(settings);
	config_free(d->cfg);
	d->cfg = cfg;
	log_config(cfg);
}

void
daemon_drain(struct daemon *d)
{
	engine_drain(d->engine);
}

int64_t
daemon_running(struct daemon *d)
{
	struct engine_stats st;

	engine_stats(d->engine, &st);
	return st.running;
}

int64_t
daemon_drain_ms(const struct daemon *d)
{
	return d->cfg->stop_drain_ms;
}

void
daemon_tick(struct daemon *d)
{
	struct engine_stats st;

	engine_stats(d->engine, &st);
	if (st.commits == d->tick_commits && st.commits != d->trim_commits) {
		malloc_trim(0);
		d->trim_commits = st.commits;
	}
	d->tick_commits = st.commits;
	photo_ops_tick(d->photos, clock_ms());
}

void
daemon_stop(struct daemon *d)
{
	struct server *s = atomic_load(&d->server);

	if (s != NULL)
		server_close(s);
	/* Queries read the engine's stats: stop them first. */
	query_stop(d->query);
	d->query = NULL;
	/* Before the engine, which records what they change. */
	photo_ops_stop(d->photos);
	d->photos = NULL;
	engine_stop(d->engine);
	d->engine = NULL;
	/* After the engine, which kicks it; what is left in the outbox goes
	 * at the next start. */
	exporter_stop(atomic_load(&d->exporter));
	atomic_store(&d->exporter, NULL);
	trace_free(d->trace);
	d->trace = NULL;
	atomic_store(&d->server, NULL); /* the engine published its last */
	if (s != NULL)
		server_free(s);
	config_free(d->cfg);
	free(d->req_url);
	free(d->pub_url);
	free(d->db_path);
	free(d->config_path);
	free(d->state_dir);
	free(d);
}
