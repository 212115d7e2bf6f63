/**
 * One operation: who asked, its links to reverts, its rollout, every target in detail, and drift/revert. While it runs
 * the page follows the operation's own event stream (a stream token, never the key, in the URL) until the terminal state.
 */
import { useEffect, useState } from 'preact/hooks';
import { isTerminal, type Operation } from '@routing-policy-gateway/client';
import { ProblemAlert } from '../components/problem-alert';
import { ResultCard } from '../components/result-card';
import { RevertPanel } from '../components/revert-panel';
import { RolloutPanel } from '../components/rollout-panel';
import { StatusBadge } from '../components/status-badge';
import { formatTime, targetLabel } from '../format';
import { href } from '../router';
import { useClient } from '../session';
import { ScreenHeading } from './screen-heading';

type Live = 'idle' | 'following' | 'ended' | { error: unknown };

export function OperationDetail({ id }: { id: string }) {
  const client = useClient();
  const [operation, setOperation] = useState<Operation | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [live, setLive] = useState<Live>('idle');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    setLoadError(null);
    void (async () => {
      let current: Operation;
      try {
        current = await client.getOperation(id, { signal });
      } catch (error) {
        if (!signal.aborted) setLoadError(error);
        return;
      }
      if (signal.aborted) return;
      setOperation(current);
      if (isTerminal(current)) return setLive('idle');
      setLive('following');
      try {
        for await (const event of client.events(id, { useStreamToken: true, signal })) setOperation(event.data);
        if (!signal.aborted) setLive('ended');
      } catch (error) {
        if (!signal.aborted) setLive({ error });
      }
    })();
    return () => abort.abort();
  }, [client, id, attempt]);

  if (loadError) {
    return (
      <>
        <ScreenHeading title={`Operation ${id}`} />
        <ProblemAlert context="The operation could not be read" error={loadError} />
        <p>
          <a href={href.operations()}>Back to operations</a>
        </p>
      </>
    );
  }
  if (!operation || operation.id !== id) {
    return (
      <>
        <ScreenHeading title={`Operation ${id}`} />
        <p role="status">Loading…</p>
      </>
    );
  }

  return (
    <>
      <ScreenHeading title={`Operation ${operation.id}`} />
      <p>
        <a href={href.operations()}>← All operations</a>
      </p>
      <div class="status-line" role="status" aria-live="polite">
        Status: <StatusBadge status={operation.status} />
        {live === 'following' && <span class="live-dot">following live</span>}
      </div>
      {typeof live === 'object' && (
        <div>
          <ProblemAlert context="Live updates stopped" error={live.error} />
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Reconnect
          </button>
        </div>
      )}
      <dl class="facts">
        <dt>Requested by</dt>
        <dd>{operation.requestedBy}</dd>
        <dt>Reference</dt>
        <dd>{operation.reference ?? '—'}</dd>
        <dt>Created</dt>
        <dd>{formatTime(operation.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>{formatTime(operation.updatedAt)}</dd>
        <dt>Completed</dt>
        <dd>{formatTime(operation.completedAt)}</dd>
        {operation.revertOf && (
          <>
            <dt>Revert of</dt>
            <dd>
              <a href={href.operation(operation.revertOf)}>{operation.revertOf}</a>
            </dd>
          </>
        )}
        {operation.revertedBy && operation.revertedBy.length > 0 && (
          <>
            <dt>Reverted by</dt>
            <dd>
              <ul class="inline-list">
                {operation.revertedBy.map((revertId) => (
                  <li key={revertId}>
                    <a href={href.operation(revertId)}>{revertId}</a>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
      {operation.skipped && operation.skipped.length > 0 && (
        <section aria-labelledby="skipped-heading">
          <h2 id="skipped-heading">Left as they are</h2>
          <ul>
            {operation.skipped.map((s) => (
              <li key={s.index}>
                Target {s.index + 1} of the reverted operation ({targetLabel(s.target)}): {s.reason}
              </li>
            ))}
          </ul>
        </section>
      )}
      <RolloutPanel operation={operation} />
      <section aria-labelledby="targets-heading">
        <h2 id="targets-heading">Targets ({operation.results.length})</h2>
        {operation.results.map((result) => (
          <ResultCard key={result.index} result={result} />
        ))}
      </section>
      {!operation.dryRun && <RevertPanel key={operation.id} operation={operation} />}
    </>
  );
}
