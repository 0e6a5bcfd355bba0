#include "config.h"

#include <glib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "dd-trigger-config.h"
#include "dd-trigger-message.h"

static DdTriggerMessage *
parse (const char  *text,
       GError     **error)
{
  return dd_trigger_message_parse (text, strlen (text), error);
}

static void
test_pcapdaemon_example (void)
{
  /* The example of pcapdaemon's README, field for field. */
  const char *text =
    "{\"node\": \"node name\", \"interface\": [\"bond1\",\"bond2\"], \"tags\": \"blah,tagme,stuff\","
    " \"bpf\": \"dst ip 10.0.0.1\", \"customer\": \"importantcustomer\", \"snap\": 1500,"
    " \"packets\": 50, \"alertid\": 655443, \"timeout\": 15, \"duration\": 60, \"bytes\": 1000,"
    " \"packetdebug\": false, \"folder\": \"myfolder\", \"bucket\": \"mybucket\","
    " \"acl\": \"public-read\", \"region\": \"us-east-1\", \"endpoint\": \"s3.amazonaws.com\","
    " \"encryption\": false, \"something-new\": [1, 2]}";
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTriggerMessage) m = parse (text, &error);

  g_test_summary ("pcapdaemon's example message parses field for field; unknown fields are ignored");
  g_assert_no_error (error);
  g_assert_cmpstr (m->node, ==, "node name");
  g_assert_null (m->nodere);
  g_assert_cmpuint (g_strv_length (m->interfaces), ==, 2);
  g_assert_cmpstr (m->interfaces[1], ==, "bond2");
  g_assert_null (m->aliases);
  g_assert_cmpstr (m->tags, ==, "blah,tagme,stuff");
  g_assert_cmpstr (m->bpf, ==, "dst ip 10.0.0.1");
  g_assert_cmpstr (m->customer, ==, "importantcustomer");
  g_assert_cmpint (m->snap, ==, 1500);
  g_assert_cmpint (m->packets, ==, 50);
  g_assert_cmpstr (m->alertid, ==, "655443");
  g_assert_cmpfloat (m->timeout, ==, 15);
  g_assert_cmpfloat (m->duration, ==, 60);
  g_assert_cmpint (m->bytes, ==, 1000);
  g_assert_false (m->packetdebug);
  g_assert_cmpstr (m->folder, ==, "myfolder");
  g_assert_cmpstr (m->bucket, ==, "mybucket");
  g_assert_cmpstr (m->acl, ==, "public-read");
  g_assert_cmpstr (m->region, ==, "us-east-1");
  g_assert_cmpstr (m->endpoint, ==, "s3.amazonaws.com");
  g_assert_false (m->encryption);
  g_assert_cmpstr (m->text, ==, text);
  g_assert_true (dd_trigger_message_matches_node (m, "node name"));
  g_assert_false (dd_trigger_message_matches_node (m, "node"));
}

static void
test_nodes (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTriggerMessage) any = parse ("{\"node\": \"any\", \"alias\": \"public\", \"alertid\": \"INC-7\", \"before\": 5}", &error);
  g_autoptr(DdTriggerMessage) re = NULL;

  g_test_summary ("“any” matches every worker; nodere matches anywhere in the name; a lone "
                  "alias string is a list of one; a string alertid and before are taken");
  g_assert_no_error (error);
  g_assert_true (dd_trigger_message_matches_node (any, "web1"));
  g_assert_cmpstr (any->aliases[0], ==, "public");
  g_assert_cmpstr (any->alertid, ==, "INC-7");
  g_assert_cmpfloat (any->before, ==, 5);
  g_assert_cmpint (any->packets, ==, -1);
  re = parse ("{\"nodere\": \"^web[12]$\"}", &error);
  g_assert_no_error (error);
  g_assert_true (dd_trigger_message_matches_node (re, "web1"));
  g_assert_true (dd_trigger_message_matches_node (re, "web2"));
  g_assert_false (dd_trigger_message_matches_node (re, "web3"));
  g_assert_false (dd_trigger_message_matches_node (re, "web12"));
}

static void
test_bad (void)
{
  static const struct {
    const char *text;
    int         code;
    const char *says;
  } cases[] = {
    { "not json", DD_TRIGGER_MESSAGE_ERROR_SYNTAX, "not JSON" },
    { "[1, 2]", DD_TRIGGER_MESSAGE_ERROR_SYNTAX, "not a JSON object" },
    { "{}", DD_TRIGGER_MESSAGE_ERROR_CONFLICT, "names no worker" },
    { "{\"node\": \"a\", \"nodere\": \"b\"}", DD_TRIGGER_MESSAGE_ERROR_CONFLICT, "exclude each other" },
    { "{\"node\": \"a\", \"interface\": [\"x\"], \"alias\": [\"y\"]}", DD_TRIGGER_MESSAGE_ERROR_CONFLICT, "“interface” and “alias”" },
    { "{\"node\": 3}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “node”: expected a string" },
    { "{\"node\": \"a\", \"packets\": \"ten\"}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “packets”" },
    { "{\"node\": \"a\", \"packets\": -1}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “packets”" },
    { "{\"node\": \"a\", \"packets\": 1.5}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “packets”" },
    { "{\"node\": \"a\", \"snap\": 300000}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “snap”" },
    { "{\"node\": \"a\", \"timeout\": -2}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “timeout”" },
    { "{\"node\": \"a\", \"interface\": [1]}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “interface”" },
    { "{\"node\": \"a\", \"packetdebug\": \"yes\"}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “packetdebug”" },
    { "{\"node\": \"a\", \"alertid\": {}}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “alertid”" },
    { "{\"nodere\": \"((\"}", DD_TRIGGER_MESSAGE_ERROR_TYPE, "field “nodere”: not a regular expression" },
  };

  g_test_summary ("Each bad message is refused with an error that names the problem");
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DdTriggerMessage) m = parse (cases[i].text, &error);

      g_test_message ("%s", cases[i].text);
      g_assert_null (m);
      g_assert_error (error, DD_TRIGGER_MESSAGE_ERROR, cases[i].code);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(DdTriggerMessage) m = dd_trigger_message_parse ("{\"node\":\"a\"}\xff", 13, &error);

    g_assert_null (m);
    g_assert_error (error, DD_TRIGGER_MESSAGE_ERROR, DD_TRIGGER_MESSAGE_ERROR_SYNTAX);
  }
}

static void
test_limits (void)
{
  g_autoptr(DdTriggerConfig) config = dd_trigger_config_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTriggerMessage) big = parse ("{\"node\": \"any\", \"packets\": 90000, \"duration\": 7200,"
                                           " \"timeout\": 5000, \"bytes\": 5, \"snap\": 9000}", &error);
  g_autoptr(DdTriggerMessage) none = parse ("{\"node\": \"any\"}", &error);
  g_autoptr(GPtrArray) clamps = g_ptr_array_new_with_free_func (g_free);
  DdTriggerLimits limits;

  g_test_summary ("A message's limits over the caps are clamped and each clamp is said; "
                  "absent limits take the defaults (pcapdaemon's)");
  g_assert_no_error (error);
  config->max_snaplen = 1500;
  dd_trigger_config_limits (config, big, &limits, clamps);
  g_assert_cmpuint (limits.packets, ==, 50000);
  g_assert_cmpfloat (limits.duration, ==, 3600);
  g_assert_cmpfloat (limits.timeout, ==, 3600);
  g_assert_cmpuint (limits.bytes, ==, 5);
  g_assert_cmpuint (limits.snaplen, ==, 1500);
  g_assert_cmpuint (clamps->len, ==, 4);
  g_assert_cmpstr (clamps->pdata[0], ==, "packets 90000 above max-packets, clamped to 50000");
  g_assert_cmpstr (clamps->pdata[1], ==, "duration 7200 s above max-duration, clamped to 3600 s");
  g_assert_cmpstr (clamps->pdata[2], ==, "timeout 5000 s above max-timeout, clamped to 3600 s");
  g_assert_cmpstr (clamps->pdata[3], ==, "snap 9000 above max-snaplen, clamped to 1500");

  g_ptr_array_set_size (clamps, 0);
  dd_trigger_config_limits (config, none, &limits, clamps);
  g_assert_cmpuint (clamps->len, ==, 0);
  g_assert_cmpuint (limits.packets, ==, 50000);
  g_assert_cmpuint (limits.bytes, ==, 100000000);
  g_assert_cmpfloat (limits.duration, ==, 3600);
  g_assert_cmpfloat (limits.timeout, ==, 10);
  g_assert_cmpuint (limits.snaplen, ==, 0);
}

static void
test_config (void)
{
  g_autoptr(DdTriggerConfig) config = dd_trigger_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_auto(GStrv) web1 = NULL, web3 = NULL;
  g_autofree char *joined = NULL;
  const char *aliases[] = { "public", NULL };
  int fd = g_file_open_tmp ("trigger-XXXXXX.conf", &path, &error);
  const char *text =
    "[trigger]\nmax-duration=60\nmax-concurrent=2\nstore=/var/lib/x\n"
    "[worker web1]\nurl=http://10.0.0.1:8475\n"
    "[worker web3]\nurl=https://10.0.0.3\n"
    "[interface eth0]\nalias=main;public\n"
    "[interface bond1]\nalias=public\nnodes=web1\n";

  g_test_summary ("The configuration's groups: defaults and caps, workers, per-node interface aliases; "
                  "a worker named twice and an unknown key are errors");
  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  close (fd);
  g_assert_true (dd_trigger_config_load (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (config->max_duration, ==, 60);
  g_assert_cmpuint (config->max_concurrent, ==, 2);
  g_assert_cmpstr (config->store, ==, "/var/lib/x");
  g_assert_cmpuint (config->workers->len, ==, 2);
  g_assert_cmpstr (dd_trigger_config_find_worker (config, "web3")->url, ==, "https://10.0.0.3");
  web1 = dd_trigger_config_resolve_aliases (config, "web1", aliases, &error);
  g_assert_no_error (error);
  joined = g_strjoinv (",", web1);
  g_assert_cmpstr (joined, ==, "eth0,bond1");
  web3 = dd_trigger_config_resolve_aliases (config, "web3", aliases, &error);
  g_assert_cmpuint (g_strv_length (web3), ==, 1);

  g_assert_true (dd_trigger_config_add_worker (config, "web2=http://10.0.0.2", &error));
  g_assert_false (dd_trigger_config_add_worker (config, "web2=http://x", &error));
  g_assert_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (dd_trigger_config_add_worker (config, "any=http://x", &error));
  g_clear_error (&error);
  g_assert_false (dd_trigger_config_add_worker (config, "nourl", &error));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "[trigger]\nmax-durration=5\n", -1, &error));
  g_assert_false (dd_trigger_config_load (config, path, &error));
  g_assert_nonnull (strstr (error->message, "unknown key “max-durration”"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[trigger]\nmax-packets=many\n", -1, &error));
  g_assert_false (dd_trigger_config_load (config, path, &error));
  g_assert_nonnull (strstr (error->message, "max-packets"));
  g_clear_error (&error);
  /* Booleans: each group's, by one reader. */
  g_assert_true (g_file_set_contents (path, "[trigger]\npacketdebug=true\n[s3]\nencryption=yes please\n", -1, &error));
  g_assert_false (dd_trigger_config_load (config, path, &error));
  g_assert_error (error, DD_TRIGGER_CONFIG_ERROR, DD_TRIGGER_CONFIG_ERROR_INVALID);
  g_assert_true (g_str_has_suffix (error->message, ": [s3] encryption: expected true or false"));
  g_assert_true (config->packetdebug);
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[trigger]\npacketdebug=maybe\n", -1, &error));
  g_assert_false (dd_trigger_config_load (config, path, &error));
  g_assert_true (g_str_has_suffix (error->message, ": [trigger] packetdebug: expected true or false"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "[nonsense]\n", -1, &error));
  g_assert_false (dd_trigger_config_load (config, path, &error));
  g_assert_nonnull (strstr (error->message, "unknown group [nonsense]"));
  g_clear_error (&error);
  g_unlink (path);
}

static void
test_example_config (void)
{
  g_autoptr(DdTriggerConfig) config = dd_trigger_config_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "ddump-trigger.conf", NULL);
  g_auto(GStrv) db1 = NULL;
  const char *aliases[] = { "public", NULL };

  g_test_summary ("The installed example configuration loads, and its aliases resolve as it says");
  g_assert_true (dd_trigger_config_load (config, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (config->workers->len, ==, 3);
  g_assert_cmpstr (config->redis, ==, "redis://127.0.0.1:6379/capture");
  db1 = dd_trigger_config_resolve_aliases (config, "db1", aliases, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (db1), ==, 2);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trigger-message/pcapdaemon-example", test_pcapdaemon_example);
  g_test_add_func ("/trigger-message/nodes", test_nodes);
  g_test_add_func ("/trigger-message/bad", test_bad);
  g_test_add_func ("/trigger-message/limits", test_limits);
  g_test_add_func ("/trigger-message/config", test_config);
  g_test_add_func ("/trigger-message/example-config", test_example_config);
  return g_test_run ();
}
