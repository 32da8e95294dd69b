/*
 * herald: the client. With no command it opens the operator console
 * (tui/console.c); with a command it sends one request to heraldd and
 * prints the reply (tui/cli.c). Global options may stand anywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/paths.h"
#include "common/util.h"
#include "ipc/client.h"
#include "tui/cli.h"
#include "tui/cli_mark.h"
#include "tui/console.h"

/* The events socket beside an ipc command socket, or NULL: remote
 * listeners take commands only, so events are polled over them. */
static char *
events_url_for(const char *url)
{
	const char *slash = strrchr(url, '/');
	char       *out;

	if (strncmp(url, "ipc://", 6) != 0 || slash == NULL)
		return NULL;
	xasprintf(&out, "%.*s/events.sock", (int)(slash - url), url);
	return out;
}

static const char *
env_nonempty(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Which daemon: a state dir or a socket, never both, since one of them
 * would be ignored without a word. The command line wins over the
 * environment; both on the command line, or (with neither there) both in
 * the environment, is a usage error. On return at most one is set; with
 * none, the state dir's default rule applies. */
static int
pick_daemon(const char **state_opt, const char **socket_opt)
{
	const char *env_state = env_nonempty("HERALD_STATE_DIR");
	const char *env_socket = env_nonempty("HERALD_SOCKET");

	if (*state_opt != NULL && *socket_opt != NULL) {
		fprintf(stderr,
		        "herald: --state-dir and --socket both name the "
		        "daemon: give one\n");
		return -1;
	}
	if (*state_opt == NULL && *socket_opt == NULL && env_state != NULL &&
	    env_socket != NULL) {
		fprintf(stderr,
		        "herald: HERALD_STATE_DIR and HERALD_SOCKET are both "
		        "set: unset one, or choose with --state-dir or "
		        "--socket\n");
		return -1;
	}
	if (*state_opt == NULL && *socket_opt == NULL)
		*socket_opt = env_socket;
	return 0;
}

int
main(int argc, char **argv)
{
	const char        *state_opt = NULL, *socket_opt = NULL;
	const char        *token_env = NULL;
	char              *token = NULL;
	struct client_opts opts = { NULL, getenv("HERALD_TLS_CA") };
	char              *state_dir = NULL, *url = NULL, *cause = NULL;
	char              *events_url = NULL;
	const char        *frames_opt = NULL;
	int                i, k, json = 0, rc, frames = 0;

	/* Global options may stand anywhere: before the command, as the
	 * usage shows, or after it (`herald status --json`). They are taken
	 * out; what is left is the command and its own options. */
	for (i = 1, k = 1; i < argc; i++) {
		const char **value = NULL;

		if (strcmp(argv[i], "--version") == 0 && k == 1) {
			printf("herald %s\n", HERALD_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--help") == 0 && k == 1) {
			cli_usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0) {
			json = 1;
			continue;
		} else if (strcmp(argv[i], "--state-dir") == 0)
			value = &state_opt;
		else if (strcmp(argv[i], "--socket") == 0)
			value = &socket_opt;
		else if (strcmp(argv[i], "--token-env") == 0)
			value = &token_env;
		else if (strcmp(argv[i], "--tls-ca") == 0)
			value = &opts.ca_file;
		else if (strcmp(argv[i], "--frames") == 0 && k == 1)
			value = &frames_opt;
		else if (k == 1 && strncmp(argv[i], "--", 2) == 0) {
			fprintf(stderr, "herald: unknown option %s\n", argv[i]);
			cli_usage(stderr);
			return 2;
		}
		if (value != NULL) {
			if (i + 1 >= argc || *argv[i + 1] == '\0') {
				fprintf(stderr, "herald: %s needs a value\n",
				        argv[i]);
				return 2;
			}
			*value = argv[++i];
			continue;
		}
		argv[k++] = argv[i];
	}
	argc = k;
	i = 1;
	if (pick_daemon(&state_opt, &socket_opt) != 0)
		return 2;
	if (token_env != NULL) {
		opts.token = getenv(token_env);
		if (opts.token == NULL || *opts.token == '\0') {
			fprintf(stderr, "herald: --token-env: %s is not set\n",
			        env_name_shown(token_env));
			return 2;
		}
		/* Ours alone: what we start ($EDITOR) does not inherit it. */
		token = xstrdup(opts.token);
		opts.token = token;
		unsetenv(token_env);
	}
	if (frames_opt != NULL) {
		char *end;
		long  n = strtol(frames_opt, &end, 10);

		if (*frames_opt == '\0' || *end != '\0' || n < 1 ||
		    n > 1000000 || i != argc) {
			fprintf(stderr, "herald: --frames: a count of redraws "
			                "(1 or more), for the console only\n");
			return 2;
		}
		frames = (int)n;
	}
	if (socket_opt == NULL) {
		if ((state_dir = paths_state_dir(state_opt, &cause)) == NULL ||
		    (url = paths_ipc_url(state_dir, "herald.sock", &cause)) ==
		        NULL ||
		    (events_url = paths_ipc_url(state_dir, "events.sock",
		                                &cause)) == NULL) {
			fprintf(stderr, "herald: %s\n", cause);
			free(cause);
			free(url);
			free(state_dir);
			return 2;
		}
	} else {
		url = xstrdup(socket_opt);
		events_url = events_url_for(url);
	}
	if (i == argc)
		rc = console_run(url, events_url, &opts, frames);
	else if (argc - i >= 2 && strcmp(argv[i], "photo") == 0 &&
	         strcmp(argv[i + 1], "mark-used") == 0)
		rc =
		    cli_mark_used(url, &opts, json, argc - i - 2, argv + i + 2);
	else if (argc - i >= 2 && strcmp(argv[i], "photo") == 0 &&
	         strcmp(argv[i + 1], "import-used") == 0)
		rc = cli_import_used(url, &opts, json, argc - i - 2,
		                     argv + i + 2);
	else if (strcmp(argv[i], "events") == 0)
		rc = events_run(url, events_url, &opts, argc - i - 1,
		                argv + i + 1);
	else
		rc = cli_run(url, &opts, json, argc - i, argv + i);
	free(url);
	free(events_url);
	free(state_dir);
	free(token);
	return rc;
}
