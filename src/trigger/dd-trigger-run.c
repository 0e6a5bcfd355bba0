#include "config.h"

#include <glib-unix.h>
#include <stdlib.h>
#if HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "dd-trigger-run.h"

/* After the last event, what is still to be published gets this long. */
#define PUBLISH_GRACE_MS 2000

typedef struct {
  GMainLoop *loop;
  DdTrigger *trigger;
  gint64     deadline;
  gboolean   stopping;
} Daemon;

static gboolean
published_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (!dd_trigger_is_published (daemon->trigger) && g_get_monotonic_time () < daemon->deadline)
    return G_SOURCE_CONTINUE;
  g_main_loop_quit (daemon->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
stopped_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  daemon->deadline = g_get_monotonic_time () + PUBLISH_GRACE_MS * 1000;
  g_timeout_add (20, published_cb, daemon);
  return G_SOURCE_REMOVE;
}

static gboolean
signal_cb (gpointer user_data)
{
  Daemon *daemon = user_data;

  if (daemon->stopping)
    {
      g_message ("asked again: exiting now, without waiting for the running captures");
      exit (DD_TRIGGER_EXIT_RUNTIME);
    }
  daemon->stopping = TRUE;
  g_message ("shutting down: storing what the running captures hold");
#if HAVE_LIBSYSTEMD
  sd_notify (0, "STOPPING=1");
#endif
  dd_trigger_stop (daemon->trigger, stopped_cb, daemon);
  return G_SOURCE_CONTINUE;
}

int
dd_trigger_run (DdTrigger *trigger)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Daemon daemon = { .loop = loop, .trigger = trigger };
  guint sigint = g_unix_signal_add (SIGINT, signal_cb, &daemon);
  guint sigterm = g_unix_signal_add (SIGTERM, signal_cb, &daemon);

  dd_trigger_start (trigger);
#if HAVE_LIBSYSTEMD
  sd_notify (0, "READY=1");
#endif
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  return EXIT_SUCCESS;
}
