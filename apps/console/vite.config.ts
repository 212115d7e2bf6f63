/**
 * The operations console's build (`npm run build:console`, the last step of `npm run build`): apps/console → dist/console,
 * which the gateway serves at /console/ under a strict CSP. So: no inline script (no module-preload polyfill), no inline
 * style, nothing from another host; the typed client is bundled from its TypeScript source. Type-checked with
 * tsconfig.node.json (Node types), the page's source with tsconfig.json (DOM types only).
 */
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** A path relative to this file (the build runs from the repository root). */
const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/console/',
  plugins: [preact()],
  resolve: {
    // the client's source (its relative imports name `.js` files: Vite finds the `.ts` beside them)
    alias: { '@routing-policy-gateway/client': here('../../libs/client/src/index.ts') },
  },
  build: {
    outDir: here('../../dist/console'),
    emptyOutDir: true,
    modulePreload: { polyfill: false },
    // everything as files, never `data:` URLs in scripts or styles
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
  },
  // `npx vite --config apps/console/vite.config.ts`: the page at http://127.0.0.1:5173/console/, the API of a running gateway
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy: { '/v1': process.env.CONSOLE_DEV_GATEWAY ?? 'http://127.0.0.1:3000' } },
});
