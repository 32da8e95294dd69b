/*
 * paths: where a daemon keeps its state and where a client finds it.
 * Both heraldd and herald resolve the state dir by the same rule.
 */
#ifndef HERALD_PATHS_H
#define HERALD_PATHS_H

/* The state dir: dir if not NULL, else $HERALD_STATE_DIR, else
 * $STATE_DIRECTORY (systemd; its first entry), else $XDG_STATE_HOME/herald,
 * else ~/.local/state/herald. Returns a new string, or NULL with *cause set
 * when none can be found. */
char *paths_state_dir(const char *dir, char **cause);

/* "ipc://<state-dir>/<name>"; NULL with *cause set when the path is too long
 * for a Unix socket. */
char *paths_ipc_url(const char *state_dir, const char *name, char **cause);

/* mkdir -p with mode for each created component. 0, or -1 with *cause. */
int paths_mkdir(const char *dir, int mode, char **cause);

#endif
