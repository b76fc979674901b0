import { useRef } from 'react';
import type { LogEntry } from './dashboard-state.ts';

/** Entries per `<Static>` generation before starting a new one. @default 256 */
export const STATIC_GENERATION = 256;

/**
 * Items for ink's `<Static>`, which prints each item of a growing array once.
 * The state only keeps recent entries, so this keeps its own growing list of
 * the entries not printed yet; every `STATIC_GENERATION` entries it starts a
 * new list under a new `key` (remounting `<Static>`), so memory stays bounded.
 */
export function useStaticLog(log: readonly LogEntry[]): { key: number; items: LogEntry[] } {
  const ref = useRef({ key: 0, items: [] as LogEntry[], lastSeq: 0 });
  const cur = ref.current;
  const fresh = log.filter((e) => e.seq > cur.lastSeq);
  if (fresh.length > 0) {
    const lastSeq = fresh[fresh.length - 1].seq;
    ref.current =
      cur.items.length >= STATIC_GENERATION
        ? { key: cur.key + 1, items: fresh, lastSeq }
        : { key: cur.key, items: [...cur.items, ...fresh], lastSeq };
  }
  return { key: ref.current.key, items: ref.current.items };
}
