// The one path every message takes: words or a button press → the right command, checked
// (channel, arguments, permission, confirmation), run, audited, answered with a Reply.
import type { Config } from '../config/config.ts';
import { DatabaseUnavailableError, MissingTableError } from '../db/database.ts';
import type { MessageKey } from '../i18n/en.ts';
import { matchLocale, translator, type Translator } from '../i18n/i18n.ts';
import type { Logger } from '../log.ts';
import { NoBatchesTableError, RedisUnavailableError, type QueueService } from '../queue/queue-service.ts';
import type { AuditLog, AuditOutcome } from '../audit/audit-log.ts';
import type { MessageRef } from '../chat/poster.ts';
import { allButtons, errorReply, reply, type Button, type Reply } from '../reply/model.ts';
import { MAX_ACTION_LENGTH, type Action, type ActionCodec } from './action-id.ts';
import type { ButtonStore } from './button-store.ts';
import { nearest, parseTokens, stripCommandPrefix, tokenize, type ArgProblem } from './args.ts';
import type { ButtonFactory, CommandContext, CommandModule, Identity } from './command.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { channelAllowed, isOperator } from './permissions.ts';

export interface RouterDeps {
  queue: QueueService;
  audit: AuditLog;
  config: Config;
  codec: ActionCodec;
  commands: readonly CommandModule[];
  logger: Logger;
  /** where arguments too long for a button id are kept; without it such buttons are left out */
  buttons?: ButtonStore;
  /** the queue history, for the commands that draw it */
  history?: HistoryStore;
}

/** The verb the router itself owns: the "no" of a confirmation or a preview. */
const DISMISS_VERB = 'no';
/**
 * The second step of a confirmation is the same action with the confirmer's tag in place of the
 * "-" of its header: this many characters longer. A button that needs a confirmation must leave
 * room for it, or its "yes" could not be made.
 */
const CONFIRMATION_GROWTH = 7;

export interface ActionOptions {
  /** the platform already showed the confirmation (Slack's confirm dialog) */
  confirmedByPlatform?: boolean;
  /**
   * The channel message whose button was pressed (for a confirmation's second step, the one that
   * carried the first button), as both platforms deliver it with the press: an alert message's
   * thread tells what was done from its buttons.
   */
  pressedOn?: MessageRef;
}

/** A change that was made (audited, ok), told to whoever listens (an alert's timeline). */
export interface ChangeMade {
  command: string;
  who: Identity;
  /** what the command answered: its words and its `data` (the --json output) */
  result: Reply;
  /** as audited: done, partial, nothing (it was so already), uncertain */
  outcome: AuditOutcome;
  pressedOn: MessageRef | null;
}

/** One handled message or click: which command (or "unknown"), where from, and how long it took. */
export interface CommandTiming {
  command: string;
  platform: string;
  ok: boolean;
  seconds: number;
}

export class Router {
  readonly #listeners: Array<(timing: CommandTiming) => void> = [];
  readonly #changeListeners: Array<(change: ChangeMade) => Promise<void>> = [];
  readonly #byName = new Map<string, CommandModule>();
  readonly #byVerb = new Map<string, CommandModule>();

  constructor(private readonly deps: RouterDeps) {
    for (const command of deps.commands) {
      for (const name of [command.name, ...(command.aliases ?? [])]) this.#byName.set(name, command);
      for (const verb of Object.keys(command.actions ?? {})) this.#byVerb.set(verb, command);
    }
  }

  get commands(): readonly CommandModule[] {
    return this.deps.commands;
  }

  translatorFor(who: Identity): Translator {
    return translator(matchLocale(who.locale) ?? this.deps.config.locale);
  }

  /** Words typed by a person: "/queue retry 7c50c779-…", "failed prestashop --page 2". */
  async handleText(text: string, who: Identity, opts: { confirmed?: boolean } = {}): Promise<Reply> {
    const t = this.translatorFor(who);
    const timing = this.#timing(who);
    return timing.done(
      await this.#withKeptButtons(t, who, async () => {
        if (!channelAllowed(who, this.deps.config.access)) {
          return errorReply(t('error.title'), t('error.channel_not_allowed', { channel: who.channelId }), { kind: 'refusal' });
        }
        const tokens = stripCommandPrefix(tokenize(text));
        const word = (tokens[0] ?? 'help').toLowerCase();
        const command = this.#byName.get(word);
        if (!command) return this.unknownCommand(t, word);
        timing.command = command.name;
        const parsed = this.parseArgs(command, tokens.slice(1), t);
        if ('error' in parsed) return parsed.error;
        return this.execute(command, parsed.args, who, t, { confirmed: opts.confirmed ?? false });
      }),
    );
  }

  /** A button press. Slack has already shown its confirm dialog; elsewhere we ask first. */
  async handleAction(actionId: string, who: Identity, opts: ActionOptions = {}): Promise<Reply> {
    const t = this.translatorFor(who);
    const timing = this.#timing(who);
    return timing.done(
      await this.#withKeptButtons(t, who, async () => {
        if (!channelAllowed(who, this.deps.config.access)) {
          return errorReply(t('error.title'), t('error.channel_not_allowed', { channel: who.channelId }), { kind: 'refusal' });
        }
        const decoded = this.deps.codec.decode(actionId);
        if (!decoded.ok) {
          await this.refuseButton(actionId, who, decoded.reason);
          return errorReply(t('action.rejected_title'), t(`action.${decoded.reason}` as MessageKey), { kind: 'refusal' });
        }
        let action = decoded.action;
        if (decoded.reference) {
          // the arguments were too long for the id: kept under its (signed) reference
          const args = await this.deps.buttons?.load(decoded.reference, action.verb);
          if (!args) {
            await this.refuseButton(actionId, who, 'forgotten');
            return errorReply(t('action.rejected_title'), t('action.forgotten'), { kind: 'refusal' });
          }
          action = { ...action, args };
        }
        let confirmed = opts.confirmedByPlatform ?? false;
        if (action.verb === DISMISS_VERB) return reply(t('confirm.dismissed'), { kind: 'dismissed', data: { outcome: 'dismissed' } });
        if (action.confirmedBy !== undefined) {
          // the "yes" of a two-step confirmation: only the person who was asked may give it
          if (action.confirmedBy !== this.deps.codec.userTag(who.platform, who.userId)) {
            const claimed = this.#byVerb.get(action.verb);
            const claimedArgs = claimed?.actions?.[action.verb]?.toArgs(action.args);
            await this.refuseButton(actionId, who, 'not_yours', claimed && claimedArgs ? { command: claimed, args: claimedArgs } : {});
            return errorReply(t('action.rejected_title'), t('action.not_yours'), { kind: 'refusal' });
          }
          confirmed = true;
        }
        const command = this.#byVerb.get(action.verb);
        const handler = command?.actions?.[action.verb];
        const args = handler?.toArgs(action.args);
        if (!command || !handler || args === null || args === undefined) {
          await this.refuseButton(actionId, who, 'unknown_action');
          return errorReply(t('action.rejected_title'), t('action.malformed'), { kind: 'refusal' });
        }
        timing.command = command.name;
        const changes = command.changes?.(args) ?? false;
        if (changes && !confirmed && !handler.unconfirmed) {
          // The permission check comes before the question: no point asking a non-operator.
          if (!isOperator(who, this.deps.config.access)) return this.refuse(command, args, who, t);
          return this.askToConfirm(command, args, action, who, t);
        }
        return this.execute(command, args, who, t, { confirmed: true, pressedOn: opts.pressedOn ?? null });
      }),
    );
  }

  /** Called after every message and click with how long it took (the /metrics histogram). */
  onCommand(listener: (timing: CommandTiming) => void): void {
    this.#listeners.push(listener);
  }

  /**
   * Called after every change that was made, before its answer goes out. A listener's failure is
   * logged, never the answer's: the change was made.
   */
  onChange(listener: (change: ChangeMade) => Promise<void>): void {
    this.#changeListeners.push(listener);
  }

  /** Times one message or click; `command` stays "unknown" until a command module is found. */
  #timing(who: Identity): { command: string; done(result: Reply): Reply } {
    const started = performance.now();
    const listeners = this.#listeners;
    return {
      command: 'unknown',
      done(result: Reply): Reply {
        const timing: CommandTiming = { command: this.command, platform: who.platform, ok: result.ok, seconds: (performance.now() - started) / 1000 };
        for (const listener of listeners) listener(timing);
        return result;
      },
    };
  }

  private parseArgs(command: CommandModule, tokens: string[], t: Translator): { args: unknown } | { error: Reply } {
    const { values, problems } = parseTokens(tokens, {
      positional: command.positional,
      options: command.options ?? [],
      flags: command.flags ?? [],
    });
    const usage = command.usage.map((u) => `/queue ${u}`).join('\n');
    if (problems.length) {
      return {
        error: errorReply(t('error.bad_arguments', { command: command.name }), describeProblem(problems[0]!, t, command), {
          usageError: true,
          fields: [{ label: t('help.usage'), value: usage }],
        }),
      };
    }
    const result = command.schema.safeParse(values);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      const arg = String(issue.path[0] ?? '');
      const value = arg ? values[arg] : undefined;
      const text =
        issue.message.includes('.') && !issue.message.includes(' ')
          ? t(issue.message as MessageKey, { arg: kebab(arg), value: typeof value === 'string' ? value : '' })
          : t('args.invalid', { arg: kebab(arg), problem: issue.message });
      return {
        error: errorReply(t('error.bad_arguments', { command: command.name }), text, { usageError: true, fields: [{ label: t('help.usage'), value: usage }] }),
      };
    }
    return { args: result.data };
  }

  private unknownCommand(t: Translator, word: string): Reply {
    const names = [...this.#byName.keys()];
    const suggestion = nearest(word, names);
    return errorReply(
      t('error.unknown_command_title'),
      suggestion ? t('error.unknown_command_suggest', { word, suggestion }) : t('error.unknown_command', { word }),
      {
        usageError: true,
        fields: [{ label: t('help.commands'), value: this.deps.commands.map((c) => c.name).join(', ') }],
      },
    );
  }

  private context(who: Identity, t: Translator, confirmed: boolean): CommandContext {
    return {
      queue: this.deps.queue,
      audit: this.deps.audit,
      config: this.deps.config,
      ...(this.deps.history ? { history: this.deps.history } : {}),
      t,
      who,
      buttons: this.buttonFactory({ references: who.platform !== 'cli' }),
      commands: this.deps.commands,
      confirmed,
      isOperator: isOperator(who, this.deps.config.access),
    };
  }

  /**
   * Makes buttons. An action that fits stays in its id; a longer one (or one whose confirmation
   * would not fit) is kept in the button store under a reference, saved a moment later. Before a
   * reply with such buttons leaves, `keepButtons` makes sure they were saved — the router does it
   * for every reply it returns; anything else that posts buttons (the alerts) should call it too.
   * `references: false` (the CLI, whose answers nobody can press): long buttons are left out
   * rather than written to the table.
   */
  buttonFactory(opts: { references?: boolean } = {}): ButtonFactory {
    const codec = this.deps.codec;
    const store = opts.references === false ? undefined : this.deps.buttons;
    return {
      button(label, action, opts = {}): Button | null {
        const inline = codec.encode(action);
        const fits = inline !== null && (!opts.confirm || inline.length + CONFIRMATION_GROWTH <= MAX_ACTION_LENGTH);
        let id = fits ? inline : null;
        if (!id && store) {
          const ref = codec.newReference();
          store.issue(ref, action.verb, action.args, codec.expiresAt(action));
          id = codec.encodeReference(action, ref);
        }
        if (!id) return null;
        return { label, action: id, ...(opts.style ? { style: opts.style } : {}), ...(opts.confirm ? { confirm: opts.confirm } : {}) };
      },
    };
  }

  /**
   * The reply as it may leave: buttons whose arguments could not be kept (the database went away)
   * are taken out, with a notice saying so, since pressing them could only fail.
   */
  async keepButtons(result: Reply, t: Translator = translator(this.deps.config.locale)): Promise<Reply> {
    const store = this.deps.buttons;
    const refs = new Map<Button, string>();
    for (const b of allButtons(result)) {
      const ref = this.deps.codec.referenceIn(b.action);
      if (ref) refs.set(b, ref);
    }
    if (!store || !refs.size) return result;
    const kept = await store.kept(refs.values());
    const lost = (b: Button) => refs.has(b) && !kept.has(refs.get(b)!);
    if (![...refs.keys()].some(lost)) return result;
    return {
      ...result,
      rows: result.rows.map((row) => ({ ...row, buttons: row.buttons.filter((b) => !lost(b)) })),
      buttons: result.buttons.filter((b) => !lost(b)),
      ...(result.paging
        ? {
            paging: {
              page: result.paging.page,
              pages: result.paging.pages,
              ...(result.paging.prev && !lost(result.paging.prev) ? { prev: result.paging.prev } : {}),
              ...(result.paging.next && !lost(result.paging.next) ? { next: result.paging.next } : {}),
            },
          }
        : {}),
      notices: [...result.notices, { tone: 'warn', text: t('buttons.not_kept') }],
    };
  }

  /** `safely`, then the reply's long buttons kept before it leaves. */
  async #withKeptButtons(t: Translator, who: Identity, fn: () => Promise<Reply>): Promise<Reply> {
    const result = await this.safely(t, who, fn);
    return this.keepButtons(result, t);
  }

  private async execute(
    command: CommandModule,
    typed: unknown,
    who: Identity,
    t: Translator,
    opts: { confirmed: boolean; pressedOn?: MessageRef | null },
  ): Promise<Reply> {
    const ctx = this.context(who, t, opts.confirmed);
    const resolved = command.resolve ? await command.resolve(ctx, typed) : { args: typed };
    if ('reply' in resolved) return resolved.reply;
    const args = resolved.args;
    const changes = command.changes?.(args) ?? false;
    if (!changes) return command.run(ctx, args);
    if (!ctx.isOperator) return this.refuse(command, args, who, t);
    if (changes === 'bulk' && !opts.confirmed) {
      if (!command.preview) throw new Error(`command ${command.name} changes data in bulk but has no preview`);
      return command.preview(ctx, args);
    }
    const target = command.auditTarget?.(args) ?? '';
    // the intent first: a crash, an outage or a stop in the middle leaves a row that says so
    const intent = await this.deps.audit.begin({
      platform: who.platform,
      userId: who.userId,
      userName: who.userName,
      channel: who.channelId,
      action: command.name,
      target,
    });
    try {
      const result = await command.run(ctx, args);
      const outcome = outcomeOf(result);
      await this.deps.audit.finish(intent, outcome, JSON.stringify(result.data ?? null));
      if (result.ok) await this.#told({ command: command.name, who, result, outcome, pressedOn: opts.pressedOn ?? null });
      // a change that was made is announced; one that could not be made answers only the asker
      return result.ok ? { ...result, kind: 'change', visibility: 'channel' } : { ...result, visibility: 'ephemeral' };
    } catch (error) {
      await this.deps.audit.finish(intent, 'failed', (error as Error).message);
      throw error;
    }
  }

  async #told(change: ChangeMade): Promise<void> {
    for (const listener of this.#changeListeners) {
      try {
        await listener(change);
      } catch (err) {
        this.deps.logger.warn({ err, command: change.command }, 'a change was made, but telling its listener (the alert timeline) failed');
      }
    }
  }

  /**
   * A button press refused before its command ran (forged, edited, expired, unreadable, someone
   * else's confirmation): audited as refused and logged — the id itself only as far as it can be
   * read, never the signature.
   */
  private async refuseButton(actionId: string, who: Identity, reason: ButtonRefusal, claimed: { command?: CommandModule; args?: unknown } = {}): Promise<void> {
    const verb = claimedVerb(actionId);
    const action = claimed.command?.name ?? 'button';
    const target = claimed.command && claimed.args !== undefined ? (claimed.command.auditTarget?.(claimed.args) ?? '') : verb ? `button ${verb}` : 'button';
    if (reason === 'signature' || reason === 'malformed' || reason === 'version') {
      this.deps.logger.warn(
        { who: { platform: who.platform, userId: who.userId, channel: who.channelId }, reason, verb },
        `a button press was refused: ${BUTTON_REFUSALS[reason]}`,
      );
    }
    await this.audit(who, action, target, 'refused', BUTTON_REFUSALS[reason]);
  }

  private async refuse(command: CommandModule, args: unknown, who: Identity, t: Translator): Promise<Reply> {
    await this.audit(who, command.name, command.auditTarget?.(args) ?? '', 'refused', 'not an operator');
    return errorReply(t('permission.title'), t('permission.not_operator', { id: `${who.platform}:${who.userId}` }), {
      kind: 'refusal',
      data: { outcome: 'refused', reason: 'not_operator', user: `${who.platform}:${who.userId}` },
    });
  }

  private async askToConfirm(command: CommandModule, args: unknown, action: Action, who: Identity, t: Translator): Promise<Reply> {
    const ctx = this.context(who, t, false);
    const question = (await command.actions?.[action.verb]?.confirm?.(ctx, args)) ?? {
      title: t('confirm.title'),
      text: t('confirm.generic', { command: command.name }),
      confirm: t('confirm.yes'),
      deny: t('confirm.no'),
    };
    const tag = this.deps.codec.userTag(who.platform, who.userId);
    const factory = this.buttonFactory({ references: who.platform !== 'cli' });
    const yes = factory.button(question.confirm, { ...action, confirmedBy: tag }, { style: 'danger' });
    const no = factory.button(question.deny, { verb: DISMISS_VERB, args: [] });
    return reply(question.title, {
      kind: 'question',
      summary: question.text,
      notices: [{ tone: 'info', text: t('confirm.expires', { minutes: Math.round(this.deps.codec.confirmTtlSec / 60) }) }],
      buttons: [yes, no].filter((b): b is Button => b !== null),
      data: { outcome: 'confirm', question: question.text },
    });
  }

  private async audit(who: Identity, action: string, target: string, outcome: AuditOutcome, detail: string): Promise<void> {
    await this.deps.audit.record({
      platform: who.platform,
      userId: who.userId,
      userName: who.userName,
      channel: who.channelId,
      action,
      target,
      outcome,
      detail,
    });
  }

  /**
   * A database that cannot be used. On a terminal (shell, CLI) the person holds the settings:
   * the cause and its fix. In chat, a short sentence without the database's user, host or name —
   * those go to the log.
   */
  private databaseProblem(error: DatabaseUnavailableError, t: Translator, who: Identity): Reply {
    const details = error.details;
    const terminal = who.platform === 'shell' || who.platform === 'cli';
    const cause = details?.cause ?? (error.kind === 'refused' ? 'refused' : 'lost');
    const logged = { database: details?.place.display, cause, code: error.code, detail: details?.detail ?? error.message };
    const data = { outcome: 'database_unavailable', kind: error.kind, cause };
    if (!terminal) {
      this.deps.logger.warn({ ...logged, who: { platform: who.platform, userId: who.userId } }, `database problem: ${error.message}`);
      return errorReply(t('error.database_title'), t(error.kind === 'refused' ? 'error.db.chat_refused' : 'error.db.chat_unreachable'), { data });
    }
    this.deps.logger.debug(logged, `database problem: ${error.message}`);
    if (!details) return errorReply(t('error.database_title'), t('error.database_down', { detail: error.message }), { data });
    const place = details.place;
    return errorReply(
      t('error.database_title'),
      t(`error.db.${cause}` as MessageKey, { server: place.server, host: place.host, user: place.user, database: place.database, detail: details.detail }),
      { data },
    );
  }

  /** No event may crash the bot: every failure becomes a reply that says what went wrong. */
  private async safely(t: Translator, who: Identity, fn: () => Promise<Reply>): Promise<Reply> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) return this.databaseProblem(error, t, who);
      if (error instanceof RedisUnavailableError) {
        const terminal = who.platform === 'shell' || who.platform === 'cli';
        this.deps.logger.warn({ redis: error.display, detail: error.detail }, `redis problem: ${error.message}`);
        const text = terminal ? t('error.redis.terminal', { server: error.display, detail: error.detail }) : t('error.redis.chat');
        return errorReply(t('error.redis_title'), text, { data: { outcome: 'redis_unavailable' } });
      }
      if (error instanceof NoBatchesTableError) {
        // not a fault: the app simply does not use batches
        return reply(t('batches.title'), {
          summary: t('batches.no_table', { table: error.table }),
          ok: false,
          data: { outcome: 'no_batches_table', table: error.table },
        });
      }
      if (error instanceof MissingTableError) {
        return errorReply(t('error.database_title'), error.message);
      }
      this.deps.logger.error({ err: error, who: { platform: who.platform, userId: who.userId } }, 'command failed');
      return errorReply(t('error.title'), t('error.internal', { detail: (error as Error).message ?? String(error) }));
    }
  }
}

/** Outcomes where the change found nothing to do: the job was gone, held, not delayed… */
const NOTHING_OUTCOMES = new Set([
  'not_found',
  'reserved',
  'not_reserved',
  'reservation_changed',
  'too_recent',
  'not_delayed',
  'already_cancelled',
  'already_finished',
  'nothing_failed',
  'nothing_to_do',
  'invalid_payload',
  'other_connection',
  'no_batches_table',
]);

function outcomeOf(r: Reply): AuditOutcome {
  const data = r.data as { outcome?: string; interrupted?: unknown } | null;
  const outcome = data?.outcome;
  // the database could not confirm the change / a bulk change was cut short (what it did is in the detail)
  if (outcome === 'uncertain') return 'uncertain';
  if (data?.interrupted) return 'partial';
  if (outcome && NOTHING_OUTCOMES.has(outcome)) return 'nothing';
  return r.ok ? 'done' : 'failed';
}

type ButtonRefusal = 'malformed' | 'version' | 'signature' | 'expired' | 'forgotten' | 'not_yours' | 'unknown_action';

/** Why a button press was refused, as the audit row and the log say it. */
const BUTTON_REFUSALS: Record<ButtonRefusal, string> = {
  signature: 'forged or edited button: its signature does not match',
  expired: 'expired button: older than QUEUE_BOT_ACTION_TTL allows (or the confirmation’s 2 minutes)',
  forgotten: 'button whose kept arguments are gone (pruned, or never saved)',
  malformed: 'unreadable button id',
  version: 'button of another version of the bot',
  not_yours: 'confirmation pressed by someone other than the person who asked',
  unknown_action: 'button with an unknown action or arguments',
};

/** The verb an action id claims, when it looks like one (the id may be forged: nothing else is taken from it). */
function claimedVerb(actionId: string): string | null {
  const verb = typeof actionId === 'string' ? actionId.split(':')[3] : undefined;
  return verb && /^[a-z][\w-]{0,31}$/i.test(verb) ? verb : null;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The placeholder the usage line shows for a positional argument: <uuid>, <id|uuid>… */
function placeholderFor(command: CommandModule, argName: string): string {
  const index = command.positional.findIndex((p) => p.replace(/[?#]$/, '') === argName);
  const placeholders = (command.usage[0] ?? '')
    .split(/\s+/)
    .slice(1)
    .filter((w) => /^[<[]/.test(w));
  return placeholders[index]?.replace(/^[<[]|[>\]]$/g, '') ?? kebab(argName);
}

function describeProblem(p: ArgProblem, t: Translator, command: CommandModule): string {
  switch (p.code) {
    case 'args.unknown_option':
      return t('args.unknown_option', { option: `--${p.option}` });
    case 'args.missing_value':
      return t('args.missing_value', { option: `--${p.option}` });
    case 'args.too_many':
      return t('args.too_many', { extra: p.extra });
    case 'args.missing':
      return t('args.missing', { arg: placeholderFor(command, p.arg) });
  }
}
