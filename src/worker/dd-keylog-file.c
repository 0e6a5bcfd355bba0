#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dd-keylog-file.h"

struct _DdKeylogFile {
  char    *path;
  dev_t    dev;       /* of the file read so far */
  ino_t    ino;
  goffset  offset;    /* where its next line starts */
  gboolean failing;   /* the last read failed (and said so) */
};

DdKeylogFile *
dd_keylog_file_new (const char *path)
{
  DdKeylogFile *self = g_new0 (DdKeylogFile, 1);

  self->path = g_strdup (path);
  return self;
}

void
dd_keylog_file_free (DdKeylogFile *self)
{
  if (self == NULL)
    return;
  g_free (self->path);
  g_free (self);
}

static gboolean
failed (DdKeylogFile *self,
        int           saved_errno,
        GError      **error)
{
  gboolean first = !self->failing;

  self->failing = TRUE;
  if (first)
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), _("cannot read the TLS key log %s: %s"),
                 self->path, g_strerror (saved_errno));
  return !first;
}

gboolean
dd_keylog_file_read (DdKeylogFile *self,
                     GString      *lines,
                     gsize         max,
                     GError      **error)
{
  int fd = g_open (self->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
  struct stat st;
  gsize want, start = lines->len;
  gssize n;
  const char *last;

  if (fd < 0)
    {
      int saved_errno = errno;

      /* Not written yet (or removed until its writer starts again). */
      if (saved_errno == ENOENT)
        {
          self->failing = FALSE;
          return TRUE;
        }
      return failed (self, saved_errno, error);
    }
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      int saved_errno = S_ISREG (st.st_mode) ? errno : EINVAL;

      g_close (fd, NULL);
      return failed (self, saved_errno, error);
    }
  /* Another file under the name, or this one cut short: it starts again. */
  if (st.st_dev != self->dev || st.st_ino != self->ino || st.st_size < self->offset)
    {
      self->dev = st.st_dev;
      self->ino = st.st_ino;
      self->offset = 0;
    }
  want = (gsize) MIN ((guint64) (st.st_size - self->offset), (guint64) max);
  if (want == 0)
    {
      g_close (fd, NULL);
      self->failing = FALSE;
      return TRUE;
    }
  g_string_set_size (lines, start + want);
  n = pread (fd, lines->str + start, want, self->offset);
  if (n < 0)
    {
      int saved_errno = errno;

      g_close (fd, NULL);
      g_string_truncate (lines, start);
      return failed (self, saved_errno, error);
    }
  g_close (fd, NULL);
  self->failing = FALSE;
  for (last = lines->str + start + n; last > lines->str + start && last[-1] != '\n'; last--)
    ;
  if (last == lines->str + start)
    {
      /* A line longer than all we may take at once is no key log's: it is passed over. */
      if ((gsize) n == max)
        self->offset += n;
      g_string_truncate (lines, start);
      return TRUE;
    }
  n = last - (lines->str + start);
  g_string_truncate (lines, start + (gsize) n);
  self->offset += n;
  return TRUE;
}
