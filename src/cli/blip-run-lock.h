/* blip-run-lock.h — one process at a time per run folder. `blip run` holds
 * an exclusive flock on DIR/.blip-run.lock (holding its pid) while it trains,
 * so a second run into the same folder is refused instead of interleaving
 * checkpoints with the first; `blip status` asks the same lock whether a
 * folder's run is alive. The kernel drops the lock when the process ends,
 * however it ends. */
#pragma once

#include <glib.h>

#define BLIP_RUN_LOCK_FILE ".blip-run.lock"

/* Takes the lock of dir (which must exist) for the life of the process;
 * returns its descriptor, or -1 with error set: naming the process that
 * holds it, or why the file could not be made. */
int      blip_run_lock_acquire (const char *dir, GError **error);

typedef enum {
  BLIP_RUN_LOCK_ABSENT,  /* no lock file: no run since locks existed, or not a run folder */
  BLIP_RUN_LOCK_FREE,    /* the run that made it has ended */
  BLIP_RUN_LOCK_HELD,    /* a live process holds it */
} BlipRunLockState;

/* Whether a live process holds dir's lock; when one does, *pid (may be
 * NULL) is the pid it wrote, or 0 when unreadable. Creates nothing. */
BlipRunLockState blip_run_lock_state (const char *dir, long *pid);
