// Preloaded into every test process by scripts/test.mjs (`node --import`): a connection to
// anything but loopback (127.0.0.0/8, ::1, localhost) or a Unix socket fails as a refused
// connection would (and a name lookup of an outside host as an unknown name), and is recorded, so that no test ever reaches the public registry or any
// other outside host. The record goes to the file named by TESSERA_NETWORK_GUARD_LOG (one JSON
// line per attempt); scripts/test.mjs fails the run when it is not empty, and
// test/unit/network-guard.test.ts proves the guard is in place.

import { appendFileSync } from 'node:fs';
import dns from 'node:dns';
import net from 'node:net';

const LOG = process.env.TESSERA_NETWORK_GUARD_LOG;

/** Whether a connection target stays on this machine. */
export function isLoopbackTarget(host) {
  if (host === undefined || host === null || host === '') return true; // Node's default: localhost
  const h = String(host).toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return net.isIPv4(v4) && v4.startsWith('127.');
}

/** The attempts refused in this process (also appended to TESSERA_NETWORK_GUARD_LOG). */
export const refused = [];

function target(args) {
  // net.connect() passes [options, cb] normalised into one array; socket.connect() takes
  // (options[, cb]), (port[, host][, cb]) or (path[, cb]).
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (typeof first === 'string' && !/^\d+$/.test(first)) return null; // a Unix socket path
  if (first !== null && typeof first === 'object') {
    if (first.path) return null;
    return { host: first.host, port: first.port };
  }
  const second = Array.isArray(args[0]) ? args[0][1] : args[1];
  return { host: typeof second === 'string' ? second : undefined, port: first };
}

const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function guardedConnect(...args) {
  const t = target(args);
  if (t && !isLoopbackTarget(t.host)) {
    const attempt = { host: String(t.host), port: Number(t.port), pid: process.pid, argv: process.argv.slice(1).join(' ').slice(0, 300), stack: new Error().stack?.split('\n').slice(2, 8).join('\n') };
    refused.push(attempt);
    if (LOG) appendFileSync(LOG, `${JSON.stringify(attempt)}\n`);
    const err = Object.assign(new Error(`connect ECONNREFUSED ${t.host}:${t.port} (tests may not leave this machine: test/support/network-guard.mjs)`), { code: 'ECONNREFUSED', syscall: 'connect', address: String(t.host), port: t.port });
    process.nextTick(() => this.destroy(err));
    return this;
  }
  return connect.apply(this, args);
};

// Name lookups of outside hosts would send a query off the machine too: refused the same way.
function refuseLookup(hostname) {
  if (isLoopbackTarget(hostname) || net.isIP(String(hostname)) !== 0) return null;
  const attempt = { host: String(hostname), port: 0, pid: process.pid, argv: process.argv.slice(1).join(' ').slice(0, 300), stack: new Error().stack?.split('\n').slice(3, 9).join('\n') };
  refused.push(attempt);
  if (LOG) appendFileSync(LOG, `${JSON.stringify(attempt)}\n`);
  return Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (tests may not leave this machine: test/support/network-guard.mjs)`), { code: 'ENOTFOUND', syscall: 'getaddrinfo', hostname });
}
const lookup = dns.lookup;
dns.lookup = function guardedLookup(hostname, ...rest) {
  const err = refuseLookup(hostname);
  if (!err) return lookup.call(this, hostname, ...rest);
  const callback = rest.at(-1);
  if (typeof callback === 'function') process.nextTick(() => callback(err));
  return {};
};
const promisesLookup = dns.promises.lookup;
dns.promises.lookup = function guardedPromisesLookup(hostname, ...rest) {
  const err = refuseLookup(hostname);
  return err ? Promise.reject(err) : promisesLookup.call(this, hostname, ...rest);
};

globalThis.__tesseraNetworkGuard = { refused, isLoopbackTarget };
