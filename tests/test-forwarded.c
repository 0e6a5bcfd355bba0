#include "config.h"

#include <string.h>
#include <gio/gunixsocketaddress.h>

#include "dd-forwarded.h"

static void
test_parse (void)
{
  static const struct {
    const char *header;
    const char *described;  /* NULL: refused */
  } cases[] = {
    { "for=192.0.2.60:41234;by=203.0.113.43:443;proto=https", "192.0.2.60:41234 ↔ 203.0.113.43:443" },
    /* IPv6 in quoted brackets, names in any case, spaces around pairs */
    { "For=\"[2001:db8:cafe::17]:4711\"; BY=\"[2001:db8::1]:8443\"", "[2001:db8:cafe::17]:4711 ↔ [2001:db8::1]:8443" },
    /* several proxies: the last element is the one that reached us */
    { "for=198.51.100.17;by=10.0.0.1, for=10.0.0.1:5555;by=10.0.0.2:443", "10.0.0.1:5555 ↔ 10.0.0.2:443" },
    /* a comma inside quotes is not a separator */
    { "for=10.0.0.9:1;by=10.0.0.8:2;host=\"a,b\"", "10.0.0.9:1 ↔ 10.0.0.8:2" },
    /* without ports: addresses alone */
    { "for=192.0.2.1;by=192.0.2.2", "192.0.2.1 ↔ 192.0.2.2" },
    { "for=unknown;by=10.0.0.1:443", NULL },
    { "for=_hidden;by=10.0.0.1:443", NULL },
    { "for=10.0.0.1:443", NULL },
    { "for=10.0.0.1:99999;by=10.0.0.2:1", NULL },
    { "for=not-an-address;by=10.0.0.2:1", NULL },
    { "garbage", NULL },
    { "", NULL },
  };

  g_test_summary ("RFC 7239 elements: for= and by= with ports, IPv6 in brackets, the last "
                  "element of many; what gives no address to exclude by is refused");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      DdForwardedHop hop;
      g_autoptr(GError) error = NULL;
      gboolean ok = dd_forwarded_parse (cases[i].header, &hop, &error);

      if (cases[i].described == NULL)
        {
          g_assert_false (ok);
          g_assert_nonnull (error);
          g_assert_null (hop.client.address);
          continue;
        }
      g_assert_no_error (error);
      g_assert_true (ok);
      {
        g_autofree char *described = dd_forwarded_hop_describe (&hop);

        g_assert_cmpstr (described, ==, cases[i].described);
      }
      dd_forwarded_hop_clear (&hop);
    }
}

static void
test_filter (void)
{
  DdForwardedHop hop;
  g_autofree char *filter = NULL;

  g_test_summary ("The filter names both ends of the connection, both ways");
  g_assert_true (dd_forwarded_parse ("for=10.1.0.2:51000;by=10.1.0.1:443", &hop, NULL));
  filter = dd_forwarded_hop_filter (&hop);
  g_assert_cmpstr (filter, ==,
                   "(tcp and ((src host 10.1.0.2 and src port 51000 and dst host 10.1.0.1 and dst port 443) or "
                   "(src host 10.1.0.1 and src port 443 and dst host 10.1.0.2 and dst port 51000)))");
  dd_forwarded_hop_clear (&hop);
}

static void
test_trusted (void)
{
  const char *specs[] = { "10.1.0.0/16", "192.0.2.7", "unix", NULL };
  const char *bad[] = { "nginx", NULL };
  g_autoptr(DdTrustedProxies) trusted = dd_trusted_proxies_new (specs, NULL);
  g_autoptr(DdTrustedProxies) none = dd_trusted_proxies_new (NULL, NULL);
  g_autoptr(GSocketAddress) in_net = g_inet_socket_address_new_from_string ("10.1.200.3", 80);
  g_autoptr(GSocketAddress) exact = g_inet_socket_address_new_from_string ("192.0.2.7", 80);
  g_autoptr(GSocketAddress) other = g_inet_socket_address_new_from_string ("192.0.2.8", 80);
  g_autoptr(GSocketAddress) v6 = g_inet_socket_address_new_from_string ("::1", 80);
  g_autoptr(GSocketAddress) unix_peer = g_unix_socket_address_new ("");
  g_autoptr(GError) error = NULL;

  g_test_summary ("Trusted proxies: networks, addresses and unix peers; nothing else");
  g_assert_nonnull (trusted);
  g_assert_true (dd_trusted_proxies_contain (trusted, in_net));
  g_assert_true (dd_trusted_proxies_contain (trusted, exact));
  g_assert_false (dd_trusted_proxies_contain (trusted, other));
  g_assert_false (dd_trusted_proxies_contain (trusted, v6));
  g_assert_true (dd_trusted_proxies_contain (trusted, unix_peer));
  g_assert_true (dd_trusted_proxies_contain (trusted, NULL));
  g_assert_false (dd_trusted_proxies_contain (none, unix_peer));
  g_assert_false (dd_trusted_proxies_contain (none, exact));
  g_assert_null (dd_trusted_proxies_new (bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "nginx"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/forwarded/parse", test_parse);
  g_test_add_func ("/forwarded/filter", test_filter);
  g_test_add_func ("/forwarded/trusted", test_trusted);
  return g_test_run ();
}
