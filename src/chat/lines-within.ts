// Bounded text for the chat renderers: lines joined while they fit, the rest counted. Each
// platform cuts text its own way (Slack's entities, Discord's escapes), so it passes its `clip`.

/**
 * Lines joined while they fit `max`; the ones left out are counted in a last line ("…and 3
 * more"). A first line too long to fit whole is clipped rather than counted.
 */
export function linesWithin(lines: string[], max: number, more: (n: number) => string, clip: (s: string, max: number) => string): string {
  let text = '';
  for (let i = 0; i < lines.length; i++) {
    const next = (text ? `${text}\n` : '') + lines[i]!;
    const left = lines.length - i - 1;
    const counted = left ? more(left).length + 1 : 0;
    if (next.length + counted <= max) {
      text = next;
      continue;
    }
    if (!text) return clip(lines[i]!, Math.max(1, max - counted)) + (left ? `\n${more(left)}` : '');
    return clip(`${text}\n${more(lines.length - i)}`, max);
  }
  return text;
}
