/* blip-game-breakout.c — MinAtar-style Breakout, written from the published
 * rules (Young & Tian 2019):
 *
 * The player moves a one-cell paddle along the bottom row and bounces a ball
 * into three rows of bricks (rows 1-3). The ball only travels diagonally and
 * is reflected by the walls, the ceiling and bricks; each brick it breaks
 * gives +1, and when every brick is gone three fresh rows appear. When the
 * ball reaches the bottom row it bounces off the paddle: landing on top of
 * the paddle keeps its horizontal direction, hitting the paddle's side (the
 * paddle sits under the ball's current column) sends it back the way it came.
 * The episode ends when the ball passes the paddle. A trail channel marks the
 * ball's previous cell so its direction is observable. No difficulty ramp.
 *
 * Minimal actions: noop, left, right. Channels: paddle, ball, trail, brick.
 */
#include "blip-games-private.h"

#include <string.h>

static const guint8 breakout_actions[] = { BLIP_ACTION_NOOP, BLIP_ACTION_LEFT, BLIP_ACTION_RIGHT };
static const char *const breakout_channels[] = { "paddle", "ball", "trail", "brick" };
static const guint8 breakout_colours[][3] = {
  { 240, 240, 240 },  /* paddle */
  { 255, 200, 40 },   /* ball */
  { 120, 90, 20 },    /* trail */
  { 200, 60, 60 },    /* brick */
};

static void
breakout_fill_bricks (BlipBreakout *g)
{
  for (int y = 1; y <= 3; y++)
    g->bricks[y] = BREAKOUT_FULL_ROW;
  /* Never put a brick under the ball (it may be among the rows when they
   * are refilled). */
  g->bricks[g->ball_y] &= (guint16) ~(1u << g->ball_x);
}

static gboolean
breakout_no_bricks (const BlipBreakout *g)
{
  return (g->bricks[1] | g->bricks[2] | g->bricks[3]) == 0;
}

static void
breakout_reset (BlipEnv *env)
{
  BlipBreakout *g = (BlipBreakout *) env;
  memset (g->bricks, 0, sizeof g->bricks);
  g->paddle = 4;
  /* The ball starts just below the bricks at a random side, heading down
   * toward the middle. */
  gboolean from_left = blip_rng_below (&env->rng, 2) == 0;
  g->ball_x = from_left ? 0 : BLIP_GRID - 1;
  g->ball_y = 4;
  g->ball_dx = from_left ? 1 : -1;
  g->ball_dy = 1;
  g->last_x = g->ball_x;
  g->last_y = g->ball_y;
  breakout_fill_bricks (g);
}

static float
breakout_step (BlipEnv *env, int action, gboolean *done)
{
  BlipBreakout *g = (BlipBreakout *) env;
  float reward = 0.0f;

  if (action == BLIP_ACTION_LEFT && g->paddle > 0)
    g->paddle--;
  else if (action == BLIP_ACTION_RIGHT && g->paddle < BLIP_GRID - 1)
    g->paddle++;

  int x = g->ball_x, y = g->ball_y;
  int dx = g->ball_dx, dy = g->ball_dy;
  g->last_x = (gint8) x;
  g->last_y = (gint8) y;

  /* Side walls and ceiling reflect. */
  int nx = x + dx;
  if (nx < 0 || nx >= BLIP_GRID)
    {
      dx = -dx;
      nx = x + dx;
    }
  int ny = y + dy;
  if (ny < 0)
    {
      dy = -dy;
      ny = y + dy;
    }

  if (g->bricks[ny] & (1u << nx))
    {
      /* Break the brick and bounce vertically; the ball slides sideways in
       * its own row, or stays put when a brick is there too (a corner). */
      g->bricks[ny] &= (guint16) ~(1u << nx);
      reward = 1.0f;
      dy = -dy;
      ny = y;
      if (g->bricks[y] & (1u << nx))
        nx = x;
      g->ball_x = (gint8) nx;
      g->ball_y = (gint8) ny;
      if (breakout_no_bricks (g))
        breakout_fill_bricks (g);
    }
  else if (ny == BREAKOUT_PADDLE_ROW)
    {
      if (g->paddle == nx)
        {
          /* On top of the paddle: up again, same horizontal direction. */
          dy = -1;
          g->ball_x = (gint8) nx;
        }
      else if (g->paddle == x)
        {
          /* The paddle's side: straight back up where it came from. */
          dy = -1;
          dx = -dx;
        }
      else
        {
          g->ball_x = (gint8) nx;
          g->ball_y = (gint8) ny;
          *done = TRUE;
        }
    }
  else
    {
      g->ball_x = (gint8) nx;
      g->ball_y = (gint8) ny;
    }
  g->ball_dx = (gint8) dx;
  g->ball_dy = (gint8) dy;
  return reward;
}

/* out[4, 10, 10]: paddle, ball, trail, brick. */
static void
breakout_observe (const BlipEnv *env, float *out)
{
  const BlipBreakout *g = (const BlipBreakout *) env;
  BLIP_OBS_SET (out, 0, BREAKOUT_PADDLE_ROW, g->paddle);
  BLIP_OBS_SET (out, 1, g->ball_y, g->ball_x);
  BLIP_OBS_SET (out, 2, g->last_y, g->last_x);
  for (int y = 1; y <= 3; y++)
    blip_obs_set_row (out, 3, y, g->bricks[y]);
}

const BlipEnvClass blip_breakout_class = {
  .name = "breakout",
  .instance_size = sizeof (BlipBreakout),
  .n_channels = 4, .height = BLIP_GRID, .width = BLIP_GRID,
  .n_actions = G_N_ELEMENTS (breakout_actions),
  .actions = breakout_actions,
  .channel_names = breakout_channels,
  .colours = breakout_colours,
  .reset = breakout_reset,
  .step = breakout_step,
  .observe = breakout_observe,
};
