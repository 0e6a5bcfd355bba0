/* ddump-trigger as a daemon: the trigger started in the one main loop, systemd told when
 * it is ready and when it stops; SIGINT or SIGTERM stores what the running captures hold
 * and waits a little for the results to be published, a second signal exits at once. */
#pragma once

#include "dd-trigger.h"

G_BEGIN_DECLS

#define DD_TRIGGER_EXIT_USAGE 1
#define DD_TRIGGER_EXIT_RUNTIME 2

/* Runs @trigger until a signal ends it; the exit status. */
int dd_trigger_run (DdTrigger *trigger);

G_END_DECLS
