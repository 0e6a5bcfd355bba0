/* ddump as a Wireshark extcap: its options, the queries (the interface, its link type, its
 * configuration dialog, a capture filter's check), answered at once without touching the
 * network, and the set-up of a capture, which is an ordinary ddump run writing pcapng into
 * Wireshark's pipe. A capture filter is checked by compiling it with libpcap for
 * LINUX_SLL2, the link type of the workers' captures. */
#pragma once

#include <glib.h>

#include "dd-cli.h"
#include "dd-extcap-control.h"

G_BEGIN_DECLS

#define DD_EXTCAP_INTERFACE "ddump"

/* What Wireshark passed. */
typedef struct {
  gboolean interfaces;
  gboolean dlts;
  gboolean config;
  gboolean capture;
  char    *version;
  char    *interface;
  char    *filter;
  char    *control_in;   /* Wireshark's toolbar pipes (dd-extcap-control.h) */
  char    *control_out;
  DdExtcapControl *control;  /* opened by dd_extcap_setup_capture () */
} DdExtcapArgs;

void      dd_extcap_args_clear       (DdExtcapArgs *args);

/* Adds the extcap options to @context; they fill @args. */
void      dd_extcap_add_options      (GOptionContext *context,
                                      DdExtcapArgs   *args);
/* Wireshark may pass options of newer extcap versions (--extcap-log-level debug…): in an
 * extcap run, every long option neither @entries nor the extcap options know is left out
 * of @argv, with its value. */
void      dd_extcap_drop_unknown_options (int                *argc,
                                          char              **argv,
                                          const GOptionEntry *entries);
/* Answers a query on stdout and returns the exit status; -1 when this is no query. */
int       dd_extcap_answer_query     (const DdExtcapArgs *args);
/* A capture: pcapng into Wireshark's pipe (@options->fifo_path, opened here), its capture
 * filter ANDed with every target's, only errors on stderr, what happens to the workers in
 * Wireshark's status bar when it passed the control pipes. Returns -1 when the run goes
 * on, else an exit status. */
int       dd_extcap_setup_capture    (DdExtcapArgs *args,
                                      DdCliOptions *options);

void      dd_extcap_print_interfaces (GString *out);
void      dd_extcap_print_dlts       (GString *out);
void      dd_extcap_print_config     (GString *out);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DdExtcapArgs, dd_extcap_args_clear)

G_END_DECLS
