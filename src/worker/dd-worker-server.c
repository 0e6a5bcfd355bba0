#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>
#include <grp.h>
#include <json-glib/json-glib.h>
#include <net/if.h>
#include <pcap/pcap.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-capture-stream.h"
#include "dd-clock.h"
#include "dd-connection-guard.h"
#include "dd-filter.h"
#include "dd-format.h"
#include "dd-pcapng-writer.h"
#include "dd-process.h"
#include "dd-worker-listener.h"
#include "dd-worker-peer.h"
#include "dd-worker-response.h"
#include "dd-worker-server.h"

G_DEFINE_QUARK (dd-worker-error-quark, dd_worker_error)

/* How far the watermark stays behind the clock, beyond the ring's block timeout: covers
 * the kernel timer's granularity and packets being stamped on another CPU. */
#define WATERMARK_MARGIN_MS 40

struct _DdWorkerServer {
  DdWorkerOptions options;
  SoupServer     *server;
  GPtrArray      *streams;      /* DdCaptureStream, owned */
  GPtrArray      *unix_paths;   /* sockets we created, removed at the end */
  char           *exclusion;
  char           *hostname;
  DdWorkerMetrics metrics;
  DdConnectionGuard *guard;
  DdWorkerListener  *listener;
  DdHistory      *history;
  gboolean        shutting_down;
  gboolean        warned_untrusted;  /* a Forwarded header from an untrusted peer was logged */
  guint           shutdown_timeout_id;
  GSourceFunc     shutdown_done;
  gpointer        shutdown_data;
};

static void
respond_json (SoupServerMessage *msg,
              JsonBuilder       *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = json_to_string (root, TRUE);
  g_autofree char *body = g_strconcat (text, "\n", NULL);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

/* GET-only routes answer HEAD too; anything else is a 405 with an Allow header. */
static gboolean
check_method (SoupServerMessage *msg,
              gboolean           allow_head)
{
  const char *method = soup_server_message_get_method (msg);

  if (g_strcmp0 (method, SOUP_METHOD_GET) == 0 ||
      (allow_head && g_strcmp0 (method, SOUP_METHOD_HEAD) == 0))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow",
                                allow_head ? "GET, HEAD" : "GET");
  dd_worker_respond_text (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("method not allowed"));
  return FALSE;
}

static void
stream_done_cb (DdCaptureStream *stream,
                gpointer         user_data)
{
  DdWorkerServer *self = user_data;

  /* Freed from an idle: we are inside the message's "finished" emission. */
  g_ptr_array_remove_fast (self->streams, stream);
  g_idle_add_once ((GSourceOnceFunc) dd_capture_stream_free, stream);
  if (self->shutting_down && self->streams->len == 0 && self->shutdown_done != NULL)
    {
      g_clear_handle_id (&self->shutdown_timeout_id, g_source_remove);
      g_idle_add (self->shutdown_done, self->shutdown_data);
      self->shutdown_done = NULL;
    }
}

/* The one place that decides how many captures run, for every limit and for the
 * captures_active gauge: streams still capturing, of @identity (or of anyone, NULL). A
 * client that went away a moment ago may not have been noticed yet (its end of stream
 * waits in the main loop behind this request): each stream looks at its connection
 * first, so a capture just given up does not count. */
static guint
count_running_streams (DdWorkerServer *self,
                       const char     *identity)
{
  g_autoptr(GPtrArray) streams = g_ptr_array_copy (self->streams, NULL, NULL);
  guint running = 0;

  for (guint i = 0; i < streams->len; i++)
    {
      DdCaptureStream *stream = g_ptr_array_index (streams, i);

      if (dd_capture_stream_is_running (stream) &&
          (identity == NULL || g_str_equal (identity, dd_capture_stream_get_identity (stream))))
        running++;
    }
  return running;
}

/* Behind a trusted proxy, the connection that carries the stream out of the host: its
 * filter and description (both NULL without a trusted Forwarded header). FALSE when a
 * trusted proxy's header cannot be used: the capture would carry its own stream. */
static gboolean
proxy_exclusion (DdWorkerServer     *self,
                 SoupServerMessage  *msg,
                 gboolean            trusted,
                 char              **filter,
                 char              **described,
                 GError            **error)
{
  const char *header = soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                                     "Forwarded");
  DdForwardedHop hop;

  *filter = *described = NULL;
  if (!trusted)
    {
      if (header != NULL && !self->warned_untrusted)
        {
          g_warning ("ignoring the Forwarded header of %s, which is not a trusted proxy (--trust-proxy); "
                     "this is logged once", soup_server_message_get_remote_host (msg) != NULL
                                             ? soup_server_message_get_remote_host (msg) : "a unix socket peer");
          self->warned_untrusted = TRUE;
        }
      return TRUE;
    }
  if (header == NULL)
    return TRUE;  /* a trusted peer may be a direct client too */
  if (!dd_forwarded_parse (header, &hop, error))
    {
      g_prefix_error (error, _("the Forwarded header of the trusted proxy cannot be used, so its "
                               "connection cannot be kept out of the capture: "));
      return FALSE;
    }
  *filter = dd_forwarded_hop_filter (&hop);
  *described = dd_forwarded_hop_describe (&hop);
  dd_forwarded_hop_clear (&hop);
  return TRUE;
}

/* The request came straight from its client over TCP, not through a proxy: the client's
 * other requests to this worker (GET /clock) then reach our own sockets too, which every
 * capture excludes. A proxy is seen by its headers, or by a unix socket. */
static gboolean
came_direct (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char * const proxy_headers[] = { "Forwarded", "X-Forwarded-For", "X-Real-IP", "Via" };

  if (!G_IS_INET_SOCKET_ADDRESS (soup_server_message_get_remote_address (msg)))
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS (proxy_headers); i++)
    if (soup_message_headers_get_one (headers, proxy_headers[i]) != NULL)
      return FALSE;
  return TRUE;
}

/* A capture request that passed every check: what its stream needs. */
typedef struct {
  DdCaptureRequest *request;
  DdCapture        *capture;
  DdFilterProgram  *history_program;  /* since=, with a filter: the history's */
  char             *filter;           /* the one the capture runs with */
  char             *proxy_hop;
  char             *identity;
  char             *clamped;
} Admission;

static void
admission_clear (Admission *admission)
{
  g_clear_pointer (&admission->request, dd_capture_request_free);
  g_clear_pointer (&admission->capture, dd_capture_free);
  g_clear_pointer (&admission->history_program, dd_filter_free);
  g_clear_pointer (&admission->filter, g_free);
  g_clear_pointer (&admission->proxy_hop, g_free);
  g_clear_pointer (&admission->identity, g_free);
  g_clear_pointer (&admission->clamped, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Admission, admission_clear)

/* Every check a capture request must pass, in order, and its capture opened. FALSE with
 * an error whose domain and code give the HTTP status (dd_worker_status_for_error ()). */
static gboolean
admit (DdWorkerServer     *self,
       SoupServerMessage  *msg,
       const char         *query,
       Admission          *admission,
       GError            **error)
{
  g_autofree char *proxy_filter = NULL;
  g_autofree char *exclusion = NULL;
  DdCaptureOptions capture_options;
  guint running;
  /* The peer is a proxy whose headers (Forwarded, the client's identity) count. */
  gboolean trusted = self->options.trusted_proxies != NULL &&
                     dd_trusted_proxies_contain (self->options.trusted_proxies,
                                                 soup_server_message_get_remote_address (msg));

  admission->request = dd_capture_request_parse (query,
                                                 soup_message_headers_get_list (soup_server_message_get_request_headers (msg),
                                                                                "Accept"),
                                                 error);
  if (admission->request == NULL || !dd_capture_request_resolve_interfaces (admission->request, error))
    return FALSE;
  /* The user's expression alone first: a clear message, and no way to unbalance ours. */
  if (*admission->request->filter != '\0' &&
      !dd_filter_check (admission->request->filter, DD_LINKTYPE_LINUX_SLL2, admission->request->snaplen, error))
    return FALSE;
  admission->identity = dd_worker_peer_identity (msg, trusted);
  if (!dd_policy_apply (self->options.policy, admission->request, admission->identity,
                        count_running_streams (self, admission->identity), &admission->clamped, error))
    {
      g_message ("capture refused for %s: %s", admission->identity, (*error)->message);
      return FALSE;
    }
  if (self->shutting_down)
    {
      g_set_error_literal (error, DD_WORKER_ERROR, DD_WORKER_ERROR_SHUTTING_DOWN, _("the worker is shutting down"));
      return FALSE;
    }
  running = count_running_streams (self, NULL);
  if (running >= self->options.max_captures)
    {
      g_set_error (error, DD_WORKER_ERROR, DD_WORKER_ERROR_BUSY,
                   _("too many captures: %u are running, the limit is %u (--max-captures)"),
                   running, self->options.max_captures);
      return FALSE;
    }
  if (admission->request->has_since && self->history == NULL)
    {
      g_set_error_literal (error, DD_WORKER_ERROR, DD_WORKER_ERROR_NO_HISTORY,
                           _("since= needs the recent packets, and this worker keeps none (start it with --history SECONDS)"));
      return FALSE;
    }
  if (!proxy_exclusion (self, msg, trusted, &proxy_filter, &admission->proxy_hop, error))
    return FALSE;
  exclusion = dd_filter_or (self->exclusion, proxy_filter);
  admission->filter = dd_capture_request_build_filter (admission->request, exclusion);
  capture_options = (DdCaptureOptions) {
    .snaplen = admission->request->snaplen,
    .buffer_size = (gint) MIN (self->options.ring_size, (gsize) G_MAXINT),
    .timeout_ms = self->options.timeout_ms,
  };
  admission->capture = dd_capture_open (&capture_options, error);
  if (admission->capture == NULL || !dd_capture_set_filter (admission->capture, admission->filter, error))
    {
      g_warning ("%s", (*error)->message);
      return FALSE;
    }
  /* The history is filtered in userland, by the filter the capture runs with (which has
   * just compiled: a failure here is the worker's). */
  if (admission->request->has_since && *admission->filter != '\0')
    {
      g_autoptr(GError) local = NULL;

      admission->history_program = dd_filter_compile (admission->filter, DD_LINKTYPE_LINUX_SLL2,
                                                      DD_MAX_SNAPLEN, &local);
      if (admission->history_program == NULL)
        {
          g_set_error (error, DD_WORKER_ERROR, DD_WORKER_ERROR_FAILED, _("the history cannot be filtered: %s"),
                       local->message);
          g_warning ("%s", (*error)->message);
          return FALSE;
        }
    }
  return TRUE;
}

static void
capture_handler (DdWorkerServer    *self,
                 SoupServerMessage *msg,
                 const char        *query)
{
  g_autoptr(GError) error = NULL;
  g_auto(Admission) admission = { 0 };
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  g_autofree char *peer = NULL;
  DdCaptureStreamOptions stream_options;
  DdCaptureStream *stream;

  if (!check_method (msg, FALSE))
    return;
  if (!admit (self, msg, query, &admission, &error))
    {
      self->metrics.captures_rejected++;
      dd_worker_respond_error (msg, error);
      return;
    }
  peer = dd_worker_peer_describe (msg, admission.proxy_hop);
  stream_options = (DdCaptureStreamOptions) {
    .heartbeat_ms = self->options.heartbeat_ms,
    .high_water = self->options.stream_buffer,
    .low_water = self->options.stream_buffer / 4,
    .watermark_lag_ms = (guint) self->options.timeout_ms + WATERMARK_MARGIN_MS,
    .ring_size = self->options.ring_size,
    .hostname = self->hostname,
    .history = self->history,
    .history_program = g_steal_pointer (&admission.history_program),
    .proxy_hop = admission.proxy_hop,
    .peer = peer,
    .identity = admission.identity,
    .clamped = admission.clamped,
    .tls_keylog = (const char * const *) self->options.tls_keylog,
    .tls_keylog_wait_ms = self->options.tls_keylog_wait_ms,
    .secrets_withheld = !dd_policy_allows_secrets (self->options.policy, admission.identity),
  };
  if (admission.clamped != NULL)
    soup_message_headers_replace (headers, "X-Ddump-Clamped", admission.clamped);
  if (came_direct (msg))
    soup_message_headers_replace (headers, "X-Ddump-Direct", "yes");
  stream = dd_capture_stream_new (msg, g_steal_pointer (&admission.capture), admission.request, admission.filter,
                                  &stream_options, &self->metrics, stream_done_cb, self);
  g_ptr_array_add (self->streams, stream);
}

static void
add_address (JsonBuilder     *builder,
             struct sockaddr *sa)
{
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *text = NULL;
  gsize len;

  if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
    return;
  len = sa->sa_family == AF_INET ? sizeof (struct sockaddr_in) : sizeof (struct sockaddr_in6);
  address = g_socket_address_new_from_native (sa, len);
  if (address == NULL)
    return;
  text = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
  json_builder_add_string_value (builder, text);
}

static void
interfaces_handler (DdWorkerServer    *self,
                    SoupServerMessage *msg,
                    const char        *query)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  char errbuf[PCAP_ERRBUF_SIZE] = "";
  pcap_if_t *devices = NULL;

  if (!check_method (msg, TRUE))
    return;
  if (pcap_findalldevs (&devices, errbuf) < 0)
    {
      g_autofree char *text = g_strdup_printf (_("cannot list interfaces: %s"), errbuf);

      dd_worker_respond_text (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, text);
      return;
    }

  json_builder_begin_array (builder);
  for (pcap_if_t *d = devices; d != NULL; d = d->next)
    {
      guint index = if_nametoindex (d->name);

      /* Only real interfaces: pseudo-devices (any, nflog, …) cannot be selected. */
      if (index == 0)
        continue;
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, d->name);
      json_builder_set_member_name (builder, "index");
      json_builder_add_int_value (builder, index);
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, d->description != NULL ? d->description : "");
      json_builder_set_member_name (builder, "addresses");
      json_builder_begin_array (builder);
      for (pcap_addr_t *a = d->addresses; a != NULL; a = a->next)
        add_address (builder, a->addr);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "up");
      json_builder_add_boolean_value (builder, (d->flags & PCAP_IF_UP) != 0);
      json_builder_set_member_name (builder, "running");
      json_builder_add_boolean_value (builder, (d->flags & PCAP_IF_RUNNING) != 0);
      json_builder_set_member_name (builder, "loopback");
      json_builder_add_boolean_value (builder, (d->flags & PCAP_IF_LOOPBACK) != 0);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  pcap_freealldevs (devices);
  respond_json (msg, builder);
  /* Whose addresses these are: ddump names them so in a merged capture. */
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "X-Ddump-Host",
                                self->hostname);
}

static gint
compare_streams (gconstpointer a,
                 gconstpointer b)
{
  guint ia = dd_capture_stream_get_id (*(DdCaptureStream **) a);
  guint ib = dd_capture_stream_get_id (*(DdCaptureStream **) b);

  return ia < ib ? -1 : ia > ib;
}

/* The captures running now, oldest first: what a script waits for to know that its own
 * capture is live (by the id of X-Ddump-Capture, or by its client's address and port). */
static void
captures_handler (DdWorkerServer    *self,
                  SoupServerMessage *msg,
                  const char        *query)
{
  g_autoptr(JsonBuilder) builder = NULL;
  g_autoptr(GPtrArray) streams = NULL;

  if (!check_method (msg, TRUE))
    return;
  /* A copy: a stream whose client has gone ends as it is asked, and leaves the list. */
  streams = g_ptr_array_copy (self->streams, NULL, NULL);
  g_ptr_array_sort (streams, compare_streams);
  builder = json_builder_new ();
  json_builder_begin_array (builder);
  for (guint i = 0; i < streams->len; i++)
    if (dd_capture_stream_is_running (g_ptr_array_index (streams, i)))
      dd_capture_stream_describe (g_ptr_array_index (streams, i), builder);
  json_builder_end_array (builder);
  respond_json (msg, builder);
}

static void
metric (GString    *out,
        const char *name,
        const char *type,
        const char *help,
        guint64     value)
{
  g_string_append_printf (out, "# HELP ddump_worker_%s %s\n# TYPE ddump_worker_%s %s\nddump_worker_%s %"
                          G_GUINT64_FORMAT "\n", name, help, name, type, name, value);
}

static void
metrics_handler (DdWorkerServer    *self,
                 SoupServerMessage *msg,
                 const char        *query)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const DdWorkerMetrics *m = &self->metrics;
  gsize len;

  if (!check_method (msg, TRUE))
    return;
  metric (out, "captures_active", "gauge", "Captures streaming now (to clients still connected).",
          count_running_streams (self, NULL));
  metric (out, "captures_total", "counter", "Captures started.", m->captures_total);
  metric (out, "captures_rejected_total", "counter",
          "Capture requests refused (bad request, limit reached, capture error).", m->captures_rejected);
  metric (out, "packets_sent_total", "counter", "Packets written to capture streams.", m->packets_sent);
  metric (out, "bytes_sent_total", "counter", "Bytes written to capture streams.", m->bytes_sent);
  metric (out, "kernel_drops_total", "counter",
          "Packets that passed a capture's filter but were dropped because its ring was full.",
          m->kernel_drops);
  metric (out, "requests_refused_total", "counter",
          "Requests refused as their headers arrived (method, body, size).", m->requests_refused);
  metric (out, "connections_timed_out_total", "counter",
          "Connections closed because their request did not arrive in time.", m->connections_timed_out);
  metric (out, "streams_failed_total", "counter",
          "Capture streams that ended on an error (capture or connection).", m->streams_failed);
  metric (out, "heap_bytes", "gauge",
          "Heap memory the worker holds (allocated, not freed); the kernel rings are not in it.",
          dd_process_heap_in_use ());
  if (self->history != NULL)
    {
      DdHistoryStats stats;

      dd_history_get_stats (self->history, &stats);
      metric (out, "history_packets", "gauge", "Recent packets kept for since= (--history).", stats.packets);
      metric (out, "history_bytes", "gauge", "Memory holding them.", stats.bytes);
      metric (out, "history_kernel_drops_total", "counter",
              "Packets the history's capture lost because its ring was full.", stats.kernel_drops);
      metric (out, "history_evicted_total", "counter",
              "Packets let go before --history seconds passed, to stay within --history-size.",
              stats.evicted_early);
    }
  g_string_append_printf (out, "# HELP ddump_worker_build_info Version.\n# TYPE ddump_worker_build_info gauge\n"
                          "ddump_worker_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
  len = out->len;
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_string_free (g_steal_pointer (&out), FALSE), len);
}

static void
root_handler (DdWorkerServer    *self,
              SoupServerMessage *msg,
              const char        *query)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (!check_method (msg, TRUE))
    return;
  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, "ddump-worker");
  json_builder_set_member_name (builder, "version");
  json_builder_add_string_value (builder, PACKAGE_VERSION);
  json_builder_set_member_name (builder, "libpcap");
  json_builder_add_string_value (builder, pcap_lib_version ());
  json_builder_set_member_name (builder, "formats");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "pcap");
  json_builder_add_string_value (builder, "pcapng");
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  respond_json (msg, builder);
}

/* The worker's clock for ddump's offset estimate (NTP's method): when the request came
 * and when the answer leaves, in nanoseconds since the epoch of the real-time clock. */
static void
clock_handler (DdWorkerServer    *self,
               SoupServerMessage *msg,
               const char        *query)
{
  gint64 receive = dd_clock_real_time_ns ();
  g_autofree char *body = NULL;

  if (!check_method (msg, FALSE))
    return;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  /* The last thing before the answer is written. */
  body = g_strdup_printf ("{\"receive_ns\": %" G_GINT64_FORMAT ", \"transmit_ns\": %" G_GINT64_FORMAT "}\n",
                          receive, dd_clock_real_time_ns ());
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

typedef void (*RouteFunc) (DdWorkerServer *self, SoupServerMessage *msg, const char *query);

static const struct {
  const char *path;
  RouteFunc   handle;
} routes[] = {
  { "/", root_handler },
  { "/capture", capture_handler },
  { "/captures", captures_handler },
  { "/clock", clock_handler },
  { "/interfaces", interfaces_handler },
  { "/metrics", metrics_handler },
};

/* One handler for every path: libsoup 3.2 keeps the query in the path of an HTTP/1.0
 * request without a Host header ("/capture?count=1"), which no path handler would match. */
static void
dispatch_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query_table,
             gpointer           user_data)
{
  DdWorkerServer *self = user_data;
  GUri *uri = soup_server_message_get_uri (msg);
  const char *query = g_uri_get_query (uri);
  g_autofree char *own_path = NULL;
  g_autofree char *own_query = NULL;
  const char *mark;

  if (query == NULL && (mark = strchr (path, '?')) != NULL)
    {
      own_path = g_strndup (path, (gsize) (mark - path));
      own_query = g_strdup (mark + 1);
      path = own_path;
      query = own_query;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_equal (path, routes[i].path))
      {
        routes[i].handle (self, msg, query);
        return;
      }
  dd_worker_respond_text (msg, SOUP_STATUS_NOT_FOUND, _("not found"));
}

DdWorkerServer *
dd_worker_server_new (const DdWorkerOptions *options)
{
  DdWorkerServer *self = g_new0 (DdWorkerServer, 1);

  self->options = *options;
  self->options.socket_group = g_strdup (options->socket_group);
  self->options.history_filter = g_strdup (options->history_filter);
  self->options.tls_keylog = g_strdupv (options->tls_keylog);
  self->server = soup_server_new ("server-header", "ddump-worker/" PACKAGE_VERSION " ", NULL);
  self->streams = g_ptr_array_new ();
  self->unix_paths = g_ptr_array_new_with_free_func (g_free);
  self->hostname = g_strdup (g_get_host_name ());
  self->guard = dd_connection_guard_new (self->server, &self->metrics);
  self->listener = dd_worker_listener_new (self->server, options->request_timeout_ms, &self->metrics);
  soup_server_add_handler (self->server, NULL, dispatch_cb, self, NULL);
  return self;
}

void
dd_worker_server_free (DdWorkerServer *self)
{
  if (self == NULL)
    return;
  g_clear_handle_id (&self->shutdown_timeout_id, g_source_remove);
  soup_server_disconnect (self->server);
  for (guint i = 0; i < self->streams->len; i++)
    dd_capture_stream_free (g_ptr_array_index (self->streams, i));
  g_ptr_array_unref (self->streams);
  g_clear_pointer (&self->history, dd_history_free);
  for (guint i = 0; i < self->unix_paths->len; i++)
    g_unlink (g_ptr_array_index (self->unix_paths, i));
  g_ptr_array_unref (self->unix_paths);
  g_clear_pointer (&self->listener, dd_worker_listener_free);
  g_clear_pointer (&self->guard, dd_connection_guard_free);
  g_clear_object (&self->server);
  g_free (self->exclusion);
  g_free (self->hostname);
  g_free (self->options.socket_group);
  g_free (self->options.history_filter);
  g_strfreev (self->options.tls_keylog);
  g_free (self);
}

static GSocketAddress *
bind_address (GSocketAddress  *address,
              gpointer         user_data,
              GError         **error)
{
  return dd_worker_listener_add_address (user_data, address, error);
}

static guint16
bind_any (guint16   port,
          gpointer  user_data,
          GError  **error)
{
  return dd_worker_listener_add_any (user_data, port, error);
}

static const DdListenBinder binder = {
  .bind_address = bind_address,
  .bind_any = bind_any,
};

/* A socket left by an earlier run at @path is replaced; anything else there is not ours. */
static gboolean
clear_unix_path (const char  *path,
                 GError     **error)
{
  struct stat st;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, DD_WORKER_ERROR, DD_WORKER_ERROR_LISTEN,
                   _("cannot listen on unix:%s: the path exists and is not a socket"), path);
      return FALSE;
    }
  g_unlink (path);
  return TRUE;
}

/* --socket-group and --socket-mode on a unix socket just made. */
static gboolean
set_unix_access (DdWorkerServer  *self,
                 const char      *path,
                 GError         **error)
{
  if (self->options.socket_group != NULL)
    {
      struct group *gr = getgrnam (self->options.socket_group);

      if (gr == NULL || chown (path, (uid_t) -1, gr->gr_gid) != 0)
        {
          g_set_error (error, DD_WORKER_ERROR, DD_WORKER_ERROR_LISTEN,
                       _("cannot give unix:%s to group “%s”: %s"), path, self->options.socket_group,
                       gr == NULL ? _("no such group") : g_strerror (errno));
          return FALSE;
        }
    }
  if (self->options.socket_mode >= 0 && g_chmod (path, self->options.socket_mode) != 0)
    {
      int saved = errno;

      g_set_error (error, DD_WORKER_ERROR, DD_WORKER_ERROR_LISTEN,
                   _("cannot set the mode of unix:%s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
dd_worker_server_listen (DdWorkerServer         *self,
                         const DdListenAddress  *address,
                         GError                **error)
{
  g_autofree char *bound = NULL;
  guint16 port;

  if (address->kind == DD_LISTEN_UNIX && !clear_unix_path (address->path, error))
    return FALSE;
  bound = dd_listen_address_bind (address, &binder, self->listener, &port, error);
  if (bound == NULL)
    return FALSE;
  if (address->kind != DD_LISTEN_UNIX)
    return TRUE;
  g_ptr_array_add (self->unix_paths, g_strdup (address->path));
  return set_unix_access (self, address->path, error);
}

gboolean
dd_worker_server_listen_fd (DdWorkerServer  *self,
                            int              fd,
                            GError         **error)
{
  g_autoptr(GSocket) socket = g_socket_new_from_fd (fd, error);

  if (socket == NULL)
    {
      g_prefix_error (error, _("cannot use socket-activated file descriptor %d: "), fd);
      return FALSE;
    }
  if (!dd_worker_listener_add_socket (self->listener, socket, error))
    {
      g_prefix_error (error, _("cannot listen on socket-activated file descriptor %d: "), fd);
      return FALSE;
    }
  return TRUE;
}

void
dd_worker_server_start (DdWorkerServer *self)
{
  g_autoptr(GPtrArray) addresses = dd_worker_listener_get_addresses (self->listener);

  g_free (self->exclusion);
  self->exclusion = dd_filter_sockets (addresses);
  g_debug ("own traffic excluded with: %s", self->exclusion);
}

gboolean
dd_worker_server_start_history (DdWorkerServer  *self,
                                GError         **error)
{
  DdHistoryOptions options = {
    .seconds = self->options.history_s,
    .max_bytes = self->options.history_bytes,
    .filter = self->options.history_filter,
    .ring_size = (gint) MIN (self->options.ring_size, (gsize) G_MAXINT),
    .timeout_ms = self->options.timeout_ms,
  };

  if (self->options.history_s <= 0)
    return TRUE;
  self->history = dd_history_new (&options, self->exclusion, error);
  return self->history != NULL;
}

const char *
dd_worker_server_get_exclusion (DdWorkerServer *self)
{
  return self->exclusion;
}

/* What each listening socket is bound to, as HOST:PORT or unix:PATH (soup_server_get_uris()
 * cannot describe unix sockets). */
GStrv
dd_worker_server_describe_listeners (DdWorkerServer *self)
{
  g_autoptr(GPtrArray) addresses = dd_worker_listener_get_addresses (self->listener);
  GPtrArray *described = g_ptr_array_new ();

  for (guint i = 0; i < addresses->len; i++)
    g_ptr_array_add (described, dd_socket_address_to_string (g_ptr_array_index (addresses, i)));
  g_ptr_array_add (described, NULL);
  return (GStrv) g_ptr_array_free (described, FALSE);
}

const DdWorkerMetrics *
dd_worker_server_get_metrics (DdWorkerServer *self)
{
  return &self->metrics;
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  DdWorkerServer *self = user_data;

  self->shutdown_timeout_id = 0;
  if (self->shutdown_done != NULL)
    {
      g_message ("%u stream(s) did not finish in time; closing them", self->streams->len);
      self->shutdown_done (self->shutdown_data);
      self->shutdown_done = NULL;
    }
  return G_SOURCE_REMOVE;
}

void
dd_worker_server_shutdown (DdWorkerServer *self,
                           guint           timeout_ms,
                           GSourceFunc     done,
                           gpointer        user_data)
{
  g_autoptr(GPtrArray) streams = NULL;

  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  self->shutdown_done = done;
  self->shutdown_data = user_data;

  /* Ending a stream may complete it synchronously and remove it from the array. */
  streams = g_ptr_array_copy (self->streams, NULL, NULL);
  for (guint i = 0; i < streams->len; i++)
    dd_capture_stream_end (g_ptr_array_index (streams, i), DD_PCAPNG_END_SHUTDOWN);

  if (self->streams->len == 0)
    {
      self->shutdown_done = NULL;
      g_idle_add (done, user_data);
    }
  else
    self->shutdown_timeout_id = g_timeout_add (timeout_ms, shutdown_timeout_cb, self);
}
