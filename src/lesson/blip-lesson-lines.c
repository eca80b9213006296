/* blip-lesson-lines.c — where things stand in a lesson file. GKeyFile gives
 * no line numbers and silently merges a group or key given twice, so:
 *   - lesson_keyfile_error_line() finds the line GKeyFile stops at (by
 *     bisection over prefixes of whole lines);
 *   - lesson_scan_lines() records the line of every group header and key,
 *     and reports duplicates;
 *   - lesson_set_error() writes every message as "FILE:LINE: …". */
#include "blip-lesson-private.h"

#include <stdarg.h>
#include <string.h>

static void
key_line_clear (gpointer data)
{
  g_free (((KeyLine *) data)->name);
}

void
lesson_group_lines_free (gpointer data)
{
  GroupLines *g = data;
  g_free (g->name);
  g_array_unref (g->keys);
  g_free (g);
}

void
lesson_set_error (GError **error, const Parser *p, guint line, BlipLessonError code, const char *format, ...)
{
  va_list args;
  va_start (args, format);
  g_autofree char *message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, BLIP_LESSON_ERROR, code, "%s:%u: %s", p->filename, line, message);
}

/* Offsets at which lines 1, 2, … start. */
static GArray *
line_starts (const char *data, gsize length)
{
  GArray *starts = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize zero = 0;
  g_array_append_val (starts, zero);
  for (gsize i = 0; i < length; i++)
    if (data[i] == '\n' && i + 1 < length)
      {
        gsize next = i + 1;
        g_array_append_val (starts, next);
      }
  return starts;
}

guint
lesson_line_of_offset (const char *data, gsize offset)
{
  guint line = 1;
  for (gsize i = 0; i < offset; i++)
    line += data[i] == '\n';
  return line;
}

/* GKeyFile stops at the first line it cannot parse, so a prefix of whole
 * lines fails exactly when it includes that line: bisect for the shortest. */
guint
lesson_keyfile_error_line (const char *data, gsize length, GKeyFileFlags flags)
{
  g_autoptr(GArray) starts = line_starts (data, length);
  guint n = starts->len;
  guint lo = 1, hi = n;
  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      gsize end = g_array_index (starts, gsize, mid);   /* start of line mid + 1 */
      g_autoptr(GKeyFile) kf = g_key_file_new ();
      if (g_key_file_load_from_data (kf, data, end, flags, NULL))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Line number `line` without its end of line or surrounding blanks. */
char *
lesson_line_text (const char *data, gsize length, guint line)
{
  const char *p = data, *end = data + length;
  for (guint i = 1; i < line && p < end; i++)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      p = nl ? nl + 1 : end;
    }
  const char *nl = memchr (p, '\n', (gsize) (end - p));
  return g_strstrip (g_strndup (p, (gsize) ((nl ? nl : end) - p)));
}

const KeyLine *
lesson_find_key_line (const GroupLines *g, const char *key)
{
  for (guint i = 0; i < g->keys->len; i++)
    {
      const KeyLine *k = &g_array_index (g->keys, KeyLine, i);
      if (strcmp (k->name, key) == 0)
        return k;
    }
  return NULL;
}

/* Runs on text GKeyFile accepted, so every line that is not blank or a
 * comment is a [group] header or a key=value pair inside a group. The names
 * seen so far are looked up by hash: a file may hold very many groups or
 * keys (translations, or a file that is no lesson at all). */
gboolean
lesson_scan_lines (Parser *p, const char *data, gsize length, GError **error)
{
  g_autoptr(GHashTable) groups_seen = g_hash_table_new (g_str_hash, g_str_equal);   /* name → GroupLines* */
  g_autoptr(GHashTable) keys_seen = g_hash_table_new (g_str_hash, g_str_equal);     /* in current: name → line */
  GroupLines *current = NULL;
  guint line = 0;
  gsize pos = 0;
  while (pos < length)
    {
      const char *start = data + pos;
      const char *nl = memchr (start, '\n', length - pos);
      const char *end = nl ? nl : data + length;
      pos = (gsize) (end - data) + 1;
      line++;
      if (end > start && end[-1] == '\r')
        end--;
      while (start < end && g_ascii_isspace (*start))
        start++;
      if (start == end || *start == '#')
        continue;
      if (*start == '[')
        {
          const char *close = memchr (start, ']', (gsize) (end - start));
          g_assert (close != NULL);
          g_autofree char *name = g_strndup (start + 1, (gsize) (close - start - 1));
          const GroupLines *first = g_hash_table_lookup (groups_seen, name);
          if (first != NULL)
            {
              lesson_set_error (error, p, line, BLIP_LESSON_ERROR_DUPLICATE,
                                "[%s] appears twice (first on line %u)%s", name, first->line,
                                g_str_has_prefix (name, "Step ") ? ": each step number may be used once" : "");
              return FALSE;
            }
          current = g_new0 (GroupLines, 1);
          current->name = g_steal_pointer (&name);
          current->line = line;
          current->keys = g_array_new (FALSE, FALSE, sizeof (KeyLine));
          g_array_set_clear_func (current->keys, key_line_clear);
          g_ptr_array_add (p->groups, current);
          g_hash_table_insert (groups_seen, current->name, current);
          g_hash_table_remove_all (keys_seen);
          continue;
        }
      const char *eq = memchr (start, '=', (gsize) (end - start));
      g_assert (eq != NULL && current != NULL);
      const char *key_end = eq;
      while (key_end > start && g_ascii_isspace (key_end[-1]))
        key_end--;
      KeyLine k = { g_strndup (start, (gsize) (key_end - start)), line };
      guint first = GPOINTER_TO_UINT (g_hash_table_lookup (keys_seen, k.name));
      if (first != 0)
        {
          lesson_set_error (error, p, line, BLIP_LESSON_ERROR_DUPLICATE,
                            "“%s” appears twice in [%s] (first on line %u)", k.name, current->name, first);
          g_free (k.name);
          return FALSE;
        }
      g_hash_table_insert (keys_seen, k.name, GUINT_TO_POINTER (line));   /* k.name outlives the table */
      g_array_append_val (current->keys, k);
    }
  return TRUE;
}
