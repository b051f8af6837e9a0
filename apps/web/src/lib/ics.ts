// A small iCalendar (RFC 5545) reader for invitation summary cards: the first VEVENT's summary,
// time, location and organizer. Never throws: unreadable input gives null.

export interface CalendarEvent {
  method: string | null;
  summary: string;
  start: Date | null;
  end: Date | null;
  allDay: boolean;
  location: string;
  organizer: { name: string; address: string } | null;
  /** TZID of DTSTART when the time is local to a named zone (shown next to the time). */
  timeZone: string | null;
}

interface Property {
  name: string;
  params: Record<string, string>;
  value: string;
}

function unfold(text: string): string[] {
  return text.replace(/\r\n/g, '\n').replace(/\r/g, '\n').replace(/\n[ \t]/g, '').split('\n');
}

function parseLine(line: string): Property | null {
  // NAME;PARAM=VALUE;PARAM="quoted:value":value
  let i = 0;
  let inQuotes = false;
  for (; i < line.length; i++) {
    const c = line[i];
    if (c === '"') inQuotes = !inQuotes;
    else if (c === ':' && !inQuotes) break;
  }
  if (i >= line.length) return null;
  const head = line.slice(0, i);
  const value = line.slice(i + 1);
  const parts = head.match(/(?:[^;"]|"[^"]*")+/g) ?? [];
  const name = (parts[0] ?? '').toUpperCase();
  if (!name) return null;
  const params: Record<string, string> = {};
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    if (eq > 0) params[p.slice(0, eq).toUpperCase()] = p.slice(eq + 1).replace(/^"|"$/g, '');
  }
  return { name, params, value };
}

function unescapeText(value: string): string {
  return value.replace(/\\([nN]|[,;\\])/g, (_m, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function parseDate(prop: Property | undefined): { date: Date | null; allDay: boolean; tz: string | null } {
  if (!prop) return { date: null, allDay: false, tz: null };
  const v = prop.value.trim();
  const day = /^(\d{4})(\d{2})(\d{2})$/.exec(v);
  if (day) return { date: new Date(Number(day[1]), Number(day[2]) - 1, Number(day[3])), allDay: true, tz: null };
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})?(Z?)$/.exec(v);
  if (!m) return { date: null, allDay: false, tz: null };
  const [, y, mo, d, h, mi, s, z] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s ?? 0)] as const;
  const date = z ? new Date(Date.UTC(...parts)) : new Date(...parts);
  return { date: Number.isNaN(date.getTime()) ? null : date, allDay: false, tz: z ? null : (prop.params.TZID ?? null) };
}

export function parseCalendar(text: string): CalendarEvent | null {
  if (typeof text !== 'string' || !/BEGIN:VCALENDAR/i.test(text)) return null;
  let method: string | null = null;
  let inEvent = false;
  let depth = 0;
  const props = new Map<string, Property>();
  for (const line of unfold(text)) {
    const prop = parseLine(line);
    if (!prop) continue;
    if (prop.name === 'BEGIN') {
      if (!inEvent && prop.value.toUpperCase() === 'VEVENT' && props.size === 0) inEvent = true;
      else if (inEvent) depth++;
      continue;
    }
    if (prop.name === 'END') {
      if (inEvent && depth > 0) depth--;
      else if (inEvent && prop.value.toUpperCase() === 'VEVENT') break;
      continue;
    }
    if (!inEvent && prop.name === 'METHOD') method = prop.value.trim().toUpperCase();
    if (inEvent && depth === 0 && !props.has(prop.name)) props.set(prop.name, prop);
  }
  if (props.size === 0) return null;
  const start = parseDate(props.get('DTSTART'));
  const end = parseDate(props.get('DTEND'));
  const org = props.get('ORGANIZER');
  const organizer = org
    ? { name: unescapeText(org.params.CN ?? ''), address: org.value.replace(/^mailto:/i, '').trim() }
    : null;
  return {
    method,
    summary: unescapeText(props.get('SUMMARY')?.value ?? '').trim(),
    start: start.date,
    end: end.date,
    allDay: start.allDay,
    location: unescapeText(props.get('LOCATION')?.value ?? '').trim(),
    organizer,
    timeZone: start.tz,
  };
}
