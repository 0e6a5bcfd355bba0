#include "config.h"

#include <string.h>

#include "dd-worker-peer.h"

/* Who asked: the peer's address, and behind a trusted proxy the connection it received. */
char *
dd_worker_peer_describe (SoupServerMessage *msg,
                         const char        *proxy_hop)
{
  const char *host = soup_server_message_get_remote_host (msg);
  const char *forwarded = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                        "X-Forwarded-For");
  GSocketAddress *address = soup_server_message_get_remote_address (msg);
  g_autofree char *base = NULL;

  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      guint16 port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));

      base = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]:%u", host, port)
                                        : g_strdup_printf ("%s:%u", host, port);
    }
  else
    base = g_strdup ("unix socket");
  if (proxy_hop != NULL)
    return g_strdup_printf ("%s (a trusted proxy, for %s)", base, proxy_hop);
  if (forwarded != NULL)
    return g_strdup_printf ("%s (for %s)", base, forwarded);
  return g_steal_pointer (&base);
}

/* Who asks, for the audit log and the per-client cap: the Basic Auth user and the client
 * certificate's subject that a trusted proxy passes on, else the peer's address. */
char *
dd_worker_peer_identity (SoupServerMessage *msg,
                         gboolean           trusted)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  GSocketAddress *peer = soup_server_message_get_remote_address (msg);
  const char *user, *subject, *host;

  if (trusted)
    {
      user = soup_message_headers_get_one (headers, "X-Ddump-User");
      subject = soup_message_headers_get_one (headers, "X-Ddump-Client-Certificate");
      if (user != NULL && *user == '\0')
        user = NULL;
      if (subject != NULL && *subject == '\0')
        subject = NULL;
      if (user != NULL && subject != NULL)
        return g_strdup_printf ("user %s, certificate %s", user, subject);
      if (user != NULL || subject != NULL)
        return user != NULL ? g_strdup_printf ("user %s", user) : g_strdup_printf ("certificate %s", subject);
    }
  host = soup_server_message_get_remote_host (msg);
  return g_strdup (G_IS_INET_SOCKET_ADDRESS (peer) && host != NULL ? host : "a unix socket peer");
}
