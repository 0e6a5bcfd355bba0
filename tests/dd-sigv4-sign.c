/* Prints the SigV4 Authorization of a request, for comparing dd-sigv4 with another
 * signer (curl --aws-sigv4) in the tests:
 *   dd-sigv4-sign ACCESS SECRET REGION SERVICE METHOD PATH PAYLOAD_SHA256 AMZ_DATE NAME VALUE... */
#include "config.h"

#include <glib.h>

#include "dd-sigv4.h"

int
main (int   argc,
      char *argv[])
{
  DdSigv4Key key;
  g_autofree char *authorization = NULL;

  if (argc < 11 || (argc - 9) % 2 != 0)
    {
      g_printerr ("usage: %s ACCESS SECRET REGION SERVICE METHOD PATH PAYLOAD_SHA256 AMZ_DATE NAME VALUE...\n", argv[0]);
      return 1;
    }
  key = (DdSigv4Key) { argv[1], argv[2], argv[3], argv[4] };
  authorization = dd_sigv4_authorization (&key, argv[5], argv[6], NULL, (const char * const *) argv + 9,
                                          argv[7], argv[8], NULL);
  g_print ("%s\n", authorization);
  return 0;
}
