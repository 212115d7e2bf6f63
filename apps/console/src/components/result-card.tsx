/** One target of an operation: its status, what was asked, before → applied, the provider's details, its error. */
import { hasTarget, type OperationResult, type ResultError } from '@routing-policy-gateway/client';
import { diffStates } from '../diff';
import { formatTime, targetKind, targetLabel, targetPlace } from '../format';
import { href } from '../router';
import { DiffTable, type DiffRow } from './diff-table';
import { JsonBlock } from './json-block';
import { PlannedCalls } from './plan-view';
import { ApinizerDetails, GcoreTasks } from './provider-details';
import { StatusBadge } from './status-badge';

export function ResultCard({ result }: { result: OperationResult }) {
  const headingId = `target-${result.index}`;
  const id = 'id' in result.target ? result.target.id : result.target.policyName;
  const place = targetPlace(result.target);
  return (
    <section class="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        Target {result.index + 1}: {targetLabel(result.target)}
      </h3>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={result.status} />
        </dd>
        <dt>Kind</dt>
        <dd>
          {targetKind(result.target)}
          {place && `, ${place}`}
        </dd>
        <dt>Resource</dt>
        <dd>
          <code>{id}</code>
        </dd>
        {result.queuedBehind && (
          <>
            <dt>Queued behind</dt>
            <dd>
              <a href={href.operation(result.queuedBehind.split('#')[0])}>{result.queuedBehind}</a>
            </dd>
          </>
        )}
      </dl>

      {result.error && <ResultErrorBox error={result.error} />}
      {result.retrying && (
        <p class="notice">
          Retrying: attempt {result.retrying.attempt ?? '?'}, next at {formatTime(result.retrying.nextAt)}
          {result.retrying.lastError?.message && <> (last error: {result.retrying.lastError.message})</>}
        </p>
      )}
      {result.compensation && (
        <div class="notice">
          <p>
            Compensation: <StatusBadge status={result.compensation.status} />
            {result.compensation.operationId && (
              <>
                {' '}
                by <a href={href.operation(result.compensation.operationId)}>{result.compensation.operationId}</a>
              </>
            )}
          </p>
          {result.compensation.reason && <p>{result.compensation.reason}</p>}
          {result.compensation.error && <ResultErrorBox error={result.compensation.error} />}
        </div>
      )}

      <h4>Requested changes</h4>
      <JsonBlock value={result.changes} label={`Requested changes of target ${result.index + 1}`} />

      {result.diff && <DiffTable caption="Planned change" fromLabel="Now" toLabel="After" rows={result.diff} />}
      <BeforeApplied result={result} />

      {result.plan && result.plan.length > 0 && (
        <>
          <h4>Planned provider calls</h4>
          <PlannedCalls calls={result.plan} />
        </>
      )}

      {hasTarget(result, 'apinizer', 'policy') && result.apinizer && (
        <ApinizerDetails
          apinizer={result.apinizer}
          requestedEnvironments={result.changes.deploy ? (result.changes.deployTargetEnvironmentNameList ?? []) : []}
        />
      )}
      {!hasTarget(result, 'apinizer', 'policy') && result.gcore && <GcoreTasks gcore={result.gcore} />}
    </section>
  );
}

function BeforeApplied({ result }: { result: OperationResult }) {
  if (result.before && result.applied) {
    const rows: DiffRow[] = diffStates(result.before, result.applied);
    return <DiffTable caption="Before → applied" fromLabel="Before" toLabel="Applied" rows={rows} />;
  }
  if (result.before) {
    return (
      <>
        <h4>State before the change</h4>
        <JsonBlock value={result.before} label={`State before target ${result.index + 1} changed`} />
      </>
    );
  }
  if (result.beforeUnavailable) return <p class="muted">Before: {result.beforeUnavailable}</p>;
  return null;
}

/** A provider error: our code and message, the provider's HTTP status and its body as returned. */
export function ResultErrorBox({ error }: { error: ResultError }) {
  return (
    <div class="error-box" role="group" aria-label={`Error ${error.code}`}>
      <p>
        <strong>{error.code}</strong>: {error.message}
      </p>
      {error.providerStatus !== undefined && <p>Provider status: {error.providerStatus}</p>}
      {error.errors && error.errors.length > 0 && (
        <ul class="field-errors">
          {error.errors.map((e) => (
            <li key={e.path}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {error.providerBody && <JsonBlock value={error.providerBody} label="Provider's error body" />}
    </div>
  );
}
