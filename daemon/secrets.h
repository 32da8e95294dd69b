/*
 * secrets: every secret value heraldd reads from its environment (or .env),
 * registered by name with the redactor (common/redact.h), so that no text
 * leaving the daemon carries one. Main thread: at start and on SIGHUP,
 * once the config is checked (a reload may name new token variables).
 */
#ifndef HERALD_SECRETS_H
#define HERALD_SECRETS_H

struct config;

/* Registers ANTHROPIC_API_KEY, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
 * the Langfuse key pair (and its HTTP Basic form), the password in
 * DATABASE_URL, PGPASSWORD, and the variables cfg names: each brand's
 * publish.token_env and the listeners' token_env. Values too short to
 * redact are logged by name. */
void secrets_register(const struct config *cfg);

/* The password in a libpq connection string, percent-decoded ("postgresql:
 * //user:password@host/db", a URL's "password" parameter, or a key/value
 * string's password=...), or NULL if it has none. Caller frees. */
char *secrets_conninfo_password(const char *conninfo);

#endif
