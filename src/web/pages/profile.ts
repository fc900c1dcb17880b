// The profile (the fields npm profile shows and sets) and the password change.

import type { profileOf } from '../../core/accounts/profile.ts';
import { csrfField, html, layout, type Notice, notice, type PageContext, type SafeHtml, when } from '../layout.ts';
import { confirmWith } from './confirm.ts';
import { passwordField } from './fields.ts';

type Profile = ReturnType<typeof profileOf>;

const FIELDS: Array<{ key: 'fullname' | 'email' | 'homepage' | 'github' | 'twitter' | 'freenode'; label: string; type: string; autocomplete: string }> = [
  { key: 'fullname', label: 'Full name', type: 'text', autocomplete: 'name' },
  { key: 'email', label: 'E-mail', type: 'email', autocomplete: 'email' },
  { key: 'homepage', label: 'Homepage', type: 'url', autocomplete: 'url' },
  { key: 'github', label: 'GitHub user', type: 'text', autocomplete: 'off' },
  { key: 'twitter', label: 'Twitter user', type: 'text', autocomplete: 'off' },
  { key: 'freenode', label: 'IRC (freenode) nick', type: 'text', autocomplete: 'off' },
];

export function profilePage(
  page: PageContext,
  v: { profile: Profile; values?: Record<string, string>; tfaMode: string | null; notice: Notice; passwordNotice: Notice },
): SafeHtml {
  const p = v.profile;
  const value = (k: (typeof FIELDS)[number]['key']) => v.values?.[k] ?? p[k] ?? '';
  const tfaOn = v.tfaMode !== null;
  const otpHint =
    v.tfaMode === 'auth-and-writes'
      ? 'Needed for every change (your account is in auth-and-writes mode).'
      : 'Needed when you change your e-mail address.';
  const save = confirmWith(page, 'profile-save');
  const password = confirmWith(page, 'password-change');
  return layout(
    page,
    'Profile',
    html`<section aria-labelledby="details">
  <h2 id="details">Details</h2>
  ${notice(v.notice)}
  <dl class="facts">
    <dt>User name</dt><dd>${p.name}</dd>
    <dt>E-mail verified</dt><dd>${p.email_verified ? 'yes' : 'no'}</dd>
    <dt>Created</dt><dd>${when(p.created)}</dd>
    <dt>Updated</dt><dd>${when(p.updated)}</dd>
  </dl>
  <form method="post" action="${page.base}profile"${save.attrs}>
    ${csrfField(page)}
    ${FIELDS.map(
      (f) => html`<label for="f-${f.key}">${f.label}</label>
<input type="${f.type}" id="f-${f.key}" name="${f.key}" value="${value(f.key)}" autocomplete="${f.autocomplete}" maxlength="256"${f.key === 'email' ? html` required` : html``}>`,
    )}
    ${save.fields('profile-otp', { show: tfaOn, note: otpHint })}
    <button type="submit">Save profile</button>
  </form>
</section>
<section aria-labelledby="pw">
  <h2 id="pw">Change password</h2>
  ${notice(v.passwordNotice)}
  <form method="post" action="${page.base}profile/password"${password.attrs}>
    ${csrfField(page)}
    <input type="text" name="username" value="${p.name}" autocomplete="username" hidden readonly>
    ${passwordField('old-password', 'Current password', 'current-password', 'old')}
    ${passwordField('new-password', 'New password', 'new-password', 'new')}
    <p class="hint">At least 15 characters. Your other sessions end when it changes.</p>
    ${passwordField('new-password2', 'New password again', 'new-password', 'new2')}
    ${password.fields('password-otp', { show: tfaOn })}
    <button type="submit">Change password</button>
  </form>
</section>`,
  );
}
