import { useTranslation } from 'react-i18next';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { SendRequest } from '@mailroom/shared';
import { parseRecipients, type ComposeDraft } from './compose.queries.js';
import { useSendMessage } from './useSendMessage.js';
import { Icon } from '../../components/Icon/Icon.js';

interface ComposeDialogProps {
  initial: ComposeDraft;
  onSent: () => void;
  onDiscard: () => void;
}

/** The compose window. Nothing typed is lost when sending fails: the dialog stays open with the error. */
export function ComposeDialog({ initial, onSent, onDiscard }: ComposeDialogProps) {
  const { t } = useTranslation();
  const send = useSendMessage();
  const [to, setTo] = useState(initial.to);
  const [cc, setCc] = useState(initial.cc);
  const [subject, setSubject] = useState(initial.subject);
  const [text, setText] = useState(initial.text);
  const [validationError, setValidationError] = useState<string | null>(null);
  const ids = { to: useId(), cc: useId(), subject: useId(), text: useId(), title: useId() };
  const toRef = useRef<HTMLInputElement>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);

  // Give focus back to where it was (the Compose or Reply button) when the dialog closes.
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    return () => {
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  useEffect(() => {
    if (initial.to) {
      textRef.current?.focus();
      textRef.current?.setSelectionRange(0, 0);
    } else {
      toRef.current?.focus();
    }
  }, [initial]);

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (send.isPending) return;
    const toList = parseRecipients(to);
    if (!toList.ok) return setValidationError(t('"{{address}}" is not a valid email address.', { address: toList.invalid }));
    const ccList = parseRecipients(cc);
    if (!ccList.ok) return setValidationError(t('"{{address}}" is not a valid email address.', { address: ccList.invalid }));
    if (toList.addresses.length + ccList.addresses.length === 0) {
      setValidationError(t('Add at least one recipient.'));
      toRef.current?.focus();
      return;
    }
    setValidationError(null);
    const body: SendRequest = { to: toList.addresses, cc: ccList.addresses, subject, text };
    if (initial.inReplyTo) body.inReplyTo = initial.inReplyTo;
    if (initial.references) body.references = initial.references;
    send.mutate(body, { onSuccess: () => onSent() });
  };

  const error = validationError ?? (send.isError ? send.error.message : null);

  return (
    <div role="dialog" aria-label={t('New message')} className="compose" aria-modal="false">
      <form onSubmit={onSubmit} noValidate className="compose-form">
        <header className="compose-header">
          <span id={ids.title} className="compose-title">
            {subject.trim() || t('New message')}
          </span>
          <button type="button" className="btn btn-icon btn-ghost" onClick={onDiscard} aria-label={t('Close')} title={t('Close')}>
            <Icon name="close" />
          </button>
        </header>
        {error && (
          <p role="alert" className="form-error compose-error">
            {error}
          </p>
        )}
        <div className="compose-field">
          <label htmlFor={ids.to}>{t('To')}</label>
          <input
            id={ids.to}
            ref={toRef}
            type="text"
            inputMode="email"
            autoComplete="off"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            placeholder="name@example.org, …"
          />
        </div>
        <div className="compose-field">
          <label htmlFor={ids.cc}>{t('Cc')}</label>
          <input id={ids.cc} type="text" inputMode="email" autoComplete="off" value={cc} onChange={(e) => setCc(e.target.value)} />
        </div>
        <div className="compose-field">
          <label htmlFor={ids.subject}>{t('Subject')}</label>
          <input id={ids.subject} type="text" value={subject} onChange={(e) => setSubject(e.target.value)} />
        </div>
        <div className="compose-text">
          <label htmlFor={ids.text} className="visually-hidden">
            {t('Message')}
          </label>
          <textarea id={ids.text} ref={textRef} value={text} onChange={(e) => setText(e.target.value)} />
        </div>
        <footer className="compose-footer">
          <button type="submit" className="btn btn-primary" disabled={send.isPending} aria-busy={send.isPending}>
            <Icon name="sent" />
            <span>{t('Send')}</span>
          </button>
          <button type="button" className="btn" onClick={onDiscard}>
            {t('Discard')}
          </button>
        </footer>
      </form>
    </div>
  );
}
