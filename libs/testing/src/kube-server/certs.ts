// A throwaway certificate authority made at start, and a serving certificate for localhost signed
// by it: clients trust the CA through the kubeconfig, as with a real cluster's certificate-authority-data.
// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { randomBytes, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export interface ServingCertificates {
  caCert: string;
  /** The CA's private key (PKCS#8 PEM): signs client certificates. Absent in state files written before it was kept. */
  caKey?: string;
  cert: string;
  key: string;
}

export interface ClientCertificate {
  cert: string;
  key: string;
}

const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

function useWebCrypto(): void {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trim()}\n-----END PRIVATE KEY-----\n`;
}

function importKey(pem: string): Promise<webcrypto.CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64'), alg, false, [
    'sign',
  ]);
}

const YEAR_MS = 365 * 24 * 3600_000;

/** A self-signed CA (PEM certificate and PKCS#8 key). */
export async function createCertificateAuthority(commonName: string): Promise<{ caCert: string; caKey: string }> {
  useWebCrypto();
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + YEAR_MS),
    keys: keys as unknown as x509.X509CertificateCreateSelfSignedParams['keys'],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  return {
    caCert: ca.toString('pem'),
    caKey: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

export interface CertificateRequest {
  commonName: string;
  /** O entries: the groups of a client certificate. */
  organizations?: string[];
  usage: 'server' | 'client';
  dnsNames?: string[];
  ipAddresses?: string[];
}

/** A leaf certificate signed by `ca`, with a fresh P-256 key. */
export async function issueCertificate(ca: { caCert: string; caKey: string }, request: CertificateRequest): Promise<ClientCertificate> {
  useWebCrypto();
  const caCert = new x509.X509Certificate(ca.caCert);
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const sans = [
    ...(request.dnsNames ?? []).map((value) => ({
      type: 'dns' as const,
      value,
    })),
    ...(request.ipAddresses ?? []).map((value) => ({
      type: 'ip' as const,
      value,
    })),
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `02${randomBytes(8).toString('hex')}`,
    subject: new x509.Name([...(request.organizations ?? []).map((o) => ({ '2.5.4.10': [o] })), { '2.5.4.3': [request.commonName] }]),
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + YEAR_MS),
    signingKey: (await importKey(ca.caKey)) as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    publicKey: keys.publicKey as unknown as x509.X509CertificateCreateParams['publicKey'],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([
        request.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
      ...(sans.length ? [new x509.SubjectAlternativeNameExtension(sans)] : []),
    ],
  });
  return {
    cert: cert.toString('pem'),
    key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}

/** The cluster CA and the API server's serving certificate for localhost. */
export async function makeServingCertificates(name: string): Promise<ServingCertificates> {
  const ca = await createCertificateAuthority(`${name}-ca`);
  const serving = await issueCertificate(ca, {
    commonName: 'kube-apiserver',
    usage: 'server',
    dnsNames: ['localhost', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  return { ...ca, ...serving };
}

/**
 * A client certificate signed by the cluster CA, as `kubeadm kubeconfig user` makes: the x509
 * authenticator reads the user name from CN and the groups from the O entries.
 */
export function issueClientCertificate(
  ca: { caCert: string; caKey: string },
  user: string,
  groups: string[] = [],
): Promise<ClientCertificate> {
  return issueCertificate(ca, {
    commonName: user,
    organizations: groups,
    usage: 'client',
  });
}
