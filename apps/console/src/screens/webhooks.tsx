/**
 * Webhook subscriptions: create one (its signing secret is shown once), rotate its secret (the new one shown once),
 * send a test event, delete it (after a confirmation), and open its deliveries.
 */
import { useEffect, useState } from 'preact/hooks';
import type { WebhookSubscription } from '@routing-policy-gateway/client';
import { CreateSubscriptionForm } from '../components/create-subscription-form';
import { OneTimeSecret } from '../components/one-time-secret';
import { ProblemAlert } from '../components/problem-alert';
import { StatusBadge } from '../components/status-badge';
import { formatTime } from '../format';
import { useClient } from '../session';
import { ScreenHeading } from './screen-heading';
import { WebhookDeliveries } from './webhook-deliveries';

/** A secret the gateway shows only once (on create or rotate). */
interface OneTimeSecret {
  subscriptionId: string;
  secret: string;
  kind: 'created' | 'rotated';
  previousValidUntil?: string;
}

export function Webhooks() {
  const client = useClient();
  const [subscriptions, setSubscriptions] = useState<WebhookSubscription[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [secret, setSecret] = useState<OneTimeSecret | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<{ context: string; error: unknown } | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  /** The last test event sent, until its delivery is listed. */
  const [sentTest, setSentTest] = useState<{ subscriptionId: string; eventId: string } | null>(null);
  const [reloads, setReloads] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    client
      .listSubscriptions({ signal: abort.signal })
      .then((list) => {
        setSubscriptions(list);
        setLoadError(null);
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setLoadError(error);
      });
    return () => abort.abort();
  }, [client, reloads]);

  async function act(context: string, work: () => Promise<void>): Promise<void> {
    setActionError(null);
    setNotice(null);
    try {
      await work();
    } catch (error) {
      setActionError({ context, error });
    }
  }

  const rotate = (id: string) =>
    act('Rotating the secret failed', async () => {
      const rotated = await client.rotateSubscriptionSecret(id);
      setSecret({ subscriptionId: id, secret: rotated.secret, kind: 'rotated', previousValidUntil: rotated.previousSecretValidUntil });
    });
  const sendTest = (id: string) =>
    act('Sending the test event failed', async () => {
      const { eventId } = await client.testSubscription(id);
      setNotice(`Test event ${eventId} sent to ${id}.`);
      setSentTest({ subscriptionId: id, eventId });
      setSelected(id);
    });
  const remove = (id: string) =>
    act('Deleting the subscription failed', async () => {
      await client.deleteSubscription(id);
      setConfirmDelete(null);
      if (selected === id) setSelected(null);
      if (secret?.subscriptionId === id) setSecret(null);
      setNotice(`Subscription ${id} deleted.`);
      setReloads((n) => n + 1);
    });

  const selectedSubscription = subscriptions?.find((s) => s.id === selected);
  return (
    <>
      <ScreenHeading title="Webhooks" />
      <CreateSubscriptionForm
        onCreated={(created) => {
          setSecret({ subscriptionId: created.id, secret: created.secret, kind: 'created' });
          setReloads((n) => n + 1);
        }}
      />
      {secret && (
        <OneTimeSecret
          title={`${secret.kind === 'created' ? 'Subscription created' : 'Secret rotated'}: store the signing secret now`}
          label="Signing secret"
          value={secret.secret}
          onDismiss={() => setSecret(null)}
        >
          This is the only time the gateway shows the signing secret of <code>{secret.subscriptionId}</code>.
          {secret.previousValidUntil && <> Deliveries carry both signatures until {formatTime(secret.previousValidUntil)}.</>}
        </OneTimeSecret>
      )}
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {actionError && <ProblemAlert context={actionError.context} error={actionError.error} />}
      <section aria-labelledby="subscriptions-heading">
        <h2 id="subscriptions-heading">Subscriptions</h2>
        {loadError ? <ProblemAlert context="The subscriptions could not be listed" error={loadError} /> : null}
        {subscriptions && subscriptions.length === 0 && <p>No subscriptions yet.</p>}
        {subscriptions && subscriptions.length > 0 && (
          <div class="table-scroll">
            <table>
              <caption>Webhook subscriptions</caption>
              <thead>
                <tr>
                  <th scope="col">Endpoint</th>
                  <th scope="col">Events</th>
                  <th scope="col">Status</th>
                  <th scope="col">Created</th>
                  <th scope="col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {subscriptions.map((s) => (
                  <tr key={s.id}>
                    <th scope="row">
                      <span class="break">{s.url}</span>
                      <br />
                      <code class="muted">{s.id}</code>
                      {s.description && <div>{s.description}</div>}
                    </th>
                    <td>{s.events.join(', ')}</td>
                    <td>
                      <StatusBadge status={s.status} />
                      {s.disabledReason && <div>{s.disabledReason}</div>}
                    </td>
                    <td>{formatTime(s.createdAt)}</td>
                    <td>
                      {confirmDelete === s.id ? (
                        <div class="actions" role="group" aria-label={`Confirm deleting ${s.id}`}>
                          <button type="button" class="danger" onClick={() => void remove(s.id)}>
                            Yes, delete {s.id}
                          </button>
                          <button type="button" onClick={() => setConfirmDelete(null)}>
                            Keep it
                          </button>
                        </div>
                      ) : (
                        <div class="actions">
                          <button type="button" aria-pressed={selected === s.id} onClick={() => setSelected(selected === s.id ? null : s.id)}>
                            Deliveries<span class="visually-hidden"> of {s.id}</span>
                          </button>
                          <button type="button" onClick={() => void sendTest(s.id)}>
                            Send test<span class="visually-hidden"> to {s.id}</span>
                          </button>
                          <button type="button" onClick={() => void rotate(s.id)}>
                            Rotate secret<span class="visually-hidden"> of {s.id}</span>
                          </button>
                          <button type="button" class="danger" onClick={() => setConfirmDelete(s.id)}>
                            Delete<span class="visually-hidden"> {s.id}</span>
                          </button>
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {selectedSubscription && (
        <WebhookDeliveries
          key={selectedSubscription.id}
          subscription={selectedSubscription}
          awaitEventId={sentTest?.subscriptionId === selectedSubscription.id ? sentTest.eventId : undefined}
        />
      )}
    </>
  );
}
