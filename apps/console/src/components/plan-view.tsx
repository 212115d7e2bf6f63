/** A dry run's answer: per target what would change (now → after) and the provider calls the gateway would send. */
import { hasTarget, type Operation, type PlannedCall } from '@routing-policy-gateway/client';
import { targetLabel } from '../format';
import { DiffTable } from './diff-table';
import { JsonBlock } from './json-block';

export function PlanView({ plan }: { plan: Operation }) {
  return (
    <section aria-labelledby="plan-heading">
      <h2 id="plan-heading">Dry run: the plan (nothing written)</h2>
      {plan.rollout && (
        <p>
          Rollout in {plan.rollout.batches.length} batch{plan.rollout.batches.length === 1 ? '' : 'es'}:{' '}
          {plan.rollout.batches.map((b) => b.map((i) => i + 1).join(', ')).join(' | ')}; on failure {plan.rollout.onFailure}.
        </p>
      )}
      {plan.results.map((result) => {
        const diff = (result as { diff?: { field: string; from: unknown; to: unknown }[] }).diff;
        const headingId = `plan-target-${result.index}`;
        return (
          <section key={result.index} class="card" aria-labelledby={headingId}>
            <h3 id={headingId}>
              Target {result.index + 1}: {targetLabel(result.target)}
            </h3>
            {diff && <DiffTable caption={`Planned change of target ${result.index + 1}`} fromLabel="Now" toLabel="After" rows={diff} />}
            {hasTarget(result, 'apinizer', 'policy') && result.apinizer?.mergedFrom && <p>Apinizer policy merged from: {result.apinizer.mergedFrom}</p>}
            <PlannedCalls calls={result.plan ?? []} />
          </section>
        );
      })}
    </section>
  );
}

/** Provider calls the gateway sends (or would send), each with its request body folded away. */
export function PlannedCalls({ calls }: { calls: PlannedCall[] }) {
  return (
    <ol class="plain">
      {calls.map((call, i) => (
        <li key={i}>
          <code>
            {call.method} {call.path}
          </code>
          <details>
            <summary>Request body</summary>
            <JsonBlock value={call.body} label={`Body of ${call.method} ${call.path}`} />
          </details>
        </li>
      ))}
    </ol>
  );
}
