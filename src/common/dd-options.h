/* Command-line helpers shared by ddump and ddump-worker. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The original tools spelled long options with one dash (-listen, -ca…), which GOption
 * would read as bundled short options: rewrites each of @names ("-listen", NULL-ended),
 * alone or followed by "=VALUE", to its two-dash form, up to a "--". */
void dd_options_accept_single_dash (int                 argc,
                                    char              **argv,
                                    const char * const *names);

G_END_DECLS
