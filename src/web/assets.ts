// The two static files of the web UI, read once at start-up. Pages link them with a content
// hash in the query, so browsers may cache them for a day and still see a new version at once.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Asset {
  body: Buffer;
  type: string;
  hash: string;
}

function load(file: string, type: string): Asset {
  const body = readFileSync(new URL(`./static/${file}`, import.meta.url));
  return { body, type, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

export const assets: Record<string, Asset> = {
  'app.css': load('app.css', 'text/css; charset=utf-8'),
  'app.js': load('app.js', 'text/javascript; charset=utf-8'),
};

export function assetPaths(base: string): { css: string; js: string } {
  return { css: `${base}static/app.css?v=${assets['app.css'].hash}`, js: `${base}static/app.js?v=${assets['app.js'].hash}` };
}
