// A reply's files (a chart) on disk, for the shell and the CLI, which have no chat to upload to.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import type { Reply } from './model.ts';

/**
 * Writes the reply's files: the first to `path` (the CLI's --out), the others beside it with
 * -2, -3… before the extension; without a path, into a new directory of the system's temp
 * directory under their own names (the shell). The paths written, in order.
 */
export function writeAttachments(reply: Reply, path: string | null): string[] {
  const files = reply.attachments ?? [];
  if (!files.length) return [];
  const dir = path === null ? mkdtempSync(join(tmpdir(), 'queue-bot-')) : null;
  return files.map((file, i) => {
    const target = dir !== null ? join(dir, file.name) : i === 0 ? path! : `${path!.slice(0, path!.length - extname(path!).length)}-${i + 1}${extname(path!)}`;
    writeFileSync(target, file.data);
    return target;
  });
}
