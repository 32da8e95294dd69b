/*
 * fuzz-proto: libFuzzer over the request decoder and the dispatcher, with a
 * real engine and query pool behind them (on a temp store). Every input
 * must get exactly one well-formed reply, and nothing may crash, leak or
 * hang. workflow.execute is dispatched as workflow.start so that an input
 * asking for long sleeps cannot stall the fuzzer.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/engine.h"
#include "daemon/query.h"
#include "ipc/proto.h"

static char              dir[] = "/tmp/herald-fuzz-XXXXXX", db[128];
static struct engine    *engine;
static struct query     *query;
static struct query_info qinfo;
static pthread_mutex_t   lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t    cond = PTHREAD_COND_INITIALIZER;

struct pending {
	char *reply;
};

static void
collect(void *arg, char *reply)
{
	struct pending *p = arg;

	pthread_mutex_lock(&lock);
	p->reply = reply;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
}

static void
check_reply(const char *reply)
{
	cJSON *r = cJSON_Parse(reply);

	if (r == NULL || !cJSON_IsBool(cJSON_GetObjectItem(r, "ok")))
		fatal("malformed reply: %s", reply);
	cJSON_Delete(r);
}

static void
cleanup(void)
{
	char cmd[160];

	query_stop(query);
	engine_stop(engine);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct engine_opts o = { 0 };
	char              *cause = NULL;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(db, sizeof db, "%s/herald.db", dir);
	o.db_path = db;
	o.sync_full = 0;
	o.workers = 2;
	o.types = workflow_types;
	if ((engine = engine_start(&o, &cause)) == NULL)
		fatal("engine_start: %s", cause);
	qinfo.db_path = db;
	qinfo.state_dir = dir;
	qinfo.workers = 2;
	qinfo.started_at = clock_ms();
	qinfo.engine = engine;
	if ((query = query_start(&qinfo, 1, &cause)) == NULL)
		fatal("query_start: %s", cause);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_req req;
	struct pending   p = { NULL };
	struct reply_to  rt = { collect, &p };
	char            *reply = NULL;
	enum method_id   m;

	if (proto_decode((const char *)data, size, &req, &reply) != 0) {
		check_reply(reply);
		free(reply);
		return 0;
	}
	m = req.m->id == M_WORKFLOW_EXECUTE ? M_WORKFLOW_START : req.m->id;
	if (req.m->flags & M_POOL) {
		/* The photo pool's thread reads folders and buckets: not
		 * here. Decoding it was the test. */
		proto_req_fini(&req);
		return 0;
	}
	if (req.m->flags & M_READONLY)
		query_call(query, m, req.params, rt);
	else
		engine_call(engine, m, req.params, req.rid, rt);
	req.params = NULL;
	proto_req_fini(&req);
	pthread_mutex_lock(&lock);
	while (p.reply == NULL)
		pthread_cond_wait(&cond, &lock);
	pthread_mutex_unlock(&lock);
	check_reply(p.reply);
	free(p.reply);
	return 0;
}
