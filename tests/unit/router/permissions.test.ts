// Who is an operator, and where the bot answers.
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/config.ts';
import type { Identity } from '../../../src/router/command.ts';
import { channelAllowed, isOperator } from '../../../src/router/permissions.ts';

const access = (channels: string[] | null = null): Config['access'] => ({
  operators: new Set(['slack:UOP', 'discord:111']),
  operatorRoles: new Set(['999']),
  channels: channels ? new Set(channels) : null,
});
const who = (platform: Identity['platform'], userId: string, extra: Partial<Identity> = {}): Identity => ({
  platform,
  userId,
  userName: userId,
  channelId: 'C1',
  ...extra,
});

describe('isOperator', () => {
  it('is true for listed ids, Discord role holders, the shell and the CLI', () => {
    expect(isOperator(who('slack', 'UOP'), access())).toBe(true);
    expect(isOperator(who('discord', '111'), access())).toBe(true);
    expect(isOperator(who('discord', '222', { roles: ['1', '999'] }), access())).toBe(true);
    expect(isOperator(who('shell', 'local'), access())).toBe(true);
    expect(isOperator(who('cli', 'deploy'), access())).toBe(true);
  });

  it('is false for everyone else, and an id listed for one platform does not count on another', () => {
    expect(isOperator(who('slack', 'UREADER'), access())).toBe(false);
    expect(isOperator(who('discord', '222', { roles: ['1'] }), access())).toBe(false);
    expect(isOperator(who('slack', 'UX', { roles: ['999'] }), access())).toBe(false);
    expect(isOperator(who('discord', 'UOP'), access())).toBe(false);
    expect(isOperator(who('slack', '111'), access())).toBe(false);
  });
});

describe('channelAllowed', () => {
  it('allows every channel without a list', () => {
    expect(channelAllowed(who('slack', 'U', { channelId: 'anything' }), access())).toBe(true);
  });

  it('with a list, allows only its channels — per platform — and always the shell and the CLI', () => {
    const list = access(['slack:C1', 'discord:D1']);
    expect(channelAllowed(who('slack', 'U', { channelId: 'C1' }), list)).toBe(true);
    expect(channelAllowed(who('slack', 'U', { channelId: 'C2' }), list)).toBe(false);
    expect(channelAllowed(who('discord', 'U', { channelId: 'C1' }), list)).toBe(false);
    expect(channelAllowed(who('discord', 'U', { channelId: 'D1' }), list)).toBe(true);
    expect(channelAllowed(who('shell', 'local', { channelId: 'shell' }), list)).toBe(true);
    expect(channelAllowed(who('cli', 'me', { channelId: 'cli' }), list)).toBe(true);
  });
});
