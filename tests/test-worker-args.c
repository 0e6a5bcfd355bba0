/* ddump-worker's command line, parsed and checked as main () does, without running. */
#include "config.h"

#include <string.h>

#include "dd-listen-address.h"
#include "dd-worker-args.h"

/* @argv (NULL-ended, without the program) parsed and checked: NULL when fine, else the
 * error's message. */
static char *
check (DdWorkerArgs *args, const char * const *argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) copy = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  dd_worker_args_init (args);
  g_strv_builder_add (builder, "ddump-worker");
  g_strv_builder_addv (builder, (const char **) argv);
  copy = g_strv_builder_end (builder);
  context = dd_worker_args_context (args);
  g_assert_true (g_option_context_parse_strv (context, &copy, &error));
  if (dd_worker_args_check (args, &error))
    return NULL;
  g_assert_nonnull (error);
  return g_strdup (error->message);
}

static void
test_defaults (void)
{
  g_auto(DdWorkerArgs) args;
  const char *none[] = { NULL };
  g_autofree char *error = check (&args, none);
  DdListenAddress *address;

  g_assert_null (error);
  g_assert_cmpint (args.max_captures, ==, 32);
  g_assert_cmpint (args.mode, ==, -1);
  g_assert_cmpuint (args.addresses->len, ==, 1);
  address = args.addresses->pdata[0];
  g_assert_cmpint (address->kind, ==, DD_LISTEN_TCP);
  g_assert_cmpuint (address->port, ==, 8475);
  g_assert_nonnull (args.policy);
  g_assert_nonnull (args.trusted);
}

static void
test_values (void)
{
  g_auto(DdWorkerArgs) args;
  const char *given[] = { "--listen", "unix:/run/w.sock", "--listen", "127.0.0.1:9000", "--socket-mode", "0660",
                          "--max-captures-per-client", "2", "--tls-keylog", "/nonexistent/yet/keys.log",
                          "--no-secrets-for", "user mallory", NULL };
  g_autofree char *error = check (&args, given);

  g_assert_null (error);
  g_assert_cmpint (args.mode, ==, 0660);
  /* A key log not written yet is fine: its writer may start later. */
  g_assert_cmpstr (args.tls_keylog[0], ==, "/nonexistent/yet/keys.log");
  g_assert_cmpint (args.tls_keylog_wait_ms, ==, 1000);
  g_assert_false (dd_policy_allows_secrets (args.policy, "user mallory"));
  g_assert_true (dd_policy_allows_secrets (args.policy, "user alice"));
  g_assert_cmpuint (args.addresses->len, ==, 2);
}

/* Each value that cannot be used is refused with a message naming the option. */
static void
test_refused (void)
{
  const struct {
    const char *argv[4];
    const char *says;
  } cases[] = {
    { { "--heartbeat", "0" }, "--heartbeat" },
    { { "--block-timeout", "1001" }, "--block-timeout from 1 to 1000" },
    { { "--history", "-1" }, "--history from 0 to 86400" },
    { { "--history-size", "1" }, "--history-size from 2 to 65536" },
    { { "--socket-mode", "0999" }, "invalid --socket-mode “0999”" },
    { { "--max-bytes", "-5" }, "cannot be negative" },
    { { "--require-filter", "port port" }, "--require-filter: " },
    { { "--listen", "nowhere" }, "nowhere" },
    { { "--trust-proxy", "not an address" }, "not an address" },
    { { "stray" }, "unexpected argument “stray”" },
    { { "--tls-keylog", "/" }, "--tls-keylog “/”: not a file this worker can read" },
    { { "--tls-keylog", "" }, "--tls-keylog “”" },
    { { "--tls-keylog-wait", "60001" }, "--tls-keylog-wait from 0 to 60000" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(DdWorkerArgs) args;
      g_autofree char *error = check (&args, cases[i].argv);

      g_assert_nonnull (error);
      if (strstr (error, cases[i].says) == NULL)
        g_error ("case %zu: “%s” does not say “%s”", i, error, cases[i].says);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/worker-args/defaults", test_defaults);
  g_test_add_func ("/worker-args/values", test_values);
  g_test_add_func ("/worker-args/refused", test_refused);
  return g_test_run ();
}
