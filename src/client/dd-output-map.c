#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "dd-output-map.h"

G_DEFINE_QUARK (dd-output-map-error-quark, dd_output_map_error)

/* Workers send statistics ten times a second; the output gets them once a second. */
#define STATS_INTERVAL_US G_USEC_PER_SEC

struct _DdOutputMap {
  DdOutput   *output;
  DdFormat    format;
  guint32     expected;    /* pcap: the link type the inputs agree on so far */
  gboolean    any_expected;
  GHashTable *ids;         /* "LINKTYPE/NAME" → output interface id */
  GArray     *stats_written;  /* gint64 per output interface */
  gboolean    heartbeats;     /* statistics written as they come, not only at the end */
};

DdOutputMap *
dd_output_map_new (DdOutput *output)
{
  DdOutputMap *self = g_new0 (DdOutputMap, 1);

  self->output = output;
  self->format = dd_output_get_format (output);
  self->expected = DD_OUTPUT_LINKTYPE_PENDING;
  self->ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->stats_written = g_array_new (FALSE, TRUE, sizeof (gint64));
  return self;
}

void
dd_output_map_free (DdOutputMap *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->ids);
  g_array_unref (self->stats_written);
  g_free (self);
}

DdOutput *
dd_output_map_get_output (DdOutputMap *self)
{
  return self->output;
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
    dd_output_write_shb (self->output, comments);
  else if (self->expected != DD_OUTPUT_LINKTYPE_PENDING)
    dd_output_write_pcap_header (self->output, self->expected);
}

static gboolean
route_pcap (DdOutputMap             *self,
            const DdParsedInterface *iface,
            DdOutputRoute           *route,
            GError                 **error)
{
  guint32 out = dd_output_get_linktype (self->output);

  if (out == DD_OUTPUT_LINKTYPE_PENDING)
    {
      /* The first stream of a run without workers or files decides. */
      out = iface->linktype;
      dd_output_write_pcap_header (self->output, out);
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
    };

    route->out_id = dd_output_add_interface (self->output, &out);
  }
  g_hash_table_insert (self->ids, g_steal_pointer (&key), GUINT_TO_POINTER (route->out_id));
  g_array_set_size (self->stats_written, MAX (self->stats_written->len, route->out_id + 1));
  return TRUE;
}

void
dd_output_map_stats (DdOutputMap         *self,
                     guint32              out_id,
                     guint64              ts_ns,
                     const DdPcapngStats *stats,
                     gint64               now)
{
  gint64 *written;

  if (self->format != DD_FORMAT_PCAPNG || stats->present == 0)
    return;
  g_return_if_fail (out_id < self->stats_written->len);
  if (!self->heartbeats)
    {
      dd_output_write_stats (self->output, out_id, ts_ns, stats, FALSE);
      return;
    }
  written = &g_array_index (self->stats_written, gint64, out_id);
  if (now - *written < STATS_INTERVAL_US)
    return;
  *written = now;
  dd_output_write_stats (self->output, out_id, ts_ns, stats, TRUE);
}

void
dd_output_map_set_heartbeats (DdOutputMap *self,
                              gboolean     heartbeats)
{
  self->heartbeats = heartbeats;
}

void
dd_output_map_mark (DdOutputMap         *self,
                    guint32              out_id,
                    const DdPcapngStats *stats)
{
  if (self->format != DD_FORMAT_PCAPNG)
    return;
  dd_output_write_stats (self->output, out_id, (guint64) g_get_real_time () * 1000u, stats, TRUE);
}

void
dd_output_map_comment (DdOutputMap *self,
                       guint32      out_id,
                       const char  *comment)
{
  if (self->format != DD_FORMAT_PCAPNG)
    return;
  dd_output_write_comment (self->output, out_id, (guint64) g_get_real_time () * 1000u, comment);
}

void
dd_output_map_set_final_comment (DdOutputMap *self,
                                 guint32      out_id,
                                 const char  *comment)
{
  if (self->format == DD_FORMAT_PCAPNG)
    dd_output_set_final_comment (self->output, out_id, comment);
}

void
dd_output_map_end (DdOutputMap *self)
{
  if (self->format == DD_FORMAT_PCAPNG)
    dd_output_write_final_stats (self->output);
  else if (dd_output_get_linktype (self->output) == DD_OUTPUT_LINKTYPE_PENDING)
    dd_output_write_pcap_header (self->output, DD_LINKTYPE_LINUX_SLL2);
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
