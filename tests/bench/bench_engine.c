/*
 * bench-engine: end-to-end engine throughput through the protocol.
 *
 * Starts heraldd on a temp state dir, then runs N `diagnostic` executions
 * with workflow.execute from C client threads (so at most C in flight),
 * and prints workflows/s, steps/s, start-to-completion latency (p50, p99)
 * and the daemon's RSS (idle, peak over the run, and after the run, with
 * its thread count; tests/bench/bench_memory.c follows it over a longer
 * life). Optionally fills the store to L finished executions and times
 * `workflow.list --limit 50`.
 *
 * With -L URL, Langfuse export is on, to the OTLP endpoint at URL (e.g.
 * tests/fakes/otlp.py with keys pk-bench and sk-bench): every step attempt
 * and run then also writes a span, and the exporter deletes what it sent
 * from its own connection while the engine commits.
 *
 * usage: bench-engine [-n N] [-c C] [-l L] [-s normal|full] [-d HERALDD]
 *                     [-L URL]
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/paths.h"
#include "common/util.h"
#include "ipc/client.h"
#include "tests/bench/bench.h"

static char      *url;
static atomic_int next_i;
static int        total;
static int64_t   *lat_us;
static atomic_int failures;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void *
runner(void *arg)
{
	struct client *c;
	char          *cause = NULL;
	int            unreachable, i;

	(void)arg;
	if ((c = client_open(url, NULL, &unreachable, &cause)) == NULL) {
		fprintf(stderr, "bench: %s\n", cause);
		exit(1);
	}
	while ((i = atomic_fetch_add(&next_i, 1)) < total) {
		int64_t t0 = now_us();
		cJSON  *r = client_call(c, "workflow.execute",
		                        cJSON_Parse("{\"type\":\"diagnostic\"}"),
		                        60000, &cause);
		cJSON  *res = cJSON_GetObjectItem(r, "result");
		cJSON  *st = cJSON_GetObjectItem(res, "status");

		lat_us[i] = now_us() - t0;
		if (!cJSON_IsString(st) ||
		    strcmp(st->valuestring, "completed") != 0) {
			if (atomic_fetch_add(&failures, 1) < 3)
				fprintf(stderr, "bench: execution %d: %s\n", i,
				        r ? cJSON_PrintUnformatted(r) : cause);
		}
		cJSON_Delete(r);
	}
	client_close(c);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* Runs n executions at concurrency c; returns elapsed seconds. */
static double
run(int n, int c)
{
	pthread_t *th = xcalloc((size_t)c, sizeof *th);
	int64_t    t0;
	int        i;

	total = n;
	atomic_store(&next_i, 0);
	free(lat_us);
	lat_us = xcalloc((size_t)n, sizeof *lat_us);
	t0 = now_us();
	for (i = 0; i < c; i++)
		pthread_create(&th[i], NULL, runner, NULL);
	for (i = 0; i < c; i++)
		pthread_join(th[i], NULL);
	free(th);
	return (double)(now_us() - t0) / 1e6;
}

int
main(int argc, char **argv)
{
	const char *heraldd = "build/heraldd", *sync = "full", *lf = NULL;
	char        dir[] = "/tmp/herald-bench-XXXXXX", cfg[128], *cause = NULL;
	int         n = 2000, c = 100, fill = 0, ch, i, unreachable;
	pid_t       pid;
	double      secs;
	FILE       *f;

	while ((ch = getopt(argc, argv, "n:c:l:s:d:L:")) != -1) {
		switch (ch) {
		case 'n':
			n = atoi(optarg);
			break;
		case 'c':
			c = atoi(optarg);
			break;
		case 'l':
			fill = atoi(optarg);
			break;
		case 's':
			sync = optarg;
			break;
		case 'd':
			heraldd = optarg;
			break;
		case 'L':
			lf = optarg;
			break;
		default:
			fprintf(stderr, "usage: bench-engine [-n N] [-c C] "
			                "[-l L] [-s full|normal] [-d HERALDD] "
			                "[-L URL]\n");
			return 2;
		}
	}
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(cfg, sizeof cfg, "%s/bench.json", dir);
	f = fopen(cfg, "w");
	fprintf(f,
	        "{\"synchronous\": \"%s\", \"workers\": 4, "
	        "\"log_level\": \"warn\"",
	        sync);
	if (lf != NULL) {
		fprintf(f, ", \"langfuse\": {\"base_url\": \"%s\"}", lf);
		setenv("LANGFUSE_PUBLIC_KEY", "pk-bench", 1);
		setenv("LANGFUSE_SECRET_KEY", "sk-bench", 1);
	} else {
		unsetenv("LANGFUSE_PUBLIC_KEY");
		unsetenv("LANGFUSE_SECRET_KEY");
	}
	fprintf(f, "}\n");
	fclose(f);
	url = paths_ipc_url(dir, "herald.sock", &cause);
	if ((pid = fork()) == 0) {
		execl(heraldd, "heraldd", "--state-dir", dir, "--config", cfg,
		      (char *)NULL);
		perror(heraldd);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		struct client *cl =
		    client_open(url, NULL, &unreachable, &cause);

		free(cause);
		cause = NULL;
		if (cl != NULL) {
			client_close(cl);
			break;
		}
		usleep(20000);
	}
	usleep(200000);
	printf("machine: %ld cores; synchronous=%s; langfuse %s; heraldd idle "
	       "RSS %ld KiB (private %ld KiB, shared libraries %ld KiB)\n",
	       sysconf(_SC_NPROCESSORS_ONLN), sync, lf ? "on" : "off",
	       bench_status(pid, "VmRSS:"), bench_status(pid, "RssAnon:"),
	       bench_status(pid, "RssFile:"));

	run(c, c); /* warm-up */
	secs = run(n, c);
	qsort(lat_us, (size_t)n, sizeof *lat_us, cmp64);
	printf("%d diagnostic executions, %d in flight: %.2f s\n", n, c, secs);
	printf("  %.0f workflows/s, %.0f steps/s\n", n / secs, 6 * n / secs);
	printf("  latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	       lat_us[n / 2] / 1000.0, lat_us[n * 99 / 100] / 1000.0,
	       lat_us[n - 1] / 1000.0);
	printf("  failures: %d\n", atomic_load(&failures));
	printf("  heraldd peak RSS %ld KiB; after the run %ld KiB (private "
	       "%ld KiB, shared libraries %ld KiB), %ld threads\n",
	       bench_status(pid, "VmHWM:"), bench_status(pid, "VmRSS:"),
	       bench_status(pid, "RssAnon:"), bench_status(pid, "RssFile:"),
	       bench_status(pid, "Threads:"));
	if (lf != NULL) {
		struct client *cl =
		    client_open(url, NULL, &unreachable, &cause);
		cJSON *r = cl != NULL
		               ? client_call(cl, "status", NULL, 10000, &cause)
		               : NULL;
		cJSON *l = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"),
		                               "langfuse");

		printf("  langfuse right after: %.0f spans exported, %.0f "
		       "waiting\n",
		       cJSON_GetNumberValue(cJSON_GetObjectItem(l, "exported")),
		       cJSON_GetNumberValue(cJSON_GetObjectItem(l, "outbox")));
		cJSON_Delete(r);
		client_close(cl);
	}

	if (fill > 0) {
		struct client *cl;
		int64_t        t0;
		int64_t        best = INT64_MAX;
		int            k;

		if (fill > n)
			run(fill - n, c);
		cl = client_open(url, NULL, &unreachable, &cause);
		for (k = 0; k < 20; k++) {
			cJSON *r;

			t0 = now_us();
			r = client_call(cl, "workflow.list",
			                cJSON_Parse("{\"limit\":50}"), 10000,
			                &cause);
			if (now_us() - t0 < best)
				best = now_us() - t0;
			cJSON_Delete(r);
		}
		client_close(cl);
		printf("%d executions in the store: workflow.list --limit 50 "
		       "best of 20: %.2f ms\n",
		       fill > n ? fill : n, best / 1000.0);
		printf("  heraldd peak RSS after the fill %ld KiB; now %ld "
		       "KiB\n",
		       bench_status(pid, "VmHWM:"),
		       bench_status(pid, "VmRSS:"));
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	{
		char cmd[128];

		snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench: could not remove %s\n", dir);
	}
	free(url);
	free(lat_us);
	return atomic_load(&failures) ? 1 : 0;
}
