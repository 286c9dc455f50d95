// Posting that respects the platforms, without I/O: one new message per second per channel, a
// 429's Retry-After waited out, one edit per message, and a refused call sent again once.
import { describe, expect, it } from 'vitest';
import { coalesceEdits, editWait, NO_PACE, postWait, posted, rateLimited, retryAfterMs } from '../../../src/chat/pacing.ts';
import { PostDeferredError, PostingPace, type ChatPoster, type MessageRef } from '../../../src/chat/poster.ts';
import { reply, type Reply } from '../../../src/reply/model.ts';

describe('pacing decisions', () => {
  it('lets one new message per second into a channel, each channel on its own', () => {
    let s = posted(NO_PACE, 'slack:C1', 10_000);
    expect(postWait(s, 'slack:C1', 10_000)).toBe(1000);
    expect(postWait(s, 'slack:C1', 10_600)).toBe(400);
    expect(postWait(s, 'slack:C1', 11_000)).toBe(0);
    expect(postWait(s, 'slack:C2', 10_000)).toBe(0);
    expect(postWait(s, 'discord:C1', 10_000)).toBe(0);
    // edits are not held by the one-per-second rule
    expect(editWait(s, 'slack:C1', 10_000)).toBe(0);
    s = rateLimited(s, 'slack:C1', 10_000, 5000);
    expect(postWait(s, 'slack:C1', 11_000)).toBe(4000);
    expect(editWait(s, 'slack:C1', 11_000)).toBe(4000);
    // a shorter Retry-After later does not shorten the wait
    expect(postWait(rateLimited(s, 'slack:C1', 11_000, 1000), 'slack:C1', 11_000)).toBe(4000);
  });

  it("reads the Retry-After of either platform's client errors", () => {
    expect(retryAfterMs({ code: 'slack_webapi_rate_limited_error', retryAfter: 3 })).toBe(3000);
    expect(retryAfterMs(new Error('A rate limit was exceeded (url: chat.postMessage, retry-after: 2)'))).toBe(2000);
    expect(retryAfterMs(Object.assign(new Error('rate limited'), { name: 'RateLimitError', retryAfter: 1500 }))).toBe(1500);
    expect(retryAfterMs({ status: 429, rawError: { retry_after: 0.5 } })).toBe(500);
    expect(retryAfterMs(new Error('not_in_channel'))).toBeNull();
    expect(retryAfterMs({ status: 500 })).toBeNull();
    expect(retryAfterMs(null)).toBeNull();
  });

  it('keeps one edit per message, the last, in the order the messages were first edited', () => {
    const ref = (id: string): MessageRef => ({ platform: 'slack', channel: 'C1', id });
    const edits = [
      { ref: ref('1'), n: 1 },
      { ref: ref('2'), n: 2 },
      { ref: ref('1'), n: 3 },
      { ref: { ...ref('1'), platform: 'discord' as const }, n: 4 },
    ];
    expect(coalesceEdits(edits).map((e) => [e.ref.platform, e.ref.id, e.n])).toEqual([
      ['slack', '1', 3],
      ['slack', '2', 2],
      ['discord', '1', 4],
    ]);
  });
});

/** A platform on a fake clock: records when each call arrived; `refuse` answers calls with a 429. */
function fakePlatform(clock: { ms: number }, platform: 'slack' | 'discord' = 'slack') {
  const calls: Array<{ what: 'post' | 'update' | 'thread'; channel: string; at: number; title: string }> = [];
  let refuse: Array<{ retryAfterSec: number }> = [];
  let n = 0;
  const poster: ChatPoster = {
    platform,
    async post(channel: string, r: Reply) {
      calls.push({ what: 'post', channel, at: clock.ms, title: r.title });
      const limit = refuse.shift();
      if (limit) throw Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter: limit.retryAfterSec });
      clock.ms += 50; // the answer takes a moment
      return { platform, channel, id: `m${++n}` };
    },
    async update(ref: MessageRef, r: Reply) {
      calls.push({ what: 'update', channel: ref.channel, at: clock.ms, title: r.title });
    },
    async postInThread(parent: MessageRef, r: Reply) {
      // the thread's channel as the platform names it: Discord's thread is the parent's id
      const channel = platform === 'discord' ? parent.id : parent.channel;
      calls.push({ what: 'thread', channel, at: clock.ms, title: r.title });
      clock.ms += 50;
      return { platform, channel, id: `m${++n}` };
    },
  };
  return { calls, poster, refuseNext: (retryAfterSec: number) => refuse.push({ retryAfterSec }), reset: () => (refuse = []) };
}

describe('PostingPace', () => {
  function setup(maxWaitMs?: number, chat: 'slack' | 'discord' = 'slack') {
    const clock = { ms: 1_000_000 };
    const platform = fakePlatform(clock, chat);
    const pace = new PostingPace({ now: () => clock.ms, sleep: async (ms) => void (clock.ms += ms), ...(maxWaitMs ? { maxWaitMs } : {}) });
    return { clock, platform, poster: pace.wrap(platform.poster) };
  }

  it('spaces new messages to one channel a second apart, not those to another channel', async () => {
    const { platform, poster } = setup();
    for (const title of ['a', 'b', 'c']) await poster.post('C1', reply(title));
    await poster.post('C2', reply('d'));
    const at = platform.calls.map((c) => c.at);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(1000);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(1000);
    expect(at[3]).toBe(at[2]! + 50); // C2 waits for nobody
  });

  it('waits out a 429 and sends the refused message again, once', async () => {
    const { platform, poster } = setup();
    platform.refuseNext(3);
    const ref = await poster.post('C1', reply('stuck'));
    expect(ref.id).toBe('m1');
    expect(platform.calls.map((c) => [c.title, c.at - platform.calls[0]!.at])).toEqual([
      ['stuck', 0],
      ['stuck', 3000],
    ]);
    // the channel's edits waited too: none inside the Retry-After
    await poster.update(ref, reply('edited'));
    expect(platform.calls.at(-1)!.at - platform.calls[0]!.at).toBeGreaterThanOrEqual(3000);
  });

  it('gives up after three refusals, and a wait longer than a tick allows is deferred, not waited', async () => {
    const { platform, poster } = setup(10_000);
    for (let i = 0; i < 3; i++) platform.refuseNext(1);
    await expect(poster.post('C1', reply('x'))).rejects.toThrow(/rate limited/);
    platform.reset();
    platform.refuseNext(60);
    await expect(poster.post('C2', reply('y'))).rejects.toBeInstanceOf(PostDeferredError);
    expect(platform.calls.filter((c) => c.channel === 'C2')).toHaveLength(1);
  });

  it('counts a Slack thread reply against its channel: a new message and a reply are a second apart', async () => {
    const { platform, poster } = setup();
    const alert = await poster.post('C1', reply('alert'));
    await poster.postInThread(alert, reply('line 1'));
    await poster.postInThread(alert, reply('line 2'));
    await poster.post('C1', reply('another alert'));
    const at = platform.calls.map((c) => c.at);
    expect(platform.calls.map((c) => [c.what, c.channel])).toEqual([
      ['post', 'C1'],
      ['thread', 'C1'],
      ['thread', 'C1'],
      ['post', 'C1'],
    ]);
    for (let i = 1; i < at.length; i++) expect(at[i]! - at[i - 1]!).toBeGreaterThanOrEqual(1000);
  });

  it("paces a Discord thread as its own channel: the parent's channel does not wait for it", async () => {
    const { platform, poster } = setup(undefined, 'discord');
    const alert = await poster.post('C1', reply('alert'));
    await poster.postInThread(alert, reply('line 1'));
    await poster.postInThread(alert, reply('line 2'));
    const [post, line1, line2] = platform.calls;
    expect(line1!.channel).toBe(alert.id);
    expect(line1!.at).toBe(post!.at + 50);
    expect(line2!.at - line1!.at).toBeGreaterThanOrEqual(1000);
  });
});
