/* test-ale.c — the Atari back end (src/rl/blip-ale.h) against the stub
 * libale_c of tests/ale-stub, whose frames, lives, rewards and action set are
 * known to the frame (see ale-stub.c for its game).
 *
 * Loading: the stub loads from the option and from $BLIP_ALE_LIBRARY; a
 * missing library names the path; a library lacking lives() names the
 * symbol. ROMs: every missing and every mismatching file is named in one
 * message, md5s are checked against hand-known sums, the folder comes from the
 * option or $BLIP_ROM_DIR. Wrappers: the no-op count lies in 1..30, covers
 * the range and follows the seed; frame skip 4 with the maximum of the last
 * two frames; no sticky actions; fire reset; episodic life in training (done
 * per life, the game going on, a real reset only after game over) and whole
 * games in evaluation; reward clipping in training and raw scores in
 * evaluation; the 84×84 grey values of a known picture against hand-worked
 * area averages, and of a noise picture against OpenCV's own output; the 4-frame stack shifting and starting from zeros; the
 * rendering in colour. With $BLIP_ALE_LIBRARY and $BLIP_ROM_DIR set, the
 * real ALE plays whatever paper games (and tetris.bin) the folder holds.
 */
#include "blip-ale-private.h"
#include "blip-rng.h"
#include "blip-test-util.h"
#include "blip-experiment.h"
#include "blip-trainer.h"

#include <math.h>
#include <string.h>

#define S 84
#define PLANE (S * S)

/* Stub ROM contents (ale-stub.c reads these words). */
#define ROM_NO_FIRE "ALE-STUB actions=0,2,3,4,5 lives=3 life_frames=1000"
#define ROM_FIRE    "ALE-STUB lives=3 life_frames=1000"
#define ROM_LIVES   "ALE-STUB actions=0,2,3,4,5 lives=3 life_frames=40"
#define ROM_PATTERN "ALE-STUB pattern=1 life_frames=0"
#define ROM_NOISE   "ALE-STUB pattern=2 life_frames=0"

/* Where the stub's bands land in the 84×84 frame (210 rows / 2.5, 160 / 1.905). */
#define ACTION_Y 1     /* rows 0–9 → 0–3 */
#define CLOCK_Y 20     /* rows 10–104 → 4–41 */
#define LOW_Y 60       /* rows 105–209 → 42–83 */
#define LEFT_X 10      /* columns 0–79 → 0–41 */
#define RIGHT_X 60     /* columns 80–159 → 42–83 */

typedef struct {
  char *dir;
  BlipAleOptions options;
} Roms;

static void
roms_init (Roms *r, const char *game, const char *contents)
{
  r->dir = blip_test_mkdtemp ();
  memset (&r->options, 0, sizeof r->options);
  r->options.library = ALE_STUB_LIBRARY;
  r->options.rom_dir = r->dir;
  r->options.accept_any_md5 = TRUE;
  if (game)
    {
      g_autofree char *file = g_strconcat (game, ".bin", NULL);
      g_autofree char *path = g_build_filename (r->dir, file, NULL);
      blip_test_write_bytes (path, (const guint8 *) contents, strlen (contents));
    }
}

static void
roms_clear (Roms *r)
{
  blip_test_rmtree (r->dir);
  g_free (r->dir);
}

/* A stub env playing `contents` as boxing.bin. */
static BlipEnv *
stub_env (const char *contents, gboolean training)
{
  Roms r;
  roms_init (&r, "boxing", contents);
  g_autoptr (GError) error = NULL;
  BlipEnv *env = blip_ale_env_new (&r.options, "boxing", training, &error);
  g_assert_no_error (error);
  g_assert_nonnull (env);
  roms_clear (&r);   /* the ROM was read when the env was made */
  return env;
}

/* The observation, held in a static buffer. */
static const float *
observe (const BlipEnv *env)
{
  static float obs[4 * PLANE];
  g_assert_cmpuint (blip_env_obs_size (env), ==, 4 * PLANE);
  blip_env_observation (env, obs);
  return obs;
}

/* Byte value of frame `slot` (0 oldest .. 3 newest) at (y, x). */
static int
px (const float *obs, int slot, int y, int x)
{
  float v = obs[slot * PLANE + y * S + x];
  g_assert_cmpfloat (v, >=, 0.0f);
  g_assert_cmpfloat (v, <=, 1.0f);
  return (int) lrintf (v * 255.0f);
}

static int
clock_of (const BlipEnv *env, int slot)
{
  return px (observe (env), slot, CLOCK_Y, LEFT_X);
}

static gboolean
slot_is_zero (const float *obs, int slot)
{
  for (int i = 0; i < PLANE; i++)
    if (obs[slot * PLANE + i] != 0.0f)
      return FALSE;
  return TRUE;
}

static float
step (BlipEnv *env, int action, gboolean *done)
{
  float reward = NAN;
  gboolean d = TRUE;
  blip_env_step (env, action, &reward, &d);
  if (done)
    *done = d;
  return reward;
}

/* ---- the game list and md5 table ---------------------------------------- */

static void
test_paper_games (void)
{
  const char *expected[] = { "kung_fu_master", "boxing", "jamesbond", "krull", "riverraid",
                             "space_invaders", NULL };
  const char * const *games = blip_ale_paper_games ();
  g_assert_cmpstrv (games, expected);
  /* ALE 0.6.1's md5.txt. */
  g_assert_cmpstr (blip_ale_rom_md5 ("boxing"), ==, "c3ef5c4653212088eda54dc91d787870");
  g_assert_cmpstr (blip_ale_rom_md5 ("space_invaders"), ==, "72ffbef6504b75e69ee1045af9075f66");
  for (int i = 0; games[i]; i++)
    g_assert_cmpuint (strlen (blip_ale_rom_md5 (games[i])), ==, 32);
  g_assert_null (blip_ale_rom_md5 ("pong"));
}

/* ---- loading the library ------------------------------------------------ */

static void
test_library_good (void)
{
  Roms r;
  roms_init (&r, "boxing", ROM_NO_FIRE);
  g_autoptr (GError) error = NULL;
  g_autoptr (BlipEnv) env = blip_ale_env_new (&r.options, "boxing", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (blip_env_is_ale (env));
  g_assert_cmpstr (blip_env_name (env), ==, "atari_boxing");

  /* The same through $BLIP_ALE_LIBRARY and $BLIP_ROM_DIR. */
  g_setenv ("BLIP_ALE_LIBRARY", ALE_STUB_LIBRARY, TRUE);
  g_setenv ("BLIP_ROM_DIR", r.dir, TRUE);
  BlipAleOptions from_env = { .accept_any_md5 = TRUE };
  g_autoptr (BlipEnv) env2 = blip_ale_env_new (&from_env, "boxing", TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (blip_env_is_ale (env2));
  g_unsetenv ("BLIP_ALE_LIBRARY");
  g_unsetenv ("BLIP_ROM_DIR");
  roms_clear (&r);
}

static void
test_library_missing (void)
{
  Roms r;
  roms_init (&r, "boxing", ROM_NO_FIRE);
  g_autofree char *path = g_build_filename (r.dir, "no-such", "libale_c.so", NULL);
  g_autoptr (GError) error = NULL;

  r.options.library = path;
  BlipEnv *env = blip_ale_env_new (&r.options, "boxing", TRUE, &error);
  g_assert_null (env);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_LIBRARY);
  g_assert_nonnull (strstr (error->message, path));
  g_assert_nonnull (strstr (error->message, "BLIP_ALE_LIBRARY"));
  g_clear_error (&error);

  /* The variable's path is named just the same. */
  r.options.library = NULL;
  g_setenv ("BLIP_ALE_LIBRARY", path, TRUE);
  env = blip_ale_env_new (&r.options, "boxing", TRUE, &error);
  g_assert_null (env);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_LIBRARY);
  g_assert_nonnull (strstr (error->message, path));
  g_unsetenv ("BLIP_ALE_LIBRARY");
  roms_clear (&r);
}

static void
test_library_missing_symbol (void)
{
  Roms r;
  roms_init (&r, "boxing", ROM_NO_FIRE);
  r.options.library = ALE_STUB_NOLIVES_LIBRARY;
  g_autoptr (GError) error = NULL;
  BlipEnv *env = blip_ale_env_new (&r.options, "boxing", TRUE, &error);
  g_assert_null (env);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_SYMBOL);
  g_assert_nonnull (strstr (error->message, ALE_STUB_NOLIVES_LIBRARY));
  g_assert_nonnull (strstr (error->message, "no function lives "));
  roms_clear (&r);
}

/* ---- the ROM check ------------------------------------------------------ */

/* The paper's table: two files of the wrong content, four missing; one
 * message names all six, with the md5 found for the wrong ones. */
static void
test_roms_paper_table (void)
{
  Roms r;
  roms_init (&r, NULL, NULL);
  r.options.accept_any_md5 = FALSE;
  g_autofree char *boxing = g_build_filename (r.dir, "boxing.bin", NULL);
  g_autofree char *krull = g_build_filename (r.dir, "krull.bin", NULL);
  blip_test_write_bytes (boxing, (const guint8 *) "abc", 3);
  blip_test_write_bytes (krull, (const guint8 *) "", 0);

  g_autoptr (GError) error = NULL;
  g_assert_false (blip_ale_check_roms (&r.options, NULL, &error));
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  const char *m = error->message;
  g_assert_nonnull (strstr (m, r.dir));
  g_assert_nonnull (strstr (m, "missing kung_fu_master.bin, jamesbond.bin, riverraid.bin, "
                               "space_invaders.bin"));
  /* md5("abc") and md5("") (RFC 1321's test suite). */
  g_assert_nonnull (strstr (m, "boxing.bin (md5 900150983cd24fb0d6963f7d28e17f72, expected "
                               "c3ef5c4653212088eda54dc91d787870)"));
  g_assert_nonnull (strstr (m, "krull.bin (md5 d41d8cd98f00b204e9800998ecf8427e, expected "
                               "4baada22435320d185c95b7dd2bcdb24)"));
  g_clear_error (&error);

  /* The constructor checks its own game's ROM the same way. */
  BlipEnv *env = blip_ale_env_new (&r.options, "boxing", TRUE, &error);
  g_assert_null (env);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  g_assert_nonnull (strstr (error->message, "wrong md5 for boxing.bin"));
  g_assert_null (strstr (error->message, "krull"));
  g_clear_error (&error);
  env = blip_ale_env_new (&r.options, "riverraid", TRUE, &error);
  g_assert_null (env);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  g_assert_nonnull (strstr (error->message, "missing riverraid.bin"));
  g_clear_error (&error);

  /* accept_any_md5 lets the wrong dump through, never a missing file. */
  r.options.accept_any_md5 = TRUE;
  g_assert_false (blip_ale_check_roms (&r.options, NULL, &error));
  g_assert_nonnull (strstr (error->message, "missing kung_fu_master.bin"));
  g_assert_null (strstr (error->message, "wrong md5"));
  g_clear_error (&error);
  roms_clear (&r);
}

/* Any table: files whose md5 the table gives pass; one wrong, one missing. */
static void
test_roms_own_table (void)
{
  Roms r;
  roms_init (&r, NULL, NULL);
  g_autofree char *a = g_build_filename (r.dir, "a.bin", NULL);
  g_autofree char *b = g_build_filename (r.dir, "b.bin", NULL);
  blip_test_write_bytes (a, (const guint8 *) "abc", 3);
  blip_test_write_bytes (b, (const guint8 *) "", 0);
  const BlipAleRom good[] = {
    { "a", "900150983cd24fb0d6963f7d28e17f72" },
    { "b", "D41D8CD98F00B204E9800998ECF8427E" },   /* either case */
  };
  g_autoptr (GError) error = NULL;
  g_assert_true (blip_ale_check_rom_table (r.dir, good, G_N_ELEMENTS (good), &error));
  g_assert_no_error (error);

  const BlipAleRom bad[] = {
    { "a", "900150983cd24fb0d6963f7d28e17f72" },
    { "b", "900150983cd24fb0d6963f7d28e17f72" },
    { "c", "900150983cd24fb0d6963f7d28e17f72" },
  };
  g_assert_false (blip_ale_check_rom_table (r.dir, bad, G_N_ELEMENTS (bad), &error));
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  g_assert_nonnull (strstr (error->message, "missing c.bin; wrong md5 for b.bin (md5 "
                                            "d41d8cd98f00b204e9800998ecf8427e"));
  g_assert_null (strstr (error->message, "a.bin"));
  roms_clear (&r);
}

static void
test_roms_folder_and_names (void)
{
  g_autoptr (GError) error = NULL;
  g_unsetenv ("BLIP_ROM_DIR");
  BlipAleOptions none = { .library = ALE_STUB_LIBRARY };
  g_assert_null (blip_ale_env_new (&none, "boxing", TRUE, &error));
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  g_assert_nonnull (strstr (error->message, "BLIP_ROM_DIR"));
  g_clear_error (&error);

  Roms r;
  roms_init (&r, "pong", ROM_NO_FIRE);
  /* A game outside the table needs accept_any_md5. */
  r.options.accept_any_md5 = FALSE;
  g_assert_null (blip_ale_env_new (&r.options, "pong", TRUE, &error));
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_GAME);
  g_assert_nonnull (strstr (error->message, "pong"));
  g_clear_error (&error);
  r.options.accept_any_md5 = TRUE;
  g_autoptr (BlipEnv) env = blip_ale_env_new (&r.options, "pong", FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (blip_env_name (env), ==, "atari_pong");

  /* Names, not paths. */
  const char *bad[] = { "../pong", "Pong", "pong.bin", "" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_null (blip_ale_env_new (&r.options, bad[i], TRUE, &error));
      g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_GAME);
      g_clear_error (&error);
    }
  roms_clear (&r);
}

/* ---- shape and actions -------------------------------------------------- */

static void
test_shape_and_actions (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_FIRE, TRUE);
  int c = 0, h = 0, w = 0;
  blip_env_obs_shape (env, &c, &h, &w);
  g_assert_cmpint (c, ==, 4);
  g_assert_cmpint (h, ==, S);
  g_assert_cmpint (w, ==, S);
  g_assert_cmpstr (blip_env_channel_name (env, 3), ==, "frame t");
  /* The stub's nine minimal actions, more than MinAtar's six. */
  const BlipAction expected[] = {
    BLIP_ACTION_NOOP, BLIP_ACTION_FIRE, BLIP_ACTION_UP, BLIP_ACTION_RIGHT, BLIP_ACTION_LEFT,
    BLIP_ACTION_DOWN, BLIP_ACTION_RIGHTFIRE, BLIP_ACTION_LEFTFIRE, BLIP_ACTION_DOWNLEFTFIRE,
  };
  g_assert_cmpint (blip_env_n_actions (env), ==, G_N_ELEMENTS (expected));
  for (int a = 0; a < (int) G_N_ELEMENTS (expected); a++)
    g_assert_cmpint (blip_env_action_meaning (env, a), ==, expected[a]);
  g_assert_cmpstr (blip_action_name (BLIP_ACTION_DOWNLEFTFIRE), ==, "downleftfire");
  g_assert_cmpfloat (blip_env_get_sticky_prob (env), ==, 0.0f);
  g_assert_cmpint (blip_env_lives (env), ==, 3);
  g_assert_false (blip_env_is_done (env));

  /* Each minimal action reaches the game as ALE's number: the stub draws
   * 10·a + 5 in its top rows. */
  const int ale_number[] = { 0, 1, 2, 3, 4, 5, 11, 12, 17 };
  BlipRng rng;
  blip_rng_seed (&rng, 3);
  blip_env_reset (env, 1);
  for (int i = 0; i < 60; i++)
    {
      int a = (int) blip_rng_below (&rng, G_N_ELEMENTS (ale_number));
      step (env, a, NULL);
      g_assert_cmpint (px (observe (env), 3, ACTION_Y, 40), ==, 10 * ale_number[a] + 5);
    }
}

/* ---- no-op reset -------------------------------------------------------- */

/* The frame after a reset is the k-th of the game, k in 1..30 drawn from the
 * seed: every k seen, in range, the same again for the same seed (on this env
 * and a fresh one), and shown without a maximum (one flicker half lit). */
static void
test_noop_reset (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_NO_FIRE, TRUE);
  g_autoptr (BlipEnv) other = stub_env (ROM_NO_FIRE, TRUE);
  int seen[31] = { 0 };
  for (guint64 seed = 0; seed < 300; seed++)
    {
      blip_env_reset (env, seed);
      const float *obs = observe (env);
      int k = px (obs, 3, CLOCK_Y, LEFT_X);
      g_assert_cmpint (k, >=, 1);
      g_assert_cmpint (k, <=, 30);
      seen[k]++;
      for (int slot = 0; slot < 3; slot++)
        g_assert_true (slot_is_zero (obs, slot));
      g_assert_cmpint (px (obs, 3, LOW_Y, LEFT_X), ==, k % 2 ? 200 : 0);
      g_assert_cmpint (px (obs, 3, LOW_Y, RIGHT_X), ==, k % 2 ? 0 : 100);
      g_assert_cmpint (px (obs, 3, ACTION_Y, 40), ==, 5);

      if (seed % 10 == 0)
        {
          step (env, 0, NULL);
          blip_env_reset (env, seed);
          g_assert_cmpint (clock_of (env, 3), ==, k);
          blip_env_reset (other, seed);
          g_assert_cmpint (clock_of (other, 3), ==, k);
        }
    }
  for (int k = 1; k <= 30; k++)
    g_assert_cmpint (seen[k], >, 0);
}

/* ---- frame skip, maximum, stack ----------------------------------------- */

static void
test_frame_skip_and_stack (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_NO_FIRE, TRUE);
  blip_env_reset (env, 7);
  int k = clock_of (env, 3);
  gint64 frames = blip_ale_env_frame_number (env);
  for (int t = 1; t <= 5; t++)
    {
      gboolean done = TRUE;
      step (env, 0, &done);
      g_assert_false (done);
      g_assert_cmpint (blip_ale_env_frame_number (env), ==, frames + 4 * t);
      const float *obs = observe (env);
      /* Slot 3 is the newest: frames k, k+4, k+8, … shift towards slot 0,
       * the zeros of the reset ahead of them. */
      for (int slot = 0; slot < 4; slot++)
        {
          int age = 3 - slot;         /* steps ago */
          if (age > t)
            g_assert_true (slot_is_zero (obs, slot));
          else
            g_assert_cmpint (px (obs, slot, CLOCK_Y, LEFT_X), ==, k + 4 * (t - age));
        }
      /* The maximum of the step's last two frames lights both flicker
       * halves (each frame lights one). */
      g_assert_cmpint (px (obs, 3, LOW_Y, LEFT_X), ==, 200);
      g_assert_cmpint (px (obs, 3, LOW_Y, RIGHT_X), ==, 100);
    }
  int h = 0, w = 0;
  const guint8 *screen = blip_ale_env_screen_rgb (env, &h, &w);
  g_assert_cmpint (h, ==, 210);
  g_assert_cmpint (w, ==, 160);
  /* The last frame alone, k + 20 on the clock and one flicker half. */
  g_assert_cmpint (screen[(50 * w + 3) * 3], ==, k + 20);
  g_assert_cmpint (screen[(150 * w + 3) * 3], ==, (k + 20) % 2 ? 200 : 0);
}

/* ---- rewards ------------------------------------------------------------ */

/* Per frame the stub pays FIRE +5 and DOWN −3: a step is 4 frames. Over
 * ten rounds a sticky action (the stub's own 0.25 unless the env turns it
 * off) would carry the previous step's action into a step's first frame and
 * change its raw reward. */
static void
test_rewards (void)
{
  g_autoptr (BlipEnv) train = stub_env (ROM_FIRE, TRUE);
  g_autoptr (BlipEnv) eval = stub_env (ROM_FIRE, FALSE);
  const struct { int action; float train, eval; } rows[] = {
    { 1, 1.0f, 20.0f },      /* FIRE */
    { 5, -1.0f, -12.0f },    /* DOWN */
    { 0, 0.0f, 0.0f },       /* NOOP */
    { 3, 0.0f, 0.0f },       /* RIGHT */
  };
  blip_env_reset (train, 2);
  blip_env_reset (eval, 2);
  for (int round = 0; round < 10; round++)
    for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
      {
        g_assert_cmpfloat (step (train, rows[i].action, NULL), ==, rows[i].train);
        g_assert_cmpfloat (step (eval, rows[i].action, NULL), ==, rows[i].eval);
      }
}

/* ---- fire reset --------------------------------------------------------- */

/* With FIRE in the set, a reset plays FIRE then the third action (UP) for a
 * step each after the no-ops: 8 frames more than without, UP last; their
 * rewards do not reach the learner. */
static void
test_fire_reset (void)
{
  g_autoptr (BlipEnv) plain = stub_env (ROM_NO_FIRE, TRUE);
  g_autoptr (BlipEnv) fire = stub_env (ROM_FIRE, TRUE);
  g_autoptr (BlipEnv) fire_eval = stub_env (ROM_FIRE, FALSE);
  for (guint64 seed = 0; seed < 20; seed++)
    {
      blip_env_reset (plain, seed);
      blip_env_reset (fire, seed);
      blip_env_reset (fire_eval, seed);
      int k = clock_of (plain, 3);
      g_assert_cmpint (clock_of (fire, 3), ==, k + 8);
      g_assert_cmpint (clock_of (fire_eval, 3), ==, k + 8);
      const float *obs = observe (fire);
      g_assert_cmpint (px (obs, 3, ACTION_Y, 40), ==, 25);   /* UP = 2 */
      for (int slot = 0; slot < 3; slot++)
        g_assert_true (slot_is_zero (obs, slot));
    }
}

/* ---- episodic life ------------------------------------------------------ */

/* Training: 3 lives of 40 frames. Each lost life is done; the reset after it
 * goes on with the same game (one no-op step: 4 frames more), the stack
 * starting afresh; after the third, game over, the reset is real. */
static void
test_episodic_life_training (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_LIVES, TRUE);
  blip_env_reset (env, 11);
  int n = clock_of (env, 3);
  for (int life = 3; life >= 1; life--)
    {
      g_assert_cmpint (blip_env_lives (env), ==, life);
      gboolean done = FALSE;
      int steps = 0;
      while (!done)
        {
          step (env, 0, &done);
          n += 4;
          steps++;
          /* The game stops at its 120th frame, within the step. */
          g_assert_cmpint (clock_of (env, 3), ==, MIN (n, 120));
          g_assert_cmpint (done, ==, n >= 40 * (4 - life));
          g_assert_cmpint (steps, <, 30);
        }
      g_assert_true (blip_env_is_done (env));
      g_assert_cmpint (blip_env_lives (env), ==, life - 1);
      blip_env_reset (env, 100 + life);
      g_assert_false (blip_env_is_done (env));
      if (life > 1)
        {
          n += 4;                       /* the game goes on */
          g_assert_cmpint (clock_of (env, 3), ==, n);
          g_assert_cmpint (blip_env_lives (env), ==, life - 1);
        }
      else
        {
          n = clock_of (env, 3);        /* a new game */
          g_assert_cmpint (n, >=, 1);
          g_assert_cmpint (n, <=, 30);
          g_assert_cmpint (blip_env_lives (env), ==, 3);
        }
      const float *obs = observe (env);
      for (int slot = 0; slot < 3; slot++)
        g_assert_true (slot_is_zero (obs, slot));
    }

  /* A reset before the episode is done is a real one too. */
  step (env, 0, NULL);
  blip_env_reset (env, 11);
  int k = clock_of (env, 3);
  g_assert_cmpint (k, <=, 30);
  g_assert_cmpint (blip_env_lives (env), ==, 3);
}

/* Evaluation: one episode per game. At a lost life the no-op step happens
 * within the step (4 frames more) and the stack restarts, as the paper's
 * evaluation through the same wrappers sees it; done only at game over. */
static void
test_episodic_life_evaluation (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_LIVES, FALSE);
  blip_env_reset (env, 11);
  int k = clock_of (env, 3);
  int n = k;
  int lives = 3, steps = 0;
  float total = 0.0f;
  gboolean done = FALSE;
  while (!done)
    {
      total += step (env, 4, &done);   /* DOWN (ALE 5): −3 a frame */
      n += 4;
      steps++;
      g_assert_cmpint (steps, <, 40);
      const float *obs = observe (env);
      if (done)
        break;
      if (blip_env_lives (env) < lives)
        {
          lives = blip_env_lives (env);
          n += 4;
          for (int slot = 0; slot < 3; slot++)
            g_assert_true (slot_is_zero (obs, slot));
        }
      g_assert_cmpint (px (obs, 3, CLOCK_Y, LEFT_X), ==, n);
    }
  g_assert_cmpint (lives, ==, 1);
  g_assert_cmpint (blip_env_lives (env), ==, 0);
  g_assert_cmpint (n, >=, 120);
  g_assert_cmpint (n, <, 124);
  /* Raw score of every frame played after the no-ops: −3 for each of the
   * 120 − k frames but the two continuation no-op steps' 8 (0 points). */
  g_assert_cmpfloat (total, ==, -3.0f * (float) (120 - k - 8));
}

/* ---- 84×84 grey --------------------------------------------------------- */

/* The stub's test picture (ale-stub.c), through cv2's RGB→grey and INTER_AREA
 * weights, worked by hand:
 *   red (255,0,0) → (255·4899 + 8192) >> 14 = 76; green → 150; blue → 29;
 *   (100,150,200) → (489900 + 1442550 + 373600 + 8192) >> 14 = 141.
 *   Columns: output x covers [x·40/21, (x+1)·40/21); x = 1 covers 0.0952 of
 *   white column 1 → 255 · 0.0952/1.9048 = 12.75 → 13. The 80 and 40
 *   boundaries fall on outputs 42 and 21 exactly.
 *   Rows: output y covers [2.5y, 2.5y + 2.5); y = 42 is rows 105 (black),
 *   106 and half of 107 (blue) → 29 · 1.5/2.5 = 17.4 → 17. */
static void
test_resize_values (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_PATTERN, TRUE);
  blip_env_reset (env, 0);
  const float *obs = observe (env);
  const struct { int y, x, value; } cells[] = {
    { 0, 0, 76 }, { 41, 41, 76 }, { 0, 42, 150 }, { 41, 83, 150 },
    { 42, 0, 255 }, { 83, 0, 255 }, { 42, 1, 13 }, { 70, 1, 13 },
    { 60, 2, 0 }, { 60, 20, 0 }, { 42, 21, 141 }, { 83, 41, 141 },
    { 42, 42, 17 }, { 42, 83, 17 }, { 43, 42, 29 }, { 83, 83, 29 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cells); i++)
    {
      if (px (obs, 3, cells[i].y, cells[i].x) != cells[i].value)
        g_error ("(%d, %d): %d, expected %d", cells[i].y, cells[i].x,
                 px (obs, 3, cells[i].y, cells[i].x), cells[i].value);
    }

  /* The app's view: the same area average in colour, scale×scale blocks. */
  const int scale = 2;
  gsize bytes = (gsize) S * scale * S * scale * 3;
  g_autofree guint8 *rgb = g_malloc (bytes + 8);
  memset (rgb + bytes, 0xab, 8);
  blip_env_render_rgb (env, rgb, scale);
  for (int i = 0; i < 8; i++)
    g_assert_cmpuint (rgb[bytes + i], ==, 0xab);
  const struct { int y, x; guint8 r, g, b; } colours[] = {
    { 0, 0, 255, 0, 0 }, { 10, 60, 0, 255, 0 }, { 60, 30, 100, 150, 200 },
    { 60, 60, 0, 0, 255 }, { 42, 60, 0, 0, 153 }, { 50, 1, 13, 13, 13 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (colours); i++)
    for (int dy = 0; dy < scale; dy++)
      for (int dx = 0; dx < scale; dx++)
        {
          const guint8 *p = rgb + (((gsize) colours[i].y * scale + dy) * S * scale
                                   + (gsize) colours[i].x * scale + dx) * 3;
          g_assert_cmpuint (p[0], ==, colours[i].r);
          g_assert_cmpuint (p[1], ==, colours[i].g);
          g_assert_cmpuint (p[2], ==, colours[i].b);
        }
}

/* The stub's noise picture (every RGB byte hashed from its position) against
 * OpenCV itself: cv2.resize (cv2.cvtColor (rgb, cv2.COLOR_RGB2GRAY), (84, 84),
 * interpolation=cv2.INTER_AREA) with Debian 12's python3-opencv 4.6.0 gives
 * these bytes (their md5, and four of them). */
static void
test_resize_matches_opencv (void)
{
  g_autoptr (BlipEnv) env = stub_env (ROM_NOISE, TRUE);
  blip_env_reset (env, 0);
  const float *obs = observe (env);
  guint8 grey[PLANE];
  for (int i = 0; i < PLANE; i++)
    grey[i] = (guint8) px (obs, 3, i / S, i % S);
  g_assert_cmpint (grey[0 * S + 0], ==, 119);
  g_assert_cmpint (grey[42 * S + 1], ==, 125);
  g_assert_cmpint (grey[83 * S + 83], ==, 135);
  g_assert_cmpint (grey[10 * S + 20], ==, 136);
  g_autofree char *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, grey, PLANE);
  g_assert_cmpstr (md5, ==, "db83101587881936bda3b2927234f93c");
}

/* ---- determinism -------------------------------------------------------- */

static void
test_determinism (void)
{
  g_autoptr (BlipEnv) a = stub_env (ROM_LIVES, TRUE);
  g_autoptr (BlipEnv) b = stub_env (ROM_LIVES, TRUE);
  gsize size = blip_env_obs_size (a);
  g_autofree float *obs_a = g_new (float, size);
  g_autofree float *obs_b = g_new (float, size);
  BlipRng policy;
  blip_rng_seed (&policy, 9);
  int episodes = 0;
  blip_env_reset (a, 5);
  blip_env_reset (b, 5);
  for (int t = 0; t < 400; t++)
    {
      int action = (int) blip_rng_below (&policy, (guint32) blip_env_n_actions (a));
      gboolean done_a, done_b;
      float ra = step (a, action, &done_a), rb = step (b, action, &done_b);
      g_assert_cmpfloat (ra, ==, rb);
      g_assert_cmpint (done_a, ==, done_b);
      blip_env_observation (a, obs_a);
      blip_env_observation (b, obs_b);
      g_assert_cmpmem (obs_a, size * sizeof (float), obs_b, size * sizeof (float));
      if (done_a)
        {
          episodes++;
          blip_env_reset (a, 5 + (guint64) t);
          blip_env_reset (b, 5 + (guint64) t);
        }
    }
  g_assert_cmpint (episodes, >, 10);
}

/* ---- the real ALE, when there is one ------------------------------------ */

/* $BLIP_ALE_LIBRARY and $BLIP_ROM_DIR as the test started (the tests above
 * change them). */
static char *real_library, *real_rom_dir;

/* With a real libale_c.so and ROMs: every paper game found in the ROM folder,
 * and tetris.bin (a free homebrew ROM that atari-py ships) when there: two
 * envs fed the same seed and random actions agree frame for frame, steps
 * take 4 emulator frames, observations lie in [0, 1] and are not blank,
 * training rewards are −1, 0 or 1, and games end. */
static void
test_real_ale (void)
{
  if (real_library == NULL || real_rom_dir == NULL)
    {
      g_test_skip ("set BLIP_ALE_LIBRARY and BLIP_ROM_DIR to run the real ALE");
      return;
    }
  const char *candidates[] = { "kung_fu_master", "boxing", "jamesbond", "krull", "riverraid",
                               "space_invaders", "tetris" };
  int played = 0;
  for (gsize g = 0; g < G_N_ELEMENTS (candidates); g++)
    {
      const char *game = candidates[g];
      g_autofree char *file = g_strconcat (game, ".bin", NULL);
      g_autofree char *path = g_build_filename (real_rom_dir, file, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      BlipAleOptions options = {
        .library = real_library,
        .rom_dir = real_rom_dir,
        .accept_any_md5 = blip_ale_rom_md5 (game) == NULL,
      };
      g_autoptr (GError) error = NULL;
      g_autoptr (BlipEnv) a = blip_ale_env_new (&options, game, TRUE, &error);
      g_assert_no_error (error);
      g_autoptr (BlipEnv) b = blip_ale_env_new (&options, game, TRUE, &error);
      g_assert_no_error (error);
      int h = 0, w = 0;
      blip_ale_env_screen_rgb (a, &h, &w);
      g_assert_cmpint (h, ==, 210);
      g_assert_cmpint (w, ==, 160);

      gsize size = blip_env_obs_size (a);
      g_autofree float *oa = g_new (float, size);
      g_autofree float *ob = g_new (float, size);
      BlipRng policy;
      blip_rng_seed (&policy, 1);
      blip_env_reset (a, 1);
      blip_env_reset (b, 1);
      int episodes = 0, nonblank = 0;
      float total = 0.0f;
      for (int t = 0; t < 3000; t++)
        {
          int action = (int) blip_rng_below (&policy, (guint32) blip_env_n_actions (a));
          gint64 before = blip_ale_env_frame_number (a);
          gboolean da, db;
          float ra = step (a, action, &da), rb = step (b, action, &db);
          g_assert_cmpfloat (ra, ==, rb);
          g_assert_cmpint (da, ==, db);
          g_assert_true (ra == -1.0f || ra == 0.0f || ra == 1.0f);
          total += ra;
          if (!da)
            g_assert_cmpint (blip_ale_env_frame_number (a), ==, before + 4);
          blip_env_observation (a, oa);
          blip_env_observation (b, ob);
          g_assert_cmpmem (oa, size * sizeof (float), ob, size * sizeof (float));
          float lo = 1.0f, hi = 0.0f;
          for (int i = 3 * PLANE; i < 4 * PLANE; i++)
            lo = MIN (lo, oa[i]), hi = MAX (hi, oa[i]);
          g_assert_cmpfloat (lo, >=, 0.0f);
          g_assert_cmpfloat (hi, <=, 1.0f);
          nonblank += hi > lo;
          if (da)
            {
              episodes++;
              blip_env_reset (a, 2 + (guint64) t);
              blip_env_reset (b, 2 + (guint64) t);
            }
        }
      g_assert_cmpint (nonblank, ==, 3000);
      g_test_message ("%s: %d actions, 3000 steps, %d episodes, clipped return %.0f, "
                      "%" G_GINT64_FORMAT " frames", game, blip_env_n_actions (a), episodes,
                      total, blip_ale_env_frame_number (a));
      played++;
    }
  if (played == 0)
    g_test_skip ("no paper game and no tetris.bin in BLIP_ROM_DIR");
}

/* The atari experiment's configuration on the stub: two of the paper's games
 * whose "ROMs" are stub scripts, so only --accept-any-rom lets them through. */
static void
atari_config (BlipConfig *c, const char *rom_dir, gboolean any_md5)
{
  blip_config_init_defaults (c);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_apply_preset (c, "atari", &error));
  g_free (c->games);
  c->games = g_strdup ("boxing,krull");
  c->ale_library = g_strdup (ALE_STUB_LIBRARY);
  c->rom_dir = g_strdup (rom_dir);
  c->rom_any_md5 = any_md5;
  /* Two small rollouts per game: the Atari network on 4×84×84 is the point. */
  c->num_envs = 2;
  c->num_steps = 8;
  c->num_mini_batch = 2;
  c->ppo_epochs = 1;
  c->frames = 32;
  c->eval_episodes = 1;
  c->log_interval = 1;
}

/* The experiment refuses before training when ROMs are missing or are not
 * ALE's dumps, naming each file; with --accept-any-rom it trains PPO with
 * BLIP through the dlopen'ed library and fills the reward matrix. */
static void
test_experiment_atari (void)
{
  Roms r;
  roms_init (&r, "boxing", ROM_LIVES);
  g_autoptr(GError) error = NULL;
  BlipConfig c;

  atari_config (&c, r.dir, TRUE);
  BlipExperiment *e = blip_experiment_open (&c, &error);
  g_assert_null (e);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "krull.bin"));
  g_clear_error (&error);
  blip_config_clear (&c);

  g_autofree char *krull = g_build_filename (r.dir, "krull.bin", NULL);
  blip_test_write_bytes (krull, (const guint8 *) ROM_LIVES, strlen (ROM_LIVES));
  atari_config (&c, r.dir, FALSE);
  e = blip_experiment_open (&c, &error);
  g_assert_null (e);
  g_assert_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM);
  g_assert_nonnull (strstr (error->message, "boxing.bin"));
  g_assert_nonnull (strstr (error->message, "krull.bin"));
  g_clear_error (&error);
  blip_config_clear (&c);

  atari_config (&c, r.dir, TRUE);
  e = blip_experiment_open (&c, &error);
  g_assert_no_error (error);
  g_assert_cmpint (e->n_tasks, ==, 2);
  g_assert_cmpint (e->channels, ==, 4);
  g_assert_cmpint (e->height, ==, 84);
  g_assert_cmpint (e->tasks[0].ncla, ==, 5);
  BlipStrategy *s = blip_strategy_new ("blip", &error);
  g_assert_no_error (error);
  BlipTrainer *tr = blip_trainer_new (&c, e, s, &error);
  g_assert_no_error (error);
  g_assert_cmpint (blip_trainer_step (tr, BLIP_STEP_RUN, &error), ==, BLIP_STATUS_FINISHED);
  g_assert_no_error (error);
  const double *R = blip_trainer_get_acc_matrix (tr);
  g_assert_true (isfinite (R[0]) && isfinite (R[2]) && isfinite (R[3]));
  g_assert_true (isnan (R[1]));
  /* BLIP froze bits of the conv layers. */
  g_assert_cmpfloat (blip_trainer_get_capacity (tr, 0, 0), >, 0.0);
  blip_trainer_free (tr);
  blip_config_clear (&c);
  roms_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  real_library = g_strdup (g_getenv ("BLIP_ALE_LIBRARY"));
  real_rom_dir = g_strdup (g_getenv ("BLIP_ROM_DIR"));
  g_test_add_func ("/ale/paper-games", test_paper_games);
  g_test_add_func ("/ale/library/good", test_library_good);
  g_test_add_func ("/ale/library/missing", test_library_missing);
  g_test_add_func ("/ale/library/missing-symbol", test_library_missing_symbol);
  g_test_add_func ("/ale/roms/paper-table", test_roms_paper_table);
  g_test_add_func ("/ale/roms/own-table", test_roms_own_table);
  g_test_add_func ("/ale/roms/folder-and-names", test_roms_folder_and_names);
  g_test_add_func ("/ale/shape-and-actions", test_shape_and_actions);
  g_test_add_func ("/ale/noop-reset", test_noop_reset);
  g_test_add_func ("/ale/frame-skip-and-stack", test_frame_skip_and_stack);
  g_test_add_func ("/ale/rewards", test_rewards);
  g_test_add_func ("/ale/fire-reset", test_fire_reset);
  g_test_add_func ("/ale/episodic-life/training", test_episodic_life_training);
  g_test_add_func ("/ale/episodic-life/evaluation", test_episodic_life_evaluation);
  g_test_add_func ("/ale/resize-values", test_resize_values);
  g_test_add_func ("/ale/resize-matches-opencv", test_resize_matches_opencv);
  g_test_add_func ("/ale/determinism", test_determinism);
  g_test_add_func ("/ale/real-ale", test_real_ale);
  g_test_add_func ("/ale/experiment/atari", test_experiment_atari);
  int status = g_test_run ();
  g_free (real_library);
  g_free (real_rom_dir);
  return status;
}
