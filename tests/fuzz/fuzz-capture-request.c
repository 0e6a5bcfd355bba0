/* The worker's GET /capture request: the query string, then after a newline the Accept
 * header. Invariants: a parsed request is within the limits the worker enforces and its
 * filter can be combined with the self-exclusion; every rejection carries a message in
 * DD_CAPTURE_REQUEST_ERROR. */
#include "config.h"

#include <net/if.h>

#include "dd-capture-request.h"
#include "dd-fuzz.h"

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  g_autofree char *input = dd_fuzz_strndup (data, size);
  char *accept = strchr (input, '\n');
  g_autoptr(GError) error = NULL;
  g_autoptr(DdCaptureRequest) request = NULL;
  g_autofree char *filter = NULL;

  if (accept != NULL)
    *accept++ = '\0';
  request = dd_capture_request_parse (input, accept, &error);
  if (request == NULL)
    {
      DD_FUZZ_CHECK_ERROR (error, DD_CAPTURE_REQUEST_ERROR);
      return 0;
    }
  g_assert_no_error (error);
  g_assert_cmpuint (request->snaplen, >=, 1);
  g_assert_cmpuint (request->snaplen, <=, DD_MAX_SNAPLEN);
  g_assert_cmpuint (request->duration_ms, <=, G_GUINT64_CONSTANT (31536000000));
  g_assert_true (request->format == DD_FORMAT_PCAP || request->format == DD_FORMAT_PCAPNG);
  g_assert_nonnull (request->filter);
  for (guint i = 0; i < request->interfaces->len; i++)
    {
      const char *name = g_ptr_array_index (request->interfaces, i);

      g_assert_cmpuint (strlen (name), >, 0);
      g_assert_cmpuint (strlen (name), <, IF_NAMESIZE);
    }
  filter = dd_capture_request_build_filter (request, "tcp port 8475");
  g_assert_nonnull (filter);
  g_assert_nonnull (strstr (filter, "tcp port 8475"));
  return 0;
}
