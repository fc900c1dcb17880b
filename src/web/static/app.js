// Tessera web UI: the only script. It adds "Copy" and "Download" to secrets shown once
// (tokens, recovery codes). Everything works without it; the text can be selected by hand.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  // A list (recovery codes) is one item per line; anything else its text.
  const textOf = (id) => {
    const el = document.getElementById(id);
    if (!el) return '';
    const items = el.querySelectorAll('li');
    return items.length ? Array.from(items, (li) => li.textContent.trim()).join('\n') : el.textContent.trim();
  };
  const say = (button, text) => {
    const old = button.textContent;
    button.textContent = text;
    setTimeout(() => { button.textContent = old; }, 2000);
  };

  for (const button of document.querySelectorAll('button[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(textOf(button.dataset.copy));
        say(button, 'Copied');
      } catch {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        const sel = window.getSelection();
        sel.removeAllRanges();
        sel.addRange(range);
        say(button, 'Selected: press Ctrl+C');
      }
    });
  }

  // A Blob made here, so the secret is never part of a URL the server sees.
  for (const button of document.querySelectorAll('button[data-download]')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const text = `${textOf(button.dataset.download)}\n`;
      const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = button.dataset.filename || 'tessera.txt';
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    });
  }
});
