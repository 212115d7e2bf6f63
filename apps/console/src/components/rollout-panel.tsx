/** A staged rollout: its batches in order (which one runs), what a failure does, the pause, and what could not be restored. */
import type { Operation } from '@routing-policy-gateway/client';
import { formatTime, targetLabel } from '../format';
import { StatusBadge } from './status-badge';

export function RolloutPanel({ operation }: { operation: Operation }) {
  const rollout = operation.rollout;
  if (!rollout) return null;
  const statusOf = (index: number) => operation.results.find((r) => r.index === index)?.status ?? 'PENDING';
  return (
    <section aria-labelledby="rollout-heading">
      <h2 id="rollout-heading">Rollout</h2>
      <dl class="facts">
        <dt>State</dt>
        <dd>
          <StatusBadge status={rollout.state} />
        </dd>
        <dt>Current batch</dt>
        <dd>
          {rollout.current + 1} of {rollout.batches.length}
        </dd>
        <dt>On failure</dt>
        <dd>{rollout.onFailure}</dd>
        <dt>Pause between batches</dt>
        <dd>{rollout.pauseSeconds} s</dd>
        {rollout.resumesAt && (
          <>
            <dt>Next batch at</dt>
            <dd>{formatTime(rollout.resumesAt)}</dd>
          </>
        )}
      </dl>
      <ol class="batches">
        {rollout.batches.map((batch, b) => (
          <li key={b} aria-current={b === rollout.current ? 'step' : undefined}>
            <span class="batch-name">
              Batch {b + 1}
              {b === rollout.current && ' (current)'}
            </span>
            <ul class="plain">
              {batch.map((index) => (
                <li key={index}>
                  Target {index + 1} <StatusBadge status={statusOf(index)} />
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {rollout.notRestored && rollout.notRestored.length > 0 && (
        <>
          <h3>Not restored</h3>
          <ul>
            {rollout.notRestored.map((t) => (
              <li key={t.index}>
                Target {t.index + 1} ({targetLabel(t.target)}): {t.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
