/*
 * json: cJSON_ParseWithLengthOpts stops after the first value and ignores
 * what follows; "{} junk" must be an error everywhere we read JSON.
 */
#include <string.h>

#include "common/json.h"
#include "common/util.h"

cJSON *
json_parse(const char *buf, size_t len, size_t *err_off)
{
	const char *end = NULL;
	cJSON      *v = cJSON_ParseWithLengthOpts(buf, len, &end, 0);

	if (v != NULL) {
		while (end < buf + len && (*end == ' ' || *end == '\t' ||
		                           *end == '\r' || *end == '\n'))
			end++;
		if (end == buf + len)
			return v;
		cJSON_Delete(v);
	}
	if (err_off != NULL)
		*err_off = end != NULL && end >= buf ? (size_t)(end - buf) : 0;
	return NULL;
}

void
json_add_time(cJSON *o, const char *key, int64_t ms)
{
	char buf[32];

	if (ms <= 0)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, iso8601(ms, buf, sizeof buf));
}

void
json_add_str(cJSON *o, const char *key, const char *v)
{
	if (v == NULL)
		cJSON_AddNullToObject(o, key);
	else
		cJSON_AddStringToObject(o, key, v);
}
