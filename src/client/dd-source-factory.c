#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include "dd-file-source.h"
#include "dd-http-source.h"
#include "dd-pipe-source.h"
#include "dd-source-factory.h"
#include "dd-source-private.h"
#include "dd-tcp-source.h"

/* A regular file is read on demand; stdin, a named pipe or a device as it comes. */
static GType
file_type (const char *path)
{
  struct stat st;

  if (strcmp (path, "-") != 0 && stat (path, &st) == 0 && S_ISREG (st.st_mode))
    return DD_TYPE_FILE_SOURCE;
  return DD_TYPE_PIPE_SOURCE;
}

DdSource *
dd_source_new_for_target (DdTarget                *target,
                          const DdSourceContext   *context,
                          const DdSourceCallbacks *callbacks,
                          gpointer                 user_data)
{
  DdSource *self;
  GType type;

  switch (target->kind)
    {
    case DD_TARGET_HTTP:
      type = DD_TYPE_HTTP_SOURCE;
      break;
    case DD_TARGET_TCP:
      type = DD_TYPE_TCP_SOURCE;
      break;
    case DD_TARGET_FILE:
    default:
      type = file_type (target->path);
      break;
    }
  self = g_object_new (type, NULL);
  dd_source_bind (self, target, context, callbacks, user_data);
  return self;
}
