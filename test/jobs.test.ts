/**
 * The job layer without Redis (experiments/jobs/): ids, URLs, the sandboxed
 * processor's refusals and its result cap. The queue itself: test/queue.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import processJob from '../experiments/jobs/processor.ts';
import { jobId, MAX_RESULT_BYTES } from '../experiments/jobs/spec.ts';
import { parseQueueUrl } from '../experiments/jobs/url.ts';
import { codeVersion } from '../experiments/jobs/version.ts';

// One spec (seed 999) returns a result just above the cap; the others run as they do.
vi.mock('../experiments/jobs/kinds.ts', async (importOriginal) => {
  const kinds = await importOriginal<typeof import('../experiments/jobs/kinds.ts')>();
  return {
    ...kinds,
    runJob: (job: { spec: { seed?: number } }) =>
      job.spec.seed === 999 ? 'x'.repeat(8 * 1024 * 1024) : kinds.runJob(job as never),
  };
});

const spec = { kind: 'summary', scenario: 'tiny', overrides: {}, seed: 1, population: 'paper-heuristic' };

describe('job ids', () => {
  it('hash kind, spec and code version, whatever the key order', () => {
    const a = jobId({ kind: 'cell', spec, codeVersion: 'v1' });
    const reordered = {
      population: 'paper-heuristic',
      seed: 1,
      overrides: {},
      scenario: 'tiny',
      kind: 'summary',
    };
    expect(jobId({ kind: 'cell', spec: reordered, codeVersion: 'v1' })).toBe(a);
    expect(jobId({ kind: 'cell', spec, codeVersion: 'v2' })).not.toBe(a);
    expect(jobId({ kind: 'cell', spec: { ...spec, seed: 2 }, codeVersion: 'v1' })).not.toBe(a);
    expect(a).toMatch(/^cell-[0-9a-f]{24}$/);
  });

  it('the code version names the package version and the code that runs', () => {
    expect(codeVersion()).toMatch(/^0\.1\.0\+src\.[0-9a-f]{12}$/);
  });
});

describe('--queue URLs', () => {
  it('parses redis:// with a port, a database and a hidden password', () => {
    expect(parseQueueUrl('redis://127.0.0.1:6380/2')).toMatchObject({ host: '127.0.0.1', port: 6380, db: 2 });
    expect(parseQueueUrl('redis://localhost')).toMatchObject({ port: 6379, db: 0, tls: false });
    const u = parseQueueUrl('rediss://me:secret@h:1/0');
    expect(u).toMatchObject({ username: 'me', password: 'secret', tls: true });
    expect(u.shown).toBe('rediss://me:***@h:1/0');
  });

  it('refuses what is not one, saying what it expects', () => {
    expect(() => parseQueueUrl('localhost:6379')).toThrow(/expected redis:\/\/host:port\/db/);
    expect(() => parseQueueUrl('http://h:1')).toThrow(/not http:\/\//);
    expect(() => parseQueueUrl('redis://h:1/x')).toThrow(/the database 'x' is not a number/);
  });
});

describe('the sandboxed processor', () => {
  it('runs a valid job of its own code version', async () => {
    const r = await processJob({ data: { kind: 'cell', spec, codeVersion: codeVersion() } });
    expect(r.kind).toBe('cell');
    expect((r.result as { nOps: number }).nOps).toBe(4);
  });

  it('refuses another code version, a bad spec and a result above the cap, none to be retried', async () => {
    const refuse = (data: object) => processJob({ data }).catch((e: Error) => e);
    const other = await refuse({ kind: 'cell', spec, codeVersion: '0.0.1+src.aaaaaaaaaaaa' });
    expect(other).toMatchObject({ name: 'UnrecoverableError' });
    expect((other as Error).message).toMatch(
      /^code version mismatch: worker \S+ runs code version 0\.1\.0\+src/,
    );
    const bad = await refuse({ kind: 'cell', spec: { ...spec, kind: 'nope' }, codeVersion: codeVersion() });
    expect((bad as Error).message).toMatch(/cell job spec does not validate: kind:/);
    const unknown = await refuse({ kind: 'bake', spec, codeVersion: codeVersion() });
    expect((unknown as Error).message).toMatch(
      /unknown job kind "bake": expected one of cell, train, eval, exploit/,
    );
    const train = await refuse({ kind: 'train', spec, codeVersion: codeVersion() });
    expect((train as Error).message).toMatch(/job kind 'train' is not implemented on the queue yet/);
    const big = await refuse({ kind: 'cell', spec: { ...spec, seed: 999 }, codeVersion: codeVersion() });
    expect(big).toMatchObject({ name: 'UnrecoverableError' });
    expect((big as Error).message).toMatch(/is 8\.0 MiB as JSON, above the 8\.0 MiB a job result may carry/);
    expect(MAX_RESULT_BYTES).toBe(8 * 1024 * 1024);
  });
});
