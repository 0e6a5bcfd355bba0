#include "config.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <net/if.h>

#include "dd-capture-request.h"

G_DEFINE_QUARK (dd-capture-request-error-quark, dd_capture_request_error)

void
dd_capture_request_free (DdCaptureRequest *request)
{
  if (request == NULL)
    return;
  g_free (request->filter);
  g_ptr_array_unref (request->interfaces);
  g_array_unref (request->ifindexes);
  g_free (request);
}

DdFormat
dd_format_from_accept (const char *accept)
{
  g_autoptr(GSList) unacceptable = NULL;
  GSList *accepted;
  DdFormat format = DD_FORMAT_PCAP;

  if (accept == NULL)
    return DD_FORMAT_PCAP;

  /* Sorted by quality, best first; the first of our two types wins. */
  accepted = soup_header_parse_quality_list (accept, &unacceptable);
  for (GSList *l = accepted; l != NULL; l = l->next)
    {
      if (g_ascii_strcasecmp (l->data, DD_MIME_PCAPNG) == 0)
        {
          format = DD_FORMAT_PCAPNG;
          break;
        }
      if (g_ascii_strcasecmp (l->data, DD_MIME_PCAP) == 0)
        break;
    }
  soup_header_free_list (accepted);
  g_slist_free_full (g_steal_pointer (&unacceptable), g_free);
  return format;
}

static gboolean
parse_unsigned (const char *name,
                const char *value,
                guint64     min,
                guint64     max,
                guint64    *out,
                GError    **error)
{
  if (!g_ascii_string_to_unsigned (value, 10, min, max, out, NULL))
    {
      g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
                   _("invalid value “%s” for parameter “%s”: expected a whole number from %llu to %llu"),
                   value, name, (unsigned long long) min, (unsigned long long) max);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_seconds (const char *name,
               const char *value,
               guint64    *out_ms,
               GError    **error)
{
  char *end = NULL;
  double seconds;

  /* Plain decimal only: g_ascii_strtod() would also take "0x10", "1e3", "inf". */
  seconds = strspn (value, "0123456789.") == strlen (value) ? g_ascii_strtod (value, &end) : -1.0;
  /* Up to a year; finer than a millisecond is meaningless here. */
  if (*value == '\0' || end == NULL || *end != '\0' || !(seconds >= 0.001) || seconds > 31536000.0)
    {
      g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
                   _("invalid value “%s” for parameter “%s”: expected seconds, from 0.001 to 31536000"),
                   value, name);
      return FALSE;
    }
  *out_ms = (guint64) (seconds * 1000.0 + 0.5);
  return TRUE;
}

/* since=-SECONDS: how far back the history goes. */
static gboolean
parse_since (DdCaptureRequest  *request,
             const char        *value,
             GError           **error)
{
  if (value[0] != '-' || !parse_seconds ("since", value + 1, &request->since_ms, NULL))
    {
      g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
                   _("invalid value “%s” for parameter “since”: expected -SECONDS (how far back), from -0.001 to -31536000"),
                   value);
      return FALSE;
    }
  request->has_since = TRUE;
  return TRUE;
}

/* One parameter @name of the query, whose @value it may take. */
static gboolean
parse_parameter (DdCaptureRequest  *request,
                 const char        *name,
                 char             **value,
                 gboolean          *format_given,
                 GError           **error)
{
  const char *v = *value;
  guint64 number;

  if (g_str_equal (name, "filter"))
    {
      g_free (request->filter);
      request->filter = g_strstrip (g_steal_pointer (value));
    }
  else if (g_str_equal (name, "snaplen"))
    {
      if (!parse_unsigned (name, v, 1, DD_MAX_SNAPLEN, &number, error))
        return FALSE;
      request->snaplen = (guint32) number;
    }
  else if (g_str_equal (name, "count"))
    return parse_unsigned (name, v, 1, G_MAXUINT64, &request->count, error);
  else if (g_str_equal (name, "bytes"))
    return parse_unsigned (name, v, 1, G_MAXUINT64, &request->bytes, error);
  else if (g_str_equal (name, "duration"))
    return parse_seconds (name, v, &request->duration_ms, error);
  else if (g_str_equal (name, "timeout"))
    return parse_seconds (name, v, &request->timeout_ms, error);
  else if (g_str_equal (name, "since"))
    return parse_since (request, v, error);
  else if (g_str_equal (name, "interface"))
    {
      if (*v == '\0' || strlen (v) >= IF_NAMESIZE)
        {
          g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
                       _("invalid value “%s” for parameter “interface”: not an interface name"), v);
          return FALSE;
        }
      g_ptr_array_add (request->interfaces, g_steal_pointer (value));
    }
  else if (g_str_equal (name, "format"))
    {
      if (!dd_format_from_string (v, &request->format))
        {
          g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
                       _("invalid value “%s” for parameter “format”: expected pcap or pcapng"), v);
          return FALSE;
        }
      *format_given = TRUE;
    }
  else
    {
      g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_UNKNOWN_PARAMETER,
                   _("unknown parameter “%s” (known: filter, snaplen, count, duration, timeout, bytes, since, interface, format)"),
                   name);
      return FALSE;
    }
  return TRUE;
}

DdCaptureRequest *
dd_capture_request_parse (const char  *query,
                          const char  *accept,
                          GError     **error)
{
  g_autoptr(DdCaptureRequest) request = g_new0 (DdCaptureRequest, 1);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GUriParamsIter iter;
  char *name, *value;
  gboolean format_given = FALSE;
  g_autoptr(GError) local_error = NULL;

  request->filter = g_strdup ("");
  request->snaplen = DD_DEFAULT_SNAPLEN;
  request->interfaces = g_ptr_array_new_with_free_func (g_free);
  request->ifindexes = g_array_new (FALSE, FALSE, sizeof (guint32));

  g_uri_params_iter_init (&iter, query != NULL ? query : "", -1, "&;", G_URI_PARAMS_WWW_FORM);
  while (g_uri_params_iter_next (&iter, &name, &value, &local_error))
    {
      g_autofree char *n = name;
      g_autofree char *v = value;

      if (g_strcmp0 (n, "interface") != 0 && !g_hash_table_add (seen, g_strdup (n)))
        {
          g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_DUPLICATE_PARAMETER,
                       _("parameter “%s” is given more than once"), n);
          return NULL;
        }
      if (!parse_parameter (request, n, &v, &format_given, error))
        return NULL;
    }
  if (local_error != NULL)
    {
      g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_INVALID_VALUE,
                   _("malformed query string: %s"), local_error->message);
      return NULL;
    }

  if (!format_given)
    request->format = dd_format_from_accept (accept);

  return g_steal_pointer (&request);
}

gboolean
dd_capture_request_resolve_interfaces (DdCaptureRequest  *request,
                                       GError           **error)
{
  g_array_set_size (request->ifindexes, 0);
  for (guint i = 0; i < request->interfaces->len; i++)
    {
      const char *name = g_ptr_array_index (request->interfaces, i);
      guint32 index = if_nametoindex (name);

      if (index == 0)
        {
          g_set_error (error, DD_CAPTURE_REQUEST_ERROR, DD_CAPTURE_REQUEST_ERROR_UNKNOWN_INTERFACE,
                       _("unknown interface “%s” (GET /interfaces lists them)"), name);
          return FALSE;
        }
      g_array_append_val (request->ifindexes, index);
    }
  return TRUE;
}

/* The filter actually applied: the user's expression, the interface selection through
 * SLL2's ifindex field (so every stream keeps one link type), and the exclusion of the
 * worker's own traffic. Each part is parenthesised; the user's part has been compiled on
 * its own first, so it cannot unbalance the others. */
char *
dd_capture_request_build_filter (const DdCaptureRequest *request,
                                 const char             *exclusion)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  if (request->filter != NULL && *request->filter != '\0')
    g_ptr_array_add (parts, g_strdup_printf ("(%s)", request->filter));

  if (request->ifindexes->len > 0)
    {
      g_autoptr(GString) s = g_string_new ("(");

      for (guint i = 0; i < request->ifindexes->len; i++)
        g_string_append_printf (s, "%sifindex %u", i > 0 ? " or " : "",
                                g_array_index (request->ifindexes, guint32, i));
      g_string_append_c (s, ')');
      g_ptr_array_add (parts, g_string_free (g_steal_pointer (&s), FALSE));
    }

  if (exclusion != NULL && *exclusion != '\0')
    g_ptr_array_add (parts, g_strdup_printf ("not (%s)", exclusion));

  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" and ", (char **) parts->pdata);
}
