/* The merged capture, written as pcap or pcapng to a file descriptor (stdout, a file, a
 * FIFO) and to PCAP-over-IP clients, through one buffer that is flushed whenever the merge
 * has written what it can. */
#pragma once

#include <glib.h>

#include "dd-format.h"
#include "dd-pcapng-writer.h"
#include "dd-poip-server.h"
#include "dd-sink.h"

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

/* The capture's consumer in the merge (dd-sink.h): the header, interfaces, packets and
 * side blocks are written as pcap or pcapng. In pcapng, each interface's statistics are
 * kept for one last statistics block at the end: what was recorded, the packets written,
 * and when its capture began and ended (as recorded; else its first and last packet;
 * else the end of the run), with the comment set for it. A packet returns FALSE once the
 * output has failed (it was not written). */
DdSink   *dd_output_get_sink       (DdOutput *self);
/* pcapng: statistics written as they come (at most once a second for each interface), for
 * a reader following a live capture, not only at the end. */
void      dd_output_set_live_stats (DdOutput *self,
                                    gboolean  live);

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

/* What the inputs had and the output could not keep, counted for the summary. */
typedef struct {
  guint64         packet_options;  /* pcap: packets whose options (comments, hashes, …) it has no place for */
  guint64         blocks;          /* pcap: name resolution, decryption secrets and custom blocks */
  DdPcapngLeftOut left_out;        /* pcapng: options and blocks left out */
  guint64         too_large;       /* pcapng: blocks too large to hold (dd-stream-parser.h) */
} DdOutputLosses;

void      dd_output_get_losses     (DdOutput       *self,
                                    DdOutputLosses *losses);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DdOutput, dd_output_free)

G_END_DECLS
