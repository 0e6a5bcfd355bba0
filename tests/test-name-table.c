/* DdNameTable and the copy of blocks read elsewhere (dd-pcapng-writer.h): name records
 * merged once, secrets and custom blocks turned to our byte order, or counted. */
#include "config.h"

#include <string.h>

#include "dd-name-table.h"
#include "dd-names.h"
#include "dd-pcapng-writer.h"

/* A block of @type with @body, in the other byte order if @swap. */
static GByteArray *
make_block (guint32 type, const guint8 *body, gsize len, gboolean swap)
{
  GByteArray *b = g_byte_array_new ();
  guint32 total = (guint32) (12 + len);
  guint32 t = swap ? GUINT32_SWAP_LE_BE (type) : type;
  guint32 l = swap ? GUINT32_SWAP_LE_BE (total) : total;

  g_byte_array_append (b, (guint8 *) &t, 4);
  g_byte_array_append (b, (guint8 *) &l, 4);
  g_byte_array_append (b, body, (guint) len);
  g_byte_array_append (b, (guint8 *) &l, 4);
  return b;
}

static void
put16 (GByteArray *b, guint16 v, gboolean swap)
{
  v = swap ? GUINT16_SWAP_LE_BE (v) : v;
  g_byte_array_append (b, (guint8 *) &v, 2);
}

static void
put32 (GByteArray *b, guint32 v, gboolean swap)
{
  v = swap ? GUINT32_SWAP_LE_BE (v) : v;
  g_byte_array_append (b, (guint8 *) &v, 4);
}

/* An NRB body: an IPv4 record for 10.0.0.@last named @name, the end record, and a
 * ns_dnsname option. */
static GByteArray *
nrb_body (guint8 last, const char *name, gboolean swap)
{
  GByteArray *b = g_byte_array_new ();
  guint8 addr[4] = { 10, 0, 0, last };
  gsize len = 4 + strlen (name) + 1;

  put16 (b, 1, swap);
  put16 (b, (guint16) len, swap);
  g_byte_array_append (b, addr, 4);
  g_byte_array_append (b, (guint8 *) name, (guint) strlen (name) + 1);
  g_byte_array_append (b, (guint8 *) "\0\0\0", (guint) (-len & 3));
  put32 (b, 0, swap);
  put16 (b, 2, swap);
  put16 (b, 3, swap);
  g_byte_array_append (b, (guint8 *) "ns\0\0", 4);
  put32 (b, 0, swap);
  return b;
}

static void
test_merge_names (void)
{
  g_autoptr(DdNameTable) table = dd_name_table_new ();
  g_autoptr(GByteArray) out = g_byte_array_new ();
  DdPcapngLeftOut left_out = { 0 };

  g_test_summary ("The records of NRBs from inputs in either byte order are kept once: a "
                  "second block brings only what is new; its options come along");
  for (int swap = 0; swap <= 1; swap++)
    {
      g_autoptr(GByteArray) body = nrb_body (1, "web1", swap);
      g_autoptr(GByteArray) block = make_block (DD_PCAPNG_BT_NRB, body->data, body->len, swap);
      g_autoptr(GByteArray) records = g_byte_array_new ();
      const guint8 *options;
      gsize options_len;
      guint taken = dd_name_table_take_nrb (table, block->data, block->len, swap, records, &options, &options_len);

      /* The same record from the big-endian file: nothing new. */
      g_assert_cmpuint (taken, ==, swap ? 0 : 1);
      g_assert_cmpuint (options_len, ==, 12);
      if (taken > 0)
        dd_pcapng_write_nrb (out, records->data, records->len, options, options_len, swap, &left_out);
    }
  {
    g_autoptr(GByteArray) body = nrb_body (2, "web2", TRUE);
    g_autoptr(GByteArray) block = make_block (DD_PCAPNG_BT_NRB, body->data, body->len, TRUE);
    g_autoptr(GByteArray) records = g_byte_array_new ();
    const guint8 *options;
    gsize options_len;

    g_assert_cmpuint (dd_name_table_take_nrb (table, block->data, block->len, TRUE, records, &options,
                                              &options_len), ==, 1);
    dd_pcapng_write_nrb (out, records->data, records->len, options, options_len, TRUE, &left_out);
  }
  g_assert_cmpuint (dd_name_table_get_size (table), ==, 2);
  g_assert_cmpuint (left_out.not_to_copy + left_out.cannot_copy, ==, 0);

  /* Both blocks written in our byte order: walk them back. */
  {
    const guint8 *p = out->data;
    g_autoptr(GString) log = g_string_new (NULL);

    while (p < out->data + out->len)
      {
        guint32 type, len;
        const guint8 *r, *value, *end;
        guint16 rtype, rlen;

        memcpy (&type, p, 4);
        memcpy (&len, p + 4, 4);
        g_assert_cmpuint (type, ==, DD_PCAPNG_BT_NRB);
        r = p + 8;
        end = p + len - 4;
        while (dd_pcapng_nrb_next_record (&r, end, FALSE, &rtype, &value, &rlen))
          g_string_append_printf (log, "%u %u.%u.%u.%u %s; ", rtype, value[0], value[1], value[2], value[3],
                                  (const char *) value + 4);
        g_assert_cmpmem (r, 8, "\2\0\3\0ns\0\0", 8);  /* the ns_dnsname option, turned */
        p += len;
      }
    g_assert_cmpstr (log->str, ==, "1 10.0.0.1 web1; 1 10.0.0.2 web2; ");
  }

  /* Names of our own: only new ones. */
  {
    g_autoptr(GByteArray) records = g_byte_array_new ();
    guint8 value[] = { 10, 0, 0, 1, 'w', 'e', 'b', '1', 0 };

    g_assert_false (dd_name_table_add (table, 1, value, sizeof value, records));
    value[3] = 3;
    g_assert_true (dd_name_table_add (table, 1, value, sizeof value, records));
    g_assert_cmpuint (records->len, ==, 4 + 12);
  }
}

static void
test_copied_blocks (void)
{
  static const char secrets[] = "CLIENT_RANDOM 01 02\n";

  g_test_summary ("Decryption secrets are turned to our byte order; a custom block is copied "
                  "as it is, but not from the other byte order (its options cannot be found), "
                  "nor one marked not to be copied: those are counted");
  for (int swap = 0; swap <= 1; swap++)
    {
      g_autoptr(GByteArray) body = g_byte_array_new ();
      g_autoptr(GByteArray) block = NULL;
      g_autoptr(GByteArray) out = g_byte_array_new ();
      DdPcapngLeftOut left_out = { 0 };
      guint32 v;
      gsize len = strlen (secrets);

      put32 (body, 0x544C534B, swap);
      put32 (body, (guint32) len, swap);
      g_byte_array_append (body, (guint8 *) secrets, (guint) len);
      g_byte_array_append (body, (guint8 *) "\0\0\0", (guint) (-len & 3));
      put16 (body, 1, swap), put16 (body, 4, swap);
      g_byte_array_append (body, (guint8 *) "keys", 4);
      put32 (body, 0, swap);
      block = make_block (DD_PCAPNG_BT_DSB, body->data, body->len, swap);
      dd_pcapng_write_copied_block (out, block->data, block->len, swap, &left_out);
      g_assert_cmpuint (out->len, ==, block->len);
      memcpy (&v, out->data, 4);
      g_assert_cmpuint (v, ==, DD_PCAPNG_BT_DSB);
      memcpy (&v, out->data + 8, 4);
      g_assert_cmpuint (v, ==, 0x544C534B);
      memcpy (&v, out->data + 12, 4);
      g_assert_cmpuint (v, ==, len);
      g_assert_cmpmem (out->data + 16, len, secrets, len);
      g_assert_cmpmem (out->data + 16 + ((len + 3) & ~3u), 8, "\1\0\4\0keys", 8);
      g_assert_cmpuint (left_out.not_to_copy + left_out.cannot_copy, ==, 0);

      /* Custom blocks. */
      g_byte_array_set_size (out, 0);
      g_byte_array_set_size (body, 0);
      put32 (body, 32473, swap);
      g_byte_array_append (body, (guint8 *) "data", 4);
      g_clear_pointer (&block, g_byte_array_unref);
      block = make_block (DD_PCAPNG_BT_CB, body->data, body->len, swap);
      dd_pcapng_write_copied_block (out, block->data, block->len, swap, &left_out);
      g_assert_cmpuint (out->len, ==, swap ? 0 : block->len);
      g_assert_cmpuint (left_out.cannot_copy, ==, swap ? 1 : 0);
      g_clear_pointer (&block, g_byte_array_unref);
      block = make_block (DD_PCAPNG_BT_CB_NO_COPY, body->data, body->len, swap);
      dd_pcapng_write_copied_block (out, block->data, block->len, swap, &left_out);
      g_assert_cmpuint (left_out.not_to_copy, ==, 1);
    }
}

/* The records of @records as "TYPE ADDRESS NAME; " */
static char *
describe (GByteArray *records)
{
  GString *out = g_string_new (NULL);
  const guint8 *p = records->data, *end = records->data + records->len, *value;
  guint16 type, len;

  while (dd_pcapng_nrb_next_record (&p, end, FALSE, &type, &value, &len))
    {
      gsize alen = type == 1 ? 4 : 16;
      g_autoptr(GInetAddress) address = g_inet_address_new_from_bytes (value, alen == 4 ? G_SOCKET_FAMILY_IPV4
                                                                                       : G_SOCKET_FAMILY_IPV6);
      g_autofree char *text = g_inet_address_to_string (address);

      g_string_append_printf (out, "%u %s %s; ", type, text, (const char *) value + alen);
    }
  return g_string_free (out, FALSE);
}

static void
test_names (void)
{
  static const char json[] =
    "[{\"name\": \"lo\", \"addresses\": [\"127.0.0.1\", \"::1\"], \"loopback\": true},"
    " {\"name\": \"eth0\", \"addresses\": [\"10.0.0.5\", \"fe80::1\", \"2001:db8::5\", 7], \"loopback\": false},"
    " {\"name\": \"docker0\", \"addresses\": [\"127.0.0.2\"]}, \"junk\"]";
  g_autoptr(GByteArray) records = g_byte_array_new ();
  g_autoptr(GBytes) bytes = g_bytes_new_static (json, sizeof json - 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_test_summary ("A worker's addresses from its /interfaces, but loopback and link-local ones; "
                  "--name ADDRESS=NAME; hosts files (first name, comments); errors that say what");
  g_assert_cmpuint (dd_names_add_interfaces (records, bytes, "web1", &error), ==, 2);
  g_assert_no_error (error);
  g_assert_true (dd_names_add_assignment (records, "192.0.2.9=db", &error));
  g_assert_true (dd_names_add_hosts (records, "# hosts\n\n 192.0.2.10\tcache  alias # x\n2001:db8::a six\n", &error));
  text = describe (records);
  g_assert_cmpstr (text, ==, "1 10.0.0.5 web1; 2 2001:db8::5 web1; 1 192.0.2.9 db; 1 192.0.2.10 cache; 2 2001:db8::a six; ");

  g_assert_false (dd_names_add_assignment (records, "db", &error));
  g_assert_error (error, DD_NAMES_ERROR, DD_NAMES_ERROR_INVALID);
  g_assert_cmpstr (error->message, ==, "--name db: expected ADDRESS=NAME");
  g_clear_error (&error);
  g_assert_false (dd_names_add_assignment (records, "192.0.2.9=", &error));
  g_assert_cmpstr (error->message, ==, "--name 192.0.2.9=: no name for 192.0.2.9");
  g_clear_error (&error);
  g_assert_false (dd_names_add_hosts (records, "192.0.2.1 a\nnot-an-address b\n", &error));
  g_assert_cmpstr (error->message, ==, "line 2: “not-an-address” is not an IP address");
  g_clear_error (&error);
  g_assert_cmpuint (dd_names_add_interfaces (records, bytes = (g_bytes_unref (bytes), g_bytes_new_static ("{}", 2)),
                                             "x", &error), ==, 0);
  g_assert_error (error, DD_NAMES_ERROR, DD_NAMES_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/name-table/merge", test_merge_names);
  g_test_add_func ("/name-table/copied-blocks", test_copied_blocks);
  g_test_add_func ("/name-table/names", test_names);
  return g_test_run ();
}
