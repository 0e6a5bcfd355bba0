/* Command-line targets (worker URLs, tcp:// streams, files). Invariants: a parsed target
 * is complete and its label and request URI carry no credentials; every rejection
 * carries a message in DD_TARGET_ERROR. */
#include "config.h"

#include "dd-fuzz.h"
#include "dd-target.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const char * const interfaces[] = { "eth0", NULL };
  static const DdTargetDefaults defaults = {
    .filter = "udp",
    .and_filter = "not tcp port 4242",
    .interfaces = interfaces,
    .snaplen = 96,
  };
  g_autofree char *spec = dd_fuzz_strndup (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTarget) target = dd_target_parse (spec, &defaults, &error);

  if (target == NULL)
    {
      DD_FUZZ_CHECK_ERROR (error, DD_TARGET_ERROR);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_nonnull (target->label);
  switch (target->kind)
    {
    case DD_TARGET_HTTP:
    case DD_TARGET_TCP:
      g_assert_nonnull (target->uri);
      g_assert_nonnull (target->host);
      g_assert_cmpint (g_uri_get_port (target->uri), >=, 1);
      g_assert_cmpint (g_uri_get_port (target->uri), <=, 65535);
      g_assert_null (g_uri_get_userinfo (target->uri));
      g_assert_null (g_uri_get_password (target->uri));
      g_assert_null (strchr (target->label, '@'));
      g_assert_true (target->password == NULL || target->user != NULL);
      break;
    case DD_TARGET_FILE:
      g_assert_nonnull (target->path);
      break;
    default:
      g_assert_not_reached ();
    }
  return 0;
}
