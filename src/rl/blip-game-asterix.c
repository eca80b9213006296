/* blip-game-asterix.c — MinAtar-style Asterix, written from the published
 * rules (Young & Tian 2019):
 *
 * The player moves freely in the four directions over eight lanes (rows
 * 1-8). Enemies and gold enter from either side, at most one per lane, and
 * cross the screen; a third of them are gold. Picking up gold gives +1;
 * touching an enemy ends the episode. A trail channel marks the cell behind
 * each moving object so its direction is observable.
 *
 * Difficulty ramps every 100 frames: the interval between spawns shrinks by
 * one frame (from 10 down to 1) and, every second step, the interval between
 * moves shrinks by one frame (from 5 down to 1).
 *
 * Minimal actions: noop, left, up, right, down.
 * Channels: player, enemy, trail, gold.
 */
#include "blip-games-private.h"

static const guint8 asterix_actions[] = {
  BLIP_ACTION_NOOP, BLIP_ACTION_LEFT, BLIP_ACTION_UP, BLIP_ACTION_RIGHT, BLIP_ACTION_DOWN,
};
static const char *const asterix_channels[] = { "player", "enemy", "trail", "gold" };
static const guint8 asterix_colours[][3] = {
  { 80, 200, 255 },   /* player */
  { 230, 60, 60 },    /* enemy */
  { 110, 110, 110 },  /* trail */
  { 250, 210, 40 },   /* gold */
};

static void
asterix_reset (BlipEnv *env)
{
  BlipAsterix *g = (BlipAsterix *) env;
  g->player_x = 5;
  g->player_y = 5;
  for (int i = 0; i < ASTERIX_LANES; i++)
    g->ent_active[i] = FALSE;
  g->spawn_interval = ASTERIX_SPAWN_INTERVAL;
  g->move_interval = ASTERIX_MOVE_INTERVAL;
  g->spawn_timer = g->spawn_interval;
  g->move_timer = g->move_interval;
  g->ramp_timer = ASTERIX_RAMP_INTERVAL;
  g->ramp = 0;
}

/* Gold under the player is picked up (+1); an enemy ends the episode. */
static float
asterix_collide (BlipAsterix *g, gboolean *done)
{
  int lane = g->player_y - 1;
  if (!g->ent_active[lane] || g->ent_x[lane] != g->player_x)
    return 0.0f;
  if (!g->ent_gold[lane])
    {
      *done = TRUE;
      return 0.0f;
    }
  g->ent_active[lane] = FALSE;
  return 1.0f;
}

static void
asterix_spawn (BlipAsterix *g)
{
  int empty[ASTERIX_LANES], n = 0;
  for (int i = 0; i < ASTERIX_LANES; i++)
    if (!g->ent_active[i])
      empty[n++] = i;
  if (n == 0)
    return;
  BlipRng *rng = &g->parent.rng;
  int lane = empty[blip_rng_below (rng, (guint32) n)];
  gboolean right = blip_rng_below (rng, 2) == 0;
  g->ent_active[lane] = TRUE;
  g->ent_dir[lane] = right ? 1 : -1;
  g->ent_x[lane] = right ? 0 : BLIP_GRID - 1;
  g->ent_gold[lane] = blip_rng_below (rng, 3) == 0;
}

static float
asterix_step (BlipEnv *env, int action, gboolean *done)
{
  BlipAsterix *g = (BlipAsterix *) env;
  float reward = 0.0f;

  switch (action)
    {
    case BLIP_ACTION_LEFT:  if (g->player_x > 0) g->player_x--; break;
    case BLIP_ACTION_RIGHT: if (g->player_x < BLIP_GRID - 1) g->player_x++; break;
    case BLIP_ACTION_UP:    if (g->player_y > 1) g->player_y--; break;
    case BLIP_ACTION_DOWN:  if (g->player_y < ASTERIX_LANES) g->player_y++; break;
    default: break;
    }
  reward += asterix_collide (g, done);
  if (*done)
    return reward;

  if (--g->move_timer <= 0)
    {
      for (int i = 0; i < ASTERIX_LANES; i++)
        if (g->ent_active[i])
          {
            int x = g->ent_x[i] + g->ent_dir[i];
            if (x < 0 || x >= BLIP_GRID)
              g->ent_active[i] = FALSE;
            else
              g->ent_x[i] = (gint8) x;
          }
      g->move_timer = g->move_interval;
    }
  /* New arrivals appear at their edge and move from the next move on. */
  if (--g->spawn_timer <= 0)
    {
      asterix_spawn (g);
      g->spawn_timer = g->spawn_interval;
    }
  reward += asterix_collide (g, done);

  if (--g->ramp_timer <= 0)
    {
      if (g->spawn_interval > 1)
        g->spawn_interval--;
      if (g->move_interval > 1 && g->ramp % 2 == 1)
        g->move_interval--;
      if (g->ramp < G_MAXINT16)
        g->ramp++;
      g->ramp_timer = ASTERIX_RAMP_INTERVAL;
    }
  return reward;
}

/* out[4, 10, 10]: player, enemy, trail, gold. */
static void
asterix_observe (const BlipEnv *env, float *out)
{
  const BlipAsterix *g = (const BlipAsterix *) env;
  BLIP_OBS_SET (out, 0, g->player_y, g->player_x);
  for (int i = 0; i < ASTERIX_LANES; i++)
    if (g->ent_active[i])
      {
        BLIP_OBS_SET (out, g->ent_gold[i] ? 3 : 1, i + 1, g->ent_x[i]);
        int behind = g->ent_x[i] - g->ent_dir[i];
        if (behind >= 0 && behind < BLIP_GRID)
          BLIP_OBS_SET (out, 2, i + 1, behind);
      }
}

const BlipEnvClass blip_asterix_class = {
  .name = "asterix",
  .instance_size = sizeof (BlipAsterix),
  .n_channels = 4, .height = BLIP_GRID, .width = BLIP_GRID,
  .n_actions = G_N_ELEMENTS (asterix_actions),
  .actions = asterix_actions,
  .channel_names = asterix_channels,
  .colours = asterix_colours,
  .reset = asterix_reset,
  .step = asterix_step,
  .observe = asterix_observe,
};
