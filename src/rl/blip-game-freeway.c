/* blip-game-freeway.c — MinAtar-style Freeway, written from the published
 * rules (Young & Tian 2019):
 *
 * A chicken starts at the bottom of column 4 and may only move up or down,
 * at most once every 3 frames. Reaching the top row gives +1 and puts it back
 * at the bottom, and every car's speed is drawn anew. Eight cars, one per
 * lane (rows 1-8), drive horizontally, each one cell every 1 to 5 frames,
 * and wrap around at the edges. A car that touches the chicken sends it back
 * to the bottom. The episode ends after 2500 frames.
 *
 * Five trail channels give each car's speed and direction: the channel
 * speedN (N = frames per move) is set on the cell behind the car.
 *
 * Minimal actions: noop, up, down. Channels: chicken, car, speed1 .. speed5.
 */
#include "blip-games-private.h"

static const guint8 freeway_actions[] = { BLIP_ACTION_NOOP, BLIP_ACTION_UP, BLIP_ACTION_DOWN };
static const char *const freeway_channels[] = {
  "chicken", "car", "speed1", "speed2", "speed3", "speed4", "speed5",
};
static const guint8 freeway_colours[][3] = {
  { 250, 230, 60 },   /* chicken */
  { 220, 60, 60 },    /* car */
  { 160, 40, 40 }, { 130, 40, 60 }, { 100, 40, 80 }, { 70, 40, 100 }, { 50, 40, 120 },
};

static void
freeway_randomise_speeds (BlipFreeway *g)
{
  for (int i = 0; i < FREEWAY_LANES; i++)
    {
      int speed = 1 + (int) blip_rng_below (&g->parent.rng, 5);
      g->car_speed[i] = (gint8) (blip_rng_below (&g->parent.rng, 2) ? speed : -speed);
      g->car_timer[i] = (gint8) speed;
    }
}

static void
freeway_reset (BlipEnv *env)
{
  BlipFreeway *g = (BlipFreeway *) env;
  g->chicken_y = BLIP_GRID - 1;
  g->move_timer = 0;
  g->time = 0;
  for (int i = 0; i < FREEWAY_LANES; i++)
    g->car_x[i] = (gint8) blip_rng_below (&env->rng, BLIP_GRID);
  freeway_randomise_speeds (g);
}

/* Sends the chicken back to the bottom if a car is on it. */
static void
freeway_collide (BlipFreeway *g)
{
  int lane = g->chicken_y - 1;
  if (lane >= 0 && lane < FREEWAY_LANES && g->car_x[lane] == FREEWAY_CHICKEN_X)
    g->chicken_y = BLIP_GRID - 1;
}

static float
freeway_step (BlipEnv *env, int action, gboolean *done)
{
  BlipFreeway *g = (BlipFreeway *) env;
  float reward = 0.0f;

  if (g->move_timer > 0)
    g->move_timer--;
  if (g->move_timer == 0)
    {
      if (action == BLIP_ACTION_UP)
        {
          g->chicken_y--;
          g->move_timer = FREEWAY_PLAYER_SPEED;
        }
      else if (action == BLIP_ACTION_DOWN && g->chicken_y < BLIP_GRID - 1)
        {
          g->chicken_y++;
          g->move_timer = FREEWAY_PLAYER_SPEED;
        }
    }
  if (g->chicken_y == 0)
    {
      reward = 1.0f;
      g->chicken_y = BLIP_GRID - 1;
      freeway_randomise_speeds (g);
    }
  freeway_collide (g);

  for (int i = 0; i < FREEWAY_LANES; i++)
    if (--g->car_timer[i] <= 0)
      {
        int speed = g->car_speed[i];
        int x = g->car_x[i] + (speed > 0 ? 1 : -1);
        g->car_x[i] = (gint8) (x < 0 ? BLIP_GRID - 1 : x >= BLIP_GRID ? 0 : x);
        g->car_timer[i] = (gint8) ABS (speed);
      }
  freeway_collide (g);

  if (++g->time >= FREEWAY_TIME_LIMIT)
    *done = TRUE;
  return reward;
}

/* out[7, 10, 10]: chicken, car, speed1 .. speed5 (trail behind each car). */
static void
freeway_observe (const BlipEnv *env, float *out)
{
  const BlipFreeway *g = (const BlipFreeway *) env;
  BLIP_OBS_SET (out, 0, g->chicken_y, FREEWAY_CHICKEN_X);
  for (int i = 0; i < FREEWAY_LANES; i++)
    {
      int speed = g->car_speed[i];
      int behind = g->car_x[i] - (speed > 0 ? 1 : -1);
      behind = behind < 0 ? BLIP_GRID - 1 : behind >= BLIP_GRID ? 0 : behind;
      BLIP_OBS_SET (out, 1, i + 1, g->car_x[i]);
      BLIP_OBS_SET (out, 1 + ABS (speed), i + 1, behind);
    }
}

const BlipEnvClass blip_freeway_class = {
  .name = "freeway",
  .instance_size = sizeof (BlipFreeway),
  .n_channels = 7, .height = BLIP_GRID, .width = BLIP_GRID,
  .n_actions = G_N_ELEMENTS (freeway_actions),
  .actions = freeway_actions,
  .channel_names = freeway_channels,
  .colours = freeway_colours,
  .reset = freeway_reset,
  .step = freeway_step,
  .observe = freeway_observe,
};
