#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib/gi18n.h>

#include "dd-file-source.h"
#include "dd-format.h"
#include "dd-stream-parser.h"

/* What dd_file_source_peek_linktype () reads of a file: its headers. */
#define PEEK_SIZE (64 * 1024)

struct _DdFileSource {
  DdSource parent_instance;
  int      fd;
};

G_DEFINE_FINAL_TYPE (DdFileSource, dd_file_source, DD_TYPE_SOURCE)

static gboolean
dd_file_source_open (DdSource  *source,
                     GError   **error)
{
  DdFileSource *self = DD_FILE_SOURCE (source);

  self->fd = open (dd_source_get_target (source)->path, O_RDONLY | O_CLOEXEC);
  if (self->fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("cannot open: %s"),
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gssize
dd_file_source_read (DdSource  *source,
                     guint8    *buffer,
                     gsize      size,
                     GError   **error)
{
  DdFileSource *self = DD_FILE_SOURCE (source);
  gssize n;

  do
    n = read (self->fd, buffer, size);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("cannot read: %s"),
                   g_strerror (saved));
    }
  return n;
}

static void
dd_file_source_close (DdSource *source)
{
  DdFileSource *self = DD_FILE_SOURCE (source);

  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
}

/* One that cannot be read now fails later; until then it counts as the workers' kind. */
static guint32
dd_file_source_expected_linktype (DdSource *source)
{
  guint32 linktype;

  if (!dd_file_source_peek_linktype (dd_source_get_target (source)->path, &linktype))
    return DD_LINKTYPE_LINUX_SLL2;
  return linktype;
}

static void
dd_file_source_init (DdFileSource *self)
{
  self->fd = -1;
}

static void
dd_file_source_class_init (DdFileSourceClass *klass)
{
  DdSourceClass *source_class = DD_SOURCE_CLASS (klass);

  source_class->open = dd_file_source_open;
  source_class->read = dd_file_source_read;
  source_class->close = dd_file_source_close;
  source_class->expected_linktype = dd_file_source_expected_linktype;
}

static gboolean
peek_interface_cb (gpointer                 user_data,
                   guint32                  id,
                   const DdParsedInterface *iface,
                   GError                 **error)
{
  *(guint32 *) user_data = iface->linktype;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "found");
  return FALSE;
}

gboolean
dd_file_source_peek_linktype (const char *path,
                              guint32    *linktype)
{
  static const DdStreamParserFuncs funcs = { .interface = peek_interface_cb };
  g_autoptr(DdStreamParser) parser = NULL;
  g_autofree guint8 *buf = g_malloc (PEEK_SIZE);
  guint32 found = G_MAXUINT32;
  gsize consumed;
  gssize n;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    return FALSE;
  n = read (fd, buf, PEEK_SIZE);
  close (fd);
  if (n <= 0)
    return FALSE;
  parser = dd_stream_parser_new (&funcs, &found);
  dd_stream_parser_feed (parser, buf, (gsize) n, &consumed, NULL);
  if (found == G_MAXUINT32)
    return FALSE;
  *linktype = found;
  return TRUE;
}
