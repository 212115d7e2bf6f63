/**
 * The signed-in session: the API key lives in this tab's sessionStorage (gone when the tab closes) and in memory, never
 * in a URL, a cookie or localStorage. Every API call goes through the typed client with `Authorization: Bearer`; event
 * streams use short-lived stream tokens instead (`useStreamToken`), so the key never appears in a stream URL either.
 */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { createRoutingPolicyClient, type RoutingPolicyClient } from '@routing-policy-gateway/client';

const STORAGE_KEY = 'routing-policy-console.api-key';

export function readStoredApiKey(): string | null {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null; // storage disabled: the key stays in memory only
  }
}

export function storeApiKey(apiKey: string): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, apiKey);
  } catch {
    /* storage disabled: the key stays in memory only */
  }
}

export function forgetApiKey(): void {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    /* nothing stored */
  }
}

/**
 * The client of the gateway that serves this page (same origin: the CSP allows no other). `onRefused` is called when the
 * gateway answers 401 to the key (revoked or expired while signed in): the console then signs out instead of showing
 * the same refusal on every screen.
 */
export function createConsoleClient(apiKey: string, onRefused?: () => void): RoutingPolicyClient {
  const fetchWatchingRefusal = async (input: string, init?: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    if (response.status === 401 && onRefused) onRefused();
    return response;
  };
  return createRoutingPolicyClient({ baseUrl: location.origin, apiKey, fetch: fetchWatchingRefusal });
}

export const ClientContext = createContext<RoutingPolicyClient | null>(null);

/** The signed-in client; only screens rendered inside the signed-in shell call it. */
export function useClient(): RoutingPolicyClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient() outside the signed-in console');
  return client;
}
