/* The pcap/pcapng stream parser, fed in pieces as a network stream arrives. Invariants:
 * every packet lies inside the bytes fed and names an interface announced in its section;
 * statistics name an announced interface; consumed and wanted stay in bounds; every
 * rejection carries a message in DD_PARSE_ERROR. */
#include "config.h"

#include "dd-fuzz.h"
#include "dd-name-table.h"
#include "dd-pcapng-writer.h"
#include "dd-stream-parser.h"

typedef struct {
  const guint8 *base;       /* the bytes being fed */
  gsize         len;
  guint32       interfaces; /* announced in the current section */
  guint32       sum;
  GByteArray   *out;        /* what an output would write of options and copied blocks */
  DdNameTable  *names;
  DdPcapngLeftOut left_out;
} State;

static void
section_cb (gpointer user_data, DdFormat format, const char *userappl, const char * const *comments)
{
  State *state = user_data;

  g_assert_true (format == DD_FORMAT_PCAP || format == DD_FORMAT_PCAPNG);
  if (userappl != NULL)
    g_assert_true (g_utf8_validate (userappl, -1, NULL));
  for (guint i = 0; comments != NULL && comments[i] != NULL; i++)
    g_assert_true (g_utf8_validate (comments[i], -1, NULL));
  state->interfaces = 0;
}

static gboolean
interface_cb (gpointer user_data, guint32 id, const DdParsedInterface *iface, GError **error)
{
  State *state = user_data;

  g_assert_cmpuint (id, ==, state->interfaces);
  g_assert_cmpuint (id, <, DD_STREAM_PARSER_MAX_INTERFACES);
  if (iface->name != NULL)
    g_assert_true (g_utf8_validate (iface->name, -1, NULL));
  for (guint i = 0; iface->comments != NULL && iface->comments[i] != NULL; i++)
    g_assert_true (g_utf8_validate (iface->comments[i], -1, NULL));
  state->interfaces++;
  return TRUE;
}

static gboolean
packet_cb (gpointer user_data, DdPacket *p, GError **error)
{
  State *state = user_data;

  g_assert_cmpuint (p->interface_id, <, state->interfaces);
  g_assert_cmpuint (p->caplen, <=, DD_STREAM_PARSER_MAX_UNIT);
  g_assert_true (p->caplen == 0 || p->data != NULL);
  if (p->caplen > 0)
    {
      g_assert_true (p->data >= state->base);
      g_assert_true (p->data + p->caplen <= state->base + state->len);
    }
  /* Touch every byte the parser vouches for (ASan checks the bounds). */
  for (guint32 i = 0; i < p->caplen; i++)
    state->sum += p->data[i];
  if (p->options_len != 0)
    {
      const guint8 *options = dd_packet_get_options (p);
      gsize options_len = dd_packet_get_options_len (p);

      g_assert_true (options >= state->base && options + options_len <= state->base + state->len);
      /* As the output copies them. */
      g_byte_array_set_size (state->out, 0);
      dd_pcapng_write_epb_options (state->out, 0, p->ts, p->caplen, p->origlen, p->data, p->flags,
                                   options, options_len, dd_packet_get_options_swapped (p), &state->left_out);
    }
  return TRUE;
}

static void
block_cb (gpointer user_data, guint32 type, const guint8 *block, guint32 len, gboolean swapped)
{
  State *state = user_data;
  g_autoptr(GByteArray) records = g_byte_array_new ();
  const guint8 *options;
  gsize options_len;

  g_assert_true (dd_stream_parser_is_copied_block (type));
  if (block == NULL)
    {
      g_assert_cmpuint (len, >, DD_STREAM_PARSER_MAX_UNIT);
      return;
    }
  g_assert_true (block >= state->base && block + len <= state->base + state->len);
  g_assert_cmpuint (len, >=, 12);
  /* As the output copies it. */
  g_byte_array_set_size (state->out, 0);
  if (type == DD_PCAPNG_BT_NRB)
    {
      dd_name_table_take_nrb (state->names, block, len, swapped, records, &options, &options_len);
      g_assert_true (options >= block && options + options_len <= block + len);
      dd_pcapng_write_nrb (state->out, records->data, records->len, options, options_len, swapped,
                           &state->left_out);
    }
  else
    dd_pcapng_write_copied_block (state->out, block, len, swapped, &state->left_out);
}

static void
stats_cb (gpointer user_data, guint32 id, guint64 ts_ns, const DdPcapngStats *stats)
{
  State *state = user_data;

  g_assert_cmpuint (id, <, state->interfaces);
  if (stats->comment != NULL)
    g_assert_true (g_utf8_validate (stats->comment, -1, NULL));
}

int
LLVMFuzzerTestOneInput (const guint8 *data,
                        size_t        size)
{
  static const DdStreamParserFuncs funcs = {
    .section = section_cb,
    .interface = interface_cb,
    .packet = packet_cb,
    .stats = stats_cb,
    .block = block_cb,
  };
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(DdNameTable) names = dd_name_table_new ();
  State state = { .out = out, .names = names };
  g_autoptr(DdStreamParser) parser = dd_stream_parser_new (&funcs, &state);
  g_autoptr(GByteArray) pending = g_byte_array_new ();
  gsize pos = 0, step = size > 0 ? (data[0] % 64) + 1 : 1;

  while (pos < size)
    {
      g_autoptr(GError) error = NULL;
      gsize n = MIN (step, size - pos), consumed = 0;

      g_byte_array_append (pending, data + pos, (guint) n);
      pos += n;
      state.base = pending->data;
      state.len = pending->len;
      if (!dd_stream_parser_feed (parser, pending->data, pending->len, &consumed, &error))
        {
          DD_FUZZ_CHECK_ERROR (error, DD_PARSE_ERROR);
          return 0;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (consumed, <=, pending->len);
      g_byte_array_remove_range (pending, 0, (guint) consumed);
      g_assert_cmpuint (dd_stream_parser_wanted (parser), >=, 1);
      g_assert_cmpuint (dd_stream_parser_wanted (parser), <=, DD_STREAM_PARSER_MAX_UNIT);
    }
  {
    g_autoptr(GError) error = NULL;

    if (!dd_stream_parser_finish (parser, pending->len, &error))
      DD_FUZZ_CHECK_ERROR (error, DD_PARSE_ERROR);
  }
  return 0;
}
