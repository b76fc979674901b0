import { Box, useApp, useInput, useStdin } from 'ink';
import { type ReactNode, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { AgentChoices } from './AgentChoices.tsx';
import type { DashboardState } from './dashboard-state.ts';
import type { DashboardStore } from './dashboard-store.ts';
import { Footer } from './Footer.tsx';
import { Header } from './Header.tsx';
import { HelpOverlay } from './HelpOverlay.tsx';
import { LearningCurves } from './LearningCurves.tsx';
import { computeLayout, PANELS, type PanelId } from './layout.ts';
import { LoadReputation } from './LoadReputation.tsx';
import { MarketNow } from './MarketNow.tsx';
import { innerSize, Panel } from './Panel.tsx';
import { RecentEvents } from './RecentEvents.tsx';
import { StaticLog } from './StaticLog.tsx';
import { TabBar } from './TabBar.tsx';
import { TrainingHealth } from './TrainingHealth.tsx';
import type { TrainerHandle } from './types.ts';
import { useDashboardState, useStoreClosed } from './use-dashboard-state.ts';
import { useTerminalSize } from './use-terminal-size.ts';

export interface DashboardProps {
  store: DashboardStore;
  /** The trainer's controls (its `events$` is read through `store`). */
  controls: Pick<TrainerHandle, 'pause' | 'resume' | 'requestSave' | 'requestStop'>;
  /** Watching another process: p and s do nothing, q leaves at once. @default false */
  readOnly?: boolean;
  /** Leave when the trainer emits `done`. @default true */
  exitOnDone?: boolean;
  /** Treat SIGINT like `q` (needed when stdin is not in raw mode). @default false */
  handleSigint?: boolean;
  /** Called on a second q / Ctrl-C while a stop is pending. @default leaves the dashboard at once */
  onForceQuit?: () => void;
}

type View = 'grid' | PanelId;

const FLASH_MS = 2500;

/** A panel: which one, the state it draws, and its size. */
interface PanelProps {
  id: PanelId;
  state: DashboardState;
  width: number;
  height: number;
}

/** The body of each panel, by id. */
const BODIES: Record<PanelId, (props: Omit<PanelProps, 'id'>) => ReactNode> = {
  curves: LearningCurves,
  market: MarketNow,
  load: LoadReputation,
  health: TrainingHealth,
  events: RecentEvents,
  choices: AgentChoices,
};

function PanelBody({ id, ...body }: PanelProps) {
  const Body = BODIES[id];
  return <Body {...body} />;
}

function titleOf(id: PanelId): string {
  return PANELS.find((p) => p.id === id)?.title ?? id;
}

function BoxedPanel({ id, state, width, height }: PanelProps) {
  const inner = innerSize(width, height, true);
  return (
    <Panel title={titleOf(id)} width={width} height={height}>
      <PanelBody id={id} state={state} width={inner.width} height={inner.height} />
    </Panel>
  );
}

/** The live training dashboard: header, panels (all at once or tabbed), footer, and the event log above. */
export function Dashboard({
  store,
  controls,
  readOnly = false,
  exitOnDone = true,
  handleSigint = false,
  onForceQuit,
}: DashboardProps) {
  store.frameBegin();
  const state = useDashboardState(store);
  const closed = useStoreClosed(store);
  const { exit } = useApp();
  const { isRawModeSupported } = useStdin();
  const { columns, rows } = useTerminalSize();
  const layout = computeLayout(columns, rows);
  const [tab, setTab] = useState<PanelId>('curves');
  const [view, setView] = useState<View>('grid');
  const [help, setHelp] = useState(false);
  const [flash, setFlash] = useState('');
  const wantPaused = useRef(false);
  const stopping = useRef(false);

  // After every commit: the frame is drawn; lets the store space out frames by their cost.
  useLayoutEffect(() => store.frameDone());

  useEffect(() => {
    wantPaused.current = state.paused;
  }, [state.paused]);

  useEffect(() => {
    if (!flash) return;
    const t = setTimeout(() => setFlash(''), FLASH_MS);
    return () => clearTimeout(t);
  }, [flash]);

  useEffect(() => {
    if (closed || (exitOnDone && state.done)) {
      const err = store.error();
      exit(err instanceof Error ? err : undefined);
    }
  }, [closed, exitOnDone, state.done, exit, store]);

  const quit = useCallback(() => {
    if (stopping.current || readOnly) {
      if (readOnly) controls.requestStop();
      if (onForceQuit) onForceQuit();
      else exit();
      return;
    }
    stopping.current = true;
    controls.requestStop();
    setFlash('stopping: saving a checkpoint… (q again: quit now)');
  }, [controls, exit, onForceQuit, readOnly]);

  useEffect(() => {
    if (!handleSigint) return;
    process.on('SIGINT', quit);
    return () => {
      process.off('SIGINT', quit);
    };
  }, [handleSigint, quit]);

  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) return quit();
      if (input === '?') return setHelp((h) => !h);
      if (key.escape) return setHelp(false);
      if (input === 'p') {
        if (readOnly) return setFlash('p is off: watching another process');
        if (wantPaused.current) controls.resume();
        else controls.pause();
        wantPaused.current = !wantPaused.current;
        return setFlash(wantPaused.current ? 'pause requested: at the next safe point' : 'resume requested');
      }
      if (input === 's') {
        if (readOnly) return setFlash('s is off: watching another process');
        controls.requestSave();
        // Paused, the trainer waits at a safe point and writes the checkpoint at once (agents/trainer/control.ts).
        return setFlash(
          state.paused ? 'saving a checkpoint now (paused)' : 'save requested: at the end of this iteration',
        );
      }
      const n = Number(input);
      if (!key.tab && !(n >= 1 && n <= PANELS.length)) return;
      setHelp(false);
      if (layout.mode === 'tabbed') {
        const i = PANELS.findIndex((p) => p.id === tab);
        return setTab(n >= 1 ? PANELS[n - 1].id : PANELS[(i + 1) % PANELS.length].id);
      }
      // Wide: tab walks grid -> each panel at full size -> grid; a digit zooms that panel.
      const order: View[] = ['grid', ...PANELS.map((p) => p.id)];
      setView(n >= 1 ? PANELS[n - 1].id : order[(order.indexOf(view) + 1) % order.length]);
    },
    { isActive: isRawModeSupported === true },
  );

  const width = layout.columns;
  const frameH = layout.rows - 1;
  let body: ReactNode;
  if (help) {
    body = <HelpOverlay width={width} height={frameH - 3} readOnly={readOnly} />;
  } else if (layout.mode === 'tabbed') {
    body = (
      <>
        <TabBar active={tab} width={width} />
        <Panel title="" width={layout.body.width} height={layout.body.height} bordered={false}>
          <PanelBody id={tab} state={state} width={layout.body.width} height={layout.body.height} />
        </Panel>
      </>
    );
  } else if (view !== 'grid') {
    body = <BoxedPanel id={view} state={state} width={width} height={frameH - 3} />;
  } else {
    body = (
      <>
        <Box>
          <BoxedPanel id="curves" state={state} {...layout.curves} />
          <BoxedPanel id="market" state={state} {...layout.market} />
        </Box>
        <Box>
          <BoxedPanel id="load" state={state} {...layout.load} />
          <BoxedPanel id="choices" state={state} {...layout.choices} />
          <BoxedPanel id="health" state={state} {...layout.health} />
        </Box>
        <BoxedPanel id="events" state={state} {...layout.events} />
      </>
    );
  }
  return (
    <>
      <StaticLog log={state.log} width={width} />
      <Box flexDirection="column" width={width} height={frameH} overflowY="hidden">
        <Header state={state} width={width} readOnly={readOnly} />
        {body}
        <Box flexGrow={1} />
        <Footer width={width} keys={isRawModeSupported === true} readOnly={readOnly} flash={flash} />
      </Box>
    </>
  );
}
