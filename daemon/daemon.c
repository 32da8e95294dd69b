/*
 * daemon: start and stop order of heraldd's parts. Main thread only.
 */
#include <stdlib.h>

#include "common/log.h"
#include "common/util.h"
#include "daemon/config.h"
#include "daemon/daemon.h"

struct daemon {
	char          *state_dir;
	struct config *cfg;
	int            demo;
};

static void
log_config(const struct config *c)
{
	log_info("config_loaded", "source=%s brands=%d schedules=%d workers=%d",
	         c->source, c->brands.n, c->schedules.n, c->workers);
}

struct daemon *
daemon_start(const char *state_dir, struct config *cfg, int demo,
             char **cause)
{
	struct daemon *d = xcalloc(1, sizeof *d);

	(void)cause;
	d->state_dir = xstrdup(state_dir);
	d->cfg = cfg;
	d->demo = demo;
	log_config(cfg);
	return d;
}

void
daemon_reload(struct daemon *d, struct config *cfg)
{
	config_free(d->cfg);
	d->cfg = cfg;
	log_config(cfg);
}

void
daemon_stop(struct daemon *d)
{
	config_free(d->cfg);
	free(d->state_dir);
	free(d);
}
