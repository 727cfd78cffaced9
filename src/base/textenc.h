/*
 * Streaming text decoding for uploaded files: UTF-8 (with or without a byte-order mark) and
 * GB18030, the encoding Excel in China saves CSV in, both turned into UTF-8. Input arrives in
 * chunks of any size, a multi-byte character may be split between two chunks, and nothing but a
 * few bytes of carry and one output block is ever held, so a file of any size decodes in fixed
 * memory. It never rejects a whole file for a bad byte: each invalid input sequence comes out as
 * the single byte TEXTENC_INVALID, which never occurs in UTF-8, so the reader above can reject
 * just the row that holds it. GB18030 goes through glibc's iconv.
 */
#ifndef LL_TEXTENC_H
#define LL_TEXTENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ll_err.h"

/* Stands in the output for each invalid input sequence: 0xFF is never part of UTF-8. */
#define TEXTENC_INVALID 0xFF

/* In automatic mode the encoding is decided on this many bytes from the first non-ASCII byte. */
#define TEXTENC_SNIFF_BYTES 4096

enum textenc {
	TEXTENC_AUTO = 0,   /* detect: a UTF-8 BOM, else valid UTF-8, else GB18030, else UTF-8 */
	TEXTENC_UTF8,
	TEXTENC_GB18030,
};

/* Receives decoded UTF-8 text (whole characters; TEXTENC_INVALID bytes mark bad input). The
 * text is valid only during the call. Anything but LL_OK stops the decoder and is returned by
 * the feed or finish call that was running. */
typedef enum ll_err (*textenc_sink_fn)(void *ctx, const char *text, size_t len);

struct textenc_decoder;

/* A decoder for enc (TEXTENC_AUTO to detect). Caller frees with textenc_decoder_free.
 * LL_NOMEM, or LL_INTERNAL when iconv does not know GB18030. */
enum ll_err textenc_decoder_new(enum textenc enc, struct textenc_decoder **ret_dec);
/* Frees d (NULL is fine); returns NULL. */
struct textenc_decoder *textenc_decoder_free(struct textenc_decoder *d);

/* Decodes len more input bytes and hands all the text that is complete to sink. A leading
 * byte-order mark (U+FEFF) is dropped. Returns LL_OK; the sink's error; or LL_BAD_ENCODING
 * (thread's error detail set) when the input is UTF-16, which this decoder does not read. After
 * a failure every call returns the same error. */
enum ll_err textenc_decoder_feed(struct textenc_decoder *d, const void *data, size_t len,
				 textenc_sink_fn sink, void *ctx);
/* Ends the input: decides the encoding if still open, turns an unfinished character at the end
 * into TEXTENC_INVALID and hands the rest of the text to sink. Same returns as feed. */
enum ll_err textenc_decoder_finish(struct textenc_decoder *d, textenc_sink_fn sink, void *ctx);

/* The encoding in use: the one forced, the one detected, or TEXTENC_AUTO while every byte so
 * far was ASCII (both encodings read ASCII alike, so nothing has depended on the choice). */
enum textenc textenc_decoder_encoding(const struct textenc_decoder *d);
/* How many invalid input sequences were replaced by TEXTENC_INVALID so far. */
uint64_t textenc_decoder_invalid_count(const struct textenc_decoder *d);

/* "auto", "utf-8", "gb18030". */
const char *textenc_name(enum textenc enc);
/* Reads an encoding name, case-insensitively: auto; utf-8 or utf8; gb18030, and gbk or gb2312,
 * which GB18030 contains. False for anything else, leaving *ret_enc untouched. */
bool textenc_from_name(const char *name, enum textenc *ret_enc);

/* True when the len bytes at p are well-formed UTF-8 (RFC 3629: no overlong forms, surrogates
 * or code points past U+10FFFF). With allow_cut, a character cut off at the very end is fine. */
bool textenc_utf8_valid(const void *p, size_t len, bool allow_cut);

#endif
