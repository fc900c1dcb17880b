// The static files of the web UI, read once at start-up: the stylesheet, the script, and on
// pages that use passkeys @simplewebauthn/browser's UMD bundle and passkeys.js. Pages link them with a content
// hash in the query, so browsers may cache them for a day and still see a new version at once.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

function load(file: string | URL, type: string): Asset {
  const body = readFileSync(typeof file === 'string' ? new URL(`./static/${file}`, import.meta.url) : file);
  return { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/** The browser part of SimpleWebAuthn, as the package ships it (its exports hide the bundle). */
function webauthnBundle(): URL {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  return pathToFileURL(join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js'));
}

export const assets: Record<string, Asset> = {
  'app.css': load('app.css', 'text/css; charset=utf-8'),
  'app.js': load('app.js', 'text/javascript; charset=utf-8'),
  'webauthn.js': load(webauthnBundle(), 'text/javascript; charset=utf-8'),
  'passkeys.js': load('passkeys.js', 'text/javascript; charset=utf-8'),
};

/** Versioned path of a static file. */
export function assetPath(base: string, file: 'webauthn.js' | 'passkeys.js'): string {
  return `${base}static/${file}?v=${assets[file].hash}`;
}

export function assetPaths(base: string): { css: string; js: string } {
  return { css: `${base}static/app.css?v=${assets['app.css'].hash}`, js: `${base}static/app.js?v=${assets['app.js'].hash}` };
}
