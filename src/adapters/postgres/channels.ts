// The LISTEN/NOTIFY channels nodes use to tell each other what changed.

/** Package names whose packuments changed. */
export const PACKAGE_CHANNEL = 'tessera_packages';
/** Users whose account or tokens changed: other nodes drop their cached credentials. */
export const ACCOUNT_CHANNEL = 'tessera_accounts';
/** The ACCOUNT_CHANNEL payload of any org write: other nodes drop every cached org membership. */
export const ORGS_PAYLOAD = 'orgs';
