/*
 * QR codes (libqrencode) of a text, such as a link, as images: SVG for screens and print, PNG for
 * anything that takes only bitmaps. Both have the quiet zone of four modules around the code.
 */
#ifndef LL_QR_H
#define LL_QR_H

#include "buf.h"
#include "ll_err.h"

/* text (error correction level M) as SVG appended to out: one path of unit squares. */
enum ll_err qr_svg(const char *text, struct buf *out);
/* text (level M) as a greyscale PNG appended to out, each module scale pixels square (1 to 32). */
enum ll_err qr_png(const char *text, int scale, struct buf *out);

#endif
