#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <glib/gi18n.h>

#include "dd-pcap-writer.h"
#include "dd-pcapng-options.h"
#include "dd-stream-parser.h"

G_DEFINE_QUARK (dd-parse-error-quark, dd_parse_error)

#define PCAP_MAGIC_KUZNETZOV 0xA1B2CD34u
#define PCAPNG_BT_OPB 0x00000002u
#define LINKTYPE_MASK 0x03FFFFFFu

typedef enum {
  STATE_START,
  STATE_PCAP,
  STATE_PCAPNG,
  STATE_FAILED,
} State;

typedef enum {
  TS_MULTIPLY,  /* ns = units * factor */
  TS_DIVIDE,    /* ns = units / factor */
  TS_BINARY,    /* ns = units * 10^9 / 2^shift */
} TsScale;

typedef struct {
  guint32 linktype;
  guint32 snaplen;
  TsScale scale;
  guint64 factor;
  guint   shift;
  gint64  offset_ns;
} Interface;

struct _DdStreamParser {
  DdStreamParserFuncs funcs;
  gpointer            user_data;
  State               state;
  DdFormat            format;
  gboolean            swapped;

  /* pcap */
  gboolean nsec;
  gsize    record_header_len;
  gboolean swap_lengths;  /* versions before 2.3 wrote caplen and len the other way */

  /* pcapng */
  GArray  *interfaces;  /* of Interface, for the current section */
  guint64  skip;        /* bytes of an ignored block still to pass over */

  gsize    wanted;
  guint64  offset;      /* bytes consumed since the start, for messages */
  guint64  packets;
  guint64  last_ts;
};

DdStreamParser *
dd_stream_parser_new (const DdStreamParserFuncs *funcs,
                      gpointer                   user_data)
{
  DdStreamParser *self = g_new0 (DdStreamParser, 1);

  self->funcs = *funcs;
  self->user_data = user_data;
  self->interfaces = g_array_new (FALSE, TRUE, sizeof (Interface));
  self->wanted = 4;
  return self;
}

void
dd_stream_parser_free (DdStreamParser *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->interfaces);
  g_free (self);
}

DdFormat
dd_stream_parser_get_format (DdStreamParser *self)
{
  return self->format;
}

guint64
dd_stream_parser_get_packets (DdStreamParser *self)
{
  return self->packets;
}

gsize
dd_stream_parser_wanted (DdStreamParser *self)
{
  return self->wanted;
}

static inline guint16
rd16 (const DdStreamParser *self,
      const guint8         *p)
{
  guint16 v;

  memcpy (&v, p, sizeof v);
  return self->swapped ? GUINT16_SWAP_LE_BE (v) : v;
}

static inline guint32
rd32 (const DdStreamParser *self,
      const guint8         *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return self->swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

static inline guint64
rd64 (const DdStreamParser *self,
      const guint8         *p)
{
  guint64 v;

  memcpy (&v, p, sizeof v);
  return self->swapped ? GUINT64_SWAP_LE_BE (v) : v;
}

static gboolean G_GNUC_PRINTF (4, 5)
fail (DdStreamParser *self,
      GError        **error,
      DdParseError    code,
      const char     *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  self->state = STATE_FAILED;
  /* TRANSLATORS: the first placeholder is a byte offset in the stream */
  g_set_error (error, DD_PARSE_ERROR, code, _("at byte %" PRIu64 ": %s"),
               self->offset, message);
  return FALSE;
}

static guint64
saturating_add_signed (guint64 ts,
                       gint64  offset)
{
  if (offset >= 0)
    return ts > G_MAXUINT64 - (guint64) offset ? G_MAXUINT64 : ts + (guint64) offset;
  return ts < (guint64) -(offset + 1) + 1 ? 0 : ts - ((guint64) -(offset + 1) + 1);
}

static guint64
to_ns (const Interface *iface,
       guint64          units)
{
  guint64 ns;

  switch (iface->scale)
    {
    case TS_MULTIPLY:
      if (!g_uint64_checked_mul (&ns, units, iface->factor))
        ns = G_MAXUINT64;
      break;
    case TS_DIVIDE:
      ns = units / iface->factor;
      break;
    case TS_BINARY:
    default:
      ns = (guint64) (((unsigned __int128) units * 1000000000u) >> iface->shift);
      break;
    }
  return iface->offset_ns != 0 ? saturating_add_signed (ns, iface->offset_ns) : ns;
}

static gboolean
set_resolution (Interface *iface,
                guint8     tsresol)
{
  guint exponent = tsresol & 0x7f;

  if (tsresol & 0x80)
    {
      if (exponent > 63)
        return FALSE;
      iface->scale = TS_BINARY;
      iface->shift = exponent;
      return TRUE;
    }
  if (exponent > 19)
    return FALSE;
  iface->scale = exponent <= 9 ? TS_MULTIPLY : TS_DIVIDE;
  iface->factor = 1;
  for (guint i = 0; i < (exponent <= 9 ? 9 - exponent : exponent - 9); i++)
    iface->factor *= 10;
  return TRUE;
}

static gboolean
add_interface (DdStreamParser          *self,
               Interface               *iface,
               const DdParsedInterface *parsed,
               GError                 **error)
{
  guint32 id = self->interfaces->len;

  if (id >= DD_STREAM_PARSER_MAX_INTERFACES)
    return fail (self, error, DD_PARSE_ERROR_BAD_INTERFACE,
                 _("more than %u interfaces in one section"), DD_STREAM_PARSER_MAX_INTERFACES);
  g_array_append_val (self->interfaces, *iface);
  if (self->funcs.interface != NULL &&
      !self->funcs.interface (self->user_data, id, parsed, error))
    {
      self->state = STATE_FAILED;
      return FALSE;
    }
  return TRUE;
}

static gboolean
deliver (DdStreamParser       *self,
         DdPacket             *packet,
         GError              **error)
{
  self->packets++;
  self->last_ts = packet->ts;
  if (self->funcs.packet != NULL && !self->funcs.packet (self->user_data, packet, error))
    {
      self->state = STATE_FAILED;
      return FALSE;
    }
  return TRUE;
}

/* ---- pcap ---------------------------------------------------------------------------- */

static gboolean
parse_pcap_header (DdStreamParser *self,
                   const guint8   *p,
                   guint32         magic,
                   GError        **error)
{
  guint16 major, minor;
  Interface iface = { 0 };
  DdParsedInterface parsed = { 0 };

  self->swapped = magic != DD_PCAP_MAGIC_USEC && magic != DD_PCAP_MAGIC_NSEC &&
                  magic != PCAP_MAGIC_KUZNETZOV;
  magic = rd32 (self, p);
  major = rd16 (self, p + 4);
  minor = rd16 (self, p + 6);
  if (major != 2)
    return fail (self, error, DD_PARSE_ERROR_BAD_VERSION,
                 _("unsupported pcap version %u.%u"), major, minor);
  self->nsec = magic == DD_PCAP_MAGIC_NSEC;
  self->record_header_len = magic == PCAP_MAGIC_KUZNETZOV ? 24 : 16;
  self->swap_lengths = minor < 3;
  self->format = DD_FORMAT_PCAP;
  self->state = STATE_PCAP;

  iface.snaplen = rd32 (self, p + 16);
  iface.linktype = rd32 (self, p + 20) & LINKTYPE_MASK;
  iface.scale = TS_MULTIPLY;
  iface.factor = 1;
  parsed.linktype = iface.linktype;
  parsed.snaplen = iface.snaplen;
  if (self->funcs.section != NULL)
    self->funcs.section (self->user_data, DD_FORMAT_PCAP, NULL, NULL);
  g_array_set_size (self->interfaces, 0);
  return add_interface (self, &iface, &parsed, error);
}

/* Returns the bytes the record takes, 0 when more input is needed (wanted is set), or
 * -1 on error. */
static gssize
parse_pcap_record (DdStreamParser *self,
                   const guint8   *p,
                   gsize           avail,
                   GError        **error)
{
  guint32 sec, frac, caplen, origlen;
  DdPacket packet = { 0 };

  if (avail < self->record_header_len)
    {
      self->wanted = self->record_header_len;
      return 0;
    }
  sec = rd32 (self, p);
  frac = rd32 (self, p + 4);
  caplen = rd32 (self, p + 8);
  origlen = rd32 (self, p + 12);
  if (self->swap_lengths && caplen > origlen)
    {
      guint32 t = caplen;

      caplen = origlen;
      origlen = t;
    }
  if (caplen > DD_MAX_SNAPLEN)
    {
      fail (self, error, DD_PARSE_ERROR_TOO_LARGE,
            _("packet %" PRIu64 " has a captured length of %u bytes, above the maximum of %u"),
            self->packets + 1, caplen, DD_MAX_SNAPLEN);
      return -1;
    }
  if (avail < self->record_header_len + caplen)
    {
      self->wanted = self->record_header_len + caplen;
      return 0;
    }
  packet.ts = dd_pcap_time_ns (sec, frac, self->nsec ? 1 : 1000);
  packet.caplen = caplen;
  packet.origlen = origlen;
  packet.data = p + self->record_header_len;
  if (!deliver (self, &packet, error))
    return -1;
  return (gssize) (self->record_header_len + caplen);
}

/* ---- pcapng -------------------------------------------------------------------------- */

/* Comments kept of one block (SHB, IDB): beyond, they are not read. */
#define MAX_COMMENTS 64

typedef struct {
  const guint8 *p;
  const guint8 *end;
} Options;

/* Walks the options of a block. Tolerant like Wireshark: an option that runs past the
 * block ends the list instead of the stream. */
static gboolean
next_option (const DdStreamParser *self,
             Options              *opts,
             guint16              *code,
             guint16              *len,
             const guint8        **value)
{
  if (opts->end - opts->p < 4)
    return FALSE;
  *code = rd16 (self, opts->p);
  *len = rd16 (self, opts->p + 2);
  if (*code == OPT_ENDOFOPT || (gsize) (opts->end - opts->p - 4) < *len)
    return FALSE;
  *value = opts->p + 4;
  opts->p += 4 + (((gsize) *len + 3) & ~(gsize) 3);
  if (opts->p > opts->end)
    opts->p = opts->end;
  return TRUE;
}

static char *
option_string (const guint8 *value,
               gsize         len)
{
  /* Strings are not NUL-terminated (some writers add one anyway). */
  while (len > 0 && value[len - 1] == '\0')
    len--;
  return g_utf8_make_valid ((const char *) value, (gssize) len);
}

static gboolean
parse_shb (DdStreamParser *self,
           const guint8   *p,
           guint32         len,
           GError        **error)
{
  Options opts = { p + 24, p + len - 4 };
  g_autofree char *userappl = NULL;
  g_autoptr(GPtrArray) comments = g_ptr_array_new_with_free_func (g_free);
  guint16 major, minor, code, olen;
  const guint8 *value;

  if (len < 28)
    return fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
                 _("section header block of %u bytes is too short"), len);
  major = rd16 (self, p + 12);
  minor = rd16 (self, p + 14);
  if (major != 1 || (minor != 0 && minor != 2))
    return fail (self, error, DD_PARSE_ERROR_BAD_VERSION,
                 _("unsupported pcapng version %u.%u"), major, minor);
  while (next_option (self, &opts, &code, &olen, &value))
    {
      if (code == SHB_USERAPPL && userappl == NULL)
        userappl = option_string (value, olen);
      else if (code == OPT_COMMENT && comments->len < MAX_COMMENTS)
        g_ptr_array_add (comments, option_string (value, olen));
    }
  g_ptr_array_add (comments, NULL);
  self->format = DD_FORMAT_PCAPNG;
  self->state = STATE_PCAPNG;
  g_array_set_size (self->interfaces, 0);
  if (self->funcs.section != NULL)
    self->funcs.section (self->user_data, DD_FORMAT_PCAPNG, userappl,
                         (const char * const *) comments->pdata);
  return TRUE;
}

static gboolean
parse_idb (DdStreamParser *self,
           const guint8   *p,
           guint32         len,
           GError        **error)
{
  Interface iface = { 0 };
  DdParsedInterface parsed = { 0 };
  g_autofree char *name = NULL, *description = NULL, *filter = NULL;
  g_autoptr(GPtrArray) comments = g_ptr_array_new_with_free_func (g_free);
  Options opts = { NULL, p + len - 4 };
  guint16 code, olen;
  const guint8 *value;

  if (len < 20)
    return fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
                 _("interface description block of %u bytes is too short"), len);
  opts.p = p + 16;
  iface.linktype = rd16 (self, p + 8);
  iface.snaplen = rd32 (self, p + 12);
  set_resolution (&iface, 6);
  while (next_option (self, &opts, &code, &olen, &value))
    {
      switch (code)
        {
        case IF_NAME:
          g_free (name);
          name = option_string (value, olen);
          break;
        case IF_DESCRIPTION:
          g_free (description);
          description = option_string (value, olen);
          break;
        case OPT_COMMENT:
          if (comments->len < MAX_COMMENTS)
            g_ptr_array_add (comments, option_string (value, olen));
          break;
        case IF_FILTER:
          if (olen >= 1 && value[0] == 0)
            {
              g_free (filter);
              filter = option_string (value + 1, olen - 1u);
            }
          break;
        case IF_TSRESOL:
          if (olen == 1 && !set_resolution (&iface, value[0]))
            return fail (self, error, DD_PARSE_ERROR_BAD_INTERFACE,
                         _("interface %u has an unsupported time resolution (if_tsresol %u)"),
                         self->interfaces->len, value[0]);
          break;
        case IF_TSOFFSET:
          if (olen == 8)
            {
              gint64 seconds = (gint64) rd64 (self, value);

              if (seconds > G_MAXINT64 / 1000000000 || seconds < G_MININT64 / 1000000000)
                return fail (self, error, DD_PARSE_ERROR_BAD_INTERFACE,
                             _("interface %u has an out-of-range time offset (if_tsoffset %" PRId64 ")"),
                             self->interfaces->len, seconds);
              iface.offset_ns = seconds * 1000000000;
            }
          break;
        default:
          break;
        }
    }
  parsed.linktype = iface.linktype;
  parsed.snaplen = iface.snaplen;
  parsed.name = name;
  parsed.description = description;
  parsed.filter = filter;
  g_ptr_array_add (comments, NULL);
  parsed.comments = (const char * const *) comments->pdata;
  return add_interface (self, &iface, &parsed, error);
}

static const Interface *
lookup_interface (DdStreamParser *self,
                  guint32         id,
                  const char     *block,
                  GError        **error)
{
  if (id >= self->interfaces->len)
    {
      fail (self, error, DD_PARSE_ERROR_BAD_INTERFACE,
            _("%s refers to interface %u, but the section has %u"), block, id,
            self->interfaces->len);
      return NULL;
    }
  return &g_array_index (self->interfaces, Interface, id);
}

/* A packet block's epb_flags into @packet, and its options if it has others. */
static void
packet_options (const DdStreamParser *self,
                DdPacket             *packet,
                const guint8         *options,
                const guint8         *end)
{
  Options opts = { options, end };
  guint16 code, olen;
  const guint8 *value;
  gboolean others = FALSE;

  while (next_option (self, &opts, &code, &olen, &value))
    {
      if (code == EPB_FLAGS && olen == 4)
        packet->flags = rd32 (self, value);
      else
        others = TRUE;
    }
  if (G_UNLIKELY (others))
    {
      dd_packet_set_options (packet, options, (gsize) (end - options), self->swapped);
    }
}

static gboolean
parse_packet_block (DdStreamParser *self,
                    guint32         type,
                    const guint8   *p,
                    guint32         len,
                    GError        **error)
{
  DdPacket packet = { 0 };
  const Interface *iface;
  gboolean enhanced = type == DD_PCAPNG_BT_EPB;
  /* EPB and the obsolete PB share a layout but for the width of the interface id. */
  const gsize fixed = 28;
  gsize padded;
  guint32 id;
  guint64 units;

  if (type == DD_PCAPNG_BT_SPB)
    {
      /* No timestamp: libpcap reports 0; we keep the stream's last one so the packet
       * stays where it was in the merge. */
      if (len < 16)
        return fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
                     _("simple packet block of %u bytes is too short"), len);
      if ((iface = lookup_interface (self, 0, _("a simple packet block"), error)) == NULL)
        return FALSE;
      packet.origlen = rd32 (self, p + 8);
      packet.caplen = MIN (packet.origlen, len - 16);
      if (iface->snaplen != 0)
        packet.caplen = MIN (packet.caplen, iface->snaplen);
      if (packet.caplen > DD_MAX_SNAPLEN)
        return fail (self, error, DD_PARSE_ERROR_TOO_LARGE,
                     _("packet %" PRIu64 " has a captured length of %u bytes, above the maximum of %u"),
                     self->packets + 1, packet.caplen, DD_MAX_SNAPLEN);
      packet.ts = self->last_ts;
      packet.data = p + 12;
      return deliver (self, &packet, error);
    }

  if (len < fixed + 4)
    return fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
                 enhanced ? _("enhanced packet block of %u bytes is too short")
                          : _("packet block of %u bytes is too short"), len);
  id = enhanced ? rd32 (self, p + 8) : rd16 (self, p + 8);
  units = ((guint64) rd32 (self, p + 12) << 32) | rd32 (self, p + 16);
  packet.caplen = rd32 (self, p + 20);
  packet.origlen = rd32 (self, p + 24);
  if (packet.caplen > DD_MAX_SNAPLEN)
    return fail (self, error, DD_PARSE_ERROR_TOO_LARGE,
                 _("packet %" PRIu64 " has a captured length of %u bytes, above the maximum of %u"),
                 self->packets + 1, packet.caplen, DD_MAX_SNAPLEN);
  padded = ((gsize) packet.caplen + 3) & ~(gsize) 3;
  if (fixed + padded + 4 > len)
    return fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
                 _("packet %" PRIu64 " has a captured length of %u bytes, more than its block of %u bytes holds"),
                 self->packets + 1, packet.caplen, len);
  if ((iface = lookup_interface (self, id, enhanced ? _("an enhanced packet block") : _("a packet block"),
                                 error)) == NULL)
    return FALSE;
  packet.interface_id = id;
  packet.ts = to_ns (iface, units);
  packet.data = p + fixed;
  packet_options (self, &packet, p + fixed + padded, p + len - 4);
  return deliver (self, &packet, error);
}

static gboolean
parse_isb (DdStreamParser *self,
           const guint8   *p,
           guint32         len,
           GError        **error)
{
  DdPcapngStats stats = { 0 };
  const Interface *iface;
  Options opts = { p + 20, p + len - 4 };
  guint16 code, olen;
  const guint8 *value;
  g_autofree char *comment = NULL;
  guint64 ts;

  if (len < 24)
    return fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
                 _("interface statistics block of %u bytes is too short"), len);
  if ((iface = lookup_interface (self, rd32 (self, p + 8), _("an interface statistics block"), error)) == NULL)
    return FALSE;
  ts = to_ns (iface, ((guint64) rd32 (self, p + 12) << 32) | rd32 (self, p + 16));
  while (next_option (self, &opts, &code, &olen, &value))
    {
      guint64 v;

      if (code == OPT_COMMENT && comment == NULL)
        {
          comment = option_string (value, olen);
          stats.comment = comment;
        }
      if (olen != 8)
        continue;
      if (code == ISB_STARTTIME || code == ISB_ENDTIME)
        v = to_ns (iface, ((guint64) rd32 (self, value) << 32) | rd32 (self, value + 4));
      else
        v = rd64 (self, value);
      switch (code)
        {
        case ISB_STARTTIME: stats.starttime = v; stats.present |= DD_PCAPNG_STAT_STARTTIME; break;
        case ISB_ENDTIME: stats.endtime = v; stats.present |= DD_PCAPNG_STAT_ENDTIME; break;
        case ISB_IFRECV: stats.ifrecv = v; stats.present |= DD_PCAPNG_STAT_IFRECV; break;
        case ISB_IFDROP: stats.ifdrop = v; stats.present |= DD_PCAPNG_STAT_IFDROP; break;
        case ISB_FILTERACCEPT: stats.filteraccept = v; stats.present |= DD_PCAPNG_STAT_FILTERACCEPT; break;
        case ISB_OSDROP: stats.osdrop = v; stats.present |= DD_PCAPNG_STAT_OSDROP; break;
        case ISB_USRDELIV: stats.usrdeliv = v; stats.present |= DD_PCAPNG_STAT_USRDELIV; break;
        default: break;
        }
    }
  if (self->funcs.stats != NULL)
    self->funcs.stats (self->user_data, rd32 (self, p + 8), ts, &stats);
  return TRUE;
}

/* A block's type and length, from its first 12 bytes: an SHB sets the byte order of the
 * section. FALSE on a block that cannot be. */
static gboolean
read_block_header (DdStreamParser *self,
                   const guint8   *p,
                   guint32        *type,
                   guint32        *len,
                   GError        **error)
{
  guint32 raw_type;

  memcpy (&raw_type, p, 4);
  if (raw_type == DD_PCAPNG_BT_SHB)
    {
      guint32 bom;

      memcpy (&bom, p + 8, 4);
      if (bom == DD_PCAPNG_BYTE_ORDER_MAGIC)
        self->swapped = FALSE;
      else if (bom == GUINT32_SWAP_LE_BE (DD_PCAPNG_BYTE_ORDER_MAGIC))
        self->swapped = TRUE;
      else
        {
          fail (self, error, DD_PARSE_ERROR_BAD_MAGIC,
                _("section header block with an unknown byte-order magic 0x%08x"), bom);
          return FALSE;
        }
    }
  else if (self->state == STATE_START)
    {
      fail (self, error, DD_PARSE_ERROR_BAD_MAGIC, _("a pcapng stream must start with a section header block"));
      return FALSE;
    }
  *type = rd32 (self, p);
  *len = rd32 (self, p + 4);
  if (*len < 12 || *len % 4 != 0)
    {
      fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
            _("block of type 0x%08x has an invalid length of %u bytes"), *type, *len);
      return FALSE;
    }
  if (*len > DD_STREAM_PARSER_MAX_BLOCK)
    {
      fail (self, error, DD_PARSE_ERROR_TOO_LARGE,
            _("block of type 0x%08x is %u bytes long, above the maximum of %u"), *type, *len,
            DD_STREAM_PARSER_MAX_BLOCK);
      return FALSE;
    }
  return TRUE;
}

gboolean
dd_stream_parser_is_copied_block (guint32 type)
{
  return type == DD_PCAPNG_BT_NRB || type == DD_PCAPNG_BT_DSB || type == DD_PCAPNG_BT_CB ||
         type == DD_PCAPNG_BT_CB_NO_COPY;
}

/* The blocks the merge needs, and those it copies when asked to; the others are skipped
 * without being held. */
static gboolean
is_parsed_block (const DdStreamParser *self,
                 guint32               type)
{
  return type == DD_PCAPNG_BT_SHB || type == DD_PCAPNG_BT_IDB || type == DD_PCAPNG_BT_EPB ||
         type == DD_PCAPNG_BT_SPB || type == PCAPNG_BT_OPB || type == DD_PCAPNG_BT_ISB ||
         (self->funcs.block != NULL && dd_stream_parser_is_copied_block (type));
}

/* Returns the bytes consumed (a whole block, or the start of a skipped one), 0 when more
 * input is needed (wanted is set), or -1 on error. */
static gssize
parse_pcapng_block (DdStreamParser *self,
                    const guint8   *p,
                    gsize           avail,
                    GError        **error)
{
  guint32 type, len;
  gboolean ok;

  if (avail < 12)
    {
      self->wanted = 12;
      return 0;
    }
  if (!read_block_header (self, p, &type, &len, error))
    return -1;
  if (!is_parsed_block (self, type))
    {
      self->skip = len;
      return 0;
    }
  if (len > DD_STREAM_PARSER_MAX_UNIT && dd_stream_parser_is_copied_block (type))
    {
      /* Not held: said, so that it is counted as left out. */
      self->funcs.block (self->user_data, type, NULL, len, self->swapped);
      self->skip = len;
      return 0;
    }
  if (len > DD_STREAM_PARSER_MAX_UNIT)
    {
      fail (self, error, DD_PARSE_ERROR_TOO_LARGE,
            _("block of type 0x%08x is %u bytes long, above the maximum of %u for this type"),
            type, len, DD_STREAM_PARSER_MAX_UNIT);
      return -1;
    }
  if (avail < len)
    {
      self->wanted = len;
      return 0;
    }
  if (rd32 (self, p + len - 4) != len)
    {
      fail (self, error, DD_PARSE_ERROR_BAD_BLOCK,
            _("block of type 0x%08x: its trailing length %u differs from its length %u"),
            type, rd32 (self, p + len - 4), len);
      return -1;
    }
  switch (type)
    {
    case DD_PCAPNG_BT_SHB:
      ok = parse_shb (self, p, len, error);
      break;
    case DD_PCAPNG_BT_IDB:
      ok = parse_idb (self, p, len, error);
      break;
    case DD_PCAPNG_BT_ISB:
      ok = parse_isb (self, p, len, error);
      break;
    case DD_PCAPNG_BT_NRB:
    case DD_PCAPNG_BT_DSB:
    case DD_PCAPNG_BT_CB:
    case DD_PCAPNG_BT_CB_NO_COPY:
      self->funcs.block (self->user_data, type, p, len, self->swapped);
      ok = TRUE;
      break;
    default:
      ok = parse_packet_block (self, type, p, len, error);
      break;
    }
  return ok ? (gssize) len : -1;
}

static void
describe_start (const guint8 *p,
                gsize         len,
                GString      *out)
{
  for (gsize i = 0; i < MIN (len, 8); i++)
    g_string_append_c (out, g_ascii_isprint (p[i]) ? (char) p[i] : '.');
}

gboolean
dd_stream_parser_feed (DdStreamParser *self,
                       const guint8   *data,
                       gsize           len,
                       gsize          *consumed,
                       GError        **error)
{
  gsize pos = 0;
  gboolean ok = TRUE;

  g_return_val_if_fail (self->state != STATE_FAILED, FALSE);

  while (ok)
    {
      const guint8 *p = data + pos;
      gsize avail = len - pos;
      gssize used = 0;

      if (self->skip > 0)
        {
          gsize n = (gsize) MIN ((guint64) avail, self->skip);

          self->skip -= n;
          used = (gssize) n;
          if (n == 0)
            {
              self->wanted = 1;
              break;
            }
        }
      else if (self->state == STATE_PCAP)
        used = parse_pcap_record (self, p, avail, error);
      else if (self->state == STATE_PCAPNG)
        used = parse_pcapng_block (self, p, avail, error);
      else
        {
          guint32 magic;

          if (avail < 4)
            {
              self->wanted = 4;
              break;
            }
          memcpy (&magic, p, 4);
          if (magic == DD_PCAP_MAGIC_USEC || magic == DD_PCAP_MAGIC_NSEC ||
              magic == PCAP_MAGIC_KUZNETZOV ||
              magic == GUINT32_SWAP_LE_BE (DD_PCAP_MAGIC_USEC) ||
              magic == GUINT32_SWAP_LE_BE (DD_PCAP_MAGIC_NSEC) ||
              magic == GUINT32_SWAP_LE_BE (PCAP_MAGIC_KUZNETZOV))
            {
              if (avail < DD_PCAP_HEADER_LEN)
                {
                  self->wanted = DD_PCAP_HEADER_LEN;
                  break;
                }
              ok = parse_pcap_header (self, p, magic, error);
              used = DD_PCAP_HEADER_LEN;
            }
          else if (magic == DD_PCAPNG_BT_SHB)
            used = parse_pcapng_block (self, p, avail, error);
          else
            {
              g_autoptr(GString) start = g_string_new (NULL);

              describe_start (p, avail, start);
              ok = fail (self, error, DD_PARSE_ERROR_BAD_MAGIC,
                         _("not a pcap or pcapng stream (it starts with “%s”)"), start->str);
              break;
            }
        }
      if (used < 0)
        ok = FALSE;
      else if (used == 0 && self->skip == 0)
        break;
      else
        {
          pos += (gsize) used;
          self->offset += (guint64) used;
        }
    }
  *consumed = pos;
  return ok;
}

gboolean
dd_stream_parser_finish (DdStreamParser *self,
                         gsize           left,
                         GError        **error)
{
  if (self->state == STATE_FAILED)
    return TRUE;  /* already reported */
  if (self->state == STATE_START)
    {
      if (left == 0)
        return fail (self, error, DD_PARSE_ERROR_TRUNCATED, _("the stream is empty"));
      return fail (self, error, DD_PARSE_ERROR_TRUNCATED,
                   _("the stream ended inside its file header"));
    }
  if (self->skip > 0 || left > 0)
    return fail (self, error, DD_PARSE_ERROR_TRUNCATED,
                 _("the stream ended inside a record (%zu bytes of it were received)"),
                 left);
  return TRUE;
}
