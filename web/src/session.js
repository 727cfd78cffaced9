// The signed-in user and the display preferences (elder mode, locale), shared by every page.
//
// Preferences live in localStorage so that they hold before sign-in, and on the server
// (PUT /api/v1/me/preferences) so that they follow the person to another device. When the app
// loads, the server's values win. A change made while signed out is marked pending and is saved
// to the server at the next sign-in instead of being overwritten by it.

import { reactive, readonly } from 'vue';
import api, { setCsrfToken, onUnauthenticated } from './api.js';
import { i18n, setI18nLocale, LOCALES } from './i18n.js';

const KEY_ELDER = 'lifelong.elder';
const KEY_LOCALE = 'lifelong.locale';
const KEY_PENDING = 'lifelong.prefsPending';

function lsGet(k) {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}
function lsSet(k, v) {
  try {
    if (v === null) localStorage.removeItem(k);
    else localStorage.setItem(k, v);
  } catch {
    /* private mode: keep it for this page only */
  }
}

function initialLocale() {
  const l = lsGet(KEY_LOCALE);
  if (LOCALES.includes(l)) return l;
  return 'zh-CN';
}

const state = reactive({
  user: null, // Me from GET /api/v1/me, or null
  ready: false, // the first GET /api/v1/me has answered
  elder: lsGet(KEY_ELDER) === '1',
  locale: initialLocale(),
});

export const session = readonly(state);

function applyElder(on) {
  state.elder = !!on;
  document.documentElement.classList.toggle('elder', state.elder);
  lsSet(KEY_ELDER, state.elder ? '1' : '0');
}

function applyLocale(l) {
  if (!LOCALES.includes(l)) l = 'zh-CN';
  state.locale = l;
  setI18nLocale(l);
  lsSet(KEY_LOCALE, l);
}

applyElder(state.elder);
applyLocale(state.locale);

function pending() {
  try {
    return JSON.parse(lsGet(KEY_PENDING) || '{}') || {};
  } catch {
    return {};
  }
}

function markPending(patch) {
  lsSet(KEY_PENDING, JSON.stringify({ ...pending(), ...patch }));
}

function adoptUser(me, csrf) {
  state.user = me;
  setCsrfToken(csrf || me.csrf_token);
}

// Takes the server's preferences, unless the person changed them while signed out: then those
// changes are saved to the server.
async function syncPrefs() {
  const p = pending();
  const changes = {};
  if ('elder_mode' in p && p.elder_mode !== state.user.elder_mode) changes.elder_mode = p.elder_mode;
  if ('locale' in p && p.locale !== state.user.locale) changes.locale = p.locale;
  lsSet(KEY_PENDING, null);
  if (Object.keys(changes).length) {
    try {
      const me = await api.put('me/preferences', changes);
      if (me) state.user = { ...state.user, ...me };
    } catch {
      /* keep the local choice on screen even if saving failed */
    }
    applyElder('elder_mode' in changes ? changes.elder_mode : state.user.elder_mode);
    applyLocale('locale' in changes ? changes.locale : state.user.locale);
    return;
  }
  applyElder(state.user.elder_mode);
  applyLocale(state.user.locale);
}

// Asks the server who is signed in. Never throws: on any failure the user is null.
export async function loadSession() {
  try {
    const me = await api.get('me');
    adoptUser(me);
    await syncPrefs();
  } catch {
    state.user = null;
    setCsrfToken(null);
  } finally {
    state.ready = true;
  }
  return state.user;
}

export async function signIn(login, password) {
  const r = await api.post('session', { login, password });
  adoptUser(r.user, r.csrf_token);
  await syncPrefs();
  return state.user;
}

export async function signOut() {
  try {
    await api.del('session');
  } catch {
    /* the session may already be gone */
  }
  state.user = null;
  setCsrfToken(null);
}

export async function setElder(on) {
  applyElder(on);
  if (state.user) {
    try {
      const me = await api.put('me/preferences', { elder_mode: state.elder });
      if (me) state.user = { ...state.user, ...me };
    } catch {
      markPending({ elder_mode: state.elder });
    }
  } else {
    markPending({ elder_mode: state.elder });
  }
}

export async function setLocale(l) {
  applyLocale(l);
  if (state.user) {
    try {
      const me = await api.put('me/preferences', { locale: state.locale });
      if (me) state.user = { ...state.user, ...me };
    } catch {
      markPending({ locale: state.locale });
    }
  } else {
    markPending({ locale: state.locale });
  }
}

// The page a role lands on after sign-in.
export function homeFor(user) {
  if (!user) return '/login';
  switch (user.role) {
    case 'citizen':
      return '/me';
    case 'staff':
    case 'institution_admin':
      return user.institution ? '/institution' : '/staff-home';
    case 'district_admin':
    case 'city_admin':
    case 'auditor':
      return '/city';
    case 'reviewer':
      return '/review';
    default:
      return '/staff-home';
  }
}

// A request that finds the session gone signs the page out; the router sends it to /login.
const expiredHandlers = new Set();
export function onSessionExpired(fn) {
  expiredHandlers.add(fn);
}
onUnauthenticated(() => {
  if (!state.user) return;
  state.user = null;
  setCsrfToken(null);
  expiredHandlers.forEach((fn) => fn());
});

export { i18n };
