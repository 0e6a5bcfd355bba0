/* The merged capture, written as pcap or pcapng to a file descriptor (stdout, a file, a
 * FIFO) and to PCAP-over-IP clients, through one buffer that is flushed whenever the merge
 * has written what it can. */
#pragma once

#include <glib.h>

#include "dd-format.h"
#include "dd-pcapng-writer.h"
#include "dd-poip-server.h"

G_BEGIN_DECLS

typedef struct _DdOutput DdOutput;

/* Writes to @fd (closed at the end when @close_fd; -1 for none). */
DdOutput *dd_output_new            (int       fd,
                                    gboolean  close_fd,
                                    DdFormat  format);
void      dd_output_free           (DdOutput *self);

DdFormat  dd_output_get_format     (DdOutput *self);

/* Every flushed chunk goes to @server's clients too. */
void      dd_output_set_server     (DdOutput     *self,
                                    DdPoipServer *server);
/* The header and every interface written so far. */
GBytes   *dd_output_get_preamble   (DdOutput *self);

/* pcap: the file header, with the one link type every packet must have. */
void      dd_output_write_pcap_header (DdOutput *self,
                                       guint32   linktype);
/* The link type of the pcap header; DD_OUTPUT_LINKTYPE_PENDING until it is written (a
 * stream whose link type is known only once it is read decides it). */
#define DD_OUTPUT_LINKTYPE_PENDING G_MAXUINT32
guint32   dd_output_get_linktype   (DdOutput *self);

/* pcapng: the section header, then interfaces as they appear. Returns the id. */
void      dd_output_write_shb      (DdOutput           *self,
                                    const char * const *comments);
guint32   dd_output_add_interface  (DdOutput                *self,
                                    const DdPcapngInterface *iface);
/* Records @stats as the interface's statistics, for the end; with @now, writes them at
 * once too (an ISB for a reader that follows the capture live). */
void      dd_output_write_stats    (DdOutput            *self,
                                    guint32              interface_id,
                                    guint64              ts_ns,
                                    const DdPcapngStats *stats,
                                    gboolean             now);
/* pcapng: an ISB that only says @comment, for a reader of the file (the statistics kept
 * for the end are not touched). */
void      dd_output_write_comment  (DdOutput   *self,
                                    guint32     interface_id,
                                    guint64     ts_ns,
                                    const char *comment);
/* pcapng: @comment (nullable; copied) for the interface's last ISB, replacing the last one
 * set: what holds at the end of the run. */
void      dd_output_set_final_comment (DdOutput   *self,
                                       guint32     interface_id,
                                       const char *comment);
/* pcapng: one last ISB per interface: the statistics recorded, the packets written, and
 * when its capture began and ended (as recorded; else its first and last packet; else
 * the end of the run), with the comment set for it. */
void      dd_output_write_final_stats (DdOutput *self);

/* FALSE once the output has failed (the packet was not written). */
gboolean  dd_output_write_packet   (DdOutput     *self,
                                    guint32       interface_id,
                                    guint64       ts_ns,
                                    guint32       caplen,
                                    guint32       origlen,
                                    guint32       flags,
                                    const guint8 *data);

/* Writes out what is buffered. FALSE once writing failed; G_IO_ERROR_BROKEN_PIPE when
 * the reader went away. After a failure everything is discarded. */
gboolean  dd_output_flush          (DdOutput *self,
                                    GError  **error);

/* Makes the fd non-blocking (only for an fd the caller opened, such as a named pipe: the
 * flag is shared with every process holding it). A reader that stops reading no longer
 * blocks the main loop: what it has not taken waits in the output, dd_output_is_blocked()
 * says so, and the writable function runs once it has taken everything (or the write
 * failed). */
void      dd_output_set_nonblocking (DdOutput *self);
void      dd_output_set_writable_func (DdOutput    *self,
                                       GSourceFunc  writable,
                                       gpointer     user_data);
gboolean  dd_output_is_blocked     (DdOutput *self);
/* An output whose fd comes later (Wireshark's pipe, opened once the targets answered):
 * until dd_output_attach_fd (), nothing is written or discarded, and the output counts as
 * blocked, so the merge waits; attaching writes what waited, then the writable function
 * runs. */
void      dd_output_set_pending    (DdOutput *self);
void      dd_output_attach_fd      (DdOutput *self,
                                    int       fd,
                                    gboolean  close_fd);
/* Bytes written to the output that its reader has not taken yet. */
gsize     dd_output_get_backlog    (DdOutput *self);
/* Every byte of the capture so far, written or still buffered. */
guint64   dd_output_get_size       (DdOutput *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdOutput, dd_output_free)

G_END_DECLS
