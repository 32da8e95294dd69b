/*
 * heraldd: the daemon's entry point. The main thread parses options, takes
 * the state dir's lock, loads .env and the config, starts the daemon's
 * threads with every signal blocked, then waits for signals: SIGTERM and
 * SIGINT stop it cleanly (exit 0), SIGHUP re-reads the config; between
 * signals it ticks the daemon's housekeeping (daemon_tick).
 */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activities/http.h"
#include "activities/imagework.h"
#include "common/log.h"
#include "common/paths.h"
#include "common/redact.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/daemon.h"
#include "daemon/dotenv.h"
#include "daemon/lockfile.h"
#include "daemon/secrets.h"

extern const char demo_config[]; /* assets/demo/herald.json, embedded */

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: heraldd [--config FILE] [--state-dir DIR] [--demo]\n"
	        "               [--log-level debug|info|warn|error]\n"
	        "\n"
	        "  -c, --config FILE    JSON configuration (default: none, "
	        "run on defaults)\n"
	        "  -s, --state-dir DIR  state dir (default: $HERALD_STATE_DIR,"
	        " $STATE_DIRECTORY,\n"
	        "                       $XDG_STATE_HOME/herald, "
	        "~/.local/state/herald)\n"
	        "  -d, --demo           run the embedded demo: demo brands, "
	        "schedules and photos,\n"
	        "                       no network, nothing published outside"
	        " the state dir\n"
	        "  -l, --log-level L    debug, info, warn or error (default: "
	        "the config's, else info)\n"
	        "  -h, --help           this text\n"
	        "  -V, --version        the version\n"
	        "\n"
	        "Secrets come from the environment or a .env file in the "
	        "config's folder or\nthe state dir. SIGHUP re-reads the "
	        "config; SIGTERM stops the daemon.\n");
}

/*
 * glibc's allocator, set for a daemon that lives for months on a small
 * machine (figures: tests/bench/bench_memory.c, issue 13):
 * - One arena per thread that allocates (up to 8 per core) keeps each
 *   thread's freed memory resident apart from the others': 14 arenas in
 *   heraldd, each as large as its thread's high-water mark. Two cost no
 *   throughput (bench-engine).
 * - Blocks over 128 KiB come from mmap and go back at free. glibc's
 *   default raises that threshold to the largest block freed so far (up
 *   to 32 MiB), after which a worker's photo, its base64 text and the
 *   request bodies stay in the worker's arena for good.
 * The operator's own setting (environment) wins.
 */
static void
malloc_tune(void)
{
	const char *t = getenv("GLIBC_TUNABLES");

	if (getenv("MALLOC_ARENA_MAX") == NULL &&
	    (t == NULL || strstr(t, "glibc.malloc.arena_max") == NULL))
		mallopt(M_ARENA_MAX, 2);
	if (getenv("MALLOC_MMAP_THRESHOLD_") == NULL &&
	    (t == NULL || strstr(t, "glibc.malloc.mmap_threshold") == NULL))
		mallopt(M_MMAP_THRESHOLD, 128 * 1024);
}

/* Loads the config named on the command line, the demo, or the defaults. */
static struct config *
load_config(const char *path, int demo, char **cause)
{
	if (path != NULL)
		return config_load(path, cause);
	if (demo)
		return config_parse(demo_config, strlen(demo_config), "<demo>",
		                    cause);
	return config_defaults();
}

static void
apply_log_level(const struct config *c, int cli_level)
{
	if (cli_level >= 0)
		log_set_level((enum log_level)cli_level);
	else if (c->log_level >= 0)
		log_set_level((enum log_level)c->log_level);
	else
		log_set_level(LOG_INFO);
}

static int
load_dotenv(const char *dir)
{
	char *path, *cause = NULL;
	int   n;

	xasprintf(&path, "%s/.env", dir);
	n = dotenv_load(path, &cause);
	if (n < 0) {
		log_error("dotenv_failed", "error=\"%s\"", cause);
		free(cause);
	} else if (n > 0)
		log_info("dotenv_loaded", "path=%s variables=%d", path, n);
	free(path);
	return n < 0 ? -1 : 0;
}

/* Lets the running steps finish for the configured time (a Claude call or
 * a publish cut short costs a call again), while the sockets still answer.
 * A second SIGTERM or SIGINT stops at once; the steps cut short are taken
 * up at the next start, using no attempt. */
static void
drain(struct daemon *d, const sigset_t *sigs)
{
	struct timespec slice = { 0, 100 * 1000000L };
	int64_t         limit = daemon_drain_ms(d), t0 = mono_ms(), left;
	int             sig;

	daemon_drain(d);
	if ((left = daemon_running(d)) > 0)
		log_info("daemon_draining", "running=%lld drain_ms=%lld",
		         (long long)left, (long long)limit);
	while ((left = daemon_running(d)) > 0 && mono_ms() - t0 < limit) {
		sig = sigtimedwait(sigs, NULL, &slice);
		if (sig == SIGTERM || sig == SIGINT) {
			log_warn("daemon_drain_cut", "signal=%s running=%lld",
			         strsignal(sig), (long long)left);
			return;
		}
	}
	if (left > 0)
		log_warn("daemon_drain_timeout", "running=%lld drain_ms=%lld",
		         (long long)left, (long long)limit);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, 's' },
		{ "demo", no_argument, NULL, 'd' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char    *config_path = NULL, *dir_opt = NULL;
	char          *state_dir = NULL, *lock_path = NULL, *cause = NULL;
	struct config *cfg = NULL;
	struct daemon *d = NULL;
	enum log_level level;
	sigset_t       sigs;
	int            ch, demo = 0, cli_level = -1, lock_fd = -1, sig;
	int            rc = 1;

	malloc_tune(); /* before anything allocates or a thread starts */
	while ((ch = getopt_long(argc, argv, "c:s:dl:hV", longopts, NULL)) !=
	       -1) {
		switch (ch) {
		case 'c':
			config_path = optarg;
			break;
		case 's':
			dir_opt = optarg;
			break;
		case 'd':
			demo = 1;
			break;
		case 'l':
			if (log_parse_level(optarg, &level) != 0) {
				fprintf(stderr,
				        "heraldd: unknown log level \"%s\"\n",
				        optarg);
				return 2;
			}
			cli_level = (int)level;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("heraldd %s\n", HERALD_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "heraldd: unexpected argument \"%s\"\n",
		        argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cli_level >= 0)
		log_set_level((enum log_level)cli_level);

	if ((state_dir = paths_state_dir(dir_opt, &cause)) == NULL)
		goto fail;
	if (paths_mkdir(state_dir, 0700, &cause) != 0)
		goto fail;
	xasprintf(&lock_path, "%s/heraldd.lock", state_dir);
	if ((lock_fd = lockfile_acquire(lock_path, &cause)) == -1)
		goto fail;

	/* .env next to the config first, then in the state dir; a variable
	 * already in the environment always wins. */
	if (config_path != NULL) {
		char *copy = xstrdup(config_path);
		int   r = load_dotenv(dirname(copy));

		free(copy);
		if (r != 0)
			goto out;
	}
	if (load_dotenv(state_dir) != 0)
		goto out;

	if ((cfg = load_config(config_path, demo, &cause)) == NULL ||
	    daemon_check_env(cfg, &cause) != 0)
		goto fail;
	apply_log_level(cfg, cli_level);
	secrets_register(cfg); /* before any thread can echo one */

	/* Block the signals before any thread starts, so they all inherit
	 * the mask and only sigwait() below sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* libcurl's global state, before any thread exists; the photo
	 * reader's place. */
	if (http_global_init(&cause) != 0 || imagework_init(&cause) != 0)
		goto fail;
	if ((d = daemon_start(state_dir, cfg, demo, &cause)) == NULL) {
		http_global_fini();
		goto fail;
	}
	cfg = NULL; /* the daemon owns it now */
	log_info("daemon_started", "version=%s pid=%ld state_dir=%s",
	         HERALD_VERSION, (long)getpid(), state_dir);

	for (;;) {
		struct timespec tick = { DAEMON_TICK_MS / 1000,
			                 DAEMON_TICK_MS % 1000 * 1000000L };

		if ((sig = sigtimedwait(&sigs, NULL, &tick)) == -1) {
			if (errno == EAGAIN)
				daemon_tick(d);
			continue;
		}
		if (sig != SIGHUP)
			break;
		log_info("config_reload", "source=%s",
		         config_path ? config_path
		         : demo      ? "<demo>"
		                     : "<defaults>");
		if ((cfg = load_config(config_path, demo, &cause)) == NULL ||
		    daemon_check_env(cfg, &cause) != 0) {
			config_free(cfg);
			cfg = NULL;
			log_error("config_reload_failed",
			          "error=\"%s\" keeping=previous", cause);
			free(cause);
			cause = NULL;
			continue;
		}
		apply_log_level(cfg, cli_level);
		secrets_register(cfg); /* new brands, new tokens */
		daemon_reload(d, cfg);
		cfg = NULL;
	}
	log_info("daemon_stopping", "signal=%s", strsignal(sig));
	drain(d, &sigs);
	daemon_stop(d);
	http_global_fini();
	log_info("daemon_stopped", NULL);
	rc = 0;
	goto out;
fail:
	redact_str(&cause);
	fprintf(stderr, "heraldd: %s\n", cause);
out:
	free(cause);
	config_free(cfg);
	lockfile_release(lock_fd);
	free(lock_path);
	free(state_dir);
	redact_clear();
	return rc;
}
