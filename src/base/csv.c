/*
 * The streaming table reader: decoded text (textenc.c) is cut at every line break and fed to
 * libcsv one piece at a time, so that each end of record libcsv reports falls on a known line
 * and a record's first line is always known; JSON Lines are cut at LF and parsed by jansson.
 * Memory stays bounded by the caps: one value in libcsv, one record's values here, and the text
 * of one record kept to read again after a broken quote. It must never hold the whole file,
 * never stop the file for a fault of one row, and never interpret a value.
 */
#include "csv.h"

/* Angle brackets: this is libcsv's header from the system, not this module's own. */
#include <csv.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"

/* Strict: a quote inside an unquoted value or text after a closing quote is an error, and so
 * is a quote open at the end. REPALL_NL: libcsv reports every line break outside quotes, even
 * of a blank line, which is how the reader learns where the next record starts. */
#define PARSER_OPTS (CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL)
#define READ_BLOCK 65536
#define NO_CELL SIZE_MAX

struct field_ref {
	size_t off, len;      /* in vals */
	size_t cell;          /* JSON Lines: the cell it fills, or NO_CELL for null */
};

struct csv_reader {
	struct csv_reader_options opt;
	size_t nspec;                  /* columns in opt.columns */
	bool *spec_seen;               /* nspec: named by the header or by this object */
	struct textenc_decoder *dec;
	struct csv_parser parser;
	bool is_parser_ready;
	bool is_finished;
	enum ll_err stop;              /* sticky: why reading stopped */
	enum ll_err fatal;             /* the first fault of the whole file, and its detail */
	char fatal_field[LL_FIELD_MAX];
	char fatal_msg[LL_MESSAGE_MAX];
	struct csv_reader_stats stats;

	/* where the text stands */
	long line;                     /* line of the next byte */
	bool is_prev_cr;               /* the last byte was CR: an LF now ends no new line */
	bool is_line_start;            /* the last piece ended with a line break */
	long rec_line;                 /* line where the current record starts */
	struct buf rec_raw;            /* text since that line began, to read again after a fault */
	bool is_rec_raw_lost;          /* it grew past CSV_REREAD_MAX_BYTES and was dropped */
	bool is_skipping_line;         /* dropping text until the end of the line */
	bool is_row_ended;             /* libcsv ended a row or a blank line in the last piece */
	bool is_resync;                /* a fault asks to read again from the record's next line */
	bool is_field_cut;             /* the open value passed the cap and was cut in libcsv */

	/* the record being read */
	size_t nfields;                /* values seen, stored or not */
	struct field_ref *fields;      /* max_columns */
	struct buf vals;               /* stored values, each NUL-terminated */
	bool is_nonempty;
	bool is_extra_nonempty;        /* a value past the named columns is not empty */
	enum ll_err rec_err;           /* the first fault of one value, told when the record ends */
	size_t rec_err_col;
	char rec_msg[LL_MESSAGE_MAX];

	/* the header */
	bool has_header;
	size_t ncols;                  /* columns it names */
	struct buf names;              /* their names, NUL-terminated one after another */
	size_t *name_off;              /* max_columns: offsets into names */
	size_t *col_cell;              /* max_columns: the cell each column fills */
	size_t ncells;
	struct csv_cell *cells;        /* max(nspec, max_columns) */

	/* JSON Lines */
	struct buf jline;
	bool is_jline_long;
};

/* ---- errors ---- */

static void vreport(struct csv_reader *r, enum ll_err err, long line, const char *field,
		    bool is_fatal, const char *fmt, va_list ap)
{
	char msg[LL_MESSAGE_MAX];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (is_fatal && r->fatal == LL_OK) {
		r->fatal = err;
		snprintf(r->fatal_field, sizeof(r->fatal_field), "%s", field ? field : "");
		snprintf(r->fatal_msg, sizeof(r->fatal_msg), "%s", msg);
	}
	if (!is_fatal)
		r->stats.rows_rejected++;
	if (!r->opt.on_error)
		return;
	struct csv_reader_error e = {
		.err = err, .line = line, .field = field, .message = msg, .is_fatal = is_fatal,
	};
	enum ll_err rc = r->opt.on_error(r->opt.ctx, &e);
	if (rc != LL_OK && !is_fatal && r->stop == LL_OK)
		r->stop = rc;
}

/* A rejected row; reading goes on unless the error callback says stop. */
static void row_error(struct csv_reader *r, enum ll_err err, long line, const char *field,
		      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void row_error(struct csv_reader *r, enum ll_err err, long line, const char *field,
		      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(r, err, line, field, false, fmt, ap);
	va_end(ap);
}

/* A fault of the whole file. Reported at once; reading stops at halt(), so that a header can
 * report every bad column first. */
static void file_error(struct csv_reader *r, enum ll_err err, long line, const char *field,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void file_error(struct csv_reader *r, enum ll_err err, long line, const char *field,
		       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport(r, err, line, field, true, fmt, ap);
	va_end(ap);
}

static void halt(struct csv_reader *r)
{
	if (r->stop == LL_OK && r->fatal != LL_OK)
		r->stop = r->fatal;
}

static void out_of_memory(struct csv_reader *r)
{
	file_error(r, LL_NOMEM, r->rec_line, NULL, "out of memory while reading the file");
	halt(r);
}

/* Counts a data row; false (and reading stops) when it is one too many. */
static bool count_row(struct csv_reader *r, long line)
{
	if (r->stats.rows_read >= r->opt.max_rows) {
		file_error(r, LL_CSV_TOO_MANY_ROWS, line, NULL, "file has more than %" PRIu64 " rows",
			   r->opt.max_rows);
		halt(r);
		return false;
	}
	r->stats.rows_read++;
	return true;
}

static size_t spec_find(const struct csv_reader *r, const char *name)
{
	for (size_t m = 0; m < r->nspec; m++) {
		const struct csv_column *c = &r->opt.columns[m];
		if (strcmp(c->name, name) == 0 || (c->alias && strcmp(c->alias, name) == 0))
			return m;
	}
	return NO_CELL;
}

static const char *bad_text_reason(const struct csv_reader *r, const char *s, size_t len)
{
	if (memchr(s, '\0', len))
		return "contains a NUL byte (is the file UTF-16?)";
	if (memchr(s, TEXTENC_INVALID, len))
		return textenc_decoder_encoding(r->dec) == TEXTENC_GB18030 ? "is not valid GB18030 text"
									     : "is not valid UTF-8 text";
	return NULL;
}

static void deliver(struct csv_reader *r, long line, const json_t *json)
{
	struct csv_row row = {
		.line = line, .number = r->stats.rows_read, .ncells = r->ncells, .cells = r->cells,
		.json = json,
	};
	r->stats.rows_delivered++;
	enum ll_err rc = r->opt.on_row(r->opt.ctx, &row);
	if (rc != LL_OK && r->stop == LL_OK)
		r->stop = rc;
}

/* ---- CSV: records ---- */

static void record_reset(struct csv_reader *r)
{
	r->nfields = 0;
	buf_reset(&r->vals);
	r->is_nonempty = false;
	r->is_extra_nonempty = false;
	r->is_field_cut = false;
	r->rec_err = LL_OK;
}

static const char *col_name(const struct csv_reader *r, size_t i)
{
	return r->has_header && i < r->ncols ? r->names.data + r->name_off[i] : NULL;
}

static void record_fail(struct csv_reader *r, enum ll_err err, size_t col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void record_fail(struct csv_reader *r, enum ll_err err, size_t col, const char *fmt, ...)
{
	va_list ap;
	r->rec_err = err;
	r->rec_err_col = col;
	va_start(ap, fmt);
	vsnprintf(r->rec_msg, sizeof(r->rec_msg), fmt, ap);
	va_end(ap);
}

/* libcsv: a value ended. */
static void on_field(void *s, size_t len, void *ctx)
{
	struct csv_reader *r = ctx;
	size_t i = r->nfields++;
	/* A value cut while open (csv_piece) ends here with a length that means nothing. */
	bool is_too_long = r->is_field_cut || len > r->opt.max_field_bytes;
	r->is_field_cut = false;
	if (r->stop != LL_OK)
		return;
	if (len > 0 || is_too_long)
		r->is_nonempty = true;
	if (r->has_header && i >= r->ncols) {
		if (len > 0 || is_too_long)
			r->is_extra_nonempty = true;
		return;
	}
	if (i >= r->opt.max_columns || r->rec_err != LL_OK)
		return;
	const char *name = col_name(r, i);
	const char *bad;
	if (is_too_long) {
		if (name)
			record_fail(r, LL_CSV_FIELD_TOO_LONG, i, "value of column '%s' is longer than %zu bytes",
				    name, r->opt.max_field_bytes);
		else
			record_fail(r, LL_CSV_FIELD_TOO_LONG, i,
				    "column %zu of the header is longer than %zu bytes", i + 1,
				    r->opt.max_field_bytes);
	} else if ((bad = bad_text_reason(r, s, len)) != NULL) {
		if (name)
			record_fail(r, LL_BAD_ENCODING, i, "value of column '%s' %s", name, bad);
		else
			record_fail(r, LL_BAD_ENCODING, i, "column %zu of the header %s", i + 1, bad);
	} else {
		r->fields[i].off = r->vals.len;
		r->fields[i].len = len;
		if (len > 0)
			buf_append(&r->vals, s, len);
		buf_putc(&r->vals, '\0');
	}
}

static void trim(const char **s, size_t *len)
{
	while (*len > 0 && (**s == ' ' || **s == '\t' || **s == '\r' || **s == '\n'))
		(*s)++, (*len)--;
	while (*len > 0 && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t' ||
			    (*s)[*len - 1] == '\r' || (*s)[*len - 1] == '\n'))
		(*len)--;
}

static void header_read(struct csv_reader *r)
{
	long line = r->rec_line;
	if (r->nfields > r->opt.max_columns) {
		file_error(r, LL_CSV_TOO_MANY_COLUMNS, line, NULL,
			   "header has %zu columns; at most %zu are allowed", r->nfields, r->opt.max_columns);
		halt(r);
		return;
	}
	if (r->rec_err != LL_OK) {
		file_error(r, r->rec_err, line, NULL, "%s", r->rec_msg);
		halt(r);
		return;
	}
	size_t n = r->nfields;
	for (size_t i = 0; i < n; i++) {
		const char *s = r->vals.data + r->fields[i].off;
		size_t len = r->fields[i].len;
		trim(&s, &len);
		r->name_off[i] = r->names.len;
		if (len > 0)
			buf_append(&r->names, s, len);
		buf_putc(&r->names, '\0');
		if (len > 0)
			r->ncols = i + 1;  /* empty names after the last one are Excel's padding */
	}
	if (r->names.is_oom) {
		out_of_memory(r);
		return;
	}
	if (r->ncols == 0) {
		file_error(r, LL_CSV_NO_HEADER, line, NULL, "header row names no columns");
		halt(r);
		return;
	}
	r->has_header = true; /* col_name() may now answer */
	for (size_t i = 0; i < r->ncols; i++) {
		const char *name = col_name(r, i);
		bool is_dup = false;
		r->col_cell[i] = i;
		if (!*name) {
			file_error(r, LL_CSV_UNKNOWN_COLUMN, line, NULL, "column %zu of the header has no name",
				   i + 1);
			continue;
		}
		for (size_t j = 0; j < i && !is_dup; j++)
			is_dup = strcmp(col_name(r, j), name) == 0;
		if (is_dup) {
			file_error(r, LL_CSV_DUPLICATE_COLUMN, line, name,
				   "column '%s' appears twice in the header", name);
			continue;
		}
		if (r->nspec == 0)
			continue;
		size_t m = spec_find(r, name);
		if (m == NO_CELL) {
			file_error(r, LL_CSV_UNKNOWN_COLUMN, line, name, "unknown column '%s'", name);
		} else if (r->spec_seen[m]) {
			file_error(r, LL_CSV_DUPLICATE_COLUMN, line, name,
				   "column '%s' appears twice in the header (as '%s' and '%s')",
				   r->opt.columns[m].name, r->opt.columns[m].name,
				   r->opt.columns[m].alias ? r->opt.columns[m].alias : name);
		} else {
			r->spec_seen[m] = true;
			r->col_cell[i] = m;
		}
	}
	for (size_t m = 0; m < r->nspec; m++) {
		const struct csv_column *c = &r->opt.columns[m];
		if (c->is_required && !r->spec_seen[m])
			file_error(r, LL_CSV_MISSING_COLUMN, line, c->name,
				   "required column '%s' is missing from the header", c->name);
	}
	if (r->fatal != LL_OK) {
		r->has_header = false;
		halt(r);
		return;
	}
	if (r->nspec > 0) {
		r->ncells = r->nspec;
		for (size_t m = 0; m < r->nspec; m++)
			r->cells[m].name = r->opt.columns[m].name;
	} else {
		r->ncells = r->ncols;
		for (size_t i = 0; i < r->ncols; i++)
			r->cells[i].name = col_name(r, i);
	}
}

static void record_end(struct csv_reader *r)
{
	long line = r->rec_line;
	if (!r->has_header) {
		header_read(r);
		return;
	}
	if (!r->is_nonempty)
		return; /* ",,,": a row Excel padded out, with nothing in it */
	if (!count_row(r, line))
		return;
	if (r->nfields < r->ncols || r->is_extra_nonempty) {
		row_error(r, LL_CSV_COLUMN_COUNT, line, NULL, "row has %zu values; the header names %zu columns",
			  r->nfields, r->ncols);
		return;
	}
	if (r->rec_err != LL_OK) {
		row_error(r, r->rec_err, line, col_name(r, r->rec_err_col), "%s", r->rec_msg);
		return;
	}
	if (r->vals.is_oom) {
		out_of_memory(r);
		return;
	}
	for (size_t m = 0; m < r->ncells; m++) {
		r->cells[m].value = NULL;
		r->cells[m].len = 0;
	}
	for (size_t i = 0; i < r->ncols; i++) {
		struct csv_cell *c = &r->cells[r->col_cell[i]];
		c->value = r->vals.data + r->fields[i].off;
		c->len = r->fields[i].len;
	}
	deliver(r, line, NULL);
}

/* libcsv: a record ended, or (CSV_REPALL_NL) a line break outside any record. */
static void on_row_end(int c, void *ctx)
{
	struct csv_reader *r = ctx;
	(void)c;
	r->is_row_ended = true;
	if (r->stop == LL_OK && r->nfields > 0)
		record_end(r);
	record_reset(r);
}

/* ---- CSV: lines, faults and reading again ---- */

static void parser_reset(struct csv_reader *r)
{
	/* csv_fini will not reset a parser left inside a quoted value under CSV_STRICT_FINI. */
	csv_set_opts(&r->parser, PARSER_OPTS & ~CSV_STRICT_FINI);
	csv_fini(&r->parser, NULL, NULL, NULL);
	csv_set_opts(&r->parser, PARSER_OPTS);
}

/* Counts the line break that ends a piece of text, if it ends with one. */
static void note_piece_end(struct csv_reader *r, const char *p, size_t n)
{
	if (n == 0)
		return;
	char c = p[n - 1];
	/* A piece ends at its first break, so an LF is CRLF's only when it is alone after a CR. */
	bool is_crlf = c == '\n' && n == 1 && r->is_prev_cr;
	r->is_line_start = c == '\r' || c == '\n';
	if ((c == '\r' || c == '\n') && !is_crlf)
		r->line++;
	r->is_prev_cr = c == '\r';
}

static void broken_quote(struct csv_reader *r, long fault_line, bool is_at_eof)
{
	if (!r->has_header) {
		file_error(r, LL_CSV_BAD_QUOTE, r->rec_line, NULL, "broken quote in the header row");
		halt(r);
		return;
	}
	r->is_resync = true;
	if (!count_row(r, r->rec_line))
		return;
	if (is_at_eof)
		row_error(r, LL_CSV_BAD_QUOTE, r->rec_line, NULL,
			  "a quoted value in this row is never closed before the end of the file");
	else if (fault_line == r->rec_line)
		row_error(r, LL_CSV_BAD_QUOTE, r->rec_line, NULL,
			  "broken quote: a quote inside an unquoted value, or text after a closing quote");
	else
		row_error(r, LL_CSV_BAD_QUOTE, r->rec_line, NULL,
			  "broken quote on line %ld in the row that starts here (a quote left open?)",
			  fault_line);
}

/* Feeds one piece: text up to and including one line break, or to the end of what is at hand.
 * libcsv can end a record only at a line break, so it ends one only at the end of a piece. */
static void csv_piece(struct csv_reader *r, const char *p, size_t n)
{
	long line = r->line;
	if (!r->is_rec_raw_lost) {
		if (r->rec_raw.len + n > CSV_REREAD_MAX_BYTES) {
			r->is_rec_raw_lost = true;
			buf_reset(&r->rec_raw);
		} else {
			buf_append(&r->rec_raw, p, n);
		}
	}
	r->is_row_ended = false;
	size_t done = csv_parse(&r->parser, p, n, on_field, on_row_end, r);
	note_piece_end(r, p, n);
	if (r->stop != LL_OK)
		return;
	if (r->rec_raw.is_oom || r->vals.is_oom) {
		out_of_memory(r);
		return;
	}
	if (done < n) {
		if (csv_error(&r->parser) == CSV_EPARSE)
			broken_quote(r, line, false);
		else
			out_of_memory(r);
		return;
	}
	/* libcsv keeps the open value in a buffer of its own without a cap. Once the value is
	 * surely too long (its bytes less the spaces it may still drop and a closing quote), cut
	 * the buffer back and let on_field know: the parser keeps its place in the quotes, the
	 * record ends where it would have, and memory stays bounded. csv.h makes the struct
	 * public and has no call for this; entry_pos must stay >= spaces + 1 for what libcsv
	 * subtracts when the value ends. */
	if (r->parser.entry_pos - r->parser.spaces > r->opt.max_field_bytes + 1) {
		r->parser.entry_pos = r->parser.spaces + 1;
		r->is_field_cut = true;
	}
	if (r->is_row_ended) {
		r->rec_line = r->line;
		buf_reset(&r->rec_raw);
		r->is_rec_raw_lost = false;
	}
}

/* After a fault in the record that starts on rec_line: forgets it and puts into again the text
 * to read from the next line on. */
static void resync(struct csv_reader *r, struct buf *again)
{
	parser_reset(r);
	record_reset(r);
	r->is_resync = false;
	const char *s = r->rec_raw.data;
	size_t n = r->rec_raw.len, i = 0;
	if (r->is_rec_raw_lost) {
		/* Too much to read again: go on after the line where the fault was seen. */
		r->is_skipping_line = !r->is_line_start;
		r->is_rec_raw_lost = false;
	} else {
		while (i < n && s[i] != '\r' && s[i] != '\n')
			i++;
		if (i == n) {
			r->is_skipping_line = !r->is_line_start; /* the fault is on the first line */
		} else {
			size_t start = i + 1;
			bool is_prev_cr = false;
			if (s[i] == '\r') {
				if (start < n && s[start] == '\n')
					start++;
				else
					is_prev_cr = start == n;
			}
			buf_append(again, s + start, n - start);
			r->line = r->rec_line + 1;
			r->is_prev_cr = is_prev_cr;
			r->is_line_start = true;
		}
	}
	buf_reset(&r->rec_raw);
	r->rec_line = r->line;
}

static const char *find_break(const char *p, const char *end)
{
	for (; p < end; p++)
		if (*p == '\n' || *p == '\r')
			return p;
	return NULL;
}

static enum ll_err csv_text(struct csv_reader *r, const char *p, size_t n)
{
	struct buf again; /* text read again after a broken record, then the rest of p */
	buf_init(&again);
	size_t pos = 0;
	while (pos < n && r->stop == LL_OK) {
		const char *brk = find_break(p + pos, p + n);
		size_t end = brk ? (size_t)(brk - p) + 1 : n;
		if (r->is_skipping_line) {
			note_piece_end(r, p + pos, end - pos);
			if (brk) {
				r->is_skipping_line = false;
				r->rec_line = r->line;
			}
			pos = end;
			continue;
		}
		csv_piece(r, p + pos, end - pos);
		pos = end;
		if (r->is_resync && r->stop == LL_OK) {
			struct buf next;
			buf_init(&next);
			resync(r, &next);
			if (pos < n)
				buf_append(&next, p + pos, n - pos);
			buf_release(&again);
			again = next;
			if (again.is_oom) {
				out_of_memory(r);
				break;
			}
			p = again.data, n = again.len, pos = 0;
		}
	}
	buf_release(&again);
	return r->stop;
}

static void csv_end(struct csv_reader *r)
{
	while (r->stop == LL_OK) {
		long line = r->line;
		if (csv_fini(&r->parser, on_field, on_row_end, r) == 0)
			break;
		/* A quote open at the end of the file. */
		broken_quote(r, line, true);
		if (r->stop != LL_OK)
			break;
		struct buf again;
		buf_init(&again);
		resync(r, &again);
		r->is_skipping_line = false;
		if (again.is_oom)
			out_of_memory(r);
		else if (again.len > 0)
			csv_text(r, again.data, again.len);
		buf_release(&again);
	}
	if (r->stop == LL_OK && !r->has_header) {
		file_error(r, LL_CSV_NO_HEADER, 1, NULL,
			   "file is empty: a CSV file starts with a header row naming its columns");
		halt(r);
	}
}

/* ---- JSON Lines ---- */

static void jsonl_value(struct csv_reader *r, size_t k, size_t cell, const json_t *v)
{
	char num[64];
	const char *s = NULL;
	size_t len = 0;
	char *dumped = NULL;
	struct field_ref *f = &r->fields[k];
	f->cell = cell;
	switch (json_typeof(v)) {
	case JSON_STRING:
		s = json_string_value(v), len = json_string_length(v);
		break;
	case JSON_INTEGER:
		len = (size_t)snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		s = num;
		break;
	case JSON_REAL:
		len = (size_t)snprintf(num, sizeof(num), "%.15g", json_real_value(v));
		s = num;
		break;
	case JSON_TRUE:
		s = "true", len = 4;
		break;
	case JSON_FALSE:
		s = "false", len = 5;
		break;
	case JSON_NULL:
		f->cell = NO_CELL;
		return;
	case JSON_OBJECT:
	case JSON_ARRAY:
		/* Nested values go on as their compact JSON text; the object is in row->json too. */
		dumped = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		if (!dumped) {
			r->vals.is_oom = true;
			return;
		}
		s = dumped, len = strlen(dumped);
		break;
	}
	f->off = r->vals.len;
	f->len = len;
	if (len > 0)
		buf_append(&r->vals, s, len);
	buf_putc(&r->vals, '\0');
	free(dumped);
}

static void jsonl_object(struct csv_reader *r, long line, const json_t *root)
{
	size_t nkeys = json_object_size(root), k = 0;
	const char *key;
	const json_t *v;
	if (nkeys > r->opt.max_columns) {
		row_error(r, LL_CSV_TOO_MANY_COLUMNS, line, NULL, "object has %zu keys; at most %zu are allowed",
			  nkeys, r->opt.max_columns);
		return;
	}
	buf_reset(&r->vals);
	for (size_t m = 0; m < r->nspec; m++)
		r->spec_seen[m] = false;
	json_object_foreach((json_t *)root, key, v) {
		size_t cell = k;
		if (r->nspec > 0) {
			cell = spec_find(r, key);
			if (cell == NO_CELL) {
				row_error(r, LL_CSV_UNKNOWN_COLUMN, line, key, "unknown key '%s'", key);
				return;
			}
			if (r->spec_seen[cell]) {
				row_error(r, LL_CSV_DUPLICATE_COLUMN, line, key,
					  "key '%s' names the same column as another key", key);
				return;
			}
			r->spec_seen[cell] = true;
		} else {
			r->cells[k].name = key;
		}
		if (json_is_string(v) && json_string_length(v) > r->opt.max_field_bytes) {
			row_error(r, LL_CSV_FIELD_TOO_LONG, line, key, "value of '%s' is longer than %zu bytes",
				  key, r->opt.max_field_bytes);
			return;
		}
		jsonl_value(r, k++, cell, v);
	}
	if (r->vals.is_oom) {
		out_of_memory(r);
		return;
	}
	r->ncells = r->nspec > 0 ? r->nspec : k;
	for (size_t m = 0; m < r->ncells; m++) {
		if (r->nspec > 0)
			r->cells[m].name = r->opt.columns[m].name;
		r->cells[m].value = NULL;
		r->cells[m].len = 0;
	}
	for (size_t i = 0; i < k; i++) {
		const struct field_ref *f = &r->fields[i];
		if (f->cell == NO_CELL)
			continue;
		r->cells[f->cell].value = r->vals.data + f->off;
		r->cells[f->cell].len = f->len;
	}
	deliver(r, line, root);
}

static void jsonl_line(struct csv_reader *r)
{
	long line = r->line;
	const char *s = r->jline.data;
	size_t len = r->jline.len, i = 0;
	if (r->is_jline_long) {
		r->is_jline_long = false;
		buf_reset(&r->jline);
		if (count_row(r, line))
			row_error(r, LL_LINE_TOO_LONG, line, NULL, "line is longer than %zu bytes",
				  r->opt.max_line_bytes);
		return;
	}
	if (r->jline.is_oom) {
		out_of_memory(r);
		return;
	}
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == len) {
		buf_reset(&r->jline);
		return;
	}
	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (!count_row(r, line))
		return;
	const char *bad = bad_text_reason(r, s, len);
	if (bad) {
		row_error(r, LL_BAD_ENCODING, line, NULL, "line %s", bad);
	} else {
		json_error_t jerr;
		json_t *root = json_loadb(s, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!root)
			row_error(r, LL_INVALID_JSON, line, NULL, "invalid JSON at column %d: %s", jerr.column,
				  jerr.text);
		else if (!json_is_object(root))
			row_error(r, LL_INVALID_JSON, line, NULL, "line is not a JSON object");
		else
			jsonl_object(r, line, root);
		json_decref(root);
	}
	buf_reset(&r->jline);
}

static enum ll_err jsonl_text(struct csv_reader *r, const char *p, size_t n)
{
	while (n > 0 && r->stop == LL_OK) {
		const char *lf = memchr(p, '\n', n);
		size_t take = lf ? (size_t)(lf - p) : n;
		if (!r->is_jline_long) {
			if (r->jline.len + take > r->opt.max_line_bytes) {
				r->is_jline_long = true; /* dropped as it comes: the line is never held */
				buf_reset(&r->jline);
			} else if (take > 0) {
				buf_append(&r->jline, p, take);
			}
		}
		if (!lf)
			break;
		jsonl_line(r);
		r->line++;
		p += take + 1, n -= take + 1;
	}
	return r->stop;
}

/* ---- the reader ---- */

static enum ll_err text_sink(void *ctx, const char *text, size_t len)
{
	struct csv_reader *r = ctx;
	if (r->opt.format == CSV_FORMAT_JSONL)
		return jsonl_text(r, text, len);
	return csv_text(r, text, len);
}

/* What a call returns: the reason reading stopped, with the thread's detail for a fault of the
 * file (a callback may have overwritten it since). */
static enum ll_err call_result(struct csv_reader *r)
{
	r->stats.encoding = textenc_decoder_encoding(r->dec);
	if (r->stop != LL_OK && r->stop == r->fatal)
		ll_fail(r->fatal, r->fatal_field[0] ? r->fatal_field : NULL, "%s", r->fatal_msg);
	return r->stop;
}

static void decoder_failed(struct csv_reader *r, enum ll_err err)
{
	if (r->stop != LL_OK)
		return;
	file_error(r, err, r->line, NULL, "%s", ll_error_get(err)->message);
	halt(r);
}

enum ll_err csv_reader_new(const struct csv_reader_options *opt, struct csv_reader **ret_reader)
{
	enum ll_err err = LL_OK;
	struct csv_reader *r = NULL;
	if (!opt->on_row)
		return ll_fail(LL_USAGE, NULL, "a table reader needs a row callback");
	r = calloc(1, sizeof(*r));
	if (!r)
		return ll_fail(LL_NOMEM, NULL, "no memory for a table reader");
	r->opt = *opt;
	if (!r->opt.max_field_bytes)
		r->opt.max_field_bytes = CSV_MAX_FIELD_BYTES_DEFAULT;
	if (!r->opt.max_columns)
		r->opt.max_columns = CSV_MAX_COLUMNS_DEFAULT;
	if (!r->opt.max_rows)
		r->opt.max_rows = CSV_MAX_ROWS_DEFAULT;
	if (!r->opt.max_line_bytes)
		r->opt.max_line_bytes = CSV_MAX_LINE_BYTES_DEFAULT;
	for (const struct csv_column *c = opt->columns; c && c->name; c++)
		r->nspec++;
	if (r->nspec > r->opt.max_columns) {
		err = ll_fail(LL_USAGE, NULL, "%zu columns given; at most %zu are allowed", r->nspec,
			      r->opt.max_columns);
		goto out;
	}
	r->line = 1;
	r->rec_line = 1;
	r->is_line_start = true;
	buf_init(&r->rec_raw);
	buf_init(&r->vals);
	buf_init(&r->names);
	buf_init(&r->jline);
	size_t ncells = r->nspec > r->opt.max_columns ? r->nspec : r->opt.max_columns;
	r->spec_seen = calloc(r->nspec + 1, sizeof(*r->spec_seen));
	r->fields = calloc(r->opt.max_columns, sizeof(*r->fields));
	r->name_off = calloc(r->opt.max_columns, sizeof(*r->name_off));
	r->col_cell = calloc(r->opt.max_columns, sizeof(*r->col_cell));
	r->cells = calloc(ncells, sizeof(*r->cells));
	if (!r->spec_seen || !r->fields || !r->name_off || !r->col_cell || !r->cells) {
		err = ll_fail(LL_NOMEM, NULL, "no memory for a table reader");
		goto out;
	}
	if (csv_init(&r->parser, PARSER_OPTS) != 0) {
		err = ll_fail(LL_NOMEM, NULL, "cannot set up the CSV parser");
		goto out;
	}
	r->is_parser_ready = true;
	csv_set_blk_size(&r->parser, 4096);
	err = textenc_decoder_new(opt->encoding, &r->dec);
	if (err != LL_OK)
		goto out;
	*ret_reader = r;
	r = NULL;
out:
	csv_reader_free(r);
	return err;
}

struct csv_reader *csv_reader_free(struct csv_reader *r)
{
	if (!r)
		return NULL;
	if (r->is_parser_ready)
		csv_free(&r->parser);
	textenc_decoder_free(r->dec);
	buf_release(&r->rec_raw);
	buf_release(&r->vals);
	buf_release(&r->names);
	buf_release(&r->jline);
	free(r->spec_seen);
	free(r->fields);
	free(r->name_off);
	free(r->col_cell);
	free(r->cells);
	free(r);
	return NULL;
}

enum ll_err csv_reader_feed(struct csv_reader *r, const void *data, size_t len)
{
	if (r->stop == LL_OK && r->is_finished)
		r->stop = ll_fail(LL_USAGE, NULL, "the table reader was already finished");
	if (r->stop == LL_OK && len > 0) {
		r->stats.bytes_in += len;
		enum ll_err err = textenc_decoder_feed(r->dec, data, len, text_sink, r);
		if (err != LL_OK)
			decoder_failed(r, err);
	}
	return call_result(r);
}

enum ll_err csv_reader_finish(struct csv_reader *r)
{
	if (r->stop != LL_OK || r->is_finished)
		return call_result(r);
	r->is_finished = true;
	enum ll_err err = textenc_decoder_finish(r->dec, text_sink, r);
	if (err != LL_OK) {
		decoder_failed(r, err);
	} else if (r->opt.format == CSV_FORMAT_JSONL) {
		if (r->jline.len > 0 || r->is_jline_long)
			jsonl_line(r);
	} else {
		csv_end(r);
	}
	return call_result(r);
}

void csv_reader_stats(const struct csv_reader *r, struct csv_reader_stats *ret_stats)
{
	*ret_stats = r->stats;
	ret_stats->encoding = textenc_decoder_encoding(r->dec);
}

enum ll_err csv_read_file(const char *path, const struct csv_reader_options *opt,
			  struct csv_reader_stats *ret_stats)
{
	struct csv_reader *r = NULL;
	char *block = NULL;
	FILE *f = fopen(path, "rb");
	if (!f)
		return ll_fail(LL_IO, NULL, "cannot open '%s'", path);
	enum ll_err err = csv_reader_new(opt, &r);
	if (err != LL_OK)
		goto out;
	block = malloc(READ_BLOCK);
	if (!block) {
		err = ll_fail(LL_NOMEM, NULL, "no memory to read '%s'", path);
		goto out;
	}
	for (;;) {
		size_t n = fread(block, 1, READ_BLOCK, f);
		if (n > 0 && (err = csv_reader_feed(r, block, n)) != LL_OK)
			goto out;
		if (n < READ_BLOCK)
			break;
	}
	if (ferror(f)) {
		err = ll_fail(LL_IO, NULL, "cannot read '%s'", path);
		goto out;
	}
	err = csv_reader_finish(r);
out:
	if (r && ret_stats)
		csv_reader_stats(r, ret_stats);
	csv_reader_free(r);
	free(block);
	fclose(f);
	return err;
}

enum csv_format csv_format_from_name(const char *filename)
{
	static const char *const exts[] = { ".jsonl", ".ndjson" };
	size_t len = filename ? strlen(filename) : 0;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t n = strlen(exts[i]);
		if (len >= n && strcasecmp(filename + len - n, exts[i]) == 0)
			return CSV_FORMAT_JSONL;
	}
	return CSV_FORMAT_CSV;
}

void csv_write_field(struct buf *b, const char *s, bool is_last)
{
	s = s ? s : "";
	bool is_formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	bool is_quoted = is_formula || strpbrk(s, ",\"\r\n") != NULL;
	if (is_quoted)
		buf_putc(b, '"');
	if (is_formula)
		buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_putc(b, '"');
		buf_putc(b, *p);
	}
	if (is_quoted)
		buf_putc(b, '"');
	buf_puts(b, is_last ? "\r\n" : ",");
}
