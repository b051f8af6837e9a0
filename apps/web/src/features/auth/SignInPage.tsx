import { useTranslation } from 'react-i18next';
import { useId, useState, type FormEvent } from 'react';
import { useSignIn } from './useSession.js';

export function SignInPage() {
  const { t } = useTranslation();
  const signIn = useSignIn();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [localError, setLocalError] = useState<string | null>(null);
  const emailId = useId();
  const passwordId = useId();

  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!email.trim() || !password) {
      setLocalError(t('Enter your email and password.'));
      return;
    }
    setLocalError(null);
    signIn.mutate({ email: email.trim(), password });
  };

  const error = localError ?? (signIn.error ? signIn.error.message : null);

  return (
    <main className="signin">
      <form className="signin-card" onSubmit={onSubmit} noValidate aria-labelledby="signin-title">
        <div className="signin-brand" aria-hidden="true">
          <img src="/favicon.svg" alt="" width={40} height={40} />
        </div>
        <h1 id="signin-title">{t('Sign in to Mailroom')}</h1>
        {error && (
          <p role="alert" className="form-error">
            {error}
          </p>
        )}
        <div className="field">
          <label htmlFor={emailId}>{t('Email')}</label>
          <input
            id={emailId}
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoFocus
          />
        </div>
        <div className="field">
          <label htmlFor={passwordId}>{t('Password')}</label>
          <input
            id={passwordId}
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
          />
        </div>
        <button type="submit" className="btn btn-primary btn-block" disabled={signIn.isPending} aria-busy={signIn.isPending}>
          {t('Sign in')}
        </button>
      </form>
    </main>
  );
}
