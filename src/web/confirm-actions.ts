// The web forms that a passkey may confirm instead of a code, one action name each. A passkey
// answer is made for one session and one of these actions (core/accounts/passkey-assertion.ts
// passkeyBinding), so an answer made for one form cannot confirm another. The page side
// (pages/confirm.ts) and the route side (routes/passkeys.ts passkeyFormCtx) both take this type.

export const CONFIRM_ACTIONS = [
  'add-passkey',
  '2fa-mode',
  '2fa-off',
  '2fa-codes',
  '2fa-approval',
  'token-create',
  'token-revoke',
  'profile-save',
  'password-change',
  'admin-disable',
  'admin-enable',
  'admin-grant-admin',
  'admin-revoke-admin',
  'admin-reset-2fa',
  'admin-delete',
  'admin-password',
  'admin-unpublish',
  'admin-owner-add',
  'org-create',
  'org-accept',
  'org-invite',
  'org-member',
  'org-settings',
  'org-team-create',
  'team-member-add',
  'team-member-remove',
  'team-destroy',
  'trust-add',
  'trust-revoke',
  'stage-approve',
  'stage-reject',
] as const;

export type ConfirmAction = (typeof CONFIRM_ACTIONS)[number];

const KNOWN: ReadonlySet<string> = new Set(CONFIRM_ACTIONS);

/** Whether `action` names one of these forms (the assertion options endpoint asks). */
export function isConfirmAction(action: string): action is ConfirmAction {
  return KNOWN.has(action);
}
