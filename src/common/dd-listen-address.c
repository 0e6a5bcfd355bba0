#include "config.h"

#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>
#include <stdlib.h>
#include <string.h>

#include "dd-listen-address.h"

G_DEFINE_QUARK (dd-listen-address-error-quark, dd_listen_address_error)

void
dd_listen_address_free (DdListenAddress *address)
{
  if (address == NULL)
    return;
  g_free (address->host);
  g_free (address->path);
  g_free (address);
}

static gboolean
parse_port (const char *spec,
            const char *str,
            guint16    *out_port,
            GError    **error)
{
  guint64 port;

  if (!g_ascii_string_to_unsigned (str, 10, 0, G_MAXUINT16, &port, NULL))
    {
      g_set_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID,
                   /* TRANSLATORS: first %s is the whole --listen value, second the port */
                   _("invalid listen address “%s”: port “%s” is not a number from 0 to 65535"),
                   spec, str);
      return FALSE;
    }
  *out_port = (guint16) port;
  return TRUE;
}

DdListenAddress *
dd_listen_address_parse (const char  *spec,
                         GError     **error)
{
  g_autoptr(DdListenAddress) address = g_new0 (DdListenAddress, 1);
  const char *colon;
  g_autofree char *host = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  if (g_str_has_prefix (spec, "unix:"))
    {
      if (spec[5] == '\0')
        {
          g_set_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID,
                       _("invalid listen address “%s”: the unix socket path is empty"), spec);
          return NULL;
        }
      address->kind = DD_LISTEN_UNIX;
      address->path = g_strdup (spec + 5);
      return g_steal_pointer (&address);
    }

  address->kind = DD_LISTEN_TCP;
  if (spec[0] == '[')
    {
      const char *close = strchr (spec, ']');

      if (close == NULL || close[1] != ':')
        {
          g_set_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID,
                       _("invalid listen address “%s”: expected [IPV6]:PORT"), spec);
          return NULL;
        }
      host = g_strndup (spec + 1, close - spec - 1);
      if (!g_hostname_is_ip_address (host) || strchr (host, ':') == NULL)
        {
          g_set_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID,
                       _("invalid listen address “%s”: “%s” is not an IPv6 address"), spec, host);
          return NULL;
        }
      colon = close + 1;
    }
  else
    {
      colon = strrchr (spec, ':');
      if (colon == NULL)
        {
          g_set_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID,
                       _("invalid listen address “%s”: expected HOST:PORT, [IPV6]:PORT, :PORT or unix:PATH"),
                       spec);
          return NULL;
        }
      if (memchr (spec, ':', colon - spec) != NULL)
        {
          g_set_error (error, DD_LISTEN_ADDRESS_ERROR, DD_LISTEN_ADDRESS_ERROR_INVALID,
                       _("invalid listen address “%s”: write an IPv6 address in brackets, as [::1]:8475"),
                       spec);
          return NULL;
        }
      if (colon != spec)
        host = g_strndup (spec, colon - spec);
    }

  if (!parse_port (spec, colon + 1, &address->port, error))
    return NULL;
  address->host = g_steal_pointer (&host);
  return g_steal_pointer (&address);
}

char *
dd_listen_address_to_string (const DdListenAddress *address)
{
  if (address->kind == DD_LISTEN_UNIX)
    return g_strconcat ("unix:", address->path, NULL);
  if (address->host == NULL)
    return g_strdup_printf (":%u", address->port);
  if (strchr (address->host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", address->host, address->port);
  return g_strdup_printf ("%s:%u", address->host, address->port);
}

char *
dd_socket_address_to_string (GSocketAddress *address)
{
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
      g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      guint16 port = g_inet_socket_address_get_port (inet);

      return strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%u", host, port)
                                        : g_strdup_printf ("%s:%u", host, port);
    }
  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    return g_strconcat ("unix:", g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address)), NULL);
  return g_strdup ("?");
}

char *
dd_listen_address_bind (const DdListenAddress  *address,
                        const DdListenBinder   *binder,
                        gpointer                user_data,
                        guint16                *port,
                        GError                **error)
{
  g_autofree char *spec = dd_listen_address_to_string (address);
  g_autolist(GInetAddress) addresses = NULL;
  g_autofree char *first = NULL;
  guint16 bound_port = address->port;

  *port = 0;
  if (address->kind == DD_LISTEN_UNIX)
    {
      g_autoptr(GSocketAddress) sa = g_unix_socket_address_new (address->path);
      g_autoptr(GSocketAddress) bound = binder->bind_address (sa, user_data, error);

      if (bound == NULL)
        {
          g_prefix_error (error, _("cannot listen on %s: "), spec);
          return NULL;
        }
      return g_steal_pointer (&spec);
    }
  if (address->host == NULL)
    {
      bound_port = binder->bind_any (address->port, user_data, error);
      if (bound_port == 0)
        {
          g_prefix_error (error, _("cannot listen on %s: "), spec);
          return NULL;
        }
      *port = bound_port;
      return g_strdup_printf (":%u", bound_port);
    }
  addresses = g_resolver_lookup_by_name (g_resolver_get_default (), address->host, NULL, error);
  if (addresses == NULL)
    {
      g_prefix_error (error, _("cannot listen on %s: "), spec);
      return NULL;
    }
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (l->data, bound_port);
      g_autoptr(GSocketAddress) bound = binder->bind_address (sa, user_data, error);

      if (bound == NULL)
        {
          g_autofree char *ip = g_inet_address_to_string (l->data);

          /* A name's address is said; an address literal is its own. */
          if (g_hostname_is_ip_address (address->host))
            g_prefix_error (error, _("cannot listen on %s: "), spec);
          else
            g_prefix_error (error, _("cannot listen on %s (%s): "), spec, ip);
          return NULL;
        }
      /* Every address of the name on the same port, the first one's when it was 0. */
      bound_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      if (first == NULL)
        first = dd_socket_address_to_string (bound);
    }
  *port = bound_port;
  return g_steal_pointer (&first);
}
