/**
 * copronet's PPO update side by side with a PyTorch reference on the same
 * shapes (one thread each): the reference is an outside script, run when it and
 * a Python with torch are there, and skipped with a message otherwise. Nothing
 * of the project depends on it.
 *
 * The script takes `--preset NAME --threads 1 --reps N` and prints one JSON line
 * with `update_ms` (the median of N updates). Where it is: `--torch-reference
 * PATH`, else `COPRONET_TORCH_REFERENCE`, else ../shared/peer/torch_ppo_update.py
 * next to the repository. Which Python: `COPRONET_PYTHON`, else /usr/bin/python3.
 *
 * The two sides take turns, round after round, so a slow moment of the machine
 * hits both alike; each side's best and median over the rounds are reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { initBackend } from '../agents/tf/backend.ts';
import { syntheticUpdate, UPDATE_PRESETS } from './update.ts';

const ROOT = join(import.meta.dirname, '..');

export type UpdatePreset = keyof typeof UPDATE_PRESETS;

export interface TorchReference {
  python: string;
  script: string;
}

/** The reference script and a Python that imports torch, or why not. */
export function findTorchReference(scriptOption?: string): TorchReference | { missing: string } {
  const script = resolve(
    scriptOption ??
      process.env.COPRONET_TORCH_REFERENCE ??
      join(ROOT, '..', 'shared', 'peer', 'torch_ppo_update.py'),
  );
  if (!existsSync(script)) {
    return {
      missing: `no PyTorch reference script at ${script} (give --torch-reference PATH or COPRONET_TORCH_REFERENCE)`,
    };
  }
  const python = process.env.COPRONET_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : (probe.stderr.trim().split('\n').at(-1) ?? '');
    return { missing: `${python} cannot import torch (${why}); set COPRONET_PYTHON to a Python with torch` };
  }
  return { python, script };
}

/** One run of the reference: the median update milliseconds of `reps` updates, and torch's version. */
export function runTorchReference(
  ref: TorchReference,
  preset: UpdatePreset,
  reps: number,
): { updateMs: number; torch: string } {
  const res = spawnSync(
    ref.python,
    [ref.script, '--preset', preset, '--threads', '1', '--reps', String(reps)],
    {
      encoding: 'utf8',
    },
  );
  if (res.status !== 0) {
    throw new Error(`the PyTorch reference failed (exit ${res.status}): ${res.stderr.trim().slice(-400)}`);
  }
  const line = res.stdout.trim().split('\n').at(-1) ?? '';
  const out = JSON.parse(line) as { update_ms: number; torch: string };
  return { updateMs: out.update_ms, torch: out.torch };
}

export interface SideBySide {
  preset: UpdatePreset;
  rows: number;
  torch: string;
  /** Per round: the reference's and copronet's median update milliseconds. */
  torchMs: number[];
  copronetMs: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const summary = (xs: number[]) => ({ best: Math.min(...xs), median: median(xs) });

/**
 * `rounds` rounds per preset, the sides taking turns; each round times `reps` updates per side
 * (after a warm-up) and keeps their median.
 */
export async function benchTorch(
  ref: TorchReference,
  opts: { presets: UpdatePreset[]; rounds: number; reps: (p: UpdatePreset) => number },
): Promise<SideBySide[]> {
  await initBackend('wasm');
  const out: SideBySide[] = [];
  for (const preset of opts.presets) {
    const s = await syntheticUpdate(UPDATE_PRESETS[preset]);
    await s.time(); // warm-up
    const reps = opts.reps(preset);
    const row: SideBySide = { preset, rows: s.rows, torch: '', torchMs: [], copronetMs: [] };
    for (let r = 0; r < opts.rounds; r++) {
      const t = runTorchReference(ref, preset, reps);
      row.torch = t.torch;
      row.torchMs.push(t.updateMs);
      const ours: number[] = [];
      for (let i = 0; i < reps; i++) ours.push(await s.time());
      row.copronetMs.push(median(ours));
    }
    s.dispose();
    out.push(row);
  }
  return out;
}
