/* DdKeylogFile (a key log followed as it grows) and DdTlsSecrets (the ClientHellos that
 * wait for their secrets, and the watermark they hold back). */
#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "dd-keylog-file.h"
#include "dd-tls-secrets.h"

#define RANDOM_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

typedef struct {
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("ddump-keylog-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "keys.log", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static void
append (const char *path, const char *text)
{
  FILE *fp = fopen (path, "a");

  g_assert_nonnull (fp);
  fputs (text, fp);
  fclose (fp);
}

/* What one read gives, as a string. */
static char *
read_once (DdKeylogFile *file, gsize max)
{
  g_autoptr(GError) error = NULL;
  GString *lines = g_string_new (NULL);

  g_assert_true (dd_keylog_file_read (file, lines, max, &error));
  g_assert_no_error (error);
  return g_string_free (lines, FALSE);
}

static void
test_follow (Fixture *f, gconstpointer data)
{
  g_autoptr(DdKeylogFile) file = dd_keylog_file_new (f->path);
  char *got;

  /* Not written yet: nothing, and no error. */
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "");
  g_free (got);
  append (f->path, "# a comment\nCLIENT_RANDOM aa bb\nSERVER_TRA");
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "# a comment\nCLIENT_RANDOM aa bb\n");  /* the line being written waits */
  g_free (got);
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "");
  g_free (got);
  append (f->path, "FFIC_SECRET_0 cc dd\n");
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "SERVER_TRAFFIC_SECRET_0 cc dd\n");
  g_free (got);

  /* At most @max bytes at a time, whole lines: the rest comes next. */
  append (f->path, "A 1\nB 2\nC 3\n");
  got = read_once (file, 9);
  g_assert_cmpstr (got, ==, "A 1\nB 2\n");
  g_free (got);
  got = read_once (file, 9);
  g_assert_cmpstr (got, ==, "C 3\n");
  g_free (got);

  /* Replaced by its writer (a new file under the name): read from its start. */
  g_assert_cmpint (g_unlink (f->path), ==, 0);
  append (f->path, "NEW 1\n");
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "NEW 1\n");
  g_free (got);
  /* Cut short and written again: from its start too. */
  g_assert_true (g_file_set_contents (f->path, "", 0, NULL));
  append (f->path, "X\n");
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "X\n");
  g_free (got);

  /* A line longer than a read may take is no key log's: passed over. */
  append (f->path, "0123456789abcdef");
  got = read_once (file, 8);
  g_assert_cmpstr (got, ==, "");
  g_free (got);
  append (f->path, "\nY\n");
  got = read_once (file, 4096);
  g_assert_cmpstr (got, ==, "89abcdef\nY\n");  /* the rest of that line is a line of its own */
  g_free (got);
}

static void
test_unreadable (Fixture *f, gconstpointer data)
{
  g_autoptr(DdKeylogFile) file = dd_keylog_file_new (f->path);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) lines = g_string_new (NULL);

  g_assert_cmpint (g_mkdir (f->path, 0700), ==, 0);
  g_assert_false (dd_keylog_file_read (file, lines, 4096, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, f->path));
  g_clear_error (&error);
  /* Said once, until it can be read again. */
  g_assert_true (dd_keylog_file_read (file, lines, 4096, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_rmdir (f->path), ==, 0);
  append (f->path, "Z\n");
  g_assert_true (dd_keylog_file_read (file, lines, 4096, &error));
  g_assert_cmpstr (lines->str, ==, "Z\n");
}

/* A captured packet: SLL2, IPv4 or IPv6, TCP, then @payload. */
static GByteArray *
make_packet (gboolean ipv6, const guint8 *payload, gsize len)
{
  GByteArray *p = g_byte_array_new ();
  guint8 sll2[20] = { 0x08, 0x00, };
  guint8 ip4[20] = { 0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 6, };
  guint8 ip6[40] = { 0x60, 0, 0, 0, 0, 0, 6, 64, };
  guint8 tcp[32] = { 0x1f, 0x90, 0x11, 0x51, [12] = 0x80 };  /* 32 bytes: with options */

  if (ipv6)
    {
      sll2[0] = 0x86;
      sll2[1] = 0xdd;
    }
  g_byte_array_append (p, sll2, sizeof sll2);
  if (ipv6)
    g_byte_array_append (p, ip6, sizeof ip6);
  else
    g_byte_array_append (p, ip4, sizeof ip4);
  g_byte_array_append (p, tcp, sizeof tcp);
  g_byte_array_append (p, payload, (guint) len);
  return p;
}

/* A TLS record holding the start of a ClientHello with the random 00 11 22 … */
static GByteArray *
make_hello (gboolean ipv6)
{
  guint8 hello[11 + 32 + 8] = { 22, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3 };

  for (guint i = 0; i < 32; i++)
    hello[11 + i] = (guint8) ((i % 16) * 0x11);
  return make_packet (ipv6, hello, sizeof hello);
}

static void
test_hold (Fixture *f, gconstpointer data)
{
  const char *paths[] = { f->path, NULL };
  g_autoptr(DdTlsSecrets) secrets = dd_tls_secrets_new (paths, 1000, "test");
  g_autoptr(GByteArray) hello = make_hello (FALSE);
  g_autoptr(GString) lines = g_string_new (NULL);
  guint8 record[64] = { 23, 3, 3, 0, 10, };
  g_autoptr(GByteArray) application = make_packet (FALSE, record, sizeof record);

  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 5000), ==, G_MAXUINT64);
  /* Not a ClientHello, or too short to hold its random: nothing waits. */
  dd_tls_secrets_note_packet (secrets, 4000, application->data, application->len);
  dd_tls_secrets_note_packet (secrets, 4000, hello->data, hello->len - 10);
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 5000), ==, G_MAXUINT64);

  dd_tls_secrets_note_packet (secrets, 4500, hello->data, hello->len);
  dd_tls_secrets_note_packet (secrets, 4400, hello->data, hello->len);  /* seen twice on "any" */
  g_assert_cmpuint (dd_tls_secrets_get_hellos (secrets), ==, 1);
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 5000), ==, 4399);
  g_assert_cmpuint (dd_tls_secrets_get_waiting (secrets), ==, 1);

  /* Another session's line, and one that is no key line: it still waits. */
  append (f->path, "CLIENT_RANDOM ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff 00\n"
                   "CLIENT_RANDOM " RANDOM_HEX "\n# CLIENT_RANDOM " RANDOM_HEX " 00\n");
  dd_tls_secrets_read (secrets, lines, 4096);
  g_assert_cmpuint (dd_tls_secrets_get_lines (secrets), ==, 1);
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 5000), ==, 4399);
  /* Its own: the watermark goes on. */
  append (f->path, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " RANDOM_HEX " 0123\n");
  dd_tls_secrets_read (secrets, lines, 4096);
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 5000), ==, G_MAXUINT64);
  g_assert_nonnull (strstr (lines->str, "CLIENT_HANDSHAKE_TRAFFIC_SECRET " RANDOM_HEX " 0123\n"));

  /* Its packets seen again (a retransmission, drained after the line was read): known. */
  dd_tls_secrets_note_packet (secrets, 4600, hello->data, hello->len);
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 5000), ==, G_MAXUINT64);
}

static void
test_wait_bounded (Fixture *f, gconstpointer data)
{
  const char *paths[] = { f->path, NULL };
  g_autoptr(DdTlsSecrets) secrets = dd_tls_secrets_new (paths, 1000, "test");
  g_autoptr(GByteArray) hello = make_hello (TRUE);

  dd_tls_secrets_note_packet (secrets, 10000, hello->data, hello->len);
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 10999), ==, 9999);
  /* A client that writes no key log holds nothing back for longer than the wait. */
  g_assert_cmpuint (dd_tls_secrets_hold (secrets, 11000), ==, G_MAXUINT64);
  g_assert_cmpuint (dd_tls_secrets_get_waiting (secrets), ==, 0);
}

/* One read holds at most what it is given room for; what does not fit comes next, whole
 * lines, from every file in turn. */
static void
test_budget (Fixture *f, gconstpointer data)
{
  g_autofree char *second = g_strconcat (f->path, ".2", NULL);
  const char *paths[] = { f->path, second, NULL };
  g_autoptr(DdTlsSecrets) secrets = dd_tls_secrets_new (paths, 1000, "test");
  g_autoptr(GString) lines = g_string_new (NULL);
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < 30; i++)
    {
      g_string_printf (line, "LINE%02u ", i);
      while (line->len < 99)
        g_string_append_c (line, 'x');
      g_string_append_c (line, '\n');
      append (f->path, line->str);
    }
  append (second, "SECOND 1\n");
  dd_tls_secrets_read (secrets, lines, 2048);
  g_assert_cmpuint (lines->len, ==, 2000);  /* 20 lines; no room left for the second file */
  g_assert_true (g_str_has_prefix (lines->str, "LINE00 "));
  g_string_truncate (lines, 0);
  dd_tls_secrets_read (secrets, lines, 2048);
  g_assert_cmpuint (lines->len, ==, 1000 + 9);
  g_assert_true (g_str_has_prefix (lines->str, "LINE20 "));
  g_assert_true (g_str_has_suffix (lines->str, "xx\nSECOND 1\n"));
  g_unlink (second);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/keylog-file/follow", Fixture, NULL, fixture_set_up, test_follow, fixture_tear_down);
  g_test_add ("/keylog-file/unreadable", Fixture, NULL, fixture_set_up, test_unreadable, fixture_tear_down);
  g_test_add ("/tls-secrets/hold", Fixture, NULL, fixture_set_up, test_hold, fixture_tear_down);
  g_test_add ("/tls-secrets/budget", Fixture, NULL, fixture_set_up, test_budget, fixture_tear_down);
  g_test_add ("/tls-secrets/wait-bounded", Fixture, NULL, fixture_set_up, test_wait_bounded, fixture_tear_down);
  return g_test_run ();
}
