#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "dd-process.h"

#if defined(__SANITIZE_ADDRESS__)
#define DD_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DD_ASAN 1
#endif
#endif
#ifdef DD_ASAN
/* <sanitizer/allocator_interface.h>, which gcc 12 does not ship. */
size_t __sanitizer_get_current_allocated_bytes (void);
#endif

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

guint64
dd_process_heap_in_use (void)
{
#if defined(DD_ASAN)
  return __sanitizer_get_current_allocated_bytes ();
#elif defined(__GLIBC__)
  struct mallinfo2 info = mallinfo2 ();

  /* In use in the arenas, and the chunks mapped on their own. */
  return (guint64) info.uordblks + (guint64) info.hblkhd;
#else
  return 0;
#endif
}
