/*
 * cli: herald's scripting commands. Each command is a protocol method with
 * its words ("workflow describe"), which parameters come as positional
 * arguments, and how to print the result for a person; every other
 * parameter of the method is a --flag, typed by the method table. --json
 * prints the daemon's result as is.
 *
 * Exit codes: 0 ok, 1 the daemon answered with an error, 2 usage,
 * 3 daemon unreachable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/paths.h"
#include "common/util.h"
#include "ipc/client.h"
#include "ipc/proto.h"
#include "tui/cli.h"
#include "tui/cli_photo.h"
#include "tui/cli_sched.h"

#define EXIT_ERROR       1
#define EXIT_USAGE       2
#define EXIT_UNREACHABLE 3

struct alias {
	const char *flag;  /* "--done" */
	const char *param; /* "outcome" */
	const char *value; /* "done" */
};

struct command {
	const char         *words;
	enum method_id      method;
	const char         *positional[3];
	const struct alias *aliases;
	void (*print)(FILE *, const cJSON *result);
	int wait; /* no reply timeout */
};

static void print_status(FILE *, const cJSON *);
static void print_started(FILE *, const cJSON *);
static void print_closed(FILE *, const cJSON *);
static void print_list(FILE *, const cJSON *);
static void print_describe(FILE *, const cJSON *);
static void print_show(FILE *, const cJSON *);
static void print_changed(FILE *, const cJSON *);
static void print_publications(FILE *, const cJSON *);
static void print_approvals(FILE *, const cJSON *);
static void print_decided(FILE *, const cJSON *);

static const struct alias resolve_aliases[] = {
	{ "--done", "outcome", "done" },
	{ "--retry", "outcome", "retry" },
	{ NULL, NULL, NULL },
};

static const struct alias photo_list_aliases[] = {
	{ "--unused", "state", "unused" },
	{ "--reserved", "state", "reserved" },
	{ "--used", "state", "used" },
	{ "--set-aside", "state", "set_aside" },
	{ NULL, NULL, NULL },
};

static const struct command commands[] = {
	{ "status", M_STATUS, { NULL }, NULL, print_status, 0 },
	{ "workflow start",
	  M_WORKFLOW_START,
	  { NULL },
	  NULL,
	  print_started,
	  0 },
	{ "workflow execute",
	  M_WORKFLOW_EXECUTE,
	  { NULL },
	  NULL,
	  print_closed,
	  1 },
	{ "workflow list", M_WORKFLOW_LIST, { NULL }, NULL, print_list, 0 },
	{ "workflow describe",
	  M_WORKFLOW_DESCRIBE,
	  { "id", NULL },
	  NULL,
	  print_describe,
	  0 },
	{ "workflow show",
	  M_WORKFLOW_SHOW,
	  { "id", NULL },
	  NULL,
	  print_show,
	  0 },
	{ "workflow cancel",
	  M_WORKFLOW_CANCEL,
	  { "id", NULL },
	  NULL,
	  print_changed,
	  0 },
	{ "workflow retry",
	  M_WORKFLOW_RETRY,
	  { "id", NULL },
	  NULL,
	  print_changed,
	  0 },
	{ "workflow resolve",
	  M_WORKFLOW_RESOLVE,
	  { "id", "step", NULL },
	  resolve_aliases,
	  print_changed,
	  0 },
	{ "schedule list",
	  M_SCHEDULE_LIST,
	  { NULL },
	  NULL,
	  cli_print_schedules,
	  0 },
	{ "schedule describe",
	  M_SCHEDULE_DESCRIBE,
	  { "id", NULL },
	  NULL,
	  cli_print_schedule,
	  0 },
	{ "schedule create",
	  M_SCHEDULE_CREATE,
	  { "id", NULL },
	  NULL,
	  cli_print_sched_changed,
	  0 },
	{ "schedule pause",
	  M_SCHEDULE_PAUSE,
	  { "id", NULL },
	  NULL,
	  cli_print_sched_changed,
	  0 },
	{ "schedule unpause",
	  M_SCHEDULE_UNPAUSE,
	  { "id", NULL },
	  NULL,
	  cli_print_sched_changed,
	  0 },
	{ "schedule trigger",
	  M_SCHEDULE_TRIGGER,
	  { "id", NULL },
	  NULL,
	  cli_print_sched_changed,
	  0 },
	{ "schedule delete",
	  M_SCHEDULE_DELETE,
	  { "id", NULL },
	  NULL,
	  cli_print_sched_changed,
	  0 },
	{ "publication list",
	  M_PUBLICATION_LIST,
	  { NULL },
	  NULL,
	  print_publications,
	  0 },
	{ "approval list",
	  M_APPROVAL_LIST,
	  { NULL },
	  NULL,
	  print_approvals,
	  0 },
	{ "approval approve",
	  M_APPROVAL_APPROVE,
	  { "id", NULL },
	  NULL,
	  print_decided,
	  0 },
	{ "approval reject",
	  M_APPROVAL_REJECT,
	  { "id", NULL },
	  NULL,
	  print_decided,
	  0 },
	{ "approval regenerate",
	  M_APPROVAL_REGENERATE,
	  { "id", NULL },
	  NULL,
	  print_decided,
	  0 },
	{ "photo list",
	  M_PHOTO_LIST,
	  { NULL },
	  photo_list_aliases,
	  cli_print_photos,
	  0 },
	{ "photo check",
	  M_PHOTO_CHECK,
	  { NULL },
	  NULL,
	  cli_print_photo_check,
	  1 },
	{ "photo preview",
	  M_PHOTO_PREVIEW,
	  { "id", NULL },
	  NULL,
	  cli_print_preview,
	  0 },
};

/* Helpers for printing. */

const char *
cli_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

double
cli_num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static void
print_json(FILE *f, const cJSON *v, int pretty)
{
	char *s = v == NULL ? NULL
	          : pretty  ? cJSON_Print(v)
	                    : cJSON_PrintUnformatted(v);

	fprintf(f, "%s\n", s != NULL ? s : "null");
	cJSON_free(s);
}

/* Model spend per brand, and the trace export, for herald status. */
static void
print_spend(FILE *f, const cJSON *r)
{
	const cJSON *sp = cJSON_GetObjectItemCaseSensitive(r, "spend");
	const cJSON *lf = cJSON_GetObjectItemCaseSensitive(r, "langfuse");
	const cJSON *brands = cJSON_GetObjectItemCaseSensitive(sp, "brands");
	const cJSON *b;

	fprintf(f, "spend (UTC, today %s, month %s):", cli_str(sp, "day"),
	        cli_str(sp, "month"));
	if (cJSON_GetArraySize(brands) == 0)
		fprintf(f, " none");
	fprintf(f, "\n");
	cJSON_ArrayForEach(b, brands)
	{
		fprintf(f,
		        "  %-16s today $%.4f (%.0f calls), month $%.4f (%.0f "
		        "calls, %.0f tokens in, %.0f out)\n",
		        *b->string ? b->string : "(no brand)",
		        cli_num(b, "today_usd"), cli_num(b, "today_calls"),
		        cli_num(b, "month_usd"), cli_num(b, "month_calls"),
		        cli_num(b, "month_input_tokens"),
		        cli_num(b, "month_output_tokens"));
	}
	if (lf == NULL)
		return;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(lf, "enabled"))) {
		fprintf(f, "langfuse: off\n");
		return;
	}
	fprintf(f,
	        "langfuse: %.0f spans waiting, %.0f exported, %.0f refused, "
	        "%.0f dropped (outbox full)\n",
	        cli_num(lf, "outbox"), cli_num(lf, "exported"),
	        cli_num(lf, "rejected"), cli_num(lf, "dropped"));
	if (cli_num(lf, "failures") > 0)
		fprintf(f, "  failing (%.0f requests): %s; next try %s\n",
		        cli_num(lf, "failures"), cli_str(lf, "last_error"),
		        cli_str(lf, "retry_at"));
}

static void
print_status(FILE *f, const cJSON *r)
{
	const cJSON *eng = cJSON_GetObjectItemCaseSensitive(r, "engine");
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "executions"),
	            *it;

	fprintf(f, "heraldd %s, pid %.0f, up %.0f s, state dir %s\n",
	        cli_str(r, "version"), cli_num(r, "pid"),
	        cli_num(r, "uptime_s"), cli_str(r, "state_dir"));
	fprintf(f,
	        "workers %.0f, open executions %.0f, running steps %.0f, "
	        "last event %.0f\n",
	        cli_num(r, "workers"), cli_num(eng, "open_executions"),
	        cli_num(eng, "running_steps"), cli_num(eng, "last_seq"));
	fprintf(f, "executions:");
	if (cJSON_GetArraySize(ex) == 0)
		fprintf(f, " none");
	cJSON_ArrayForEach(it, ex)
	    fprintf(f, " %s %.0f", it->string, it->valuedouble);
	fprintf(f, "\n");
	print_spend(f, r);
}

static void
print_started(FILE *f, const cJSON *r)
{
	fprintf(f, "%s\n", cli_str(r, "id"));
}

static void
print_closed(FILE *f, const cJSON *r)
{
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");

	fprintf(f, "%s %s%s%s\n", cli_str(r, "id"), cli_str(r, "status"),
	        cJSON_IsString(err) ? ": " : "",
	        cJSON_IsString(err) ? err->valuestring : "");
}

static void
print_changed(FILE *f, const cJSON *r)
{
	fprintf(f, "%s%s%s: %s\n", cli_str(r, "id"),
	        cJSON_GetObjectItemCaseSensitive(r, "step") ? " " : "",
	        cJSON_GetObjectItemCaseSensitive(r, "step") ? cli_str(r, "step")
	                                                    : "",
	        cli_str(r, "status"));
}

static void
print_list(FILE *f, const cJSON *r)
{
	const cJSON *it, *next = cJSON_GetObjectItemCaseSensitive(r, "next");

	fprintf(f, "%-44s %-22s %-10s %-16s %s\n", "ID", "TYPE", "BRAND",
	        "STATUS", "CREATED");
	cJSON_ArrayForEach(it,
	                   cJSON_GetObjectItemCaseSensitive(r, "executions"))
	    fprintf(f, "%-44s %-22s %-10s %-16s %s\n", cli_str(it, "id"),
	            cli_str(it, "type"), cli_str(it, "brand"),
	            cli_str(it, "status"), cli_str(it, "created_at"));
	if (cJSON_IsNumber(next))
		fprintf(f, "more: --after %.0f\n", next->valuedouble);
}

static void
print_describe(FILE *f, const cJSON *r)
{
	const cJSON *it, *v;
	char        *s;

	fprintf(f, "id:       %s\n", cli_str(r, "id"));
	fprintf(f, "type:     %s\n", cli_str(r, "type"));
	fprintf(f, "brand:    %s\n", cli_str(r, "brand"));
	fprintf(f, "status:   %s\n", cli_str(r, "status"));
	fprintf(f, "created:  %s\n", cli_str(r, "created_at"));
	fprintf(f, "closed:   %s\n", cli_str(r, "closed_at"));
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(r, "error")))
		fprintf(f, "error:    %s\n", cli_str(r, "error"));
	s = cJSON_PrintUnformatted(
	    cJSON_GetObjectItemCaseSensitive(r, "input"));
	fprintf(f, "input:    %s\n\n", s ? s : "null");
	cJSON_free(s);
	fprintf(f, "%-24s %-11s %7s  %-24s %s\n", "STEP", "STATUS", "ATTEMPT",
	        "NEXT ATTEMPT", "LAST ERROR");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "steps"))
	{
		v = cJSON_GetObjectItemCaseSensitive(it, "last_error");
		fprintf(f, "%-24s %-11s %7.0f  %-24s %s\n", cli_str(it, "name"),
		        cli_str(it, "status"), cli_num(it, "attempt"),
		        cli_str(it, "next_attempt_at"),
		        cJSON_IsString(v) ? v->valuestring : "");
	}
}

static void
print_show(FILE *f, const cJSON *r)
{
	const cJSON *it, *data;
	char        *s;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "events"))
	{
		data = cJSON_GetObjectItemCaseSensitive(it, "data");
		s = cJSON_IsNull(data) ? NULL : cJSON_PrintUnformatted(data);
		fprintf(f, "%6.0f %s %-18s", cli_num(it, "seq"),
		        cli_str(it, "at"), cli_str(it, "type"));
		if (cJSON_IsString(
		        cJSON_GetObjectItemCaseSensitive(it, "step")))
			fprintf(f, " %s#%.0f", cli_str(it, "step"),
			        cli_num(it, "attempt"));
		fprintf(f, "%s%s\n", s ? " " : "", s ? s : "");
		cJSON_free(s);
	}
}

static void
print_publications(FILE *f, const cJSON *r)
{
	const cJSON *it;

	fprintf(f, "%-24s %-10s %-9s %-28s %s\n", "PUBLISHED", "BRAND",
	        "CHANNEL", "PHOTO", "POST");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "publications")) fprintf(
	    f, "%-24s %-10s %-9s %-28s %s\n", cli_str(it, "published_at"),
	    cli_str(it, "brand"), cli_str(it, "channel"),
	    cli_str(it, "photo_key"), cli_str(it, "permalink"));
}

/* Text from the daemon, indented, without control characters (a caption
 * could carry terminal escapes). */
static void
print_text(FILE *f, const char *indent, const char *s)
{
	fputs(indent, f);
	for (; *s != '\0'; s++) {
		if (*s == '\n')
			fprintf(f, "\n%s", indent);
		else if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			fputc(*s, f);
	}
	fputc('\n', f);
}

static void
print_approvals(FILE *f, const cJSON *r)
{
	const cJSON *it;

	fprintf(f, "%-44s %-10s %-24s %-24s %s\n", "EXECUTION", "BRAND",
	        "SINCE", "EXPIRES", "PHOTO");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "approvals"))
	{
		fprintf(f, "%-44s %-10s %-24s %-24s %s\n",
		        cli_str(it, "execution"), cli_str(it, "brand"),
		        cli_str(it, "since"), cli_str(it, "expires_at"),
		        cli_str(it, "photo_key"));
		print_text(f, "  ", cli_str(it, "caption"));
	}
}

static void
print_decided(FILE *f, const cJSON *r)
{
	fprintf(f, "%s: %s\n", cli_str(r, "execution"), cli_str(r, "status"));
}

/* Usage. */

static void
usage_command(FILE *f, const struct command *c)
{
	const struct method *m = &proto_methods[c->method];
	const struct param  *p;
	const struct alias  *a;
	int                  i, positional;

	fprintf(f, "  herald %s", c->words);
	for (i = 0; c->positional[i] != NULL; i++)
		fprintf(f, " %s", c->positional[i]);
	for (p = m->params; p->name != NULL; p++) {
		positional = 0;
		for (i = 0; c->positional[i] != NULL; i++)
			if (strcmp(c->positional[i], p->name) == 0)
				positional = 1;
		if (positional)
			continue;
		/* A parameter with flags of its own (--done|--retry). */
		for (i = 0, a = c->aliases; a != NULL && a->flag != NULL; a++)
			if (strcmp(a->param, p->name) == 0)
				fprintf(f, "%s%s",
				        i++ == 0 ? p->required ? " " : " ["
				                 : "|",
				        a->flag);
		if (i > 0) {
			fputs(p->required ? "" : "]", f);
			continue;
		}
		if (p->type == P_BOOL) {
			fprintf(f, " [--%s]", p->name);
			continue;
		}
		fprintf(f, " %s--%s %s%s%s", p->required ? "" : "[", p->name,
		        p->type == P_INT    ? "N"
		        : p->type == P_JSON ? "JSON"
		                            : "VALUE",
		        p->type == P_STRINGS ? " ..." : "",
		        p->required ? "" : "]");
	}
	fprintf(f, "\n      %s\n", m->summary);
}

void
cli_usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: herald [--state-dir DIR | --socket URL] [--json] "
	           "COMMAND ...\n"
	           "       herald [--state-dir DIR | --socket URL]   the "
	           "operator console (? shows its keys)\n"
	           "       herald --help | --version\n\ncommands:\n");
	for (i = 0; i < nitems(commands); i++)
		usage_command(f, &commands[i]);
	fprintf(f,
	        "  herald photo mark-used --brand B [KEY...] [--from-file "
	        "FILE|-] [--by NAME]\n"
	        "      mark photos used, as if published (moving from "
	        "another system)\n"
	        "  herald photo import-used --brand B --query SQL [--pg URL] "
	        "[--by NAME]\n"
	        "      the same, for the keys a query returns from the old "
	        "system's PostgreSQL\n");
	fprintf(f, "  herald events [--follow] [--since SEQ] [--topic T]\n"
	           "      events as JSON lines, in seq order; --follow keeps "
	           "reading\n");
	fprintf(f, "\nglobal: --state-dir DIR | --socket URL (one or the "
	           "other; else env HERALD_STATE_DIR\n"
	           "        | HERALD_SOCKET, one of them), --json,\n"
	           "        --token-env NAME (a remote daemon's token), "
	           "--tls-ca FILE (env HERALD_TLS_CA)\n"
	           "exit: 0 ok, 1 the daemon answered with an error, 2 usage,"
	           " 3 daemon unreachable\n");
}

/* Finds the command whose words start argv; sets *used. */
static const struct command *
find_command(int argc, char **argv, int *used)
{
	size_t i;

	for (i = 0; i < nitems(commands); i++) {
		char *words = xstrdup(commands[i].words), *w, *save = NULL;
		int   n = 0, ok = 1;

		for (w = strtok_r(words, " ", &save); w != NULL;
		     w = strtok_r(NULL, " ", &save), n++)
			if (n >= argc || strcmp(argv[n], w) != 0)
				ok = 0;
		free(words);
		if (ok) {
			*used = n;
			return &commands[i];
		}
	}
	return NULL;
}

static const struct param *
find_param(const struct method *m, const char *name)
{
	const struct param *p;

	for (p = m->params; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return p;
	return NULL;
}

/* Turns a command-line value into the JSON the parameter wants. */
static cJSON *
param_value(const struct param *p, const char *arg, char **cause)
{
	cJSON    *v;
	char     *end;
	long long n;

	switch (p->type) {
	case P_INT:
		errno = 0;
		n = strtoll(arg, &end, 10);
		if (*arg == '\0' || *end != '\0' || errno == ERANGE) {
			xasprintf(cause, "--%s: expected an integer", p->name);
			return NULL;
		}
		return cJSON_CreateNumber((double)n);
	case P_BOOL:
		if (strcmp(arg, "true") == 0 || strcmp(arg, "false") == 0)
			return cJSON_CreateBool(strcmp(arg, "true") == 0);
		xasprintf(cause, "--%s: expected true or false", p->name);
		return NULL;
	case P_JSON:
		if ((v = cJSON_Parse(arg)) == NULL) {
			xasprintf(cause, "--%s: not valid JSON", p->name);
			return NULL;
		}
		return v;
	default:
		return cJSON_CreateString(arg);
	}
}

static cJSON *
parse_args(const struct command *c, int argc, char **argv, char **cause)
{
	const struct method *m = &proto_methods[c->method];
	const struct param  *p;
	const struct alias  *a;
	cJSON               *params = cJSON_CreateObject(), *v;
	int                  i, npos = 0;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i], *name;

		if (c->aliases != NULL) {
			for (a = c->aliases; a->flag != NULL; a++)
				if (strcmp(arg, a->flag) == 0)
					break;
			if (a->flag != NULL) {
				p = find_param(m, a->param);
				if ((v = param_value(p, a->value, cause)) ==
				    NULL)
					goto fail;
				cJSON_DeleteItemFromObject(params, a->param);
				cJSON_AddItemToObject(params, a->param, v);
				continue;
			}
		}
		if (strncmp(arg, "--", 2) != 0) {
			if (c->positional[npos] == NULL) {
				xasprintf(cause, "unexpected argument \"%s\"",
				          arg);
				goto fail;
			}
			p = find_param(m, c->positional[npos++]);
			if ((v = param_value(p, arg, cause)) == NULL)
				goto fail;
			cJSON_AddItemToObject(params, p->name, v);
			continue;
		}
		name = arg + 2;
		if ((p = find_param(m, name)) == NULL) {
			xasprintf(cause, "unknown option %s", arg);
			goto fail;
		}
		if (p->type == P_BOOL &&
		    (i + 1 >= argc || (strcmp(argv[i + 1], "true") != 0 &&
		                       strcmp(argv[i + 1], "false") != 0))) {
			/* A bare --flag says yes. */
			cJSON_DeleteItemFromObject(params, p->name);
			cJSON_AddTrueToObject(params, p->name);
			continue;
		}
		if (i + 1 >= argc) {
			xasprintf(cause, "%s needs a value", arg);
			goto fail;
		}
		if (p->type == P_STRINGS) {
			/* Repeatable: --cron A --cron B. */
			cJSON *arr = cJSON_GetObjectItem(params, p->name);

			if (arr == NULL)
				arr = cJSON_AddArrayToObject(params, p->name);
			cJSON_AddItemToArray(arr,
			                     cJSON_CreateString(argv[++i]));
			continue;
		}
		if ((v = param_value(p, argv[++i], cause)) == NULL)
			goto fail;
		cJSON_DeleteItemFromObject(params, p->name);
		cJSON_AddItemToObject(params, p->name, v);
	}
	/* Decisions say who made them: the login, unless --by says. */
	if (find_param(m, "by") != NULL &&
	    cJSON_GetObjectItemCaseSensitive(params, "by") == NULL) {
		const char *user = getenv("USER");

		if (user != NULL && *user != '\0' && strlen(user) <= 128)
			cJSON_AddStringToObject(params, "by", user);
	}
	for (p = m->params; p->name != NULL; p++) {
		if (p->required &&
		    cJSON_GetObjectItemCaseSensitive(params, p->name) == NULL) {
			xasprintf(cause, "missing %s", p->name);
			goto fail;
		}
	}
	return params;
fail:
	cJSON_Delete(params);
	return NULL;
}

int
cli_parse(int argc, char **argv, const char **method, cJSON **params, int *wait,
          char **cause)
{
	const struct command *c;
	int                   used;

	if (argc == 0) {
		xasprintf(cause, "no command");
		return -1;
	}
	if ((c = find_command(argc, argv, &used)) == NULL) {
		xasprintf(cause, "unknown command \"%s%s%s\"", argv[0],
		          argc > 1 ? " " : "", argc > 1 ? argv[1] : "");
		return -1;
	}
	if ((*params = parse_args(c, argc - used, argv + used, cause)) ==
	    NULL) {
		char *tmp;

		xasprintf(&tmp, "%s: %s", c->words, *cause);
		free(*cause);
		*cause = tmp;
		return -1;
	}
	*method = proto_methods[c->method].name;
	*wait = c->wait;
	return 0;
}

void
cli_print(FILE *f, const char *method, const cJSON *result)
{
	size_t i;

	for (i = 0; i < nitems(commands); i++)
		if (strcmp(proto_methods[commands[i].method].name, method) ==
		    0) {
			commands[i].print(f, result);
			return;
		}
	print_json(f, result, 1);
}

const char *
cli_command_words(size_t i)
{
	return i < nitems(commands) ? commands[i].words : NULL;
}

void
cli_usage_of(FILE *f, const char *prefix)
{
	size_t i, n = strlen(prefix);

	for (i = 0; i < nitems(commands); i++)
		if (strncmp(commands[i].words, prefix, n) == 0)
			usage_command(f, &commands[i]);
}

int
cli_run(const char *url, const struct client_opts *opts, int json, int argc,
        char **argv)
{
	const struct command *c;
	struct client        *cl;
	cJSON                *params, *reply, *result, *err;
	char                 *cause = NULL;
	int                   used, unreachable, rc, i, help, found = 0;

	for (i = 0, help = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0)
			help = 1;
	if ((c = find_command(argc, argv, &used)) == NULL) {
		size_t k, n = strcspn(argv[0], " ");

		/* "herald workflow --help": the commands of that group. */
		for (k = 0; help && k < nitems(commands); k++)
			if (strncmp(commands[k].words, argv[0], n) == 0 &&
			    commands[k].words[n] == ' ') {
				usage_command(stdout, &commands[k]);
				found = 1;
			}
		if (found)
			return 0;
		fprintf(stderr, "herald: unknown command \"%s\"\n", argv[0]);
		cli_usage(stderr);
		return EXIT_USAGE;
	}
	if (help) {
		usage_command(stdout, c);
		return 0;
	}
	if ((params = parse_args(c, argc - used, argv + used, &cause)) ==
	    NULL) {
		fprintf(stderr, "herald %s: %s\n", c->words, cause);
		usage_command(stderr, c);
		free(cause);
		return EXIT_USAGE;
	}
	if ((cl = client_open(url, opts, &unreachable, &cause)) == NULL) {
		cJSON_Delete(params);
		fprintf(stderr, "herald: %s\n", cause);
		free(cause);
		/* A URL or CA file we cannot use is a usage error; failing to
		 * connect (or to verify the server) means not reached. */
		return unreachable == 2   ? EXIT_USAGE
		       : unreachable == 1 ? EXIT_UNREACHABLE
		                          : EXIT_ERROR;
	}
	reply = client_call(cl, proto_methods[c->method].name, params,
	                    c->wait ? -1 : 30000, &cause);
	client_close(cl);
	if (reply == NULL) {
		fprintf(stderr, "herald: %s: %s\n", url, cause);
		free(cause);
		return EXIT_UNREACHABLE;
	}
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reply, "ok"))) {
		err = cJSON_GetObjectItemCaseSensitive(reply, "error");
		if (json)
			print_json(stdout, err, 0);
		fprintf(stderr, "herald: %s: %s\n", cli_str(err, "code"),
		        cli_str(err, "message"));
		cJSON_Delete(reply);
		return EXIT_ERROR;
	}
	result = cJSON_GetObjectItemCaseSensitive(reply, "result");
	if (json)
		print_json(stdout, result, 0);
	else
		c->print(stdout, result);
	rc = 0;
	/* execute succeeds only when the execution completed. */
	if (c->method == M_WORKFLOW_EXECUTE &&
	    strcmp(cli_str(result, "status"), "completed") != 0)
		rc = EXIT_ERROR;
	cJSON_Delete(reply);
	return rc;
}
