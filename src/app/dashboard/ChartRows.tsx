import { Text } from 'ink';
import type { CellKind, Segment } from './line-chart.ts';

export interface ChartRowsProps {
  rows: Segment[][];
  /** Colour of the curve. @default 'cyan' */
  color?: string;
  /** Colour of the reference line. @default 'yellow' */
  refColor?: string;
}

/** Prints the rows of `lineChart` with a colour per cell kind. */
export function ChartRows({ rows, color = 'cyan', refColor = 'yellow' }: ChartRowsProps) {
  const colors: Record<CellKind, string | undefined> = {
    curve: color,
    ref: refColor,
    axis: 'gray',
    empty: undefined,
  };
  return (
    <>
      {rows.map((row, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional
        <Text key={r} wrap="truncate">
          {row.map((seg, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: segments are positional
            <Text key={i} color={colors[seg.kind]}>
              {seg.text}
            </Text>
          ))}
        </Text>
      ))}
    </>
  );
}
