/* ddump on the command line: opens the output the user asked for (a file, stdout, a named
 * pipe waited on, Wireshark's pipe, PCAP-over-IP clients), runs a DdClient in the one main
 * loop, shows the live status line and the summary on stderr, ends on SIGINT/SIGTERM, and
 * returns the exit status. */
#pragma once

#include <glib.h>

#include "dd-client.h"
#include "dd-exit-status.h"
#include "dd-extcap-control.h"
#include "dd-format.h"

G_BEGIN_DECLS

typedef struct {
  DdClientOptions client;    /* own_traffic is set here, from --serve */
  char    **targets;
  char     *write_path;      /* NULL or "-": stdout */
  char     *fifo_path;       /* a named pipe, created when missing */
  int       output_fd;       /* when >= 0: already open (Wireshark's pipe, named fifo_path) */
  gboolean  fifo_when_ready; /* output_fd (Wireshark's pipe) is written to only once every
                              * target answered: a run that fails before leaves it empty */
  char    **serve;           /* PCAP-over-IP listen addresses; without -w or --fifo the only output */
  DdFormat  format;
  gboolean  quiet;
  gboolean  extcap;          /* a Wireshark capture: one line per error, nothing else */
  DdExtcapControl *control;  /* nullable, not owned: Wireshark's toolbar (dd-extcap-control.h) */
  char     *journey_file;    /* --journey=FILE: the journey's report as JSON, or NULL */
  char     *journey_html;    /* --journey-html=FILE: the journey as a page, or NULL */
} DdCliOptions;

/* Runs the capture in the thread-default main context; returns the exit status. */
int dd_cli_run (const DdCliOptions *options);

G_END_DECLS
