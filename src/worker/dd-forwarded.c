#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "dd-forwarded.h"

G_DEFINE_QUARK (dd-forwarded-error-quark, dd_forwarded_error)

struct _DdTrustedProxies {
  GPtrArray *masks;  /* of GInetAddressMask */
  gboolean   unix_peers;
};

/* The last element of a (possibly repeated, comma-joined) header: commas inside quoted
 * strings do not count. */
static const char *
last_element (const char *header)
{
  const char *start = header;
  gboolean quoted = FALSE;

  for (const char *p = header; *p != '\0'; p++)
    {
      if (quoted && *p == '\\' && p[1] != '\0')
        p++;
      else if (*p == '"')
        quoted = !quoted;
      else if (!quoted && *p == ',')
        start = p + 1;
    }
  return start;
}

/* A node: IPv4[:port], "[IPv6]"[:port] (quoted), "unknown" or an obfuscated _name. */
static gboolean
parse_node (const char      *value,
            DdForwardedNode *node)
{
  g_autofree char *host = NULL;
  const char *port = NULL;
  guint64 number = 0;

  if (value[0] == '[')
    {
      const char *end = strchr (value, ']');

      if (end == NULL)
        return FALSE;
      host = g_strndup (value + 1, (gsize) (end - value - 1));
      if (end[1] == ':')
        port = end + 2;
      else if (end[1] != '\0')
        return FALSE;
    }
  else
    {
      const char *colon = strchr (value, ':');

      host = colon != NULL ? g_strndup (value, (gsize) (colon - value)) : g_strdup (value);
      if (colon != NULL)
        port = colon + 1;
    }
  node->address = g_inet_address_new_from_string (host);
  if (node->address == NULL)
    return FALSE;
  if (port != NULL && (!g_ascii_string_to_unsigned (port, 10, 1, 65535, &number, NULL)))
    {
      g_clear_object (&node->address);
      return FALSE;
    }
  node->port = (guint16) number;
  return TRUE;
}

gboolean
dd_forwarded_parse (const char      *header,
                    DdForwardedHop  *hop,
                    GError         **error)
{
  g_auto(GStrv) pairs = g_strsplit (last_element (header), ";", -1);

  memset (hop, 0, sizeof *hop);
  for (guint i = 0; pairs[i] != NULL; i++)
    {
      char *pair = g_strstrip (pairs[i]);
      char *equals = strchr (pair, '=');
      g_autofree char *value = NULL;
      DdForwardedNode *node;

      if (*pair == '\0')
        continue;
      if (equals == NULL)
        {
          g_set_error (error, DD_FORWARDED_ERROR, DD_FORWARDED_ERROR_SYNTAX,
                       _("“%s” is not a name=value pair"), pair);
          dd_forwarded_hop_clear (hop);
          return FALSE;
        }
      *equals = '\0';
      if (g_ascii_strcasecmp (pair, "for") == 0)
        node = &hop->client;
      else if (g_ascii_strcasecmp (pair, "by") == 0)
        node = &hop->proxy;
      else
        continue;  /* proto=, host=, extensions */
      value = equals[1] == '"' ? g_strndup (equals + 2, strlen (equals + 2) - (g_str_has_suffix (equals + 2, "\"") ? 1 : 0))
                               : g_strdup (equals + 1);
      g_clear_object (&node->address);
      /* "unknown" and obfuscated identifiers name no address: nothing to exclude by. */
      if (!parse_node (value, node) && g_ascii_strcasecmp (value, "unknown") != 0 && value[0] != '_')
        {
          g_set_error (error, DD_FORWARDED_ERROR, DD_FORWARDED_ERROR_SYNTAX,
                       _("%s=“%s” is not an address, with or without a port"), pair, value);
          dd_forwarded_hop_clear (hop);
          return FALSE;
        }
    }
  if (hop->client.address == NULL || hop->proxy.address == NULL)
    {
      g_set_error (error, DD_FORWARDED_ERROR, DD_FORWARDED_ERROR_MISSING,
                   _("its last element has no %s address (the proxy must send for= and by=, "
                     "with ports)"), hop->client.address == NULL ? "for=" : "by=");
      dd_forwarded_hop_clear (hop);
      return FALSE;
    }
  return TRUE;
}

void
dd_forwarded_hop_clear (DdForwardedHop *hop)
{
  g_clear_object (&hop->client.address);
  g_clear_object (&hop->proxy.address);
}

/* "src host A and src port P" (the port when given). */
static char *
end_filter (const char            *direction,
            const DdForwardedNode *node)
{
  g_autofree char *host = g_inet_address_to_string (node->address);

  if (node->port == 0)
    return g_strdup_printf ("%s host %s", direction, host);
  return g_strdup_printf ("%s host %s and %s port %u", direction, host, direction, node->port);
}

char *
dd_forwarded_hop_filter (const DdForwardedHop *hop)
{
  g_autofree char *c_src = end_filter ("src", &hop->client);
  g_autofree char *c_dst = end_filter ("dst", &hop->client);
  g_autofree char *p_src = end_filter ("src", &hop->proxy);
  g_autofree char *p_dst = end_filter ("dst", &hop->proxy);

  return g_strdup_printf ("(tcp and ((%s and %s) or (%s and %s)))", c_src, p_dst, p_src, c_dst);
}

static char *
describe_node (const DdForwardedNode *node)
{
  g_autofree char *host = g_inet_address_to_string (node->address);
  gboolean v6 = g_inet_address_get_family (node->address) == G_SOCKET_FAMILY_IPV6;

  if (node->port == 0)
    return g_steal_pointer (&host);
  return g_strdup_printf (v6 ? "[%s]:%u" : "%s:%u", host, node->port);
}

char *
dd_forwarded_hop_describe (const DdForwardedHop *hop)
{
  g_autofree char *client = describe_node (&hop->client);
  g_autofree char *proxy = describe_node (&hop->proxy);

  return g_strdup_printf ("%s ↔ %s", client, proxy);
}

/* ---- trusted proxies ----------------------------------------------------------------- */

DdTrustedProxies *
dd_trusted_proxies_new (const char * const *specs,
                        GError            **error)
{
  g_autoptr(DdTrustedProxies) self = g_new0 (DdTrustedProxies, 1);

  self->masks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; specs != NULL && specs[i] != NULL; i++)
    {
      GInetAddressMask *mask;
      g_autoptr(GError) local_error = NULL;

      if (strcmp (specs[i], "unix") == 0)
        {
          self->unix_peers = TRUE;
          continue;
        }
      mask = g_inet_address_mask_new_from_string (specs[i], &local_error);
      if (mask == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       _("--trust-proxy “%s”: not an address, a network (ADDR/LENGTH) or “unix”"),
                       specs[i]);
          return NULL;
        }
      g_ptr_array_add (self->masks, mask);
    }
  return g_steal_pointer (&self);
}

void
dd_trusted_proxies_free (DdTrustedProxies *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->masks);
  g_free (self);
}

gboolean
dd_trusted_proxies_contain (DdTrustedProxies *self,
                            GSocketAddress   *peer)
{
  GInetAddress *address;

  if (!G_IS_INET_SOCKET_ADDRESS (peer))
    return self->unix_peers;
  address = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer));
  for (guint i = 0; i < self->masks->len; i++)
    {
      GInetAddressMask *mask = self->masks->pdata[i];

      if (g_inet_address_mask_get_family (mask) == g_inet_address_get_family (address) &&
          g_inet_address_mask_matches (mask, address))
        return TRUE;
    }
  return FALSE;
}
