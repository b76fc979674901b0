/**
 * What a checkpoint's `state.json` must hold, as zod schemas, checked before
 * anything of it is used (README "Faults"):
 *
 * - `FileManifestSchema`: the part run-dir.ts writes, the manifest of `tensors.bin`
 *   (name, shape, dtype, offset and length of every tensor) and the checksums;
 * - `CheckpointStateSchema`: the part the trainer writes (checkpoint.ts): counters,
 *   generator state, the env's snapshot, each role's observations and normaliser.
 *
 * Errors name the field and what it holds (`iteration: expected a non-negative
 * integer, got "abc"`); `checkSchema` prefixes the file.
 */
import { z } from 'zod';

/** A value as an error message shows it (short). */
export function show(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const nonNegativeInt = z.custom<number>((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0, {
  error: (iss) => `expected a non-negative integer, got ${show(iss.input)}`,
});

const finite = z.custom<number>((v) => typeof v === 'number' && Number.isFinite(v), {
  error: (iss) => `expected a finite number, got ${show(iss.input)}`,
});

const finiteOrNull = z.custom<number | null>(
  (v) => v === null || (typeof v === 'number' && Number.isFinite(v)),
  { error: (iss) => `expected a finite number or null, got ${show(iss.input)}` },
);

const numbers = z.array(finite);

const sha256 = z.custom<string>((v) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v), {
  error: (iss) => `expected a SHA-256 (64 hex digits), got ${show(iss.input)}`,
});

/** One entry of the manifest of `tensors.bin` (offset and length in float32 values). */
export const TensorEntrySchema = z.object({
  name: z.string().min(1),
  shape: z.array(nonNegativeInt),
  /** Absent in checkpoints written before it was recorded: float32, the only one there is. */
  dtype: z.literal('float32').optional(),
  offset: nonNegativeInt,
  length: nonNegativeInt,
});
export type TensorEntry = z.infer<typeof TensorEntrySchema>;

/** What run-dir.ts adds to a checkpoint's state: the tensors' manifest and the checksums. */
export const FileManifestSchema = z.object({
  tensors: z.array(TensorEntrySchema),
  /** Absent in checkpoints written before checksums were recorded (accepted with a warning). */
  checksums: z
    .object({
      /** SHA-256 of `tensors.bin`. */
      'tensors.bin': sha256,
      /** SHA-256 of `state.json`'s JSON without its `checksums` field (JSON.stringify of the rest). */
      state: sha256,
    })
    .optional(),
});

const RmsSchema = z.object({ mean: numbers, var: numbers, count: finite });

const RoleStateSchema = z.object({
  obs: numbers,
  active: numbers,
  epReturn: numbers,
  epLength: numbers,
  rms: RmsSchema.nullable(),
  best: finiteOrNull,
});

/** The trainer's part of `state.json` (checkpoint.ts `CheckpointState`). */
export const CheckpointStateSchema = z.object({
  version: z.literal(1, { error: (iss) => `expected 1 (the one version there is), got ${show(iss.input)}` }),
  algo: z.enum(['ppo', 'reinforce'], {
    error: (iss) => `expected "ppo" or "reinforce", got ${show(iss.input)}`,
  }),
  elapsedSec: finite,
  adamSteps: z.record(z.string(), nonNegativeInt),
  globalStep: nonNegativeInt,
  iteration: nonNegativeInt,
  rng: z.object({ c: finite, s0: finite, s1: finite, s2: finite, spare: finiteOrNull.optional() }),
  /** The env's snapshot, or null when it could not take one; the field itself must be there. */
  env: z.unknown().refine((v) => v !== undefined, {
    error: 'missing: expected the env snapshot (or null for an env that cannot take one)',
  }),
  envState: numbers,
  roles: z.record(z.string(), RoleStateSchema),
});

/** A JSON path as `roles.operator.obs[3]`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `${out ? '.' : ''}${String(p)}`;
  return out || '(the whole file)';
}

function describeIssue(iss: z.core.$ZodIssue): string {
  if (iss.code === 'invalid_type') return `expected ${iss.expected}, got ${show(iss.input)}`;
  if (iss.code === 'unrecognized_keys') return `unknown field(s) ${iss.keys.join(', ')}`;
  return iss.message;
}

/**
 * Check `value` against `schema`; throws `<file>: <field>: <problem>` (the first three problems) and
 * `advice` when it does not fit.
 */
export function checkSchema(schema: z.ZodType, value: unknown, file: string, advice: string): void {
  const res = schema.safeParse(value, { reportInput: true });
  if (res.success) return;
  const issues = res.error.issues;
  const shown = issues.slice(0, 3).map((iss) => `${formatPath(iss.path)}: ${describeIssue(iss)}`);
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : '';
  throw new Error(`${file}: ${shown.join('; ')}${more}. ${advice}`);
}
