/**
 * The observation layouts (src/sim/observation.ts): the one table per role
 * that the space bounds, the names, the writers' offsets and docs/MODEL.md's
 * tables come from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CoprocessorNetworkEnv, STATE_NAMES } from '../envs/network/index.ts';
import { stateDocTable } from '../envs/network/state.ts';
import { loadScenario } from '../envs/scenarios/index.ts';
import { Rng } from '../src/core/rng.ts';
import { NetworkSim } from '../src/sim/network.ts';
import {
  COPROCESSOR_OBS,
  MARKET_OBS_NAMES,
  type ObsLayout,
  OPERATOR_OBS,
  observationDocTables,
} from '../src/sim/observation.ts';
import { ROOT } from './helpers/tmux.ts';

const layouts = { operator: OPERATOR_OBS, coprocessor: COPROCESSOR_OBS } as const;

/** Write one role's observations into a buffer that records how often each offset is assigned. */
function countWrites(sim: NetworkSim, lay: ObsLayout, count: number): Int32Array {
  const buf = new Float32Array(count * lay.dim);
  const writes = new Int32Array(buf.length);
  const spy = new Proxy(buf, {
    set(target, key, value) {
      const q = typeof key === 'string' ? Number(key) : Number.NaN;
      if (!Number.isInteger(q) || q < 0 || q >= target.length)
        throw new RangeError(`write to [${String(key)}]`);
      writes[q]++;
      target[q] = value;
      return true;
    },
  });
  if (lay === OPERATOR_OBS) sim.writeOperatorObs(spy);
  else sim.writeCoprocessorObs(spy);
  return writes;
}

describe('observation layouts', () => {
  it('one row per entry: own entries then the market, names unique, low <= high', () => {
    for (const lay of Object.values(layouts) as ObsLayout[]) {
      expect(lay.dim).toBe(lay.own.length + MARKET_OBS_NAMES.length);
      expect(lay.names.slice(lay.own.length)).toEqual([...MARKET_OBS_NAMES]);
      expect(new Set(lay.names).size).toBe(lay.dim);
      lay.names.forEach((n, q) => {
        expect(lay.at[n]).toBe(q);
        expect(lay.low[q]).toBeLessThanOrEqual(lay.high[q]);
        expect(lay.entries[q].doc.length).toBeGreaterThan(0);
      });
    }
    // The widths policies and checkpoints depend on.
    expect(OPERATOR_OBS.dim).toBe(19);
    expect(COPROCESSOR_OBS.dim).toBe(20);
    expect(STATE_NAMES.slice(0, MARKET_OBS_NAMES.length)).toEqual([...MARKET_OBS_NAMES]);
  });

  it("the environment's observation spaces are the layouts' bounds", () => {
    const env = new CoprocessorNetworkEnv({ scenario: 'tiny' });
    for (const [role, lay] of Object.entries(layouts)) {
      const space = env.observationSpace(`${role}_0`);
      expect(space.shape).toEqual([lay.dim]);
      expect(Array.from(space.low)).toEqual([...lay.low]);
      expect(Array.from(space.high)).toEqual([...lay.high]);
    }
  });

  it('the writers assign every offset of the layout exactly once per agent', () => {
    const sim = new NetworkSim(loadScenario('tiny'));
    sim.reset(3);
    const op = new Float32Array(sim.nOps * 2).fill(0.5);
    const cp = new Float32Array(sim.nCops * sim.coprocessorActionDim).fill(0.5);
    for (let t = 0; t < 3; t++) {
      for (const [lay, count] of [
        [OPERATOR_OBS, sim.nOps],
        [COPROCESSOR_OBS, sim.nCops],
      ] as const) {
        const writes = countWrites(sim, lay, count);
        expect(Array.from(writes)).toEqual(new Array(writes.length).fill(1));
      }
      sim.step(op, cp);
    }
  });

  it('every entry stays within its bounds, through ejections and a collapse', () => {
    for (const [name, overrides] of [
      ['quick', { slashing: { factor: 6 }, periods: 60 }],
      ['tiny', {}],
      ['quick', { demand: { meanTasks: 400 } }],
    ] as const) {
      const sim = new NetworkSim(loadScenario(name, overrides));
      const rng = new Rng(7);
      sim.reset(11);
      const bufs = {
        operator: new Float32Array(sim.nOps * OPERATOR_OBS.dim),
        coprocessor: new Float32Array(sim.nCops * COPROCESSOR_OBS.dim),
      };
      const op = new Float32Array(sim.nOps * 2);
      const cp = new Float32Array(sim.nCops * sim.coprocessorActionDim);
      while (!sim.done) {
        sim.writeOperatorObs(bufs.operator);
        sim.writeCoprocessorObs(bufs.coprocessor);
        for (const [role, lay] of Object.entries(layouts)) {
          const buf = bufs[role as keyof typeof bufs];
          for (let o = 0; o < buf.length; o++) {
            const q = o % lay.dim;
            const v = buf[o];
            if (!(Number.isFinite(v) && v >= lay.low[q] && v <= lay.high[q])) {
              expect.fail(
                `${role} ${lay.names[q]} = ${v} at period ${sim.t}, outside ${lay.low[q]}..${lay.high[q]}`,
              );
            }
          }
        }
        for (let q = 0; q < op.length; q++) op[q] = rng.next();
        for (let q = 0; q < cp.length; q++) cp[q] = rng.next();
        sim.step(op, cp);
      }
    }
  });

  it("docs/MODEL.md shows the layouts' and the state's tables (regenerate them with observationDocTables(), stateDocTable())", () => {
    const norm = (md: string) =>
      md
        .split('\n')
        .map((l) => l.trim().replace(/\s+/g, ' ').replace(/-{3,}/g, '---'))
        .join('\n');
    const model = norm(readFileSync(resolve(ROOT, 'docs/MODEL.md'), 'utf8'));
    for (const [which, table] of Object.entries({ ...observationDocTables(), state: stateDocTable() })) {
      expect(model.includes(norm(table)), `the ${which} table of docs/MODEL.md differs from:\n${table}`).toBe(
        true,
      );
    }
  });
});
