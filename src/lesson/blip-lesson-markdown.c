/* blip-lesson-markdown.c — the Markdown subset of a step's Text and
 * Question as Pango markup (**bold**, *italic*, `code`, ^{sup}, _{sub},
 * bullets, paragraphs). Every span wraps a recursively converted substring,
 * so the result is always valid markup. */
#include "blip-lesson.h"

#include <string.h>

static void
append_escaped (GString *out, const char *s, gsize length)
{
  g_autofree char *e = g_markup_escape_text (s, (gssize) length);
  g_string_append (out, e);
}

static gboolean
is_mark (char c)
{
  return c == '\\' || c == '`' || c == '*' || c == '^' || c == '_';
}

/* A code span `…` starting at p (non-empty), or NULL. */
static const char *
code_close (const char *p, const char *end)
{
  if (p + 1 >= end)
    return NULL;
  const char *close = memchr (p + 1, '`', (gsize) (end - p - 1));
  return close != NULL && close > p + 1 ? close : NULL;
}

/* Past an escape or a code span at q, or past one character. */
static const char *
skip_atom (const char *q, const char *end)
{
  if (*q == '\\' && q + 1 < end)
    return q + 2;
  if (*q == '`')
    {
      const char *close = code_close (q, end);
      if (close != NULL)
        return close + 1;
    }
  return q + 1;
}

/* Finding a closing mark walks forward from the span's first character and
 * fails at the end of the text, so an unmatched mark written many times
 * ("*a *a *a …") would make the conversion quadratic in the text's length.
 * The walk's next position depends on where it is, never on where it began;
 * so every position a failed walk went through after its start leads to no
 * closing mark either, and later walks of the same kind stop there. */
typedef enum { DEAD_STRONG = 1, DEAD_EM = 2, DEAD_BRACE = 4 } DeadFlag;

typedef struct {
  const char *base;    /* the text inline_markup converts */
  const char *end;
  guint8     *dead;    /* DeadFlag bits per byte, made on the first failed walk */
} Spans;

typedef struct {
  DeadFlag    flag;
  gboolean    may_be_first;    /* whether the span's first character may close it */
  const char *(*next)   (const char *q, const char *end);
  gboolean    (*closes) (const char *q, const char *end);   /* q[-1] is readable */
} CloseWalk;

/* ** closes a strong span after a non-blank; escapes and code spans are skipped. */
static const char *
strong_next (const char *q, const char *end)
{
  return *q == '\\' || *q == '`' ? skip_atom (q, end) : q + 1;
}

static gboolean
strong_closes (const char *q, const char *end)
{
  return q[0] == '*' && q + 1 < end && q[1] == '*' && !g_ascii_isspace (q[-1]);
}

/* A single * closes an emphasis span after a non-blank; ** inside belongs to
 * a strong span and is skipped. */
static const char *
em_next (const char *q, const char *end)
{
  if (*q == '\\' || *q == '`')
    return skip_atom (q, end);
  return *q == '*' && q + 1 < end && q[1] == '*' ? q + 2 : q + 1;
}

static gboolean
em_closes (const char *q, const char *end)
{
  return *q == '*' && !(q + 1 < end && q[1] == '*') && !g_ascii_isspace (q[-1]);
}

/* } closes ^{…} and _{…}; only escapes are skipped. */
static const char *
brace_next (const char *q, const char *end)
{
  return *q == '\\' ? skip_atom (q, end) : q + 1;
}

static gboolean
brace_closes (const char *q, const char *end)
{
  return *q == '}';
}

static const CloseWalk strong_walk = { DEAD_STRONG, FALSE, strong_next, strong_closes };
static const CloseWalk em_walk = { DEAD_EM, FALSE, em_next, em_closes };
static const CloseWalk brace_walk = { DEAD_BRACE, TRUE, brace_next, brace_closes };

static const char *
walk_to_close (Spans *sp, const CloseWalk *w, const char *start)
{
  const char *q;
  for (q = start; q < sp->end; q = w->next (q, sp->end))
    {
      if (sp->dead != NULL && (sp->dead[q - sp->base] & w->flag))
        break;
      if ((q > start || w->may_be_first) && w->closes (q, sp->end))
        return q;
    }
  /* Failed. The start itself stays unmarked when it was not tested. */
  if (sp->dead == NULL)
    sp->dead = g_malloc0 ((gsize) (sp->end - sp->base));
  for (const char *r = start; r < q; r = w->next (r, sp->end))
    if (r > start || w->may_be_first)
      sp->dead[r - sp->base] |= w->flag;
  return NULL;
}

/* The closing ** of a strong span whose text starts at start. */
static const char *
strong_close (Spans *sp, const char *start)
{
  if (start >= sp->end || g_ascii_isspace (*start))
    return NULL;
  return walk_to_close (sp, &strong_walk, start);
}

/* The closing * of an emphasis span whose text starts at start. */
static const char *
em_close (Spans *sp, const char *start)
{
  if (start >= sp->end || g_ascii_isspace (*start))
    return NULL;
  return walk_to_close (sp, &em_walk, start);
}

static const char *
brace_close (Spans *sp, const char *start)
{
  return walk_to_close (sp, &brace_walk, start);
}

/* Spans only ever wrap a recursively converted substring, so tags always
 * nest properly; an opening mark without its closing one is literal text. */
static void
inline_markup (GString *out, const char *s, const char *end)
{
  Spans spans = { s, end, NULL };
  const char *p = s;
  while (p < end)
    {
      const char *q = p;
      while (q < end && !is_mark (*q))
        q++;
      if (q > p)
        {
          append_escaped (out, p, (gsize) (q - p));
          p = q;
          continue;
        }
      const char *close;
      switch (*p)
        {
        case '\\':
          if (p + 1 < end && g_ascii_ispunct (p[1]))
            {
              append_escaped (out, p + 1, 1);
              p += 2;
              continue;
            }
          break;
        case '`':
          if ((close = code_close (p, end)) != NULL)
            {
              g_string_append (out, "<tt>");
              append_escaped (out, p + 1, (gsize) (close - p - 1));
              g_string_append (out, "</tt>");
              p = close + 1;
              continue;
            }
          break;
        case '*':
          if (p + 1 < end && p[1] == '*')
            {
              if ((close = strong_close (&spans, p + 2)) != NULL)
                {
                  g_string_append (out, "<b>");
                  inline_markup (out, p + 2, close);
                  g_string_append (out, "</b>");
                  p = close + 2;
                }
              else
                {
                  g_string_append (out, "**");
                  p += 2;
                }
              continue;
            }
          if ((close = em_close (&spans, p + 1)) != NULL)
            {
              g_string_append (out, "<i>");
              inline_markup (out, p + 1, close);
              g_string_append (out, "</i>");
              p = close + 1;
              continue;
            }
          break;
        case '^':
        case '_':
          if (p + 1 < end && p[1] == '{' && (close = brace_close (&spans, p + 2)) != NULL && close > p + 2)
            {
              const char *tag = *p == '^' ? "sup" : "sub";
              g_string_append_printf (out, "<%s>", tag);
              inline_markup (out, p + 2, close);
              g_string_append_printf (out, "</%s>", tag);
              p = close + 1;
              continue;
            }
          break;
        default:
          break;
        }
      append_escaped (out, p, 1);
      p++;
    }
  g_free (spans.dead);
}

static void
flush_paragraph (GString *out, GString *para)
{
  if (para->len == 0)
    return;
  if (out->len > 0)
    g_string_append (out, "\n\n");
  inline_markup (out, para->str, para->str + para->len);
  g_string_truncate (para, 0);
}

char *
blip_lesson_markdown_to_markup (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);
  GString *out = g_string_new (NULL);
  g_autoptr(GString) para = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = g_strchomp (lines[i]);
      const char *s = line;
      while (*s == ' ' || *s == '\t')
        s++;
      if (*s == '\0')
        {
          flush_paragraph (out, para);
          continue;
        }
      if (para->len > 0)
        g_string_append_c (para, '\n');
      if ((s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t'))
        {
          /* a bullet keeps its indentation, so nested lists stay readable */
          g_string_append_len (para, line, s - line);
          g_string_append (para, "• ");
          s += 2;
          while (*s == ' ' || *s == '\t')
            s++;
        }
      g_string_append (para, s);
    }
  flush_paragraph (out, para);
  return g_string_free (out, FALSE);
}
