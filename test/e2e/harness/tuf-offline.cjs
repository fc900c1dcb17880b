// Preloaded into npm (NODE_OPTIONS=--require) by tests of `npm audit signatures`: npm first asks
// Sigstore's TUF repository for the registry's keys (lib/utils/verify-signatures.js, setKeys).
// Online, that repository answers "no such target" for any registry but npmjs and npm falls back
// to the registry's /-/npm/v1/keys; offline the TUF step fails and npm exits before asking.
// This gives npm the online answer, TUF_FIND_TARGET_ERROR, and changes nothing else.
'use strict';
const Module = require('node:module');
const load = Module._load;
Module._load = function (request, ...rest) {
  const mod = load.call(this, request, ...rest);
  if (request === '@sigstore/tuf' && mod && !mod.__tesseraOffline) {
    mod.__tesseraOffline = true;
    mod.initTUF = async () => ({
      getTarget: async (name) => {
        throw Object.assign(new Error(`Target ${name} not found (offline test stand-in)`), { code: 'TUF_FIND_TARGET_ERROR' });
      },
    });
  }
  return mod;
};
