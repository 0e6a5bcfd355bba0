#include "config.h"

#include <pcap/pcap.h>

#include "dd-capture.h"
#include "dd-capture-request.h"
#include "dd-filter.h"
#include "dd-format.h"
#include "dd-worker-server.h"

static void
test_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DdCaptureRequest) r = dd_capture_request_parse (NULL, NULL, &error);

  g_test_summary ("No parameters: everything, full snaplen, no limits, pcap");
  g_assert_no_error (error);
  g_assert_cmpstr (r->filter, ==, "");
  g_assert_cmpuint (r->snaplen, ==, 262144);
  g_assert_cmpuint (r->count, ==, 0);
  g_assert_cmpuint (r->duration_ms, ==, 0);
  g_assert_cmpuint (r->timeout_ms, ==, 0);
  g_assert_cmpuint (r->bytes, ==, 0);
  g_assert_cmpuint (r->interfaces->len, ==, 0);
  g_assert_cmpint (r->format, ==, DD_FORMAT_PCAP);
}

static void
test_values (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DdCaptureRequest) r =
    dd_capture_request_parse ("filter=icmp%20and%20host+10.0.0.1&snaplen=96&count=5&duration=1.5"
                              "&timeout=0.25&bytes=4096&since=-2.5&interface=lo&interface=eth0&format=pcapng",
                              DD_MIME_PCAP, &error);

  g_test_summary ("Every parameter is decoded (%-escapes and + for spaces); interface repeats; "
                  "format= beats Accept");
  g_assert_no_error (error);
  g_assert_cmpstr (r->filter, ==, "icmp and host 10.0.0.1");
  g_assert_cmpuint (r->snaplen, ==, 96);
  g_assert_cmpuint (r->count, ==, 5);
  g_assert_cmpuint (r->duration_ms, ==, 1500);
  g_assert_cmpuint (r->timeout_ms, ==, 250);
  g_assert_cmpuint (r->bytes, ==, 4096);
  g_assert_true (r->has_since);
  g_assert_cmpuint (r->since_ms, ==, 2500);
  g_assert_cmpuint (r->interfaces->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (r->interfaces, 0), ==, "lo");
  g_assert_cmpstr (g_ptr_array_index (r->interfaces, 1), ==, "eth0");
  g_assert_cmpint (r->format, ==, DD_FORMAT_PCAPNG);
}

static void
test_invalid (void)
{
  static const struct {
    const char *query;
    gint code;
    const char *message_part;
  } cases[] = {
    { "bogus=1", DD_CAPTURE_REQUEST_ERROR_UNKNOWN_PARAMETER, "“bogus”" },
    { "snaplen=0", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“snaplen”" },
    { "snaplen=262145", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "262144" },
    { "snaplen=abc", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“abc”" },
    { "count=0", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“count”" },
    { "count=-3", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“count”" },
    { "duration=0", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“duration”" },
    { "duration=1s", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“duration”" },
    { "duration=nan", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“duration”" },
    { "duration=", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“duration”" },
    { "timeout=0", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“timeout”" },
    { "timeout=-1", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“timeout”" },
    { "bytes=0", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“bytes”" },
    { "bytes=1k", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“bytes”" },
    { "timeout=1&timeout=2", DD_CAPTURE_REQUEST_ERROR_DUPLICATE_PARAMETER, "“timeout”" },
    { "since=5", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“since”" },
    { "since=-", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“since”" },
    { "since=-x", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“since”" },
    { "format=json", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "pcap or pcapng" },
    { "interface=", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“interface”" },
    { "interface=aaaaaaaaaaaaaaaaaaaaaa", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "“interface”" },
    { "count=1&count=2", DD_CAPTURE_REQUEST_ERROR_DUPLICATE_PARAMETER, "“count”" },
    { "filter=a&filter=b", DD_CAPTURE_REQUEST_ERROR_DUPLICATE_PARAMETER, "“filter”" },
    { "filter=%zz", DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE, "malformed" },
  };

  g_test_summary ("Each bad or unknown parameter is refused with a message naming it");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DdCaptureRequest) r = dd_capture_request_parse (cases[i].query, NULL, &error);

      g_assert_null (r);
      g_assert_error (error, DD_CAPTURE_REQUEST_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].message_part) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", cases[i].query, error->message, cases[i].message_part);
    }
}

static void
test_accept (void)
{
  static const struct {
    const char *accept;
    DdFormat format;
  } cases[] = {
    { NULL, DD_FORMAT_PCAP },
    { "", DD_FORMAT_PCAP },
    { "*/*", DD_FORMAT_PCAP },
    { "application/x-pcapng", DD_FORMAT_PCAPNG },
    { "application/x-pcapng, application/vnd.tcpdump.pcap;q=0.5", DD_FORMAT_PCAPNG },
    { "application/vnd.tcpdump.pcap, application/x-pcapng;q=0.5", DD_FORMAT_PCAP },
    { "application/vnd.tcpdump.pcap;q=0.1, application/x-pcapng;q=0.9", DD_FORMAT_PCAPNG },
    { "text/html, application/x-pcapng;q=0.2", DD_FORMAT_PCAPNG },
    { "application/x-pcapng;q=0", DD_FORMAT_PCAP },
  };

  g_test_summary ("Without format=, the Accept header picks the format by quality; pcap by default");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (dd_format_from_accept (cases[i].accept), ==, cases[i].format);
}

static void
assert_compiles (const char *filter)
{
  g_autoptr(GError) error = NULL;

  if (!dd_filter_check (filter, DD_LINKTYPE_LINUX_SLL2, 262144, &error))
    g_error ("“%s” does not compile: %s", filter, error->message);
}

static void
test_build_filter (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DdCaptureRequest) r = dd_capture_request_parse ("filter=udp", NULL, &error);
  g_autofree char *f1 = NULL;
  g_autofree char *f2 = NULL;
  g_autofree char *f3 = NULL;
  guint32 idx[] = { 1, 7 };

  g_test_summary ("The applied filter ANDs the user's expression, the ifindex selection and the "
                  "exclusion, and libpcap compiles it for SLL2");
  g_assert_no_error (error);
  f1 = dd_capture_request_build_filter (r, "tcp port 8475");
  g_assert_cmpstr (f1, ==, "(udp) and not (tcp port 8475)");
  assert_compiles (f1);

  g_array_append_vals (r->ifindexes, idx, 2);
  f2 = dd_capture_request_build_filter (r, "");
  g_assert_cmpstr (f2, ==, "(udp) and (ifindex 1 or ifindex 7)");
  assert_compiles (f2);

  g_free (r->filter);
  r->filter = g_strdup ("");
  g_array_set_size (r->ifindexes, 0);
  f3 = dd_capture_request_build_filter (r, NULL);
  g_assert_cmpstr (f3, ==, "");
  assert_compiles (f3);
}

static void
test_filter_check (void)
{
  g_autoptr(GError) error = NULL;

  g_test_summary ("A bad expression is refused with libpcap's message; one that would break out of "
                  "its parentheses does not compile on its own");
  g_assert_false (dd_filter_check ("icmpx", DD_LINKTYPE_LINUX_SLL2, 100, &error));
  g_assert_error (error, DD_FILTER_ERROR, DD_FILTER_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_clear_error (&error);
  g_assert_false (dd_filter_check ("tcp) or (udp", DD_LINKTYPE_LINUX_SLL2, 100, &error));
  g_assert_error (error, DD_FILTER_ERROR, DD_FILTER_ERROR_INVALID);
}

static void
test_self_exclusion (void)
{
  g_autoptr(GPtrArray) addresses = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *filter = NULL;
  g_autofree char *empty = NULL;

  g_test_summary ("The exclusion covers every TCP listener (any address for wildcards), once each, "
                  "and skips unix sockets");
  empty = dd_filter_sockets (addresses);
  g_assert_cmpstr (empty, ==, "");

  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("0.0.0.0", 8475));
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("::", 8475));
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("127.0.0.1", 9000));
  g_ptr_array_add (addresses, g_inet_socket_address_new_from_string ("::1", 9001));
  g_ptr_array_add (addresses, g_unix_socket_address_new ("/tmp/x.sock"));
  filter = dd_filter_sockets (addresses);
  g_assert_cmpstr (filter, ==,
                   "tcp port 8475"
                   " or (tcp and ((src host 127.0.0.1 and src port 9000) or (dst host 127.0.0.1 and dst port 9000)))"
                   " or (tcp and ((src host ::1 and src port 9001) or (dst host ::1 and dst port 9001)))");
  assert_compiles (filter);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/capture-request/defaults", test_defaults);
  g_test_add_func ("/capture-request/values", test_values);
  g_test_add_func ("/capture-request/invalid", test_invalid);
  g_test_add_func ("/capture-request/accept", test_accept);
  g_test_add_func ("/capture-request/build-filter", test_build_filter);
  g_test_add_func ("/capture-request/filter-check", test_filter_check);
  g_test_add_func ("/capture-request/self-exclusion", test_self_exclusion);
  return g_test_run ();
}
