// Tessera web UI: passkeys and security keys. A form with data-passkey="get", "create" or
// "get create" asks the browser for each step in turn (@simplewebauthn/browser, loaded before
// this file): it fetches the options (a POST with the form's CSRF token to data-get-options or
// data-create-options), runs the ceremony, puts the answer in the hidden field named
// "assertion" (get) or "response" (create), then submits the form. Errors are shown in the
// form's [data-passkey-error] element; nothing is sent without the person's passkey. With
// data-passkey-unless="otp" a typed code is sent instead, without the ceremony.
'use strict';

document.addEventListener('DOMContentLoaded', () => {
  const lib = window.SimpleWebAuthnBrowser;
  const supported = lib && lib.browserSupportsWebAuthn();
  for (const form of document.querySelectorAll('form[data-passkey]')) {
    const error = form.querySelector('[data-passkey-error]');
    const button = form.querySelector('button[type="submit"]');
    if (!supported) {
      if (button) button.disabled = true;
      if (error) {
        error.hidden = false;
        error.textContent = 'This browser cannot use passkeys (or scripts are off).';
      }
      continue;
    }
    form.addEventListener('submit', async (event) => {
      // data-passkey-unless="NAME": a form that also takes a code goes as it is when one was typed.
      const unless = form.dataset.passkeyUnless && form.querySelector(`input[name="${form.dataset.passkeyUnless}"]`);
      if (unless && unless.value.trim() !== '') return;
      event.preventDefault();
      if (!form.reportValidity()) return;
      if (error) error.hidden = true;
      if (button) button.disabled = true;
      try {
        for (const step of form.dataset.passkey.split(/\s+/)) {
          const url = step === 'get' ? form.dataset.getOptions : form.dataset.createOptions;
          const body = new URLSearchParams({ _csrf: form.querySelector('input[name="_csrf"]').value });
          const res = await fetch(url, { method: 'POST', body, credentials: 'same-origin', headers: { accept: 'application/json' } });
          const json = await res.json().catch(() => ({ error: `The server answered ${res.status}.` }));
          if (!res.ok) throw new Error(json.error || `The server answered ${res.status}.`);
          const answer = step === 'get' ? await lib.startAuthentication({ optionsJSON: json }) : await lib.startRegistration({ optionsJSON: json });
          form.querySelector(step === 'get' ? 'input[name="assertion"]' : 'input[name="response"]').value = JSON.stringify(answer);
        }
        // form.submit() sends no submit button: keep the one pressed (a form with two actions).
        const submitter = event.submitter;
        if (submitter && submitter.name) {
          const pressed = document.createElement('input');
          pressed.type = 'hidden';
          pressed.name = submitter.name;
          pressed.value = submitter.value;
          form.appendChild(pressed);
        }
        form.submit();
      } catch (e) {
        if (button) button.disabled = false;
        if (error) {
          error.hidden = false;
          error.textContent = e && e.name === 'NotAllowedError' ? 'The passkey request was cancelled or timed out. Try again.' : `That did not work: ${e && e.message ? e.message : e}`;
        }
      }
    });
  }
});
