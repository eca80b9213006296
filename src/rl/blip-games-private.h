/* blip-games-private.h — state of the five native MinAtar-style games.
 *
 * The games follow the published rules of MinAtar (Young & Tian 2019): a
 * 10×10 grid, binary channels per object kind, one life, sticky actions.
 * Their state is exposed here (not in blip-env.h) for blip-env.c's registry
 * and for tests/test-games.c, which sets up scripted positions directly.
 *
 * Coordinates: x is the column (0 left .. 9 right), y the row (0 top .. 9
 * bottom). Row bitmasks hold bit x for column x.
 */
#pragma once

#include "blip-env-private.h"

G_BEGIN_DECLS

extern const BlipEnvClass blip_breakout_class;
extern const BlipEnvClass blip_space_invaders_class;
extern const BlipEnvClass blip_freeway_class;
extern const BlipEnvClass blip_asterix_class;
extern const BlipEnvClass blip_seaquest_class;

/* ---- breakout: channels paddle, ball, trail, brick --------------------- */
#define BREAKOUT_PADDLE_ROW 9
#define BREAKOUT_FULL_ROW   0x3ffu       /* ten bricks */

typedef struct {
  BlipEnv parent;
  gint8   paddle;                 /* column of the one-cell paddle (row 9) */
  gint8   ball_x, ball_y;
  gint8   ball_dx, ball_dy;       /* ±1 each: the ball moves diagonally */
  gint8   last_x, last_y;         /* the trail: where the ball was a frame ago */
  guint16 bricks[BLIP_GRID];      /* bit x of bricks[y]: brick at (y, x), rows 1-3 */
} BlipBreakout;

/* ---- space_invaders: channels cannon, alien, alien_left, alien_right,
 *      friendly_bullet, enemy_bullet -------------------------------------- */
#define INVADERS_SHOT_COOLDOWN      5   /* frames between the cannon's shots */
#define INVADERS_MOVE_INTERVAL     12   /* frames between alien moves, first wave */
#define INVADERS_ENEMY_SHOT_INTERVAL 10 /* frames between alien shots */

typedef struct {
  BlipEnv parent;
  gint8   cannon_x;               /* row 9 */
  gint8   alien_dir;              /* -1 left, +1 right */
  gint8   shot_timer;             /* frames until the cannon may fire */
  gint8   move_timer;             /* frames until the aliens move */
  gint8   enemy_shot_timer;       /* frames until an alien fires */
  gint16  wave;                   /* waves cleared (speeds the next ones up) */
  guint16 aliens[BLIP_GRID];
  guint16 shots[BLIP_GRID];       /* the cannon's bullets, moving up */
  guint16 enemy_shots[BLIP_GRID]; /* aliens' bullets, moving down */
} BlipSpaceInvaders;

/* Frames between alien moves with n aliens left in wave `wave`. */
int blip_space_invaders_move_interval (int wave, int n_aliens);

/* ---- freeway: channels chicken, car, speed1 .. speed5 ------------------- */
#define FREEWAY_LANES        8          /* lane i is row i + 1 */
#define FREEWAY_CHICKEN_X    4
#define FREEWAY_PLAYER_SPEED 3          /* the chicken moves at most every 3 frames */
#define FREEWAY_TIME_LIMIT   2500

typedef struct {
  BlipEnv parent;
  gint8   chicken_y;
  gint8   move_timer;                 /* frames until the chicken may move */
  gint8   car_x[FREEWAY_LANES];
  gint8   car_speed[FREEWAY_LANES];   /* ±1..±5: one cell every |speed| frames, sign = direction */
  gint8   car_timer[FREEWAY_LANES];   /* frames until the car moves */
  gint16  time;                       /* frames elapsed */
} BlipFreeway;

/* ---- asterix: channels player, enemy, trail, gold ----------------------- */
#define ASTERIX_LANES          8        /* lane i is row i + 1 */
#define ASTERIX_SPAWN_INTERVAL 10       /* initial frames between spawns */
#define ASTERIX_MOVE_INTERVAL  5        /* initial frames between entity moves */
#define ASTERIX_RAMP_INTERVAL  100      /* frames between difficulty steps */

typedef struct {
  BlipEnv parent;
  gint8   player_x, player_y;         /* rows 1-8 */
  gint8   ent_active[ASTERIX_LANES];
  gint8   ent_x[ASTERIX_LANES];
  gint8   ent_dir[ASTERIX_LANES];     /* -1 left, +1 right */
  gint8   ent_gold[ASTERIX_LANES];    /* gold (+1) rather than an enemy */
  gint8   spawn_timer, spawn_interval;
  gint8   move_timer, move_interval;
  gint16  ramp_timer;
  gint16  ramp;                       /* difficulty steps taken */
} BlipAsterix;

/* ---- seaquest: channels sub_front, sub_back, friendly_bullet, trail,
 *      enemy_bullet, enemy_fish, enemy_sub, oxygen_gauge, diver_gauge, diver */
#define SEAQUEST_LANES                8  /* lane i is row i + 1; row 0 is the surface */
#define SEAQUEST_MAX_OXYGEN         200
#define SEAQUEST_MAX_DIVERS           6
#define SEAQUEST_SHOT_COOLDOWN        5
#define SEAQUEST_ENEMY_SPAWN_INTERVAL 20
#define SEAQUEST_ENEMY_MOVE_INTERVAL  5
#define SEAQUEST_MIN_MOVE_INTERVAL    2
#define SEAQUEST_ENEMY_SHOT_INTERVAL 10
#define SEAQUEST_DIVER_SPAWN_INTERVAL 30
#define SEAQUEST_DIVER_MOVE_INTERVAL  5

typedef struct {
  BlipEnv parent;
  gint8   sub_x, sub_y;               /* the front cell; rows 0 (surface) .. 8 */
  gint8   facing;                     /* -1 left, +1 right; the back is at x - facing */
  gint8   surfaced;                   /* at the surface with air refilled */
  gint16  oxygen;                     /* frames of air left */
  gint8   divers;                     /* rescued divers on board */
  gint8   shot_timer;
  /* One enemy and one diver per lane at most. */
  gint8   enemy_active[SEAQUEST_LANES];
  gint8   enemy_x[SEAQUEST_LANES];
  gint8   enemy_dir[SEAQUEST_LANES];
  gint8   enemy_is_sub[SEAQUEST_LANES];
  gint8   enemy_move_timer[SEAQUEST_LANES];
  gint8   enemy_move_interval[SEAQUEST_LANES];
  gint8   enemy_shot_timer[SEAQUEST_LANES];
  gint8   diver_active[SEAQUEST_LANES];
  gint8   diver_x[SEAQUEST_LANES];
  gint8   diver_dir[SEAQUEST_LANES];
  gint8   diver_move_timer[SEAQUEST_LANES];
  /* Bullets as row bitmasks, split by direction of travel. */
  guint16 shots_left[BLIP_GRID], shots_right[BLIP_GRID];
  guint16 enemy_shots_left[BLIP_GRID], enemy_shots_right[BLIP_GRID];
  gint8   spawn_timer, spawn_interval;
  gint8   diver_spawn_timer;
  gint8   move_interval;              /* given to enemies spawned from now on */
  gint16  ramp;                       /* surfacings so far */
} BlipSeaquest;

G_END_DECLS
