// Files that go with a reply (a chart), uploaded with Slack's files upload v2 API — the three
// calls Bolt's WebClient.filesUploadV2 makes: files.getUploadURLExternal, the bytes to the URL it
// returns, files.completeUploadExternal sharing the file into the channel with the reply's summary
// as its comment. Slack has no private files in a channel: the chart is visible to the channel
// (it holds counts only, never job data). A failed upload is logged and said to the asker; the
// answer itself has already gone.
import type { webApi } from '@slack/bolt';
import type { Logger } from '../../log.ts';
import type { Reply } from '../../reply/model.ts';

export async function uploadAttachments(client: webApi.WebClient, channel: string, reply: Reply, log: Logger): Promise<{ uploaded: number; failed: number }> {
  let uploaded = 0;
  let failed = 0;
  for (const file of reply.attachments ?? []) {
    try {
      await client.filesUploadV2({
        channel_id: channel,
        file: Buffer.from(file.data),
        filename: file.name,
        title: file.name,
        alt_text: file.alt,
        ...(reply.summary ? { initial_comment: reply.summary } : {}),
      });
      uploaded++;
    } catch (err) {
      failed++;
      log.warn({ err, channel, file: file.name }, 'could not upload a file to Slack (is the bot in the channel, with the files:write scope?)');
    }
  }
  return { uploaded, failed };
}
