/* blip-run-lock.c — the run folder's lock: see blip-run-lock.h. */
#include "blip-run-lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

static long
read_pid (int fd)
{
  char buf[32] = { 0 };
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  return n > 0 ? strtol (buf, NULL, 10) : 0;
}

int
blip_run_lock_acquire (const char *dir, GError **error)
{
  g_autofree char *path = g_build_filename (dir, BLIP_RUN_LOCK_FILE, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot create the lock file %s: %s",
                   path, g_strerror (saved));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      int saved = errno;
      if (saved == EWOULDBLOCK)
        {
          long pid = read_pid (fd);
          g_autofree char *who = pid > 0 ? g_strdup_printf ("process %ld", pid) : g_strdup ("another process");
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_EXIST,
                       "%s is in use by another blip run (%s); wait for it to end, stop it, or give "
                       "another --output", dir, who);
        }
      else
        g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved), "cannot lock %s: %s", path,
                     g_strerror (saved));
      close (fd);
      return -1;
    }
  char pid[32];
  int len = snprintf (pid, sizeof pid, "%ld\n", (long) getpid ());
  /* The pid is for messages only; the lock is what counts. */
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, (size_t) len, 0) != len)
    g_debug ("could not write the pid into %s", path);
  return fd;
}

BlipRunLockState
blip_run_lock_state (const char *dir, long *pid)
{
  g_autofree char *path = g_build_filename (dir, BLIP_RUN_LOCK_FILE, NULL);
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return BLIP_RUN_LOCK_ABSENT;
  BlipRunLockState state = BLIP_RUN_LOCK_FREE;
  if (flock (fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK)
    state = BLIP_RUN_LOCK_HELD;
  if (state == BLIP_RUN_LOCK_HELD && pid != NULL)
    *pid = read_pid (fd);
  close (fd);
  return state;
}
