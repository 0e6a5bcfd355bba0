#include "config.h"

#include "dd-buffer.h"
#include "dd-pcapng-options.h"
#include "dd-pcapng-writer.h"

/* A block is written as: type, a length placeholder, body, options, trailing length;
 * block_end() patches both lengths once the body is known. */
static guint
block_begin (GByteArray *buf,
             guint32     type)
{
  guint start = buf->len;
  guint8 *p = dd_buffer_grow (buf, 8);

  p = dd_put_u32 (p, type);
  dd_put_u32 (p, 0);
  return start;
}

static void
block_end (GByteArray *buf,
           guint       start)
{
  guint32 total = buf->len - start + 4;

  dd_put_u32 (dd_buffer_grow (buf, 4), total);
  dd_put_u32 (buf->data + start + 4, total);
}

static void
put_option (GByteArray    *buf,
            guint16        code,
            gconstpointer  value,
            gsize          len)
{
  gsize padded = dd_pad4 (len);
  guint8 *p;

  g_return_if_fail (len <= G_MAXUINT16);
  p = dd_buffer_grow (buf, 4 + padded);
  p = dd_put_u16 (p, code);
  p = dd_put_u16 (p, (guint16) len);
  memcpy (p, value, len);
  memset (p + len, 0, padded - len);
}

static void
put_string_option (GByteArray *buf,
                   guint16     code,
                   const char *value)
{
  if (value != NULL && *value != '\0')
    put_option (buf, code, value, MIN (strlen (value), G_MAXUINT16));
}

static void
put_u64_option (GByteArray *buf,
                guint16     code,
                guint64     value)
{
  put_option (buf, code, &value, sizeof value);
}

/* isb_starttime and isb_endtime are timestamps as in an EPB: high 32 bits first. */
static void
put_ts_option (GByteArray *buf,
               guint16     code,
               guint64     ts)
{
  guint32 value[2] = { (guint32) (ts >> 32), (guint32) ts };

  put_option (buf, code, value, sizeof value);
}

static void
put_end_of_options (GByteArray *buf)
{
  dd_put_u32 (dd_buffer_grow (buf, 4), OPT_ENDOFOPT);
}

void
dd_pcapng_write_shb (GByteArray *buf,
                     const char *hardware,
                     const char *os,
                     const char *userappl,
                     const char * const *comments)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_SHB);
  guint8 *p = dd_buffer_grow (buf, 16);

  p = dd_put_u32 (p, DD_PCAPNG_BYTE_ORDER_MAGIC);
  p = dd_put_u16 (p, 1);
  p = dd_put_u16 (p, 0);
  dd_put_u64 (p, G_MAXUINT64);  /* section length: unspecified (-1) */
  for (guint i = 0; comments != NULL && comments[i] != NULL; i++)
    put_string_option (buf, OPT_COMMENT, comments[i]);
  put_string_option (buf, SHB_HARDWARE, hardware);
  put_string_option (buf, SHB_OS, os);
  put_string_option (buf, SHB_USERAPPL, userappl);
  put_end_of_options (buf);
  block_end (buf, start);
}

void
dd_pcapng_write_idb (GByteArray              *buf,
                     const DdPcapngInterface *iface)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_IDB);
  guint8 *p = dd_buffer_grow (buf, 8);

  p = dd_put_u16 (p, iface->linktype);
  p = dd_put_u16 (p, 0);
  dd_put_u32 (p, iface->snaplen);
  put_string_option (buf, OPT_COMMENT, iface->comment);
  put_string_option (buf, IF_NAME, iface->name);
  put_string_option (buf, IF_DESCRIPTION, iface->description);
  if (iface->tsresol != 0)
    put_option (buf, IF_TSRESOL, &iface->tsresol, 1);
  if (iface->filter != NULL && *iface->filter != '\0')
    {
      /* First byte 0: the filter is a libpcap expression. */
      gsize len = MIN (strlen (iface->filter), G_MAXUINT16 - 1u);
      g_autofree guint8 *value = g_malloc (len + 1);

      value[0] = 0;
      memcpy (value + 1, iface->filter, len);
      put_option (buf, IF_FILTER, value, len + 1);
    }
  put_string_option (buf, IF_OS, iface->os);
  put_end_of_options (buf);
  block_end (buf, start);
}

void
dd_pcapng_write_epb (GByteArray   *buf,
                     guint32       interface_id,
                     guint64       ts,
                     guint32       caplen,
                     guint32       origlen,
                     const guint8 *data,
                     guint32       flags)
{
  /* The per-packet path: one grow and straight stores. */
  gsize padded = dd_pad4 (caplen);
  gsize options = flags != 0 ? 12 : 0;
  guint32 total = (guint32) (28 + padded + options + 4);
  guint8 *p = dd_buffer_grow (buf, total);

  p = dd_put_u32 (p, DD_PCAPNG_BT_EPB);
  p = dd_put_u32 (p, total);
  p = dd_put_u32 (p, interface_id);
  p = dd_put_u32 (p, (guint32) (ts >> 32));
  p = dd_put_u32 (p, (guint32) ts);
  p = dd_put_u32 (p, caplen);
  p = dd_put_u32 (p, origlen);
  memcpy (p, data, caplen);
  memset (p + caplen, 0, padded - caplen);
  p += padded;
  if (flags != 0)
    {
      p = dd_put_u16 (p, EPB_FLAGS);
      p = dd_put_u16 (p, 4);
      p = dd_put_u32 (p, flags);
      p = dd_put_u32 (p, OPT_ENDOFOPT);
    }
  dd_put_u32 (p, total);
}

/* A number at @p turned to the other byte order, in place. */
static void
turn_u32 (guint8 *p)
{
  guint32 v;

  memcpy (&v, p, 4);
  v = GUINT32_SWAP_LE_BE (v);
  memcpy (p, &v, 4);
}

static void
turn_u64 (guint8 *p)
{
  guint64 v;

  memcpy (&v, p, 8);
  v = GUINT64_SWAP_LE_BE (v);
  memcpy (p, &v, 8);
}

/* One option of a packet read elsewhere, copied (its numbers turned to our byte order
 * when it came in the other); FALSE when it is left out. */
static gboolean
copy_packet_option (GByteArray   *buf,
                    guint16       code,
                    const guint8 *value,
                    guint16       len,
                    gboolean      swapped)
{
  gint number = -1;  /* where the number to turn is, and how wide */
  gsize width = 0;
  guint8 *copy;

  switch (code)
    {
    case EPB_FLAGS:
      return TRUE;  /* written from the packet's flags */
    case OPT_CUSTOM_STRING_NO_COPY:
    case OPT_CUSTOM_BINARY_NO_COPY:
      return FALSE;
    case OPT_COMMENT:
    case EPB_HASH:
      break;  /* bytes */
    case EPB_DROPCOUNT:
    case EPB_PACKETID:
      number = 0, width = 8;
      break;
    case EPB_QUEUE:
      number = 0, width = 4;
      break;
    case EPB_VERDICT:
      if (len >= 1 && value[0] == EPB_VERDICT_HARDWARE)
        break;
      if (len >= 1 && (value[0] == EPB_VERDICT_TC || value[0] == EPB_VERDICT_XDP))
        number = 1, width = 8;
      else if (swapped)
        return FALSE;
      break;
    case OPT_CUSTOM_STRING:
    case OPT_CUSTOM_BINARY:
      number = 0, width = 4;  /* the Private Enterprise Number; the rest is its own */
      break;
    default:
      if (swapped)
        return FALSE;  /* unknown: whether it holds numbers, we cannot tell */
      break;
    }
  if (number >= 0 && (gsize) number + width > len)
    {
      if (swapped)
        return FALSE;
      number = -1;
    }
  put_option (buf, code, value, len);
  copy = buf->data + buf->len - dd_pad4 (len);
  if (swapped && number >= 0)
    (width == 8 ? turn_u64 : turn_u32) (copy + number);
  return TRUE;
}

guint
dd_pcapng_write_epb_options (GByteArray   *buf,
                             guint32       interface_id,
                             guint64       ts,
                             guint32       caplen,
                             guint32       origlen,
                             const guint8 *data,
                             guint32       flags,
                             const guint8 *options,
                             gsize         options_len,
                             gboolean      swapped)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_EPB);
  gsize padded = dd_pad4 (caplen);
  guint8 *p = dd_buffer_grow (buf, 20 + padded);
  const guint8 *end = options + options_len;
  guint left_out = 0;

  p = dd_put_u32 (p, interface_id);
  p = dd_put_u32 (p, (guint32) (ts >> 32));
  p = dd_put_u32 (p, (guint32) ts);
  p = dd_put_u32 (p, caplen);
  p = dd_put_u32 (p, origlen);
  memcpy (p, data, caplen);
  memset (p + caplen, 0, padded - caplen);
  if (flags != 0)
    put_option (buf, EPB_FLAGS, &flags, 4);
  /* As the parser walks them: an option that runs past the block ends the list. */
  while (end - options >= 4)
    {
      guint16 code, len;

      memcpy (&code, options, 2);
      memcpy (&len, options + 2, 2);
      if (swapped)
        code = GUINT16_SWAP_LE_BE (code), len = GUINT16_SWAP_LE_BE (len);
      if (code == OPT_ENDOFOPT || (gsize) (end - options - 4) < len)
        break;
      if (!copy_packet_option (buf, code, options + 4, len, swapped))
        left_out++;
      options += MIN ((gsize) (end - options), 4 + dd_pad4 (len));
    }
  put_end_of_options (buf);
  block_end (buf, start);
  return left_out;
}

void
dd_pcapng_write_isb (GByteArray          *buf,
                     guint32              interface_id,
                     guint64              ts,
                     const DdPcapngStats *stats)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_ISB);
  guint8 *p = dd_buffer_grow (buf, 12);
  static const struct {
    DdPcapngStatFields field;
    guint16 code;
    gsize offset;
  } fields[] = {
    { DD_PCAPNG_STAT_STARTTIME, ISB_STARTTIME, G_STRUCT_OFFSET (DdPcapngStats, starttime) },
    { DD_PCAPNG_STAT_ENDTIME, ISB_ENDTIME, G_STRUCT_OFFSET (DdPcapngStats, endtime) },
    { DD_PCAPNG_STAT_IFRECV, ISB_IFRECV, G_STRUCT_OFFSET (DdPcapngStats, ifrecv) },
    { DD_PCAPNG_STAT_IFDROP, ISB_IFDROP, G_STRUCT_OFFSET (DdPcapngStats, ifdrop) },
    { DD_PCAPNG_STAT_FILTERACCEPT, ISB_FILTERACCEPT, G_STRUCT_OFFSET (DdPcapngStats, filteraccept) },
    { DD_PCAPNG_STAT_OSDROP, ISB_OSDROP, G_STRUCT_OFFSET (DdPcapngStats, osdrop) },
    { DD_PCAPNG_STAT_USRDELIV, ISB_USRDELIV, G_STRUCT_OFFSET (DdPcapngStats, usrdeliv) },
  };

  p = dd_put_u32 (p, interface_id);
  p = dd_put_u32 (p, (guint32) (ts >> 32));
  dd_put_u32 (p, (guint32) ts);
  if (stats != NULL && (stats->present != 0 || stats->comment != NULL))
    {
      put_string_option (buf, OPT_COMMENT, stats->comment);
      for (gsize i = 0; i < G_N_ELEMENTS (fields); i++)
        {
          guint64 value = G_STRUCT_MEMBER (guint64, stats, fields[i].offset);

          if (!(stats->present & fields[i].field))
            continue;
          if (fields[i].code == ISB_STARTTIME || fields[i].code == ISB_ENDTIME)
            put_ts_option (buf, fields[i].code, value);
          else
            put_u64_option (buf, fields[i].code, value);
        }
      put_end_of_options (buf);
    }
  block_end (buf, start);
}
