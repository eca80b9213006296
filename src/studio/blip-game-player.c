/* blip-game-player.c — an agent playing a game episode after episode; see
 * blip-game-player.h. The frame is rendered once per step into a small
 * cairo image (one pixel per cell) that drawing scales with a nearest
 * filter, so a redraw costs no game work. */
#include "blip-game-player.h"

#include <math.h>

struct _BlipGamePlayer {
  BlipEnv         *env;
  float           *obs;         /* [C, H, W] */
  guint8          *rgb;         /* [H, W, 3] */
  cairo_surface_t *frame;       /* W × H, RGB24 */
  BlipPolicyFunc   func;
  gpointer         data;
  GDestroyNotify   destroy;
  BlipRandomPolicy *random;     /* the agent when func is NULL */
  guint64          seed;
  int              episodes;    /* finished */
  double           returns_sum;
  double           last_return;
  double           ret;         /* of the current episode */
  guint64          steps;
  int              hold;        /* steps left showing an ended episode */
};

static void
update_frame (BlipGamePlayer *p)
{
  int c, h, w;
  blip_env_obs_shape (p->env, &c, &h, &w);
  blip_env_render_rgb (p->env, p->rgb, 1);
  cairo_surface_flush (p->frame);
  guint8 *data = cairo_image_surface_get_data (p->frame);
  int stride = cairo_image_surface_get_stride (p->frame);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *s = p->rgb + ((gsize) y * w + x) * 3;
        ((guint32 *) (data + (gsize) y * stride))[x] = 0xff000000u | (guint32) s[0] << 16 | (guint32) s[1] << 8 | s[2];
      }
  cairo_surface_mark_dirty (p->frame);
}

static void
start_episode (BlipGamePlayer *p)
{
  blip_env_reset (p->env, p->seed + (guint64) p->episodes);
  p->ret = 0;
  p->steps = 0;
  p->hold = 0;
  update_frame (p);
}

BlipGamePlayer *
blip_game_player_new (const char *game, guint64 seed, GError **error)
{
  BlipEnv *env = blip_env_new (game, error);
  if (env == NULL)
    return NULL;
  BlipGamePlayer *p = g_new0 (BlipGamePlayer, 1);
  int c, h, w;
  blip_env_obs_shape (env, &c, &h, &w);
  p->env = env;
  p->obs = g_new0 (float, blip_env_obs_size (env));
  p->rgb = g_new0 (guint8, (gsize) h * w * 3);
  p->frame = cairo_image_surface_create (CAIRO_FORMAT_RGB24, w, h);
  p->seed = seed;
  p->last_return = NAN;
  blip_game_player_set_policy (p, NULL, NULL, NULL);
  return p;
}

static void
clear_policy (BlipGamePlayer *p)
{
  if (p->destroy != NULL && p->data != NULL)
    p->destroy (p->data);
  p->func = NULL;
  p->data = NULL;
  p->destroy = NULL;
  g_clear_pointer (&p->random, blip_random_policy_free);
}

void
blip_game_player_free (BlipGamePlayer *p)
{
  if (p == NULL)
    return;
  clear_policy (p);
  blip_env_free (p->env);
  cairo_surface_destroy (p->frame);
  g_free (p->obs);
  g_free (p->rgb);
  g_free (p);
}

void
blip_game_player_set_policy (BlipGamePlayer *p, BlipPolicyFunc func, gpointer data, GDestroyNotify destroy)
{
  clear_policy (p);
  if (func == NULL)
    {
      p->random = blip_random_policy_new (blip_env_n_actions (p->env), p->seed);
      p->func = blip_random_policy_act;
      p->data = p->random;
    }
  else
    {
      p->func = func;
      p->data = data;
      p->destroy = destroy;
    }
  blip_game_player_restart (p, p->seed);
}

void
blip_game_player_restart (BlipGamePlayer *p, guint64 seed)
{
  p->seed = seed;
  p->episodes = 0;
  p->returns_sum = 0;
  p->last_return = NAN;
  start_episode (p);
}

void
blip_game_player_step (BlipGamePlayer *p)
{
  if (blip_env_is_done (p->env))
    {
      if (p->hold-- > 0)
        return;
      start_episode (p);
      return;
    }
  blip_env_observation (p->env, p->obs);
  int action = p->func (p->data, p->obs);
  float reward = 0;
  gboolean done = FALSE;
  blip_env_step (p->env, CLAMP (action, 0, blip_env_n_actions (p->env) - 1), &reward, &done);
  p->ret += reward;
  p->steps++;
  if (done)
    {
      p->episodes++;
      p->returns_sum += p->ret;
      p->last_return = p->ret;
      p->hold = BLIP_GAME_PLAYER_HOLD_STEPS;
    }
  update_frame (p);
}

BlipEnv *blip_game_player_get_env (BlipGamePlayer *p) { return p->env; }
const char *blip_game_player_get_game (BlipGamePlayer *p) { return blip_env_name (p->env); }
double blip_game_player_get_return (BlipGamePlayer *p) { return p->ret; }
guint64 blip_game_player_get_steps (BlipGamePlayer *p) { return p->steps; }
int blip_game_player_get_episodes (BlipGamePlayer *p) { return p->episodes; }
double blip_game_player_get_last_return (BlipGamePlayer *p) { return p->last_return; }

double
blip_game_player_get_mean_return (BlipGamePlayer *p)
{
  return p->episodes > 0 ? p->returns_sum / p->episodes : NAN;
}

void
blip_game_player_frame_rect (BlipGamePlayer *p, double width, double height, double *x, double *y, double *cell)
{
  int c, h, w;
  blip_env_obs_shape (p->env, &c, &h, &w);
  /* Whole pixels per cell keep the cells' edges sharp. */
  double size = MAX (1, floor (MIN (width / w, height / h)));
  *cell = size;
  *x = floor ((width - size * w) / 2);
  *y = floor ((height - size * h) / 2);
}

void
blip_game_player_draw_frame (BlipGamePlayer *p, cairo_t *cr, double width, double height)
{
  double x, y, cell;
  blip_game_player_frame_rect (p, width, height, &x, &y, &cell);
  int c, h, w;
  blip_env_obs_shape (p->env, &c, &h, &w);
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, cell, cell);
  cairo_rectangle (cr, 0, 0, w, h);
  cairo_clip (cr);
  cairo_set_source_surface (cr, p->frame, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  if (blip_env_is_done (p->env))
    {
      cairo_set_source_rgba (cr, 0, 0, 0, 0.45);
      cairo_paint (cr);
    }
  cairo_restore (cr);
}

char *
blip_game_title (const char *game)
{
  char *title = g_strdup (game ? game : "");
  gboolean word_start = TRUE;
  for (char *c = title; *c; c++)
    {
      if (*c == '_' || *c == '-')
        {
          *c = ' ';
          word_start = TRUE;
          continue;
        }
      if (word_start)
        *c = g_ascii_toupper (*c);
      word_start = FALSE;
    }
  return title;
}
