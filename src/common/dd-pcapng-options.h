/* pcapng option codes, private to the pcapng writer and the stream parser. */
#pragma once

enum {
  OPT_ENDOFOPT = 0,
  OPT_COMMENT = 1,
  SHB_HARDWARE = 2,
  SHB_OS = 3,
  SHB_USERAPPL = 4,
  IF_NAME = 2,
  IF_DESCRIPTION = 3,
  IF_TSRESOL = 9,
  IF_FILTER = 11,
  IF_OS = 12,
  IF_TSOFFSET = 14,
  EPB_FLAGS = 2,
  NS_DNSNAME = 2,
  NS_DNSIP4ADDR = 3,
  NS_DNSIP6ADDR = 4,
  EPB_HASH = 3,
  EPB_DROPCOUNT = 4,
  EPB_PACKETID = 5,
  EPB_QUEUE = 6,
  EPB_VERDICT = 7,
  ISB_STARTTIME = 2,
  ISB_ENDTIME = 3,
  ISB_IFRECV = 4,
  ISB_IFDROP = 5,
  ISB_FILTERACCEPT = 6,
  ISB_OSDROP = 7,
  ISB_USRDELIV = 8,
  /* Custom options, in any block: a Private Enterprise Number, then its data. */
  OPT_CUSTOM_STRING = 2988,
  OPT_CUSTOM_BINARY = 2989,
  OPT_CUSTOM_STRING_NO_COPY = 19372,
  OPT_CUSTOM_BINARY_NO_COPY = 19373,
};

/* Name resolution records. */
enum {
  NRB_RECORD_END = 0,
  NRB_RECORD_IPV4 = 1,
  NRB_RECORD_IPV6 = 2,
};

/* epb_verdict's first byte: of these two, the verdict is a 64-bit number. */
enum {
  EPB_VERDICT_HARDWARE = 0,
  EPB_VERDICT_TC = 1,
  EPB_VERDICT_XDP = 2,
};
