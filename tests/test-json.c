/* test-json.c — the engine's strict JSON reader (blip-json.h):
 *   valid     nested objects and arrays, every escape including \u and
 *             surrogate pairs, numbers with fractions and exponents, true,
 *             false and null, keys kept in order, accessors by key; nesting
 *             up to 64 levels is accepted
 *   invalid   a table of malformed documents (trailing comma, unterminated
 *             string, bad escape, lone surrogates, nesting beyond 64,
 *             trailing garbage, control characters in strings, leading zeros,
 *             empty input, ...): each fails with BLIP_JSON_ERROR_SYNTAX and a
 *             message naming the byte where reading stopped
 *   uint64    blip_json_as_uint64 accepts exact non-negative integers up to
 *             2^63−1 and refuses -1, 1.0, 1e3, 2^63 and non-numbers
 *   config    the PPO fields of a game experiment round-trip through the
 *             configuration JSON; out-of-range ones are refused naming the flag. */
#include "blip.h"

#include <math.h>
#include <string.h>

static BlipJson *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  BlipJson *j = blip_json_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_nonnull (j);
  return j;
}

/* ---- valid documents ------------------------------------------------------- */

static void
test_nested (void)
{
  g_autoptr(BlipJson) j = parse_ok (" { \"a\" : [1, 2.5, -3e2, {\"b\": []}, [[], {}]],\n"
                                    "\t\"c\": {\"d\": {\"e\": \"f\"}}, \"t\": true, \"f\": false,"
                                    " \"n\": null, \"a\": 7 } \r\n");
  g_assert_cmpint (j->type, ==, BLIP_JSON_OBJECT);
  g_assert_cmpuint (j->keys->len, ==, 6);
  g_assert_cmpuint (j->items->len, ==, 6);
  /* Keys stay in document order, duplicates included. */
  static const char *keys[] = { "a", "c", "t", "f", "n", "a" };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_cmpstr (g_ptr_array_index (j->keys, i), ==, keys[i]);

  BlipJson *a = blip_json_get (j, "a");
  g_assert_nonnull (a);
  g_assert_cmpint (a->type, ==, BLIP_JSON_ARRAY);
  g_assert_cmpuint (a->items->len, ==, 5);
  BlipJson *a0 = g_ptr_array_index (a->items, 0);
  BlipJson *a1 = g_ptr_array_index (a->items, 1);
  BlipJson *a2 = g_ptr_array_index (a->items, 2);
  BlipJson *a3 = g_ptr_array_index (a->items, 3);
  BlipJson *a4 = g_ptr_array_index (a->items, 4);
  g_assert_cmpint (a0->type, ==, BLIP_JSON_NUMBER);
  g_assert_cmpfloat (a0->number, ==, 1.0);
  g_assert_cmpfloat (a1->number, ==, 2.5);
  g_assert_cmpfloat (a2->number, ==, -300.0);
  g_assert_cmpint (a3->type, ==, BLIP_JSON_OBJECT);
  BlipJson *b = blip_json_get (a3, "b");
  g_assert_nonnull (b);
  g_assert_cmpint (b->type, ==, BLIP_JSON_ARRAY);
  g_assert_cmpuint (b->items->len, ==, 0);
  g_assert_cmpint (a4->type, ==, BLIP_JSON_ARRAY);
  g_assert_cmpuint (a4->items->len, ==, 2);
  g_assert_cmpint (((BlipJson *) g_ptr_array_index (a4->items, 0))->type, ==, BLIP_JSON_ARRAY);
  g_assert_cmpint (((BlipJson *) g_ptr_array_index (a4->items, 1))->type, ==, BLIP_JSON_OBJECT);

  const char *s = NULL;
  g_assert_true (blip_json_get_string (blip_json_get (blip_json_get (j, "c"), "d"), "e", &s));
  g_assert_cmpstr (s, ==, "f");
  BlipJson *t = blip_json_get (j, "t"), *f = blip_json_get (j, "f"), *n = blip_json_get (j, "n");
  g_assert_cmpint (t->type, ==, BLIP_JSON_BOOL);
  g_assert_true (t->boolean);
  g_assert_cmpint (f->type, ==, BLIP_JSON_BOOL);
  g_assert_false (f->boolean);
  g_assert_cmpint (n->type, ==, BLIP_JSON_NULL);

  /* Accessors: absent keys, wrong types, non-objects. */
  double d = 0;
  g_assert_null (blip_json_get (j, "zz"));
  g_assert_false (blip_json_get_string (j, "t", &s));
  g_assert_false (blip_json_get_number (j, "c", &d));
  g_assert_false (blip_json_get_string (j, "missing", &s));
  g_assert_null (blip_json_get (a, "a"));
  g_assert_null (blip_json_get (NULL, "a"));
}

typedef struct {
  const char *name;
  const char *json;      /* a JSON string literal */
  const char *expect;    /* its UTF-8 value */
  gsize       len;       /* of expect */
} StringCase;

static const StringCase string_cases[] = {
  { "plain", "\"hello\"", "hello", 5 },
  { "empty", "\"\"", "", 0 },
  { "simple-escapes", "\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "\" \\ / \b \f \n \r \t", 15 },
  { "u-ascii", "\"\\u0041\\u0062c\"", "Abc", 3 },
  { "u-two-byte", "\"\\u00e9\"", "\xc3\xa9", 2 },
  { "u-three-byte", "\"\\u20AC\"", "\xe2\x82\xac", 3 },
  { "u-upper-hex", "\"\\uFFFD\"", "\xef\xbf\xbd", 3 },
  { "surrogate-pair", "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80", 4 },
  { "surrogate-pair-max", "\"\\uDBFF\\uDFFF\"", "\xf4\x8f\xbf\xbf", 4 },
  { "raw-utf8", "\"\xce\xbb \xe2\x86\x92\"", "\xce\xbb \xe2\x86\x92", 6 },
  { "mixed", "\"a\\u00e9\\ud83d\\ude00\\n\"", "a\xc3\xa9\xf0\x9f\x98\x80\n", 8 },
};

static void
test_strings (gconstpointer data)
{
  const StringCase *sc = data;
  g_autoptr(BlipJson) j = parse_ok (sc->json);
  g_assert_cmpint (j->type, ==, BLIP_JSON_STRING);
  g_assert_cmpuint (strlen (j->string), ==, sc->len);
  g_assert_cmpmem (j->string, sc->len, sc->expect, sc->len);

  /* The same string as an object key and as an array element. */
  g_autofree char *obj = g_strdup_printf ("{%s: %s}", sc->json, sc->json);
  g_autoptr(BlipJson) o = parse_ok (obj);
  g_assert_cmpstr (g_ptr_array_index (o->keys, 0), ==, sc->expect);
  g_autofree char *arr = g_strdup_printf ("[%s,%s]", sc->json, sc->json);
  g_autoptr(BlipJson) a = parse_ok (arr);
  g_assert_cmpstr (((BlipJson *) g_ptr_array_index (a->items, 1))->string, ==, sc->expect);

  /* What blip_json_append_string writes reads back to the same bytes. */
  g_autoptr(GString) out = g_string_new (NULL);
  blip_json_append_string (out, sc->expect);
  g_autoptr(BlipJson) back = parse_ok (out->str);
  g_assert_cmpstr (back->string, ==, sc->expect);
}

typedef struct {
  const char *json;
  double      value;
} NumberCase;

static const NumberCase number_cases[] = {
  { "0", 0.0 },
  { "-0", -0.0 },
  { "7", 7.0 },
  { "-12", -12.0 },
  { "3.25", 3.25 },
  { "-0.5", -0.5 },
  { "1e3", 1000.0 },
  { "1E3", 1000.0 },
  { "1e+3", 1000.0 },
  { "25e-2", 0.25 },
  { "-1.5E-2", -0.015 },
  { "0.1e1", 1.0 },
  { "1e-320", 1e-320 },
  { "1.7976931348623157e308", 1.7976931348623157e308 },
  { "9007199254740993", 9007199254740992.0 },
};

static void
test_numbers (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (number_cases); i++)
    {
      const NumberCase *nc = &number_cases[i];
      g_autoptr(BlipJson) j = parse_ok (nc->json);
      g_assert_cmpint (j->type, ==, BLIP_JSON_NUMBER);
      g_assert_cmpfloat (j->number, ==, nc->value);
      g_assert_true (signbit (j->number) == signbit (nc->value));
      /* The number's text is kept, for exact integers. */
      g_assert_cmpstr (j->string, ==, nc->json);
    }
  /* Whitespace around any value, and the smallest documents. */
  g_autoptr(BlipJson) t = parse_ok (" \t\r\ntrue \n");
  g_assert_cmpint (t->type, ==, BLIP_JSON_BOOL);
  g_assert_true (t->boolean);
  g_autoptr(BlipJson) f = parse_ok ("false");
  g_assert_false (f->boolean);
  g_autoptr(BlipJson) n = parse_ok ("null");
  g_assert_cmpint (n->type, ==, BLIP_JSON_NULL);
  g_autoptr(BlipJson) e = parse_ok ("[]");
  g_assert_cmpint (e->type, ==, BLIP_JSON_ARRAY);
  g_autoptr(BlipJson) o = parse_ok ("{}");
  g_assert_cmpint (o->type, ==, BLIP_JSON_OBJECT);
  g_assert_cmpuint (o->keys->len, ==, 0);
}

/* The length argument bounds the document: bytes after it are not read. */
static void
test_length_bound (void)
{
  const char *text = "[1, 2] trailing";
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipJson) j = blip_json_parse (text, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (j->items->len, ==, 2);
  /* An embedded NUL inside the length is a control character, not an end. */
  static const char nul[] = "\"a\0b\"";
  g_autoptr(BlipJson) bad = blip_json_parse (nul, sizeof nul - 1, &error);
  g_assert_null (bad);
  g_assert_error (error, BLIP_JSON_ERROR, BLIP_JSON_ERROR_SYNTAX);
}

static char *
nested (int depth, const char *open, const char *close)
{
  GString *s = g_string_new (NULL);
  for (int i = 0; i < depth; i++)
    g_string_append (s, open);
  g_string_append (s, "1");
  for (int i = 0; i < depth; i++)
    g_string_append (s, close);
  return g_string_free (s, FALSE);
}

static void
test_depth_ok (void)
{
  g_autofree char *arrays = nested (64, "[", "]");
  g_autoptr(BlipJson) a = parse_ok (arrays);
  int depth = 0;
  for (BlipJson *p = a; p->type == BLIP_JSON_ARRAY; p = g_ptr_array_index (p->items, 0))
    depth++;
  g_assert_cmpint (depth, ==, 64);
  g_autofree char *objects = nested (64, "{\"k\":", "}");
  g_autoptr(BlipJson) o = parse_ok (objects);
  g_assert_cmpint (o->type, ==, BLIP_JSON_OBJECT);
}

/* ---- invalid documents -------------------------------------------------------- */

typedef struct {
  const char *name;
  const char *json;       /* NULL: built by the test (see below) */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "empty", "" },
  { "only-space", "   \n\t " },
  { "trailing-comma-array", "[1, 2,]" },
  { "trailing-comma-object", "{\"a\": 1,}" },
  { "leading-comma", "[,1]" },
  { "double-comma", "[1,,2]" },
  { "missing-comma", "[1 2]" },
  { "missing-colon", "{\"a\" 1}" },
  { "missing-value", "{\"a\":}" },
  { "unquoted-key", "{a: 1}" },
  { "single-quotes", "'a'" },
  { "unterminated-string", "\"abc" },
  { "unterminated-after-escape", "\"abc\\" },
  { "unterminated-after-escape-in-array", "[\"abc\\" },
  { "unterminated-array", "[1, 2" },
  { "unterminated-object", "{\"a\": 1" },
  { "unclosed-nesting", "[[[]]" },
  { "mismatched-brackets", "[1}" },
  { "bad-escape", "\"\\x41\"" },
  { "bad-escape-quote", "\"\\'\"" },
  { "short-u-escape", "\"\\u12\"" },
  { "u-escape-not-hex", "\"\\u12G4\"" },
  { "lone-high-surrogate", "\"\\ud800\"" },
  { "lone-high-surrogate-then-text", "\"\\ud83dxyzabc\"" },
  { "high-surrogate-then-non-low", "\"\\ud800\\u0041\"" },
  { "two-high-surrogates", "\"\\ud800\\ud800\"" },
  { "lone-low-surrogate", "\"\\udc00\"" },
  { "trailing-garbage", "{} x" },
  { "two-values", "1 2" },
  { "trailing-bracket", "[1]]" },
  { "control-char-newline", "\"a\nb\"" },
  { "control-char-tab", "\"a\tb\"" },
  { "control-char-0x01", "\"\x01\"" },
  { "control-char-in-key", "{\"a\x1f\": 1}" },
  { "leading-zero", "01" },
  { "leading-zero-in-array", "[01]" },
  { "leading-zero-negative", "-012" },
  { "leading-plus", "+1" },
  { "bare-minus", "-" },
  { "dot-without-digits", "1." },
  { "leading-dot", ".5" },
  { "exponent-without-digits", "1e" },
  { "exponent-sign-only", "1e+" },
  { "hex-number", "0x10" },
  { "nan", "NaN" },
  { "infinity", "Infinity" },
  { "truncated-true", "tru" },
  { "capital-true", "True" },
  { "truefalse", "truefalse" },
  { "invalid-utf8", "\"\xff\"" },
  { "overlong-utf8", "\"\xc0\xaf\"" },
  { "comment", "[1 /* no */]" },
  { "depth-65-arrays", NULL },
  { "depth-100-arrays", NULL },
  { "depth-100-objects", NULL },
  { "depth-100000", NULL },
};

static void
test_invalid (gconstpointer data)
{
  const InvalidCase *ic = data;
  g_autofree char *built = NULL;
  const char *text = ic->json;
  if (text == NULL)
    {
      if (strcmp (ic->name, "depth-65-arrays") == 0)
        built = nested (65, "[", "]");
      else if (strcmp (ic->name, "depth-100-arrays") == 0)
        built = nested (100, "[", "]");
      else if (strcmp (ic->name, "depth-100-objects") == 0)
        built = nested (100, "{\"k\":", "}");
      else
        built = nested (100000, "[", "]");
      text = built;
    }
  g_autoptr(GError) error = NULL;
  g_autoptr(BlipJson) j = blip_json_parse (text, strlen (text), &error);
  if (j != NULL)
    g_error ("“%s” parsed, but it is not valid JSON", text);
  g_assert_error (error, BLIP_JSON_ERROR, BLIP_JSON_ERROR_SYNTAX);
  if (strstr (error->message, "byte") == NULL)
    g_error ("the message “%s” does not say at which byte reading stopped", error->message);
}

/* The byte offset in the message is where the problem is. */
static void
test_error_offset (void)
{
  static const struct { const char *json; const char *where; } cases[] = {
    { "[1, 2,]", "byte 6" },
    { "{} x", "byte 3" },
    { "", "byte 0" },
    { "[1, \"\\q\"]", "byte " },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(BlipJson) j = blip_json_parse (cases[i].json, strlen (cases[i].json), &error);
      g_assert_null (j);
      g_assert_error (error, BLIP_JSON_ERROR, BLIP_JSON_ERROR_SYNTAX);
      if (strstr (error->message, cases[i].where) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", cases[i].json, error->message, cases[i].where);
    }
}

/* ---- blip_json_as_uint64 --------------------------------------------------------- */

typedef struct {
  const char *json;
  gboolean    ok;
  guint64     value;
} Uint64Case;

static const Uint64Case uint64_cases[] = {
  { "0", TRUE, 0 },
  { "1", TRUE, 1 },
  { "42", TRUE, 42 },
  { "4294967296", TRUE, G_GUINT64_CONSTANT (4294967296) },
  { "9223372036854775807", TRUE, G_GUINT64_CONSTANT (9223372036854775807) },
  { "9223372036854775808", FALSE, 0 },
  { "18446744073709551615", FALSE, 0 },
  { "18446744073709551616", FALSE, 0 },
  { "99999999999999999999999", FALSE, 0 },
  { "-1", FALSE, 0 },
  { "-0", FALSE, 0 },
  { "1.0", FALSE, 0 },
  { "0.5", FALSE, 0 },
  { "1e3", FALSE, 0 },
  { "1E0", FALSE, 0 },
  { "\"1\"", FALSE, 0 },
  { "true", FALSE, 0 },
  { "null", FALSE, 0 },
  { "[1]", FALSE, 0 },
};

static void
test_as_uint64 (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (uint64_cases); i++)
    {
      const Uint64Case *uc = &uint64_cases[i];
      g_autoptr(BlipJson) j = parse_ok (uc->json);
      guint64 v = G_GUINT64_CONSTANT (0xdeadbeef);
      gboolean ok = blip_json_as_uint64 (j, &v);
      if (ok != uc->ok)
        g_error ("blip_json_as_uint64 (%s) gave %s, expected %s", uc->json, ok ? "TRUE" : "FALSE",
                 uc->ok ? "TRUE" : "FALSE");
      if (ok)
        g_assert_cmpuint (v, ==, uc->value);
      else
        g_assert_cmpuint (v, ==, G_GUINT64_CONSTANT (0xdeadbeef));   /* untouched */
    }
  guint64 v;
  g_assert_false (blip_json_as_uint64 (NULL, &v));
}

/* The PPO fields of a game experiment survive results.json and checkpoints;
 * env_threads, a property of the machine, is not written. */
static void
test_config_rl_round_trip (void)
{
  BlipConfig c, back;
  blip_config_init_defaults (&c);
  g_assert_true (blip_config_apply_preset (&c, "minatar", NULL));
  g_free (c.games);
  c.games = g_strdup ("freeway,seaquest");
  c.frames = 12345;
  c.eval_episodes = 7;
  c.num_envs = 5;
  c.num_steps = 33;
  c.ppo_epochs = 3;
  c.num_mini_batch = 5;
  c.clip_param = 0.2;
  c.value_loss_coef = 0.25;
  c.entropy_coef = 0.02;
  c.discount = 0.95;
  c.gae_lambda = 0.9;
  c.max_grad_norm = 0.75;
  c.adam_eps = 1e-6;
  c.log_interval = 4;
  c.env_threads = 3;
  GString *json = g_string_new (NULL);
  blip_config_append_json (json, &c, "");
  g_assert_null (strstr (json->str, "env_threads"));
  blip_config_init_defaults (&back);
  g_autoptr(GError) error = NULL;
  g_assert_true (blip_config_from_json (&back, json->str, json->len, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (back.games, ==, "freeway,seaquest");
  g_assert_cmpstr (back.arch, ==, "minatar");
  g_assert_cmpint (back.frames, ==, 12345);
  g_assert_cmpint (back.eval_episodes, ==, 7);
  g_assert_cmpint (back.num_envs, ==, 5);
  g_assert_cmpint (back.num_steps, ==, 33);
  g_assert_cmpint (back.ppo_epochs, ==, 3);
  g_assert_cmpint (back.num_mini_batch, ==, 5);
  g_assert_cmpfloat (back.clip_param, ==, 0.2);
  g_assert_cmpfloat (back.value_loss_coef, ==, 0.25);
  g_assert_cmpfloat (back.entropy_coef, ==, 0.02);
  g_assert_cmpfloat (back.discount, ==, 0.95);
  g_assert_cmpfloat (back.gae_lambda, ==, 0.9);
  g_assert_cmpfloat (back.max_grad_norm, ==, 0.75);
  g_assert_cmpfloat (back.adam_eps, ==, 1e-6);
  g_assert_cmpint (back.log_interval, ==, 4);
  g_assert_cmpint (back.env_threads, ==, 1);
  g_string_free (json, TRUE);
  blip_config_clear (&c);
  blip_config_clear (&back);
}

/* Out-of-range PPO fields in a stored configuration are refused, naming the flag. */
static void
test_config_rl_ranges (void)
{
  static const struct { const char *json; const char *flag; } cases[] = {
    { "{\"experiment\": \"minatar\", \"arch\": \"minatar\", \"games\": \"breakout\", \"frames\": 0}", "--frames" },
    { "{\"experiment\": \"minatar\", \"arch\": \"minatar\", \"games\": \"breakout\", \"gae_lambda\": 1.5}", "--gae-lambda" },
    { "{\"experiment\": \"minatar\", \"arch\": \"minatar\", \"games\": \"breakout\", \"adam_eps\": 0}", "--eps" },
    { "{\"experiment\": \"minatar\", \"arch\": \"minatar\", \"games\": \"\"}", "--games" },
    { "{\"experiment\": \"minatar\", \"arch\": \"mlp\", \"games\": \"breakout\"}", "--arch" },
    { "{\"experiment\": \"mnist5\", \"games\": \"breakout\"}", "--games" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      BlipConfig c;
      blip_config_init_defaults (&c);
      g_autoptr(GError) error = NULL;
      g_assert_false (blip_config_from_json (&c, cases[i].json, strlen (cases[i].json), &error));
      g_assert_error (error, BLIP_CONFIG_ERROR, BLIP_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, cases[i].flag));
      blip_config_clear (&c);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/json/valid/nested", test_nested);
  for (gsize i = 0; i < G_N_ELEMENTS (string_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/json/valid/string/%s", string_cases[i].name);
      g_test_add_data_func (name, &string_cases[i], test_strings);
    }
  g_test_add_func ("/json/valid/numbers", test_numbers);
  g_test_add_func ("/json/valid/length-bound", test_length_bound);
  g_test_add_func ("/json/valid/depth-64", test_depth_ok);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("/json/invalid/%s", invalid_cases[i].name);
      g_test_add_data_func (name, &invalid_cases[i], test_invalid);
    }
  g_test_add_func ("/json/invalid/offset", test_error_offset);
  g_test_add_func ("/json/as-uint64", test_as_uint64);
  g_test_add_func ("/json/config/rl-round-trip", test_config_rl_round_trip);
  g_test_add_func ("/json/config/rl-ranges", test_config_rl_ranges);
  return g_test_run ();
}
