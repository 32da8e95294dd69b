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

#include <libgen.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/paths.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/engine.h"
#include "daemon/query.h"
#include "ipc/server.h"

struct daemon {
	char                    *state_dir;
	char                    *db_path;
	struct config           *cfg;
	int                      demo;
	struct engine           *engine;
	struct query            *query;
	_Atomic(struct server *) server; /* read by the engine thread */
	struct query_info        qinfo;
	char                    *req_url, *pub_url; /* borrowed by the server */
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

/* What activities may know of the config (no secrets: those stay in the
 * environment), with paths made absolute. */
static char *
settings_text(const struct config *cfg, const char *state_dir)
{
	const struct config_brand *b = cfg->brands.v;
	cJSON                     *o = cJSON_CreateObject(), *brands, *bo, *x;
	char                      *base, *text, *path, *prompt;
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
		x = cJSON_AddObjectToObject(bo, "photos");
		cJSON_AddStringToObject(x, "source", "dir");
		if (b[i].photos.path[0] == '/')
			path = xstrdup(b[i].photos.path);
		else
			xasprintf(&path, "%s/%s", base, b[i].photos.path);
		cJSON_AddStringToObject(x, "path", path);
		free(path);
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
		cJSON_AddStringToObject(x, "to", "outbox");
	}
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

/* Secrets a config needs must be in the environment (or .env) at start,
 * not discovered at the first post. */
int
daemon_check_env(const struct config *cfg, char **cause)
{
	const struct config_brand *b = cfg->brands.v;
	const char                *key = getenv("ANTHROPIC_API_KEY");
	int                        i;

	for (i = 0; i < cfg->brands.n; i++) {
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

static void
route(void *arg, struct proto_req *req, struct reply_to rt)
{
	struct daemon *d = arg;
	cJSON         *params = req->params;

	req->params = NULL;
	if (req->m->flags & M_READONLY)
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

struct daemon *
daemon_start(const char *state_dir, struct config *cfg, int demo, char **cause)
{
	struct daemon      *d = xcalloc(1, sizeof *d);
	struct engine_opts  eo = { 0 };
	struct server_opts  so = { 0 };
	struct server      *srv;
	struct store_sched *rows;
	char               *req_url, *pub_url, *settings;

	d->state_dir = xstrdup(state_dir);
	d->demo = demo;
	log_config(cfg);
	xasprintf(&d->db_path, "%s/herald.db", state_dir);
	if ((d->req_url = paths_ipc_url(state_dir, "herald.sock", cause)) ==
	        NULL ||
	    (d->pub_url = paths_ipc_url(state_dir, "events.sock", cause)) ==
	        NULL)
		goto fail;
	req_url = d->req_url;
	pub_url = d->pub_url;

	eo.db_path = d->db_path;
	eo.sync_full = cfg->synchronous == CONFIG_SYNC_FULL;
	eo.workers = cfg->workers;
	eo.types = workflow_types;
	eo.publish = publish;
	eo.publish_arg = d;
	rows = config_rows(cfg);
	eo.scheds = rows;
	eo.nscheds = cfg->schedules.n;
	settings = settings_text(cfg, state_dir);
	eo.settings = settings;
	d->engine = engine_start(&eo, cause);
	free_rows(rows, cfg->schedules.n);
	free(settings);
	if (d->engine == NULL)
		goto fail;

	d->qinfo.db_path = d->db_path;
	d->qinfo.state_dir = d->state_dir;
	d->qinfo.workers = cfg->workers;
	d->qinfo.started_at = clock_ms();
	d->qinfo.engine = d->engine;
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
			    cfg->token_env);
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
	free_rows(rows, cfg->schedules.n);
	free(settings);
	config_free(d->cfg);
	d->cfg = cfg;
	log_config(cfg);
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
	engine_stop(d->engine);
	d->engine = NULL;
	atomic_store(&d->server, NULL); /* the engine published its last */
	if (s != NULL)
		server_free(s);
	config_free(d->cfg);
	free(d->req_url);
	free(d->pub_url);
	free(d->db_path);
	free(d->state_dir);
	free(d);
}
