#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dd-process.h"

guint64
dd_process_raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 0;
  if (limit.rlim_cur < limit.rlim_max)
    {
      rlim_t wanted = limit.rlim_max;

      limit.rlim_cur = wanted;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        {
          g_debug ("cannot raise the descriptor limit: %s", g_strerror (errno));
          getrlimit (RLIMIT_NOFILE, &limit);
        }
    }
  return (guint64) limit.rlim_cur;
}

void
dd_process_keep_heap (gsize keep_bytes)
{
#ifdef __GLIBC__
  /* Beyond 32 MiB an allocation is rare enough to be mapped. */
  mallopt (M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt (M_TRIM_THRESHOLD, (int) MIN (keep_bytes, (gsize) G_MAXINT));
#endif
}
