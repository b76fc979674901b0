/**
 * The dashboard's side of `runDashboardInWorker`: ink renders here, in a
 * worker thread, so drawing costs the training thread nothing but the
 * messages. Frames go to the main thread as strings; keys and terminal
 * resizes come back from it.
 */
import { EventEmitter } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import { Subject } from 'rxjs';
import type { TrainerEvent } from '../../core/train-events.ts';
import { runDashboard } from './run-dashboard.ts';
import type { FromMain, ToMain, WorkerInit } from './worker-protocol.ts';

const port = parentPort!;
const init = workerData as WorkerInit;
const send = (m: ToMain) => port.postMessage(m);

/** The terminal, as ink sees it: sized by the main thread, written through it. */
class RemoteStdout extends EventEmitter {
  isTTY = true;
  columns = init.columns;
  rows = init.rows;
  write(data: string): boolean {
    send({ type: 'write', data });
    return true;
  }
}

/** Keys typed on the main thread's terminal, as a readable stdin. */
class RemoteStdin extends EventEmitter {
  readonly isTTY = init.keys;
  private readonly chunks: string[] = [];
  setRawMode(): this {
    return this;
  }
  setEncoding(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  read(): string | null {
    return this.chunks.shift() ?? null;
  }
  push(data: string): void {
    this.chunks.push(data);
    this.emit('readable');
  }
}

const stdout = new RemoteStdout();
const stdin = new RemoteStdin();
const events = new Subject<TrainerEvent>();

port.on('message', (m: FromMain) => {
  if (m.type === 'event') events.next(m.event);
  else if (m.type === 'end') events.complete();
  else if (m.type === 'stdin') stdin.push(m.data);
  else if (m.type === 'resize') {
    stdout.columns = m.columns;
    stdout.rows = m.rows;
    stdout.emit('resize');
  }
});

try {
  await runDashboard(
    {
      events$: events.asObservable(),
      pause: () => send({ type: 'control', name: 'pause' }),
      resume: () => send({ type: 'control', name: 'resume' }),
      requestSave: () => send({ type: 'control', name: 'requestSave' }),
      requestStop: () => send({ type: 'control', name: 'requestStop' }),
    },
    {
      stdout: stdout as unknown as NodeJS.WriteStream,
      stdin: stdin as unknown as NodeJS.ReadStream,
      handleSigint: false,
      throttleMs: init.throttleMs,
      maxRenderShare: init.maxRenderShare,
      onForceQuit: () => send({ type: 'force-quit' }),
    },
  );
  send({ type: 'exit' });
} catch (err) {
  send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
}
port.close();
