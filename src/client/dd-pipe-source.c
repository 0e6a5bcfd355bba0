#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "dd-pipe-source.h"

struct _DdPipeSource {
  DdSource parent_instance;
};

G_DEFINE_FINAL_TYPE (DdPipeSource, dd_pipe_source, DD_TYPE_SOURCE)

static void
dd_pipe_source_open_async (DdSource            *source,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  const char *path = dd_source_get_target (source)->path;
  g_autoptr(GTask) task = g_task_new (source, cancellable, callback, user_data);
  int fd;

  g_task_set_source_tag (task, dd_pipe_source_open_async);
  /* Our own descriptor: closing the stream leaves the process's stdin alone. */
  if (strcmp (path, "-") == 0)
    fd = fcntl (STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
  else
    fd = open (path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               _("cannot open: %s"), g_strerror (saved));
      return;
    }
  g_task_return_pointer (task, g_unix_input_stream_new (fd, TRUE), g_object_unref);
}

static GInputStream *
dd_pipe_source_open_finish (DdSource      *source,
                            GAsyncResult  *result,
                            GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
dd_pipe_source_init (DdPipeSource *self)
{
}

static void
dd_pipe_source_class_init (DdPipeSourceClass *klass)
{
  DdSourceClass *source_class = DD_SOURCE_CLASS (klass);

  source_class->open_async = dd_pipe_source_open_async;
  source_class->open_finish = dd_pipe_source_open_finish;
}
