import { lazy, Suspense, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Dialog } from '../../components/Dialog/Dialog.js';
import { LANGUAGES, type Language } from '../../lib/i18n.js';
import { UNDO_SEND_DELAYS_MS, usePreferences, useUpdatePreferences, type Theme } from './preferences.js';
import './settings.css';

const IdentitiesSettings = lazy(() => import('../identities/IdentitiesSettings.js'));

export type SettingsTab = 'general' | 'compose' | 'identities';
type Tab = SettingsTab;
const TABS: Tab[] = ['general', 'compose', 'identities'];

/** -1 = never: messages are marked read only by hand. */
const DELAYS_MS = [0, 1000, 3000, 5000, 10000, 30000, -1];

function notificationState(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/**
 * Settings: theme, language, reading behaviour and desktop notifications (General); editor and undo
 * send (Compose); sender identities and signatures (Identities). Loaded on demand.
 */
export default function SettingsDialog({ onClose, initialTab = 'general' }: { onClose: () => void; initialTab?: Tab }) {
  const { t } = useTranslation();
  const [tab, setTab] = useState<Tab>(initialTab);
  const base = useId();
  const tabRefs = useRef<Partial<Record<Tab, HTMLButtonElement | null>>>({});
  const names: Record<Tab, string> = { general: t('General'), compose: t('Compose'), identities: t('Identities') };

  // Tabs pattern: arrow keys, Home and End move between the tabs.
  const onTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const index = TABS.indexOf(tab);
    let next: number | null = null;
    if (e.key === 'ArrowRight') next = (index + 1) % TABS.length;
    else if (e.key === 'ArrowLeft') next = (index - 1 + TABS.length) % TABS.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = TABS.length - 1;
    if (next === null) return;
    e.preventDefault();
    const target = TABS[next]!;
    setTab(target);
    tabRefs.current[target]?.focus();
  };

  return (
    <Dialog label={t('Settings')} onClose={onClose} className="settings">
      <div role="tablist" aria-label={t('Settings')} className="settings-tabs" onKeyDown={onTabKey}>
        {TABS.map((name) => (
          <button
            key={name}
            ref={(el) => {
              tabRefs.current[name] = el;
            }}
            type="button"
            role="tab"
            id={`${base}-tab-${name}`}
            aria-selected={tab === name}
            aria-controls={`${base}-panel-${name}`}
            tabIndex={tab === name ? 0 : -1}
            className="settings-tab"
            onClick={() => setTab(name)}
          >
            {names[name]}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel-${tab}`} aria-labelledby={`${base}-tab-${tab}`} className="settings-panel">
        {tab === 'general' && <GeneralSettings />}
        {tab === 'compose' && <ComposeSettings />}
        {tab === 'identities' && (
          <Suspense fallback={<p role="status">{t('Loading…')}</p>}>
            <IdentitiesSettings />
          </Suspense>
        )}
      </div>
    </Dialog>
  );
}

function ComposeSettings() {
  const { t } = useTranslation();
  const preferences = usePreferences();
  const update = useUpdatePreferences();
  const ids = { format: useId(), undo: useId() };
  return (
    <>
      <div className="field">
        <label htmlFor={ids.format}>{t('Default editor')}</label>
        <select
          id={ids.format}
          value={preferences.composeFormat}
          onChange={(e) => update.mutate({ composeFormat: e.target.value === 'text' ? 'text' : 'html' })}
        >
          <option value="html">{t('Rich text (HTML)')}</option>
          <option value="text">{t('Plain text')}</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor={ids.undo}>{t('Undo send')}</label>
        <select id={ids.undo} value={preferences.undoSendDelayMs} onChange={(e) => update.mutate({ undoSendDelayMs: Number(e.target.value) })}>
          {!(UNDO_SEND_DELAYS_MS as readonly number[]).includes(preferences.undoSendDelayMs) && (
            <option value={preferences.undoSendDelayMs}>{t('{{seconds}} seconds', { seconds: preferences.undoSendDelayMs / 1000 })}</option>
          )}
          {UNDO_SEND_DELAYS_MS.map((ms) => (
            <option key={ms} value={ms}>
              {ms === 0 ? t('Off') : t('{{seconds}} seconds', { seconds: ms / 1000 })}
            </option>
          ))}
        </select>
        <p className="settings-hint">{t('How long a sent message waits so that you can still undo it.')}</p>
      </div>
      {update.isError && (
        <p role="alert" className="inline-error">
          {update.error.message}
        </p>
      )}
    </>
  );
}

function GeneralSettings() {
  const { t } = useTranslation();
  const preferences = usePreferences();
  const update = useUpdatePreferences();
  const [permission, setPermission] = useState(notificationState);
  const ids = { theme: useId(), language: useId(), delay: useId() };
  const languageNames: Record<Language, string> = { en: 'English', de: 'Deutsch' };

  return (
    <>
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
    </>
  );
}
