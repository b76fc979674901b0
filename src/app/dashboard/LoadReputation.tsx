import { Box, Text } from 'ink';
import { roleColor } from './colors.ts';
import type { DashboardState } from './dashboard-state.ts';
import { fmtNum } from './format.ts';
import { barRows, binCounts, finiteMean, sparkline } from './histogram.ts';

export interface LoadReputationProps {
  state: DashboardState;
  width: number;
  height: number;
}

/**
 * Histogram of coprocessor loads (active slots only) with the optimal load L*
 * marked under it, then one sparkline histogram of reputations (over [0, 1]) per role.
 */
export function LoadReputation({ state, width, height }: LoadReputationProps) {
  const m = state.market;
  if (!m) return <Text color="gray">no market snapshot yet</Text>;
  const loads = m.coprocessorLoads;
  let maxLoad = 0;
  let active = 0;
  for (const v of loads) {
    if (Number.isFinite(v)) {
      active++;
      if (v > maxLoad) maxLoad = v;
    }
  }
  const hi = Math.max(maxLoad, m.optimalLoad * 1.5, 1e-9);
  const repRoles = Object.keys(m.reputations);
  const barH = Math.max(1, height - 3 - repRoles.length);
  const bins = Math.max(8, Math.min(32, Math.floor((width - 2) / 2)));
  const cw = Math.max(1, Math.floor((width - 2) / bins));
  const plotW = bins * cw;
  const rows = barRows(binCounts(loads, bins, 0, hi), barH).map((r) =>
    [...r].map((ch) => ch.repeat(cw)).join(''),
  );
  const lStarCol = Math.min(plotW - 1, Math.round((m.optimalLoad / hi) * plotW));
  const marker = `${' '.repeat(lStarCol)}▲ L*=${fmtNum(m.optimalLoad, 3)}`;
  const hiLabel = fmtNum(hi, 3);
  const labelW = Math.max(...repRoles.map((r) => r.length), 4) + 1;
  const repBins = Math.max(8, Math.min(40, width - labelW - 16));
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">
        coprocessor load{' '}
        <Text color="gray">
          ({active} active, mean {fmtNum(finiteMean(loads), 3)})
        </Text>
      </Text>
      {rows.map((r, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
        <Text key={i} color="cyan" wrap="truncate">
          {r}
        </Text>
      ))}
      <Text wrap="truncate">
        <Text color="yellow">{marker.padEnd(Math.max(marker.length + 1, plotW - hiLabel.length))}</Text>
        <Text color="gray">{hiLabel}</Text>
      </Text>
      {repRoles.map((role) => {
        const reps = m.reputations[role];
        return (
          <Text key={role} wrap="truncate">
            {role.padEnd(labelW)}
            <Text color="gray">0▕</Text>
            <Text color={roleColor(state.roles, role)}>{sparkline(binCounts(reps, repBins, 0, 1))}</Text>
            <Text color="gray">▏1</Text>
            <Text color="gray"> μ {fmtNum(finiteMean(reps), 3)}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
