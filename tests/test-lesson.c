/* test-lesson.c — the lesson parser: every shipped lesson loads, every broken
 * lesson fails with the right error code at the right FILE:LINE, the
 * Markdown subset always yields valid, escaped Pango markup, and inputs
 * built to be slow (many keys, marks that never close, huge files) are
 * handled in linear time or refused. */
#include "blip-lesson.h"

#include <glib/gstdio.h>
#include <string.h>

/* ---------------------------------------------------------------------- */
/* Markup checking: well-formed, and only the tags the converter writes.    */

static void
markup_start (GMarkupParseContext *context, const char *element, const char **names,
              const char **values, gpointer user_data, GError **error)
{
  static const char * const allowed[] = { "markup", "b", "i", "tt", "sup", "sub" };
  for (gsize i = 0; i < G_N_ELEMENTS (allowed); i++)
    if (strcmp (element, allowed[i]) == 0)
      {
        if (names[0] != NULL)
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ATTRIBUTE,
                       "attribute %s on <%s>", names[0], element);
        return;
      }
  g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_UNKNOWN_ELEMENT, "unexpected <%s>", element);
}

static gboolean
markup_is_valid (const char *markup, GError **error)
{
  static const GMarkupParser parser = { markup_start, NULL, NULL, NULL, NULL };
  /* Pango wraps label markup in <markup> the same way. */
  g_autofree char *wrapped = g_strdup_printf ("<markup>%s</markup>", markup);
  g_autoptr(GMarkupParseContext) ctx = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  return g_markup_parse_context_parse (ctx, wrapped, -1, error) &&
         g_markup_parse_context_end_parse (ctx, error);
}

static void
assert_valid_markup (const char *markup)
{
  g_autoptr(GError) error = NULL;
  if (!markup_is_valid (markup, &error))
    g_test_message ("invalid markup: %s", markup);
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------- */
/* The shipped lessons                                                      */

static char *
lessons_dir (void)
{
  /* meson sets G_TEST_SRCDIR to tests/; the lessons are beside it. */
  return g_test_build_filename (G_TEST_DIST, "..", "lessons", NULL);
}

static void
test_shipped_lessons (void)
{
  g_autofree char *dir = lessons_dir ();
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_test_fail_printf ("no lessons directory at %s: set G_TEST_SRCDIR to the tests/ source "
                          "directory (meson test does)", dir);
      return;
    }
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) files = blip_lesson_find_files (dir, &error);
  g_assert_no_error (error);

  static const char * const required[] = {
    "01-bits-and-quantization.lesson",
    "02-fisher-and-information-gain.lesson",
    "03-freezing-stops-forgetting.lesson",
    "04-reading-layer-maps.lesson",
    "05-prior-and-max-bit.lesson",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (required); i++)
    {
      g_autofree char *path = g_build_filename (dir, required[i], NULL);
      g_assert_true (g_strv_contains ((const char * const *) files, path));
    }

  for (guint f = 0; files[f] != NULL; f++)
    {
      g_test_message ("loading %s", files[f]);
      g_autoptr(BlipLesson) lesson = blip_lesson_load (files[f], &error);
      g_assert_no_error (error);
      g_assert_nonnull (lesson);
      g_assert_cmpstr (blip_lesson_get_filename (lesson), ==, files[f]);
      g_assert_cmpstr (blip_lesson_get_title (lesson), !=, "");
      g_assert_cmpstr (blip_lesson_get_summary (lesson), !=, "");
      g_assert_cmpint (blip_lesson_get_version (lesson), ==, 1);

      /* Written for a lecture: 4 to 8 steps, questions for the class, and a
       * first step that sets up a known run. */
      guint n = blip_lesson_get_n_steps (lesson);
      g_assert_cmpuint (n, >=, 4);
      g_assert_cmpuint (n, <=, 8);
      g_assert_nonnull (blip_lesson_step_get_settings (blip_lesson_get_step (lesson, 0)));
      guint questions = 0;
      for (guint i = 0; i < n; i++)
        {
          const BlipLessonStep *step = blip_lesson_get_step (lesson, i);
          g_assert_cmpuint (blip_lesson_step_get_number (step), ==, i + 1);
          g_assert_cmpuint (blip_lesson_step_get_line (step), >, 0);
          g_assert_cmpstr (blip_lesson_step_get_title (step), !=, "");
          assert_valid_markup (blip_lesson_step_get_text_markup (step));
          if (blip_lesson_step_get_question (step) != NULL)
            {
              assert_valid_markup (blip_lesson_step_get_question_markup (step));
              questions++;
            }
          const BlipConfig *config = blip_lesson_step_get_settings (step);
          if (config != NULL)
            {
              g_assert_true (blip_config_validate (config, &error));
              g_assert_no_error (error);
              /* A lecture cannot wait for the paper's 200 epochs per task:
               * at most as much training per task as the classroom preset's
               * 3 epochs of 2,000 images, give or take; on games, at most
               * 200,000 frames (a couple of minutes) and 20 evaluation
               * episodes per game. */
              if (blip_config_is_rl (config))
                {
                  g_assert_cmpint (config->frames, <=, 200000);
                  g_assert_cmpint (config->eval_episodes, <=, 20);
                }
              else
                {
                  g_assert_cmpint (config->train_subset, >, 0);
                  g_assert_cmpint ((gint64) config->nepochs * config->train_subset, <=, 10000);
                }
            }
          const char *layer = NULL;
          if (blip_lesson_step_get_parameter (step, &layer, NULL))
            g_assert_cmpstr (layer, ==, "fc1");
        }
      g_assert_cmpuint (questions, >=, 3);
    }
}

/* ---------------------------------------------------------------------- */
/* Accessors                                                                */

static const char accessors_lesson[] =
  "[Lesson]\n"                                      /* 1 */
  "Title=Accessors\\sand\\tescapes \\\\ here\n"
  "Summary=A lesson to test the parser\n"
  "Version=1\n"
  "Author=Test\n"                                   /* 5 */
  "\n"
  "# steps may be written in any order\n"
  "[Step 2]\n"                                      /* 8 */
  "Title=Second\n"
  "Text=Two\n"                                      /* 10 */
  "View=layer-map\n"
  "Run=  epoch   3 \n"
  "Settings= approach = sgd ; nepochs=7; preset=classroom ; F_prior=1e-18 ; ste=true ; seed=42 ;\n"
  "\n"
  "  [Step 1]\n"                                    /* 15 */
  "Title = First\n"
  "Text=a\\nb\\n\\n\\*c\\* \\\\d **e**\n"
  "Settings=experiment=fmnist5;max_bit=8\n"
  "View=bits\n"
  "Run=task 1\n"                                    /* 20 */
  "Parameter=fc1:406\n"
  "Question=Why `Q(w, b)` < 2^{b}?\n"
  "\n"
  "[Step 3]\r\n"                                    /* 24 */
  "Title=Third\r\n"
  "Text=Three\r\n"
  "Run=run\r\n";

static void
test_accessors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipLesson) lesson = blip_lesson_new_from_data (accessors_lesson, -1, "mem.lesson", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (blip_lesson_get_filename (lesson), ==, "mem.lesson");
  g_assert_cmpstr (blip_lesson_get_title (lesson), ==, "Accessors and\tescapes \\ here");
  g_assert_cmpstr (blip_lesson_get_summary (lesson), ==, "A lesson to test the parser");
  g_assert_cmpstr (blip_lesson_get_author (lesson), ==, "Test");
  g_assert_cmpint (blip_lesson_get_version (lesson), ==, 1);
  g_assert_cmpuint (blip_lesson_get_n_steps (lesson), ==, 3);

  const BlipLessonStep *s1 = blip_lesson_get_step (lesson, 0);
  g_assert_cmpuint (blip_lesson_step_get_number (s1), ==, 1);
  g_assert_cmpuint (blip_lesson_step_get_line (s1), ==, 15);
  g_assert_cmpstr (blip_lesson_step_get_title (s1), ==, "First");
  g_assert_cmpstr (blip_lesson_step_get_text (s1), ==, "a\nb\n\n\\*c\\* \\\\d **e**");
  g_assert_cmpstr (blip_lesson_step_get_text_markup (s1), ==, "a\nb\n\n*c* \\d <b>e</b>");
  g_assert_cmpstr (blip_lesson_step_get_question (s1), ==, "Why `Q(w, b)` < 2^{b}?");
  g_assert_cmpstr (blip_lesson_step_get_question_markup (s1), ==, "Why <tt>Q(w, b)</tt> &lt; 2<sup>b</sup>?");
  const BlipConfig *c1 = blip_lesson_step_get_settings (s1);
  g_assert_nonnull (c1);
  g_assert_cmpstr (c1->experiment, ==, "fmnist5");
  g_assert_cmpstr (c1->approach, ==, "blip");
  g_assert_cmpint (c1->max_bit, ==, 8);
  g_assert_cmpfloat (c1->F_prior, ==, 1e-15);
  g_assert_cmpint (c1->nepochs, ==, 200);       /* the paper preset of the experiment */
  g_assert_null (blip_lesson_step_get_preset (s1));
  g_assert_cmpstr (blip_lesson_step_get_settings_text (s1), ==, "experiment=fmnist5;max_bit=8");
  g_assert_cmpint (blip_lesson_step_get_view (s1), ==, BLIP_LESSON_VIEW_BITS);
  guint count = 99;
  g_assert_cmpint (blip_lesson_step_get_run (s1, &count), ==, BLIP_LESSON_RUN_TASK);
  g_assert_cmpuint (count, ==, 1);
  const char *layer = NULL;
  guint64 index = 0;
  g_assert_true (blip_lesson_step_get_parameter (s1, &layer, &index));
  g_assert_cmpstr (layer, ==, "fc1");
  g_assert_cmpuint (index, ==, 406);

  const BlipLessonStep *s2 = blip_lesson_get_step (lesson, 1);
  g_assert_cmpuint (blip_lesson_step_get_number (s2), ==, 2);
  g_assert_cmpuint (blip_lesson_step_get_line (s2), ==, 8);
  const BlipConfig *c2 = blip_lesson_step_get_settings (s2);
  g_assert_nonnull (c2);
  g_assert_cmpstr (c2->experiment, ==, "mnist5");
  g_assert_cmpstr (c2->approach, ==, "sgd");
  g_assert_cmpint (c2->nepochs, ==, 7);          /* explicit, though written before the preset */
  g_assert_cmpint (c2->train_subset, ==, 2000);  /* from preset=classroom */
  g_assert_cmpfloat (c2->F_prior, ==, 1e-18);
  g_assert_true (c2->ste);
  g_assert_cmpuint (c2->seed, ==, 42);
  g_assert_cmpstr (blip_lesson_step_get_preset (s2), ==, "classroom");
  g_assert_cmpint (blip_lesson_step_get_view (s2), ==, BLIP_LESSON_VIEW_LAYER_MAP);
  g_assert_cmpint (blip_lesson_step_get_run (s2, &count), ==, BLIP_LESSON_RUN_EPOCH);
  g_assert_cmpuint (count, ==, 3);
  g_assert_false (blip_lesson_step_get_parameter (s2, &layer, &index));
  g_assert_null (layer);
  g_assert_null (blip_lesson_step_get_question (s2));
  g_assert_null (blip_lesson_step_get_question_markup (s2));

  const BlipLessonStep *s3 = blip_lesson_get_step (lesson, 2);
  g_assert_cmpuint (blip_lesson_step_get_line (s3), ==, 24);
  g_assert_cmpstr (blip_lesson_step_get_text (s3), ==, "Three");
  g_assert_null (blip_lesson_step_get_settings (s3));
  g_assert_null (blip_lesson_step_get_settings_text (s3));
  g_assert_cmpint (blip_lesson_step_get_view (s3), ==, BLIP_LESSON_VIEW_NONE);
  g_assert_cmpint (blip_lesson_step_get_run (s3, &count), ==, BLIP_LESSON_RUN_ALL);
  g_assert_cmpuint (count, ==, 1);

  g_assert_cmpstr (blip_lesson_view_to_string (BLIP_LESSON_VIEW_INFO_GAIN), ==, "info-gain");
  g_assert_null (blip_lesson_view_to_string (BLIP_LESSON_VIEW_NONE));
  g_assert_cmpstr (blip_lesson_run_to_string (BLIP_LESSON_RUN_ALL), ==, "run");

  /* references */
  BlipLesson *extra = blip_lesson_ref (lesson);
  g_assert_true (extra == lesson);
  blip_lesson_unref (extra);
  g_assert_cmpuint (blip_lesson_get_n_steps (lesson), ==, 3);
}

/* A byte-order mark is skipped; an error in such a file still gets its line. */
static void
test_bom (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *good = g_strconcat ("\xEF\xBB\xBF", accessors_lesson, NULL);
  g_autoptr(BlipLesson) lesson = blip_lesson_new_from_data (good, -1, "bom.lesson", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blip_lesson_get_n_steps (lesson), ==, 3);

  const char *bad = "\xEF\xBB\xBF[Lesson]\nTitle=T\nVersion=1\n[Step 1]\nTitle=a\nText=b\nView=nope\n";
  g_assert_null (blip_lesson_new_from_data (bad, -1, "bom.lesson", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_VALUE);
  g_assert_true (g_str_has_prefix (error->message, "bom.lesson:7: "));
}

static void
test_unnamed_data (void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null (blip_lesson_new_from_data ("junk\n", -1, NULL, &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_SYNTAX);
  g_assert_true (g_str_has_prefix (error->message, "(lesson):1: "));
  g_clear_error (&error);

  g_assert_null (blip_lesson_new_from_data ("", 0, "empty.lesson", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_MISSING);
  g_assert_true (g_str_has_prefix (error->message, "empty.lesson:1: "));
}

/* ---------------------------------------------------------------------- */
/* Translations                                                             */

static const char translated_lesson[] =
  "[Lesson]\n"
  "Title=Bits\n"
  "Title[fr]=Les bits\n"
  "Title[pt_BR]=Os bits\n"
  "Version=1\n"
  "[Step 1]\n"
  "Title=One\n"
  "Title[fr]=Un\n"
  "Text=**English**\n"
  "Text[fr]=**Français**\n"
  "Question=Why?\n"
  "Question[fr]=Pourquoi ?\n";

static BlipLesson *
load_in_language (const char *language)
{
  g_autoptr(GError) error = NULL;
  g_setenv ("LANGUAGE", language, TRUE);
  BlipLesson *lesson = blip_lesson_new_from_data (translated_lesson, -1, "tr.lesson", &error);
  g_assert_no_error (error);
  return lesson;
}

static void
test_translations (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("LANGUAGE"));
  {
    g_autoptr(BlipLesson) fr = load_in_language ("fr");
    const BlipLessonStep *step = blip_lesson_get_step (fr, 0);
    g_assert_cmpstr (blip_lesson_get_title (fr), ==, "Les bits");
    g_assert_cmpstr (blip_lesson_step_get_title (step), ==, "Un");
    g_assert_cmpstr (blip_lesson_step_get_text_markup (step), ==, "<b>Français</b>");
    g_assert_cmpstr (blip_lesson_step_get_question (step), ==, "Pourquoi ?");

    g_autoptr(BlipLesson) br = load_in_language ("pt_BR");
    g_assert_cmpstr (blip_lesson_get_title (br), ==, "Os bits");
    /* no Portuguese step text: the untranslated one */
    g_assert_cmpstr (blip_lesson_step_get_text_markup (blip_lesson_get_step (br, 0)), ==, "<b>English</b>");

    g_autoptr(BlipLesson) de = load_in_language ("de_AT");
    g_assert_cmpstr (blip_lesson_get_title (de), ==, "Bits");
  }
  if (saved != NULL)
    g_setenv ("LANGUAGE", saved, TRUE);
  else
    g_unsetenv ("LANGUAGE");

  /* Only Title, Summary, Text and Question may be translated. */
  g_autoptr(GError) error = NULL;
  const char *bad = "[Lesson]\nTitle=T\nVersion=1\n[Step 1]\nTitle=a\nText=b\nRun[fr]=task 1\n";
  g_assert_null (blip_lesson_new_from_data (bad, -1, "tr.lesson", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_UNKNOWN_KEY);
  g_assert_true (g_str_has_prefix (error->message, "tr.lesson:7: "));
}

/* ---------------------------------------------------------------------- */
/* Markdown                                                                 */

static void
test_markdown (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "plain", "plain" },
    { "", "" },
    { "a < b & c > d", "a &lt; b &amp; c &gt; d" },
    { "\"quotes\" & 'apostrophes'", "&quot;quotes&quot; &amp; &apos;apostrophes&apos;" },
    { "<b>raw</b> <span foreground='red'>x</span>",
      "&lt;b&gt;raw&lt;/b&gt; &lt;span foreground=&apos;red&apos;&gt;x&lt;/span&gt;" },
    { "**bold**", "<b>bold</b>" },
    { "*italic*", "<i>italic</i>" },
    { "`code <x> & y`", "<tt>code &lt;x&gt; &amp; y</tt>" },
    { "`**not bold**`", "<tt>**not bold**</tt>" },
    { "**a *b* c**", "<b>a <i>b</i> c</b>" },
    { "*a **b** c*", "<i>a <b>b</b> c</i>" },
    { "**a `*` b**", "<b>a <tt>*</tt> b</b>" },
    { "**unterminated <b>", "**unterminated &lt;b&gt;" },
    { "*unterminated", "*unterminated" },
    { "`unterminated & open", "`unterminated &amp; open" },
    { "``", "``" },
    { "****", "****" },
    { "2 * 3 * 4", "2 * 3 * 4" },
    { "** spaced **", "** spaced **" },
    { "\\*literal\\* \\`x\\` \\_{y}", "*literal* `x` _{y}" },
    { "back\\slash and \\\\", "back\\slash and \\" },
    { "2^{-b} and F_{old}", "2<sup>-b</sup> and F<sub>old</sub>" },
    { "F_old and x^2 and a^{} and b_{", "F_old and x^2 and a^{} and b_{" },
    { "F_{t,*i*}", "F<sub>t,<i>i</i></sub>" },
    { "one\ntwo", "one\ntwo" },
    { "one\n\n\n  \t\ntwo", "one\n\ntwo" },
    { "\n\n  lead and trail  \n\n", "lead and trail" },
    { "- first\n- second\n+ third", "• first\n• second\n• third" },
    { "* item *em*", "• item <i>em</i>" },
    { "  - nested", "  • nested" },
    { "-not a bullet", "-not a bullet" },
    { "**across\nlines**", "<b>across\nlines</b>" },
    { "**para\n\nbreak**", "**para\n\nbreak**" },
    { "é *ü* ∑", "é <i>ü</i> ∑" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = blip_lesson_markdown_to_markup (cases[i].in);
      g_assert_cmpstr (out, ==, cases[i].out);
      assert_valid_markup (out);
    }
}

/* Whatever a teacher types, the result is valid markup. */
static void
test_markdown_random (void)
{
  static const char * const atoms[] = {
    "*", "**", "`", "_", "^", "{", "}", "_{", "^{", "\\", "<", ">", "&", "'", "\"",
    "a", "b", " ", "\n", "\n\n", "- ", "é", "∑", "&amp;", "<b>",
  };
  GRand *rand = g_rand_new_with_seed (20210619);
  for (int iter = 0; iter < 20000; iter++)
    {
      GString *in = g_string_new (NULL);
      int n = g_rand_int_range (rand, 0, 30);
      for (int k = 0; k < n; k++)
        g_string_append (in, atoms[g_rand_int_range (rand, 0, G_N_ELEMENTS (atoms))]);
      g_autofree char *out = blip_lesson_markdown_to_markup (in->str);
      g_autoptr(GError) error = NULL;
      if (!markup_is_valid (out, &error))
        g_test_message ("input: %s\noutput: %s", in->str, out);
      g_assert_no_error (error);
      g_string_free (in, TRUE);
    }
  g_rand_free (rand);
}

/* ---------------------------------------------------------------------- */
/* Broken lessons                                                           */

/* Lines 1–4 and 5–8. */
#define HEAD  "[Lesson]\nTitle=Broken\nSummary=One mistake each\nVersion=1\n"
#define STEP1 "\n[Step 1]\nTitle=One\nText=Text\n"

typedef struct {
  const char     *name;
  const char     *content;
  gsize           length;     /* 0: strlen (content) */
  BlipLessonError code;
  guint           line;
  const char     *fragment;   /* must appear in the message */
} Broken;

static const Broken broken[] = {
  { "missing-lesson", "[Step 1]\nTitle=a\nText=b\n", 0,
    BLIP_LESSON_ERROR_MISSING, 1, "no [Lesson] group" },
  { "empty-file", "", 0, BLIP_LESSON_ERROR_MISSING, 1, "no [Lesson] group" },
  { "comments-only", "# nothing\n\n# here\n", 0, BLIP_LESSON_ERROR_MISSING, 1, "no [Lesson] group" },
  { "no-steps", HEAD, 0, BLIP_LESSON_ERROR_MISSING, 1, "no steps" },
  { "step-gap", HEAD STEP1 "\n[Step 3]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_STEP_GAP, 10, "[Step 3] follows step 1: step 2 is missing" },
  { "step-gap-unordered", HEAD "\n[Step 4]\nTitle=x\nText=y\n" STEP1 "\n[Step 2]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_STEP_GAP, 6, "step 3 is missing" },
  { "no-step-1", HEAD "\n[Step 2]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_STEP_GAP, 6, "step 1 is missing" },
  { "duplicate-step", HEAD STEP1 "\n[Step 1]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_DUPLICATE, 10, "[Step 1] appears twice (first on line 6)" },
  { "duplicate-lesson", HEAD STEP1 "[Lesson]\nAuthor=x\n", 0,
    BLIP_LESSON_ERROR_DUPLICATE, 9, "[Lesson] appears twice" },
  { "duplicate-key", HEAD STEP1 "Title=again\n", 0,
    BLIP_LESSON_ERROR_DUPLICATE, 9, "“Title” appears twice in [Step 1] (first on line 7)" },
  { "unknown-view", HEAD STEP1 "View=bitz\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "View: expected bits, layer-map, info-gain, accuracy, curves, game, game-grid or methods, got “bitz”" },
  { "bad-run", HEAD STEP1 "Run=jump 3\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "Run: expected none, batch N, epoch N, task N or run, got “jump 3”" },
  { "run-without-count", HEAD STEP1 "Run=task\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "got “task”" },
  { "run-extra-word", HEAD STEP1 "Run=task 1 now\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "got “task 1 now”" },
  { "run-not-a-number", HEAD STEP1 "Run=batch -2\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "got “batch -2”" },
  { "run-zero", HEAD STEP1 "Run=epoch 0\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "Run: the number of epochs must be between 1 and 100000, got 0" },
  { "bad-parameter", HEAD STEP1 "Parameter=fc1\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "Parameter: expected LAYER:INDEX" },
  { "bad-parameter-index", HEAD STEP1 "Parameter=fc1:12x\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "got “fc1:12x”" },
  { "unknown-setting", HEAD STEP1 "Settings=experiment=mnist5;learning_rate=0.1\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "Settings: unknown key “learning_rate” (known keys: experiment, preset," },
  { "setting-flag-spelling", HEAD STEP1 "Settings=F-prior=1e-12\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "unknown key “F-prior” (did you mean F_prior?)" },
  { "setting-ewc-flag", HEAD STEP1 "Settings=approach=ewc;lamb=100\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "did you mean ewc_lambda?" },
  { "setting-data-dir", HEAD STEP1 "Settings=data_dir=/tmp\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "data_dir belongs to the machine" },
  { "bad-number", HEAD STEP1 "Settings=experiment=mnist5;F_prior=1e-15x\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "Settings: F_prior expects a number such as 0.01 or 1e-15, got “1e-15x”" },
  { "not-finite", HEAD STEP1 "Settings=lr=nan\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "lr expects a number" },
  { "bad-int", HEAD STEP1 "Settings=max_bit=8.5\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "Settings: max_bit expects a whole number, got “8.5”" },
  { "out-of-range", HEAD STEP1 "Settings=max_bit=30\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "Settings: max_bit must be between 1 and 24, got 30" },
  { "negative-prior", HEAD STEP1 "Settings=F_prior=-1e-15\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "F_prior must be between" },
  { "bad-bool", HEAD STEP1 "Settings=ste=maybe\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "ste expects true or false" },
  { "unknown-experiment", HEAD STEP1 "Settings=experiment=cifar100\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "unknown experiment “cifar100”" },
  { "unknown-approach", HEAD STEP1 "Settings=approach=magic\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "unknown approach “magic” (expected blip," },
  { "unknown-game", HEAD STEP1 "Settings=experiment=minatar;games=breakout, pong\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "games: unknown game “pong” (expected names from: asterix, breakout," },
  { "games-without-games-experiment", HEAD STEP1 "Settings=games=breakout\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "--games applies to the game experiments" },
  { "view-game-typo", HEAD STEP1 "View=games\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "game, game-grid or methods, got “games”" },
  { "unknown-preset", HEAD STEP1 "Settings=preset=turbo\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "unknown preset “turbo”" },
  { "setting-twice", HEAD STEP1 "Settings=lr=0.1;lr=0.2\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "lr is given twice" },
  { "setting-not-pair", HEAD STEP1 "Settings=lr=0.1;classroom\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "“classroom” is not key=value" },
  { "setting-no-value", HEAD STEP1 "Settings=lr=\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "lr has no value" },
  { "settings-empty", HEAD STEP1 "Settings= ; ;\n", 0,
    BLIP_LESSON_ERROR_SETTINGS, 9, "Settings is empty" },
  { "invalid-utf8", HEAD STEP1 "Question=caf\xe9?\n", 0,
    BLIP_LESSON_ERROR_ENCODING, 9, "not valid UTF-8 (byte 0xe9)" },
  { "invalid-utf8-title", "[Lesson]\nTitle=\xc3\x28\n", 0,
    BLIP_LESSON_ERROR_ENCODING, 2, "not valid UTF-8" },
  { "nul-byte", HEAD STEP1 "Question=a\0b\n", sizeof (HEAD STEP1 "Question=a\0b\n") - 1,
    BLIP_LESSON_ERROR_ENCODING, 9, "NUL byte" },
  { "encoding-key", "[Lesson]\nEncoding=ISO-8859-1\nTitle=T\nVersion=1\n" STEP1, 0,
    BLIP_LESSON_ERROR_ENCODING, 2, "ISO-8859-1" },
  { "not-a-key-file", HEAD STEP1 "this line has no equals sign\n", 0,
    BLIP_LESSON_ERROR_SYNTAX, 9, "“this line has no equals sign” is not a [Group] header, a Key=value line or a # comment" },
  { "value-over-two-lines", HEAD STEP1 "Question=Why does the first half\n  end here?\n", 0,
    BLIP_LESSON_ERROR_SYNTAX, 10, "“end here?” is not a [Group] header, a Key=value line or a # comment (a value must stay on one line: write \\n for a line break)" },
  { "key-before-group", "# comment\nTitle=x\n" HEAD STEP1, 0,
    BLIP_LESSON_ERROR_SYNTAX, 2, "" },
  { "bad-key-name", HEAD STEP1 "Text[fr=x\n", 0,
    BLIP_LESSON_ERROR_SYNTAX, 9, "" },
  { "unterminated-group", HEAD STEP1 "[Step 2\n", 0,
    BLIP_LESSON_ERROR_SYNTAX, 9, "" },
  { "unknown-key", HEAD STEP1 "Veiw=bits\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_KEY, 9, "unknown key “Veiw” in [Step 1]; a step has the keys Title, Text, Settings, View, Run, Question, Parameter and Table" },
  { "key-case", HEAD STEP1 "view=bits\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_KEY, 9, "did you mean “View”?" },
  { "unknown-lesson-key", "[Lesson]\nTitle=T\nVersion=1\nLevel=easy\n" STEP1, 0,
    BLIP_LESSON_ERROR_UNKNOWN_KEY, 4, "[Lesson] has the keys Title, Summary, Version and Author" },
  { "empty-locale", HEAD STEP1 "Text[]=x\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_KEY, 9, "only Title, Text and Question can be translated" },
  { "unknown-group", HEAD STEP1 "\n[Notes]\nA=b\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_GROUP, 10, "unknown group [Notes]" },
  { "step-zero-padded", HEAD STEP1 "\n[Step 02]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_GROUP, 10, "no leading zeros" },
  { "step-lowercase", HEAD STEP1 "\n[step 2]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_GROUP, 10, "[Step 1], [Step 2]" },
  { "step-zero", HEAD "\n[Step 0]\nTitle=x\nText=y\n", 0,
    BLIP_LESSON_ERROR_UNKNOWN_GROUP, 6, "[Step 0]" },
  { "missing-text", HEAD "\n[Step 1]\nTitle=One\n", 0,
    BLIP_LESSON_ERROR_MISSING, 6, "[Step 1] has no Text" },
  { "empty-text", HEAD "\n[Step 1]\nTitle=One\nText=  \\s \n", 0,
    BLIP_LESSON_ERROR_MISSING, 8, "Text is empty" },
  { "missing-step-title", HEAD "\n[Step 1]\nText=One\n", 0,
    BLIP_LESSON_ERROR_MISSING, 6, "[Step 1] has no Title" },
  { "empty-question", HEAD STEP1 "Question=\n", 0,
    BLIP_LESSON_ERROR_MISSING, 9, "Question is empty" },
  { "missing-lesson-title", "[Lesson]\nVersion=1\n" STEP1, 0,
    BLIP_LESSON_ERROR_MISSING, 1, "[Lesson] has no Title" },
  { "missing-version", "[Lesson]\nTitle=T\n" STEP1, 0,
    BLIP_LESSON_ERROR_MISSING, 1, "no Version" },
  { "bad-version", "[Lesson]\nTitle=T\nVersion=one\n" STEP1, 0,
    BLIP_LESSON_ERROR_VALUE, 3, "Version: expected a whole number" },
  { "newer-version", "[Lesson]\nTitle=T\nVersion=2\n" STEP1, 0,
    BLIP_LESSON_ERROR_VERSION, 3, "format version 2" },
  { "table-missing", HEAD STEP1 "Table=no-such-table.json\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "Table: " },
  { "table-empty", HEAD STEP1 "Table=\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "Table: expected the path of a table.json written by blip table" },
  { "table-is-a-lesson", HEAD STEP1 "Table=table-is-a-lesson.lesson\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "not valid JSON" },
  { "table-device", HEAD STEP1 "Table=/dev/zero\n", 0,
    BLIP_LESSON_ERROR_VALUE, 9, "/dev/zero: not a regular file" },
  { "crlf-line-numbers", "[Lesson]\r\nTitle=T\r\nVersion=1\r\n\r\n[Step 1]\r\nTitle=a\r\nText=b\r\nRun=jump\r\n", 0,
    BLIP_LESSON_ERROR_VALUE, 8, "got “jump”" },
};

static void
test_broken_lessons (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("blip-lesson-XXXXXX", &error);
  g_assert_no_error (error);

  for (gsize i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      const Broken *b = &broken[i];
      g_autofree char *file = g_strdup_printf ("%s.lesson", b->name);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      gsize length = b->length ? b->length : strlen (b->content);
      g_assert_true (g_file_set_contents (path, b->content, (gssize) length, &error));
      g_assert_no_error (error);

      g_autoptr(BlipLesson) lesson = blip_lesson_load (path, &error);
      g_test_message ("%s: %s", b->name, error ? error->message : "(loaded)");
      g_assert_null (lesson);
      g_assert_error (error, BLIP_LESSON_ERROR, (gint) b->code);
      g_autofree char *where = g_strdup_printf ("%s:%u: ", path, b->line);
      if (!g_str_has_prefix (error->message, where))
        g_error ("%s: expected the message to start with “%s”, got “%s”", b->name, where, error->message);
      if (strstr (error->message, b->fragment) == NULL)
        g_error ("%s: expected “%s” in “%s”", b->name, b->fragment, error->message);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_clear_error (&error);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Table: a path relative to the lesson's folder, resolved and checked at
 * load; with View=methods the step shows it. */
static void
test_table_step (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("blip-lesson-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *sub = g_build_filename (dir, "tables", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_autofree char *table = g_build_filename (sub, "t.json", NULL);
  g_assert_true (g_file_set_contents (table,
    "{\"format\": \"blip-table/1\", \"experiment\": \"mnist5\", \"seed\": 0, \"rows\": [{\"approach\": \"hat\", "
    "\"title\": \"HAT\", \"status\": \"not-run\", \"paper_ACC_percent\": 99.59}]}", -1, NULL));
  g_autofree char *path = g_build_filename (dir, "methods.lesson", NULL);
  g_assert_true (g_file_set_contents (path, HEAD STEP1 "View=methods\nTable=tables/t.json\n", -1, NULL));
  g_autoptr(BlipLesson) lesson = blip_lesson_load (path, &error);
  g_assert_no_error (error);
  const BlipLessonStep *step = blip_lesson_get_step (lesson, 0);
  g_assert_cmpint (blip_lesson_step_get_view (step), ==, BLIP_LESSON_VIEW_METHODS);
  g_assert_cmpstr (blip_lesson_view_to_string (BLIP_LESSON_VIEW_METHODS), ==, "methods");
  g_assert_cmpstr (blip_lesson_step_get_table (step), ==, table);
  /* Steps without the key have no table. */
  g_autoptr(BlipLesson) plain = blip_lesson_new_from_data (HEAD STEP1, -1, "plain.lesson", &error);
  g_assert_no_error (error);
  g_assert_null (blip_lesson_step_get_table (blip_lesson_get_step (plain, 0)));
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_remove (table), ==, 0);
  g_assert_cmpint (g_rmdir (sub), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* Unterminated Markdown is not an error: the marks show as typed, and
 * everything stays escaped. */
static void
test_unterminated_markdown (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("blip-lesson-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "open.lesson", NULL);
  const char *content = HEAD "\n[Step 1]\nTitle=One <two>\nText=**bold & <b>unterminated `code\n"
                        "Question=*why < 2? _{x\n";
  g_assert_true (g_file_set_contents (path, content, -1, &error));

  g_autoptr(BlipLesson) lesson = blip_lesson_load (path, &error);
  g_assert_no_error (error);
  const BlipLessonStep *step = blip_lesson_get_step (lesson, 0);
  g_assert_cmpstr (blip_lesson_step_get_title (step), ==, "One <two>");   /* plain text */
  g_assert_cmpstr (blip_lesson_step_get_text_markup (step), ==, "**bold &amp; &lt;b&gt;unterminated `code");
  g_assert_cmpstr (blip_lesson_step_get_question_markup (step), ==, "*why &lt; 2? _{x");
  assert_valid_markup (blip_lesson_step_get_text_markup (step));
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_io_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null (blip_lesson_load ("/nonexistent/dir/x.lesson", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, "/nonexistent/dir/x.lesson: "));
  g_clear_error (&error);

  g_assert_null (blip_lesson_find_files ("/nonexistent/dir", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO);
}

/* Files over 1 MiB, and devices, are refused before they are read. */
static void
test_too_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("blip-lesson-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, "big.lesson", NULL);
  /* Just at the limit, padded with a comment, the lesson loads. */
  GString *text = g_string_new (HEAD "\n[Step 1]\nTitle=S\nText=t\n#");
  while (text->len < (1 << 20) - 1)
    g_string_append_c (text, 'x');
  g_string_append_c (text, '\n');
  g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, &error));
  g_autoptr(BlipLesson) lesson = blip_lesson_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (lesson);

  g_string_append_c (text, '\n');
  g_assert_true (g_file_set_contents (path, text->str, (gssize) text->len, &error));
  g_assert_null (blip_lesson_load (path, &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, path));
  g_assert_nonnull (strstr (error->message, "too large for a lesson file"));
  g_clear_error (&error);
  g_string_free (text, TRUE);
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  if (g_file_test ("/dev/zero", G_FILE_TEST_EXISTS))
    {
      g_assert_null (blip_lesson_load ("/dev/zero", &error));
      g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_IO);
      g_assert_cmpstr (error->message, ==, "/dev/zero: not a regular file (a lesson is a text file)");
    }
}

/* Each of these took minutes before the scans became linear: marks that
 * never close (each one used to search to the end of the text again) and
 * many keys (each one used to be compared with every key before it). The
 * suite's timeout catches a return to quadratic time. */
static void
test_slow_inputs (void)
{
  static const char * const units[] = { "*a ", "**a ", "^{", "_{a\\", "`` *", "*a **b ^{c `d \\" };
  for (gsize u = 0; u < G_N_ELEMENTS (units); u++)
    {
      GString *s = g_string_new (NULL);
      while (s->len < 1000000)
        g_string_append (s, units[u]);
      g_autofree char *markup = blip_lesson_markdown_to_markup (s->str);
      assert_valid_markup (markup);
      if (u < 3)   /* nothing closes: the text comes back escaped, as typed */
        {
          g_autofree char *escaped = g_markup_escape_text (g_strchomp (s->str), -1);
          g_assert_cmpstr (markup, ==, escaped);
        }
      g_string_free (s, TRUE);
    }

  /* 100,000 translations of a step's Title, then one given twice. */
  GString *text = g_string_new (HEAD "\n[Step 1]\nTitle=S\nText=t\n");
  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (text, "Title[x%u]=v\n", i);
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipLesson) lesson = blip_lesson_new_from_data (text->str, (gssize) text->len, "many.lesson", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (blip_lesson_get_n_steps (lesson), ==, 1);
  g_string_append (text, "Title[x0]=again\n");
  g_assert_null (blip_lesson_new_from_data (text->str, (gssize) text->len, "many.lesson", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_DUPLICATE);
  g_assert_true (g_str_has_prefix (error->message, "many.lesson:100009: “Title[x0]” appears twice in [Step 1] "
                                                   "(first on line 9)"));
  g_clear_error (&error);
  g_string_free (text, TRUE);

  /* 100,000 groups, then the first one again. */
  text = g_string_new (HEAD);
  for (guint i = 0; i < 100000; i++)
    g_string_append_printf (text, "[G%u]\nk=v\n", i);
  g_string_append (text, "[G0]\n");
  g_assert_null (blip_lesson_new_from_data (text->str, (gssize) text->len, "many.lesson", &error));
  g_assert_error (error, BLIP_LESSON_ERROR, BLIP_LESSON_ERROR_DUPLICATE);
  g_assert_cmpstr (error->message, ==, "many.lesson:200005: [G0] appears twice (first on line 5)");
  g_string_free (text, TRUE);
}

static void
test_find_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("blip-lesson-XXXXXX", &error);
  g_assert_no_error (error);
  static const char * const names[] = { "b.lesson", "a.lesson", ".hidden.lesson", "notes.txt", "10-x.lesson" };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_assert_true (g_file_set_contents (path, "", 0, &error));
    }
  g_auto(GStrv) files = blip_lesson_find_files (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (files), ==, 3);
  g_autofree char *first = g_build_filename (dir, "10-x.lesson", NULL);
  g_autofree char *second = g_build_filename (dir, "a.lesson", NULL);
  g_autofree char *third = g_build_filename (dir, "b.lesson", NULL);
  g_assert_cmpstr (files[0], ==, first);
  g_assert_cmpstr (files[1], ==, second);
  g_assert_cmpstr (files[2], ==, third);
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_build_filename (dir, names[i], NULL);
      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lesson/shipped", test_shipped_lessons);
  g_test_add_func ("/lesson/accessors", test_accessors);
  g_test_add_func ("/lesson/bom", test_bom);
  g_test_add_func ("/lesson/unnamed-data", test_unnamed_data);
  g_test_add_func ("/lesson/translations", test_translations);
  g_test_add_func ("/lesson/markdown", test_markdown);
  g_test_add_func ("/lesson/markdown-random", test_markdown_random);
  g_test_add_func ("/lesson/broken", test_broken_lessons);
  g_test_add_func ("/lesson/table-step", test_table_step);
  g_test_add_func ("/lesson/unterminated-markdown", test_unterminated_markdown);
  g_test_add_func ("/lesson/io-errors", test_io_errors);
  g_test_add_func ("/lesson/too-large", test_too_large);
  g_test_add_func ("/lesson/slow-inputs", test_slow_inputs);
  g_test_add_func ("/lesson/find-files", test_find_files);
  return g_test_run ();
}
