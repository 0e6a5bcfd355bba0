/* A ddump run: targets in, one merged capture out, a summary at the end. */
#pragma once

#include <glib.h>

#include "dd-format.h"

G_BEGIN_DECLS

typedef struct {
  char    **targets;
  char     *write_path;      /* NULL or "-": stdout */
  char     *fifo_path;       /* a named pipe, created when missing */
  int       output_fd;       /* when >= 0: already open (Wireshark's pipe, named fifo_path) */
  char    **serve;           /* PCAP-over-IP listen addresses; without -w or --fifo the only output */
  DdFormat  format;
  char     *filter;
  char     *and_filter;      /* ANDed with every worker's filter (Wireshark's capture filter) */
  char    **interfaces;
  guint     snaplen;
  guint64   count;           /* 0: no limit */
  gdouble   duration_s;      /* 0: no limit */
  guint     max_delay_ms;
  guint     memory_mib;      /* what the inputs may keep in memory, all together */
  guint     connect_timeout_s;
  gboolean  reconnect;       /* also: look up dns:// and dns+srv:// targets again */
  guint     resolve_interval_s;
  gboolean  keep_going;
  gboolean  quiet;
  gboolean  extcap;          /* a Wireshark capture: one line per error, nothing else */
  char     *ca_file;
  char     *cert_file;
  char     *key_file;
  char     *netrc_file;
  gboolean  netrc;
} DdClientOptions;

/* Exit statuses, as documented in --help. */
enum {
  DD_EXIT_OK = 0,
  DD_EXIT_USAGE = 1,
  DD_EXIT_FAILED = 2,
};

/* Runs the capture in the thread-default main context; returns the exit status. */
int dd_client_run (const DdClientOptions *options);

G_END_DECLS
