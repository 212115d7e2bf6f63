/**
 * Operations, newest first: a status filter and a reference search (both kept in the route, which remounts this screen
 * when they change), cursor paging, and live updates over ONE stream for the whole list (GET /v1/operations/events with
 * a stream token): a running operation's row changes as it progresses, and a new operation appears at the top of the
 * first page. What the stream said is kept, so a page read while events arrive never shows an older state.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Operation, OperationStatus } from '@routing-policy-gateway/client';
import { ProblemAlert } from '../components/problem-alert';
import { StatusBadge } from '../components/status-badge';
import { formatTime, targetKind } from '../format';
import { OPERATION_STATUSES, href, navigate, type OperationFilters } from '../router';
import { useClient } from '../session';
import { ScreenHeading } from './screen-heading';

const PAGE_SIZE = 20;
/** Operations remembered from the stream (their latest state), to correct a page read while they changed. */
const REMEMBERED = 500;

type Live = 'connecting' | 'on' | { error: unknown };

export function OperationsList({ status, reference }: OperationFilters) {
  const client = useClient();
  // the cursors of the pages before this one (paging back), and this page's cursor (undefined: the first page)
  const [cursors, setCursors] = useState<{ previous: (string | undefined)[]; current: string | undefined }>({ previous: [], current: undefined });
  const [page, setPage] = useState<{ items: Operation[]; nextCursor: string | null } | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [live, setLive] = useState<Live>('connecting');
  const [liveAttempt, setLiveAttempt] = useState(0);
  const fromStream = useRef(new Map<string, Operation>());

  useEffect(() => {
    const abort = new AbortController();
    setLoadError(null);
    client
      .listOperations({ status, reference, limit: PAGE_SIZE, cursor: cursors.current }, { signal: abort.signal })
      .then((loaded) => {
        let shown = { ...loaded, items: loaded.items.map((o) => newest(fromStream.current.get(o.id), o)) };
        if (cursors.current === undefined) {
          // created while the page was read: not in it yet, but already on the stream
          const since = loaded.items[0]?.createdAt ?? '';
          const created = [...fromStream.current.values()].filter((o) => o.createdAt > since).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
          for (const operation of created) shown = merge(shown, operation, { status, reference }, true);
        }
        setPage(shown);
      })
      .catch((error: unknown) => {
        if (!abort.signal.aborted) setLoadError(error);
      });
    return () => abort.abort();
  }, [client, status, reference, cursors]);

  // the stream outlives paging: it reads where the list stands when an event comes
  const firstPage = useRef(true);
  firstPage.current = cursors.current === undefined;
  useEffect(() => {
    const abort = new AbortController();
    const { signal } = abort;
    setLive('connecting');
    void (async () => {
      try {
        // by reference on the server (it never changes); not by status: a row must still change when it leaves that status
        const stream = client.operationEvents({ reference, useStreamToken: true, signal });
        setLive('on');
        for await (const { data } of stream) {
          const remembered = fromStream.current;
          remembered.delete(data.id);
          remembered.set(data.id, data);
          if (remembered.size > REMEMBERED) remembered.delete(remembered.keys().next().value as string);
          setPage((shown) => shown && merge(shown, data, { status, reference }, firstPage.current));
        }
      } catch (error) {
        if (!signal.aborted) setLive({ error });
      }
    })();
    return () => abort.abort();
  }, [client, status, reference, liveAttempt]);

  return (
    <>
      <ScreenHeading title="Operations" />
      <Filters status={status} reference={reference} />
      <p class="live-state" role="status">
        {live === 'on' ? 'Live updates on' : live === 'connecting' ? 'Connecting live updates…' : 'Live updates stopped'}
      </p>
      {typeof live === 'object' && (
        <div>
          <ProblemAlert context="Live updates stopped" error={live.error} />
          <button type="button" onClick={() => setLiveAttempt((n) => n + 1)}>
            Reconnect live updates
          </button>
        </div>
      )}
      {loadError ? <ProblemAlert context="The operations could not be listed" error={loadError} /> : null}
      {page && <OperationsTable items={page.items} />}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={cursors.previous.length === 0}
          onClick={() => setCursors((c) => ({ previous: c.previous.slice(0, -1), current: c.previous[c.previous.length - 1] }))}
        >
          Newer
        </button>
        <button
          type="button"
          disabled={!page?.nextCursor}
          onClick={() => page?.nextCursor && setCursors((c) => ({ previous: [...c.previous, c.current], current: page.nextCursor ?? undefined }))}
        >
          Older
        </button>
      </nav>
    </>
  );
}

/** An operation from the stream: replaces its row, or opens the first page when it is new and matches the filters. */
function merge(
  page: { items: Operation[]; nextCursor: string | null },
  operation: Operation,
  filters: OperationFilters,
  firstPage: boolean,
): { items: Operation[]; nextCursor: string | null } {
  const at = page.items.findIndex((o) => o.id === operation.id);
  if (at >= 0) {
    const items = [...page.items];
    items[at] = newest(operation, items[at]);
    return { ...page, items };
  }
  const matches = (!filters.status || filters.status === operation.status) && (!filters.reference || filters.reference === operation.reference);
  if (!firstPage || !matches) return page;
  return { ...page, items: [operation, ...page.items] };
}

/** The later of two states of one operation (ISO-8601 times compare as text). */
function newest(candidate: Operation | undefined, current: Operation): Operation {
  return candidate && candidate.updatedAt >= current.updatedAt ? candidate : current;
}

function Filters({ status, reference }: OperationFilters) {
  const [statusInput, setStatusInput] = useState<string>(status ?? '');
  const [referenceInput, setReferenceInput] = useState(reference ?? '');
  const apply = (event: Event) => {
    event.preventDefault();
    navigate(href.operations({ status: (statusInput || undefined) as OperationStatus | undefined, reference: referenceInput.trim() || undefined }));
  };
  return (
    <form class="filters" role="search" aria-label="Filter operations" onSubmit={apply}>
      <div class="field">
        <label for="filter-status">Status</label>
        <select id="filter-status" value={statusInput} onChange={(e) => setStatusInput(e.currentTarget.value)}>
          <option value="">Any status</option>
          {OPERATION_STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filter-reference">Reference</label>
        <input id="filter-reference" type="search" value={referenceInput} onInput={(e) => setReferenceInput(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit">Apply filters</button>
        {(status || reference) && <a href={href.operations()}>Clear filters</a>}
      </div>
    </form>
  );
}

function OperationsTable({ items }: { items: Operation[] }) {
  if (items.length === 0) return <p>No operations match.</p>;
  return (
    <div class="table-scroll">
      <table class="operations">
        <caption>Operations, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Operation</th>
            <th scope="col">Status</th>
            <th scope="col">Targets</th>
            <th scope="col">Reference</th>
            <th scope="col">Requested by</th>
            <th scope="col">Created</th>
            <th scope="col">Revert links</th>
          </tr>
        </thead>
        <tbody>
          {items.map((operation) => (
            <tr key={operation.id}>
              <th scope="row">
                <a href={href.operation(operation.id)}>{operation.id}</a>
              </th>
              <td>
                <StatusBadge status={operation.status} />
              </td>
              <td>{targetSummary(operation)}</td>
              <td>{operation.reference ?? '—'}</td>
              <td>{operation.requestedBy}</td>
              <td>{formatTime(operation.createdAt)}</td>
              <td>
                {operation.revertOf && (
                  <>
                    reverts <a href={href.operation(operation.revertOf)}>{operation.revertOf}</a>
                  </>
                )}
                {operation.revertedBy?.map((id) => (
                  <span key={id}>
                    reverted by <a href={href.operation(id)}>{id}</a>{' '}
                  </span>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `2 targets: Gcore L7 policy, Apinizer policy`. */
function targetSummary(operation: Operation): string {
  const kinds = [...new Set(operation.results.map((r) => targetKind(r.target)))];
  const n = operation.results.length;
  return `${n} target${n === 1 ? '' : 's'}: ${kinds.join(', ')}`;
}
