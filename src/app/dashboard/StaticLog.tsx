import { Box, Static } from 'ink';
import type { LogEntry } from './dashboard-state.ts';
import { LogLine } from './RecentEvents.tsx';
import { useStaticLog } from './use-static-log.ts';

export interface StaticLogProps {
  log: readonly LogEntry[];
  width: number;
}

/** Checkpoints, new bests, ejections and messages, printed once above the live frame (scrollback). */
export function StaticLog({ log, width }: StaticLogProps) {
  const { key, items } = useStaticLog(log);
  return (
    <Static key={key} items={items}>
      {(entry) => (
        <Box key={entry.seq} width={width}>
          <LogLine entry={entry} />
        </Box>
      )}
    </Static>
  );
}
