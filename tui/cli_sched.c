/*
 * cli_sched: how `herald schedule ...` prints its results for a person
 * (--json prints them as they are).
 */
#include <stdio.h>
#include <stdlib.h>

#include "tui/cli.h"
#include "tui/cli_sched.h"

static const char *
fire_text(const cJSON *f, char *buf, size_t len)
{
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(f, "execution");

	if (!cJSON_IsObject(f))
		return "-";
	snprintf(buf, len, "%s %s%s%s%s%s", cli_str(f, "fire_at"),
	         cli_str(f, "outcome"), cJSON_IsString(ex) ? " " : "",
	         cJSON_IsString(ex) ? ex->valuestring : "",
	         cJSON_IsString(cJSON_GetObjectItem(f, "execution_status"))
	             ? " "
	             : "",
	         cJSON_IsString(cJSON_GetObjectItem(f, "execution_status"))
	             ? cli_str(f, "execution_status")
	             : "");
	return buf;
}

void
cli_print_schedules(FILE *f, const cJSON *r)
{
	const cJSON *it;
	char         buf[256];

	fprintf(f, "%-24s %-22s %-8s %-26s %s\n", "ID", "WORKFLOW", "STATE",
	        "NEXT FIRE", "LAST FIRE");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(r, "schedules"))
	{
		fprintf(f, "%-24s %-22s %-8s %-26s %s\n", cli_str(it, "id"),
		        cli_str(it, "workflow"),
		        cJSON_IsTrue(cJSON_GetObjectItem(it, "paused"))
		            ? "paused"
		            : "active",
		        cli_str(it, "next_fire"),
		        fire_text(cJSON_GetObjectItem(it, "last_fire"), buf,
		                  sizeof buf));
		fprintf(f, "  %s", cli_str(it, "description"));
		if (cJSON_IsString(cJSON_GetObjectItem(it, "note")))
			fprintf(f, "  note: %s", cli_str(it, "note"));
		fprintf(f, "\n");
	}
}

void
cli_print_schedule(FILE *f, const cJSON *r)
{
	const cJSON *it;
	char        *in, buf[256];

	in = cJSON_PrintUnformatted(cJSON_GetObjectItem(r, "input"));
	fprintf(f, "id:        %s\n", cli_str(r, "id"));
	fprintf(f, "workflow:  %s\n", cli_str(r, "workflow"));
	fprintf(f, "input:     %s\n", in ? in : "null");
	cJSON_free(in);
	fprintf(f, "when:      %s\n", cli_str(r, "description"));
	fprintf(f, "overlap:   %s, catch-up %.0f s, jitter %.0f s, from %s\n",
	        cli_str(r, "overlap"), cli_num(r, "catchup_ms") / 1000,
	        cli_num(r, "jitter_ms") / 1000, cli_str(r, "source"));
	fprintf(
	    f, "state:     %s%s%s\n",
	    cJSON_IsTrue(cJSON_GetObjectItem(r, "paused")) ? "paused"
	                                                   : "active",
	    cJSON_IsString(cJSON_GetObjectItem(r, "note")) ? ", note: " : "",
	    cJSON_IsString(cJSON_GetObjectItem(r, "note")) ? cli_str(r, "note")
	                                                   : "");
	fprintf(f, "next fires:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "next_fires"))
	    fprintf(f, "  %s\n", it->valuestring);
	fprintf(f, "last fires:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "fires"))
	    fprintf(f, "  %s\n", fire_text(it, buf, sizeof buf));
	if (cJSON_GetArraySize(cJSON_GetObjectItem(r, "missed")) > 0) {
		fprintf(f, "missed:\n");
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(r, "missed"))
		    fprintf(f, "  %s\n", cli_str(it, "fire_at"));
	}
}

void
cli_print_sched_changed(FILE *f, const cJSON *r)
{
	const cJSON *v;

	fprintf(f, "%s", cli_str(r, "id"));
	if ((v = cJSON_GetObjectItem(r, "outcome")) != NULL)
		fprintf(f, ": %s", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItem(r, "execution")))
		fprintf(f, " %s", v->valuestring);
	if (cJSON_IsString(v = cJSON_GetObjectItem(r, "detail")))
		fprintf(f, " (%s)", v->valuestring);
	if ((v = cJSON_GetObjectItem(r, "paused")) != NULL)
		fprintf(f, ": %s", cJSON_IsTrue(v) ? "paused" : "active");
	if (cJSON_IsString(v = cJSON_GetObjectItem(r, "next_fire")))
		fprintf(f, ", next fire %s", v->valuestring);
	if (cJSON_IsTrue(cJSON_GetObjectItem(r, "deleted")))
		fprintf(f, ": deleted");
	fprintf(f, "\n");
}
