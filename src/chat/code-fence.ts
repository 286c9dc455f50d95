// Code blocks that survive the text inside them. Slack and Discord both close a ``` block at the
// next three backticks, so an exception message quoting Markdown (or a trace of a job that builds
// it) would spill out of its block and turn the rest of the message into formatting. An invisible
// character between two backticks keeps them from forming a fence; the text reads the same.

export const ZERO_WIDTH_SPACE = '\u200b';

/** No two backticks next to each other: a zero-width space after each one that another follows. */
export function breakBacktickRuns(text: string): string {
  return text.replace(/`(?=`)/g, `\`${ZERO_WIDTH_SPACE}`);
}
