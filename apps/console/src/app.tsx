/** The console's shell: sign-in gate, header with navigation and sign-out, and the screen of the current hash route. */
import { useMemo, useState } from 'preact/hooks';
import { OperationDetail } from './screens/operation-detail';
import { OperationsList } from './screens/operations-list';
import { SignIn } from './screens/sign-in';
import { Submit } from './screens/submit';
import { Webhooks } from './screens/webhooks';
import { ScreenHeading } from './screens/screen-heading';
import { href, useRoute, type Route } from './router';
import { ClientContext, createConsoleClient, forgetApiKey, readStoredApiKey, storeApiKey } from './session';

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(() => readStoredApiKey());
  const [signedOut, setSignedOut] = useState<false | 'by-user' | 'key-refused'>(false);
  const client = useMemo(
    () =>
      apiKey
        ? createConsoleClient(apiKey, () => {
            // the key was revoked or expired while signed in: out, with the reason
            forgetApiKey();
            setSignedOut('key-refused');
            setApiKey(null);
          })
        : null,
    [apiKey],
  );
  const route = useRoute();

  if (!client) {
    return (
      <SignIn
        signedOut={signedOut}
        onSignedIn={(key) => {
          storeApiKey(key);
          setSignedOut(false);
          setApiKey(key);
        }}
      />
    );
  }

  const signOut = () => {
    forgetApiKey();
    setSignedOut('by-user');
    setApiKey(null); // unmounts every screen: their requests and streams are aborted
  };

  return (
    <ClientContext.Provider value={client}>
      <a class="skip-link" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Routing policy console</span>
        <nav aria-label="Main">
          <ul>
            <NavLink to={href.operations()} current={route.screen === 'operations' || route.screen === 'operation'}>
              Operations
            </NavLink>
            <NavLink to={href.submit} current={route.screen === 'submit'}>
              Submit
            </NavLink>
            <NavLink to={href.webhooks} current={route.screen === 'webhooks'}>
              Webhooks
            </NavLink>
          </ul>
        </nav>
        <button type="button" class="sign-out" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen route={route} />
      </main>
    </ClientContext.Provider>
  );
}

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'operations':
      return <OperationsList key={`${route.status ?? ''}|${route.reference ?? ''}`} status={route.status} reference={route.reference} />;
    case 'operation':
      return <OperationDetail key={route.id} id={route.id} />;
    case 'submit':
      return <Submit />;
    case 'webhooks':
      return <Webhooks />;
    case 'not-found':
      return (
        <>
          <ScreenHeading title="Not found" />
          <p>
            Nothing lives at <code>{route.path}</code>. <a href={href.operations()}>Go to the operations</a>.
          </p>
        </>
      );
  }
}

function NavLink({ to, current, children }: { to: string; current: boolean; children: string }) {
  return (
    <li>
      <a href={to} aria-current={current ? 'page' : undefined}>
        {children}
      </a>
    </li>
  );
}

/** The skip link must not change the hash route: it moves the focus instead. */
function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}
