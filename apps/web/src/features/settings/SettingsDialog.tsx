import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog/Dialog.js';
import { LANGUAGES, type Language } from '../../lib/i18n.js';
import { usePreferences, useUpdatePreferences, type Theme } from './preferences.js';

/** -1 = never: messages are marked read only by hand. */
const DELAYS_MS = [0, 1000, 3000, 5000, 10000, 30000, -1];

function notificationState(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Settings: theme, language, reading behaviour and desktop notifications. Loaded on demand. */
export default function SettingsDialog({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const preferences = usePreferences();
  const update = useUpdatePreferences();
  const [permission, setPermission] = useState(notificationState);
  const ids = { theme: useId(), language: useId(), delay: useId() };
  const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch' };

  return (
    <Dialog label={t('Settings')} onClose={onClose} className="settings">
      <div className="field">
        <label htmlFor={ids.theme}>{t('Theme')}</label>
        <select id={ids.theme} value={preferences.theme} onChange={(e) => update.mutate({ theme: e.target.value as Theme })}>
          <option value="system">{t('Same as system')}</option>
          <option value="light">{t('Light')}</option>
          <option value="dark">{t('Dark')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.language}>{t('Language')}</label>
        <select id={ids.language} value={preferences.language} onChange={(e) => update.mutate({ language: e.target.value as Language })}>
          {LANGUAGES.map((l) => (
            <option key={l} value={l} lang={l}>
              {languageNames[l]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.delay}>{t('Mark messages as read')}</label>
        <select
          id={ids.delay}
          value={preferences.markReadDelayMs}
          onChange={(e) => update.mutate({ markReadDelayMs: Number(e.target.value) })}
        >
          {DELAYS_MS.map((ms) => (
            <option key={ms} value={ms}>
              {ms === 0 ? t('Immediately') : ms < 0 ? t('Never') : t('After {{seconds}} seconds', { seconds: ms / 1000 })}
            </option>
          ))}
        </select>
      </div>
      <label className="toggle field">
        <input
          type="checkbox"
          checked={preferences.conversationView}
          onChange={(e) => update.mutate({ conversationView: e.target.checked })}
        />
        <span>{t('Group messages into conversations')}</span>
      </label>
      <div className="field">
        <span className="field-label">{t('Desktop notifications')}</span>
        {permission === 'granted' && <p>{t('Notifications for new mail are on.')}</p>}
        {permission === 'denied' && <p>{t('Notifications are blocked in your browser settings.')}</p>}
        {permission === 'unsupported' && <p>{t('This browser cannot show notifications.')}</p>}
        {permission === 'default' && (
          <button
            type="button"
            className="btn"
            onClick={() => {
              void Notification.requestPermission().then((p) => setPermission(p));
            }}
          >
            {t('Enable desktop notifications')}
          </button>
        )}
      </div>
      {update.isError && (
        <p role="alert" className="inline-error">
          {update.error.message}
        </p>
      )}
    </Dialog>
  );
}
