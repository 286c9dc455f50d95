// A ChatPoster that keeps what it was asked to post and edit: the far end of a chat platform,
// for tests of the alert scheduler that need no HTTP.
import type { ChatPoster, MessageRef } from '../../src/chat/poster.ts';
import type { Reply } from '../../src/reply/model.ts';

export class RecordingPoster implements ChatPoster {
  posts: Array<{ channel: string; reply: Reply; ref: MessageRef }> = [];
  updates: Array<{ ref: MessageRef; reply: Reply }> = [];
  /** replies in a message's thread, in order */
  threadPosts: Array<{ parent: MessageRef; reply: Reply; ref: MessageRef }> = [];
  failNext = 0;
  /** runs after a message is posted, before post() returns: a test cuts the database here */
  afterPost: ((ref: MessageRef) => Promise<void>) | null = null;
  #n = 0;

  constructor(readonly platform: 'slack' | 'discord' = 'slack') {}

  async post(channel: string, reply: Reply): Promise<MessageRef> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('chat API error (test)');
    }
    const ref: MessageRef = { platform: this.platform, channel, id: `m${++this.#n}` };
    this.posts.push({ channel, reply, ref });
    await this.afterPost?.(ref);
    return ref;
  }

  async update(ref: MessageRef, reply: Reply): Promise<void> {
    this.updates.push({ ref, reply });
  }

  async postInThread(parent: MessageRef, reply: Reply): Promise<MessageRef> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('chat API error (test)');
    }
    // Discord: the thread is a channel of its own, named by the parent's id
    const ref: MessageRef = { platform: this.platform, channel: this.platform === 'discord' ? parent.id : parent.channel, id: `m${++this.#n}` };
    this.threadPosts.push({ parent, reply, ref });
    return ref;
  }

  titles(): string[] {
    return this.posts.map((p) => p.reply.title);
  }
}
