/* Wireshark's extcap control pipes, the way a capture tells the person at Wireshark what
 * happens while it runs: Wireshark shows stderr only after the capture stopped, so a
 * worker that cannot be reached under --keep-going, or one that left and came back, is
 * told in Wireshark's status bar and added to the log window of ddump's interface toolbar
 * (View ▸ Interface Toolbars ▸ ddump ▸ Log).
 *
 * Wireshark passes the pipes (--extcap-control-in, --extcap-control-out) only to extcaps
 * that declare toolbar controls, as ddump does (dd_extcap_control_print). A message is
 * 'T', a 24-bit big-endian length, the control number, the command and its payload.
 * Writes never block: when Wireshark does not read, messages are dropped. What Wireshark
 * sends is read and left aside (ddump's toolbar has no control to set), so that its
 * blocking open of the pipe and its writes always finish. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DdExtcapControl DdExtcapControl;

/* Opens both pipes (either path may be NULL); reads @in_path in the thread-default main
 * context. */
DdExtcapControl *dd_extcap_control_new    (const char  *in_path,
                                           const char  *out_path,
                                           GError     **error);
void             dd_extcap_control_free   (DdExtcapControl *self);

/* The control lines of ddump's interface toolbar, for --extcap-interfaces. */
void             dd_extcap_control_print  (GString *out);

/* Shows @text in Wireshark's status bar and, with @log, adds it to the log window. */
void             dd_extcap_control_report (DdExtcapControl *self,
                                           const char      *text,
                                           gboolean         log);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdExtcapControl, dd_extcap_control_free)

G_END_DECLS
