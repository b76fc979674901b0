import { Text } from 'ink';
import { PANELS, type PanelId } from './layout.ts';

export interface TabBarProps {
  active: PanelId;
  width: number;
}

/** Width of the bar with the panels' full titles. */
const FULL_WIDTH = PANELS.reduce((w, p, i) => w + ` ${i + 1} ${p.title} `.length, 0);

/** The panel names (full titles when they fit), the active one highlighted (tabbed layout only). */
export function TabBar({ active, width }: TabBarProps) {
  const short = width < FULL_WIDTH;
  return (
    <Text wrap="truncate">
      {PANELS.map((p, i) => {
        const label = short ? p.short : p.title;
        return p.id === active ? (
          <Text key={p.id} inverse bold>
            {` ${i + 1} ${label} `}
          </Text>
        ) : (
          <Text key={p.id} color="gray">{` ${i + 1} ${label} `}</Text>
        );
      })}
    </Text>
  );
}
