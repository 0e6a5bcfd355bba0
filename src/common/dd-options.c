#include "config.h"

#include <string.h>

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
