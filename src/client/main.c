#include "config.h"

#include "dd-cli.h"
#include "dd-cli-args.h"
#include "dd-extcap.h"
#include "dd-options.h"
#include "dd-process.h"

int
main (int    argc,
      char **argv)
{
  /* The original spelled these with one dash. */
  static const char * const single_dash[] = { "-ca", "-cert", "-key", NULL };
  g_auto(DdCliArgs) args;
  g_auto(DdExtcapArgs) extcap = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  DdCliOptions options = { .output_fd = -1 };
  int status;

  dd_options_init_program ("ddump");
  dd_cli_args_init (&args);
  dd_options_accept_single_dash (argc, argv, single_dash);
  context = dd_cli_args_context (&args);
  dd_extcap_add_options (context, &extcap);
  dd_extcap_drop_unknown_options (&argc, argv, args.entries);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return dd_options_fail (DD_EXIT_USAGE, "%s", error->message);
  if (args.version)
    {
      g_print ("ddump %s\n", PACKAGE_VERSION);
      return DD_EXIT_OK;
    }
  status = dd_extcap_answer_query (&extcap);
  if (status >= 0)
    return status;
  options.fifo_path = args.fifo_path;
  status = dd_extcap_setup_capture (&extcap, &options);
  if (status >= 0)
    return status;
  if (!dd_cli_args_apply (&args, &options, &error))
    return dd_options_fail (DD_EXIT_USAGE, "%s", error->message);
  if (args.verbose)
    g_log_set_debug_enabled (TRUE);
  dd_process_keep_heap (16 * 1024 * 1024);
  return dd_cli_run (&options);
}
