/** A new webhook subscription: endpoint URL, event types, description. The answer's secret goes to `onCreated`. */
import { useState } from 'preact/hooks';
import type { WebhookEventType } from '@routing-policy-gateway/client';
import { useClient } from '../session';
import { ProblemAlert } from './problem-alert';

const EVENT_TYPES: { value: WebhookEventType; label: string }[] = [
  { value: '*', label: 'Every event (*)' },
  { value: 'operation.completed', label: 'operation.completed' },
  { value: 'operation.target.completed', label: 'operation.target.completed' },
];

export function CreateSubscriptionForm({ onCreated }: { onCreated: (created: { id: string; secret: string }) => void }) {
  const client = useClient();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEventType[]>(['*']);
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function create(event: Event): Promise<void> {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await client.createSubscription({ url: url.trim(), events, description: description.trim() || undefined });
      setUrl('');
      setDescription('');
      onCreated(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  const toggle = (value: WebhookEventType, on: boolean) => setEvents((now) => (on ? [...now, value] : now.filter((e) => e !== value)));
  return (
    <form class="card" aria-labelledby="create-heading" onSubmit={(e) => void create(e)}>
      <h2 id="create-heading">New subscription</h2>
      <div class="field">
        <label for="hook-url">Endpoint URL</label>
        <input id="hook-url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} placeholder="https://hooks.example.com/rpg" />
      </div>
      <fieldset>
        <legend>Events</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type.value} class="checkbox">
            <input type="checkbox" checked={events.includes(type.value)} onChange={(e) => toggle(type.value, e.currentTarget.checked)} />
            {type.label}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="hook-description">Description (optional)</label>
        <input id="hook-description" type="text" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || events.length === 0}>
          {busy ? 'Creating…' : 'Create subscription'}
        </button>
      </div>
      {error ? <ProblemAlert context="The subscription was refused" error={error} /> : null}
    </form>
  );
}
