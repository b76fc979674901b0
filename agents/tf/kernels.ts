/**
 * Kernels written in JavaScript and registered with tfjs, for the work where a
 * chain of tfjs's own kernels costs more than the arithmetic: the PPO loss head
 * over a minibatch, the Adam step over every parameter at once, the
 * activation gradient of a small layer. Each is one tfjs operation: it reads
 * its inputs and writes its outputs in the backend's own memory (the wasm heap,
 * the cpu backend's arrays), with no copy and no readback.
 *
 * ```ts
 * const scale = defineKernel<{ k: number }>({
 *   name: 'CopronetScale',
 *   outputs: (shapes) => [shapes[0]],
 *   run: ([x], [y], _shapes, { k }) => { for (let i = 0; i < x.length; i++) y[i] = k * x[i]; },
 * });
 * const [y] = scale([x], { k: 2 });
 * ```
 *
 * Inputs and outputs are float32. `run` must not allocate tfjs memory: on wasm
 * the views of the heap are taken once, after every output is allocated.
 */
import * as tf from '@tensorflow/tfjs';
import type { WasmMemory } from './simd.ts';

export interface JsKernel<A> {
  /** Kernel name, unique in the process (e.g. `CopronetPpoHead`). */
  name: string;
  /** Shapes of the outputs, from the inputs' shapes and the attributes. */
  outputs(shapes: readonly number[][], attrs: A): number[][];
  /**
   * Fill `outputs` (zeroed on cpu, undefined on wasm: write every element) from `inputs`. On the
   * wasm backend the views are of its heap, `memory` (byteOffset is a heap address).
   */
  run(
    inputs: Float32Array[],
    outputs: Float32Array[],
    shapes: readonly number[][],
    attrs: A,
    memory?: WasmMemory,
  ): void;
}

/** Backends the kernels are registered for: wasm and cpu zero-copy, others through readSync. */
const BACKENDS = ['wasm', 'cpu', 'tensorflow', 'webgl', 'webgpu'] as const;

type AnyBackend = tf.KernelBackend & {
  wasm?: { asm?: { memory?: WasmMemory } };
  typedArrayFromHeap?: (t: tf.TensorInfo) => Float32Array;
  makeOutput?: (shape: number[], dtype: 'float32') => tf.TensorInfo;
  data?: { get(id: tf.DataId): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): tf.TensorInfo;
};

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function kernelFunc<A>(k: JsKernel<A>, backendName: string): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const be = backend as AnyBackend;
    const ins = Object.values(inputs) as tf.TensorInfo[];
    const shapes = ins.map((t) => t.shape);
    const a = attrs as unknown as A;
    const outShapes = k.outputs(shapes, a);
    if (backendName === 'wasm' && be.typedArrayFromHeap && be.makeOutput) {
      // Allocate first: a heap growth would detach views taken earlier.
      const outs = outShapes.map((s) => be.makeOutput!(s, 'float32'));
      const inViews = ins.map((t) => be.typedArrayFromHeap!(t));
      const outViews = outs.map((t) => be.typedArrayFromHeap!(t));
      k.run(inViews, outViews, shapes, a, be.wasm?.asm?.memory);
      return outs;
    }
    const inViews = ins.map((t) => {
      const stored = backendName === 'cpu' ? be.data?.get(t.dataId)?.values : undefined;
      return (stored instanceof Float32Array ? stored : be.readSync(t.dataId)) as Float32Array;
    });
    const outViews = outShapes.map((s) => new Float32Array(size(s)));
    k.run(inViews, outViews, shapes, a);
    return outShapes.map((s, i) => be.makeTensorInfo(s, 'float32', outViews[i]));
  };
}

/** Register `k` with every backend and return a function that runs it as one tfjs operation. */
export function defineKernel<A extends object>(
  k: JsKernel<A>,
): (inputs: tf.Tensor[], attrs: A) => tf.Tensor[] {
  for (const backendName of BACKENDS) {
    if (!tf.getKernel(k.name, backendName)) {
      tf.registerKernel({ kernelName: k.name, backendName, kernelFunc: kernelFunc(k, backendName) });
    }
  }
  return (inputs, attrs) => {
    const named: tf.NamedTensorMap = {};
    for (let i = 0; i < inputs.length; i++) named[`x${i}`] = inputs[i];
    const out = tf.engine().runKernel(k.name, named, attrs as unknown as tf.NamedAttrMap);
    return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
  };
}
