/*
 * console: the operator console's loop. It sleeps in poll() on the event
 * socket, the keyboard and the next timer (a clock tick for the ages on
 * screen, a deferred fetch); applies events to the model; fetches what the
 * model marks stale for the screen in front of the operator; turns keys
 * into actions (keys.c) and actions into requests; and redraws only when
 * something changed. One thread: the console's.
 *
 * DESIGN
 * Nothing here waits on a daemon that is away: conn refuses calls at once
 * while the link is down, and the status bar says so. When the link
 * comes back (or the event stream skipped a seq) the model is refreshed
 * in place: status first (its last_seq is the baseline events are
 * counted from), then the list from the window's first row, then what
 * the current screen shows, so the operator keeps the same screen, the
 * same selection and the same filters.
 *
 * A fetch of the same kind runs at most every FETCH_GAP_MS while events
 * pour in: the model applies events itself at once and fetches only fill
 * in what events do not carry, so the screen stays live and the daemon
 * is not asked for the same page a hundred times a second.
 */
#include <sys/wait.h>

#include <curses.h>
#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "ipc/client.h"
#include "ipc/proto.h"
#include "tui/cli.h"
#include "tui/conn.h"
#include "tui/console.h"
#include "tui/edit.h"
#include "tui/keys.h"
#include "tui/model.h"
#include "tui/preview.h"
#include "tui/text.h"
#include "tui/theme.h"
#include "tui/view.h"

#define READ_TIMEOUT_MS  5000
#define WRITE_TIMEOUT_MS 10000
#define PHOTO_TIMEOUT_MS 10000 /* the daemon may read the photo from S3 */
#define FETCH_GAP_MS     150
#define FRAME_MS         40 /* events redraw at most this often */
#define STATUS_GAP_MS    1000
#define SPEND_GAP_MS     2000 /* status for the spend, while it is shown */
#define MESSAGE_MS       6000
#define RECHECK_MS       250 /* while the daemon is away */
#define REMOTE_POLL_MS   1000
#define PUBS_LIMIT       500
#define TEXT_MAX         4096  /* the protocol's note/reason limit */
#define CAPTION_MAX      16384 /* the protocol's caption limit, in bytes */
#define CAPTION_CHARS    2200  /* ...and in characters (Instagram's) */
#define EDITOR_READ_MAX  (64 * 1024) /* what $EDITOR's file may hold */
#define CAPTION_SUBMIT   24          /* ^X: the inline caption editor is done */

enum prompt_kind { PR_NONE, PR_CONFIRM, PR_TEXT, PR_CAPTION, PR_RESOLVE };
enum overlay { OV_NONE, OV_HELP, OV_PAGER };

struct console {
	struct conn  *conn;
	struct model *m;
	struct theme *theme;
	const char   *where;
	char         *by; /* who decides approvals: the login name */
	int           frames, drawn;
	int           dirty;    /* redraw now (a key, the link) */
	int           ev_dirty; /* redraw within FRAME_MS (events) */
	/* Timers run on the monotonic clock (mono_ms), so the wall clock
	 * jumping never stalls them; only what is shown uses clock_ms. */
	int64_t last_draw;
	int64_t fetched[8]; /* when each stale kind was last fetched */
	int64_t next_poll;  /* remote: events.since */

	enum overlay ov;
	char        *pager_title, *pager_text;
	int          pager_top, pager_lines, pager_height;

	/* The photo screen, over everything while it is open. */
	struct preview *pv;
	char           *pv_note; /* why the last switch failed */
	int             pv_drawn;

	struct {
		enum prompt_kind kind;
		enum action      action; /* what it is for */
		char            *question, *hint;
		char            *target, *target2;
		int              round; /* the approval's, when asked; 0 */
		struct edit     *edit;
	} pr;
};

static volatile sig_atomic_t quit_signal;

static void
on_quit_signal(int sig)
{
	(void)sig;
	quit_signal = 1;
}

static void say(struct console *k, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
say(struct console *k, int error, const char *fmt, ...)
{
	va_list ap;
	char   *text;

	va_start(ap, fmt);
	xvasprintf(&text, fmt, ap);
	va_end(ap);
	model_message(k->m, error, clock_ms() + MESSAGE_MS, text);
	free(text);
	k->dirty = 1;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Fetching. */

static int
stale_index(int bit)
{
	int i = 0;

	while (bit > 1) {
		bit >>= 1;
		i++;
	}
	return i;
}

/* 1 if kind may be fetched now; else *due becomes the earliest time. */
static int
may_fetch(struct console *k, int bit, int64_t gap, int64_t now, int64_t *due)
{
	int64_t at = k->fetched[stale_index(bit)] + gap;

	if (now >= at)
		return 1;
	if (*due == 0 || at < *due)
		*due = at;
	return 0;
}

/* A read-only call; NULL (and the stale mark kept) when it failed. */
static cJSON *
fetch_call(struct console *k, const char *method, cJSON *params, int bit,
           char **code)
{
	char  *err = NULL;
	cJSON *res;

	k->fetched[stale_index(bit)] = mono_ms();
	res = conn_call(k->conn, method, params, READ_TIMEOUT_MS, &err, code);
	if (res == NULL) {
		/* The link going down is on the status bar already. */
		if (code != NULL && *code != NULL)
			say(k, 1, "%s: %s", method, err);
		free(err);
		return NULL;
	}
	k->dirty = 1;
	return res;
}

static void
fetch_list(struct console *k, enum page p)
{
	cJSON *params = model_list_params(k->m, p), *res;
	char  *code = NULL;

	if (params == NULL)
		return;
	res = fetch_call(k, "workflow.list", params, STALE_LIST, &code);
	if (res != NULL)
		model_list_reply(k->m, p, res);
	else if (code != NULL)
		k->m->stale &= ~STALE_LIST; /* an error: do not loop on it */
	cJSON_Delete(res);
	free(code);
}

static void
fetch_approvals(struct console *k)
{
	char  *code = NULL, *err = NULL;
	cJSON *res;

	k->fetched[stale_index(STALE_APPROVALS)] = mono_ms();
	res = conn_call(k->conn, "approval.list", NULL, READ_TIMEOUT_MS, &err,
	                &code);
	if (res != NULL)
		model_approvals_reply(k->m, res);
	else if (code != NULL && strcmp(code, "bad_request") == 0)
		model_approvals_unavailable(k->m); /* no such method here */
	else if (code != NULL) {
		say(k, 1, "approval.list: %s", err);
		k->m->stale &= ~STALE_APPROVALS;
	}
	k->dirty = 1;
	cJSON_Delete(res);
	free(code);
	free(err);
}

/* Fetches what is stale and on screen. Returns the time (mono_ms) a
 * deferred fetch is due, or 0. */
static int64_t
fetch(struct console *k)
{
	struct model *m = k->m;
	int64_t       now = mono_ms(), due = 0;
	int           refreshing = m->refreshing;
	cJSON        *res, *params;
	char         *code = NULL;

	if (!m->connected)
		return 0;
	/* status: the counts over the list; in Publications, the spend,
	 * after a step ends (each may have been a Claude call) or a UTC day
	 * begins. One reply refreshes both. */
	if (((m->stale & STALE_STATUS) &&
	     (refreshing ||
	      (m->view == VIEW_EXECS &&
	       may_fetch(k, STALE_STATUS, STATUS_GAP_MS, now, &due)))) ||
	    ((m->stale & STALE_SPEND) && m->view == VIEW_PUBS &&
	     may_fetch(k, STALE_SPEND, SPEND_GAP_MS, now, &due))) {
		int bit = m->view == VIEW_PUBS ? STALE_SPEND : STALE_STATUS;

		if ((res = fetch_call(k, "status", NULL, bit, &code)) == NULL) {
			if (code != NULL && !refreshing)
				m->stale &= ~bit; /* an error: not in a loop */
			free(code);
			return 0;
		}
		model_status_reply(m, res, clock_ms());
		if (refreshing) {
			double seq = cJSON_GetNumberValue(cJSON_GetObjectItem(
			    cJSON_GetObjectItem(res, "engine"), "last_seq"));

			/* NaN when missing: casting it is undefined. */
			model_baseline(m, seq >= 0 && seq < 9e15 ? (int64_t)seq
			                                         : 0);
		}
		cJSON_Delete(res);
	}
	if (m->want != PAGE_NONE) {
		enum page p = m->want;

		m->want = PAGE_NONE;
		fetch_list(k, p);
	}
	if ((m->stale & STALE_LIST) && (m->view == VIEW_EXECS || !m->loaded) &&
	    (refreshing || may_fetch(k, STALE_LIST, FETCH_GAP_MS, now, &due)))
		fetch_list(k, m->loaded ? PAGE_RELOAD : PAGE_TOP);
	if ((m->stale & STALE_APPROVALS) &&
	    (refreshing ||
	     may_fetch(k, STALE_APPROVALS, FETCH_GAP_MS, now, &due)))
		fetch_approvals(k);
	if (m->view == VIEW_DETAIL && m->detail_id != NULL &&
	    (m->stale & STALE_DETAIL) &&
	    (refreshing ||
	     may_fetch(k, STALE_DETAIL, FETCH_GAP_MS, now, &due))) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "id", m->detail_id);
		res = fetch_call(k, "workflow.describe", params, STALE_DETAIL,
		                 &code);
		if (res != NULL)
			model_detail_reply(m, res);
		else if (code != NULL) {
			char *why;

			xasprintf(&why, "%s: %s", m->detail_id,
			          strcmp(code, "not_found") == 0
			              ? "no such execution"
			              : code);
			model_detail_error(m, why);
			free(why);
		}
		cJSON_Delete(res);
		free(code);
		code = NULL;
	}
	if (m->view == VIEW_DETAIL && m->detail_id != NULL &&
	    (m->stale & STALE_HISTORY)) {
		params = cJSON_CreateObject();
		cJSON_AddStringToObject(params, "id", m->detail_id);
		cJSON_AddNumberToObject(params, "limit", 10000);
		res = fetch_call(k, "workflow.show", params, STALE_HISTORY,
		                 &code);
		if (res != NULL)
			model_history_reply(m, res);
		else if (code != NULL)
			m->stale &= ~STALE_HISTORY;
		cJSON_Delete(res);
		free(code);
		code = NULL;
	}
	if (m->view == VIEW_SCHEDULES && (m->stale & STALE_SCHEDULES) &&
	    (refreshing ||
	     may_fetch(k, STALE_SCHEDULES, FETCH_GAP_MS, now, &due))) {
		res = fetch_call(k, "schedule.list", NULL, STALE_SCHEDULES,
		                 &code);
		if (res != NULL)
			model_schedules_reply(m, res);
		else if (code != NULL)
			m->stale &= ~STALE_SCHEDULES;
		cJSON_Delete(res);
		free(code);
		code = NULL;
	}
	if (m->view == VIEW_PUBS && (m->stale & STALE_PUBS) &&
	    (refreshing || may_fetch(k, STALE_PUBS, FETCH_GAP_MS, now, &due))) {
		params = cJSON_CreateObject();
		cJSON_AddNumberToObject(params, "limit", PUBS_LIMIT);
		res = fetch_call(k, "publication.list", params, STALE_PUBS,
		                 &code);
		if (res != NULL)
			model_pubs_reply(m, res, PUBS_LIMIT);
		else if (code != NULL)
			m->stale &= ~STALE_PUBS;
		cJSON_Delete(res);
		free(code);
	}
	return due;
}

/* Requests that change things. */

/* The first lines of what the CLI would print for a result, on one. */
static char *
summary(const char *method, const cJSON *res)
{
	char  *buf = NULL, *p;
	size_t len = 0;
	FILE  *f = open_memstream(&buf, &len);

	if (f == NULL)
		return xstrdup("done");
	cli_print(f, method, res);
	fclose(f);
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	for (p = buf; *p != '\0'; p++)
		if (*p == '\n')
			*p = ' ';
	return buf;
}

/* Sends a mutating request and says how it went; the change itself
 * reaches the screen through the events it causes. */
static cJSON *
mutate(struct console *k, const char *method, cJSON *params, const char *what)
{
	char  *err = NULL, *code = NULL, *s;
	cJSON *res;

	res = conn_call(k->conn, method, params, WRITE_TIMEOUT_MS, &err, &code);
	if (res == NULL) {
		if (code != NULL && strcmp(code, "bad_request") == 0 &&
		    strstr(err, "unknown method") != NULL)
			say(k, 1, "%s: not available from this daemon", method);
		else if (strncmp(method, "approval.", 9) == 0)
			/* what says what was done, and it was not: the
			 * daemon's reason says why (a replaced caption, a
			 * decision taken elsewhere). Only prompts decide
			 * approvals, so the target is the execution. */
			say(k, 1, "%s: %s", k->pr.target ? k->pr.target : "",
			    err);
		else
			say(k, 1, "%s: %s%s%s", what, code ? code : "",
			    code ? ": " : "", err);
		free(err);
		free(code);
		return NULL;
	}
	if (strncmp(method, "approval.", 9) == 0)
		say(k, 0, "%s", what);
	else {
		s = summary(method, res);
		say(k, 0, "%s", s);
		free(s);
	}
	return res;
}

static cJSON *
id_params(const char *id)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "id", id);
	return p;
}

/* Prompts. */

static void
prompt_close(struct console *k)
{
	free(k->pr.question);
	free(k->pr.hint);
	free(k->pr.target);
	free(k->pr.target2);
	edit_free(k->pr.edit);
	memset(&k->pr, 0, sizeof k->pr);
	k->dirty = 1;
}

static void prompt_open(struct console *k, enum prompt_kind kind, enum action a,
                        const char *target, const char *hint,
                        const char *initial, size_t max, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static void
prompt_open(struct console *k, enum prompt_kind kind, enum action a,
            const char *target, const char *hint, const char *initial,
            size_t max, const char *fmt, ...)
{
	va_list ap;

	prompt_close(k);
	k->pr.kind = kind;
	k->pr.action = a;
	k->pr.target = xstrdup(target);
	k->pr.hint = xstrdup(hint);
	va_start(ap, fmt);
	xvasprintf(&k->pr.question, fmt, ap);
	va_end(ap);
	if (kind == PR_TEXT || kind == PR_CAPTION)
		k->pr.edit = edit_new(initial, max);
	/* Nothing typed (or pasted) before the question can answer it. */
	if (kind == PR_CONFIRM || kind == PR_RESOLVE)
		flushinp();
}

static void run_command(struct console *, const char *);

static const char *
login_name(void)
{
	const char    *u = getenv("USER");
	struct passwd *pw;

	if (u != NULL && *u != '\0')
		return u;
	pw = getpwuid(getuid());
	return pw != NULL ? pw->pw_name : "operator";
}

/* An approval request's params: the execution and the round of the
 * caption the operator saw when pressing the key, so a decision about
 * a caption since replaced is refused, not applied to the new one. */
static cJSON *
approval_params(struct console *k)
{
	cJSON *p = id_params(k->pr.target);

	if (k->pr.round > 0)
		cJSON_AddNumberToObject(p, "round", k->pr.round);
	return p;
}

/* The inline caption editor on execution id's approval, holding text
 * (NULL: none); why, if not NULL, goes in its question. */
static void
caption_open(struct console *k, const char *id, const char *text, int round,
             const char *why)
{
	char *tid = xstrdup(id), *ttext = xstrdup(text);

	prompt_open(k, PR_CAPTION, A_EDIT, tid,
	            "^X: approve (asks)  Enter: new line  Esc: cancel", ttext,
	            CAPTION_MAX, "Caption of %s%s%s:", tid, why ? ", " : "",
	            why ? why : "");
	k->pr.round = round;
	free(tid);
	free(ttext);
}

/* 0 if text fits a caption, else -1 with the reason on the status bar. */
static int
caption_fits(struct console *k, const char *text)
{
	if (strlen(text) > CAPTION_MAX || utf8_chars(text) > CAPTION_CHARS) {
		say(k, 1, "the caption has %zu characters, over %d",
		    utf8_chars(text), CAPTION_CHARS);
		return -1;
	}
	return 0;
}

/* The prompt was answered (yes, a text or a choice). */
static void
prompt_done(struct console *k, const char *text, char choice)
{
	struct model *m = k->m;
	cJSON        *p, *res = NULL;
	const char   *id = k->pr.target;
	enum action   a = k->pr.action;
	char          what[256];

	switch (a) {
	case A_COMMAND:
		run_command(k, text);
		break;
	case A_FILTER:
		model_filter_match(m, text);
		break;
	case A_CANCEL:
		res = mutate(k, "workflow.cancel", id_params(id), id);
		break;
	case A_RETRY:
		res = mutate(k, "workflow.retry", id_params(id), id);
		break;
	case A_RESOLVE:
		p = id_params(id);
		cJSON_AddStringToObject(p, "step", k->pr.target2);
		cJSON_AddStringToObject(p, "outcome",
		                        choice == 'd' ? "done" : "retry");
		res = mutate(k, "workflow.resolve", p, id);
		break;
	case A_APPROVE:
	case A_EDIT:
		p = approval_params(k);
		if (a == A_EDIT)
			cJSON_AddStringToObject(p, "caption", k->pr.target2);
		cJSON_AddStringToObject(p, "by", k->by);
		snprintf(what, sizeof what, "approved %s%s", id,
		         a == A_EDIT ? " with the edited caption" : "");
		res = mutate(k, "approval.approve", p, what);
		if (res == NULL && a == A_EDIT) {
			/* Not approved: the edit goes back to the editor,
			 * for the round now waiting (the reason is on the
			 * status bar). */
			const cJSON *now = model_approval_find(m, id);

			caption_open(k, id, k->pr.target2,
			             now ? model_approval_round(now)
			                 : k->pr.round,
			             "not approved (your text kept)");
			return;
		}
		break;
	case A_REJECT:
		p = approval_params(k);
		if (text != NULL && *text != '\0')
			cJSON_AddStringToObject(p, "reason", text);
		cJSON_AddStringToObject(p, "by", k->by);
		snprintf(what, sizeof what, "rejected %s", id);
		res = mutate(k, "approval.reject", p, what);
		break;
	case A_REGENERATE:
		p = approval_params(k);
		if (text != NULL && *text != '\0')
			cJSON_AddStringToObject(p, "hint", text);
		cJSON_AddStringToObject(p, "by", k->by);
		snprintf(what, sizeof what, "asked for a new caption for %s",
		         id);
		res = mutate(k, "approval.regenerate", p, what);
		break;
	case A_PAUSE:
		p = id_params(id);
		if (text != NULL) {
			if (*text != '\0')
				cJSON_AddStringToObject(p, "note", text);
			res = mutate(k, "schedule.pause", p, id);
		} else
			res = mutate(k, "schedule.unpause", p, id);
		m->stale |= STALE_SCHEDULES;
		break;
	case A_DELETE:
		res = mutate(k, "schedule.delete", id_params(id), id);
		m->stale |= STALE_SCHEDULES;
		break;
	default:
		break;
	}
	cJSON_Delete(res);
	prompt_close(k);
}

/* Completes the command line's words from the CLI's table. */
static void
complete(struct console *k)
{
	char       *text = edit_utf8(k->pr.edit), *common = NULL, *list = NULL;
	const char *w;
	size_t      i, n = strlen(text), matches = 0, c;

	for (i = 0; (w = cli_command_words(i)) != NULL; i++) {
		if (strncmp(w, text, n) != 0)
			continue;
		matches++;
		if (common == NULL)
			common = xstrdup(w);
		else {
			for (c = 0; common[c] != '\0' && common[c] == w[c]; c++)
				;
			common[c] = '\0';
		}
		{
			char *tmp;

			xasprintf(&tmp, "%s%s%s", list ? list : "",
			          list ? ", " : "", w);
			free(list);
			list = tmp;
		}
	}
	if (matches == 1) {
		char *full;

		xasprintf(&full, "%s ", common);
		edit_set(k->pr.edit, full);
		free(full);
	} else if (matches > 1) {
		if (strlen(common) > n)
			edit_set(k->pr.edit, common);
		say(k, 0, "%s", list);
	} else
		say(k, 1, "no command starts with \"%s\"", text);
	free(common);
	free(list);
	free(text);
}

static int
edit_key(struct edit *e, int key)
{
	switch (key) {
	case KEYS_FN(KEY_LEFT):
	case 2: /* ^B */
		edit_apply(e, EDIT_LEFT);
		return 1;
	case KEYS_FN(KEY_RIGHT):
	case 6: /* ^F */
		edit_apply(e, EDIT_RIGHT);
		return 1;
	case KEYS_FN(KEY_HOME):
	case 1: /* ^A */
		edit_apply(e, EDIT_HOME);
		return 1;
	case KEYS_FN(KEY_END):
	case 5: /* ^E */
		edit_apply(e, EDIT_END);
		return 1;
	case KEYS_FN(KEY_BACKSPACE):
	case 127:
	case 8:
		edit_apply(e, EDIT_BACKSPACE);
		return 1;
	case KEYS_FN(KEY_DC):
	case 4: /* ^D */
		edit_apply(e, EDIT_DELETE);
		return 1;
	case 21: /* ^U */
		edit_apply(e, EDIT_KILL);
		return 1;
	case 23: /* ^W */
		edit_apply(e, EDIT_WORD);
		return 1;
	}
	if (key >= 0x20 && key < KEYS_FN(0) && key != 127) {
		edit_insert(e, (wchar_t)key); /* past the limit: ignored */
		return 1;
	}
	return 0;
}

static void
prompt_key(struct console *k, int key)
{
	char *text;

	k->dirty = 1;
	if (key == 27 || key == 7 /* ^G */) {
		if (k->pr.kind != PR_TEXT || k->pr.action != A_FILTER)
			say(k, 0, "nothing done");
		prompt_close(k);
		return;
	}
	switch (k->pr.kind) {
	case PR_NONE:
		break;
	case PR_CONFIRM:
		if (key == 'y' || key == 'Y')
			prompt_done(k, NULL, 'y');
		else {
			say(k, 0, "nothing done");
			prompt_close(k);
		}
		break;
	case PR_RESOLVE:
		if (key == 'd' || key == 'r')
			prompt_done(k, NULL, (char)key);
		break;
	case PR_CAPTION:
		/* A caption has lines, and a paste sends a line's end as
		 * Enter: only ^X submits it, so pasted text never answers
		 * anything. Approving it still asks. */
		if (key == CAPTION_SUBMIT) {
			enum action a = k->pr.action;
			char       *id;
			int         round = k->pr.round;

			text = edit_utf8(k->pr.edit);
			if (caption_fits(k, text) != 0) {
				free(text);
				break;
			}
			id = xstrdup(k->pr.target);
			prompt_open(k, PR_CONFIRM, a, id, NULL, NULL, 0,
			            "Approve %s with the edited caption? (y/N)",
			            id);
			k->pr.target2 = text;
			k->pr.round = round;
			free(id);
		} else if (key == '\r' || key == '\n' ||
		           key == KEYS_FN(KEY_ENTER))
			edit_insert(k->pr.edit, '\n');
		else
			edit_key(k->pr.edit, key);
		break;
	case PR_TEXT:
		if (key == '\r' || key == '\n' || key == KEYS_FN(KEY_ENTER)) {
			/* What follows Enter at once is the rest of a
			 * paste, not keys for the console. */
			flushinp();
			text = edit_utf8(k->pr.edit);
			prompt_done(k, text, 0);
			free(text);
		} else if (key == '\t' && k->pr.action == A_COMMAND)
			complete(k);
		else
			edit_key(k->pr.edit, key);
		break;
	}
}

/* The command line. */

static void
pager_open(struct console *k, const char *title, char *text)
{
	free(k->pager_title);
	free(k->pager_text);
	k->pager_title = xstrdup(title);
	k->pager_text = text;
	k->pager_top = 0;
	k->ov = OV_PAGER;
	k->dirty = 1;
}

static void
run_command(struct console *k, const char *line)
{
	int         argc, wait;
	char      **argv, *cause = NULL, *err = NULL, *code = NULL, *out = NULL;
	const char *method;
	cJSON      *params, *res;
	size_t      len = 0;
	FILE       *f;

	if (edit_split(line, &argc, &argv, &cause) != 0) {
		say(k, 1, ":%s", cause);
		free(cause);
		return;
	}
	if (argc == 0)
		goto out;
	if (strcmp(argv[0], "q") == 0 || strcmp(argv[0], "quit") == 0) {
		quit_signal = 1;
		goto out;
	}
	if (strcmp(argv[0], "help") == 0 || strcmp(argv[0], "?") == 0) {
		if ((f = open_memstream(&out, &len)) != NULL) {
			cli_usage_of(f, argc > 1 ? argv[1] : "");
			fclose(f);
			pager_open(k, "Commands (type them after :)", out);
		}
		goto out;
	}
	if (strcmp(argv[0], "events") == 0) {
		say(k, 1, "the console follows the events already");
		goto out;
	}
	if (cli_parse(argc, argv, &method, &params, &wait, &cause) != 0) {
		say(k, 1, "%s (:help lists the commands)", cause);
		free(cause);
		goto out;
	}
	if (wait) {
		cJSON_Delete(params);
		say(k, 1,
		    "%s waits for the execution to close; use workflow "
		    "start here",
		    method);
		goto out;
	}
	res = conn_call(k->conn, method, params,
	                proto_method(method) != NULL &&
	                        (proto_method(method)->flags & M_MUTATES)
	                    ? WRITE_TIMEOUT_MS
	                    : READ_TIMEOUT_MS,
	                &err, &code);
	if (res == NULL) {
		say(k, 1, "%s%s%s", code ? code : "", code ? ": " : "", err);
		free(err);
		free(code);
		goto out;
	}
	if ((f = open_memstream(&out, &len)) != NULL) {
		cli_print(f, method, res);
		fclose(f);
		while (len > 0 && out[len - 1] == '\n')
			out[--len] = '\0';
		if (strchr(out, '\n') == NULL) {
			say(k, 0, "%s", out);
			free(out);
		} else
			pager_open(k, line, out);
	}
	cJSON_Delete(res);
out:
	edit_split_free(argc, argv);
}

/* $EDITOR. */

/* Edits text in $VISUAL or $EDITOR; the new text (caller frees), or NULL
 * with *cause. The terminal is handed over meanwhile. When the editor
 * fails or its file cannot be taken back, the file is kept and *cause
 * says where: an operator's edit is never thrown away. */
static char *
run_editor(const char *text, char **cause)
{
	const char *tmp = getenv("TMPDIR");
	char       *path, *out = NULL;
	int         fd, status = -1;
	pid_t       pid;
	FILE       *f = NULL;
	size_t      len;
	long        size;

	xasprintf(&path, "%s/herald-caption-XXXXXX.txt",
	          tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if ((fd = mkstemps(path, 4)) < 0) {
		xasprintf(cause, "temporary file %s: %s", path,
		          strerror(errno));
		free(path);
		return NULL;
	}
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text) ||
	    write(fd, "\n", 1) != 1) {
		xasprintf(cause, "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path); /* nothing edited yet */
		goto out;
	}
	close(fd);
	/* The editor gets the terminal; ^C there is the editor's. */
	def_prog_mode();
	endwin();
	signal(SIGINT, SIG_IGN);
	if ((pid = fork()) == 0) {
		signal(SIGINT, SIG_DFL);
		execl("/bin/sh", "sh", "-c", "exec ${VISUAL:-$EDITOR} \"$1\"",
		      "sh", path, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	signal(SIGINT, on_quit_signal);
	reset_prog_mode();
	clearok(curscr, TRUE);
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		xasprintf(cause,
		          "the editor did not finish cleanly (%s); nothing "
		          "done, the text is kept in %s",
		          pid < 0 ? strerror(errno) : "exit status", path);
		goto out;
	}
	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (size = ftell(f)) < 0 || size > EDITOR_READ_MAX ||
	    fseek(f, 0, SEEK_SET) != 0) {
		xasprintf(cause,
		          "%s: cannot read it back (or over %d bytes); "
		          "nothing done, the file is kept",
		          path, EDITOR_READ_MAX);
		goto out;
	}
	out = xmalloc((size_t)size + 1);
	len = fread(out, 1, (size_t)size, f);
	out[len] = '\0';
	/* Editors end files with a newline; the caption does not. */
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	unlink(path);
out:
	if (f != NULL)
		fclose(f);
	free(path);
	return out;
}

/* Actions. */

/* The execution an action is about: the open one in the detail, the
 * selected one in the list. */
static const char *
target_execution(struct console *k)
{
	const struct exec_row *r;

	if (k->m->view == VIEW_DETAIL)
		return k->m->detail_id;
	if (k->m->view == VIEW_EXECS && (r = model_selected(k->m)) != NULL)
		return r->id;
	return NULL;
}

static void
open_detail(struct console *k, const char *id)
{
	if (id == NULL)
		return;
	model_open_detail(k->m, id);
	k->m->view = VIEW_DETAIL;
}

static void
act_approval(struct console *k, enum action a)
{
	const cJSON *ap = model_approval_selected(k->m);
	const char  *id = jstr(ap, "execution");
	char        *cause = NULL, *text;
	int          round = model_approval_round(ap); /* as the key saw it */

	if (k->m->appr_state == APPR_UNAVAILABLE) {
		say(k, 1, "approvals are not available from this daemon");
		return;
	}
	if (id == NULL) {
		say(k, 1, "nothing waits for approval");
		return;
	}
	switch (a) {
	case A_APPROVE:
		prompt_open(k, PR_CONFIRM, A_APPROVE, id, NULL, NULL, 0,
		            "Approve the caption of %s? (y/N)", id);
		break;
	case A_EDIT: {
		const char *ed = getenv("VISUAL");

		if (ed == NULL || *ed == '\0')
			ed = getenv("EDITOR");
		if (ed == NULL || *ed == '\0') {
			caption_open(k, id, jstr(ap, "caption"), round, NULL);
			break;
		}
		if ((text = run_editor(jstr(ap, "caption") ? jstr(ap, "caption")
		                                           : "",
		                       &cause)) == NULL) {
			say(k, 1, "%s", cause);
			free(cause);
			break;
		}
		if (jstr(ap, "caption") != NULL &&
		    strcmp(text, jstr(ap, "caption")) == 0) {
			say(k, 0, "the caption is unchanged; nothing done");
			free(text);
			break;
		}
		if (caption_fits(k, text) != 0) {
			/* Too long: shorten it here, nothing lost. */
			caption_open(k, id, text, round, "too long");
			free(text);
			break;
		}
		prompt_open(k, PR_CONFIRM, A_EDIT, id, NULL, NULL, 0,
		            "Approve %s with the edited caption? (y/N)", id);
		k->pr.target2 = text;
		break;
	}
	case A_REJECT:
		prompt_open(k, PR_TEXT, A_REJECT, id,
		            "why (optional); Esc: cancel", NULL, TEXT_MAX,
		            "Reject %s, reason:", id);
		break;
	case A_REGENERATE:
		prompt_open(k, PR_TEXT, A_REGENERATE, id,
		            "what to change (optional); Esc: cancel", NULL,
		            TEXT_MAX, "New caption for %s, hint:", id);
		break;
	default:
		break;
	}
	if (k->pr.kind != PR_NONE)
		k->pr.round = round;
}

static void
act_schedule(struct console *k, enum action a)
{
	const cJSON *s = model_schedule_selected(k->m);
	const char  *id = jstr(s, "id");
	cJSON       *res;

	if (id == NULL) {
		say(k, 1, "no schedule selected");
		return;
	}
	switch (a) {
	case A_PAUSE:
		if (cJSON_IsTrue(cJSON_GetObjectItem(s, "paused")))
			prompt_open(k, PR_CONFIRM, A_PAUSE, id, NULL, NULL, 0,
			            "Unpause %s? (y/N)", id);
		else
			prompt_open(k, PR_TEXT, A_PAUSE, id,
			            "why, shown with it; Esc: cancel", NULL,
			            TEXT_MAX, "Pause %s, note:", id);
		break;
	case A_TRIGGER:
		res = mutate(k, "schedule.trigger", id_params(id), id);
		cJSON_Delete(res);
		k->m->stale |= STALE_SCHEDULES;
		break;
	case A_DELETE:
		prompt_open(k, PR_CONFIRM, A_DELETE, id, NULL, NULL, 0,
		            "Delete schedule %s? (y/N)", id);
		break;
	default:
		break;
	}
}

static void
act_resolve(struct console *k)
{
	const cJSON *s;
	const char  *step = NULL;

	if (k->m->view != VIEW_DETAIL || k->m->detail == NULL) {
		say(k, 1, "open the execution (Enter) to decide its steps");
		return;
	}
	cJSON_ArrayForEach(s, cJSON_GetObjectItem(k->m->detail, "steps"))
	{
		const char *st = jstr(s, "status");

		if (st != NULL && strcmp(st, "in_doubt") == 0) {
			step = jstr(s, "name");
			break;
		}
	}
	if (step == NULL) {
		say(k, 1, "no step of %s is in doubt", k->m->detail_id);
		return;
	}
	prompt_open(k, PR_RESOLVE, A_RESOLVE, k->m->detail_id, NULL, NULL, 0,
	            "Step %s of %s may have taken effect: d done (it did), r "
	            "retry (run it again), Esc: neither",
	            step, k->m->detail_id);
	k->pr.target2 = xstrdup(step);
}

/* The photo screen. */

static void draw(struct console *);

static void
photo_close(struct console *k)
{
	view_preview_leave();
	preview_free(k->pv);
	k->pv = NULL;
	free(k->pv_note);
	k->pv_note = NULL;
	clearok(curscr, TRUE); /* the picture was never curses' */
	k->dirty = 1;
}

/* Shows execution id's photo as channel gets it, asked of the daemon at
 * about the screen's size (over the protocol, as a remote console
 * would). What fails goes on the status bar, or, with the photo screen
 * open, in its footer, the photo shown staying. */
static void
photo_show(struct console *k, const char *id, const char *channel)
{
	struct preview_mode mode;
	struct preview     *pv = NULL;
	cJSON              *p, *res;
	char               *err = NULL, *code = NULL, *msg;
	char               *target = xstrdup(id), *ch = xstrdup(channel);
	int                 cols, rows, w, h;

	view_preview_area(&mode, &cols, &rows);
	preview_want(&mode, cols, rows, &w, &h);
	p = id_params(target);
	cJSON_AddStringToObject(p, "channel", ch);
	cJSON_AddNumberToObject(p, "width", w);
	cJSON_AddNumberToObject(p, "height", h);
	if (k->pv == NULL) {
		/* A photo read from S3 can take a moment. */
		say(k, 0, "fetching the photo of %s…", target);
		draw(k);
	}
	res = conn_call(k->conn, "photo.preview", p, PHOTO_TIMEOUT_MS, &err,
	                &code);
	if (res != NULL)
		pv = preview_new(res, w, h, &err);
	cJSON_Delete(res);
	if (pv == NULL) {
		if (code != NULL && strcmp(code, "bad_request") == 0 &&
		    strstr(err, "unknown method") != NULL)
			xasprintf(&msg, "photo.preview: not available from "
			                "this daemon");
		else if (code != NULL) /* the daemon's message names the run */
			msg = xstrdup(err);
		else
			xasprintf(&msg, "photo of %s: %s", target, err);
		if (k->pv != NULL) {
			free(k->pv_note);
			xasprintf(&k->pv_note, "%s: %s", ch, msg);
			k->pv_drawn = 0;
		} else
			say(k, 1, "%s", msg);
		free(msg);
	} else {
		preview_free(k->pv);
		k->pv = pv;
		free(k->pv_note);
		k->pv_note = NULL;
		k->pv_drawn = 0;
		model_message(k->m, 0, 0, NULL); /* "fetching" is over */
	}
	k->dirty = 1;
	free(err);
	free(code);
	free(target);
	free(ch);
}

static void
photo_key(struct console *k, int key)
{
	struct preview_mode mode;
	int                 cols, rows;

	if (key == KEYS_FN(KEY_RESIZE)) {
		/* Grown past what was sent: a sharper one. */
		view_preview_area(&mode, &cols, &rows);
		if (preview_stale(k->pv, &mode, cols, rows))
			photo_show(k, preview_execution(k->pv),
			           preview_channel(k->pv));
		k->pv_drawn = 0;
		k->dirty = 1;
	} else if (key == '\t' || key == KEYS_FN(KEY_BTAB))
		photo_show(k, preview_execution(k->pv),
		           preview_next_channel(preview_channel(k->pv),
		                                key == '\t' ? 1 : -1));
	else
		photo_close(k);
}

static void
act(struct console *k, enum action a)
{
	struct model         *m = k->m;
	const char           *id;
	static const enum nav navs[] = {
		[A_UP] = NAV_UP,     [A_DOWN] = NAV_DOWN, [A_PGUP] = NAV_PGUP,
		[A_PGDN] = NAV_PGDN, [A_HOME] = NAV_HOME, [A_END] = NAV_END,
	};

	k->dirty = 1;
	switch (a) {
	case A_NONE:
		k->dirty = 0;
		break;
	case A_QUIT:
		quit_signal = 1;
		break;
	case A_HELP:
		k->ov = OV_HELP;
		break;
	case A_COMMAND:
		prompt_open(k, PR_TEXT, A_COMMAND, NULL,
		            "a command as the CLI takes it; Tab completes, "
		            ":help lists them",
		            NULL, TEXT_MAX, ":");
		break;
	case A_REFRESH:
		model_refresh(m);
		clearok(curscr, TRUE);
		break;
	case A_TAB_NEXT:
		m->view = (enum view)((m->view + 1) % VIEW_COUNT);
		break;
	case A_TAB_PREV:
		m->view = (enum view)((m->view + VIEW_COUNT - 1) % VIEW_COUNT);
		break;
	case A_VIEW_EXECS:
	case A_VIEW_DETAIL:
	case A_VIEW_APPROVALS:
	case A_VIEW_SCHEDULES:
	case A_VIEW_PUBS:
		m->view = (enum view)(a - A_VIEW_EXECS);
		break;
	case A_UP:
	case A_DOWN:
	case A_PGUP:
	case A_PGDN:
	case A_HOME:
	case A_END:
		model_nav(m, navs[a]);
		break;
	case A_OPEN:
		if (m->view == VIEW_EXECS && model_selected(m) != NULL)
			open_detail(k, model_selected(m)->id);
		else if (m->view == VIEW_APPROVALS)
			open_detail(
			    k, jstr(model_approval_selected(m), "execution"));
		else if (m->view == VIEW_PUBS)
			open_detail(k,
			            jstr(model_pub_selected(m), "execution"));
		else if (m->view == VIEW_SCHEDULES &&
		         (id = jstr(model_schedule_selected(m), "id")) !=
		             NULL) {
			char *cmd;

			xasprintf(&cmd, "schedule describe '%s'", id);
			run_command(k, cmd);
			free(cmd);
		}
		break;
	case A_BACK:
		if (m->view == VIEW_DETAIL)
			m->view = VIEW_EXECS;
		else if (m->view == VIEW_EXECS &&
		         (m->f_status != NULL || m->f_match != NULL)) {
			model_filter_status(m, NULL);
			model_filter_match(m, NULL);
		}
		break;
	case A_FILTER:
		prompt_open(k, PR_TEXT, A_FILTER, NULL,
		            "text in the id, type or brand; empty: all",
		            m->f_match, 128, "/");
		break;
	case A_STATUS_NEXT:
	case A_STATUS_PREV:
		model_filter_status(
		    m, model_next_status(m->f_status,
		                         a == A_STATUS_NEXT ? 1 : -1));
		break;
	case A_CANCEL:
		if ((id = target_execution(k)) == NULL)
			break;
		prompt_open(k, PR_CONFIRM, A_CANCEL, id, NULL, NULL, 0,
		            "Cancel execution %s? (y/N)", id);
		break;
	case A_RETRY:
		if ((id = target_execution(k)) == NULL)
			break;
		prompt_open(k, PR_CONFIRM, A_RETRY, id, NULL, NULL, 0,
		            "Retry %s from where it stopped? (y/N)", id);
		break;
	case A_RESOLVE:
		act_resolve(k);
		break;
	case A_PANE:
		m->d_focus = !m->d_focus;
		break;
	case A_APPROVE:
	case A_EDIT:
	case A_REJECT:
	case A_REGENERATE:
		act_approval(k, a);
		break;
	case A_PAUSE:
	case A_TRIGGER:
	case A_DELETE:
		act_schedule(k, a);
		break;
	case A_PREVIEW:
		id = m->view == VIEW_APPROVALS
		         ? jstr(model_approval_selected(m), "execution")
		         : m->detail_id;
		if (id != NULL)
			photo_show(k, id, "instagram");
		else if (m->view == VIEW_APPROVALS)
			say(k, 1, "nothing waits for approval");
		else
			say(k, 1, "no execution is open");
		break;
	}
}

static void
overlay_key(struct console *k, int key)
{
	int h = k->pager_height > 1 ? k->pager_height : 1;

	k->dirty = 1;
	if (k->ov == OV_HELP || key == 27 || key == 'q' || key == '?') {
		k->ov = OV_NONE;
		return;
	}
	switch (keys_lookup(VIEW_COUNT, key)) {
	case A_UP:
		k->pager_top--;
		break;
	case A_DOWN:
		k->pager_top++;
		break;
	case A_PGUP:
		k->pager_top -= h;
		break;
	case A_PGDN:
		k->pager_top += h;
		break;
	case A_HOME:
		k->pager_top = 0;
		break;
	case A_END:
		k->pager_top = k->pager_lines - h;
		break;
	default:
		if (key == ' ')
			k->pager_top += h;
		break;
	}
	if (k->pager_top > k->pager_lines - h)
		k->pager_top = k->pager_lines - h;
	if (k->pager_top < 0)
		k->pager_top = 0;
}

static void
on_key(struct console *k, int key)
{
	if (k->pv != NULL) {
		photo_key(k, key);
		return;
	}
	if (key == KEYS_FN(KEY_RESIZE)) {
		k->dirty = 1;
		return;
	}
	if (k->pr.kind != PR_NONE)
		prompt_key(k, key);
	else if (k->ov != OV_NONE)
		overlay_key(k, key);
	else
		act(k, keys_lookup(k->m->view, key));
}

/* Drawing. */

static void
draw(struct console *k)
{
	struct model   *m = k->m;
	struct view_ctx c = { m, k->theme, clock_ms() };
	struct area     content;
	int             prompt_rows = 0, il, ih, hl, hh;
	size_t          len, cur;
	const wchar_t  *text;

	if (k->pv != NULL) {
		/* The photo stays as it is drawn: events and the clock
		 * change nothing on it. */
		if (!k->pv_drawn) {
			view_preview_draw(stdscr, &c, k->pv, k->pv_note);
			k->pv_drawn = 1;
			k->drawn++;
		}
		k->dirty = k->ev_dirty = 0;
		k->last_draw = mono_ms();
		return;
	}
	werase(stdscr);
	curs_set(0);
	if (LINES < 8 || COLS < 40) {
		view_text(stdscr, 0, 0, COLS,
		          "herald: the terminal is too small", A_BOLD);
		goto drawn;
	}
	if (k->pr.kind == PR_CAPTION)
		prompt_rows = LINES / 3 > 3 ? LINES / 3 : 3;
	else if (k->pr.kind != PR_NONE)
		prompt_rows = 1;
	content = (struct area){ 1, 0, LINES - 2 - prompt_rows, COLS };
	m->execs.height = view_list_rows(VIEW_EXECS, content.h);
	m->sched.height = view_list_rows(VIEW_SCHEDULES, content.h);
	m->pubs_pane.height = view_list_rows(
	    VIEW_PUBS, content.h - view_pubs_spend_lines(m, content.h));
	m->appr.height = view_list_rows(VIEW_APPROVALS, content.h);
	model_pane_fix(&m->execs, m->nrows);
	model_pane_fix(&m->sched, cJSON_GetArraySize(m->schedules));
	model_pane_fix(&m->pubs_pane, cJSON_GetArraySize(m->pubs));
	switch (m->view) {
	case VIEW_EXECS:
		view_execs_draw(stdscr, content, &c);
		break;
	case VIEW_DETAIL:
		view_detail_draw(stdscr, content, &c, &il, &ih, &hl, &hh);
		/* The panes' sizes, for scrolling: known only now. */
		m->d_info.count = il;
		m->d_info.height = ih;
		m->d_hist.count = hl;
		m->d_hist.height = hh;
		if (m->d_hist.top > hl - hh || m->d_follow)
			m->d_hist.top = hl - hh > 0 ? hl - hh : 0;
		if (m->d_info.top > il - ih)
			m->d_info.top = il - ih > 0 ? il - ih : 0;
		break;
	case VIEW_APPROVALS:
		view_approvals_draw(stdscr, content, &c);
		break;
	case VIEW_SCHEDULES:
		view_schedules_draw(stdscr, content, &c);
		break;
	case VIEW_PUBS:
		view_pubs_draw(stdscr, content, &c);
		break;
	case VIEW_COUNT:
		break;
	}
	if (k->ov == OV_HELP)
		view_help_draw(stdscr, content, &c);
	else if (k->ov == OV_PAGER) {
		k->pager_height = content.h - 1;
		k->pager_lines =
		    view_pager_draw(stdscr, content, &c, k->pager_title,
		                    k->pager_text, k->pager_top);
	}
	view_tabs_draw(stdscr, (struct area){ 0, 0, 1, COLS }, &c);
	view_status_draw(stdscr, (struct area){ LINES - 1, 0, 1, COLS }, &c,
	                 k->where);
	if (k->pr.kind != PR_NONE) {
		const char *hint = k->pr.hint;

		if (k->pr.edit != NULL)
			text = edit_text(k->pr.edit, &len, &cur);
		else {
			text = L"";
			len = cur = 0;
		}
		view_prompt_draw(stdscr,
		                 (struct area){ LINES - 1 - prompt_rows, 0,
		                                prompt_rows, COLS },
		                 &c, k->pr.question, text, len, cur, hint);
		if (k->pr.edit != NULL)
			curs_set(1);
	}
drawn:
	wnoutrefresh(stdscr);
	doupdate();
	k->drawn++;
	k->dirty = k->ev_dirty = 0;
	k->last_draw = mono_ms();
}

/* The loop. */

/* The smaller of two waits in ms (-1: none). */
static int
min_wait(int a, int64_t b)
{
	if (b < 0)
		b = 0;
	if (b > 60000)
		b = 60000;
	return a < 0 || b < a ? (int)b : a;
}

static void
read_keys(struct console *k)
{
	wint_t wc;
	int    rc;

	while ((rc = wget_wch(stdscr, &wc)) != ERR) {
		on_key(k, rc == KEY_CODE_YES ? KEYS_FN(wc) : (int)wc);
		if (quit_signal)
			break;
	}
}

static void
read_events(struct console *k)
{
	cJSON *ev;

	while ((ev = conn_event(k->conn)) != NULL) {
		if (model_event(k->m, ev)) {
			/* Events were missed: fetch everything again, in
			 * place. */
			model_refresh(k->m);
		}
		cJSON_Delete(ev);
		k->ev_dirty = 1;
	}
}

static void
loop(struct console *k)
{
	struct pollfd fds[3];
	int64_t       now, mono, deferred, shown = -1;
	int           n, up, wait;

	while (!quit_signal) {
		up = conn_up(k->conn);
		if (up != k->m->connected) {
			model_connected(k->m, up);
			k->dirty = 1;
		}
		model_clock(k->m, clock_ms());
		deferred = fetch(k);
		mono = mono_ms();
		if (k->m->connected && conn_remote(k->conn) &&
		    !k->m->refreshing && mono >= k->next_poll) {
			k->next_poll = mono + REMOTE_POLL_MS;
			conn_poll_events(k->conn, k->m->last_seq);
			read_events(k);
			continue;
		}
		/* Ages and countdowns move on the second. */
		now = clock_ms();
		if (now / 1000 != shown)
			k->dirty = 1;
		/* A stream of events redraws a frame at a time, not once
		 * per event. */
		if (k->ev_dirty && mono - k->last_draw >= FRAME_MS)
			k->dirty = 1;
		if (k->dirty) {
			draw(k);
			shown = now / 1000;
			if (k->frames > 0 && k->drawn >= k->frames)
				break;
		}
		wait = min_wait(-1, 1000 - now % 1000);
		if (deferred > 0)
			wait = min_wait(wait, deferred - mono);
		if (k->ev_dirty)
			wait = min_wait(wait, k->last_draw + FRAME_MS - mono);
		if (k->m->message != NULL && k->m->message_until > now)
			wait = min_wait(wait, k->m->message_until - now);
		if (!k->m->connected)
			wait = min_wait(wait, RECHECK_MS);
		if (conn_remote(k->conn) && k->m->connected)
			wait = min_wait(wait, k->next_poll - mono);
		n = conn_pollfds(k->conn, fds, 2);
		fds[n].fd = STDIN_FILENO;
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		if (poll(fds, (nfds_t)n + 1, wait) < 0 && errno != EINTR)
			break;
		/* The terminal went away: nobody to show anything to. */
		if (fds[n].revents & (POLLHUP | POLLNVAL | POLLERR))
			break;
		if (conn_woken(k->conn) && k->m->connected) {
			/* The event socket reconnected: what it missed. */
			model_refresh(k->m);
			k->dirty = 1;
		}
		read_keys(k);
		read_events(k);
		if (k->m->message != NULL &&
		    k->m->message_until <= clock_ms() &&
		    k->m->message_until > now)
			k->dirty = 1;
	}
}

int
console_run(const char *url, const char *events_url,
            const struct client_opts *opts, int frames)
{
	struct console k;
	SCREEN        *scr;
	char          *cause = NULL;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "herald: the console needs a terminal; give a "
		                "command (herald --help)\n");
		return 2;
	}
	memset(&k, 0, sizeof k);
	setlocale(LC_ALL, "");
	if ((k.conn = conn_open(url, events_url, opts, &cause)) == NULL) {
		fprintf(stderr, "herald: %s\n", cause);
		free(cause);
		return 2;
	}
	if ((scr = newterm(NULL, stdout, stdin)) == NULL) {
		fprintf(stderr, "herald: cannot use the terminal (TERM=%s)\n",
		        getenv("TERM") ? getenv("TERM") : "");
		conn_close(k.conn);
		return 2;
	}
	set_escdelay(100); /* Esc alone, not a slow link's key */
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	view_glyphs_init();
	signal(SIGINT, on_quit_signal);
	signal(SIGTERM, on_quit_signal);
	signal(SIGHUP, on_quit_signal);
	signal(SIGPIPE, SIG_IGN);
	k.m = model_new();
	k.theme = theme_new();
	k.where = url;
	k.by = xstrdup(login_name());
	k.frames = frames;
	k.dirty = 1;
	loop(&k);
	if (k.pv != NULL)
		photo_close(&k);
	endwin();
	delscreen(scr);
	prompt_close(&k);
	free(k.pager_title);
	free(k.pager_text);
	free(k.by);
	theme_free(k.theme);
	model_free(k.m);
	conn_close(k.conn);
	return 0;
}
