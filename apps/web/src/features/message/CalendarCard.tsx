import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '@mailroom/shared';
import { formatAddress, formatFullDate } from '../../lib/format.js';
import { currentLocale } from '../../lib/i18n.js';
import { parseCalendar, type CalendarEvent } from '../../lib/ics.js';
import { Icon } from '../../components/Icon/Icon.js';
import { attachmentTextQuery } from './message.queries.js';

export function isCalendar(a: Attachment): boolean {
  const type = a.contentType.toLowerCase();
  return type === 'text/calendar' || type === 'application/ics' || a.filename.toLowerCase().endsWith('.ics');
}

function when(event: CalendarEvent): string {
  if (!event.start) return '';
  if (event.allDay) {
    return event.start.toLocaleDateString(currentLocale(), { dateStyle: 'full' });
  }
  const start = formatFullDate(event.start);
  const end = event.end
    ? event.end.toDateString() === event.start.toDateString()
      ? event.end.toLocaleTimeString(currentLocale(), { timeStyle: 'short' })
      : formatFullDate(event.end)
    : '';
  return `${start}${end ? ` – ${end}` : ''}${event.timeZone ? ` (${event.timeZone})` : ''}`;
}

/** Summary card of a calendar invitation, parsed in the browser from its text/calendar part. */
export function CalendarCard({ attachment }: { attachment: Attachment }) {
  const { t } = useTranslation();
  const query = useQuery(attachmentTextQuery(attachment));
  const event = query.data ? parseCalendar(query.data) : null;
  if (!event) return null;
  const title = event.method === 'CANCEL' ? t('Cancelled event') : t('Invitation');
  return (
    <section className="calendar-card" aria-label={title}>
      <Icon name="calendar" className="calendar-icon" />
      <div>
        <h3>{event.summary || t('(no title)')}</h3>
        <dl>
          {event.start && (
            <div className="header-row">
              <dt>{t('When')}</dt>
              <dd>{when(event)}</dd>
            </div>
          )}
          {event.location && (
            <div className="header-row">
              <dt>{t('Where')}</dt>
              <dd>{event.location}</dd>
            </div>
          )}
          {event.organizer && (
            <div className="header-row">
              <dt>{t('Organizer')}</dt>
              <dd>{formatAddress(event.organizer)}</dd>
            </div>
          )}
        </dl>
      </div>
    </section>
  );
}
