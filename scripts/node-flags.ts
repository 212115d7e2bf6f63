/**
 * V8 flags the worker runs with wherever this repository starts it (npm start, npm run start:worker, docker-compose.yml,
 * the bench). The worker's live heap stays near 50 MB with 10,000 operations in flight, but V8 lets the heap grow to
 * 150–190 MB under its allocation rate (~110 MB/s) before collecting: a cap keeps its RSS under 200 MB with 2× headroom.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=112'];
