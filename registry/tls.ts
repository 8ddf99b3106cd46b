import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

// Certificates for the local registry, made in-process (no openssl binary): a self-signed CA
// and a server certificate it signs. mix verifies the peer and the host name, so the server
// certificate names IP:127.0.0.1, DNS:localhost and DNS:127.0.0.1: mix (Hex 2.5 on OTP 25)
// passes the URL's host as the server name and matches it against DNS names only, so without
// DNS:127.0.0.1 it fails `https://127.0.0.1:PORT` with hostname_check_failed. Tests of a
// client's TLS errors make their own: another CA (untrusted), an expired certificate, or one
// for another host name.

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

x509.cryptoProvider.set(webcrypto as ReturnType<typeof x509.cryptoProvider.get>);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateAuthority {
  certPem: string;
  keyPem: string;
}

export interface Certificates {
  /** The CA a client must trust (HEX_CACERTS_PATH). */
  caCertPem: string;
  caKeyPem: string;
  /** The server's certificate and key. */
  certPem: string;
  keyPem: string;
}

export interface SubjectAltName {
  type: 'ip' | 'dns';
  value: string;
}

export interface CertificateOptions {
  /** Sign with this CA instead of making a new one. */
  ca?: CertificateAuthority;
  notBefore?: Date;
  notAfter?: Date;
  /** Default: IP 127.0.0.1, DNS localhost and DNS 127.0.0.1. */
  sans?: SubjectAltName[];
}

export async function makeCertificates(options: CertificateOptions = {}): Promise<Certificates> {
  const ca = options.ca ?? (await makeCertificateAuthority());
  const caCert = new x509.X509Certificate(ca.certPem);
  const caKey = await importPrivateKey(ca.keyPem);
  const keys = await generateKeys();
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const sans = options.sans ?? [
    { type: 'ip', value: '127.0.0.1' },
    { type: 'dns', value: 'localhost' },
    { type: 'dns', value: '127.0.0.1' },
  ];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=hexts local registry',
    issuer: caCert.subject,
    notBefore,
    notAfter: options.notAfter ?? new Date(notBefore.getTime() + 365 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: caKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(sans.map((san) => ({ type: san.type, value: san.value }))),
      await x509.AuthorityKeyIdentifierExtension.create(caCert),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    caCertPem: ca.certPem,
    caKeyPem: ca.keyPem,
    certPem: cert.toString('pem'),
    keyPem: await exportPrivateKey(keys.privateKey),
  };
}

export async function makeCertificateAuthority(): Promise<CertificateAuthority> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=hexts local registry CA',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 10 * 365 * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await exportPrivateKey(keys.privateKey) };
}

async function generateKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function exportPrivateKey(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join('\n')}\n-----END PRIVATE KEY-----\n`;
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(12));
  bytes[0]! &= 0x7f; // keep it positive
  return Buffer.from(bytes).toString('hex');
}
