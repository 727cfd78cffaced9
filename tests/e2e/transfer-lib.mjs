// Test data of the learning-overpass browser tests, made through the API with the city admin of
// LIFELONG_CITY_ADMIN, as the demo city has it: an open university of its own with the
// self-study programme 工商企业管理（专科） (530601) and its three conversion rules approved by the
// city (CET-4 of 425 or more for English I and II, NCRE level 2 for 00051 and 00052, ten
// community courses of 16 hours for an elective credit), a skills-testing centre that deposits
// certificates, a staff member of each, and a self-registered citizen. Each test file makes its
// own, so that the files do not depend on each other or on demo data. Also the steps the files
// share: signing in and reaching a page the way its users do, and elder mode's checks.
import assert from 'node:assert/strict';
import { registerCitizenByApi, signIn, uniqueSuffix, waitForPath } from './lib.mjs';
import { apiSignIn, call, cityAdmin, controlsBelow, textBelow } from './ledger-lib.mjs';

export { cityAdmin };

export const PROGRAMME = { code: '530601', name: '工商企业管理（专科）', name_en: 'Business Administration (associate degree)', kind: 'self_study' };

export const PLAN = {
  total_credits_milli: 70000,
  transfer_max_permille: 500,
  groups: [
    { code: 'public', name: '公共基础课', name_en: 'Public foundation' },
    { code: 'core', name: '专业核心课', name_en: 'Core' },
    { code: 'elective', name: '选修课', name_en: 'Electives', elective: true, min_credits_milli: 8000 },
  ],
  courses: [
    { code: '03708', name: '中国近现代史纲要', name_en: 'Outline of Modern Chinese History', group: 'public', credits_milli: 2000, transfer_excluded: true },
    { code: '00012', name: '英语(一)', name_en: 'English I', group: 'public', credits_milli: 7000 },
    { code: '00015', name: '英语(二)', name_en: 'English II', group: 'public', credits_milli: 14000 },
    { code: '00051', name: '管理系统中计算机应用', name_en: 'Computers in Management Systems', group: 'public', credits_milli: 3000 },
    { code: '00052', name: '管理系统中计算机应用（实践）', name_en: 'Computers in Management Systems (practice)', group: 'public', credits_milli: 1000 },
    { code: '00054', name: '管理学原理', name_en: 'Principles of Management', group: 'core', credits_milli: 6000 },
    { code: '00041', name: '会计学基础', name_en: 'Basic Accounting', group: 'core', credits_milli: 5000 },
    { code: '00058', name: '市场营销学', name_en: 'Marketing', group: 'core', credits_milli: 5000 },
    { code: '00147', name: '人力资源管理', name_en: 'Human Resource Management', group: 'core', credits_milli: 6000 },
    { code: '00043', name: '经济法概论', name_en: 'Economic Law', group: 'core', credits_milli: 4000 },
    { code: '00182', name: '公共关系学', name_en: 'Public Relations', group: 'elective', credits_milli: 4000 },
    { code: '00277', name: '行政管理学', name_en: 'Public Administration', group: 'elective', credits_milli: 5000 },
    { code: '00034', name: '社会学概论', name_en: 'Introduction to Sociology', group: 'elective', credits_milli: 4000 },
    { code: '04729', name: '大学语文', name_en: 'College Chinese', group: 'elective', credits_milli: 4000 },
  ],
};

export const RULES = {
  cet4: {
    name: '大学英语四级 425 分及以上免考英语(一)、英语(二)',
    name_en: 'CET-4 of 425 or more exempts English I and II',
    effective_from: '2020-01-01',
    conditions: [{ kind: 'vocational_certificate', code: 'CET4', min_result: { score: '425' } }],
    grants: [{ course: '00012' }, { course: '00015' }],
  },
  ncre: {
    name: '全国计算机等级考试二级免考 00051、00052',
    name_en: 'NCRE level 2 exempts 00051 and 00052',
    effective_from: '2020-01-01',
    conditions: [{ kind: 'vocational_certificate', code: 'NCRE-2*', min_result: 'pass' }],
    grants: [{ course: '00051' }, { course: '00052' }],
  },
  community: {
    name: '十门 16 学时及以上社区教育课程认定选修 1 学分',
    name_en: 'Ten community-education courses of 16 hours or more count as one elective credit',
    effective_from: '2021-01-01',
    conditions: [{ kind: 'community_education', min_hours_milli: 16000, count: 10 }],
    grants: [{ group: 'elective', credits_milli: 1000 }],
  },
};

export async function setupTransfer() {
  const city = await apiSignIn(cityAdmin.login, cityAdmin.password);
  const suffix = uniqueSuffix();
  const ou = await call(
    'POST',
    '/api/v1/institutions',
    { name: `上海开放大学转换测试分校 ${suffix}`, name_en: 'Open University Transfer Test Branch', type: 'open_university', district_code: '310104000000' },
    city,
  );
  const staff = { login: 'tstaff-' + suffix, password: 'Staff-' + uniqueSuffix() + '-1', name: '陈老师' };
  await call('POST', `/api/v1/institutions/${ou.id}/staff`, { login: staff.login, display_name: staff.name, password: staff.password, role: 'staff' }, city);
  const centre = await call(
    'POST',
    '/api/v1/institutions',
    { name: `上海职业技能鉴定测试中心 ${suffix}`, name_en: 'Skills Testing Centre', type: 'training_institution', district_code: '310104000000' },
    city,
  );
  const centreStaff = { login: 'tcentre-' + suffix, password: 'Centre-' + uniqueSuffix() + '-1', name: '吴老师' };
  await call('POST', `/api/v1/institutions/${centre.id}/staff`, { login: centreStaff.login, display_name: '吴老师', password: centreStaff.password, role: 'staff' }, city);
  const { account, password } = await registerCitizenByApi('孙学员');
  const citizen = { login: account.account_no, password, account };
  const staffSession = await apiSignIn(staff.login, staff.password);
  const centreSession = await apiSignIn(centreStaff.login, centreStaff.password);

  const programme = await call('POST', '/api/v1/transfer/programmes', { ...PROGRAMME, plan: PLAN }, staffSession);
  const rules = {};
  for (const [k, body] of Object.entries(RULES)) {
    const r = await call('POST', `/api/v1/transfer/programmes/${programme.id}/rules`, body, staffSession);
    await call('POST', `/api/v1/transfer/rules/${r.id}/versions/${r.version}/decision`, { decision: 'approve' }, city);
    rules[k] = r;
  }

  return {
    suffix,
    city,
    ou,
    centre,
    staff,
    centreStaff,
    citizen,
    staffSession,
    centreSession,
    programme,
    rules,
    // An outcome for the citizen (or account_no), deposited by the open university.
    deposit: (o, accountNo = account.account_no) => call('POST', '/api/v1/ledger/outcomes', { account_no: accountNo, ...o }, staffSession),
    // A certificate for the citizen, deposited by the testing centre.
    certificate: (o, accountNo = account.account_no) =>
      call('POST', '/api/v1/ledger/outcomes', { account_no: accountNo, kind: 'vocational_certificate', level: 5, certificate_no: 'ZS-' + uniqueSuffix(), ...o }, centreSession),
    // Publishes a rule of the programme as the staff member; it waits for the city.
    publish: (body, programmeId = programme.id) => call('POST', `/api/v1/transfer/programmes/${programmeId}/rules`, body, staffSession),
    ruleVersions: (programmeId = programme.id) => call('GET', `/api/v1/transfer/programmes/${programmeId}/rules`, undefined, staffSession),
  };
}

// The citizen's learning as the tests use it: two courses of the plan passed, CET-4 of 523 and
// NCRE level 2 (which the rules turn into 25 credits the learner may apply for), and three
// community courses (too few for the community rule: an explanation).
export async function depositLearning(ctx, accountNo) {
  const done = [];
  done.push(await ctx.deposit({ kind: 'academic_credit', title: '中国近现代史纲要', code: '03708', level: 5, credits_milli: 2000, result_kind: 'score', result: '78', awarded_on: '2024-01-10' }, accountNo));
  done.push(await ctx.deposit({ kind: 'academic_credit', title: '管理学原理', code: '00054', level: 5, credits_milli: 6000, result_kind: 'score', result: '85', awarded_on: '2024-07-01' }, accountNo));
  done.push(await ctx.certificate({ title: '大学英语四级（CET-4）', code: 'CET4', result_kind: 'score', result: '523', awarded_on: '2023-12-20' }, accountNo));
  done.push(await ctx.certificate({ title: '全国计算机等级考试二级（MS Office 高级应用）', code: 'NCRE-2-MSO', result_kind: 'pass', result: 'pass', awarded_on: '2024-03-30' }, accountNo));
  for (let i = 1; i <= 3; i++) done.push(await ctx.deposit({ kind: 'community_education', title: `社区书法班（第 ${i} 期）`, hours_milli: 20000, awarded_on: `2024-0${i}-15` }, accountNo));
  for (const d of done) if (d.status !== 'stored') throw new Error('an outcome of the test was not stored: ' + JSON.stringify(d));
  return done;
}

// ---- Pages, reached as their users reach them ----

// Signs in as who ({ login, password }) and waits for the role's landing page.
export async function signInAt(page, who, home) {
  await signIn(page, who.login, who.password);
  await waitForPath(page, home);
}

// Follows the main navigation's entry nav-<key> to path and waits for [data-test=<ready>].
export async function viaNav(page, key, path, ready) {
  await page.locator(`[data-test=nav-${key}]`).click();
  await waitForPath(page, path);
  if (ready) await page.locator(`[data-test=${ready}]`).waitFor();
}

// Opens a path of the portal in a signed-in page (a page no navigation entry leads to).
export async function openPath(page, path, ready) {
  await page.goto(new URL(page.url()).origin + path);
  if (ready) await page.locator(`[data-test=${ready}]`).waitFor();
}

// The city's approval queue of conversion rules, as the city admin.
export async function openRuleQueue(page) {
  await signInAt(page, cityAdmin, '/city');
  await viaNav(page, 'ruleQueue', '/city/transfer-rules', 'rule-queue-page');
}

// The institution's review queue of transfer items, as a staff member of it.
export async function openTransferItems(page, staff) {
  await signInAt(page, staff, '/institution');
  await viaNav(page, 'transferItems', '/institution/transfer-items', 'items-page');
}

// The institution's certification units, as a staff member of it.
export async function openUnits(page, staff) {
  await signInAt(page, staff, '/institution');
  await viaNav(page, 'units', '/institution/units', 'units-page');
}

// The city's approval queue of certification units, as the city admin.
export async function openUnitQueue(page) {
  await signInAt(page, cityAdmin, '/city');
  await viaNav(page, 'unitQueue', '/city/units', 'unit-queue-page');
}

// The catalogue of approved certification units, as any signed-in user (home: their landing page).
export async function openUnitCatalogue(page, who, home) {
  await signInAt(page, who, home);
  await viaNav(page, 'unitCatalogue', '/units', 'unit-catalogue-page');
}

// The city's transfer statistics, as the city admin or an auditor.
export async function openTransferStats(page, who = cityAdmin) {
  await signInAt(page, who, '/city');
  await viaNav(page, 'transferStats', '/city/transfer-stats', 'transfer-stats-page');
}

// ---- Elder mode ----

export async function elderOn(page) {
  await page.locator('[data-test=elder-toggle]').click();
  await page.waitForFunction(() => document.documentElement.classList.contains('elder'));
  await page.waitForTimeout(400);
}

export async function elderOff(page) {
  await page.locator('[data-test=elder-toggle]').click();
  await page.waitForFunction(() => !document.documentElement.classList.contains('elder'));
}

// What elder mode promises of the page as it is now: no text below 22px, no button below 56px,
// and (unless sideways is false) no sideways scrolling.
export async function assertElder(page, what, { sideways = true } = {}) {
  assert.deepEqual(await textBelow(page, 22), [], `no text below 22px on ${what}`);
  assert.deepEqual(await controlsBelow(page, 56), [], `no button below 56px on ${what}`);
  if (sideways) assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), `no sideways scrolling on ${what}`);
}

// Elder mode switched on, and the page checked.
export async function elderCheck(page, what) {
  await elderOn(page);
  await assertElder(page, what);
}
