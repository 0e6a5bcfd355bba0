/* Fuzz target for the stream parser. Built with -Dfuzzing (clang, libFuzzer) it is a
 * libFuzzer target; otherwise main() below runs it as a plain test over seeds written
 * by our own writers and many deterministic mutations of them. */
#include "config.h"

#include <string.h>

#include "dd-pcap-writer.h"
#include "dd-pcapng-writer.h"
#include "dd-stream-parser.h"

static gboolean
packet_cb (gpointer user_data, const DdParsedPacket *p, GError **error)
{
  guint32 *sum = user_data;

  /* Touch every byte the parser vouches for (ASan checks the bounds). */
  for (guint32 i = 0; i < p->caplen; i++)
    *sum += p->data[i];
  return TRUE;
}

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const DdStreamParserFuncs funcs = { .packet = packet_cb };
  guint32 sum = 0;
  g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&funcs, &sum);
  gsize pos = 0, step = size > 0 ? (data[0] % 64) + 1 : 1;
  g_autoptr(GByteArray) pending = g_byte_array_new ();

  /* Fed in pieces, as a network stream arrives. */
  while (pos < size)
    {
      gsize n = MIN (step, size - pos), consumed = 0;

      g_byte_array_append (pending, data + pos, (guint) n);
      pos += n;
      if (!dd_stream_parser_feed (parser, pending->data, pending->len, &consumed, NULL))
        return 0;
      g_assert_cmpuint (consumed, <=, pending->len);
      g_byte_array_remove_range (pending, 0, (guint) consumed);
      g_assert_cmpuint (dd_stream_parser_wanted (parser), <=, DD_STREAM_PARSER_MAX_UNIT);
    }
  dd_stream_parser_finish (parser, pending->len, NULL);
  return 0;
}

#ifndef DD_FUZZING
static GByteArray *
seed (guint kind)
{
  GByteArray *b = g_byte_array_new ();
  DdPcapngInterface iface = { .linktype = 276, .snaplen = 262144, .name = "eth0", .tsresol = 9, .filter = "udp" };
  DdPcapngStats stats = { .present = DD_PCAPNG_STAT_IFRECV | DD_PCAPNG_STAT_STARTTIME, .ifrecv = 3, .starttime = 9 };
  const guint8 payload[64] = { 8, 0, 0, 0, 0, 0, 0, 2, 0, 1, 4, 6 };

  if (kind == 0)
    {
      dd_pcap_write_header (b, 262144, 276);
      for (guint i = 0; i < 4; i++)
        dd_pcap_write_record (b, 1000 + i, 20 + i * 10, 100, payload);
    }
  else
    {
      dd_pcapng_write_shb (b, "x86_64", "Linux", "ddump-worker 1", NULL);
      dd_pcapng_write_idb (b, &iface);
      for (guint i = 0; i < 4; i++)
        dd_pcapng_write_epb (b, 0, 1000 + i, 20 + i * 10, 100, payload, i);
      dd_pcapng_write_isb (b, 0, 2000, &stats);
    }
  return b;
}

int
main (int    argc,
      char **argv)
{
  GRand *rand = g_rand_new_with_seed (8475);
  guint iterations = 20000;

  g_print ("1..2\n");
  for (guint kind = 0; kind < 2; kind++)
    {
      g_autoptr(GByteArray) base = seed (kind);

      LLVMFuzzerTestOneInput (base->data, base->len);
      for (guint i = 0; i < iterations; i++)
        {
          g_autoptr(GByteArray) m = g_byte_array_sized_new (base->len);
          guint flips = g_rand_int_range (rand, 1, 8);

          g_byte_array_append (m, base->data, base->len);
          for (guint f = 0; f < flips; f++)
            {
              guint at = g_rand_int_range (rand, 0, (gint32) m->len);

              switch (g_rand_int_range (rand, 0, 4))
                {
                case 0: m->data[at] ^= (guint8) (1u << g_rand_int_range (rand, 0, 8)); break;
                case 1: m->data[at] = (guint8) g_rand_int_range (rand, 0, 256); break;
                case 2: m->data[at] = 0xff; break;
                default: g_byte_array_set_size (m, at + 1); break;  /* truncate */
                }
            }
          LLVMFuzzerTestOneInput (m->data, m->len);
        }
      g_print ("ok %u - %s seed and %u mutations parsed without a fault\n", kind + 1,
               kind == 0 ? "pcap" : "pcapng", iterations);
    }
  g_rand_free (rand);
  return 0;
}
#endif
