import { describeError } from '../problems';

/** A failed call as the gateway explained it (problem title and detail, field errors, request id), announced at once. */
export function ProblemAlert({ error, context }: { error: unknown; context: string }) {
  const problem = describeError(error);
  return (
    <div class="problem" role="alert">
      <p>
        <strong>{context}</strong>
        {problem.status !== undefined && <> (HTTP {problem.status})</>}: {problem.summary}
      </p>
      {problem.fieldErrors.length > 0 && (
        <ul class="field-errors">
          {problem.fieldErrors.map((e) => (
            <li key={e.path}>
              <code>{e.path}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {problem.requestId && <p class="muted">Request id {problem.requestId}</p>}
    </div>
  );
}
