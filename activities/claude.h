/*
 * claude: the Anthropic Messages API for view_image (the photo, inline) and
 * generate_caption (in the brand's language and voice). Tokens and cost
 * (from the config's price table) go in the step's result. Worker
 * threads; the API key comes from ANTHROPIC_API_KEY and is never logged.
 */
#ifndef HERALD_CLAUDE_H
#define HERALD_CLAUDE_H

#include "activities/activity.h"

/* The model when the config names none (anthropic.model). */
#define CLAUDE_DEFAULT_MODEL "claude-sonnet-4-6"

/* The largest photo sent inline: 5 MB of base64. */
#define CLAUDE_INLINE_MAX_BYTES (5 * 1024 * 1024 / 4 * 3)

void claude_view(const struct act_call *, struct act_out *);
void claude_caption(const struct act_call *, struct act_out *);

struct http_resp;

/* The Messages API's answer (a response that arrived) as the model's
 * text, trimmed, non-empty, valid UTF-8 (caller frees), with "model",
 * "input_tokens", "output_tokens" and the cost (from prices, the config's
 * anthropic.prices, may be NULL: the price of the model the answer names,
 * else of asked, the model asked for) added to res once a message came; else
 * NULL with out set (status, error, retry_after_ms). Pure: the Anthropic
 * fuzz target calls it with whatever bytes it likes. */
char *claude_answer(const struct http_resp *, const cJSON *prices,
                    const char *asked, cJSON *res, struct act_out *out);

#endif
