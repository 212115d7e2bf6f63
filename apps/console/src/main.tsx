/**
 * Entry of the operations console (served by the gateway at /console/). Preact with hooks: a React-like component model
 * in about 4 kB of runtime, so the page stays small and has no dependency beyond it and the typed client.
 */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

const root = document.getElementById('app');
if (root) render(<App />, root);
