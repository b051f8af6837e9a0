// The compose window (lazy chunk): recipients as chips, rich text or plain text, attachments with
// progress, identities and signatures, draft autosave and local recovery, send / send later.
import { lazy, Suspense, useCallback, useEffect, useId, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { composeState as composeStateSchema, type ComposeFormat, type ComposeStateInput, type Identity, type PrefillMode, type Priority, type Upload } from '@mailroom/shared';
import { Icon } from '../../components/Icon/Icon.js';
import type { RichEditorHandle } from '../../components/RichEditor/RichEditor.js';
import { formatSize } from '../../lib/format.js';
import { usePreferences, useUpdatePreferences, type Preferences } from '../settings/preferences.js';
import { mailboxKeys } from '../mailbox/mailbox.queries.js';
import { outboxKeys } from '../outbox/outbox.queries.js';
import { composeApi, identitiesQuery, limitsQuery } from './compose.queries.js';
import { htmlToText, isEmptyHtml, placeSignatureHtml, placeSignatureText, signatureAsText, textToHtml } from './convert.js';
import { sanitizeComposeHtml } from './quote.js';
import { chipsFromRecipients, parseChips, recipientsFromChips, type Chip } from './recipients.js';
import { RecipientField } from './RecipientField.js';
import { removeRecovery, writeRecovery } from './recovery.js';
import { uploadFile, useAttachments, type AttachmentItem } from './uploads.js';
import type { Composer, ComposeSession } from './useComposer.js';

const RichEditor = lazy(() => import('../../components/RichEditor/RichEditor.js'));

/** Autosave to Drafts this long after the last change. */
export const AUTOSAVE_DELAY_MS = 3_000;
/** Local recovery copy this long after the last change. */
export const LOCAL_SAVE_DELAY_MS = 400;
const MORNING_HOUR = 8;

type OpenMode = PrefillMode | 'new' | 'restore';

interface Loaded {
  state: ComposeStateInput;
  attachments: Upload[];
  mode: OpenMode;
  error?: string;
}

interface Fields {
  identityId: string | undefined;
  to: Chip[];
  cc: Chip[];
  bcc: Chip[];
  subject: string;
  format: ComposeFormat;
  html: string;
  text: string;
  priority: Priority;
  readReceipt: boolean;
}

type ComposePreferences = Preferences & { composeFormat?: ComposeFormat };

export interface ComposeDialogProps {
  session: ComposeSession;
  composer: Composer;
  announce: (text: string) => void;
}

/** Loads what the session opens (prefill from the server, or a state we have) then shows the form. */
export function ComposeDialog({ session, composer, announce }: ComposeDialogProps) {
  const { t } = useTranslation();
  const identities = useQuery(identitiesQuery());
  const [loaded, setLoaded] = useState<Loaded | null>(() => {
    const { source } = session;
    if (source.kind === 'new') return { state: source.state ?? {}, attachments: [], mode: 'new' };
    if (source.kind === 'state') return { state: source.state, attachments: source.attachments, mode: 'restore', ...(source.error ? { error: source.error } : {}) };
    return null;
  });
  const [loadError, setLoadError] = useState<string | null>(null);
  const { source } = session;

  useEffect(() => {
    if (source.kind !== 'prefill') return;
    let live = true;
    composeApi.prefill(source.request).then(
      (response) => live && setLoaded({ state: response.state, attachments: response.attachments, mode: source.request.mode }),
      (err: unknown) => live && setLoadError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      live = false;
    };
  }, [source]);

  if (!loaded || identities.isPending) {
    return (
      <div role="dialog" aria-label={t('New message')} className="compose" aria-modal="false">
        <header className="compose-header">
          <span className="compose-title">{t('New message')}</span>
          <button type="button" className="btn btn-icon btn-ghost" onClick={composer.close} aria-label={t('Close')} title={t('Close')}>
            <Icon name="close" />
          </button>
        </header>
        {loadError ? (
          <p role="alert" className="form-error compose-error">
            {loadError}
          </p>
        ) : (
          <p className="pane-note" aria-live="polite">
            {t('Loading…')}
          </p>
        )}
      </div>
    );
  }
  return <ComposeForm session={session} composer={composer} announce={announce} loaded={loaded} identities={identities.data?.identities ?? []} />;
}

export default ComposeDialog;

function chooseIdentity(identities: readonly Identity[], id: string | undefined): Identity | undefined {
  return identities.find((i) => i.id === id) ?? identities.find((i) => i.isDefault) ?? identities[0];
}

const SIGNATURE_MODES = new Set<OpenMode>(['new', 'reply', 'replyAll', 'forward', 'forwardAttachment']);

/** The fields compose starts with: sanitised HTML, the format the user prefers, the signature placed. */
export function initialFields(loaded: Loaded, preferredFormat: ComposeFormat, identities: readonly Identity[]): Fields {
  const parsed = composeStateSchema.safeParse(loaded.state);
  const state = parsed.success ? parsed.data : composeStateSchema.parse({});
  const keepFormat = loaded.mode === 'draft' || loaded.mode === 'editAsNew' || loaded.mode === 'restore';
  const format: ComposeFormat = keepFormat ? state.format : preferredFormat;
  let html = sanitizeComposeHtml(state.html);
  let text = state.text;
  if (format === 'html' && !html.trim() && text.trim()) html = textToHtml(text);
  if (format === 'text' && !text.trim() && html.trim()) text = htmlToText(html);
  const identity = chooseIdentity(identities, state.identityId);
  if (SIGNATURE_MODES.has(loaded.mode)) {
    const sigMode = loaded.mode === 'new' ? 'new' : 'reply';
    if (format === 'html') {
      if (!/^\s*<p[\s>]/i.test(html)) html = `<p></p>${html}`;
      if (identity?.signatureHtml.trim()) html = placeSignatureHtml(html, sanitizeComposeHtml(identity.signatureHtml), sigMode);
    } else if (identity?.signatureHtml.trim()) {
      text = placeSignatureText(text, signatureAsText(identity.signatureHtml), sigMode);
    }
  }
  return {
    identityId: identity?.id ?? state.identityId,
    to: chipsFromRecipients(state.to),
    cc: chipsFromRecipients(state.cc),
    bcc: chipsFromRecipients(state.bcc),
    subject: state.subject,
    format,
    html,
    text,
    priority: state.priority,
    readReceipt: state.readReceipt,
  };
}

function nextMorning(from: Date, weekday?: number): Date {
  const d = new Date(from);
  d.setHours(MORNING_HOUR, 0, 0, 0);
  if (weekday === undefined) {
    d.setDate(d.getDate() + 1);
  } else {
    let days = (weekday - d.getDay() + 7) % 7;
    if (days === 0) days = 7;
    d.setDate(d.getDate() + days);
  }
  return d;
}

/** "2026-11-25T08:00" for <input type="datetime-local">. */
function localInputValue(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

type SaveStatus = { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'error'; message: string };

interface ComposeFormProps extends ComposeDialogProps {
  loaded: Loaded;
  identities: readonly Identity[];
}

function ComposeForm({ session, composer, announce, loaded, identities }: ComposeFormProps) {
  const { t } = useTranslation();
  const preferences = usePreferences() as ComposePreferences;
  const queryClient = useQueryClient();
  const updatePreferences = useUpdatePreferences();
  const limits = useQuery(limitsQuery());
  const [fields, setFields] = useState<Fields>(() => initialFields(loaded, preferences.composeFormat ?? 'html', identities));
  const [editorSeed, setEditorSeed] = useState(() => ({ html: fields.html, key: 0 }));
  const [texts, setTexts] = useState({ to: '', cc: '', bcc: '' });
  const [showCc, setShowCc] = useState(fields.cc.length > 0);
  const [showBcc, setShowBcc] = useState(fields.bcc.length > 0);
  const [error, setError] = useState<string | null>(loaded.error ?? null);
  const [refused, setRefused] = useState<string[]>([]);
  const [saveStatus, setSaveStatus] = useState<SaveStatus>({ kind: 'idle' });
  const [sending, setSending] = useState(false);
  const [menu, setMenu] = useState<'later' | 'options' | null>(null);
  const [laterValue, setLaterValue] = useState(() => localInputValue(nextMorning(new Date())));
  const [dragging, setDragging] = useState(false);
  const [version, setVersion] = useState(0);
  const draftUid = useRef<number | undefined>(loaded.state.draftUid ?? undefined);
  // A restored message (local recovery, undo, failed send) is not in Drafts yet: unsaved from the start.
  const savedVersion = useRef(loaded.mode === 'restore' ? -1 : 0);
  const saving = useRef<Promise<void> | null>(null);
  const closed = useRef(false);
  const editorRef = useRef<RichEditorHandle>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const toRef = useRef<HTMLInputElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const ids = { subject: useId(), text: useId(), from: useId(), priority: useId(), later: useId(), readReceipt: useId() };
  const versionRef = useRef(version);
  versionRef.current = version;
  const changed = useCallback(() => setVersion((v) => v + 1), []);
  const attachments = useAttachments(loaded.attachments, changed);
  const signatureText = useRef(signatureAsText(chooseIdentity(identities, fields.identityId)?.signatureHtml ?? ''));
  const initialState = loaded.state;

  const update = (change: Partial<Fields>) => {
    setFields((f) => ({ ...f, ...change }));
    changed();
  };

  // The latest values for timers and callbacks.
  const latest = useRef({ fields, items: attachments.items, texts });
  latest.current = { fields, items: attachments.items, texts };

  const buildState = useCallback((): ComposeStateInput => {
    const { fields: f, items } = latest.current;
    const state: ComposeStateInput = {
      to: recipientsFromChips(f.to),
      cc: recipientsFromChips(f.cc),
      bcc: recipientsFromChips(f.bcc),
      subject: f.subject,
      format: f.format,
      html: f.format === 'html' ? f.html : '',
      text: f.format === 'text' ? f.text : '',
      attachments: items.flatMap((i) => (i.status === 'done' && i.upload ? [i.upload.id] : [])),
      priority: f.priority,
      readReceipt: f.readReceipt,
    };
    if (f.identityId) state.identityId = f.identityId;
    if (initialState.inReplyTo) state.inReplyTo = initialState.inReplyTo;
    if (initialState.references) state.references = initialState.references;
    if (initialState.source) state.source = initialState.source;
    if (draftUid.current) state.draftUid = draftUid.current;
    return state;
  }, [initialState]);

  const doneUploads = useCallback(
    (): Upload[] => latest.current.items.flatMap((i) => (i.status === 'done' && i.upload ? [i.upload] : [])),
    [],
  );

  const isEmpty = useCallback((): boolean => {
    const { fields: f, items, texts: typed } = latest.current;
    const body = f.format === 'html' ? !isEmptyHtml(f.html) : f.text.replace(signatureText.current, '').replace(/-- \n?/g, '').trim() !== '';
    return !(f.to.length || f.cc.length || f.bcc.length || typed.to.trim() || f.subject.trim() || body || items.length);
  }, []);

  const saveDraft = useCallback(async (): Promise<boolean> => {
    while (saving.current) await saving.current;
    const version = versionRef.current;
    if (savedVersion.current === version) return true;
    let ok = false;
    const run = (async () => {
      setSaveStatus({ kind: 'saving' });
      try {
        const response = await composeApi.saveDraft(buildState());
        if (response.uid !== null) draftUid.current = response.uid;
        savedVersion.current = version;
        ok = true;
        if (!closed.current) setSaveStatus({ kind: 'saved' });
      } catch (err) {
        if (!closed.current) setSaveStatus({ kind: 'error', message: err instanceof Error ? err.message : String(err) });
      }
    })();
    saving.current = run;
    await run;
    saving.current = null;
    return ok;
  }, [buildState]);

  // Local copy (every change, debounced) and autosave to Drafts (after AUTOSAVE_DELAY_MS idle).
  useEffect(() => {
    if (version === 0) return;
    const local = setTimeout(() => {
      if (!closed.current) writeRecovery({ sessionId: session.id, savedAt: Date.now(), state: buildState(), attachments: doneUploads() });
    }, LOCAL_SAVE_DELAY_MS);
    const remote = setTimeout(() => {
      if (!closed.current && !isEmpty() && !latest.current.items.some((i) => i.status === 'uploading')) void saveDraft();
    }, AUTOSAVE_DELAY_MS);
    return () => {
      clearTimeout(local);
      clearTimeout(remote);
    };
  }, [version, session.id, buildState, doneUploads, isEmpty, saveDraft]);

  // Focus: the first empty recipient field, else the body.
  useEffect(() => {
    if (fields.to.length === 0) toRef.current?.focus();
    else if (fields.format === 'text') {
      textRef.current?.focus();
      textRef.current?.setSelectionRange(0, 0);
    }
    // once, on open
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  // Give focus back to where it was when the dialog closes.
  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    return () => {
      if (previous?.isConnected) previous.focus();
    };
  }, []);

  const finish = () => {
    closed.current = true;
    composer.close();
  };

  const onClose = () => {
    const empty = isEmpty();
    finish();
    if (empty) {
      removeRecovery(session.id);
      return;
    }
    if (versionRef.current === savedVersion.current && !saving.current) {
      // nothing changed since the last save (or since it was opened): nothing to do
      if (savedVersion.current > 0) removeRecovery(session.id);
      return;
    }
    if (latest.current.items.some((i) => i.status === 'uploading')) {
      // the local copy keeps what was uploaded so far
      announce(t('Draft kept on this device (uploads were still running).'));
      return;
    }
    void saveDraft().then((ok) => {
      if (ok) {
        removeRecovery(session.id);
        announce(t('Draft saved'));
      } else {
        announce(t('The draft could not be saved; it is kept on this device.'));
      }
    });
  };

  const onDiscard = () => {
    if (!isEmpty() && !window.confirm(t('Discard this message?'))) return;
    finish();
    removeRecovery(session.id);
    for (const item of latest.current.items) if (item.own && item.upload) composeApi.deleteUpload(item.upload.id).catch(() => undefined);
    const uid = draftUid.current;
    const after = saving.current ?? Promise.resolve();
    void after.then(() => {
      const finalUid = draftUid.current ?? uid;
      if (finalUid) composeApi.deleteDraft(finalUid).catch(() => undefined);
    });
  };

  // Recipients typed but not yet made chips count on send.
  const settleRecipients = (): Fields => {
    const f = { ...latest.current.fields };
    const typed = latest.current.texts;
    (['to', 'cc', 'bcc'] as const).forEach((k) => {
      if (typed[k].trim()) f[k] = [...f[k], ...parseChips(typed[k])];
    });
    if (typed.to || typed.cc || typed.bcc) {
      setTexts({ to: '', cc: '', bcc: '' });
      setFields(f);
      latest.current = { ...latest.current, fields: f, texts: { to: '', cc: '', bcc: '' } };
    }
    return f;
  };

  const send = async (sendAt?: Date) => {
    if (sending) return;
    const f = settleRecipients();
    const invalid = [...f.to, ...f.cc, ...f.bcc].filter((c) => !c.valid);
    if (invalid.length > 0) {
      setError(t('Fix or remove the invalid addresses before sending: {{list}}', { list: invalid.map((c) => c.address || c.name).join(', ') }));
      return;
    }
    if (f.to.length + f.cc.length + f.bcc.length === 0) {
      setError(t('Add at least one recipient.'));
      toRef.current?.focus();
      return;
    }
    if (latest.current.items.some((i) => i.status === 'uploading')) {
      setError(t('Wait until the attachments are uploaded.'));
      return;
    }
    if (latest.current.items.some((i) => i.status === 'error')) {
      setError(t('Remove the attachments that could not be uploaded.'));
      return;
    }
    if (sendAt && sendAt.getTime() <= Date.now()) {
      setError(t('Choose a time in the future.'));
      return;
    }
    setError(null);
    setSending(true);
    while (saving.current) await saving.current;
    const state = buildState();
    const uploads = doneUploads();
    try {
      const response = await composeApi.send({ ...state, ...(sendAt ? { sendAt: sendAt.toISOString() } : {}) });
      finish();
      removeRecovery(session.id);
      // the Scheduled list, the Sent copy, the draft gone from Drafts
      void queryClient.invalidateQueries({ queryKey: outboxKeys.all });
      void queryClient.invalidateQueries({ queryKey: mailboxKeys.all });
      if (sendAt) {
        announce(t('Scheduled for {{date}}', { date: sendAt.toLocaleString() }));
      } else if (response.status === 'sent') {
        announce(t('Message sent'));
      } else if (response.status === 'failed') {
        composer.openState(state, uploads, { error: response.error?.message ?? t('The message could not be sent.'), sessionId: session.id });
      } else {
        composer.addPending({ id: response.id, sessionId: session.id, sendAt: response.sendAt, state, attachments: uploads });
      }
    } catch (err) {
      setSending(false);
      setError(err instanceof Error ? err.message : String(err));
    }
  };

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void send();
  };

  // ---- format and identity -------------------------------------------------------------------

  const currentHtml = () => editorRef.current?.getHTML() ?? latest.current.fields.html;

  const switchFormat = () => {
    const f = latest.current.fields;
    if (f.format === 'html') {
      const text = htmlToText(currentHtml());
      update({ format: 'text', text });
      updatePreferences.mutate({ composeFormat: 'text' } as Partial<Preferences>);
    } else {
      const html = textToHtml(f.text);
      update({ format: 'html', html });
      setEditorSeed((s) => ({ html, key: s.key + 1 }));
      updatePreferences.mutate({ composeFormat: 'html' } as Partial<Preferences>);
    }
  };

  const switchIdentity = (id: string) => {
    const f = latest.current.fields;
    const next = identities.find((i) => i.id === id);
    if (!next) return;
    // a reply or forward (also reopened as a draft) keeps the signature above the quote
    const mode = initialState.source || initialState.inReplyTo || (loaded.mode !== 'new' && SIGNATURE_MODES.has(loaded.mode)) ? 'reply' : 'new';
    if (f.format === 'html') {
      const html = placeSignatureHtml(currentHtml(), sanitizeComposeHtml(next.signatureHtml), mode);
      update({ identityId: id, html });
      if (editorRef.current) editorRef.current.setContent(html);
      else setEditorSeed((s) => ({ html, key: s.key + 1 }));
    } else {
      const sig = signatureAsText(next.signatureHtml);
      const text = placeSignatureText(f.text, sig, mode, signatureText.current);
      signatureText.current = sig;
      update({ identityId: id, text });
    }
  };

  // ---- attachments -------------------------------------------------------------------------------

  const maxBytes = limits.data?.maxMessageBytes;
  const addFiles = (files: File[]) => {
    if (files.length === 0) return;
    const tooBig = maxBytes ? files.filter((f) => f.size > maxBytes) : [];
    setRefused(tooBig.map((f) => t('{{name}} is too large ({{size}}); the limit is {{limit}}.', { name: f.name, size: formatSize(f.size), limit: formatSize(maxBytes ?? 0) })));
    const ok = files.filter((f) => !tooBig.includes(f));
    if (ok.length) attachments.add(ok);
  };
  const totalBytes = attachments.items.reduce((sum, i) => sum + i.size, 0);

  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    if (!dragging) setDragging(true);
  };
  const onDrop = (e: DragEvent) => {
    setDragging(false);
    if (e.defaultPrevented || !e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    addFiles(Array.from(e.dataTransfer.files));
  };

  const uploadImage = async (file: File) => {
    if (maxBytes && file.size > maxBytes) throw new Error(t('{{name}} is too large ({{size}}); the limit is {{limit}}.', { name: file.name, size: formatSize(file.size), limit: formatSize(maxBytes) }));
    const upload = await uploadFile(file).promise;
    return { url: upload.url };
  };

  // ---- view --------------------------------------------------------------------------------------

  const identity = chooseIdentity(identities, fields.identityId);
  const title = fields.subject.trim() || t('New message');
  const now = new Date();

  return (
    <div
      role="dialog"
      aria-label={t('New message')}
      className={`compose compose-full${dragging ? ' is-dragging' : ''}`}
      aria-modal="false"
      onDragOver={onDragOver}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !e.defaultPrevented) {
          e.preventDefault();
          void send();
          return;
        }
        if (e.key === 'Escape' && !e.defaultPrevented) {
          if (menu) {
            setMenu(null);
            return;
          }
          e.preventDefault();
          onClose();
        }
      }}
    >
      <form onSubmit={onSubmit} noValidate className="compose-form">
        <header className="compose-header">
          <span className="compose-title">{title}</span>
          <span className="compose-save-status" aria-live="polite">
            {saveStatus.kind === 'saving' ? t('Saving…') : saveStatus.kind === 'saved' ? t('Saved') : saveStatus.kind === 'error' ? t('Not saved') : ''}
          </span>
          <button type="button" className="btn btn-icon btn-ghost" onClick={onClose} aria-label={t('Close')} title={t('Save draft and close')}>
            <Icon name="close" />
          </button>
        </header>
        {error && (
          <p role="alert" className="form-error compose-error">
            {error}
          </p>
        )}
        {saveStatus.kind === 'error' && (
          <p className="inline-error compose-note">{t('The draft could not be saved: {{message}}', { message: saveStatus.message })}</p>
        )}
        <div className="compose-scroll">
          {identities.length > 1 && (
            <div className="compose-field">
              <label htmlFor={ids.from}>{t('From')}</label>
              <select id={ids.from} value={identity?.id ?? ''} onChange={(e) => switchIdentity(e.target.value)}>
                {identities.map((i) => (
                  <option key={i.id} value={i.id}>
                    {i.name ? `${i.name} <${i.email}>` : i.email}
                  </option>
                ))}
              </select>
            </div>
          )}
          <div className="compose-recipients">
            <RecipientField
              label={t('To')}
              chips={fields.to}
              onChange={(to) => update({ to })}
              inputRef={toRef}
              text={texts.to}
              onText={(to) => setTexts((x) => ({ ...x, to }))}
            />
            {(!showCc || !showBcc) && (
              <div className="compose-reveal">
                {!showCc && (
                  <button type="button" className="btn btn-small btn-ghost" onClick={() => setShowCc(true)}>
                    {t('Cc')}
                  </button>
                )}
                {!showBcc && (
                  <button type="button" className="btn btn-small btn-ghost" onClick={() => setShowBcc(true)}>
                    {t('Bcc')}
                  </button>
                )}
              </div>
            )}
          </div>
          {showCc && (
            <RecipientField label={t('Cc')} chips={fields.cc} onChange={(cc) => update({ cc })} text={texts.cc} onText={(cc) => setTexts((x) => ({ ...x, cc }))} />
          )}
          {showBcc && (
            <RecipientField label={t('Bcc')} chips={fields.bcc} onChange={(bcc) => update({ bcc })} text={texts.bcc} onText={(bcc) => setTexts((x) => ({ ...x, bcc }))} />
          )}
          <div className="compose-field">
            <label htmlFor={ids.subject}>{t('Subject')}</label>
            <input id={ids.subject} type="text" value={fields.subject} maxLength={998} onChange={(e) => update({ subject: e.target.value })} />
          </div>
          <div className="compose-body">
            {fields.format === 'html' ? (
              <Suspense fallback={<p className="pane-note">{t('Loading editor…')}</p>}>
                <RichEditor
                  key={editorSeed.key}
                  ref={editorRef}
                  initialHtml={editorSeed.html}
                  onChange={(html) => update({ html })}
                  onUploadImage={uploadImage}
                  label={t('Message')}
                  autoFocus={fields.to.length > 0}
                />
              </Suspense>
            ) : (
              <div className="compose-text">
                <label htmlFor={ids.text} className="visually-hidden">
                  {t('Message')}
                </label>
                <textarea id={ids.text} ref={textRef} value={fields.text} onChange={(e) => update({ text: e.target.value })} />
              </div>
            )}
          </div>
          <Attachments
            items={attachments.items}
            onRemove={attachments.remove}
            refused={refused}
            totalBytes={totalBytes}
            maxBytes={maxBytes}
          />
        </div>
        <footer className="compose-footer">
          <button type="submit" className="btn btn-primary" disabled={sending} aria-busy={sending}>
            <Icon name="sent" />
            <span>{t('Send')}</span>
          </button>
          <div className="compose-menu">
            {/* "Schedule", not "Send later": the Send button keeps a name no other button contains */}
            <button type="button" className="btn" aria-expanded={menu === 'later'} title={t('Send later')} onClick={() => setMenu((m) => (m === 'later' ? null : 'later'))}>
              <Icon name="calendar" />
              <span>{t('Schedule')}</span>
            </button>
            {menu === 'later' && (
              <div className="menu compose-popup" role="group" aria-label={t('Send later')}>
                <button type="button" className="btn btn-ghost" onClick={() => void send(nextMorning(now))}>
                  {t('Tomorrow morning')}
                </button>
                <button type="button" className="btn btn-ghost" onClick={() => void send(nextMorning(now, 1))}>
                  {t('Monday morning')}
                </button>
                <label htmlFor={ids.later}>{t('Date and time')}</label>
                <input id={ids.later} type="datetime-local" value={laterValue} min={localInputValue(now)} onChange={(e) => setLaterValue(e.target.value)} />
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    const at = new Date(laterValue);
                    if (Number.isNaN(at.getTime())) return setError(t('Choose a time in the future.'));
                    void send(at);
                  }}
                >
                  {t('Schedule for this time')}
                </button>
              </div>
            )}
          </div>
          <button type="button" className="btn" onClick={() => fileRef.current?.click()} title={maxBytes ? t('Attach files (up to {{size}})', { size: formatSize(maxBytes) }) : undefined}>
            <Icon name="paperclip" />
            <span>{t('Attach')}</span>
          </button>
          <input
            ref={fileRef}
            type="file"
            multiple
            hidden
            aria-label={t('Attach files')}
            onChange={(e) => {
              addFiles(Array.from(e.target.files ?? []));
              e.target.value = '';
            }}
          />
          {maxBytes !== undefined && <span className="compose-limit">{t('up to {{size}}', { size: formatSize(maxBytes) })}</span>}
          <button type="button" className="btn btn-ghost" onClick={switchFormat}>
            {fields.format === 'html' ? t('Plain text') : t('Rich text')}
          </button>
          <div className="compose-menu">
            <button type="button" className="btn btn-ghost" aria-expanded={menu === 'options'} onClick={() => setMenu((m) => (m === 'options' ? null : 'options'))}>
              <span>{t('Options')}</span>
            </button>
            {menu === 'options' && (
              <div className="menu compose-popup" role="group" aria-label={t('Options')}>
                <label htmlFor={ids.priority}>{t('Priority')}</label>
                <select id={ids.priority} value={fields.priority} onChange={(e) => update({ priority: e.target.value as Priority })}>
                  <option value="high">{t('High')}</option>
                  <option value="normal">{t('Normal')}</option>
                  <option value="low">{t('Low')}</option>
                </select>
                <label className="compose-check">
                  <input type="checkbox" checked={fields.readReceipt} onChange={(e) => update({ readReceipt: e.target.checked })} />
                  {t('Request read receipt')}
                </label>
              </div>
            )}
          </div>
          <span className="compose-spacer" />
          <button type="button" className="btn" onClick={onClose}>
            {t('Save draft')}
          </button>
          <button type="button" className="btn btn-ghost" onClick={onDiscard}>
            {t('Discard')}
          </button>
        </footer>
      </form>
    </div>
  );
}

function Attachments({
  items,
  onRemove,
  refused,
  totalBytes,
  maxBytes,
}: {
  items: readonly AttachmentItem[];
  onRemove: (item: AttachmentItem) => void;
  refused: readonly string[];
  totalBytes: number;
  maxBytes: number | undefined;
}) {
  const { t } = useTranslation();
  if (items.length === 0 && refused.length === 0) return null;
  return (
    <section className="compose-attachments" aria-label={t('Attachments')}>
      {refused.length > 0 && (
        <div role="alert" className="inline-error">
          {refused.map((r) => (
            <p key={r}>{r}</p>
          ))}
        </div>
      )}
      {items.length > 0 && (
        <>
          <p className={`compose-total${maxBytes && totalBytes > maxBytes ? ' is-over' : ''}`}>
            {maxBytes
              ? t('Total {{size}} of {{limit}}', { size: formatSize(totalBytes), limit: formatSize(maxBytes) })
              : t('Total {{size}}', { size: formatSize(totalBytes) })}
          </p>
          <ul>
            {items.map((item) => (
              <li key={item.key} className={`compose-attachment is-${item.status}`}>
                <Icon name="paperclip" />
                <span className="attachment-info">
                  <span className="attachment-name">{item.filename || t('Unnamed attachment')}</span>
                  <span className="attachment-meta">{formatSize(item.size)}</span>
                </span>
                {item.status === 'uploading' && (
                  <span
                    className="upload-progress"
                    role="progressbar"
                    aria-label={t('Uploading {{name}}', { name: item.filename })}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={Math.round(item.progress * 100)}
                  >
                    <span style={{ width: `${Math.round(item.progress * 100)}%` }} />
                  </span>
                )}
                {item.status === 'error' && (
                  <span role="alert" className="inline-error">
                    {item.error}
                  </span>
                )}
                <button
                  type="button"
                  className="btn btn-small"
                  aria-label={item.status === 'uploading' ? t('Cancel upload of {{name}}', { name: item.filename }) : t('Remove {{name}}', { name: item.filename })}
                  onClick={() => onRemove(item)}
                >
                  {item.status === 'uploading' ? t('Cancel') : <Icon name="close" />}
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
