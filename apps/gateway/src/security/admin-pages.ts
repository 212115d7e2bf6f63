import { createHash } from 'node:crypto';

/**
 * The admin pages a person sees: the login and logout pages (self-contained: one inline stylesheet allowed by its hash,
 * no script, nothing from another host) and the Content-Security-Policy of every /admin answer.
 */

const STYLE = `
:root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; min-height: 100vh; display: grid; place-items: center; background: #f4f5f7; color: #1d2330; }
main { width: min(22rem, calc(100vw - 2rem)); padding: 2rem; background: #fff; border-radius: 8px; box-shadow: 0 1px 4px rgba(0, 0, 0, .15); }
h1 { margin: 0 0 1.25rem; font-size: 1.2rem; }
label { display: block; margin-bottom: .4rem; font-size: .9rem; }
input[type=password] { box-sizing: border-box; width: 100%; padding: .55rem .6rem; font: inherit; border: 1px solid #b5bcc8; border-radius: 4px; }
button { margin-top: 1rem; width: 100%; padding: .6rem; font: inherit; color: #fff; background: #2b5fd9; border: 0; border-radius: 4px; cursor: pointer; }
p { font-size: .9rem; line-height: 1.4; }
.error { margin: 0 0 1rem; padding: .6rem .7rem; color: #8a1c1c; background: #fdecec; border-radius: 4px; }
@media (prefers-color-scheme: dark) {
  body { background: #181d25; color: #e4e7ec; }
  main { background: #232a35; }
  input[type=password] { background: #181d25; color: inherit; border-color: #4a5466; }
  .error { color: #ffd7d7; background: #5a2323; }
}
`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE, 'utf8').digest('base64')}'`;

/** The login and logout pages: nothing but their own stylesheet (by hash) and a form posting to this origin. */
export const LOGIN_PAGE_CSP = [
  "default-src 'none'",
  `style-src ${STYLE_HASH}`,
  'img-src data:',
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/**
 * Bull Board: its scripts, stylesheets, images and API calls from this origin only. It needs inline styles (its
 * loading screen and React's style attributes), data: images, and its own <base href="/admin/queues/">.
 */
export const BOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
].join('; ');

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The login form (the message, if any, is one of ours: nothing the client sent is echoed). */
export function loginPage(message?: string): string {
  const error = message ? `<p class="error" role="alert">${escapeHtml(message)}</p>\n` : '';
  return page(
    'Sign in · routing-policy-gateway',
    `<h1>routing-policy-gateway admin</h1>
${error}<form method="post" action="/admin/login">
<label for="apiKey">Admin API key</label>
<input id="apiKey" name="apiKey" type="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button>
</form>
<p>Opens the queue board (Bull Board) for 30 minutes with a key holding the scope <code>admin</code>.</p>`,
  );
}

/** The logout page: GET never logs out by itself, the button posts. */
export function logoutPage(): string {
  return page(
    'Sign out · routing-policy-gateway',
    `<h1>Sign out of the queue board?</h1>
<form method="post" action="/admin/logout">
<button type="submit">Sign out</button>
</form>
<p><a href="/admin/queues">Back to the queue board</a></p>`,
  );
}

/**
 * Removes every element that would load from another host (Bull Board's index links Google Fonts): <link>, <script>,
 * <img> and the like whose href/src is absolute (scheme or protocol-relative). The CSP would block them anyway; removed,
 * the browser does not even try (no request, no CSP violation report).
 */
export function withoutExternalResources(html: string): string {
  return html.replace(/<(link|script|img|iframe|source)\b[^>]*\b(?:href|src)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\/[^>]*>(?:\s*<\/\1>)?/gi, '');
}
