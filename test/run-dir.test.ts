import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunDir, writeFileAtomic } from '../agents/trainer/run-dir.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'copronet-rundir-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const allFiles = (p: string): string[] =>
  readdirSync(p, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));

describe('RunDir', () => {
  it('writes JSON atomically and leaves no temp files', () => {
    const rd = RunDir.create(join(dir, 'a'));
    rd.writeJson('config.json', { x: 1 });
    const ino = statSync(rd.file('config.json')).ino;
    rd.writeJson('config.json', { x: 2 });
    expect(rd.readJson('config.json')).toEqual({ x: 2 });
    // Replaced by rename (a new inode), never truncated in place.
    expect(statSync(rd.file('config.json')).ino).not.toBe(ino);
    expect(allFiles(rd.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    writeFileAtomic(join(dir, 'plain.txt'), 'hello');
    expect(readFileSync(join(dir, 'plain.txt'), 'utf8')).toBe('hello');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('appends metrics lines without rewriting earlier ones', () => {
    const rd = RunDir.create(join(dir, 'b'));
    rd.appendMetrics({ global_step: 1, iteration: 1, x: Number.NaN });
    const ino = statSync(rd.file('metrics.jsonl')).ino;
    const first = readFileSync(rd.file('metrics.jsonl'), 'utf8');
    rd.appendMetrics({ global_step: 2, iteration: 2, x: 3 });
    const both = readFileSync(rd.file('metrics.jsonl'), 'utf8');
    expect(both.startsWith(first)).toBe(true);
    expect(statSync(rd.file('metrics.jsonl')).ino).toBe(ino);
    expect(rd.readMetrics()).toEqual([
      { global_step: 1, iteration: 1, x: null },
      { global_step: 2, iteration: 2, x: 3 },
    ]);
    rd.truncateMetrics(1);
    expect(rd.readMetrics()).toHaveLength(1);
  });

  it('swaps checkpoint directories in whole and reads back exact float32 tensors', () => {
    const rd = RunDir.create(join(dir, 'c'));
    const data = Float32Array.from([0.1, -2.5, 1e-30, 3.4e38, Math.PI]);
    rd.saveCheckpoint('latest', { step: 1 }, [{ name: 'w', shape: [5], data }]);
    rd.saveCheckpoint('latest', { step: 2 }, [
      { name: 'w', shape: [5], data },
      { name: 'b', shape: [1, 2], data: Float32Array.from([7, 8]) },
    ]);
    const ck = rd.loadCheckpoint<{ step: number }>('latest');
    expect(ck.state.step).toBe(2);
    expect(Array.from(ck.tensors.get('w')!.data)).toEqual(Array.from(data));
    expect(ck.tensors.get('b')).toMatchObject({ shape: [1, 2] });
    const names = readdirSync(join(rd.path, 'checkpoints'));
    expect(names).toEqual(['latest']);
    expect(() => rd.loadCheckpoint('nope')).toThrow(/no checkpoint 'nope'/);
  });

  it('refuses to overwrite a run and explains how to continue it', () => {
    const p = join(dir, 'd');
    RunDir.create(p).writeJson('run.json', {});
    expect(() => RunDir.create(p)).toThrow(/--resume/);
    expect(() => RunDir.open(join(dir, 'missing'))).toThrow(/not a run directory/);
  });
});
