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

  it('an explicit backend that is missing fails with a way out', async () => {
    const node = await initBackend('node').catch((e: Error) => e);
    if (node instanceof Error) expect(node.message).toMatch(/--backend wasm/);
    else expect(node.name).toBe('tensorflow');
    await initBackend('cpu');
  });
});
