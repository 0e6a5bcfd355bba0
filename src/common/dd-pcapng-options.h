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
  ISB_STARTTIME = 2,
  ISB_ENDTIME = 3,
  ISB_IFRECV = 4,
  ISB_IFDROP = 5,
  ISB_FILTERACCEPT = 6,
  ISB_OSDROP = 7,
  ISB_USRDELIV = 8,
};
