() => {
  // The source viewer (viewer.py). Anything with a data-view attribute - a card's [n] or "Show in source",
  // the viewer's paging and close buttons - and each [n] link in an answer (#pair-cite-TURN-N) sends a small
  // JSON request through the hidden #pair-view-request textbox (its change event: Gradio 6 fires "input" only
  // on key presses); the server answers with the viewer's HTML. Each request carries a time, so it always changes.
  if (window.__pairViewer) return;
  window.__pairViewer = true;
  const send = (request) => {
    const box = document.querySelector('#pair-view-request textarea, #pair-view-request input');
    if (!box) return;
    box.value = JSON.stringify(Object.assign({}, request, {at: Date.now()}));
    box.dispatchEvent(new Event('input', {bubbles: true}));
  };
  document.addEventListener('click', (event) => {
    const target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    const link = target.closest('#pair-chat a[href^="#pair-cite-"]');
    if (link) {
      const m = /^#pair-cite-(\d+)-(\d+)$/.exec(link.getAttribute('href'));
      event.preventDefault();
      event.stopPropagation();
      if (m) send({turn: Number(m[1]), n: Number(m[2])});
      return;
    }
    const opener = target.closest('[data-view]');
    if (opener) {
      event.preventDefault();
      try { send(JSON.parse(opener.dataset.view)); } catch (e) { /* not ours */ }
      return;
    }
    const copy = target.closest('[data-copy]');
    if (copy) {
      const text = copy.dataset.copy;
      const done = () => { copy.textContent = 'Copied'; setTimeout(() => { copy.textContent = 'Copy citation'; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, () => selectReference(copy));
      } else {
        selectReference(copy);
      }
    }
  }, true);
  const selectReference = (button) => {
    // no clipboard (plain http on a network address): select the reference so Ctrl+C copies it
    const ref = button.closest('.pair-viewer') && button.closest('.pair-viewer').querySelector('.pair-viewer-ref');
    if (!ref) return;
    const range = document.createRange();
    range.selectNodeContents(ref);
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    button.textContent = 'Selected: press Ctrl+C';
  };
  // When a view arrives, bring the cited text into sight: the PDF box, else the highlighted span.
  const scrollToCited = () => {
    const panel = document.querySelector('#pair-viewer .pair-viewer');
    if (!panel || panel.dataset.scrolled === '1') return;
    panel.dataset.scrolled = '1';
    const first = panel.querySelector('.pair-pdf-box') || panel.querySelector('.pair-ctx-cited mark') ||
      panel.querySelector('.pair-ctx-cited');
    panel.scrollIntoView({block: 'start'});
    if (first) first.scrollIntoView({block: 'center'});
  };
  new MutationObserver(scrollToCited).observe(document.body, {childList: true, subtree: true});
}
