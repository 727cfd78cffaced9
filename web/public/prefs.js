// Applies the remembered display preferences before the first paint, so that a person who needs
// large type never sees the small page first. A file, not an inline script: the server's
// Content-Security-Policy admits only the portal's own scripts.
(function () {
  try {
    if (localStorage.getItem('lifelong.elder') === '1') document.documentElement.classList.add('elder');
    var l = localStorage.getItem('lifelong.locale');
    if (l === 'en' || l === 'zh-CN') {
      document.documentElement.lang = l;
      if (l === 'en') document.title = 'Shanghai Lifelong Learning';
    }
  } catch (e) {
    /* storage unavailable: defaults */
  }
})();
