import { Box, Text } from 'ink';
import { type DashboardState, etaSec, progressOf, spsOf } from './dashboard-state.ts';
import { fmtDuration, fmtInt, fmtSI, progressBar } from './format.ts';

export interface HeaderProps {
  state: DashboardState;
  width: number;
  /** Watching another process: show that p/s are disabled. @default false */
  readOnly?: boolean;
}

/** Two rows: the run's identity, then progress over the timestep budget with ETA and speed. */
export function Header({ state, width, readOnly = false }: HeaderProps) {
  const run = state.run;
  const status = state.done ? `DONE (${state.done.reason})` : state.paused ? 'PAUSED' : '';
  const statusColor = state.done ? 'green' : 'yellow';
  const total = run?.totalTimesteps ?? 0;
  const pct = `${(progressOf(state) * 100).toFixed(1)}%`;
  const right = ` ${pct} ${fmtSI(state.globalStep)}/${fmtSI(total)}  ETA ${fmtDuration(etaSec(state))}  ${fmtInt(spsOf(state))} sps`;
  const barW = Math.max(10, width - right.length);
  return (
    <Box flexDirection="column" width={width}>
      <Text wrap="truncate">
        <Text bold color="cyan">
          copronet{' '}
        </Text>
        <Text bold>{run?.runName ?? 'waiting for the trainer…'}</Text>
        {status ? (
          <Text bold color={statusColor}>
            {' '}
            [{status}]
          </Text>
        ) : null}
        {readOnly ? <Text color="yellow"> [watching, read-only: p/s off]</Text> : null}
        {run ? (
          <Text>
            {' '}
            {run.scenario} · {run.backend} · seed {run.seed} · it {state.iteration} ·{' '}
            {fmtDuration(state.elapsedSec)} elapsed
          </Text>
        ) : null}
      </Text>
      <Text wrap="truncate">
        <Text color="green">{progressBar(progressOf(state), barW)}</Text>
        {right}
      </Text>
    </Box>
  );
}
