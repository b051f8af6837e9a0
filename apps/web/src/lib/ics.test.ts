import { describe, expect, it } from 'vitest';
import { parseCalendar } from './ics.js';

describe('parseCalendar', () => {
  it('reads summary, time, location and organizer of the first event, with folding and escapes', () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'METHOD:REQUEST',
      'BEGIN:VTIMEZONE',
      'TZID:Europe/Berlin',
      'BEGIN:STANDARD',
      'DTSTART:19701025T030000',
      'END:STANDARD',
      'END:VTIMEZONE',
      'BEGIN:VEVENT',
      'SUMMARY:Planning\\; long title that is',
      '  folded',
      'DTSTART;TZID=Europe/Berlin:20260310T140000',
      'DTEND;TZID=Europe/Berlin:20260310T153000',
      'LOCATION:Room 1\\, 2nd floor',
      'ORGANIZER;CN="Boss: Dana":mailto:dana@example.org',
      'BEGIN:VALARM',
      'SUMMARY:alarm',
      'END:VALARM',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const event = parseCalendar(ics);
    expect(event).not.toBeNull();
    expect(event?.summary).toBe('Planning; long title that is folded');
    expect(event?.method).toBe('REQUEST');
    expect(event?.location).toBe('Room 1, 2nd floor');
    expect(event?.organizer).toEqual({ name: 'Boss: Dana', address: 'dana@example.org' });
    expect(event?.timeZone).toBe('Europe/Berlin');
    expect(event?.start?.getHours()).toBe(14);
    expect(event?.end?.getMinutes()).toBe(30);
  });

  it('handles UTC times, all-day events and garbage without throwing', () => {
    expect(parseCalendar('BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260101T090000Z\nEND:VEVENT\nEND:VCALENDAR')?.start?.toISOString()).toBe('2026-01-01T09:00:00.000Z');
    expect(parseCalendar('BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20260101\nEND:VEVENT\nEND:VCALENDAR')?.allDay).toBe(true);
    expect(parseCalendar('not a calendar')).toBeNull();
    expect(parseCalendar('BEGIN:VCALENDAR\n:::\nDTSTART:bad\nEND:VCALENDAR')).toBeNull();
    expect(parseCalendar('BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:bad\nSUMMARY:x\nEND:VEVENT')?.start).toBeNull();
  });
});
