/**
 * The append-only logs of a run folder (`metrics.jsonl`, `market.jsonl`): one
 * JSON object a line, each appended in one write. A crash (kill -9, power loss,
 * a full disk) can leave the last line torn, never an earlier one; so a torn last
 * line is dropped with a warning, and a bad line anywhere else is an error naming
 * the file and the line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../../src/core/atomic.ts';

export interface JsonlContent {
  rows: Record<string, unknown>[];
  /** Each row's line (1-based) and text, as in the file. */
  lines: { line: number; text: string }[];
  /** The torn last line (1-based), when there is one; `rows` does not hold it. */
  tornLine?: number;
  /** The file does not end with a newline (a torn line, or a complete one whose newline was lost). */
  unterminated: boolean;
}

/** Read a JSONL log; empty when the file does not exist. Throws, naming file and line, on a bad line before the last. */
export function readJsonl(path: string): JsonlContent {
  if (!existsSync(path)) return { rows: [], lines: [], unterminated: false };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const unterminated = text.length > 0 && !text.endsWith('\n');
  const rows: Record<string, unknown>[] = [];
  const kept: JsonlContent['lines'] = [];
  let tornLine: number | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    // A power loss can also leave the file padded with NUL bytes after its last write.
    if (line.replace(/\0/g, '').trim().length === 0) continue;
    let row: unknown;
    let problem: string | undefined;
    try {
      row = JSON.parse(line);
      if (typeof row !== 'object' || row === null || Array.isArray(row)) problem = 'it is not a JSON object';
    } catch (err) {
      problem = `it is not valid JSON (${(err as Error).message})`;
    }
    if (problem === undefined) {
      rows.push(row as Record<string, unknown>);
      kept.push({ line: i + 1, text: line });
      continue;
    }
    if (i === lines.length - 1 && unterminated) {
      tornLine = i + 1;
      continue;
    }
    throw new Error(
      `${path}, line ${i + 1}: ${problem}. Only the last line can be torn by a crash, so this file was damaged ` +
        'or edited: repair or delete that line, then try again.',
    );
  }
  return { rows, lines: kept, tornLine, unterminated };
}

/** The warning for a torn last line that was dropped. */
export function tornLineWarning(path: string, line: number): string {
  return `${path}, line ${line}: the last line was torn (the process was killed or the disk filled while writing it): dropped it.`;
}

/**
 * Keep the rows of a JSONL log that `keep` accepts (and drop a torn last line), rewriting the file
 * atomically, and only when something changes. Returns the warnings to show (a dropped torn line).
 */
export function truncateJsonl(
  path: string,
  keep: (row: Record<string, unknown>, line: number) => boolean,
  content: JsonlContent = readJsonl(path),
): string[] {
  // The kept lines as they were, byte for byte.
  const kept = content.lines.filter((l, i) => keep(content.rows[i], l.line));
  if (kept.length === content.rows.length && !content.unterminated) return [];
  writeFileAtomic(path, kept.map((l) => `${l.text}\n`).join(''));
  return content.tornLine !== undefined ? [tornLineWarning(path, content.tornLine)] : [];
}

/**
 * A row's integer step field (`iteration`, `global_step`), or an error naming the file and the line. Only
 * the field is checked: the rest of a row is the log's business.
 */
export function stepOf(path: string, row: Record<string, unknown>, line: number, field: string): number {
  const v = row[field];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  throw new Error(
    `${path}, line ${line}: ${field} is ${JSON.stringify(v) ?? 'missing'}, not a non-negative integer: this ` +
      'file was damaged or edited; repair or delete that line, then try again.',
  );
}
