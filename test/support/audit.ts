/** Reading a data dir's audit log in tests. */
import fs from 'node:fs';
import path from 'node:path';
import { vi } from 'vitest';

/** One audit line. */
export interface AuditLine {
  ts: string;
  event: string;
  message_id?: string;
  channel?: string;
  direction?: string;
  peer?: string;
  peer_addr?: string;
  detail?: string;
}

/** The current audit lines of `dataDir`. */
export function auditLines(dataDir: string): AuditLine[] {
  const file = path.join(dataDir, 'audit', 'audit.jsonl');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as AuditLine);
}

/** Waits until an audit line matching `match` appears; returns it. */
export async function waitForAudit(dataDir: string, match: Partial<AuditLine>): Promise<AuditLine> {
  let found: AuditLine | undefined;
  await vi.waitFor(
    () => {
      found = auditLines(dataDir).find((line) =>
        Object.entries(match).every(([k, v]) => line[k as keyof AuditLine] === v),
      );
      if (found === undefined) throw new Error(`no audit line like ${JSON.stringify(match)}`);
    },
    { timeout: 10_000, interval: 20 },
  );
  return found!;
}
