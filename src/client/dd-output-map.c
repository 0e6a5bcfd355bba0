#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "dd-output-map.h"

G_DEFINE_QUARK (dd-output-map-error-quark, dd_output_map_error)

struct _DdOutputMap {
  DdSink     *sink;
  DdFormat    format;
  guint32     expected;    /* pcap: the link type the inputs agree on so far */
  gboolean    any_expected;
  guint32     linktype;    /* pcap: the header's, once written */
  GHashTable *ids;         /* "LINKTYPE/NAME" → output interface id */
};

DdOutputMap *
dd_output_map_new (DdSink   *sink,
                   DdFormat  format)
{
  DdOutputMap *self = g_new0 (DdOutputMap, 1);

  self->sink = sink;
  self->format = format;
  self->expected = DD_OUTPUT_LINKTYPE_PENDING;
  self->linktype = DD_OUTPUT_LINKTYPE_PENDING;
  self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  return self;
}

void
dd_output_map_free (DdOutputMap *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->ids);
  g_free (self);
}

DdFormat
dd_output_map_get_format (DdOutputMap *self)
{
  return self->format;
}

/* pcap: the header, with the one link type every packet must have. */
static void
write_pcap_header (DdOutputMap *self,
                   guint32      linktype)
{
  self->linktype = linktype;
  dd_sink_header (self->sink, linktype, NULL);
}

void
dd_output_map_expect (DdOutputMap *self,
                      guint32      linktype)
{
  if (linktype == DD_OUTPUT_LINKTYPE_PENDING)
    return;
  /* Inputs that disagree: cooked v2, which holds v1's packets (and the workers'). */
  if (self->any_expected && self->expected != linktype)
    linktype = DD_LINKTYPE_LINUX_SLL2;
  self->expected = linktype;
  self->any_expected = TRUE;
}

void
dd_output_map_begin (DdOutputMap        *self,
                     const char * const *comments)
{
  if (self->format == DD_FORMAT_PCAPNG)
    dd_sink_header (self->sink, DD_OUTPUT_LINKTYPE_PENDING, comments);
  else if (self->expected != DD_OUTPUT_LINKTYPE_PENDING)
    write_pcap_header (self, self->expected);
}

static gboolean
route_pcap (DdOutputMap             *self,
            const DdParsedInterface *iface,
            DdOutputRoute           *route,
            GError                 **error)
{
  guint32 out = self->linktype;

  if (out == DD_OUTPUT_LINKTYPE_PENDING)
    {
      /* The first stream of a run without workers or files decides. */
      out = iface->linktype;
      write_pcap_header (self, out);
    }
  if (iface->linktype == DD_LINKTYPE_LINUX_SLL && out == DD_LINKTYPE_LINUX_SLL2)
    route->convert = TRUE;
  else if (iface->linktype != out)
    {
      g_autofree char *have = dd_linktype_describe (iface->linktype);
      g_autofree char *want = dd_linktype_describe (out);

      g_set_error (error, DD_OUTPUT_MAP_ERROR, DD_OUTPUT_MAP_ERROR_LINKTYPE,
                   _("its link type %s cannot go into pcap output of link type %s; "
                     "write pcapng (-F pcapng), which can mix link types"), have, want);
      return FALSE;
    }
  return TRUE;
}

gboolean
dd_output_map_add_interface (DdOutputMap             *self,
                             const char              *host,
                             const char              *label,
                             const char              *note,
                             const DdParsedInterface *iface,
                             DdOutputRoute           *route,
                             GError                 **error)
{
  g_autofree char *name = NULL;
  g_autofree char *key = NULL;
  g_autofree char *description = NULL;
  gpointer out_id;

  *route = (DdOutputRoute) { 0 };
  if (self->format == DD_FORMAT_PCAP)
    return route_pcap (self, iface, route, error);

  route->derive_flags = iface->linktype == DD_LINKTYPE_LINUX_SLL2;
  name = iface->name != NULL ? g_strdup_printf ("%s/%s", host, iface->name) : g_strdup (host);
  key = g_strdup_printf ("%u/%s", iface->linktype, name);
  if (g_hash_table_lookup_extended (self->ids, key, NULL, &out_id))
    {
      route->out_id = GPOINTER_TO_UINT (out_id);
      return TRUE;
    }
  description = g_strdup_printf (_("%s on %s"), iface->description != NULL ? iface->description
                                                : iface->name != NULL ? iface->name : _("capture"),
                                 label);
  {
    DdPcapngInterface out = {
      .linktype = (guint16) iface->linktype,
      .snaplen = iface->snaplen != 0 ? iface->snaplen : DD_MAX_SNAPLEN,
      .name = name,
      .description = description,
      .filter = iface->filter,
      .tsresol = 9,
      .comment = note,
      .comments = iface->comments,
    };

    route->out_id = g_hash_table_size (self->ids);
    dd_sink_interface (self->sink, route->out_id, &out);
  }
  g_hash_table_insert (self->ids, g_steal_pointer (&key), GUINT_TO_POINTER (route->out_id));
  return TRUE;
}

void
dd_output_map_end (DdOutputMap *self)
{
  if (self->format == DD_FORMAT_PCAP && self->linktype == DD_OUTPUT_LINKTYPE_PENDING)
    write_pcap_header (self, DD_LINKTYPE_LINUX_SLL2);
  dd_sink_end (self->sink);
}

/* LINUX_SLL (16-byte header) to LINUX_SLL2 (20 bytes): the same fields in another order,
 * and an interface index of 0 (unknown). */
guint32
dd_output_map_convert_sll (const guint8 *data,
                           guint32       caplen,
                           guint8       *out)
{
  g_return_val_if_fail (caplen >= 16, caplen);
  memcpy (out, data + 14, 2);           /* protocol */
  memset (out + 2, 0, 6);               /* reserved, interface index */
  memcpy (out + 8, data + 2, 2);        /* ARPHRD type */
  out[10] = data[1];                    /* packet type */
  out[11] = data[5];                    /* address length */
  memcpy (out + 12, data + 6, 8);       /* address */
  memcpy (out + 20, data + 16, caplen - 16);
  return caplen + 4;
}
