/* ddump-worker's run, once its command line was checked: capabilities limited to what
 * it needs, the server listening (or on the sockets systemd gave it), the history, what
 * it runs with said in the log, then the one main loop until SIGINT or SIGTERM. */
#pragma once

#include "dd-worker-args.h"

G_BEGIN_DECLS

#define DD_WORKER_EXIT_USAGE 1
#define DD_WORKER_EXIT_RUNTIME 2

/* The exit status. */
int dd_worker_run (DdWorkerArgs *args);

G_END_DECLS
