import { Box, Text } from 'ink';
import { roleColor } from './colors.ts';
import type { DashboardState } from './dashboard-state.ts';
import { fit as fitCell, fmtNum, fmtPct, shortRole } from './format.ts';
import { trendline } from './histogram.ts';
import { resample } from './line-chart.ts';
import { type Series, seriesValues } from './series.ts';

export interface AgentChoicesProps {
  state: DashboardState;
  width: number;
  height: number;
}

interface ChoiceRow {
  /** The role whose choice it is, or `market` for the clearing price. */
  group: 'coprocessor' | 'operator' | 'market';
  label: string;
  value: number;
  series: Series;
  format: (v: number) => string;
  /** A share of tasks (printed as a percentage). */
  share?: boolean;
  /** Shown only when there is room for every row. */
  extra?: boolean;
}

const LABEL_W = 11;
const VALUE_W = 7;
/** Room for a trend's range after it (` [-0.25, 0.84]`), on wide panels. */
const RANGE_W = 17;

const num = (v: number) => fmtNum(v, 3);
const signed = (v: number) => (v > 0 ? `+${fmtNum(v, 3)}` : fmtNum(v, 3));

/** The rows of the last snapshot, coprocessors first; the first action is labelled by its reading. */
export function choiceRows(state: DashboardState): ChoiceRow[] {
  const m = state.market;
  const t = state.marketTrend;
  if (!m) return [];
  const psi = m.bidReading === 'psi';
  // No tasks this period (an episode just reset): no share; no delegated task: no price.
  const noTasks = m.delegatedShare === 0 && m.selfExecutedShare === 0 && m.droppedShare === 0;
  return [
    {
      group: 'coprocessor',
      label: psi ? 'ask psi' : 'bid markup',
      value: psi ? m.meanPsi : m.meanMarkup,
      series: t.bid,
      format: psi ? num : signed,
    },
    { group: 'coprocessor', label: 'shirk prob', value: m.meanShirk, series: t.shirk, format: num },
    {
      group: 'coprocessor',
      label: 'load cap',
      value: m.meanKappa,
      series: t.kappa,
      format: num,
      extra: true,
    },
    { group: 'operator', label: 'eta', value: m.meanEta, series: t.eta, format: num },
    {
      group: 'operator',
      label: 'self-exec',
      value: noTasks ? Number.NaN : m.selfExecutedShare,
      series: t.selfExecuted,
      format: (v) => fmtPct(v),
      share: true,
    },
    { group: 'operator', label: 'theta', value: m.meanTheta, series: t.theta, format: num, extra: true },
    {
      group: 'market',
      label: 'price / R',
      value: m.delegatedShare === 0 ? Number.NaN : m.meanPriceRatio,
      series: t.priceRatio,
      format: num,
    },
  ];
}

/** `[lo, hi]` of a trend's points, to 2 digits. */
function rangeOf(points: readonly number[], share: boolean): string {
  const f = (v: number) => (share ? fmtPct(v, 0) : fmtNum(v, 2));
  return `[${f(Math.min(...points))}, ${f(Math.max(...points))}]`;
}

/**
 * What the agents choose as they learn, per role: the coprocessors' bid markup
 * (ask psi under qualified-dutch / reverse-dutch), shirk probability and load
 * cap; the operators' eta, self-execution share and risk threshold; and the
 * clearing price. Each with its value in the last snapshot and a trend line
 * over the run. Short panels drop the load cap and theta, then the header.
 */
export function AgentChoices({ state, width, height }: AgentChoicesProps) {
  const m = state.market;
  if (!m) return <Text color="gray">no market snapshot yet</Text>;
  const all = height >= 7;
  const header = height >= 8;
  const rows = choiceRows(state).filter((r) => all || !r.extra);
  const roleW = width >= 44 ? 12 : 3;
  const ranged = width >= 64;
  const trendW = Math.max(4, width - roleW - LABEL_W - VALUE_W - 1 - (ranged ? RANGE_W : 0));
  const mechanism = m.mechanism ? m.mechanism : 'mechanism ?';
  return (
    <Box flexDirection="column">
      {header ? (
        <Text wrap="truncate" color="gray">
          {fitCell(mechanism, roleW + LABEL_W)}
          {'now'.padStart(VALUE_W)} {trendW >= 20 ? 'trend over snapshots' : 'trend'}
        </Text>
      ) : null}
      {rows.map((r, i) => {
        const value = r.format(r.value).padStart(VALUE_W);
        const points = seriesValues(r.series);
        const trend = trendline(resample(points, trendW)).padEnd(trendW);
        const range =
          ranged && points.length > 0 ? <Text color="gray"> {rangeOf(points, r.share === true)}</Text> : null;
        if (r.group === 'market') {
          // No role: the label takes the role column too.
          const label = roleW > 3 ? `clearing ${r.label}` : 'clearing price';
          return (
            <Text key={r.label} wrap="truncate">
              <Text bold>{fitCell(label, roleW + LABEL_W)}</Text>
              {value} {trend}
              {range}
            </Text>
          );
        }
        const first = i === 0 || rows[i - 1].group !== r.group;
        const color = roleColor(state.roles, r.group);
        return (
          <Text key={r.label} wrap="truncate">
            <Text bold color={color}>
              {(first ? (roleW > 3 ? r.group : shortRole(r.group)) : '').padEnd(roleW)}
            </Text>
            {r.label.padEnd(LABEL_W)}
            {value} <Text color={color}>{trend}</Text>
            {range}
          </Text>
        );
      })}
    </Box>
  );
}
