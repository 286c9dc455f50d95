// The app manifest and the install guide agree with what the adapter listens to.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');

describe('slack/manifest.yml and docs/slack.md', () => {
  const manifest = read('slack/manifest.yml');
  const docs = read('docs/slack.md');

  it('declares the slash command, interactivity, the bot scopes and the Socket Mode switch', () => {
    expect(manifest).toMatch(/^\s+- command: \/queue$/m);
    expect(manifest).toMatch(/^ {2}interactivity:\n(?: {4}#.*\n)* {4}is_enabled: true$/m);
    expect(manifest).toMatch(/^ {4}bot:\n(?:.*\n)*? {6}- commands$/m);
    expect(manifest).toMatch(/^ {6}- chat:write$/m);
    expect(manifest).toMatch(/^ {2}socket_mode_enabled: (true|false)$/m);
    // Bolt's HTTP receiver takes commands and clicks on one path
    const urls = [...manifest.matchAll(/(?:url|request_url): (\S+)/g)].map((m) => m[1]);
    expect(urls).toHaveLength(2);
    for (const url of urls) expect(url).toMatch(/^https:\/\/[^/]+\/slack\/events$/);
    expect(manifest).not.toMatch(/\t/);
  });

  it('names every setting the adapter reads', () => {
    for (const name of [
      'SLACK_BOT_TOKEN',
      'SLACK_SIGNING_SECRET',
      'SLACK_APP_TOKEN',
      'SLACK_API_URL',
      'PORT',
      'QUEUE_BOT_OPERATORS',
      'QUEUE_BOT_ALERT_SLACK_CHANNEL',
      'connections:write',
    ]) {
      expect(docs).toContain(name);
    }
  });
});
