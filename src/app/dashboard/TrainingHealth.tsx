import { Box, Text } from 'ink';
import { roleColor } from './colors.ts';
import { type DashboardState, metric } from './dashboard-state.ts';
import { fmtInt, fmtNum } from './format.ts';
import { trendline } from './histogram.ts';
import { resample } from './line-chart.ts';
import { seriesValues } from './series.ts';

export interface TrainingHealthProps {
  state: DashboardState;
  width: number;
  height: number;
}

const ROWS: readonly { label: string; key: string; warn?: number; bad?: number }[] = [
  { label: 'policy loss', key: 'losses/policy_loss' },
  { label: 'value loss', key: 'losses/value_loss' },
  { label: 'entropy', key: 'losses/entropy' },
  { label: 'approx KL', key: 'losses/approx_kl', warn: 0.02, bad: 0.05 },
  { label: 'clip frac', key: 'losses/clipfrac', warn: 0.2, bad: 0.35 },
  { label: 'learning rate', key: 'charts/learning_rate' },
];

function levelColor(v: number | undefined, warn?: number, bad?: number): string | undefined {
  if (v === undefined || warn === undefined) return undefined;
  if (bad !== undefined && v > bad) return 'red';
  return v > warn ? 'yellow' : undefined;
}

/** PPO diagnostics per role (losses, entropy, approx KL, clip fraction, LR) and the speed history. */
export function TrainingHealth({ state, width }: TrainingHealthProps) {
  const roles = state.roles;
  const labelW = 14;
  const colW = Math.max(9, Math.min(13, Math.floor((width - labelW) / Math.max(1, roles.length))));
  const sps = seriesValues(state.sps);
  const sparkW = Math.max(4, width - 16);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        {''.padEnd(labelW)}
        {roles.map((r) => (
          <Text key={r} bold color={roleColor(roles, r)}>
            {r.slice(0, colW - 1).padStart(colW)}
          </Text>
        ))}
      </Text>
      {ROWS.map((row) => (
        <Text key={row.key} wrap="truncate">
          {row.label.padEnd(labelW)}
          {roles.map((r) => {
            const v = metric(state, row.key, r);
            return (
              <Text key={r} color={levelColor(v, row.warn, row.bad)}>
                {fmtNum(v).padStart(colW)}
              </Text>
            );
          })}
        </Text>
      ))}
      <Text wrap="truncate">
        {'SPS'.padEnd(4)}
        {fmtInt(state.metrics['charts/SPS']).padStart(9)}{' '}
        <Text color="green">{trendline(resample(sps, sparkW))}</Text>
      </Text>
    </Box>
  );
}
