/**
 * TensorFlow.js backend selection.
 *
 * `auto` tries, in order: `@tensorflow/tfjs-node` (native, an optional
 * dependency that is usually absent), `@tensorflow/tfjs-backend-wasm` (SIMD,
 * single thread), `@tensorflow/tfjs-backend-cpu` (plain JavaScript). The result
 * says which backend was taken and why, so the CLI can tell the user.
 *
 * Every backend gives reproducible runs for a fixed seed (actions are sampled
 * in JavaScript from the project's `Rng`), but runs on different backends differ
 * in the last bits of floating point and therefore diverge over time.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export type BackendName = 'auto' | 'node' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The backend now active: `tensorflow` (tfjs-node), `wasm` or `cpu`. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** The backend that was asked for. */
  requested: BackendName;
  /** Why this backend was taken (and why faster ones were not). */
  reason: string;
}

let current: BackendInfo | undefined;

/** The backend chosen by the last `initBackend` call, if any. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}

async function tryNode(): Promise<string | undefined> {
  try {
    // A variable specifier keeps bundlers and tsc from resolving the optional package.
    const spec = '@tensorflow/tfjs-node';
    await import(spec);
    if (await tf.setBackend('tensorflow')) return undefined;
    return 'tfjs-node loaded but its backend failed to initialise';
  } catch (err) {
    return `tfjs-node is not installed (${firstLine(err)})`;
  }
}

async function tryWasm(): Promise<string | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const require = createRequire(import.meta.url);
    // The package's main entry lives in dist/, next to the .wasm binaries.
    const dir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    // Threads need a worker-capable build; Node never gets one in tfjs 4.22.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasm.setWasmPaths(`${dir}/`);
    if (await tf.setBackend('wasm')) return undefined;
    return 'the wasm backend failed to initialise';
  } catch (err) {
    return `the wasm backend failed to load (${firstLine(err)})`;
  }
}

async function tryCpu(): Promise<string | undefined> {
  await import('@tensorflow/tfjs-backend-cpu');
  if (await tf.setBackend('cpu')) return undefined;
  return 'the cpu backend failed to initialise';
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0].slice(0, 160);
}

/**
 * Select and initialise a tfjs backend. `auto` falls back from node to wasm to
 * cpu; an explicit choice that fails throws an error that says how to fix it.
 * Also switches tfjs to production mode (no "install tfjs-node" banner).
 */
export async function initBackend(requested: BackendName = 'auto'): Promise<BackendInfo> {
  tf.enableProdMode();
  const notes: string[] = [];
  const attempt = async (
    name: BackendInfo['name'],
    fn: () => Promise<string | undefined>,
  ): Promise<BackendInfo | undefined> => {
    const failure = await fn();
    if (failure === undefined) {
      await tf.ready();
      const why =
        requested === 'auto' ? (notes.length ? notes.join('; ') : 'fastest available') : 'requested';
      current = { name, requested, reason: why };
      return current;
    }
    notes.push(failure);
    return undefined;
  };

  if (requested === 'node' || requested === 'auto') {
    const got = await attempt('tensorflow', tryNode);
    if (got) return got;
    if (requested === 'node') {
      throw new Error(
        `Backend 'node' is unavailable: ${notes.join('; ')}. ` +
          "Install it with 'npm install @tensorflow/tfjs-node' (needs a prebuilt binary for this platform) " +
          "or choose '--backend wasm' or '--backend cpu'.",
      );
    }
  }
  if (requested === 'wasm' || requested === 'auto') {
    const got = await attempt('wasm', tryWasm);
    if (got) return got;
    if (requested === 'wasm') {
      throw new Error(
        `Backend 'wasm' is unavailable: ${notes.join('; ')}. ` +
          "Reinstall '@tensorflow/tfjs-backend-wasm' or choose '--backend cpu'.",
      );
    }
  }
  const got = await attempt('cpu', tryCpu);
  if (got) return got;
  throw new Error(`No tfjs backend could be initialised: ${notes.join('; ')}.`);
}
