// Settings › Identities: the sender identities (name, address, reply-to, HTML signature, default).
import { lazy, Suspense, useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useQuery } from '@tanstack/react-query';
import type { Identity, IdentityInput } from '@mailroom/shared';
import type { RichEditorHandle } from '../../components/RichEditor/RichEditor.js';
import { identitiesQuery, useDeleteIdentity, useSaveIdentity } from './identities.queries.js';
import './identities.css';

const RichEditor = lazy(() => import('../../components/RichEditor/RichEditor.js'));

const ADDRESS = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/u;

type Editing = { kind: 'new' } | { kind: 'edit'; identity: Identity } | null;

/** Lists, adds, edits and deletes identities. Rendered inside the settings dialog. */
export default function IdentitiesSettings() {
  const { t } = useTranslation();
  const query = useQuery(identitiesQuery());
  const [editing, setEditing] = useState<Editing>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const remove = useDeleteIdentity();
  const addRef = useRef<HTMLButtonElement>(null);

  if (editing) {
    return (
      <IdentityForm
        identity={editing.kind === 'edit' ? editing.identity : null}
        onDone={() => {
          setEditing(null);
          requestAnimationFrame(() => addRef.current?.focus());
        }}
      />
    );
  }

  const identities = query.data ?? [];
  return (
    <section className="identities" aria-labelledby="identities-heading">
      <h3 id="identities-heading" className="settings-heading">
        {t('Identities')}
      </h3>
      <p className="settings-hint">{t('The names and addresses you send from, each with its own signature.')}</p>
      {query.isPending && <p role="status">{t('Loading…')}</p>}
      {query.isError && (
        <p role="alert" className="inline-error">
          {query.error.message}
        </p>
      )}
      {identities.length > 0 && (
        <ul className="identity-list">
          {identities.map((identity) => (
            <li key={identity.id} className="identity-row">
              <div className="identity-main">
                <span className="identity-name">{identity.name || identity.email}</span>
                {identity.name && <span className="identity-email">{identity.email}</span>}
                {identity.replyTo && (
                  <span className="identity-meta">{t('Reply-to: {{address}}', { address: identity.replyTo })}</span>
                )}
                {identity.isDefault && <span className="identity-badge">{t('Default')}</span>}
              </div>
              {confirming === identity.id ? (
                <div className="identity-confirm" role="group" aria-label={t('Delete identity {{address}}?', { address: identity.email })}>
                  <span>{t('Delete identity {{address}}?', { address: identity.email })}</span>
                  <button
                    type="button"
                    className="btn btn-small btn-danger"
                    disabled={remove.isPending}
                    autoFocus
                    onClick={() =>
                      remove.mutate(identity.id, {
                        onSuccess: () => setConfirming(null),
                      })
                    }
                  >
                    {t('Delete')}
                  </button>
                  <button type="button" className="btn btn-small" onClick={() => setConfirming(null)}>
                    {t('Cancel')}
                  </button>
                </div>
              ) : (
                <div className="identity-actions">
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={t('Edit identity {{address}}', { address: identity.email })}
                    onClick={() => setEditing({ kind: 'edit', identity })}
                  >
                    {t('Edit')}
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    aria-label={t('Delete identity {{address}}', { address: identity.email })}
                    onClick={() => {
                      remove.reset();
                      setConfirming(identity.id);
                    }}
                  >
                    {t('Delete')}
                  </button>
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {remove.isError && (
        <p role="alert" className="inline-error">
          {remove.error.message}
        </p>
      )}
      <button ref={addRef} type="button" className="btn" onClick={() => setEditing({ kind: 'new' })}>
        {t('Add identity')}
      </button>
    </section>
  );
}

function IdentityForm({ identity, onDone }: { identity: Identity | null; onDone: () => void }) {
  const { t } = useTranslation();
  const ids = { name: useId(), email: useId(), replyTo: useId(), error: useId() };
  const [name, setName] = useState(identity?.name ?? '');
  const [email, setEmail] = useState(identity?.email ?? '');
  const [replyTo, setReplyTo] = useState(identity?.replyTo ?? '');
  const [isDefault, setIsDefault] = useState(identity?.isDefault ?? false);
  const signatureRef = useRef(identity?.signatureHtml ?? '');
  const editorRef = useRef<RichEditorHandle>(null);
  const [fieldError, setFieldError] = useState<{ field: 'email' | 'replyTo'; message: string } | null>(null);
  const save = useSaveIdentity();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const cleanEmail = email.trim();
    const cleanReplyTo = replyTo.trim();
    if (!ADDRESS.test(cleanEmail)) {
      setFieldError({ field: 'email', message: t('Enter a valid email address.') });
      return;
    }
    if (cleanReplyTo && !ADDRESS.test(cleanReplyTo)) {
      setFieldError({ field: 'replyTo', message: t('Enter a valid email address.') });
      return;
    }
    setFieldError(null);
    const html = editorRef.current?.getHTML() ?? signatureRef.current;
    const input: IdentityInput = {
      name: name.trim(),
      email: cleanEmail,
      replyTo: cleanReplyTo || null,
      signatureHtml: isEmptyHtml(html) ? '' : html,
      isDefault,
    };
    save.mutate({ id: identity?.id ?? null, input }, { onSuccess: onDone });
  };

  const title = identity ? t('Edit identity') : t('New identity');
  return (
    <form className="identity-form" aria-label={title} onSubmit={submit} noValidate>
      <h3 ref={headingRef} tabIndex={-1} className="settings-heading">
        {title}
      </h3>
      <div className="field">
        <label htmlFor={ids.name}>{t('Name')}</label>
        <input id={ids.name} type="text" autoComplete="name" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.email}>{t('Email address')}</label>
        <input
          id={ids.email}
          type="email"
          autoComplete="email"
          required
          value={email}
          aria-invalid={fieldError?.field === 'email' ? true : undefined}
          aria-describedby={fieldError?.field === 'email' ? ids.error : undefined}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.replyTo}>{t('Reply-to address (optional)')}</label>
        <input
          id={ids.replyTo}
          type="email"
          value={replyTo}
          aria-invalid={fieldError?.field === 'replyTo' ? true : undefined}
          aria-describedby={fieldError?.field === 'replyTo' ? ids.error : undefined}
          onChange={(e) => setReplyTo(e.target.value)}
        />
      </div>
      {fieldError && (
        <p id={ids.error} role="alert" className="inline-error">
          {fieldError.message}
        </p>
      )}
      <div className="field">
        <span className="field-label">{t('Signature')}</span>
        <Suspense fallback={<p role="status">{t('Loading editor…')}</p>}>
          <RichEditor
            ref={editorRef}
            initialHtml={signatureRef.current}
            onChange={(html) => {
              signatureRef.current = html;
            }}
            onUploadImage={() => Promise.reject(new Error('images are not kept in signatures'))}
            label={t('Signature')}
          />
        </Suspense>
      </div>
      <div className="field">
        <label className="toggle identity-default">
          {/* There is always one default: it changes by making another identity the default. */}
          <input type="checkbox" checked={isDefault} disabled={identity?.isDefault === true} onChange={(e) => setIsDefault(e.target.checked)} />
          <span>{t('Use as default identity')}</span>
        </label>
      </div>
      {save.isError && (
        <p role="alert" className="inline-error">
          {save.error.message}
        </p>
      )}
      <div className="identity-form-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? t('Saving…') : t('Save')}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          {t('Cancel')}
        </button>
      </div>
    </form>
  );
}

function isEmptyHtml(html: string): boolean {
  return /^(\s|<p>\s*<\/p>|<br\s*\/?>)*$/i.test(html);
}
