// Reads failed_jobs.exception, which is PHP's Throwable::__toString(). Each exception is a block
//   Class: message in /file.php:LINE\nStack trace:\n#0 …\n#N {main}
// (without ": message" when the message is empty). Chained `previous` exceptions come innermost
// first, each later one after "\n\nNext ", so the exception actually thrown is the LAST block.
// Messages may hold anything, including newlines, " in " and even another exception's text, so a
// block is only accepted where a well-formed stack trace follows its header.
// Trace lines are "#N /file.php(LINE): call", "#N [internal function]: call", "#N {main}".
import type { ExceptionParse, StackFrame, ThrownException } from './types.ts';

const STACK_TRACE = '\nStack trace:\n';
const NEXT = '\n\nNext ';
const MAX_SUMMARY = 300;
/** What a one-line listing of an exception may take (a failed row, an alert's group). */
export const EXCEPTION_LINE = 200;

/** PHP class names, including "class@anonymous" and namespaced ones. */
const CLASS_NAME = /^[A-Za-z_\x80-\uffff\\][\w\x80-\uffff\\@]*$/;
const TRACE_LINE = /^#\d+ /;
const TRACE_END = /^#\d+ \{main\}$/;

interface Block {
  className: string;
  message: string;
  file: string;
  line: number;
  /** where its stack trace lies in the text: [start, end) */
  trace: [number, number];
}

export function parseException(text: string): ExceptionParse {
  const blocks: Block[] = [];
  let start = 0;
  for (;;) {
    const found = readBlock(text, start);
    if (!found) {
      const problem =
        blocks.length === 0
          ? 'not PHP exception text (expected "Class: message in /file.php:LINE" followed by "Stack trace:")'
          : `the exception text breaks off after ${blocks.length} exception(s): the "Next" block cannot be read`;
      return { ok: false, problem, firstLine: summarize(text) };
    }
    blocks.push({ ...found.block, trace: [found.traceStart, found.end] });
    if (!found.hasNext) break;
    start = found.end + NEXT.length;
  }

  const thrown = blocks[blocks.length - 1];
  if (!thrown) return { ok: false, problem: 'empty exception text', firstLine: '' };
  const result: ThrownException = {
    className: thrown.className,
    message: thrown.message,
    file: thrown.file,
    line: thrown.line,
    summary: summarize(thrown.message),
    causes: blocks.slice(0, -1).map(({ className, message }) => ({ className, message })),
    where: appFrameOf(text, thrown),
  };
  return { ok: true, thrown: result };
}

/**
 * The first frame of the thrown exception in the app's own code: where it was thrown when that is
 * the app, else the first caller in the trace that is. When every frame is in vendor/ (a worker's
 * MaxAttemptsExceededException), where it was thrown. Null for text that is not PHP exception text.
 * Alerts group failures by it: a QueryException thrown in Connection.php:712 is told apart by the
 * job line that ran the query.
 */
export function firstAppFrame(exceptionText: string): StackFrame | null {
  const parsed = parseException(exceptionText);
  return parsed.ok ? parsed.thrown.where : null;
}

/**
 * Whether a file is the app's own code: not a Composer package (vendor/), not a system-wide PHP
 * library (/usr/share/php, where distributions install Laravel and Symfony), and not the entry
 * script every job passes through (artisan, public/index.php).
 */
export function isAppFile(file: string): boolean {
  const path = file.replace(/\\/g, '/');
  if (/(^|\/)vendor\//.test(path) || /^\/usr\/(local\/)?share\/php\//.test(path)) return false;
  return !/(^|\/)(artisan|public\/index\.php|server\.php)$/.test(path);
}

function appFrameOf(text: string, block: Block): StackFrame {
  const thrownAt: StackFrame = { file: block.file, line: block.line, inApp: isAppFile(block.file) };
  if (thrownAt.inApp) return thrownAt;
  let lineStart = block.trace[0];
  while (lineStart < block.trace[1]) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 || newline > block.trace[1] ? block.trace[1] : newline;
    const frame = traceFrame(text.slice(lineStart, lineEnd));
    if (frame && isAppFile(frame.file)) return { ...frame, inApp: true };
    lineStart = lineEnd + 1;
  }
  return thrownAt;
}

/** "#3 /var/www/app/app/Jobs/Sync.php(37): App\\Jobs\\Sync->handle()" → the file and line. */
function traceFrame(line: string): { file: string; line: number } | null {
  const space = line.indexOf(' ');
  const call = line.indexOf('): ', space);
  if (space === -1 || call === -1) return null;
  const open = line.lastIndexOf('(', call);
  if (open <= space + 1) return null;
  const digits = line.slice(open + 1, call);
  if (!/^\d{1,9}$/.test(digits)) return null;
  return { file: line.slice(space + 1, open), line: Number(digits) };
}

/**
 * Text as one line of at most `max` characters (code points): whitespace runs and newlines become
 * one space, and a longer text is cut after a whole word (see cutOnWord).
 */
export function oneLine(text: string, max = EXCEPTION_LINE): string {
  return cutOnWord(text.replace(/\s+/g, ' ').trim(), max);
}

/**
 * At most `max` characters (code points): a longer text is cut after its last whole word that
 * fits, with "…". A text with no space in the second half of what fits (a long URL, a path) is
 * cut at a character instead, never inside one.
 */
export function cutOnWord(text: string, max: number): string {
  const codePoints = Array.from(text);
  if (codePoints.length <= max) return text;
  const kept = codePoints.slice(0, Math.max(0, max - 1));
  let space = kept.length - 1;
  while (space >= 0 && !/\s/.test(kept[space]!)) space--;
  const cut = space >= max / 2 ? kept.slice(0, space) : kept;
  return `${cut.join('').replace(/[\s,;:.–—-]+$/, '')}…`;
}

/**
 * The block starting at `start`: tries each "Stack trace:" in turn and takes the first one whose
 * trace runs to "#N {main}" and is followed by the end of the text or by "Next".
 */
function readBlock(text: string, start: number): { block: Omit<Block, 'trace'>; traceStart: number; end: number; hasNext: boolean } | null {
  let marker = text.indexOf(STACK_TRACE, start);
  while (marker !== -1) {
    const trace = endOfTrace(text, marker + STACK_TRACE.length);
    if (trace) {
      const block = parseHeader(text.slice(start, marker));
      if (block) return { block, traceStart: marker + STACK_TRACE.length, ...trace };
    }
    marker = text.indexOf(STACK_TRACE, marker + 1);
  }
  return null;
}

function endOfTrace(text: string, start: number): { end: number; hasNext: boolean } | null {
  let lineStart = start;
  for (;;) {
    const newline = text.indexOf('\n', lineStart);
    const lineEnd = newline === -1 ? text.length : newline;
    const line = text.slice(lineStart, lineEnd);
    if (TRACE_END.test(line)) {
      if (text.startsWith(NEXT, lineEnd)) return { end: lineEnd, hasNext: true };
      if (/^\s*$/.test(text.slice(lineEnd))) return { end: lineEnd, hasNext: false };
      return null;
    }
    // Text cut off by a too-small column still has its thrown exception: accept a trace that
    // simply runs out, whatever its last partial line looks like.
    if (newline === -1) return { end: lineEnd, hasNext: false };
    if (!TRACE_LINE.test(line)) return null;
    lineStart = newline + 1;
  }
}

/**
 * "Class: message in /file.php:LINE". The file cannot hold a newline, so " in <file>:<line>" is on
 * the last line, and it is the LAST " in " there: the message may contain " in " itself. Found with
 * plain index searches, because a backtracking regex takes minutes on a long line of " in ".
 */
function parseHeader(header: string): Omit<Block, 'trace'> | null {
  const lastLineStart = header.lastIndexOf('\n') + 1;
  let digitsStart = header.length;
  while (digitsStart > lastLineStart && isDigit(header.charCodeAt(digitsStart - 1))) digitsStart--;
  const colon = digitsStart - 1;
  if (digitsStart === header.length || header[colon] !== ':') return null;
  // At least one character of file name between " in " and the colon.
  const inAt = header.lastIndexOf(' in ', colon - 5);
  if (inAt < lastLineStart || inAt + 4 >= colon) return null;

  const head = header.slice(0, inAt);
  // The class name never contains ": ", so the first one separates it from the message.
  const separator = head.indexOf(': ');
  const className = separator === -1 ? head : head.slice(0, separator);
  if (!CLASS_NAME.test(className)) return null;
  return {
    className,
    message: separator === -1 ? '' : head.slice(separator + 2),
    file: header.slice(inAt + 4, colon),
    line: Number(header.slice(digitsStart)),
  };
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** First line, trimmed to 300 characters at a code point. */
function summarize(text: string): string {
  const firstLine = (text.split('\n', 1)[0] ?? '').trim();
  const codePoints = Array.from(firstLine);
  return codePoints.length <= MAX_SUMMARY ? firstLine : `${codePoints.slice(0, MAX_SUMMARY - 1).join('')}…`;
}
