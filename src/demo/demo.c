/*
 * Rules of the demo city without I/O: a seeded generator and the tables it draws from (districts,
 * institutions, surnames and given names, birthplaces, ages, phone prefixes). Every value comes
 * from the seed and the order of calls, never from the clock or the system's random source,
 * except the nonces that sealing draws. It must never produce an invalid ID number, a duplicate
 * ID number or a duplicate phone: the unique indexes and phone sign-in depend on that.
 */
#include "demo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/clock.h"
#include "../base/embed.h"

/* The moment the demo data describes: accounts opened from LAUNCH, activations from ACTIVATION_START,
 * everything up to AS_OF (fixed, so that the same seed gives the same dates on any day). */
#define DAY_US (86400LL * 1000000LL)
#define LAUNCH_Y 2020, 9, 1
#define ACTIVATION_START_Y 2021, 1, 1
#define AS_OF_Y 2026, 11, 1
/* Birth days the sequence counters cover: up to 100 years before AS_OF. */
#define BIRTH_SPAN_DAYS (100 * 366)
#define SEQ_PER_GENDER 500

/* ---------------------------------------------------------------- the generator */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t mix64(uint64_t x)
{
	return splitmix64(&x);
}

void demo_rng_seed(struct demo_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ mix64(stream + 0x5eed);
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t demo_rng_next(struct demo_rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t demo_rng_below(struct demo_rng *r, uint64_t n)
{
	/* Lemire's multiply-shift with rejection: unbiased, and one multiplication in the common case. */
	unsigned __int128 m = (unsigned __int128)demo_rng_next(r) * n;
	uint64_t low = (uint64_t)m;
	if (low < n) {
		uint64_t threshold = -n % n;
		while (low < threshold) {
			m = (unsigned __int128)demo_rng_next(r) * n;
			low = (uint64_t)m;
		}
	}
	return (uint64_t)(m >> 64);
}

/* The sum of the weights (field w) of entries [from, n) of a table. */
#define WEIGHT_TOTAL(table, from, n, ret)                 \
	do {                                              \
		(ret) = 0;                                \
		for (int i_ = (from); i_ < (n); i_++)     \
			(ret) += (table)[i_].w;           \
	} while (0)
/* Picks an index in [from, n) of a table by the weights (field w) that add up to total. */
#define PICK_WEIGHTED(r, table, from, n, total, ret)                     \
	do {                                                             \
		int x_ = (int)demo_rng_below((r), (uint64_t)(total));    \
		(ret) = (n) - 1;                                         \
		for (int i_ = (from); i_ < (n); i_++) {                  \
			if (x_ < (table)[i_].w) {                        \
				(ret) = i_;                              \
				break;                                   \
			}                                                \
			x_ -= (table)[i_].w;                             \
		}                                                        \
	} while (0)

static void rand_bytes(struct demo_rng *r, uint8_t out[10])
{
	uint64_t a = demo_rng_next(r), b = demo_rng_next(r);
	memcpy(out, &a, 8);
	memcpy(out + 8, &b, 2);
}

/* Howard Hinnant's civil_from_days. */
static void civil_from_days(int64_t z, int *ret_y, int *ret_m, int *ret_d)
{
	z += 719468;
	const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	const unsigned doe = (unsigned)(z - era * 146097);
	const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	const int64_t y = (int64_t)yoe + era * 400;
	const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	const unsigned mp = (5 * doy + 2) / 153;
	const unsigned d = doy - (153 * mp + 2) / 5 + 1;
	const unsigned m = mp < 10 ? mp + 3 : mp - 9;
	*ret_y = (int)(y + (m <= 2));
	*ret_m = (int)m;
	*ret_d = (int)d;
}

/* ---------------------------------------------------------------- districts */

static const struct {
	const char *code, *short_name, *name_en, *short_en;
	bool is_central;  /* the old city: fewer residents born outside Shanghai */
} district_rows[DEMO_DISTRICTS] = {
	{ "310101000000", "黄浦", "Huangpu District", "Huangpu", true },
	{ "310104000000", "徐汇", "Xuhui District", "Xuhui", true },
	{ "310105000000", "长宁", "Changning District", "Changning", true },
	{ "310106000000", "静安", "Jing'an District", "Jing'an", true },
	{ "310107000000", "普陀", "Putuo District", "Putuo", true },
	{ "310109000000", "虹口", "Hongkou District", "Hongkou", true },
	{ "310110000000", "杨浦", "Yangpu District", "Yangpu", true },
	{ "310112000000", "闵行", "Minhang District", "Minhang", false },
	{ "310113000000", "宝山", "Baoshan District", "Baoshan", false },
	{ "310114000000", "嘉定", "Jiading District", "Jiading", false },
	{ "310115000000", "浦东", "Pudong New Area", "Pudong", false },
	{ "310116000000", "金山", "Jinshan District", "Jinshan", false },
	{ "310117000000", "松江", "Songjiang District", "Songjiang", false },
	{ "310118000000", "青浦", "Qingpu District", "Qingpu", false },
	{ "310120000000", "奉贤", "Fengxian District", "Fengxian", false },
	{ "310151000000", "崇明", "Chongming District", "Chongming", false },
};

/* District names live as long as the program: the embedded file is static. */
static char district_names[DEMO_DISTRICTS][64];

enum ll_err demo_districts_load(struct demo_district ret[DEMO_DISTRICTS])
{
	const struct embedded_file *f = embed_find(embedded_data, "shanghai-district-population-2020.csv");
	if (!f)
		return ll_fail(LL_INTERNAL, NULL, "district populations missing from the build");
	memset(ret, 0, sizeof(*ret) * DEMO_DISTRICTS);
	int found = 0;
	const char *p = f->data, *end = f->data + f->len;
	bool is_header = true;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		char line[256];
		if (n >= sizeof(line))
			return ll_fail(LL_INTERNAL, NULL, "district population line too long");
		memcpy(line, p, n);
		line[n] = '\0';
		p += n + 1;
		if (is_header || n == 0) {
			is_header = false;
			continue;
		}
		/* district_code,district_name,population_2020,population_60_plus_2020 */
		char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
		if (!c1 || !c2 || c1 - line != ORG_CODE_LEN)
			return ll_fail(LL_INTERNAL, NULL, "district population line malformed");
		*c1 = *c2 = '\0';
		for (int i = 0; i < DEMO_DISTRICTS; i++) {
			if (strcmp(district_rows[i].code, line) != 0)
				continue;
			struct demo_district *d = &ret[i];
			memcpy(d->code, line, ORG_CODE_LEN + 1);
			snprintf(district_names[i], sizeof(district_names[i]), "%s", c1 + 1);
			d->name = district_names[i];
			d->short_name = district_rows[i].short_name;
			d->name_en = district_rows[i].name_en;
			d->short_en = district_rows[i].short_en;
			d->population_2020 = strtoll(c2 + 1, NULL, 10);
			found++;
		}
	}
	if (found != DEMO_DISTRICTS)
		return ll_fail(LL_INTERNAL, NULL, "district populations do not name the 16 districts");
	return LL_OK;
}

/* ---------------------------------------------------------------- institutions */

/* Institutions that exist once. District codes are of where the institution (or, for partner
 * credit banks, its liaison office in the Yangtze River Delta demonstration zone) sits. */
static const struct {
	const char *name, *name_en, *type, *district;
} fixed_institutions[] = {
	{ "上海开放大学", "Shanghai Open University", "open_university", "310110000000" },
	{ "上海市学分银行", "Shanghai Credit Bank", "credit_bank", "310110000000" },
	{ "江苏省学分银行", "Jiangsu Credit Bank", "partner_credit_bank", "310118000000" },
	{ "浙江省学分银行", "Zhejiang Credit Bank", "partner_credit_bank", "310118000000" },
	{ "安徽省学分银行", "Anhui Credit Bank", "partner_credit_bank", "310118000000" },
	{ "上海市教育委员会", "Shanghai Municipal Education Commission", "government", "310101000000" },
	{ "上海老年大学", "Shanghai University for the Elderly", "elder_university", "310106000000" },
	{ "复旦大学", "Fudan University", "university", "310110000000" },
	{ "上海交通大学", "Shanghai Jiao Tong University", "university", "310112000000" },
	{ "同济大学", "Tongji University", "university", "310110000000" },
	{ "华东师范大学", "East China Normal University", "university", "310107000000" },
	{ "上海大学", "Shanghai University", "university", "310113000000" },
	{ "上海师范大学", "Shanghai Normal University", "university", "310104000000" },
	{ "东华大学", "Donghua University", "university", "310117000000" },
	{ "上海城建职业学院", "Shanghai Urban Construction Vocational College", "vocational_college", "310120000000" },
	{ "上海电子信息职业技术学院", "Shanghai Technical Institute of Electronics and Information", "vocational_college",
	  "310120000000" },
	{ "上海农林职业技术学院", "Shanghai Vocational College of Agriculture and Forestry", "vocational_college",
	  "310117000000" },
	{ "上海行健职业学院", "Shanghai Xingjian College", "vocational_college", "310106000000" },
	{ "上海市黄浦区业余大学", "Huangpu District Spare-time University", "adult_college", "310101000000" },
	{ "上海市长宁区业余大学", "Changning District Spare-time University", "adult_college", "310105000000" },
	{ "上海市普陀区业余大学", "Putuo District Spare-time University", "adult_college", "310107000000" },
	{ "上海市杨浦区业余大学", "Yangpu District Spare-time University", "adult_college", "310110000000" },
	{ "南京东路街道老年学校", "Nanjing East Road Subdistrict School for the Elderly", "elder_school", "310101000000" },
	{ "湖南路街道老年学校", "Hunan Road Subdistrict School for the Elderly", "elder_school", "310104000000" },
	{ "新华路街道老年学校", "Xinhua Road Subdistrict School for the Elderly", "elder_school", "310105000000" },
	{ "曹家渡街道老年学校", "Caojiadu Subdistrict School for the Elderly", "elder_school", "310106000000" },
	{ "陆家嘴街道老年学校", "Lujiazui Subdistrict School for the Elderly", "elder_school", "310115000000" },
	{ "花木街道老年学校", "Huamu Subdistrict School for the Elderly", "elder_school", "310115000000" },
	{ "七宝镇老年学校", "Qibao Town School for the Elderly", "elder_school", "310112000000" },
	{ "朱家角镇老年学校", "Zhujiajiao Town School for the Elderly", "elder_school", "310118000000" },
	{ "堡镇老年学校", "Baozhen Town School for the Elderly", "elder_school", "310151000000" },
	{ "外滩街道市民学习点", "The Bund Subdistrict Learning Point", "learning_point", "310101000000" },
	{ "康健街道市民学习点", "Kangjian Subdistrict Learning Point", "learning_point", "310104000000" },
	{ "江湾镇街道市民学习点", "Jiangwan Town Subdistrict Learning Point", "learning_point", "310109000000" },
	{ "五角场街道市民学习点", "Wujiaochang Subdistrict Learning Point", "learning_point", "310110000000" },
	{ "张江镇市民学习点", "Zhangjiang Town Learning Point", "learning_point", "310115000000" },
	{ "泗泾镇市民学习点", "Sijing Town Learning Point", "learning_point", "310117000000" },
	{ "上海申江职业技能培训学校", "Shanghai Shenjiang Vocational Skills Training School", "training_institution",
	  "310107000000" },
	{ "上海浦江外语培训中心", "Shanghai Pujiang Foreign Language Training Centre", "training_institution",
	  "310115000000" },
	{ "上海育才电脑培训学校", "Shanghai Yucai Computer Training School", "training_institution", "310104000000" },
	{ "上海东方烹饪职业培训学校", "Shanghai Dongfang Culinary Training School", "training_institution",
	  "310109000000" },
	{ "上海银龄智能生活培训中心", "Shanghai Silver Age Digital Life Training Centre", "training_institution",
	  "310106000000" },
	{ "上海长三角数字技能培训中心", "Yangtze River Delta Digital Skills Training Centre", "training_institution",
	  "310112000000" },
	{ "上海浦江智能制造有限公司", "Shanghai Pujiang Smart Manufacturing Co., Ltd.", "enterprise", "310115000000" },
	{ "上海临港新能源汽车有限公司", "Shanghai Lingang New Energy Vehicle Co., Ltd.", "enterprise", "310115000000" },
	{ "上海张江生物医药有限公司", "Shanghai Zhangjiang Biopharma Co., Ltd.", "enterprise", "310115000000" },
	{ "上海虹桥国际物流有限公司", "Shanghai Hongqiao International Logistics Co., Ltd.", "enterprise", "310112000000" },
	{ "上海宝山钢铁技术服务有限公司", "Shanghai Baoshan Steel Technical Services Co., Ltd.", "enterprise",
	  "310113000000" },
	{ "上海嘉定汽车零部件有限公司", "Shanghai Jiading Auto Parts Co., Ltd.", "enterprise", "310114000000" },
	{ "上海松江电子科技有限公司", "Shanghai Songjiang Electronics Technology Co., Ltd.", "enterprise", "310117000000" },
};

/* Institutions every district has; %s is the district's name (Chinese: full or short, as the
 * row says; English: short). The first three register residents, in this order. */
static const struct {
	const char *name_fmt, *name_en_fmt, *type;
	bool is_short;
} district_institutions[] = {
	{ "上海开放大学%s分校", "Shanghai Open University %s Branch", "open_university", true },
	{ "%s社区学院", "%s Community College", "community_school", false },
	{ "%s老年大学", "%s University for the Elderly", "elder_university", false },
	{ "上海市学分银行%s分部", "Shanghai Credit Bank %s Branch", "credit_bank", true },
	{ "%s教育局", "%s Education Bureau", "government", false },
};

static int type_index(const char *type)
{
	for (int i = 0; institution_types[i]; i++)
		if (strcmp(institution_types[i], type) == 0)
			return i;
	return -1;
}

int demo_institution_find(const struct demo_institution *items, int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (strcmp(items[i].name, name) == 0)
			return i;
	return -1;
}

enum ll_err demo_institutions_make(uint64_t seed, struct demo_district districts[DEMO_DISTRICTS],
				   struct demo_institution **ret_items, int *ret_count)
{
	const int n_fixed = (int)(sizeof(fixed_institutions) / sizeof(fixed_institutions[0]));
	const int n_per = (int)(sizeof(district_institutions) / sizeof(district_institutions[0]));
	int count = n_fixed + n_per * DEMO_DISTRICTS;
	struct demo_institution *items = calloc((size_t)count, sizeof(*items));
	if (!items)
		return ll_fail(LL_NOMEM, NULL, NULL);
	struct demo_rng r;
	demo_rng_seed(&r, seed, 1);
	/* Institutions were registered a month before the residents were loaded, one a minute. */
	int64_t base_ms = (clock_days_from_civil(AS_OF_Y) - 30) * 86400000LL;
	int k = 0;
	for (int i = 0; i < n_fixed; i++, k++) {
		struct demo_institution *it = &items[k];
		snprintf(it->name, sizeof(it->name), "%s", fixed_institutions[i].name);
		snprintf(it->name_en, sizeof(it->name_en), "%s", fixed_institutions[i].name_en);
		it->type = type_index(fixed_institutions[i].type);
		it->district_code = NULL;
		for (int d = 0; d < DEMO_DISTRICTS; d++)
			if (strcmp(districts[d].code, fixed_institutions[i].district) == 0)
				it->district_code = districts[d].code;
	}
	for (int d = 0; d < DEMO_DISTRICTS; d++) {
		for (int j = 0; j < n_per; j++, k++) {
			struct demo_institution *it = &items[k];
			snprintf(it->name, sizeof(it->name), district_institutions[j].name_fmt,
				 district_institutions[j].is_short ? districts[d].short_name : districts[d].name);
			snprintf(it->name_en, sizeof(it->name_en), district_institutions[j].name_en_fmt,
				 district_institutions[j].is_short ? districts[d].short_en : districts[d].name_en);
			it->type = type_index(district_institutions[j].type);
			it->district_code = districts[d].code;
			if (j < 3)
				districts[d].registrars[j] = k;
		}
	}
	for (int i = 0; i < count; i++) {
		uint8_t rb[10];
		rand_bytes(&r, rb);
		id_from_parts(base_ms + i * 60000LL, rb, &items[i].id);
		if (items[i].type < 0 || !items[i].district_code) {
			enum ll_err err = ll_fail(LL_INTERNAL, NULL, "demo institution '%s' has an unknown type or district",
						  items[i].name_en);
			free(items);
			return err;
		}
	}
	*ret_items = items;
	*ret_count = count;
	return LL_OK;
}

/* ---------------------------------------------------------------- people */

/* Where residents were born: the 16 districts' own codes first (same order as district_rows),
 * then codes of districts since merged away, then the provinces most Shanghai residents came
 * from, weighted roughly as the census counts them. */
static const struct {
	const char *code;
	int w;  /* weight among the non-local codes */
} regions[] = {
	{ "310101", 0 }, { "310104", 0 }, { "310105", 0 }, { "310106", 0 }, { "310107", 0 }, { "310109", 0 },
	{ "310110", 0 }, { "310112", 0 }, { "310113", 0 }, { "310114", 0 }, { "310115", 0 }, { "310116", 0 },
	{ "310117", 0 }, { "310118", 0 }, { "310120", 0 }, { "310151", 0 },
	{ "310103", 0 },   /* 卢湾区, merged into 黄浦 in 2011 */
	{ "310108", 0 },   /* 闸北区, merged into 静安 in 2015 */
	{ "310230", 0 },   /* 崇明县, a district since 2016 */
	{ "340104", 8 }, { "341202", 6 }, { "340202", 3 }, { "320102", 5 }, { "320583", 3 }, { "321002", 3 },
	{ "320506", 3 }, { "330106", 4 }, { "330203", 3 }, { "330302", 3 }, { "410102", 5 }, { "411302", 3 },
	{ "510104", 4 }, { "500103", 3 }, { "360102", 3 }, { "420106", 3 }, { "370102", 2 }, { "350102", 2 },
	{ "430102", 2 }, { "230102", 1 }, { "220102", 1 }, { "210102", 1 }, { "110105", 1 }, { "120101", 1 },
	{ "610113", 1 }, { "440106", 1 }, { "450102", 1 }, { "530102", 1 }, { "140105", 1 }, { "620102", 1 },
};
#define N_REGIONS ((int)(sizeof(regions) / sizeof(regions[0])))
#define FIRST_OTHER_REGION 19
#define REGION_LUWAN 16
#define REGION_ZHABEI 17
#define REGION_CHONGMING_COUNTY 18

/* Ages (in whole years at AS_OF) of account holders: many elderly, as in the city. */
static const struct {
	int lo, hi, w;
} age_bands[] = {
	{ 16, 24, 8 }, { 25, 34, 16 }, { 35, 44, 18 }, { 45, 54, 15 },
	{ 55, 59, 9 }, { 60, 69, 18 }, { 70, 79, 11 }, { 80, 99, 5 },
};
#define N_AGE_BANDS ((int)(sizeof(age_bands) / sizeof(age_bands[0])))

/* Common surnames, weights roughly per mille of Shanghai's population; a few compound ones. */
static const struct {
	const char *s;
	int w;
} surnames[] = {
	{ "王", 70 }, { "张", 62 }, { "陈", 60 }, { "李", 55 }, { "徐", 40 }, { "朱", 38 }, { "周", 36 }, { "沈", 33 },
	{ "刘", 32 }, { "杨", 28 }, { "黄", 26 }, { "吴", 26 }, { "顾", 24 }, { "陆", 24 }, { "钱", 14 }, { "孙", 16 },
	{ "赵", 15 }, { "胡", 15 }, { "金", 14 }, { "蒋", 13 }, { "姚", 12 }, { "施", 12 }, { "高", 12 }, { "马", 11 },
	{ "郁", 6 },  { "曹", 10 }, { "唐", 10 }, { "许", 10 }, { "汪", 9 },  { "严", 8 },  { "蔡", 8 },  { "范", 7 },
	{ "潘", 8 },  { "郑", 9 },  { "林", 9 },  { "何", 8 },  { "郭", 8 },  { "宋", 7 },  { "谢", 7 },  { "倪", 6 },
	{ "叶", 7 },  { "丁", 7 },  { "袁", 6 },  { "龚", 6 },  { "邵", 6 },  { "方", 6 },  { "俞", 6 },  { "汤", 6 },
	{ "程", 6 },  { "秦", 5 },  { "戴", 5 },  { "夏", 5 },  { "邱", 4 },  { "陶", 5 },  { "毛", 5 },  { "卢", 4 },
	{ "傅", 4 },  { "钟", 4 },  { "葛", 4 },  { "杜", 4 },  { "姜", 4 },  { "冯", 4 },  { "韩", 4 },  { "曾", 3 },
	{ "彭", 3 },  { "萧", 2 },  { "任", 3 },  { "魏", 3 },  { "吕", 3 },  { "董", 3 },  { "石", 3 },  { "余", 3 },
	{ "罗", 4 },  { "梁", 3 },  { "宋", 1 },  { "贺", 2 },  { "薛", 2 },  { "孔", 2 },  { "尹", 2 },  { "盛", 3 },
	{ "欧阳", 1 }, { "司马", 1 }, { "诸葛", 1 },
};
#define N_SURNAMES ((int)(sizeof(surnames) / sizeof(surnames[0])))

/* Whole given names typical of people born before the mid-1960s. */
static const char *const old_male_names[] = {
	"建国", "建华", "国强", "国庆", "卫东", "志强", "德明", "永康", "海生", "根宝", "金龙", "福林",
	"树德", "启明", "振华", "家骏", "伟民", "荣根", "文彬", "兴发", "宝龙", "德兴", "鸿章", "忠良",
};
static const char *const old_female_names[] = {
	"秀英", "桂英", "玉兰", "凤英", "美华", "丽华", "秀珍", "桂珍", "雪芳", "金娣", "彩娣", "美娟",
	"爱华", "佩玲", "惠芬", "月琴", "淑贞", "杏芳", "素娟", "菊英", "琴芳", "文娟", "慧珍", "玉梅",
};
/* Characters younger people's given names are made of. */
static const char *const male_chars[] = {
	"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "斌", "超", "明", "鹏", "浩", "宇", "轩", "然",
	"博", "文", "辰", "逸", "俊", "泽", "昊", "晨", "睿", "子", "一", "嘉", "天", "诚", "航", "峰",
	"毅", "健", "凯", "骏", "晟", "哲", "佳", "思",
};
static const char *const female_chars[] = {
	"芳", "娜", "敏", "静", "丽", "艳", "婷", "雪", "琳", "颖", "欣", "怡", "悦", "涵", "萱", "琪",
	"雨", "梓", "诗", "佳", "可", "馨", "慧", "晓", "青", "蕾", "倩", "洁", "瑶", "瑾", "彤", "一",
	"思", "嘉", "雯", "菁",
};
#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* Mobile prefixes of the three carriers. */
static const char *const phone_prefixes[] = {
	"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
	"156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185", "186", "187",
	"188", "189", "191", "198", "199",
};

/* A keyed permutation of [0, 10^8): a four-round Feistel network on 28 bits, cycle-walking back
 * into range. Distinct persons get distinct phone numbers without remembering any of them. */
static uint32_t phone_permute(uint64_t key, uint32_t x)
{
	do {
		uint32_t l = x >> 14, r = x & 0x3fff;
		for (uint64_t round = 0; round < 4; round++) {
			uint32_t f = (uint32_t)mix64(key ^ (round << 32) ^ r) & 0x3fff;
			uint32_t t = l ^ f;
			l = r;
			r = t;
		}
		x = (l << 14) | r;
	} while (x >= 100000000u);
	return x;
}

/* Writes the n lowest decimal digits of v, zero-padded, without a NUL. */
static void put_digits(char *out, unsigned v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		out[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

static int64_t day_us(int y, unsigned m, unsigned d)
{
	return clock_days_from_civil(y, m, d) * DAY_US;
}

enum ll_err demo_gen_init(struct demo_gen *g, uint64_t seed, int64_t total, int64_t first_serial,
			  const struct ll_keys *keys, const struct demo_district districts[DEMO_DISTRICTS],
			  const struct demo_institution *institutions, int n_institutions)
{
	memset(g, 0, sizeof(*g));
	if (total < 1 || total > DEMO_MAX_PERSONS)
		return ll_fail(LL_OUT_OF_RANGE, "persons", "persons must be between 1 and %lld", DEMO_MAX_PERSONS);
	g->keys = keys;
	g->districts = districts;
	g->institutions = institutions;
	g->open_university = demo_institution_find(institutions, n_institutions, "上海开放大学");
	g->total = total;
	g->first_serial = first_serial;
	demo_rng_seed(&g->rng, seed, 2);
	g->phone_key = mix64(seed ^ 0x70686f6e65ULL);
	WEIGHT_TOTAL(regions, FIRST_OTHER_REGION, N_REGIONS, g->other_region_total);
	WEIGHT_TOTAL(surnames, 0, N_SURNAMES, g->surname_total);
	WEIGHT_TOTAL(age_bands, 0, N_AGE_BANDS, g->age_band_total);
	/* Exact quotas by largest remainder, so that every run of N has the census's proportions. */
	int64_t pop_total = 0, given = 0;
	for (int d = 0; d < DEMO_DISTRICTS; d++) {
		pop_total += districts[d].population_2020;
		if (districts[d].n_committees < 1)
			return ll_fail(LL_INTERNAL, NULL, "district %s has no committees", districts[d].code);
	}
	if (pop_total <= 0 || g->open_university < 0)
		return ll_fail(LL_INTERNAL, NULL, "demo city incomplete");
	int64_t rem[DEMO_DISTRICTS];
	for (int d = 0; d < DEMO_DISTRICTS; d++) {
		__int128 share = (__int128)total * districts[d].population_2020;
		g->remaining[d] = (int64_t)(share / pop_total);
		rem[d] = (int64_t)(share % pop_total);
		given += g->remaining[d];
	}
	for (; given < total; given++) {
		int best = 0;
		for (int d = 1; d < DEMO_DISTRICTS; d++)
			if (rem[d] > rem[best])
				best = d;
		g->remaining[best]++;
		rem[best] = -1;
	}
	g->remaining_total = total;
	g->seq_used = calloc((size_t)N_REGIONS * BIRTH_SPAN_DAYS * 2, sizeof(uint16_t));
	if (!g->seq_used)
		return ll_fail(LL_NOMEM, NULL, NULL);
	return LL_OK;
}

void demo_gen_release(struct demo_gen *g)
{
	free(g->seq_used);
	g->seq_used = NULL;
}

static int district_pick(struct demo_gen *g, bool is_citizen)
{
	int d = 0;
	if (is_citizen) {
		for (d = 0; d < DEMO_DISTRICTS; d++)
			if (strcmp(g->districts[d].code, DEMO_DISTRICT_CODE) == 0 && g->remaining[d] > 0)
				break;
	}
	if (d == DEMO_DISTRICTS || !is_citizen) {
		int64_t x = (int64_t)demo_rng_below(&g->rng, (uint64_t)g->remaining_total);
		for (d = 0; d < DEMO_DISTRICTS - 1; d++) {
			if (x < g->remaining[d])
				break;
			x -= g->remaining[d];
		}
	}
	g->remaining[d]--;
	g->remaining_total--;
	return d;
}

static int region_pick(struct demo_gen *g, int district, int age, int birth_year)
{
	/* Per cent born outside Shanghai: fewer in the old city and among the elderly. */
	int other_pct = district_rows[district].is_central ? 22 : 42;
	if (age >= 60)
		other_pct /= 2;
	if ((int)demo_rng_below(&g->rng, 100) < other_pct) {
		int region;
		PICK_WEIGHTED(&g->rng, regions, FIRST_OTHER_REGION, N_REGIONS, g->other_region_total, region);
		return region;
	}
	/* Born before a merger, many kept the old district's code. */
	const char *code = g->districts[district].code;
	if (strncmp(code, "310101", 6) == 0 && birth_year < 2011 && demo_rng_below(&g->rng, 100) < 35)
		return REGION_LUWAN;
	if (strncmp(code, "310106", 6) == 0 && birth_year < 2015 && demo_rng_below(&g->rng, 100) < 45)
		return REGION_ZHABEI;
	if (strncmp(code, "310151", 6) == 0 && birth_year < 2016)
		return REGION_CHONGMING_COUNTY;
	return district;
}

/* Writes a fresh sequence number for (region, day, gender) and returns it, or -1 when the day
 * has used all 500 of that gender. */
static int seq_take(struct demo_gen *g, int region, int64_t day_index, bool is_male)
{
	size_t slot = ((size_t)region * BIRTH_SPAN_DAYS + (size_t)day_index) * 2 + (is_male ? 1 : 0);
	int k = g->seq_used[slot];
	if (k >= SEQ_PER_GENDER)
		return -1;
	g->seq_used[slot] = (uint16_t)(k + 1);
	/* Start somewhere the cell decides and step by 7 (coprime to 500): distinct, not sequential. */
	int start = (int)(mix64(slot * 0x9e3779b97f4a7c15ULL + 17) % SEQ_PER_GENDER);
	int j = (start + 7 * k) % SEQ_PER_GENDER;
	return j * 2 + (is_male ? 1 : 0);
}

static void name_make(struct demo_gen *g, bool is_male, int age, char out[16])
{
	struct demo_rng *r = &g->rng;
	int si;
	PICK_WEIGHTED(r, surnames, 0, N_SURNAMES, g->surname_total, si);
	const char *surname = surnames[si].s;
	if (age >= 60 && demo_rng_below(r, 100) < 70) {
		const char *given = is_male ? old_male_names[demo_rng_below(r, COUNT(old_male_names))]
					    : old_female_names[demo_rng_below(r, COUNT(old_female_names))];
		snprintf(out, 16, "%s%s", surname, given);
		return;
	}
	const char *const *chars = is_male ? male_chars : female_chars;
	uint64_t n = (uint64_t)(is_male ? COUNT(male_chars) : COUNT(female_chars));
	const char *c1 = chars[demo_rng_below(r, n)];
	/* One-character given names were common in the 1970s and 80s, rarer since. */
	int single_pct = age >= 35 && age < 60 ? 25 : 10;
	if (strlen(surname) > 3 || (int)demo_rng_below(r, 100) >= single_pct) {
		const char *c2 = chars[demo_rng_below(r, n)];
		if (strcmp(c1, c2) == 0 && demo_rng_below(r, 2))
			c2 = chars[demo_rng_below(r, n)];
		snprintf(out, 16, "%s%s%s", surname, c1, c2);
	} else {
		snprintf(out, 16, "%s%s", surname, c1);
	}
}

bool demo_gen_next(struct demo_gen *g, struct demo_person *p)
{
	if (g->next_index >= g->total)
		return false;
	int64_t index = g->next_index++;
	bool is_citizen = index == 0;
	struct demo_rng *r = &g->rng;
	memset(p, 0, sizeof(*p));

	int64_t as_of_day = clock_days_from_civil(AS_OF_Y);
	int64_t import_ms = as_of_day * 86400000LL;
	uint8_t rb[10];
	rand_bytes(r, rb);
	id_from_parts(import_ms + index, rb, &p->id);
	rand_bytes(r, rb);
	id_from_parts(import_ms + index, rb, &p->user_id);
	account_no_format(g->first_serial + index, p->account_no);

	int d = district_pick(g, is_citizen);
	const struct demo_district *dist = &g->districts[d];
	int64_t c = (int64_t)demo_rng_below(r, (uint64_t)dist->n_committees);
	p->district_code = dist->code;
	p->subdistrict_code = dist->subdistrict_codes[c];
	p->committee_code = dist->committee_codes[c];

	/* Age, sex, birth day. */
	int band;
	PICK_WEIGHTED(r, age_bands, 0, N_AGE_BANDS, g->age_band_total, band);
	int64_t back_min = (int64_t)age_bands[band].lo * 36524 / 100;
	int64_t back_max = (int64_t)(age_bands[band].hi + 1) * 36524 / 100 - 1;
	int64_t birth_day = as_of_day - back_min - (int64_t)demo_rng_below(r, (uint64_t)(back_max - back_min + 1));
	int age = (int)((as_of_day - birth_day) * 100 / 36524);
	bool is_male = (int)demo_rng_below(r, 1000) < (age >= 70 ? 450 : 500);
	int by, bm, bd;
	civil_from_days(birth_day, &by, &bm, &bd);
	int region = region_pick(g, d, age, by);

	/* ID number: region, birth date, sequence (odd for men), check character. A full day moves
	 * the birthday by one; with 500 numbers per day and sex that happens only for huge runs. */
	int seq;
	while ((seq = seq_take(g, region, birth_day - (as_of_day - BIRTH_SPAN_DAYS), is_male)) < 0)
		birth_day = birth_day > as_of_day - BIRTH_SPAN_DAYS + 1 ? birth_day - 1 : as_of_day - 16 * 366;
	civil_from_days(birth_day, &by, &bm, &bd);
	char id_number[ID_NUMBER_LEN + 1];
	memcpy(id_number, regions[region].code, 6);
	put_digits(id_number + 6, (unsigned)by, 4);
	put_digits(id_number + 10, (unsigned)bm, 2);
	put_digits(id_number + 12, (unsigned)bd, 2);
	put_digits(id_number + 14, (unsigned)seq, 3);
	id_number[17] = id_number_check_char(id_number);
	id_number[18] = '\0';
	memcpy(p->birth_date, id_number + 6, 4);
	p->birth_date[4] = '-';
	memcpy(p->birth_date + 5, id_number + 10, 2);
	p->birth_date[7] = '-';
	memcpy(p->birth_date + 8, id_number + 12, 2);
	p->birth_date[10] = '\0';
	p->gender[0] = is_male ? 'M' : 'F';
	name_make(g, is_male, age, p->name);

	/* Phone: most have one, fewer of the very old. */
	char phone[PHONE_LEN + 1];
	bool has_phone = is_citizen || (int)demo_rng_below(r, 100) < (age >= 80 ? 45 : 72);
	if (is_citizen) {
		snprintf(phone, sizeof(phone), "%s", DEMO_CITIZEN_PHONE);
	} else if (has_phone) {
		const char *prefix = phone_prefixes[demo_rng_below(r, COUNT(phone_prefixes))];
		uint32_t suffix = phone_permute(g->phone_key, (uint32_t)index);
		if (strcmp(prefix, "138") == 0 && suffix == 138000)
			prefix = "139"; /* the demo citizen's number */
		memcpy(phone, prefix, 3);
		put_digits(phone + 3, suffix, 8);
		phone[PHONE_LEN] = '\0';
	}
	person_secrets_compute(g->keys, id_number, has_phone ? phone : NULL, &p->sec);

	/* Who registered the account: the person online, or an institution of their district. */
	int who = (int)demo_rng_below(r, 100);
	int inst = -1;
	if (is_citizen || who < 45)
		inst = -1;
	else if (who < 55)
		inst = g->open_university;
	else if (who < 70)
		inst = dist->registrars[0];
	else if (who < 90 || age < 55)
		inst = dist->registrars[1];
	else
		inst = dist->registrars[2];
	p->registered_by = inst >= 0 ? g->institutions[inst].id.s : NULL;

	/* Activation: about a third, the young more often, more of them recently. */
	int act_pct = age < 45 ? 42 : age < 60 ? 36 : 27;
	int64_t launch = day_us(LAUNCH_Y), act_start = day_us(ACTIVATION_START_Y), as_of = day_us(AS_OF_Y);
	p->is_activated = is_citizen || (int)demo_rng_below(r, 100) < act_pct;
	/* Times of day between 08:00 and 22:00 in Shanghai (UTC+8). */
	int64_t time_of_day = (int64_t)demo_rng_below(r, 14ULL * 3600 * 1000000);
	if (p->is_activated) {
		uint64_t span_days = (uint64_t)((as_of - act_start) / DAY_US);
		uint64_t a = demo_rng_below(r, span_days), b = demo_rng_below(r, span_days);
		int64_t day = (int64_t)(a > b ? a : b); /* the later of two: activations grew year by year */
		p->activated_at = act_start + day * DAY_US + time_of_day;
		if (!p->registered_by) {
			p->created_at = p->activated_at; /* registered and activated in one step online */
		} else {
			int64_t before = (int64_t)demo_rng_below(r, 365) * DAY_US;
			p->created_at = p->activated_at - before < launch ? launch + time_of_day : p->activated_at - before;
		}
	} else {
		uint64_t span_days = (uint64_t)((as_of - launch) / DAY_US);
		p->created_at = launch + (int64_t)demo_rng_below(r, span_days) * DAY_US + time_of_day;
	}
	return true;
}
