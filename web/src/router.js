import { createRouter, createWebHistory } from 'vue-router';
import { session, loadSession, homeFor, onSessionExpired } from './session.js';
import { i18n } from './i18n.js';
import LoginView from './views/LoginView.vue';

const STAFF = ['staff', 'institution_admin'];
const STATS = ['district_admin', 'city_admin', 'auditor'];
const REVIEW = ['reviewer', 'city_admin'];

const routes = [
  { path: '/', name: 'home', redirect: () => homeFor(session.user) },
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'login.title' } },
  {
    path: '/register',
    name: 'register',
    component: () => import('./views/RegisterView.vue'),
    meta: { public: true, title: 'register.title' },
  },
  {
    path: '/activate',
    name: 'activate',
    component: () => import('./views/ActivateView.vue'),
    meta: { public: true, title: 'activate.title' },
  },
  {
    path: '/me',
    name: 'me',
    component: () => import('./views/MeView.vue'),
    meta: { roles: ['citizen'], title: 'nav.me' },
  },
  {
    path: '/me/transcript',
    name: 'transcript',
    component: () => import('./views/TranscriptView.vue'),
    meta: { roles: ['citizen'], title: 'nav.transcript' },
  },
  {
    // What learning platforms report the citizen learned (xAPI statements), by day.
    path: '/me/activity',
    name: 'activity',
    component: () => import('./views/ActivityView.vue'),
    meta: { roles: ['citizen'], title: 'activity.title' },
  },
  {
    path: '/me/shares',
    name: 'shares',
    component: () => import('./views/SharesView.vue'),
    meta: { roles: ['citizen'], title: 'nav.shares' },
  },
  {
    // 我的凭证: outcomes issued as verifiable credentials (Open Badges 3.0, VC-JOSE).
    path: '/me/credentials',
    name: 'credentials',
    component: () => import('./views/CredentialsView.vue'),
    meta: { roles: ['citizen'], title: 'nav.credentials' },
  },
  {
    // 求职认证: the citizen shares chosen outcomes with an employer by a link and its QR code, sees
    // every view of it and ends it.
    path: '/me/credential-shares',
    name: 'credential-shares',
    component: () => import('./views/CredentialSharesView.vue'),
    meta: { roles: ['citizen'], title: 'credentialShares.title' },
  },
  {
    // The transcript of one share, on A4 with its QR code.
    path: '/me/credential-shares/:id/print',
    name: 'credential-share-print',
    component: () => import('./views/CredentialSharePrintView.vue'),
    meta: { roles: ['citizen'], title: 'credentialShares.print.title' },
  },
  {
    // 跨省学习记录: the citizen fetches their records held by another credit bank of the Yangtze
    // River Delta, with consent, and sees what was imported and who accessed their records.
    path: '/me/federation',
    name: 'federation-records',
    component: () => import('./views/FederationRecordsView.vue'),
    meta: { roles: ['citizen'], title: 'federationRecords.title' },
  },
  {
    // The employer's page of a share: the shared records, each verified, without an account.
    path: '/s/:token',
    name: 'shared',
    component: () => import('./views/SharedView.vue'),
    meta: { public: true, title: 'shared.title' },
  },
  {
    // 验证凭证: anyone (an employer, a school) checks a credential, without signing in.
    path: '/verify',
    name: 'verify',
    component: () => import('./views/VerifyView.vue'),
    meta: { public: true, title: 'verify.title' },
  },
  {
    // What the citizen's learning counts toward: programmes found and followed.
    path: '/me/programmes',
    name: 'my-programmes',
    component: () => import('./views/TransferView.vue'),
    meta: { roles: ['citizen'], title: 'transfer.mine.title' },
  },
  {
    path: '/me/applications',
    name: 'my-applications',
    component: () => import('./views/TransferApplicationsView.vue'),
    meta: { roles: ['citizen'], title: 'transfer.apply.mineTitle' },
  },
  {
    path: '/me/programmes/:id',
    name: 'my-programme-audit',
    component: () => import('./views/TransferAuditView.vue'),
    meta: { roles: ['citizen'], title: 'transfer.mine.auditTitle' },
  },
  {
    // 学习打卡: today's button, the streak and the month calendar.
    path: '/me/checkin',
    name: 'checkin',
    component: () => import('./views/CheckinView.vue'),
    meta: { roles: ['citizen'], title: 'points.checkin.title' },
  },
  {
    // Where a learning site's QR code lands (?site=ID&code=CODE); signing in first comes back here.
    path: '/checkin',
    name: 'checkin-site',
    component: () => import('./views/CheckinView.vue'),
    meta: { roles: ['citizen'], title: 'points.checkin.siteTitle' },
  },
  {
    // 我的积分: balances, the incentives to redeem, the vouchers and the statement.
    path: '/me/points',
    name: 'points',
    component: () => import('./views/PointsView.vue'),
    meta: { roles: ['citizen'], title: 'points.mine.title' },
  },
  {
    path: '/institution',
    name: 'institution',
    component: () => import('./views/InstitutionView.vue'),
    meta: { roles: STAFF, title: 'nav.institution' },
  },
  {
    path: '/institution/outcomes',
    name: 'outcomes',
    component: () => import('./views/OutcomesView.vue'),
    meta: { roles: STAFF, title: 'nav.outcomes' },
  },
  {
    path: '/institution/imports',
    name: 'imports',
    component: () => import('./views/ImportView.vue'),
    meta: { roles: STAFF, title: 'nav.imports' },
  },
  {
    path: '/institution/archive',
    name: 'archive',
    component: () => import('./views/ArchiveView.vue'),
    meta: { roles: STAFF, title: 'nav.archive' },
  },
  {
    // One person of the archive: their transcript as far as the institution may see it.
    path: '/institution/archive/:personId',
    name: 'archive-person',
    component: () => import('./views/ArchivePersonView.vue'),
    meta: { roles: STAFF, title: 'archive.personPageTitle' },
  },
  {
    // The institution's programmes, their plans, conversion rules and learners.
    path: '/institution/programmes',
    name: 'programmes',
    component: () => import('./views/TransferProgrammesView.vue'),
    meta: { roles: STAFF, title: 'nav.programmes' },
  },
  {
    path: '/institution/programmes/new',
    name: 'programme-new',
    component: () => import('./views/TransferProgrammeNewView.vue'),
    meta: { roles: STAFF, title: 'transfer.staff.newTitle' },
  },
  {
    path: '/institution/programmes/:id',
    name: 'programme',
    component: () => import('./views/TransferProgrammeView.vue'),
    meta: { roles: STAFF, title: 'transfer.staff.programmeTitle' },
  },
  {
    // Transfer items learners applied for, waiting for the institution's decision.
    path: '/institution/transfer-items',
    name: 'transfer-items',
    component: () => import('./views/TransferItemsView.vue'),
    meta: { roles: STAFF, title: 'nav.transferItems' },
  },
  {
    // The institution's certification units and the form to publish one.
    path: '/institution/units',
    name: 'units',
    component: () => import('./views/UnitsView.vue'),
    meta: { roles: STAFF, title: 'nav.units' },
  },
  {
    // The xAPI credentials the institution issues to its learning platforms.
    path: '/institution/xapi-clients',
    name: 'xapi-clients',
    component: () => import('./views/LrsClientsView.vue'),
    meta: { roles: STAFF, title: 'nav.xapiClients' },
  },
  {
    // The institution's learning sites with today's QR codes, and the vouchers to mark used.
    path: '/institution/checkin-sites',
    name: 'checkin-sites',
    component: () => import('./views/CheckinSitesView.vue'),
    meta: { roles: STAFF, title: 'points.sites.title' },
  },
  {
    path: '/institution/programmes/:id/audits/:account',
    name: 'programme-audit',
    component: () => import('./views/TransferStaffAuditView.vue'),
    meta: { roles: STAFF, title: 'transfer.learners.auditPageTitle' },
  },
  {
    path: '/review',
    name: 'review',
    component: () => import('./views/ReviewView.vue'),
    meta: { roles: REVIEW, title: 'nav.review' },
  },
  {
    // Anyone may read the entry standards; the city admin edits them on the same page.
    path: '/standards',
    name: 'standards',
    component: () => import('./views/StandardsView.vue'),
    meta: { public: true, title: 'nav.standards' },
  },
  {
    // The city's decisions on the conversion rules institutions publish.
    path: '/city/transfer-rules',
    name: 'rule-queue',
    component: () => import('./views/RuleQueueView.vue'),
    meta: { roles: ['city_admin'], title: 'nav.ruleQueue' },
  },
  {
    // The city's decisions on the certification units institutions publish, and a search of all.
    path: '/city/units',
    name: 'unit-queue',
    component: () => import('./views/UnitQueueView.vue'),
    meta: { roles: ['city_admin'], title: 'transfer.units.queue.title' },
  },
  {
    path: '/city/transfer-stats',
    name: 'transfer-stats',
    component: () => import('./views/TransferStatsView.vue'),
    meta: { roles: ['city_admin', 'auditor'], title: 'transfer.stats.title' },
  },
  {
    // The earning rules and the incentives catalogue; an auditor reads them.
    path: '/city/points',
    name: 'points-admin',
    component: () => import('./views/PointsAdminView.vue'),
    meta: { roles: ['city_admin', 'auditor'], title: 'points.admin.title' },
  },
  {
    // 长三角学分银行互认: this node's identity and keys, and the peer nodes it trusts; the city
    // admin registers, changes, suspends and resumes peers, an auditor reads them; the regional
    // statistics for all three (a district admin sees the node and the region, not the peers).
    path: '/city/federation',
    name: 'federation',
    component: () => import('./views/FederationView.vue'),
    meta: { roles: ['city_admin', 'district_admin', 'auditor'], title: 'federation.title' },
  },
  {
    // The approved certification units, for anyone signed in.
    path: '/units',
    name: 'unit-catalogue',
    component: () => import('./views/UnitCatalogueView.vue'),
    meta: { title: 'transfer.units.catalogue.title' },
  },
  {
    path: '/city',
    name: 'city',
    component: () => import('./views/CityView.vue'),
    meta: { roles: STATS, title: 'nav.city' },
  },
  {
    path: '/staff-home',
    name: 'staff-home',
    component: () => import('./views/StaffHomeView.vue'),
    meta: { roles: ['reviewer', ...STAFF, ...STATS], title: 'nav.staffHome' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./views/NotFoundView.vue'),
    meta: { public: true, title: 'notFound.title' },
  },
];

const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

router.beforeEach(async (to) => {
  if (!session.ready) await loadSession();
  const user = session.user;
  if (to.name === 'login' && user) return homeFor(user);
  if (to.meta.public) return true;
  if (!user) {
    return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} };
  }
  if (to.meta.roles && !to.meta.roles.includes(user.role)) return homeFor(user);
  return true;
});

router.afterEach((to) => {
  const t = i18n.global.t;
  document.title = to.meta.title ? `${t(to.meta.title)} · ${t('app.name')}` : t('app.name');
});

onSessionExpired(() => {
  const cur = router.currentRoute.value;
  if (!cur.meta.public) router.replace({ name: 'login', query: { next: cur.fullPath, expired: '1' } });
});

export default router;
