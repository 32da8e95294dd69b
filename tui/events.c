/*
 * events: `herald events [--follow] [--since SEQ] [--topic T]`, one JSON
 * object per line, in seq order, with no gaps and no repeats.
 *
 * The live stream (SUB) may drop messages (a slow reader, a restart), so
 * it is only a hint: whenever an event skips ahead of the last printed
 * seq, or nothing arrives for a second, the missing events are fetched
 * with events.since over REQ. Subscribing before the first catch-up means
 * nothing falls between the two.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pubsub0/sub.h>

#include "common/paths.h"
#include "common/util.h"
#include "ipc/client.h"
#include "ipc/proto.h"
#include "tui/cli.h"

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void
print_event(const cJSON *ev)
{
	char *s = cJSON_PrintUnformatted(ev);

	puts(s);
	fflush(stdout);
	cJSON_free(s);
}

/* An error reply's message (a reply we cannot read says so). */
static const char *
error_message(const cJSON *reply)
{
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(reply, "error"), "message"));

	return m != NULL ? m : "the daemon sent an unreadable reply";
}

/* Prints every event after *last. 0; -1 if the daemon did not answer (the
 * caller tries again later); -2 if it answered with an error, which
 * trying again will not mend (a wrong token, say). */
static int
catch_up(struct client *c, int64_t *last, const char *topic, int quiet)
{
	cJSON *params, *reply, *res, *ev;
	char  *cause = NULL;
	int    more;

	do {
		params = cJSON_CreateObject();
		cJSON_AddNumberToObject(params, "seq", (double)*last);
		cJSON_AddNumberToObject(params, "limit", 1000);
		if (topic != NULL)
			cJSON_AddStringToObject(params, "topic", topic);
		reply = client_call(c, "events.since", params, 3000, &cause);
		if (reply == NULL) {
			if (!quiet)
				fprintf(stderr, "herald events: %s\n", cause);
			free(cause);
			return -1;
		}
		res = cJSON_GetObjectItem(reply, "result");
		if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok"))) {
			fprintf(stderr, "herald events: %s\n",
			        error_message(reply));
			cJSON_Delete(reply);
			return -2;
		}
		cJSON_ArrayForEach(ev, cJSON_GetObjectItem(res, "events"))
		{
			cJSON  *s = cJSON_GetObjectItem(ev, "seq");
			int64_t seq;

			if (!cJSON_IsNumber(s))
				continue;
			seq = (int64_t)s->valuedouble;
			if (seq <= *last)
				continue;
			print_event(ev);
			*last = seq;
		}
		more = cJSON_IsTrue(cJSON_GetObjectItem(res, "more"));
		cJSON_Delete(reply);
	} while (more && !stop);
	return 0;
}

/* The newest seq, for --follow without --since: only new events. */
static int
last_seq(struct client *c, int64_t *out)
{
	cJSON *reply, *eng;
	char  *cause = NULL;

	reply = client_call(c, "status", NULL, 5000, &cause);
	if (reply == NULL) {
		fprintf(stderr, "herald events: %s\n", cause);
		free(cause);
		return -1;
	}
	eng =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(reply, "result"), "engine");
	if (!cJSON_IsTrue(cJSON_GetObjectItem(reply, "ok")) ||
	    !cJSON_IsNumber(cJSON_GetObjectItem(eng, "last_seq"))) {
		fprintf(stderr, "herald events: %s\n", error_message(reply));
		cJSON_Delete(reply);
		return -2;
	}
	*out = (int64_t)cJSON_GetObjectItem(eng, "last_seq")->valuedouble;
	cJSON_Delete(reply);
	return 0;
}

int
events_run(const char *url, const char *events_url,
           const struct client_opts *opts, int argc, char **argv)
{
	struct client *c = NULL;
	nng_socket     sub;
	const char    *topic = NULL;
	char          *cause = NULL, *end, prefix[32];
	int64_t        last = -1;
	int            i, follow = 0, rv, unreachable;
	size_t         k;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--follow") == 0)
			follow = 1;
		else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			last = strtoll(argv[++i], &end, 10);
			if (*argv[i] == '\0' || *end != '\0' || last < 0) {
				fprintf(stderr, "herald events: --since: "
				                "expected a seq (0 or more)\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--topic") == 0 && i + 1 < argc) {
			/* The topics are events.since's, from the table. */
			const struct param *p =
			    proto_method("events.since")->params;

			topic = argv[++i];
			while (p->name != NULL && strcmp(p->name, "topic") != 0)
				p++;
			for (k = 0; p->choices[k] != NULL; k++)
				if (strcmp(p->choices[k], topic) == 0)
					break;
			if (p->choices[k] == NULL) {
				fprintf(stderr,
				        "herald events: --topic: one of");
				for (k = 0; p->choices[k] != NULL; k++)
					fprintf(stderr, "%s %s", k ? "," : "",
					        p->choices[k]);
				fputc('\n', stderr);
				return 2;
			}
		} else {
			int help = strcmp(argv[i], "--help") == 0;

			fprintf(help ? stdout : stderr,
			        "usage: herald events [--follow] [--since SEQ] "
			        "[--topic T]\n");
			return help ? 0 : 2;
		}
	}
	/* The first contact must work: say so at once if it cannot. */
	if ((c = client_open(url, opts, &unreachable, &cause)) == NULL) {
		fprintf(stderr, "herald: %s\n", cause);
		free(cause);
		/* As for every command: 2 a bad address, 3 not reached. */
		return unreachable == 2 ? 2 : unreachable ? 3 : 1;
	}
	if (!follow) {
		if (last < 0)
			last = 0;
		rv = catch_up(c, &last, topic, 0);
		client_close(c);
		return rv == 0 ? 0 : rv == -2 ? 1 : 3;
	}
	if (last < 0 && (rv = last_seq(c, &last)) != 0) {
		client_close(c);
		return rv == -2 ? 1 : 3;
	}
	/* Whether the daemon will answer us at all (a token, say). */
	if ((rv = catch_up(c, &last, topic, 0)) == -2) {
		client_close(c);
		return 1;
	}
	client_close(c);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	/* From here on, survive restarts: both sockets reconnect. */
	if ((c = client_open_lazy(url, opts, &cause)) == NULL) {
		fprintf(stderr, "herald events: %s\n", cause);
		free(cause);
		return 1;
	}
	if (events_url == NULL) {
		/* A remote daemon publishes no stream: poll. */
		while (!stop && !ferror(stdout)) {
			struct timespec ts = { 0, 500 * 1000000L };

			catch_up(c, &last, topic, 1);
			nanosleep(&ts, NULL);
		}
		client_close(c);
		return 0;
	}
	if ((rv = nng_sub0_open(&sub)) != 0) {
		fprintf(stderr, "herald events: %s\n", cause ? cause : "nng");
		free(cause);
		client_close(c);
		return 1;
	}
	snprintf(prefix, sizeof prefix, "%s ", topic ? topic : "");
	nng_socket_set(sub, NNG_OPT_SUB_SUBSCRIBE, prefix,
	               topic ? strlen(prefix) : 0);
	nng_socket_set_ms(sub, NNG_OPT_RECVTIMEO, 1000);
	nng_socket_set_size(sub, NNG_OPT_RECVMAXSZ, 16 * 1024 * 1024);
	if ((rv = nng_dial(sub, events_url, NULL, NNG_FLAG_NONBLOCK)) != 0) {
		fprintf(stderr, "herald events: %s: %s\n", events_url,
		        nng_strerror(rv));
		nng_close(sub);
		client_close(c);
		return 1;
	}
	catch_up(c, &last, topic, 1);
	while (!stop) {
		char   *buf = NULL, *sp;
		size_t  len;
		cJSON  *ev;
		int64_t seq;

		rv = nng_recv(sub, &buf, &len, NNG_FLAG_ALLOC);
		if (rv != 0) {
			/* Quiet second, or a reconnect: poll for anything
			 * the stream did not bring. */
			catch_up(c, &last, topic, 1);
			continue;
		}
		sp = memchr(buf, ' ', len);
		ev = sp ? cJSON_ParseWithLength(sp + 1,
		                                len - (size_t)(sp + 1 - buf))
		        : NULL;
		nng_free(buf, len);
		if (ev == NULL ||
		    !cJSON_IsNumber(cJSON_GetObjectItem(ev, "seq"))) {
			cJSON_Delete(ev);
			continue;
		}
		seq = (int64_t)cJSON_GetObjectItem(ev, "seq")->valuedouble;
		if (seq > last + 1)
			catch_up(c, &last, topic, 1);
		if (seq > last) {
			print_event(ev);
			last = seq;
		}
		cJSON_Delete(ev);
		if (ferror(stdout))
			break;
	}
	nng_close(sub);
	client_close(c);
	return 0;
}
