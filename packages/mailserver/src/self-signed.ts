/** Throw-away self-signed certificate for the demo's STARTTLS/implicit-TLS listeners. */
import net from 'node:net';
import { generate } from 'selfsigned';

export interface SelfSignedCertificate {
  /** PEM private key (RSA 2048) */
  key: string;
  /** PEM certificate, valid for one year, subjectAltName = the given host names / IP addresses */
  cert: string;
}

/**
 * Generates a self-signed certificate for `hostnames` (DNS names and IP addresses; the first one is
 * the common name). Clients must be told to accept it (e.g. `rejectUnauthorized: false`).
 */
export async function selfSignedCertificate(hostnames: string[]): Promise<SelfSignedCertificate> {
  const names = hostnames.length ? hostnames : ['localhost'];
  const altNames = names.map((n) => (net.isIP(n) ? { type: 7 as const, ip: n } : { type: 2 as const, value: n }));
  const pems = await generate([{ name: 'commonName', value: names[0]! }], {
    keySize: 2048,
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
