/**
 * WebAssembly SIMD kernels for the fast path, on the wasm backend's own memory:
 * the weight gradients C = A^T G (+ the column sums of G), the gradient into a
 * tanh layer's input, (G W) * s (1 - s), in one pass, and a dense layer's forward
 * product A W + b (with relu).
 *
 * tfjs-backend-wasm multiplies with XNNPACK, which wants C = X W with W packed:
 * for A^T G over a minibatch that means a transpose of A and a fresh packing of
 * the whole [rows, 64] G every time (about half of such a product's cost). This
 * kernel reads both row-major operands as they are: per tile of 4 rows of C x 8
 * columns, it walks the minibatch once with 8 vector accumulators (one
 * load-and-splat of A and two loads of G per row and tile).
 *
 * The module is assembled here, from a few dozen instructions (the machine has
 * no wasm toolchain, and the project needs none), and instantiated on the
 * memory of the tfjs wasm backend, so its inputs and outputs are tensors in
 * place. `atbJs` is the same product in JavaScript (the cpu backend; tests).
 */

/** The parts of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

// ---------------------------------------------------------------------------
// A minimal assembler: LEB128, sections, the opcodes used below.

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];

const I32 = 0x7f;
const V128 = 0x7b;

/** Instructions (only those used). */
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  add: [0x6a],
  sub: [0x6b],
  mul: [0x6c],
  shl: [0x74],
  ltS: [0x48],
  ltU: [0x49],
  select: [0x1b],
  geS: [0x4e],
  gtS: [0x4a],
  eqz: [0x45],
  /** block / loop with no result, their end, branches by depth. */
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (d: number) => [0x0c, ...uleb(d)],
  brIf: (d: number) => [0x0d, ...uleb(d)],
  /** v128.load / v128.store / v128.load32_splat with a byte offset (alignment hint 0). */
  vload: (off: number) => [0xfd, 0x00, 0x00, ...uleb(off)],
  vstore: (off: number) => [0xfd, 0x0b, 0x00, ...uleb(off)],
  splat: (off: number) => [0xfd, 0x09, 0x02, ...uleb(off)],
  vzero: [0xfd, 0x0c, ...new Array(16).fill(0)],
  fadd: [0xfd, 0xe4, 0x01],
  fsub: [0xfd, 0xe5, 0x01],
  fmul: [0xfd, 0xe6, 0x01],
  fmax: [0xfd, 0xe9, 0x01],
  if: [0x04, 0x40],
  /** f32x4 of 1.0. */
  vone: [0xfd, 0x0c, ...[0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0x80, 0x3f]],
};

/** Rows per block of the product: 64 rows of a 64-wide A and G take 32 KB. */
const ROW_BLOCK = 64;

/**
 * atb(a, g, c, rows, n, m): C[n, m] = A^T G for A [rows, n], G [rows, m] (row-major f32,
 * byte addresses), m a multiple of 8, rows >= 1; and colsum(g, s, rows, m): s[m] = column sums.
 */
function assemble(): Uint8Array {
  // atb locals: 0 a, 1 g, 2 c, 3 rows, 4 n, 5 m | 6 j0, 7 i0, 8 r, 9 pa, 10 pg, 11 pc, 12 aStride,
  // 13 gStride, 14 r0, 15 rn | 16..23 acc (v128), 24..25 g0 g1, 26..29 s0..s3.
  const [A, Gp, C, ROWS, N, M, J0, I0, R, PA, PG, PC, AS, GS, R0, RN] = Array.from(
    { length: 16 },
    (_, i) => i,
  );
  const acc = (k: number) => 16 + k;
  const G0 = 24;
  const S0 = 26;
  const tile = (rowsInTile: number): number[] => {
    const code: number[] = [];
    // pc = c + (i0 * m + j0) * 4; the accumulators continue from C
    code.push(...op.get(C), ...op.get(I0), ...op.get(M), ...op.mul, ...op.get(J0), ...op.add);
    code.push(...op.i32(2), ...op.shl, ...op.add, ...op.set(PC));
    for (let k = 0; k < rowsInTile; k++) {
      code.push(...op.get(PC), ...op.get(GS), ...op.i32(k), ...op.mul, ...op.add, ...op.set(PG));
      code.push(
        ...op.get(PG),
        ...op.vload(0),
        ...op.set(acc(2 * k)),
        ...op.get(PG),
        ...op.vload(16),
        ...op.set(acc(2 * k + 1)),
      );
    }
    // pa = a + (r0 * n + i0) * 4; pg = g + (r0 * m + j0) * 4; r = rn
    code.push(...op.get(A), ...op.get(R0), ...op.get(N), ...op.mul, ...op.get(I0), ...op.add);
    code.push(...op.i32(2), ...op.shl, ...op.add, ...op.set(PA));
    code.push(...op.get(Gp), ...op.get(R0), ...op.get(M), ...op.mul, ...op.get(J0), ...op.add);
    code.push(...op.i32(2), ...op.shl, ...op.add, ...op.set(PG));
    code.push(...op.get(RN), ...op.set(R));
    code.push(...op.loop);
    code.push(
      ...op.get(PG),
      ...op.vload(0),
      ...op.set(G0),
      ...op.get(PG),
      ...op.vload(16),
      ...op.set(G0 + 1),
    );
    for (let k = 0; k < rowsInTile; k++) code.push(...op.get(PA), ...op.splat(4 * k), ...op.set(S0 + k));
    for (let k = 0; k < rowsInTile; k++) {
      for (let q = 0; q < 2; q++) {
        const t = acc(2 * k + q);
        code.push(...op.get(t), ...op.get(S0 + k), ...op.get(G0 + q), ...op.fmul, ...op.fadd, ...op.set(t));
      }
    }
    code.push(...op.get(PA), ...op.get(AS), ...op.add, ...op.set(PA));
    code.push(...op.get(PG), ...op.get(GS), ...op.add, ...op.set(PG));
    code.push(...op.get(R), ...op.i32(1), ...op.sub, ...op.tee(R), ...op.brIf(0), ...op.end);
    for (let k = 0; k < rowsInTile; k++) {
      code.push(...op.get(PC), ...op.get(acc(2 * k)), ...op.vstore(0));
      code.push(...op.get(PC), ...op.get(acc(2 * k + 1)), ...op.vstore(16));
      code.push(...op.get(PC), ...op.get(GS), ...op.add, ...op.set(PC));
    }
    code.push(...op.get(I0), ...op.i32(rowsInTile), ...op.add, ...op.set(I0));
    return code;
  };
  const atb: number[] = [];
  atb.push(...op.get(N), ...op.i32(2), ...op.shl, ...op.set(AS));
  atb.push(...op.get(M), ...op.i32(2), ...op.shl, ...op.set(GS));
  // C = 0 (n * m is a multiple of 8 floats): pc runs over it 16 bytes at a time, up to pa.
  atb.push(...op.get(C), ...op.set(PC));
  atb.push(...op.get(C), ...op.get(N), ...op.get(GS), ...op.mul, ...op.add, ...op.set(PA));
  atb.push(...op.loop, ...op.get(PC), ...op.vzero, ...op.vstore(0));
  atb.push(
    ...op.get(PC),
    ...op.i32(16),
    ...op.add,
    ...op.tee(PC),
    ...op.get(PA),
    ...op.ltU,
    ...op.brIf(0),
    ...op.end,
  );
  // Blocks of ROW_BLOCK rows (A's and G's rows of a block stay in the first-level cache).
  atb.push(...op.i32(0), ...op.set(R0));
  atb.push(...op.loop);
  atb.push(...op.get(ROWS), ...op.get(R0), ...op.sub, ...op.tee(RN), ...op.i32(ROW_BLOCK));
  atb.push(...op.get(RN), ...op.i32(ROW_BLOCK), ...op.ltS, ...op.select, ...op.set(RN));
  atb.push(...op.i32(0), ...op.set(J0));
  atb.push(...op.loop); // columns, 8 at a time
  atb.push(...op.i32(0), ...op.set(I0));
  // Tiles of 4 rows of C while i0 + 4 <= n.
  atb.push(...op.block, ...op.loop);
  atb.push(...op.get(I0), ...op.i32(4), ...op.add, ...op.get(N), ...op.gtS, ...op.brIf(1));
  atb.push(...tile(4), ...op.br(0), ...op.end, ...op.end);
  // The 1 to 3 remaining rows as one tile.
  for (const k of [3, 2, 1]) {
    atb.push(...op.block, ...op.get(N), ...op.get(I0), ...op.sub, ...op.i32(k), ...op.ltS, ...op.brIf(0));
    atb.push(...tile(k), ...op.end);
  }
  atb.push(
    ...op.get(J0),
    ...op.i32(8),
    ...op.add,
    ...op.tee(J0),
    ...op.get(M),
    ...op.ltS,
    ...op.brIf(0),
    ...op.end,
  );
  atb.push(
    ...op.get(R0),
    ...op.i32(ROW_BLOCK),
    ...op.add,
    ...op.tee(R0),
    ...op.get(ROWS),
    ...op.ltS,
    ...op.brIf(0),
  );
  atb.push(...op.end);
  atb.push(...op.end);
  const atbLocals = vec([
    [10, I32],
    [14, V128],
  ]);

  // colsum locals: 0 g, 1 s, 2 rows, 3 m | 4 j0, 5 r, 6 pg, 7 gs | 8, 9 acc.
  const cs: number[] = [];
  cs.push(...op.get(3), ...op.i32(2), ...op.shl, ...op.set(7));
  cs.push(...op.i32(0), ...op.set(4));
  cs.push(...op.loop);
  cs.push(...op.vzero, ...op.set(8), ...op.vzero, ...op.set(9));
  cs.push(...op.get(0), ...op.get(4), ...op.i32(2), ...op.shl, ...op.add, ...op.set(6));
  cs.push(...op.get(2), ...op.set(5));
  cs.push(...op.loop);
  cs.push(...op.get(8), ...op.get(6), ...op.vload(0), ...op.fadd, ...op.set(8));
  cs.push(...op.get(9), ...op.get(6), ...op.vload(16), ...op.fadd, ...op.set(9));
  cs.push(...op.get(6), ...op.get(7), ...op.add, ...op.set(6));
  cs.push(...op.get(5), ...op.i32(1), ...op.sub, ...op.tee(5), ...op.brIf(0), ...op.end);
  cs.push(...op.get(1), ...op.get(4), ...op.i32(2), ...op.shl, ...op.add, ...op.tee(6));
  cs.push(...op.get(8), ...op.vstore(0), ...op.get(6), ...op.get(9), ...op.vstore(16));
  cs.push(
    ...op.get(4),
    ...op.i32(8),
    ...op.add,
    ...op.tee(4),
    ...op.get(3),
    ...op.ltS,
    ...op.brIf(0),
    ...op.end,
  );
  cs.push(...op.end);
  const csLocals = vec([
    [4, I32],
    [2, V128],
  ]);

  // gdt(g, w, s, o, rows, k, n, relu): O = (G W) * S * (1 - S) for G [rows, k], W [k, n], S and
  // O [rows, n], n a multiple of 8; fwd(g, w, b, o, rows, k, n, relu): O = G W + b, relu'd when
  // relu != 0. Locals: 0 g, 1 w, 2 s, 3 o, 4 rows, 5 k, 6 n, 7 relu | 8 r0, 9 j0, 10 kk, 11 pw,
  // 12 wStride, 13 gStride, 14..17 pg0..pg3, 18 po, 19 ps | 20..27 acc, 28 29 w0 w1, 30 splat,
  // 31 sv (v128).
  const [g_, w_, s_, o_, rows_, k_, n_, RELU_, r0_, j0_, kk_, pw_, ws_, gs_] = Array.from(
    { length: 14 },
    (_, i) => i,
  );
  const pg_ = (i: number) => 14 + i;
  const [po_, ps_] = [18, 19];
  const acc2 = (i: number) => 20 + i;
  const [w0_, sp_, sv_] = [28, 30, 31];
  /**
   * One tile of rows x 8 columns of O = G W, `mode` 'tanh': O = (G W) * S * (1 - S) (S at `s_`);
   * 'bias': O = G W + b (b at `s_`), then max(O, 0) when the relu flag is set.
   */
  const gdtTile = (rowsInTile: number, mode: 'tanh' | 'bias'): number[] => {
    const code: number[] = [];
    // pg_i = g + (r0 + i) * k * 4
    for (let i = 0; i < rowsInTile; i++) {
      code.push(...op.get(g_), ...op.get(r0_), ...op.i32(i), ...op.add, ...op.get(gs_), ...op.mul, ...op.add);
      code.push(...op.set(pg_(i)));
    }
    if (mode === 'tanh') {
      for (let q = 0; q < 2 * rowsInTile; q++) code.push(...op.vzero, ...op.set(acc2(q)));
    } else {
      // every row starts from the bias b[j0 .. j0 + 8]
      code.push(...op.get(s_), ...op.get(j0_), ...op.i32(2), ...op.shl, ...op.add, ...op.set(ps_));
      for (let i = 0; i < rowsInTile; i++) {
        for (let q = 0; q < 2; q++)
          code.push(...op.get(ps_), ...op.vload(16 * q), ...op.set(acc2(2 * i + q)));
      }
    }
    code.push(...op.get(w_), ...op.get(j0_), ...op.i32(2), ...op.shl, ...op.add, ...op.set(pw_));
    code.push(...op.get(k_), ...op.set(kk_));
    code.push(...op.loop);
    code.push(
      ...op.get(pw_),
      ...op.vload(0),
      ...op.set(w0_),
      ...op.get(pw_),
      ...op.vload(16),
      ...op.set(w0_ + 1),
    );
    for (let i = 0; i < rowsInTile; i++) {
      code.push(...op.get(pg_(i)), ...op.splat(0), ...op.set(sp_));
      for (let q = 0; q < 2; q++) {
        const t = acc2(2 * i + q);
        code.push(...op.get(t), ...op.get(sp_), ...op.get(w0_ + q), ...op.fmul, ...op.fadd, ...op.set(t));
      }
      code.push(...op.get(pg_(i)), ...op.i32(4), ...op.add, ...op.set(pg_(i)));
    }
    code.push(...op.get(pw_), ...op.get(ws_), ...op.add, ...op.set(pw_));
    code.push(...op.get(kk_), ...op.i32(1), ...op.sub, ...op.tee(kk_), ...op.brIf(0), ...op.end);
    if (mode === 'bias') {
      code.push(...op.get(RELU_), ...op.if);
      for (let q = 0; q < 2 * rowsInTile; q++) {
        code.push(...op.get(acc2(q)), ...op.vzero, ...op.fmax, ...op.set(acc2(q)));
      }
      code.push(...op.end);
    }
    // Epilogue, row by row.
    for (let i = 0; i < rowsInTile; i++) {
      // byte offset of (r0 + i, j0) in S and O
      code.push(...op.get(r0_), ...op.i32(i), ...op.add, ...op.get(n_), ...op.mul, ...op.get(j0_), ...op.add);
      code.push(...op.i32(2), ...op.shl, ...op.tee(po_), ...op.get(s_), ...op.add, ...op.set(ps_));
      code.push(...op.get(po_), ...op.get(o_), ...op.add, ...op.set(po_));
      for (let q = 0; q < 2; q++) {
        if (mode === 'tanh') {
          code.push(
            ...op.get(po_),
            ...op.get(acc2(2 * i + q)),
            ...op.get(ps_),
            ...op.vload(16 * q),
            ...op.tee(sv_),
          );
          code.push(...op.fmul, ...op.vone, ...op.get(sv_), ...op.fsub, ...op.fmul, ...op.vstore(16 * q));
        } else {
          code.push(...op.get(po_), ...op.get(acc2(2 * i + q)), ...op.vstore(16 * q));
        }
      }
    }
    return code;
  };
  const gdtBody = (mode: 'tanh' | 'bias'): number[] => {
    const code: number[] = [];
    code.push(...op.get(n_), ...op.i32(2), ...op.shl, ...op.set(ws_));
    code.push(...op.get(k_), ...op.i32(2), ...op.shl, ...op.set(gs_));
    code.push(...op.i32(0), ...op.set(r0_));
    // Tiles of 4 rows while r0 + 4 <= rows, then one row at a time; 8 columns per tile.
    for (const k of [4, 1]) {
      code.push(...op.block, ...op.loop);
      code.push(...op.get(r0_), ...op.i32(k), ...op.add, ...op.get(rows_), ...op.gtS, ...op.brIf(1));
      code.push(...op.i32(0), ...op.set(j0_), ...op.loop, ...gdtTile(k, mode));
      code.push(
        ...op.get(j0_),
        ...op.i32(8),
        ...op.add,
        ...op.tee(j0_),
        ...op.get(n_),
        ...op.ltS,
        ...op.brIf(0),
      );
      code.push(...op.end);
      code.push(...op.get(r0_), ...op.i32(k), ...op.add, ...op.set(r0_), ...op.br(0), ...op.end, ...op.end);
    }
    code.push(...op.end);
    return code;
  };
  const gdtCode = gdtBody('tanh');
  const fwdCode = gdtBody('bias');
  const gdtLocals = vec([
    [12, I32],
    [12, V128],
  ]);

  const body = (locals: number[], code: number[]) => {
    const b = [...locals, ...code];
    return [...uleb(b.length), ...b];
  };
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32]]), 0x00],
        [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0x00],
        [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [I32]]), 0x00],
      ]),
    ),
    ...section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 0x00]])),
    ...section(3, vec([[0], [1], [2], [2]])),
    ...section(
      7,
      vec([
        [...name('atb'), 0x00, 0],
        [...name('colsum'), 0x00, 1],
        [...name('gdt'), 0x00, 2],
        [...name('fwd'), 0x00, 3],
      ]),
    ),
    ...section(
      10,
      vec([body(atbLocals, atb), body(csLocals, cs), body(gdtLocals, gdtCode), body(gdtLocals, fwdCode)]),
    ),
  ];
  return Uint8Array.from(bytes);
}

interface Simd {
  memory: WasmMemory;
  atb: (a: number, g: number, c: number, rows: number, n: number, m: number) => void;
  colsum: (g: number, s: number, rows: number, m: number) => void;
  gdt: (g: number, w: number, s: number, o: number, rows: number, k: number, n: number, relu: number) => void;
  fwd: (a: number, w: number, b: number, o: number, rows: number, k: number, n: number, relu: number) => void;
}

let compiled: object | null | undefined;
const instances = new WeakMap<WasmMemory, Simd | null>();

/** The kernel instantiated on `memory` (null where wasm SIMD is not available). */
export function simdOn(memory: WasmMemory): Simd | null {
  let s = instances.get(memory);
  if (s !== undefined) return s;
  try {
    if (!WA) throw new Error('no WebAssembly');
    compiled ??= new WA.Module(assemble());
    const inst = new WA.Instance(compiled, { env: { memory } });
    const e = inst.exports as unknown as Omit<Simd, 'memory'>;
    s = { memory, atb: e.atb, colsum: e.colsum, gdt: e.gdt, fwd: e.fwd };
  } catch {
    compiled = null;
    s = null;
  }
  instances.set(memory, s);
  return s;
}

/** C[n, m] = A^T G and s[m] = column sums of G, for A [rows, n], G [rows, m], in JavaScript (float64 sums). */
export function atbJs(
  a: Float32Array,
  g: Float32Array,
  c: Float32Array,
  s: Float32Array | null,
  rows: number,
  n: number,
  m: number,
): void {
  const acc = new Float64Array(n * m);
  for (let r = 0; r < rows; r++) {
    const ar = r * n;
    const gr = r * m;
    for (let i = 0; i < n; i++) {
      const x = a[ar + i];
      if (x === 0) continue;
      const o = i * m;
      for (let j = 0; j < m; j++) acc[o + j] += x * g[gr + j];
    }
  }
  c.set(acc);
  if (s) {
    const sum = new Float64Array(m);
    for (let r = 0; r < rows; r++) for (let j = 0; j < m; j++) sum[j] += g[r * m + j];
    s.set(sum);
  }
}

/** O = (G W) * S * (1 - S) for G [rows, k], W [k, n], S [rows, n], in JavaScript (float64 sums). */
export function gdtJs(
  g: Float32Array,
  w: Float32Array,
  s: Float32Array,
  o: Float32Array,
  rows: number,
  k: number,
  n: number,
): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    acc.fill(0);
    for (let kk = 0; kk < k; kk++) {
      const x = g[r * k + kk];
      if (x === 0) continue;
      for (let j = 0; j < n; j++) acc[j] += x * w[kk * n + j];
    }
    for (let j = 0; j < n; j++) {
      const sj = s[r * n + j];
      o[r * n + j] = acc[j] * sj * (1 - sj);
    }
  }
}

/** O = A W + b (relu'd with `relu`) for A [rows, k], W [k, n], in JavaScript. */
export function fwdJs(
  a: Float32Array,
  w: Float32Array,
  b: Float32Array,
  o: Float32Array,
  rows: number,
  k: number,
  n: number,
  relu: boolean,
): void {
  const acc = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) acc[j] = b[j];
    for (let kk = 0; kk < k; kk++) {
      const x = a[r * k + kk];
      for (let j = 0; j < n; j++) acc[j] += x * w[kk * n + j];
    }
    for (let j = 0; j < n; j++) o[r * n + j] = relu && acc[j] < 0 ? 0 : acc[j];
  }
}
