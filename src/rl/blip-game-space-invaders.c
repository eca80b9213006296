/* blip-game-space-invaders.c — MinAtar-style Space Invaders, written from the
 * published rules (Young & Tian 2019):
 *
 * The player moves a cannon along the bottom row and fires bullets upward
 * (at most one every 5 frames) at a block of 4×6 aliens (rows 0-3, columns
 * 2-7). The aliens step sideways together; when one reaches an edge they all
 * step down one row and reverse. Shooting an alien gives +1 and removes it.
 * Every 10 frames the alien nearest the cannon's column (the lowest one in
 * the nearest occupied column) fires a bullet straight down. The episode ends
 * when an alien bullet hits the cannon or the aliens reach the cannon's row.
 *
 * Speed: the aliens move every 12 frames in the first wave, every frame less
 * in each later wave (at least 1), and never slower than one move per frame
 * per alien left: with few aliens they speed up and the last one moves every
 * frame. Clearing a wave brings a new, faster one.
 *
 * Minimal actions: noop, left, right, fire. Channels: cannon, alien,
 * alien_left, alien_right (the wave's direction, on every alien),
 * friendly_bullet, enemy_bullet.
 */
#include "blip-games-private.h"

#include <string.h>

static const guint8 invaders_actions[] = {
  BLIP_ACTION_NOOP, BLIP_ACTION_LEFT, BLIP_ACTION_RIGHT, BLIP_ACTION_FIRE,
};
static const char *const invaders_channels[] = {
  "cannon", "alien", "alien_left", "alien_right", "friendly_bullet", "enemy_bullet",
};
static const guint8 invaders_colours[][3] = {
  { 80, 220, 120 },   /* cannon */
  { 200, 80, 240 },   /* alien */
  { 150, 60, 190 },   /* alien_left */
  { 150, 60, 190 },   /* alien_right */
  { 250, 250, 120 },  /* friendly_bullet */
  { 250, 90, 60 },    /* enemy_bullet */
};

#define WAVE_ROWS    0x000fu          /* rows 0-3 ... */
#define WAVE_COLUMNS 0x00fcu          /* ... columns 2-7 */
#define BOTTOM       (BLIP_GRID - 1)

int
blip_space_invaders_move_interval (int wave, int n_aliens)
{
  int base = MAX (INVADERS_MOVE_INTERVAL - wave, 1);
  return MAX (MIN (base, n_aliens), 1);
}

static int
invaders_count (const BlipSpaceInvaders *g)
{
  int n = 0;
  for (int y = 0; y < BLIP_GRID; y++)
    n += __builtin_popcount (g->aliens[y]);
  return n;
}

static void
invaders_new_wave (BlipSpaceInvaders *g)
{
  for (int y = 0; y < BLIP_GRID; y++)
    g->aliens[y] = (WAVE_ROWS & (1u << y)) ? WAVE_COLUMNS : 0;
  g->alien_dir = -1;
  g->move_timer = (gint8) blip_space_invaders_move_interval (g->wave, invaders_count (g));
}

static void
invaders_reset (BlipEnv *env)
{
  BlipSpaceInvaders *g = (BlipSpaceInvaders *) env;
  memset (g->shots, 0, sizeof g->shots);
  memset (g->enemy_shots, 0, sizeof g->enemy_shots);
  g->cannon_x = 5;
  g->shot_timer = 0;
  g->enemy_shot_timer = INVADERS_ENEMY_SHOT_INTERVAL;
  g->wave = 0;
  invaders_new_wave (g);
}

/* Bullets and aliens in the same cell destroy each other; returns the hits. */
static int
invaders_hits (BlipSpaceInvaders *g)
{
  int hits = 0;
  for (int y = 0; y < BLIP_GRID; y++)
    {
      guint16 h = g->shots[y] & g->aliens[y];
      if (h)
        {
          hits += __builtin_popcount (h);
          g->aliens[y] &= (guint16) ~h;
          g->shots[y] &= (guint16) ~h;
        }
    }
  return hits;
}

static void
invaders_move_aliens (BlipSpaceInvaders *g)
{
  guint16 any = 0;
  for (int y = 0; y < BLIP_GRID; y++)
    any |= g->aliens[y];
  gboolean at_edge = g->alien_dir < 0 ? (any & 1u) : (any & (1u << (BLIP_GRID - 1)));
  if (at_edge)
    {
      for (int y = BLIP_GRID - 1; y > 0; y--)
        g->aliens[y] = g->aliens[y - 1];
      g->aliens[0] = 0;
      g->alien_dir = (gint8) -g->alien_dir;
    }
  else
    for (int y = 0; y < BLIP_GRID; y++)
      g->aliens[y] = (guint16) (g->alien_dir < 0 ? g->aliens[y] >> 1 : g->aliens[y] << 1);
}

/* The lowest alien of the occupied column nearest the cannon fires (ties
 * between two columns are broken at random). */
static void
invaders_enemy_fire (BlipSpaceInvaders *g)
{
  guint16 any = 0;
  for (int y = 0; y < BLIP_GRID; y++)
    any |= g->aliens[y];
  if (!any)
    return;
  int column = -1;
  for (int d = 0; d < BLIP_GRID && column < 0; d++)
    {
      int l = g->cannon_x - d, r = g->cannon_x + d;
      gboolean has_l = l >= 0 && (any & (1u << l));
      gboolean has_r = d > 0 && r < BLIP_GRID && (any & (1u << r));
      if (has_l && has_r)
        column = blip_rng_below (&g->parent.rng, 2) ? r : l;
      else if (has_l)
        column = l;
      else if (has_r)
        column = r;
    }
  for (int y = BLIP_GRID - 1; y >= 0; y--)
    if (g->aliens[y] & (1u << column))
      {
        if (y + 1 < BLIP_GRID)
          g->enemy_shots[y + 1] |= (guint16) (1u << column);
        return;
      }
}

static float
invaders_step (BlipEnv *env, int action, gboolean *done)
{
  BlipSpaceInvaders *g = (BlipSpaceInvaders *) env;
  int hits;
  guint16 cannon;

  if (action == BLIP_ACTION_LEFT && g->cannon_x > 0)
    g->cannon_x--;
  else if (action == BLIP_ACTION_RIGHT && g->cannon_x < BLIP_GRID - 1)
    g->cannon_x++;
  cannon = (guint16) (1u << g->cannon_x);

  if (g->shot_timer > 0)
    g->shot_timer--;
  if (action == BLIP_ACTION_FIRE && g->shot_timer == 0)
    {
      g->shots[BOTTOM] |= cannon;   /* leaves the cannon's cell this frame */
      g->shot_timer = INVADERS_SHOT_COOLDOWN;
    }

  /* Bullets fly one cell per frame. */
  for (int y = 0; y < BOTTOM; y++)
    g->shots[y] = g->shots[y + 1];
  g->shots[BOTTOM] = 0;
  for (int y = BOTTOM; y > 0; y--)
    g->enemy_shots[y] = g->enemy_shots[y - 1];
  g->enemy_shots[0] = 0;
  hits = invaders_hits (g);

  if (--g->move_timer <= 0)
    {
      invaders_move_aliens (g);
      hits += invaders_hits (g);
      g->move_timer = (gint8) blip_space_invaders_move_interval (g->wave, invaders_count (g));
    }

  if (--g->enemy_shot_timer <= 0)
    {
      invaders_enemy_fire (g);
      g->enemy_shot_timer = INVADERS_ENEMY_SHOT_INTERVAL;
    }

  if ((g->enemy_shots[BOTTOM] & cannon) || g->aliens[BOTTOM])
    *done = TRUE;
  else if (hits > 0 && invaders_count (g) == 0)
    {
      if (g->wave < G_MAXINT16)
        g->wave++;
      invaders_new_wave (g);
    }
  return (float) hits;
}

/* out[6, 10, 10]: cannon, alien, alien_left, alien_right, friendly_bullet,
 * enemy_bullet. */
static void
invaders_observe (const BlipEnv *env, float *out)
{
  const BlipSpaceInvaders *g = (const BlipSpaceInvaders *) env;
  int dir_channel = g->alien_dir < 0 ? 2 : 3;
  BLIP_OBS_SET (out, 0, BOTTOM, g->cannon_x);
  for (int y = 0; y < BLIP_GRID; y++)
    {
      if (g->aliens[y])
        {
          blip_obs_set_row (out, 1, y, g->aliens[y]);
          blip_obs_set_row (out, dir_channel, y, g->aliens[y]);
        }
      if (g->shots[y])
        blip_obs_set_row (out, 4, y, g->shots[y]);
      if (g->enemy_shots[y])
        blip_obs_set_row (out, 5, y, g->enemy_shots[y]);
    }
}

const BlipEnvClass blip_space_invaders_class = {
  .name = "space_invaders",
  .instance_size = sizeof (BlipSpaceInvaders),
  .n_channels = 6, .height = BLIP_GRID, .width = BLIP_GRID,
  .n_actions = G_N_ELEMENTS (invaders_actions),
  .actions = invaders_actions,
  .channel_names = invaders_channels,
  .colours = invaders_colours,
  .reset = invaders_reset,
  .step = invaders_step,
  .observe = invaders_observe,
};
