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
  x509.cryptoProvider.set(
    webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0],
  );
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trim()}\n-----END PRIVATE KEY-----\n`;
}

export async function makeServingCertificates(
  name: string,
): Promise<ServingCertificates> {
  useWebCrypto();
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const caKeys = await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name}-ca`,
    notBefore,
    notAfter,
    keys: caKeys as unknown as x509.X509CertificateCreateSelfSignedParams['keys'],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
        true,
      ),
    ],
  });
  const serverKeys = await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ]);
  const server = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: 'CN=kube-apiserver',
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingKey:
      caKeys.privateKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    publicKey:
      serverKeys.publicKey as unknown as x509.X509CertificateCreateParams['publicKey'],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'dns', value: 'localhost' },
        { type: 'dns', value: 'kubernetes.default.svc' },
        { type: 'ip', value: '127.0.0.1' },
        { type: 'ip', value: '::1' },
      ]),
    ],
  });
  const keyDer = await webcrypto.subtle.exportKey(
    'pkcs8',
    serverKeys.privateKey,
  );
  return {
    caCert: ca.toString('pem'),
    caKey: pemKey(await webcrypto.subtle.exportKey('pkcs8', caKeys.privateKey)),
    cert: server.toString('pem'),
    key: pemKey(keyDer),
  };
}

/**
 * A client certificate signed by the cluster CA, as `kubeadm kubeconfig user` makes: the x509
 * authenticator reads the user name from CN and the groups from the O entries.
 */
export async function issueClientCertificate(
  ca: { caCert: string; caKey: string },
  user: string,
  groups: string[] = [],
): Promise<ClientCertificate> {
  useWebCrypto();
  const caCert = new x509.X509Certificate(ca.caCert);
  const caKey = await webcrypto.subtle.importKey(
    'pkcs8',
    Buffer.from(
      ca.caKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''),
      'base64',
    ),
    alg,
    false,
    ['sign'],
  );
  const keys = await webcrypto.subtle.generateKey(alg, true, [
    'sign',
    'verify',
  ]);
  const subject = new x509.Name([
    ...groups.map((o) => ({ '2.5.4.10': [o] })),
    { '2.5.4.3': [user] },
  ]);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: `01${randomBytes(8).toString('hex')}`,
    subject,
    issuer: caCert.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 365 * 24 * 3600_000),
    signingKey:
      caKey as unknown as x509.X509CertificateCreateWithKeyParams['signingKey'],
    publicKey:
      keys.publicKey as unknown as x509.X509CertificateCreateParams['publicKey'],
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature |
          x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
    ],
  });
  return {
    cert: cert.toString('pem'),
    key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
}
