/* A live libpcap capture on Linux's "any" device, LINUX_SLL2, nanosecond timestamps (or
 * microseconds where the kernel has none finer),
 * non-blocking, to be driven from the main loop through its selectable fd. */
#pragma once

#include <gio/gio.h>
#include <pcap/pcap.h>

G_BEGIN_DECLS

#define DD_CAPTURE_ERROR (dd_capture_error_quark ())
GQuark dd_capture_error_quark (void);

typedef enum {
  DD_CAPTURE_ERROR_PERMISSION,
  DD_CAPTURE_ERROR_FILTER,
  DD_CAPTURE_ERROR_FAILED,
} DdCaptureError;

typedef struct _DdCapture DdCapture;

typedef struct {
  guint32 snaplen;
  gint    buffer_size;  /* bytes of kernel ring */
  gint    timeout_ms;   /* TPACKET_V3 block retire timeout: bounds a quiet packet's delay */
} DdCaptureOptions;

DdCapture *dd_capture_open         (const DdCaptureOptions  *options,
                                    GError                 **error);
void       dd_capture_free         (DdCapture               *capture);

gboolean   dd_capture_set_filter   (DdCapture               *capture,
                                    const char              *filter,
                                    GError                 **error);
int        dd_capture_get_fd       (DdCapture               *capture);
guint32    dd_capture_get_snaplen  (DdCapture               *capture);
/* What one unit of a packet header's tv_usec is, in ns: 1 when the kernel gave nanosecond
 * timestamps, 1000 when only microseconds (dd_pcap_time_ns () takes it). */
guint32    dd_capture_get_tick_ns  (DdCapture               *capture);
/* When the capture began, in ns of the real-time clock: taken before it was activated,
 * so no packet of it is older. */
guint64    dd_capture_get_start_ns (DdCapture               *capture);

/* Hands the packets ready now (at most @max_packets, -1 for all) to @handler.
 * Returns 0 when none was ready, a positive number when some were (at least 1 when
 * dd_capture_break() cut the call short), or -1 with @error set. */
int        dd_capture_dispatch     (DdCapture               *capture,
                                    int                      max_packets,
                                    pcap_handler             handler,
                                    gpointer                 user_data,
                                    GError                 **error);

/* From a handler: make the running dd_capture_dispatch() return after this packet. */
void       dd_capture_break        (DdCapture               *capture);

/* Kernel counters widened to 64 bits: packets that passed the filter, and those of them
 * dropped because the ring was full. */
void       dd_capture_get_stats    (DdCapture               *capture,
                                    guint64                 *out_received,
                                    guint64                 *out_dropped);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdCapture, dd_capture_free)

G_END_DECLS
