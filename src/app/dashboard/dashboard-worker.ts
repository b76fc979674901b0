/** Entry of the live dashboard's worker thread (see `run-dashboard-in-worker.ts`). */
import './worker-side.ts';
