#include "config.h"

#include "dd-listen-address.h"

static void
test_valid (void)
{
  static const struct {
    const char *spec;
    DdListenKind kind;
    const char *host;
    guint port;
    const char *path;
    const char *canonical;
  } cases[] = {
    { ":8475", DD_LISTEN_TCP, NULL, 8475, NULL, ":8475" },
    { ":0", DD_LISTEN_TCP, NULL, 0, NULL, ":0" },
    { "127.0.0.1:9000", DD_LISTEN_TCP, "127.0.0.1", 9000, NULL, "127.0.0.1:9000" },
    { "localhost:1", DD_LISTEN_TCP, "localhost", 1, NULL, "localhost:1" },
    { "[::1]:8475", DD_LISTEN_TCP, "::1", 8475, NULL, "[::1]:8475" },
    { "[fe80::1%eth0]:80", DD_LISTEN_TCP, "fe80::1%eth0", 80, NULL, "[fe80::1%eth0]:80" },
    { "[::]:65535", DD_LISTEN_TCP, "::", 65535, NULL, "[::]:65535" },
    { "unix:/run/ddump.sock", DD_LISTEN_UNIX, NULL, 0, "/run/ddump.sock", "unix:/run/ddump.sock" },
    { "unix:relative.sock", DD_LISTEN_UNIX, NULL, 0, "relative.sock", "unix:relative.sock" },
  };

  g_test_summary ("Every documented --listen form parses and prints back the same");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DdListenAddress) a = dd_listen_address_parse (cases[i].spec, &error);
      g_autofree char *text = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (a);
      g_assert_cmpint (a->kind, ==, cases[i].kind);
      g_assert_cmpstr (a->host, ==, cases[i].host);
      g_assert_cmpuint (a->port, ==, cases[i].port);
      g_assert_cmpstr (a->path, ==, cases[i].path);
      text = dd_listen_address_to_string (a);
      g_assert_cmpstr (text, ==, cases[i].canonical);
    }
}

static void
test_invalid (void)
{
  static const struct {
    const char *spec;
    const char *message_part;
  } cases[] = {
    { "", "expected HOST:PORT" },
    { "8475", "expected HOST:PORT" },
    { "host", "expected HOST:PORT" },
    { ":", "port “”" },
    { ":65536", "65536" },
    { ":-1", "-1" },
    { ":84x", "84x" },
    { "::1:8475", "in brackets" },
    { "[::1]8475", "[IPV6]:PORT" },
    { "[::1", "[IPV6]:PORT" },
    { "[1.2.3.4]:80", "not an IPv6 address" },
    { "[zz]:80", "not an IPv6 address" },
    { "unix:", "path is empty" },
  };

  g_test_summary ("Malformed --listen values are refused with a message naming the problem");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DdListenAddress) a = dd_listen_address_parse (cases[i].spec, &error);

      g_assert_null (a);
      g_assert_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID);
      if (strstr (error->message, cases[i].message_part) == NULL)
        g_error ("“%s”: message “%s” lacks “%s”", cases[i].spec, error->message, cases[i].message_part);
      g_assert_nonnull (strstr (error->message, cases[i].spec));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/listen-address/valid", test_valid);
  g_test_add_func ("/listen-address/invalid", test_invalid);
  return g_test_run ();
}
