#include "config.h"

#include <stdlib.h>

#include "dd-options.h"
#include "dd-process.h"
#include "dd-trigger.h"
#include "dd-trigger-args.h"
#include "dd-trigger-run.h"

int
main (int   argc,
      char *argv[])
{
  g_auto(DdTriggerArgs) args = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTriggerConfig) config = dd_trigger_config_new ();
  g_autoptr(DdTrigger) trigger = NULL;

  dd_options_init_program ("ddump-trigger");
  context = dd_trigger_args_context (&args);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return dd_options_fail (DD_TRIGGER_EXIT_USAGE, "%s", error->message);
  if (args.version)
    {
      g_print ("ddump-trigger %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (args.verbose)
    g_log_set_debug_enabled (TRUE);
  if (!dd_trigger_args_apply (&args, config, &error))
    return dd_options_fail (DD_TRIGGER_EXIT_USAGE, "%s", error->message);
  dd_process_keep_heap (16 * 1024 * 1024);
  trigger = dd_trigger_new (g_steal_pointer (&config), &error);
  if (trigger == NULL)
    return dd_options_fail (DD_TRIGGER_EXIT_USAGE, "%s", error->message);
  return dd_trigger_run (trigger);
}
