// Polish: every key of en.ts. Terms used throughout: zadanie (job), nieudane zadanie (failed job),
// kolejka (queue), worker (worker), paczka (batch); states: oczekujące (ready/waiting),
// opóźnione (delayed), w trakcie (processing), utknięte (stuck), błędy (failed).
// Polish counts need three forms: 1 zadanie, 2–4 (22–24…) zadania, 5–21 (25…) zadań.
import type { MessageKey } from './en.ts';
import type { Message, MessageTools } from './types.ts';

type Forms = { one: string; few: string; many: string };

/** one / few / many; "other" (fractions, never shown for counts) takes the few form. */
const plural = (tools: MessageTools, n: unknown, forms: Forms) => tools.plural(Number(n), { ...forms, other: forms.few });

const jobs = (n: unknown, tools: MessageTools) => plural(tools, n, { one: '# zadanie', few: '# zadania', many: '# zadań' });
const failedJobs = (n: unknown, tools: MessageTools) => plural(tools, n, { one: '# nieudane zadanie', few: '# nieudane zadania', many: '# nieudanych zadań' });
/** "z 5 zadań": the genitive, after "z" (out of) */
const ofJobs = (n: unknown, tools: MessageTools) => plural(tools, n, { one: '# zadania', few: '# zadań', many: '# zadań' });
const lines = (n: unknown, tools: MessageTools) => plural(tools, n, { one: '# wiersz', few: '# wiersze', many: '# wierszy' });

export const pl: Record<MessageKey, Message> = {
  // ages
  'age.seconds': '{n} s',
  'age.minutes': '{n} min',
  'age.hours': '{h} godz.',
  'age.hours_minutes': '{h} godz. {m} min',
  'age.days': '{d} d',
  'age.days_hours': '{d} d {h} godz.',

  // generic errors
  'error.title': 'Coś poszło nie tak',
  'error.internal': 'Polecenie nie powiodło się: {detail}. To żądanie niczego nie zmieniło.',
  'error.database_title': 'Problem z bazą danych',
  'error.redis_title': 'Problem z Redisem',
  'error.redis.chat':
    'Bot nie może teraz połączyć się z Redisem aplikacji, więc niczego tam nie odczytał ani nie zmienił. Spróbuj za chwilę; jeśli to trwa, administrator może sprawdzić Redisa i log bota.',
  'error.redis.terminal':
    'Redis pod {server} nie odpowiedział: {detail}. Niczego tam nie zmieniono. Sprawdź, czy Redis działa i czy REDIS_URL (host, port, hasło, numer bazy) jest poprawny.',
  'error.database_down': '{detail}. Nic nie zostało zmienione; spróbuj ponownie, gdy baza danych znów będzie dostępna.',
  'error.db.chat_unreachable': 'Nie można teraz połączyć się z bazą danych. Nic nie zostało zmienione; spróbuj ponownie za chwilę. Szczegóły są w logu bota.',
  'error.db.chat_refused':
    'Baza danych odmówiła botowi dostępu. Nic nie zostało zmienione; administrator musi poprawić ustawienia bazy danych bota (szczegóły są w logu bota).',
  'error.db.credentials':
    'Serwer bazy danych {server} odrzucił użytkownika "{user}": hasło lub nazwa użytkownika są błędne. Popraw DB_USERNAME / DB_PASSWORD w .env aplikacji (albo użytkownika i hasło w DATABASE_URL). Nic nie zostało zmienione.',
  'error.db.unknown_database':
    'Na serwerze bazy danych {server} nie ma bazy "{database}". Popraw DB_DATABASE w .env aplikacji (albo nazwę bazy w DATABASE_URL) lub utwórz bazę i uruchom migracje aplikacji. Nic nie zostało zmienione.',
  'error.db.missing_file':
    'Plik SQLite {server} nie istnieje. Popraw DB_DATABASE w .env aplikacji (ścieżka względna liczy się od folderu projektu) albo ścieżkę w DATABASE_URL. Nic nie zostało zmienione.',
  'error.db.connection_refused':
    'Pod adresem {server} nikt nie przyjmuje połączeń (connection refused). Uruchom serwer bazy danych albo popraw DB_HOST / DB_PORT w .env aplikacji (lub host i port w DATABASE_URL). Nic nie zostało zmienione.',
  'error.db.timeout':
    'Serwer bazy danych {server} nie odpowiada (przekroczony czas). Sprawdź DB_HOST / DB_PORT (lub DATABASE_URL) i czy zapora nie blokuje połączenia z tej maszyny. Nic nie zostało zmienione.',
  'error.db.dns':
    'Nazwy hosta "{host}" nie da się przetłumaczyć na adres (DNS: {detail}). Popraw DB_HOST w .env aplikacji (lub host w DATABASE_URL) albo DNS tej maszyny. Nic nie zostało zmienione.',
  'error.db.tls':
    'Serwer bazy danych {server} i bot nie uzgodnili TLS ({detail}). Ustaw sslmode na to, co oferuje serwer (?sslmode=require lub ?sslmode=disable w DATABASE_URL, DB_SSLMODE w .env aplikacji), albo zaufaj jego certyfikatowi. Nic nie zostało zmienione.',
  'error.db.rights':
    'Użytkownik "{user}" nie ma potrzebnego uprawnienia na {server} ({detail}). `/queue doctor` podaje, jaki GRANT nadać. Nic nie zostało zmienione.',
  'error.db.readonly':
    'Ten proces nie może otworzyć pliku SQLite {server} do zapisu ({detail}). Daj użytkownikowi bota prawo zapisu do pliku i jego folderu. Nic nie zostało zmienione.',
  'error.db.lost': 'Baza danych {server} jest teraz niedostępna ({detail}). Nic nie zostało zmienione; spróbuj ponownie, gdy znów będzie dostępna.',
  'error.db.refused': 'Baza danych {server} odmówiła botowi dostępu ({detail}). Nic nie zostało zmienione.',
  'error.unknown_command_title': 'Nieznane polecenie',
  'error.unknown_command': '„{word}” nie jest poleceniem. Wpisz `/queue help`, aby zobaczyć wszystkie.',
  'error.unknown_command_suggest': '„{word}” nie jest poleceniem. Czy chodziło o `/queue {suggestion}`?',
  'error.bad_arguments': 'Nie można wykonać `{command}`',
  'error.channel_not_allowed': 'Bot nie odpowiada na tym kanale ({channel}). Poproś administratora, aby dodał go do QUEUE_BOT_CHANNELS.',

  // argument problems
  'args.unknown_option': '{option} nie jest opcją tego polecenia.',
  'args.missing_value': '{option} wymaga wartości.',
  'args.too_many': 'Nieoczekiwane dodatkowe słowa: „{extra}”.',
  'args.missing': 'Brakuje <{arg}>.',
  'args.invalid': '{arg}: {problem}',
  'args.bad_queue': '„{value}” nie jest nazwą kolejki.',
  'args.bad_class': '„{value}” nie jest nazwą klasy zadania (np. SyncProduct lub App\\Jobs\\SyncProduct).',
  'args.bad_uuid':
    '„{value}” nie jest uuid nieudanego zadania (np. 7c50c779-8575-4468-ad3d-54742ad8db49) ani jego początkiem (co najmniej 8 znaków, np. 7c50c779).',
  'args.bad_id': '„{value}” nie jest identyfikatorem zadania (liczbą, np. 812, albo identyfikatorem lub uuid zadania w Redisie).',
  'args.bad_last': '--last przyjmuje 6h, 24h lub 7d, a nie „{value}”.',
  'args.bad_connection': '„{value}” nie jest nazwą połączenia kolejki (np. database albo redis).',
  'args.bad_target':
    '„{value}” nie jest ani identyfikatorem zadania (liczbą albo identyfikatorem zadania w Redisie), ani uuid, ani jego początkiem (co najmniej 8 znaków).',
  'args.bad_page': '--page musi być liczbą od 1 wzwyż.',
  'args.bad_duration': '„{value}” nie jest czasem trwania; zapisz go jako 90s, 30m, 24h lub 7d.',
  'args.duration_zero': '„{value}” to zerowy czas; podaj czas dłuższy niż 0, np. 1h.',
  'args.duration_too_long': '„{value}” to ponad sto lat; podaj krótszy czas, np. 30d.',
  'args.id_too_large': '„{value}” jest większe niż jakikolwiek identyfikator zadania, który bot może odczytać (najwyżej 9007199254740991).',
  'args.bad_number': '„{value}” nie jest liczbą.',
  'args.bad_limit': '--limit musi być liczbą od 1 do 100.',
  'args.bad_batch': '„{value}” nie jest identyfikatorem paczki.',
  'args.too_long': 'Wartość {arg} jest za długa.',
  'args.batch_id_missing': 'Która paczka? Podaj jej identyfikator: `/queue batch retry <id>`.',
  'args.batch_sub': 'Użyj `batch <id>`, `batch retry <id>` lub `batch cancel <id>`.',
  'args.retry_filters_need_all': '--queue i --class działają tylko z `retry all`; `retry <uuid>` ponawia dokładnie jedno zadanie.',

  // ids typed as lists show them: the start of a uuid or a batch id
  'prefix.no_failed': 'Żadne nieudane zadanie nie zaczyna się od {prefix}: sprawdź znaki — albo zostało już ponowione lub usunięte.',
  'prefix.several_failed_title': 'Od {prefix} zaczyna się kilka nieudanych zadań',
  'prefix.several_failed': 'Podaj więcej znaków uuid, aby wybrać jedno:',
  'prefix.several_failed_unchanged': 'Niczego nie zmieniono. Podaj więcej znaków uuid, aby wybrać jedno:',
  'prefix.no_batch': 'Żaden identyfikator paczki nie zaczyna się od {prefix}.',
  'prefix.several_batches_title': 'Od {prefix} zaczyna się kilka paczek',
  'prefix.several_batches': 'Podaj więcej znaków identyfikatora paczki, aby wybrać jedną:',
  'prefix.several_batches_unchanged': 'Niczego nie zmieniono. Podaj więcej znaków identyfikatora paczki, aby wybrać jedną:',
  'prefix.more': 'Zaczyna się tak więcej; pokazano tylko pierwsze {n}.',

  // permissions and actions
  'permission.title': 'Brak uprawnień',
  'permission.not_operator':
    'Tylko operatorzy mogą zmieniać zadania. Nic nie zostało zmienione. Twój identyfikator to `{id}`: administrator może dodać go do QUEUE_BOT_OPERATORS.',
  'action.rejected_title': 'Ten przycisk już nie działa',
  'action.malformed': 'Nie udało się odczytać akcji przycisku. Uruchom polecenie ponownie.',
  'action.version': 'Ten przycisk pochodzi z innej wersji bota. Uruchom polecenie ponownie.',
  'action.signature': 'Ten przycisk nie został utworzony przez tego bota (albo ktoś go zmienił). Nic nie zostało zmienione.',
  'action.expired': 'Ten przycisk wygasł: wiadomość jest zbyt stara, by jej ufać. Uruchom polecenie ponownie, aby zobaczyć aktualne dane.',
  'action.not_yours': 'Potwierdzić może tylko osoba, która o to poprosiła. Nic nie zostało zmienione.',
  'action.forgotten': 'Bot nie przechowuje już tego, co robi ten przycisk. Nic nie zostało zmienione; uruchom polecenie ponownie.',
  'buttons.not_kept': 'Brakuje niektórych przycisków: baza danych nie mogła zapamiętać, co robią. Spróbuj ponownie za chwilę.',

  // confirmations
  'confirm.title': 'Na pewno?',
  'confirm.generic': 'Wykonać `{command}`?',
  'confirm.yes': 'Tak, wykonaj',
  'confirm.no': 'Nie, zostaw',
  'confirm.dismissed': 'Nie wykonano: nic nie zostało zmienione.',
  'confirm.expires': 'To potwierdzenie wygaśnie za {minutes} min.',
  'confirm.retry.title': 'Ponowić nieudane zadanie?',
  'confirm.retry.text': 'Uruchamia je ponownie: z powrotem do kolejki `{queue}` z wyzerowanym licznikiem prób.\n{job} · uuid {uuid}',
  'confirm.forget.title': 'Usunąć nieudane zadanie?',
  'confirm.forget.text': 'Usuwa je na dobre — potem nie da się go już ponowić.\n{job} · uuid {uuid} · kolejka `{queue}`',
  'confirm.cancel.title': 'Anulować zadanie?',
  'confirm.cancel.text': 'Usuwa je, zanim weźmie je worker — nie zostanie uruchomione.\nZadanie #{id} {job} · kolejka `{queue}`',
  'confirm.release.title': 'Zwolnić utknięte zadanie?',
  'confirm.release.text':
    'Udostępnia je ponownie — jeśli trzymający je worker nadal działa, zadanie wykona się dwa razy. Tylko jeśli tego workera już nie ma.\nZadanie #{id} {job} w kolejce `{queue}`, zajęte od {age}',
  'confirm.promote.title': 'Uruchomić opóźnione zadanie teraz?',
  'confirm.promote.text': 'Udostępnia je workerom od razu, a nie później.\nZadanie #{id} {job} · kolejka `{queue}`',
  'confirm.retry_all.title': 'Ponowić nieudane zadania?',
  'confirm.flush.title': 'Usunąć nieudane zadania?',
  'confirm.clear.title': 'Wyczyścić kolejkę?',
  'confirm.batch_retry.title': 'Ponowić nieudane zadania paczki?',
  'confirm.batch_cancel.title': 'Anulować paczkę?',

  // buttons
  'button.retry': 'Ponów',
  'button.retry_n': (p, tools) => plural(tools, p.n, { one: 'Ponów # zadanie', few: 'Ponów # zadania', many: 'Ponów # zadań' }),
  'button.retry_failed_n': (p, tools) =>
    plural(tools, p.n, { one: 'Ponów # nieudane zadanie', few: 'Ponów # nieudane zadania', many: 'Ponów # nieudanych zadań' }),
  'button.forget': 'Usuń',
  'button.delete_n': (p, tools) => plural(tools, p.n, { one: 'Usuń # zadanie', few: 'Usuń # zadania', many: 'Usuń # zadań' }),
  'button.cancel_job': 'Anuluj zadanie',
  'button.cancel_batch': 'Anuluj paczkę',
  'button.release': 'Zwolnij',
  'button.promote': 'Uruchom teraz',
  'button.details': 'Szczegóły',
  'button.previous': '‹ Poprzednia',
  'button.next': 'Następna ›',
  'button.refresh': 'Odśwież',
  'button.show_stuck': 'Pokaż utknięte',
  'button.show_failed': 'Pokaż nieudane',
  'button.share': 'Udostępnij na kanale',

  // states
  'state.ready': 'oczekujące (gotowe do uruchomienia)',
  'state.delayed': 'opóźnione',
  'state.processing': 'w trakcie',
  'state.stuck': 'utknięte',

  // stats
  'stats.title': 'Statystyki kolejek',
  'stats.title_queue': 'Kolejka `{queue}`',
  'stats.summary': (p, tools) =>
    `Oczekujące ${tools.number(Number(p.ready))} · opóźnione ${tools.number(Number(p.delayed))} · w trakcie ${tools.number(Number(p.processing))}` +
    (Number(p.stuck) ? ` (w tym utknięte ${tools.number(Number(p.stuck))})` : '') +
    ` · błędy ${tools.number(Number(p.failed))}`,
  'stats.queue_empty': 'W kolejce `{queue}` nie ma żadnych zadań ani nieudanych zadań.',
  'stats.ready': 'oczekujące {n}',
  'stats.delayed': 'opóźnione {n}',
  'stats.processing': 'w trakcie {n}',
  'stats.stuck': 'utknięte {n}',
  'stats.failed': 'błędy {n}',
  'stats.oldest_waiting': 'najdłuższe oczekiwanie {age}',
  'stats.trend': 'ostatnia godzina {spark}',
  'chart.title': 'Historia kolejek: {what}, ostatnie {last}',
  'chart.of_queue': '`{queue}`',
  'chart.of_all': 'wszystkie kolejki',
  'chart.off': 'Historia kolejek jest wyłączona (QUEUE_BOT_HISTORY_INTERVAL=off), więc nie ma czego narysować.',
  'chart.no_history': 'Brak zapisanej historii: działający bot zapisuje punkt co {every}. Spróbuj za kilka minut.',
  'chart.summary_backlog': 'w kolejce {from} → {to} (najwięcej {peak})',
  'chart.summary_failures': 'błędy: {n}',
  'chart.summary_done': 'wykonane: ≈{n} (wyliczone)',
  'chart.summary_done_all_only': 'wykonane zadania są wyliczane dla wszystkich kolejek razem: zobacz `chart`',
  'chart.ready': 'oczekujące',
  'chart.delayed': 'opóźnione',
  'chart.reserved': 'w trakcie',
  'chart.stuck': 'utknięte',
  'chart.failures': 'błędy',
  'chart.done': 'wykonane (wyliczone)',
  'chart.backlog': 'zadania w kolejce',
  'chart.per_interval': 'na {step}',
  'chart.no_data': 'brak danych z tego czasu',
  'chart.alt': 'Wykres: {what}, ostatnie {last} — zadania w kolejce według stanu, błędy i wykonane zadania',
  'chart.written': 'Wykres zapisany w {path}',
  'chart.out_hint': 'Dodaj --out wykres.png, aby zapisać wykres do pliku.',
  'cli.out_missing': '--out wymaga nazwy pliku, np. --out wykres.png',
  'watch.title_queue': 'Podgląd `{queue}`',
  'watch.title_all': 'Podgląd wszystkich kolejek',
  'watch.of_queue': '`{queue}`',
  'watch.of_all': 'wszystkie kolejki',
  'watch.ready': 'gotowe {n}',
  'watch.delayed': 'opóźnione {n}',
  'watch.reserved': 'w toku {n}',
  'watch.stuck': 'zawieszone {n}',
  'watch.failed': 'nieudane {n}',
  'watch.last_hour': 'ostatnia godzina',
  'watch.updated': 'odświeżono {at} · do {until}',
  'watch.updated_at': 'odświeżono {at}',
  'watch.stop_problem_title': 'Brak tablicy do zatrzymania',
  'watch.look_failed': 'Tym razem nie udało się odczytać kolejek: {error}. Tablica spróbuje przy następnym odświeżeniu.',
  'watch.more_queues': (p, tools) =>
    plural(tools, p.n, {
      one: '…i jeszcze # kolejka: podaj nazwę, by ją obserwować (`watch <kolejka>`).',
      few: '…i jeszcze # kolejki: podaj nazwę, by ją obserwować (`watch <kolejka>`).',
      many: '…i jeszcze # kolejek: podaj nazwę, by ją obserwować (`watch <kolejka>`).',
    }),
  'watch.not_counted': 'gotowe i opóźnione (?) nie są liczone w tak dużej tabeli jobs bez indeksu, który zaleca `doctor`; pozostałe liczby są dokładne.',
  'watch.queue_empty': '`{queue}` nie ma zadań ani nieudanych zadań.',
  'watch.all_empty': 'Żadna kolejka nie ma zadań ani nieudanych zadań.',
  'watch.stopped_time': 'Zatrzymano o {at} po {after} — /queue watch, by zacząć ponownie',
  'watch.stopped_by': 'Zatrzymał(a) {by} o {at} po {after} — /queue watch, by zacząć ponownie',
  'watch.moved_title': 'Tablica przeniesiona',
  'watch.replaced': '{by} o {at} założył(a) na tym kanale nową tablicę: jest poniżej, a ta nie jest już odświeżana.',
  'watch.stop_button': 'Zatrzymaj',
  'watch.chart_button': 'Wykres',
  'watch.problem_title': 'Nie uruchomiono tablicy',
  'watch.bad_for': '--for przyjmuje czas od 1m do 24h, np. --for 2h (nie "{value}").',
  'watch.too_long': 'Tablica działa najwyżej {max}: --for {value} to dłużej. Uruchom ją ponownie, gdy się skończy.',
  'watch.no_board': 'Na tym kanale nie działa żadna tablica: `watch` ją uruchamia.',
  'watch.board_over': 'Ta tablica już nie działa (skończyła się albo zastąpiła ją nowsza).',
  'watch.no_board_here': 'Tutaj `watch` rysuje tablicę w terminalu; zatrzymasz ją klawiszem Enter, q lub Ctrl-C.',
  'watch.stopping_title': 'Tablica zatrzymana',
  'watch.stopping': 'Tablica tego kanału zatrzymuje się teraz i to pokazuje.',
  'watch.started_title': 'Tablica uruchomiona',
  'watch.started': 'Obserwuję {what} na tym kanale do {until}: tablica pojawi się tutaj i będzie odświeżana co {every}. Przycisk Zatrzymaj ją kończy.',
  'watch.replacing': 'Zastępuje tablicę, którą {by} uruchomił(a) o {at} ({what}); ta pokazuje teraz, że została przeniesiona.',
  'watch.needs_terminal': 'watch odświeża tablicę w miejscu w terminalu; to nie jest terminal, więc tablica jest pokazana raz.',
  'watch.terminal_hint': 'Odświeżana co {every} do {until}. Enter lub q kończy.',
  'watch.terminal_ended': 'Zatrzymano o {at} po {after}.',
  'help.watch': 'Tablica na kanale, odświeżana: każda kolejka i jej ostatnia godzina, przez --for (1h, maks. 24h).',
  'option.watch_for': 'Jak długo: 30m, 2h… (domyślnie 1h, maks. 24h)',
  'chart.upload_failed_title': 'Nie udało się wysłać wykresu',
  'chart.upload_failed':
    'Slack odrzucił plik. Zaproś bota na ten kanał (`/invite @queue-bot`) i upewnij się, że aplikacja ma uprawnienie `files:write`, potem zapytaj ponownie; liczby są w podsumowaniu powyżej.',
  'stats.stalled': 'Kolejka `{queue}` stoi w miejscu: od {age} czeka w niej najstarsze oczekujące zadanie. Czy działa dla niej jakiś worker?',
  'stats.expired': (p, tools) =>
    `${plural(tools, p.n, { one: '# rezerwacja', few: '# rezerwacje', many: '# rezerwacji' })} w kolejce \`${p.queue}\` ` +
    `${plural(tools, p.n, { one: 'jest starsza', few: 'są starsze', many: 'jest starszych' })} niż retry_after (${p.retryAfter}): ` +
    `każdy worker może ponownie wziąć ${Number(p.n) === 1 ? 'to zadanie' : 'te zadania'}.`,
  'stats.expired_redis': (p, tools) =>
    `${plural(tools, p.n, { one: '# rezerwacja', few: '# rezerwacje', many: '# rezerwacji' })} w \`${p.queue}\` ` +
    `${plural(tools, p.n, { one: 'wygasła', few: 'wygasły', many: 'wygasło' })} i nadal tam ${Number(p.n) === 1 ? 'jest' : 'są'}: odbiera je tylko worker sprawdzający kolejkę, więc żaden tego nie robi (\`php artisan queue:work ${p.connection} --queue=${p.name}\`).`,
  'stats.stuck_jobs': (p, tools) =>
    `${plural(tools, p.n, { one: '# zadanie jest zajęte', few: '# zadania są zajęte', many: '# zadań jest zajętych' })} ` +
    `przez ${Number(p.n) === 1 ? 'workera' : 'workery'} dłużej niż ${p.age}: ${p.ids}.`,
  'stats.climbing':
    'Zadanie #{id} w kolejce `{queue}` zostało pobrane ponownie (próba {attempts}): każdy worker, który je weźmie, pada. To zadanie zabija swoje workery.',
  'stats.estimated': (p, tools) =>
    `≈ Szacunek: odczytano ${tools.number(Number(p.inspected))} z ${ofJobs(p.total, tools)} (początek każdej kolejki, skąd workery biorą zadania, oraz najnowsze); sumy dla poszczególnych kolejek są dokładne.`,
  'stats.index_hint': 'Aby przy dużej zaległości liczby były dokładne i szybkie, dodaj indeks zalecany przez `doctor`.',
  'stats.failed_recent': 'błędy {n}, ostatni {age} temu',
  'stats.more_trouble': (p, tools) =>
    plural(tools, p.n, { one: 'jeszcze # kolejka z problemami', few: 'jeszcze # kolejki z problemami', many: 'jeszcze # kolejek z problemami' }),
  'stats.healthy': (p, tools) => plural(tools, p.n, { one: '# kolejka bez problemów', few: '# kolejki bez problemów', many: '# kolejek bez problemów' }),
  'stats.and_more': 'i jeszcze {n}',
  'stats.stalled_many': (p, tools) =>
    `${plural(tools, p.n, { one: '# kolejka stoi', few: '# kolejki stoją', many: '# kolejek stoi' })} w miejscu — najstarsze oczekujące zadania czekają dłużej, niż powinny: ${p.queues}. Czy działają dla nich workery?`,
  'stats.expired_many': (p, tools) =>
    `Rezerwacje starsze niż retry_after (${p.retryAfter}) w ${plural(tools, p.n, { one: '# kolejce', few: '# kolejkach', many: '# kolejkach' })}: ${p.queues}. Każdy worker może ponownie wziąć te zadania.`,
  'stats.expired_redis_many': (p, tools) =>
    `Wygasłe rezerwacje nadal są w ${plural(tools, p.n, { one: '# kolejce', few: '# kolejkach', many: '# kolejkach' })} Redisa: ${p.queues}. Odbiera je tylko worker sprawdzający kolejkę, więc żaden tego nie robi (\`php artisan queue:work <połączenie> --queue=<kolejka>\`).`,
  'stats.climbing_many': (p, tools) =>
    `${plural(tools, p.n, { one: '# zadanie jest pobierane', few: '# zadania są pobierane', many: '# zadań jest pobieranych' })} raz po raz: ${p.jobs}. Każdy worker, który je weźmie, pada: te zadania zabijają swoje workery.`,
  'stats.climbing_job': '#{id} w `{queue}` (próba {attempts})',
  'stats.more_batches': (p, tools) =>
    `…i jeszcze ${plural(tools, p.n, { one: '# niezakończona paczka', few: '# niezakończone paczki', many: '# niezakończonych paczek' })}: \`batches\` pokazuje wszystkie.`,

  // listings
  'list.pending.title': 'Oczekujące zadania',
  'list.pending.empty': 'Brak oczekujących zadań.',
  'list.delayed.title': 'Opóźnione zadania',
  'list.delayed.empty': 'Brak opóźnionych zadań.',
  'list.processing.title': 'Zadania w trakcie',
  'list.processing.empty': 'Żaden worker nie ma teraz zajętego zadania.',
  'list.stuck.title': 'Utknięte zadania',
  'list.stuck.empty': 'Brak utkniętych zadań.',
  'list.failed.title': 'Nieudane zadania',
  'list.failed.empty': 'Brak nieudanych zadań.',
  'list.filter_queue': 'kolejka `{queue}`',
  'list.filter_connection': 'połączenie {connection}',
  'list.unknown_connection_title': 'Nieznane połączenie kolejki',
  'list.unknown_connection': 'Bot nie obsługuje połączenia kolejki o nazwie `{connection}`; obsługuje: {served} (QUEUE_BOT_CONNECTIONS).',
  'list.filter_class': 'klasa {class}',
  'list.filter_grep': 'wyjątek zawiera „{grep}”',
  'list.summary': (p, tools) => `${jobs(p.total, tools)} · strona ${p.page} z ${p.pages}`,
  'list.summary_unknown': 'Strona {page}',
  'list.page_empty': 'Strona {page} jest pusta.',
  'list.sampled': (p, tools) =>
    plural(tools, p.n, {
      one: 'Na podstawie pierwszego zadania każdej kolejki, czyli tego, które workery wezmą najpierw.',
      few: 'Na podstawie pierwszych # zadań każdej kolejki, czyli tych, które workery wezmą najpierw.',
      many: 'Na podstawie pierwszych # zadań każdej kolejki, czyli tych, które workery wezmą najpierw.',
    }),

  // job lines
  'job.queue': 'kolejka `{queue}`',
  'job.attempts': 'próby {n}',
  'job.attempts_of': 'próba {n} z {max}',
  'job.waiting': 'czeka od {age}',
  'job.available_in': 'dostępne za {age}',
  'job.reserved_for': 'zajęte przez workera od {age}',
  'job.reservation_expired': 'Rezerwacja jest starsza niż retry_after: każdy worker może ponownie wziąć to zadanie.',
  'job.encrypted': 'zaszyfrowane (ShouldBeEncrypted)',
  'job.problem': 'Problem z payloadem: {problem}',
  'failed.other_connection': 'Padło na połączeniu `{connection}`, którego ten bot nie obsługuje: ponów je przez `php artisan queue:retry`.',
  'failed.ago': 'błąd {age} temu ({at})',
  'failed.no_exception': '(brak treści wyjątku)',

  // show
  'show.unknown_time': 'nieznany (zadanie w Redisie z Laravela 8–11 nie zapisuje czasu)',
  'show.job_title': 'Zadanie #{id} {job}',
  'show.failed_title': 'Nieudane zadanie {job}',
  'show.not_found_title': 'Nie znaleziono',
  'show.job_not_found': 'Nie ma zadania #{id}: już się wykonało, zakończyło się błędem albo zostało usunięte.',
  'show.failed_not_found': 'Nie ma nieudanego zadania {uuid}: zostało ponowione albo usunięte.',
  'show.state': 'Stan',
  'show.queue': 'Kolejka',
  'show.attempts': 'Próby',
  'show.created': 'Utworzone',
  'show.available_at': 'Zaplanowane na',
  'show.available_since': 'Dostępne od',
  'show.reserved': 'Zarezerwowane',
  'show.reservation_expired': 'Rezerwacja jest starsza niż retry_after ({retryAfter}): każdy worker może ponownie wziąć to zadanie.',
  'show.uuid': 'UUID',
  'show.arguments': 'Argumenty',
  'show.batch': 'Paczka',
  'show.chained': 'Dalej w łańcuchu',
  'show.delay': 'Opóźnienie',
  'show.encryption': 'Szyfrowanie',
  'show.decrypted': 'zaszyfrowane; odszyfrowane kluczem APP_KEY',
  'show.data': 'Dane',
  'show.limits': 'Limity',
  'show.tries': 'maks. prób {n}',
  'show.max_exceptions': 'maks. wyjątków {n}',
  'show.timeout': 'limit czasu {age}',
  'show.backoff': 'odstęp między próbami {backoff} s',
  'show.not_a_time': '{value} (nie jest to żadna data kalendarzowa)',
  'show.retry_until': 'Ponawiaj do',
  'show.payload': 'Payload',
  'show.failed_at': 'Kiedy',
  'show.exception': 'Wyjątek',
  'show.thrown_at': 'Rzucony w',
  'show.app_frame': 'Pierwsza linia w aplikacji',
  'show.caused_by': 'Przyczyna',
  'show.trace': 'Ślad stosu',
  'show.ago': '{at} ({age} temu)',
  'show.in': '{at} (za {age})',

  // retry
  'retry.done_title': 'Ponowiono',
  'retry.done': 'Nieudane zadanie [{uuid}] trafiło z powrotem do kolejki `{queue}` jako zadanie #{id} ({job}).',
  'change.confirmed_after_loss': 'Połączenie z bazą zerwało się w chwili zapisu; bot zapytał jeszcze raz i zmiana jest wykonana.',
  'change.uncertain_title': 'Jeszcze nie wiadomo',
  'change.uncertain':
    'Połączenie z bazą zerwało się w chwili zapisu, a baza od tamtej pory nie odpowiada: zmiana mogła się wykonać albo nie. Sprawdź przez `{check}`, gdy baza wróci.',
  'retry.uncertain':
    'Połączenie z bazą zerwało się w chwili zapisu ponowienia {uuid} i baza od tamtej pory nie odpowiada: mogło się udać albo nie. Sprawdź przez `show {uuid}`, gdy baza wróci; ponowne ponowienie jest bezpieczne (zadanie nie wykona się dwa razy).',
  'retry.uncertain_gone':
    'Połączenie zerwało się w chwili zapisu ponowienia {uuid}. Nieudanego zadania nie ma już w failed_jobs, ale nie czeka też żadne zadanie z jego uuid: mógł je już wykonać worker albo ktoś je usunął.',
  'change.stopped': 'Przerwano: bot się restartuje. To, co tu policzono, zostało wykonane; za chwilę uruchom to samo polecenie ponownie dla reszty.',
  'change.interrupted':
    'Przerwane: połączenie z bazą zostało utracone ({error}). To, co tu policzono, zostało wykonane; uruchom to samo polecenie jeszcze raz, by dokończyć.',
  'change.interrupted_uncertain': (p, tools) =>
    `${plural(tools, p.n, { one: 'Jeszcze # wiersz był', few: 'Jeszcze # wiersze były', many: 'Jeszcze # wierszy było' })} w trakcie zapisu, gdy połączenie się zerwało, i nie dało się tego sprawdzić: zmieniono albo wszystkie, albo żaden — nigdy połowę.`,
  'retry.not_found_title': 'Nie ma czego ponowić',
  'retry.not_found': 'Nie ma nieudanego zadania {uuid}: zostało już ponowione albo usunięte.',
  'retry.invalid_title': 'Nie można ponowić',
  'retry.invalid': 'Nieudane zadanie {uuid} pozostało bez zmian: {problem}.',
  'retry.retry_until_setting':
    'Tak jak `artisan queue:retry`, bot wyznaczył retryUntil na nowo: {window} od teraz (QUEUE_BOT_RETRY_WINDOW — własne okno zadania jest w jego danych dopiero od Laravela 12.11).',
  'retry.retry_until_payload': 'Tak jak `artisan queue:retry`, bot wyznaczył retryUntil na nowo z własnego okna zadania: {window} od teraz.',
  'retry.other_connection_title': 'Nie ponowiono tutaj',
  'retry.other_connection':
    'Nieudane zadanie {uuid} ({job}) padło na połączeniu kolejki `{connection}`, którego ten bot nie obsługuje (QUEUE_BOT_CONNECTIONS): jego workery nigdy nie zobaczyłyby go w `jobs`. Ponów je przez `php artisan queue:retry {uuid}`.',
  'retry.other_connections': (p, tools) =>
    `${plural(tools, p.n, { one: '# nieudane zadanie padło', few: '# nieudane zadania padły', many: '# nieudanych zadań padło' })} na połączeniu kolejki \`${String(p.connection)}\`, którego ten bot nie obsługuje; ${plural(tools, p.n, { one: 'pozostaje', few: 'pozostają', many: 'pozostaje' })} bez zmian (ponów przez \`php artisan queue:retry\`).`,
  'retry.all_queues': 'wszystkie kolejki',
  'retry.preview': (p, tools) => `Ponowić ${failedJobs(p.n, tools)} (${p.where})?`,
  'retry.preview_hint':
    'Wrócą do swoich kolejek z wyzerowanym licznikiem prób, od najstarszego błędu. Błędy, które pojawią się po tym podglądzie, nie są uwzględnione.',
  'retry.preview_none_title': 'Nie ma czego ponowić',
  'retry.preview_none': 'Żadne nieudane zadanie nie pasuje ({where}).',
  'retry.bulk_title': 'Ponowione nieudane zadania ({where})',
  'retry.bulk_done': (p, tools) =>
    plural(tools, p.retried, {
      one: '# nieudane zadanie wróciło do swojej kolejki',
      few: '# nieudane zadania wróciły do swoich kolejek',
      many: '# nieudanych zadań wróciło do swoich kolejek',
    }) +
    (Number(p.skipped) ? `; ${plural(tools, p.skipped, { one: '# pozostało bez zmian', few: '# pozostały bez zmian', many: '# pozostało bez zmian' })}.` : '.'),
  'retry.bulk_gone': (p, tools) =>
    `Od czasu podglądu ${plural(tools, p.n, { one: 'zniknęło już # zadanie', few: 'zniknęły już # zadania', many: 'zniknęło już # zadań' })} (ktoś je ponowił lub usunął).`,
  'retry.bulk_retry_until': (p, tools) =>
    plural(tools, p.n, {
      one: '# zadanie miało retryUntil, wyznaczony na nowo jak w `artisan queue:retry`.',
      few: '# zadania miały retryUntil, wyznaczony na nowo jak w `artisan queue:retry`.',
      many: '# zadań miało retryUntil, wyznaczony na nowo jak w `artisan queue:retry`.',
    }),
  'retry.reason.invalid_json': 'jego payload nie jest poprawnym JSON-em, więc worker nie mógłby go uruchomić',
  'retry.reason.uneditable_payload': 'jego payloadu nie dało się zmienić ({detail})',
  'retry.bulk_skipped_one': 'Nie ponowiono: {uuid} — {reason}.',
  'retry.bulk_skipped_more': (p, tools) =>
    plural(tools, p.n, { one: '…i jeszcze # nieponowione.', few: '…i jeszcze # nieponowione.', many: '…i jeszcze # nieponowionych.' }),

  // cancel, release, promote, forget
  'cancel.done_title': 'Anulowano',
  'cancel.done': 'Zadanie #{id} ({job}) zostało usunięte z kolejki `{queue}`; nie zostanie uruchomione.',
  'cancel.refused_title': 'Nie anulowano',
  'cancel.reserved':
    'Zadanie #{id} zostało pobrane przez workera {age} temu (próba {attempts}), więc nie zostało usunięte. Jeśli tego workera już nie ma, najpierw zwolnij zadanie.',
  'cancel.not_found': 'Nie ma zadania #{id}: już się wykonało, zakończyło się błędem albo zostało usunięte.',
  'release.done_title': 'Zwolniono',
  'release.done': 'Zadanie #{id} ({job}) jest znów dostępne w kolejce `{queue}`; weźmie je następny worker.',
  'release.attempts': 'Licznik prób cofnięto z {before} do {after}: przerwana próba nie wlicza się do limitu prób.',
  'release.refused_title': 'Nie zwolniono',
  'release.done_redis':
    'Zadanie #{id} ({job}) w `{queue}` jest znów do wzięcia: następny worker sprawdzający kolejkę je przejmie. Rozpoczęta przez jego workera próba nadal się liczy, jak po wygaśnięciu rezerwacji w Laravelu.',
  'release.fails_unrun':
    'Wykorzystało wszystkie próby ({attempts}): w Redisie przerwanej próby nie da się oddać, więc Laravel oznaczy je jako nieudane (zbyt wiele prób), gdy worker je weźmie; wtedy ponów je z listy nieudanych.',
  'release.already_due':
    'Zadanie #{id} w `{queue}` jest już do wzięcia: jego rezerwacja wygasła {age} temu i przejmie je każdy worker sprawdzający `{queue}` — żaden tego nie zrobił. Uruchom go: `php artisan queue:work {connection} --queue={queue}`. Niczego nie zmieniono.',
  'release.not_found': 'Nie ma zadania #{id}: już się wykonało, zakończyło się błędem albo zostało usunięte.',
  'release.not_reserved': 'Zadanie #{id} nie jest zajęte przez workera; nie ma czego zwalniać.',
  'release.changed':
    'Zadanie #{id} zostało ponownie pobrane {age} temu, przez innego workera niż ten widoczny wcześniej. Nic nie zostało zmienione; sprawdź jeszcze raz, zanim je zwolnisz.',
  'release.too_recent':
    'Zadanie #{id} jest zajęte dopiero od {age} (utknięte to zajęte dłużej niż {threshold}); jego worker może je nadal wykonywać. Nic nie zostało zmienione.',
  'promote.done_title': 'Przyspieszono',
  'promote.done': 'Opóźnione zadanie #{id} ({job}) jest już dostępne w kolejce `{queue}`.',
  'promote.refused_title': 'Nie przyspieszono',
  'promote.not_found': 'Nie ma zadania #{id}.',
  'promote.reserved': 'Zadanie #{id} jest już zajęte przez workera.',
  'promote.not_delayed': 'Zadanie #{id} nie jest opóźnione; jest już dostępne.',
  'forget.done_title': 'Usunięto',
  'forget.done': 'Nieudane zadanie [{uuid}] ({job}, kolejka `{queue}`) zostało usunięte.',
  'forget.not_found_title': 'Nic nie usunięto',
  'forget.not_found': 'Żadne nieudane zadanie nie pasuje do {uuid}: zostało już ponowione albo usunięte.',

  // flush, clear
  'flush.everything': 'bez filtrów',
  'flush.older_than': 'starsze niż {age}',
  'flush.preview': (p, tools) => `Usunąć na dobre ${failedJobs(p.n, tools)} (${p.where})?`,
  'flush.preview_hint': 'Usuniętych nieudanych zadań nie da się ponowić. Błędy, które pojawią się po tym podglądzie, nie są uwzględnione.',
  'flush.none_title': 'Nie ma czego usuwać',
  'flush.none': 'Żadne nieudane zadanie nie pasuje ({where}).',
  'flush.done_title': 'Usunięto nieudane zadania',
  'flush.done': (p, tools) =>
    `${plural(tools, p.n, {
      one: '# nieudane zadanie zostało usunięte',
      few: '# nieudane zadania zostały usunięte',
      many: '# nieudanych zadań zostało usuniętych',
    })} (${p.where}).`,
  'flush.gone': (p, tools) =>
    `Od czasu podglądu ${plural(tools, p.n, { one: 'zniknęło już # zadanie', few: 'zniknęły już # zadania', many: 'zniknęło już # zadań' })}.`,
  'clear.preview': (p, tools) =>
    `Usunąć ${plural(tools, p.n, { one: '# oczekujące zadanie', few: '# oczekujące zadania', many: '# oczekujących zadań' })} z kolejki \`${p.queue}\`?`,
  'clear.preview_hint': 'Nie zostaną uruchomione. Zadania dodane po tym podglądzie zostaną zachowane.',
  'clear.preview_reserved': (p, tools) =>
    plural(tools, p.n, {
      one: '# zadanie jest zajęte przez workera i pozostanie nietknięte.',
      few: '# zadania są zajęte przez workery i pozostaną nietknięte.',
      many: '# zadań jest zajętych przez workery i pozostanie nietkniętych.',
    }) + ' Zadania dodane po tym podglądzie zostaną zachowane.',
  'clear.none_title': 'Nie ma czego czyścić',
  'clear.none': (p, tools) =>
    `W kolejce \`${p.queue}\` nie ma oczekujących zadań` +
    (Number(p.reserved)
      ? ` (${plural(tools, p.reserved, { one: '# jest zajęte przez workera', few: '# są zajęte przez workery', many: '# jest zajętych przez workery' })}).`
      : '.'),
  'clear.done_title': 'Wyczyszczono kolejkę',
  'clear.done': (p, tools) =>
    `${plural(tools, p.n, { one: '# zadanie zostało usunięte', few: '# zadania zostały usunięte', many: '# zadań zostało usuniętych' })} z kolejki \`${p.queue}\`.`,
  'clear.left_reserved': (p, tools) =>
    plural(tools, p.n, {
      one: '# zadanie zajęte przez workera pozostało nietknięte.',
      few: '# zadania zajęte przez workery pozostały nietknięte.',
      many: '# zadań zajętych przez workery pozostało nietkniętych.',
    }),
  'clear.gone': (p, tools) =>
    `Od czasu podglądu ${plural(tools, p.n, { one: 'zniknęło już # zadanie', few: 'zniknęły już # zadania', many: 'zniknęło już # zadań' })}.`,

  // batches
  'batches.title': 'Paczki zadań',
  'batches.empty': 'Nie ma żadnych paczek zadań.',
  'batches.no_table':
    'Ta aplikacja nie używa paczek zadań: nie ma tabeli `{table}`. Laravel tworzy ją poleceniem `php artisan queue:batches-table` (`make:queue-batches-table` od Laravela 11) i `migrate`; wszystko inne działa bez niej.',
  'batches.summary': (p, tools) => `${plural(tools, p.total, { one: '# paczka', few: '# paczki', many: '# paczek' })} · strona ${p.page} z ${p.pages}`,
  'batch.title': 'Paczka {name}',
  'batch.progress': '{progress}% · przetworzone {processed} z {total} · oczekujące {pending} · błędy {failed}',
  'batch.running': 'w toku',
  'batch.finished': 'zakończona',
  'batch.cancelled': 'anulowana',
  'batch.failed_ids': 'Nieudane zadania',
  'batch.not_found_title': 'Nie ma takiej paczki',
  'batch.not_found': 'Nie ma paczki {id}.',
  'batch.nothing_failed_title': 'Nie ma czego ponowić',
  'batch.nothing_failed': 'W paczce {name} nie ma już nieudanych zadań do ponowienia.',
  'batch.retry_preview': (p, tools) => `Ponowić ${failedJobs(p.n, tools)} z paczki ${p.name}?`,
  'batch.retried_title': 'Paczka {name}: ponowiono nieudane zadania',
  'batch.cancel_preview': (p, tools) =>
    'Anulować paczkę? ' +
    plural(tools, p.pending, {
      one: 'Jej # oczekujące zadanie zostanie w kolejce i się wykona',
      few: 'Jej # oczekujące zadania zostaną w kolejce i się wykonają',
      many: 'Jej # oczekujących zadań zostanie w kolejce i się wykona',
    }) +
    `, ale zadania sprawdzające \`$this->batch()->cancelled()\` przerwą pracę wcześniej (jak przy Batch::cancel()). Paczka: ${p.name}`,
  'batch.cancel_hint': 'Laravel nie usuwa zadań anulowanej paczki; aby je również usunąć, wyczyść ich kolejkę.',
  'batch.cancel_refused_title': 'Nie anulowano',
  'batch.already_cancelled': 'Paczka {name} jest już anulowana.',
  'batch.already_finished': 'Paczka {name} już się zakończyła.',
  'batch.cancelled_title': 'Anulowano paczkę',
  'batch.cancelled_done': (p, tools) =>
    `Paczka ${p.name} została anulowana; ` +
    plural(tools, p.pending, {
      one: 'jej # oczekujące zadanie przerwie pracę wcześniej, jeśli to sprawdza.',
      few: 'jej # oczekujące zadania przerwą pracę wcześniej, jeśli to sprawdzają.',
      many: 'jej # oczekujących zadań przerwie pracę wcześniej, jeśli to sprawdzają.',
    }),

  // audit
  'audit.title': 'Dziennik zmian',
  'audit.empty': 'Nikt jeszcze nie próbował niczego zmienić.',
  'audit.summary': (p, tools) =>
    plural(tools, p.n, {
      one: 'Ostatnia próba zmiany.',
      few: 'Ostatnie # próby zmian, od najnowszej.',
      many: 'Ostatnich # prób zmian, od najnowszej.',
    }),
  'audit.line': '{user} ({id}) na kanale {channel} · {age} temu · {outcome}',
  'audit.outcome.done': 'wykonano',
  'audit.outcome.nothing': 'nic do zmiany',
  'audit.outcome.refused': 'odmówiono',
  'audit.outcome.failed': 'nie powiodło się',
  'audit.outcome.started': 'w toku (albo bot się zatrzymał)',
  'audit.outcome.partial': 'wykonano częściowo',
  'audit.outcome.uncertain': 'jeszcze nie wiadomo',
  'audit.outcome.unknown': 'nie wiadomo',

  // doctor
  'doctor.title': 'Diagnostyka',
  'doctor.all_good': 'Wszystko, czego potrzebuje bot, jest na miejscu.',
  'doctor.problems': (p, tools) => plural(tools, p.n, { one: '# rzecz do sprawdzenia.', few: '# rzeczy do sprawdzenia.', many: '# rzeczy do sprawdzenia.' }),
  'doctor.fix': 'Jak naprawić: {sql}',
  'doctor.connected': 'Połączono z {server} ({target}).',
  'doctor.unreachable': '{error}',
  'doctor.redis_connected': 'Połączono z Redisem {server} pod {target} (połączenie kolejki `{connection}`).',
  'doctor.redis_unreachable': '{error}',
  'doctor.redis_prefix_ok': 'Klucze kolejek znalezione pod prefiksem `{prefix}` (z {how}).',
  'doctor.redis_prefix_empty':
    'Brak kluczy kolejek pod prefiksem `{prefix}` (z {how}), więc każda kolejka wygląda na pustą — ale ta baza Redisa ma klucze kolejek pod: {found}. Ustaw QUEUE_BOT_REDIS_PREFIX (REDIS_PREFIX aplikacji) na właściwy.',
  'doctor.redis_prefix_nothing':
    'Brak kluczy kolejek pod prefiksem `{prefix}` (z {how}) ani pod żadnym innym w tej bazie Redisa: nic nie czeka w kolejce albo REDIS_URL wskazuje inny numer bazy niż REDIS_DB aplikacji.',
  'doctor.horizon_alive':
    'Horizon (`{prefix}`): żywych masterów {alive} z {masters}, supervisorów {supervisors}; {failed} nieudanych zadań na jego liście (tylko do odczytu: bot działa na kolejkach i failed_jobs).',
  'doctor.horizon_down': 'Horizon (`{prefix}`) ma zarejestrowanych masterów: {masters}, ale żaden nie żyje: jego workery nie działają.',
  'doctor.table_ok': 'Tabela `{table}` istnieje.',
  'doctor.table_missing': '{error}',
  'doctor.covering_ok': 'Indeks {index} obejmuje wszystkie liczniki: statystyki są dokładne i szybkie (liczba zadań: {rows}).',
  'doctor.covering_missing':
    'Tabela `{table}` ma tylko indeks `queue` z Laravela (liczba zadań: {rows}). Przy dużej zaległości statystyki są więc liczone z próbki, bo zliczanie zadań oczekujących, opóźnionych i w trakcie czyta całą tabelę (zmierzono `npm run bench` przy 1 mln zadań: 31–43 s przy domyślnym buforze MariaDB, 0,7 s w PostgreSQL z tabelą w pamięci). Z tym indeksem są dokładne: `stats` trwało tam 0,30 s w MariaDB i 0,35 s w PostgreSQL.',
  'doctor.queue_index_missing': 'Tabela `{table}` nie ma indeksu zaczynającego się od `queue`: workery Laravela przeszukują całą tabelę przy każdym zadaniu.',
  'doctor.indexes_unreadable': 'Nie udało się odczytać indeksów: {error}',
  'doctor.rights_ok': 'Użytkownik bazy danych ma prawa {rights} do `{table}`: wszystko, czego bot tam potrzebuje.',
  'doctor.rights_missing': 'Użytkownikowi bazy danych brakuje praw {missing} do `{table}`.',
  'doctor.rights_unknown': 'Nie udało się odczytać uprawnień użytkownika bazy danych do `{table}`: {error}',
  'doctor.own_table_missing':
    'Tabela `{table}` jeszcze nie istnieje: bot utworzy ją przy pierwszym użyciu, co wymaga prawa CREATE — albo administrator tworzy ją raz.',

  // help
  'help.title': 'Laravel Queue Bot',
  'help.intro': 'Przeglądaj i naprawiaj kolejki zadań aplikacji Laravel. Polecenia oznaczone ⚑ zmieniają dane i są tylko dla operatorów.',
  'help.usage': 'Użycie',
  'help.aliases': 'Inne nazwy',
  'help.commands': 'Polecenia',
  'help.permission': 'Kto może',
  'help.operators_only': 'Tylko operatorzy (QUEUE_BOT_OPERATORS).',
  'help.operator_mark': '⚑',
  'help.you_are_operator': 'Jesteś operatorem: możesz zmieniać zadania.',
  'help.you_are_not_operator': 'Możesz przeglądać; aby zmieniać zadania, administrator musi dodać `{id}` do QUEUE_BOT_OPERATORS.',
  'help.chart': 'Zapisana historia jako wykres: zadania w kolejce według stanu, błędy, wykonane — jednej kolejki lub wszystkich, z 6h, 24h lub 7d.',
  'help.stats': 'Stan kolejek: oczekujące, opóźnione, w trakcie, utknięte, błędy; zastoje; niezakończone paczki.',
  'help.pending': 'Oczekujące zadania, w kolejności, w jakiej wezmą je workery.',
  'help.delayed': 'Zadania, które staną się dostępne później.',
  'help.processing': 'Zadania w trakcie: te, które workery właśnie wykonują.',
  'help.stuck': 'Zadania zajęte przez workera dłużej niż QUEUE_BOT_STUCK_AFTER.',
  'help.failed': 'Nieudane zadania, od najnowszych, z wyjątkiem, który faktycznie rzuciły.',
  'help.show': 'Wszystko o zadaniu (po id) lub nieudanym zadaniu (po uuid): argumenty, próby, ślad stosu.',
  'help.retry': 'Wstaw nieudane zadanie z powrotem do jego kolejki (jak artisan queue:retry, w jednej transakcji).',
  'help.retry_all': 'Ponów wszystkie nieudane zadania z danej kolejki i/lub klasy (najpierw podgląd).',
  'help.cancel': 'Usuń oczekujące zadanie, zanim weźmie je worker.',
  'help.release': 'Udostępnij ponownie utknięte zadanie (gdy jego workera już nie ma).',
  'help.promote': 'Uruchom opóźnione zadanie od razu.',
  'help.forget': 'Usuń jedno nieudane zadanie (jak artisan queue:forget).',
  'help.flush': 'Usuń nieudane zadania, np. tylko starsze lub z jednej kolejki (najpierw podgląd).',
  'help.clear': 'Usuń oczekujące zadania z jednej kolejki (najpierw podgląd).',
  'help.batches': 'Paczki zadań i ich postęp.',
  'help.batch': 'Jedna paczka; `batch retry <id>` ponawia jej nieudane zadania, `batch cancel <id>` ją anuluje.',
  'help.batch_retry': 'Ponów nieudane zadania paczki (jak artisan queue:retry-batch).',
  'help.batch_cancel': 'Anuluj paczkę (jak Batch::cancel()).',
  'help.audit': 'Kto, co i kiedy zmienił, i z jakim skutkiem.',
  'help.doctor': 'Sprawdza tabele, indeksy i uprawnienia w bazie danych i podpowiada, co naprawić.',
  'help.help': 'Ta lista albo sposób użycia jednego polecenia.',

  // Discord option descriptions
  'option.queue': 'Nazwa kolejki',
  'option.last': 'Jak daleko wstecz: 6h, 24h lub 7d',
  'option.connection': 'Połączenie kolejki (database, redis…), gdy jest ich kilka',
  'option.class': 'Klasa zadania: SyncProduct lub App\\Jobs\\SyncProduct',
  'option.grep': 'Tekst do znalezienia w wyjątku',
  'option.page': 'Numer strony',
  'option.uuid': 'UUID nieudanego zadania',
  'option.job_id': 'Identyfikator zadania (liczba)',
  'option.target': 'Identyfikator zadania lub UUID nieudanego zadania',
  'option.older_than': 'Tylko błędy starsze niż podany czas, np. 24h',
  'option.batch_id': 'Identyfikator paczki',
  'option.limit': 'Ile wpisów (1–100)',
  'option.command': 'Nazwa polecenia',
  'option.incident': 'stuck, stalled, spike lub kolejka',
  'option.snooze_for': '30m, 2h lub do jutra 09:00',
  'option.mute_what': 'Kolejka lub grupa błędów',
  'option.mute_name': 'Nazwa kolejki lub klucz grupy z alertu',
  'option.mute_for': 'Od 1m do 7d, np. 2h',

  // alerts
  'alert.stuck.title': 'Utknięte zadania w kolejce `{queue}`',
  'alert.stuck.summary': (p, tools) => {
    const one = Number(p.n) === 1;
    return (
      `${plural(tools, p.n, { one: '# zadanie jest zajęte', few: '# zadania są zajęte', many: '# zadań jest zajętych' })} ` +
      `przez ${one ? 'workera' : 'workery'} dłużej niż ${p.threshold} albo ` +
      `${plural(tools, p.n, { one: 'wciąż jest pobierane od nowa', few: 'wciąż są pobierane od nowa', many: 'wciąż jest pobieranych od nowa' })}. ` +
      `Jeśli ${one ? 'tego workera' : 'tych workerów'} już nie ma, zwolnij je.`
    );
  },
  'alert.stuck.line': 'próba {attempts} · zajęte od {age}',
  'alert.stuck.climbing': 'Liczba prób wciąż rośnie: każdy worker, który je weźmie, pada (brak pamięci, zabity proces, przekroczony limit czasu).',
  'alert.stalled.title': 'Kolejka `{queue}` stoi w miejscu',
  'alert.stalled.summary': (p, tools) =>
    `Najstarsze oczekujące zadanie czeka już ${p.age} (alert po ${p.threshold})` +
    (p.more ? '' : '; łącznie ' + plural(tools, p.n, { one: 'czeka # zadanie', few: 'czekają # zadania', many: 'czeka # zadań' })) +
    '. Czy dla tej kolejki działa jakiś worker?',
  'alert.still_open': 'Od {age} wciąż nierozwiązane.',
  'alert.resolved.title': 'Rozwiązano: {what}',
  'alert.resolved.summary': 'Czas trwania: {age}',
  'alert.spike.title_groups': (p, tools) =>
    `Fala błędów: ${plural(tools, p.n, { one: `#${p.more ?? ''} nieudane zadanie`, few: `#${p.more ?? ''} nieudane zadania`, many: `#${p.more ?? ''} nieudanych zadań` })} ` +
    `w ${plural(tools, p.groups, { one: '# grupie', few: '# grupach', many: '# grupach' })}`,
  'alert.spike.span': (p, tools) => {
    const jobs = plural(tools, p.n, {
      one: `#${p.more ?? ''} nieudane zadanie`,
      few: `#${p.more ?? ''} nieudane zadania`,
      many: `#${p.more ?? ''} nieudanych zadań`,
    });
    const when = !p.from ? '' : p.from === p.to ? ` o ${p.from}` : ` ${p.from}–${p.to}`;
    return `${jobs}${when} w ${plural(tools, p.groups, { one: '# grupie', few: '# grupach', many: '# grupach' })}`;
  },
  'alert.more_groups': (p, tools) => `…i jeszcze ${plural(tools, p.n, { one: '# grupa', few: '# grupy', many: '# grup' })}.`,
  'alert.spike.open_summary':
    '{span}. Pogrupowane według zadania, wyjątku i miejsca w aplikacji; alert trwa, dopóki te grupy nie będą bez nowych błędów przez {quiet}.',
  'alert.spike.resolved_summary': '{span}; od {quiet} żadna z tych grup nie miała nowego błędu.',
  'alert.db_back.title': 'Baza danych kolejek znów jest dostępna',
  'alert.db_back.summary': 'Bot nie mógł się z nią połączyć przez około {age}; w tym czasie alerty były wstrzymane, a teraz znów działają.',
  'button.show_waiting': 'Pokaż oczekujące',
  'alert.stuck.group_title': (p, tools) => `Utknięte zadania w ${plural(tools, p.n, { one: '# kolejce', few: '# kolejkach', many: '# kolejkach' })}`,
  'alert.stuck.queue_row': (p, tools) =>
    `${plural(tools, p.n, { one: '# zadanie zajęte', few: '# zadania zajęte', many: '# zadań zajętych' })}, najdłużej od ${p.age}`,
  'alert.stuck.job_line': '#{id} {class} · próba {attempts}',
  'alert.stuck.climbing_short': 'liczba prób rośnie',
  'alert.stalled.group_title': (p, tools) => plural(tools, p.n, { one: '# kolejka stoi', few: '# kolejki stoją', many: '# kolejek stoi' }) + ' w miejscu',
  'alert.stalled.group_summary': (p, tools) =>
    'Ich najstarsze oczekujące zadania czekają dłużej niż próg alertu' +
    (p.more ? '' : '; łącznie ' + plural(tools, p.n, { one: 'czeka # zadanie', few: 'czekają # zadania', many: 'czeka # zadań' })) +
    '. Czy działają dla nich workery?',
  'alert.stalled.queue_row': (p, tools) =>
    `czeka od ${p.age} (alert po ${p.threshold})` +
    (p.more ? '' : ` · ${plural(tools, p.n, { one: '# zadanie', few: '# zadania', many: '# zadań' })} w kolejce`),
  'alert.more_queues': (p, tools) => `…i jeszcze ${plural(tools, p.n, { one: '# kolejka', few: '# kolejki', many: '# kolejek' })}.`,
  'alert.resolved_meanwhile': 'Rozwiązane w międzyczasie: {list}.',
  'alert.resolved_queue': '`{queue}` po {age}',

  // shell and CLI
  'shell.welcome': 'Laravel Queue Bot — wpisz `help`, aby zobaczyć polecenia, numer, aby nacisnąć przycisk, albo `exit`, aby wyjść.',
  'shell.no_choices': 'Ostatnia odpowiedź nie ma przycisków do wyboru; wpisz polecenie.',
  'shell.no_such_choice': 'Nie ma opcji [{n}]; wybierz od 1 do {max} albo wpisz polecenie.',
  'shell.confirm_prompt': '{yes}? [t/N]',
  'shell.bye': 'Do zobaczenia.',
  'shell.app_env': 'Odczytano ustawienia aplikacji Laravel z {path}.',
  'shell.database': 'Baza danych: {kind} {database} na {server} — zmiana wprowadzona tutaj zachodzi właśnie tam.',
  'shell.database_file': 'Baza danych: plik {kind} {path} — zmiana wprowadzona tutaj zachodzi właśnie tam.',
  'demo.banner':
    'DANE DEMO: nie ustawiono DATABASE_URL, więc to demonstracyjna baza SQLite ({path}) wypełniona wierszami zapisanymi przez prawdziwy Laravel, tworzona od nowa przy każdym starcie. Aby zobaczyć własne kolejki, wskaż .env aplikacji (--env-file /var/www/app/.env albo uruchom w folderze projektu Laravel) lub ustaw w .env DATABASE_URL (mysql://user:password@host:3306/laravel, postgres://user:password@host:5432/laravel lub sqlite:/path/to/database.sqlite), a żeby odczytywać zaszyfrowane zadania, także APP_KEY.',
  'cli.preview_hint': 'Nic nie zostało zmienione. Aby to wykonać, uruchom to samo polecenie jeszcze raz z --yes.',
  'cli.app_env': 'Odczytano ustawienia aplikacji Laravel z {path} (baza danych {database}).',
  'cli.app_env_own_url': ' Ustawiono DATABASE_URL: ma pierwszeństwo przed ustawieniami DB_* aplikacji.',
  'cli.note': 'Uwaga: {note}.',
  'cli.both_quotes': 'Argument ze spacją nie może zawierać jednocześnie cudzysłowów " i \'; pomiń jeden rodzaj.',
  'preview.no_button': 'Dla tak długiego filtra nie da się utworzyć przycisku; użyj CLI (`npx queue-bot … --yes`) albo krótszej nazwy kolejki lub klasy.',
  'cli.usage':
    'Użycie: queue-bot <polecenie> [argumenty] [--json] [--yes]\n  --json  wypisz wynik jako JSON (stabilny interfejs; zob. README)\n  --yes   wykonaj zmianę, która inaczej zostałaby tylko pokazana w podglądzie\n  --out   gdzie `chart` zapisuje wykres PNG, np. --out wykres.png\nKody wyjścia: 0 sukces, 1 błąd, odmowa lub tylko podgląd, 2 błąd użycia. `queue-bot help` wyświetla listę poleceń.',

  // queue-bot check: jedna linia dla monitoringu (po "QUEUE OK - ")
  'check.ok': (p, tools) => `${plural(tools, p.n, { one: '# kolejka', few: '# kolejki', many: '# kolejek' })}, nic nie utknęło, nie stoi i nie pada`,
  'check.stuck': (p, tools) => `${plural(tools, p.n, { one: '# utknięte zadanie', few: '# utknięte zadania', many: '# utkniętych zadań' })} w: ${p.queues}`,
  'check.spike': (p, tools) =>
    `fala błędów: ${plural(tools, p.n, { one: `#${p.more ?? ''} zadanie`, few: `#${p.more ?? ''} zadania`, many: `#${p.more ?? ''} zadań` })} w ${plural(tools, p.groups, { one: '# grupie', few: '# grupach', many: '# grupach' })}`,
  'check.stalled': (p, tools) => `${plural(tools, p.n, { one: '# kolejka stoi', few: '# kolejki stoją', many: '# kolejek stoi' })}: ${p.queues}`,
  'check.more': 'i jeszcze {n}',
  'check.failed': 'nie udało się sprawdzić: {reason}',

  // shared by the chat adapters
  'chat.done_by': '{user} · {time}',
  'chat.more': '…i jeszcze {n}',
  'chat.changes_title': (p, tools) => plural(tools, p.n, { one: '# zmiana z jednej listy', few: '# zmiany z jednej listy', many: '# zmian z jednej listy' }),
  'chat.changes_earlier': '…i {n} wcześniejszych',

  // slack adapter
  'slack.more': 'i jeszcze {n} — użyj `--page`',
  'slack.more_compact': 'Również na tej stronie (bez miejsca na ich przyciski; użyj `/queue show <id>`):',
  'slack.trace_more': (p, tools) => `… jeszcze ${lines(p.n, tools)}`,
  'slack.trace_cut': (p, tools) => `… jeszcze ${lines(p.n, tools)} nie mieści się tutaj. CLI wypisuje cały ślad: \`queue-bot show <id>\``,
  'slack.close': 'Zamknij',
  'slack.shared_by': 'Udostępnione przez {user}',
  'slack.delivery_failed': 'Bot nie mógł pokazać tutaj swojej odpowiedzi ({detail}). Jeśli chodziło o zmianę, `/queue audit` pokaże, czy została wprowadzona.',

  // discord adapter
  'discord.command': 'Przeglądaj i naprawiaj kolejki zadań aplikacji Laravel',
  'discord.group.alert': 'Otwarte alerty: potwierdź, uśpij, wycisz, przywróć, lista',
  'discord.alert.ack': 'Potwierdź alert: „zajmuję się tym”',
  'discord.alert.snooze': 'Uśpij alert: bez przypomnień przez jakiś czas',
  'discord.alert.mute': 'Wycisz kolejkę lub grupę błędów na jakiś czas',
  'discord.alert.unmute': 'Zakończ wyciszenie',
  'discord.alert.list': 'Otwarte alerty i wyciszenia',
  'discord.more': (p, tools) =>
    `…i jeszcze ${plural(tools, p.n, {
      one: '# pozycja na tej stronie; nie zmieściła się',
      few: '# pozycje na tej stronie; nie zmieściły się',
      many: '# pozycji na tej stronie; nie zmieściło się',
    })} w wiadomości.`,
  'discord.trace_left_out': 'Ślad stosu nie mieści się w tej wiadomości. CLI wypisuje go w całości: `queue-bot show <id>`',
  'discord.trace_more': (p, tools) => `… jeszcze ${lines(p.n, tools)} (CLI wypisuje wszystkie: queue-bot show <id>)`,
  'discord.choose': '{action}…',
  'button.snooze_30m': 'Wycisz na 30m',
  'button.snooze_2h': 'Wycisz na 2h',
  'button.snooze_tomorrow': 'Wycisz do 09:00',
  'alert.snoozed_by': 'Wyciszone przez {user} jeszcze na {left}: cisza, chyba że się pogorszy (dwa razy więcej zadań albo nowa kolejka lub grupa błędów).',
  'help.snooze': 'Wycisz otwarty alert na 30m, 2h albo do jutra 09:00 (APP_TIMEZONE): bez przypomnień, chyba że się pogorszy.',
  'snooze.bad_choice': 'Wycisz na 30m, 2h albo tomorrow (do 09:00).',
  'snooze.problem_title': 'Niczego nie wyciszono',
  'snooze.over': 'Ten alert już się zakończył (może być otwarty nowszy tego rodzaju; `snooze {kind} 2h` wycisza tamten).',
  'button.acknowledge': 'Potwierdź',
  'alert.acknowledged_by': 'Potwierdzone przez {user} {age} temu: bez przypomnień do rozwiązania.',
  'alert.runbook': 'Runbook',
  'alert.escalated.title': 'Niepotwierdzone od {age}',
  'alert.escalated.summary': 'Nikt nie potwierdził tego alertu od jego otwarcia {age} temu.',
  'help.ack': 'Potwierdź otwarty alert („zajmuję się tym”): pokazuje kto i wstrzymuje przypomnienia do rozwiązania.',
  'ack.already': '{user} potwierdził(a) to już {age} temu.',
  'ack.problem_title': 'Niczego nie potwierdzono',
  'ack.unknown': '`{incident}` nie jest alertem. Podaj jego rodzaj: stuck, stalled lub spike (albo incydent jednej kolejki, np. stuck:imports).',
  'ack.none_open': 'Żaden alert `{incident}` nie jest otwarty.',
  'ack.over': 'Ten alert już się zakończył (może być otwarty nowszy tego rodzaju; `ack {kind}` potwierdza tamten).',
  'button.mute_queue': 'Ukryj {name} na 1h',
  'button.mute_group': 'Ukryj najgorszą grupę na 1h',
  'confirm.mute.title': 'Ukryć w alertach: {what}?',
  'confirm.mute.text':
    'Pomija w wiadomościach alertów przez {for}, dla wszystkich na kanale: {what}. Chyba że się pogorszy (dwa razy więcej zadań albo nowa grupa błędów). `unmute` kończy to wcześniej.',
  'confirm.mute.yes': 'Ukryj',
  'mute.target_queue': 'kolejka `{name}`',
  'mute.target_group': 'grupa błędów `{name}`',
  'mute.title': 'Ukryto',
  'mute.done':
    'Ukryte na {for} (przez {user}): {what} — pomijane w wiadomościach alertów do tego czasu, chyba że się pogorszy (dwa razy więcej zadań albo nowa grupa błędów). `unmute {type} {name}` kończy to wcześniej.',
  'mute.problem_title': 'Niczego nie ukryto',
  'mute.bad_type': 'Ukryj `queue <nazwa>` albo `group <klucz>` (klucz, który alert pokazuje przy grupie błędów), np. `mute queue imports 2h`.',
  'mute.bad_duration': 'Ukryj na czas od 1m do 7d, np. 30m, 2h albo 1d.',
  'mute.not_open': 'Żaden otwarty alert tego nie pokazuje: {what}. Ukryć można tylko kolejkę lub grupę błędów z otwartego alertu (`alerts` je wymienia).',
  'mute.over': 'Ten alert już się zakończył, więc niczego nie ukryto (`alerts` wymienia otwarte).',
  'alert.spike.group_key': 'klucz do ukrycia `{key}`',
  'help.mute': 'Ukryj kolejkę lub grupę błędów na jakiś czas (1m do 7d): pomijana w alertach, chyba że się pogorszy.',
  'help.unmute': 'Zakończ ukrycie: kolejka lub grupa błędów wraca do wiadomości alertów od następnego sprawdzenia.',
  'unmute.title': 'Przywrócono',
  'unmute.done': 'Znów w wiadomościach alertów od następnego sprawdzenia: {what}.',
  'unmute.problem_title': 'Niczego nie przywrócono',
  'unmute.not_muted': 'Nie jest ukryte: {what} (`alerts` wymienia ukryte).',
  'help.alerts': 'Otwarte alerty: ich kolejki lub grupy błędów, kto je potwierdził lub wyciszył, oraz co jest ukryte, z czasem końca każdego.',
  'alerts.title': 'Alerty',
  'alerts.none': 'Żaden alert nie jest otwarty i nic nie jest ukryte.',
  'alerts.summary': (p) => `otwarte alerty: ${Number(p.open)} · ukryte: ${Number(p.muted)}`,
  'alerts.message': 'alert `{kind}`',
  'alerts.open_for': 'otwarty od {age}: {list}',
  'alerts.acknowledged': 'potwierdzony przez {user} {age} temu',
  'alerts.snoozed': 'wyciszony przez {user}, zostało {left}',
  'alerts.muted_key': 'ukryte',
  'alerts.muted': 'przez {user}, zostało {left} (chyba że się pogorszy)',
  'alert.thread.name': 'Przebieg alertu',
  'timeline.ack': 'Potwierdzone przez {user}',
  'timeline.snooze': 'Uśpione przez {user} na {for} (do {until})',
  'timeline.mute': '{user} wyciszył(a) {what} na {for}',
  'timeline.unmute': '{user} przywrócił(a) {what}',
  'timeline.action': '{user}: {what}',
  'timeline.queues_joined': 'Gorzej: dołączyło {list}',
  'timeline.groups_joined': 'Gorzej: nowa grupa błędów {list}',
  'timeline.doubled': 'Gorzej: {to} zadań, było {from}',
  'timeline.remind': 'Nadal otwarty po {age}: przypomnienie',
  'timeline.more': (p) => `… kolejne zdarzenia: ${Number(p.n)}, zob. /queue audit`,
  'discord.posted': 'Gotowe: wynik został opublikowany na kanale dla wszystkich.',
  'discord.delivery_failed':
    'Bot nie mógł pokazać tutaj swojej odpowiedzi ({detail}). Jeśli chodziło o zmianę, `/queue audit` pokaże, czy została wprowadzona.',
};
