import { crc32, deflateSync } from 'node:zlib';

/** Escapes text for a PDF string literal (ASCII only). */
function pdfString(text: string): string {
   
  return text.replace(/[^\x20-\x7e]/g, '?').replace(/([\\()])/g, '\\$1');
}

/** A small, valid one-page PDF (correct xref offsets) showing the given lines in Helvetica. */
export function makePdf(title: string, lines: string[]): Buffer {
  let content = 'BT\n/F1 20 Tf\n72 770 Td\n(' + pdfString(title) + ') Tj\n/F1 11 Tf\n0 -30 Td\n';
  for (const line of lines) content += '(' + pdfString(line) + ') Tj\n0 -16 Td\n';
  content += 'ET\n';
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}endstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>',
    `<< /Title (${pdfString(title)}) /Producer (Mailroom demo seed) >>`,
  ];
  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((obj, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${i + 1} 0 obj\n${obj}\nendobj\n`;
  });
  const xrefAt = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData) >>> 0);
  return Buffer.concat([len, typeAndData, crc]);
}

/** A valid RGB PNG of `width`×`height` with a diagonal gradient between two colours. */
export function makePng(width: number, height: number, from: [number, number, number], to: [number, number, number]): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  let o = 0;
  for (let y = 0; y < height; y++) {
    raw[o++] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const t = (x / Math.max(1, width - 1) + y / Math.max(1, height - 1)) / 2;
      raw[o++] = Math.round(from[0] + (to[0] - from[0]) * t);
      raw[o++] = Math.round(from[1] + (to[1] - from[1]) * t);
      raw[o++] = Math.round(from[2] + (to[2] - from[2]) * t);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0;
  ihdr[11] = 0;
  ihdr[12] = 0;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const PALETTE: Array<[[number, number, number], [number, number, number]]> = [
  [[255, 94, 58], [255, 204, 0]],
  [[0, 122, 255], [90, 200, 250]],
  [[52, 199, 89], [0, 99, 65]],
  [[175, 82, 222], [255, 45, 85]],
  [[88, 86, 214], [20, 20, 40]],
  [[255, 149, 0], [120, 60, 0]],
];

const pngCache = new Map<string, Buffer>();

/** Cached PNGs: `variant` picks the colours, `kind` the size (a photo or a small logo). */
export function demoPng(variant: number, kind: 'photo' | 'logo'): Buffer {
  const key = `${kind}:${variant % PALETTE.length}`;
  let png = pngCache.get(key);
  if (!png) {
    const [a, b] = PALETTE[variant % PALETTE.length]!;
    png = kind === 'photo' ? makePng(160, 120, a, b) : makePng(48, 48, b, a);
    pngCache.set(key, png);
  }
  return png;
}

const icsDate = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

/** Escapes iCalendar TEXT values. */
function icsText(text: string): string {
  return text.replace(/([\\;,])/g, '\\$1').replace(/\n/g, '\\n');
}

/** Folds iCalendar content lines at 75 octets (RFC 5545 section 3.1), on character boundaries. */
function icsFold(line: string): string {
  if (Buffer.byteLength(line) <= 75) return line;
  let out = '';
  let current = '';
  for (const ch of line) {
    if (Buffer.byteLength(current + ch) > (out ? 74 : 75)) {
      out += (out ? '\r\n ' : '') + current;
      current = '';
    }
    current += ch;
  }
  return out + '\r\n ' + current;
}

export interface InviteOptions {
  uid: string;
  summary: string;
  description: string;
  location: string;
  start: Date;
  end: Date;
  stamp: Date;
  organizer: { name: string; email: string };
  attendees: Array<{ name: string; email: string }>;
}

/** A METHOD:REQUEST calendar invitation (RFC 5546). */
export function makeInvite(o: InviteOptions): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'PRODID:-//Mailroom//Demo Seed//EN',
    'VERSION:2.0',
    'CALSCALE:GREGORIAN',
    'METHOD:REQUEST',
    'BEGIN:VEVENT',
    `DTSTART:${icsDate(o.start)}`,
    `DTEND:${icsDate(o.end)}`,
    `DTSTAMP:${icsDate(o.stamp)}`,
    `ORGANIZER;CN="${o.organizer.name.replace(/"/g, '')}":mailto:${o.organizer.email}`,
    `UID:${o.uid}`,
    ...o.attendees.map(
      (a) =>
        `ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN="${a.name.replace(/"/g, '')}":mailto:${a.email}`,
    ),
    `SUMMARY:${icsText(o.summary)}`,
    `DESCRIPTION:${icsText(o.description)}`,
    `LOCATION:${icsText(o.location)}`,
    'SEQUENCE:0',
    'STATUS:CONFIRMED',
    'TRANSP:OPAQUE',
    'BEGIN:VALARM',
    'ACTION:DISPLAY',
    'DESCRIPTION:Reminder',
    'TRIGGER:-PT15M',
    'END:VALARM',
    'END:VEVENT',
    'END:VCALENDAR',
  ];
  return lines.map(icsFold).join('\r\n') + '\r\n';
}
