/* A cable with a known delay, for the packet journey's tests (this kernel has no netem):
 * every frame that arrives on one interface leaves by the other DELAY milliseconds later,
 * both ways, through AF_PACKET. Bounded in time (--max-seconds) and in what it holds (a
 * frame that finds the queue full is dropped, and counted).
 *
 *   dd-hold-forward [--max-seconds S] DELAY_MS IF_A IF_B */
#include "config.h"

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define QUEUE 4096
#define FRAME_MAX 65536 + 64

typedef struct {
  double  due;
  guint32 len;
  guint8 *data;
} Held;

typedef struct {
  Held    held[QUEUE];
  guint   head;
  guint   count;
  guint64 dropped;
} Queue;

static double
now_s (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

static int
open_on (const char *name)
{
  struct sockaddr_ll addr = { .sll_family = AF_PACKET, .sll_protocol = htons (ETH_P_ALL) };
  int one = 1, fd = socket (AF_PACKET, SOCK_RAW, htons (ETH_P_ALL));

  addr.sll_ifindex = (int) if_nametoindex (name);
  if (fd < 0 || addr.sll_ifindex == 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      /* What it sends itself is not what it must forward. */
      setsockopt (fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0)
    {
      g_printerr ("dd-hold-forward: %s: %s\n", name, g_strerror (errno));
      return -1;
    }
  return fd;
}

int
main (int argc, char **argv)
{
  double max_seconds = 60, delay, deadline;
  const GOptionEntry entries[] = {
    { "max-seconds", 't', 0, G_OPTION_ARG_DOUBLE, &max_seconds, "Stop after this long (default 60)", "S" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("DELAY_MS IF_A IF_B");
  g_autoptr(GError) error = NULL;
  static Queue queues[2];  /* [0]: from A, to B; [1]: from B, to A */
  int fds[2];

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 4 || (delay = g_ascii_strtod (argv[1], NULL)) < 0)
    {
      g_printerr ("usage: dd-hold-forward [--max-seconds S] DELAY_MS IF_A IF_B\n");
      return 2;
    }
  delay /= 1000;
  if ((fds[0] = open_on (argv[2])) < 0 || (fds[1] = open_on (argv[3])) < 0)
    return 2;
  for (guint q = 0; q < 2; q++)
    for (guint i = 0; i < QUEUE; i++)
      queues[q].held[i].data = g_malloc (FRAME_MAX);
  /* Ready: a test waits for this line. */
  g_print ("holding %s <-> %s for %.3f ms\n", argv[2], argv[3], delay * 1000);
  fflush (stdout);

  deadline = now_s () + max_seconds;
  for (;;)
    {
      struct pollfd pfds[2] = { { fds[0], POLLIN, 0 }, { fds[1], POLLIN, 0 } };
      double t = now_s (), next = deadline;
      int timeout_ms;

      if (t >= deadline)
        break;
      /* What is due goes out. */
      for (guint q = 0; q < 2; q++)
        {
          Queue *queue = &queues[q];

          while (queue->count > 0 && queue->held[queue->head].due <= t)
            {
              Held *h = &queue->held[queue->head];

              if (send (fds[1 - q], h->data, h->len, 0) < 0 && errno != ENOBUFS && errno != EAGAIN)
                g_printerr ("dd-hold-forward: send: %s\n", g_strerror (errno));
              queue->head = (queue->head + 1) % QUEUE;
              queue->count--;
            }
          if (queue->count > 0)
            next = MIN (next, queue->held[queue->head].due);
        }
      timeout_ms = (int) MAX (0.0, (next - t) * 1000 + 0.5);
      if (poll (pfds, 2, timeout_ms) < 0 && errno != EINTR)
        {
          g_printerr ("dd-hold-forward: poll: %s\n", g_strerror (errno));
          return 2;
        }
      for (guint q = 0; q < 2; q++)
        {
          Queue *queue = &queues[q];
          Held *h;
          gssize n;

          if (!(pfds[q].revents & POLLIN))
            continue;
          if (queue->count == QUEUE)
            {
              char scratch[64];

              if (recv (fds[q], scratch, sizeof scratch, MSG_DONTWAIT | MSG_TRUNC) >= 0)
                queue->dropped++;
              continue;
            }
          h = &queue->held[(queue->head + queue->count) % QUEUE];
          n = recv (fds[q], h->data, FRAME_MAX, MSG_DONTWAIT);
          if (n <= 0)
            continue;
          h->len = (guint32) n;
          h->due = now_s () + delay;
          queue->count++;
        }
    }
  g_printerr ("dd-hold-forward: done (%" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " dropped, queues full)\n",
              queues[0].dropped, queues[1].dropped);
  return 0;
}
