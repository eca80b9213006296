/* blip-ale.c — Atari games through ALE's C library, loaded with dlopen, and
 * the baselines preprocessing wrappers (no-op reset, frame skip with max,
 * episodic life, fire reset, 84×84 grey, 4-frame stack, reward clipping) as
 * one BlipEnv class; see blip-ale.h for what each step does and why. */
#include "blip-ale-private.h"
#include "blip-env-private.h"

#include <dlfcn.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

G_DEFINE_QUARK (blip-ale-error-quark, blip_ale_error)

#define OBS_SIZE     84
#define OBS_PIXELS   (OBS_SIZE * OBS_SIZE)
#define STACK        4
#define FRAME_SKIP   4
#define NOOP_MAX     30
#define ALE_NOOP     0
#define ALE_FIRE     1
#define ALE_N_ACTIONS 18           /* player A's actions; ALE numbers B's from 18 */
#define FIRE_DEPTH   8             /* bound on resets caused by fire-reset steps */

/* ---- the games ---------------------------------------------------------- */

typedef struct {
  BlipAleRom rom;
  gint64     max_frames;           /* gym's TimeLimit for <Game>NoFrameskip-v4 */
} AleGame;

/* md5 sums from ALE 0.6.1's md5.txt (the same in atari-py's ROM list). */
static const AleGame paper_games[] = {
  { { "kung_fu_master", "5b92a93b23523ff16e2789b820e2a4c5" }, 400000 },
  { { "boxing",         "c3ef5c4653212088eda54dc91d787870" }, 400000 },
  { { "jamesbond",      "e51030251e440cffaab1ac63438b44ae" }, 400000 },
  { { "krull",          "4baada22435320d185c95b7dd2bcdb24" }, 400000 },
  { { "riverraid",      "393948436d1f4cc3192410bb918f9724" }, 400000 },
  { { "space_invaders", "72ffbef6504b75e69ee1045af9075f66" }, 300000 },
};

static const char *const paper_game_names[] = {
  "kung_fu_master", "boxing", "jamesbond", "krull", "riverraid", "space_invaders", NULL,
};

G_STATIC_ASSERT (G_N_ELEMENTS (paper_game_names) == G_N_ELEMENTS (paper_games) + 1);

const char * const *
blip_ale_paper_games (void)
{
  return paper_game_names;
}

static const AleGame *
find_game (const char *game)
{
  for (gsize i = 0; i < G_N_ELEMENTS (paper_games); i++)
    if (strcmp (paper_games[i].rom.game, game) == 0)
      return &paper_games[i];
  return NULL;
}

const char *
blip_ale_rom_md5 (const char *game)
{
  g_return_val_if_fail (game != NULL, NULL);
  const AleGame *g = find_game (game);
  return g ? g->rom.md5 : NULL;
}

/* ALE's action numbers (PLAYER_A_*) → BlipAction. */
static const guint8 ale_to_blip[ALE_N_ACTIONS] = {
  BLIP_ACTION_NOOP, BLIP_ACTION_FIRE, BLIP_ACTION_UP, BLIP_ACTION_RIGHT,
  BLIP_ACTION_LEFT, BLIP_ACTION_DOWN, BLIP_ACTION_UPRIGHT, BLIP_ACTION_UPLEFT,
  BLIP_ACTION_DOWNRIGHT, BLIP_ACTION_DOWNLEFT, BLIP_ACTION_UPFIRE, BLIP_ACTION_RIGHTFIRE,
  BLIP_ACTION_LEFTFIRE, BLIP_ACTION_DOWNFIRE, BLIP_ACTION_UPRIGHTFIRE, BLIP_ACTION_UPLEFTFIRE,
  BLIP_ACTION_DOWNRIGHTFIRE, BLIP_ACTION_DOWNLEFTFIRE,
};

/* ---- options ------------------------------------------------------------ */

static const char *
library_path (const BlipAleOptions *options)
{
  if (options && options->library && *options->library)
    return options->library;
  const char *env = g_getenv ("BLIP_ALE_LIBRARY");
  return env && *env ? env : "libale_c.so";
}

static const char *
rom_dir (const BlipAleOptions *options, GError **error)
{
  if (options && options->rom_dir && *options->rom_dir)
    return options->rom_dir;
  const char *env = g_getenv ("BLIP_ROM_DIR");
  if (env && *env)
    return env;
  g_set_error_literal (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM,
                       "no folder of Atari ROMs given: set BLIP_ROM_DIR (or the ROM folder "
                       "option) to a folder holding ALE's .bin files, e.g. boxing.bin");
  return NULL;
}

/* ---- the ROM check ------------------------------------------------------ */

gboolean
blip_ale_check_rom_table (const char *dir, const BlipAleRom *roms, gsize n_roms, GError **error)
{
  g_return_val_if_fail (dir != NULL && (roms != NULL || n_roms == 0), FALSE);

  g_autoptr (GString) missing = g_string_new (NULL);
  g_autoptr (GString) wrong = g_string_new (NULL);
  int n_missing = 0, n_wrong = 0;
  for (gsize i = 0; i < n_roms; i++)
    {
      g_autofree char *file = g_strconcat (roms[i].game, ".bin", NULL);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autofree char *contents = NULL;
      gsize length = 0;
      if (!g_file_get_contents (path, &contents, &length, NULL))
        {
          g_string_append_printf (missing, "%s%s", n_missing++ ? ", " : "", file);
          continue;
        }
      if (roms[i].md5 == NULL)
        continue;
      g_autofree char *md5 = g_compute_checksum_for_data (G_CHECKSUM_MD5, (const guchar *) contents,
                                                           length);
      if (g_ascii_strcasecmp (md5, roms[i].md5) != 0)
        g_string_append_printf (wrong, "%s%s (md5 %s, expected %s)", n_wrong++ ? ", " : "", file,
                                md5, roms[i].md5);
    }
  if (n_missing == 0 && n_wrong == 0)
    return TRUE;

  g_autoptr (GString) msg = g_string_new (NULL);
  g_string_append_printf (msg, "Atari ROMs in %s: ", dir);
  if (n_missing)
    g_string_append_printf (msg, "missing %s", missing->str);
  if (n_wrong)
    g_string_append_printf (msg, "%swrong md5 for %s", n_missing ? "; " : "", wrong->str);
  g_string_append (msg, ". Expected ALE 0.6.1's ROM files (its md5.txt lists them), "
                   "named as ALE names them, e.g. boxing.bin");
  g_set_error_literal (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_ROM, msg->str);
  return FALSE;
}

gboolean
blip_ale_check_roms (const BlipAleOptions *options, const char * const *games, GError **error)
{
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  const char *dir = rom_dir (options, error);
  if (dir == NULL)
    return FALSE;
  if (games == NULL)
    games = paper_game_names;

  gsize n = g_strv_length ((char **) games);
  g_autofree BlipAleRom *roms = g_new0 (BlipAleRom, n);
  for (gsize i = 0; i < n; i++)
    {
      const AleGame *g = find_game (games[i]);
      if (g == NULL && !(options && options->accept_any_md5))
        {
          g_set_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_GAME,
                       "no md5 known for the Atari game “%s” (known: kung_fu_master, boxing, "
                       "jamesbond, krull, riverraid, space_invaders); accept any md5 to use "
                       "another ALE ROM", games[i]);
          return FALSE;
        }
      roms[i].game = games[i];
      roms[i].md5 = g && !(options && options->accept_any_md5) ? g->rom.md5 : NULL;
    }
  return blip_ale_check_rom_table (dir, roms, n, error);
}

/* ---- the library -------------------------------------------------------- */

/* The functions of ALE 0.6.x's C API (ale_python_interface/ale_c_wrapper.h)
 * that we call; ALEInterface * is opaque here. */
typedef struct {
  void *handle;
  void *(*ALE_new) (void);
  void  (*ALE_del) (void *ale);
  void  (*setInt) (void *ale, const char *key, int value);
  void  (*setFloat) (void *ale, const char *key, float value);
  void  (*setBool) (void *ale, const char *key, bool value);
  void  (*setString) (void *ale, const char *key, const char *value);
  void  (*loadROM) (void *ale, const char *rom_file);
  int   (*act) (void *ale, int action);
  bool  (*game_over) (void *ale);
  void  (*reset_game) (void *ale);
  void  (*getScreenRGB) (void *ale, unsigned char *rgb);
  void  (*getScreenGrayscale) (void *ale, unsigned char *grey);
  int   (*getScreenWidth) (void *ale);
  int   (*getScreenHeight) (void *ale);
  void  (*getRAM) (void *ale, unsigned char *ram);
  int   (*getRAMSize) (void *ale);
  int   (*lives) (void *ale);
  void  (*getMinimalActionSet) (void *ale, int *actions);
  int   (*getMinimalActionSize) (void *ale);
  int   (*getFrameNumber) (void *ale);
  void  (*setLoggerMode) (int mode);
} AleLib;

static const struct {
  const char *name;
  gsize       offset;
} ale_symbols[] = {
#define SYM(f) { #f, offsetof (AleLib, f) }
  SYM (ALE_new), SYM (ALE_del), SYM (setInt), SYM (setFloat), SYM (setBool), SYM (setString),
  SYM (loadROM), SYM (act), SYM (game_over), SYM (reset_game), SYM (getScreenRGB),
  SYM (getScreenGrayscale), SYM (getScreenWidth), SYM (getScreenHeight), SYM (getRAM),
  SYM (getRAMSize), SYM (lives), SYM (getMinimalActionSet), SYM (getMinimalActionSize),
  SYM (getFrameNumber), SYM (setLoggerMode),
#undef SYM
};

static gboolean
ale_lib_open (AleLib *lib, const char *path, GError **error)
{
  memset (lib, 0, sizeof *lib);
  /* RTLD_LOCAL: ALE's C++ symbols stay out of the global namespace. */
  lib->handle = dlopen (path, RTLD_NOW | RTLD_LOCAL);
  if (lib->handle == NULL)
    {
      const char *why = dlerror ();
      g_set_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_LIBRARY,
                   "cannot load the ALE C library “%s”: %s (expected libale_c.so from ALE 0.6.x "
                   "built with -DBUILD_C_LIB=ON; give its path with --ale-library or BLIP_ALE_LIBRARY)",
                   path, why ? why : "unknown error");
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (ale_symbols); i++)
    {
      dlerror ();
      void *sym = dlsym (lib->handle, ale_symbols[i].name);
      if (sym == NULL)
        {
          g_set_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_SYMBOL,
                       "the ALE C library “%s” has no function %s (expected ALE 0.6.x's C API, "
                       "libale_c.so built with -DBUILD_C_LIB=ON)", path, ale_symbols[i].name);
          dlclose (lib->handle);
          lib->handle = NULL;
          return FALSE;
        }
      /* A data pointer into a function-pointer slot: POSIX guarantees it. */
      memcpy ((char *) lib + ale_symbols[i].offset, &sym, sizeof sym);
    }
  return TRUE;
}

/* ---- cv2.resize INTER_AREA ---------------------------------------------- */

/* One axis of an area resize: dst index d takes Σ weight·src[index] over its
 * taps, the source pixels its cell [d·scale, (d+1)·scale) overlaps, each
 * weighted by overlap / cell width. Built as OpenCV's computeResizeAreaTab
 * builds it (float weights, overlaps under 1e-3 dropped). */
typedef struct {
  int    max_taps;
  int   *n;          /* [dst] */
  int   *index;      /* [dst, max_taps] */
  float *weight;     /* [dst, max_taps] */
} AreaAxis;

static void
area_axis_init (AreaAxis *axis, int src, int dst)
{
  /* As cv::resize derives it, from the inverse ratio (the last bits matter). */
  double scale = 1.0 / ((double) dst / src);
  axis->max_taps = (int) ceil (scale) + 2;
  axis->n = g_new0 (int, dst);
  axis->index = g_new0 (int, (gsize) dst * axis->max_taps);
  axis->weight = g_new0 (float, (gsize) dst * axis->max_taps);
  for (int d = 0; d < dst; d++)
    {
      double f1 = d * scale, f2 = f1 + scale;
      double cell = MIN (scale, src - f1);
      int s1 = (int) ceil (f1), s2 = (int) floor (f2);
      s2 = MIN (s2, src - 1);
      s1 = MIN (s1, s2);
      int k = 0, *idx = axis->index + (gsize) d * axis->max_taps;
      float *w = axis->weight + (gsize) d * axis->max_taps;
      if (s1 - f1 > 1e-3)
        idx[k] = s1 - 1, w[k++] = (float) ((s1 - f1) / cell);
      for (int s = s1; s < s2; s++)
        idx[k] = s, w[k++] = (float) (1.0 / cell);
      if (f2 - s2 > 1e-3)
        idx[k] = s2, w[k++] = (float) (MIN (MIN (f2 - s2, 1.0), cell) / cell);
      g_assert (k <= axis->max_taps);
      axis->n[d] = k;
    }
}

static void
area_axis_clear (AreaAxis *axis)
{
  g_free (axis->n);
  g_free (axis->index);
  g_free (axis->weight);
}

/* OpenCV rounds each product before adding it; a fused multiply-add (which
 * -march=native lets the compiler use) rounds once and moves some pixels by
 * one grey level, so contraction is off from here on. */
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize ("fp-contract=off")
#endif

/* src[sh, sw, cn] bytes → dst[84, 84, cn] bytes: each row's horizontal sums,
 * weighted into the output row, rounded half to even like cv::saturate_cast. */
static void
area_resize (const AreaAxis *ya, const AreaAxis *xa, const guint8 *src, int sw, int cn,
             guint8 *dst)
{
  float acc[OBS_SIZE * 3], row[OBS_SIZE * 3];
  g_assert (cn <= 3);
  for (int dy = 0; dy < OBS_SIZE; dy++)
    {
      memset (acc, 0, sizeof acc);
      for (int ty = 0; ty < ya->n[dy]; ty++)
        {
          const guint8 *s = src + (gsize) ya->index[dy * ya->max_taps + ty] * sw * cn;
          float beta = ya->weight[dy * ya->max_taps + ty];
          for (int dx = 0; dx < OBS_SIZE; dx++)
            for (int c = 0; c < cn; c++)
              {
                float sum = 0.0f;
                for (int tx = 0; tx < xa->n[dx]; tx++)
                  sum += xa->weight[dx * xa->max_taps + tx]
                         * s[xa->index[dx * xa->max_taps + tx] * cn + c];
                row[dx * cn + c] = sum;
              }
          for (int i = 0; i < OBS_SIZE * cn; i++)
            acc[i] += beta * row[i];
        }
      for (int i = 0; i < OBS_SIZE * cn; i++)
        dst[(gsize) dy * OBS_SIZE * cn + i] = (guint8) CLAMP (lrintf (acc[i]), 0, 255);
    }
}

/* ---- the environment ---------------------------------------------------- */

typedef struct {
  const char *game;
  gint64      max_frames;
  const char *rom_path;
  const char *library;
  gboolean    training;
} AleInit;

typedef struct {
  BlipEnv  parent;
  AleLib   lib;
  void    *ale;
  char    *name;
  gboolean training, fire_reset;
  gint64   max_frames;
  int      ale_actions[ALE_N_ACTIONS];     /* minimal index → ALE action */
  guint8   blip_actions[ALE_N_ACTIONS];    /* minimal index → BlipAction */
  guint8   blip_to_ale[BLIP_N_FULL_ACTIONS];
  int      screen_h, screen_w;
  guint8  *screen[2];        /* [h, w, 3]: the last two frames kept, screen[newest] newest */
  int      newest;
  guint8  *maxed;            /* [h, w, 3]: their pixel-wise maximum */
  guint8  *grey;             /* [h, w] */
  AreaAxis ya, xa;
  guint8   stack[STACK][OBS_PIXELS];        /* ring: stack[head] is the newest */
  int      head;
  int      lives;            /* lives after the last step (EpisodicLifeEnv.lives) */
  gboolean real_done;        /* the game itself ended: the next reset is real */
  gboolean life_lost;        /* the last step ended a training episode by a lost life */
  gboolean started;
  gint64   episode_frames;   /* emulator frames since the last real reset */
} BlipAle;

static const char *const ale_channel_names[STACK] = { "frame t-3", "frame t-2", "frame t-1", "frame t" };

/* Copies ALE's screen into the older buffer, which becomes the newest. */
static void
grab (BlipAle *self)
{
  self->newest ^= 1;
  self->lib.getScreenRGB (self->ale, self->screen[self->newest]);
}

/* One emulator frame; TRUE in *over when the game ended (or ran out of time). */
static int
emulate (BlipAle *self, int ale_action, gboolean *over)
{
  int reward = self->lib.act (self->ale, ale_action);
  self->episode_frames++;
  *over = self->lib.game_over (self->ale) || self->episode_frames >= self->max_frames;
  return reward;
}

/* NoopResetEnv.reset: ALE's reset, then 1..30 no-op frames. The frame seen
 * is the last one alone (no maximum), as baselines returns it. */
static void
noop_reset (BlipAle *self)
{
  BlipEnv *env = &self->parent;
  self->lib.reset_game (self->ale);
  self->episode_frames = 0;
  int noops = 1 + (int) blip_rng_below (&env->rng, NOOP_MAX);
  for (int i = 0; i < noops; i++)
    {
      gboolean over = FALSE;
      emulate (self, ALE_NOOP, &over);
      if (over)
        {
          self->lib.reset_game (self->ale);
          self->episode_frames = 0;
        }
    }
  grab (self);
  memcpy (self->screen[self->newest ^ 1], self->screen[self->newest],
          (gsize) self->screen_h * self->screen_w * 3);
  self->real_done = FALSE;
}

/* MaxAndSkipEnv.step: the action for 4 frames, rewards summed. The last two
 * frames are kept for the maximum; a game that ends earlier keeps its last
 * frame and the one kept before it. */
static int
skip_step (BlipAle *self, int ale_action, gboolean *over)
{
  int reward = 0;
  *over = FALSE;
  for (int i = 0; i < FRAME_SKIP && !*over; i++)
    {
      reward += emulate (self, ale_action, over);
      if (i >= FRAME_SKIP - 2 || *over)
        grab (self);
    }
  if (*over)
    self->real_done = TRUE;
  return reward;
}

/* EpisodicLifeEnv.step over skip_step: *done also when a life was lost (and
 * lives remain). */
static int
life_step (BlipAle *self, int ale_action, gboolean *done)
{
  gboolean over = FALSE;
  int reward = skip_step (self, ale_action, &over);
  int lives = self->lib.lives (self->ale);
  *done = over || (lives < self->lives && lives > 0);
  self->lives = lives;
  return reward;
}

/* EpisodicLifeEnv.reset then FireResetEnv.reset: a real reset after game
 * over, else one no-op step; then FIRE and the third action, each followed by
 * the same reset should it end the episode. Returns the rewards of the
 * steps played (evaluation counts them; training drops them, as the
 * wrappers do). In evaluation a game that ends here ends the episode
 * (`keep_over`): real_done stays set for the step to report. */
static int
start_episode (BlipAle *self, int depth, gboolean keep_over)
{
  int reward = 0;
  if (self->real_done || !self->started)
    {
      noop_reset (self);
      self->started = TRUE;
    }
  else
    {
      gboolean over = FALSE;
      reward += skip_step (self, ALE_NOOP, &over);
      if (over && keep_over)
        return reward;
    }
  self->lives = self->lib.lives (self->ale);
  if (self->fire_reset && depth < FIRE_DEPTH)
    {
      const int presses[2] = { ALE_FIRE, self->ale_actions[2] };
      for (int i = 0; i < 2; i++)
        {
          gboolean done = FALSE;
          reward += life_step (self, presses[i], &done);
          if (done && keep_over && self->real_done)
            return reward;
          if (done)
            reward += start_episode (self, depth + 1, keep_over);
        }
    }
  return reward;
}

/* The maximum of the two kept frames, to grey (cv2 COLOR_RGB2GRAY), to 84×84,
 * onto the stack. */
static void
push_frame (BlipAle *self)
{
  gsize n = (gsize) self->screen_h * self->screen_w;
  const guint8 *a = self->screen[0], *b = self->screen[1];
  for (gsize i = 0; i < n * 3; i++)
    self->maxed[i] = MAX (a[i], b[i]);
  for (gsize i = 0; i < n; i++)
    {
      const guint8 *p = self->maxed + 3 * i;
      self->grey[i] = (guint8) ((p[0] * 4899u + p[1] * 9617u + p[2] * 1868u + (1u << 13)) >> 14);
    }
  self->head = (self->head + 1) % STACK;
  area_resize (&self->ya, &self->xa, self->grey, self->screen_w, 1, self->stack[self->head]);
}

/* A new learner episode's stack: zeros, then its first frame. */
static void
restart_stack (BlipAle *self)
{
  memset (self->stack, 0, sizeof self->stack);
  push_frame (self);
}

static void
ale_reset (BlipEnv *env)
{
  BlipAle *self = (BlipAle *) env;
  /* Only a reset right after a lost life (training) goes on with the game. */
  if (!self->life_lost)
    self->real_done = TRUE;
  self->life_lost = FALSE;
  start_episode (self, 0, FALSE);
  restart_stack (self);
}

static float
ale_step (BlipEnv *env, int action, gboolean *done)
{
  BlipAle *self = (BlipAle *) env;
  int ale_action = self->blip_to_ale[action];
  gboolean ended = FALSE;
  float reward = (float) life_step (self, ale_action, &ended);
  if (!ended)
    push_frame (self);
  else if (self->real_done)
    {
      push_frame (self);
      *done = TRUE;
    }
  else if (self->training)
    {
      push_frame (self);
      self->life_lost = TRUE;
      *done = TRUE;
    }
  else
    {
      /* Evaluation: the lost life is an episode boundary for the wrappers
       * (and the stack) but the game goes on. */
      reward += (float) start_episode (self, 0, TRUE);
      restart_stack (self);
      *done = self->real_done;
    }
  if (self->training)
    reward = (float) ((reward > 0.0f) - (reward < 0.0f));
  return reward;
}

/* out[4, 84, 84]: the stack oldest first, bytes / 255. */
static void
ale_observe (const BlipEnv *env, float *out)
{
  const BlipAle *self = (const BlipAle *) env;
  for (int k = 0; k < STACK; k++)
    {
      const guint8 *frame = self->stack[(self->head + 1 + k) % STACK];
      float *o = out + (gsize) k * OBS_PIXELS;
      for (int i = 0; i < OBS_PIXELS; i++)
        o[i] = frame[i] * (1.0f / 255.0f);
    }
}

static int
ale_lives (const BlipEnv *env)
{
  const BlipAle *self = (const BlipAle *) env;
  return self->lib.lives (self->ale);
}

/* rgb[84·scale, 84·scale, 3]: the frame the newest observation was made
 * from, in colour, shrunk like the observation. */
static void
ale_render (const BlipEnv *env, guint8 *rgb, int scale)
{
  const BlipAle *self = (const BlipAle *) env;
  guint8 small[OBS_PIXELS * 3];
  area_resize (&self->ya, &self->xa, self->maxed, self->screen_w, 3, small);
  gsize stride = (gsize) OBS_SIZE * scale * 3;
  for (int y = 0; y < OBS_SIZE * scale; y++)
    for (int x = 0; x < OBS_SIZE * scale; x++)
      memcpy (rgb + (gsize) y * stride + (gsize) x * 3, small + ((y / scale) * OBS_SIZE + x / scale) * 3, 3);
}

static void
ale_finalize (BlipEnv *env)
{
  BlipAle *self = (BlipAle *) env;
  if (self->ale)
    self->lib.ALE_del (self->ale);
  if (self->lib.handle)
    dlclose (self->lib.handle);
  for (int i = 0; i < 2; i++)
    g_free (self->screen[i]);
  g_free (self->maxed);
  g_free (self->grey);
  area_axis_clear (&self->ya);
  area_axis_clear (&self->xa);
  g_free (self->name);
}

static gboolean
ale_init (BlipEnv *env, gconstpointer data, GError **error)
{
  BlipAle *self = (BlipAle *) env;
  const AleInit *init = data;

  if (!ale_lib_open (&self->lib, init->library, error))
    return FALSE;
  /* Errors only: no banner, no "Game console created" on stdout. */
  self->lib.setLoggerMode (2);
  self->ale = self->lib.ALE_new ();
  /* With no sticky actions ALE draws nothing that changes play, but its seed
   * defaults to the clock: fix it so nothing can depend on the time. */
  self->lib.setInt (self->ale, "random_seed", 0);
  self->lib.setFloat (self->ale, "repeat_action_probability", 0.0f);
  self->lib.loadROM (self->ale, init->rom_path);

  self->training = init->training;
  self->max_frames = init->max_frames;
  self->name = g_strconcat ("atari_", init->game, NULL);
  env->name = self->name;

  int n = self->lib.getMinimalActionSize (self->ale);
  int h = self->lib.getScreenHeight (self->ale), w = self->lib.getScreenWidth (self->ale);
  gboolean ok = n >= 1 && n <= ALE_N_ACTIONS && h >= OBS_SIZE / 4 && w >= OBS_SIZE / 4
                && h <= 1024 && w <= 1024;
  if (ok)
    {
      self->lib.getMinimalActionSet (self->ale, self->ale_actions);
      for (int i = 0; i < n; i++)
        ok = ok && self->ale_actions[i] >= 0 && self->ale_actions[i] < ALE_N_ACTIONS;
    }
  if (!ok)
    {
      g_set_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_GAME,
                   "%s: ALE (“%s”) reports %d minimal actions and a %d×%d screen (expected 1 to 18 "
                   "of player A's actions and an Atari screen)", init->rom_path, init->library, n,
                   h, w);
      ale_finalize (env);
      return FALSE;
    }
  memset (self->blip_to_ale, 0, sizeof self->blip_to_ale);
  for (int i = 0; i < n; i++)
    {
      self->blip_actions[i] = ale_to_blip[self->ale_actions[i]];
      self->blip_to_ale[self->blip_actions[i]] = self->ale_actions[i];
    }
  /* wrap_deepmind adds FireResetEnv when FIRE is an action; it is then the
   * second (ALE lists actions in its own order) and a third one exists. */
  self->fire_reset = n >= 3 && self->ale_actions[1] == ALE_FIRE;

  self->screen_h = h;
  self->screen_w = w;
  for (int i = 0; i < 2; i++)
    self->screen[i] = g_malloc0 ((gsize) h * w * 3);
  self->maxed = g_malloc0 ((gsize) h * w * 3);
  self->grey = g_malloc0 ((gsize) h * w);
  area_axis_init (&self->ya, h, OBS_SIZE);
  area_axis_init (&self->xa, w, OBS_SIZE);

  env->n_actions = n;
  env->actions = self->blip_actions;
  env->n_channels = STACK;
  env->height = OBS_SIZE;
  env->width = OBS_SIZE;
  blip_env_set_sticky_prob (env, 0.0f);
  return TRUE;
}

static const BlipEnvClass ale_class = {
  .name = "atari",
  .instance_size = sizeof (BlipAle),
  .n_channels = STACK,
  .height = OBS_SIZE,
  .width = OBS_SIZE,
  .n_actions = 0,
  .actions = NULL,
  .channel_names = ale_channel_names,
  .colours = NULL,
  .init = ale_init,
  .reset = ale_reset,
  .step = ale_step,
  .observe = ale_observe,
  .lives = ale_lives,
  .finalize = ale_finalize,
  .render = ale_render,
};

gboolean
blip_env_is_ale (const BlipEnv *env)
{
  return env != NULL && env->klass == &ale_class;
}

BlipEnv *
blip_ale_env_new (const BlipAleOptions *options, const char *game, gboolean training,
                  GError **error)
{
  g_return_val_if_fail (game != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A ROM name, not a path: ALE picks the game's rules by the file name. */
  gboolean plain = *game != '\0';
  for (const char *p = game; *p; p++)
    plain = plain && (g_ascii_islower (*p) || g_ascii_isdigit (*p) || *p == '_');
  if (!plain)
    {
      g_set_error (error, BLIP_ALE_ERROR, BLIP_ALE_ERROR_GAME,
                   "“%s” is not an ALE ROM name (expected lower-case letters, digits and _, "
                   "e.g. boxing)", game);
      return NULL;
    }
  const char *games[] = { game, NULL };
  if (!blip_ale_check_roms (options, games, error))
    return NULL;

  const AleGame *g = find_game (game);
  g_autofree char *file = g_strconcat (game, ".bin", NULL);
  g_autofree char *path = g_build_filename (rom_dir (options, NULL), file, NULL);
  AleInit init = {
    .game = game,
    .max_frames = g ? g->max_frames : 400000,
    .rom_path = path,
    .library = library_path (options),
    .training = training,
  };
  return blip_env_new_for_class (&ale_class, &init, error);
}

gint64
blip_ale_env_frame_number (const BlipEnv *env)
{
  g_return_val_if_fail (blip_env_is_ale (env), 0);
  const BlipAle *self = (const BlipAle *) env;
  return self->lib.getFrameNumber (self->ale);
}

const guint8 *
blip_ale_env_screen_rgb (const BlipEnv *env, int *height, int *width)
{
  g_return_val_if_fail (blip_env_is_ale (env), NULL);
  const BlipAle *self = (const BlipAle *) env;
  if (height)
    *height = self->screen_h;
  if (width)
    *width = self->screen_w;
  return self->screen[self->newest];
}
