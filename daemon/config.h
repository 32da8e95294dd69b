/*
 * config: the daemon's JSON configuration, checked against one schema table.
 * Plain data, read by the main thread and handed to the engine at start and
 * on SIGHUP. Secrets never live here: they come from the environment.
 */
#ifndef HERALD_CONFIG_H
#define HERALD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/* A decoded JSON array or object of objects: n elements in one block. */
struct cfg_list {
	void *v;
	int   n;
};

enum config_sync { CONFIG_SYNC_FULL, CONFIG_SYNC_NORMAL };
enum config_approval { CONFIG_APPROVAL_AUTO, CONFIG_APPROVAL_REQUIRED };
enum config_on_timeout { CONFIG_TIMEOUT_REJECT, CONFIG_TIMEOUT_APPROVE };
enum config_language { CONFIG_LANG_NL, CONFIG_LANG_FR, CONFIG_LANG_EN };

enum config_photo_source { CONFIG_PHOTOS_DIR, CONFIG_PHOTOS_S3 };
enum config_fit { CONFIG_FIT_PAD, CONFIG_FIT_CROP, CONFIG_FIT_SKIP };
extern const char *const config_fit_names[];
enum config_writer { CONFIG_WRITER_OFFLINE, CONFIG_WRITER_CLAUDE };
enum config_publisher { CONFIG_PUBLISH_OUTBOX, CONFIG_PUBLISH_META };

struct config_photos {
	int   source; /* enum config_photo_source */
	char *path;   /* dir: relative to the config's folder */
	/* s3: the bucket, and the brand's photos under prefix in it. */
	char   *bucket;
	char   *prefix;   /* NULL: "<brand>/" */
	char   *region;   /* NULL: "us-east-1" */
	char   *endpoint; /* NULL: AWS; else a base URL (S3-compatible) */
	int     path_style;
	int64_t url_expires_ms; /* presigned URLs' lifetime, default 6 h */
	/* What Instagram gets of a photo whose ratio is outside 4:5 to
	 * 1.91:1 (enum config_fit), and the colour padding fills with. */
	int   fit;
	char *background; /* "#rrggbb"; NULL: white */
	/* Where the channels' variants go: s3, under this prefix of the
	 * bucket (default "herald-variants/"); dir, under the state dir. */
	char   *variants_prefix;
	int64_t variants_keep_ms; /* removed this long after (default 30 d) */
};

struct config_captions {
	int             writer;   /* enum config_writer */
	char           *voice;    /* how the brand speaks, for the model */
	struct cfg_list hashtags; /* char * */
};

struct config_publish {
	int   to;                /* enum config_publisher */
	char *page_id;           /* meta: the Facebook Page, or NULL */
	char *instagram_user_id; /* meta: the Instagram account, or NULL */
	char *token_env;         /* meta: the env variable with the token */
};

struct config_brand {
	char                  *name;                /* its key in "brands" */
	char                  *display_name;        /* NULL: the name */
	int                    language;            /* enum config_language */
	int                    approval;            /* enum config_approval */
	int64_t                approval_timeout_ms; /* default 12 h */
	int                    on_timeout;          /* enum config_on_timeout */
	struct config_photos   photos;
	struct config_captions captions;
	struct config_publish  publish;
};

extern const char *const config_language_names[];

struct config_schedule {
	char           *id;
	char           *workflow;
	char           *input;    /* JSON text; "null" when absent */
	struct cfg_list cron;     /* char * */
	char           *timezone; /* NULL: UTC */
	int             overlap;  /* enum config_overlap */
	int64_t         catchup_ms;
	int64_t         jitter_ms;
	int             paused; /* when first created; then the operator's */
};

enum config_overlap {
	CONFIG_OVERLAP_SKIP,
	CONFIG_OVERLAP_BUFFER_ONE,
	CONFIG_OVERLAP_ALLOW_ALL
};
extern const char *const config_overlap_names[];

struct config_tls {
	char *cert; /* PEM certificate (chain) file */
	char *key;  /* PEM private key file */
};

/* USD per million tokens, per model. */
struct config_price {
	char  *model;
	double input, output;
};

struct config_anthropic {
	char           *base_url; /* NULL: https://api.anthropic.com */
	char           *model;    /* NULL: claude-sonnet-4-6 */
	int             max_tokens;
	struct cfg_list prices; /* struct config_price */
};

/* Meta's Graph API, for brands that publish to it. */
struct config_meta {
	char   *base_url;         /* NULL: https://graph.facebook.com */
	char   *version;          /* NULL: v26.0 */
	int64_t poll_interval_ms; /* Instagram container checks; 0: 10 s */
	int     poll_max;         /* checks per container; 0: 90 */
	int64_t throttle_wait_ms; /* when Meta throttles without saying
	                             how long; 0: 1 min */
	int64_t check_settle_ms;  /* a post not found yet is looked for
	                             again after this; 0: 20 s */
	int64_t check_retry_ms;   /* a check reads again after a transient
	                             failure this long after, doubling;
	                             0: 1 s */
};

/* Langfuse traces. The keys and LANGFUSE_HOST come from the environment;
 * without the keys nothing is exported or kept. Read at start only. */
struct config_langfuse {
	int     enabled;    /* export when the keys are set (default) */
	char   *base_url;   /* NULL: $LANGFUSE_HOST, else Langfuse Cloud (EU) */
	int     prompts;    /* generations carry the prompt text (default) */
	int     max_outbox; /* spans kept while Langfuse is away */
	int     batch;      /* spans per request */
	int64_t flush_ms;   /* new spans wait this long for company */
	int64_t max_backoff_ms; /* between retries, at most */
};

struct config {
	char *source; /* file name, or "<defaults>" / "<demo>" */
	struct config_anthropic anthropic;
	struct config_meta      meta;
	struct config_langfuse  langfuse;
	int               socket_mode;  /* ipc socket files, default 0600 */
	char             *socket_group; /* NULL: the daemon's group */
	struct cfg_list   listen;       /* char *: extra listeners, tcp/tls */
	struct config_tls tls;
	char             *token_env; /* env var holding the listeners' token */
	int               insecure;  /* allow plain tcp:// listeners */
	int               log_level; /* enum log_level, or -1 when unset */
	int               workers;
	/* On SIGTERM, how long running steps may finish before they are
	 * interrupted (the next start takes them up, using no attempt). */
	int64_t         stop_drain_ms;
	int             synchronous; /* enum config_sync */
	struct cfg_list brands;      /* struct config_brand */
	struct cfg_list schedules;   /* struct config_schedule */
};

/* Defaults only: no brands, no schedules. */
struct config *config_defaults(void);

/* Reads and checks path. Returns a new config, or NULL with *cause naming
 * the file and the key path of the first problem. */
struct config *config_load(const char *path, char **cause);

/* The same for text already in memory; name is used in messages. */
struct config *config_parse(const char *text, size_t len, const char *name,
                            char **cause);

void config_free(struct config *);

const struct config_brand *config_brand(const struct config *,
                                        const char *name);

#endif
