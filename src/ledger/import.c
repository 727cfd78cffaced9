/*
 * What a row of an outcome file means: the columns (English names, Chinese headings as aliases),
 * kinds and result kinds by name or label, credits and hours as decimals. Pure rules: the row
 * comes from the reader (base/csv.h); whether the account exists or the standard allows the
 * outcome is decided later, in import_db.c.
 */
#include <string.h>

#include "ledger.h"

const char *const import_modes[] = { "partial", "all_or_nothing", NULL };

enum import_col {
	COL_ACCOUNT_NO, COL_KIND, COL_TITLE, COL_CODE, COL_LEVEL, COL_CREDITS, COL_HOURS, COL_RESULT_KIND, COL_RESULT,
	COL_STARTED_ON, COL_AWARDED_ON, COL_CERTIFICATE_NO, COL_EXTERNAL_ID
};

const struct csv_column import_columns[] = {
	[COL_ACCOUNT_NO] = { "account_no", "学习账号", true },
	[COL_KIND] = { "kind", "类别", true },
	[COL_TITLE] = { "title", "名称", true },
	[COL_CODE] = { "code", "代码", false },
	[COL_LEVEL] = { "level", "等级", false },
	[COL_CREDITS] = { "credits", "学分", false },
	[COL_HOURS] = { "hours", "学时", false },
	[COL_RESULT_KIND] = { "result_kind", "成绩类型", false },
	[COL_RESULT] = { "result", "成绩", false },
	[COL_STARTED_ON] = { "started_on", "开始日期", false },
	[COL_AWARDED_ON] = { "awarded_on", "获得日期", true },
	[COL_CERTIFICATE_NO] = { "certificate_no", "证书编号", false },
	[COL_EXTERNAL_ID] = { "external_id", "外部编号", false },
	{ NULL, NULL, false }
};

static const char *const result_labels[] = { "", "等级", "分数", "合格", NULL };

/* A value, or NULL for an absent or empty cell. */
static const char *cell(const struct csv_row *row, enum import_col col)
{
	if ((size_t)col >= row->ncells)
		return NULL;
	const char *v = row->cells[col].value;
	return v && *v ? v : NULL;
}

/* "2.5" as 2500 thousandths: digits, at most three decimals, at most max. */
static enum ll_err parse_milli(const char *s, const char *field, int64_t max, int64_t *ret)
{
	int64_t whole = 0, frac = 0;
	int frac_digits = 0, digits = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (*p - '0');
		if (whole > max / 1000 + 1)
			return ll_fail(LL_OUT_OF_RANGE, field, "%s is too large", field);
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++) {
			if (frac_digits == 3)
				return ll_fail(LL_INVALID_VALUE, field, "%s has more than three decimals", field);
			frac = frac * 10 + (*p - '0');
		}
	}
	if (digits == 0 || *p != '\0')
		return ll_fail(LL_INVALID_VALUE, field, "%s must be a number like 2.5", field);
	while (frac_digits++ < 3)
		frac *= 10;
	int64_t v = whole * 1000 + frac;
	if (v > max)
		return ll_fail(LL_OUT_OF_RANGE, field, "%s is too large", field);
	*ret = v;
	return LL_OK;
}

static int find_name(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

enum ll_err import_row_outcome(const struct csv_row *row, struct arena *a, struct outcome *ret)
{
	struct outcome o;
	outcome_init(&o);
	const char *account = cell(row, COL_ACCOUNT_NO), *kind = cell(row, COL_KIND), *title = cell(row, COL_TITLE);
	const char *awarded = cell(row, COL_AWARDED_ON);
	if (!account)
		return ll_fail(LL_MISSING_FIELD, "account_no", "account_no is empty");
	if (strlen(account) != 16)
		return ll_fail(LL_INVALID_ACCOUNT_NO, "account_no", "an account number has 16 digits");
	if (!kind)
		return ll_fail(LL_MISSING_FIELD, "kind", "kind is empty");
	int k = find_name(outcome_kinds, kind);
	if (k < 0)
		k = find_name(outcome_kind_labels_zh, kind);
	if (k < 0)
		return ll_fail(LL_INVALID_VALUE, "kind", "kind is not one of the credit bank's kinds");
	o.kind = (enum outcome_kind)k;
	if (!title)
		return ll_fail(LL_MISSING_FIELD, "title", "title is empty");
	if (json_utf8_chars(title) > 200)
		return ll_fail(LL_TOO_LONG, "title", "title is longer than 200 characters");
	if (!awarded)
		return ll_fail(LL_MISSING_FIELD, "awarded_on", "awarded_on is empty");
	static const struct {
		enum import_col col;
		const char *name;
		size_t max;
	} texts[] = { { COL_CODE, "code", 40 }, { COL_RESULT, "result", 20 }, { COL_CERTIFICATE_NO, "certificate_no", 60 },
		      { COL_EXTERNAL_ID, "external_id", 100 }, { COL_STARTED_ON, "started_on", 10 },
		      { COL_AWARDED_ON, "awarded_on", 10 } };
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		const char *v = cell(row, texts[i].col);
		if (v && json_utf8_chars(v) > texts[i].max)
			return ll_fail(texts[i].col == COL_STARTED_ON || texts[i].col == COL_AWARDED_ON ? LL_INVALID_DATE
													 : LL_TOO_LONG,
				       texts[i].name, "%s is longer than %zu characters", texts[i].name, texts[i].max);
	}
	const char *level = cell(row, COL_LEVEL);
	if (level) {
		if (strlen(level) > 2 || level[0] < '1' || level[0] > '9' || (level[1] && (level[1] < '0' || level[1] > '9')))
			return ll_fail(LL_INVALID_VALUE, "level", "level must be a whole number from 1 to %d", FRAMEWORK_LEVEL_MAX);
		o.level = level[1] ? (level[0] - '0') * 10 + (level[1] - '0') : level[0] - '0';
		if (o.level > FRAMEWORK_LEVEL_MAX)
			return ll_fail(LL_OUT_OF_RANGE, "level", "level must be from 1 to %d", FRAMEWORK_LEVEL_MAX);
	}
	enum ll_err err;
	const char *credits = cell(row, COL_CREDITS), *hours = cell(row, COL_HOURS);
	if (credits && (err = parse_milli(credits, "credits", OUTCOME_CREDITS_MILLI_MAX, &o.credits_milli)) != LL_OK)
		return err;
	if (hours && (err = parse_milli(hours, "hours", OUTCOME_HOURS_MILLI_MAX, &o.hours_milli)) != LL_OK)
		return err;
	const char *rk = cell(row, COL_RESULT_KIND), *result = cell(row, COL_RESULT);
	if (rk) {
		int i = find_name(result_kinds, rk);
		if (i <= 0)
			i = find_name(result_labels, rk);
		if (i <= 0)
			return ll_fail(LL_INVALID_VALUE, "result_kind", "result_kind must be grade, score or pass");
		o.result_kind = (enum result_kind)i;
	} else if (result) {
		/* Without a kind, a number is a score, "pass" (or 合格) a pass, anything else a grade. */
		bool is_number = result[0] >= '0' && result[0] <= '9';
		o.result_kind = is_number ? RESULT_SCORE
				: strcmp(result, "pass") == 0 || strcmp(result, "合格") == 0 ? RESULT_PASS
											     : RESULT_GRADE;
	}
	if (o.result_kind == RESULT_PASS && result && strcmp(result, "合格") == 0)
		result = "pass";
	if (o.result_kind != RESULT_NONE && !result)
		return ll_fail(LL_MISSING_FIELD, "result", "result_kind needs a result");
	o.account_no = arena_strdup(a, account);
	o.title = arena_strdup(a, title);
	o.code = arena_strdup(a, cell(row, COL_CODE));
	o.result = arena_strdup(a, result);
	o.started_on = arena_strdup(a, cell(row, COL_STARTED_ON));
	o.awarded_on = arena_strdup(a, awarded);
	o.certificate_no = arena_strdup(a, cell(row, COL_CERTIFICATE_NO));
	o.external_id = arena_strdup(a, cell(row, COL_EXTERNAL_ID));
	if (!o.account_no || !o.title || !o.awarded_on)
		return LL_NOMEM;
	*ret = o;
	return LL_OK;
}
