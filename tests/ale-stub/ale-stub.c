/* ale-stub.c — a stand-in for ALE 0.6.x's libale_c.so with the same C API
 * and a trivial deterministic "game", so tests/test-ale.c can check every
 * wrapper of src/rl/blip-ale.c to the frame. Built by tests/meson.build into
 * the build folder only (never installed); built a second time with
 * -DALE_STUB_WITHOUT_LIVES to be a library that lacks one symbol.
 *
 * The ROM file configures the game: a file that starts with "ALE-STUB"
 * holds key=value words (others use the defaults):
 *   lives=3         lives at the start; the game is over when none are left
 *   life_frames=40  a life is lost every life_frames frames
 *   actions=0,1,2,3,4,5,11,12,17   the minimal action set (ALE's numbers)
 *   pattern=0       1: draw the fixed test picture instead of the game,
 *                   2: fixed noise (every byte of the RGB screen hashed from
 *                   its position), to compare the resize with OpenCV's
 *
 * The screen is 210×160 like the Atari's, every pixel grey (v, v, v) unless
 * the test picture is asked for; n counts frames since reset_game, a is the
 * action of the last frame:
 *   rows   0–9    10·a + 5            (which action was played)
 *   rows  10–104  n mod 256           (the clock)
 *   rows 105–209  columns 0–79: 200 when n is odd, else 0;
 *                 columns 80–159: 100 when n is even, else 0 (flicker)
 * Rewards per frame: FIRE +5, DOWN −3, others 0.
 * repeat_action_probability starts at 0.25 (ALE's default) and, once a ROM
 * is loaded with it non-zero, repeats the previous action with that
 * probability, so an env that forgets to turn it off is caught.
 *
 * The test picture (rows × columns → RGB):
 *   0–104 × 0–79 red (255, 0, 0); 0–104 × 80–159 green (0, 255, 0);
 *   105–209 × 0–1 white; 105–209 × 2–39 black;
 *   105–209 × 40–79 (100, 150, 200); row 105 × 80–159 black;
 *   106–209 × 80–159 blue (0, 0, 255).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define W 160
#define H 210
#define RAM_SIZE 128
#define MAX_ACTIONS 18

typedef struct {
  int lives0, life_frames, pattern;
  int actions[MAX_ACTIONS], n_actions;
  float repeat_setting, repeat;       /* set value, value in force since loadROM */
  int seed_setting;
  unsigned rng;
  int n, frame, last_action, lives;
  bool over, loaded;
  unsigned char ram[RAM_SIZE];
} Stub;

/* The C API, as ale_c_wrapper.h declares it. */
void *ALE_new (void);
void ALE_del (void *ale);
void setInt (void *ale, const char *key, int value);
void setFloat (void *ale, const char *key, float value);
void setBool (void *ale, const char *key, bool value);
void setString (void *ale, const char *key, const char *value);
int getInt (void *ale, const char *key);
float getFloat (void *ale, const char *key);
void loadROM (void *ale, const char *rom_file);
int act (void *ale, int action);
bool game_over (void *ale);
void reset_game (void *ale);
void getScreenRGB (void *ale, unsigned char *rgb);
void getScreenGrayscale (void *ale, unsigned char *grey);
int getScreenWidth (void *ale);
int getScreenHeight (void *ale);
void getRAM (void *ale, unsigned char *ram);
int getRAMSize (void *ale);
#ifndef ALE_STUB_WITHOUT_LIVES
int lives (void *ale);
#endif
void getMinimalActionSet (void *ale, int *actions);
int getMinimalActionSize (void *ale);
int getLegalActionSize (void *ale);
int getFrameNumber (void *ale);
int getEpisodeFrameNumber (void *ale);
void setLoggerMode (int mode);

void *
ALE_new (void)
{
  Stub *s = calloc (1, sizeof *s);
  s->repeat_setting = 0.25f;
  return s;
}

void
ALE_del (void *ale)
{
  free (ale);
}

void
setInt (void *ale, const char *key, int value)
{
  Stub *s = ale;
  if (strcmp (key, "random_seed") == 0)
    s->seed_setting = value;
}

void
setFloat (void *ale, const char *key, float value)
{
  Stub *s = ale;
  if (strcmp (key, "repeat_action_probability") == 0)
    s->repeat_setting = value;
}

void
setBool (void *ale, const char *key, bool value)
{
}

void
setString (void *ale, const char *key, const char *value)
{
}

int
getInt (void *ale, const char *key)
{
  return strcmp (key, "random_seed") == 0 ? ((Stub *) ale)->seed_setting : 0;
}

float
getFloat (void *ale, const char *key)
{
  return strcmp (key, "repeat_action_probability") == 0 ? ((Stub *) ale)->repeat_setting : 0.0f;
}

static void
update_ram (Stub *s)
{
  s->ram[0] = (unsigned char) s->n;
  s->ram[1] = (unsigned char) s->lives;
  s->ram[2] = (unsigned char) s->last_action;
}

void
reset_game (void *ale)
{
  Stub *s = ale;
  s->n = 0;
  s->last_action = 0;
  s->lives = s->lives0;
  s->over = false;
  update_ram (s);
}

void
loadROM (void *ale, const char *rom_file)
{
  Stub *s = ale;
  static const int default_actions[] = { 0, 1, 2, 3, 4, 5, 11, 12, 17 };
  s->lives0 = 3;
  s->life_frames = 40;
  s->pattern = 0;
  s->n_actions = (int) (sizeof default_actions / sizeof default_actions[0]);
  memcpy (s->actions, default_actions, sizeof default_actions);

  char text[4096] = { 0 };
  FILE *f = fopen (rom_file, "rb");
  if (f == NULL)
    {
      /* ALE exits on a missing ROM; blip-ale.c checks first. */
      fprintf (stderr, "ale-stub: cannot open ROM %s\n", rom_file);
      abort ();
    }
  size_t len = fread (text, 1, sizeof text - 1, f);
  fclose (f);
  text[len] = '\0';
  if (strncmp (text, "ALE-STUB", 8) == 0)
    for (char *word = strtok (text + 8, " \t\n"); word; word = strtok (NULL, " \t\n"))
      {
        if (strncmp (word, "lives=", 6) == 0)
          s->lives0 = atoi (word + 6);
        else if (strncmp (word, "life_frames=", 12) == 0)
          s->life_frames = atoi (word + 12);
        else if (strncmp (word, "pattern=", 8) == 0)
          s->pattern = atoi (word + 8);
        else if (strncmp (word, "actions=", 8) == 0)
          {
            s->n_actions = 0;
            for (char *p = word + 8; *p && s->n_actions < MAX_ACTIONS; )
              {
                s->actions[s->n_actions++] = (int) strtol (p, &p, 10);
                if (*p == ',')
                  p++;
              }
          }
      }
  s->repeat = s->repeat_setting;
  s->rng = (unsigned) s->seed_setting * 2654435761u + 1u;
  s->loaded = true;
  reset_game (s);
}

int
act (void *ale, int action)
{
  Stub *s = ale;
  if (s->over)
    return 0;
  s->rng = s->rng * 1664525u + 1013904223u;
  if (s->repeat > 0.0f && (s->rng >> 8) * (1.0f / 16777216.0f) < s->repeat)
    action = s->last_action;
  s->n++;
  s->frame++;
  s->last_action = action;
  if (s->life_frames > 0 && s->n % s->life_frames == 0)
    {
      s->lives--;
      if (s->lives <= 0)
        s->over = true;
    }
  update_ram (s);
  return action == 1 ? 5 : action == 5 ? -3 : 0;
}

bool
game_over (void *ale)
{
  return ((Stub *) ale)->over;
}

static void
pixel (const Stub *s, int y, int x, unsigned char *rgb)
{
  int r, g, b;
  if (s->pattern == 2)
    {
      unsigned i = (unsigned) (y * W + x) * 3u;
      r = (int) (((i + 0) * 2654435761u) >> 24);
      g = (int) (((i + 1) * 2654435761u) >> 24);
      b = (int) (((i + 2) * 2654435761u) >> 24);
    }
  else if (s->pattern)
    {
      if (y < 105)
        r = x < 80 ? 255 : 0, g = x < 80 ? 0 : 255, b = 0;
      else if (x < 2)
        r = g = b = 255;
      else if (x < 40)
        r = g = b = 0;
      else if (x < 80)
        r = 100, g = 150, b = 200;
      else if (y == 105)
        r = g = b = 0;
      else
        r = g = 0, b = 255;
    }
  else
    {
      int v;
      if (y < 10)
        v = 10 * s->last_action + 5;
      else if (y < 105)
        v = s->n & 0xff;
      else if (x < 80)
        v = s->n % 2 ? 200 : 0;
      else
        v = s->n % 2 ? 0 : 100;
      r = g = b = v;
    }
  rgb[0] = (unsigned char) r;
  rgb[1] = (unsigned char) g;
  rgb[2] = (unsigned char) b;
}

void
getScreenRGB (void *ale, unsigned char *rgb)
{
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      pixel (ale, y, x, rgb + (y * W + x) * 3);
}

void
getScreenGrayscale (void *ale, unsigned char *grey)
{
  unsigned char rgb[3];
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        pixel (ale, y, x, rgb);
        grey[y * W + x] = (unsigned char) ((rgb[0] * 4899 + rgb[1] * 9617 + rgb[2] * 1868 + 8192) >> 14);
      }
}

int
getScreenWidth (void *ale)
{
  return W;
}

int
getScreenHeight (void *ale)
{
  return H;
}

void
getRAM (void *ale, unsigned char *ram)
{
  memcpy (ram, ((Stub *) ale)->ram, RAM_SIZE);
}

int
getRAMSize (void *ale)
{
  return RAM_SIZE;
}

#ifndef ALE_STUB_WITHOUT_LIVES
int
lives (void *ale)
{
  return ((Stub *) ale)->lives;
}
#endif

void
getMinimalActionSet (void *ale, int *actions)
{
  Stub *s = ale;
  memcpy (actions, s->actions, (size_t) s->n_actions * sizeof (int));
}

int
getMinimalActionSize (void *ale)
{
  return ((Stub *) ale)->n_actions;
}

int
getLegalActionSize (void *ale)
{
  return MAX_ACTIONS;
}

int
getFrameNumber (void *ale)
{
  return ((Stub *) ale)->frame;
}

int
getEpisodeFrameNumber (void *ale)
{
  return ((Stub *) ale)->n;
}

void
setLoggerMode (int mode)
{
}
