#include "config.h"

#include <glib/gi18n.h>

#include "dd-filter.h"
#include "dd-format.h"

G_DEFINE_QUARK (dd-filter-error-quark, dd_filter_error)

DdFilterProgram *
dd_filter_compile (const char  *filter,
                   guint32      linktype,
                   guint32      snaplen,
                   GError     **error)
{
  pcap_t *dead = pcap_open_dead_with_tstamp_precision ((int) linktype, (int) snaplen,
                                                        PCAP_TSTAMP_PRECISION_NANO);
  DdFilterProgram *program;

  if (dead == NULL)
    {
      g_autofree char *described = dd_linktype_describe (linktype);

      g_set_error (error, DD_FILTER_ERROR, DD_FILTER_ERROR_LINKTYPE,
                   _("libpcap cannot filter link type %s"), described);
      return NULL;
    }
  program = g_new0 (DdFilterProgram, 1);
  if (pcap_compile (dead, program, filter, 1, PCAP_NETMASK_UNKNOWN) != 0)
    {
      g_set_error (error, DD_FILTER_ERROR, DD_FILTER_ERROR_INVALID,
                   _("invalid filter “%s”: %s"), filter, pcap_geterr (dead));
      g_clear_pointer (&program, g_free);
    }
  pcap_close (dead);
  return program;
}

void
dd_filter_free (DdFilterProgram *program)
{
  if (program == NULL)
    return;
  pcap_freecode (program);
  g_free (program);
}

gboolean
dd_filter_check (const char  *filter,
                 guint32      linktype,
                 guint32      snaplen,
                 GError     **error)
{
  g_autoptr(DdFilterProgram) program = dd_filter_compile (filter, linktype, snaplen, error);

  return program != NULL;
}

static char *
join (const char *a,
      const char *op,
      const char *b)
{
  gboolean have_a = a != NULL && *a != '\0', have_b = b != NULL && *b != '\0';

  if (have_a && have_b)
    return g_strdup_printf ("(%s) %s (%s)", a, op, b);
  return g_strdup (have_a ? a : have_b ? b : NULL);
}

char *
dd_filter_and (const char *a,
               const char *b)
{
  return join (a, "and", b);
}

char *
dd_filter_or (const char *a,
              const char *b)
{
  return join (a, "or", b);
}

char *
dd_filter_sockets (GPtrArray *addresses)
{
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < addresses->len; i++)
    {
      GSocketAddress *sa = g_ptr_array_index (addresses, i);
      GInetAddress *ip;
      guint16 port;
      char *part;

      if (!G_IS_INET_SOCKET_ADDRESS (sa))
        continue;  /* unix sockets are not captured */
      ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa));
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa));
      if (g_inet_address_get_is_any (ip))
        part = g_strdup_printf ("tcp port %u", port);
      else
        {
          g_autofree char *host = g_inet_address_to_string (ip);

          part = g_strdup_printf ("(tcp and ((src host %s and src port %u) or (dst host %s and dst port %u)))",
                                  host, port, host, port);
        }
      if (!g_ptr_array_find_with_equal_func (parts, part, g_str_equal, NULL))
        g_ptr_array_add (parts, part);
      else
        g_free (part);
    }
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" or ", (char **) parts->pdata);
}
