/**
 * The deliveries of one subscription, newest first, with every attempt (status code, error, duration) and the next
 * retry; an ended delivery can be replayed. While a delivery is still being attempted, or an event just sent (a test)
 * is not listed yet, the list reads itself again every second.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { WebhookDelivery, WebhookSubscription } from '@routing-policy-gateway/client';
import { ProblemAlert } from '../components/problem-alert';
import { StatusBadge } from '../components/status-badge';
import { formatTime } from '../format';
import { useClient } from '../session';

const REFRESH_WHILE_PENDING_MS = 1000;
/** How long to wait for a sent event's delivery to be listed (its fan-out runs in the background). */
const AWAIT_EVENT_MS = 30_000;

export function WebhookDeliveries({ subscription, awaitEventId }: { subscription: WebhookSubscription; awaitEventId?: string }) {
  const client = useClient();
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const [error, setError] = useState<{ context: string; error: unknown } | null>(null);
  const [reads, setReads] = useState(0);
  const awaitingSince = useMemo(() => Date.now(), [awaitEventId]);

  useEffect(() => {
    const abort = new AbortController();
    let timer: number | undefined;
    client
      .listDeliveries(subscription.id, { signal: abort.signal })
      .then((list) => {
        setDeliveries(list);
        const pending = list.some((d) => d.status === 'PENDING');
        const awaited = awaitEventId !== undefined && !list.some((d) => d.eventId === awaitEventId) && Date.now() - awaitingSince < AWAIT_EVENT_MS;
        if (pending || awaited) timer = window.setTimeout(() => setReads((n) => n + 1), REFRESH_WHILE_PENDING_MS);
      })
      .catch((e: unknown) => {
        if (!abort.signal.aborted) setError({ context: 'The deliveries could not be read', error: e });
      });
    return () => {
      abort.abort();
      window.clearTimeout(timer);
    };
  }, [client, subscription.id, awaitEventId, awaitingSince, reads]);

  async function replay(delivery: WebhookDelivery): Promise<void> {
    setError(null);
    try {
      const replayed = await client.replayDelivery(subscription.id, delivery.id);
      setDeliveries((list) => list && list.map((d) => (d.id === replayed.id ? replayed : d)));
      setReads((n) => n + 1);
    } catch (e) {
      setError({ context: 'The replay was refused', error: e });
    }
  }

  return (
    <section aria-labelledby="deliveries-heading">
      <h2 id="deliveries-heading">Deliveries of {subscription.url}</h2>
      <p class="muted">
        Subscription <code>{subscription.id}</code>
      </p>
      <div class="actions">
        <button type="button" onClick={() => setReads((n) => n + 1)}>
          Refresh deliveries
        </button>
      </div>
      {error && <ProblemAlert context={error.context} error={error.error} />}
      {deliveries && deliveries.length === 0 && <p>No deliveries yet.</p>}
      <ul class="plain">
        {deliveries?.map((delivery) => (
          <li key={delivery.id}>
            <DeliveryCard delivery={delivery} onReplay={() => void replay(delivery)} />
          </li>
        ))}
      </ul>
    </section>
  );
}

function DeliveryCard({ delivery, onReplay }: { delivery: WebhookDelivery; onReplay: () => void }) {
  const headingId = `delivery-${delivery.id}`;
  return (
    <article class="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {delivery.eventType} <code>{delivery.eventId}</code>
      </h3>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={delivery.status} />
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(delivery.createdAt)}</dd>
        <dt>Next retry</dt>
        <dd>{formatTime(delivery.nextRetryAt)}</dd>
      </dl>
      {delivery.attempts.length > 0 && (
        <div class="table-scroll">
          <table>
            <caption>Attempts of {delivery.eventId}</caption>
            <thead>
              <tr>
                <th scope="col">Attempt</th>
                <th scope="col">Started</th>
                <th scope="col">HTTP status</th>
                <th scope="col">Duration</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {delivery.attempts.map((attempt) => (
                <tr key={attempt.attempt}>
                  <th scope="row">{attempt.attempt}</th>
                  <td>{formatTime(attempt.startedAt)}</td>
                  <td>{attempt.statusCode ?? 'no answer'}</td>
                  <td>{attempt.durationMs} ms</td>
                  <td>{attempt.error ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {delivery.status !== 'PENDING' && (
        <button type="button" onClick={onReplay}>
          Replay<span class="visually-hidden"> delivery of {delivery.eventId}</span>
        </button>
      )}
    </article>
  );
}
