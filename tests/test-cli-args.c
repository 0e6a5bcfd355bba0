/* ddump's command line, parsed and checked as main () does, without running. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "dd-cli-args.h"

/* @argv (NULL-ended, without the program) parsed and applied to @options: NULL when
 * fine, else the error's message. */
static char *
apply (DdCliArgs *args, DdCliOptions *options, const char * const *argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) copy = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  dd_cli_args_init (args);
  *options = (DdCliOptions) { .output_fd = -1 };
  g_strv_builder_add (builder, "ddump");
  g_strv_builder_addv (builder, (const char **) argv);
  copy = g_strv_builder_end (builder);
  context = dd_cli_args_context (args);
  g_assert_true (g_option_context_parse_strv (context, &copy, &error));
  if (dd_cli_args_apply (args, options, &error))
    return NULL;
  g_assert_nonnull (error);
  return g_strdup (error->message);
}

static void
test_options (void)
{
  g_auto(DdCliArgs) args;
  DdCliOptions options;
  g_autofree char *list = NULL;
  g_autofree char *error = NULL;
  int fd = g_file_open_tmp ("ddump-targets-XXXXXX", &list, NULL);

  g_assert_cmpint (fd, >=, 0);
  g_assert_true (g_file_set_contents (list, "# the fleet\nhttp://db1\n\nhttp://db2 # primary\n", -1, NULL));
  close (fd);
  {
    const char *argv[] = { "http://web1", "--targets", "http://web2  http://web3", "--targets-file", list,
                           "-i", "eth0,eth1", "-i", "lo", "-F", "pcapng", "--comment", "hi", "--since", "-30",
                           "--clock-interval", "0", "--serve", "127.0.0.1:0", "--ca", "", NULL };

    error = apply (&args, &options, argv);
  }
  g_unlink (list);
  g_assert_null (error);
  g_assert_cmpuint (g_strv_length (options.targets), ==, 5);
  g_assert_cmpstr (options.targets[0], ==, "http://web1");
  g_assert_cmpstr (options.targets[2], ==, "http://web3");
  g_assert_cmpstr (options.targets[3], ==, "http://db1");
  g_assert_cmpuint (g_strv_length (options.client.interfaces), ==, 3);
  g_assert_cmpint (options.format, ==, DD_FORMAT_PCAPNG);
  g_assert_cmpfloat (options.client.since_s, ==, 30);
  /* 0: never measured again during the capture. */
  g_assert_cmpuint (options.client.clock_interval_s, ==, 0);
  /* PCAP-over-IP clients follow the capture live. */
  g_assert_true (options.client.heartbeats);
  /* An empty field (Wireshark's) is no file. */
  g_assert_null (options.client.ca_file);
  g_assert_cmpuint (options.client.max_delay_ms, ==, 1000);
}

/* Each value that cannot be used is refused with a message naming the option. */
static void
test_refused (void)
{
  const struct {
    const char *argv[6];
    const char *says;
  } cases[] = {
    { { NULL }, "no target given" },
    { { "x", "--format", "foo" }, "unknown format “foo”" },
    { { "x", "--cert", "c.pem" }, "--cert and --key go together" },
    { { "x", "--comment", "hi" }, "--comment needs -F pcapng" },
    { { "x", "-w", "a", "--fifo", "b" }, "-w and --fifo" },
    { { "x", "--since", "30" }, "--since negative" },
    { { "x", "--memory", "0" }, "--memory from 1 to 1048576" },
    { { "x", "--targets-file", "/nonexistent/list" }, "/nonexistent/list" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(DdCliArgs) args;
      DdCliOptions options;
      g_autofree char *error = apply (&args, &options, cases[i].argv);

      g_assert_nonnull (error);
      if (strstr (error, cases[i].says) == NULL)
        g_error ("case %zu: “%s” does not say “%s”", i, error, cases[i].says);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-args/options", test_options);
  g_test_add_func ("/cli-args/refused", test_refused);
  return g_test_run ();
}
