/**
 * Submit an update: a JSON editor, a dry run first (the plan and its diffs), then apply the very request that was
 * planned (same text, one Idempotency-Key per plan) and follow it live on its page. A refused request shows the API's
 * problem details with the fields at fault highlighted in the request.
 */
import { useState } from 'preact/hooks';
import type { Operation, UpdateRequest } from '@routing-policy-gateway/client';
import { JsonTree } from '../components/json-tree';
import { OneTimeSecret } from '../components/one-time-secret';
import { PlanView } from '../components/plan-view';
import { ProblemAlert } from '../components/problem-alert';
import { newIdempotencyKey } from '../idempotency-key';
import { describeError } from '../problems';
import { href, navigate } from '../router';
import { useClient } from '../session';
import { ScreenHeading } from './screen-heading';

const EXAMPLE: UpdateRequest = {
  reference: 'change-1234',
  updates: [
    {
      target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000001' },
      changes: { name: 'renamed' },
    },
    {
      target: { provider: 'apinizer', kind: 'policy', projectName: 'demo', apiProxyName: 'petstore', policyName: 'rate-limit' },
      changes: { policy: { messageCountForInterval: 200 } },
    },
  ],
};

interface Plan {
  /** The editor's text the plan was made from: apply is offered only while it is unchanged. */
  text: string;
  request: Omit<UpdateRequest, 'dryRun'>;
  operation: Operation;
  idempotencyKey: string;
}

type Parsed = { request: Omit<UpdateRequest, 'dryRun'> } | { error: string };

function parseRequest(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { error: `Not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'The request must be a JSON object: {"updates": [...]}' };
  const { dryRun: _ignored, ...request } = value as UpdateRequest; // the buttons decide: dry run, then apply
  return { request };
}

export function Submit() {
  const client = useClient();
  const [text, setText] = useState(() => JSON.stringify(EXAMPLE, null, 2));
  const [plan, setPlan] = useState<Plan | null>(null);
  const [parseError, setParseError] = useState<string | null>(null);
  const [failure, setFailure] = useState<{ context: string; error: unknown; request: unknown } | null>(null);
  const [busy, setBusy] = useState<'plan' | 'apply' | null>(null);
  const [accepted, setAccepted] = useState<{ id: string; callbackSecret: string } | null>(null);

  const fieldErrors = failure ? describeError(failure.error).fieldErrors : [];
  const planIsCurrent = plan !== null && plan.text === text;

  async function dryRun(event: Event): Promise<void> {
    event.preventDefault();
    const parsed = parseRequest(text);
    setPlan(null);
    setFailure(null);
    setAccepted(null);
    if ('error' in parsed) return setParseError(parsed.error);
    setParseError(null);
    setBusy('plan');
    try {
      const operation = await client.planUpdate(parsed.request);
      setPlan({ text, request: parsed.request, operation, idempotencyKey: newIdempotencyKey('console') });
    } catch (error) {
      setFailure({ context: 'The dry run was refused', error, request: parsed.request });
    } finally {
      setBusy(null);
    }
  }

  async function apply(): Promise<void> {
    if (!plan || !planIsCurrent) return;
    setBusy('apply');
    setFailure(null);
    try {
      const { operation } = await client.submitUpdate(plan.request, { idempotencyKey: plan.idempotencyKey });
      // a callbackUrl's signing secret is in this answer only: show it before leaving for the operation's page
      if (operation.callbackSecret) {
        setAccepted({ id: operation.id, callbackSecret: operation.callbackSecret });
        setBusy(null);
      } else {
        navigate(href.operation(operation.id));
      }
    } catch (error) {
      setFailure({ context: 'The update was refused', error, request: plan.request });
      setBusy(null);
    }
  }

  function formatText(): void {
    const parsed = parseRequest(text);
    if ('error' in parsed) return setParseError(parsed.error);
    setParseError(null);
    setText(JSON.stringify(JSON.parse(text), null, 2));
  }

  const invalid = parseError !== null || fieldErrors.length > 0;
  return (
    <>
      <ScreenHeading title="Submit an update" />
      <form onSubmit={(e) => void dryRun(e)} class="submit-form">
        <div class="field">
          <label for="request-json">Update request (JSON)</label>
          <p id="request-hint" class="hint">
            The body of POST /v1/routing-policy-updates: <code>updates</code> (each a <code>target</code> and its <code>changes</code>), optional{' '}
            <code>reference</code>, <code>rollout</code>, <code>callbackUrl</code>. Run a dry run first; apply sends exactly what was planned.
          </p>
          <textarea
            id="request-json"
            rows={18}
            spellcheck={false}
            autocomplete="off"
            value={text}
            onInput={(e) => setText(e.currentTarget.value)}
            aria-describedby={`request-hint${invalid ? ' request-errors' : ''}`}
            aria-invalid={invalid}
          />
        </div>
        <div class="actions">
          <button type="submit" disabled={busy !== null}>
            {busy === 'plan' ? 'Planning…' : 'Dry run'}
          </button>
          <button type="button" class="primary" onClick={() => void apply()} disabled={!planIsCurrent || busy !== null}>
            {busy === 'apply' ? 'Applying…' : 'Apply'}
          </button>
          <button type="button" onClick={formatText} disabled={busy !== null}>
            Format JSON
          </button>
          <button type="button" onClick={() => setText(JSON.stringify(EXAMPLE, null, 2))} disabled={busy !== null}>
            Load example
          </button>
        </div>
        {plan && !planIsCurrent && <p class="notice">The request changed since its dry run: run the dry run again before applying.</p>}
      </form>
      <div id="request-errors">
        {parseError && (
          <p class="problem" role="alert">
            {parseError}
          </p>
        )}
        {failure && <ProblemAlert context={failure.context} error={failure.error} />}
      </div>
      {failure && fieldErrors.length > 0 && (
        <section aria-labelledby="fields-heading">
          <h2 id="fields-heading">Fields at fault</h2>
          <JsonTree value={failure.request} errors={fieldErrors} label="The request with the fields at fault highlighted" />
        </section>
      )}
      {accepted && (
        <OneTimeSecret title="Accepted: store the callback secret now" label="Callback secret" value={accepted.callbackSecret}>
          The gateway shows the secret that signs this operation's callbacks only once. <a href={href.operation(accepted.id)}>Follow operation {accepted.id}</a>
        </OneTimeSecret>
      )}
      {plan && planIsCurrent && !accepted && <PlanView plan={plan.operation} />}
    </>
  );
}
