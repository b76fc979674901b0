import { Box, Text } from 'ink';
import type { ReactNode } from 'react';

export interface PanelProps {
  title: string;
  /** Outer width, border included. */
  width: number;
  /** Outer height, border included. */
  height: number;
  /** Draw a rounded border with the title in it. @default true */
  bordered?: boolean;
  children: ReactNode;
}

/** A fixed-size box with a title; content is cut, never wrapped, to its size. */
export function Panel({ title, width, height, bordered = true, children }: PanelProps) {
  if (!bordered) {
    return (
      <Box flexDirection="column" width={width} height={height} overflowY="hidden">
        {children}
      </Box>
    );
  }
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      overflowY="hidden"
      borderStyle="round"
      borderColor="gray"
    >
      <Text bold wrap="truncate">
        {title}
      </Text>
      {children}
    </Box>
  );
}

/** Inner size of a panel: border (2) and the title row (1) taken off when bordered. */
export function innerSize(
  width: number,
  height: number,
  bordered: boolean,
): { width: number; height: number } {
  return bordered ? { width: width - 2, height: height - 3 } : { width, height };
}
