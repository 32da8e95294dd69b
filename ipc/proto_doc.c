/*
 * proto_doc: the reference part of docs/protocol.md, written from the
 * method and event tables (tests/tools/protodoc.c runs it; the
 * docs.protocol test keeps the file and the tables in step).
 */
#include <stdio.h>
#include <string.h>

#include "ipc/proto.h"

static const char *
param_type_name(const struct param *p)
{
	switch (p->type) {
	case P_STRING:
		return "string";
	case P_ID:
		return "name";
	case P_INT:
		return "integer";
	case P_BOOL:
		return "boolean";
	case P_JSON:
		return "any JSON";
	case P_ENUM:
		return "one of";
	case P_STRINGS:
		return "array of strings";
	}
	return "?";
}

void
proto_doc(FILE *f)
{
	const struct event_type *t;
	const struct param      *p;
	size_t                   i;
	int                      k;

	fprintf(f, "## Methods\n\nBesides the errors listed for each, any "
	           "method may answer `bad_request`,\n`too_large`, "
	           "`unauthorized` or `unavailable`.\n\n");
	for (i = 0; i < M_COUNT; i++) {
		const struct method *m = &proto_methods[i];

		fprintf(f, "### `%s`\n\n%c%s.%s\n\n", m->name,
		        m->summary[0] -
		            32 * (m->summary[0] >= 'a' && m->summary[0] <= 'z'),
		        m->summary + 1,
		        m->flags & M_MUTATES ? " Changes state: send a `rid`."
		                             : " Read-only.");
		if (m->params[0].name == NULL)
			fprintf(f, "Parameters: none.\n\n");
		else {
			fprintf(f, "| parameter | type | required | meaning |\n"
			           "|---|---|---|---|\n");
			for (p = m->params; p->name != NULL; p++) {
				fprintf(f, "| `%s` | %s", p->name,
				        param_type_name(p));
				if (p->type == P_ENUM)
					for (k = 0; p->choices[k] != NULL; k++)
						fprintf(f, "%s`%s`",
						        k ? ", " : " ",
						        p->choices[k]);
				if (p->type == P_INT && p->max == INT64_MAX)
					fprintf(f, ", %lld or more",
					        (long long)p->min);
				else if (p->type == P_INT)
					fprintf(f, ", %lld..%lld",
					        (long long)p->min,
					        (long long)p->max);
				if (p->type == P_STRING)
					fprintf(f, ", up to %zu bytes",
					        p->max_len);
				if (p->type == P_ID)
					fprintf(f, " (A-Z a-z 0-9 _ . : -, "
					           "1-128)");
				fprintf(f, " | %s | %s |\n",
				        p->required ? "yes" : "no", p->help);
			}
			fprintf(f, "\n");
		}
		fprintf(f, "Result: %s.\n\nErrors: %s.\n\n", m->result,
		        m->errors);
	}
	fprintf(f, "## Event types\n\n"
	           "| type | topic | when | data |\n|---|---|---|---|\n");
	for (t = proto_event_types; t->type != NULL; t++)
		fprintf(f, "| `%s` | %s | %s | %s |\n", t->type,
		        proto_event_topic(t->type), t->summary, t->data);
}
