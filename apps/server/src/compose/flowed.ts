// format=flowed (RFC 3676) for plain-text mail. libmime (nodemailer's MIME library) has the encoder:
// soft breaks after a space at ≤ 76 columns, trailing spaces of hard breaks trimmed, space-stuffing
// of lines starting with " ", ">" or "From", the signature separator "-- " kept. Decoding is
// libmime's too (mailparser uses the same rules when it reads a flowed part).
import libmime from 'libmime';

interface FlowedFunctions {
  encodeFlowed(str: string, lineLength?: number): string;
  decodeFlowed(str: string, delSp?: boolean): string;
}

const flowed = libmime as unknown as FlowedFunctions;

/** The longest line (without CRLF) the encoder produces, except for words longer than that. */
export const FLOWED_LINE_LENGTH = 76;

/** Plain text (any line breaks) → format=flowed lines joined with CRLF. */
export function encodeFlowed(text: string): string {
  return flowed.encodeFlowed(text.replace(/\r\n?/g, '\n'), FLOWED_LINE_LENGTH);
}

/** format=flowed body → plain text with "\n" line breaks. */
export function decodeFlowed(body: string, delSp = false): string {
  return flowed.decodeFlowed(body, delSp);
}
