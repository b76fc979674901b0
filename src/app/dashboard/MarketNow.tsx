import { Box, Text } from 'ink';
import type { DashboardState } from './dashboard-state.ts';
import { fmtInt, fmtNum, fmtPct, progressBar } from './format.ts';
import { trendline } from './histogram.ts';
import { resample } from './line-chart.ts';
import { type Series, seriesValues } from './series.ts';

export interface MarketNowProps {
  state: DashboardState;
  width: number;
  height: number;
}

function Share({
  label,
  value,
  width,
  color,
}: {
  label: string;
  value: number;
  width: number;
  color: string;
}) {
  const barW = Math.max(4, width - 22);
  return (
    <Text wrap="truncate">
      {label.padEnd(14)}
      <Text color={color}>{progressBar(value, barW)}</Text> {fmtPct(value).padStart(6)}
    </Text>
  );
}

function Trend({
  label,
  series,
  width,
  color,
}: {
  label: string;
  series: Series;
  width: number;
  color: string;
}) {
  return (
    <Text wrap="truncate">
      {label.padEnd(14)}
      <Text color={color}>{trendline(resample(seriesValues(series), Math.max(4, width - 15)))}</Text>
    </Text>
  );
}

/** The last market snapshot: how jobs were served, prices, faults and who is active. */
export function MarketNow({ state, width, height }: MarketNowProps) {
  const m = state.market;
  if (!m) return <Text color="gray">no market snapshot yet</Text>;
  return (
    <Box flexDirection="column">
      <Text wrap="truncate">period {m.period}</Text>
      <Share label="delegated" value={m.delegatedShare} width={width} color="green" />
      <Share label="self-executed" value={m.selfExecutedShare} width={width} color="blue" />
      <Share label="dropped" value={m.droppedShare} width={width} color="red" />
      <Text wrap="truncate">
        {'price ratio'.padEnd(14)}
        {fmtNum(m.meanPriceRatio)} <Text color="gray">(mean)</Text>
      </Text>
      <Text wrap="truncate">
        {'faults'.padEnd(14)}
        <Text color={m.failures > 0 ? 'red' : undefined}>failures {fmtInt(m.failures)}</Text>
        {'  '}
        <Text color={m.slashes > 0 ? 'yellow' : undefined}>slashes {fmtInt(m.slashes)}</Text>
        {'  '}shirks {fmtInt(m.undetectedShirks)}
      </Text>
      <Text wrap="truncate">
        {'active'.padEnd(14)}operators {fmtInt(m.activeOperators)}
        {'  '}coprocessors {fmtInt(m.activeCoprocessors)}
      </Text>
      {height >= 12 ? (
        <>
          <Text color="gray">trend over snapshots</Text>
          <Trend label="delegated" series={state.marketTrend.delegated} width={width} color="green" />
          <Trend label="dropped" series={state.marketTrend.dropped} width={width} color="red" />
          <Trend label="price ratio" series={state.marketTrend.priceRatio} width={width} color="blue" />
        </>
      ) : null}
    </Box>
  );
}
