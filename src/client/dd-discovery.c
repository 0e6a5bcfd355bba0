#include "config.h"

#include <glib/gi18n.h>

#include "dd-discovery.h"
#include "dd-target.h"

G_DEFINE_QUARK (dd-discovery-error-quark, dd_discovery_error)

#define URI_FLAGS (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS)

gboolean
dd_discovery_handles (const char *spec)
{
  return g_ascii_strncasecmp (spec, "dns://", 6) == 0 || g_ascii_strncasecmp (spec, "dns+srv://", 10) == 0;
}

/* http://[USER[:PASSWORD]@]HOST:PORT/PATH?QUERY, the parts @uri has besides its host. */
static char *
worker_url (GUri       *uri,
            const char *host,
            int         port)
{
  g_autofree char *userinfo = NULL;

  if (g_uri_get_user (uri) != NULL)
    userinfo = g_uri_get_password (uri) != NULL
      ? g_strconcat (g_uri_get_user (uri), ":", g_uri_get_password (uri), NULL)
      : g_strdup (g_uri_get_user (uri));
  return g_uri_join (G_URI_FLAGS_ENCODED, "http", userinfo, host, port, g_uri_get_path (uri),
                     g_uri_get_query (uri), NULL);
}

static void
add_unique (GPtrArray *urls,
            char      *url)
{
  if (g_ptr_array_find_with_equal_func (urls, url, g_str_equal, NULL))
    g_free (url);
  else
    g_ptr_array_add (urls, url);
}

static gboolean
resolve_addresses (GResolver     *resolver,
                   GUri          *uri,
                   GPtrArray     *urls,
                   GCancellable  *cancellable,
                   GError       **error)
{
  int port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : DD_DEFAULT_PORT;
  g_autolist(GInetAddress) addresses =
    g_resolver_lookup_by_name (resolver, g_uri_get_host (uri), cancellable, error);

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autofree char *ip = g_inet_address_to_string (l->data);

      add_unique (urls, worker_url (uri, ip, port));
    }
  return addresses != NULL;
}

/* _SERVICE._tcp.DOMAIN, as g_resolver_lookup_service () wants it. */
static gboolean
split_service (const char  *name,
               char       **service,
               char       **domain,
               GError     **error)
{
  g_auto(GStrv) labels = g_strsplit (name, ".", 3);

  if (g_strv_length (labels) < 3 || labels[0][0] != '_' || labels[0][1] == '\0' ||
      g_ascii_strcasecmp (labels[1], "_tcp") != 0 || labels[2][0] == '\0')
    {
      g_set_error (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID,
                   _("“%s” is not an SRV name: write _SERVICE._tcp.DOMAIN (e.g. _ddump._tcp.example.com)"),
                   name);
      return FALSE;
    }
  *service = g_strdup (labels[0] + 1);
  *domain = g_strdup (labels[2]);
  return TRUE;
}

static gboolean
resolve_service (GResolver     *resolver,
                 GUri          *uri,
                 GPtrArray     *urls,
                 GCancellable  *cancellable,
                 GError       **error)
{
  g_autofree char *service = NULL;
  g_autofree char *domain = NULL;
  GList *targets;

  if (g_uri_get_port (uri) > 0)
    {
      g_set_error_literal (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID,
                           _("a dns+srv:// target takes its ports from the SRV records: remove the port"));
      return FALSE;
    }
  if (!split_service (g_uri_get_host (uri), &service, &domain, error))
    return FALSE;
  targets = g_resolver_lookup_service (resolver, service, "tcp", domain, cancellable, error);
  for (GList *l = targets; l != NULL; l = l->next)
    add_unique (urls, worker_url (uri, g_srv_target_get_hostname (l->data), g_srv_target_get_port (l->data)));
  g_list_free_full (targets, (GDestroyNotify) g_srv_target_free);
  return targets != NULL;
}

GStrv
dd_discovery_resolve (GResolver     *resolver,
                      const char    *spec,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GUri) uri = g_uri_parse (spec, URI_FLAGS, &local_error);
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  gboolean srv, found;

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID,
                   _("not a valid discovery URL: %s"),
                   local_error != NULL ? local_error->message : _("no name to look up"));
      return NULL;
    }
  srv = g_ascii_strcasecmp (g_uri_get_scheme (uri), "dns+srv") == 0;
  found = srv ? resolve_service (resolver, uri, urls, cancellable, &local_error)
              : resolve_addresses (resolver, uri, urls, cancellable, &local_error);
  if (!found)
    {
      if (local_error != NULL && local_error->domain == DD_DISCOVERY_ERROR)
        g_propagate_error (error, g_steal_pointer (&local_error));
      else
        g_set_error (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_NOT_FOUND,
                     _("no worker found under %s “%s”: %s"), srv ? _("the SRV name") : _("the name"),
                     g_uri_get_host (uri), local_error != NULL ? local_error->message : _("no records"));
      return NULL;
    }
  g_ptr_array_add (urls, NULL);
  return (GStrv) g_ptr_array_steal (urls, NULL);
}
