/**
 * `--queue redis://host:port/db`: parsed and checked before anything
 * connects (light: the CLI's option parsing uses it, experiments/jobs/redis.ts
 * connects).
 */

export interface QueueUrl {
  /** The URL as given, its password hidden: for messages. */
  shown: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** Parse `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS); throws naming what is wrong. */
export function parseQueueUrl(value: string): QueueUrl {
  const usage = `--queue '${value}': expected redis://host:port/db, e.g. redis://127.0.0.1:6379/0`;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new Error(usage);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new Error(`${usage} (not ${u.protocol}//)`);
  if (!u.hostname) throw new Error(`${usage} (no host)`);
  const port = u.port ? Number(u.port) : 6379;
  const path = u.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d+$/.test(path))
    throw new Error(`${usage} (the database '${path}' is not a number)`);
  const db = path === '' ? 0 : Number(path);
  const shown = u.password ? value.replace(`:${u.password}@`, ':***@') : value;
  return {
    shown,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    tls: u.protocol === 'rediss:',
  };
}
