// Turns errors into HTTP answers: a status, the headers npm reacts to and a JSON body
// {"error", "message", "code"}. Domain errors carry their own text; framework errors about
// the request become 4xx; anything else is a 500 whose detail goes to the log only.

import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { type DomainError, isDomainError } from '../core/errors.ts';
import { escapeControls } from '../core/text.ts';
import { statusOfKind } from './status.ts';


/** The phrase npm and pnpm look for; it appears in OTP challenges and nowhere else. */
export const OTP_CHALLENGE_TEXT = 'You must provide a one-time pass. Run the command again with --otp=<code>, or answer the prompt.';

export function errorBody(error: string, code: string) {
  return { error, message: error, code };
}

/** The notice of every OTP challenge; the reason follows when a code was given (wrong, already used). */
const OTP_NOTICE = 'This operation requires a one-time password from your authenticator app (or a recovery code).';
/** The same for an account whose only factors are passkeys: it has no code to type. */
const PASSKEY_OTP_NOTICE = 'This operation requires your second factor: approve it with your passkey at the browser link npm shows, or give one of your recovery codes with --otp.';

function sendDomainError(reply: FastifyReply, e: DomainError, realm: string): FastifyReply {
  const status = statusOfKind(e.kind);
  let text = e.message;
  switch (e.kind) {
    case 'unauthenticated':
      reply.header('www-authenticate', `Bearer realm="${realm}"`);
      break;
    case 'bad-login':
      reply.header('www-authenticate', `Basic realm="${realm}"`);
      break;
    case 'needs-otp':
      reply.header('www-authenticate', 'otp');
      // npm prints npm-notice headers (npm-registry-fetch check-response.js) but not the body of
      // an EOTP answer: the notice says why this code was refused (missing, wrong, already used).
      reply.header('npm-notice', `${e.factors === 'passkeys' ? PASSKEY_OTP_NOTICE : OTP_NOTICE}${e.message.startsWith('This operation requires') ? '' : ` ${escapeControls(e.message).replace(/[^\x20-\x7e]/g, '?')}`}`);
      text = `${OTP_CHALLENGE_TEXT} ${e.message}`;
      break;
    case 'ip-not-allowed':
      reply.header('www-authenticate', 'ipaddress');
      break;
    case 'too-many':
    case 'busy':
      if (e.retryAfter !== undefined) reply.header('retry-after', String(e.retryAfter));
      break;
    default:
  }
  // Messages may quote client values (a tag, a name): npm prints them, so controls go escaped.
  return reply.code(status).header('cache-control', 'no-store').send({ ...errorBody(escapeControls(text), e.code), ...e.details });
}

export function replyError(error: unknown, request: FastifyRequest, reply: FastifyReply, realm: string): FastifyReply {
  if (isDomainError(error)) return sendDomainError(reply, error, realm);
  const fe = error as FastifyError;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    let text = fe.message;
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') text = 'The request body is larger than this registry accepts.';
    else if (fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') text = 'The request body is empty; JSON was expected.';
    else if (fe instanceof SyntaxError || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY') text = 'The request body is not valid JSON.';
    else if (fe.code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') text = 'The Content-Length header does not match the body.';
    return reply.code(status).send(errorBody(escapeControls(text), fe.code ?? 'BAD_REQUEST'));
  }
  request.log.error({ err: error }, 'request failed');
  return reply.code(500).send(errorBody('Internal server error. The details are in the server log.', 'INTERNAL'));
}
