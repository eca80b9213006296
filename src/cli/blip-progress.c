/* blip-progress.c — progress bar and log lines for `blip run`. */
#include "blip-progress.h"

#include <math.h>
#include <unistd.h>

struct _BlipProgress {
  FILE    *stream;
  gboolean tty;
  gboolean quiet;
  gint64   last_draw_us;
  gint64   run_start_us;
  double   epoch_seconds_sum;
  int      epochs_done;
  int      epochs_in_done_tasks;
  int      tasks_done;
  double   last_train_acc;
  gboolean bar_visible;
};

BlipProgress *
blip_progress_new (FILE *stream, gboolean quiet)
{
  BlipProgress *p = g_new0 (BlipProgress, 1);
  p->stream = stream;
  p->quiet = quiet;
  p->tty = !quiet && isatty (fileno (stream));
  p->last_train_acc = NAN;
  return p;
}

void
blip_progress_free (BlipProgress *p)
{
  g_free (p);
}

static void
format_duration (char *buf, gsize len, double s)
{
  if (!isfinite (s) || s < 0)
    g_snprintf (buf, len, "--");
  else if (s < 60)
    g_snprintf (buf, len, "%.0fs", s);
  else if (s < 3600)
    g_snprintf (buf, len, "%dm%02ds", (int) s / 60, (int) s % 60);
  else
    g_snprintf (buf, len, "%dh%02dm", (int) s / 3600, ((int) s % 3600) / 60);
}

/* Remaining time: epochs left at the measured seconds per epoch, assuming
 * later tasks take as many epochs as finished ones did (nepochs before any has). */
static double
eta_seconds (BlipProgress *p, BlipTrainer *tr, const BlipEvent *ev)
{
  if (p->epochs_done == 0)
    return NAN;
  const BlipConfig *c = blip_trainer_get_config (tr);
  double per_epoch = p->epoch_seconds_sum / p->epochs_done;
  double expected = p->tasks_done > 0 ? (double) p->epochs_in_done_tasks / p->tasks_done : c->nepochs;
  double this_task = MAX (expected - ev->epoch, 1.0);
  int later = ev->n_tasks - ev->task - 1;
  return per_epoch * (this_task + later * expected);
}

static void
clear_bar (BlipProgress *p)
{
  if (p->bar_visible)
    {
      fputs ("\r\033[K", p->stream);
      p->bar_visible = FALSE;
    }
}

static void
draw_bar (BlipProgress *p, BlipTrainer *tr, const BlipEvent *ev)
{
  const BlipConfig *c = blip_trainer_get_config (tr);
  const int width = 24;
  double frac = ev->n_batches > 0 ? (double) (ev->batch + 1) / ev->n_batches : 0;
  int filled = (int) (frac * width);
  char bar[64];
  for (int i = 0; i < width; i++)
    bar[i] = i < filled ? '#' : '-';
  bar[width] = '\0';
  char eta[32];
  format_duration (eta, sizeof eta, eta_seconds (p, tr, ev));
  char acc[16] = "  -- ";
  if (!isnan (p->last_train_acc))
    g_snprintf (acc, sizeof acc, "%5.1f%%", 100.0 * p->last_train_acc);
  fprintf (p->stream, "\r\033[Ktask %d/%d  epoch %3d/%d [%s] loss %.4f  acc %s  lr %.1e  ETA %s",
           ev->task + 1, ev->n_tasks, ev->epoch + 1, c->nepochs, bar, ev->loss, acc, ev->lr, eta);
  fflush (p->stream);
  p->bar_visible = TRUE;
}

/* Game experiments: progress in frames, returns in place of accuracies. */
static double
rl_eta (BlipProgress *p, BlipTrainer *tr)
{
  const BlipConfig *c = blip_trainer_get_config (tr);
  gint64 frames = blip_trainer_rl_get_frames (tr);
  double total = (double) c->frames * blip_trainer_get_n_tasks (tr);
  double elapsed = blip_trainer_get_elapsed (tr);
  return frames > 0 ? elapsed / frames * MAX (total - frames, 0.0) : NAN;
}

static void
rl_observe (BlipProgress *p, BlipTrainer *tr, const BlipEvent *ev)
{
  BlipExperiment *e = blip_trainer_get_experiment (tr);
  gint64 n_updates, update = blip_trainer_rl_get_update (tr, &n_updates);
  char eta[32];
  switch (ev->type)
    {
    case BLIP_EVENT_TASK_START:
      clear_bar (p);
      if (!p->quiet)
        fprintf (p->stream, "Task %d/%d: %s (%d actions, %" G_GINT64_FORMAT " PPO updates)\n", ev->task + 1,
                 ev->n_tasks, e->tasks[ev->task].name, e->tasks[ev->task].ncla, n_updates);
      break;
    case BLIP_EVENT_BATCH_END:
      if (p->tty)
        {
          gint64 now = g_get_monotonic_time ();
          if (now - p->last_draw_us > 100000)
            {
              p->last_draw_us = now;
              format_duration (eta, sizeof eta, rl_eta (p, tr));
              fprintf (p->stream, "\r\033[Ktask %d/%d %s  update %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                       "  loss %.4f  return %.2f (last 10 episodes)  lr %.1e  ETA %s", ev->task + 1,
                       ev->n_tasks, e->tasks[ev->task].name, update, n_updates, ev->loss, ev->acc, ev->lr, eta);
              fflush (p->stream);
              p->bar_visible = TRUE;
            }
        }
      break;
    case BLIP_EVENT_EPOCH_END:
      clear_bar (p);
      if (!p->quiet)
        {
          format_duration (eta, sizeof eta, rl_eta (p, tr));
          fprintf (p->stream, "  update %5" G_GINT64_FORMAT "/%" G_GINT64_FORMAT "  frames %9" G_GINT64_FORMAT
                   "  %.1fs  loss %8.4f  training return %7.2f  evaluation return %7.2f  lr %.1e  ETA %s\n",
                   update, n_updates, blip_trainer_rl_get_frames (tr), ev->seconds, ev->loss, ev->acc,
                   ev->valid_acc, ev->lr, eta);
          fflush (p->stream);
        }
      break;
    case BLIP_EVENT_TASK_END:
      {
        clear_bar (p);
        const double *acc = blip_trainer_get_acc_matrix (tr);
        int T = ev->n_tasks;
        GString *row = g_string_new (NULL);
        for (int j = 0; j <= ev->task; j++)
          g_string_append_printf (row, " %s %.2f", e->tasks[j].name, acc[ev->task * T + j]);
        fprintf (p->stream, "Task %d/%d done; evaluation return:%s\n", ev->task + 1, T, row->str);
        g_string_free (row, TRUE);
        fflush (p->stream);
        break;
      }
    default:
      break;
    }
}

void
blip_progress_observe (BlipTrainer *tr, const BlipEvent *ev, gpointer user_data)
{
  BlipProgress *p = user_data;
  if (blip_trainer_is_rl (tr) && (ev->type == BLIP_EVENT_TASK_START || ev->type == BLIP_EVENT_BATCH_END ||
                                  ev->type == BLIP_EVENT_EPOCH_END || ev->type == BLIP_EVENT_TASK_END))
    {
      rl_observe (p, tr, ev);
      return;
    }
  switch (ev->type)
    {
    case BLIP_EVENT_RUN_START:
      p->run_start_us = g_get_monotonic_time ();
      break;
    case BLIP_EVENT_TASK_START:
      clear_bar (p);
      p->last_train_acc = NAN;   /* a new task has no accuracy yet */
      if (!p->quiet)
        fprintf (p->stream, "Task %d/%d: %s (%d training samples)\n", ev->task + 1, ev->n_tasks,
                 blip_trainer_get_experiment (tr)->tasks[ev->task].name,
                 blip_trainer_get_experiment (tr)->tasks[ev->task].train.n);
      break;
    case BLIP_EVENT_BATCH_END:
      if (p->tty)
        {
          gint64 now = g_get_monotonic_time ();
          if (now - p->last_draw_us > 100000)   /* 10 redraws a second at most */
            {
              p->last_draw_us = now;
              draw_bar (p, tr, ev);
            }
        }
      break;
    case BLIP_EVENT_EPOCH_END:
      p->epochs_done++;
      p->epoch_seconds_sum += ev->seconds;
      p->last_train_acc = ev->acc;
      if (!p->tty && !p->quiet)
        {
          char eta[32];
          format_duration (eta, sizeof eta, eta_seconds (p, tr, ev));
          fprintf (p->stream, "  epoch %3d  %.2fs  train loss %.4f acc %6.2f%%  valid loss %.4f acc %6.2f%%  "
                   "lr %.1e%s  ETA %s\n", ev->epoch + 1, ev->seconds, ev->loss, 100 * ev->acc,
                   ev->valid_loss, 100 * ev->valid_acc, ev->lr, ev->improved ? " *" : "", eta);
          fflush (p->stream);
        }
      break;
    case BLIP_EVENT_FISHER_READY:
      clear_bar (p);
      if (!p->quiet)
        fprintf (p->stream, "  Fisher estimated in %.3fs\n", ev->seconds);
      break;
    case BLIP_EVENT_BITS_UPDATED:
      if (!p->quiet)
        fprintf (p->stream, "  froze %" G_GUINT64_FORMAT " bits; used capacity %.2f%%\n", ev->bits_added,
                 100.0 * blip_trainer_used_capacity (tr));
      break;
    case BLIP_EVENT_TASK_END:
      {
        clear_bar (p);
        p->tasks_done++;
        p->epochs_in_done_tasks += ev->epoch;
        const double *acc = blip_trainer_get_acc_matrix (tr);
        int T = ev->n_tasks;
        GString *row = g_string_new (NULL);
        for (int j = 0; j <= ev->task; j++)
          g_string_append_printf (row, " %.2f", 100 * acc[ev->task * T + j]);
        fprintf (p->stream, "Task %d/%d done after %d epochs; test accuracy on tasks 1..%d (%%):%s\n",
                 ev->task + 1, T, ev->epoch, ev->task + 1, row->str);
        g_string_free (row, TRUE);
        fflush (p->stream);
        break;
      }
    case BLIP_EVENT_MESSAGE:
      clear_bar (p);
      fprintf (p->stream, "  %s\n", ev->message);
      break;
    case BLIP_EVENT_RUN_END:
      clear_bar (p);
      break;
    }
}

char *
blip_format_duration (double s, const char *unknown, int decimals)
{
  if (!(s >= 0) || !isfinite (s))
    return g_strdup (unknown);
  if (s >= 3600)
    return g_strdup_printf ("%d h %02d min", (int) (s / 3600), (int) fmod (s / 60, 60));
  if (s >= 60)
    return g_strdup_printf ("%d min %02d s", (int) (s / 60), (int) fmod (s, 60));
  return g_strdup_printf ("%.*f s", decimals, s);
}
