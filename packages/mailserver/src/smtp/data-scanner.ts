import { createHash } from 'node:crypto';
import type { Logger } from 'pino';

/**
 * A faster DATA-mode scanner for smtp-server's SMTPStream (the parser every SMTP connection
 * pipes its socket into).
 *
 * smtp-server 3.21 finds the end of DATA ("\r\n.\r\n") and the dot-stuffed lines ("\n..") with a
 * JavaScript loop over every byte of the message (`SMTPStream._feedDataStream`), and after each
 * dot-stuffed line it continues on the next turn of the event loop. Measured on the bench's 100 KB
 * messages, that loop was the largest single cost of the delivering thread (about 0.6 ms of
 * ~1.9 ms per message). The replacement below does the same with `Buffer.indexOf` (native memchr
 * and compare) and removes all stuffing dots of a chunk in one pass.
 *
 * It keeps smtp-server's behaviour exactly: the same bytes reach the data stream, the same bytes
 * are counted (byteLength, sizeExceeded), DATA ends at the same "\r\n.\r\n" (only there: a bare
 * LF or CR next to a lone dot never ends it, the SMTP smuggling defence), the same bytes after it
 * go back to the command parser, and the same last 4 bytes are held back across chunk
 * boundaries. `data-scanner.test.ts` compares the two byte for byte on random input split into
 * random chunks.
 *
 * It relies on SMTPStream internals (`_lastBytes`, `_atDataStart`, `_dataStream`,
 * `_countDataBytes`, `_endDataMode`), so it is installed only when the methods it replaces or
 * calls are exactly those of the smtp-server version it was written against (fingerprints
 * below). Any other version keeps its own scanner (correct, only slower), the server logs a
 * warning, and the test `fast DATA scanner is installed` fails, so an upgrade cannot go unnoticed.
 * package.json pins smtp-server to that exact version for the same reason: an upgrade is a change
 * to make on purpose, with the fingerprints, not one that `npm install` makes on its own.
 */

/** The SMTPStream members the scanner uses (smtp-server 3.21.6). */
interface SmtpStreamInternals {
  _dataStream: (NodeJS.WritableStream & { writable: boolean; destroyed: boolean }) | null;
  _lastBytes: Buffer | false;
  _atDataStart: boolean;
  _countDataBytes(len: number): void;
  _endDataMode(chunk: Buffer | false, remainder: Buffer, callback: (err?: Error | null) => void): void;
  _feedDataStream(chunk: Buffer, done: (err?: Error | null) => void): void;
}

/** SHA-256 of the source text of the SMTPStream methods the scanner replaces or depends on, smtp-server 3.21.6 (ESM and CJS builds alike). */
const FINGERPRINTS: Record<string, string> = {
  _feedDataStream: '9d8b903f9a3a63542d72e19a9e2f67009a3b1107a28d57e8e7369355454ff230',
  _endDataMode: '7de0cf3d06716328049556af82b557e9574389d4b9e42446a39bd8353d0a3564',
  _countDataBytes: '4b938ebe6c9971ebe0f2e0daeda4186b8dec4e6e908d477636c2c55fcea1dc76',
  _write: 'a72635ce53e24b3ae76f14afc12be0e1e9e0e1a8ba5859b1cd5534ec268affb8',
};

const LF_DOT = Buffer.from('\n.', 'latin1');

/**
 * `SMTPStream.prototype._feedDataStream` of smtp-server 3.21.6, with the byte loop replaced by
 * `Buffer.indexOf`. Called with the parser as `this`, only in data mode.
 */
export function fastFeedDataStream(this: SmtpStreamInternals, input: Buffer, done: (err?: Error | null) => void): void {
  // only called in data mode, which always has a stream
  const dataStream = this._dataStream!;
  let chunk = input;
  if (this._lastBytes && this._lastBytes.length) {
    chunk = Buffer.concat([this._lastBytes, chunk], this._lastBytes.length + chunk.length);
    this._lastBytes = false;
  }
  let len = chunk.length;
  // the message is empty: its first line is the terminating dot (only at the very start of DATA)
  if (this._atDataStart && len >= 3 && chunk[0] === 0x2e && chunk[1] === 0x0d && chunk[2] === 0x0a) {
    this._endDataMode(false, chunk.subarray(3), done);
    return;
  }
  // a stuffing dot on the first line
  if (this._atDataStart && len >= 2 && chunk[0] === 0x2e && chunk[1] === 0x2e) {
    chunk = chunk.subarray(1);
    len--;
    this._atDataStart = false;
  }
  // `start`: the first byte not yet emitted. smtp-server looks at a dot at index i only when
  // start + 2 <= i < len - 2 (its loop restarts at 2 after each stuffing dot), i.e. for the LF
  // before it at p = i - 1: start + 1 <= p <= len - 4.
  let start = 0;
  let p = chunk.indexOf(LF_DOT, 1);
  while (p !== -1 && p <= len - 4) {
    const i = p + 1; // the dot, at the start of a line
    if (chunk[i - 2] === 0x0d && chunk[i + 1] === 0x0d && chunk[i + 2] === 0x0a) {
      // "\r\n.\r\n": everything before the dot is content, including the CRLF that ends the last line
      const buf = chunk.subarray(start, i);
      this._countDataBytes(buf.length);
      this._endDataMode(buf, chunk.subarray(i + 3), done);
      return;
    }
    if (chunk[i + 1] === 0x2e) {
      // a stuffing dot: emit what comes before it and continue after it
      const buf = chunk.subarray(start, i);
      this._lastBytes = false;
      this._countDataBytes(buf.length);
      if (dataStream.writable) dataStream.write(buf);
      start = i + 1;
      p = chunk.indexOf(LF_DOT, start + 1);
      continue;
    }
    p = chunk.indexOf(LF_DOT, i);
  }
  // keep the last 4 bytes (a terminator or a stuffing dot may straddle the next chunk)
  const keep = Math.max(start, len - 4);
  this._lastBytes = chunk.subarray(keep);
  if (keep <= start) {
    // nothing to emit, continue with the input stream
    done();
    return;
  }
  const buf = chunk.subarray(start, keep);
  this._countDataBytes(buf.length);
  // write to stream but stop if need to wait for drain
  if (!dataStream.writable) {
    done();
    return;
  }
  const handled = dataStream.write(buf);
  if (handled || dataStream.destroyed) {
    done();
    return;
  }
  // a stream that the application destroys never drains, it only closes
  const onDrain = (): void => {
    dataStream.removeListener('drain', onDrain);
    dataStream.removeListener('close', onDrain);
    done();
  };
  dataStream.once('drain', onDrain);
  dataStream.once('close', onDrain);
}

/** SHA-256 of a function's source text. */
export function sourceFingerprint(fn: unknown): string {
  return typeof fn === 'function' ? createHash('sha256').update(Function.prototype.toString.call(fn)).digest('hex') : 'missing';
}

/** Methods of `proto` whose source differs from the version the scanner was written against (empty: it fits). */
export function fingerprintMismatches(proto: object): string[] {
  const methods = proto as Record<string, unknown>;
  return Object.entries(FINGERPRINTS)
    .filter(([name, hash]) => sourceFingerprint(methods[name]) !== hash)
    .map(([name]) => name);
}

type FeedDataStream = SmtpStreamInternals['_feedDataStream'];
/** Prototypes running the fast scanner → the scanner they had before. */
const installed = new WeakMap<object, FeedDataStream>();
const refused = new WeakSet<object>();

/** True when `proto` (an SMTPStream prototype) runs the fast scanner. */
export function fastDataScannerInstalled(proto: object): boolean {
  return installed.has(proto);
}

/** smtp-server's own `_feedDataStream` of `proto`, also after the fast scanner replaced it (tests compare the two). */
export function originalFeedDataStream(proto: object): FeedDataStream {
  return installed.get(proto) ?? (proto as SmtpStreamInternals)._feedDataStream;
}

/**
 * Installs the fast scanner on an SMTPStream prototype (once per prototype; the parser of each
 * connection is an SMTPStream, so the listener passes `Object.getPrototypeOf(connection._parser)`,
 * which is the class of whichever smtp-server build, ESM or CJS, is loaded). Returns whether it is
 * installed; with another smtp-server version it leaves the original and warns once.
 */
export function installFastDataScanner(proto: object, logger?: Logger): boolean {
  if (installed.has(proto)) return true;
  if (refused.has(proto)) return false;
  const mismatches = fingerprintMismatches(proto);
  if (mismatches.length > 0) {
    refused.add(proto);
    logger?.warn(
      { methods: mismatches },
      'smtp-server is not the version the fast DATA scanner was written for (3.21.6): its own, slower scanner stays in use',
    );
    return false;
  }
  installed.set(proto, (proto as SmtpStreamInternals)._feedDataStream);
  (proto as SmtpStreamInternals)._feedDataStream = fastFeedDataStream;
  return true;
}
