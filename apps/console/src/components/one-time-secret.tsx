/**
 * A secret the gateway shows only once (a subscription's signing secret on create or rotate, a callback secret): a
 * read-only field to copy it from, and the focus on the notice so nobody misses it.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

export function OneTimeSecret(props: { title: string; label: string; value: string; onDismiss?: () => void; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [props.value]);
  return (
    <section class="secret" aria-labelledby="one-time-secret-heading">
      <h2 id="one-time-secret-heading" ref={heading} tabIndex={-1}>
        {props.title}
      </h2>
      <p>{props.children}</p>
      <div class="field">
        <label for="one-time-secret">{props.label}</label>
        <input id="one-time-secret" type="text" readOnly value={props.value} onFocus={(e) => e.currentTarget.select()} />
      </div>
      {props.onDismiss && (
        <button type="button" onClick={props.onDismiss}>
          I have stored it
        </button>
      )}
    </section>
  );
}
