/* ddump's command line: its options with their defaults, --help's text, and the checks
 * of what was given (unit-tested), which fill the DdCliOptions of the run: the targets
 * (positional, --targets, --targets-file), the interfaces, the format, the limits. */
#pragma once

#include <glib.h>

#include "dd-cli.h"

G_BEGIN_DECLS

typedef struct {
  /* As given. */
  char   **targets;
  char   **interfaces;
  char   **follow;
  char   **serve;
  char   **target_lists;
  char   **target_files;
  char   **comments;
  char   **names;
  char   **names_files;
  char    *write_path;
  char    *fifo_path;
  char    *format;
  char    *filter;
  char    *ca;
  char    *cert;
  char    *key;
  char    *netrc_file;
  gint     snaplen;
  gint     max_delay;
  gint     connect_timeout;
  gint     memory;
  gint     resolve_interval;
  gint     max_skew;
  gint     clock_interval;
  gint64   count;
  gint64   bytes;
  gdouble  duration;
  gdouble  timeout;
  gdouble  since;
  gboolean reconnect;
  gboolean keep_going;
  gboolean quiet;
  gboolean verbose;
  gboolean netrc;
  gboolean version;
  gboolean clock_sync;
  gboolean heartbeats;
  gboolean sync_start;
  gboolean journey;
  char    *journey_file;
  char    *journey_html;
  gint     journey_window;

  GOptionEntry *entries;     /* the table, for dd_extcap_drop_unknown_options () */
  /* From dd_cli_args_apply (); the options point into them. */
  char   **all_targets;
  char   **all_interfaces;
  GBytes  *all_names;        /* name resolution records of --name and --names-file */
} DdCliArgs;

void            dd_cli_args_init    (DdCliArgs *args);
void            dd_cli_args_clear   (DdCliArgs *args);
/* The options, --help's summary and description, all bound to @args. */
GOptionContext *dd_cli_args_context (DdCliArgs *args);
/* Checks what was given and fills @options (whose format and extcap mode the extcap
 * set-up may have decided already). FALSE when a value cannot be used:
 * G_OPTION_ERROR_BAD_VALUE naming it, or the error of a --targets-file that cannot be
 * read. */
gboolean        dd_cli_args_apply   (DdCliArgs     *args,
                                     DdCliOptions  *options,
                                     GError       **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DdCliArgs, dd_cli_args_clear)

G_END_DECLS
