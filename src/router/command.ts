// The shape of a chat command: one module per command under commands/, discovered by the loader.
// A command parses nothing itself — the router hands it validated arguments — and talks to the
// queue only through QueueService.
import type { z } from 'zod';
import type { Config } from '../config/config.ts';
import type { MessageKey } from '../i18n/en.ts';
import type { Translator } from '../i18n/i18n.ts';
import type { QueueService } from '../queue/queue-service.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import type { HistoryStore } from '../history/history-store.ts';
import type { Button, Confirm, Reply } from '../reply/model.ts';
import type { Action } from './action-id.ts';

export type Platform = 'slack' | 'discord' | 'shell' | 'cli';

/** Who is asking, and where. */
export interface Identity {
  platform: Platform;
  userId: string;
  userName: string;
  channelId: string;
  /** Discord role ids of the member */
  roles?: string[];
  /** the locale the platform sent with the request, if any ("pl", "en-US") */
  locale?: string | null;
}

/** Makes buttons: encodes the action id and drops the button when it cannot be encoded. */
export interface ButtonFactory {
  button(label: string, action: Action, opts?: { style?: 'primary' | 'danger'; confirm?: Confirm }): Button | null;
}

export interface CommandContext {
  queue: QueueService;
  audit: AuditLog;
  config: Config;
  t: Translator;
  who: Identity;
  buttons: ButtonFactory;
  /** every command, for help */
  commands: readonly CommandModule[];
  /** true when a bulk change was confirmed (a confirm button, or the CLI's --yes) */
  confirmed: boolean;
  isOperator: boolean;
  /** the queue history (sparklines, charts); absent where the bot keeps none */
  history?: HistoryStore;
}

export type ChangeKind = false | 'single' | 'bulk';

/** Discord slash-command option metadata (the grammar mirrored as typed options). */
export interface OptionSpec {
  name: string;
  type: 'string' | 'integer';
  description: MessageKey;
  required?: boolean;
  /** where autocomplete suggestions come from */
  autocomplete?: 'queue' | 'failed-uuid';
  /** the only values Discord lets the user pick (a string option without autocomplete) */
  choices?: readonly string[];
}

/** Discord subcommand groups: `/queue alert ack`. A group takes one of /queue's 25 places. */
export type SubcommandGroup = 'alert';

/** One Discord subcommand of a command: its name (within its group, if any), options and the words they stand for. */
export interface DiscordSubcommand {
  name: string;
  group?: SubcommandGroup;
  description: MessageKey;
  options: OptionSpec[];
  toText(opts: Record<string, string | number>): string;
}

/** A button verb a command owns, e.g. "rf" (retry failed) → the retry command's args. */
export interface ActionHandler<A> {
  /** the command's arguments for this action, or null when the action's args are malformed */
  toArgs(args: string[]): A | null;
  /** the confirmation to show before running it (Discord and shell ask in a second step) */
  confirm?(ctx: CommandContext, args: A): Promise<Confirm>;
  /**
   * true when pressing it hides and undoes nothing (Acknowledge on an alert): it runs at once,
   * still for operators only and audited, without the confirmation step
   */
  unconfirmed?: boolean;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- commands of different argument types share one list
export interface CommandModule<A = any> {
  name: string;
  aliases?: string[];
  /** catalogue key of the one-line summary shown by help */
  summary: MessageKey;
  /** usage lines in the grammar, e.g. "failed [queue] [--class Name] [--grep text] [--page N]" */
  usage: string[];
  positional: string[];
  options?: string[];
  flags?: string[];
  /** validates the words and options the router read; custom messages are catalogue keys */
  schema: z.ZodType<A>;
  /** how Discord offers it: one subcommand per entry (name → options); defaults to the command */
  discord?: DiscordSubcommand[];
  /**
   * What the words typed name, looked up before anything is checked, previewed or audited — a
   * uuid's or a batch id's start becomes the whole (so the audit names the row changed) — or the
   * answer when they name no row or several; nothing is changed then.
   */
  resolve?(ctx: CommandContext, args: A): Promise<{ args: A } | { reply: Reply }>;
  /** whether running with these args changes data; 'bulk' previews first */
  changes?(args: A): ChangeKind;
  /** the audit target of a change, e.g. the uuid or "queue=prestashop class=SyncProduct" */
  auditTarget?(args: A): string;
  /** for 'bulk' changes: what would happen, with a confirm button */
  preview?(ctx: CommandContext, args: A): Promise<Reply>;
  run(ctx: CommandContext, args: A): Promise<Reply>;
  actions?: Record<string, ActionHandler<A>>;
}

export function defineCommand<A>(module: CommandModule<A>): CommandModule<A> {
  return module;
}
