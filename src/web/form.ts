// HTML form bodies (application/x-www-form-urlencoded), parsed only for web UI paths: the npm
// API keeps parsing every body as JSON whatever its content type (curl -d sends this type).

export type FormBody = Record<string, string>;

/** Fields of a form body; repeated fields keep their first value. No prototype to pollute. */
export function parseForm(text: string): FormBody {
  const out: FormBody = Object.create(null) as FormBody;
  for (const [k, v] of new URLSearchParams(text)) if (!(k in out)) out[k] = v;
  return out;
}

/** Whether a request URL is under the web UI of a registry mounted at `prefix` ('/…/'). */
export function isWebPath(url: string | undefined, prefix: string): boolean {
  return (url ?? '').startsWith(`${prefix}-/web/`);
}

/** The body of a web POST as a form (anything else is treated as an empty form). */
export function formOf(body: unknown): FormBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return Object.create(null) as FormBody;
  const out: FormBody = Object.create(null) as FormBody;
  for (const [k, v] of Object.entries(body)) if (typeof v === 'string') out[k] = v;
  return out;
}

export const field = (form: FormBody, name: string): string => (typeof form[name] === 'string' ? form[name] : '');
