#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <glib/gi18n.h>

#include "dd-options.h"

void
dd_options_accept_single_dash (int                 argc,
                               char              **argv,
                               const char * const *names)
{
  for (int i = 1; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--"))
        break;
      for (const char * const *name = names; *name != NULL; name++)
        {
          gsize len = strlen (*name);

          if (strncmp (argv[i], *name, len) == 0 && (argv[i][len] == '\0' || argv[i][len] == '='))
            {
              /* argv strings are never freed: this one lives as long as the process, held
               * here since GOption rearranges argv. */
              static GPtrArray *kept = NULL;

              if (kept == NULL)
                kept = g_ptr_array_new ();
              argv[i] = g_strconcat ("-", argv[i], NULL);
              g_ptr_array_add (kept, argv[i]);
              break;
            }
        }
    }
}

void
dd_options_init_program (const char *prgname)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname (prgname);
  g_log_writer_default_set_use_stderr (TRUE);
  signal (SIGPIPE, SIG_IGN);
}

int
dd_options_fail (int         status,
                 const char *format,
                 ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  /* TRANSLATORS: the program's name, then what went wrong. */
  g_printerr (_("%s: %s"), g_get_prgname (), text);
  g_printerr ("\n");
  return status;
}

gboolean
dd_options_bad_value (GError    **error,
                      const char *format,
                      ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, text);
  return FALSE;
}
