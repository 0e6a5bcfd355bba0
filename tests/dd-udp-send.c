/* Sends a fixed number of UDP datagrams, in sendmmsg batches, optionally paced.
 * A test and benchmark helper: bounded in count and in time by construction. */
#include "config.h"

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char **argv)
{
  gint64 count = 0, rate = 0, size = 32;
  double max_seconds = 60;
  const GOptionEntry entries[] = {
    { "rate", 'r', 0, G_OPTION_ARG_INT64, &rate, "Packets per second (0: as fast as possible)", "PPS" },
    { "size", 's', 0, G_OPTION_ARG_INT64, &size, "UDP payload bytes (default 32)", "BYTES" },
    { "max-seconds", 't', 0, G_OPTION_ARG_DOUBLE, &max_seconds, "Stop after this long whatever the count (default 60)", "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("HOST PORT COUNT");
  g_autoptr(GError) error = NULL;
  struct addrinfo hints = { .ai_socktype = SOCK_DGRAM }, *ai = NULL;
  struct mmsghdr msgs[BATCH];
  struct iovec iov[BATCH];
  char *payload;
  gint64 sent = 0;
  double start, deadline;
  int fd, rc;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 4 ||
      !g_ascii_string_to_signed (argv[3], 10, 1, G_MAXINT64, &count, NULL) || size < 1 || size > 65000)
    {
      g_printerr ("usage: dd-udp-send [--rate PPS] [--size BYTES] [--max-seconds S] HOST PORT COUNT\n");
      return 2;
    }
  if ((rc = getaddrinfo (argv[1], argv[2], &hints, &ai)) != 0)
    {
      g_printerr ("dd-udp-send: %s: %s\n", argv[1], gai_strerror (rc));
      return 2;
    }
  fd = socket (ai->ai_family, SOCK_DGRAM, 0);
  if (fd < 0 || connect (fd, ai->ai_addr, ai->ai_addrlen) < 0)
    {
      g_printerr ("dd-udp-send: %s\n", g_strerror (errno));
      return 2;
    }
  /* Each datagram carries its number in its first bytes, so that no two are alike. */
  payload = g_malloc0 ((gsize) size * BATCH);
  memset (msgs, 0, sizeof msgs);
  for (int i = 0; i < BATCH; i++)
    {
      iov[i].iov_base = payload + (gsize) size * (gsize) i;
      iov[i].iov_len = (size_t) size;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }

  start = now_s ();
  deadline = start + max_seconds;
  while (sent < count)
    {
      int n = (int) MIN ((gint64) BATCH, count - sent);
      double t = now_s ();

      if (t > deadline)
        {
          g_printerr ("dd-udp-send: time limit reached after %" G_GINT64_FORMAT " packets\n", sent);
          break;
        }
      if (rate > 0)
        {
          double due = start + (double) sent / (double) rate;

          if (due > t)
            {
              g_usleep ((gulong) ((due - t) * 1e6));
              continue;
            }
          n = (int) MIN ((gint64) n, MAX ((gint64) 1, (gint64) ((t - due) * rate) + 1));
        }
      for (int i = 0; i < n; i++)
        {
          guint64 number = GUINT64_TO_BE ((guint64) (sent + i));

          memcpy (iov[i].iov_base, &number, (gsize) MIN (size, 8));
        }
      rc = sendmmsg (fd, msgs, (unsigned) n, 0);
      if (rc < 0)
        {
          if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED || errno == EINTR)
            continue;
          g_printerr ("dd-udp-send: %s\n", g_strerror (errno));
          return 2;
        }
      sent += rc;
    }
  /* stderr: stdout may be a TAP stream. */
  g_printerr ("%" G_GINT64_FORMAT " packets in %.3f s\n", sent, now_s () - start);
  freeaddrinfo (ai);
  g_free (payload);
  close (fd);
  /* 0: every packet sent; 1: the time limit came first; 2: an error. */
  return sent == count ? 0 : 1;
}
