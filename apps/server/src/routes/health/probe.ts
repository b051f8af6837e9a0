// Reachability of a mail server: connect and read its greeting ("* OK" for IMAP, "220" for SMTP).
import net from 'node:net';
import tls from 'node:tls';

export interface ProbeTarget {
  host: string;
  port: number;
  secure: boolean;
  allowSelfSigned: boolean;
  greeting: RegExp;
}

const PROBE_TIMEOUT_MS = 3_000;

export function probe(target: ProbeTarget): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    let buffer = '';
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve(ok);
    };
    const socket = target.secure
      ? tls.connect({ host: target.host, port: target.port, rejectUnauthorized: !target.allowSelfSigned, servername: net.isIP(target.host) ? undefined : target.host })
      : net.connect({ host: target.host, port: target.port });
    socket.setTimeout(PROBE_TIMEOUT_MS, () => finish(false));
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      if (buffer.includes('\n')) finish(target.greeting.test(buffer));
      else if (buffer.length > 4096) finish(false);
    });
  });
}
