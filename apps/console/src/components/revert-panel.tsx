/**
 * Undo: check drift, preview the revert, revert. A revert refused because targets changed since (409) shows those
 * changes, and only a deliberate second step (confirm, then "Revert with force") overwrites them.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { isTerminal, type DriftItem, type DriftResponse, type Operation } from '@routing-policy-gateway/client';
import { newIdempotencyKey } from '../idempotency-key';
import { driftRefusal, isDriftItem } from '../problems';
import { href, navigate } from '../router';
import { useClient } from '../session';
import { targetLabel } from '../format';
import { DiffTable } from './diff-table';
import { DriftList } from './drift-list';
import { ProblemAlert } from './problem-alert';

type Busy = 'drift' | 'preview' | 'revert' | 'force' | null;

export function RevertPanel({ operation }: { operation: Operation }) {
  const client = useClient();
  const [drift, setDrift] = useState<DriftResponse | null>(null);
  const [preview, setPreview] = useState<Operation | null>(null);
  const [refusal, setRefusal] = useState<{ detail: string; items: DriftItem[] } | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [reference, setReference] = useState('');
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<{ context: string; error: unknown } | null>(null);
  const refusalHeading = useRef<HTMLHeadingElement>(null);
  const terminal = isTerminal(operation);

  useEffect(() => {
    if (refusal) refusalHeading.current?.focus();
  }, [refusal]);

  async function run(what: Exclude<Busy, null>, context: string, work: () => Promise<void>): Promise<void> {
    setBusy(what);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError({ context, error: e });
    } finally {
      setBusy(null);
    }
  }

  const checkDrift = () =>
    run('drift', 'Drift check failed', async () => {
      setDrift(await client.getDrift(operation.id));
    });

  const previewRevert = () =>
    run('preview', 'Revert preview failed', async () => {
      const { operation: planned } = await client.revertOperation(operation.id, { dryRun: true, reference: reference || undefined });
      setPreview(planned);
    });

  const revert = (force: boolean) =>
    run(force ? 'force' : 'revert', 'Revert failed', async () => {
      try {
        const { operation: undo } = await client.revertOperation(
          operation.id,
          { force: force || undefined, reference: reference || undefined },
          { idempotencyKey: newIdempotencyKey('revert') },
        );
        navigate(href.operation(undo.id));
      } catch (e) {
        const refused = force ? undefined : driftRefusal(e);
        if (!refused) throw e;
        setConfirmed(false);
        setRefusal(refused);
      }
    });

  return (
    <section aria-labelledby="undo-heading">
      <h2 id="undo-heading">Drift and revert</h2>
      {!terminal && <p>This operation is still running: drift and revert are available once it has ended.</p>}
      <div class="field">
        <label for="revert-reference">Reference for the revert (optional)</label>
        <input id="revert-reference" type="text" value={reference} onInput={(e) => setReference(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="button" onClick={() => void checkDrift()} disabled={!terminal || busy !== null}>
          {busy === 'drift' ? 'Checking drift…' : 'Check drift'}
        </button>
        <button type="button" onClick={() => void previewRevert()} disabled={!terminal || busy !== null}>
          {busy === 'preview' ? 'Planning…' : 'Preview revert'}
        </button>
        <button type="button" class="danger" onClick={() => void revert(false)} disabled={!terminal || busy !== null}>
          {busy === 'revert' ? 'Reverting…' : 'Revert'}
        </button>
      </div>
      {error && <ProblemAlert context={error.context} error={error.error} />}

      {drift && (
        <section aria-labelledby="drift-heading">
          <h3 id="drift-heading">Drift</h3>
          <DriftList items={drift.items} label="Drift of each target" />
        </section>
      )}

      {preview && <RevertPreviewView preview={preview} />}

      {refusal && (
        <section class="refusal" aria-labelledby="refusal-heading">
          <h3 id="refusal-heading" ref={refusalHeading} tabIndex={-1}>
            Revert refused: targets changed since this operation
          </h3>
          <p>{refusal.detail}</p>
          <DriftList items={refusal.items} label="Targets changed since this operation" />
          <fieldset class="force-step">
            <legend>Force the revert</legend>
            <p>A forced revert overwrites the changes listed above with the state this operation found.</p>
            <label class="checkbox">
              <input type="checkbox" checked={confirmed} onChange={(e) => setConfirmed(e.currentTarget.checked)} />I understand: overwrite these changes
            </label>
            <div class="actions">
              <button type="button" class="danger" onClick={() => void revert(true)} disabled={!confirmed || busy !== null}>
                {busy === 'force' ? 'Reverting…' : 'Revert with force'}
              </button>
              <button type="button" onClick={() => setRefusal(null)} disabled={busy !== null}>
                Cancel
              </button>
            </div>
          </fieldset>
        </section>
      )}
    </section>
  );
}

function RevertPreviewView({ preview }: { preview: Operation }) {
  const drift = (preview.drift ?? []).filter(isDriftItem);
  return (
    <section aria-labelledby="preview-heading">
      <h3 id="preview-heading">Revert preview (nothing written)</h3>
      {preview.results.map((result) => {
        const diff = (result as { diff?: { field: string; from: unknown; to: unknown }[] }).diff ?? [];
        return <DiffTable key={result.index} caption={`Revert of ${targetLabel(result.target)}`} fromLabel="Now" toLabel="After revert" rows={diff} />;
      })}
      {preview.skipped && preview.skipped.length > 0 && (
        <ul>
          {preview.skipped.map((s) => (
            <li key={s.index}>
              Skipped target {s.index + 1}: {s.reason}
            </li>
          ))}
        </ul>
      )}
      {drift.length > 0 && <DriftList items={drift} label="Drift found by the preview" />}
    </section>
  );
}
