#include "config.h"

#include <pcap/pcap.h>
#include <stdlib.h>

#include "dd-options.h"
#include "dd-worker-args.h"
#include "dd-worker-run.h"

int
main (int    argc,
      char **argv)
{
  /* The original spelled its option "-listen". */
  static const char * const single_dash[] = { "-listen", NULL };
  g_auto(DdWorkerArgs) args;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;

  dd_options_init_program ("ddump-worker");
  dd_worker_args_init (&args);
  dd_options_accept_single_dash (argc, argv, single_dash);
  context = dd_worker_args_context (&args);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return dd_options_fail (DD_WORKER_EXIT_USAGE, "%s", error->message);
  if (args.version)
    {
      g_print ("ddump-worker %s (%s)\n", PACKAGE_VERSION, pcap_lib_version ());
      return EXIT_SUCCESS;
    }
  if (!dd_worker_args_check (&args, &error))
    return dd_options_fail (DD_WORKER_EXIT_USAGE, "%s", error->message);
  return dd_worker_run (&args);
}
