#include "config.h"

#include <string.h>

#include "dd-pcap-writer.h"
#include "dd-pcapng-writer.h"
#include "dd-stream-parser.h"

/* ---- building captures in either byte order ------------------------------------------ */

typedef struct {
  GByteArray *b;
  gboolean    swap;
} Out;

static void
put16 (Out *o, guint16 v)
{
  v = o->swap ? GUINT16_SWAP_LE_BE (v) : v;
  g_byte_array_append (o->b, (guint8 *) &v, 2);
}

static void
put32 (Out *o, guint32 v)
{
  v = o->swap ? GUINT32_SWAP_LE_BE (v) : v;
  g_byte_array_append (o->b, (guint8 *) &v, 4);
}

static void
put64 (Out *o, guint64 v)
{
  v = o->swap ? GUINT64_SWAP_LE_BE (v) : v;
  g_byte_array_append (o->b, (guint8 *) &v, 8);
}

static void
put_bytes (Out *o, const void *data, gsize len)
{
  static const guint8 zero[4];

  g_byte_array_append (o->b, data, (guint) len);
  g_byte_array_append (o->b, zero, (guint) (-len & 3));
}

static void
pcap_header (Out *o, guint32 magic, guint16 major, guint16 minor, guint32 linktype)
{
  put32 (o, magic);
  put16 (o, major);
  put16 (o, minor);
  put32 (o, 0);
  put32 (o, 0);
  put32 (o, 65535);
  put32 (o, linktype);
}

static void
pcap_record (Out *o, guint32 sec, guint32 frac, guint32 caplen, guint32 origlen)
{
  put32 (o, sec);
  put32 (o, frac);
  put32 (o, caplen);
  put32 (o, origlen);
  for (guint32 i = 0; i < caplen; i++)
    g_byte_array_append (o->b, (guint8 *) "p", 1);
}

/* Starts a block; returns where its length goes. */
static guint
block_begin (Out *o, guint32 type)
{
  guint at;

  put32 (o, type);
  at = o->b->len;
  put32 (o, 0);
  return at;
}

static void
block_end (Out *o, guint at)
{
  guint32 len = o->b->len - at + 4 + 4;

  put32 (o, len);
  len = o->swap ? GUINT32_SWAP_LE_BE (len) : len;
  memcpy (o->b->data + at, &len, 4);
}

static void
shb (Out *o, const char *userappl)
{
  guint at = block_begin (o, DD_PCAPNG_BT_SHB);

  put32 (o, DD_PCAPNG_BYTE_ORDER_MAGIC);
  put16 (o, 1);
  put16 (o, 0);
  put64 (o, G_MAXUINT64);
  if (userappl != NULL)
    {
      put16 (o, 4);
      put16 (o, (guint16) strlen (userappl));
      put_bytes (o, userappl, strlen (userappl));
      put32 (o, 0);
    }
  block_end (o, at);
}

static void
idb (Out *o, guint16 linktype, const char *name, gint tsresol, gint64 tsoffset)
{
  guint at = block_begin (o, DD_PCAPNG_BT_IDB);

  put16 (o, linktype);
  put16 (o, 0);
  put32 (o, 262144);
  if (name != NULL)
    {
      put16 (o, 2);
      put16 (o, (guint16) strlen (name));
      put_bytes (o, name, strlen (name));
    }
  if (tsresol >= 0)
    {
      guint8 r = (guint8) tsresol;

      put16 (o, 9);
      put16 (o, 1);
      put_bytes (o, &r, 1);
    }
  if (tsoffset != 0)
    {
      put16 (o, 14);
      put16 (o, 8);
      put64 (o, (guint64) tsoffset);
    }
  put32 (o, 0);
  block_end (o, at);
}

static void
epb (Out *o, guint32 iface, guint64 ts, guint32 caplen, guint32 flags)
{
  guint at = block_begin (o, DD_PCAPNG_BT_EPB);

  put32 (o, iface);
  put32 (o, (guint32) (ts >> 32));
  put32 (o, (guint32) ts);
  put32 (o, caplen);
  put32 (o, caplen + 10);
  for (guint32 i = 0; i < caplen; i++)
    g_byte_array_append (o->b, (guint8 *) "e", 1);
  g_byte_array_append (o->b, (guint8 *) "\0\0\0", -caplen & 3);
  if (flags != 0)
    {
      put16 (o, 2);
      put16 (o, 4);
      put32 (o, flags);
      put32 (o, 0);
    }
  block_end (o, at);
}

static void
isb (Out *o, guint32 iface, guint64 ts, guint64 recv, guint64 drop)
{
  guint at = block_begin (o, DD_PCAPNG_BT_ISB);

  put32 (o, iface);
  put32 (o, (guint32) (ts >> 32));
  put32 (o, (guint32) ts);
  put16 (o, 4);
  put16 (o, 8);
  put64 (o, recv);
  put16 (o, 5);
  put16 (o, 8);
  put64 (o, drop);
  put32 (o, 0);
  block_end (o, at);
}

static void
custom_block (Out *o, gsize len)
{
  guint at = block_begin (o, 0x00000BAD);

  for (gsize i = 0; i < len; i++)
    g_byte_array_append (o->b, (guint8 *) "c", 1);
  g_byte_array_append (o->b, (guint8 *) "\0\0\0", -len & 3);
  block_end (o, at);
}

/* ---- recording what the parser reports ----------------------------------------------- */

static void
log_section (gpointer user_data, DdFormat format, const char *userappl, const char * const *comments)
{
  g_string_append_printf (user_data, "S %s %s\n", dd_format_to_string (format),
                          userappl != NULL ? userappl : "-");
}

static gboolean
log_interface (gpointer user_data, guint32 id, const DdParsedInterface *iface, GError **error)
{
  g_string_append_printf (user_data, "I %u %u %s\n", id, iface->linktype,
                          iface->name != NULL ? iface->name : "-");
  return TRUE;
}

static gboolean
log_packet (gpointer user_data, DdPacket *p, GError **error)
{
  g_string_append_printf (user_data, "P %u %" G_GUINT64_FORMAT " %u %u %u %c\n", p->interface_id,
                          p->ts, p->caplen, p->origlen, p->flags,
                          p->caplen > 0 ? p->data[0] : '-');
  return TRUE;
}

static void
log_stats (gpointer user_data, guint32 id, guint64 ts, const DdPcapngStats *s)
{
  g_string_append_printf (user_data, "T %u %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
                          id, ts, s->ifrecv, s->ifdrop);
}

static const DdStreamParserFuncs log_funcs = {
  .section = log_section,
  .interface = log_interface,
  .packet = log_packet,
  .stats = log_stats,
};

/* Feeds @data in pieces of @step bytes the way a reader does (keeping what was not
 * consumed) and returns the log; @error gets the failure, if any. */
static char *
parse (GByteArray *data, gsize step, GError **error)
{
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&log_funcs, log);
  g_autoptr(GByteArray) pending = g_byte_array_new ();
  gsize pos = 0;

  while (pos < data->len)
    {
      gsize n = MIN (step, data->len - pos), consumed = 0;

      g_byte_array_append (pending, data->data + pos, (guint) n);
      pos += n;
      if (!dd_stream_parser_feed (parser, pending->data, pending->len, &consumed, error))
        return g_string_free (g_steal_pointer (&log), FALSE);
      g_assert_cmpuint (dd_stream_parser_wanted (parser), <=, DD_STREAM_PARSER_MAX_UNIT);
      g_byte_array_remove_range (pending, 0, (guint) consumed);
    }
  dd_stream_parser_finish (parser, pending->len, error);
  return g_string_free (g_steal_pointer (&log), FALSE);
}

/* Whole, and one byte at a time: the same events, no error. */
static char *
parse_ok (GByteArray *data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *whole = parse (data, data->len, &error);
  g_autofree char *bytewise = NULL;

  g_assert_no_error (error);
  bytewise = parse (data, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (whole, ==, bytewise);
  return g_steal_pointer (&whole);
}

/* ---- tests --------------------------------------------------------------------------- */

static void
test_pcap_orders (void)
{
  g_test_summary ("pcap in µs and ns, in both byte orders, gives the same packets");
  for (guint swap = 0; swap < 2; swap++)
    {
      g_autoptr(GByteArray) us = g_byte_array_new ();
      g_autoptr(GByteArray) ns = g_byte_array_new ();
      Out o1 = { us, swap }, o2 = { ns, swap };
      g_autofree char *a = NULL, *b = NULL;

      pcap_header (&o1, DD_PCAP_MAGIC_USEC, 2, 4, 276);
      pcap_record (&o1, 1700000000, 123456, 5, 60);
      pcap_record (&o1, 1700000001, 0, 0, 0);
      pcap_header (&o2, DD_PCAP_MAGIC_NSEC, 2, 4, 276);
      pcap_record (&o2, 1700000000, 123456000, 5, 60);
      pcap_record (&o2, 1700000001, 0, 0, 0);
      a = parse_ok (us);
      b = parse_ok (ns);
      g_assert_cmpstr (a, ==, b);
      g_assert_cmpstr (a, ==,
                       "S pcap -\nI 0 276 -\n"
                       "P 0 1700000000123456000 5 60 0 p\n"
                       "P 0 1700000001000000000 0 0 0 -\n");
    }
}

static void
test_pcap_oddities (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  Out o = { b, FALSE };
  g_autofree char *log = NULL;

  g_test_summary ("What libpcap tolerates is tolerated: caplen above the snaplen, "
                  "caplen/len swapped in version 2.2, FCS bits in the link type");
  pcap_header (&o, DD_PCAP_MAGIC_USEC, 2, 2, 1 | 0x10000000);
  /* 2.2 wrote the lengths the other way: the larger is the original length. */
  put32 (&o, 1); put32 (&o, 0); put32 (&o, 70000); put32 (&o, 60);
  for (guint i = 0; i < 60; i++)
    g_byte_array_append (b, (guint8 *) "p", 1);
  log = parse_ok (b);
  g_assert_cmpstr (log, ==, "S pcap -\nI 0 1 -\nP 0 1000000000 60 70000 0 p\n");
}

static void
build_pcapng (GByteArray *b, gboolean swap)
{
  Out o = { b, swap };

  shb (&o, "ddump-worker 0.1");
  idb (&o, 276, "any", 9, 0);
  isb (&o, 0, 1000, 5, 1);
  idb (&o, 276, "eth0", -1, 0);           /* microseconds by default */
  custom_block (&o, 100);                  /* skipped */
  epb (&o, 1, 1700000000000000, 3, 2);     /* µs */
  epb (&o, 0, 1700000000000000001, 5, 0);  /* ns */
  /* A second section: interface ids start again. */
  shb (&o, NULL);
  idb (&o, 1, "eth1", 3, 10);              /* ms, 10 s offset */
  epb (&o, 0, 1000, 0, 1);
}

static void
test_pcapng (void)
{
  static const char *expected =
    "S pcapng ddump-worker 0.1\nI 0 276 any\nT 0 1000 5 1\nI 1 276 eth0\n"
    "P 1 1700000000000000000 3 13 2 e\nP 0 1700000000000000001 5 15 0 e\n"
    "S pcapng -\nI 0 1 eth1\nP 0 11000000000 0 10 1 -\n";

  g_test_summary ("pcapng in both byte orders: sections, interfaces with their time "
                  "resolution and offset, packets with flags, statistics, skipped blocks");
  for (guint swap = 0; swap < 2; swap++)
    {
      g_autoptr(GByteArray) b = g_byte_array_new ();
      g_autofree char *log = NULL;

      build_pcapng (b, swap);
      log = parse_ok (b);
      g_assert_cmpstr (log, ==, expected);
    }
}

static void
test_writers_round_trip (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  DdPcapngInterface iface = { .linktype = 276, .snaplen = 100, .name = "lo", .tsresol = 9 };
  DdPcapngStats stats = { .present = DD_PCAPNG_STAT_IFRECV | DD_PCAPNG_STAT_IFDROP, .ifrecv = 9, .ifdrop = 2 };
  g_autofree char *log = NULL;

  g_test_summary ("What our pcapng writer writes, our parser reads");
  dd_pcapng_write_shb (b, NULL, NULL, "ddump-worker x", NULL);
  dd_pcapng_write_idb (b, &iface);
  dd_pcapng_write_epb (b, 0, 42, 3, 3, (const guint8 *) "abc", 1);
  dd_pcapng_write_isb (b, 0, 43, &stats);
  log = parse_ok (b);
  g_assert_cmpstr (log, ==, "S pcapng ddump-worker x\nI 0 276 lo\nP 0 42 3 3 1 a\nT 0 43 9 2\n");
}

/* An EPB with @flags and, after them, a comment, a drop count, a custom option not to be
 * copied, and an option of a code we do not know (a 32-bit number). */
static void
epb_with_options (Out *o, guint32 flags)
{
  guint at = block_begin (o, DD_PCAPNG_BT_EPB);

  put32 (o, 0);
  put32 (o, 0);
  put32 (o, 7);
  put32 (o, 3);
  put32 (o, 3);
  put_bytes (o, "abc", 3);
  put16 (o, 2), put16 (o, 4), put32 (o, flags);
  put16 (o, 1), put16 (o, 5), put_bytes (o, "hello", 5);
  put16 (o, 4), put16 (o, 8), put64 (o, G_GUINT64_CONSTANT (0x0102030405060708));
  put16 (o, 19372), put16 (o, 6), put32 (o, 32473), put_bytes (o, "no", 2);
  put16 (o, 99), put16 (o, 4), put32 (o, 0x11223344);
  put32 (o, 0);
  block_end (o, at);
}

typedef struct {
  GByteArray     *out;
  DdPcapngLeftOut left_out;
  gboolean        swapped;
} Rewrite;

/* Each packet written again as the output writes it. */
static gboolean
rewrite_packet (gpointer user_data, DdPacket *p, GError **error)
{
  Rewrite *r = user_data;

  g_assert_nonnull (dd_packet_get_options (p));
  r->swapped = dd_packet_get_options_swapped (p);
  dd_pcapng_write_epb_options (r->out, 5, p->ts, p->caplen, p->origlen, p->data, p->flags,
                               dd_packet_get_options (p), dd_packet_get_options_len (p), dd_packet_get_options_swapped (p), &r->left_out);
  return TRUE;
}

static gboolean
accept_interface (gpointer user_data, guint32 id, const DdParsedInterface *iface, GError **error)
{
  return TRUE;
}

static void
test_packet_options (void)
{
  static const DdStreamParserFuncs funcs = { .interface = accept_interface, .packet = rewrite_packet };

  g_test_summary ("A packet's options other than epb_flags reach its DdPacket as they are; "
                  "written again, they are in our byte order, epb_flags comes from the packet, "
                  "what pcapng says not to copy is left out, and so is an unknown option from "
                  "the other byte order");
  for (int swap = 0; swap <= 1; swap++)
    {
      g_autoptr(GByteArray) b = g_byte_array_new ();
      g_autoptr(GByteArray) out = g_byte_array_new ();
      g_autoptr(GString) log = g_string_new (NULL);
      Rewrite r = { out, { 0 }, FALSE };
      g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&funcs, &r);
      Out o = { b, swap };
      gsize consumed = 0, pos = 28;
      guint32 v32;
      guint16 code, len;

      shb (&o, NULL);
      idb (&o, 1, "eth0", 9, 0);
      epb_with_options (&o, 1);
      g_assert_true (dd_stream_parser_feed (parser, b->data, b->len, &consumed, NULL));
      g_assert_cmpuint (consumed, ==, b->len);
      g_assert_cmpint (r.swapped, ==, swap);
      g_assert_cmpuint (r.left_out.not_to_copy, ==, 1);
      g_assert_cmpuint (r.left_out.cannot_copy, ==, swap ? 1 : 0);

      /* The block written, in our byte order: its options, one by one. */
      memcpy (&v32, out->data, 4);
      g_assert_cmpuint (v32, ==, DD_PCAPNG_BT_EPB);
      memcpy (&v32, out->data + 8, 4);
      g_assert_cmpuint (v32, ==, 5);
      g_assert_cmpmem (out->data + 28, 3, "abc", 3);
      pos = 32;
      while (pos + 4 <= out->len - 4)
        {
          memcpy (&code, out->data + pos, 2);
          memcpy (&len, out->data + pos + 2, 2);
          if (code == 0)
            break;
          if (len == 4)
            {
              memcpy (&v32, out->data + pos + 4, 4);
              g_string_append_printf (log, "%u:%x ", code, v32);
            }
          else if (len == 8)
            {
              guint64 v64;

              memcpy (&v64, out->data + pos + 4, 8);
              g_string_append_printf (log, "%u:%" G_GINT64_MODIFIER "x ", code, v64);
            }
          else
            g_string_append_printf (log, "%u:%.*s ", code, len, out->data + pos + 4);
          pos += 4 + ((len + 3u) & ~3u);
        }
      g_assert_cmpstr (log->str, ==, swap ? "2:1 1:hello 4:102030405060708 "
                                          : "2:1 1:hello 4:102030405060708 99:11223344 ");
      memcpy (&v32, out->data + 4, 4);
      g_assert_cmpuint (v32, ==, out->len);
      g_assert_cmpmem (out->data + out->len - 4, 4, out->data + 4, 4);
    }
}

typedef struct {
  const char  *name;
  DdParseError code;
  const char  *message;  /* a part of it */
} Rejection;

static void
test_rejections (void)
{
  static const Rejection cases[] = {
    { "bad magic", DD_PARSE_ERROR_BAD_MAGIC, "not a pcap or pcapng stream (it starts with “<htm" },
    { "pcap version", DD_PARSE_ERROR_BAD_VERSION, "unsupported pcap version 3.0" },
    { "pcap caplen", DD_PARSE_ERROR_TOO_LARGE, "captured length of 300000 bytes, above the maximum of 262144" },
    { "pcapng version", DD_PARSE_ERROR_BAD_VERSION, "unsupported pcapng version 2.0" },
    { "odd length", DD_PARSE_ERROR_BAD_BLOCK, "invalid length of 30 bytes" },
    { "huge block", DD_PARSE_ERROR_TOO_LARGE, "above the maximum of 16777216" },
    { "trailer", DD_PARSE_ERROR_BAD_BLOCK, "trailing length" },
    { "interface", DD_PARSE_ERROR_BAD_INTERFACE, "refers to interface 3, but the section has 1" },
    { "epb caplen", DD_PARSE_ERROR_BAD_BLOCK, "more than its block" },
    { "truncated", DD_PARSE_ERROR_TRUNCATED, "ended inside a record" },
    { "empty", DD_PARSE_ERROR_TRUNCATED, "the stream is empty" },
    { "tsresol", DD_PARSE_ERROR_BAD_INTERFACE, "unsupported time resolution" },
  };

  g_test_summary ("Hostile or broken input: each problem is named, and what came "
                  "before it was delivered");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GByteArray) b = g_byte_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *log = NULL;
      Out o = { b, FALSE };
      const char *name = cases[i].name;

      g_test_message ("case: %s", name);
      if (g_str_equal (name, "bad magic"))
        g_byte_array_append (b, (guint8 *) "<html><body>", 12);
      else if (g_str_equal (name, "pcap version"))
        pcap_header (&o, DD_PCAP_MAGIC_NSEC, 3, 0, 276);
      else if (g_str_equal (name, "pcap caplen"))
        {
          pcap_header (&o, DD_PCAP_MAGIC_NSEC, 2, 4, 276);
          pcap_record (&o, 1, 0, 4, 4);
          put32 (&o, 2); put32 (&o, 0); put32 (&o, 300000); put32 (&o, 300000);
        }
      else if (g_str_equal (name, "truncated"))
        {
          pcap_header (&o, DD_PCAP_MAGIC_NSEC, 2, 4, 276);
          pcap_record (&o, 1, 0, 4, 4);
          put32 (&o, 2); put32 (&o, 0); put32 (&o, 100); put32 (&o, 100);
          g_byte_array_append (b, (guint8 *) "abc", 3);
        }
      else if (g_str_equal (name, "empty"))
        ;
      else
        {
          if (g_str_equal (name, "pcapng version"))
            {
              guint at = block_begin (&o, DD_PCAPNG_BT_SHB);

              put32 (&o, DD_PCAPNG_BYTE_ORDER_MAGIC); put16 (&o, 2); put16 (&o, 0); put64 (&o, 0);
              block_end (&o, at);
            }
          else
            shb (&o, NULL);
          idb (&o, 276, "eth0", g_str_equal (name, "tsresol") ? 20 : 9, 0);
          epb (&o, 0, 1, 4, 0);
          if (g_str_equal (name, "odd length"))
            { put32 (&o, 0xBAD); put32 (&o, 30); put32 (&o, 0); }
          else if (g_str_equal (name, "huge block"))
            { put32 (&o, 0xBAD); put32 (&o, 17 * 1024 * 1024); put32 (&o, 0); }
          else if (g_str_equal (name, "trailer"))
            {
              epb (&o, 0, 2, 4, 0);
              b->data[b->len - 4] ^= 0x40;
            }
          else if (g_str_equal (name, "interface"))
            epb (&o, 3, 2, 4, 0);
          else if (g_str_equal (name, "epb caplen"))
            {
              guint at = block_begin (&o, DD_PCAPNG_BT_EPB);

              put32 (&o, 0); put32 (&o, 0); put32 (&o, 2); put32 (&o, 200); put32 (&o, 200);
              block_end (&o, at);
            }
        }
      for (gsize step = 1; step <= b->len + 1; step = step * 3 + 1)
        {
          g_clear_error (&error);
          g_free (log);
          log = parse (b, MAX (step, 1), &error);
          g_assert_error (error, DD_PARSE_ERROR, (gint) cases[i].code);
          g_assert_nonnull (strstr (error->message, cases[i].message));
          if (g_str_has_prefix (name, "pcap ") && !g_str_equal (name, "pcap version"))
            g_assert_nonnull (strstr (log, "P 0 1000000000 4 4 0 p\n"));
          if (g_str_equal (name, "trailer") || g_str_equal (name, "interface"))
            g_assert_nonnull (strstr (log, "P 0 1 4 14 0 e\n"));
          if (b->len == 0)
            break;
        }
    }
}

static void
test_bounded_wanted (void)
{
  g_autoptr(GByteArray) b = g_byte_array_new ();
  g_autoptr(GString) log = g_string_new (NULL);
  g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&log_funcs, log);
  Out o = { b, FALSE };
  gsize consumed;

  g_test_summary ("A large block that carries nothing we use is skipped without being held");
  shb (&o, NULL);
  custom_block (&o, 8 * 1024 * 1024);
  idb (&o, 276, NULL, 9, 0);
  /* Only the block headers are ever asked for: at most a unit. */
  g_assert_true (dd_stream_parser_feed (parser, b->data, 100, &consumed, NULL));
  g_assert_cmpuint (dd_stream_parser_wanted (parser), <=, DD_STREAM_PARSER_MAX_UNIT);
  g_assert_true (dd_stream_parser_feed (parser, b->data + consumed, b->len - consumed, &consumed, NULL));
  g_assert_cmpstr (log->str, ==, "S pcapng -\nI 0 276 -\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stream-parser/pcap/byte-orders", test_pcap_orders);
  g_test_add_func ("/stream-parser/pcap/oddities", test_pcap_oddities);
  g_test_add_func ("/stream-parser/pcapng", test_pcapng);
  g_test_add_func ("/stream-parser/round-trip", test_writers_round_trip);
  g_test_add_func ("/stream-parser/packet-options", test_packet_options);
  g_test_add_func ("/stream-parser/rejections", test_rejections);
  g_test_add_func ("/stream-parser/skip-large-blocks", test_bounded_wanted);
  return g_test_run ();
}
