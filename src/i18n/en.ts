// English: the reference catalogue. Every other language must have every key (pl.ts is typed
// against this one). Plain strings take {name} placeholders; functions choose plural forms.
import type { Message } from './types.ts';

const jobs = (n: unknown, tools: { plural: (n: number, f: { one: string; other: string }) => string }) =>
  tools.plural(Number(n), { one: '# job', other: '# jobs' });
const failedJobs = (n: unknown, tools: { plural: (n: number, f: { one: string; other: string }) => string }) =>
  tools.plural(Number(n), { one: '# failed job', other: '# failed jobs' });

export const en = {
  // ages
  'age.seconds': '{n}s',
  'age.minutes': '{n}m',
  'age.hours': '{h}h',
  'age.hours_minutes': '{h}h {m}m',
  'age.days': '{d}d',
  'age.days_hours': '{d}d {h}h',

  // generic errors
  'error.title': 'Something went wrong',
  'error.internal': 'The command failed: {detail}. Nothing was changed by this request.',
  'error.database_title': 'Database problem',
  'error.redis_title': 'Redis problem',
  'error.redis.chat':
    "The bot cannot reach the app's Redis right now, so nothing was read or changed there. Try again in a moment; if it lasts, an admin can check Redis and the bot's log.",
  'error.redis.terminal':
    'Redis at {server} did not answer: {detail}. Nothing was changed there. Check that Redis is running and that REDIS_URL (host, port, password, database number) is right.',
  'error.database_down': '{detail}. Nothing was changed; try again when the database is back.',
  // a database that cannot be used: in chat, short and without the database's user, host or name
  // (those go to the log); on a terminal (shell, CLI), the cause and the fix
  'error.db.chat_unreachable': 'The database cannot be reached right now. Nothing was changed; try again in a moment. The details are in the bot’s log.',
  'error.db.chat_refused':
    'The database refused the bot. Nothing was changed; an admin needs to fix the bot’s database settings (the details are in the bot’s log).',
  'error.db.credentials':
    'The database server {server} refused user "{user}": the password or the user name is wrong. Fix DB_USERNAME / DB_PASSWORD in the app’s .env (or the user and password in DATABASE_URL). Nothing was changed.',
  'error.db.unknown_database':
    'The database server {server} has no database "{database}". Fix DB_DATABASE in the app’s .env (or the database name in DATABASE_URL), or create the database and run the app’s migrations. Nothing was changed.',
  'error.db.missing_file':
    'The SQLite file {server} does not exist. Fix DB_DATABASE in the app’s .env (a relative path is read from the project folder) or the path in DATABASE_URL. Nothing was changed.',
  'error.db.connection_refused':
    'Nothing accepts connections at {server} (connection refused). Start the database server, or fix DB_HOST / DB_PORT in the app’s .env (or the host and port in DATABASE_URL). Nothing was changed.',
  'error.db.timeout':
    'The database server {server} does not answer (timed out). Check DB_HOST / DB_PORT (or DATABASE_URL), and that no firewall stands between this machine and the server. Nothing was changed.',
  'error.db.dns':
    'The host name "{host}" cannot be resolved (DNS: {detail}). Fix DB_HOST in the app’s .env (or the host in DATABASE_URL), or this machine’s DNS. Nothing was changed.',
  'error.db.tls':
    'The database server {server} and the bot could not agree on TLS ({detail}). Set sslmode to what the server offers (?sslmode=require or ?sslmode=disable in DATABASE_URL, DB_SSLMODE in the app’s .env), or trust its certificate. Nothing was changed.',
  'error.db.rights': 'User "{user}" lacks a right it needs on {server} ({detail}). `/queue doctor` lists the GRANT to give. Nothing was changed.',
  'error.db.readonly':
    'The SQLite file {server} cannot be opened for writing by this process ({detail}). Give the bot’s user write access to the file and its folder. Nothing was changed.',
  'error.db.lost': 'The database {server} is not available right now ({detail}). Nothing was changed; try again when it is back.',
  'error.db.refused': 'The database {server} refused the bot ({detail}). Nothing was changed.',
  'error.unknown_command_title': 'Unknown command',
  'error.unknown_command': '"{word}" is not a command. Type `/queue help` to see them all.',
  'error.unknown_command_suggest': '"{word}" is not a command. Did you mean `/queue {suggestion}`?',
  'error.bad_arguments': 'Cannot run `{command}`',
  'error.channel_not_allowed': 'This bot does not answer in this channel ({channel}). Ask an admin to add it to QUEUE_BOT_CHANNELS.',

  // argument problems
  'args.unknown_option': '{option} is not an option of this command.',
  'args.missing_value': '{option} needs a value.',
  'args.too_many': 'Unexpected extra words: "{extra}".',
  'args.missing': '<{arg}> is missing.',
  'args.invalid': '{arg}: {problem}',
  'args.bad_queue': '"{value}" is not a queue name.',
  'args.bad_class': '"{value}" is not a job class name (e.g. SyncProduct or App\\Jobs\\SyncProduct).',
  'args.bad_uuid': '"{value}" is not a failed job uuid (like 7c50c779-8575-4468-ad3d-54742ad8db49) nor its start (8 characters or more, like 7c50c779).',
  'args.bad_id': '"{value}" is not a job id (a number like 812, or a Redis job\'s id or uuid).',
  'args.bad_last': '--last takes 6h, 24h or 7d, not "{value}".',
  'args.bad_connection': '"{value}" is not a queue connection name (like database or redis).',
  'args.bad_target': '"{value}" is neither a job id (a number, or a Redis job\'s id) nor a uuid or its start (8 characters or more).',
  'args.bad_page': '--page must be a number from 1.',
  'args.bad_duration': '"{value}" is not a duration; write it as 90s, 30m, 24h or 7d.',
  'args.duration_zero': '"{value}" is no time at all; give a duration longer than 0, like 1h.',
  'args.duration_too_long': '"{value}" is longer than a hundred years; give a shorter duration, like 30d.',
  'args.id_too_large': '"{value}" is larger than any job id the bot can look up (9007199254740991 at most).',
  'args.bad_number': '"{value}" is not a number.',
  'args.bad_limit': '--limit must be a number from 1 to 100.',
  'args.bad_batch': '"{value}" is not a batch id.',
  'args.too_long': '{arg} is too long.',
  'args.batch_id_missing': 'Which batch? Give its id: `/queue batch retry <id>`.',
  'args.batch_sub': 'Use `batch <id>`, `batch retry <id>` or `batch cancel <id>`.',
  'args.retry_filters_need_all': '--queue and --class go with `retry all`; `retry <uuid>` retries exactly one job.',

  // ids typed as lists show them: the start of a uuid or a batch id
  'prefix.no_failed': 'No failed job starts with {prefix}: check the characters — or it was already retried or deleted.',
  'prefix.several_failed_title': 'Several failed jobs start with {prefix}',
  'prefix.several_failed': 'Give more of the uuid to pick one:',
  'prefix.several_failed_unchanged': 'Nothing was changed. Give more of the uuid to pick one:',
  'prefix.no_batch': 'No batch id starts with {prefix}.',
  'prefix.several_batches_title': 'Several batches start with {prefix}',
  'prefix.several_batches': 'Give more of the batch id to pick one:',
  'prefix.several_batches_unchanged': 'Nothing was changed. Give more of the batch id to pick one:',
  'prefix.more': 'More start so; only the first {n} are listed.',

  // permissions and actions
  'permission.title': 'Not allowed',
  'permission.not_operator': 'Only operators can change jobs. Nothing was changed. Your id is `{id}`: an admin can add it to QUEUE_BOT_OPERATORS.',
  'action.rejected_title': 'This button no longer works',
  'action.malformed': 'The button’s action could not be read. Run the command again.',
  'action.version': 'This button comes from another version of the bot. Run the command again.',
  'action.signature': 'This button was not made by this bot (or was altered). Nothing was changed.',
  'action.expired': 'This button has expired: the message is too old to trust. Run the command again for fresh data.',
  'action.not_yours': 'Only the person who asked can confirm this. Nothing was changed.',
  'action.forgotten': 'What this button does is no longer kept by the bot. Nothing was changed; run the command again.',
  'buttons.not_kept': 'Some buttons are missing: the database could not keep what they do. Ask again in a moment.',

  // confirmations
  'confirm.title': 'Are you sure?',
  'confirm.generic': 'Run `{command}`?',
  'confirm.yes': 'Yes, do it',
  'confirm.no': 'No, leave it',
  'confirm.dismissed': 'Not done: nothing was changed.',
  'confirm.expires': 'This confirmation expires in {minutes} min.',
  'confirm.retry.title': 'Retry failed job?',
  // confirm texts lead with what will happen: a dialog with a long class name cuts the end, not the warning
  'confirm.retry.text': 'Runs it again: back onto queue `{queue}` with its attempts reset.\n{job} · uuid {uuid}',
  'confirm.forget.title': 'Delete failed job?',
  'confirm.forget.text': 'Deletes it for good — it cannot be retried afterwards.\n{job} · uuid {uuid} · queue `{queue}`',
  'confirm.cancel.title': 'Cancel job?',
  'confirm.cancel.text': 'Deletes it before a worker takes it — it will not run.\nJob #{id} {job} · queue `{queue}`',
  'confirm.release.title': 'Release stuck job?',
  'confirm.release.text':
    'Makes it available again — if the worker holding it is still running, the job will run twice. Only do this if that worker is gone.\nJob #{id} {job} on `{queue}`, held for {age}',
  'confirm.promote.title': 'Run delayed job now?',
  'confirm.promote.text': 'Makes it available to workers now instead of later.\nJob #{id} {job} · queue `{queue}`',
  'confirm.retry_all.title': 'Retry failed jobs?',
  'confirm.flush.title': 'Delete failed jobs?',
  'confirm.clear.title': 'Clear queue?',
  'confirm.batch_retry.title': 'Retry the batch’s failed jobs?',
  'confirm.batch_cancel.title': 'Cancel batch?',

  // buttons
  'button.retry': 'Retry',
  'button.retry_n': (p, tools) => tools.plural(Number(p.n), { one: 'Retry # job', other: 'Retry # jobs' }),
  'button.retry_failed_n': (p, tools) => tools.plural(Number(p.n), { one: 'Retry # failed job', other: 'Retry # failed jobs' }),
  'button.forget': 'Delete',
  'button.delete_n': (p, tools) => tools.plural(Number(p.n), { one: 'Delete # job', other: 'Delete # jobs' }),
  'button.cancel_job': 'Cancel job',
  'button.cancel_batch': 'Cancel batch',
  'button.release': 'Release',
  'button.promote': 'Run now',
  'button.details': 'Details',
  'button.previous': '‹ Previous',
  'button.next': 'Next ›',
  'button.refresh': 'Refresh',
  'button.show_stuck': 'Show stuck',
  'button.show_failed': 'Show failed',
  'button.share': 'Share in channel',

  // states
  'state.ready': 'waiting (ready to run)',
  'state.delayed': 'delayed',
  'state.processing': 'processing',
  'state.stuck': 'stuck',

  // stats
  'stats.title': 'Queue stats',
  'stats.title_queue': 'Queue `{queue}`',
  'stats.summary': (p, tools) =>
    `${tools.number(Number(p.ready))} ready · ${tools.number(Number(p.delayed))} delayed · ${tools.number(Number(p.processing))} processing` +
    (Number(p.stuck) ? ` (${tools.number(Number(p.stuck))} stuck)` : '') +
    ` · ${tools.number(Number(p.failed))} failed`,
  'stats.queue_empty': 'Queue `{queue}` has no jobs and no failed jobs.',
  'stats.ready': 'ready {n}',
  'stats.delayed': 'delayed {n}',
  'stats.processing': 'processing {n}',
  'stats.stuck': 'stuck {n}',
  'stats.failed': 'failed {n}',
  'stats.oldest_waiting': 'oldest waiting {age}',
  /** the queue's backlog over the last hour, as a sparkline ▁▂▃▅▇ */
  'stats.trend': 'last hour {spark}',
  /** chart: the recorded history as a PNG (commands/chart.ts) */
  'chart.title': 'Queue history: {what}, last {last}',
  'chart.of_queue': '`{queue}`',
  'chart.of_all': 'all queues',
  'chart.off': 'The queue history is off (QUEUE_BOT_HISTORY_INTERVAL=off), so there is nothing to chart.',
  'chart.no_history': 'No history recorded yet: the running bot records a point every {every}. Try again in a few minutes.',
  'chart.summary_backlog': 'backlog {from} → {to} (peak {peak})',
  'chart.summary_failures': '{n} failed',
  'chart.summary_done': '≈{n} done (derived)',
  'chart.summary_done_all_only': 'jobs done are derived for all queues together: see `chart`',
  'chart.ready': 'ready',
  'chart.delayed': 'delayed',
  'chart.reserved': 'reserved',
  'chart.stuck': 'stuck',
  'chart.failures': 'failures',
  'chart.done': 'done (derived)',
  'chart.backlog': 'jobs in the queue',
  'chart.per_interval': 'per {step}',
  'chart.no_data': 'no data recorded in this time',
  'chart.alt': 'Chart of {what} over the last {last}: jobs in the queue by state, failures and jobs done',
  'chart.written': 'Chart written to {path}',
  'chart.out_hint': 'Add --out chart.png to save the chart as a file.',
  'cli.out_missing': '--out needs a file name, e.g. --out chart.png',
  'watch.title_queue': 'Watching `{queue}`',
  'watch.title_all': 'Watching all queues',
  'watch.of_queue': '`{queue}`',
  'watch.of_all': 'all queues',
  'watch.ready': 'ready {n}',
  'watch.delayed': 'delayed {n}',
  'watch.reserved': 'reserved {n}',
  'watch.stuck': 'stuck {n}',
  'watch.failed': 'failed {n}',
  'watch.last_hour': 'last hour',
  'watch.updated': 'updated {at} · until {until}',
  'watch.updated_at': 'updated {at}',
  'watch.stop_problem_title': 'No board to stop',
  'watch.look_failed': 'The queues could not be read this time: {error}. The board tries again at its next update.',
  'watch.more_queues': (p, tools) =>
    tools.plural(Number(p.n), {
      one: '…and # more queue: name one to watch it (`watch <queue>`).',
      other: '…and # more queues: name one to watch it (`watch <queue>`).',
    }),
  'watch.queue_empty': '`{queue}` has no jobs and no failed jobs.',
  'watch.all_empty': 'No jobs and no failed jobs in any queue.',
  'watch.stopped_time': 'Stopped at {at} after {after} — /queue watch to start again',
  'watch.stopped_by': 'Stopped by {by} at {at} after {after} — /queue watch to start again',
  'watch.moved_title': 'Watch board moved',
  'watch.replaced': '{by} started a new board in this channel at {at}: it is below, and this one is no longer updated.',
  'watch.stop_button': 'Stop',
  'watch.chart_button': 'Chart',
  'watch.problem_title': 'No board watched',
  'watch.bad_for': '--for takes a duration from 1m to 24h, e.g. --for 2h (not "{value}").',
  'watch.too_long': 'A board runs at most {max}: --for {value} is longer. Start it again when it ends.',
  'watch.no_board': 'No board is running in this channel: `watch` starts one.',
  'watch.board_over': 'That board is no longer running (it ended, or a newer one replaced it).',
  'watch.no_board_here': 'Here `watch` draws the board in the terminal; stop it with Enter, q or Ctrl-C.',
  'watch.stopping_title': 'Board stopped',
  'watch.stopping': "The channel's board stops now and says so.",
  'watch.started_title': 'Board started',
  'watch.started': 'Watching {what} in this channel until {until}: the board is posted here and updated every {every}. Its Stop button ends it.',
  'watch.replacing': 'It replaces the board {by} started at {at} ({what}), which now says it moved.',
  'watch.needs_terminal': 'watch redraws the board in place on a terminal; this is not one, so here is the board once.',
  'watch.terminal_hint': 'Updated every {every} until {until}. Enter or q stops.',
  'watch.terminal_ended': 'Stopped at {at} after {after}.',
  'help.watch': "A board in this channel, kept current: each queue's counts and last hour, for --for (1h; max 24h).",
  'option.watch_for': 'How long: 30m, 2h… (1h by default, 24h at most)',
  'chart.upload_failed_title': 'The chart could not be uploaded',
  'chart.upload_failed':
    'Slack refused the file. Invite the bot to this channel (`/invite @queue-bot`) and make sure the app has the `files:write` scope, then ask again; the summary above has the numbers.',
  'stats.stalled': 'Queue `{queue}` is not moving: its oldest ready job has waited {age}. Is a worker running for it?',
  'stats.expired': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# reservation', other: '# reservations' })} on \`${p.queue}\` older than retry_after (${p.retryAfter}): any worker may pick ${Number(p.n) === 1 ? 'that job' : 'those jobs'} up again.`,
  'stats.expired_redis': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# reservation', other: '# reservations' })} on \`${p.queue}\` expired and ${Number(p.n) === 1 ? 'is' : 'are'} still there: only a worker polling the queue takes ${Number(p.n) === 1 ? 'it' : 'them'} back, so none is (\`php artisan queue:work ${p.connection} --queue=${p.name}\`).`,
  'stats.stuck_jobs': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# job has', other: '# jobs have' })} been held by a worker for more than ${p.age}: ${p.ids}.`,
  'stats.climbing': 'Job #{id} on `{queue}` was picked up again (attempt {attempts}): each worker that takes it dies. It is killing its workers.',
  'stats.estimated': (p, tools) =>
    `≈ Estimated: ${tools.number(Number(p.inspected))} of ${tools.number(Number(p.total))} jobs were read (the head of each queue, where workers take jobs, and the newest); totals per queue are exact.`,
  'stats.index_hint': 'For exact and fast counts on a big backlog, add the index `doctor` recommends.',
  'stats.failed_recent': 'failed {n}, last {age} ago',
  'stats.more_trouble': (p, tools) => tools.plural(Number(p.n), { one: '# more queue in trouble', other: '# more queues in trouble' }),
  'stats.healthy': (p, tools) => tools.plural(Number(p.n), { one: '# healthy queue', other: '# healthy queues' }),
  'stats.and_more': 'and {n} more',
  'stats.stalled_many': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# queue is', other: '# queues are' })} not moving — their oldest ready jobs have waited longer than they should: ${p.queues}. Is a worker running for them?`,
  'stats.expired_many': (p, tools) =>
    `Reservations older than retry_after (${p.retryAfter}) on ${tools.plural(Number(p.n), { one: '# queue', other: '# queues' })}: ${p.queues}. Any worker may pick those jobs up again.`,
  'stats.expired_redis_many': (p, tools) =>
    `Expired reservations are still there on ${tools.plural(Number(p.n), { one: '# Redis queue', other: '# Redis queues' })}: ${p.queues}. Only a worker polling a queue takes them back, so none is (\`php artisan queue:work <connection> --queue=<queue>\`).`,
  'stats.climbing_many': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# job was', other: '# jobs were' })} picked up again and again: ${p.jobs}. Each worker that takes them dies: they are killing their workers.`,
  'stats.climbing_job': '#{id} on `{queue}` (attempt {attempts})',
  'stats.more_batches': (p, tools) =>
    `…and ${tools.plural(Number(p.n), { one: '# more unfinished batch', other: '# more unfinished batches' })}: \`batches\` lists them all.`,

  // listings
  'list.pending.title': 'Waiting jobs',
  'list.pending.empty': 'No job is waiting.',
  'list.delayed.title': 'Delayed jobs',
  'list.delayed.empty': 'No job is delayed.',
  'list.processing.title': 'Jobs being processed',
  'list.processing.empty': 'No worker is holding a job.',
  'list.stuck.title': 'Stuck jobs',
  'list.stuck.empty': 'No job is stuck.',
  'list.failed.title': 'Failed jobs',
  'list.failed.empty': 'No failed jobs.',
  'list.filter_queue': 'queue `{queue}`',
  'list.filter_connection': 'connection {connection}',
  'list.unknown_connection_title': 'Unknown queue connection',
  'list.unknown_connection': 'The bot does not serve a queue connection named `{connection}`; it serves: {served} (QUEUE_BOT_CONNECTIONS).',
  'list.filter_class': 'class {class}',
  'list.filter_grep': 'exception contains "{grep}"',
  'list.summary': (p, tools) => `${jobs(p.total, tools)} · page ${p.page} of ${p.pages}`,
  'list.summary_unknown': 'Page {page}',
  'list.page_empty': 'Page {page} is empty.',
  'list.sampled': (p, tools) =>
    `Read from the first ${tools.plural(Number(p.n), { one: '# job', other: '# jobs' })} of each queue, where workers take their jobs.`,

  // job lines
  'job.queue': 'queue `{queue}`',
  'job.attempts': 'attempts {n}',
  'job.attempts_of': 'attempt {n} of {max}',
  'job.waiting': 'waiting {age}',
  'job.available_in': 'runs in {age}',
  'job.reserved_for': 'held by a worker for {age}',
  'job.reservation_expired': 'Its reservation is older than retry_after: any worker may take it again.',
  'job.encrypted': 'encrypted (ShouldBeEncrypted)',
  'job.problem': 'Payload problem: {problem}',
  'failed.other_connection': 'Failed on connection `{connection}`, which this bot does not serve: retry it with `php artisan queue:retry`.',
  'failed.ago': 'failed {age} ago ({at})',
  'failed.no_exception': '(no exception text)',

  // show
  'show.unknown_time': 'not recorded (a Redis job of Laravel 8–11 carries no time)',
  'show.job_title': 'Job #{id} {job}',
  'show.failed_title': 'Failed job {job}',
  'show.not_found_title': 'Not found',
  'show.job_not_found': 'There is no job #{id}: it has finished, failed or was deleted.',
  'show.failed_not_found': 'There is no failed job {uuid}: it was retried or deleted.',
  'show.state': 'State',
  'show.queue': 'Queue',
  'show.attempts': 'Attempts',
  'show.created': 'Created',
  'show.available_at': 'Runs at',
  'show.available_since': 'Available since',
  'show.reserved': 'Reserved',
  'show.reservation_expired': 'The reservation is older than retry_after ({retryAfter}): any worker may take this job again.',
  'show.uuid': 'UUID',
  'show.arguments': 'Arguments',
  'show.batch': 'Batch',
  'show.chained': 'Then runs',
  'show.delay': 'Delay',
  'show.encryption': 'Encryption',
  'show.decrypted': 'encrypted; opened with APP_KEY',
  'show.data': 'Data',
  'show.limits': 'Limits',
  'show.tries': 'tries {n}',
  'show.max_exceptions': 'max exceptions {n}',
  'show.timeout': 'timeout {age}',
  'show.backoff': 'backoff {backoff}s',
  'show.not_a_time': '{value} (not a time any calendar has)',
  'show.retry_until': 'Retry until',
  'show.payload': 'Payload',
  'show.failed_at': 'When',
  'show.exception': 'Exception',
  'show.thrown_at': 'Thrown at',
  'show.app_frame': 'First line in the app',
  'show.caused_by': 'Caused by',
  'show.trace': 'Exception trace',
  'show.ago': '{at} ({age} ago)',
  'show.in': '{at} (in {age})',

  // retry
  'retry.done_title': 'Retried',
  'retry.done': 'Failed job [{uuid}] has been pushed back onto queue `{queue}` as job #{id} ({job}).',
  'change.confirmed_after_loss': 'The connection to the database dropped as this was being saved; the bot asked again, and it is done.',
  'change.uncertain_title': 'Cannot tell yet',
  'change.uncertain':
    'The connection to the database dropped as this was being saved, and the database has not answered since: it may or may not have happened. Check with `{check}` when the database is back.',
  'retry.uncertain':
    'The connection to the database dropped as the retry of {uuid} was being saved, and the database has not answered since: it may or may not have happened. Check with `show {uuid}` when the database is back; retrying again is safe (it cannot run twice).',
  'retry.uncertain_gone':
    'The connection dropped as the retry of {uuid} was being saved. The failed job is no longer in failed_jobs, but no job with its uuid is waiting: a worker may already have run it, or someone deleted it.',
  'change.stopped': 'Cut short: the bot is restarting. What is counted here was done; run the same command again for the rest in a moment.',
  'change.interrupted': 'Cut short: the database connection was lost ({error}). What is counted here was done; run the same command again for the rest.',
  'change.interrupted_uncertain': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# more row was', other: '# more rows were' })} being saved when the connection dropped, and could not be checked since: either all of them were changed or none, never half.`,
  'retry.not_found_title': 'Nothing to retry',
  'retry.not_found': 'No failed job {uuid}: it was already retried or has been deleted.',
  'retry.invalid_title': 'Cannot retry',
  'retry.invalid': 'Failed job {uuid} was left where it is: {problem}.',
  'retry.retry_until_setting':
    'As `artisan queue:retry` does, its retryUntil was set anew: {window} from now (QUEUE_BOT_RETRY_WINDOW — the job’s own window is in its payload only from Laravel 12.11).',
  'retry.retry_until_payload': 'As `artisan queue:retry` does, its retryUntil was set anew from the job’s own window: {window} from now.',
  'retry.other_connection_title': 'Not retried here',
  'retry.other_connection':
    'Failed job {uuid} ({job}) failed on the queue connection `{connection}`, which this bot does not serve (QUEUE_BOT_CONNECTIONS): its workers would never see it in `jobs`. Retry it with `php artisan queue:retry {uuid}`.',
  'retry.other_connections': (p, tools) =>
    `${failedJobs(p.n, tools)} failed on the queue connection \`${String(p.connection)}\`, which this bot does not serve, and ${tools.plural(Number(p.n), { one: 'is', other: 'are' })} left where ${tools.plural(Number(p.n), { one: 'it is', other: 'they are' })} (retry with \`php artisan queue:retry\`).`,
  'retry.all_queues': 'all queues',
  'retry.preview': (p, tools) => `Retry ${failedJobs(p.n, tools)} (${p.where})?`,
  'retry.preview_hint':
    'They go back onto their own queues with attempts reset, oldest failure first. Failures that arrive after this preview are not included.',
  'retry.preview_none_title': 'Nothing to retry',
  'retry.preview_none': 'No failed jobs match ({where}).',
  'retry.bulk_title': 'Retried failed jobs ({where})',
  'retry.bulk_done': (p, tools) =>
    `${tools.plural(Number(p.retried), { one: '# failed job has', other: '# failed jobs have' })} been pushed back onto their queues` +
    (Number(p.skipped)
      ? `; ${tools.plural(Number(p.skipped), { one: '# was', other: '# were' })} left where ${Number(p.skipped) === 1 ? 'it was' : 'they were'}.`
      : '.'),
  'retry.bulk_gone': (p, tools) => `${tools.plural(Number(p.n), { one: '# was', other: '# were' })} already gone (retried or deleted since the preview).`,
  'retry.bulk_retry_until': (p, tools) => `${jobs(p.n, tools)} had a retryUntil, set anew as \`artisan queue:retry\` does.`,
  'retry.reason.invalid_json': 'its payload is not valid JSON, so a worker could not run it',
  'retry.reason.uneditable_payload': 'its payload could not be edited ({detail})',
  'retry.bulk_skipped_one': 'Not retried: {uuid} — {reason}.',
  'retry.bulk_skipped_more': (p, tools) => `…and ${tools.plural(Number(p.n), { one: '# more was', other: '# more were' })} not retried.`,

  // cancel, release, promote, forget
  'cancel.done_title': 'Cancelled',
  'cancel.done': 'Job #{id} ({job}) has been deleted from queue `{queue}`; it will not run.',
  'cancel.refused_title': 'Not cancelled',
  'cancel.reserved':
    'Job #{id} was picked up by a worker {age} ago (attempt {attempts}), so it was not deleted. If that worker is gone, release the job first.',
  'cancel.not_found': 'There is no job #{id}: it has already run, failed or been deleted.',
  'release.done_title': 'Released',
  'release.done': 'Job #{id} ({job}) is available again on queue `{queue}`; the next worker will take it.',
  'release.attempts': 'Its attempts went back from {before} to {after}: the interrupted attempt does not count against its tries.',
  'release.refused_title': 'Not released',
  'release.done_redis':
    'Job #{id} ({job}) on `{queue}` is due again: the next worker polling the queue takes it back. The attempt its worker began still counts, as when a reservation expires in Laravel.',
  'release.fails_unrun':
    'It has used all its tries ({attempts}): on Redis the interrupted attempt cannot be given back, so Laravel will mark it failed (attempted too many times) when a worker picks it up; then retry it from the failed list.',
  'release.already_due':
    'Job #{id} on `{queue}` is already due: its reservation expired {age} ago, and any worker polling `{queue}` takes it back — none has. Start one: `php artisan queue:work {connection} --queue={queue}`. Nothing was changed.',
  'release.not_found': 'There is no job #{id}: it has finished, failed or been deleted.',
  'release.not_reserved': 'Job #{id} is not held by a worker; there is nothing to release.',
  'release.changed': 'Job #{id} was picked up again {age} ago, by a different worker than the one you saw. Nothing was changed; look again before releasing.',
  'release.too_recent': 'Job #{id} has been held for only {age} (stuck means more than {threshold}); its worker may still be running it. Nothing was changed.',
  'promote.done_title': 'Promoted',
  'promote.done': 'Delayed job #{id} ({job}) is available now on queue `{queue}`.',
  'promote.refused_title': 'Not promoted',
  'promote.not_found': 'There is no job #{id}.',
  'promote.reserved': 'Job #{id} is already held by a worker.',
  'promote.not_delayed': 'Job #{id} is not delayed; it is already available.',
  'forget.done_title': 'Deleted',
  'forget.done': 'Failed job [{uuid}] ({job}, queue `{queue}`) has been deleted.',
  'forget.not_found_title': 'Nothing deleted',
  'forget.not_found': 'No failed job matches {uuid}: it was already retried or deleted.',

  // flush, clear
  'flush.everything': 'every failed job',
  'flush.older_than': 'failed more than {age} ago',
  'flush.preview': (p, tools) => `Delete ${failedJobs(p.n, tools)} for good (${p.where})?`,
  'flush.preview_hint': 'Deleted failed jobs cannot be retried. Failures that arrive after this preview are not included.',
  'flush.none_title': 'Nothing to delete',
  'flush.none': 'No failed jobs match ({where}).',
  'flush.done_title': 'Failed jobs deleted',
  'flush.done': (p, tools) => `${tools.plural(Number(p.n), { one: '# failed job has', other: '# failed jobs have' })} been deleted (${p.where}).`,
  'flush.gone': (p, tools) => `${tools.plural(Number(p.n), { one: '# was', other: '# were' })} already gone since the preview.`,
  'clear.preview': (p, tools) => `Delete ${tools.plural(Number(p.n), { one: 'the # waiting job', other: 'the # waiting jobs' })} of queue \`${p.queue}\`?`,
  'clear.preview_hint': 'They will not run. Jobs dispatched after this preview are kept.',
  'clear.preview_reserved': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# job is', other: '# jobs are' })} held by a worker and will be left alone. Jobs dispatched after this preview are kept.`,
  'clear.none_title': 'Nothing to clear',
  'clear.none': (p, tools) =>
    `Queue \`${p.queue}\` has no waiting jobs` +
    (Number(p.reserved) ? ` (${tools.plural(Number(p.reserved), { one: '# is', other: '# are' })} held by a worker).` : '.'),
  'clear.done_title': 'Queue cleared',
  'clear.done': (p, tools) => `${tools.plural(Number(p.n), { one: '# job has', other: '# jobs have' })} been deleted from queue \`${p.queue}\`.`,
  'clear.left_reserved': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# job', other: '# jobs' })} held by a worker ${Number(p.n) === 1 ? 'was' : 'were'} left alone.`,
  'clear.gone': (p, tools) => `${tools.plural(Number(p.n), { one: '# job was', other: '# jobs were' })} already gone since the preview.`,

  // batches
  'batches.title': 'Job batches',
  'batches.empty': 'There are no job batches.',
  'batches.no_table':
    'This app has no job batches: there is no `{table}` table. Laravel creates it with `php artisan queue:batches-table` (`make:queue-batches-table` from Laravel 11) and `migrate`; everything else works without it.',
  'batches.summary': (p, tools) => `${tools.plural(Number(p.total), { one: '# batch', other: '# batches' })} · page ${p.page} of ${p.pages}`,
  'batch.title': 'Batch {name}',
  'batch.progress': '{progress}% · {processed} of {total} processed · {pending} pending · {failed} failed',
  'batch.running': 'running',
  'batch.finished': 'finished',
  'batch.cancelled': 'cancelled',
  'batch.failed_ids': 'Failed jobs',
  'batch.not_found_title': 'No such batch',
  'batch.not_found': 'There is no batch {id}.',
  'batch.nothing_failed_title': 'Nothing to retry',
  'batch.nothing_failed': 'Batch {name} has no failed jobs left to retry.',
  'batch.retry_preview': (p, tools) => `Retry ${failedJobs(p.n, tools)} of batch ${p.name}?`,
  'batch.retried_title': 'Batch {name}: failed jobs retried',
  // what happens first, the batch's name (up to 255 characters) last: a confirm dialog cuts the end
  'batch.cancel_preview': (p, tools) =>
    `Cancel the batch? ${tools.plural(Number(p.pending), { one: 'Its # pending job stays', other: 'Its # pending jobs stay' })} queued and run${Number(p.pending) === 1 ? 's' : ''}, but jobs that check \`$this->batch()->cancelled()\` will stop early (as with Batch::cancel()). Batch: ${p.name}`,
  'batch.cancel_hint': 'Laravel does not delete a cancelled batch’s jobs; to delete them too, clear their queue.',
  'batch.cancel_refused_title': 'Not cancelled',
  'batch.already_cancelled': 'Batch {name} is already cancelled.',
  'batch.already_finished': 'Batch {name} has already finished.',
  'batch.cancelled_title': 'Batch cancelled',
  'batch.cancelled_done': (p, tools) =>
    `Batch ${p.name} has been cancelled; ${tools.plural(Number(p.pending), { one: 'its # pending job', other: 'its # pending jobs' })} will stop early if ${Number(p.pending) === 1 ? 'it checks' : 'they check'} for it.`,

  // audit
  'audit.title': 'Audit log',
  'audit.empty': 'No change has been attempted yet.',
  'audit.summary': (p, tools) => `${tools.plural(Number(p.n), { one: 'The latest attempted change', other: 'The latest # attempted changes' })}, newest first.`,
  'audit.line': '{user} ({id}) in {channel} · {age} ago · {outcome}',
  'audit.outcome.done': 'done',
  'audit.outcome.nothing': 'nothing to change',
  'audit.outcome.refused': 'refused',
  'audit.outcome.failed': 'failed',
  'audit.outcome.started': 'in progress (or the bot stopped)',
  'audit.outcome.partial': 'partly done',
  'audit.outcome.uncertain': 'not known yet',
  'audit.outcome.unknown': 'unknown',

  // doctor
  'doctor.title': 'Doctor',
  'doctor.all_good': 'Everything the bot needs is in place.',
  'doctor.problems': (p, tools) => tools.plural(Number(p.n), { one: '# thing to look at.', other: '# things to look at.' }),
  'doctor.fix': 'Fix: {sql}',
  'doctor.connected': 'Connected to {server} at {target}.',
  'doctor.unreachable': '{error}',
  'doctor.table_ok': 'Table `{table}` is there.',
  'doctor.redis_connected': 'Connected to Redis {server} at {target} (queue connection `{connection}`).',
  'doctor.redis_unreachable': '{error}',
  'doctor.redis_prefix_ok': 'Queue keys found under the prefix `{prefix}` (from {how}).',
  'doctor.redis_prefix_empty':
    "No queue keys under the prefix `{prefix}` (from {how}), so every queue looks empty — but this Redis database has queue keys under: {found}. Set QUEUE_BOT_REDIS_PREFIX (the app's REDIS_PREFIX) to the right one.",
  'doctor.redis_prefix_nothing':
    "No queue keys under the prefix `{prefix}` (from {how}), nor under any other prefix in this Redis database: nothing is queued right now, or REDIS_URL names another database number than the app's REDIS_DB.",
  'doctor.horizon_alive':
    'Horizon (`{prefix}`): {alive} of {masters} masters alive, {supervisors} supervisors; {failed} failed jobs in its own list (read only: the bot acts on the queues and failed_jobs).',
  'doctor.horizon_down': 'Horizon (`{prefix}`) has {masters} masters registered but none is alive: its workers are not running.',
  'doctor.table_missing': '{error}',
  'doctor.covering_ok': 'Index {index} covers every count: stats are exact and fast (jobs in the table: {rows}).',
  'doctor.covering_missing':
    'Only Laravel’s `queue` index exists on `{table}` (jobs in the table: {rows}). Stats on a big backlog are then sampled, because counting ready/delayed/processing reads the whole table (measured with `npm run bench` at 1M jobs: 31–43 s on MariaDB’s default buffer pool, 0.7 s on PostgreSQL with the table in memory). With this index they are exact: `stats` took 0.30 s on MariaDB and 0.35 s on PostgreSQL there.',
  'doctor.queue_index_missing': '`{table}` has no index starting with `queue`: Laravel’s own workers scan the table for every job.',
  'doctor.indexes_unreadable': 'Could not read the indexes: {error}',
  'doctor.rights_ok': 'The database user may {rights} on `{table}`: all the bot does there.',
  'doctor.rights_missing': 'The database user lacks {missing} on `{table}`.',
  'doctor.rights_unknown': 'Could not read the database user’s rights on `{table}`: {error}',
  'doctor.own_table_missing': '`{table}` does not exist yet: the bot creates it on first use, which needs the CREATE right — or an admin creates it once.',

  // help
  'help.title': 'Laravel Queue Bot',
  'help.intro': 'See and fix the job queues of your Laravel app. Commands marked ⚑ change data and are for operators.',
  'help.usage': 'Usage',
  'help.aliases': 'Also',
  'help.commands': 'Commands',
  'help.permission': 'Who',
  'help.operators_only': 'Operators only (QUEUE_BOT_OPERATORS).',
  'help.operator_mark': '⚑',
  'help.you_are_operator': 'You are an operator: you can change jobs.',
  'help.you_are_not_operator': 'You can read; to change jobs, an admin must add `{id}` to QUEUE_BOT_OPERATORS.',
  'help.chart': 'The recorded history as a chart: jobs in the queue by state, failures, jobs done — of one queue or all, over 6h, 24h or 7d.',
  'help.stats': 'Counts per queue: ready, delayed, processing, stuck, failed; stalled queues; unfinished batches.',
  'help.pending': 'Jobs waiting for a worker, in the order workers take them.',
  'help.delayed': 'Jobs that become available later.',
  'help.processing': 'Jobs a worker holds right now.',
  'help.stuck': 'Jobs held by a worker for longer than QUEUE_BOT_STUCK_AFTER.',
  'help.failed': 'Failed jobs, newest first, with the exception actually thrown.',
  'help.show': 'Everything about one job (by id) or failed job (by uuid): arguments, attempts, exception trace.',
  'help.retry': 'Push a failed job back onto its queue (as artisan queue:retry, in one transaction).',
  'help.retry_all': 'Retry every failed job matching a queue and/or class (previewed first).',
  'help.cancel': 'Delete a waiting job before a worker takes it.',
  'help.release': 'Make a stuck job available again (when its worker is gone).',
  'help.promote': 'Run a delayed job now.',
  'help.forget': 'Delete one failed job (as artisan queue:forget).',
  'help.flush': 'Delete failed jobs, optionally only older ones or of one queue (previewed first).',
  'help.clear': 'Delete the waiting jobs of one queue (previewed first).',
  'help.batches': 'Job batches with their progress.',
  'help.batch': 'One batch; `batch retry <id>` retries its failed jobs, `batch cancel <id>` cancels it.',
  'help.batch_retry': 'Retry the failed jobs of a batch (as artisan queue:retry-batch).',
  'help.batch_cancel': 'Cancel a batch (as Batch::cancel()).',
  'help.audit': 'Who changed what, when, and with what result.',
  'help.doctor': 'Check the tables, indexes and database rights, and say what to fix.',
  'help.help': 'This list, or the usage of one command.',

  // Discord option descriptions
  'option.queue': 'Queue name',
  'option.last': 'How far back: 6h, 24h or 7d',
  'option.connection': 'Queue connection (database, redis…), where there are several',
  'option.class': 'Job class, short (SyncProduct) or full (App\\Jobs\\SyncProduct)',
  'option.grep': 'Text to find in the exception',
  'option.page': 'Page number',
  'option.uuid': 'Failed job uuid',
  'option.job_id': 'Job id (a number)',
  'option.target': 'Job id or failed job uuid',
  'option.older_than': 'Only failures older than this, e.g. 24h',
  'option.batch_id': 'Batch id',
  'option.limit': 'How many entries (1–100)',
  'option.command': 'A command name',
  'option.incident': 'stuck, stalled, spike, or a queue',
  'option.snooze_for': '30m, 2h, or until tomorrow 09:00',
  'option.mute_what': 'A queue, or a failure group',
  'option.mute_name': 'Queue name, or the group key from the alert',
  'option.mute_for': '1m to 7d, e.g. 2h',

  // alerts
  'alert.stuck.title': 'Stuck jobs on `{queue}`',
  'alert.stuck.summary': (p, tools) =>
    `${tools.plural(Number(p.n), { one: '# job has', other: '# jobs have' })} been held by a worker for more than ${p.threshold}, or keep${Number(p.n) === 1 ? 's' : ''} being picked up again. If the worker is gone, release ${Number(p.n) === 1 ? 'it' : 'them'}.`,
  'alert.stuck.line': 'attempt {attempts} · held for {age}',
  'alert.stuck.climbing': 'Its attempts keep climbing: every worker that takes it dies (out of memory, killed, timed out).',
  'alert.stalled.title': 'Queue `{queue}` is not moving',
  'alert.stalled.summary': (p, tools) =>
    `Its oldest ready job has waited ${p.age} (alert after ${p.threshold}); ${tools.plural(Number(p.n), { one: '# job is', other: '# jobs are' })} waiting. Is a worker running for this queue?`,
  'alert.still_open': 'Still open after {age}.',
  'alert.resolved.title': 'Resolved: {what}',
  'alert.resolved.summary': 'It lasted {age}.',
  'alert.spike.title_groups': (p, tools) =>
    `Failure spike: ${tools.plural(Number(p.n), { one: `#${p.more ?? ''} job`, other: `#${p.more ?? ''} jobs` })} in ${tools.plural(Number(p.groups), { one: '# group', other: '# groups' })}`,
  'alert.spike.span': (p, tools) => {
    const jobs = tools.plural(Number(p.n), { one: `#${p.more ?? ''} job failed`, other: `#${p.more ?? ''} jobs failed` });
    const when = !p.from ? '' : p.from === p.to ? ` at ${p.from}` : ` ${p.from}–${p.to}`;
    return `${jobs}${when} in ${tools.plural(Number(p.groups), { one: '# group', other: '# groups' })}`;
  },
  'alert.more_groups': (p, tools) => `…and ${tools.plural(Number(p.n), { one: '# more group', other: '# more groups' })}.`,
  'alert.spike.open_summary': '{span}. Grouped by job, exception and where in the app it failed; open until these groups have had no new failure for {quiet}.',
  'alert.spike.resolved_summary': '{span}; no new failure of these groups for {quiet}.',
  'alert.db_back.title': 'The queue database is reachable again',
  'alert.db_back.summary': 'The bot could not reach it for about {age}; alerts were paused meanwhile and have resumed.',
  'button.show_waiting': 'Show waiting',

  'alert.stuck.group_title': 'Stuck jobs on {n} queues',
  'alert.stuck.queue_row': (p, tools) => `${tools.plural(Number(p.n), { one: '# job held', other: '# jobs held' })}, the longest for ${p.age}`,
  'alert.stuck.job_line': '#{id} {class} · attempt {attempts}',
  'alert.stuck.climbing_short': 'attempts climbing',
  'alert.stalled.group_title': '{n} queues are not moving',
  'alert.stalled.group_summary': (p, tools) =>
    `Their oldest ready jobs have waited longer than the alert threshold; ${tools.plural(Number(p.n), { one: '# job is', other: '# jobs are' })} waiting in all. Are workers running for them?`,
  'alert.stalled.queue_row': (p, tools) =>
    `waited ${p.age} (alert after ${p.threshold}) · ${tools.plural(Number(p.n), { one: '# job', other: '# jobs' })} waiting`,
  'alert.more_queues': (p, tools) => `…and ${tools.plural(Number(p.n), { one: '# more queue', other: '# more queues' })}.`,
  'alert.resolved_meanwhile': 'Resolved since: {list}.',
  'alert.resolved_queue': '`{queue}` after {age}',
  // shell and CLI
  'shell.welcome': 'Laravel Queue Bot — type `help` for the commands, a number to press a button, `exit` to leave.',
  'shell.no_choices': 'The last answer has no buttons to choose from; type a command.',
  'shell.no_such_choice': 'There is no choice [{n}]; pick 1 to {max}, or type a command.',
  'shell.confirm_prompt': '{yes}? [y/N]',
  'shell.bye': 'Bye.',
  'shell.app_env': 'Read the Laravel app’s settings from {path}.',
  'shell.database': 'Database: {kind} {database} on {server} — a change you make here is made there.',
  'shell.database_file': 'Database: {kind} file {path} — a change you make here is made there.',
  'demo.banner':
    'DEMO DATA: no DATABASE_URL is set, so this is a demo SQLite database ({path}) filled with rows real Laravel wrote, re-created at every start. To see your own queues, give the app’s own .env (--env-file /var/www/app/.env, or run inside the Laravel project folder), or set DATABASE_URL (mysql://user:password@host:3306/laravel, postgres://user:password@host:5432/laravel or sqlite:/path/to/database.sqlite) in .env, and APP_KEY to read encrypted jobs.',
  'cli.preview_hint': 'Nothing was changed. Run the same command again with --yes to do it.',
  'cli.app_env': 'Read the Laravel app’s settings from {path} (database {database}).',
  'cli.app_env_own_url': ' DATABASE_URL is set and wins over the app’s DB_* settings.',
  'cli.note': 'Note: {note}.',
  'cli.both_quotes': 'An argument with a space cannot hold both " and \' quotes; leave out one kind.',
  'preview.no_button': 'The button could not be made for a filter this long; use the CLI (`npx queue-bot … --yes`) or a shorter queue or class name.',
  'cli.usage':
    'Usage: queue-bot <command> [args] [--json] [--yes]\n  --json  print the result as JSON (a stable interface; see the README)\n  --yes   carry out a change that would otherwise only be previewed\n  --out   where `chart` writes its PNG, e.g. --out chart.png\nExit codes: 0 ok, 1 failed or refused or only previewed, 2 usage error. `queue-bot help` lists the commands.',

  // queue-bot check: one line for monitoring (after "QUEUE OK - ")
  'check.ok': (p, tools) => `${tools.plural(Number(p.n), { one: '# queue', other: '# queues' })}, nothing stuck, stalled or failing`,
  'check.stuck': (p, tools) => `${tools.plural(Number(p.n), { one: '# stuck job', other: '# stuck jobs' })} on ${p.queues}`,
  'check.spike': (p, tools) =>
    `failure spike: ${tools.plural(Number(p.n), { one: `#${p.more ?? ''} job`, other: `#${p.more ?? ''} jobs` })} in ${tools.plural(Number(p.groups), { one: '# group', other: '# groups' })}`,
  'check.stalled': (p, tools) => `${tools.plural(Number(p.n), { one: '# queue', other: '# queues' })} not moving: ${p.queues}`,
  'check.more': 'and {n} more',
  'check.failed': 'the check could not run: {reason}',

  // shared by the chat adapters
  'chat.done_by': '{user} · {time}',
  /** what a renderer puts where it had to leave things out (Discord's 25 fields, Slack's 50 blocks) */
  'chat.more': '…and {n} more',
  /** one channel announcement for several changes made from one list, edited as they come */
  'chat.changes_title': (p, tools) => tools.plural(Number(p.n), { one: '# change from one list', other: '# changes from one list' }),
  'chat.changes_earlier': '…and {n} earlier',

  // slack adapter
  'slack.more': 'and {n} more — use `--page`',
  'slack.more_compact': 'Also on this page (no room for their buttons; use `/queue show <id>`):',
  'slack.trace_more': (p, tools) => `… ${tools.plural(Number(p.n), { one: '# more line', other: '# more lines' })}`,
  'slack.trace_cut': (p, tools) =>
    `… ${tools.plural(Number(p.n), { one: '# more line', other: '# more lines' })} do not fit here. The CLI prints the whole trace: \`queue-bot show <id>\``,
  'slack.close': 'Close',
  'slack.shared_by': 'Shared by {user}',
  'slack.delivery_failed': 'The bot could not show its answer here ({detail}). If you asked for a change, `/queue audit` tells whether it was made.',

  // discord adapter
  'discord.command': 'See and fix the job queues of your Laravel app',
  'discord.group.alert': 'Open alerts: acknowledge, snooze, mute, unmute, list',
  'discord.alert.ack': 'Acknowledge an alert: "I am on it"',
  'discord.alert.snooze': 'Snooze an alert: no reminders for a while',
  'discord.alert.mute': 'Mute a queue or failure group for a while',
  'discord.alert.unmute': 'End a mute',
  'discord.alert.list': 'Open alerts and mutes',
  'discord.more': (p, tools) => `…and ${tools.plural(Number(p.n), { one: '# more', other: '# more' })} on this page, not shown: the message would be too long.`,
  'discord.trace_left_out': 'The trace does not fit in this message. The CLI prints it whole: `queue-bot show <id>`',
  'discord.trace_more': (p, tools) =>
    `… ${tools.plural(Number(p.n), { one: '# more line', other: '# more lines' })} (the CLI prints them all: queue-bot show <id>)`,
  'discord.choose': '{action}…',
  'button.snooze_30m': 'Snooze 30m',
  'button.snooze_2h': 'Snooze 2h',
  'button.snooze_tomorrow': 'Snooze until 09:00',
  'alert.snoozed_by': 'Snoozed by {user} for {left} more: quiet unless it gets worse (twice the jobs, or a new queue or failure group).',
  'help.snooze': 'Snooze an open alert for 30m, 2h or until tomorrow 09:00 (APP_TIMEZONE): no reminders meanwhile, unless it gets worse.',
  'snooze.bad_choice': 'Snooze for 30m, 2h or tomorrow (until 09:00).',
  'snooze.problem_title': 'Nothing snoozed',
  'snooze.over': 'That alert is over: it was resolved (a newer one of its kind may be open; `snooze {kind} 2h` snoozes that one).',
  'button.acknowledge': 'Acknowledge',
  'alert.acknowledged_by': 'Acknowledged by {user} {age} ago: no reminders until it is resolved.',
  'help.ack': 'Acknowledge an open alert ("I am on it"): it shows who, and stops its reminders until it is resolved.',
  'ack.already': '{user} acknowledged it already, {age} ago.',
  'ack.problem_title': 'Nothing acknowledged',
  'ack.unknown': "`{incident}` is not an alert. Name one by its kind: stuck, stalled or spike (or one queue's incident, e.g. stuck:imports).",
  'ack.none_open': 'No `{incident}` alert is open.',
  'ack.over': 'That alert is over: it was resolved (a newer one of its kind may be open; `ack {kind}` acknowledges that one).',
  'button.mute_queue': 'Mute {name} 1h',
  'button.mute_group': 'Mute worst group 1h',
  'confirm.mute.title': 'Mute {what}?',
  'confirm.mute.text':
    'Leaves {what} out of alert messages for {for}, for everyone in the channel, unless it gets worse (twice the jobs, or a new failure group). `unmute` ends it sooner.',
  'confirm.mute.yes': 'Mute',
  'mute.target_queue': 'queue `{name}`',
  'mute.target_group': 'failure group `{name}`',
  'mute.title': 'Muted',
  'mute.done':
    'Muted {what} for {for} (by {user}): left out of alert messages until then, unless it gets worse (twice the jobs, or a new failure group). `unmute {type} {name}` ends it sooner.',
  'mute.problem_title': 'Nothing muted',
  'mute.bad_type': "Mute a `queue <name>` or a `group <key>` (the mute key an alert's failure group shows), e.g. `mute queue imports 2h`.",
  'mute.bad_duration': 'Mute for 1m to 7d, e.g. 30m, 2h or 1d.',
  'mute.not_open': 'No open alert shows {what}: only a queue or failure group an open alert lists can be muted (`alerts` lists them).',
  'mute.over': 'That alert is over: it was resolved, so nothing was muted (`alerts` lists what is open).',
  'alert.spike.group_key': 'mute key `{key}`',
  'help.mute': 'Mute a queue or a failure group for a while (1m to 7d): left out of alert messages unless it gets worse.',
  'help.unmute': 'End a mute: the queue or failure group shows in alert messages again from the next check.',
  'unmute.title': 'Unmuted',
  'unmute.done': 'Unmuted {what}: it shows in alert messages again from the next check.',
  'unmute.problem_title': 'Nothing unmuted',
  'unmute.not_muted': 'Nothing mutes {what} (`alerts` lists the mutes).',
  'help.alerts': 'Open alerts: their queues or failure groups, who acknowledged or snoozed them, and what is muted, with when each ends.',
  'alerts.title': 'Alerts',
  'alerts.none': 'No alert is open and nothing is muted.',
  'alerts.summary': (p, tools) =>
    `${tools.plural(Number(p.open), { one: '# alert open', other: '# alerts open' })} · ${tools.plural(Number(p.muted), { one: '# mute', other: '# mutes' })}`,
  'alerts.message': '`{kind}` alert',
  'alerts.open_for': 'open for {age}: {list}',
  'alerts.acknowledged': 'acknowledged by {user} {age} ago',
  'alerts.snoozed': 'snoozed by {user}, {left} left',
  'alerts.muted_key': 'muted',
  'alerts.muted': 'by {user}, {left} left (unless it gets worse)',
  // the Discord thread an alert's timeline (and escalations) go into
  'alert.thread.name': 'Alert timeline',
  'discord.posted': 'Done: the result is posted in the channel for everyone.',
  'discord.delivery_failed': 'The bot could not show its answer here ({detail}). If you asked for a change, `/queue audit` tells whether it was made.',
} satisfies Record<string, Message>;

export type MessageKey = keyof typeof en;
