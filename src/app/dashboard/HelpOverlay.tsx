import { Box, Text } from 'ink';
import { PANELS } from './layout.ts';

export interface HelpOverlayProps {
  width: number;
  height: number;
  readOnly: boolean;
}

/** The key reference, shown instead of the panels while `?` is on. */
export function HelpOverlay({ width, height, readOnly }: HelpOverlayProps) {
  const lines: [string, string][] = [
    ['p', readOnly ? 'pause/resume (off: watching another process)' : 'pause / resume training'],
    [
      's',
      readOnly
        ? 'save a checkpoint (off: watching another process)'
        : 'save a checkpoint (at once while paused)',
    ],
    ['q, Ctrl-C', readOnly ? 'stop watching' : 'save a checkpoint and quit (twice: quit at once)'],
    ['tab', 'next panel (one panel at a time on small terminals)'],
    [`1-${PANELS.length}`, 'show that panel'],
    ['?, esc', 'close this help'],
  ];
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle="round"
      borderColor="yellow"
      overflowY="hidden"
    >
      <Text bold>Keys</Text>
      {lines.map(([k, v]) => (
        <Text key={k} wrap="truncate">
          <Text bold color="yellow">
            {k.padEnd(11)}
          </Text>
          {v}
        </Text>
      ))}
    </Box>
  );
}
