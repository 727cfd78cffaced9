// What the xAPI credentials page tells a learning platform: where the learning record store
// answers, and how a statement names a learner. The one place these live, so that the homePage
// can later come from the server without touching the pages.

// The homePage of lifelong accounts in xAPI statements: the server's --home-page option (its
// default). No API reports it yet; when one does, read it here.
export const ACCOUNT_HOME_PAGE = 'https://lifelong.sh.cn';

// The xAPI version the platforms send in X-Experience-API-Version.
export const XAPI_VERSION = '1.0.3';

// The xAPI endpoint of this server, as platforms reach the portal.
export function xapiEndpoint() {
  return window.location.origin + '/xapi';
}

// The actor of a statement about the learner with the lifelong account number accountNo.
export function exampleActor(accountNo) {
  return { account: { homePage: ACCOUNT_HOME_PAGE, name: accountNo } };
}

// Puts text on the clipboard; true when it got there. Falls back to a selected, off-screen
// textarea where the Clipboard API is missing or refused, and removes it at once.
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // refused (no permission, no focus): try the old way
  }
  const ta = document.createElement('textarea');
  ta.value = text;
  ta.setAttribute('readonly', '');
  ta.style.position = 'fixed';
  ta.style.top = '-1000px';
  ta.style.opacity = '0';
  document.body.appendChild(ta);
  let ok = false;
  try {
    ta.select();
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  } finally {
    ta.value = '';
    ta.remove();
  }
  return ok;
}

// The activity id of the certification unit code in a statement whose completion deposits it
// (docs/lrs.md, "Completions deposited in the credit bank"): exactly this IRI.
export function unitActivityIri(code) {
  return `${ACCOUNT_HOME_PAGE}/units/${code}`;
}

// The tag type of what depositing a completion gave (GET /api/v1/lrs/deposits: status).
const DEPOSIT_TONES = { stored: 'success', pending: 'warning', returned: 'warning', refused: 'danger', rejected: 'danger' };
export function depositTone(status) {
  return DEPOSIT_TONES[status] || 'info';
}
