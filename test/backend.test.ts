import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { backendInfo, initBackend } from '../agents/tf/backend.ts';

describe('initBackend', () => {
  it('auto falls back past the missing tfjs-node and says why', async () => {
    const info = await initBackend('auto');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(info.name);
    if (info.name !== 'tensorflow') expect(info.reason).toMatch(/tfjs-node/);
    expect(backendInfo()).toEqual(info);
  });

  it('wasm and cpu compute the same gradient of a categorical log-probability (oneHot x logSoftmax)', async () => {
    const grad = () =>
      tf.tidy(() => {
        const logits = tf.tensor2d([
          [0.2, -1, 0.5],
          [1, 2, 3],
        ]);
        const g = tf.grad((x: tf.Tensor) =>
          tf.sum(tf.mul(tf.oneHot(tf.tensor1d([2, 0], 'int32'), 3), tf.logSoftmax(x))),
        );
        return Array.from(g(logits).dataSync());
      });
    const wasm = await initBackend('wasm');
    expect(wasm).toMatchObject({ name: 'wasm', requested: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
    const gw = grad();
    await initBackend('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const gc = grad();
    gw.forEach((v, i) => {
      expect(v).toBeCloseTo(gc[i], 5);
    });
  });

  it('--backend node: fails with a way out where tfjs-node is not installed, loads where it is', async () => {
    // Which branch applies is decided by the install, independently of initBackend.
    let installed = true;
    try {
      createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    } catch {
      installed = false;
    }
    const node = await initBackend('node').catch((e: Error) => e);
    if (installed) expect(node).toMatchObject({ name: 'tensorflow', requested: 'node' });
    else {
      expect(node).toBeInstanceOf(Error);
      expect((node as Error).message).toMatch(/--backend wasm/);
    }
    await initBackend('cpu');
  });
});
