/* ddump as a Wireshark extcap: the interface, its link type and its configuration dialog
 * are printed at once without touching the network; a capture filter is checked by
 * compiling it with libpcap for LINUX_SLL2, the link type of the workers' captures. A
 * capture itself is an ordinary ddump run writing pcapng into Wireshark's FIFO. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DD_EXTCAP_INTERFACE "ddump"

void      dd_extcap_print_interfaces (GString *out);
void      dd_extcap_print_dlts       (GString *out);
void      dd_extcap_print_config     (GString *out);

G_END_DECLS
