#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "dd-target.h"

static DdTarget *
parse_ok (const char *spec, const DdTargetDefaults *defaults)
{
  g_autoptr(GError) error = NULL;
  DdTarget *target = dd_target_parse (spec, defaults, &error);

  g_assert_no_error (error);
  g_assert_nonnull (target);
  return target;
}

static void
test_urls (void)
{
  static const struct {
    const char *spec;
    const char *uri;
    const char *label;
    const char *host;
    const char *user;
    const char *password;
  } cases[] = {
    { "http://w1", "http://w1:8475/capture", "http://w1", "w1", NULL, NULL },
    { "http://w1:8475", "http://w1:8475/capture", "http://w1:8475", "w1", NULL, NULL },
    { "https://w1:8443/", "https://w1:8443/capture", "https://w1:8443", "w1:8443", NULL, NULL },
    { "http://10.0.0.1:9000/proxy/capture?filter=icmp", "http://10.0.0.1:9000/proxy/capture?filter=icmp",
      "http://10.0.0.1:9000/proxy/capture?filter=icmp", "10.0.0.1:9000", NULL, NULL },
    { "http://[fe80::1]?count=5", "http://[fe80::1]:8475/capture?count=5", "http://[fe80::1]?count=5", "fe80::1", NULL, NULL },
    { "http://[fe80::1]:9000/", "http://[fe80::1]:9000/capture", "http://[fe80::1]:9000", "[fe80::1]:9000", NULL, NULL },
    { "http://al%40ice:p%3Ass@w2:1234", "http://w2:1234/capture", "http://w2:1234", "w2:1234", "al@ice", "p:ss" },
    { "HTTP://bob@w3", "http://w3:8475/capture", "http://w3", "w3", "bob", NULL },
    /* Credentials typed where the path begins never reach the label. */
    { "https://w4://bob:s%40cret@w5", "https://w4:8475//bob:s%40cret@w5", "https://w4/…", "w4", NULL, NULL },
  };

  g_test_summary ("Worker URLs: default port and path, IPv6, decoded credentials kept out "
                  "of the URI and the label; the label as typed, the host with a port that "
                  "is not the default");
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DdTarget) t = parse_ok (cases[i].spec, NULL);
      g_autofree char *uri = g_uri_to_string (t->uri);

      g_assert_cmpint (t->kind, ==, DD_TARGET_HTTP);
      g_assert_cmpstr (uri, ==, cases[i].uri);
      g_assert_cmpstr (t->label, ==, cases[i].label);
      g_assert_cmpstr (t->host, ==, cases[i].host);
      g_assert_cmpstr (t->user, ==, cases[i].user);
      g_assert_cmpstr (t->password, ==, cases[i].password);
    }
}

static void
test_defaults (void)
{
  const char *ifaces[] = { "eth0", "eth1", NULL };
  DdTargetDefaults defaults = { .filter = "tcp port 80", .interfaces = ifaces, .snaplen = 128, .since_s = 2.5 };
  g_autoptr(DdTarget) plain = parse_ok ("http://w", &defaults);
  g_autoptr(DdTarget) own = parse_ok ("http://w?filter=udp&interface=lo&snaplen=64&count=3&since=-1", &defaults);
  g_autofree char *a = g_uri_to_string (plain->uri);
  g_autofree char *b = g_uri_to_string (own->uri);

  g_test_summary ("-f, -i, -s and --since apply to targets that do not set their own");
  g_assert_cmpstr (a, ==, "http://w:8475/capture?filter=tcp%20port%2080&interface=eth0&interface=eth1&snaplen=128&since=-2.500");
  g_assert_cmpstr (b, ==, "http://w:8475/capture?filter=udp&interface=lo&snaplen=64&count=3&since=-1");
}

static void
test_and_filter (void)
{
  DdTargetDefaults defaults = { .filter = "tcp port 80", .and_filter = "not tcp port 4242" };
  DdTargetDefaults no_default = { .and_filter = "icmp" };
  g_autoptr(DdTarget) plain = parse_ok ("http://w", &defaults);
  g_autoptr(DdTarget) own = parse_ok ("http://w/c?count=3&filter=udp&interface=lo", &defaults);
  g_autoptr(DdTarget) empty = parse_ok ("http://w?filter=", &defaults);
  g_autoptr(DdTarget) only = parse_ok ("http://w", &no_default);
  g_autofree char *a = g_uri_to_string (plain->uri);
  g_autofree char *b = g_uri_to_string (own->uri);
  g_autofree char *c = g_uri_to_string (empty->uri);
  g_autofree char *d = g_uri_to_string (only->uri);

  g_test_summary ("A filter ANDed with every worker's (Wireshark's capture filter, the "
                  "exclusion of --serve ports): with the URL's own, else with -f, else alone");
  g_assert_cmpstr (a, ==, "http://w:8475/capture?filter=%28tcp%20port%2080%29%20and%20%28not%20tcp%20port%204242%29");
  g_assert_cmpstr (b, ==, "http://w:8475/c?count=3&interface=lo&filter=%28udp%29%20and%20%28not%20tcp%20port%204242%29");
  g_assert_cmpstr (c, ==, "http://w:8475/capture?filter=not%20tcp%20port%204242");
  g_assert_cmpstr (d, ==, "http://w:8475/capture?filter=icmp");
}

static void
test_copy_with_filter (void)
{
  DdTargetDefaults defaults = { .filter = "udp" };
  g_autoptr(DdTarget) plain = parse_ok ("http://alice:pw@w:9000/c?count=3&interface=lo", &defaults);
  g_autoptr(DdTarget) bare = parse_ok ("https://w", NULL);
  g_autoptr(DdTarget) a = dd_target_copy_with_filter (plain, "host 10.0.0.7 or host 10.0.0.8");
  g_autoptr(DdTarget) b = dd_target_copy_with_filter (bare, "less 1");
  g_autoptr(DdTarget) c = dd_target_copy_with_filter (a, NULL);
  g_autofree char *ua = g_uri_to_string (a->uri);
  g_autofree char *ub = g_uri_to_string (b->uri);
  g_autofree char *uc = g_uri_to_string (c->uri);

  g_test_summary ("--follow: the same worker, label and credentials, asking for the clause "
                  "ANDed with the filter its URL asks for, the rest of the query kept");
  g_assert_cmpstr (ua, ==, "http://w:9000/c?count=3&interface=lo&filter=%28udp%29%20and%20%28host%2010.0.0.7%20or%20host%2010.0.0.8%29");
  g_assert_cmpstr (a->label, ==, plain->label);
  g_assert_cmpstr (a->host, ==, plain->host);
  g_assert_cmpstr (a->user, ==, "alice");
  g_assert_cmpstr (a->password, ==, "pw");
  g_assert_cmpstr (ub, ==, "https://w:8475/capture?filter=less%201");
  /* No clause: the query as it was. */
  g_assert_cmpstr (uc, ==, ua);
}

static void
test_tcp (void)
{
  DdTargetDefaults defaults = { .filter = "tcp port 80", .and_filter = "icmp" };
  g_autoptr(DdTarget) t = parse_ok ("tcp://broker:4242", &defaults);
  g_autoptr(DdTarget) t6 = parse_ok ("tcp://[::1]:57012/", NULL);
  const char *bad[] = { "tcp://broker", "tcp://broker:4242/x", "tcp://broker:4242?filter=icmp",
                        "tcp://u@broker:4242" };

  g_test_summary ("tcp://HOST:PORT is a PCAP-over-IP source: a port and nothing else");
  g_assert_cmpint (t->kind, ==, DD_TARGET_TCP);
  g_assert_cmpstr (g_uri_get_host (t->uri), ==, "broker");
  g_assert_cmpint (g_uri_get_port (t->uri), ==, 4242);
  g_assert_cmpstr (t->label, ==, "tcp://broker:4242");
  g_assert_cmpstr (t->host, ==, "broker:4242");
  g_assert_cmpstr (t6->label, ==, "tcp://[::1]:57012");
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (dd_target_parse (bad[i], NULL, &error));
      g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID);
    }
}

static void
test_files_and_errors (void)
{
  g_autoptr(DdTarget) file = parse_ok ("/tmp/x/host-a.pcap", NULL);
  g_autoptr(DdTarget) in = parse_ok ("-", NULL);
  g_autoptr(GError) error = NULL;
  DdTarget *bad;

  g_test_summary ("Anything but a URL is a file, - is stdin; bad URLs are named without "
                  "repeating them (they may hold a password)");
  g_assert_cmpint (file->kind, ==, DD_TARGET_FILE);
  g_assert_cmpstr (file->host, ==, "host-a.pcap");
  g_assert_cmpstr (in->label, ==, "stdin");
  bad = dd_target_parse ("ftp://w", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  bad = dd_target_parse ("http://u:secret@w:99999", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID);
  g_assert_null (strstr (error->message, "secret"));
  g_clear_error (&error);
  /* Found by fuzz-target-url: a host that decodes to something no host can be. */
  bad = dd_target_parse ("https://alice8p%40", NULL, &error);
  g_assert_null (bad);
  g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "invalid host"));
}

static void
test_netrc (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("ddump-netrc-XXXXXX", &path, &error);
  const char *contents =
    "machine w1 login alice password \"s3 cret\"\n"
    "machine w2\n  login bob\n  password b0b\n"
    "macdef init\ncd /\n\n"
    "machine w2 login carol password c4rol\n"
    "default login anon password anon\n";

  g_test_summary ("netrc: the host's entry (and user's, when the URL names one), else default");
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  {
    g_autoptr(DdTarget) t1 = parse_ok ("http://w1", NULL);
    g_autoptr(DdTarget) t2 = parse_ok ("http://carol@w2", NULL);
    g_autoptr(DdTarget) t3 = parse_ok ("http://w3", NULL);
    g_autoptr(DdTarget) t4 = parse_ok ("http://dave:given@w1", NULL);

    g_assert_true (dd_target_apply_netrc (t1, path, TRUE, &error));
    g_assert_true (dd_target_apply_netrc (t2, path, TRUE, &error));
    g_assert_true (dd_target_apply_netrc (t3, path, TRUE, &error));
    g_assert_true (dd_target_apply_netrc (t4, path, TRUE, &error));
    g_assert_cmpstr (t1->user, ==, "alice");
    g_assert_cmpstr (t1->password, ==, "s3 cret");
    g_assert_cmpstr (t2->password, ==, "c4rol");
    g_assert_cmpstr (t3->user, ==, "anon");
    g_assert_cmpstr (t4->password, ==, "given");
  }
  {
    g_autoptr(DdTarget) t = parse_ok ("http://w1", NULL);

    g_assert_true (dd_target_apply_netrc (t, "/nonexistent/netrc", FALSE, &error));
    g_assert_false (dd_target_apply_netrc (t, "/nonexistent/netrc", TRUE, &error));
    g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_NETRC);
  }
  g_unlink (path);
}

static void
test_read_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("ddump-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "fleet.txt", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.txt", NULL);
  g_auto(GStrv) targets = NULL;
  const char *expected[] = { "http://w1:8475", "dns://workers.example", "http://w2/capture?filter=a#b",
                             "capture.pcap", NULL };

  g_test_summary ("A targets file: one per line, blank lines and # comments skipped (a # "
                  "inside a word is kept), CRLF line ends; a missing file is an error naming it");
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, "# the fleet\n\nhttp://w1:8475\r\n"
                                      "  dns://workers.example   # a headless Service\n"
                                      "http://w2/capture?filter=a#b\n\t#indented comment\ncapture.pcap", -1, &error));
  targets = dd_target_read_list (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstrv (targets, expected);
  g_clear_pointer (&targets, g_strfreev);
  targets = dd_target_read_list (missing, &error);
  g_assert_null (targets);
  g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "missing.txt"));
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_named (void)
{
  g_autoptr(DdTarget) named = parse_ok ("web1=https://10.0.0.5:8443/capture?filter=a%3Db", NULL);
  g_autoptr(DdTarget) plain = parse_ok ("http://w1/capture?filter=x=y", NULL);
  g_autoptr(DdTarget) file = parse_ok ("a=b.pcap", NULL);
  g_autoptr(GError) error = NULL;

  g_test_summary ("NAME=URL names a worker: its interfaces and addresses take the name; an = "
                  "in a query or a file name is not one; only a worker's URL can be named");
  g_assert_cmpstr (named->name, ==, "web1");
  g_assert_cmpstr (named->host, ==, "web1");
  g_assert_cmpstr (g_uri_get_host (named->uri), ==, "10.0.0.5");
  g_assert_cmpstr (named->label, ==, "https://10.0.0.5:8443/capture?filter=a%3Db");
  g_assert_null (plain->name);
  g_assert_cmpint (file->kind, ==, DD_TARGET_FILE);
  g_assert_null (file->name);
  g_assert_null (dd_target_parse ("x=tcp://h:1", NULL, &error));
  g_assert_error (error, DD_TARGET_ERROR, DD_TARGET_ERROR_INVALID);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/target/urls", test_urls);
  g_test_add_func ("/target/named", test_named);
  g_test_add_func ("/target/defaults", test_defaults);
  g_test_add_func ("/target/and-filter", test_and_filter);
  g_test_add_func ("/target/copy-with-filter", test_copy_with_filter);
  g_test_add_func ("/target/tcp", test_tcp);
  g_test_add_func ("/target/read-list", test_read_list);
  g_test_add_func ("/target/files-and-errors", test_files_and_errors);
  g_test_add_func ("/target/netrc", test_netrc);
  return g_test_run ();
}
