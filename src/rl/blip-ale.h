/* blip-ale.h — Atari 2600 games as BlipEnvs, through the Arcade Learning
 * Environment (ALE 0.6.x) loaded at run time, with the standard DQN/OpenAI
 * baselines preprocessing that the BLIP paper's PPO experiment uses
 * (make_atari + wrap_deepmind + a 4-frame stack).
 *
 *   BlipAleOptions opts = { 0 };               // library, ROMs from the environment
 *   BlipEnv *env = blip_ale_env_new (&opts, "boxing", TRUE, &error);
 *   blip_env_reset (env, seed);
 *   blip_env_observation (env, obs);           // obs[4×84×84] in [0, 1]
 *   blip_env_step (env, action, &reward, &done);
 *
 * Library: ALE's C library, libale_c.so, from ALE 0.6.0 or 0.6.1 built with
 * cmake -DBUILD_C_LIB=ON (see README). Its path is options->library, else
 * $BLIP_ALE_LIBRARY, else "libale_c.so" on the loader's search path. Every
 * function we call is resolved when the environment is made; a library that
 * cannot be opened, or lacks one of them, is a BLIP_ALE_ERROR naming the path
 * (and the symbol).
 *
 * ROMs: options->rom_dir, else $BLIP_ROM_DIR, holding the files under ALE's
 * names (boxing.bin, …). The six games of the paper are checked against the
 * md5 sums ALE 0.6.1 and atari-py list (blip_ale_rom_md5()); one error names
 * every missing or mismatching file.
 *
 * What a step is (each one a baselines wrapper, in the same order):
 *  - ALE with repeat_action_probability 0, and no sticky actions on our
 *    side either (blip_env_get_sticky_prob() is 0).
 *  - A real reset (ALE reset_game) is followed by 1..30 no-op frames, the
 *    count drawn from the env's rng, so it follows blip_env_reset()'s seed.
 *  - Frame skip 4: an action is repeated for 4 frames and the rewards
 *    summed; the frame seen is the pixel-wise maximum (on RGB) of the last
 *    two frames (Atari sprites flicker).
 *  - Fire reset: in games whose minimal action set holds FIRE (not
 *    KungFuMaster), each episode starts with a step of FIRE, then a step of
 *    the set's third action, as baselines' FireResetEnv does.
 *  - Episodic life (training): losing a life ends the learner's episode
 *    (done) but not the game; the blip_env_reset() that follows plays one
 *    no-op step (and the fire reset) and goes on with the same game. Only
 *    after game over (or a reset while not done) is the game really reset.
 *    Evaluation keeps the whole game as one episode; at a lost life it does
 *    internally what the training reset does (the paper's code evaluates
 *    through the same wrappers), and adds those steps' rewards to the step.
 *  - Episodes end at game over or after 400 000 frames (300 000 for
 *    space_invaders), gym's limits for the NoFrameskip-v4 games.
 *  - Observation: the frame to grey with OpenCV's RGB→grey weights
 *    (0.299, 0.587, 0.114 in 14-bit fixed point, rounded), then shrunk to
 *    84×84 by area averaging with the weights of cv2.resize INTER_AREA,
 *    rounded to bytes (byte for byte what OpenCV 4.6 gives; test-ale checks
 *    a noise picture against its output), /255. The last four such frames are stacked, oldest
 *    first (4×84×84); a new episode's stack is zeros but for its newest frame,
 *    as the paper's VecPyTorchFrameStack does.
 *  - Reward: training returns the sign of the step's reward (−1, 0, 1),
 *    evaluation the game's own score.
 */
#pragma once

#include "blip-env.h"

G_BEGIN_DECLS

#define BLIP_ALE_ERROR (blip_ale_error_quark ())
GQuark blip_ale_error_quark (void);

typedef enum {
  BLIP_ALE_ERROR_LIBRARY,   /* the library could not be opened */
  BLIP_ALE_ERROR_SYMBOL,    /* the library lacks a function of ALE's C API */
  BLIP_ALE_ERROR_ROM,       /* ROM folder not given, ROM missing or wrong md5 */
  BLIP_ALE_ERROR_GAME,      /* unknown game name, or the ROM gives no actions */
} BlipAleError;

typedef struct {
  const char *library;      /* libale_c.so to load; NULL: $BLIP_ALE_LIBRARY, else "libale_c.so" */
  const char *rom_dir;      /* folder of the .bin ROMs; NULL: $BLIP_ROM_DIR */
  /* Accept ROM files whatever their md5 (another dump of a game; ALE games
   * other than the paper's six, which have no md5 here: their name must be
   * one ALE supports, as ALE 0.6 exits on a ROM it does not know). Missing
   * files are still an error. */
  gboolean    accept_any_md5;
} BlipAleOptions;

/* The paper's six games in its order, NULL-terminated: kung_fu_master,
 * boxing, jamesbond, krull, riverraid, space_invaders (ALE's ROM names). */
const char * const *blip_ale_paper_games (void);

/* The md5 (32 lower-case hex digits) ALE 0.6.1 expects of <game>.bin, or
 * NULL for a game outside the paper's six. */
const char *blip_ale_rom_md5 (const char *game);

/* Checks that the ROM folder holds <game>.bin with the expected md5 for each
 * of `games` (NULL-terminated; NULL means the paper's six). FALSE with one
 * BLIP_ALE_ERROR_ROM naming every missing and every mismatching file. */
gboolean blip_ale_check_roms (const BlipAleOptions *options, const char * const *games,
                              GError **error);

/* A new Atari environment for `game` (a ROM name as above), reset with seed
 * 0. `training` selects episodic life and sign-clipped rewards; otherwise an
 * episode is a whole game scored in raw points. blip_env_name() is
 * "atari_<game>". NULL with BLIP_ALE_ERROR on a missing library or symbol,
 * missing or wrong ROM, or unknown game. options may be NULL (all defaults). */
BlipEnv *blip_ale_env_new (const BlipAleOptions *options, const char *game,
                           gboolean training, GError **error);

/* TRUE for environments made by blip_ale_env_new(). */
gboolean blip_env_is_ale (const BlipEnv *env);

/* Emulator frames since the ROM was loaded (4 per step, plus the no-op and
 * fire-reset frames): the "frames" of Atari benchmarks' budgets. */
gint64 blip_ale_env_frame_number (const BlipEnv *env);

/* The last frame as ALE drew it: rgb[height, width, 3] (210×160 on the real
 * ALE), owned by the env and valid until the next step or reset. */
const guint8 *blip_ale_env_screen_rgb (const BlipEnv *env, int *height, int *width);

G_END_DECLS
