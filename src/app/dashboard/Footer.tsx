import { Text } from 'ink';

export interface FooterProps {
  width: number;
  /** Keys are read (stdin is a TTY). */
  keys: boolean;
  readOnly: boolean;
  /** A short status shown at the right (e.g. "save requested"). @default '' */
  flash?: string;
}

/** The key help line. */
export function Footer({ width, keys, readOnly, flash = '' }: FooterProps) {
  let help: string;
  if (!keys) help = 'keys off: stdin is not a terminal · Ctrl-C stops';
  else if (readOnly) help = 'q quit · tab panel · ? help · p/s off (watching another process)';
  else help = 'p pause · s save · q save&quit · tab panel · ? help';
  return (
    <Text wrap="truncate">
      <Text color="gray">{help.slice(0, width)}</Text>
      {flash ? <Text color="yellow"> {flash}</Text> : null}
    </Text>
  );
}
