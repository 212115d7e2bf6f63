import { useEffect, useRef } from 'preact/hooks';

/** The page's first screen keeps the browser's own focus start (so Tab reaches the skip link first). */
let firstScreen = true;

/**
 * The screen's h1, also the document title; after a hash navigation it takes the focus, so keyboard and screen-reader
 * users start at the new screen's top (as they would after a page load).
 */
export function ScreenHeading({ title }: { title: string }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Routing policy console`;
    if (firstScreen) firstScreen = false;
    else heading.current?.focus();
  }, [title]);
  return (
    <h1 ref={heading} tabIndex={-1}>
      {title}
    </h1>
  );
}
