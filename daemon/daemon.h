/*
 * daemon: owns the running parts of heraldd (store, engine, workers, ipc)
 * and their order of start and stop. Main thread only.
 */
#ifndef HERALD_DAEMON_H
#define HERALD_DAEMON_H

#include <stdint.h>

struct config;
struct daemon;

/* Starts everything on state_dir. Takes cfg on success; on failure the
 * caller still owns it and *cause says why. */
struct daemon *daemon_start(const char *state_dir, struct config *cfg, int demo,
                            char **cause);

/* 0 if the environment holds every secret cfg needs, else -1 with *cause
 * naming the brand and the key. */
int daemon_check_env(const struct config *cfg, char **cause);

/* Hands a newly loaded config to the running daemon, which takes it. */
void daemon_reload(struct daemon *, struct config *cfg);

/* Starts draining for a stop: running steps may finish and are stored,
 * nothing new starts, the sockets stay up (reads answered, changes refused
 * as "unavailable"). daemon_running says how many steps still run, and
 * daemon_drain_ms how long the config lets them. */
void    daemon_drain(struct daemon *);
int64_t daemon_running(struct daemon *);
int64_t daemon_drain_ms(const struct daemon *);

/* How often the main thread calls daemon_tick while no signal comes. */
#define DAEMON_TICK_MS 5000

/* Housekeeping on the main thread: once a burst of work is over (the
 * engine committed before the last tick but not since), hands the
 * allocator's free pages back to the system, so the daemon's memory
 * returns to its resting size instead of keeping its peak. */
void daemon_tick(struct daemon *);

/* Stops the threads in order (interrupting steps still running: the next
 * start takes them up) and frees everything. */
void daemon_stop(struct daemon *);

#endif
