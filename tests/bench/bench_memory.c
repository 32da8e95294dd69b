/*
 * bench-memory: the daemon's memory over a long life.
 *
 * Starts heraldd on a temp state dir with the demo's two brands (offline
 * caption writer, local outbox publisher, approval off) and a photo folder
 * per brand filled with generated photos, so the pool never runs dry.
 * Then runs F FeedPublisherWorkflow executions (C in flight, alternating
 * the brands) and N diagnostic executions (100 in flight), while a client
 * polls what the console shows (status, the lists), and prints the
 * daemon's RSS (all of it, its private part, the part that maps shared
 * libraries), the peak and the number of threads: idle, at each quarter
 * of a phase, after each phase, and idle again W seconds after the runs
 * (12 by default: the daemon trims its heap after a quiet tick).
 *
 * With -x KIB it is a test: exit 1 when the daemon's RSS after a phase
 * (feed runs, diagnostic runs, the idle time) is KIB or more, or when any
 * run or poll did not complete.
 *
 * The photos are made here, not committed: each is a demo photo with a
 * JPEG comment segment (COM) naming it, so every file is a different,
 * valid JPEG.
 *
 * Against the fakes (tests/bench/memory_fakes.sh starts them): -A URL
 * writes captions with Claude at URL, -G URL publishes to the Graph API
 * at URL, -L URL exports traces to the OTLP endpoint at URL, -S URL takes
 * the photos from bucket "photos" (keys BRAND/...) at URL; -p KIB pads
 * each photo to a real photo's size. -g DIR only writes the photos a run
 * of F feeds needs into DIR/BRAND (to upload them to the bucket).
 *
 * usage: bench-memory [-f F] [-n N] [-c C] [-d HERALDD] [-a ASSETS]
 *                     [-x KIB] [-p KIB] [-A URL] [-G URL] [-L URL]
 *                     [-S URL] [-g DIR] [-w W]
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
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

static const char *const brands[] = { "pomandi", "costume" };

struct phase {
	const char *type;
	int         total;
	atomic_int  next;
	atomic_int  failures;
	atomic_int  done; /* runners finished */
};

static char *url;

static long
report(pid_t pid, const char *when)
{
	long rss = bench_status(pid, "VmRSS:");

	printf("%-28s RSS %6ld KiB (private %6ld, libraries %5ld), peak "
	       "%6ld KiB, %ld threads\n",
	       when, rss, bench_status(pid, "RssAnon:"),
	       bench_status(pid, "RssFile:"), bench_status(pid, "VmHWM:"),
	       bench_status(pid, "Threads:"));
	fflush(stdout);
	return rss;
}

static void *
runner(void *arg)
{
	struct phase  *ph = arg;
	struct client *c;
	char          *cause = NULL;
	int            unreachable, i;

	if ((c = client_open(url, NULL, &unreachable, &cause)) == NULL) {
		fprintf(stderr, "bench-memory: %s\n", cause);
		exit(1);
	}
	while ((i = atomic_fetch_add(&ph->next, 1)) < ph->total) {
		cJSON *p = cJSON_CreateObject(), *r, *st;

		cJSON_AddStringToObject(p, "type", ph->type);
		if (strcmp(ph->type, "diagnostic") != 0)
			cJSON_AddStringToObject(p, "input", brands[i % 2]);
		r = client_call(c, "workflow.execute", p, 120000, &cause);
		st = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "result"),
		                         "status");
		if (!cJSON_IsString(st) ||
		    strcmp(st->valuestring, "completed") != 0) {
			if (atomic_fetch_add(&ph->failures, 1) < 3) {
				char *t = r ? cJSON_PrintUnformatted(r) : NULL;

				fprintf(stderr, "bench-memory: %s %d: %s\n",
				        ph->type, i, t ? t : cause);
				free(t);
			}
		}
		free(cause);
		cause = NULL;
		cJSON_Delete(r);
	}
	client_close(c);
	atomic_fetch_add(&ph->done, 1);
	return NULL;
}

/* What an open console asks, over and over, while the runs go: the read
 * side's connections (their page caches, their statements) are part of
 * the daemon's memory too. */
static atomic_int   polling, polls, poll_failures;
static atomic_llong poll_ms, poll_max_ms;

static void *
poller(void *arg)
{
	static const char *const calls[][2] = {
		{ "status", NULL },
		{ "workflow.list", "{\"limit\": 50}" },
		{ "publication.list", NULL },
		{ "approval.list", NULL },
		{ "schedule.list", NULL },
	};
	struct client *c;
	char          *cause = NULL;
	int            unreachable;
	size_t         i;

	(void)arg;
	if ((c = client_open(url, NULL, &unreachable, &cause)) == NULL) {
		fprintf(stderr, "bench-memory: %s\n", cause);
		exit(1);
	}
	while (atomic_load(&polling)) {
		for (i = 0; i < sizeof calls / sizeof calls[0]; i++) {
			cJSON *p =
			    calls[i][1] ? cJSON_Parse(calls[i][1]) : NULL;
			int64_t t0 = mono_ms(), dt;
			cJSON  *r =
			    client_call(c, calls[i][0], p, 60000, &cause);

			dt = mono_ms() - t0;
			atomic_fetch_add(&poll_ms, dt);
			if (dt > atomic_load(&poll_max_ms))
				atomic_store(&poll_max_ms, dt);
			if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "ok")) &&
			    atomic_fetch_add(&poll_failures, 1) < 3)
				fprintf(stderr, "bench-memory: %s failed\n",
				        calls[i][0]);
			atomic_fetch_add(&polls, 1);
			free(cause);
			cause = NULL;
			cJSON_Delete(r);
		}
		usleep(100000);
	}
	client_close(c);
	return NULL;
}

/* Runs n executions of type at concurrency c, reporting the daemon's
 * memory at each quarter, so growth shows as a slope; returns the
 * failures. */
static int
run(pid_t pid, const char *type, int n, int c)
{
	struct phase ph = { .type = type, .total = n };
	pthread_t   *th = xcalloc((size_t)c, sizeof *th);
	int64_t      t0 = mono_ms();
	int          i, q = 1, st;
	char         when[64];

	for (i = 0; i < c; i++)
		pthread_create(&th[i], NULL, runner, &ph);
	while (atomic_load(&ph.done) < c) {
		if (q < 4 && atomic_load(&ph.next) >= q * (n / 4)) {
			snprintf(when, sizeof when, "  %d started",
			         atomic_load(&ph.next));
			report(pid, when);
			q++;
		}
		/* A daemon that died would leave every call waiting for
		 * its timeout. */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr,
			        "bench-memory: heraldd died during the %s runs "
			        "(wait status %d)\n",
			        type, st);
			exit(1);
		}
		usleep(10000);
	}
	for (i = 0; i < c; i++)
		pthread_join(th[i], NULL);
	free(th);
	printf("%d %s executions, %d in flight: %.1f s, %d failed\n", n, type,
	       c, (double)(mono_ms() - t0) / 1000.0, atomic_load(&ph.failures));
	return atomic_load(&ph.failures);
}

/* Writes n photos into dir/brand: the brand's demo photos in turn, each
 * with a comment segment after SOI naming the copy, and pad_kib KiB of
 * zeros after its end (the size of a real photo, for the Claude and Graph
 * paths, which read and send the whole file). */
static void
make_photos(const char *assets, const char *dir, const char *brand, int n,
            long pad_kib)
{
	static const char zeros[1024];
	long              k;
	char             *src, *dst, com[64];
	DIR              *d;
	struct dirent    *de;
	unsigned char   **photo = NULL;
	size_t           *len = NULL, np = 0, clen;
	int               i;
	FILE             *f;

	xasprintf(&src, "%s/photos/%s", assets, brand);
	if ((d = opendir(src)) == NULL)
		fatal("bench-memory: %s: cannot open", src);
	while ((de = readdir(d)) != NULL) {
		char  *p, *b = NULL, *cause = NULL;
		size_t l = 0;

		if (strstr(de->d_name, ".jpg") == NULL)
			continue;
		xasprintf(&p, "%s/%s", src, de->d_name);
		if (read_small_file(p, 64 << 20, &b, &l, &cause) == 0 &&
		    l > 4 && (unsigned char)b[0] == 0xff &&
		    (unsigned char)b[1] == 0xd8) {
			photo = xrealloc(photo, (np + 1) * sizeof *photo);
			len = xrealloc(len, (np + 1) * sizeof *len);
			photo[np] = (unsigned char *)b;
			len[np++] = l;
		} else
			free(b);
		free(cause);
		free(p);
	}
	closedir(d);
	if (np == 0)
		fatal("bench-memory: no JPEG in %s", src);
	xasprintf(&dst, "%s/%s", dir, brand);
	if (mkdir(dst, 0700) != 0)
		fatal("bench-memory: mkdir %s", dst);
	for (i = 0; i < n; i++) {
		char *p;

		xasprintf(&p, "%s/gen-%05d.jpg", dst, i);
		clen = (size_t)snprintf(com, sizeof com,
		                        "herald bench photo %s %d", brand, i);
		if ((f = fopen(p, "wb")) == NULL)
			fatal("bench-memory: %s: cannot create", p);
		fwrite(photo[i % np], 1, 2, f);
		fputc(0xff, f);
		fputc(0xfe, f);
		fputc((int)((clen + 2) >> 8), f);
		fputc((int)((clen + 2) & 0xff), f);
		fwrite(com, 1, clen, f);
		fwrite(photo[i % np] + 2, 1, len[i % np] - 2, f);
		for (k = 0; k < pad_kib; k++)
			fwrite(zeros, 1, sizeof zeros, f);
		if (fclose(f) != 0)
			fatal("bench-memory: %s: write failed", p);
		free(p);
	}
	for (i = 0; i < (int)np; i++)
		free(photo[i]);
	free(photo);
	free(len);
	free(src);
	free(dst);
}

/* Outside services, for a run against the fakes in tests/fakes; NULL:
 * the demo's offline writer, local outbox, no trace export. */
struct fakes {
	const char *anthropic; /* base URL; key in ANTHROPIC_API_KEY */
	const char *graph;     /* base URL; token in HERALD_BENCH_META_TOKEN */
	const char *langfuse;  /* base URL; keys in LANGFUSE_*_KEY */
	const char *s3;        /* endpoint of bucket "photos"; keys in AWS_* */
};

static void
write_config(const char *path, const char *photos, const struct fakes *fk)
{
	FILE  *f = fopen(path, "w");
	size_t i;

	if (f == NULL)
		fatal("bench-memory: %s: cannot create", path);
	fprintf(f, "{\"log_level\": \"warn\", \"workers\": 4");
	if (fk->anthropic != NULL)
		fprintf(f,
		        ", \"anthropic\": {\"base_url\": \"%s\", \"model\": "
		        "\"claude-sonnet-4-6\", \"prices\": "
		        "{\"claude-sonnet-4-6\": {\"input\": 3.0, \"output\": "
		        "15.0}}}",
		        fk->anthropic);
	if (fk->graph != NULL)
		fprintf(f,
		        ", \"meta\": {\"base_url\": \"%s\", \"poll_interval\": "
		        "\"200ms\", \"check_settle\": \"300ms\"}",
		        fk->graph);
	if (fk->langfuse != NULL)
		fprintf(f, ", \"langfuse\": {\"base_url\": \"%s\"}",
		        fk->langfuse);
	fprintf(f, ", \"brands\": {");
	for (i = 0; i < 2; i++) {
		fprintf(f,
		        "%s\"%s\": {\"language\": \"%s\", \"approval\": "
		        "\"auto\", ",
		        i ? ", " : "", brands[i], i ? "fr" : "nl");
		if (fk->s3 != NULL)
			fprintf(f,
			        "\"photos\": {\"source\": \"s3\", \"bucket\": "
			        "\"photos\", \"endpoint\": \"%s\", "
			        "\"path_style\": true}, ",
			        fk->s3);
		else
			fprintf(f,
			        "\"photos\": {\"source\": \"dir\", \"path\": "
			        "\"%s/%s\"}, ",
			        photos, brands[i]);
		fprintf(f,
		        "\"captions\": {\"writer\": \"%s\", \"hashtags\": "
		        "[\"#%s\"]}, ",
		        fk->anthropic ? "claude" : "offline", brands[i]);
		if (fk->graph != NULL)
			fprintf(f,
			        "\"publish\": {\"to\": \"meta\", \"page_id\": "
			        "\"1234\", \"instagram_user_id\": \"1789\", "
			        "\"token_env\": \"HERALD_BENCH_META_TOKEN\"}}");
		else
			fprintf(f, "\"publish\": {\"to\": \"outbox\"}}");
	}
	fprintf(f, "}}\n");
	fclose(f);
}

static void
wait_up(pid_t pid)
{
	char *cause = NULL;
	int   i, unreachable;

	for (i = 0; i < 500; i++) {
		struct client *cl;

		if (waitpid(pid, NULL, WNOHANG) == pid)
			fatal("bench-memory: heraldd exited at start");
		cl = client_open(url, NULL, &unreachable, &cause);
		free(cause);
		cause = NULL;
		if (cl != NULL) {
			client_close(cl);
			return;
		}
		usleep(20000);
	}
	fatal("bench-memory: heraldd did not come up");
}

int
main(int argc, char **argv)
{
	const char  *heraldd = "build/heraldd", *assets = "assets";
	char         dir[] = "/tmp/herald-mem-XXXXXX", *cfg, *photos, *cmd;
	char        *cause = NULL;
	int          feeds = 2000, diags = 100000, c = 8, ch, failures = 0;
	long         max_kib = 0, pad_kib = 0, rss = 0, r;
	int          idle = 12;
	char         when[64];
	const char  *gen = NULL;
	struct fakes fk = { NULL, NULL, NULL, NULL };
	pid_t        pid;
	pthread_t    poll_th;
	size_t       i;
	int          st = 0;

	while ((ch = getopt(argc, argv, "f:n:c:d:a:x:p:g:w:A:G:L:S:")) != -1) {
		switch (ch) {
		case 'f':
			feeds = atoi(optarg);
			break;
		case 'n':
			diags = atoi(optarg);
			break;
		case 'c':
			c = atoi(optarg);
			break;
		case 'd':
			heraldd = optarg;
			break;
		case 'a':
			assets = optarg;
			break;
		case 'x':
			max_kib = atol(optarg);
			break;
		case 'p':
			pad_kib = atol(optarg);
			break;
		case 'A':
			fk.anthropic = optarg;
			break;
		case 'G':
			fk.graph = optarg;
			break;
		case 'L':
			fk.langfuse = optarg;
			break;
		case 'S':
			fk.s3 = optarg;
			break;
		case 'g':
			gen = optarg;
			break;
		case 'w':
			idle = atoi(optarg);
			break;
		default:
			fprintf(stderr, "usage: bench-memory [-f F] [-n N] "
			                "[-c C] [-d HERALDD] [-a ASSETS] "
			                "[-x KIB] [-p KIB] [-A URL] [-G URL] "
			                "[-L URL] [-S URL] [-g DIR] [-w S]\n");
			return 2;
		}
	}
	if (feeds < 0 || diags < 0 || c < 1)
		fatal("bench-memory: bad counts");
	/* A few spare photos per brand: a run that failed would hold one
	 * until its retry. */
	if (gen != NULL) {
		for (i = 0; i < 2; i++)
			make_photos(assets, gen, brands[i], feeds / 2 + 8,
			            pad_kib);
		return 0;
	}
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	xasprintf(&photos, "%s/photos", dir);
	if (mkdir(photos, 0700) != 0)
		fatal("bench-memory: mkdir %s", photos);
	for (i = 0; fk.s3 == NULL && i < 2; i++)
		make_photos(assets, photos, brands[i], feeds / 2 + 8, pad_kib);
	xasprintf(&cfg, "%s/bench.json", dir);
	write_config(cfg, photos, &fk);
	url = paths_ipc_url(dir, "herald.sock", &cause);
	if (fk.langfuse == NULL) {
		unsetenv("LANGFUSE_PUBLIC_KEY");
		unsetenv("LANGFUSE_SECRET_KEY");
	}
	if ((pid = fork()) == 0) {
		execl(heraldd, "heraldd", "--state-dir", dir, "--config", cfg,
		      (char *)NULL);
		perror(heraldd);
		_exit(127);
	}
	wait_up(pid);
	usleep(200000);
	printf("machine: %ld cores; heraldd pid %ld\n",
	       sysconf(_SC_NPROCESSORS_ONLN), (long)pid);
	report(pid, "idle at start");
	atomic_store(&polling, 1);
	pthread_create(&poll_th, NULL, poller, NULL);
	if (feeds > 0) {
		failures += run(pid, "FeedPublisherWorkflow", feeds, c);
		rss = report(pid, "after the feed runs");
	}
	if (diags > 0) {
		failures += run(pid, "diagnostic", diags, 100);
		if ((r = report(pid, "after the diagnostic runs")) > rss)
			rss = r;
	}
	atomic_store(&polling, 0);
	pthread_join(poll_th, NULL);
	printf("console polls meanwhile: %d calls, %d failed, mean %.1f ms, "
	       "max %lld ms\n",
	       atomic_load(&polls), atomic_load(&poll_failures),
	       (double)atomic_load(&poll_ms) /
	           (atomic_load(&polls) > 0 ? atomic_load(&polls) : 1),
	       (long long)atomic_load(&poll_max_ms));
	failures += atomic_load(&poll_failures);
	sleep((unsigned)idle);
	snprintf(when, sizeof when, "idle after %d s", idle);
	if ((r = report(pid, when)) > rss)
		rss = r;
	kill(pid, SIGTERM);
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) != 0) {
		fprintf(stderr,
		        "bench-memory: heraldd did not stop cleanly "
		        "on SIGTERM (wait status %d)\n",
		        st);
		failures++;
	}
	xasprintf(&cmd, "rm -rf %s", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench-memory: could not remove %s\n", dir);
	free(cmd);
	free(cfg);
	free(photos);
	free(url);
	if (failures > 0) {
		fprintf(stderr,
		        "bench-memory: %d failures (runs, polls, the stop)\n",
		        failures);
		return 1;
	}
	if (max_kib > 0 && rss >= max_kib) {
		fprintf(stderr,
		        "bench-memory: heraldd RSS %ld KiB after the runs "
		        "(the highest reading after a phase), want under %ld "
		        "KiB\n",
		        rss, max_kib);
		return 1;
	}
	return 0;
}
