/**
 * Keys and certificates of a local control plane: service-account signing keys (always, with node's crypto)
 * and, when `openssl` is on the machine, a throwaway CA that signs the API server's serving certificate.
 * Without openssl the API server generates its own self-signed serving certificate in its --cert-dir.
 *
 * For a real kubelet (tools/node) the same CA also signs the API server's kubelet client certificate, the kubelet's
 * client and serving certificates and kube-proxy's client certificate; the aggregation layer (metrics-server) gets a
 * CA of its own (the front-proxy CA) and the API server's proxy client certificate. Those need openssl.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A certificate and its private key (PEM files). */
export interface CertFiles {
  readonly cert: string;
  readonly key: string;
}

/** The certificates of a real kubelet's node, all signed by the cluster CA. */
export interface KubeletPki {
  /** The API server's client certificate for the kubelets (CN kube-apiserver-kubelet-client, O system:masters). */
  readonly apiserverClient: CertFiles;
  /** The kubelet's client certificate (CN system:node:<name>, O system:nodes: the Node authorizer's identity). */
  readonly client: CertFiles;
  /** The kubelet's serving certificate (CN <name>, subjectAltNames IP:<address>, DNS:<name>). */
  readonly serving: CertFiles;
  /** kube-proxy's client certificate (CN system:kube-proxy, bound to system:node-proxier by the default RBAC). */
  readonly kubeProxy: CertFiles;
}

/** The aggregation layer: the front-proxy CA, which extension API servers trust, and the API server's client certificate. */
export interface FrontProxyPki {
  readonly caCert: string;
  readonly caKey: string;
  /** CN front-proxy-client (the one name in --requestheader-allowed-names). */
  readonly client: CertFiles;
}

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
  /** When PkiOptions.kubelet was given. */
  kubelet?: KubeletPki;
  /** When PkiOptions.frontProxy was set. */
  frontProxy?: FrontProxyPki;
}

/** A real kubelet's node. */
export interface KubeletNode {
  /** The node's name (the kubelet's --hostname-override). */
  readonly name: string;
  /** The address the kubelet serves on (its node IP). */
  readonly address: string;
}

export interface PkiOptions {
  /**
   * Make a throwaway CA with openssl and sign the serving certificate with it.
   * @default whether openssl is on PATH
   */
  readonly useOpenssl?: boolean;
  /**
   * More subjectAltNames of the serving certificate (e.g. `IP:10.88.0.1`, a bridge address the API server binds to).
   * @default none
   */
  readonly extraSans?: readonly string[];
  /**
   * A real kubelet's node: the certificates of KubeletPki. Needs openssl.
   * @default none (no kubelet certificates)
   */
  readonly kubelet?: KubeletNode;
  /**
   * The aggregation layer's front-proxy CA and client certificate. Needs openssl.
   * @default false
   */
  readonly frontProxy?: boolean;
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

const DAYS = '30';

function makeCa(dir: string, name: string, cn: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', DAYS,
    '-subj', `/CN=${cn}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
}

/** A leaf certificate `<name>.crt`/`<name>.key` signed by `<ca>.crt`, with the given subject, extended key usage and SANs. */
function makeCert(
  dir: string,
  name: string,
  ca: string,
  serial: number,
  subject: string,
  eku: 'serverAuth' | 'clientAuth',
  sans: readonly string[] = [],
): CertFiles {
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir);
  writeFileSync(join(dir, `${name}.ext`), [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${eku}`,
    ...(sans.length === 0 ? [] : [`subjectAltName=${sans.join(',')}`]),
    '',
  ].join('\n'));
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', String(serial), '-days', DAYS,
    '-extfile', `${name}.ext`, '-out', `${name}.crt`], dir);
  return { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
}

export function createPki(dir: string, opts: PkiOptions = {}): Pki {
  const useOpenssl = opts.useOpenssl ?? hasOpenssl();
  if (!useOpenssl && (opts.kubelet !== undefined || opts.frontProxy === true)) {
    throw new Error('pki: the kubelet and front-proxy certificates need openssl (not on PATH, or useOpenssl: false)');
  }
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
    makeCa(dir, 'ca', 'chaos-stack-local-ca');
    const serving = makeCert(dir, 'apiserver', 'ca', 2, '/CN=kube-apiserver', 'serverAuth', [...SERVING_SANS, ...(opts.extraSans ?? [])]);
    pki.caCert = join(dir, 'ca.crt');
    pki.caKey = join(dir, 'ca.key');
    pki.servingCert = serving.cert;
    pki.servingKey = serving.key;
  }
  if (opts.kubelet !== undefined) {
    const { name, address } = opts.kubelet;
    pki.kubelet = {
      apiserverClient: makeCert(dir, 'apiserver-kubelet-client', 'ca', 3, '/O=system:masters/CN=kube-apiserver-kubelet-client', 'clientAuth'),
      client: makeCert(dir, 'kubelet', 'ca', 4, `/O=system:nodes/CN=system:node:${name}`, 'clientAuth'),
      serving: makeCert(dir, 'kubelet-serving', 'ca', 5, `/CN=${name}`, 'serverAuth', [`IP:${address}`, `DNS:${name}`]),
      kubeProxy: makeCert(dir, 'kube-proxy', 'ca', 6, '/CN=system:kube-proxy', 'clientAuth'),
    };
  }
  if (opts.frontProxy === true) {
    makeCa(dir, 'front-proxy-ca', 'front-proxy-ca');
    pki.frontProxy = {
      caCert: join(dir, 'front-proxy-ca.crt'),
      caKey: join(dir, 'front-proxy-ca.key'),
      client: makeCert(dir, 'front-proxy-client', 'front-proxy-ca', 2, '/CN=front-proxy-client', 'clientAuth'),
    };
  }
  return pki;
}
