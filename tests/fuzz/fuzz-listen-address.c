/* The worker's --listen address. Invariants: a parsed address prints back to a form that
 * parses to the same address; every rejection carries a message in
 * DD_LISTEN_ADDRESS_ERROR. */
#include "config.h"

#include "dd-fuzz.h"
#include "dd-listen-address.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *spec = dd_fuzz_strndup (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(DdListenAddress) address = dd_listen_address_parse (spec, &error);
  g_autoptr(DdListenAddress) again = NULL;
  g_autofree char *printed = NULL;
  g_autofree char *printed_again = NULL;

  if (address == NULL)
    {
      DD_FUZZ_CHECK_ERROR (error, DD_LISTEN_ADDRESS_ERROR);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_true (address->kind == DD_LISTEN_TCP || address->kind == DD_LISTEN_UNIX);
  if (address->kind == DD_LISTEN_UNIX)
    g_assert_nonnull (address->path);
  printed = dd_listen_address_to_string (address);
  again = dd_listen_address_parse (printed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  printed_again = dd_listen_address_to_string (again);
  g_assert_cmpstr (printed, ==, printed_again);
  g_assert_cmpint (again->kind, ==, address->kind);
  g_assert_cmpuint (again->port, ==, address->port);
  return 0;
}
