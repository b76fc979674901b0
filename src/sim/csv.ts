/**
 * Per-period metrics of a simulated episode as CSV rows.
 */
import { stringify } from 'csv-stringify/sync';
import { writeFileAtomic } from '../core/atomic.ts';

/** Collects one row per period and writes them as CSV (atomically). */
export class CsvTable {
  private readonly rows: Record<string, number | string>[] = [];

  push(row: Record<string, number | string>): void {
    this.rows.push(row);
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    if (this.rows.length === 0) return '';
    return stringify(this.rows, { header: true, columns: Object.keys(this.rows[0]) });
  }

  write(path: string): void {
    writeFileAtomic(path, this.toString());
  }
}
