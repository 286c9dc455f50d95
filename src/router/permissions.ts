// Who may do what. Reading is for everyone allowed to talk to the bot (optionally only in some
// channels); changing data is for operators named by id (or, on Discord, by role).
import type { Config } from '../config/config.ts';
import type { Identity } from './command.ts';

type Access = Config['access'];

/** The shell and the CLI run on a machine that already holds the database credentials. */
const LOCAL_PLATFORMS = new Set(['shell', 'cli']);

export function isOperator(who: Identity, access: Access): boolean {
  if (LOCAL_PLATFORMS.has(who.platform)) return true;
  if (access.operators.has(`${who.platform}:${who.userId}`)) return true;
  return who.platform === 'discord' && (who.roles ?? []).some((role) => access.operatorRoles.has(role));
}

export function channelAllowed(who: Identity, access: Access): boolean {
  if (!access.channels || LOCAL_PLATFORMS.has(who.platform)) return true;
  return access.channels.has(`${who.platform}:${who.channelId}`);
}
