/**
 * Keys and certificates of a local control plane: service-account signing keys (always, with node's crypto)
 * and, when `openssl` is on the machine, a throwaway CA that signs the API server's serving certificate.
 * Without openssl the API server generates its own self-signed serving certificate in its --cert-dir.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Pki {
  dir: string;
  saPublicKey: string;
  saPrivateKey: string;
  /** CA certificate and key, when openssl made them. */
  caCert?: string;
  caKey?: string;
  servingCert?: string;
  servingKey?: string;
  /** The admin's bearer token (user admin, group system:masters) and the --token-auth-file that holds it. */
  adminToken: string;
  tokenFile: string;
}

export function hasOpenssl(): boolean {
  const r = spawnSync('openssl', ['version'], { stdio: 'ignore' });
  return r.error === undefined && r.status === 0;
}

function openssl(args: string[], cwd: string): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw new Error(`openssl ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed: ${r.stderr.trim()}`);
}

export const SERVING_SANS = [
  'IP:127.0.0.1',
  'DNS:localhost',
  'IP:10.96.0.1',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

/** `extraSans`: more subjectAltNames of the serving certificate (e.g. `IP:10.88.0.1`, a bridge address the API server binds to). */
export function createPki(dir: string, useOpenssl: boolean = hasOpenssl(), extraSans: readonly string[] = []): Pki {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const pki: Pki = {
    dir,
    saPublicKey: join(dir, 'sa.pub'),
    saPrivateKey: join(dir, 'sa.key'),
    adminToken: randomBytes(24).toString('hex'),
    tokenFile: join(dir, 'tokens.csv'),
  };
  writeFileSync(pki.saPublicKey, publicKey, { mode: 0o600 });
  writeFileSync(pki.saPrivateKey, privateKey, { mode: 0o600 });
  writeFileSync(pki.tokenFile, `${pki.adminToken},admin,admin,"system:masters"\n`, { mode: 0o600 });

  if (useOpenssl) {
    const days = '30';
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', days,
      '-subj', '/CN=chaos-stack-local-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver'], dir);
    writeFileSync(join(dir, 'apiserver.ext'), [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      `subjectAltName=${[...SERVING_SANS, ...extraSans].join(',')}`,
      '',
    ].join('\n'));
    openssl(['x509', '-req', '-in', 'apiserver.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2', '-days', days,
      '-extfile', 'apiserver.ext', '-out', 'apiserver.crt'], dir);
    pki.caCert = join(dir, 'ca.crt');
    pki.caKey = join(dir, 'ca.key');
    pki.servingCert = join(dir, 'apiserver.crt');
    pki.servingKey = join(dir, 'apiserver.key');
  }
  return pki;
}
