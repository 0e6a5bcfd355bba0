#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dd-log-writer.h"

GLogWriterOutput
dd_log_writer_fields (GLogLevelFlags   level,
                      const GLogField *fields,
                      gsize            n_fields,
                      gpointer         user_data)
{
  const char *domain = NULL;
  g_autofree char *line = NULL;
  GString *out;

  if (g_log_writer_is_journald (fileno (stderr)))
    return g_log_writer_journald (level, fields, n_fields, user_data);
  for (gsize i = 0; i < n_fields; i++)
    if (strcmp (fields[i].key, "GLIB_DOMAIN") == 0)
      domain = fields[i].value;
  if (g_log_writer_default_would_drop (level, domain))
    return G_LOG_WRITER_HANDLED;
  line = g_log_writer_format_fields (level, fields, n_fields, FALSE);
  out = g_string_new (line);
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_has_prefix (fields[i].key, "DDUMP_") && fields[i].length < 0)
      {
        g_autofree char *escaped = g_strescape (fields[i].value, NULL);

        g_string_append_printf (out, " %s=\"%s\"", fields[i].key, escaped);
      }
  g_string_append_c (out, '\n');
  fputs (out->str, stderr);
  fflush (stderr);
  g_string_free (out, TRUE);
  return G_LOG_WRITER_HANDLED;
}
