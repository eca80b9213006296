/* blip-game-seaquest.c — MinAtar-style Seaquest, written from the published
 * rules (Young & Tian 2019):
 *
 * The player steers a two-cell submarine (front and back, so its heading is
 * visible) between the surface (row 0) and row 8, and fires bullets from its
 * front (at most one every 5 frames). Enemy fish and enemy submarines enter
 * lanes 1-8 from either side and cross the screen; submarines also fire
 * bullets ahead of them every 10 frames. A bullet that strikes an enemy
 * gives +1 and removes it. Divers cross the lanes too; touching one takes it
 * aboard (at most 6; the diver gauge in row 8 shows how many).
 *
 * Oxygen (200 frames, the gauge in row 9 shows it in tenths) runs down while
 * submerged. Coming back to the surface refills it if a diver is aboard: with
 * fewer than 6 divers one is dropped off; with 6, all are, and the player gets
 * +1 per lit cell of the oxygen gauge. Each surfacing raises the difficulty:
 * enemies spawn one frame sooner (down to every frame) and, every second
 * time, newly spawned enemies move one frame faster (down to every 2 frames).
 * The episode ends when the submarine touches an enemy or an enemy bullet,
 * when the oxygen runs out, or when it surfaces with no diver aboard.
 *
 * A trail channel marks the cell behind each enemy and diver.
 *
 * Minimal actions: all six. Channels: sub_front, sub_back, friendly_bullet,
 * trail, enemy_bullet, enemy_fish, enemy_sub, oxygen_gauge, diver_gauge,
 * diver.
 */
#include "blip-games-private.h"

#include <string.h>

static const guint8 seaquest_actions[] = {
  BLIP_ACTION_NOOP, BLIP_ACTION_LEFT, BLIP_ACTION_UP,
  BLIP_ACTION_RIGHT, BLIP_ACTION_DOWN, BLIP_ACTION_FIRE,
};
static const char *const seaquest_channels[] = {
  "sub_front", "sub_back", "friendly_bullet", "trail", "enemy_bullet",
  "enemy_fish", "enemy_sub", "oxygen_gauge", "diver_gauge", "diver",
};
static const guint8 seaquest_colours[][3] = {
  { 250, 220, 60 },   /* sub_front */
  { 200, 170, 40 },   /* sub_back */
  { 255, 255, 200 },  /* friendly_bullet */
  { 60, 80, 110 },    /* trail */
  { 255, 110, 60 },   /* enemy_bullet */
  { 230, 60, 90 },    /* enemy_fish */
  { 170, 50, 200 },   /* enemy_sub */
  { 80, 170, 250 },   /* oxygen_gauge */
  { 90, 220, 140 },   /* diver_gauge */
  { 90, 220, 140 },   /* diver */
};

#define ROW_MASK 0x3ffu

static void
seaquest_reset (BlipEnv *env)
{
  BlipSeaquest *g = (BlipSeaquest *) env;
  g->sub_x = 5;
  g->sub_y = 0;
  g->facing = 1;
  g->surfaced = TRUE;
  g->oxygen = SEAQUEST_MAX_OXYGEN;
  g->divers = 0;
  g->shot_timer = 0;
  memset (g->enemy_active, 0, sizeof g->enemy_active);
  memset (g->diver_active, 0, sizeof g->diver_active);
  memset (g->shots_left, 0, sizeof g->shots_left);
  memset (g->shots_right, 0, sizeof g->shots_right);
  memset (g->enemy_shots_left, 0, sizeof g->enemy_shots_left);
  memset (g->enemy_shots_right, 0, sizeof g->enemy_shots_right);
  g->spawn_interval = SEAQUEST_ENEMY_SPAWN_INTERVAL;
  g->spawn_timer = g->spawn_interval;
  g->diver_spawn_timer = SEAQUEST_DIVER_SPAWN_INTERVAL;
  g->move_interval = SEAQUEST_ENEMY_MOVE_INTERVAL;
  g->ramp = 0;
}

/* The cells the submarine covers in its row, as a bitmask. */
static guint16
seaquest_sub_mask (const BlipSeaquest *g)
{
  guint32 mask = 1u << g->sub_x;
  int back = g->sub_x - g->facing;
  if (back >= 0 && back < BLIP_GRID)
    mask |= 1u << back;
  return (guint16) mask;
}

/* Enemies standing on a friendly bullet die with it; returns the kills. */
static int
seaquest_shoot_enemies (BlipSeaquest *g)
{
  int kills = 0;
  for (int i = 0; i < SEAQUEST_LANES; i++)
    if (g->enemy_active[i])
      {
        int row = i + 1;
        guint16 bit = (guint16) (1u << g->enemy_x[i]);
        if ((g->shots_left[row] | g->shots_right[row]) & bit)
          {
            g->shots_left[row] &= (guint16) ~bit;
            g->shots_right[row] &= (guint16) ~bit;
            g->enemy_active[i] = FALSE;
            kills++;
          }
      }
  return kills;
}

/* Whether an enemy or an enemy bullet touches the submarine. */
static gboolean
seaquest_sub_hit (const BlipSeaquest *g)
{
  int y = g->sub_y;
  guint16 sub = seaquest_sub_mask (g);
  if ((g->enemy_shots_left[y] | g->enemy_shots_right[y]) & sub)
    return TRUE;
  int lane = y - 1;
  return lane >= 0 && g->enemy_active[lane] && (sub & (1u << g->enemy_x[lane]));
}

/* A random lane whose flag in `active` is clear, or -1. */
static int
seaquest_free_lane (BlipSeaquest *g, const gint8 *active)
{
  int free_lanes[SEAQUEST_LANES], n = 0;
  for (int i = 0; i < SEAQUEST_LANES; i++)
    if (!active[i])
      free_lanes[n++] = i;
  return n ? free_lanes[blip_rng_below (&g->parent.rng, (guint32) n)] : -1;
}

static void
seaquest_spawn_enemy (BlipSeaquest *g)
{
  int lane = seaquest_free_lane (g, g->enemy_active);
  if (lane < 0)
    return;
  gboolean right = blip_rng_below (&g->parent.rng, 2) == 0;
  g->enemy_active[lane] = TRUE;
  g->enemy_dir[lane] = right ? 1 : -1;
  g->enemy_x[lane] = right ? 0 : BLIP_GRID - 1;
  g->enemy_is_sub[lane] = blip_rng_below (&g->parent.rng, 3) == 0;
  g->enemy_move_interval[lane] = g->move_interval;
  g->enemy_move_timer[lane] = g->move_interval;
  g->enemy_shot_timer[lane] = SEAQUEST_ENEMY_SHOT_INTERVAL;
}

static void
seaquest_spawn_diver (BlipSeaquest *g)
{
  int lane = seaquest_free_lane (g, g->diver_active);
  if (lane < 0)
    return;
  gboolean right = blip_rng_below (&g->parent.rng, 2) == 0;
  g->diver_active[lane] = TRUE;
  g->diver_dir[lane] = right ? 1 : -1;
  g->diver_x[lane] = right ? 0 : BLIP_GRID - 1;
  g->diver_move_timer[lane] = SEAQUEST_DIVER_MOVE_INTERVAL;
}

/* Back at the surface: drop off divers, refill the air, ramp up. */
static float
seaquest_surface (BlipSeaquest *g, gboolean *done)
{
  float reward = 0.0f;
  if (g->divers == 0)
    {
      *done = TRUE;
      return 0.0f;
    }
  if (g->divers == SEAQUEST_MAX_DIVERS)
    {
      reward = (float) (g->oxygen * 10 / SEAQUEST_MAX_OXYGEN);
      g->divers = 0;
    }
  else
    g->divers--;
  g->surfaced = TRUE;
  g->oxygen = SEAQUEST_MAX_OXYGEN;
  if (g->spawn_interval > 1)
    g->spawn_interval--;
  if (g->ramp % 2 == 1 && g->move_interval > SEAQUEST_MIN_MOVE_INTERVAL)
    g->move_interval--;
  if (g->ramp < G_MAXINT16)
    g->ramp++;
  return reward;
}

static float
seaquest_step (BlipEnv *env, int action, gboolean *done)
{
  BlipSeaquest *g = (BlipSeaquest *) env;
  float reward = 0.0f;

  if (g->shot_timer > 0)
    g->shot_timer--;
  switch (action)
    {
    case BLIP_ACTION_LEFT:
      g->facing = -1;
      if (g->sub_x > 0)
        g->sub_x--;
      break;
    case BLIP_ACTION_RIGHT:
      g->facing = 1;
      if (g->sub_x < BLIP_GRID - 1)
        g->sub_x++;
      break;
    case BLIP_ACTION_UP:
      if (g->sub_y > 0)
        g->sub_y--;
      break;
    case BLIP_ACTION_DOWN:
      if (g->sub_y < SEAQUEST_LANES)
        g->sub_y++;
      break;
    case BLIP_ACTION_FIRE:
      if (g->shot_timer == 0)
        {
          /* Leaves the front cell this frame. */
          guint16 bit = (guint16) (1u << g->sub_x);
          if (g->facing > 0)
            g->shots_right[g->sub_y] |= bit;
          else
            g->shots_left[g->sub_y] |= bit;
          g->shot_timer = SEAQUEST_SHOT_COOLDOWN;
        }
      break;
    default:
      break;
    }

  /* Bullets fly one cell per frame. */
  for (int y = 0; y < BLIP_GRID; y++)
    {
      g->shots_left[y] >>= 1;
      g->shots_right[y] = (guint16) ((g->shots_right[y] << 1) & ROW_MASK);
      g->enemy_shots_left[y] >>= 1;
      g->enemy_shots_right[y] = (guint16) ((g->enemy_shots_right[y] << 1) & ROW_MASK);
    }
  reward += (float) seaquest_shoot_enemies (g);
  if (seaquest_sub_hit (g))
    {
      *done = TRUE;
      return reward;
    }

  /* Enemies move and the submarines among them fire. */
  for (int i = 0; i < SEAQUEST_LANES; i++)
    {
      if (!g->enemy_active[i])
        continue;
      if (--g->enemy_move_timer[i] <= 0)
        {
          int x = g->enemy_x[i] + g->enemy_dir[i];
          if (x < 0 || x >= BLIP_GRID)
            {
              g->enemy_active[i] = FALSE;
              continue;
            }
          g->enemy_x[i] = (gint8) x;
          g->enemy_move_timer[i] = g->enemy_move_interval[i];
        }
      if (g->enemy_is_sub[i] && --g->enemy_shot_timer[i] <= 0)
        {
          int bx = g->enemy_x[i] + g->enemy_dir[i];
          if (bx >= 0 && bx < BLIP_GRID)
            {
              if (g->enemy_dir[i] > 0)
                g->enemy_shots_right[i + 1] |= (guint16) (1u << bx);
              else
                g->enemy_shots_left[i + 1] |= (guint16) (1u << bx);
            }
          g->enemy_shot_timer[i] = SEAQUEST_ENEMY_SHOT_INTERVAL;
        }
    }
  reward += (float) seaquest_shoot_enemies (g);

  for (int i = 0; i < SEAQUEST_LANES; i++)
    if (g->diver_active[i] && --g->diver_move_timer[i] <= 0)
      {
        int x = g->diver_x[i] + g->diver_dir[i];
        if (x < 0 || x >= BLIP_GRID)
          g->diver_active[i] = FALSE;
        else
          g->diver_x[i] = (gint8) x;
        g->diver_move_timer[i] = SEAQUEST_DIVER_MOVE_INTERVAL;
      }

  if (--g->spawn_timer <= 0)
    {
      seaquest_spawn_enemy (g);
      g->spawn_timer = g->spawn_interval;
    }
  if (--g->diver_spawn_timer <= 0)
    {
      seaquest_spawn_diver (g);
      g->diver_spawn_timer = SEAQUEST_DIVER_SPAWN_INTERVAL;
    }

  if (seaquest_sub_hit (g))
    {
      *done = TRUE;
      return reward;
    }

  /* Pick up a diver the submarine touches, if there is room. */
  int lane = g->sub_y - 1;
  if (lane >= 0 && g->diver_active[lane] && g->divers < SEAQUEST_MAX_DIVERS
      && (seaquest_sub_mask (g) & (1u << g->diver_x[lane])))
    {
      g->diver_active[lane] = FALSE;
      g->divers++;
    }

  if (g->sub_y == 0)
    {
      if (!g->surfaced)
        reward += seaquest_surface (g, done);
    }
  else
    {
      g->surfaced = FALSE;
      if (--g->oxygen <= 0)
        *done = TRUE;
    }
  return reward;
}

/* out[10, 10, 10]: sub_front, sub_back, friendly_bullet, trail,
 * enemy_bullet, enemy_fish, enemy_sub, oxygen_gauge (row 9),
 * diver_gauge (row 8), diver. */
static void
seaquest_observe (const BlipEnv *env, float *out)
{
  const BlipSeaquest *g = (const BlipSeaquest *) env;
  BLIP_OBS_SET (out, 0, g->sub_y, g->sub_x);
  int back = g->sub_x - g->facing;
  if (back >= 0 && back < BLIP_GRID)
    BLIP_OBS_SET (out, 1, g->sub_y, back);
  for (int y = 0; y < BLIP_GRID; y++)
    {
      guint32 shots = g->shots_left[y] | g->shots_right[y];
      guint32 enemy_shots = g->enemy_shots_left[y] | g->enemy_shots_right[y];
      if (shots)
        blip_obs_set_row (out, 2, y, shots);
      if (enemy_shots)
        blip_obs_set_row (out, 4, y, enemy_shots);
    }
  for (int i = 0; i < SEAQUEST_LANES; i++)
    {
      if (g->enemy_active[i])
        {
          BLIP_OBS_SET (out, g->enemy_is_sub[i] ? 6 : 5, i + 1, g->enemy_x[i]);
          int behind = g->enemy_x[i] - g->enemy_dir[i];
          if (behind >= 0 && behind < BLIP_GRID)
            BLIP_OBS_SET (out, 3, i + 1, behind);
        }
      if (g->diver_active[i])
        {
          BLIP_OBS_SET (out, 9, i + 1, g->diver_x[i]);
          int behind = g->diver_x[i] - g->diver_dir[i];
          if (behind >= 0 && behind < BLIP_GRID)
            BLIP_OBS_SET (out, 3, i + 1, behind);
        }
    }
  int air = g->oxygen * 10 / SEAQUEST_MAX_OXYGEN;
  for (int x = 0; x < air; x++)
    BLIP_OBS_SET (out, 7, BLIP_GRID - 1, x);
  for (int x = 0; x < g->divers; x++)
    BLIP_OBS_SET (out, 8, BLIP_GRID - 2, x);
}

const BlipEnvClass blip_seaquest_class = {
  .name = "seaquest",
  .instance_size = sizeof (BlipSeaquest),
  .n_channels = 10, .height = BLIP_GRID, .width = BLIP_GRID,
  .n_actions = G_N_ELEMENTS (seaquest_actions),
  .actions = seaquest_actions,
  .channel_names = seaquest_channels,
  .colours = seaquest_colours,
  .reset = seaquest_reset,
  .step = seaquest_step,
  .observe = seaquest_observe,
};
