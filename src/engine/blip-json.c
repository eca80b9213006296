/* blip-json.c — recursive-descent JSON reader; see blip-json.h. */
#include "blip-json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (blip-json-error-quark, blip_json_error)

#define MAX_DEPTH 64

typedef struct {
  const char *p;
  const char *start;
  const char *end;
  GError    **error;
} Reader;

static BlipJson *parse_value (Reader *r, int depth);

static gboolean
fail (Reader *r, const char *what)
{
  if (r->error && *r->error == NULL)
    g_set_error (r->error, BLIP_JSON_ERROR, BLIP_JSON_ERROR_SYNTAX, "invalid JSON at byte %ld: %s",
                 (long) (r->p - r->start), what);
  return FALSE;
}

static void
skip_ws (Reader *r)
{
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    r->p++;
}

static BlipJson *
node_new (BlipJsonType type)
{
  BlipJson *j = g_new0 (BlipJson, 1);
  j->type = type;
  return j;
}

void
blip_json_free (BlipJson *j)
{
  if (j == NULL)
    return;
  g_free (j->string);
  if (j->items)
    g_ptr_array_free (j->items, TRUE);
  if (j->keys)
    g_ptr_array_free (j->keys, TRUE);
  g_free (j);
}

static int
hex4 (const char *s)
{
  int v = 0;
  for (int i = 0; i < 4; i++)
    {
      int d = g_ascii_xdigit_value (s[i]);
      if (d < 0)
        return -1;
      v = v * 16 + d;
    }
  return v;
}

static char *
parse_string (Reader *r)
{
  if (r->p >= r->end || *r->p != '"')
    return fail (r, "expected a string"), NULL;
  r->p++;
  GString *s = g_string_new (NULL);
  while (r->p < r->end && *r->p != '"')
    {
      unsigned char c = *r->p;
      if (c < 0x20)
        return fail (r, "control character in string"), g_string_free (s, TRUE), NULL;
      if (c != '\\')
        {
          g_string_append_c (s, c);
          r->p++;
          continue;
        }
      if (r->end - r->p < 2)
        return fail (r, "unterminated string"), g_string_free (s, TRUE), NULL;
      char e = r->p[1];
      r->p += 2;
      switch (e)
        {
        case '"': g_string_append_c (s, '"'); break;
        case '\\': g_string_append_c (s, '\\'); break;
        case '/': g_string_append_c (s, '/'); break;
        case 'b': g_string_append_c (s, '\b'); break;
        case 'f': g_string_append_c (s, '\f'); break;
        case 'n': g_string_append_c (s, '\n'); break;
        case 'r': g_string_append_c (s, '\r'); break;
        case 't': g_string_append_c (s, '\t'); break;
        case 'u':
          {
            int cp = r->end - r->p >= 4 ? hex4 (r->p) : -1;
            if (cp < 0)
              return fail (r, "bad \\u escape"), g_string_free (s, TRUE), NULL;
            r->p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF)
              {
                int lo = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' ? hex4 (r->p + 2) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                  return fail (r, "unpaired surrogate"), g_string_free (s, TRUE), NULL;
                r->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              }
            else if (cp >= 0xDC00 && cp <= 0xDFFF)
              return fail (r, "unpaired surrogate"), g_string_free (s, TRUE), NULL;
            g_string_append_unichar (s, cp);
            break;
          }
        default:
          return fail (r, "unknown escape"), g_string_free (s, TRUE), NULL;
        }
    }
  if (r->p >= r->end)
    return fail (r, "unterminated string"), g_string_free (s, TRUE), NULL;
  r->p++;
  if (!g_utf8_validate (s->str, s->len, NULL))
    return fail (r, "string is not UTF-8"), g_string_free (s, TRUE), NULL;
  return g_string_free (s, FALSE);
}

static BlipJson *
parse_number (Reader *r)
{
  const char *s = r->p;
  if (r->p < r->end && *r->p == '-')
    r->p++;
  if (r->p >= r->end || !g_ascii_isdigit (*r->p))
    return fail (r, "expected a value"), NULL;
  if (*r->p == '0')
    r->p++;
  else
    while (r->p < r->end && g_ascii_isdigit (*r->p))
      r->p++;
  if (r->p < r->end && *r->p == '.')
    {
      r->p++;
      if (r->p >= r->end || !g_ascii_isdigit (*r->p))
        return fail (r, "digits expected after '.'"), NULL;
      while (r->p < r->end && g_ascii_isdigit (*r->p))
        r->p++;
    }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
      r->p++;
      if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
        r->p++;
      if (r->p >= r->end || !g_ascii_isdigit (*r->p))
        return fail (r, "digits expected in exponent"), NULL;
      while (r->p < r->end && g_ascii_isdigit (*r->p))
        r->p++;
    }
  BlipJson *j = node_new (BLIP_JSON_NUMBER);
  j->string = g_strndup (s, r->p - s);
  j->number = g_ascii_strtod (j->string, NULL);
  return j;
}

static gboolean
match (Reader *r, const char *word)
{
  gsize n = strlen (word);
  if ((gsize) (r->end - r->p) < n || memcmp (r->p, word, n) != 0)
    return FALSE;
  r->p += n;
  return TRUE;
}

static BlipJson *
parse_value (Reader *r, int depth)
{
  if (depth > MAX_DEPTH)
    return fail (r, "nested too deeply"), NULL;
  skip_ws (r);
  if (r->p >= r->end)
    return fail (r, "unexpected end"), NULL;
  char c = *r->p;
  if (c == '{' || c == '[')
    {
      gboolean object = c == '{';
      BlipJson *j = node_new (object ? BLIP_JSON_OBJECT : BLIP_JSON_ARRAY);
      j->items = g_ptr_array_new_with_free_func ((GDestroyNotify) blip_json_free);
      if (object)
        j->keys = g_ptr_array_new_with_free_func (g_free);
      r->p++;
      skip_ws (r);
      if (r->p < r->end && *r->p == (object ? '}' : ']'))
        {
          r->p++;
          return j;
        }
      for (;;)
        {
          if (object)
            {
              skip_ws (r);
              char *key = parse_string (r);
              if (key == NULL)
                return blip_json_free (j), NULL;
              g_ptr_array_add (j->keys, key);
              skip_ws (r);
              if (r->p >= r->end || *r->p != ':')
                return fail (r, "expected ':'"), blip_json_free (j), NULL;
              r->p++;
            }
          BlipJson *v = parse_value (r, depth + 1);
          if (v == NULL)
            return blip_json_free (j), NULL;
          g_ptr_array_add (j->items, v);
          skip_ws (r);
          if (r->p < r->end && *r->p == ',')
            {
              r->p++;
              continue;
            }
          if (r->p < r->end && *r->p == (object ? '}' : ']'))
            {
              r->p++;
              return j;
            }
          return fail (r, object ? "expected ',' or '}'" : "expected ',' or ']'"), blip_json_free (j), NULL;
        }
    }
  if (c == '"')
    {
      char *s = parse_string (r);
      if (s == NULL)
        return NULL;
      BlipJson *j = node_new (BLIP_JSON_STRING);
      j->string = s;
      return j;
    }
  if (match (r, "true") || match (r, "false"))
    {
      BlipJson *j = node_new (BLIP_JSON_BOOL);
      j->boolean = r->p[-1] == 'e' && r->p[-2] == 'u';
      return j;
    }
  if (match (r, "null"))
    return node_new (BLIP_JSON_NULL);
  return parse_number (r);
}

BlipJson *
blip_json_parse (const char *text, gsize length, GError **error)
{
  Reader r = { text, text, text + length, error };
  BlipJson *j = parse_value (&r, 0);
  if (j == NULL)
    return NULL;
  skip_ws (&r);
  if (r.p != r.end)
    {
      fail (&r, "trailing characters after the value");
      blip_json_free (j);
      return NULL;
    }
  return j;
}

BlipJson *
blip_json_get (const BlipJson *o, const char *key)
{
  if (o == NULL || o->type != BLIP_JSON_OBJECT)
    return NULL;
  for (guint i = 0; i < o->keys->len; i++)
    if (strcmp (g_ptr_array_index (o->keys, i), key) == 0)
      return g_ptr_array_index (o->items, i);
  return NULL;
}

gboolean
blip_json_get_string (const BlipJson *o, const char *key, const char **out)
{
  BlipJson *v = blip_json_get (o, key);
  if (v == NULL || v->type != BLIP_JSON_STRING)
    return FALSE;
  *out = v->string;
  return TRUE;
}

gboolean
blip_json_get_number (const BlipJson *o, const char *key, double *out)
{
  BlipJson *v = blip_json_get (o, key);
  if (v == NULL || v->type != BLIP_JSON_NUMBER)
    return FALSE;
  *out = v->number;
  return TRUE;
}

gboolean
blip_json_as_uint64 (const BlipJson *v, guint64 *out)
{
  if (v == NULL || v->type != BLIP_JSON_NUMBER || v->string[0] == '-')
    return FALSE;
  for (const char *p = v->string; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  errno = 0;
  char *end;
  guint64 n = g_ascii_strtoull (v->string, &end, 10);
  if (errno != 0 || *end != '\0' || n > G_MAXINT64)
    return FALSE;
  *out = n;
  return TRUE;
}
