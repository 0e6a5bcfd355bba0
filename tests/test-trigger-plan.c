/* A trigger message's plan, decided without running anything: the workers it selects,
 * its limits, folder, file name, section comments and the client options. */
#include "config.h"

#include <string.h>

#include "dd-trigger-args.h"
#include "dd-trigger-event.h"
#include "dd-trigger-plan.h"

static DdTriggerConfig *
make_config (void)
{
  DdTriggerConfig *config = dd_trigger_config_new ();
  g_autoptr(GError) error = NULL;
  DdTriggerInterface *iface = g_new0 (DdTriggerInterface, 1);

  g_assert_true (dd_trigger_config_add_worker (config, "web1=http://user:secret@10.0.0.1:8475/capture", &error));
  g_assert_true (dd_trigger_config_add_worker (config, "web2=http://10.0.0.2:8475/capture?snaplen=96", &error));
  g_assert_true (dd_trigger_config_add_worker (config, "db1=http://10.0.0.3:8475/capture", &error));
  g_assert_no_error (error);
  iface->name = g_strdup ("eth1");
  iface->aliases = g_strsplit ("public", ",", -1);
  iface->nodes = g_strsplit ("web1", ",", -1);
  g_ptr_array_add (config->interfaces, iface);
  config->max_duration = 3600;
  return config;
}

static DdTriggerMessage *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  DdTriggerMessage *message = dd_trigger_message_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return message;
}

static DdTriggerPlan *
plan_for (const DdTriggerConfig *config, const DdTriggerMessage *message, GError **error)
{
  return dd_trigger_plan_new (config, message, "7", FALSE, error);
}

static void
test_select (void)
{
  g_autoptr(DdTriggerConfig) config = make_config ();
  g_autoptr(DdTriggerMessage) re = parse ("{\"nodere\": \"^web\", \"interface\": [\"eth0\", \"lo\"]}");
  g_autoptr(DdTriggerMessage) alias = parse ("{\"node\": \"any\", \"alias\": [\"public\"]}");
  g_autoptr(DdTriggerPlan) plan = NULL;
  g_autoptr(GError) error = NULL;

  plan = plan_for (config, re, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (plan->names->len, ==, 2);
  g_assert_cmpstr (plan->names->pdata[0], ==, "web1");
  g_assert_cmpstr (plan->names->pdata[1], ==, "web2");
  /* NULL-terminated, for dd_client_set_targets (). */
  g_assert_cmpuint (plan->specs->len, ==, 3);
  g_assert_null (plan->specs->pdata[2]);
  g_assert_cmpstr (plan->specs->pdata[0], ==, "http://user:secret@10.0.0.1:8475/capture?interface=eth0&interface=lo");
  g_assert_cmpstr (plan->specs->pdata[1], ==, "http://10.0.0.2:8475/capture?snaplen=96&interface=eth0&interface=lo");
  g_assert_cmpstr (plan->description, ==, "event 7 on web1, web2");
  g_clear_pointer (&plan, dd_trigger_plan_free);

  /* An alias names an interface on web1 only: the others are left out, with a warning. */
  plan = plan_for (config, alias, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (plan->names->len, ==, 1);
  g_assert_cmpstr (plan->specs->pdata[0], ==, "http://user:secret@10.0.0.1:8475/capture?interface=eth1");
  g_assert_cmpuint (plan->warnings->len, ==, 2);
}

/* Each refusal names its problem. */
static void
test_refused (void)
{
  g_autoptr(DdTriggerConfig) config = make_config ();
  const struct {
    const char *message;
    int code;
    const char *says;
  } cases[] = {
    { "{\"node\": \"web9\"}", DD_TRIGGER_EVENT_ERROR_NO_WORKER, "no worker is named “web9” (known: web1, web2, db1)" },
    { "{\"nodere\": \"^app\"}", DD_TRIGGER_EVENT_ERROR_NO_WORKER, "no worker name matches “^app” (known: web1, web2, db1)" },
    { "{\"node\": \"db1\", \"alias\": [\"public\"]}", DD_TRIGGER_EVENT_ERROR_NO_WORKER, "no selected worker has an interface with the alias public" },
    { "{\"node\": \"any\", \"bpf\": \"port port\"}", DD_TRIGGER_EVENT_ERROR_FILTER, "field “bpf”: " },
    { "{\"node\": \"any\", \"folder\": \"a/../../etc\"}", DD_TRIGGER_EVENT_ERROR_STORE, "field “folder”: “a/../../etc” may not have a part that starts with a dot" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DdTriggerMessage) message = parse (cases[i].message);
      g_autoptr(GError) error = NULL;
      g_autoptr(DdTriggerPlan) plan = plan_for (config, message, &error);

      g_assert_null (plan);
      g_assert_error (error, DD_TRIGGER_EVENT_ERROR, cases[i].code);
      g_assert_true (g_str_has_prefix (error->message, cases[i].says));
    }
}

static void
test_file_and_options (void)
{
  g_autoptr(DdTriggerConfig) config = make_config ();
  g_autoptr(DdTriggerMessage) message =
    parse ("{\"node\": \"web1\", \"alertid\": \"../x y\", \"folder\": \"//alerts/./db/\", \"duration\": 7200,"
           " \"packets\": 10, \"bpf\": \"udp\", \"before\": 5, \"bucket\": \"b\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(DdTriggerPlan) plan = plan_for (config, message, &error);
  g_autoptr(GDateTime) started = g_date_time_new_utc (2026, 12, 2, 18, 30, 5);
  g_autofree char *name = NULL;
  g_auto(GStrv) comments = NULL;
  DdClientOptions options;

  g_assert_no_error (error);
  g_assert_cmpstr (plan->folder, ==, "alerts/db");
  name = dd_trigger_plan_file_name (plan, message, started);
  /* Only the alertid's harmless characters, never a leading dot. */
  g_assert_cmpstr (name, ==, "alerts/db/_._x_y-20261202T183005Z.pcapng");
  /* Not an S3 store: its fields are ignored, and said so. */
  g_assert_cmpuint (plan->warnings->len, ==, 1);
  g_assert_cmpuint (plan->clamps->len, ==, 1);

  comments = dd_trigger_plan_comments (plan, message, "7", started);
  g_assert_cmpstr (comments[0], ==, "ddump-trigger event 7 at 2026-12-02T18:30:05Z; alertid=../x y");
  /* Never the URL's password. */
  g_assert_cmpstr (comments[1], ==, "worker web1: http://10.0.0.1:8475/capture");
  g_assert_true (g_str_has_prefix (comments[2], "clamped: duration 7200 s"));
  g_assert_true (g_str_has_prefix (comments[3], "message: {"));
  g_assert_null (comments[4]);

  dd_trigger_plan_client_options (plan, config, message, comments, &options);
  g_assert_cmpstr (options.and_filter, ==, "udp");
  g_assert_cmpuint (options.count, ==, 10);
  g_assert_cmpfloat (options.duration_s, ==, 3600);
  g_assert_cmpfloat (options.since_s, ==, 5);
  g_assert_true (options.keep_going);
  g_assert_cmpuint (options.clock_interval_s, ==, DD_CLIENT_CLOCK_INTERVAL_S);
  g_assert_true (options.comments == comments);
}

/* ddump-trigger's command line over its configuration: NAME=URL workers are added, the
 * options given replace the file's values, and a bad worker is refused by name. */
static void
test_args (void)
{
  g_autoptr(DdTriggerConfig) config = dd_trigger_config_new ();
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(DdTriggerArgs) args = { 0 };
  g_auto(GStrv) argv = g_strdupv ((char *[]) { "ddump-trigger", "--redis", "redis://127.0.0.1:6380/alerts",
                                               "--store", "/srv/captures", "web1=http://10.0.0.1:8475", NULL });
  g_auto(DdTriggerArgs) bad = { 0 };
  g_autoptr(GOptionContext) bad_context = NULL;
  g_auto(GStrv) bad_argv = g_strdupv ((char *[]) { "ddump-trigger", "no-equals-sign", NULL });

  context = dd_trigger_args_context (&args);
  g_assert_true (g_option_context_parse_strv (context, &argv, &error));
  g_assert_true (dd_trigger_args_apply (&args, config, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (config->redis, ==, "redis://127.0.0.1:6380/alerts");
  g_assert_cmpstr (config->store, ==, "/srv/captures");
  g_assert_cmpuint (config->workers->len, ==, 1);
  g_assert_nonnull (dd_trigger_config_find_worker (config, "web1"));

  bad_context = dd_trigger_args_context (&bad);
  g_assert_true (g_option_context_parse_strv (bad_context, &bad_argv, &error));
  g_assert_false (dd_trigger_args_apply (&bad, config, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "no-equals-sign"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/trigger-plan/select", test_select);
  g_test_add_func ("/trigger-plan/refused", test_refused);
  g_test_add_func ("/trigger-plan/file-and-options", test_file_and_options);
  g_test_add_func ("/trigger-args/apply", test_args);
  return g_test_run ();
}
