/* A PCAP-over-IP stream (tcp://HOST:PORT): a pcap stream on a TCP connection. */
#pragma once

#include "dd-source.h"

G_BEGIN_DECLS

#define DD_TYPE_TCP_SOURCE (dd_tcp_source_get_type ())
G_DECLARE_FINAL_TYPE (DdTcpSource, dd_tcp_source, DD, TCP_SOURCE, DdSource)

G_END_DECLS
