#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "dd-discovery.h"
#include "dd-target.h"

G_DEFINE_QUARK (dd-discovery-error-quark, dd_discovery_error)

#define URI_FLAGS (G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS)

/* The discovery schemes: what they look up, and the workers' scheme. */
typedef struct {
  const char *scheme;
  gboolean srv;
  const char *worker_scheme;
} Scheme;

static const Scheme schemes[] = {
  { "dns", FALSE, "http" },
  { "dns+srv", TRUE, "http" },
  { "dns+https", FALSE, "https" },
  { "dns+srv+https", TRUE, "https" },
};

static const Scheme *
find_scheme (const char *spec)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      gsize len = strlen (schemes[i].scheme);

      if (g_ascii_strncasecmp (spec, schemes[i].scheme, len) == 0 && g_str_has_prefix (spec + len, "://"))
        return &schemes[i];
    }
  return NULL;
}

gboolean
dd_discovery_handles (const char *spec)
{
  return find_scheme (spec) != NULL;
}

/* SCHEME://[USER[:PASSWORD]@]HOST:PORT/PATH?QUERY, the parts @uri has besides its host. */
static char *
worker_url (const Scheme *scheme,
            GUri         *uri,
            const char   *host,
            int           port)
{
  g_autofree char *userinfo = NULL;

  if (g_uri_get_user (uri) != NULL)
    userinfo = g_uri_get_password (uri) != NULL
      ? g_strconcat (g_uri_get_user (uri), ":", g_uri_get_password (uri), NULL)
      : g_strdup (g_uri_get_user (uri));
  return g_uri_join (G_URI_FLAGS_ENCODED, scheme->worker_scheme, userinfo, host, port, g_uri_get_path (uri),
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

static void
add_addresses (const Scheme *scheme,
               GUri         *uri,
               GList        *addresses,
               GPtrArray    *urls)
{
  int port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : DD_DEFAULT_PORT;

  for (GList *l = addresses; l != NULL; l = l->next)
    {
      g_autofree char *ip = g_inet_address_to_string (l->data);

      add_unique (urls, worker_url (scheme, uri, ip, port));
    }
}

static void
add_srv_targets (const Scheme *scheme,
                 GUri         *uri,
                 GList        *targets,
                 GPtrArray    *urls)
{
  for (GList *l = targets; l != NULL; l = l->next)
    add_unique (urls, worker_url (scheme, uri, g_srv_target_get_hostname (l->data), g_srv_target_get_port (l->data)));
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

/* What a lookup needs: the parsed spec, and for SRV the service and domain. */
typedef struct {
  GUri *uri;
  const Scheme *scheme;
  char *service;
  char *domain;
} Query;

static void
query_free (Query *query)
{
  g_clear_pointer (&query->uri, g_uri_unref);
  g_free (query->service);
  g_free (query->domain);
  g_free (query);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Query, query_free)

static Query *
query_new (const char  *spec,
           GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(Query) query = g_new0 (Query, 1);

  query->uri = g_uri_parse (spec, URI_FLAGS, &local_error);
  if (query->uri == NULL || g_uri_get_host (query->uri) == NULL || g_uri_get_host (query->uri)[0] == '\0')
    {
      g_set_error (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID,
                   _("not a valid discovery URL: %s"),
                   local_error != NULL ? local_error->message : _("no name to look up"));
      return NULL;
    }
  query->scheme = find_scheme (spec);
  if (query->scheme == NULL)
    {
      g_set_error (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID,
                   _("not a valid discovery URL: %s"), _("expected dns://, dns+srv://, dns+https:// or dns+srv+https://"));
      return NULL;
    }
  if (!query->scheme->srv)
    return g_steal_pointer (&query);
  if (g_uri_get_port (query->uri) > 0)
    {
      g_set_error_literal (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_INVALID,
                           _("a dns+srv:// or dns+srv+https:// target takes its ports from the SRV records: remove the port"));
      return NULL;
    }
  if (!split_service (g_uri_get_host (query->uri), &query->service, &query->domain, error))
    return NULL;
  return g_steal_pointer (&query);
}

/* The URLs of what a lookup found (@records: GInetAddress or GSrvTarget), or an error
 * that names the name. */
static GStrv
query_finish (Query   *query,
              GList   *records,
              GError  *lookup_error,
              GError **error)
{
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);

  if (records == NULL)
    {
      g_set_error (error, DD_DISCOVERY_ERROR, DD_DISCOVERY_ERROR_NOT_FOUND,
                   _("no worker found under %s “%s”: %s"), query->scheme->srv ? _("the SRV name") : _("the name"),
                   g_uri_get_host (query->uri), lookup_error != NULL ? lookup_error->message : _("no records"));
      return NULL;
    }
  if (query->scheme->srv)
    add_srv_targets (query->scheme, query->uri, records, urls);
  else
    add_addresses (query->scheme, query->uri, records, urls);
  g_ptr_array_add (urls, NULL);
  return (GStrv) g_ptr_array_steal (urls, NULL);
}

static void
free_records (Query *query,
              GList *records)
{
  if (query->scheme->srv)
    g_list_free_full (records, (GDestroyNotify) g_srv_target_free);
  else
    g_resolver_free_addresses (records);
}

GStrv
dd_discovery_resolve (GResolver     *resolver,
                      const char    *spec,
                      GCancellable  *cancellable,
                      GError       **error)
{
  g_autoptr(Query) query = query_new (spec, error);
  g_autoptr(GError) lookup_error = NULL;
  GList *records;
  GStrv urls;

  if (query == NULL)
    return NULL;
  records = query->scheme->srv
    ? g_resolver_lookup_service (resolver, query->service, "tcp", query->domain, cancellable, &lookup_error)
    : g_resolver_lookup_by_name (resolver, g_uri_get_host (query->uri), cancellable, &lookup_error);
  urls = query_finish (query, records, lookup_error, error);
  free_records (query, records);
  return urls;
}

static void
lookup_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Query *query = g_task_get_task_data (task);
  g_autoptr(GError) lookup_error = NULL;
  GError *error = NULL;
  GList *records = query->scheme->srv
    ? g_resolver_lookup_service_finish (G_RESOLVER (object), result, &lookup_error)
    : g_resolver_lookup_by_name_finish (G_RESOLVER (object), result, &lookup_error);
  GStrv urls;

  if (g_error_matches (lookup_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&lookup_error));
      return;
    }
  urls = query_finish (query, records, lookup_error, &error);
  free_records (query, records);
  if (urls == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, urls, (GDestroyNotify) g_strfreev);
}

void
dd_discovery_resolve_async (GResolver           *resolver,
                            const char          *spec,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (resolver, cancellable, callback, user_data);
  GError *error = NULL;
  Query *query = query_new (spec, &error);

  g_task_set_source_tag (task, dd_discovery_resolve_async);
  if (query == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, query, (GDestroyNotify) query_free);
  if (query->scheme->srv)
    g_resolver_lookup_service_async (resolver, query->service, "tcp", query->domain, cancellable,
                                     lookup_cb, g_steal_pointer (&task));
  else
    g_resolver_lookup_by_name_async (resolver, g_uri_get_host (query->uri), cancellable,
                                     lookup_cb, g_steal_pointer (&task));
}

GStrv
dd_discovery_resolve_finish (GResolver     *resolver,
                             GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, resolver), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
