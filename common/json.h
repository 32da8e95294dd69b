/*
 * json: strict parsing on top of cJSON. Any thread.
 */
#ifndef HERALD_JSON_H
#define HERALD_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* Parses exactly one JSON value from the len bytes at buf, which need not
 * be NUL-terminated; only blanks may follow it. Returns NULL on any error,
 * with *err_off (if not NULL) set to the byte offset of the problem. */
cJSON *json_parse(const char *buf, size_t len, size_t *err_off);

/* json_parse for text that must mean exactly what it says (requests, the
 * config), refusing what cJSON would take without a word: a key twice in
 * one object (lookups would see the first only), a NUL in a key or a
 * string, as \u0000 or raw (cJSON would cut the string there: "a\u0000b"
 * would read "a"), and bytes that are not UTF-8. comment names a key that
 * may repeat (the config's "//"), or is NULL.
 * Returns the value, or NULL with *cause set (caller frees) and *err_off
 * (if not NULL) set: for a problem at a place in the text, "invalid JSON"
 * or "not valid UTF-8" with *err_off its byte offset; for one in a value,
 * the key path from the top and what is wrong ("params.id: contains a NUL
 * character (\u0000)", "schedules[0].input.brand: duplicate key") with
 * *err_off JSON_NO_OFFSET. Paths name keys, never values. */
#define JSON_NO_OFFSET ((size_t)-1)
cJSON *json_parse_strict(const char *buf, size_t len, const char *comment,
                         size_t *err_off, char **cause);

/* Zeroes every string and key of v (before it is freed: it may hold a
 * token). */
void json_wipe(cJSON *v);

/* Adds key: the string v, or null when v is NULL. */
void json_add_str(cJSON *o, const char *key, const char *v);

/* Adds key: the ISO-8601 form of ms, or null when ms <= 0. */
void json_add_time(cJSON *o, const char *key, int64_t ms);

#endif
