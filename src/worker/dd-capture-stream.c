#include "config.h"

#include <errno.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#include "dd-capture-audit.h"
#include "dd-capture-stream.h"
#include "dd-history-replay.h"
#include "dd-clock.h"
#include "dd-filter.h"
#include "dd-format.h"
#include "dd-stream-encoder.h"
#include "dd-tls-secrets.h"
#include "dd-worker-connection.h"

/* A flush is forced once this much is buffered, so chunks stay moderate under load. */
#define FLUSH_THRESHOLD (256 * 1024)
/* Most bytes one wake-up reads before it yields to the main loop: under a flood the
 * kernel refills the ring as fast as we read it, and libsoup must get to write. */
#define DRAIN_BUDGET (4 * FLUSH_THRESHOLD)
/* The most key log lines one heartbeat sends, in one DSB: well below the largest block a
 * client holds (DD_STREAM_PARSER_MAX_UNIT); more waits for the next heartbeats. */
#define SECRETS_BUDGET (256 * 1024)

typedef enum {
  DRAIN_EMPTY,  /* read everything that was ready */
  DRAIN_MORE,   /* stopped early (budget, or the client is slow): more may be ready */
  DRAIN_ENDED,  /* the stream ended (count reached, or an error) */
} DrainResult;

typedef enum {
  PEER_QUIET,
  PEER_SENT_MORE,
  PEER_GONE,
} PeerState;

typedef enum {
  STATE_RUNNING,
  STATE_ENDING,   /* final chunk queued, waiting for libsoup to finish */
  STATE_DONE,
} State;

struct _DdCaptureStream {
  guint                   id;
  SoupServerMessage      *msg;
  DdWorkerConnection     *conn;        /* msg's, or NULL; msg holds it */
  SoupMessageBody        *body;
  DdCapture              *capture;
  DdCaptureStreamOptions  options;
  DdWorkerMetrics        *metrics;
  DdFormat                format;
  DdCaptureAudit         *audit;       /* who asked, for what: the log's and GET /captures' */
  guint64                 count_limit;
  guint64                 timeout_ms;   /* without a packet */
  guint32                 snaplen;
  guint32                 tick_ns;     /* of the capture's timestamps */

  DdStreamEncoder        *encoder;
  gboolean                full;        /* the encoder took the last packet the limits allow */
  DdTlsSecrets           *secrets;     /* --tls-keylog, in pcapng; or NULL */
  GString                *secret_lines;  /* what one look at the key logs read */

  guint64                 received;    /* kernel counters, widened */
  guint64                 dropped;
  guint64                 queued;      /* bytes appended to the body and not yet written */
  gint64                  last_packet_monotonic;
  gboolean                throttled;
  guint64                 start_ns;
  gint64                  start_monotonic;
  guint64                 watermark;
  guint64                 heartbeats;  /* statistics blocks sent */

  guint                   fd_watch_id;
  guint                   heartbeat_id;
  guint                   duration_id;
  guint                   timeout_id;
  /* since=: the history's packets come first, up to the live capture's start. */
  DdHistoryReplay        *replay;
  gboolean                history_pending;  /* the replay is not over */
  guint                   history_id;
  GSource                *peer_source;
  gulong                  wrote_handler;
  gulong                  finished_handler;

  State                   state;
  const char             *end_reason;
  gboolean                failed;
  gboolean                client_gone;
  DdCaptureStreamDoneFunc done;
  gpointer                done_data;
};

static guint next_stream_id = 1;

/* One packet into the encoder; FALSE when it is the last the limits allow or a flush is
 * due. */
static inline gboolean
write_packet (DdCaptureStream *self,
              guint64          ts,
              guint32          caplen,
              guint32          origlen,
              const guint8    *data)
{
  gsize pending = dd_stream_encoder_add_packet (self->encoder, ts, caplen, origlen, data, &self->full);

  return !self->full && pending < FLUSH_THRESHOLD;
}

static void
packet_cb (u_char                   *user,
           const struct pcap_pkthdr *header,
           const u_char             *data)
{
  DdCaptureStream *self = (DdCaptureStream *) user;
  guint64 ts;

  /* The packet that passed the byte limit was the last (the rest of this dispatch is
   * left alone). */
  if (G_UNLIKELY (self->full))
    return;
  ts = dd_pcap_time_ns ((guint64) header->ts.tv_sec, (guint64) header->ts.tv_usec, self->tick_ns);
  if (G_UNLIKELY (self->secrets != NULL))
    dd_tls_secrets_note_packet (self->secrets, ts, data, header->caplen);
  if (!write_packet (self, ts, header->caplen, header->len, data))
    dd_capture_break (self->capture);
}

static void
update_stats (DdCaptureStream *self)
{
  guint64 received, dropped;

  if (self->capture == NULL)
    return;
  dd_capture_get_stats (self->capture, &received, &dropped);
  self->metrics->kernel_drops += dropped - self->dropped;
  self->received = received;
  self->dropped = dropped;
}

static void
write_isb_full (DdCaptureStream *self,
                guint64          now,
                const char      *comment)
{
  DdPcapngStats stats;
  guint64 lag = (guint64) self->options.watermark_lag_ms * G_GUINT64_CONSTANT (1000000);

  /* The watermark: everything stamped before now - lag was in a retired ring block at
   * @now and has been drained since, so no later packet of this stream is older.
   * @now is 0 when the ring was not drained: the watermark stays. While the history is
   * being sent, it is the newest history packet looked at. */
  if (self->history_pending)
    self->watermark = MAX (self->watermark, dd_history_replay_get_newest (self->replay));
  else if (now > lag)
    {
      /* Below a ClientHello whose secrets are not read yet: they will come before it. */
      guint64 mark = self->secrets != NULL ? MIN (now - lag, dd_tls_secrets_hold (self->secrets, now)) : now - lag;

      self->watermark = MAX (self->watermark, mark);
    }
  update_stats (self);
  stats = (DdPcapngStats) {
    .present = DD_PCAPNG_STAT_STARTTIME | DD_PCAPNG_STAT_ENDTIME | DD_PCAPNG_STAT_IFRECV |
               DD_PCAPNG_STAT_IFDROP | DD_PCAPNG_STAT_FILTERACCEPT | DD_PCAPNG_STAT_OSDROP |
               DD_PCAPNG_STAT_USRDELIV,
    .starttime = self->start_ns,
    .endtime = (guint64) dd_clock_real_time_ns (),
    .ifrecv = self->received,
    .ifdrop = self->dropped,
    .filteraccept = self->received,
    .osdrop = self->dropped,
    .usrdeliv = dd_stream_encoder_get_packets (self->encoder),
    .comment = comment,
  };
  dd_stream_encoder_add_stats (self->encoder, self->watermark, &stats);
  self->heartbeats++;
}

static void
write_isb (DdCaptureStream *self,
           guint64          now)
{
  write_isb_full (self, now, NULL);
}

/* The key log lines written since the last look, as a DSB. */
static void
send_secrets (DdCaptureStream *self)
{
  if (self->secrets == NULL)
    return;
  g_string_truncate (self->secret_lines, 0);
  dd_tls_secrets_read (self->secrets, self->secret_lines, SECRETS_BUDGET);
  if (self->secret_lines->len > 0)
    dd_stream_encoder_add_secrets (self->encoder, (const guint8 *) self->secret_lines->str,
                                   self->secret_lines->len);
}

static void throttle (DdCaptureStream *self, gboolean on);
static void schedule_history (DdCaptureStream *self);

static void
flush (DdCaptureStream *self)
{
  g_autoptr(GBytes) chunk = NULL;
  gsize size;

  if (self->state == STATE_DONE || (chunk = dd_stream_encoder_take (self->encoder)) == NULL)
    return;
  size = g_bytes_get_size (chunk);
  /* Until the chunk is written: its size line and its data go out in one segment. */
  if (self->conn != NULL)
    dd_worker_connection_set_corked (self->conn, TRUE);
  soup_message_body_append_bytes (self->body, chunk);
  self->queued += size;
  self->metrics->bytes_sent += size;
  soup_server_message_unpause (self->msg);
  if (self->queued > self->options.high_water)
    throttle (self, TRUE);
}

static void fail (DdCaptureStream *self, const GError *error);

/* The client read the history slower than --history-size let it stay: the packets let go
 * under its cursor are missing from the capture, and the capture says so, in the log and
 * (pcapng) in a statistics block's comment. */
static void
say_history_lost (DdCaptureStream *self)
{
  g_autofree char *text =
    g_strdup_printf ("%" G_GUINT64_FORMAT " packets of the history were let go (--history-size) before this "
                     "capture could send them; those of them its filter takes, from before it started, are missing",
                     dd_history_replay_get_lost (self->replay));

  g_message ("capture %u for %s: %s", self->id, self->audit->identity, text);
  if (self->format == DD_FORMAT_PCAPNG)
    write_isb_full (self, 0, text);
}

/* Sends history packets (those the request's filter takes), at most @budget bytes of
 * them, until the live capture's start. FALSE when a limit ended the stream. */
static gboolean
pump_history (DdCaptureStream *self,
              gsize            budget)
{
  gsize written = 0;  /* the buffer starts again at each flush */

  /* A client slower than the history stops it, as it stops the live capture. */
  while (self->history_pending && !self->throttled && written < budget)
    {
      guint64 ts;
      guint32 caplen, origlen;
      const guint8 *data;

      if (!dd_history_replay_next (self->replay, &ts, &caplen, &origlen, &data))
        {
          self->history_pending = FALSE;
          g_debug ("capture %u: %" G_GUINT64_FORMAT " packets from the history", self->id,
                   dd_history_replay_get_sent (self->replay));
          if (dd_history_replay_get_lost (self->replay) > 0)
            say_history_lost (self);
          break;
        }
      written += caplen;
      if (!write_packet (self, ts, caplen, origlen, data) && self->full)
        {
          dd_capture_stream_end (self, dd_stream_encoder_bytes_reached (self->encoder) ? "bytes reached"
                                                                                       : "count reached");
          return FALSE;
        }
      if (dd_stream_encoder_get_pending (self->encoder) >= FLUSH_THRESHOLD)
        flush (self);
    }
  return TRUE;
}

/* Reads what the kernel has ready, up to the count limit and at most @budget bytes. */
static DrainResult
drain (DdCaptureStream *self,
       gsize            budget)
{
  gsize read = 0;

  if (self->history_pending)
    {
      if (self->throttled)
        return DRAIN_MORE;
      if (!pump_history (self, budget))
        return DRAIN_ENDED;
      if (self->history_pending)
        return DRAIN_MORE;
    }
  while (self->capture != NULL)
    {
      g_autoptr(GError) error = NULL;
      guint64 before = dd_stream_encoder_get_packets (self->encoder);
      gsize before_len = dd_stream_encoder_get_pending (self->encoder);
      guint64 packets;
      int max = -1;
      int n;

      if (self->throttled || read >= budget)
        return DRAIN_MORE;
      if (self->count_limit != 0)
        max = (int) MIN (self->count_limit - before, (guint64) G_MAXINT);
      n = dd_capture_dispatch (self->capture, max, packet_cb, self, &error);
      packets = dd_stream_encoder_get_packets (self->encoder);
      self->metrics->packets_sent += packets - before;
      read += dd_stream_encoder_get_pending (self->encoder) - before_len;  /* no flush in a dispatch */
      if (packets != before)
        self->last_packet_monotonic = g_get_monotonic_time ();
      if (n < 0)
        {
          fail (self, error);
          return DRAIN_ENDED;
        }
      if (self->count_limit != 0 && packets >= self->count_limit)
        {
          dd_capture_stream_end (self, "count reached");  /* no-op if already ending */
          return DRAIN_ENDED;
        }
      if (dd_stream_encoder_bytes_reached (self->encoder))
        {
          dd_capture_stream_end (self, "bytes reached");
          return DRAIN_ENDED;
        }
      if (dd_stream_encoder_get_pending (self->encoder) >= FLUSH_THRESHOLD)
        flush (self);
      if (n == 0)
        return DRAIN_EMPTY;
    }
  return DRAIN_ENDED;
}

static gboolean
capture_ready_cb (gint         fd,
                  GIOCondition condition,
                  gpointer     user_data)
{
  DdCaptureStream *self = user_data;

  if (drain (self, DRAIN_BUDGET) != DRAIN_ENDED)
    flush (self);
  return G_SOURCE_CONTINUE;
}

static void
throttle (DdCaptureStream *self,
          gboolean         on)
{
  if (on == self->throttled || self->state != STATE_RUNNING)
    return;
  self->throttled = on;
  if (on)
    {
      /* The client is slower than the capture: stop reading and let the kernel ring fill
       * up and count the drops, rather than buffer without limit. */
      g_debug ("capture %u: client is slow (%" G_GUINT64_FORMAT " bytes queued), pausing", self->id,
               self->queued);
      g_clear_handle_id (&self->fd_watch_id, g_source_remove);
    }
  else
    {
      g_debug ("capture %u: client caught up, resuming", self->id);
      self->fd_watch_id = g_unix_fd_add (dd_capture_get_fd (self->capture), G_IO_IN,
                                         capture_ready_cb, self);
    }
}

static void
wrote_body_data_cb (SoupServerMessage *msg,
                    guint              chunk_size,
                    gpointer           user_data)
{
  DdCaptureStream *self = user_data;

  self->queued -= MIN (self->queued, chunk_size);
  if (self->queued == 0 && self->conn != NULL)
    dd_worker_connection_set_corked (self->conn, FALSE);
  if (self->throttled && self->queued <= self->options.low_water)
    {
      throttle (self, FALSE);
      if (drain (self, DRAIN_BUDGET) != DRAIN_ENDED)
        flush (self);
      schedule_history (self);
    }
}

static gboolean
history_cb (gpointer user_data)
{
  DdCaptureStream *self = user_data;

  if (self->state == STATE_RUNNING && drain (self, DRAIN_BUDGET) != DRAIN_ENDED)
    flush (self);
  if (self->state == STATE_RUNNING && self->history_pending && !self->throttled)
    return G_SOURCE_CONTINUE;
  self->history_id = 0;
  return G_SOURCE_REMOVE;
}

/* The history goes out as fast as the client takes it, then the live capture. */
static void
schedule_history (DdCaptureStream *self)
{
  if (self->history_pending && self->history_id == 0 && self->state == STATE_RUNNING)
    self->history_id = g_idle_add (history_cb, self);
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  DdCaptureStream *self = user_data;
  guint64 now = (guint64) dd_clock_real_time_ns ();
  DrainResult result = drain (self, DRAIN_BUDGET);

  if (result == DRAIN_ENDED)
    return G_SOURCE_CONTINUE;
  if (self->throttled)
    {
      /* Not even a heartbeat for a client that does not read: nothing may grow. */
      update_stats (self);
      return G_SOURCE_CONTINUE;
    }
  if (self->format == DD_FORMAT_PCAPNG)
    {
      /* The watermark may advance only when everything ready at @now was read: while
       * the client is slow or the ring holds more than one drain, the heartbeat repeats
       * the last one (the counters still move). */
      send_secrets (self);
      write_isb (self, result == DRAIN_EMPTY ? now : 0);
    }
  else
    update_stats (self);
  flush (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
duration_cb (gpointer user_data)
{
  DdCaptureStream *self = user_data;

  self->duration_id = 0;
  dd_capture_stream_end (self, "duration reached");
  return G_SOURCE_REMOVE;
}

/* Runs when the timeout may have passed since the last packet; set again for the rest
 * when a packet came meanwhile (packets only note the time, once per drain). */
static gboolean
timeout_cb (gpointer user_data)
{
  DdCaptureStream *self = user_data;
  gint64 idle_ms;

  self->timeout_id = 0;
  /* What the ring holds counts as received. */
  if (!self->throttled && drain (self, DRAIN_BUDGET) == DRAIN_ENDED)
    return G_SOURCE_REMOVE;
  idle_ms = (g_get_monotonic_time () - self->last_packet_monotonic) / 1000;
  if (self->throttled || idle_ms < (gint64) self->timeout_ms)
    {
      /* A client that does not read is not a quiet capture. */
      guint64 rest = self->throttled ? self->timeout_ms : self->timeout_ms - (guint64) idle_ms;

      self->timeout_id = g_timeout_add ((guint) MIN (rest, G_MAXUINT), timeout_cb, self);
      return G_SOURCE_REMOVE;
    }
  dd_capture_stream_end (self, "timeout reached");
  return G_SOURCE_REMOVE;
}

/* Looks at the client's side of the connection without reading from it. */
static PeerState
probe_peer (DdCaptureStream *self)
{
  GSocket *socket = self->conn != NULL ? dd_worker_connection_get_socket (self->conn) : NULL;
  char c;
  gssize n;

  if (socket == NULL || g_socket_is_closed (socket))
    return PEER_GONE;
  n = recv (g_socket_get_fd (socket), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0)
    return PEER_SENT_MORE;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return PEER_QUIET;
  return PEER_GONE;
}

static void
client_gone (DdCaptureStream *self)
{
  self->client_gone = TRUE;
  /* Stop capturing at once; the final chunk will fail or be ignored by the peer. */
  dd_capture_stream_end (self, "client went away");
}

static gboolean
peer_cb (GSocket      *socket,
         GIOCondition  condition,
         gpointer      user_data)
{
  DdCaptureStream *self = user_data;

  switch (probe_peer (self))
    {
    case PEER_QUIET:
      return G_SOURCE_CONTINUE;
    case PEER_SENT_MORE:
      /* A pipelined request: leave it to libsoup, and rely on write errors to notice a
       * disconnection. */
      g_clear_pointer (&self->peer_source, g_source_unref);
      return G_SOURCE_REMOVE;
    case PEER_GONE:
    default:
      g_clear_pointer (&self->peer_source, g_source_unref);
      client_gone (self);
      return G_SOURCE_REMOVE;
    }
}

gboolean
dd_capture_stream_is_running (DdCaptureStream *self)
{
  if (self->state == STATE_RUNNING && self->peer_source != NULL && probe_peer (self) == PEER_GONE)
    {
      g_source_destroy (self->peer_source);
      g_clear_pointer (&self->peer_source, g_source_unref);
      client_gone (self);
    }
  return self->state == STATE_RUNNING;
}

static void
stop_sources (DdCaptureStream *self)
{
  g_clear_handle_id (&self->fd_watch_id, g_source_remove);
  g_clear_handle_id (&self->heartbeat_id, g_source_remove);
  g_clear_handle_id (&self->duration_id, g_source_remove);
  g_clear_handle_id (&self->timeout_id, g_source_remove);
  g_clear_handle_id (&self->history_id, g_source_remove);
  if (self->peer_source != NULL)
    {
      g_source_destroy (self->peer_source);
      g_clear_pointer (&self->peer_source, g_source_unref);
    }
}

static void
log_end (DdCaptureStream *self)
{
  DdCaptureAuditEnd end = {
    .reason = self->end_reason,
    .packets = dd_stream_encoder_get_packets (self->encoder),
    .bytes = dd_stream_encoder_get_bytes (self->encoder),
    .dropped = self->dropped,
    .history_lost = self->replay != NULL ? dd_history_replay_get_lost (self->replay) : 0,
    .secret_lines = self->secrets != NULL ? dd_tls_secrets_get_lines (self->secrets) : 0,
    .seconds = (g_get_monotonic_time () - self->start_monotonic) / (double) G_USEC_PER_SEC,
  };

  dd_capture_audit_log_end (self->audit, &end);
}

static void
finished_cb (SoupServerMessage *msg,
             gpointer           user_data)
{
  DdCaptureStream *self = user_data;

  if (self->state == STATE_DONE)
    return;
  if (self->state == STATE_RUNNING)
    {
      /* libsoup gave up on the connection before we ended the stream. */
      self->end_reason = "connection lost";
      self->failed = TRUE;
    }
  self->state = STATE_DONE;
  stop_sources (self);
  update_stats (self);
  g_clear_pointer (&self->capture, dd_capture_free);
  if (self->failed)
    self->metrics->streams_failed++;
  log_end (self);
  if (self->done != NULL)
    self->done (self, self->done_data);
}

void
dd_capture_stream_end (DdCaptureStream *self,
                       const char      *reason)
{
  if (self->state != STATE_RUNNING)
    return;
  /* From here on nothing re-enters: drain() and fail() below cannot end us again. */
  self->state = STATE_ENDING;
  if (self->end_reason == NULL)
    self->end_reason = reason;
  stop_sources (self);
  if (!self->failed && !self->client_gone)
    {
      guint64 now = (guint64) dd_clock_real_time_ns ();
      DrainResult result = DRAIN_EMPTY;

      /* Deliver what the ring holds even if the client was slow: at most a ring's worth,
       * as the kernel may go on filling it while we read. */
      self->throttled = FALSE;
      if (!dd_stream_encoder_is_full (self->encoder))
        result = drain (self, self->options.ring_size);
      if (!self->failed && self->format == DD_FORMAT_PCAPNG)
        {
          g_autofree char *comment = g_strdup_printf ("%s (%s)", DD_PCAPNG_END_COMMENT,
                                                      self->end_reason);

          send_secrets (self);
          write_isb_full (self, result == DRAIN_EMPTY ? now : 0, comment);
        }
    }
  update_stats (self);
  g_clear_pointer (&self->capture, dd_capture_free);
  flush (self);
  soup_message_body_complete (self->body);
  /* Last: libsoup may finish the message (and our owner free us) from here on. */
  soup_server_message_unpause (self->msg);
}

static void
fail (DdCaptureStream *self,
      const GError    *error)
{
  g_warning ("capture %u for %s: %s", self->id, self->audit->peer, error->message);
  self->failed = TRUE;
  self->end_reason = "capture error";
  dd_capture_stream_end (self, "capture error");
}

/* The encoder of the stream's bytes, with the section's description of this host. */
static DdStreamEncoder *
new_encoder (DdCaptureStream        *self,
             const DdCaptureRequest *request,
             const char             *hostname)
{
  struct utsname u;
  gboolean have_uname = uname (&u) == 0;
  g_autofree char *os = have_uname ? g_strdup_printf ("%s %s", u.sysname, u.release) : NULL;
  g_autofree char *excluded = self->audit->proxy_hop != NULL
    ? g_strdup_printf ("excluded: the worker's own sockets and the proxy's connection %s", self->audit->proxy_hop)
    : g_strdup ("excluded: the worker's own sockets");
  DdStreamEncoderOptions options = {
    .format = request->format,
    .snaplen = self->snaplen,
    .filter = self->audit->filter,
    .count_limit = request->count,
    .bytes_limit = request->bytes,
    .hostname = hostname,
    .hardware = have_uname ? u.machine : NULL,
    .os = os,
    .excluded = excluded,
  };

  return dd_stream_encoder_new (&options);
}

const char *
dd_capture_stream_get_identity (DdCaptureStream *self)
{
  return self->audit->identity;
}

guint
dd_capture_stream_get_id (DdCaptureStream *self)
{
  return self->id;
}

void
dd_capture_stream_describe (DdCaptureStream *self,
                            JsonBuilder     *builder)
{
  GSocketAddress *address = soup_server_message_get_remote_address (self->msg);

  update_stats (self);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_int_value (builder, self->id);
  json_builder_set_member_name (builder, "client");
  json_builder_add_string_value (builder, self->audit->identity);
  json_builder_set_member_name (builder, "peer");
  json_builder_add_string_value (builder, self->audit->peer);
  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      g_autofree char *host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));

      json_builder_set_member_name (builder, "address");
      json_builder_add_string_value (builder, host);
      json_builder_set_member_name (builder, "port");
      json_builder_add_int_value (builder, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
    }
  json_builder_set_member_name (builder, "format");
  json_builder_add_string_value (builder, dd_format_to_string (self->format));
  json_builder_set_member_name (builder, "interfaces");
  json_builder_add_string_value (builder, self->audit->interfaces);
  json_builder_set_member_name (builder, "filter");
  json_builder_add_string_value (builder, self->audit->filter);
  json_builder_set_member_name (builder, "limits");
  json_builder_add_string_value (builder, self->audit->limits);
  json_builder_set_member_name (builder, "start_ns");
  json_builder_add_int_value (builder, (gint64) self->start_ns);
  json_builder_set_member_name (builder, "packets");
  json_builder_add_int_value (builder, (gint64) dd_stream_encoder_get_packets (self->encoder));
  json_builder_set_member_name (builder, "bytes");
  json_builder_add_int_value (builder, (gint64) dd_stream_encoder_get_bytes (self->encoder));
  json_builder_set_member_name (builder, "kernel_drops");
  json_builder_add_int_value (builder, (gint64) self->dropped);
  if (self->format == DD_FORMAT_PCAPNG)
    {
      json_builder_set_member_name (builder, "heartbeats");
      json_builder_add_int_value (builder, (gint64) self->heartbeats);
      json_builder_set_member_name (builder, "watermark_ns");
      json_builder_add_int_value (builder, (gint64) self->watermark);
    }
  if (self->audit->secrets != NULL)
    {
      json_builder_set_member_name (builder, "secrets");
      json_builder_add_string_value (builder, self->audit->secrets);
    }
  if (self->secrets != NULL)
    {
      json_builder_set_member_name (builder, "secret_lines");
      json_builder_add_int_value (builder, (gint64) dd_tls_secrets_get_lines (self->secrets));
      json_builder_set_member_name (builder, "hellos_waiting");
      json_builder_add_int_value (builder, dd_tls_secrets_get_waiting (self->secrets));
    }
  json_builder_set_member_name (builder, "throttled");
  json_builder_add_boolean_value (builder, self->throttled);
  json_builder_end_object (builder);
}

/* The response's head: a chunked stream of the capture, never cached or buffered by a
 * proxy, named by the capture's id (GET /captures lists it by this id while it runs), and
 * the time from which it holds every packet its filter takes (X-Ddump-Capture-Ready, ns
 * of the worker's clock: its filter is in place, so a packet stamped later reaches it):
 * a client that replaces one capture by another switches at a time both cover. */
static void
set_response_head (DdCaptureStream *self)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (self->msg);
  char id[16], ready[24];

  soup_server_message_set_status (self->msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  soup_message_headers_set_content_type (headers, dd_format_to_mime (self->format), NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  soup_message_headers_replace (headers, "X-Accel-Buffering", "no");
  g_snprintf (id, sizeof id, "%u", self->id);
  soup_message_headers_replace (headers, "X-Ddump-Capture", id);
  g_snprintf (ready, sizeof ready, "%" G_GINT64_FORMAT, dd_clock_real_time_ns ());
  soup_message_headers_replace (headers, "X-Ddump-Capture-Ready", ready);
}

/* since=: the history from that far back, replayed once the capture runs (a packet in
 * both rather than in neither). */
static void
prepare_replay (DdCaptureStream              *self,
                const DdCaptureRequest       *request,
                const DdCaptureStreamOptions *options)
{
  guint64 until, back;

  if (!request->has_since || options->history == NULL)
    {
      g_warn_if_fail (options->history_program == NULL);  /* only since= has one */
      return;
    }
  until = (guint64) dd_clock_real_time_ns ();
  back = MIN (request->since_ms * G_GUINT64_CONSTANT (1000000), until);
  self->replay = dd_history_replay_new (options->history, until - back, until, options->history_program,
                                        self->snaplen);
  self->history_pending = TRUE;
}

/* What the stream waits for: the capture's packets, its heartbeats and limits, the peer
 * going away. */
static void
watch (DdCaptureStream              *self,
       const DdCaptureRequest       *request,
       const DdCaptureStreamOptions *options)
{
  self->fd_watch_id = g_unix_fd_add (dd_capture_get_fd (self->capture), G_IO_IN, capture_ready_cb, self);
  self->heartbeat_id = g_timeout_add (MAX (options->heartbeat_ms, 1), heartbeat_cb, self);
  if (request->duration_ms > 0)
    self->duration_id = g_timeout_add ((guint) MIN (request->duration_ms, G_MAXUINT), duration_cb, self);
  self->last_packet_monotonic = self->start_monotonic;
  if (request->timeout_ms > 0)
    self->timeout_id = g_timeout_add ((guint) MIN (request->timeout_ms, G_MAXUINT), timeout_cb, self);
  schedule_history (self);

  if (self->conn != NULL)
    {
      self->peer_source = g_socket_create_source (dd_worker_connection_get_socket (self->conn), G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (self->peer_source, (GSourceFunc) (void (*) (void)) peer_cb, self, NULL);
      g_source_attach (self->peer_source, NULL);
    }
}

DdCaptureStream *
dd_capture_stream_new (SoupServerMessage            *msg,
                       DdCapture                    *capture,
                       const DdCaptureRequest       *request,
                       const char                   *applied_filter,
                       const DdCaptureStreamOptions *options,
                       DdWorkerMetrics              *metrics,
                       DdCaptureStreamDoneFunc       done,
                       gpointer                      user_data)
{
  DdCaptureStream *self = g_new0 (DdCaptureStream, 1);

  self->id = next_stream_id++;
  self->msg = g_object_ref (msg);
  self->conn = dd_worker_connection_for_message (msg);
  self->body = soup_server_message_get_response_body (msg);
  self->capture = capture;
  self->options = *options;
  /* What is kept of the options' strings is in the audit record and the encoder. */
  self->options.hostname = self->options.proxy_hop = self->options.peer = NULL;
  self->options.identity = self->options.clamped = NULL;
  self->options.history_program = NULL;
  self->audit = dd_capture_audit_new (self->id, request, applied_filter, options->identity, options->peer,
                                      options->clamped, options->proxy_hop);
  self->metrics = metrics;
  self->format = request->format;
  self->count_limit = request->count;
  self->timeout_ms = request->timeout_ms;
  self->snaplen = dd_capture_get_snaplen (capture);
  self->tick_ns = dd_capture_get_tick_ns (capture);
  self->encoder = new_encoder (self, request, options->hostname != NULL ? options->hostname : g_get_host_name ());
  self->options.tls_keylog = NULL;
  if (options->tls_keylog != NULL && options->tls_keylog[0] != NULL)
    {
      /* pcap has no place for them. */
      if (options->secrets_withheld)
        self->audit->secrets = g_strdup ("withheld");
      else if (self->format == DD_FORMAT_PCAPNG)
        {
          g_autofree char *label = g_strdup_printf ("capture %u", self->id);

          self->audit->secrets = g_strdup ("sent");
          self->secrets = dd_tls_secrets_new (options->tls_keylog,
                                              (guint64) options->tls_keylog_wait_ms * G_GUINT64_CONSTANT (1000000),
                                              label);
          self->secret_lines = g_string_new (NULL);
        }
      else
        self->audit->secrets = g_strdup ("not in pcap");
    }
  /* Taken before the capture was activated: no packet of it can be older. */
  self->start_ns = dd_capture_get_start_ns (capture);
  self->start_monotonic = g_get_monotonic_time ();
  prepare_replay (self, request, options);
  self->done = done;
  self->done_data = user_data;

  metrics->captures_total++;

  set_response_head (self);
  /* Every byte goes out once; nothing accumulates in the message. */
  soup_message_body_set_accumulate (self->body, FALSE);

  self->wrote_handler = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), self);
  self->finished_handler = g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), self);

  dd_stream_encoder_add_preamble (self->encoder);
  /* The key lines already written come before any packet. */
  send_secrets (self);
  if (self->format == DD_FORMAT_PCAPNG)
    write_isb (self, self->start_ns);

  dd_capture_audit_log_start (self->audit, self->format, self->snaplen, self->history_pending);
  watch (self, request, options);

  /* The file header goes out now, so the client knows the capture is live. */
  flush (self);
  return self;
}

void
dd_capture_stream_free (DdCaptureStream *self)
{
  if (self == NULL)
    return;
  stop_sources (self);
  /* The connection may carry another response: nothing of ours stays held back. */
  if (self->conn != NULL)
    dd_worker_connection_set_corked (self->conn, FALSE);
  g_clear_signal_handler (&self->wrote_handler, self->msg);
  g_clear_signal_handler (&self->finished_handler, self->msg);
  g_clear_pointer (&self->capture, dd_capture_free);
  g_clear_pointer (&self->replay, dd_history_replay_free);
  g_clear_pointer (&self->secrets, dd_tls_secrets_free);
  if (self->secret_lines != NULL)
    g_string_free (self->secret_lines, TRUE);
  g_clear_object (&self->msg);
  dd_stream_encoder_free (self->encoder);
  dd_capture_audit_free (self->audit);
  g_free (self);
}
