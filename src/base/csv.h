/*
 * A streaming reader of uploaded tables, for the bulk imports: CSV (RFC 4180 and Excel's ways:
 * CRLF or LF, quoted values with commas, quotes and line breaks, through libcsv) with a header
 * row naming the columns, or JSON Lines (one object a line, through jansson). Bytes are pushed in
 * chunks of any size; the text is decoded from UTF-8 or GB18030 on the way (textenc.h), so a
 * file of any size reads in bounded memory. Each record goes to a row callback as
 * (column, value) pairs with the physical line it starts on. A bad record is reported to an
 * error callback with its line, column and stable code, and reading goes on with the next one;
 * only faults of the whole file (its header, UTF-16, too many rows) stop it. It never touches a
 * database or decides what a value means: the import does.
 *
 * CSV specifics:
 * - The first record that is not blank is the header. Names are matched exactly after spaces
 *   and tabs around them are cut. Empty names at the end of the header are ignored, as are
 *   empty values under them (Excel pads rows out to its used range).
 * - Blank lines, and rows whose every value is empty, are skipped without a word.
 * - Unquoted values lose surrounding spaces and tabs (libcsv's rule); quote a value to keep them.
 * - A quote inside an unquoted value, or text after a closing quote, is a broken quote
 *   (libcsv's strict mode), as is a quote still open at the end of the file.
 * - After a broken quote the record is reported at the line where it starts, and reading
 *   starts again at the line after that one: lines that an open quote swallowed are read again
 *   as records of their own. The text to read again is kept up to CSV_REREAD_MAX_BYTES; past
 *   that, reading starts again after the line where the fault was seen.
 * - A value over max_field_bytes rejects its row. It is cut as it arrives, so even a quote
 *   left open costs no more memory than the cap, and the record ends where its quotes say.
 * - Errors, rows and line numbers do not depend on how the input is cut into chunks.
 * - Line numbers count LF, CRLF and a lone CR each as one line break.
 */
#ifndef LL_CSV_H
#define LL_CSV_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "ll_err.h"
#include "textenc.h"

#define CSV_MAX_FIELD_BYTES_DEFAULT 65536
#define CSV_MAX_COLUMNS_DEFAULT 64
#define CSV_MAX_ROWS_DEFAULT 10000000
#define CSV_MAX_LINE_BYTES_DEFAULT (1 << 20)
#define CSV_REREAD_MAX_BYTES (1 << 20)

enum csv_format {
	CSV_FORMAT_CSV = 0,
	CSV_FORMAT_JSONL,
};

/* A column the caller knows. A table of them ends with { .name = NULL }. */
struct csv_column {
	const char *name;
	const char *alias;   /* another header or key for the same column (its Chinese label, say) */
	bool is_required;    /* a CSV header without it is refused (JSON Lines: left to the caller) */
};

/* One (column, value) pair of a row. */
struct csv_cell {
	const char *name;    /* the column's name: the caller's when columns were given */
	const char *value;   /* UTF-8, NUL-terminated; NULL when the row has no such column (a JSON
	                      * key absent or null, a column not in the CSV header) */
	size_t len;          /* bytes in value */
};

struct csv_row {
	long line;           /* 1-based physical line where the record starts */
	uint64_t number;     /* 1-based count of data rows read, rejected ones included */
	size_t ncells;
	const struct csv_cell *cells;
	const json_t *json;  /* JSON Lines: the object itself (borrowed); CSV: NULL */
};

/* A rejected row or a fault of the whole file. */
struct csv_reader_error {
	enum ll_err err;     /* LL_CSV_BAD_QUOTE, LL_CSV_COLUMN_COUNT, LL_BAD_ENCODING, ... */
	long line;           /* 1-based line where the record starts */
	const char *field;   /* column name when one is to blame, else NULL */
	const char *message; /* lowercase, names what failed */
	bool is_fatal;       /* reading stops after this one */
};

/* Called for each good row; strings live until the callback returns. Anything but LL_OK stops
 * reading, and the feed or finish call returns it. */
typedef enum ll_err (*csv_row_fn)(void *ctx, const struct csv_row *row);
/* Called for each error; strings live until it returns. Anything but LL_OK stops reading (an
 * import's cap on errors, say); its value is ignored for a fatal error, which stops anyway. */
typedef enum ll_err (*csv_error_fn)(void *ctx, const struct csv_reader_error *error);

struct csv_reader_options {
	enum csv_format format;
	enum textenc encoding;           /* TEXTENC_AUTO detects */
	/* With columns, each row's cells follow this table (cells[i] is columns[i]), an unknown
	 * header or key is refused, and is_required is checked. Without (NULL), cells follow the
	 * header (CSV) or the object (JSON Lines). Borrowed: must outlive the reader. */
	const struct csv_column *columns;
	size_t max_field_bytes;          /* 0: CSV_MAX_FIELD_BYTES_DEFAULT */
	size_t max_columns;              /* 0: CSV_MAX_COLUMNS_DEFAULT */
	uint64_t max_rows;               /* data rows; 0: CSV_MAX_ROWS_DEFAULT */
	size_t max_line_bytes;           /* JSON Lines; 0: CSV_MAX_LINE_BYTES_DEFAULT */
	csv_row_fn on_row;               /* required */
	csv_error_fn on_error;           /* NULL: errors are only counted */
	void *ctx;
};

struct csv_reader_stats {
	uint64_t bytes_in;       /* input bytes taken, for progress */
	uint64_t rows_read;      /* data rows, good and rejected */
	uint64_t rows_delivered; /* rows given to on_row */
	uint64_t rows_rejected;  /* rows reported to on_error */
	enum textenc encoding;   /* as detected; TEXTENC_AUTO while all bytes were ASCII */
};

struct csv_reader;

/* A reader with the options in opt (copied; columns borrowed). Caller frees with
 * csv_reader_free. LL_USAGE without on_row or with more columns than max_columns; LL_NOMEM. */
enum ll_err csv_reader_new(const struct csv_reader_options *opt, struct csv_reader **ret_reader);
/* Frees r (NULL is fine); returns NULL. */
struct csv_reader *csv_reader_free(struct csv_reader *r);

/* Reads len more bytes of the file, calling the callbacks for every record they complete.
 * Returns LL_OK (rejected rows included); the fatal error (also in the thread's error detail);
 * or what a callback returned to stop. Once stopped, every call returns the same. */
enum ll_err csv_reader_feed(struct csv_reader *r, const void *data, size_t len);
/* Ends the file: the last record, a quote left open, an empty file (LL_CSV_NO_HEADER for CSV).
 * Same returns as feed. */
enum ll_err csv_reader_finish(struct csv_reader *r);

void csv_reader_stats(const struct csv_reader *r, struct csv_reader_stats *ret_stats);

/* Reads the whole file at path through a new reader. ret_stats (may be NULL) is filled even when
 * reading stopped, to tell how far it got. LL_IO when the file cannot be opened or read;
 * otherwise as csv_reader_finish. */
enum ll_err csv_read_file(const char *path, const struct csv_reader_options *opt,
			  struct csv_reader_stats *ret_stats);

/* CSV_FORMAT_JSONL for a name ending in .jsonl or .ndjson (any case); CSV_FORMAT_CSV otherwise,
 * .json included, as a JSON document is not JSON Lines. */
enum csv_format csv_format_from_name(const char *filename);

/* ---- Writing ---- */

/* Appends s (NULL: empty) as one CSV value and then a comma, or CRLF when is_last: quoted when
 * it holds a comma, quote or line break. A value that a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or CR) gets a leading apostrophe, so that a downloaded report
 * shows it as text. */
void csv_write_field(struct buf *b, const char *s, bool is_last);

#endif
