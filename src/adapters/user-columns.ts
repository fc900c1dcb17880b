// The users table's column for each field a UserPatch may change (both SQL adapters).

import type { UserPatch } from '../core/ports.ts';

export const USER_PATCH_COLUMNS: Record<keyof UserPatch, string> = {
  email: 'email',
  emailVerified: 'email_verified',
  passwordHash: 'password_hash',
  fullname: 'fullname',
  homepage: 'homepage',
  freenode: 'freenode',
  twitter: 'twitter',
  github: 'github',
  webOtpChallenge: 'web_otp_challenge',
  admin: 'admin',
  status: 'status',
};
