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
  for (guint i = 0; iface->comments != NULL && iface->comments[i] != NULL; i++)
    put_string_option (buf, OPT_COMMENT, iface->comments[i]);
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

/* An EPB's fields after its length: the interface, the timestamp, the lengths, the data
 * padded to 32 bits; where the options go. */
static inline guint8 *
put_epb_fields (guint8       *p,
                guint32       interface_id,
                guint64       ts,
                guint32       caplen,
                guint32       origlen,
                const guint8 *data)
{
  gsize padded = dd_pad4 (caplen);

  p = dd_put_u32 (p, interface_id);
  p = dd_put_u32 (p, (guint32) (ts >> 32));
  p = dd_put_u32 (p, (guint32) ts);
  p = dd_put_u32 (p, caplen);
  p = dd_put_u32 (p, origlen);
  memcpy (p, data, caplen);
  memset (p + caplen, 0, padded - caplen);
  return p + padded;
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
  p = put_epb_fields (p, interface_id, ts, caplen, origlen, data);
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

/* One option of a block read elsewhere (@block_type's), copied, its numbers turned to our
 * byte order when it came in the other; counted in @left_out when it is not. */
static void
copy_option (GByteArray      *buf,
             guint32          block_type,
             guint16          code,
             const guint8    *value,
             guint16          len,
             gboolean         swapped,
             DdPcapngLeftOut *left_out)
{
  gboolean epb = block_type == DD_PCAPNG_BT_EPB;
  gint number = -1;  /* where the number to turn is, and how wide */
  gsize width = 0;
  guint8 *copy;

  if (code == OPT_COMMENT)
    ;  /* text */
  else if (code == OPT_CUSTOM_STRING || code == OPT_CUSTOM_BINARY)
    number = 0, width = 4;  /* the Private Enterprise Number; the rest is its own */
  else if (code == OPT_CUSTOM_STRING_NO_COPY || code == OPT_CUSTOM_BINARY_NO_COPY)
    {
      left_out->not_to_copy++;
      return;
    }
  else if (epb && code == EPB_FLAGS)
    return;  /* written from the packet's flags */
  else if (epb && code == EPB_HASH)
    ;  /* bytes */
  else if (epb && (code == EPB_DROPCOUNT || code == EPB_PACKETID))
    number = 0, width = 8;
  else if (epb && code == EPB_QUEUE)
    number = 0, width = 4;
  else if (epb && code == EPB_VERDICT && len >= 1 && value[0] == EPB_VERDICT_HARDWARE)
    ;  /* bytes */
  else if (epb && code == EPB_VERDICT && len >= 1 && (value[0] == EPB_VERDICT_TC || value[0] == EPB_VERDICT_XDP))
    number = 1, width = 8;
  else if (block_type == DD_PCAPNG_BT_NRB && (code == NS_DNSNAME || code == NS_DNSIP4ADDR || code == NS_DNSIP6ADDR))
    ;  /* a name, addresses */
  else if (swapped)
    {
      left_out->cannot_copy++;  /* unknown: whether it holds numbers, we cannot tell */
      return;
    }
  if (number >= 0 && (gsize) number + width > len)
    {
      if (swapped)
        {
          left_out->cannot_copy++;
          return;
        }
      number = -1;
    }
  put_option (buf, code, value, len);
  copy = buf->data + buf->len - dd_pad4 (len);
  if (swapped && number >= 0)
    (width == 8 ? turn_u64 : turn_u32) (copy + number);
}

/* The options of a block read elsewhere (but those of code @skip, when not 0), and the
 * end of options. As the parser walks them: an option that runs past the block ends the
 * list. */
static void
copy_options (GByteArray      *buf,
              guint32          block_type,
              const guint8    *options,
              gsize            options_len,
              gboolean         swapped,
              guint16          skip,
              DdPcapngLeftOut *left_out)
{
  const guint8 *end = options + options_len;

  while (end - options >= 4)
    {
      guint16 code, len;

      memcpy (&code, options, 2);
      memcpy (&len, options + 2, 2);
      if (swapped)
        code = GUINT16_SWAP_LE_BE (code), len = GUINT16_SWAP_LE_BE (len);
      if (code == OPT_ENDOFOPT || (gsize) (end - options - 4) < len)
        break;
      if (skip == 0 || code != skip)
        copy_option (buf, block_type, code, options + 4, len, swapped, left_out);
      options += MIN ((gsize) (end - options), 4 + dd_pad4 (len));
    }
  put_end_of_options (buf);
}

void
dd_pcapng_put_epb_options (GByteArray      *buf,
                           guint64          packet_id,
                           const char      *comment,
                           const guint8    *options,
                           gsize            options_len,
                           gboolean         swapped,
                           DdPcapngLeftOut *left_out)
{
  if (packet_id != 0)
    put_u64_option (buf, EPB_PACKETID, packet_id);
  put_string_option (buf, OPT_COMMENT, comment);
  copy_options (buf, DD_PCAPNG_BT_EPB, options, options != NULL ? options_len : 0, swapped,
                packet_id != 0 ? EPB_PACKETID : 0, left_out);
}

void
dd_pcapng_write_epb_options (GByteArray      *buf,
                             guint32          interface_id,
                             guint64          ts,
                             guint32          caplen,
                             guint32          origlen,
                             const guint8    *data,
                             guint32          flags,
                             const guint8    *options,
                             gsize            options_len,
                             gboolean         swapped,
                             DdPcapngLeftOut *left_out)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_EPB);

  put_epb_fields (dd_buffer_grow (buf, 20 + dd_pad4 (caplen)), interface_id, ts, caplen, origlen, data);
  if (flags != 0)
    put_option (buf, EPB_FLAGS, &flags, 4);
  copy_options (buf, DD_PCAPNG_BT_EPB, options, options_len, swapped, 0, left_out);
  block_end (buf, start);
}

static guint32
read_u32 (const guint8 *p,
          gboolean      swapped)
{
  guint32 v;

  memcpy (&v, p, 4);
  return swapped ? GUINT32_SWAP_LE_BE (v) : v;
}

static guint16
read_u16 (const guint8 *p,
          gboolean      swapped)
{
  guint16 v;

  memcpy (&v, p, 2);
  return swapped ? GUINT16_SWAP_LE_BE (v) : v;
}

gboolean
dd_pcapng_nrb_next_record (const guint8 **p,
                           const guint8  *end,
                           gboolean       swapped,
                           guint16       *type,
                           const guint8 **value,
                           guint16       *len)
{
  if (end - *p < 4)
    {
      *p = end;
      return FALSE;
    }
  *type = read_u16 (*p, swapped);
  *len = read_u16 (*p + 2, swapped);
  if (*type == NRB_RECORD_END || (gsize) (end - *p - 4) < *len)
    {
      *p = MIN (end, *p + 4);  /* the options follow the end record */
      return FALSE;
    }
  *value = *p + 4;
  *p += MIN ((gsize) (end - *p), 4 + dd_pad4 (*len));
  return TRUE;
}

void
dd_pcapng_put_nrb_record (GByteArray   *records,
                          guint16       type,
                          const guint8 *value,
                          guint16       len)
{
  put_option (records, type, value, len);  /* the same shape as an option */
}

void
dd_pcapng_write_nrb (GByteArray      *buf,
                     const guint8    *records,
                     gsize            records_len,
                     const guint8    *options,
                     gsize            options_len,
                     gboolean         swapped,
                     DdPcapngLeftOut *left_out)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_NRB);

  g_byte_array_append (buf, records, (guint) records_len);
  dd_put_u32 (dd_buffer_grow (buf, 4), NRB_RECORD_END);
  copy_options (buf, DD_PCAPNG_BT_NRB, options, options_len, swapped, 0, left_out);
  block_end (buf, start);
}

/* A DSB's body: the secrets' type, their length, and the secrets, padded. */
static void
put_secrets (GByteArray   *buf,
             guint32       secrets_type,
             const guint8 *secrets,
             guint32       len)
{
  guint8 *p = dd_buffer_grow (buf, 8 + dd_pad4 (len));

  p = dd_put_u32 (p, secrets_type);
  p = dd_put_u32 (p, len);
  memcpy (p, secrets, len);
  memset (p + len, 0, dd_pad4 (len) - len);
}

void
dd_pcapng_write_dsb (GByteArray   *buf,
                     guint32       secrets_type,
                     const guint8 *secrets,
                     guint32       len)
{
  guint start = block_begin (buf, DD_PCAPNG_BT_DSB);

  put_secrets (buf, secrets_type, secrets, len);
  block_end (buf, start);
}

void
dd_pcapng_write_copied_block (GByteArray      *buf,
                              const guint8    *block,
                              guint32          len,
                              gboolean         swapped,
                              DdPcapngLeftOut *left_out)
{
  guint32 type = read_u32 (block, swapped);
  const guint8 *end = block + len - 4;
  guint start;

  if (type == DD_PCAPNG_BT_CB_NO_COPY)
    {
      left_out->not_to_copy++;
      return;
    }
  if (type == DD_PCAPNG_BT_CB && !swapped)
    {
      g_byte_array_append (buf, block, len);
      return;
    }
  if (type == DD_PCAPNG_BT_DSB && len >= 20)
    {
      guint32 secrets_len = read_u32 (block + 12, swapped);

      if (secrets_len > (gsize) (end - block - 16))
        {
          left_out->cannot_copy++;
          return;
        }
      start = block_begin (buf, DD_PCAPNG_BT_DSB);
      put_secrets (buf, read_u32 (block + 8, swapped), block + 16, secrets_len);
      block += 16 + MIN ((gsize) (end - block - 16), dd_pad4 (secrets_len));
      copy_options (buf, DD_PCAPNG_BT_DSB, block, (gsize) (end - block), swapped, 0, left_out);
      block_end (buf, start);
      return;
    }
  /* A custom block in the other byte order: its data has no length, so where its options
   * begin (to turn them) only its writer knows. Or a DSB too short to be one. */
  left_out->cannot_copy++;
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
