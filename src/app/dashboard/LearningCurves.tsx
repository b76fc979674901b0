import { Box, Text } from 'ink';
import { ChartRows } from './ChartRows.tsx';
import { roleColor } from './colors.ts';
import type { DashboardState } from './dashboard-state.ts';
import { fmtNum } from './format.ts';
import { lineChart } from './line-chart.ts';
import { seriesValues } from './series.ts';

export interface LearningCurvesProps {
  state: DashboardState;
  width: number;
  height: number;
}

/**
 * Mean episodic return per role over iterations, one chart per role, with the
 * best baseline's return (`start.baselineReturns`) as a dashed yellow line.
 */
export function LearningCurves({ state, width, height }: LearningCurvesProps) {
  const roles = state.roles;
  if (roles.length === 0) return <Text color="gray">no episodic returns yet</Text>;
  const per = Math.max(3, Math.floor(height / roles.length));
  return (
    <Box flexDirection="column">
      {roles.map((role) => {
        const series = state.returns[role];
        const values = series ? seriesValues(series) : [];
        const baseline = state.run?.baselineReturns?.[role];
        const color = roleColor(roles, role);
        return (
          <Box key={role} flexDirection="column" height={per} overflowY="hidden">
            <Text wrap="truncate">
              <Text bold color={color}>
                {role}
              </Text>
              <Text> return {fmtNum(series?.last)}</Text>
              <Text color="green"> best {fmtNum(state.best[role])}</Text>
              {baseline !== undefined ? <Text color="yellow"> ╌ baseline {fmtNum(baseline)}</Text> : null}
            </Text>
            {values.length > 0 ? (
              <ChartRows
                rows={lineChart(values, { width, height: per - 1, reference: baseline })}
                color={color}
              />
            ) : (
              <Text color="gray">waiting for the first finished episode…</Text>
            )}
          </Box>
        );
      })}
    </Box>
  );
}
