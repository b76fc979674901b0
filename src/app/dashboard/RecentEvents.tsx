import { Box, Text } from 'ink';
import { LOG_COLORS } from './colors.ts';
import type { DashboardState, LogEntry } from './dashboard-state.ts';
import { fmtSI } from './format.ts';

export interface RecentEventsProps {
  state: DashboardState;
  width: number;
  height: number;
}

/** One log entry as a line: `  24.6k checkpoint (periodic) -> runs/x/...`. */
export function LogLine({ entry }: { entry: LogEntry }) {
  const step = entry.globalStep === undefined ? '' : fmtSI(entry.globalStep);
  return (
    <Text wrap="truncate">
      <Text color="gray">{step.padStart(7)} </Text>
      <Text color={LOG_COLORS[entry.kind]}>{entry.text}</Text>
    </Text>
  );
}

/** The newest log entries that fit, newest last. */
export function RecentEvents({ state, height }: RecentEventsProps) {
  const shown = state.log.slice(-Math.max(1, height));
  if (shown.length === 0) return <Text color="gray">no events yet</Text>;
  return (
    <Box flexDirection="column">
      {shown.map((e) => (
        <LogLine key={e.seq} entry={e} />
      ))}
    </Box>
  );
}
