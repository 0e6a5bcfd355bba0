#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gio.h>

#include "dd-extcap-control.h"

/* Wireshark's interface control protocol (ui/qt/interface_toolbar.cpp). */
#define SYNC_PIPE_TOOLBAR 'T'
enum {
  COMMAND_ADD = 2,
  COMMAND_STATUS_MESSAGE = 6,
};
#define HEADER_SIZE 6
/* A write of at most PIPE_BUF bytes into a pipe is never split or interleaved. */
#define MESSAGE_MAX 4096

/* ddump's toolbar: one button, which opens the log window. */
#define CONTROL_LOG 0

struct _DdExtcapControl {
  int    in_fd;
  int    out_fd;
  guint  in_id;
  guint  dropped;
};

void
dd_extcap_control_print (GString *out)
{
  g_string_append_printf (out, "control {number=%d}{type=button}{role=logger}{display=%s}{tooltip=%s}\n",
                          CONTROL_LOG, _("Log"), _("What happened to each worker during the capture"));
}

static gboolean
in_cb (int          fd,
       GIOCondition condition,
       gpointer     user_data)
{
  DdExtcapControl *self = user_data;
  char buffer[4096];
  gssize n;

  /* Nothing in it changes the capture: Initialized, and values of controls ddump does
   * not have. */
  n = read (fd, buffer, sizeof buffer);
  if (n > 0)
    {
      g_debug ("extcap control: %" G_GSSIZE_FORMAT " bytes from Wireshark", n);
      return G_SOURCE_CONTINUE;
    }
  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return G_SOURCE_CONTINUE;
  /* Wireshark closed its end. */
  self->in_id = 0;
  return G_SOURCE_REMOVE;
}

static int
open_fifo (const char  *path,
           int          flags,
           GError     **error)
{
  int fd = open (path, flags | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("cannot open Wireshark's control pipe %s: %s"), path, g_strerror (saved));
    }
  return fd;
}

DdExtcapControl *
dd_extcap_control_new (const char  *in_path,
                       const char  *out_path,
                       GError     **error)
{
  g_autoptr(DdExtcapControl) self = g_new0 (DdExtcapControl, 1);

  self->in_fd = -1;
  self->out_fd = -1;
  /* Wireshark opens its end of this one for writing, blocking, in its GUI thread: it must
   * find a reader at once. */
  if (in_path != NULL)
    {
      self->in_fd = open_fifo (in_path, O_RDONLY, error);
      if (self->in_fd < 0)
        return NULL;
      self->in_id = g_unix_fd_add (self->in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, in_cb, self);
    }
  /* Read and write: the open does not wait for Wireshark's reader, and what is written
   * before it comes waits in the pipe. */
  if (out_path != NULL)
    {
      self->out_fd = open_fifo (out_path, O_RDWR, error);
      if (self->out_fd < 0)
        return NULL;
    }
  return g_steal_pointer (&self);
}

void
dd_extcap_control_free (DdExtcapControl *self)
{
  if (self == NULL)
    return;
  if (self->dropped > 0)
    g_debug ("extcap control: %u messages dropped (Wireshark did not read them)", self->dropped);
  g_clear_handle_id (&self->in_id, g_source_remove);
  if (self->in_fd >= 0)
    close (self->in_fd);
  if (self->out_fd >= 0)
    close (self->out_fd);
  g_free (self);
}

static void
send_message (DdExtcapControl *self,
              guint8           control,
              guint8           command,
              const char      *payload,
              gsize            length)
{
  guint8 message[MESSAGE_MAX];
  gsize size;

  if (self->out_fd < 0)
    return;
  length = MIN (length, sizeof message - HEADER_SIZE);
  size = HEADER_SIZE + length;
  message[0] = SYNC_PIPE_TOOLBAR;
  /* The length counts the control number and the command. */
  message[1] = (guint8) ((length + 2) >> 16);
  message[2] = (guint8) ((length + 2) >> 8);
  message[3] = (guint8) (length + 2);
  message[4] = control;
  message[5] = command;
  memcpy (message + HEADER_SIZE, payload, length);
  if (write (self->out_fd, message, size) != (gssize) size)
    self->dropped++;  /* a full pipe: Wireshark does not read it */
}

void
dd_extcap_control_report (DdExtcapControl *self,
                          const char      *text,
                          gboolean         log)
{
  g_autofree char *line = NULL;

  g_return_if_fail (self != NULL);
  /* One line in the log window; the status bar shows it without the newline. */
  line = g_strdup_printf ("%s: %s\n", g_get_prgname (), text);
  send_message (self, CONTROL_LOG, COMMAND_STATUS_MESSAGE, line, strlen (line) - 1);
  if (log)
    send_message (self, CONTROL_LOG, COMMAND_ADD, line, strlen (line));
}
