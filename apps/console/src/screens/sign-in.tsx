/**
 * Sign in with an API key. The key is checked with one read (GET /v1/operations?limit=1); the input has no `name`, so
 * even a form submitted without JavaScript could not put the key into a URL (and the CSP allows no form action).
 */
import { useState } from 'preact/hooks';
import { isGatewayError } from '@routing-policy-gateway/client';
import { ProblemAlert } from '../components/problem-alert';
import { createConsoleClient } from '../session';
import { ScreenHeading } from './screen-heading';

export function SignIn({ onSignedIn, signedOut }: { onSignedIn: (apiKey: string) => void; signedOut: false | 'by-user' | 'key-refused' }) {
  const [apiKey, setApiKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function signIn(event: Event): Promise<void> {
    event.preventDefault();
    const key = apiKey.trim();
    if (!key) return;
    setBusy(true);
    setError(null);
    try {
      await createConsoleClient(key).listOperations({ limit: 1 });
      onSignedIn(key);
    } catch (e) {
      // 403: a valid key without operations.read (e.g. webhooks only) may still use the screens its scopes allow
      if (isGatewayError(e) && e.status === 403) onSignedIn(key);
      else setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <ScreenHeading title="Sign in to the routing policy console" />
      {signedOut === 'by-user' && (
        <p class="notice" role="status">
          You are signed out. The API key was removed from this tab.
        </p>
      )}
      {signedOut === 'key-refused' && (
        <p class="notice" role="alert">
          The gateway no longer accepts this API key (401): you were signed out and the key was removed from this tab.
        </p>
      )}
      <form onSubmit={(e) => void signIn(e)} class="card">
        <div class="field">
          <label for="api-key">API key</label>
          <input
            id="api-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            required
            value={apiKey}
            onInput={(e) => setApiKey(e.currentTarget.value)}
            aria-describedby="api-key-hint"
          />
          <p id="api-key-hint" class="hint">
            Kept in this tab's session storage only: never in a URL, a cookie or local storage. Signing out or closing the tab removes it.
          </p>
        </div>
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {error ? <ProblemAlert context="Sign-in failed" error={error} /> : null}
      </form>
    </main>
  );
}
