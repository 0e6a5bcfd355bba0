#include "config.h"

#include <net/if.h>

#include "dd-pcap-writer.h"
#include "dd-sll2.h"
#include "dd-stream-encoder.h"

/* What the buffer starts with after each take: most chunks fit. */
#define BUFFER_RESERVE (64 * 1024)

struct _DdStreamEncoder {
  DdFormat    format;
  guint32     snaplen;
  guint64     count_limit;
  guint64     bytes_limit;
  gboolean    limited;      /* a count or a byte limit: the per-packet path looks */
  char       *filter;
  char       *hostname;
  char       *hardware;
  char       *os;
  char       *excluded;

  GByteArray *buf;
  guint64     taken;        /* bytes handed out by dd_stream_encoder_take () */
  guint64     packets;
  guint64     bytes;
  gboolean    bytes_reached;

  GHashTable *interfaces;   /* ifindex → pcapng interface id */
  guint32     last_ifindex; /* the last one looked up, and its id: most packets */
  guint32     last_interface_id;
  guint32     next_interface_id;
  DdInterfaceNameFunc namer;
  gpointer    namer_data;
};

static const char *
system_name (guint32   ifindex,
             char     *buf,
             gpointer  user_data)
{
  return if_indextoname (ifindex, buf);
}

DdStreamEncoder *
dd_stream_encoder_new (const DdStreamEncoderOptions *options)
{
  DdStreamEncoder *self = g_new0 (DdStreamEncoder, 1);

  self->format = options->format;
  self->snaplen = options->snaplen;
  self->count_limit = options->count_limit;
  self->bytes_limit = options->bytes_limit;
  self->limited = options->count_limit != 0 || options->bytes_limit != 0;
  self->filter = g_strdup (options->filter);
  self->hostname = g_strdup (options->hostname);
  self->hardware = g_strdup (options->hardware);
  self->os = g_strdup (options->os);
  self->excluded = g_strdup (options->excluded);
  self->buf = g_byte_array_sized_new (BUFFER_RESERVE);
  self->interfaces = g_hash_table_new (NULL, NULL);
  self->last_ifindex = G_MAXUINT32;
  self->next_interface_id = 1;  /* 0 is the whole capture */
  self->namer = system_name;
  return self;
}

void
dd_stream_encoder_free (DdStreamEncoder *self)
{
  if (self == NULL)
    return;
  g_byte_array_unref (self->buf);
  g_hash_table_unref (self->interfaces);
  g_free (self->filter);
  g_free (self->hostname);
  g_free (self->hardware);
  g_free (self->os);
  g_free (self->excluded);
  g_free (self);
}

void
dd_stream_encoder_set_namer (DdStreamEncoder     *self,
                             DdInterfaceNameFunc  func,
                             gpointer             user_data)
{
  self->namer = func;
  self->namer_data = user_data;
}

void
dd_stream_encoder_add_preamble (DdStreamEncoder *self)
{
  g_autofree char *appl = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *description = NULL;
  const char *comments[3] = { NULL, };
  DdPcapngInterface any = { 0, };

  if (self->format != DD_FORMAT_PCAPNG)
    {
      dd_pcap_write_header (self->buf, self->snaplen, DD_LINKTYPE_LINUX_SLL2);
      return;
    }
  appl = g_strdup_printf ("ddump-worker %s", PACKAGE_VERSION);
  comment = g_strdup_printf ("host=%s", self->hostname);
  description = g_strdup_printf ("all interfaces of %s", self->hostname);
  comments[0] = comment;
  comments[1] = self->excluded;
  dd_pcapng_write_shb (self->buf, self->hardware, self->os, appl, comments);
  /* Interface 0 stands for the whole capture: it carries the statistics and the
   * watermark heartbeats; each real interface gets its own IDB when it first shows up. */
  any = (DdPcapngInterface) {
    .linktype = DD_LINKTYPE_LINUX_SLL2,
    .snaplen = self->snaplen,
    .name = "any",
    .description = description,
    .filter = self->filter,
    .tsresol = 9,
  };
  dd_pcapng_write_idb (self->buf, &any);
}

static guint32
interface_id_for (DdStreamEncoder *self,
                  guint32          ifindex)
{
  gpointer value;
  char name[IF_NAMESIZE] = "";
  const char *found;
  g_autofree char *fallback = NULL;
  DdPcapngInterface iface = { 0, };
  guint32 id;

  if (ifindex == self->last_ifindex)
    return self->last_interface_id;

  if (g_hash_table_lookup_extended (self->interfaces, GUINT_TO_POINTER (ifindex), NULL, &value))
    id = GPOINTER_TO_UINT (value);
  else
    {
      /* First packet seen on this interface: describe it before the packet. */
      id = self->next_interface_id++;
      found = self->namer (ifindex, name, self->namer_data);
      if (found == NULL)
        fallback = g_strdup_printf ("ifindex%u", ifindex);
      iface.linktype = DD_LINKTYPE_LINUX_SLL2;
      iface.snaplen = self->snaplen;
      iface.name = fallback != NULL ? fallback : found;
      iface.filter = self->filter;
      iface.tsresol = 9;
      dd_pcapng_write_idb (self->buf, &iface);
      g_hash_table_insert (self->interfaces, GUINT_TO_POINTER (ifindex), GUINT_TO_POINTER (id));
    }
  self->last_ifindex = ifindex;
  self->last_interface_id = id;
  return id;
}

gsize
dd_stream_encoder_add_packet (DdStreamEncoder *self,
                              guint64          ts,
                              guint32          caplen,
                              guint32          origlen,
                              const guint8    *data,
                              gboolean        *full)
{
  caplen = MIN (caplen, self->snaplen);
  if (self->format == DD_FORMAT_PCAPNG)
    {
      guint32 id = 0;
      guint32 ifindex = dd_sll2_ifindex (data, caplen);

      if (ifindex != 0)
        id = interface_id_for (self, ifindex);
      dd_pcapng_write_epb (self->buf, id, ts, caplen, origlen, data, dd_sll2_epb_flags (data, caplen));
    }
  else
    dd_pcap_write_record (self->buf, ts, caplen, origlen, data);

  self->packets++;
  self->bytes += caplen;
  if (G_UNLIKELY (self->limited))
    {
      if (self->bytes_limit != 0 && self->taken + self->buf->len >= self->bytes_limit)
        self->bytes_reached = TRUE;
      *full = dd_stream_encoder_is_full (self);
    }
  return self->buf->len;
}

void
dd_stream_encoder_add_stats (DdStreamEncoder     *self,
                             guint64              watermark,
                             const DdPcapngStats *stats)
{
  if (self->format == DD_FORMAT_PCAPNG)
    dd_pcapng_write_isb (self->buf, 0, watermark, stats);
}

void
dd_stream_encoder_add_secrets (DdStreamEncoder *self,
                               const guint8    *lines,
                               gsize            len)
{
  if (self->format == DD_FORMAT_PCAPNG)
    dd_pcapng_write_dsb (self->buf, DD_PCAPNG_SECRETS_TLS, lines, (guint32) len);
}

GBytes *
dd_stream_encoder_take (DdStreamEncoder *self)
{
  GBytes *chunk;

  if (self->buf->len == 0)
    return NULL;
  self->taken += self->buf->len;
  chunk = g_byte_array_free_to_bytes (self->buf);
  self->buf = g_byte_array_sized_new (BUFFER_RESERVE);
  return chunk;
}

gsize
dd_stream_encoder_get_pending (DdStreamEncoder *self)
{
  return self->buf->len;
}

guint64
dd_stream_encoder_get_packets (DdStreamEncoder *self)
{
  return self->packets;
}

guint64
dd_stream_encoder_get_bytes (DdStreamEncoder *self)
{
  return self->bytes;
}

gboolean
dd_stream_encoder_is_full (DdStreamEncoder *self)
{
  return self->bytes_reached || (self->count_limit != 0 && self->packets >= self->count_limit);
}

gboolean
dd_stream_encoder_bytes_reached (DdStreamEncoder *self)
{
  return self->bytes_reached;
}
