<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="ru">
    <context>
        <name>AboutDialog</name>
        <message>
            <source>О программе</source>
            <translation>About</translation>
        </message>
        <message>
            <source>&lt;h2&gt;Halyk Desk {version}&lt;/h2&gt;</source>
            <translation>&lt;h2&gt;Halyk Desk {version}&lt;/h2&gt;</translation>
        </message>
        <message>
            <source>Бэк-офис магазина для платежей через Halyk ePay: сверка, блокировки, возвраты.</source>
            <translation>Back office for shops paid through Halyk ePay: reconciliation, holds, refunds.</translation>
        </message>
        <message>
            <source>Версия</source>
            <translation>Version</translation>
        </message>
        <message>
            <source>Папка данных</source>
            <translation>Data folder</translation>
        </message>
        <message>
            <source>Настройки</source>
            <translation>Settings</translation>
        </message>
        <message>
            <source>Журналы</source>
            <translation>Logs</translation>
        </message>
        <message>
            <source>База данных</source>
            <translation>Database</translation>
        </message>
        <message>
            <source>Профиль</source>
            <translation>Profile</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Язык</source>
            <translation>Language</translation>
        </message>
        <message>
            <source>Система</source>
            <translation>System</translation>
        </message>
        <message>
            <source>Открыть папку данных</source>
            <translation>Open the data folder</translation>
        </message>
        <message>
            <source>Копировать сведения</source>
            <translation>Copy the details</translation>
        </message>
        <message>
            <source>Закрыть</source>
            <translation>Close</translation>
        </message>
    </context>
    <context>
        <name>App</name>
        <message>
            <source>Halyk Desk не запустился</source>
            <translation>Halyk Desk did not start</translation>
        </message>
        <message>
            <source>Не удалось открыть данные Halyk Desk:
{error}

Проверьте адрес базы данных (параметр --db или переменная HALYK_DESK_DB) и файл настроек в папке программы (параметр --home или переменная HALYK_DESK_HOME). Если база на сервере PostgreSQL, проверьте, что сервер доступен. Затем запустите программу снова.</source>
            <extracomment>The sandbox badge: black on orange, a contrast of about 9:1. How long (ms) the window waits for background work to stop when it closes. What `attach` imports, loaded on the worker that opens the data so that the GUI thread does not wait for them.</extracomment>
            <translation>Could not open the data of Halyk Desk:
{error}

Check the database address (the --db option or the HALYK_DESK_DB variable) and the settings file in the program's folder (the --home option or the HALYK_DESK_HOME variable). If the database is on a PostgreSQL server, check that the server can be reached. Then start the program again.</translation>
        </message>
        <message>
            <source>Если базу выбрали в настройках (Файл → Настройки → База данных), а она больше не нужна, удалите строку database_url из файла {path}: программа откроет свою базу на этом компьютере.</source>
            <translation>If the database was chosen in the settings (File → Settings → Database) and is no longer needed, delete the database_url line from the file {path}: the program will open its own database on this computer.</translation>
        </message>
    </context>
    <context>
        <name>AuditView</name>
        <message>
            <source>№</source>
            <extracomment>How many entries the tab shows at most (newest first); filters narrow it down.</extracomment>
            <translation>No.</translation>
        </message>
        <message>
            <source>Время</source>
            <translation>Time</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Действие</source>
            <translation>Action</translation>
        </message>
        <message>
            <source>Заказ / предмет</source>
            <translation>Order / subject</translation>
        </message>
        <message>
            <source>Подробности</source>
            <translation>Details</translation>
        </message>
        <message>
            <source>Номер заказа</source>
            <translation>Order number</translation>
        </message>
        <message>
            <source>Все даты</source>
            <translation>All dates</translation>
        </message>
        <message>
            <source>Обновить</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>Прочитать журнал заново</source>
            <translation>Read the log again</translation>
        </message>
        <message>
            <source>Проверить целостность</source>
            <translation>Verify integrity</translation>
        </message>
        <message>
            <source>Оператор:</source>
            <translation>Operator:</translation>
        </message>
        <message>
            <source>Действие:</source>
            <translation>Action:</translation>
        </message>
        <message>
            <source>Период:</source>
            <translation>Period:</translation>
        </message>
        <message>
            <source>Все</source>
            <translation>All</translation>
        </message>
        <message>
            <source>Ошибка чтения: {error}</source>
            <translation>Read error: {error}</translation>
        </message>
        <message>
            <source>Записей: {n}</source>
            <translation>Entries: {n}</translation>
        </message>
        <message>
            <source>Проверяю цепочку записей…</source>
            <translation>Checking the chain of entries…</translation>
        </message>
        <message>
            <source>Проверка не удалась: {error}</source>
            <translation>The check failed: {error}</translation>
        </message>
        <message>
            <source>Журнал цел: {n} записей, цепочка хешей сходится.</source>
            <translation>The log is intact: {n} entries, the hash chain holds.</translation>
        </message>
        <message>
            <source>изменена</source>
            <translation>was altered</translation>
        </message>
        <message>
            <source>удалена</source>
            <translation>was removed</translation>
        </message>
        <message>
            <source>переставлена</source>
            <translation>was moved</translation>
        </message>
        <message>
            <source>Журнал повреждён: запись №{seq} {kind}. {message}</source>
            <translation>The log is damaged: entry No. {seq} {kind}. {message}</translation>
        </message>
    </context>
    <context>
        <name>DailyChart</name>
        <message>
            <source>Списано и возвращено по дням</source>
            <extracomment>A day's bars were clicked.</extracomment>
            <translation>Captured and refunded by day</translation>
        </message>
        <message>
            <source>Платежи ещё не прочитаны из банка: нажмите F5 (Синхронизировать).</source>
            <translation>Nothing has been read from the bank yet: press F5 (Sync).</translation>
        </message>
        <message>
            <source>За этот период денег не списывали и не возвращали.</source>
            <translation>No money was captured or refunded in this period.</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Возвраты</source>
            <translation>Refunds</translation>
        </message>
        <message>
            <source>по дням оформления платежа, время Алматы</source>
            <translation>by the day of the payment, Almaty time</translation>
        </message>
        <message>
            <source>{day}: списано {captured}, возвраты {refunded}, платежей {count}. Щёлкните, чтобы открыть их список.</source>
            <translation>{day}: captured {captured}, refunds {refunded}, payments {count}. Click to open their list.</translation>
        </message>
        <message>
            <source>{n} млн {symbol}</source>
            <extracomment>Dark enough for a 4.5:1 contrast on white, apart enough to tell without colour vision. Pixels around the plot, besides the axis labels.</extracomment>
            <translation>{symbol} {n}M</translation>
        </message>
        <message>
            <source>{n} тыс. {symbol}</source>
            <translation>{symbol} {n}k</translation>
        </message>
        <message>
            <source>{n} {symbol}</source>
            <translation>{symbol} {n}</translation>
        </message>
    </context>
    <context>
        <name>DashboardView</name>
        <message>
            <source>7 дней</source>
            <extracomment>Periods of the dashboard: (key, number of days or a month). Open the Payments tab with this filter. Open the Holds tab with the holds of this bucket (a HoldBucket) selected. Open the journal of operations at the unresolved ones. The figures were read (again); for tests.</extracomment>
            <translation>7 days</translation>
        </message>
        <message>
            <source>30 дней</source>
            <translation>30 days</translation>
        </message>
        <message>
            <source>90 дней</source>
            <translation>90 days</translation>
        </message>
        <message>
            <source>Этот месяц</source>
            <translation>This month</translation>
        </message>
        <message>
            <source>Прошлый месяц</source>
            <translation>Last month</translation>
        </message>
        <message>
            <source>Обновить</source>
            <translation>Refresh</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Возвраты</source>
            <translation>Refunds</translation>
        </message>
        <message>
            <source>Итого за вычетом возвратов</source>
            <translation>Net of refunds</translation>
        </message>
        <message>
            <source>Оплаченных платежей</source>
            <translation>Paid payments</translation>
        </message>
        <message>
            <source>Блокировки по возрасту:</source>
            <translation>Holds by age:</translation>
        </message>
        <message>
            <source>Операции в процессе</source>
            <translation>Operations in progress</translation>
        </message>
        <message>
            <source>Открытые расхождения</source>
            <translation>Open discrepancies</translation>
        </message>
        <message>
            <source>Период:</source>
            <translation>Period:</translation>
        </message>
        <message>
            <source>Не удалось прочитать сводку: {error}. Нажмите «Обновить»; если не поможет, проверьте доступ к базе данных.</source>
            <translation>Could not read the dashboard: {error}. Press “Refresh”; if that does not help, check access to the database.</translation>
        </message>
        <message>
            <source>обновлено {when} · рабочий день по {zone}</source>
            <translation>updated {when} · business day in {zone}</translation>
        </message>
        <message>
            <source>Сегодня, {day}:</source>
            <translation>Today, {day}:</translation>
        </message>
        <message>
            <source>За период {start} – {end}:</source>
            <translation>Period {start} – {end}:</translation>
        </message>
        <message>
            <source>не сверяли</source>
            <translation>not reconciled</translation>
        </message>
        <message>
            <source>сверки ещё не было</source>
            <translation>no reconciliation yet</translation>
        </message>
        <message>
            <source>нет</source>
            <translation>none</translation>
        </message>
        <message>
            <source>истекли</source>
            <translation>expired</translation>
        </message>
        <message>
            <source>&lt; {to} д</source>
            <translation>&lt; {to} d</translation>
        </message>
        <message>
            <source>{start}–{end} д</source>
            <translation>{start}–{end} d</translation>
        </message>
        <message>
            <source>ждут одобрения: {n}</source>
            <translation>awaiting approval: {n}</translation>
        </message>
        <message>
            <source>отправляются: {n}</source>
            <translation>being sent: {n}</translation>
        </message>
        <message>
            <source>результат неизвестен: {n}</source>
            <translation>outcome unknown: {n}</translation>
        </message>
        <message>
            <source>Открыть реестр операций</source>
            <translation>Open the operations list</translation>
        </message>
    </context>
    <context>
        <name>DatabasePage</name>
        <message>
            <source>данные программы на месте, схема текущая.</source>
            <translation>the program's data are there, the schema is current.</translation>
        </message>
        <message>
            <source>схема старая: при запуске программа её обновит (файл SQLite перед этим копируется).</source>
            <translation>the schema is older: the program will upgrade it at start (a SQLite file is copied first).</translation>
        </message>
        <message>
            <source>её записала более новая версия Halyk Desk: установите её, иначе база не откроется.</source>
            <translation>a newer version of Halyk Desk wrote it: install that version, or the database will not open.</translation>
        </message>
        <message>
            <source>база пуста: при запуске программа создаст в ней таблицы.</source>
            <translation>the database is empty: the program will create its tables at start.</translation>
        </message>
        <message>
            <source>файла ещё нет: программа создаст его при запуске.</source>
            <translation>the file does not exist yet: the program will create it at start.</translation>
        </message>
        <message>
            <source>Подключение работает{server}: {schema}</source>
            <translation>The connection works{server}: {schema}</translation>
        </message>
        <message>
            <source>База данных</source>
            <extracomment>A check finished (True when the database can be used); for tests.</extracomment>
            <translation>Database</translation>
        </message>
        <message>
            <source>Файл SQLite на этом компьютере</source>
            <translation>A SQLite file on this computer</translation>
        </message>
        <message>
            <source>Сервер PostgreSQL — общая база для команды</source>
            <translation>A PostgreSQL server — one database for a team</translation>
        </message>
        <message>
            <source>Выбрать…</source>
            <translation>Choose…</translation>
        </message>
        <message>
            <source>оставьте пустым, чтобы не менять</source>
            <translation>leave empty to keep it</translation>
        </message>
        <message>
            <source>Проверить</source>
            <translation>Test</translation>
        </message>
        <message>
            <source>Файл:</source>
            <translation>File:</translation>
        </message>
        <message>
            <source>Адрес:</source>
            <translation>Address:</translation>
        </message>
        <message>
            <source>Пароль:</source>
            <translation>Password:</translation>
        </message>
        <message>
            <source>Пароль хранится в системном хранилище паролей, а не в файле настроек. Сейчас открыта база: {address}</source>
            <translation>The password is kept in the system keyring, not in the settings file. Open now: {address}</translation>
        </message>
        <message>
            <source>Другая база начнёт работать при следующем запуске программы. Перед переходом на общую базу сделайте резервную копию (см. руководство администратора).</source>
            <translation>Another database is used from the program's next start. Take a backup before moving to a shared database (see the admin guide).</translation>
        </message>
        <message>
            <source>Файл базы данных</source>
            <translation>Database file</translation>
        </message>
        <message>
            <source>База SQLite (*.sqlite3 *.db);;Все файлы (*)</source>
            <translation>SQLite database (*.sqlite3 *.db);;All files (*)</translation>
        </message>
        <message>
            <source>Введите путь к файлу базы, например {path}</source>
            <translation>Type the path of the database file, for example {path}</translation>
        </message>
        <message>
            <source>Введите адрес сервера PostgreSQL в виде postgresql://пользователь@сервер:5432/база, например postgresql://halyk@192.168.1.10:5432/halyk.</source>
            <translation>Type the PostgreSQL server address as postgresql://user@server:5432/database, for example postgresql://halyk@192.168.1.10:5432/halyk.</translation>
        </message>
        <message>
            <source>Подключаюсь…</source>
            <translation>Connecting…</translation>
        </message>
        <message>
            <source>Не удалось подключиться. Проверьте адрес, что сервер запущен и доступен по сети, имя пользователя и пароль, затем нажмите «Проверить» ещё раз.</source>
            <translation>Could not connect. Check the address, that the server is running and reachable over the network, the user name and the password, then press “Test” again.</translation>
        </message>
    </context>
    <context>
        <name>Duration</name>
        <message>
            <source>{days} д {hours} ч</source>
            <translation>{days} d {hours} h</translation>
        </message>
        <message>
            <source>{hours} ч {minutes} мин</source>
            <translation>{hours} h {minutes} min</translation>
        </message>
        <message>
            <source>{minutes} мин</source>
            <translation>{minutes} min</translation>
        </message>
    </context>
    <context>
        <name>HoldsModel</name>
        <message>
            <source>истекла</source>
            <translation>expired</translation>
        </message>
        <message>
            <source>Номер заказа</source>
            <translation>Order number</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Платёж создан</source>
            <translation>Payment made</translation>
        </message>
        <message>
            <source>Возраст</source>
            <translation>Age</translation>
        </message>
        <message>
            <source>Осталось</source>
            <translation>Time left</translation>
        </message>
        <message>
            <source>Истекает</source>
            <translation>Expires</translation>
        </message>
        <message>
            <source>Блокировка истекла: подтвердить её уже нельзя.</source>
            <extracomment>Per column, each hold's sort value (None for a blank). Sum held, per currency. Not expired but past the warning age or expiring today; expired. Rows of self._list.holds in the order shown.</extracomment>
            <translation>The hold has expired: it can no longer be confirmed.</translation>
        </message>
        <message>
            <source>Скоро истечёт: подтвердите или отмените блокировку.</source>
            <translation>Expires soon: confirm or release the hold.</translation>
        </message>
    </context>
    <context>
        <name>HoldsTimePage</name>
        <message>
            <source>Блокировки и время</source>
            <extracomment>The page's name in the dialog's list, set by each page.</extracomment>
            <translation>Holds and time</translation>
        </message>
        <message>
            <source>Предупреждать о блокировке через:</source>
            <translation>Warn about a hold after:</translation>
        </message>
        <message>
            <source>Блокировка истекает через:</source>
            <translation>A hold expires after:</translation>
        </message>
        <message>
            <source>Банк снимает блокировку сам, если её не подтвердить вовремя: на вкладке «Блокировки» такие платежи подсвечиваются заранее.</source>
            <translation>The bank releases a hold by itself if it is not confirmed in time: the Holds tab highlights such payments in advance.</translation>
        </message>
        <message>
            <source>Часовой пояс рабочего дня:</source>
            <translation>Time zone of the business day:</translation>
        </message>
        <message>
            <source>Рабочий день — с полуночи до полуночи в этом поясе; по нему считаются периоды, сверка и сводка. Обычно Asia/Almaty.</source>
            <translation>A business day runs midnight to midnight in this zone; periods, reconciliation and the dashboard count by it. Usually Asia/Almaty.</translation>
        </message>
        <message>
            <source>Одновременных запросов при синхронизации:</source>
            <translation>Requests at once during a sync:</translation>
        </message>
        <message>
            <source> дн.</source>
            <translation> days</translation>
        </message>
        <message>
            <source>Предупреждение должно наступать раньше, чем блокировка истекает: введите меньше {expire} дн.</source>
            <translation>The warning must come before the hold expires: type fewer than {expire} days.</translation>
        </message>
        <message>
            <source>Часовой пояс «{zone}» неизвестен: выберите его из списка, например Asia/Almaty.</source>
            <translation>The time zone “{zone}” is unknown: choose one from the list, for example Asia/Almaty.</translation>
        </message>
    </context>
    <context>
        <name>HoldsView</name>
        <message>
            <source>истекает сегодня или пора подтвердить</source>
            <extracomment>The holds are in (count); for the tab title and tests. Other holds are chosen.</extracomment>
            <translation>expires today or is due for confirmation</translation>
        </message>
        <message>
            <source>истекла — подтвердить уже нельзя</source>
            <translation>expired — can no longer be confirmed</translation>
        </message>
        <message>
            <source>Не удалось прочитать блокировки: {error}</source>
            <translation>Could not read the holds: {error}</translation>
        </message>
        <message>
            <source>Блокировок, ожидающих подтверждения, нет.</source>
            <translation>No holds await confirmation.</translation>
        </message>
        <message numerus="yes">
            <source>%n блокировок</source>
            <translation>
                <numerusform>%n hold</numerusform>
                <numerusform>%n holds</numerusform>
            </translation>
        </message>
        <message>
            <source>на сумму {amount}</source>
            <translation>totalling {amount}</translation>
        </message>
        <message>
            <source>пора подтвердить: {n}</source>
            <translation>due for confirmation: {n}</translation>
        </message>
        <message>
            <source>истекли: {n}</source>
            <translation>expired: {n}</translation>
        </message>
    </context>
    <context>
        <name>LanguagePage</name>
        <message>
            <source>Язык</source>
            <translation>Language</translation>
        </message>
        <message>
            <source>Как в системе (сейчас: {language})</source>
            <translation>As the system's (now: {language})</translation>
        </message>
        <message>
            <source>Язык сменится при следующем запуске программы. Суммы, числа и даты пишутся так, как принято в выбранном языке.</source>
            <translation>The language changes at the program's next start. Amounts, numbers and dates are written the way the chosen language writes them.</translation>
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Halyk Desk</source>
            <extracomment>The data are open and every tab is built. The data could not be opened (the exception); the user has been told, the window closes. Something changed in the store (a services.changes.Changes): each view decides whether to read again. Whatever writes data in the window emits it. Why the data could not be opened, when they could not. The settings file, when its database_url chose the database (named in start errors). The tabs and what works with them, once the data are open (attach).</extracomment>
            <translation>Halyk Desk</translation>
        </message>
        <message>
            <source>Открываю данные…</source>
            <extracomment>Menus and shortcuts; what needs the data waits for `ready` (issue 6). Who is working: the sign-in dialog, switching operator, the idle lock (issue 9).</extracomment>
            <translation>Opening the data…</translation>
        </message>
        <message>
            <source>Синхронизировать</source>
            <translation>Sync</translation>
        </message>
        <message>
            <source>Halyk Desk не запустился</source>
            <translation>Halyk Desk did not start</translation>
        </message>
        <message>
            <source>Halyk Desk — {profile}</source>
            <translation>Halyk Desk — {profile}</translation>
        </message>
        <message>
            <source> [ПЕСОЧНИЦА]</source>
            <translation> [SANDBOX]</translation>
        </message>
        <message>
            <source>ПЕСОЧНИЦА / SANDBOX</source>
            <translation>SANDBOX</translation>
        </message>
        <message>
            <source>Учебный банк на этом компьютере: деньги не движутся, данные демонстрационные.</source>
            <translation>A practice bank on this computer: no money moves, the data are for demonstration.</translation>
        </message>
        <message>
            <source>Профиль: {name}</source>
            <translation>Profile: {name}</translation>
        </message>
        <message>
            <source>Оператор: {name}</source>
            <translation>Operator: {name}</translation>
        </message>
        <message>
            <source>Готовлю демонстрационные данные песочницы…</source>
            <extracomment>What the window-wide parts (menus, sign-in, import, support report) use of it.</extracomment>
            <translation>Preparing the sandbox's demo data…</translation>
        </message>
        <message>
            <source>Не удалось подготовить демо-данные: {error}</source>
            <translation>Could not prepare the demo data: {error}</translation>
        </message>
        <message>
            <source>Песочница</source>
            <translation>Sandbox</translation>
        </message>
        <message>
            <source>Демо-данные песочницы загружены.</source>
            <translation>The sandbox's demo data are loaded.</translation>
        </message>
    </context>
    <context>
        <name>MarkDialog</name>
        <message>
            <source>Отметить расхождение решённым</source>
            <translation>Mark the discrepancy resolved</translation>
        </message>
        <message>
            <source>Как решено: например, «магазин исправил сумму заказа» или «банк подтвердил возврат»</source>
            <translation>How it was resolved: for example, “the shop corrected the order amount” or “the bank confirmed the refund”</translation>
        </message>
        <message>
            <source>Отметить решённым</source>
            <translation>Mark resolved</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Примечание (обязательно):</source>
            <translation>Note (required):</translation>
        </message>
    </context>
    <context>
        <name>Messages</name>
        <message>
            <source>снятие блокировки</source>
            <comment>action.cancel</comment>
            <translation>release</translation>
        </message>
        <message>
            <source>подтверждение списания</source>
            <comment>action.confirm</comment>
            <translation>confirmation</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>action.refund</comment>
            <translation>refund</translation>
        </message>
        <message>
            <source>Внутренняя ошибка программы ({kind}), действие не выполнено. Подробности сохранены в журнале.</source>
            <comment>app.unexpected_error</comment>
            <translation>Internal error of the program ({kind}); nothing was done. The details are saved in the journal.</translation>
        </message>
        <message>
            <source>неоднозначный параметр: %(option)s может означать %(matches)s</source>
            <comment>argparse.ambiguous</comment>
            <translation>ambiguous option: %(option)s could match %(matches)s</translation>
        </message>
        <message>
            <source>аргумент %(argument_name)s: %(message)s</source>
            <comment>argparse.argument</comment>
            <translation>argument %(argument_name)s: %(message)s</translation>
        </message>
        <message>
            <source>не удалось открыть '%(filename)s': %(error)s</source>
            <comment>argparse.cannot_open</comment>
            <translation>can't open '%(filename)s': %(error)s</translation>
        </message>
        <message>
            <source>%(prog)s: ошибка: %(message)s
</source>
            <comment>argparse.error</comment>
            <translation>%(prog)s: error: %(message)s
</translation>
        </message>
        <message>
            <source>нужно хотя бы одно значение</source>
            <comment>argparse.expected_at_least_one</comment>
            <translation>expected at least one argument</translation>
        </message>
        <message>
            <source>нужно не больше одного значения</source>
            <comment>argparse.expected_at_most_one</comment>
            <translation>expected at most one argument</translation>
        </message>
        <message numerus="yes">
            <source>нужно %n значение</source>
            <comment>argparse.expected_n</comment>
            <translation>
                <numerusform>expected %n argument</numerusform>
                <numerusform>expected %n arguments</numerusform>
            </translation>
        </message>
        <message>
            <source>нужно одно значение</source>
            <comment>argparse.expected_one</comment>
            <translation>expected one argument</translation>
        </message>
        <message>
            <source>показать эту справку и выйти</source>
            <comment>argparse.help</comment>
            <translation>show this help message and exit</translation>
        </message>
        <message>
            <source>значение %r здесь не принимается</source>
            <comment>argparse.ignored_value</comment>
            <translation>ignored explicit argument %r</translation>
        </message>
        <message>
            <source>недопустимое значение: %(value)r (выберите из %(choices)s)</source>
            <comment>argparse.invalid_choice</comment>
            <translation>invalid choice: %(value)r (choose from %(choices)s)</translation>
        </message>
        <message>
            <source>недопустимое значение %(type)s: %(value)r</source>
            <comment>argparse.invalid_value</comment>
            <translation>invalid %(type)s value: %(value)r</translation>
        </message>
        <message>
            <source>нельзя указывать вместе с аргументом %s</source>
            <comment>argparse.not_allowed_with</comment>
            <translation>not allowed with argument %s</translation>
        </message>
        <message>
            <source>нужен один из аргументов %s</source>
            <comment>argparse.one_required</comment>
            <translation>one of the arguments %s is required</translation>
        </message>
        <message>
            <source>параметры</source>
            <comment>argparse.options</comment>
            <translation>options</translation>
        </message>
        <message>
            <source>позиционные аргументы</source>
            <comment>argparse.positionals</comment>
            <translation>positional arguments</translation>
        </message>
        <message>
            <source>не указаны обязательные аргументы: %s</source>
            <comment>argparse.required</comment>
            <translation>the following arguments are required: %s</translation>
        </message>
        <message>
            <source>команды</source>
            <comment>argparse.subcommands</comment>
            <translation>subcommands</translation>
        </message>
        <message>
            <source>неожиданный параметр: %s</source>
            <comment>argparse.unexpected_option</comment>
            <translation>unexpected option string: %s</translation>
        </message>
        <message>
            <source>неизвестная команда %(parser_name)r (есть: %(choices)s)</source>
            <comment>argparse.unknown_command</comment>
            <translation>unknown parser %(parser_name)r (choices: %(choices)s)</translation>
        </message>
        <message>
            <source>непонятные аргументы: %s</source>
            <comment>argparse.unrecognized</comment>
            <translation>unrecognized arguments: %s</translation>
        </message>
        <message>
            <source>использование: </source>
            <comment>argparse.usage</comment>
            <translation>usage: </translation>
        </message>
        <message>
            <source>показать версию программы и выйти</source>
            <comment>argparse.version</comment>
            <translation>show program's version number and exit</translation>
        </message>
        <message>
            <source>«{text}» — не отметка журнала: напишите её так, как печатает `audit head`: номер записи, двоеточие и хеш из 64 знаков.</source>
            <comment>audit.bad_head</comment>
            <translation>«{text}» is not an audit head: write it as `audit head` prints it, the entry's number, a colon and its 64-character hash.</translation>
        </message>
        <message>
            <source>Запись №{seq} ({action}, {subject}) изменена: её содержимое больше не совпадает с её хешем.</source>
            <comment>audit.entry_altered</comment>
            <translation>Audit entry #{seq} ({action}, {subject}) was altered: its content no longer matches its hash.</translation>
        </message>
        <message>
            <source>Запись №{seq} не на своём месте: её записали после записи №{holder}, которая теперь стоит в журнале позже.</source>
            <comment>audit.entry_out_of_order</comment>
            <translation>Audit entry #{seq} is out of order: it was written after entry #{holder}, which now stands later in the log.</translation>
        </message>
        <message>
            <source>Запись №{seq} не на своём месте: запись №{next} была записана сразу после №{holder}, а не после №{seq}.</source>
            <comment>audit.entry_out_of_place</comment>
            <translation>Audit entry #{seq} is out of place: entry #{next} was written right after entry #{holder}, not after #{seq}.</translation>
        </message>
        <message>
            <source>Запись №{seq} изменена, а её хеш пересчитан: запись №{next} была сцеплена с другой записью перед ней (или запись между ними удалена).</source>
            <comment>audit.entry_rehashed</comment>
            <translation>Audit entry #{seq} was altered and its hash recomputed: entry #{next} was chained to a different entry before it (or an entry between them was removed).</translation>
        </message>
        <message>
            <source>Запись №{seq} удалена: запись №{next} была сцеплена с записью, которой в журнале больше нет.</source>
            <comment>audit.entry_removed</comment>
            <translation>Audit entry #{seq} was removed: entry #{next} was chained to an entry that is no longer in the log.</translation>
        </message>
        <message>
            <source>Записи №{seq} из отметки {head} больше нет: журнал теперь кончается на {newest}, значит записи удалены.</source>
            <comment>audit.head_gone</comment>
            <translation>Audit entry No. {seq} of the head {head} is gone: the log now ends at {newest}, so entries were removed.</translation>
        </message>
        <message>
            <source>Запись №{seq} совпадает с отметкой: история до неё цела и на месте.</source>
            <comment>audit.head_matches</comment>
            <translation>Entry No. {seq} matches the head: the history up to it is unchanged and present.</translation>
        </message>
        <message>
            <source>У записи №{seq} уже не тот хеш, что в отметке {head}: история до неё переписана (и хеши пересчитаны).</source>
            <comment>audit.head_rewritten</comment>
            <translation>Audit entry No. {seq} no longer has the hash of the head {head}: the history up to it was rewritten (and its hashes recomputed).</translation>
        </message>
        <message>
            <source>Журнал аудита цел: записей — {count}.</source>
            <comment>audit.intact</comment>
            <translation>The audit log is intact: {count} entries.</translation>
        </message>
        <message>
            <source>Журнал аудита цел: записей — {count}, последняя №{seq} от {at}.</source>
            <comment>audit.intact_newest</comment>
            <translation>The audit log is intact: {count} entries, the newest #{seq} at {at}.</translation>
        </message>
        <message>
            <source>сумма</source>
            <comment>audit.key.amount</comment>
            <translation>amount</translation>
        </message>
        <message>
            <source>категория</source>
            <comment>audit.key.category</comment>
            <translation>category</translation>
        </message>
        <message>
            <source>валюта</source>
            <comment>audit.key.currency</comment>
            <translation>currency</translation>
        </message>
        <message>
            <source>было</source>
            <comment>audit.key.from</comment>
            <translation>was</translation>
        </message>
        <message>
            <source>ключ</source>
            <comment>audit.key.key</comment>
            <translation>key</translation>
        </message>
        <message>
            <source>итог</source>
            <comment>audit.key.message</comment>
            <translation>outcome</translation>
        </message>
        <message>
            <source>стало</source>
            <comment>audit.key.new</comment>
            <translation>now</translation>
        </message>
        <message>
            <source>примечание</source>
            <comment>audit.key.note</comment>
            <translation>note</translation>
        </message>
        <message>
            <source>было</source>
            <comment>audit.key.old</comment>
            <translation>was</translation>
        </message>
        <message>
            <source>прежнее примечание</source>
            <comment>audit.key.old_note</comment>
            <translation>earlier note</translation>
        </message>
        <message>
            <source>прежняя роль</source>
            <comment>audit.key.old_role</comment>
            <translation>earlier role</translation>
        </message>
        <message>
            <source>операция №</source>
            <comment>audit.key.operation_id</comment>
            <translation>operation #</translation>
        </message>
        <message>
            <source>причина</source>
            <comment>audit.key.reason</comment>
            <translation>reason</translation>
        </message>
        <message>
            <source>запросил</source>
            <comment>audit.key.requested_by</comment>
            <translation>requested by</translation>
        </message>
        <message>
            <source>роль</source>
            <comment>audit.key.role</comment>
            <translation>role</translation>
        </message>
        <message>
            <source>был активен</source>
            <comment>audit.key.was_active</comment>
            <translation>was active</translation>
        </message>
        <message>
            <source>почему</source>
            <comment>audit.key.why</comment>
            <translation>why</translation>
        </message>
        <message>
            <source>первый оператор этой базы</source>
            <comment>audit.value.first_operator</comment>
            <translation>the first operator of this store</translation>
        </message>
        <message>
            <source>нет</source>
            <comment>audit.value.no</comment>
            <translation>no</translation>
        </message>
        <message>
            <source>да</source>
            <comment>audit.value.yes</comment>
            <translation>yes</translation>
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён клиентский секрет, выданный для его адреса токенов и client id: укажите его командой `halyk-desk profile edit {profile} --secret-stdin` (или в окне: Файл → Настройки → Профили).</source>
            <comment>bank.no_bound_secret</comment>
            <translation>No client secret is stored for profile «{profile}» and its token address and client id: give it with `halyk-desk profile edit {profile} --secret-stdin` (or in the window: File → Settings → Profiles).</translation>
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён пароль кабинета (пользователь {user}): добавьте его командой `halyk-desk profile edit {profile} --cabinet-password-stdin`.</source>
            <comment>bank.no_cabinet_password</comment>
            <translation>No cabinet password is stored for profile «{profile}» (cabinet user {user}): add it with `halyk-desk profile edit {profile} --cabinet-password-stdin`.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» не хватает адресов или идентификаторов банка: укажите их командой `halyk-desk profile add {profile} --oauth-url URL --api-url URL --client-id ID --terminal UUID --secret-stdin`.</source>
            <comment>bank.profile_incomplete</comment>
            <translation>Profile '{profile}' lacks the bank's addresses or ids: set them with `halyk-desk profile add {profile} --oauth-url URL --api-url URL --client-id ID --terminal UUID --secret-stdin`.</translation>
        </message>
        <message>
            <source>--listen «{listen}»: напишите АДРЕС:ПОРТ, например 127.0.0.1:8090.</source>
            <comment>callbacks.bad_listen</comment>
            <translation>--listen «{listen}»: write HOST:PORT, e.g. 127.0.0.1:8090.</translation>
        </message>
        <message>
            <source>Ничего не загружено: {problems}. Каждая строка — одно уведомление в JSON (или объект с полями body и query).</source>
            <comment>callbacks.bad_log</comment>
            <translation>Nothing was imported: {problems}. Each line must be one callback as JSON (or an object with body and query).</translation>
        </message>
        <message>
            <source>у банка нет платежа</source>
            <comment>callbacks.bank_has_none</comment>
            <translation>the bank has no payment</translation>
        </message>
        <message>
            <source>банк: {status}</source>
            <comment>callbacks.bank_says</comment>
            <translation>bank: {status}</translation>
        </message>
        <message>
            <source>Не удалось слушать {listen}: {error}</source>
            <comment>callbacks.cannot_listen</comment>
            <translation>Cannot listen on {listen}: {error}</translation>
        </message>
        <message>
            <source>Уведомления банка (postLink). Каждое хранится как пришло, один раз; уведомление лишь заставляет программу прочитать статус платежа у банка и никогда само не меняет деньги. Уведомления с неверным секретом хранятся как непроверенные.</source>
            <comment>callbacks.cli_description</comment>
            <translation>The bank's callbacks (postLink). Each is kept as received, once; a callback only makes the program read the payment's status from the bank and never changes money by itself. Callbacks with a wrong secret are kept as unverified.</translation>
        </message>
        <message>
            <source>уведомления банка: приём, загрузка, список</source>
            <comment>callbacks.cli_help</comment>
            <translation>the bank's payment notices: receive, import, list</translation>
        </message>
        <message>
            <source>{trust}; {bank}</source>
            <comment>callbacks.describe</comment>
            <translation>{trust}; {bank}</translation>
        </message>
        <message>
            <source>Прочитать журнал уведомлений в формате JSON Lines (по уведомлению в строке, или объект с полями body и query), например от веб-сервера магазина или 1С-Битрикс, и принять каждое так же, как приёмник. Всё или ничего: одна плохая строка — ничего не загружено.</source>
            <comment>callbacks.import_description</comment>
            <translation>Read a JSON-lines log of callbacks (one per line, or an object with body and query), e.g. from the shop's web server or 1C-Bitrix, and take each the way the receiver does. All or nothing: one bad line imports nothing.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 загружено
  2 файл не читается или неверен, ничего не загружено
  1 другая ошибка</source>
            <comment>callbacks.import_exit_codes</comment>
            <translation>exit codes:
  0 imported
  2 unreadable or bad file, nothing imported
  1 any other failure</translation>
        </message>
        <message>
            <source>загрузить уведомления из журнала JSON Lines</source>
            <comment>callbacks.import_help</comment>
            <translation>take callbacks from a JSON-lines log</translation>
        </message>
        <message>
            <source>Прочитано уведомлений: {lines}; новых {stored}, уже известных {repeats}, непроверенных {unverified}; проверено у банка {checked}, не удалось проверить {failed}.</source>
            <comment>callbacks.imported</comment>
            <translation>Callbacks read: {lines}; new {stored}, already kept {repeats}, unverified {unverified}; checked with the bank {checked}, could not be checked {failed}.</translation>
        </message>
        <message>
            <source>строка {line}: не JSON</source>
            <comment>callbacks.line_not_json</comment>
            <translation>line {line}: not JSON</translation>
        </message>
        <message>
            <source>строка {line}: не объект JSON</source>
            <comment>callbacks.line_not_object</comment>
            <translation>line {line}: not a JSON object</translation>
        </message>
        <message>
            <source>строка {line}: длиннее {limit} байт</source>
            <comment>callbacks.line_too_long</comment>
            <translation>line {line}: longer than {limit} bytes</translation>
        </message>
        <message>
            <source>полученные уведомления, новые сверху</source>
            <comment>callbacks.list_help</comment>
            <translation>received callbacks, newest first</translation>
        </message>
        <message>
            <source>нет верного invoiceId</source>
            <comment>callbacks.no_invoice</comment>
            <translation>no valid invoiceId</translation>
        </message>
        <message>
            <source>у этого заказа нет ссылки, созданной программой</source>
            <comment>callbacks.no_link</comment>
            <translation>no link of this program for this order</translation>
        </message>
        <message>
            <source>нет секрета</source>
            <comment>callbacks.no_secret</comment>
            <translation>no secret</translation>
        </message>
        <message>
            <source>статус у банка ещё не прочитан</source>
            <comment>callbacks.not_checked</comment>
            <translation>the bank's status not read yet</translation>
        </message>
        <message>
            <source>не JSON</source>
            <comment>callbacks.not_json</comment>
            <translation>not JSON</translation>
        </message>
        <message>
            <source>Принимать уведомления банка: POST на любой путь, GET /health для мониторинга. Запускайте за веб-сервером магазина (docs/admin-guide.md); адрес уведомлений профиля должен вести сюда.</source>
            <comment>callbacks.serve_description</comment>
            <translation>Receive the bank's callbacks: POST to any path, GET /health for monitoring. Run it behind the shop's web server (docs/admin-guide.md); the profile's callback address must lead here.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 остановлен
  2 неверный --listen
  1 не удалось слушать адрес</source>
            <comment>callbacks.serve_exit_codes</comment>
            <translation>exit codes:
  0 stopped
  2 bad --listen
  1 could not listen</translation>
        </message>
        <message>
            <source>принимать уведомления по HTTP (за nginx или Caddy)</source>
            <comment>callbacks.serve_help</comment>
            <translation>receive callbacks over HTTP (behind nginx or Caddy)</translation>
        </message>
        <message>
            <source>Приём уведомлений профиля «{profile}» на http://{listen} (GET /health); Ctrl-C — остановить.</source>
            <comment>callbacks.serving</comment>
            <translation>Receiving callbacks for profile «{profile}» on http://{listen} (GET /health); Ctrl-C stops.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {path}: {error}. Нужен файл JSON Lines в UTF-8.</source>
            <comment>callbacks.unreadable</comment>
            <translation>Cannot read {path}: {error}. Give a UTF-8 JSON-lines file.</translation>
        </message>
        <message>
            <source>НЕ ПРОВЕРЕНО ({problem})</source>
            <comment>callbacks.unverified</comment>
            <translation>UNVERIFIED ({problem})</translation>
        </message>
        <message>
            <source>проверено</source>
            <comment>callbacks.verified</comment>
            <translation>verified</translation>
        </message>
        <message>
            <source>неверный секрет</source>
            <comment>callbacks.wrong_secret</comment>
            <translation>wrong secret</translation>
        </message>
        <message>
            <source>Расхождение суммы</source>
            <comment>category.amount_mismatch</comment>
            <translation>Amount differs</translation>
        </message>
        <message>
            <source>Расхождение валюты</source>
            <comment>category.currency_mismatch</comment>
            <translation>Currency differs</translation>
        </message>
        <message>
            <source>Несколько платежей по заказу</source>
            <comment>category.duplicate_payments</comment>
            <translation>Several payments for one order</translation>
        </message>
        <message>
            <source>Комиссия банка</source>
            <comment>category.fee</comment>
            <translation>Bank's fee</translation>
        </message>
        <message>
            <source>Блокировки, ожидают подтверждения</source>
            <comment>category.holds_awaiting</comment>
            <translation>Holds awaiting confirmation</translation>
        </message>
        <message>
            <source>Блокировки, срок истёк</source>
            <comment>category.holds_expired</comment>
            <translation>Holds expired</translation>
        </message>
        <message>
            <source>Блокировки, скоро истекают</source>
            <comment>category.holds_expiring</comment>
            <translation>Holds expiring soon</translation>
        </message>
        <message>
            <source>Совпадает</source>
            <comment>category.matched</comment>
            <translation>Matches</translation>
        </message>
        <message>
            <source>Нет оплаты в банке</source>
            <comment>category.missing_at_bank</comment>
            <translation>No payment at the bank</translation>
        </message>
        <message>
            <source>Частичный возврат</source>
            <comment>category.partially_refunded</comment>
            <translation>Partial refund</translation>
        </message>
        <message>
            <source>Возврат</source>
            <comment>category.refunded</comment>
            <translation>Refund</translation>
        </message>
        <message>
            <source>Расхождение статуса</source>
            <comment>category.status_mismatch</comment>
            <translation>Status differs</translation>
        </message>
        <message>
            <source>Платёж неизвестен магазину</source>
            <comment>category.unknown_to_shop</comment>
            <translation>Payment unknown to the shop</translation>
        </message>
        <message>
            <source>Незавершённые операции</source>
            <comment>category.unresolved_operations</comment>
            <translation>Unfinished operations</translation>
        </message>
        <message>
            <source>{action} {amount}, заказ {invoice}, запросил {operator} {at} (Алматы), причина: {reason}</source>
            <comment>cli.approval</comment>
            <translation>{action} {amount} for order {invoice}, asked by {operator} at {at} (Almaty), reason: {reason}</translation>
        </message>
        <message>
            <source>{action} {amount}, заказ {invoice}, запросил {operator} {at} (Алматы), причина: {reason}, примечание: {note}</source>
            <comment>cli.approval_noted</comment>
            <translation>{action} {amount} for order {invoice}, asked by {operator} at {at} (Almaty), reason: {reason}, note: {note}</translation>
        </message>
        <message>
            <source>возвраты, ждущие второго менеджера</source>
            <comment>cli.approvals.help</comment>
            <translation>refunds waiting for a second manager</translation>
        </message>
        <message>
            <source>Одобряет запрос на возврат ID, сделанный другим менеджером; возврат проверяется ещё раз и отправляется.</source>
            <comment>cli.approve.description</comment>
            <translation>Approve refund request ID, made by another manager; it is checked again and sent.</translation>
        </message>
        <message>
            <source>одобрить ждущий возврат (запрошенный другим менеджером); после этого он отправляется</source>
            <comment>cli.approve.help</comment>
            <translation>approve a waiting refund (another manager's); it is then sent</translation>
        </message>
        <message>
            <source>{question} [y/N] </source>
            <comment>cli.ask</comment>
            <translation>{question} [y/N] </translation>
        </message>
        <message>
            <source>Ещё раз: </source>
            <comment>cli.ask_again</comment>
            <translation>Once more: </translation>
        </message>
        <message>
            <source>Одобрить и отправить: {action} {amount} по заказу {invoice}, запросил {operator}?</source>
            <comment>cli.ask_approve</comment>
            <translation>Approve and send the {action} of {amount} for order {invoice} asked by {operator}?</translation>
        </message>
        <message>
            <source>Снять блокировку {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_cancel</comment>
            <translation>Release the hold of {amount} for order {invoice} (reason: {reason}) as {operator}?</translation>
        </message>
        <message>
            <source>Подтвердить {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_confirm</comment>
            <translation>Confirm {amount} for order {invoice} (reason: {reason}) as {operator}?</translation>
        </message>
        <message>
            <source>Подтвердить всю блокировку по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_confirm_all</comment>
            <translation>Confirm the whole hold for order {invoice} (reason: {reason}) as {operator}?</translation>
        </message>
        <message>
            <source>Новый пароль (не отображается): </source>
            <comment>cli.ask_new_password</comment>
            <translation>New password (not shown): </translation>
        </message>
        <message>
            <source>Вернуть {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_refund</comment>
            <translation>Refund {amount} for order {invoice} (reason: {reason}) as {operator}?</translation>
        </message>
        <message>
            <source>Вернуть всё, что осталось, по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_refund_all</comment>
            <translation>Refund all that remains for order {invoice} (reason: {reason}) as {operator}?</translation>
        </message>
        <message>
            <source>журнал аудита: проверить, показать</source>
            <comment>cli.audit.help</comment>
            <translation>the audit log: verify it, list it</translation>
        </message>
        <message>
            <source>Журнал аудита пуст.</source>
            <comment>cli.audit_empty</comment>
            <translation>The audit log is empty.</translation>
        </message>
        <message>
            <source>напечатать номер и хеш последней записи (N:HASH): сохраните их в другом месте, чтобы потом проверить журнал</source>
            <comment>cli.audit_head.help</comment>
            <translation>print the newest entry's number and hash (N:HASH): keep them elsewhere to check the log against later</translation>
        </message>
        <message>
            <source>например refund, refund.done, operator</source>
            <comment>cli.audit_list.action</comment>
            <translation>e.g. refund, refund.done, operator</translation>
        </message>
        <message>
            <source>первый день (по времени Алматы)</source>
            <comment>cli.audit_list.from</comment>
            <translation>first business day (Asia/Almaty)</translation>
        </message>
        <message>
            <source>показать записи, сначала новые</source>
            <comment>cli.audit_list.help</comment>
            <translation>list entries, newest first</translation>
        </message>
        <message>
            <source>последний день, включительно</source>
            <comment>cli.audit_list.to</comment>
            <translation>last business day, included</translation>
        </message>
        <message>
            <source>проверить цепочку хешей; называет первую изменённую, удалённую или переставленную запись и выходит с кодом 1</source>
            <comment>cli.audit_verify.help</comment>
            <translation>check the hash chain; names the first entry altered, removed or reordered and exits 1</translation>
        </message>
        <message>
            <source>снять блокировку целиком</source>
            <comment>cli.cancel.help</comment>
            <translation>release a hold in full</translation>
        </message>
        <message>
            <source>подтвердить (списать) блокировку, всю или --amount</source>
            <comment>cli.confirm.help</comment>
            <translation>confirm (debit) a hold, all of it or --amount</translation>
        </message>
        <message>
            <source>день: 2026-11-01 или 01.11.2026</source>
            <comment>cli.date_help</comment>
            <translation>a day: 2026-11-01 or 01.11.2026</translation>
        </message>
        <message>
            <source>адрес базы данных (по умолчанию — SQLite в папке данных; также HALYK_DESK_DB), например postgresql+psycopg://user@host/halyk</source>
            <comment>cli.db_option</comment>
            <translation>database URL (default: SQLite in the data folder; also HALYK_DESK_DB), e.g. postgresql+psycopg://user@host/halyk</translation>
        </message>
        <message>
            <source>Halyk Desk — бэк-офис для Halyk ePay. Без команды открывает окно.</source>
            <comment>cli.description</comment>
            <translation>Halyk Desk: back office for Halyk ePay. Without a command, opens the window.</translation>
        </message>
        <message>
            <source>коды выхода:</source>
            <comment>cli.exit_codes</comment>
            <translation>exit codes:</translation>
        </message>
        <message>
            <source>хранить настройки, базу данных и журналы в папке DIR (по умолчанию — в папках, принятых в системе; также HALYK_DESK_HOME)</source>
            <comment>cli.home_option</comment>
            <translation>keep config, database and logs in DIR (default: the platform's folders; also HALYK_DESK_HOME)</translation>
        </message>
        <message>
            <source>напечатать массив JSON</source>
            <comment>cli.json_array</comment>
            <translation>print a JSON array</translation>
        </message>
        <message>
            <source>напечатать один объект JSON для скриптов</source>
            <comment>cli.json_object</comment>
            <translation>print one JSON object for scripts</translation>
        </message>
        <message>
            <source>напечатать итог в JSON</source>
            <comment>cli.json_result</comment>
            <translation>print the result as JSON</translation>
        </message>
        <message>
            <source>язык сообщений (по умолчанию — из настроек программы, иначе язык системы)</source>
            <comment>cli.lang_option</comment>
            <translation>language of the messages (default: the language setting, else the system's)</translation>
        </message>
        <message>
            <source>сумма в валюте платежа, например 1200,50 (по умолчанию — наибольшая допустимая)</source>
            <comment>cli.money.amount</comment>
            <translation>amount in the payment's currency, e.g. 1200,50 (default: the most allowed)</translation>
        </message>
        <message>
            <source>выполнено (подтверждено статусом в банке)</source>
            <comment>cli.money.exit_done</comment>
            <translation>done (confirmed by the bank's status)</translation>
        </message>
        <message>
            <source>другая ошибка</source>
            <comment>cli.money.exit_failed</comment>
            <translation>other failure</translation>
        </message>
        <message>
            <source>не разрешено (ничего не отправлено)</source>
            <comment>cli.money.exit_not_allowed</comment>
            <translation>not allowed (nothing sent)</translation>
        </message>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <comment>cli.money.exit_pending</comment>
            <translation>waiting for a second manager's approval</translation>
        </message>
        <message>
            <source>банк отказал</source>
            <comment>cli.money.exit_refused</comment>
            <translation>refused by the bank</translation>
        </message>
        <message>
            <source>итог неизвестен (выяснится позже)</source>
            <comment>cli.money.exit_unknown</comment>
            <translation>outcome unknown (resolved later)</translation>
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>cli.money.exit_usage</comment>
            <translation>usage error</translation>
        </message>
        <message>
            <source>invoiceId заказа</source>
            <comment>cli.money.invoice</comment>
            <translation>the order's invoiceId</translation>
        </message>
        <message>
            <source>причина из списка в настройках или своими словами</source>
            <comment>cli.money.reason</comment>
            <translation>a reason from the list in the settings, or your own words</translation>
        </message>
        <message>
            <source>{question} — без терминала не спрашиваю: добавьте --yes.</source>
            <comment>cli.needs_yes</comment>
            <translation>{question} — not asked without a terminal: add --yes.</translation>
        </message>
        <message>
            <source>новый пароль</source>
            <comment>cli.new_password</comment>
            <translation>the new password</translation>
        </message>
        <message>
            <source>прочитать {what} со стандартного ввода (у терминала спросит дважды, не показывая); не короче 8 знаков</source>
            <comment>cli.new_password_stdin</comment>
            <translation>read {what} from standard input (asked for twice, unshown, at a terminal); at least 8 characters</translation>
        </message>
        <message>
            <source>Одобрения не ждёт ни один возврат.</source>
            <comment>cli.no_approvals</comment>
            <translation>No refunds wait for approval.</translation>
        </message>
        <message>
            <source>На стандартном вводе нет пароля; ничего не изменено.</source>
            <comment>cli.no_password_on_stdin</comment>
            <translation>No password on standard input; nothing was changed.</translation>
        </message>
        <message>
            <source>«{text}» — не дата: напишите 2026-11-01 или 01.11.2026.</source>
            <comment>cli.not_a_date</comment>
            <translation>'{text}' is not a date: write 2026-11-01 or 01.11.2026.</translation>
        </message>
        <message>
            <source>{text} — не число</source>
            <comment>cli.not_a_number</comment>
            <translation>{text} is not a number</translation>
        </message>
        <message>
            <source>Не разрешено: {why}</source>
            <comment>cli.not_allowed</comment>
            <translation>Not allowed: {why}</translation>
        </message>
        <message>
            <source>«{text}» — не дата вида 2026-11-01.</source>
            <comment>cli.not_an_iso_date</comment>
            <translation>'{text}' is not a date such as 2026-11-01.</translation>
        </message>
        <message>
            <source>{text} — не целое число</source>
            <comment>cli.not_whole</comment>
            <translation>{text} is not a whole number</translation>
        </message>
        <message>
            <source>Ничего не отправлено.</source>
            <comment>cli.nothing_sent</comment>
            <translation>Nothing was sent.</translation>
        </message>
        <message>
            <source>Выяснять нечего: итог каждой операции известен.</source>
            <comment>cli.nothing_to_resolve</comment>
            <translation>Nothing to resolve: every operation's outcome is known.</translation>
        </message>
        <message>
            <source>операторы и их роли</source>
            <comment>cli.operator.help</comment>
            <translation>operators and their roles</translation>
        </message>
        <message>
            <source>добавить оператора или сменить его роль (только администратор)</source>
            <comment>cli.operator_add.help</comment>
            <translation>add an operator, or change one's role (admins only)</translation>
        </message>
        <message>
            <source>лишить оператора прав (только администратор)</source>
            <comment>cli.operator_disable.help</comment>
            <translation>take away an operator's rights (admins only)</translation>
        </message>
        <message>
            <source>Оператор {name} отключён.</source>
            <comment>cli.operator_disabled</comment>
            <translation>Operator {name} is disabled.</translation>
        </message>
        <message>
            <source>список операторов</source>
            <comment>cli.operator_list.help</comment>
            <translation>list the operators</translation>
        </message>
        <message>
            <source>действовать как оператор NAME, подтвердив его паролем (по умолчанию — пользователь системы; на PostgreSQL не принимается: там оператор — логин базы)</source>
            <comment>cli.operator_option</comment>
            <translation>act as operator NAME, proven by their password (default: the OS user; refused on PostgreSQL, where the database login is the operator)</translation>
        </message>
        <message>
            <source>Оператор {name} — {role}.</source>
            <comment>cli.operator_role</comment>
            <translation>Operator {name} is {role}.</translation>
        </message>
        <message>
            <source>Заказы магазина в том виде, в каком их выгружает его собственная система.</source>
            <comment>cli.orders.description</comment>
            <translation>The shop's orders, as its own system exports them.</translation>
        </message>
        <message>
            <source>заказы магазина: загрузить их выгрузку</source>
            <comment>cli.orders.help</comment>
            <translation>the shop's orders: import its export</translation>
        </message>
        <message>
            <source>Загружает заказы магазина из файла CSV (разделитель — запятая, точка с запятой или табуляция; UTF-8 или cp1251) или книги XLSX, например списка заказов 1С-Битрикс. Колонки находятся по русским или английским названиям (ID / Номер заказа / invoiceId, Сумма / Amount, Валюта / Currency, Дата создания / Created, Покупатель / Customer, Оплачен / Paid, Статус / Status); --mapping называет любые другие. Одна неверная строка — и не загружается ничего: каждая ошибка названа с номером строки. Повторная загрузка тех же строк ничего не меняет; строка, противоречащая уже загруженному заказу (другая сумма, валюта или дата), отклоняет весь файл.</source>
            <comment>cli.orders_import.description</comment>
            <translation>Import the shop's orders from a CSV file (comma, semicolon or tab; UTF-8 or cp1251) or an XLSX workbook, such as 1C-Bitrix's order list. Columns are found by their Russian or English names (ID, invoiceId, Amount, Currency, Created, Customer, Paid, Status, or their Russian names); --mapping names any others. One bad row imports nothing: every problem is listed with its row number. Importing the same rows again changes nothing; a row that contradicts an order already imported (another amount, currency or date) refuses the whole file.</translation>
        </message>
        <message>
            <source>Файл {file} загружен в профиль «{profile}»: добавлено {added}, без изменений {unchanged}.</source>
            <comment>cli.orders_import.done</comment>
            <translation>Imported {file} into profile '{profile}': {added} added, {unchanged} unchanged.</translation>
        </message>
        <message>
            <source>Файл {file} загружен в профиль «{profile}»: добавлено {added}, без изменений {unchanged}, обновлено {updated}.</source>
            <comment>cli.orders_import.done_updated</comment>
            <translation>Imported {file} into profile '{profile}': {added} added, {unchanged} unchanged, {updated} updated.</translation>
        </message>
        <message>
            <source>загружено (или нового нет)</source>
            <comment>cli.orders_import.exit_ok</comment>
            <translation>imported (or nothing new)</translation>
        </message>
        <message>
            <source>файл отклонён: ничего не загружено (ошибки перечислены), или данные не удалось открыть</source>
            <comment>cli.orders_import.exit_refused</comment>
            <translation>the file was refused: nothing was imported (the problems are listed), or the data could not be opened</translation>
        </message>
        <message>
            <source>ошибка в команде: неверные аргументы, недопустимый --mapping, неизвестный профиль</source>
            <comment>cli.orders_import.exit_usage</comment>
            <translation>usage error: bad arguments, a --mapping that is not valid, an unknown profile</translation>
        </message>
        <message>
            <source>файл заказов (.csv или .xlsx)</source>
            <comment>cli.orders_import.file</comment>
            <translation>the order file (.csv or .xlsx)</translation>
        </message>
        <message>
            <source>загрузить файл заказов (CSV или XLSX): все строки или ни одной</source>
            <comment>cli.orders_import.help</comment>
            <translation>import an order file (CSV or XLSX), all rows or none</translation>
        </message>
        <message>
            <source>Или сопоставьте колонку сами, например --mapping '{mapping}'.</source>
            <comment>cli.orders_import.map_missing</comment>
            <translation>Or map the column yourself, e.g. --mapping '{mapping}'.</translation>
        </message>
        <message>
            <source>Или укажите колонку сами: --mapping '{mapping}'.</source>
            <comment>cli.orders_import.map_other</comment>
            <translation>Or name the column yourself: --mapping '{mapping}'.</translation>
        </message>
        <message>
            <source>какая колонка содержит какое поле, в JSON: {{"invoice_id": "Номер", "amount": "Итого"}}; или @PATH, чтобы прочитать этот JSON из файла. Поля: invoice_id, amount, currency, created_at, customer, shop_paid, shop_status</source>
            <comment>cli.orders_import.mapping</comment>
            <translation>which column holds which field, as JSON: {{"invoice_id": "Order No", "amount": "Total"}}; or @PATH to read that JSON from a file. Fields: invoice_id, amount, currency, created_at, customer, shop_paid, shop_status</translation>
        </message>
        <message>
            <source>Не удалось прочитать файл сопоставления «{path}»: {why}.</source>
            <comment>cli.orders_import.mapping_unreadable</comment>
            <translation>Cannot read the mapping file '{path}': {why}.</translation>
        </message>
        <message>
            <source>предупреждение: {warning}</source>
            <comment>cli.orders_import.warning</comment>
            <translation>warning: {warning}</translation>
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice}.</source>
            <comment>cli.outcome</comment>
            <translation>{result}: {action} {amount} for order {invoice}.</translation>
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice} (операция №{id}).</source>
            <comment>cli.outcome_numbered</comment>
            <translation>{result}: {action} {amount} for order {invoice} (operation #{id}).</translation>
        </message>
        <message>
            <source>Задаёт пароль, которым оператор NAME подтверждает, что это он (--operator NAME). Если дан и общий --password-stdin, первая строка стандартного ввода — пароль действующего оператора, вторая — новый.</source>
            <comment>cli.passwd.description</comment>
            <translation>Set the password operator NAME proves themselves with (--operator NAME). With the global --password-stdin as well, the first line of standard input is the acting operator's password and the second the new one.</translation>
        </message>
        <message>
            <source>задать пароль оператора (администратор — любому, каждый — себе)</source>
            <comment>cli.passwd.help</comment>
            <translation>set an operator's password (an admin anyone's, anyone their own)</translation>
        </message>
        <message>
            <source>пароль оператора</source>
            <comment>cli.password_of_operator</comment>
            <translation>the operator's password</translation>
        </message>
        <message>
            <source>Пароль оператора {name} задан.</source>
            <comment>cli.password_set</comment>
            <translation>The password of operator {name} is set.</translation>
        </message>
        <message>
            <source>прочитать пароль --operator из первой строки стандартного ввода (по умолчанию его спросят у терминала)</source>
            <comment>cli.password_stdin_option</comment>
            <translation>read the --operator's password from the first line of standard input (default: asked for at a terminal)</translation>
        </message>
        <message>
            <source>Пароли не совпали; ничего не изменено.</source>
            <comment>cli.passwords_differ</comment>
            <translation>The two passwords differ; nothing was changed.</translation>
        </message>
        <message>
            <source>профиль банка (по умолчанию — последний использованный)</source>
            <comment>cli.profile_option</comment>
            <translation>bank profile to use (default: the last used)</translation>
        </message>
        <message>
            <source>--from {date_from} позже, чем --to {date_to}: между ними нет ни одного дня.</source>
            <comment>cli.range_backwards</comment>
            <translation>--from {date_from} is after --to {date_to}: no day is in between.</translation>
        </message>
        <message>
            <source>решено: {count}</source>
            <comment>cli.reconcile.category_resolved</comment>
            <translation>{count} resolved</translation>
        </message>
        <message>
            <source>Сверяет заказы магазина с платежами банка за рабочие дни --from..--to (оба включительно; по настройке business_tz, по умолчанию Asia/Almaty): совпавшие, расхождения суммы и статуса, платежи, которых нет в банке или которых не знает магазин, повторные оплаты, блокировки, возвраты, операции с неизвестным итогом. Читает базу (сначала выполните `halyk-desk sync`) и реестр операций банка, если профилю он доступен. Каждая сверка записывается; --xlsx пишет книгу Excel (через временный файл). --json печатает {{"from", "to", "time_zone", "match_rate", "categories": {{KEY: {{"count", "sum"}}}}, ...}} со всеми ключами категорий, итогами сверки и "discrepancies" (у каждого расхождения — "key", который принимает `reconcile mark`).</source>
            <comment>cli.reconcile.description</comment>
            <translation>Reconcile the shop's orders with the bank's payments for the business days --from..--to (both included; the business_tz setting, Asia/Almaty by default): matched, amount and status mismatches, payments missing at the bank or unknown to the shop, duplicates, holds, refunds, unresolved operations. It reads the store (run `halyk-desk sync` first) and the bank's operations list where the profile may read it. Each run is recorded; --xlsx writes the workbook (a temporary file moved into place). --json prints {{"from", "to", "time_zone", "match_rate", "categories": {{KEY: {{"count", "sum"}}}}, ...}} with every category key, the run's totals and "discrepancies" (each with the "key" that `reconcile mark` takes).</translation>
        </message>
        <message>
            <source>сверено: есть открытые расхождения (книга записана, если её просили)</source>
            <comment>cli.reconcile.exit_discrepancies</comment>
            <translation>reconciled: open discrepancies found (the workbook written, if asked)</translation>
        </message>
        <message>
            <source>сбой (база данных, настройки); ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_failed</comment>
            <translation>failure (database, settings); nothing recorded, no workbook</translation>
        </message>
        <message>
            <source>прервано (Ctrl-C); ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_interrupted</comment>
            <translation>interrupted (Ctrl-C); nothing recorded, no workbook</translation>
        </message>
        <message>
            <source>оператору не разрешено сверять или выгружать (роль)</source>
            <comment>cli.reconcile.exit_not_allowed</comment>
            <translation>the operator may not reconcile or export (role)</translation>
        </message>
        <message>
            <source>сверено: открытых расхождений нет (книга записана, если её просили)</source>
            <comment>cli.reconcile.exit_ok</comment>
            <translation>reconciled: no open discrepancy (the workbook written, if asked)</translation>
        </message>
        <message>
            <source>ошибка в команде или данных: нет даты или она неверна, --from позже --to, в периоде нечего сверять, неизвестный профиль, книгу нельзя записать по этому пути; ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_usage</comment>
            <translation>usage or bad input: a missing or bad date, --from after --to, a period with nothing to reconcile, an unknown profile, a workbook path that cannot be written; nothing recorded, no workbook</translation>
        </message>
        <message>
            <source>первый день, {day}</source>
            <comment>cli.reconcile.from</comment>
            <translation>the first day, {day}</translation>
        </message>
        <message>
            <source>Сверка {date_from}–{date_to} ({time_zone}), профиль {profile}, запуск {run}</source>
            <comment>cli.reconcile.header</comment>
            <translation>Reconciliation {date_from}–{date_to} ({time_zone}), profile {profile}, run {run}</translation>
        </message>
        <message>
            <source>сверить заказы магазина с банком за рабочие дни</source>
            <comment>cli.reconcile.help</comment>
            <translation>reconcile the shop's orders with the bank for business days</translation>
        </message>
        <message>
            <source>{key} отмечено решённым во всех категориях; следующие сверки покажут его решённым.</source>
            <comment>cli.reconcile.marked</comment>
            <translation>Marked {key} resolved in every category; later runs show it resolved.</translation>
        </message>
        <message>
            <source>{key} отмечено решённым в категории {category}; следующие сверки покажут его решённым.</source>
            <comment>cli.reconcile.marked_in</comment>
            <translation>Marked {key} resolved in {category}; later runs show it resolved.</translation>
        </message>
        <message>
            <source>совпадение {rate} %</source>
            <comment>cli.reconcile.match_rate</comment>
            <translation>match rate {rate} %</translation>
        </message>
        <message>
            <source>сопоставляю</source>
            <comment>cli.reconcile.matching</comment>
            <translation>matching</translation>
        </message>
        <message>
            <source>… и ещё {more} (все — в --json или --xlsx)</source>
            <comment>cli.reconcile.more</comment>
            <translation>… and {more} more (--json or --xlsx lists them all)</translation>
        </message>
        <message>
            <source>не запрашивать у банка реестр операций (только база)</source>
            <comment>cli.reconcile.no_operations_list</comment>
            <translation>do not ask the bank for its operations list (the store only)</translation>
        </message>
        <message>
            <source>Открытые расхождения: {open} (отмечены решёнными: {resolved})</source>
            <comment>cli.reconcile.open</comment>
            <translation>Open discrepancies: {open} ({resolved} marked resolved)</translation>
        </message>
        <message>
            <source>читаю базу</source>
            <comment>cli.reconcile.reading</comment>
            <translation>reading the store</translation>
        </message>
        <message>
            <source>читаю реестр операций банка</source>
            <comment>cli.reconcile.reading_list</comment>
            <translation>reading the bank's operations list</translation>
        </message>
        <message>
            <source>записываю сверку</source>
            <comment>cli.reconcile.saving</comment>
            <translation>recording the run</translation>
        </message>
        <message>
            <source>последний день, включительно (по умолчанию — день --from)</source>
            <comment>cli.reconcile.to</comment>
            <translation>the last day, included (default: the --from day)</translation>
        </message>
        <message>
            <source>заказов {orders} (ждут оплаты: {expecting}), заказано на {ordered}; списано {captured}, возвращено {refunded}, итого {net}</source>
            <comment>cli.reconcile.totals</comment>
            <translation>orders {orders} ({expecting} expecting payment), ordered {ordered}; captured {captured}, refunded {refunded}, net {net}</translation>
        </message>
        <message>
            <source>Книга Excel: {path}</source>
            <comment>cli.reconcile.workbook</comment>
            <translation>Workbook: {path}</translation>
        </message>
        <message>
            <source>записываю книгу Excel</source>
            <comment>cli.reconcile.writing_workbook</comment>
            <translation>writing the workbook</translation>
        </message>
        <message>
            <source>ещё и записать книгу Excel в PATH (.xlsx)</source>
            <comment>cli.reconcile.xlsx</comment>
            <translation>also write the workbook to PATH (.xlsx)</translation>
        </message>
        <message>
            <source>--from {date_from} позже, чем --to {date_to}: сначала укажите более раннюю дату.</source>
            <comment>cli.reconcile_backwards</comment>
            <translation>--from {date_from} is after --to {date_to}: give the earlier date first.</translation>
        </message>
        <message>
            <source>Сверка прервана: ничего не записано, книга не создана.</source>
            <comment>cli.reconcile_interrupted</comment>
            <translation>reconcile interrupted: nothing recorded, no workbook written.</translation>
        </message>
        <message>
            <source>только в этой категории (по умолчанию — во всех, где есть этот ключ)</source>
            <comment>cli.reconcile_mark.category</comment>
            <translation>only in this category (default: every category the key appears in)</translation>
        </message>
        <message>
            <source>Отмечает расхождение решённым, с примечанием (пишется в журнал аудита); следующие сверки покажут его решённым. KEY — ключ расхождения из `reconcile --json` или с листа Расхождения книги (invoice:000123, transaction:&lt;номер в банке&gt;, operation:&lt;номер&gt;).</source>
            <comment>cli.reconcile_mark.description</comment>
            <translation>Mark a discrepancy resolved with a note (audit-logged); later runs show it resolved. KEY is a discrepancy's key from `reconcile --json` or the workbook's discrepancies sheet (invoice:000123, transaction:&lt;bank id&gt;, operation:&lt;id&gt;).</translation>
        </message>
        <message>
            <source>сбой</source>
            <comment>cli.reconcile_mark.exit_failed</comment>
            <translation>failure</translation>
        </message>
        <message>
            <source>оператору не разрешено сверять (роль)</source>
            <comment>cli.reconcile_mark.exit_not_allowed</comment>
            <translation>the operator may not reconcile (role)</translation>
        </message>
        <message>
            <source>отмечено</source>
            <comment>cli.reconcile_mark.exit_ok</comment>
            <translation>marked</translation>
        </message>
        <message>
            <source>неверный ключ, примечание или категория</source>
            <comment>cli.reconcile_mark.exit_usage</comment>
            <translation>bad key, note or category</translation>
        </message>
        <message>
            <source>отметить расхождение решённым, с примечанием</source>
            <comment>cli.reconcile_mark.help</comment>
            <translation>mark a discrepancy resolved, with a note</translation>
        </message>
        <message>
            <source>как расхождение решено</source>
            <comment>cli.reconcile_mark.note</comment>
            <translation>how it was resolved</translation>
        </message>
        <message>
            <source>Для сверки нужен --from ДАТА (и --to ДАТА, если дней больше одного).</source>
            <comment>cli.reconcile_needs_from</comment>
            <translation>reconcile needs --from DATE (and --to DATE for more than one day).</translation>
        </message>
        <message numerus="yes">
            <source>Внимание: %n заказов периода ещё не прочитаны из банка и считаются неоплаченными в банке; сначала выполните `halyk-desk sync --from {date_from} --to {date_to}`.</source>
            <comment>cli.reconcile_unread</comment>
            <translation>
                <numerusform>warning: %n order of the period was never read from the bank and counts as missing at the bank; run `halyk-desk sync --from {date_from} --to {date_to}` first.</numerusform>
                <numerusform>warning: %n orders of the period were never read from the bank and count as missing at the bank; run `halyk-desk sync --from {date_from} --to {date_to}` first.</numerusform>
            </translation>
        </message>
        <message>
            <source>вернуть списанный платёж, весь остаток или --amount</source>
            <comment>cli.refund.help</comment>
            <translation>refund a captured payment, all that remains or --amount</translation>
        </message>
        <message>
            <source>примечание, которое сохранится вместе с возвратом</source>
            <comment>cli.refund.note</comment>
            <translation>a note kept with the refund</translation>
        </message>
        <message>
            <source>Заметка: реестр операций банка не прочитан: {note}</source>
            <comment>cli.registry_failed</comment>
            <translation>note: the bank's operations list could not be read: {note}</translation>
        </message>
        <message>
            <source>Заметка: реестр операций банка этому профилю недоступен, поэтому платежи, неизвестные магазину, и повторные оплаты не найти: {note}</source>
            <comment>cli.registry_not_available</comment>
            <translation>note: the bank's operations list is not available to this profile, so payments unknown to the shop and second payments for an order cannot be found: {note}</translation>
        </message>
        <message>
            <source>отклонить ждущий возврат; ничего не отправляется</source>
            <comment>cli.reject.help</comment>
            <translation>reject a waiting refund; nothing is sent</translation>
        </message>
        <message>
            <source>Отклонено №{id}: {action} {amount} по заказу {invoice} не будет отправлен.</source>
            <comment>cli.rejected</comment>
            <translation>Rejected #{id}: the {action} of {amount} for order {invoice} will not be sent.</translation>
        </message>
        <message>
            <source>Читает статус в банке каждого платежа, у которого есть операция с неизвестным итогом (или только платежа INVOICE), и записывает итог: выполнено или не выполнено. Код выхода 0, если неизвестных итогов не осталось, 5 — если остались.</source>
            <comment>cli.resolve.description</comment>
            <translation>Read the bank's status of every payment with an operation whose outcome is unknown (or of INVOICE only) and settle it: done, or not done. Exit 0 when nothing is left unknown, 5 when something still is.</translation>
        </message>
        <message>
            <source>выяснить по статусу в банке итог операций, итог которых неизвестен</source>
            <comment>cli.resolve.help</comment>
            <translation>settle operations whose outcome is unknown from the bank's status</translation>
        </message>
        <message>
            <source>напечатать итоги списком JSON</source>
            <comment>cli.resolve.json</comment>
            <translation>print a JSON list of outcomes</translation>
        </message>
        <message>
            <source>читать заново и платежи в окончательном состоянии</source>
            <comment>cli.sync.all</comment>
            <translation>read payments in a final state again too</translation>
        </message>
        <message>
            <source>сколько статусов читать одновременно, от 1 до {most} (по умолчанию — настройка sync_concurrency, 8)</source>
            <comment>cli.sync.concurrency</comment>
            <translation>status reads at once, 1 to {most} (default: the sync_concurrency setting, 8)</translation>
        </message>
        <message>
            <source>укажите от 1 до {most}, а не {value}</source>
            <comment>cli.sync.concurrency_range</comment>
            <translation>give 1 to {most}, not {value}</translation>
        </message>
        <message>
            <source>Читает статус в банке каждого заказа периода, которому это нужно. Платежи в окончательном состоянии (возвращён, блокировка снята, неуспешен) заново не читаются, если не дан --all. Ход работы — в стандартный поток ошибок (полоса у терминала, иначе строка раз в несколько секунд); итог — в стандартный вывод. Ctrl-C останавливает аккуратно: начатые чтения завершаются, всё прочитанное сохраняется, следующая синхронизация продолжит (Ctrl-C дважды — выйти сразу; записанное остаётся записанным).</source>
            <comment>cli.sync.description</comment>
            <translation>Read the bank's status of each order created in the period that still needs it. Payments in a final state (refunded, released, failed) are not read again unless --all. Progress goes to standard error (a bar at a terminal, a line every few seconds otherwise); the summary to standard output. Ctrl-C stops cleanly: reads in flight finish, everything read is kept, and the next sync carries on (Ctrl-C twice quits at once; what was written stays written).</translation>
        </message>
        <message>
            <source>часть статусов прочитать не удалось (итог считает их по видам; следующая синхронизация попробует снова), или синхронизация не смогла начаться (банк, профиль, база данных)</source>
            <comment>cli.sync.exit_failed</comment>
            <translation>some statuses could not be read (the summary counts them by kind; the next sync tries them again), or the sync could not start (bank, profile, database)</translation>
        </message>
        <message>
            <source>остановлено Ctrl-C (или SIGTERM) до конца; итог говорит, что прочитано</source>
            <comment>cli.sync.exit_interrupted</comment>
            <translation>stopped by Ctrl-C (or SIGTERM) before the end; the summary says what was read</translation>
        </message>
        <message>
            <source>прочитаны все статусы</source>
            <comment>cli.sync.exit_ok</comment>
            <translation>every status was read</translation>
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>cli.sync.exit_usage</comment>
            <translation>usage error</translation>
        </message>
        <message>
            <source>первый день заказов для чтения, {day} (по умолчанию — самый первый)</source>
            <comment>cli.sync.from</comment>
            <translation>first day of orders to read, {day} (default: the first)</translation>
        </message>
        <message>
            <source>прочитать из банка статус платежа каждого заказа</source>
            <comment>cli.sync.help</comment>
            <translation>read every order's payment status from the bank</translation>
        </message>
        <message>
            <source>последний день заказов для чтения, включительно (по умолчанию — самый последний)</source>
            <comment>cli.sync.to</comment>
            <translation>last day of orders to read, included (default: the last)</translation>
        </message>
        <message>
            <source>Все заказы периода в окончательном состоянии (--all прочитает их заново).</source>
            <comment>cli.sync_all_final</comment>
            <translation>Every order in range is in a final state (--all reads them again).</translation>
        </message>
        <message>
            <source>Синхронизация не удалась: {error}</source>
            <comment>cli.sync_failed</comment>
            <translation>sync failed: {error}</translation>
        </message>
        <message>
            <source>Синхронизация прервана: всё прочитанное сохранено, следующая синхронизация продолжит.</source>
            <comment>cli.sync_interrupted</comment>
            <translation>sync interrupted; everything written so far is kept, the next sync carries on.</translation>
        </message>
        <message>
            <source>В периоде нет заказов: загрузите их командой `halyk-desk orders import`.</source>
            <comment>cli.sync_no_orders</comment>
            <translation>There are no orders in range: import them with `halyk-desk orders import`.</translation>
        </message>
        <message>
            <source>отметка журнала, сохранённая в другом месте (`audit head`, книга сверки, `reconcile --json`): запись N должна быть на месте и с этим хешем — так видно и удалённые последние записи, и переписанную историю</source>
            <comment>cli.verify_head</comment>
            <translation>an audit head kept elsewhere (`audit head`, a reconciliation workbook, `reconcile --json`): entry N must still be there with this hash, so newest entries cut off and a rewritten history are both caught</translation>
        </message>
        <message>
            <source>выполнить, не спрашивая</source>
            <comment>cli.yes</comment>
            <translation>do it without asking</translation>
        </message>
        <message>
            <source>Период кончается ({date_to}) раньше, чем начинается ({date_from}).</source>
            <comment>dashboard.period_reversed</comment>
            <translation>The period ends ({date_to}) before it starts ({date_from}).</translation>
        </message>
        <message>
            <source>Период слишком длинный: {days} дн., а можно не больше {max}.</source>
            <comment>dashboard.period_too_long</comment>
            <translation>The period is too long: {days} days, at most {max}.</translation>
        </message>
        <message>
            <source>Пароль базы данных (не отображается): </source>
            <comment>db.ask_password</comment>
            <translation>Database password (not shown): </translation>
        </message>
        <message>
            <source>проверено: {tool}</source>
            <comment>db.backup.checked</comment>
            <translation>checked with {tool}</translation>
        </message>
        <message>
            <source>Резервная копия базы. SQLite: согласованная копия, которую можно делать, пока программа работает, проверенная встроенной проверкой целостности SQLite. PostgreSQL: pg_dump в его собственном формате (нужны клиентские программы PostgreSQL; пароль передаётся через окружение, никогда в командной строке). Копия пишется под временным именем и получает своё имя, только когда она полна и проверена. Без PATH она попадает в папку backups в папке данных под именем halyk-desk-YYYYmmdd-HHMMSS.sqlite3 (.dump для PostgreSQL; время в UTC).</source>
            <comment>db.backup.description</comment>
            <translation>Back up the database. SQLite: a consistent copy made while the program may be running, checked with SQLite's integrity check. PostgreSQL: pg_dump in its custom format (needs the PostgreSQL client tools; the password is passed in the environment, never on the command line). The copy is written under a temporary name and only renamed into place when it is complete and checked. Without PATH it goes to the data folder's backups folder as halyk-desk-YYYYmmdd-HHMMSS.sqlite3 (.dump for PostgreSQL; the time in UTC).</translation>
        </message>
        <message>
            <source>Копия {source} записана в {target} ({size}; {checked}).</source>
            <comment>db.backup.done</comment>
            <translation>Backed up {source} to {target} ({size}; {checked}).</translation>
        </message>
        <message>
            <source>копия сделана и проверена</source>
            <comment>db.backup.exit_0</comment>
            <translation>backed up and checked</translation>
        </message>
        <message>
            <source>копия не сделана (почему — сказано в сообщении); ничего не оставлено</source>
            <comment>db.backup.exit_1</comment>
            <translation>no backup was made (the message says why); nothing was left behind</translation>
        </message>
        <message>
            <source>проверенная копия базы (можно делать, пока открыто окно)</source>
            <comment>db.backup.help</comment>
            <translation>a checked copy of the database (may run while the window is open)</translation>
        </message>
        <message>
            <source>затем удалить в этой папке все копии с датой в имени, кроме N самых новых (только файлы с именами halyk-desk-YYYYmmdd-HHMMSS.*)</source>
            <comment>db.backup.keep</comment>
            <translation>then delete all but the newest N dated backups in that folder (only files named halyk-desk-YYYYmmdd-HHMMSS.*)</translation>
        </message>
        <message>
            <source>файл, который записать (если он есть, будет заменён), или папка, в которую записать файл с датой в имени</source>
            <comment>db.backup.path</comment>
            <translation>the file to write (replaced if it exists), or a folder to write a dated file in</translation>
        </message>
        <message>
            <source>Удалена старая копия {path}</source>
            <comment>db.backup.pruned</comment>
            <translation>Deleted older backup {path}</translation>
        </message>
        <message>
            <source>не проверено: pg_restore не установлен</source>
            <comment>db.backup.unchecked</comment>
            <translation>not checked: pg_restore is not installed</translation>
        </message>
        <message>
            <source>«{text}»: укажите целое число копий, 1 или больше</source>
            <comment>db.bad_keep</comment>
            <translation>'{text}': give a whole number of backups, 1 or more</translation>
        </message>
        <message>
            <source>ВНИМАНИЕ: журнал аудита уже был нарушен в базе, из которой копировали, и скопирован как есть (доказательства сохранены). `halyk-desk audit verify` на любой из двух баз скажет то же самое.</source>
            <comment>db.copy.broken_audit</comment>
            <translation>WARNING: the audit log was already broken in the database copied from, and was copied as it is (the evidence kept). `halyk-desk audit verify` on either database says the same.</translation>
        </message>
        <message>
            <source>Копирование {source} в {target} ...</source>
            <comment>db.copy.copying</comment>
            <translation>Copying {source} to {target} ...</translation>
        </message>
        <message>
            <source>Скопировать все таблицы используемой базы в другую, пустую базу, например из файла SQLite этого компьютера в общую базу PostgreSQL. Целевая база сначала получает схему этой программы; копирование — одна транзакция, которая фиксируется, только когда там проверены число строк и цепочка хешей журнала аудита, так что при любой ошибке в целевой базе не остаётся ни одной строки. Целевая база с данными (кроме встроенных профилей, которые создаёт первый запуск) не принимается. Сначала закройте Halyk Desk везде: пока используемая база читается, она закрыта для изменений. Используемая база не меняется.</source>
            <comment>db.copy.description</comment>
            <translation>Copy every table of the database in use into another, empty database, for example from this computer's SQLite file to the team's PostgreSQL database. The target gets this program's schema first; the copy is one transaction that is committed only after the row counts and the audit log's hash chain are checked there, so on any error the target is left without rows. A target that holds data (anything but the built-in profiles a first start makes) is refused. Close Halyk Desk everywhere first: the database in use is locked against changes while it is read. The database in use is not changed.</translation>
        </message>
        <message>
            <source>В {target} скопировано строк: {rows}, таблиц: {tables}. Число строк совпадает. {audit}</source>
            <comment>db.copy.done</comment>
            <translation>Copied {rows} rows in {tables} tables to {target}. The row counts match. {audit}</translation>
        </message>
        <message>
            <source>скопировано и проверено</source>
            <comment>db.copy.exit_0</comment>
            <translation>copied and checked</translation>
        </message>
        <message>
            <source>ничего не скопировано (почему и что делать — сказано в сообщении)</source>
            <comment>db.copy.exit_1</comment>
            <translation>nothing was copied (the message says why and what to do)</translation>
        </message>
        <message>
            <source>скопировать всё в другую, пустую базу (например, PostgreSQL)</source>
            <comment>db.copy.help</comment>
            <translation>copy everything into another, empty database (e.g. PostgreSQL)</translation>
        </message>
        <message>
            <source>прочитать пароль PostgreSQL целевой базы со стандартного ввода (у терминала спросит, не показывая), а не писать его в URL</source>
            <comment>db.copy.password_stdin</comment>
            <translation>read the target's PostgreSQL password from standard input (asked for, unshown, at a terminal) instead of writing it in the URL</translation>
        </message>
        <message numerus="yes">
            <source>{table}: %n строк</source>
            <comment>db.copy.table_done</comment>
            <translation>
                <numerusform>{table}: %n row</numerusform>
                <numerusform>{table}: %n rows</numerusform>
            </translation>
        </message>
        <message>
            <source>целевая база, например postgresql://halyk:PASSWORD@server/halyk или sqlite:///path/other.sqlite3</source>
            <comment>db.copy.to</comment>
            <translation>the target, e.g. postgresql://halyk:PASSWORD@server/halyk or sqlite:///path/other.sqlite3</translation>
        </message>
        <message>
            <source>База данных, в которой работает Halyk Desk: что в ней, резервные копии и перенос всего в другую базу (сотрудники работают в одной общей базе PostgreSQL). Какая база: --db URL, иначе {variable}, иначе настройки, иначе файл SQLite в папке данных.</source>
            <comment>db.description</comment>
            <translation>The database Halyk Desk works in: what is in it, backups, and moving everything to another database (a team shares one PostgreSQL database). Which database: --db URL, else {variable}, else the settings, else the SQLite file in the data folder.</translation>
        </message>
        <message>
            <source>оператор не администратор</source>
            <comment>db.exit_not_admin</comment>
            <translation>the operator is not an admin</translation>
        </message>
        <message>
            <source>база отказала</source>
            <comment>db.exit_refused</comment>
            <translation>the database refused</translation>
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>db.exit_usage</comment>
            <translation>usage error</translation>
        </message>
        <message>
            <source>Пароль логина {name} (не отображается): </source>
            <comment>db.grant.ask</comment>
            <translation>Password of login {name} (not shown): </translation>
        </message>
        <message>
            <source>Создаёт логин PostgreSQL NAME (или меняет его роль) и регистрирует его оператором: дальше действует этот логин, и сама база разрешает ему ровно то, что можно роли ROLE, какой бы программой он ни подключился (см. руководство администратора). Нужен логин, которому можно создавать роли (владелец базы). Человек подключается с --db postgresql://NAME@сервер/база.</source>
            <comment>db.grant.description</comment>
            <translation>Create the PostgreSQL login NAME (or change its role) and register it as an operator: that login is then who acts, and the database itself allows it exactly what ROLE may do, whatever program connects (see the admin guide). Needs a login that may create roles (the database's owner). The person connects with --db postgresql://NAME@server/db.</translation>
        </message>
        <message>
            <source>выдано</source>
            <comment>db.grant.exit_0</comment>
            <translation>granted</translation>
        </message>
        <message>
            <source>ошибка в команде (не PostgreSQL, нет пароля для нового логина)</source>
            <comment>db.grant.exit_2</comment>
            <translation>usage error (not PostgreSQL, no password for a new login)</translation>
        </message>
        <message>
            <source>пустить человека в общую базу PostgreSQL с ролью (администратор)</source>
            <comment>db.grant.help</comment>
            <translation>let a person in to the team's PostgreSQL database with a role (admins)</translation>
        </message>
        <message>
            <source>имя логина, например anna</source>
            <comment>db.grant.name</comment>
            <translation>the login's name, e.g. anna</translation>
        </message>
        <message>
            <source>прочитать пароль логина со стандартного ввода (у терминала спросит дважды, не показывая); для нового логина обязателен</source>
            <comment>db.grant.password_stdin</comment>
            <translation>read the login's password from standard input (asked for twice, unshown, at a terminal); needed for a new login</translation>
        </message>
        <message>
            <source>Логин {name} изменён: в этой базе он — {role}.</source>
            <comment>db.granted</comment>
            <translation>Login {name} changed: on this database it is {role}.</translation>
        </message>
        <message>
            <source>Логин {name} создан: в этой базе он — {role}.</source>
            <comment>db.granted_new</comment>
            <translation>Login {name} created: on this database it is {role}.</translation>
        </message>
        <message>
            <source>база данных: сведения, резервная копия, перенос в другую (например, PostgreSQL), выбор, доступ людей</source>
            <comment>db.help</comment>
            <translation>the database: info, backup, copy to another (e.g. PostgreSQL), use, people's access</translation>
        </message>
        <message>
            <source>База данных:</source>
            <comment>db.info.address</comment>
            <translation>Database:</translation>
        </message>
        <message>
            <source>Показать используемую базу: её адрес (без пароля), сервер, версию схемы рядом с версией этой программы, число строк каждой таблицы, размер файла SQLite и самые новые резервные копии.</source>
            <comment>db.info.description</comment>
            <translation>Show the database in use: its address (password hidden), the server, the schema revision against this program's, the rows of each table, the SQLite file's size and the newest backups.</translation>
        </message>
        <message>
            <source>показано</source>
            <comment>db.info.exit_0</comment>
            <translation>shown</translation>
        </message>
        <message>
            <source>базу не удалось открыть</source>
            <comment>db.info.exit_1</comment>
            <translation>the database could not be opened</translation>
        </message>
        <message>
            <source>Размер файла:</source>
            <comment>db.info.file_size</comment>
            <translation>File size:</translation>
        </message>
        <message>
            <source>адрес, схема, строки по таблицам, размер файла, последние резервные копии</source>
            <comment>db.info.help</comment>
            <translation>address, schema, rows per table, file size, last backups</translation>
        </message>
        <message>
            <source>Последняя резервная копия:</source>
            <comment>db.info.last_backup</comment>
            <translation>Last backup:</translation>
        </message>
        <message>
            <source>Последняя копия перед обновлением:</source>
            <comment>db.info.last_upgrade_copy</comment>
            <translation>Last copy before upgrade:</translation>
        </message>
        <message>
            <source>версия {revision}, у этой программы {head} ({state})</source>
            <comment>db.info.revision</comment>
            <translation>revision {revision}, this program's {head} ({state})</translation>
        </message>
        <message>
            <source>Строки:</source>
            <comment>db.info.rows</comment>
            <translation>Rows:</translation>
        </message>
        <message>
            <source>Схема:</source>
            <comment>db.info.schema</comment>
            <translation>Schema:</translation>
        </message>
        <message>
            <source>совпадает</source>
            <comment>db.info.schema_current</comment>
            <translation>current</translation>
        </message>
        <message>
            <source>отличается от версии этой программы</source>
            <comment>db.info.schema_differs</comment>
            <translation>differs from this program's</translation>
        </message>
        <message>
            <source>Сервер:</source>
            <comment>db.info.server</comment>
            <translation>Server:</translation>
        </message>
        <message>
            <source>вывести объект JSON</source>
            <comment>db.json_option</comment>
            <translation>print a JSON object</translation>
        </message>
        <message>
            <source>нет</source>
            <comment>db.no_backup</comment>
            <translation>none</translation>
        </message>
        <message>
            <source>База отказала: {why}</source>
            <comment>db.refused</comment>
            <translation>The database refused: {why}</translation>
        </message>
        <message>
            <source>Восстановление из резервной копии SQLite: закройте Halyk Desk везде, где он работает с этим файлом, отложите текущий файл (переименуйте его вместе с файлами -wal и -shm, если они есть), скопируйте резервную копию на место базы под её именем (место показывает `halyk-desk db info`) и запустите программу. Выгрузку PostgreSQL восстанавливает администратор базы с помощью pg_restore в новую, пустую базу.</source>
            <comment>db.restore_help</comment>
            <translation>Restoring a SQLite backup: close Halyk Desk everywhere it uses that file, keep the current file aside (rename it, together with its -wal and -shm files if there are any), copy the backup to the database's place under its name (`halyk-desk db info` shows the place), and start the program. A PostgreSQL dump is restored by the database's administrator with pg_restore into a new, empty database.</translation>
        </message>
        <message>
            <source>отнято</source>
            <comment>db.revoke.exit_0</comment>
            <translation>revoked</translation>
        </message>
        <message>
            <source>отнять у логина право входить и отключить его оператора (администратор)</source>
            <comment>db.revoke.help</comment>
            <translation>take a login's right to connect and disable its operator (admins)</translation>
        </message>
        <message>
            <source>Логин {name} больше не может входить; его оператор отключён.</source>
            <comment>db.revoked</comment>
            <translation>Login {name} may no longer connect; its operator is disabled.</translation>
        </message>
        <message>
            <source>{n} байт</source>
            <comment>db.size_bytes</comment>
            <translation>{n} bytes</translation>
        </message>
        <message>
            <source>{n} ГБ</source>
            <comment>db.size_gb</comment>
            <translation>{n} GB</translation>
        </message>
        <message>
            <source>{n} КБ</source>
            <comment>db.size_kb</comment>
            <translation>{n} KB</translation>
        </message>
        <message>
            <source>{n} МБ</source>
            <comment>db.size_mb</comment>
            <translation>{n} MB</translation>
        </message>
        <message>
            <source>файл SQLite в папке данных этого компьютера (как при первом запуске)</source>
            <comment>db.use.default</comment>
            <translation>the SQLite file in this computer's data folder (the first setting)</translation>
        </message>
        <message>
            <source>Сделать базу той, которую Halyk Desk этого компьютера открывает со следующего запуска, как это делает страница окна Настройки &gt; База данных: сначала база проверяется, затем адрес записывается в настройки, а пароль PostgreSQL — в системное хранилище паролей (никогда в файл настроек). --db и {variable}, если заданы, по-прежнему важнее. Сделать это может только администратор; изменение записывается в журнал аудита.</source>
            <comment>db.use.description</comment>
            <translation>Make a database the one this computer's Halyk Desk opens from its next start, as the window's Settings &gt; Database page does: the database is checked first, the address goes to the settings and a PostgreSQL password to the system keyring (never to the settings file). --db and {variable} still win over it when given. Only an admin operator may do it; the change is written to the audit log.</translation>
        </message>
        <message>
            <source>Со следующего запуска (окна или команды) этот компьютер открывает {address}{server}.</source>
            <comment>db.use.done</comment>
            <translation>From the next start (of the window or a command) this computer opens {address}{server}.</translation>
        </message>
        <message>
            <source>В ней пока нет данных. Чтобы перенести туда данные базы, которой пользовались до сих пор, выполните: halyk-desk --db '{source}' db copy --to '{target}'</source>
            <comment>db.use.empty</comment>
            <translation>It holds no data yet. To move the data of the database used until now there, run: halyk-desk --db '{source}' db copy --to '{target}'</translation>
        </message>
        <message>
            <source>сохранено: действует со следующего запуска</source>
            <comment>db.use.exit_0</comment>
            <translation>saved: used from the next start</translation>
        </message>
        <message>
            <source>базу нельзя использовать (ничего не изменено)</source>
            <comment>db.use.exit_1</comment>
            <translation>the database cannot be used (nothing was changed)</translation>
        </message>
        <message>
            <source>открывать эту базу на этом компьютере со следующего запуска (администраторы)</source>
            <comment>db.use.help</comment>
            <translation>open this database from the next start on this computer (admins)</translation>
        </message>
        <message>
            <source>Её схема старее: следующий запуск её обновит (сначала сделайте `halyk-desk db backup`).</source>
            <comment>db.use.older</comment>
            <translation>Its schema is older: the next start upgrades it (take `halyk-desk db backup` first).</translation>
        </message>
        <message>
            <source>прочитать пароль PostgreSQL со стандартного ввода (у терминала спросит, не показывая)</source>
            <comment>db.use.password_stdin</comment>
            <translation>read the PostgreSQL password from standard input (asked for, unshown, at a terminal)</translation>
        </message>
        <message>
            <source>например postgresql://halyk@server/halyk или sqlite:///path/file.sqlite3</source>
            <comment>db.use.url</comment>
            <translation>e.g. postgresql://halyk@server/halyk or sqlite:///path/file.sqlite3</translation>
        </message>
        <message>
            <source>ВНИМАНИЕ: {warning}</source>
            <comment>db.warning</comment>
            <translation>WARNING: {warning}</translation>
        </message>
        <message>
            <source>Журнал аудита в {target} проверяется не так, как здесь ({found} / здесь: {expected}). Ничего не скопировано.</source>
            <comment>db_admin.audit_differs</comment>
            <translation>The audit log does not verify in {target} as it does here ({found} / here: {expected}). Nothing was copied.</translation>
        </message>
        <message>
            <source>Резервная копия {database} не удалась: {error}.</source>
            <comment>db_admin.backup_failed</comment>
            <translation>The backup of {database} failed: {error}.</translation>
        </message>
        <message>
            <source>{target} — это сама база данных: выберите для резервной копии другой файл.</source>
            <comment>db_admin.backup_onto_itself</comment>
            <translation>{target} is the database itself: choose another file for the backup.</translation>
        </message>
        <message>
            <source>Не удалось создать папку резервных копий {folder}: {error}.</source>
            <comment>db_admin.cannot_create_folder</comment>
            <translation>Cannot create the backups folder {folder}: {error}.</translation>
        </message>
        <message>
            <source>Не удалось прочитать {database}: {error}.</source>
            <comment>db_admin.cannot_read</comment>
            <translation>Cannot read {database}: {error}.</translation>
        </message>
        <message>
            <source>Нельзя использовать {target}: {error}. Ничего не изменено.</source>
            <comment>db_admin.cannot_use</comment>
            <translation>Cannot use {target}: {error}. Nothing was changed.</translation>
        </message>
        <message>
            <source>Не удалось записать в {folder}: {error}. Выберите папку, в которую вам можно писать, или запустите программу от имени пользователя, которому это можно.</source>
            <comment>db_admin.cannot_write</comment>
            <translation>Cannot write in {folder}: {error}. Choose a folder you may write to, or run as a user who may write there.</translation>
        </message>
        <message>
            <source>{target} — это база, в которой вы работаете: укажите адрес другой.</source>
            <comment>db_admin.copy_onto_itself</comment>
            <translation>{target} is the database in use: give the address of another one.</translation>
        </message>
        <message>
            <source>В {target} ничего не скопировано: {error}. Если база занята, закройте Halyk Desk везде и скопируйте снова.</source>
            <comment>db_admin.copy_refused</comment>
            <translation>Nothing was copied to {target}: {error}. If a database is busy, close Halyk Desk everywhere and copy again.</translation>
        </message>
        <message>
            <source>Таблица {table}: здесь строк {here}, в {target} после копирования — {there}. Ничего не скопировано; запустите копирование снова.</source>
            <comment>db_admin.counts_differ</comment>
            <translation>Table {table}: {here} rows here, {there} in {target} after the copy. Nothing was copied; run the copy again.</translation>
        </message>
        <message>
            <source>pg_restore не прочитал выгрузку {address} ({error}); резервная копия не сохранена.</source>
            <comment>db_admin.dump_unreadable</comment>
            <translation>The dump of {address} could not be read back by pg_restore ({error}); no backup was kept.</translation>
        </message>
        <message>
            <source>в ней нет журнала аудита</source>
            <comment>db_admin.dump_without_audit_log</comment>
            <translation>the audit log is missing</translation>
        </message>
        <message>
            <source>Копия {database} не прошла проверку целостности ({problems}); резервная копия не сохранена. Сделайте копию ещё раз; если снова не выйдет, возможно, повреждён диск или файл базы.</source>
            <comment>db_admin.integrity_failed</comment>
            <translation>The copy of {database} failed its integrity check ({problems}); no backup was kept. Run the backup again; if it fails again, the disk or the database file may be damaged.</translation>
        </message>
        <message>
            <source>--keep должен быть не меньше 1: только что сделанная копия сохраняется всегда.</source>
            <comment>db_admin.keep_too_small</comment>
            <translation>--keep must be 1 or more: the backup just made is always kept.</translation>
        </message>
        <message>
            <source>{target} записана более новой версией Halyk Desk: сначала установите её. Ничего не изменено.</source>
            <comment>db_admin.newer_schema</comment>
            <translation>{target} was written by a newer Halyk Desk: install that version first. Nothing was changed.</translation>
        </message>
        <message>
            <source>Дальше: закройте Halyk Desk на всех компьютерах, затем укажите каждому новую базу:</source>
            <comment>db_admin.next</comment>
            <translation>Next: close Halyk Desk on every computer, then point each one at the new database:</translation>
        </message>
        <message>
            <source>  командой:  {command}</source>
            <comment>db_admin.next_command</comment>
            <translation>  with the command:  {command}</translation>
        </message>
        <message>
            <source>Старая база осталась как была: храните её как резервную копию, но работайте только в новой.</source>
            <comment>db_admin.next_old</comment>
            <translation>The old database is left as it was: keep it as a backup, but work in the new one only.</translation>
        </message>
        <message>
            <source>  (Выбрать её можно и через --db URL для одной команды или переменную окружения {variable}.)</source>
            <comment>db_admin.next_other_ways</comment>
            <translation>  (--db URL for one command, or the environment variable {variable}, also choose it.)</translation>
        </message>
        <message>
            <source>  или в окне:  Файл &gt; Настройки &gt; База данных.</source>
            <comment>db_admin.next_window</comment>
            <translation>  or in the window:  File &gt; Settings &gt; Database.</translation>
        </message>
        <message>
            <source>Папки {folder} нет: создайте её или выберите для резервной копии другое место.</source>
            <comment>db_admin.no_folder</comment>
            <translation>The folder {folder} does not exist: create it, or choose another place for the backup.</translation>
        </message>
        <message>
            <source>pg_dump не найден. Установите клиентские программы PostgreSQL версии сервера или новее (Debian/Ubuntu: apt install postgresql-client; Windows: «Command Line Tools» установщика PostgreSQL) и добавьте их папку bin в PATH.</source>
            <comment>db_admin.no_pg_dump</comment>
            <translation>pg_dump was not found. Install the PostgreSQL client tools of the server's version or newer (Debian/Ubuntu: apt install postgresql-client; Windows: the PostgreSQL installer's "Command Line Tools") and put their bin folder on PATH.</translation>
        </message>
        <message>
            <source>pg_dump не выгрузил {address}: {error}</source>
            <comment>db_admin.pg_dump_failed</comment>
            <translation>pg_dump failed for {address}: {error}</translation>
        </message>
        <message>
            <source>Целевая база {target} не приняла строку таблицы {table} с {key}: {error}. Ничего не скопировано. Исправьте эту строку в текущей базе (или отправьте это сообщение тому, кто вам помогает) и скопируйте снова.</source>
            <comment>db_admin.row_refused</comment>
            <translation>The target {target} refused the row of table {table} with {key}: {error}. Nothing was copied. Correct that row in the current database (or send this message to whoever supports you), then copy again.</translation>
        </message>
        <message numerus="yes">
            <source>{table} (%n строк)</source>
            <comment>db_admin.table_rows</comment>
            <translation>
                <numerusform>{table} (%n row)</numerusform>
                <numerusform>{table} (%n rows)</numerusform>
            </translation>
        </message>
        <message>
            <source>Целевая база {target} не пуста: {tables}. Ничего не скопировано. Копируйте в новую, пустую базу (см. руководство администратора) или сначала удалите эту, если в ней нет ничего нужного.</source>
            <comment>db_admin.target_not_empty</comment>
            <translation>The target {target} is not empty: {tables}. Nothing was copied. Copy into a new, empty database (see the admin guide), or remove that one first if it holds nothing you need.</translation>
        </message>
        <message>
            <source>Команды без окна работают и без этих библиотек (halyk-desk --help).</source>
            <comment>desktop.command_line_works</comment>
            <translation>Commands without the window work without these libraries (halyk-desk --help).</translation>
        </message>
        <message>
            <source>Установите их (Debian, Ubuntu) и запустите программу снова:</source>
            <comment>desktop.install_packages</comment>
            <translation>Install them (Debian, Ubuntu), then start the program again:</translation>
        </message>
        <message>
            <source>Halyk Desk не может открыть окно: в системе нет библиотек, без которых Qt не работает с {platform}:</source>
            <comment>desktop.libraries_missing</comment>
            <translation>Halyk Desk cannot open its window: this system lacks libraries that Qt needs for {platform}:</translation>
        </message>
        <message>
            <source>Некоторых файлов самой программы нет: переустановите её.</source>
            <comment>desktop.reinstall</comment>
            <translation>Some of the program's own files are missing: reinstall it.</translation>
        </message>
        <message>
            <source>Добавьте пользователя и пароль кабинета в профиль «{profile}»: `halyk-desk profile edit {profile} --cabinet-user USER --cabinet-password-stdin` или Настройки → Профили банка.</source>
            <comment>epay.add_cabinet_login</comment>
            <translation>Add the cabinet user and password to profile «{profile}»: `halyk-desk profile edit {profile} --cabinet-user USER --cabinet-password-stdin`, or Settings → Bank profiles.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: {label} «{url}» должен начинаться с https://</source>
            <comment>epay.address_not_https</comment>
            <translation>Profile '{profile}': the {label} '{url}' must start with https://</translation>
        </message>
        <message>
            <source>{failure} после отправки.</source>
            <comment>epay.after_sending</comment>
            <translation>{failure} after sending.</translation>
        </message>
        <message>
            <source>Сумма должна быть больше нуля, а не {amount}.</source>
            <comment>epay.amount_not_positive</comment>
            <translation>The amount must be more than zero, not {amount}.</translation>
        </message>
        <message>
            <source>банк ответил HTTP {status} ({body}).</source>
            <comment>epay.answered</comment>
            <translation>the bank answered HTTP {status} with {body}.</translation>
        </message>
        <message>
            <source>банк ответил HTTP {status} ({body}) вместо JSON.</source>
            <comment>epay.answered_not_json</comment>
            <translation>the bank answered HTTP {status} with {body} instead of JSON.</translation>
        </message>
        <message>
            <source>адрес API</source>
            <comment>epay.api_address</comment>
            <translation>API address</translation>
        </message>
        <message>
            <source>пустой ответ</source>
            <comment>epay.body_empty</comment>
            <translation>an empty body</translation>
        </message>
        <message>
            <source>HTML-страница</source>
            <comment>epay.body_html</comment>
            <translation>an HTML page</translation>
        </message>
        <message>
            <source>ответ в JSON</source>
            <comment>epay.body_json</comment>
            <translation>a JSON body</translation>
        </message>
        <message>
            <source>текст не в формате JSON</source>
            <comment>epay.body_not_json</comment>
            <translation>text that is not JSON</translation>
        </message>
        <message>
            <source>{meaning} (код {code}).</source>
            <comment>epay.busy_code</comment>
            <translation>{meaning} (code {code}).</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: для входа кабинета нужны и пользователь, и пароль.</source>
            <comment>epay.cabinet_login_half</comment>
            <translation>Profile «{profile}»: the cabinet login needs both the user and the password.</translation>
        </message>
        <message>
            <source>банк разрешает это только пользователю кабинета мерчанта, а {why}.</source>
            <comment>epay.cabinet_only</comment>
            <translation>the bank lets only the merchant cabinet's user do this, and {why}.</translation>
        </message>
        <message>
            <source>пользователь кабинета вошёл в кабинет банка</source>
            <comment>epay.cabinet_signed_in</comment>
            <translation>the cabinet user signed in</translation>
        </message>
        <message>
            <source>не удалось соединиться с банком</source>
            <comment>epay.cannot_connect</comment>
            <translation>could not connect to the bank</translation>
        </message>
        <message>
            <source>Проверьте адрес API в профиле (схему, хост и путь).</source>
            <comment>epay.check_api_address</comment>
            <translation>Check the profile's API address (scheme, host and path).</translation>
        </message>
        <message>
            <source>Повторите позже; если повторяется, проверьте адрес API в профиле.</source>
            <comment>epay.check_api_hint</comment>
            <translation>Try again later; if it persists, check the profile's API address.</translation>
        </message>
        <message>
            <source>Проверьте пользователя и пароль кабинета в профиле «{profile}» (с ними входят в кабинет мерчанта банка), а также его client id и секрет.</source>
            <comment>epay.check_cabinet_login</comment>
            <translation>Check the cabinet user and password of profile «{profile}» (as you sign in to the bank's merchant cabinet), and its client id and secret.</translation>
        </message>
        <message>
            <source>Проверьте client id, секрет и терминал профиля «{profile}».</source>
            <comment>epay.check_client_credentials</comment>
            <translation>Check the client id, secret and terminal of profile '{profile}'.</translation>
        </message>
        <message>
            <source>Проверьте, что терминал и client id профиля «{profile}» относятся друг к другу.</source>
            <comment>epay.check_terminal_client</comment>
            <translation>Check that the terminal and client id of profile '{profile}' belong together.</translation>
        </message>
        <message>
            <source>Проверьте адрес токенов в профиле.</source>
            <comment>epay.check_token_address</comment>
            <translation>Check the profile's token address.</translation>
        </message>
        <message>
            <source>client id</source>
            <comment>epay.client_id</comment>
            <translation>client id</translation>
        </message>
        <message>
            <source>в профиле его нет (токен самого клиента банк не принял)</source>
            <comment>epay.client_token_refused</comment>
            <translation>the profile has none (the bank refused the client's own token)</translation>
        </message>
        <message>
            <source>банк отклонил запрос</source>
            <comment>epay.code_101</comment>
            <translation>the bank rejected the request</translation>
        </message>
        <message>
            <source>у банка нет платежа с таким invoiceId</source>
            <comment>epay.code_102</comment>
            <translation>the bank has no payment with this invoiceId</translation>
        </message>
        <message>
            <source>у банка внутренняя ошибка</source>
            <comment>epay.code_103</comment>
            <translation>the bank reported an internal error</translation>
        </message>
        <message>
            <source>в токене нет терминала</source>
            <comment>epay.code_104</comment>
            <translation>the token carries no terminal</translation>
        </message>
        <message>
            <source>платёж относится к другому терминалу</source>
            <comment>epay.code_106</comment>
            <translation>the payment belongs to another terminal</translation>
        </message>
        <message>
            <source>по этому платежу в банке уже идёт другая операция</source>
            <comment>epay.code_107</comment>
            <translation>another operation on this payment is in progress at the bank</translation>
        </message>
        <message>
            <source>терминал не относится к этому client id</source>
            <comment>epay.code_109</comment>
            <translation>the terminal does not belong to this client id</translation>
        </message>
        <message>
            <source>Связь с профилем {profile} на {host} есть: банк выдал токен, и {found}.</source>
            <comment>epay.connected</comment>
            <translation>Connected to {profile} at {host}: the bank issued a token and {found}.</translation>
        </message>
        <message>
            <source>соединение оборвалось ({error})</source>
            <comment>epay.connection_dropped</comment>
            <translation>the connection was dropped ({error})</translation>
        </message>
        <message>
            <source>банк не принял учётные данные (HTTP {status}).</source>
            <comment>epay.credentials_refused</comment>
            <translation>the bank refused the credentials (HTTP {status}).</translation>
        </message>
        <message>
            <source>{where}: поле {field}={value}: {error}</source>
            <comment>epay.field_bad_amount</comment>
            <translation>{where} has {field}={value}: {error}</translation>
        </message>
        <message>
            <source>{where}: нет поля {field}</source>
            <comment>epay.field_missing</comment>
            <translation>{where} has no {field}</translation>
        </message>
        <message>
            <source>{where}: поле {field}={value} — не сумма</source>
            <comment>epay.field_not_amount</comment>
            <translation>{where} has {field}={value}, not an amount</translation>
        </message>
        <message>
            <source>{where}: поле {field}={value} — не дата</source>
            <comment>epay.field_not_date</comment>
            <translation>{where} has {field}={value}, not a date</translation>
        </message>
        <message>
            <source>банк не разрешает этому входу такой запрос (HTTP 403); ничего не сделано.</source>
            <comment>epay.forbidden</comment>
            <translation>the bank does not let this login do this (HTTP 403); nothing was done.</translation>
        </message>
        <message>
            <source>Что разрешено этому входу, видно в кабинете мерчанта банка.</source>
            <comment>epay.forbidden_hint</comment>
            <translation>See the bank's merchant cabinet for what this login may do.</translation>
        </message>
        <message>
            <source>банк отказал токену, выданному для этого самого запроса (HTTP 401); ничего не сделано.</source>
            <comment>epay.fresh_token_refused</comment>
            <translation>the bank refused a token issued for this very request (HTTP 401); nothing was done.</translation>
        </message>
        <message>
            <source>{failure}; попытки прекращены (всего попыток: {attempts}).</source>
            <comment>epay.gave_up</comment>
            <translation>{failure}; gave up after {attempts} attempts.</translation>
        </message>
        <message>
            <source>Повторите через несколько минут; если повторяется, проверьте связь и состояние банка.</source>
            <comment>epay.gave_up_hint</comment>
            <translation>Try again in a few minutes; if it persists, check the connection and the bank's status.</translation>
        </message>
        <message>
            <source>Посмотрите статус платежа в кабинете банка; этот запрос банк не примет.</source>
            <comment>epay.hint_101</comment>
            <translation>Read the payment's status in the bank's cabinet; the bank will not accept this request.</translation>
        </message>
        <message>
            <source>Проверьте номер заказа; покупатель мог не заплатить или заплатить под другим номером.</source>
            <comment>epay.hint_102</comment>
            <translation>Check the order number; the customer may not have paid, or paid under another number.</translation>
        </message>
        <message>
            <source>Повторите через несколько минут.</source>
            <comment>epay.hint_103</comment>
            <translation>Try again in a few minutes.</translation>
        </message>
        <message>
            <source>Проверьте идентификатор терминала в настройках профиля.</source>
            <comment>epay.hint_104</comment>
            <translation>Check the terminal id in the profile settings.</translation>
        </message>
        <message>
            <source>Проверьте, что этот заказ оплачен через терминал этого профиля.</source>
            <comment>epay.hint_106</comment>
            <translation>Check that this order was paid through this profile's terminal.</translation>
        </message>
        <message>
            <source>Подождите минуту и повторите.</source>
            <comment>epay.hint_107</comment>
            <translation>Wait a minute and try again.</translation>
        </message>
        <message>
            <source>Client id и терминал в профиле не относятся друг к другу; скопируйте оба из кабинета мерчанта банка.</source>
            <comment>epay.hint_109</comment>
            <translation>The client id and terminal in the profile do not belong together; copy both from the bank's merchant cabinet.</translation>
        </message>
        <message>
            <source>HTTP {status} без объяснения</source>
            <comment>epay.http_unexplained</comment>
            <translation>HTTP {status} without an explanation</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: {label} не указан; скопируйте его из кабинета мерчанта банка.</source>
            <comment>epay.id_empty</comment>
            <translation>Profile '{profile}': the {label} is empty; copy it from the bank's merchant cabinet.</translation>
        </message>
        <message>
            <source>ссылка на оплату</source>
            <comment>epay.link_call</comment>
            <translation>payment link</translation>
        </message>
        <message>
            <source>Ссылка могла появиться у банка: найдите её в кабинете банка, прежде чем создавать другую для этого заказа.</source>
            <comment>epay.link_may_exist</comment>
            <translation>The link may exist at the bank: look it up in the bank's cabinet before creating another for this order.</translation>
        </message>
        <message>
            <source>ссылка банка «{url}» — не веб-адрес</source>
            <comment>epay.link_not_url</comment>
            <translation>the bank's link «{url}» is not a web address</translation>
        </message>
        <message>
            <source>ответ банка на запрос ссылки</source>
            <comment>epay.link_reply</comment>
            <translation>the bank's reply to the link request</translation>
        </message>
        <message>
            <source>ответ банка на запрос ссылки — не объект JSON</source>
            <comment>epay.link_reply_not_object</comment>
            <translation>the bank's reply to the link request is not a JSON object</translation>
        </message>
        <message>
            <source>Сообщите в поддержку: список операций банка изменил форму.</source>
            <comment>epay.list_changed_hint</comment>
            <translation>Tell support: the operations list changed shape.</translation>
        </message>
        <message>
            <source>в списке банка нет поля records.</source>
            <comment>epay.list_no_records</comment>
            <translation>the bank's list has no records field.</translation>
        </message>
        <message>
            <source>список банка — не список записей.</source>
            <comment>epay.list_not_records</comment>
            <translation>the bank's list is not a list of records.</translation>
        </message>
        <message>
            <source>банк не ответил вовремя ({error})</source>
            <comment>epay.no_answer_in_time</comment>
            <translation>no answer in time ({error})</translation>
        </message>
        <message>
            <source>в профиле нет входа кабинета</source>
            <comment>epay.no_cabinet_login</comment>
            <translation>the profile has no cabinet login</translation>
        </message>
        <message>
            <source>в ответе банка нет resultCode.</source>
            <comment>epay.no_result_code</comment>
            <translation>the bank's reply has no resultCode.</translation>
        </message>
        <message>
            <source>в ответе нет объекта transaction</source>
            <comment>epay.no_transaction</comment>
            <translation>the reply has no transaction object</translation>
        </message>
        <message>
            <source>{call}: нет идентификатора транзакции банка.</source>
            <comment>epay.no_transaction_id</comment>
            <translation>{call}: the bank's transaction id is missing.</translation>
        </message>
        <message>
            <source>вход пользователя кабинета</source>
            <comment>epay.op.cabinet_token</comment>
            <translation>cabinet user sign-in</translation>
        </message>
        <message>
            <source>отмена блокировки</source>
            <comment>epay.op.cancel</comment>
            <translation>cancel</translation>
        </message>
        <message>
            <source>подтверждение списания</source>
            <comment>epay.op.confirm</comment>
            <translation>confirm</translation>
        </message>
        <message>
            <source>список операций</source>
            <comment>epay.op.operations_list</comment>
            <translation>operations list</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>epay.op.refund</comment>
            <translation>refund</translation>
        </message>
        <message>
            <source>проверка статуса</source>
            <comment>epay.op.status</comment>
            <translation>status check</translation>
        </message>
        <message>
            <source>запрос токена</source>
            <comment>epay.op.token</comment>
            <translation>token request</translation>
        </message>
        <message>
            <source>Период заканчивается раньше, чем начинается.</source>
            <comment>epay.period_reversed</comment>
            <translation>The period ends before it starts.</translation>
        </message>
        <message>
            <source>заказ {invoice} в статусе {status} ({state})</source>
            <comment>epay.probe_found</comment>
            <translation>order {invoice} is {status} ({state})</translation>
        </message>
        <message>
            <source>проверка статуса работает (заказ {invoice} банку неизвестен)</source>
            <comment>epay.probe_unknown</comment>
            <translation>the status lookup works (order {invoice} is not known to the bank)</translation>
        </message>
        <message>
            <source>Банк мог это выполнить: прочитайте статус платежа, прежде чем делать с ним что-либо ещё.</source>
            <comment>epay.read_status_hint</comment>
            <translation>The bank may have done it: read the payment's status before doing anything else to it.</translation>
        </message>
        <message>
            <source>банк отказал: {said}</source>
            <comment>epay.refused</comment>
            <translation>the bank refused: {said}</translation>
        </message>
        <message>
            <source>банк отказал (код {code}): {said}</source>
            <comment>epay.refused_code</comment>
            <translation>the bank refused (code {code}): {said}</translation>
        </message>
        <message>
            <source>Ничего не сделано: прочитайте статус платежа, исправьте запрос или посмотрите в кабинете банка.</source>
            <comment>epay.refused_hint</comment>
            <translation>Nothing was done: read the payment's status, correct the request, or see the bank's cabinet.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: секрет клиента пуст.</source>
            <comment>epay.secret_empty</comment>
            <translation>Profile '{profile}': the client secret is empty.</translation>
        </message>
        <message>
            <source>банк попросил присылать запросы реже (HTTP 429).</source>
            <comment>epay.slow_down</comment>
            <translation>the bank asked us to slow down (HTTP 429).</translation>
        </message>
        <message>
            <source>{operation} по заказу {invoice}</source>
            <comment>epay.subject_invoice</comment>
            <translation>{operation} for invoice {invoice}</translation>
        </message>
        <message>
            <source>{operation}, транзакция {transaction}</source>
            <comment>epay.subject_transaction</comment>
            <translation>{operation} of transaction {transaction}</translation>
        </message>
        <message>
            <source>терминал</source>
            <comment>epay.terminal</comment>
            <translation>terminal</translation>
        </message>
        <message>
            <source>адрес токенов</source>
            <comment>epay.token_address</comment>
            <translation>token address</translation>
        </message>
        <message>
            <source>служба токенов ответила HTTP {status} ({body}), но без годных access_token и expires_in.</source>
            <comment>epay.token_reply_unusable</comment>
            <translation>the token service answered HTTP {status} with {body} that lacks a usable access_token/expires_in.</translation>
        </message>
        <message>
            <source>служба токенов ответила HTTP {status} ({body}).</source>
            <comment>epay.token_service_answered</comment>
            <translation>the token service answered HTTP {status} with {body}.</translation>
        </message>
        <message>
            <source>в транзакции нет суммы</source>
            <comment>epay.transaction_no_amount</comment>
            <translation>the transaction has no amount</translation>
        </message>
        <message>
            <source>Ничего не сделано; повторите через минуту.</source>
            <comment>epay.try_later_hint</comment>
            <translation>Nothing was done; try again in a minute.</translation>
        </message>
        <message>
            <source>запись списка операций</source>
            <comment>epay.where_operations_record</comment>
            <translation>an operations record</translation>
        </message>
        <message>
            <source>транзакция</source>
            <comment>epay.where_transaction</comment>
            <translation>the transaction</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Освободите место на диске или выберите другую папку и выгрузите снова.</source>
            <comment>export.disk_full</comment>
            <translation>Cannot write the workbook to {path}: {reason}. Free some disk space or choose another folder, and export again.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Выберите другую папку и выгрузите снова.</source>
            <comment>export.failed</comment>
            <translation>Cannot write the workbook to {path}: {reason}. Choose another folder and export again.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: папки {folder} нет. Создайте её или выберите другую папку.</source>
            <comment>export.folder_missing</comment>
            <translation>Cannot write the workbook to {path}: the folder {folder} does not exist. Create it first or choose another folder.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: это папка. Укажите имя файла в ней, например {example}.</source>
            <comment>export.is_folder</comment>
            <translation>Cannot write the workbook to {path}: it is a folder. Give a file name inside it, e.g. {example}.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: имя слишком длинное. Выберите имя короче.</source>
            <comment>export.name_too_long</comment>
            <translation>Cannot write the workbook to {path}: the name is too long. Choose a shorter one.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: такой папки нет ({reason}). Выберите существующую папку и выгрузите снова.</source>
            <comment>export.no_folder</comment>
            <translation>Cannot write the workbook to {path}: no such folder ({reason}). Choose a folder that exists and export again.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Выберите папку, куда у вас есть право записи (например, «Документы»), или закройте файл, если он открыт в Excel, и выгрузите снова.</source>
            <comment>export.no_permission</comment>
            <translation>Cannot write the workbook to {path}: {reason}. Choose a folder you may write to (e.g. Documents), or close the file if it is open in Excel, and export again.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: имя файла должно оканчиваться на .xlsx, например {example}.</source>
            <comment>export.not_xlsx</comment>
            <translation>Cannot write the workbook to {path}: the file name must end in .xlsx, e.g. {example}.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: на листе «{sheet}» было бы {rows} строк, а в таблице помещается не больше {most}. Выгрузите период короче.</source>
            <comment>export.too_many_rows</comment>
            <translation>Cannot write the workbook to {path}: the sheet «{sheet}» would have {rows} rows and a spreadsheet holds at most {most}. Export a shorter period.</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <comment>field.customer</comment>
            <translation>Customer</translation>
        </message>
        <message>
            <source>За что платит покупатель</source>
            <comment>field.link_description</comment>
            <translation>What the customer pays for</translation>
        </message>
        <message>
            <source>Примечание</source>
            <comment>field.note</comment>
            <translation>Note</translation>
        </message>
        <message>
            <source>Оператор</source>
            <comment>field.operator</comment>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Профиль</source>
            <comment>field.profile</comment>
            <translation>Profile</translation>
        </message>
        <message>
            <source>Причина</source>
            <comment>field.reason</comment>
            <translation>Reason</translation>
        </message>
        <message>
            <source>Пояснение к причине</source>
            <comment>field.reason_text</comment>
            <translation>Reason's words</translation>
        </message>
        <message>
            <source>Причина отказа</source>
            <comment>field.rejected_reason</comment>
            <translation>Reason for rejecting</translation>
        </message>
        <message>
            <source>Статус заказа</source>
            <comment>field.shop_status</comment>
            <translation>Order status</translation>
        </message>
        <message>
            <source>Номер заказа «{invoice}» не подходит для ePay: в нём должно быть от 6 до 15 цифр (нули в начале допустимы), например 000123456.</source>
            <comment>ids.bad_invoice</comment>
            <translation>Order number '{invoice}' is not a valid ePay invoiceId: it must be 6 to 15 digits (leading zeros allowed), e.g. 000123456.</translation>
        </message>
        <message>
            <source>колонка {column}: {problem}</source>
            <comment>import.at_column</comment>
            <translation>column {column}: {problem}</translation>
        </message>
        <message>
            <source>строка {row}: {problem}</source>
            <comment>import.at_row</comment>
            <translation>row {row}: {problem}</translation>
        </message>
        <message>
            <source>строка {row}, колонка {column}: {problem}</source>
            <comment>import.at_row_column</comment>
            <translation>row {row}, column {column}: {problem}</translation>
        </message>
        <message>
            <source>Здесь файл не читается как CSV ({error}, строка {line}): проверьте кавычки вокруг значения (кавычка внутри значения пишется дважды: "").</source>
            <comment>import.bad_csv</comment>
            <translation>The file cannot be read as CSV here ({error}, line {line}): check the quotes around the value (a quote inside a value is written twice: "").</translation>
        </message>
        <message>
            <source>Файл — не текст в UTF-8 и не в Windows-1251 (cp1251): сохраните его как CSV UTF-8 или как XLSX.</source>
            <comment>import.bad_encoding</comment>
            <translation>The file is neither UTF-8 nor Windows-1251 (cp1251) text: save it as CSV UTF-8 or as XLSX.</translation>
        </message>
        <message>
            <source>Это не файл CSV или XLSX (в нём двоичные данные): {save_as}.</source>
            <comment>import.binary</comment>
            <translation>This is not a CSV or XLSX file (it holds binary data): {save_as}.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать «{file}»: {error}.</source>
            <comment>import.cannot_read</comment>
            <translation>Cannot read '{file}': {error}.</translation>
        </message>
        <message>
            <source>Значение длиннее {max} символов (предел Excel для ячейки): сократите его или выгрузите заказы заново.</source>
            <comment>import.cell_too_long</comment>
            <translation>a value is longer than {max} characters (Excel's limit for a cell): shorten it or export the orders again.</translation>
        </message>
        <message>
            <source>Для поля «{field}» взята колонка «{column}»; подошли бы и {others}. Если нужна другая, переименуйте лишнюю колонку в файле.</source>
            <comment>import.column_guessed</comment>
            <translation>Took column '{column}' for {field}; {others} could also be it. If you meant another, rename the extra column in the file.</translation>
        </message>
        <message>
            <source>Имя колонки</source>
            <comment>import.column_name</comment>
            <translation>Column name</translation>
        </message>
        <message numerus="yes">
            <source>Колонка «{column}» встречается %n раз (колонки {letters}): дайте каждой колонке своё имя.</source>
            <comment>import.column_repeated</comment>
            <translation>
                <numerusform>Column '{column}' appears %n time (columns {letters}): give each column its own name.</numerusform>
                <numerusform>Column '{column}' appears %n times (columns {letters}): give each column its own name.</numerusform>
            </translation>
        </message>
        <message>
            <source>В столбце {column} (№ {number}) есть значение или оформление, а в файле заказов не больше {max} столбцов: удалите столбцы правее заказов и сохраните файл снова.</source>
            <comment>import.column_too_far</comment>
            <translation>column {column} (column {number}) holds a value or its formatting, but an order file has at most {max} columns: delete the columns right of the orders and save the file again.</translation>
        </message>
        <message>
            <source>Не использованы колонки: {columns}.</source>
            <comment>import.columns_ignored</comment>
            <translation>Columns ignored: {columns}.</translation>
        </message>
        <message>
            <source>Дата пустая: напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.date_empty</comment>
            <translation>The date is empty: write it as 27.11.2026 14:03, 2026-11-27 14:03 or 2026-11-27T14:03:00+05:00.</translation>
        </message>
        <message>
            <source>Файл пустой: выгрузите заказы снова, со строкой заголовков.</source>
            <comment>import.empty_file</comment>
            <translation>The file is empty: export the orders again, with the header row.</translation>
        </message>
        <message>
            <source>сумма</source>
            <comment>import.field.amount</comment>
            <translation>the amount</translation>
        </message>
        <message>
            <source>дата создания</source>
            <comment>import.field.created_at</comment>
            <translation>the creation date</translation>
        </message>
        <message>
            <source>валюта</source>
            <comment>import.field.currency</comment>
            <translation>the currency</translation>
        </message>
        <message>
            <source>покупатель</source>
            <comment>import.field.customer</comment>
            <translation>the customer</translation>
        </message>
        <message>
            <source>номер заказа (invoiceId)</source>
            <comment>import.field.invoice_id</comment>
            <translation>the order number (invoiceId)</translation>
        </message>
        <message>
            <source>оплачен или нет</source>
            <comment>import.field.shop_paid</comment>
            <translation>paid or not</translation>
        </message>
        <message>
            <source>статус в магазине</source>
            <comment>import.field.shop_status</comment>
            <translation>the shop's status</translation>
        </message>
        <message>
            <source>{field} (например, {names})</source>
            <comment>import.field_named</comment>
            <translation>{field} (named e.g. {names})</translation>
        </message>
        <message>
            <source>Файл занимает {size} МБ, а файл заказов — не больше {max} МБ: разбейте заказы на несколько файлов (например, по месяцам).</source>
            <comment>import.file_too_big</comment>
            <translation>The file is {size} MB, more than an order file can be (at most {max} MB): split the orders into several files (one per month, say).</translation>
        </message>
        <message>
            <source>В колонке «{column}» числа: Excel отбрасывает у них нули в начале. Если номера заказов магазина начинаются с 0, сделайте колонку текстовой и выгрузите снова.</source>
            <comment>import.ids_are_numbers</comment>
            <translation>Column '{column}' holds numbers: Excel drops leading zeros from them. If the shop's order numbers start with 0, format the column as Text and export again.</translation>
        </message>
        <message>
            <source>«{file}» — папка: выберите файл заказов в ней.</source>
            <comment>import.is_folder</comment>
            <translation>'{file}' is a folder: choose the order file inside it.</translation>
        </message>
        <message>
            <source>В сопоставлении не указано имя колонки для {fields}.</source>
            <comment>import.mapping_blank</comment>
            <translation>The mapping gives no column name for {fields}.</translation>
        </message>
        <message>
            <source>Сопоставление отдаёт колонку «{column}» сразу двум полям: {first} и {second}.</source>
            <comment>import.mapping_column_twice</comment>
            <translation>The mapping gives column '{column}' to both {first} and {second}.</translation>
        </message>
        <message>
            <source>Сопоставление отдаёт полю {field} колонку «{column}», но такой колонки в файле нет. Колонки файла: {columns}.</source>
            <comment>import.mapping_no_column</comment>
            <translation>The mapping names column '{column}' for {field}, but the file has no such column. The file's columns are: {columns}.</translation>
        </message>
        <message>
            <source>Сопоставление — не правильный JSON ({error}, знак {position}): напишите его так: {example}.</source>
            <comment>import.mapping_not_json</comment>
            <translation>The mapping is not valid JSON ({error} at character {position}): write it as {example}.</translation>
        </message>
        <message>
            <source>Сопоставление должно быть объектом JSON из имён полей и имён колонок, например {example}.</source>
            <comment>import.mapping_not_object</comment>
            <translation>The mapping must be a JSON object of field names to column names, such as {example}.</translation>
        </message>
        <message>
            <source>В сопоставлении неизвестные поля {fields}: используйте {known}.</source>
            <comment>import.mapping_unknown_fields</comment>
            <translation>The mapping names unknown field(s) {fields}: use {known}.</translation>
        </message>
        <message>
            <source>… и ещё проблем: {count}. Исправьте эти и загрузите файл снова, чтобы увидеть остальные.</source>
            <comment>import.more_problems</comment>
            <translation>… and {count} more: fix these and import the file again to see the rest.</translation>
        </message>
        <message>
            <source>В файле нет колонки для: {fields}. Колонки файла: {columns}. Переименуйте колонку в файле: подойдёт любое из названий в скобках.</source>
            <comment>import.no_column_for</comment>
            <translation>The file has no column for {fields}. The file's columns are: {columns}. Rename the column in the file: any of the names in brackets will do.</translation>
        </message>
        <message>
            <source>(нет)</source>
            <comment>import.no_columns</comment>
            <translation>(none)</translation>
        </message>
        <message>
            <source>В файле нет колонки с датой создания: заказы загружены без дат.</source>
            <comment>import.no_date_column</comment>
            <translation>The file has no creation date column: orders are imported without dates.</translation>
        </message>
        <message>
            <source>Файла «{file}» нет: проверьте его имя и папку.</source>
            <comment>import.no_file</comment>
            <translation>There is no file '{file}': check its name and folder.</translation>
        </message>
        <message>
            <source>В файле есть заголовок (строка {row}), но под ним нет заказов.</source>
            <comment>import.no_orders</comment>
            <translation>The file has a header (row {row}) but no orders below it.</translation>
        </message>
        <message>
            <source>В файле нет строк: выгрузите заказы снова, со строкой заголовков.</source>
            <comment>import.no_rows</comment>
            <translation>The file has no rows: export the orders again, with the header row.</translation>
        </message>
        <message>
            <source>В книге нет ни одного листа: поместите заказы на лист.</source>
            <comment>import.no_sheets</comment>
            <translation>The workbook has no worksheets: put the orders on a sheet.</translation>
        </message>
        <message>
            <source>«{text}» — не дата: напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.not_a_date</comment>
            <translation>'{text}' is not a date: write it as 27.11.2026 14:03, 2026-11-27 14:03 or 2026-11-27T14:03:00+05:00.</translation>
        </message>
        <message>
            <source>«{text}» — не сумма: наберите цифры, например 15990,00.</source>
            <comment>import.not_an_amount</comment>
            <translation>'{text}' is not an amount: type digits such as 15990,00.</translation>
        </message>
        <message>
            <source>«{text}» — не номер заказа: наберите от 6 до 15 цифр.</source>
            <comment>import.not_an_order_number</comment>
            <translation>'{text}' is not an order number: type 6 to 15 digits.</translation>
        </message>
        <message>
            <source>Файл — ZIP-архив, но не книга Excel (XLSX) или повреждённая книга: если он из LibreOffice или Numbers, откройте его в Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).</source>
            <comment>import.not_xlsx</comment>
            <translation>The file is a ZIP archive but not an Excel workbook (XLSX), or a damaged one: if it is from LibreOffice or Numbers, open it in Excel and save it again as XLSX, or as CSV (semicolon-separated).</translation>
        </message>
        <message>
            <source>«{text}» — не «да» и не «нет»: напишите {yes} или {no} (или оставьте пустым).</source>
            <comment>import.not_yes_no</comment>
            <translation>'{text}' is not yes or no: write {yes} or {no} (or leave it empty).</translation>
        </message>
        <message numerus="yes">
            <source>Ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</source>
            <comment>import.nothing_imported</comment>
            <translation>
                <numerusform>Nothing was imported: %n problem to fix in the file before importing it again.</numerusform>
                <numerusform>Nothing was imported: %n problems to fix in the file before importing it again.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Из {file} ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</source>
            <comment>import.nothing_imported_from</comment>
            <translation>
                <numerusform>Nothing was imported from {file}: %n problem to fix in the file before importing it again.</numerusform>
                <numerusform>Nothing was imported from {file}: %n problems to fix in the file before importing it again.</numerusform>
            </translation>
        </message>
        <message>
            <source>«{text}» — число, а не дата: сделайте колонку датой в Excel или напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.number_not_date</comment>
            <translation>'{text}' is a number, not a date: format the column as a date in Excel or write it as 27.11.2026 14:03, 2026-11-27 14:03 or 2026-11-27T14:03:00+05:00.</translation>
        </message>
        <message>
            <source>Это старый файл Excel .xls или книга с паролем: {save_as}, без пароля.</source>
            <comment>import.old_xls</comment>
            <translation>This is an old Excel .xls file or a password-protected workbook: {save_as}, without a password.</translation>
        </message>
        <message numerus="yes">
            <source>Номер заказа {invoice} встречается в файле %n раз (строки {rows}): оставьте одну строку на заказ.</source>
            <comment>import.order_repeated</comment>
            <translation>
                <numerusform>Order number {invoice} appears %n time in the file (rows {rows}): keep one row per order.</numerusform>
                <numerusform>Order number {invoice} appears %n times in the file (rows {rows}): keep one row per order.</numerusform>
            </translation>
        </message>
        <message>
            <source>Книга распаковывается в слишком большой объём ({part} — {size} МБ, а можно не больше {max} МБ): разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.part_too_big</comment>
            <translation>The workbook unpacks to more than an order file can hold ({part} is {size} MB, at most {max} MB): split the orders into several files, or save them as CSV.</translation>
        </message>
        <message>
            <source>Строка длиннее {max} символов: видимо, не закрыта кавычка (кавычка внутри значения пишется дважды: ""), или это не список заказов.</source>
            <comment>import.record_too_long</comment>
            <translation>this row is longer than {max} characters: a quote is probably never closed (a quote inside a value is written twice: ""), or the file is not an order list.</translation>
        </message>
        <message>
            <source>Строки {rows} над заголовком (строка {row}) пропущены.</source>
            <comment>import.rows_skipped</comment>
            <translation>Row(s) {rows} above the header (row {row}) were skipped.</translation>
        </message>
        <message>
            <source>откройте его в Excel и сохраните как XLSX или как CSV (с точкой с запятой)</source>
            <comment>import.save_as</comment>
            <translation>open it in Excel and save it as XLSX, or as CSV (semicolon-separated)</translation>
        </message>
        <message>
            <source>запятая</source>
            <comment>import.separator.comma</comment>
            <translation>a comma</translation>
        </message>
        <message>
            <source>разделитель</source>
            <comment>import.separator.other</comment>
            <translation>the separator</translation>
        </message>
        <message>
            <source>точка с запятой</source>
            <comment>import.separator.semicolon</comment>
            <translation>a semicolon</translation>
        </message>
        <message>
            <source>табуляция</source>
            <comment>import.separator.tab</comment>
            <translation>a tab</translation>
        </message>
        <message>
            <source>Текст в книге длиннее {max} символов (предел Excel для ячейки): файл сделан не в Excel или повреждён; выгрузите заказы заново.</source>
            <comment>import.shared_text_too_long</comment>
            <translation>A text in the workbook is longer than {max} characters (Excel's own limit for a cell): the file was not made by Excel or is damaged; export the orders again.</translation>
        </message>
        <message>
            <source>На листе «{sheet}» больше {max} строк заказов: разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.sheet_too_many_rows</comment>
            <translation>Sheet «{sheet}» has more than {max} rows of orders: split the orders into several files, or save them as CSV.</translation>
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с суммой {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_amount</comment>
            <translation>order {invoice} is already stored with amount {stored}; the file says {file}: correct the file, or leave this order out of it.</translation>
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с валютой {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_currency</comment>
            <translation>order {invoice} is already stored with currency {stored}; the file says {file}: correct the file, or leave this order out of it.</translation>
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с датой создания {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_date</comment>
            <translation>order {invoice} is already stored with creation date {stored}; the file says {file}: correct the file, or leave this order out of it.</translation>
        </message>
        <message>
            <source>значений в строке — {values}, а колонок в заголовке — {columns}: видимо, в значении есть разделитель ({separator}); возьмите это значение в двойные кавычки ("...") или сохраните файл с другим разделителем.</source>
            <comment>import.too_many_cells</comment>
            <translation>this row has {values} values but the header has {columns} columns: a value probably contains the separator ({separator}); put that value in double quotes ("...") or save the file with another separator.</translation>
        </message>
        <message>
            <source>В файле больше {max} строк заказов: разбейте заказы на несколько файлов (например, по месяцам).</source>
            <comment>import.too_many_rows</comment>
            <translation>The file has more than {max} rows of orders: split the orders into several files (one per month, say).</translation>
        </message>
        <message>
            <source>В строке значений: {count}, а в файле заказов не больше {max} столбцов: проверьте разделитель.</source>
            <comment>import.too_many_values</comment>
            <translation>this row has {count} values, but an order file has at most {max} columns: check the separator.</translation>
        </message>
        <message>
            <source>Неизвестный код валюты «{text}»: укажите {known} или оставьте пустым для {default}.</source>
            <comment>import.unknown_currency</comment>
            <translation>Unknown currency code '{text}': use {known} or leave it empty for {default}.</translation>
        </message>
        <message>
            <source>Файл начинается как UTF-16, но повреждён: выгрузите его снова.</source>
            <comment>import.utf16_damaged</comment>
            <translation>The file starts as UTF-16 but is damaged: export it again.</translation>
        </message>
        <message>
            <source>Это веб-страница или XML, сохранённые под именем таблицы (такие файлы делает «Экспорт в Excel» 1С-Битрикс): {save_as}, или выгрузите список заказов в CSV.</source>
            <comment>import.web_page</comment>
            <translation>This is a web page or XML saved under a spreadsheet name (1C-Bitrix's "Export to Excel" makes such files): {save_as}, or export the order list as CSV.</translation>
        </message>
        <message>
            <source>Книга Excel повреждена и не читается: откройте её в Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).</source>
            <comment>import.workbook_damaged</comment>
            <translation>The workbook is damaged and cannot be read: open it in Excel and save it again as XLSX, or as CSV (semicolon-separated).</translation>
        </message>
        <message>
            <source>Книга распаковывается в {size} МБ, а файл заказов — не больше {max} МБ: разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.workbook_too_big</comment>
            <translation>The workbook unpacks to {size} MB, more than an order file can hold (at most {max} MB): split the orders into several files, or save them as CSV.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: это не JSON (строка {line}, столбец {column}: {error}). Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_json</comment>
            <translation>The {what} {path} is not valid JSON (line {line}, column {column}: {error}). Fix it in a text editor, or move it away to start over with defaults.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: в нём должен быть объект JSON (в фигурных скобках), а не {kind}. Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_object</comment>
            <translation>The {what} {path} must hold a JSON object (in curly braces), not {kind}. Fix it in a text editor, or move it away to start over with defaults.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: это не текст в кодировке UTF-8 ({reason}). Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_utf8</comment>
            <translation>The {what} {path} is not UTF-8 text ({reason}). Fix it in a text editor, or move it away to start over with defaults.</translation>
        </message>
        <message>
            <source>«{email}» не похоже на адрес e-mail вроде buyer@example.kz.</source>
            <comment>links.bad_email</comment>
            <translation>«{email}» does not look like an e-mail address such as buyer@example.kz.</translation>
        </message>
        <message>
            <source>Язык страницы «{language}»: выберите rus, kaz или eng.</source>
            <comment>links.bad_language</comment>
            <translation>Page language «{language}»: choose rus, kaz or eng.</translation>
        </message>
        <message>
            <source>Срок жизни ссылки «{text}» непонятен: напишите число и m, h или d, например 1d (сутки) или 12h.</source>
            <comment>links.bad_period</comment>
            <translation>Link lifetime «{text}» is not understood: write a number and m, h or d, e.g. 1d (one day) or 12h.</translation>
        </message>
        <message>
            <source>«{phone}» — не номер телефона вроде +77011234567.</source>
            <comment>links.bad_phone</comment>
            <translation>«{phone}» is not a phone number such as +77011234567.</translation>
        </message>
        <message>
            <source>Ссылки на оплату для заказов по телефону, WhatsApp или e-mail. Ссылку создаёт банк; заказ сохраняется как ожидающий оплаты, и синхронизация следит за ним, как за любым другим.</source>
            <comment>links.cli_description</comment>
            <translation>Payment links for orders taken by phone, WhatsApp or e-mail. The bank makes the link; the order is stored as awaiting payment and sync follows it like any other.</translation>
        </message>
        <message>
            <source>ссылки на оплату: попросить покупателя оплатить заказ</source>
            <comment>links.cli_help</comment>
            <translation>payment links: ask a customer to pay an order</translation>
        </message>
        <message>
            <source>Создать ссылку на оплату. Могут менеджеры и администраторы; каждая ссылка пишется в журнал аудита. Номер заказа (12 цифр) создаётся сам, если не задан --invoice.</source>
            <comment>links.create_description</comment>
            <translation>Create a payment link. Managers and admins may; each link is audited. The order number (12 digits) is made unless --invoice gives one.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 создана
  2 неверный ввод или в профиле нет идентификатора магазина, ничего не отправлено
  3 банк отказал (его сообщение показано)
  4 оператору это не разрешено
  5 банк не ответил: ссылка может существовать, проверьте кабинет банка
  1 другая ошибка</source>
            <comment>links.create_exit_codes</comment>
            <translation>exit codes:
  0 created
  2 bad input or no shop id in the profile, nothing sent
  3 refused by the bank (its message shown)
  4 not allowed for this operator
  5 no answer from the bank: the link may exist, look in the bank's cabinet
  1 any other failure</translation>
        </message>
        <message>
            <source>создать ссылку на оплату нового заказа</source>
            <comment>links.create_help</comment>
            <translation>create a payment link for a new order</translation>
        </message>
        <message>
            <source>Ссылка на оплату заказа {invoice_id} ({amount}) действует до {until}:</source>
            <comment>links.created</comment>
            <translation>Payment link for order {invoice_id} ({amount}), valid until {until}:</translation>
        </message>
        <message>
            <source>за что платит покупатель (видно на странице банка)</source>
            <comment>links.description_help</comment>
            <translation>what the customer pays for (shown on the bank's page)</translation>
        </message>
        <message>
            <source>e-mail покупателя (банк отправит ссылку туда)</source>
            <comment>links.email_help</comment>
            <translation>the customer's e-mail (the bank sends the link there)</translation>
        </message>
        <message>
            <source>30m, 12h, 1d (по умолчанию), ≤ 30d</source>
            <comment>links.expires_help</comment>
            <translation>30m, 12h, 1d (default), ≤ 30d</translation>
        </message>
        <message>
            <source>номер заказа (6–15 цифр) вместо нового</source>
            <comment>links.invoice_help</comment>
            <translation>the order number (6–15 digits) instead of a new one</translation>
        </message>
        <message>
            <source>ссылки и их состояния: активна, оплачена, истекла, отклонена</source>
            <comment>links.list_help</comment>
            <translation>the links and their states: active, paid, expired, failed</translation>
        </message>
        <message>
            <source>Здравствуйте!

Для оплаты заказа № {invoice_id} на сумму {amount} ({description}) перейдите по ссылке:
{url}

Ссылка действует до {until}. Оплата картой через защищённую страницу Halyk Bank (ePay).

Спасибо за заказ!</source>
            <comment>links.mail_body</comment>
            <translation>Hello,

To pay for order No. {invoice_id}, {amount} ({description}), follow the link:
{url}

The link is valid until {until}. Payment by card on Halyk Bank's secure page (ePay).

Thank you for your order!</translation>
        </message>
        <message>
            <source>Оплата заказа № {invoice_id}</source>
            <comment>links.mail_subject</comment>
            <translation>Payment for order No. {invoice_id}</translation>
        </message>
        <message>
            <source>Нужно описание: за что платит покупатель.</source>
            <comment>links.no_description</comment>
            <translation>A description is needed: what the customer pays for.</translation>
        </message>
        <message>
            <source>Не удалось подобрать свободный номер заказа: укажите его сами (--invoice).</source>
            <comment>links.no_free_number</comment>
            <translation>Could not find a free order number; give one with --invoice.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет идентификатора магазина: скопируйте его из кабинета банка и укажите в Настройках или командой `halyk-desk profile edit {profile} --shop-id UUID`.</source>
            <comment>links.no_shop_id</comment>
            <translation>Profile «{profile}» has no shop id: copy it from the bank's cabinet and set it in Settings or with `halyk-desk profile edit {profile} --shop-id UUID`.</translation>
        </message>
        <message>
            <source>Ссылок на оплату пока нет: создайте `halyk-desk link create`.</source>
            <comment>links.none</comment>
            <translation>No payment links yet: create one with `halyk-desk link create`.</translation>
        </message>
        <message>
            <source>Заказ {invoice_id} уже есть: для ссылки нужен новый номер (без --invoice он будет создан сам).</source>
            <comment>links.order_exists</comment>
            <translation>Order {invoice_id} already exists; a link needs a new order number (leave --invoice out to have one made).</translation>
        </message>
        <message>
            <source>Срок жизни ссылки «{text}» больше 30 дней: выберите 30d или меньше.</source>
            <comment>links.period_too_long</comment>
            <translation>Link lifetime «{text}» is longer than 30 days; choose 30d or less.</translation>
        </message>
        <message>
            <source>активна</source>
            <comment>links.state_active</comment>
            <translation>active</translation>
        </message>
        <message>
            <source>истекла</source>
            <comment>links.state_expired</comment>
            <translation>expired</translation>
        </message>
        <message>
            <source>отклонена</source>
            <comment>links.state_failed</comment>
            <translation>failed</translation>
        </message>
        <message>
            <source>оплачена</source>
            <comment>links.state_paid</comment>
            <translation>paid</translation>
        </message>
        <message>
            <source>Другой заказ уже оканчивается на {suffix}, а банк требует, чтобы последние шесть цифр не повторялись. Выберите другой номер.</source>
            <comment>links.suffix_taken</comment>
            <translation>Another order already ends in {suffix}; the bank wants the last six digits unique. Choose another number.</translation>
        </message>
        <message>
            <source>до {until}</source>
            <comment>links.until</comment>
            <translation>until {until}</translation>
        </message>
        <message>
            <source>Возраст</source>
            <comment>lists.column_age</comment>
            <translation>Age</translation>
        </message>
        <message>
            <source>Сумма</source>
            <comment>lists.column_amount</comment>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Банк</source>
            <comment>lists.column_bank</comment>
            <translation>Bank</translation>
        </message>
        <message>
            <source>Списано</source>
            <comment>lists.column_captured</comment>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Создан</source>
            <comment>lists.column_created</comment>
            <translation>Created</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <comment>lists.column_customer</comment>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Истекает</source>
            <comment>lists.column_expires</comment>
            <translation>Expires</translation>
        </message>
        <message>
            <source>Заблокирован</source>
            <comment>lists.column_held_since</comment>
            <translation>Held since</translation>
        </message>
        <message>
            <source>Заказ</source>
            <comment>lists.column_invoice</comment>
            <translation>Invoice</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <comment>lists.column_refunded</comment>
            <translation>Refunded</translation>
        </message>
        <message>
            <source>Состояние</source>
            <comment>lists.column_state</comment>
            <translation>State</translation>
        </message>
        <message>
            <source>Осталось</source>
            <comment>lists.column_time_left</comment>
            <translation>Time left</translation>
        </message>
        <message>
            <source>данные не удалось открыть</source>
            <comment>lists.exit_failed</comment>
            <translation>the data could not be opened</translation>
        </message>
        <message>
            <source>список напечатан</source>
            <comment>lists.exit_ok</comment>
            <translation>listed</translation>
        </message>
        <message>
            <source>ошибка в команде (дата, состояние или профиль)</source>
            <comment>lists.exit_usage</comment>
            <translation>usage error (bad date, state or profile)</translation>
        </message>
        <message>
            <source>ИСТЕКЛА</source>
            <comment>lists.flag_expired</comment>
            <translation>EXPIRED</translation>
        </message>
        <message>
            <source>СКОРО</source>
            <comment>lists.flag_warn</comment>
            <translation>WARN</translation>
        </message>
        <message>
            <source>invoice_id, transaction_id, state (held), bank_status (AUTH), amount (заблокированная сумма), captured, refunded, currency, created_at (время блокировки), expires_at, age_seconds, time_left_seconds (отрицательное, когда срок истёк), warn, expired, customer</source>
            <comment>lists.hold_fields</comment>
            <translation>invoice_id, transaction_id, state (held), bank_status (AUTH), amount (held), captured, refunded, currency, created_at (held since), expires_at, age_seconds, time_left_seconds (negative once expired), warn, expired, customer</translation>
        </message>
        <message>
            <source>Все заблокированные платежи (двухстадийные, ждут подтверждения) с суммой, возрастом и временем до конца блокировки (настройки hold_warn_days, hold_expire_days). Для свежих данных сначала выполните `halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}.</source>
            <comment>lists.holds.description</comment>
            <translation>Every held payment (two-stage, awaiting confirmation) with its amount, its age and the time left before the hold expires (settings hold_warn_days, hold_expire_days). Run `halyk-desk sync` first for fresh data. --json prints a JSON array of objects with: {fields}.</translation>
        </message>
        <message>
            <source>блокировки, ждущие подтверждения; первой — та, что истекает раньше всех</source>
            <comment>lists.holds.help</comment>
            <translation>held payments awaiting confirmation, the one expiring first first</translation>
        </message>
        <message numerus="yes">
            <source>%n блокировок (скоро подтвердить или снять: {warn}, истекли: {expired}); время по {time_zone}.</source>
            <comment>lists.holds_count</comment>
            <translation>
                <numerusform>%n hold ({warn} to confirm or release soon, {expired} expired); times in {time_zone}.</numerusform>
                <numerusform>%n holds ({warn} to confirm or release soon, {expired} expired); times in {time_zone}.</numerusform>
            </translation>
        </message>
        <message>
            <source>напечатать массив JSON для скриптов</source>
            <comment>lists.json</comment>
            <translation>print a JSON array for scripts</translation>
        </message>
        <message numerus="yes">
            <source>%n заказов; время по {time_zone}.</source>
            <comment>lists.orders_count</comment>
            <translation>
                <numerusform>%n order; times in {time_zone}.</numerusform>
                <numerusform>%n orders; times in {time_zone}.</numerusform>
            </translation>
        </message>
        <message>
            <source>invoice_id, transaction_id, state, bank_status (statusName, как его дал банк), amount (сумма заказа), captured и refunded (по данным банка), currency, created_at (время заказа), customer, card_mask, reference (RRN), shop_status, last_read_at, read_error</source>
            <comment>lists.payment_fields</comment>
            <translation>invoice_id, transaction_id, state, bank_status (statusName as the bank gave it), amount (the order's), captured and refunded (the bank's), currency, created_at (the order's), customer, card_mask, reference (RRN), shop_status, last_read_at, read_error</translation>
        </message>
        <message>
            <source>Заказы магазина и что банк говорит о платеже каждого, сначала старые. Для свежих данных сначала выполните `halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}. Суммы — десятичные строки ("1500.00"); время — ISO 8601 в UTC; отсутствующие значения — null.</source>
            <comment>lists.payments.description</comment>
            <translation>The shop's orders with what the bank says about each payment, oldest first. Run `halyk-desk sync` first for fresh data. --json prints a JSON array of objects with: {fields}. Amounts are decimal strings ("1500.00"); times ISO 8601 in UTC; missing values null.</translation>
        </message>
        <message>
            <source>заказы, созданные в этот день или позже, {day}</source>
            <comment>lists.payments.from</comment>
            <translation>orders created on or after this day, {day}</translation>
        </message>
        <message>
            <source>заказы и что банк знает об их платежах</source>
            <comment>lists.payments.help</comment>
            <translation>orders with the bank's picture of their payments</translation>
        </message>
        <message>
            <source>начало invoiceId, RRN или маски карты, последние четыре цифры карты или начало имени покупателя</source>
            <comment>lists.payments.search</comment>
            <translation>invoiceId, RRN or card mask prefix, card's last four digits, or customer name prefix</translation>
        </message>
        <message>
            <source>только это состояние (можно повторить или перечислить через запятую): {states}</source>
            <comment>lists.payments.state</comment>
            <translation>only this state (repeat, or separate by commas): {states}</translation>
        </message>
        <message>
            <source>заказы, созданные в этот день или раньше</source>
            <comment>lists.payments.to</comment>
            <translation>orders created on or before this day</translation>
        </message>
        <message>
            <source>{days} д {hours} ч</source>
            <comment>lists.span_days</comment>
            <translation>{days} d {hours} h</translation>
        </message>
        <message>
            <source>{hours} ч {minutes} мин</source>
            <comment>lists.span_hours</comment>
            <translation>{hours} h {minutes} min</translation>
        </message>
        <message>
            <source>{minutes} мин</source>
            <comment>lists.span_minutes</comment>
            <translation>{minutes} min</translation>
        </message>
        <message>
            <source>неизвестное состояние {state}: выберите из {states}</source>
            <comment>lists.unknown_state</comment>
            <translation>unknown state {state}: choose from {states}</translation>
        </message>
        <message>
            <source>В сумме «{raw}» есть цифры не из набора 0–9 (например, полноширинные): наберите сумму обычными цифрами, например 1 234,50.</source>
            <comment>money.ascii_digits</comment>
            <translation>The amount «{raw}» has digits other than 0–9 (full-width ones, say): type it with ordinary digits, such as 1,234.50.</translation>
        </message>
        <message>
            <source>{value} — больше любого настоящего платежа; проверьте сумму.</source>
            <comment>money.decimal_too_large</comment>
            <translation>{value} is beyond any real payment; check the amount.</translation>
        </message>
        <message>
            <source>В «{raw}» больше двух знаков после запятой: тиын — самая мелкая единица (например, 12,34).</source>
            <comment>money.decimals</comment>
            <translation>'{raw}' has more than two decimals: tiyn are the smallest unit (e.g. 12,34).</translation>
        </message>
        <message>
            <source>Сумма пустая: наберите сумму, например 1 234,50.</source>
            <comment>money.empty</comment>
            <translation>The amount is empty: type an amount such as 1 234,50.</translation>
        </message>
        <message>
            <source>«{raw}» — не сумма: тысячи отделяются по три цифры (1 234 567,89); наберите цифры, при необходимости с запятой, например 1 234,50.</source>
            <comment>money.grouping</comment>
            <translation>'{raw}' is not an amount: thousands are grouped by three (1 234 567,89); type digits with an optional comma, such as 1 234,50.</translation>
        </message>
        <message>
            <source>{minor} тиын — больше любого настоящего платежа; проверьте сумму.</source>
            <comment>money.minor_too_large</comment>
            <translation>{minor} tiyn is beyond any real payment; check the amount.</translation>
        </message>
        <message>
            <source>Нельзя складывать {one} и {other}.</source>
            <comment>money.mixed</comment>
            <translation>Cannot combine {one} with {other}.</translation>
        </message>
        <message>
            <source>«{raw}» — отрицательная сумма: сумму пишут без знака, больше нуля.</source>
            <comment>money.negative</comment>
            <translation>'{raw}' is negative: amounts are typed without a sign, more than zero.</translation>
        </message>
        <message>
            <source>Сумма не указана: наберите сумму, например 1 234,50.</source>
            <comment>money.none</comment>
            <translation>No amount given: type an amount such as 1 234,50.</translation>
        </message>
        <message>
            <source>«{raw}» — не сумма: наберите цифры, например 1 234,50.</source>
            <comment>money.not_amount</comment>
            <translation>'{raw}' is not an amount: type digits such as 1 234,50.</translation>
        </message>
        <message>
            <source>«{raw}» — не сумма: наберите цифры, при необходимости с запятой, например 1 234,50.</source>
            <comment>money.not_digits</comment>
            <translation>'{raw}' is not an amount: type digits with an optional comma, such as 1 234,50.</translation>
        </message>
        <message>
            <source>«{value}» — не конечная сумма.</source>
            <comment>money.not_finite</comment>
            <translation>'{value}' is not a finite amount.</translation>
        </message>
        <message>
            <source>«{value}» — не число.</source>
            <comment>money.not_number</comment>
            <translation>'{value}' is not a number.</translation>
        </message>
        <message>
            <source>«{raw}» — в {found}, а эта сумма в {currency}.</source>
            <comment>money.other_currency</comment>
            <translation>'{raw}' is in {found}, but this amount is in {currency}.</translation>
        </message>
        <message>
            <source>«{raw}» больше любого настоящего платежа: проверьте сумму.</source>
            <comment>money.too_large</comment>
            <translation>'{raw}' is beyond any real payment; check the amount.</translation>
        </message>
        <message>
            <source>Неизвестный код валюты «{code}»: укажите трёхбуквенный код, например KZT или USD.</source>
            <comment>money.unknown_currency</comment>
            <translation>Unknown currency code '{code}': use a three-letter code such as KZT or USD.</translation>
        </message>
        <message>
            <source>Банк принял операцию: {effect}.</source>
            <comment>operations.accepted</comment>
            <translation>The bank accepted it: {effect}.</translation>
        </message>
        <message>
            <source>Банк принял операцию, но {effect}; итог выяснится по статусу в банке при следующей синхронизации.</source>
            <comment>operations.accepted_unclear</comment>
            <translation>The bank accepted it, but {effect}; it is settled from the bank's status on the next sync.</translation>
        </message>
        <message>
            <source>Банк принял операцию, но её статус не удалось прочитать для проверки ({error}); итог выяснится при следующей синхронизации.</source>
            <comment>operations.accepted_unread</comment>
            <translation>The bank accepted it, but its status could not be read to confirm it ({error}); it is settled on the next sync.</translation>
        </message>
        <message>
            <source>Операцию №{id} запросил {operator}: одобрить её должен другой менеджер.</source>
            <comment>operations.approve_own</comment>
            <translation>Operation #{id} was requested by {operator}: a different manager must approve it.</translation>
        </message>
        <message>
            <source>отправлено в {sent}, ответа банка не было; итог выяснится по статусу платежа и реестру операций банка (идентификатор операции {external}); невыполненной её сочтут не раньше {until} и только если банк её не покажет</source>
            <comment>operations.awaited</comment>
            <translation>sent at {sent} with no answer from the bank; the outcome will be read from the payment's status and the bank's operations registry (operation id {external}); it will not be taken as not done before {until}, and only if the bank does not show it</translation>
        </message>
        <message>
            <source>Банк отказал: {why}</source>
            <comment>operations.bank_refused</comment>
            <translation>Refused by the bank: {why}</translation>
        </message>
        <message>
            <source>в банке статус {status}</source>
            <comment>operations.bank_status</comment>
            <translation>the bank's status is {status}</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) ждёт одобрения второго менеджера. Ничего не отправлено.</source>
            <comment>operations.busy_pending</comment>
            <translation>Another operation on this payment is in progress (#{id}): the {action} of {amount} by {operator} waits for a second manager's approval. Nothing was sent.</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) отправляется в банк, ответ ещё не пришёл. Ничего не отправлено.</source>
            <comment>operations.busy_sending</comment>
            <translation>Another operation on this payment is in progress (#{id}): the {action} of {amount} by {operator} is being sent and its answer is awaited. Nothing was sent.</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: итог операции «{action}» на {amount} ({operator}) ещё неизвестен; он выяснится по статусу в банке при следующей синхронизации. Ничего не отправлено.</source>
            <comment>operations.busy_unknown</comment>
            <translation>Another operation on this payment is in progress (#{id}): the outcome of the {action} of {amount} by {operator} is not known yet; it is settled from the bank's status on the next sync. Nothing was sent.</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) — {awaited}. Ничего не отправлено.</source>
            <comment>operations.busy_waiting</comment>
            <translation>Another operation on this payment is in progress (#{id}): {action} of {amount} ({operator}) — {awaited}. Nothing was sent.</translation>
        </message>
        <message>
            <source>в банке статус {status}: списано {amount}</source>
            <comment>operations.captured</comment>
            <translation>the bank's status is {status}: {amount} captured</translation>
        </message>
        <message>
            <source>Операцию №{id} только что одобрил или отклонил кто-то другой.</source>
            <comment>operations.decided_meanwhile</comment>
            <translation>Operation #{id} was approved or rejected by someone else just now.</translation>
        </message>
        <message>
            <source>{error} Ничего не отправлено.</source>
            <comment>operations.error_nothing_sent</comment>
            <translation>{error} Nothing was sent.</translation>
        </message>
        <message>
            <source>посмотрите возврат в кабинете банка по идентификатору {external}</source>
            <comment>operations.look_in_cabinet</comment>
            <translation>look the refund up in the bank's cabinet by the id {external}</translation>
        </message>
        <message>
            <source>Возврат больше {limit} одобряет второй менеджер: запрос №{id} ждёт одобрения (вкладка «Операции»). Пока ничего не отправлено.</source>
            <comment>operations.needs_approval</comment>
            <translation>Refunds above {limit} need a second manager: request #{id} waits for approval (the Operations tab). Nothing was sent yet.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет операции №{id}.</source>
            <comment>operations.no_such</comment>
            <translation>There is no operation #{id} in profile «{profile}».</translation>
        </message>
        <message>
            <source>Не выполнено: {error}</source>
            <comment>operations.not_done</comment>
            <translation>Not done: {error}</translation>
        </message>
        <message>
            <source>У банка ещё нет платежа по этому заказу: сначала синхронизируйте его.</source>
            <comment>operations.not_read_yet</comment>
            <translation>The bank has no payment for this order yet: sync it first.</translation>
        </message>
        <message>
            <source>в банке статус {status}: блокировка не снята</source>
            <comment>operations.not_released</comment>
            <translation>the bank's status is {status}: the hold was not released</translation>
        </message>
        <message>
            <source>Не отправлено: {why}</source>
            <comment>operations.not_sent</comment>
            <translation>Not sent: {why}</translation>
        </message>
        <message>
            <source>Не отправлено: банк недоступен. {error}</source>
            <comment>operations.not_sent_unreachable</comment>
            <translation>Not sent: the bank could not be reached. {error}</translation>
        </message>
        <message>
            <source>Операция №{id} не ждёт одобрения: её состояние — {status}.</source>
            <comment>operations.not_waiting</comment>
            <translation>Operation #{id} does not wait for approval: it is {status}.</translation>
        </message>
        <message>
            <source>в банке статус {status}: ничего не списано</source>
            <comment>operations.nothing_captured</comment>
            <translation>the bank's status is {status}: nothing was captured</translation>
        </message>
        <message>
            <source>в банке статус {status} у другой транзакции ({transaction})</source>
            <comment>operations.other_transaction</comment>
            <translation>the bank's status is {status} for another transaction ({transaction})</translation>
        </message>
        <message>
            <source>{error} Итог выяснится по статусу в банке при следующей синхронизации; ничего не повторяется.</source>
            <comment>operations.outcome_unknown</comment>
            <translation>{error} It is settled from the bank's status on the next sync; nothing is repeated.</translation>
        </message>
        <message>
            <source>в банке статус {status}, всего возвращено {refunded} (до этого возврата — {before})</source>
            <comment>operations.refunded</comment>
            <translation>the bank's status is {status}, refunded so far {refunded} (before this refund: {before})</translation>
        </message>
        <message>
            <source>в банке статус {status}, всего возвращено {refunded} (до этого возврата — {before}), больше этого возврата: проверьте кабинет банка</source>
            <comment>operations.refunded_more</comment>
            <translation>the bank's status is {status}, refunded so far {refunded} (before this refund: {before}); more than this refund: check the bank's cabinet</translation>
        </message>
        <message>
            <source>{why} Ничего не отправлено.</source>
            <comment>operations.refused_nothing_sent</comment>
            <translation>{why} Nothing was sent.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: возврат есть в реестре операций банка, но ещё не виден в статусе платежа; ждём, повторно он не отправляется.</source>
            <comment>operations.registry_has_it</comment>
            <translation>Still unknown: the refund is in the bank's operations registry but not yet in the payment's status; waiting, and it is not sent again.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: банк не назвал дату платежа, по которой ищут в реестре операций; {look}.</source>
            <comment>operations.registry_no_date</comment>
            <translation>Still unknown: the bank gave no date for the payment, by which its operations registry is searched; {look}.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: реестр операций банка не удалось прочитать ({error}), а без него нельзя знать, что возврата не было; {look}.</source>
            <comment>operations.registry_unread</comment>
            <translation>Still unknown: the bank's operations registry could not be read ({error}), and without it there is no knowing that the refund was not made; {look}.</translation>
        </message>
        <message>
            <source>Скажите, почему запрос отклонён.</source>
            <comment>operations.reject_needs_reason</comment>
            <translation>Say why the request is rejected.</translation>
        </message>
        <message>
            <source>в банке статус {status}: блокировка снята</source>
            <comment>operations.released</comment>
            <translation>the bank's status is {status}: the hold is released</translation>
        </message>
        <message>
            <source>Выяснено по статусу в банке: {effect}.</source>
            <comment>operations.settled_done</comment>
            <translation>Settled from the bank's status: {effect}.</translation>
        </message>
        <message>
            <source>Банк этого не сделал: {effect}.</source>
            <comment>operations.settled_not_done</comment>
            <translation>The bank did not do it: {effect}.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: {effect}; посмотрите платёж в кабинете банка.</source>
            <comment>operations.still_unknown_look</comment>
            <translation>Still unknown: {effect}; a person should look at the payment in the bank's cabinet.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: статус в банке не удалось прочитать ({error}).</source>
            <comment>operations.still_unknown_unread</comment>
            <translation>Still unknown: the bank's status could not be read ({error}).</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: {effect}; если это не изменится, после {time} UTC операция будет считаться невыполненной.</source>
            <comment>operations.still_unknown_until</comment>
            <translation>Still unknown: {effect}; if that does not change it is settled as not done after {time} UTC.</translation>
        </message>
        <message>
            <source>Не отправлено: программа остановилась до отправки; в банк ничего не ушло.</source>
            <comment>operations.stopped_before_sending</comment>
            <translation>Not sent: the program stopped before sending it; nothing reached the bank.</translation>
        </message>
        <message>
            <source>Теперь банк показывает по этому заказу другую транзакцию ({transaction}).</source>
            <comment>operations.transaction_changed</comment>
            <translation>The bank now shows another transaction ({transaction}) for this order.</translation>
        </message>
        <message>
            <source>действует</source>
            <comment>operators.active</comment>
            <translation>active</translation>
        </message>
        <message>
            <source>Имя оператора — от 1 до 64 символов, а не «{name}».</source>
            <comment>operators.bad_name</comment>
            <translation>An operator's name must be 1 to 64 characters, not «{name}».</translation>
        </message>
        <message>
            <source>создавать ссылки на оплату</source>
            <comment>operators.create_links</comment>
            <translation>create payment links</translation>
        </message>
        <message>
            <source>Оператор «{name}» отключён и не может {what}.</source>
            <comment>operators.disabled</comment>
            <translation>Operator «{name}» is disabled and may not {what}.</translation>
        </message>
        <message>
            <source>отключён</source>
            <comment>operators.inactive</comment>
            <translation>disabled</translation>
        </message>
        <message>
            <source>«{name}» — последний действующий администратор: сначала сделайте администратором кого-то ещё, иначе никто не сможет управлять операторами и настройками.</source>
            <comment>operators.last_admin</comment>
            <translation>«{name}» is the last active admin: make someone else an admin first, or nobody could manage operators or settings.</translation>
        </message>
        <message>
            <source>Оператора «{name}» нет; список операторов — в настройках или `halyk-desk operator list`.</source>
            <comment>operators.no_such</comment>
            <translation>There is no operator «{name}»; the settings or `halyk-desk operator list` show who there is.</translation>
        </message>
        <message>
            <source>Оператор «{name}» не зарегистрирован и не может {what}: администратор может добавить его с ролью «{role}» (Файл → Настройки → Операторы или `halyk-desk operator add {name} --role {role_code}`).</source>
            <comment>operators.not_registered</comment>
            <translation>Operator «{name}» is not registered, so may not {what}: an admin can add them with the role «{role}» (File → Settings → Operators or `halyk-desk operator add {name} --role {role_code}`).</translation>
        </message>
        <message>
            <source>Оператор «{name}» — {role} и не может {what}: для этого нужна роль «{needed}» или выше.</source>
            <comment>operators.role_too_low</comment>
            <translation>Operator «{name}» is {role} and may not {what}: that needs the role «{needed}» or above.</translation>
        </message>
        <message>
            <source>Нет роли «{role}»: выберите одну из {roles}.</source>
            <comment>operators.unknown_role</comment>
            <translation>Unknown role «{role}»: choose one of {roles}.</translation>
        </message>
        <message>
            <source>Пароль должен быть не короче {n} знаков.</source>
            <comment>password.too_short</comment>
            <translation>A password must have at least {n} characters.</translation>
        </message>
        <message>
            <source>Список не сортируется по «{sort}»: выберите одно из {choices}.</source>
            <comment>payments.bad_sort</comment>
            <translation>Cannot sort by '{sort}': choose one of {choices}.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет заказа {invoice}.</source>
            <comment>payments.no_order</comment>
            <translation>There is no order {invoice} in profile '{profile}'.</translation>
        </message>
        <message>
            <source>одобрять возвраты</source>
            <comment>permission.approve</comment>
            <translation>approve refunds</translation>
        </message>
        <message>
            <source>выгружать отчёты</source>
            <comment>permission.export</comment>
            <translation>export reports</translation>
        </message>
        <message>
            <source>подтверждать, снимать и возвращать платежи</source>
            <comment>permission.move_money</comment>
            <translation>confirm, cancel or refund payments</translation>
        </message>
        <message>
            <source>управлять операторами</source>
            <comment>permission.operators</comment>
            <translation>manage operators</translation>
        </message>
        <message>
            <source>смотреть платежи</source>
            <comment>permission.read</comment>
            <translation>read payments</translation>
        </message>
        <message>
            <source>сверять</source>
            <comment>permission.reconcile</comment>
            <translation>reconcile</translation>
        </message>
        <message>
            <source>менять настройки</source>
            <comment>permission.settings</comment>
            <translation>change settings</translation>
        </message>
        <message>
            <source>адрес API, например https://epay-api.homebank.kz</source>
            <comment>profile.add.api_url</comment>
            <translation>the API address, e.g. https://epay-api.homebank.kz</translation>
        </message>
        <message>
            <source>Добавляет профиль или заменяет настройки и секрет одного из ваших профилей.</source>
            <comment>profile.add.description</comment>
            <translation>Add a profile, or replace the settings and secret of one of yours.</translation>
        </message>
        <message>
            <source>добавить профиль (или заменить свой) вместе с секретом</source>
            <comment>profile.add.help</comment>
            <translation>add a profile (or replace one of yours) with its secret</translation>
        </message>
        <message>
            <source>короткое имя: строчные латинские буквы, цифры, - и _</source>
            <comment>profile.add.name</comment>
            <translation>short name: lowercase latin letters, digits, - and _</translation>
        </message>
        <message>
            <source>адрес токенов, например https://epay-oauth.homebank.kz/oauth2/token</source>
            <comment>profile.add.oauth_url</comment>
            <translation>the token address, e.g. https://epay-oauth.homebank.kz/oauth2/token</translation>
        </message>
        <message>
            <source>взять секрет клиента из переменной окружения VAR</source>
            <comment>profile.add.secret_env</comment>
            <translation>take the client secret from environment variable VAR</translation>
        </message>
        <message>
            <source>прочитать секрет клиента со стандартного ввода (у терминала спросит, не показывая)</source>
            <comment>profile.add.secret_stdin</comment>
            <translation>read the client secret from standard input (asked for, unshown, at a terminal)</translation>
        </message>
        <message>
            <source>{what} (не показывается): </source>
            <comment>profile.ask_hidden</comment>
            <translation>{what} (not shown): </translation>
        </message>
        <message>
            <source>«{profile}» — встроенный профиль, его не меняют; добавьте свой командой `halyk-desk profile add`.</source>
            <comment>profile.builtin_fixed</comment>
            <translation>«{profile}» is a built-in profile and cannot be changed; add one of your own with `halyk-desk profile add`.</translation>
        </message>
        <message>
            <source>«{profile}» — встроенный профиль, его не удаляют.</source>
            <comment>profile.builtin_kept</comment>
            <translation>«{profile}» is a built-in profile and cannot be removed.</translation>
        </message>
        <message>
            <source>взять пароль пользователя кабинета из переменной окружения VAR</source>
            <comment>profile.cabinet_password_env</comment>
            <translation>take the cabinet user's password from environment variable VAR</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: у пользователя кабинета {user} нет пароля: дайте его с --cabinet-password-stdin.</source>
            <comment>profile.cabinet_password_missing</comment>
            <translation>Profile «{profile}»: the cabinet user {user} has no password: give it with --cabinet-password-stdin.</translation>
        </message>
        <message>
            <source>прочитать пароль пользователя кабинета со стандартного ввода (у терминала спросит, не показывая); он хранится в хранилище паролей, как секрет</source>
            <comment>profile.cabinet_password_stdin</comment>
            <translation>read the cabinet user's password from standard input (asked for, unshown, at a terminal); it goes to the keyring like the secret</translation>
        </message>
        <message>
            <source>пользователь кабинета мерчанта: список операций банка и ссылки на оплату требуют его входа</source>
            <comment>profile.cabinet_user</comment>
            <translation>the merchant cabinet's user: the bank's operations list and payment links need its login</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: пароль кабинета без пользователя кабинета: дайте пользователя с --cabinet-user.</source>
            <comment>profile.cabinet_user_missing</comment>
            <translation>Profile «{profile}»: a cabinet password without a cabinet user: give the user with --cabinet-user.</translation>
        </message>
        <message>
            <source>Профили банка: адреса банка, ваш client id и терминал. Секрет клиента хранится в хранилище паролей системы (где его нет — в закрытом файле), никогда в базе данных. Встроенные: sandbox (по умолчанию; банк, изображаемый на этом компьютере) и halyk-test (публичный тестовый мерчант банка).</source>
            <comment>profile.description</comment>
            <translation>Bank profiles: the bank's addresses, your client id and terminal. The client secret goes to the system keyring (or a private file where there is none), never to the database. Built in: sandbox (the default, a bank emulated on this computer) and halyk-test (the bank's public test merchant).</translation>
        </message>
        <message>
            <source>адрес API</source>
            <comment>profile.edit.api_url</comment>
            <translation>the API address</translation>
        </message>
        <message>
            <source>client id мерчанта</source>
            <comment>profile.edit.client_id</comment>
            <translation>the merchant's client id</translation>
        </message>
        <message>
            <source>Меняет в своём профиле то, что дано; остальное остаётся как было. С --secret-stdin и --cabinet-password-stdin вместе стандартный ввод держит секрет в первой строке, а пароль кабинета во второй.</source>
            <comment>profile.edit.description</comment>
            <translation>Change what is given of one of your profiles; the rest stays as it is. With both --secret-stdin and --cabinet-password-stdin, standard input holds the secret on its first line and the cabinet password on its second.</translation>
        </message>
        <message>
            <source>изменить часть настроек своего профиля</source>
            <comment>profile.edit.help</comment>
            <translation>change some settings of one of your profiles</translation>
        </message>
        <message>
            <source>какой профиль изменить</source>
            <comment>profile.edit.name</comment>
            <translation>the profile to change</translation>
        </message>
        <message>
            <source>забыть пользователя кабинета и его пароль</source>
            <comment>profile.edit.no_cabinet</comment>
            <translation>forget the cabinet user and its password</translation>
        </message>
        <message>
            <source>адрес токенов</source>
            <comment>profile.edit.oauth_url</comment>
            <translation>the token address</translation>
        </message>
        <message>
            <source>взять новый секрет клиента из переменной окружения VAR</source>
            <comment>profile.edit.secret_env</comment>
            <translation>take a new client secret from environment variable VAR</translation>
        </message>
        <message>
            <source>прочитать новый секрет клиента со стандартного ввода</source>
            <comment>profile.edit.secret_stdin</comment>
            <translation>read a new client secret from standard input</translation>
        </message>
        <message>
            <source>идентификатор терминала (UUID)</source>
            <comment>profile.edit.terminal</comment>
            <translation>the terminal id (a UUID)</translation>
        </message>
        <message>
            <source>переменная окружения {name} не задана или пуста: положите в неё {what} или используйте {flag}.</source>
            <comment>profile.env_empty</comment>
            <translation>environment variable {name} is not set or empty: put the {what} in it, or use {flag}.</translation>
        </message>
        <message>
            <source>У профиля «{profile}» есть заказы или операции: он остаётся ради их истории. Перестаньте его использовать: `halyk-desk profile use ДРУГОЙ`.</source>
            <comment>profile.has_history</comment>
            <translation>Profile «{profile}» has orders or operations: it stays, for their history. Stop using it with `halyk-desk profile use OTHER`.</translation>
        </message>
        <message>
            <source>профили банка: add, edit, list, use, test</source>
            <comment>profile.help</comment>
            <translation>bank profiles: add, edit, list, use, test</translation>
        </message>
        <message>
            <source>Теперь используется профиль «{profile}».</source>
            <comment>profile.in_use</comment>
            <translation>Now using profile '{profile}'.</translation>
        </message>
        <message>
            <source>Поля ссылок на оплату профиля «{profile}» сохранены.</source>
            <comment>profile.links_saved</comment>
            <translation>Payment link fields of profile «{profile}» saved.</translation>
        </message>
        <message>
            <source>список профилей; * отмечает используемый</source>
            <comment>profile.list.help</comment>
            <translation>list the profiles; * marks the one in use</translation>
        </message>
        <message>
            <source>{where}; секрет: {secret}</source>
            <comment>profile.list_line</comment>
            <translation>{where}; secret: {secret}</translation>
        </message>
        <message>
            <source>{where}, терминал {terminal}; секрет: {secret}</source>
            <comment>profile.list_terminal</comment>
            <translation>{where}, terminal {terminal}; secret: {secret}</translation>
        </message>
        <message>
            <source>Проверьте его: `halyk-desk profile test {profile}`; работайте с ним: `halyk-desk profile use {profile}`.</source>
            <comment>profile.next_steps</comment>
            <translation>Check it with `halyk-desk profile test {profile}`; use it with `halyk-desk profile use {profile}`.</translation>
        </message>
        <message>
            <source>--no-cabinet забывает вход кабинета: дайте его без --cabinet-user и пароля кабинета.</source>
            <comment>profile.no_cabinet_alone</comment>
            <translation>--no-cabinet forgets the cabinet login: give it without --cabinet-user or a cabinet password.</translation>
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён секрет клиента: дайте его с --secret-stdin.</source>
            <comment>profile.no_secret_stored</comment>
            <translation>Profile «{profile}» has no client secret stored: give it with --secret-stdin.</translation>
        </message>
        <message>
            <source>на стандартном вводе нет: {what}.</source>
            <comment>profile.nothing_on_stdin</comment>
            <translation>no {what} on standard input.</translation>
        </message>
        <message>
            <source>удалить свой профиль без заказов и его секреты (администратор)</source>
            <comment>profile.remove.help</comment>
            <translation>remove one of your profiles that has no orders, and its secrets (admins)</translation>
        </message>
        <message>
            <source>какой профиль удалить</source>
            <comment>profile.remove.name</comment>
            <translation>the profile to remove</translation>
        </message>
        <message>
            <source>Профиль «{profile}» удалён.</source>
            <comment>profile.removed</comment>
            <translation>Profile «{profile}» removed.</translation>
        </message>
        <message>
            <source>банк-песочница на этом компьютере</source>
            <comment>profile.sandbox_bank</comment>
            <translation>the sandbox bank on this computer</translation>
        </message>
        <message>
            <source>Профиль «{profile}» сохранён: {api}, терминал {terminal}.</source>
            <comment>profile.saved</comment>
            <translation>Profile «{profile}» saved: {api}, terminal {terminal}.</translation>
        </message>
        <message>
            <source>Пользователь кабинета: {user}.</source>
            <comment>profile.saved_cabinet</comment>
            <translation>Cabinet user: {user}.</translation>
        </message>
        <message>
            <source>секрет клиента профиля «{profile}» удалён: он выдан для прежнего адреса токенов или client id и на новый не отправляется. Дайте новый: `halyk-desk profile edit {profile} --secret-stdin`.</source>
            <comment>profile.secret_dropped</comment>
            <translation>the client secret of profile «{profile}» was dropped: it was given for the former token address or client id and is never sent to a new one. Give the new one: `halyk-desk profile edit {profile} --secret-stdin`.</translation>
        </message>
        <message>
            <source>НЕТ: укажите его командой `halyk-desk profile edit {profile} --secret-stdin`</source>
            <comment>profile.secret_missing</comment>
            <translation>MISSING: give it with `halyk-desk profile edit {profile} --secret-stdin`</translation>
        </message>
        <message>
            <source>не нужен (песочница)</source>
            <comment>profile.secret_not_needed</comment>
            <translation>not needed (sandbox)</translation>
        </message>
        <message>
            <source>Внимание: {warning}</source>
            <comment>profile.secret_warning</comment>
            <translation>WARNING: {warning}</translation>
        </message>
        <message>
            <source>Секреты сохранены: {where}.</source>
            <comment>profile.secrets_where</comment>
            <translation>Secrets saved in: {where}.</translation>
        </message>
        <message>
            <source>Проверяет связь профиля: получает токен и читает статус одного платежа. Профиль sandbox проверяется на банке-песочнице, запущенной на этом компьютере.</source>
            <comment>profile.test.description</comment>
            <translation>Test a profile's connection: get a token and read one payment status. The sandbox profile tests against the sandbox bank started on this computer.</translation>
        </message>
        <message>
            <source>получить токен и прочитать один статус; сказать, что не удалось</source>
            <comment>profile.test.help</comment>
            <translation>get a token and read one status, and say what failed</translation>
        </message>
        <message>
            <source>какой профиль проверить (по умолчанию — используемый)</source>
            <comment>profile.test.name</comment>
            <translation>profile to test (default: the one in use)</translation>
        </message>
        <message>
            <source>сколько секунд ждать каждого ответа (по умолчанию 10)</source>
            <comment>profile.test.timeout</comment>
            <translation>seconds to wait for each answer (default 10)</translation>
        </message>
        <message>
            <source>проверка связи профиля «{profile}» не удалась: {why}</source>
            <comment>profile.test_failed</comment>
            <translation>the connection test of profile '{profile}' failed: {why}</translation>
        </message>
        <message>
            <source>Проверяю профиль «{profile}»…</source>
            <comment>profile.testing</comment>
            <translation>Testing profile '{profile}'...</translation>
        </message>
        <message>
            <source>с этого момента работать с этим профилем (окно и команды)</source>
            <comment>profile.use.help</comment>
            <translation>use this profile from now on (window and commands)</translation>
        </message>
        <message>
            <source>пароль кабинета</source>
            <comment>profile.what.cabinet_password</comment>
            <translation>cabinet password</translation>
        </message>
        <message>
            <source>секрет клиента</source>
            <comment>profile.what.client_secret</comment>
            <translation>client secret</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: адрес уведомлений «{url}» должен начинаться с https:// (банк присылает уведомления через интернет), например https://shop.example.kz/halyk/callback.</source>
            <comment>profiles.bad_callback_url</comment>
            <translation>Profile «{profile}»: the callback address «{url}» must start with https:// (the bank posts its notices over the internet), e.g. https://shop.example.kz/halyk/callback.</translation>
        </message>
        <message>
            <source>Имя профиля «{profile}» не подходит: нужно от 1 до 64 строчных латинских букв, цифр, «-» или «_», например shop-main.</source>
            <comment>profiles.bad_name</comment>
            <translation>Profile name '{profile}' is not allowed: use 1 to 64 lowercase latin letters, digits, '-' or '_', e.g. shop-main.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: идентификатор магазина «{shop_id}» — не UUID; скопируйте его из кабинета банка.</source>
            <comment>profiles.bad_shop_id</comment>
            <translation>Profile «{profile}»: the shop id «{shop_id}» is not a UUID; copy it from the bank's cabinet.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: терминал «{terminal}» — не UUID; он выглядит так: 67e34d63-102f-4bd1-898e-370781d0074d (из кабинета мерчанта банка).</source>
            <comment>profiles.bad_terminal</comment>
            <translation>Profile '{profile}': the terminal '{terminal}' is not a UUID; it looks like 67e34d63-102f-4bd1-898e-370781d0074d (from the bank's merchant cabinet).</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: {label} «{url}» — не адрес http(s); нужен адрес вроде {example}.</source>
            <comment>profiles.bad_url</comment>
            <translation>Profile '{profile}': the {label} '{url}' is not an http(s) address such as {example}.</translation>
        </message>
        <message>
            <source>«{profile}» — встроенный профиль; выберите для своего другое имя.</source>
            <comment>profiles.builtin_name</comment>
            <translation>'{profile}' is a built-in profile; choose another name for yours.</translation>
        </message>
        <message>
            <source>публичный https-адрес приёмника уведомлений магазина (`halyk-desk callbacks serve` за веб-сервером); уходит банку с каждой ссылкой</source>
            <comment>profiles.callback_url_help</comment>
            <translation>public https address of the shop's callback receiver (`halyk-desk callbacks serve` behind its web server), sent to the bank with every link</translation>
        </message>
        <message>
            <source>идентификатор магазина в банке (из кабинета), нужен для ссылок на оплату</source>
            <comment>profiles.shop_id_help</comment>
            <translation>the shop's id at the bank (from the cabinet), needed for payment links</translation>
        </message>
        <message>
            <source>Нужна причина: выберите одну из {reasons}.</source>
            <comment>reasons.missing</comment>
            <translation>A reason is required: choose one of {reasons}.</translation>
        </message>
        <message>
            <source>Для причины «{reason}» опишите её своими словами.</source>
            <comment>reasons.needs_words</comment>
            <translation>For the reason “{reason}”, describe it in your own words.</translation>
        </message>
        <message>
            <source>«{reason}» нет в списке причин: {reasons}.</source>
            <comment>reasons.unknown</comment>
            <translation>«{reason}» is not one of the reasons: {reasons}.</translation>
        </message>
        <message>
            <source>отмена блокировки</source>
            <comment>recon.action.cancel</comment>
            <translation>hold release</translation>
        </message>
        <message>
            <source>подтверждение (списание)</source>
            <comment>recon.action.confirm</comment>
            <translation>capture</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>recon.action.refund</comment>
            <translation>refund</translation>
        </message>
        <message>
            <source>Сумма заказа {shop}, в банке списано {bank}: разница {difference}. Проверьте заказ и платёж.</source>
            <comment>recon.amount_mismatch</comment>
            <translation>The order is for {shop}, the bank captured {bank}: a difference of {difference}. Check the order and the payment.</translation>
        </message>
        <message>
            <source>Сумма заказа {shop}, в банке заблокировано {bank}: разница {difference}. Проверьте заказ и платёж.</source>
            <comment>recon.amount_mismatch_held</comment>
            <translation>The order is for {shop}, the bank holds {bank}: a difference of {difference}. Check the order and the payment.</translation>
        </message>
        <message>
            <source>«{category}» — не категория расхождений, которые отмечают решёнными: выберите одну из {choices}.</source>
            <comment>recon.bad_category</comment>
            <translation>'{category}' is not a category with discrepancies to resolve: choose one of {choices}.</translation>
        </message>
        <message>
            <source>«{key}» — не ключ расхождения: ключи выглядят как invoice:000123, transaction:&lt;номер в банке&gt; или operation:&lt;номер&gt;; их показывает `halyk-desk reconcile --json`.</source>
            <comment>recon.bad_key</comment>
            <translation>'{key}' is not a discrepancy key: keys look like invoice:000123, transaction:&lt;bank id&gt; or operation:&lt;id&gt;; `halyk-desk reconcile --json` lists them.</translation>
        </message>
        <message>
            <source>Допуск по сумме должен быть нулём или больше, в {currency}; сейчас он {tolerance}.</source>
            <comment>recon.bad_tolerance</comment>
            <translation>The amount tolerance must be zero or more, in {currency}; it is {tolerance}.</translation>
        </message>
        <message>
            <source>{status} — {state}</source>
            <comment>recon.bank_status</comment>
            <translation>{status} — {state}</translation>
        </message>
        <message>
            <source>отменён</source>
            <comment>recon.cancelled</comment>
            <translation>cancelled</translation>
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ отменён ({shop_status}): нужен возврат покупателю или исправление статуса заказа.</source>
            <comment>recon.captured_cancelled</comment>
            <translation>The bank captured {bank}, but the shop cancelled the order ({shop_status}): refund the customer or correct the order's status.</translation>
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ отменён: нужен возврат покупателю или исправление статуса заказа.</source>
            <comment>recon.captured_cancelled_plain</comment>
            <translation>The bank captured {bank}, but the shop cancelled the order: refund the customer or correct the order's status.</translation>
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ не оплачен: отметьте оплату в магазине или сделайте возврат.</source>
            <comment>recon.captured_not_paid</comment>
            <translation>The bank captured {bank}, but the shop has the order unpaid: mark it paid in the shop or refund.</translation>
        </message>
        <message>
            <source>Заказ в {order}, а платёж в банке в {bank}: сверьте вручную.</source>
            <comment>recon.currency_differs</comment>
            <translation>The order is in {order}, the bank's payment in {bank}: reconcile it by hand.</translation>
        </message>
        <message>
            <source>Ещё один платёж по тому же заказу: {bank} (статус: {status}); основной платёж — {first}. Если покупатель заплатил дважды, верните лишний платёж.</source>
            <comment>recon.duplicate_payment</comment>
            <translation>Another payment for the same order: {bank} (status: {status}); the main payment is {first}. If the customer paid twice, refund the extra payment.</translation>
        </message>
        <message>
            <source>Сверять нечего с {date_from} по {date_to} ({zone}): в профиле «{profile}» за эти дни нет ни заказов, ни платежей, ни операций. Проверьте даты, загрузите заказы магазина (`halyk-desk orders import`) и прочитайте их платежи (`halyk-desk sync`).</source>
            <comment>recon.empty_period</comment>
            <translation>Nothing to reconcile from {date_from} to {date_to} ({zone}): profile '{profile}' has no orders, payments or operations in those days. Check the dates, import the shop's orders (`halyk-desk orders import`) and read their payments (`halyk-desk sync`).</translation>
        </message>
        <message>
            <source>Сумма в {other}, а сверка ведётся в {report}: сверьте вручную.</source>
            <comment>recon.foreign_currency</comment>
            <translation>The amount is in {other}, the reconciliation is in {report}: reconcile it by hand.</translation>
        </message>
        <message>
            <source>В магазине заказ отменён ({shop_status}), а в банке блокировка {bank}: снимите блокировку.</source>
            <comment>recon.held_for_cancelled</comment>
            <translation>The shop cancelled the order ({shop_status}), but the bank holds {bank}: release the hold.</translation>
        </message>
        <message>
            <source>Блокировки отмечаются через {warn} дн., а истекают через {expire} дн.: отметка должна быть раньше истечения и не раньше, чем через день.</source>
            <comment>recon.hold_days</comment>
            <translation>Holds warn after {warn} days and expire after {expire}: the warning must come first, after at least one day.</translation>
        </message>
        <message>
            <source>Срок блокировки {held} истёк {at}: подтвердить её уже нельзя, деньги вернутся покупателю.</source>
            <comment>recon.hold_expired</comment>
            <translation>The hold of {held} expired at {at}: it can no longer be confirmed, the money goes back to the customer.</translation>
        </message>
        <message>
            <source>Блокировка {held} истекает {at} (осталось {hours} ч): подтвердите или снимите её.</source>
            <comment>recon.hold_expiring</comment>
            <translation>The hold of {held} expires at {at} ({hours} h left): confirm or release it.</translation>
        </message>
        <message>
            <source>выполнена</source>
            <comment>recon.journal.done</comment>
            <translation>done</translation>
        </message>
        <message>
            <source>отправляется</source>
            <comment>recon.journal.intent</comment>
            <translation>being sent</translation>
        </message>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <comment>recon.journal.pending_approval</comment>
            <translation>waiting for a second manager's approval</translation>
        </message>
        <message>
            <source>банк не выполнил</source>
            <comment>recon.journal.refused</comment>
            <translation>refused by the bank</translation>
        </message>
        <message>
            <source>отклонена менеджером</source>
            <comment>recon.journal.rejected</comment>
            <translation>rejected by a manager</translation>
        </message>
        <message>
            <source>отправлено, ждём ответа банка</source>
            <comment>recon.journal.sent</comment>
            <translation>sent, waiting for the bank's answer</translation>
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <comment>recon.journal.unknown</comment>
            <translation>outcome unknown, being checked with the bank</translation>
        </message>
        <message>
            <source>В банке нет оплаты заказа на {shop}. Уточните у покупателя или в магазине.</source>
            <comment>recon.missing_at_bank</comment>
            <translation>The bank has no payment for the order of {shop}. Ask the customer or the shop.</translation>
        </message>
        <message>
            <source>В банке нет оплаты заказа на {shop} (последняя попытка в банке: {attempt}). Уточните у покупателя или в магазине.</source>
            <comment>recon.missing_at_bank_attempt</comment>
            <translation>The bank has no payment for the order of {shop} (the last attempt at the bank: {attempt}). Ask the customer or the shop.</translation>
        </message>
        <message>
            <source>Нужен комментарий: напишите, как расхождение решено.</source>
            <comment>recon.note_required</comment>
            <translation>A note is required: say how the discrepancy was resolved.</translation>
        </message>
        <message>
            <source>Комментарий слишком длинный: не больше {max} знаков.</source>
            <comment>recon.note_too_long</comment>
            <translation>The note is too long: at most {max} characters.</translation>
        </message>
        <message>
            <source>Магазин считает заказ оплаченным, а банк деньги не списал (статус банка: {status}). Не отгружайте заказ, пока оплата не подтверждена.</source>
            <comment>recon.paid_not_captured</comment>
            <translation>The shop has the order paid, but the bank captured nothing (the bank's status: {status}). Do not ship the order until the payment is confirmed.</translation>
        </message>
        <message>
            <source>Период начинается {start}, позже, чем кончается ({end}): сначала укажите более раннюю дату.</source>
            <comment>recon.period_reversed</comment>
            <translation>The period starts on {start}, after it ends on {end}: give the earlier date first.</translation>
        </message>
        <message>
            <source>Записей без номера транзакции или даты: {count}; они не учтены.</source>
            <comment>recon.records_skipped</comment>
            <translation>{count} records without a transaction id or date were left out.</translation>
        </message>
        <message>
            <source>Сверка остановлена; ничего не записано.</source>
            <comment>recon.run_cancelled</comment>
            <translation>The reconciliation was cancelled; nothing was recorded.</translation>
        </message>
        <message>
            <source>Сверка остановлена.</source>
            <comment>recon.run_stopped</comment>
            <translation>The reconciliation was cancelled.</translation>
        </message>
        <message>
            <source>списано</source>
            <comment>recon.state.captured</comment>
            <translation>captured</translation>
        </message>
        <message>
            <source>не прошёл</source>
            <comment>recon.state.failed</comment>
            <translation>failed</translation>
        </message>
        <message>
            <source>блокировка, ожидает подтверждения</source>
            <comment>recon.state.held</comment>
            <translation>held, awaiting capture</translation>
        </message>
        <message>
            <source>требует проверки</source>
            <comment>recon.state.needs_review</comment>
            <translation>needs review</translation>
        </message>
        <message>
            <source>не найден в банке</source>
            <comment>recon.state.not_found</comment>
            <translation>not found at the bank</translation>
        </message>
        <message>
            <source>частичный возврат</source>
            <comment>recon.state.partially_refunded</comment>
            <translation>partly refunded</translation>
        </message>
        <message>
            <source>в обработке</source>
            <comment>recon.state.pending</comment>
            <translation>processing</translation>
        </message>
        <message>
            <source>возвращено</source>
            <comment>recon.state.refunded</comment>
            <translation>refunded</translation>
        </message>
        <message>
            <source>блокировка снята</source>
            <comment>recon.state.released</comment>
            <translation>hold released</translation>
        </message>
        <message>
            <source>неизвестно</source>
            <comment>recon.state.unknown</comment>
            <translation>unknown</translation>
        </message>
        <message>
            <source>Платёж банка с номером заказа {invoice} на {bank} (статус: {status}) не найден среди заказов магазина. Найдите заказ или обратитесь в банк.</source>
            <comment>recon.unknown_to_shop</comment>
            <translation>The bank's payment of {bank} with order number {invoice} (status: {status}) is not among the shop's orders. Find the order or ask the bank.</translation>
        </message>
        <message>
            <source>Платёж банка без номера заказа на {bank} (статус: {status}) не найден среди заказов магазина. Найдите заказ или обратитесь в банк.</source>
            <comment>recon.unknown_to_shop_no_number</comment>
            <translation>The bank's payment of {bank} without an order number (status: {status}) is not among the shop's orders. Find the order or ask the bank.</translation>
        </message>
        <message>
            <source>Операция «{action}» не завершена (состояние: {status}): результат уточняется у банка; не повторяйте её, пока он не станет известен.</source>
            <comment>recon.unresolved</comment>
            <translation>The operation «{action}» is not finished (status: {status}): its outcome is being checked with the bank; do not repeat it until it is known.</translation>
        </message>
        <message>
            <source>Операция «{action}» на {amount} не завершена (состояние: {status}): результат уточняется у банка; не повторяйте её, пока он не станет известен.</source>
            <comment>recon.unresolved_amount</comment>
            <translation>The operation «{action}» of {amount} is not finished (status: {status}): its outcome is being checked with the bank; do not repeat it until it is known.</translation>
        </message>
        <message>
            <source>список операций за {period} неполон: банк объявил записей — {total}, а выдал разных — {got}.</source>
            <comment>registry.incomplete</comment>
            <translation>the operations list for {period} is incomplete: the bank announced {total} records but gave {got} distinct ones.</translation>
        </message>
        <message>
            <source>Список не принят, чтобы ни одна запись не потерялась молча. Повторите позже; если повторяется, сообщите в поддержку.</source>
            <comment>registry.incomplete_hint</comment>
            <translation>The list was not accepted, so that no record is lost without a word. Try again later; if it persists, tell support.</translation>
        </message>
        <message>
            <source>страницы 0 и 1 списка операций за {period} не похожи ни на один известный способ листать.</source>
            <comment>registry.paging_unknown</comment>
            <translation>pages 0 and 1 of the operations list for {period} match no known way of paging.</translation>
        </message>
        <message>
            <source>Повторите позже; если повторяется, сообщите в поддержку.</source>
            <comment>registry.tell_support</comment>
            <translation>Try again later; if it persists, tell support.</translation>
        </message>
        <message>
            <source>Выполнено</source>
            <comment>result.done</comment>
            <translation>Done</translation>
        </message>
        <message>
            <source>Не удалось</source>
            <comment>result.error</comment>
            <translation>Failed</translation>
        </message>
        <message>
            <source>Не разрешено</source>
            <comment>result.not_allowed</comment>
            <translation>Not allowed</translation>
        </message>
        <message>
            <source>Ждёт одобрения</source>
            <comment>result.pending_approval</comment>
            <translation>Waiting for approval</translation>
        </message>
        <message>
            <source>Банк отказал</source>
            <comment>result.refused</comment>
            <translation>Refused by the bank</translation>
        </message>
        <message>
            <source>Итог неизвестен</source>
            <comment>result.unknown</comment>
            <translation>Outcome unknown</translation>
        </message>
        <message>
            <source>бухгалтер</source>
            <comment>role.accountant</comment>
            <translation>accountant</translation>
        </message>
        <message>
            <source>администратор</source>
            <comment>role.admin</comment>
            <translation>admin</translation>
        </message>
        <message>
            <source>менеджер</source>
            <comment>role.manager</comment>
            <translation>manager</translation>
        </message>
        <message>
            <source>Нельзя подтвердить {amount}: заблокировано {held}. Подтвердите не больше {held}.</source>
            <comment>rules.above_held</comment>
            <translation>Cannot confirm {amount} when {held} is held: confirm at most {held}.</translation>
        </message>
        <message>
            <source>Нельзя вернуть {amount}: списано {captured}, уже возвращено {refunded}, так что вернуть можно не больше {remaining}.</source>
            <comment>rules.above_remaining</comment>
            <translation>Cannot refund {amount}: {captured} was captured and {refunded} already refunded, so at most {remaining} can be refunded.</translation>
        </message>
        <message>
            <source>Сумма должна быть больше нуля.</source>
            <comment>rules.amount_not_positive</comment>
            <translation>The amount must be more than zero.</translation>
        </message>
        <message>
            <source>Возврат — не меньше {minimum}; можно от {minimum} до {remaining}.</source>
            <comment>rules.below_minimum</comment>
            <translation>A refund must be at least {minimum}; allowed: {minimum} to {remaining}.</translation>
        </message>
        <message>
            <source>Блокировка снимается только целиком: {held}, а не {amount}.</source>
            <comment>rules.cancel_in_full</comment>
            <translation>A hold is always released in full: {held}, not {amount}.</translation>
        </message>
        <message>
            <source>Снять можно только блокировку, а этот платёж — «{state}».</source>
            <comment>rules.cancel_not_held</comment>
            <translation>Only a held payment can be released; this one is «{state}».</translation>
        </message>
        <message>
            <source>Подтвердить можно только заблокированный платёж, а этот — «{state}».</source>
            <comment>rules.confirm_not_held</comment>
            <translation>Only a held payment can be confirmed; this one is «{state}».</translation>
        </message>
        <message>
            <source>Сумма указана в {given}, а платёж — в {currency}: укажите сумму в {currency}.</source>
            <comment>rules.currency</comment>
            <translation>The amount is in {given}, but the payment is in {currency}: give the amount in {currency}.</translation>
        </message>
        <message>
            <source>Блокировка истекла, и подтвердить её уже нельзя: снимите её и попросите покупателя оплатить заново.</source>
            <comment>rules.hold_expired</comment>
            <translation>The hold has expired and can no longer be confirmed; release it and ask the customer to pay again.</translation>
        </message>
        <message>
            <source>Всё списанное уже возвращено.</source>
            <comment>rules.nothing_left</comment>
            <translation>Everything captured has already been refunded.</translation>
        </message>
        <message>
            <source>Вернуть можно только списанный платёж, а этот — «{state}».</source>
            <comment>rules.refund_not_captured</comment>
            <translation>Only a captured payment can be refunded; this one is «{state}».</translation>
        </message>
        <message>
            <source>Банк возвращает не меньше {minimum}, а осталось только {remaining}: через банк этот платёж больше не вернуть.</source>
            <comment>rules.rest_below_minimum</comment>
            <translation>The bank refunds at least {minimum}, and only {remaining} is left: this payment cannot be refunded further through the bank.</translation>
        </message>
        <message>
            <source>Песочница ответила {status}.</source>
            <comment>sandbox.answered</comment>
            <translation>The sandbox answered {status}.</translation>
        </message>
        <message>
            <source>  адрес API: {url}</source>
            <comment>sandbox.api_url</comment>
            <translation>  API base:       {url}</translation>
        </message>
        <message>
            <source>Не удалось прочитать состояние песочницы {path}: {error}. Уберите этот файл или укажите другой --state.</source>
            <comment>sandbox.bad_state</comment>
            <translation>Cannot read the sandbox state {path}: {error}. Move it away or give another --state.</translation>
        </message>
        <message>
            <source>как сказано в документации банка: список операций отвечает только на токен пользователя кабинета (grant_type=password)</source>
            <comment>sandbox.cabinet_only</comment>
            <translation>as the bank's docs say: the operations list answers only the cabinet user's token (grant_type=password)</translation>
        </message>
        <message>
            <source>пароль пользователя кабинета (по умолчанию собственный пароль песочницы, {password})</source>
            <comment>sandbox.cabinet_password</comment>
            <translation>the cabinet user's password (default: the sandbox's own, {password})</translation>
        </message>
        <message>
            <source>какого пользователя кабинета мерчанта принимать (по умолчанию {user})</source>
            <comment>sandbox.cabinet_user</comment>
            <translation>the merchant cabinet user to accept (default {user})</translation>
        </message>
        <message>
            <source>Не удалось слушать {host}, порт {port}: {error}. Выберите другой --port (0 — свободный).</source>
            <comment>sandbox.cannot_listen</comment>
            <translation>Cannot listen on {host} port {port}: {error}. Choose another --port (0 picks a free one).</translation>
        </message>
        <message>
            <source>Банк отклонил платёж (по просьбе или карта не тестовая).</source>
            <comment>sandbox.declined</comment>
            <translation>Declined by the bank (as asked, or not a test card).</translation>
        </message>
        <message>
            <source>  демо: в сохранённом банке уже есть платежи, поэтому новые демо-данные не созданы</source>
            <comment>sandbox.demo_kept</comment>
            <translation>  demo: the saved bank already has payments, so no new demo data was made</translation>
        </message>
        <message>
            <source>  заказы магазина записаны в {path}, строк: {rows}</source>
            <comment>sandbox.demo_orders</comment>
            <translation>  shop orders: {rows} rows written to {path}</translation>
        </message>
        <message>
            <source>  платежи для демонстрации за последние 30 дней: {n}</source>
            <comment>sandbox.demo_payments</comment>
            <translation>  payments: {n} demo payments over the last 30 days</translation>
        </message>
        <message>
            <source>  подложенные расхождения: {planted}</source>
            <comment>sandbox.demo_planted</comment>
            <translation>  planted discrepancies: {planted}</translation>
        </message>
        <message>
            <source>Банк-песочница: точный эмулятор Halyk ePay, чтобы попробовать программу, для тестов и для замеров производительности. С настоящим банком он никогда не связывается.</source>
            <comment>sandbox.description</comment>
            <translation>The sandbox bank: a faithful Halyk ePay emulator for trying the program, for tests and for benchmarks. It never talks to the real bank.</translation>
        </message>
        <message>
            <source>  сбой: {kind} в {rate} запросов</source>
            <comment>sandbox.fault</comment>
            <translation>  fault: {kind} on {rate} of requests</translation>
        </message>
        <message>
            <source>доля сбоев {rate} вне диапазона: укажите вероятность от 0 до 1</source>
            <comment>sandbox.fault_rate</comment>
            <translation>fault rate {rate} is out of range: give a probability from 0 to 1</translation>
        </message>
        <message>
            <source>в «{text}» нет доли запросов: напишите KIND:RATE, например {example}</source>
            <comment>sandbox.fault_without_rate</comment>
            <translation>'{text}' has no rate: write KIND:RATE, e.g. {example}</translation>
        </message>
        <message>
            <source>как задан в --client-secret</source>
            <comment>sandbox.given_secret</comment>
            <translation>as given by --client-secret</translation>
        </message>
        <message>
            <source>банк-песочница: эмулятор Halyk ePay на этом компьютере</source>
            <comment>sandbox.help</comment>
            <translation>the sandbox bank: Halyk ePay emulated on this computer</translation>
        </message>
        <message>
            <source>  задержка: {ms} мс на каждый ответ</source>
            <comment>sandbox.latency</comment>
            <translation>  latency: {ms} ms on every reply</translation>
        </message>
        <message>
            <source>Срок этой ссылки истёк.</source>
            <comment>sandbox.link_expired</comment>
            <translation>This link has expired.</translation>
        </message>
        <message>
            <source>Эта ссылка уже использована.</source>
            <comment>sandbox.link_used</comment>
            <translation>This link has already been used.</translation>
        </message>
        <message>
            <source>терминал одностадийный: оплата по ссылке сразу списывается (по умолчанию — блокировка, которую подтверждает менеджер)</source>
            <comment>sandbox.links_capture</comment>
            <translation>a one-stage terminal: a payment by link is captured at once (by default: a hold the manager confirms)</translation>
        </message>
        <message>
            <source>Банк-песочница (эмулятор Halyk ePay) слушает {url}</source>
            <comment>sandbox.listening</comment>
            <translation>Sandbox bank (Halyk ePay emulator) listening on {url}</translation>
        </message>
        <message>
            <source>  платежей: {n}, загружены из {path}</source>
            <comment>sandbox.loaded</comment>
            <translation>  payments: {n}, loaded from {path}</translation>
        </message>
        <message>
            <source>  client id: {client_id}   терминал: {terminal}   секрет: {secret}</source>
            <comment>sandbox.merchant</comment>
            <translation>  client id: {client_id}   terminal: {terminal}   secret: {secret}</translation>
        </message>
        <message>
            <source>{value} — отрицательное число: укажите 0 или больше</source>
            <comment>sandbox.negative</comment>
            <translation>{value} is negative: give 0 or more</translation>
        </message>
        <message>
            <source>Песочница {address} не ответила ({error}): она запущена?</source>
            <comment>sandbox.no_answer</comment>
            <translation>The sandbox at {address} did not answer ({error}); is it running?</translation>
        </message>
        <message>
            <source>В песочнице нет такой ссылки.</source>
            <comment>sandbox.no_link</comment>
            <translation>The sandbox knows no such link.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет ссылки на оплату заказа {invoice_id}; список: `halyk-desk link list`.</source>
            <comment>sandbox.no_such_order_link</comment>
            <translation>Profile «{profile}» has no payment link for order {invoice_id}; `halyk-desk link list` shows them.</translation>
        </message>
        <message>
            <source>{url} — не ссылка песочницы на этом компьютере.</source>
            <comment>sandbox.not_a_link</comment>
            <translation>{url} is not a sandbox payment link on this computer.</translation>
        </message>
        <message>
            <source>«{text}» — не число</source>
            <comment>sandbox.not_a_number</comment>
            <translation>'{text}' is not a number</translation>
        </message>
        <message>
            <source>«{text}» — не конечное число</source>
            <comment>sandbox.not_finite</comment>
            <translation>'{text}' is not a finite number</translation>
        </message>
        <message>
            <source>{value}: нужно больше нуля</source>
            <comment>sandbox.not_positive</comment>
            <translation>{value} must be more than zero</translation>
        </message>
        <message>
            <source>{what}: нужно целое число, а не «{text}»</source>
            <comment>sandbox.not_whole</comment>
            <translation>{what} must be a whole number, not '{text}'</translation>
        </message>
        <message>
            <source>как список операций читает paging.page: zero (страницы с 0, по умолчанию), one (страницы с 1) или skip (сколько записей пропустить)</source>
            <comment>sandbox.paging</comment>
            <translation>how the operations list reads paging.page: zero (pages from 0, the default), one (pages from 1) or skip (records to skip)</translation>
        </message>
        <message>
            <source>Оплачено; банк отправляет уведомление.</source>
            <comment>sandbox.paid</comment>
            <translation>Paid; the bank sends its callback.</translation>
        </message>
        <message>
            <source>номер карты (по умолчанию тестовая карта {card})</source>
            <comment>sandbox.pay.card</comment>
            <translation>the card number (default: the test card {card})</translation>
        </message>
        <message>
            <source>попросить банк отклонить платёж</source>
            <comment>sandbox.pay.decline</comment>
            <translation>ask the bank to decline the payment</translation>
        </message>
        <message>
            <source>Оплатить ссылку на оплату в песочнице тестовой картой, как покупатель на странице ссылки; затем банк отправляет уведомление. LINK_OR_INVOICE — адрес ссылки (песочница на этом компьютере) или номер заказа ссылки профиля.</source>
            <comment>sandbox.pay_description</comment>
            <translation>Pay a payment link in the sandbox bank with a test card, as a customer does on the link's page; the bank then sends its callback. LINK_OR_INVOICE is the link's address (a sandbox on this computer) or the order number of a link of the profile.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 оплачено
  2 неверный вызов
  3 отклонено, истекла или уже оплачена
  1 другая ошибка</source>
            <comment>sandbox.pay_exit_codes</comment>
            <translation>exit codes:
  0 paid
  2 usage error
  3 declined, expired or already used
  1 any other failure</translation>
        </message>
        <message>
            <source>оплатить ссылку в песочнице, как покупатель</source>
            <comment>sandbox.pay_help</comment>
            <translation>pay a sandbox payment link as a customer would</translation>
        </message>
        <message>
            <source>порт {port} вне диапазона: укажите от 0 до 65535</source>
            <comment>sandbox.port_out_of_range</comment>
            <translation>port {port} is out of range: use 0 to 65535</translation>
        </message>
        <message>
            <source>Чтобы остановить, нажмите Ctrl-C.</source>
            <comment>sandbox.press_ctrl_c</comment>
            <translation>Press Ctrl-C to stop.</translation>
        </message>
        <message>
            <source>  внимание: {host} может быть доступен с других компьютеров</source>
            <comment>sandbox.reachable</comment>
            <translation>  warning: {host} may be reachable from other computers</translation>
        </message>
        <message>
            <source>выдавая токен, отзывать прежние</source>
            <comment>sandbox.revoke_old_tokens</comment>
            <translation>issuing a token revokes the older ones</translation>
        </message>
        <message>
            <source>Банк-песочница сохранён в {path}</source>
            <comment>sandbox.saved</comment>
            <translation>Saved the sandbox bank to {path}</translation>
        </message>
        <message>
            <source>какой client id мерчанта принимать (по умолчанию — тестового мерчанта банка)</source>
            <comment>sandbox.serve.client_id</comment>
            <translation>merchant client id to accept (default: the bank's test merchant)</translation>
        </message>
        <message>
            <source>какой секрет мерчанта принимать (по умолчанию — опубликованный банком тестовый секрет)</source>
            <comment>sandbox.serve.client_secret</comment>
            <translation>merchant secret to accept (default: the bank's published test secret)</translation>
        </message>
        <message>
            <source>заполнить банк платежами за месяц для демонстрации и записать рядом выгрузку заказов магазина</source>
            <comment>sandbox.serve.demo</comment>
            <translation>fill the bank with a month of demo payments and write the shop's order export beside them</translation>
        </message>
        <message>
            <source>Выдача токенов ePay по адресу /oauth2/token и API по адресу / на одном порту. Принимает опубликованного банком тестового мерчанта, если не заданы другие учётные данные.</source>
            <comment>sandbox.serve.description</comment>
            <translation>Serve the ePay token endpoint at /oauth2/token and the API at / on one port. It accepts the bank's published test merchant unless given other credentials.</translation>
        </message>
        <message>
            <source>вносить сбой в эту долю запросов, например http5xx:0.1; можно повторять. Виды: {kinds}</source>
            <comment>sandbox.serve.fault</comment>
            <translation>inject a fault into that share of requests, e.g. http5xx:0.1; repeatable. Kinds: {kinds}</translation>
        </message>
        <message>
            <source>запустить банк-песочницу по HTTP до Ctrl-C</source>
            <comment>sandbox.serve.help</comment>
            <translation>serve the sandbox bank over HTTP until Ctrl-C</translation>
        </message>
        <message>
            <source>на каком адресе слушать (по умолчанию 127.0.0.1: только этот компьютер)</source>
            <comment>sandbox.serve.host</comment>
            <translation>address to listen on (default 127.0.0.1: this computer only)</translation>
        </message>
        <message>
            <source>задерживать каждый ответ на N миллисекунд (по умолчанию 0)</source>
            <comment>sandbox.serve.latency</comment>
            <translation>delay every reply by N milliseconds (default 0)</translation>
        </message>
        <message>
            <source>куда --demo записывает CSV заказов магазина из 1С-Битрикс (по умолчанию ./{file})</source>
            <comment>sandbox.serve.orders_out</comment>
            <translation>where --demo writes the shop's 1C-Bitrix order CSV (default ./{file})</translation>
        </message>
        <message>
            <source>TCP-порт (по умолчанию {port}; 0 — выбрать свободный)</source>
            <comment>sandbox.serve.port</comment>
            <translation>TCP port (default {port}; 0 picks a free one)</translation>
        </message>
        <message>
            <source>зерно для демо-данных и выпадения сбоев: то же зерно — тот же прогон (по умолчанию 0)</source>
            <comment>sandbox.serve.seed</comment>
            <translation>seed for demo data and fault draws: same seed, same run (default 0)</translation>
        </message>
        <message>
            <source>сколько секунд сбой slow держит ответ (по умолчанию 30)</source>
            <comment>sandbox.serve.slow_seconds</comment>
            <translation>how many seconds the 'slow' fault holds a reply (default 30)</translation>
        </message>
        <message>
            <source>хранить банк в этом файле JSON: загружается при запуске, сохраняется при выходе</source>
            <comment>sandbox.serve.state</comment>
            <translation>keep the bank in this JSON file: loaded at start, saved at exit</translation>
        </message>
        <message>
            <source>id терминала мерчанта (по умолчанию — тестового мерчанта)</source>
            <comment>sandbox.serve.terminal</comment>
            <translation>the merchant's terminal id (default: the test merchant's)</translation>
        </message>
        <message>
            <source>срок жизни токена в секундах (по умолчанию 7200)</source>
            <comment>sandbox.serve.token_ttl</comment>
            <translation>token lifetime in seconds (default 7200)</translation>
        </message>
        <message>
            <source>пользователь кабинета: {user}</source>
            <comment>sandbox.serving_cabinet</comment>
            <translation>cabinet user: {user}</translation>
        </message>
        <message>
            <source>список операций требует входа пользователя кабинета</source>
            <comment>sandbox.serving_cabinet_only</comment>
            <translation>the operations list needs the cabinet user's login</translation>
        </message>
        <message>
            <source>страницы списка операций: {paging}</source>
            <comment>sandbox.serving_paging</comment>
            <translation>operations paging: {paging}</translation>
        </message>
        <message>
            <source>новый токен отзывает прежние</source>
            <comment>sandbox.serving_revoke</comment>
            <translation>a new token revokes the older ones</translation>
        </message>
        <message>
            <source>каждый токен принимается в {n} запросах</source>
            <comment>sandbox.serving_token_uses</comment>
            <translation>each token is accepted for {n} requests</translation>
        </message>
        <message>
            <source>Банк-песочница остановлен.</source>
            <comment>sandbox.stopped</comment>
            <translation>Sandbox bank stopped.</translation>
        </message>
        <message>
            <source>опубликованный банком тестовый секрет</source>
            <comment>sandbox.test_secret</comment>
            <translation>the bank's published test secret</translation>
        </message>
        <message>
            <source>порт</source>
            <comment>sandbox.the_port</comment>
            <translation>port</translation>
        </message>
        <message>
            <source>значение</source>
            <comment>sandbox.the_value</comment>
            <translation>the value</translation>
        </message>
        <message>
            <source>  выдача токенов: {url}</source>
            <comment>sandbox.token_url</comment>
            <translation>  token endpoint: {url}</translation>
        </message>
        <message>
            <source>принимать каждый токен только в N запросах, потом отказывать, как просроченному</source>
            <comment>sandbox.token_uses</comment>
            <translation>accept each token for N requests only, then refuse it as expired</translation>
        </message>
        <message>
            <source>неизвестный вид сбоя «{kind}»: выберите из {kinds}</source>
            <comment>sandbox.unknown_fault</comment>
            <translation>unknown fault kind '{kind}': choose from {kinds}</translation>
        </message>
        <message>
            <source>Профиль «{profile}» встроенный: его секрет изменить нельзя.</source>
            <comment>secrets.builtin</comment>
            <translation>Profile '{profile}' is built in; its secret cannot be changed.</translation>
        </message>
        <message>
            <source>Секрет клиента профиля «{profile}» пуст.</source>
            <comment>secrets.empty</comment>
            <translation>The client secret of profile '{profile}' is empty.</translation>
        </message>
        <message>
            <source>Если файл придётся убрать, введите секрет клиента каждого профиля заново (Файл → Настройки → Профили или halyk-desk profile add).</source>
            <comment>secrets.enter_again</comment>
            <translation>If the file has to go, enter the client secret of each profile again (File → Settings → Profiles, or halyk-desk profile add).</translation>
        </message>
        <message>
            <source>Системного хранилища паролей нет ({why}): секрет клиента профиля «{profile}» записан в файл {path}, который может читать только ваша учётная запись. Не показывайте этот файл никому и не кладите его в резервные копии, которыми делитесь; установите хранилище паролей (например, GNOME Keyring или KWallet), чтобы секреты хранились в нём.</source>
            <comment>secrets.fallback</comment>
            <translation>No usable system keyring ({why}): the client secret of profile '{profile}' is stored in {path}, readable only by your user account. Keep this file private and out of backups you share; install a keyring (e.g. GNOME Keyring or KWallet) to keep secrets there instead.</translation>
        </message>
        <message>
            <source>файл секретов</source>
            <comment>secrets.file</comment>
            <translation>secrets file</translation>
        </message>
        <message>
            <source>Файл секретов {path} могут читать другие пользователи этого компьютера (права {mode}), поэтому его секреты не используются. Сделайте его доступным только вам: `chmod 600 '{path}'` — и запустите снова.</source>
            <comment>secrets.file_shared</comment>
            <translation>The secrets file {path} can be read by other users of this computer (mode {mode}), so its secrets are not used. Make it yours alone with `chmod 600 '{path}'`, then start again.</translation>
        </message>
        <message>
            <source>системное хранилище паролей ({backend})</source>
            <comment>secrets.in_keyring</comment>
            <translation>system keyring ({backend})</translation>
        </message>
        <message>
            <source>опубликован банком</source>
            <comment>secrets.published</comment>
            <translation>published by the bank</translation>
        </message>
        <message>
            <source>Сверка не замечает разницу сумм до этой величины (в тиынах)</source>
            <comment>settings.amount_tolerance</comment>
            <translation>Reconciliation ignores amount differences up to this (tiyn)</translation>
        </message>
        <message>
            <source>В файле настроек {path} неверное значение «{key}» ({title}): {problem}. Исправьте его в текстовом редакторе или удалите эту строку, чтобы вернуть значение по умолчанию ({default}).</source>
            <comment>settings.bad_value</comment>
            <translation>The settings file {path} has a bad value for '{key}' ({title}): {problem}. Fix it in a text editor, or delete that line to use the default ({default}).</translation>
        </message>
        <message>
            <source>Часовой пояс рабочего дня</source>
            <comment>settings.business_tz</comment>
            <translation>Time zone of the business day</translation>
        </message>
        <message>
            <source>должно быть файлом SQLite (sqlite:///путь/halyk-desk.sqlite3) или адресом PostgreSQL (postgresql://user@host/halyk)</source>
            <comment>settings.database_kind</comment>
            <translation>must be a SQLite file (sqlite:///path/halyk-desk.sqlite3) or a PostgreSQL address (postgresql://user@host/halyk)</translation>
        </message>
        <message>
            <source>не должно содержать пароль: пароль хранится в хранилище паролей системы</source>
            <comment>settings.database_password</comment>
            <translation>must not hold a password: the password is kept in the system's keyring</translation>
        </message>
        <message>
            <source>База данных (пусто: файл SQLite в папке данных); действует со следующего запуска</source>
            <comment>settings.database_url</comment>
            <translation>Database (empty: the SQLite file in the data folder); used from the next start</translation>
        </message>
        <message>
            <source>файл настроек</source>
            <comment>settings.file</comment>
            <translation>settings file</translation>
        </message>
        <message>
            <source>папку {folder} нельзя создать или записать в неё</source>
            <comment>settings.folder_not_writable</comment>
            <translation>the folder {folder} cannot be created or written</translation>
        </message>
        <message>
            <source>Блокировка истекает через столько дней</source>
            <comment>settings.hold_expire_days</comment>
            <translation>A hold expires after this many days</translation>
        </message>
        <message>
            <source>Предупреждать о блокировке через столько дней</source>
            <comment>settings.hold_warn_days</comment>
            <translation>Warn about a hold after this many days</translation>
        </message>
        <message>
            <source>На общем компьютере окно блокируется после стольких минут без действий</source>
            <comment>settings.idle_lock_minutes</comment>
            <translation>On a shared computer the window locks after this many minutes without activity</translation>
        </message>
        <message>
            <source>Язык окна (auto: язык системы)</source>
            <comment>settings.language</comment>
            <translation>Language of the window (auto: the system's)</translation>
        </message>
        <message>
            <source>Последний выбранный профиль банка</source>
            <comment>settings.last_profile</comment>
            <translation>Last used bank profile</translation>
        </message>
        <message>
            <source>должно быть true или false</source>
            <comment>settings.must_be_bool</comment>
            <translation>must be true or false</translation>
        </message>
        <message>
            <source>должно быть адресом базы данных или пустым (тогда файл SQLite в папке данных)</source>
            <comment>settings.must_be_database</comment>
            <translation>must be a database address, or empty for the SQLite file in the data folder</translation>
        </message>
        <message>
            <source>должно быть одним из: {choices}</source>
            <comment>settings.must_be_one_of</comment>
            <translation>must be one of {choices}</translation>
        </message>
        <message>
            <source>должно быть целым числом больше нуля</source>
            <comment>settings.must_be_positive</comment>
            <translation>must be a whole number greater than zero</translation>
        </message>
        <message>
            <source>должно быть именем профиля</source>
            <comment>settings.must_be_profile</comment>
            <translation>must be a profile name</translation>
        </message>
        <message>
            <source>должно быть целым числом тиынов, от нуля</source>
            <comment>settings.must_be_tiyn</comment>
            <translation>must be a whole number of tiyn, zero or more</translation>
        </message>
        <message>
            <source>должно быть названием часового пояса, например Asia/Almaty</source>
            <comment>settings.must_be_zone</comment>
            <translation>must be a time zone name such as Asia/Almaty</translation>
        </message>
        <message>
            <source>Просьба покупателя</source>
            <comment>settings.reason_customer</comment>
            <translation>Customer's request</translation>
        </message>
        <message>
            <source>Двойная оплата</source>
            <comment>settings.reason_double_payment</comment>
            <translation>Paid twice</translation>
        </message>
        <message>
            <source>Подозрение на мошенничество</source>
            <comment>settings.reason_fraud</comment>
            <translation>Suspected fraud</translation>
        </message>
        <message>
            <source>Другое</source>
            <comment>settings.reason_other</comment>
            <translation>Other</translation>
        </message>
        <message>
            <source>Нет в наличии</source>
            <comment>settings.reason_out_of_stock</comment>
            <translation>Out of stock</translation>
        </message>
        <message>
            <source>Корректировка цены</source>
            <comment>settings.reason_price</comment>
            <translation>Price correction</translation>
        </message>
        <message>
            <source>Причины для подтверждения, отмены и возврата</source>
            <comment>settings.reasons</comment>
            <translation>Reasons offered for confirm, cancel and refund</translation>
        </message>
        <message>
            <source>должна остаться хотя бы одна причина</source>
            <comment>settings.reasons_empty</comment>
            <translation>must keep at least one reason</translation>
        </message>
        <message>
            <source>должно быть списком непустых текстов</source>
            <comment>settings.reasons_not_texts</comment>
            <translation>must be a list of non-empty texts</translation>
        </message>
        <message>
            <source>одна и та же причина не должна повторяться</source>
            <comment>settings.reasons_twice</comment>
            <translation>must not list the same reason twice</translation>
        </message>
        <message>
            <source>Возврат больше этой суммы (в тиынах) одобряет второй менеджер</source>
            <comment>settings.refund_approval_threshold</comment>
            <translation>Refunds above this amount (tiyn) need a second manager</translation>
        </message>
        <message>
            <source>{title}: {problem}.</source>
            <comment>settings.refused</comment>
            <translation>{title}: {problem}.</translation>
        </message>
        <message>
            <source>Сколько минут ждать банк, прежде чем считать операцию без ответа невыполненной</source>
            <comment>settings.settle_grace</comment>
            <translation>How many minutes to wait for the bank before taking an unanswered operation as not done</translation>
        </message>
        <message>
            <source>Общий компьютер: окно спрашивает, кто работает</source>
            <comment>settings.shared_computer</comment>
            <translation>A shared computer: the window asks who is working</translation>
        </message>
        <message>
            <source>для базы SQLite нужно имя файла</source>
            <comment>settings.sqlite_needs_file</comment>
            <translation>a SQLite database needs a file name</translation>
        </message>
        <message>
            <source>Сколько статусов читать одновременно при синхронизации</source>
            <comment>settings.sync_concurrency</comment>
            <translation>Status reads at once during a sync</translation>
        </message>
        <message>
            <source>часового пояса «{zone}» нет; укажите название вроде Asia/Almaty</source>
            <comment>settings.unknown_zone</comment>
            <translation>'{zone}' is not a known time zone; use a name such as Asia/Almaty</translation>
        </message>
        <message>
            <source>должно быть меньше дней, чем срок блокировки</source>
            <comment>settings.warn_before_expiry</comment>
            <translation>must be fewer days than the hold's expiry</translation>
        </message>
        <message>
            <source>файл состояния окна</source>
            <comment>settings.window_state_file</comment>
            <translation>window state file</translation>
        </message>
        <message>
            <source>Оператор «{name}» отключён: включить его снова может администратор (`halyk-desk operator add`).</source>
            <comment>signin.disabled</comment>
            <translation>Operator «{name}» is disabled: an admin can enable them again (`halyk-desk operator add`).</translation>
        </message>
        <message>
            <source>Логин базы «{name}» — не оператор этой базы: роль ему даёт администратор (`halyk-desk db grant {name} --role РОЛЬ`).</source>
            <comment>signin.login_not_operator</comment>
            <translation>The database login «{name}» is not an operator of this database: an admin gives it a role (`halyk-desk db grant {name} --role ROLE`).</translation>
        </message>
        <message>
            <source>У логина базы «{name}» нет прав в этой базе: роль ему даёт администратор (`halyk-desk db grant {name} --role РОЛЬ`).</source>
            <comment>signin.login_without_rights</comment>
            <translation>The database login «{name}» has no rights on this database: an admin gives it a role (`halyk-desk db grant {name} --role ROLE`).</translation>
        </message>
        <message>
            <source>У оператора «{name}» ещё нет пароля: его задаёт администратор (`halyk-desk operator passwd {name} --password-stdin`).</source>
            <comment>signin.no_password_set</comment>
            <translation>Operator «{name}» has no password yet: an admin sets one (`halyk-desk operator passwd {name} --password-stdin`).</translation>
        </message>
        <message>
            <source>Оператора «{name}» нет: операторов добавляет администратор (`halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`).</source>
            <comment>signin.no_such</comment>
            <translation>There is no operator «{name}»: an admin adds operators (`halyk-desk operator add NAME --role ROLE --password-stdin`).</translation>
        </message>
        <message>
            <source>--operator не принимается в общей базе (PostgreSQL): там оператор — логин базы. Подключайтесь под своим логином (--db postgresql://ИМЯ@сервер/база).</source>
            <comment>signin.operator_on_team</comment>
            <translation>--operator is refused on a team (PostgreSQL) database: the database login is the operator there. Connect as your own login (--db postgresql://NAME@server/db).</translation>
        </message>
        <message>
            <source>Вы вошли в компьютер как «{name}», а такого действующего оператора здесь нет (или он отключён): добавить вас может администратор (`halyk-desk operator add {name} --role РОЛЬ`); или действуйте как оператор с --operator ИМЯ и его паролем.</source>
            <comment>signin.os_user_not_operator</comment>
            <translation>You are signed in to this computer as «{name}», who is not an active operator here (or is disabled): an admin can add you (`halyk-desk operator add {name} --role ROLE`); or act as an operator with --operator NAME and their password.</translation>
        </message>
        <message>
            <source>Чтобы действовать как «{name}», нужен его пароль: введите его, когда спросят, или передайте на стандартный ввод с --password-stdin.</source>
            <comment>signin.password_needed</comment>
            <translation>Acting as «{name}» needs their password: type it when asked, or pass it on standard input with --password-stdin.</translation>
        </message>
        <message>
            <source>Пароль оператора {name} (не отображается): </source>
            <comment>signin.prompt</comment>
            <translation>Password of operator {name} (not shown): </translation>
        </message>
        <message>
            <source>{why} Ничего не прочитано и не отправлено.</source>
            <comment>signin.refused</comment>
            <translation>{why} Nothing was read or sent.</translation>
        </message>
        <message>
            <source>Слишком много неверных паролей для «{name}» подряд: попробуйте снова через {seconds} с.</source>
            <comment>signin.wait</comment>
            <translation>Too many wrong passwords for «{name}» in a row: try again in {seconds} s.</translation>
        </message>
        <message>
            <source>Неверный пароль оператора «{name}».</source>
            <comment>signin.wrong_password</comment>
            <translation>Wrong password for operator «{name}».</translation>
        </message>
        <message>
            <source>списано</source>
            <comment>state.captured</comment>
            <translation>captured</translation>
        </message>
        <message>
            <source>отклонён</source>
            <comment>state.failed</comment>
            <translation>failed</translation>
        </message>
        <message>
            <source>блокировка (холд)</source>
            <comment>state.held</comment>
            <translation>hold</translation>
        </message>
        <message>
            <source>требует проверки</source>
            <comment>state.needs_review</comment>
            <translation>needs review</translation>
        </message>
        <message>
            <source>нет в банке</source>
            <comment>state.not_found</comment>
            <translation>not found at the bank</translation>
        </message>
        <message>
            <source>частичный возврат</source>
            <comment>state.partially_refunded</comment>
            <translation>partially refunded</translation>
        </message>
        <message>
            <source>в процессе</source>
            <comment>state.pending</comment>
            <translation>in progress</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>state.refunded</comment>
            <translation>refunded</translation>
        </message>
        <message>
            <source>блокировка снята</source>
            <comment>state.released</comment>
            <translation>released</translation>
        </message>
        <message>
            <source>не проверен</source>
            <comment>state.unknown</comment>
            <translation>not checked</translation>
        </message>
        <message>
            <source>База данных занята: другая программа держит её дольше {seconds} с. Повторите через минуту; если не помогает, закройте Halyk Desk в других окнах и на других компьютерах.</source>
            <comment>store.busy</comment>
            <translation>The database is busy: another program has held it for more than {seconds} s. Try again in a minute; if that does not help, close Halyk Desk in other windows and on other computers.</translation>
        </message>
        <message>
            <source>Не удаётся открыть базу данных {database}: {reason}. Проверьте адрес (--db, {env} или Настройки → База данных), что сервер запущен, и права пользователя.</source>
            <comment>store.cannot_open</comment>
            <translation>Cannot open the database {database}: {reason}. Check the address (--db, {env} or Settings → Database), that the server is running, and the user's rights.</translation>
        </message>
        <message>
            <source>Для базы данных нужен файл SQLite, а не база в памяти.</source>
            <comment>store.in_memory</comment>
            <translation>The store needs a SQLite file, not an in-memory database.</translation>
        </message>
        <message>
            <source>Обновление схемы нарушило внешние ключи: {rows}; ничего не изменено.</source>
            <comment>store.migration_broke_keys</comment>
            <translation>Migration broke foreign keys: {rows}; nothing was changed.</translation>
        </message>
        <message>
            <source>База данных {database} записана более новой версией Halyk Desk (ревизия схемы {revision}): чтобы открыть её, установите ту версию или более позднюю.</source>
            <comment>store.newer_schema</comment>
            <translation>The database {database} was written by a newer Halyk Desk (schema revision {revision}); install that version or a later one to open it.</translation>
        </message>
        <message>
            <source>База данных не открылась: {reason}. Проверьте, что её пользователь — владелец базы данных (см. руководство администратора).</source>
            <comment>store.refused</comment>
            <translation>The database refused to open: {reason}. Check that its user owns the database (see the admin guide).</translation>
        </message>
        <message>
            <source>Профиля «{name}» нет; какие профили есть, показывает `halyk-desk profile list`.</source>
            <comment>store.unknown_profile</comment>
            <translation>There is no profile named '{name}'; `halyk-desk profile list` shows the profiles there are.</translation>
        </message>
        <message>
            <source>База данных «{kind}» не поддерживается: укажите файл SQLite (sqlite:///путь/halyk-desk.sqlite3) или PostgreSQL (postgresql+psycopg://user@host/db).</source>
            <comment>store.unsupported</comment>
            <translation>Unsupported database '{kind}': use a SQLite file (sqlite:///path/halyk-desk.sqlite3) or PostgreSQL (postgresql+psycopg://user@host/db).</translation>
        </message>
        <message>
            <source>Списано</source>
            <comment>summary.captured</comment>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Категория</source>
            <comment>summary.category</comment>
            <translation>Category</translation>
        </message>
        <message>
            <source>Код</source>
            <comment>summary.code</comment>
            <translation>Code</translation>
        </message>
        <message>
            <source>Количество</source>
            <comment>summary.count</comment>
            <translation>Count</translation>
        </message>
        <message>
            <source>Валюта сверки</source>
            <comment>summary.currency</comment>
            <translation>Currency of the reconciliation</translation>
        </message>
        <message>
            <source>Из них ожидают оплаты</source>
            <comment>summary.expecting</comment>
            <translation>Of them expecting payment</translation>
        </message>
        <message>
            <source>Сформировано</source>
            <comment>summary.generated_at</comment>
            <translation>Made at</translation>
        </message>
        <message>
            <source>Сформировал</source>
            <comment>summary.generated_by</comment>
            <translation>Made by</translation>
        </message>
        <message>
            <source>Доля совпадений</source>
            <comment>summary.match_rate</comment>
            <translation>Match rate</translation>
        </message>
        <message>
            <source>Чистыми (списано − возвращено)</source>
            <comment>summary.net</comment>
            <translation>Net (captured − refunded)</translation>
        </message>
        <message>
            <source>нет заказов, ожидающих оплаты</source>
            <comment>summary.no_expected</comment>
            <translation>no orders expecting payment</translation>
        </message>
        <message>
            <source>Заказано</source>
            <comment>summary.ordered</comment>
            <translation>Ordered</translation>
        </message>
        <message>
            <source>Заказов в периоде</source>
            <comment>summary.orders</comment>
            <translation>Orders in the period</translation>
        </message>
        <message>
            <source>Период с</source>
            <comment>summary.period_from</comment>
            <translation>Period from</translation>
        </message>
        <message>
            <source>Период по</source>
            <comment>summary.period_to</comment>
            <translation>Period to</translation>
        </message>
        <message>
            <source>Профиль</source>
            <comment>summary.profile</comment>
            <translation>Profile</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <comment>summary.refunded</comment>
            <translation>Refunded</translation>
        </message>
        <message>
            <source>Решено</source>
            <comment>summary.resolved</comment>
            <translation>Resolved</translation>
        </message>
        <message>
            <source>Сумма</source>
            <comment>summary.sum</comment>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Терминал</source>
            <comment>summary.terminal</comment>
            <translation>Terminal</translation>
        </message>
        <message>
            <source>Часовой пояс</source>
            <comment>summary.time_zone</comment>
            <translation>Time zone</translation>
        </message>
        <message>
            <source>{zone} — даты и время в книге по этому поясу</source>
            <comment>summary.time_zone_value</comment>
            <translation>{zone} — dates and times in the workbook are in this zone</translation>
        </message>
        <message>
            <source>Сверка платежей Halyk ePay</source>
            <comment>summary.title</comment>
            <translation>Halyk ePay payment reconciliation</translation>
        </message>
        <message>
            <source>отчёт не записан (сообщение говорит почему)</source>
            <comment>support.exit_failed</comment>
            <translation>the report is not written (the message says why)</translation>
        </message>
        <message>
            <source>отчёт записан</source>
            <comment>support.exit_written</comment>
            <translation>the report is written</translation>
        </message>
        <message>
            <source>записать отчёт для поддержки (ZIP): журнал, версии, настройки без секретов, сведения о базе</source>
            <comment>support.help</comment>
            <translation>write a report for support (ZIP): the journal, versions, settings without secrets, the database's details</translation>
        </message>
        <message>
            <source>Отчёт не записан в {path}: {reason}. Выберите папку, в которую можно писать.</source>
            <comment>support.not_written</comment>
            <translation>The report is not written to {path}: {reason}. Choose a folder you may write to.</translation>
        </message>
        <message>
            <source>куда записать ZIP-файл, например halyk-desk-support.zip</source>
            <comment>support.path_help</comment>
            <translation>where to write the ZIP file, e.g. halyk-desk-support.zip</translation>
        </message>
        <message>
            <source>Отчёт для поддержки записан: {path}. Отправьте этот файл в поддержку; секретов в нём нет.</source>
            <comment>support.written</comment>
            <translation>The support report is written: {path}. Send this file to support; it holds no secrets.</translation>
        </message>
        <message>
            <source>изменилось: {changed}   не найдено: {not_found}   ошибок: {errors}</source>
            <comment>sync.counts</comment>
            <translation>changed: {changed}   not found: {not_found}   errors: {errors}</translation>
        </message>
        <message>
            <source>ошибки по видам: {kinds} (каждая записана у своего платежа; следующая синхронизация попробует снова)</source>
            <comment>sync.errors_by_kind</comment>
            <translation>errors by kind: {kinds} (each is noted on its payment; the next sync tries them again)</translation>
        </message>
        <message>
            <source>{done}/{total} {share}  {rate}/с  ещё {eta}</source>
            <comment>sync.figures</comment>
            <translation>{done}/{total} {share}  {rate}/s  ETA {eta}</translation>
        </message>
        <message>
            <source>Синхронизация закончена: прочитано платежей — {read} из {total} за {time}.</source>
            <comment>sync.finished</comment>
            <translation>Sync finished: read {read} of {total} payments in {time}.</translation>
        </message>
        <message>
            <source>Не прочитаны заново по возрасту (давно проверенные списанные платежи) — {unchanged}; --all читает все.</source>
            <comment>sync.not_due_by_age</comment>
            <translation>Not read again because of their age (captured payments checked recently enough): {unchanged}; --all reads them all.</translation>
        </message>
        <message>
            <source>Список операций банка: записей — {listed}; платежей без изменений, не прочитанных заново — {unchanged}.</source>
            <comment>sync.registry_read</comment>
            <translation>The bank's operations list: {listed} records; payments unchanged and not read again: {unchanged}.</translation>
        </message>
        <message>
            <source>Список операций банка не удалось использовать ({why}): платежи выбраны по возрасту.</source>
            <comment>sync.registry_unusable</comment>
            <translation>The bank's operations list could not be used ({why}): payments were chosen by age instead.</translation>
        </message>
        <message>
            <source>Синхронизация остановлена: прочитано платежей — {read} из {total}; всё прочитанное сохранено, следующая синхронизация прочитает остальное.</source>
            <comment>sync.stopped</comment>
            <translation>Sync stopped: read {read} of {total} payments; everything read is kept and the next sync reads the rest.</translation>
        </message>
        <message>
            <source>Останавливаюсь: жду начатые чтения (Ctrl-C ещё раз — выйти сразу)…</source>
            <comment>sync.stopping</comment>
            <translation>Stopping: waiting for the reads in flight (Ctrl-C again to quit at once)...</translation>
        </message>
        <message>
            <source>Этот профиль синхронизировала другая программа: прочитано только то, что она оставила.</source>
            <comment>sync.waited</comment>
            <translation>Another program synced this profile: only what it left was read.</translation>
        </message>
        <message>
            <source>sync: этот профиль синхронизирует другая программа (прочитано {done} из {total}); жду её, потом прочитаю то, что она оставит.</source>
            <comment>sync.waiting</comment>
            <translation>sync: another program is syncing this profile ({done} of {total} read); waiting for it, then reading what it leaves.</translation>
        </message>
        <message>
            <source>Имя логина — от 1 до 63 символов, а не «{name}».</source>
            <comment>team.bad_login</comment>
            <translation>A login's name must be 1 to 63 characters, not «{name}».</translation>
        </message>
        <message>
            <source>Логина базы «{name}» нет.</source>
            <comment>team.no_login</comment>
            <translation>There is no database login «{name}».</translation>
        </message>
        <message>
            <source>Логины базы бывают только в общей базе (PostgreSQL); в базе этого компьютера операторов добавляют командой `halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`.</source>
            <comment>team.not_postgresql</comment>
            <translation>Database logins exist only on a team (PostgreSQL) database; on this computer's own database add operators with `halyk-desk operator add NAME --role ROLE --password-stdin`.</translation>
        </message>
        <message>
            <source>Новому логину «{name}» нужен пароль: дайте его с --password-stdin.</source>
            <comment>team.password_needed</comment>
            <translation>The new login «{name}» needs a password: give it with --password-stdin.</translation>
        </message>
        <message>
            <source>В поле «{field}» есть управляющий символ {char} (позиция {position}): он может исказить экран или таблицу. Уберите его и введите текст заново.</source>
            <comment>text.control_character</comment>
            <translation>The field «{field}» has the control character {char} (position {position}): it can garble a screen or a spreadsheet. Remove it and type the text again.</translation>
        </message>
        <message>
            <source>Текст длиной {length} символов не помещается в поле «{field}»: допускается не больше {limit}. Сократите его.</source>
            <comment>text.too_long</comment>
            <translation>A text of {length} characters does not fit the field «{field}»: at most {limit}. Shorten it.</translation>
        </message>
        <message>
            <source>пуст</source>
            <comment>workbook.audit_empty</comment>
            <translation>empty</translation>
        </message>
        <message>
            <source>Журнал аудита на момент сверки (audit verify --head)</source>
            <comment>workbook.audit_head</comment>
            <translation>Audit log at the time of the reconciliation (audit verify --head)</translation>
        </message>
        <message>
            <source>Действие</source>
            <comment>workbook.col.action</comment>
            <translation>Action</translation>
        </message>
        <message>
            <source>Сумма</source>
            <comment>workbook.col.amount</comment>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Одобрил</source>
            <comment>workbook.col.approved_by</comment>
            <translation>Approved by</translation>
        </message>
        <message>
            <source>Сумма в банке</source>
            <comment>workbook.col.bank_amount</comment>
            <translation>Amount at the bank</translation>
        </message>
        <message>
            <source>Статус банка</source>
            <comment>workbook.col.bank_status</comment>
            <translation>Bank's status</translation>
        </message>
        <message>
            <source>Списано</source>
            <comment>workbook.col.captured</comment>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Карта</source>
            <comment>workbook.col.card</comment>
            <translation>Card</translation>
        </message>
        <message>
            <source>Категория</source>
            <comment>workbook.col.category</comment>
            <translation>Category</translation>
        </message>
        <message>
            <source>Код категории</source>
            <comment>workbook.col.category_code</comment>
            <translation>Category code</translation>
        </message>
        <message>
            <source>Создана</source>
            <comment>workbook.col.created</comment>
            <translation>Created</translation>
        </message>
        <message>
            <source>Валюта</source>
            <comment>workbook.col.currency</comment>
            <translation>Currency</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <comment>workbook.col.customer</comment>
            <translation>Customer</translation>
        </message>
        <message>
            <source>День</source>
            <comment>workbook.col.day</comment>
            <translation>Day</translation>
        </message>
        <message>
            <source>Описание</source>
            <comment>workbook.col.description</comment>
            <translation>Description</translation>
        </message>
        <message>
            <source>Разница</source>
            <comment>workbook.col.difference</comment>
            <translation>Difference</translation>
        </message>
        <message>
            <source>Истекает</source>
            <comment>workbook.col.expires</comment>
            <translation>Expires</translation>
        </message>
        <message>
            <source>Идентификатор операции (externalID)</source>
            <comment>workbook.col.external_id</comment>
            <translation>Operation id (externalID)</translation>
        </message>
        <message>
            <source>Комиссия</source>
            <comment>workbook.col.fee</comment>
            <translation>Fee</translation>
        </message>
        <message>
            <source>Заблокировано</source>
            <comment>workbook.col.held</comment>
            <translation>Held</translation>
        </message>
        <message>
            <source>Сумма блокировки</source>
            <comment>workbook.col.hold_amount</comment>
            <translation>Amount held</translation>
        </message>
        <message>
            <source>Осталось, ч</source>
            <comment>workbook.col.hours_left</comment>
            <translation>Hours left</translation>
        </message>
        <message>
            <source>Номер заказа (invoiceId)</source>
            <comment>workbook.col.invoice_id</comment>
            <translation>Order number (invoiceId)</translation>
        </message>
        <message>
            <source>Ключ</source>
            <comment>workbook.col.key</comment>
            <translation>Key</translation>
        </message>
        <message>
            <source>Когда отмечено</source>
            <comment>workbook.col.marked_at</comment>
            <translation>Marked at</translation>
        </message>
        <message>
            <source>Отметил</source>
            <comment>workbook.col.marked_by</comment>
            <translation>Marked by</translation>
        </message>
        <message>
            <source>Совпало заказов</source>
            <comment>workbook.col.matched</comment>
            <translation>Orders matched</translation>
        </message>
        <message>
            <source>Чистыми</source>
            <comment>workbook.col.net</comment>
            <translation>Net</translation>
        </message>
        <message>
            <source>Примечание</source>
            <comment>workbook.col.note</comment>
            <translation>Note</translation>
        </message>
        <message>
            <source>Оператор</source>
            <comment>workbook.col.operator</comment>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Сумма заказа</source>
            <comment>workbook.col.order_amount</comment>
            <translation>Order amount</translation>
        </message>
        <message>
            <source>Заказ создан</source>
            <comment>workbook.col.order_created</comment>
            <translation>Order created</translation>
        </message>
        <message>
            <source>Валюта заказа</source>
            <comment>workbook.col.order_currency</comment>
            <translation>Order currency</translation>
        </message>
        <message>
            <source>Заказано</source>
            <comment>workbook.col.ordered</comment>
            <translation>Ordered</translation>
        </message>
        <message>
            <source>Заказов</source>
            <comment>workbook.col.orders</comment>
            <translation>Orders</translation>
        </message>
        <message>
            <source>Выплачено банком</source>
            <comment>workbook.col.paid_out</comment>
            <translation>Paid out by the bank</translation>
        </message>
        <message>
            <source>Сумма платежа</source>
            <comment>workbook.col.payment_amount</comment>
            <translation>Payment amount</translation>
        </message>
        <message>
            <source>Платёж создан</source>
            <comment>workbook.col.payment_created</comment>
            <translation>Payment created</translation>
        </message>
        <message>
            <source>Валюта платежа</source>
            <comment>workbook.col.payment_currency</comment>
            <translation>Payment currency</translation>
        </message>
        <message>
            <source>Платежей</source>
            <comment>workbook.col.payments</comment>
            <translation>Payments</translation>
        </message>
        <message>
            <source>Причина</source>
            <comment>workbook.col.reason</comment>
            <translation>Reason</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <comment>workbook.col.refunded</comment>
            <translation>Refunded</translation>
        </message>
        <message>
            <source>Остаток</source>
            <comment>workbook.col.remaining</comment>
            <translation>Remaining</translation>
        </message>
        <message>
            <source>Решено</source>
            <comment>workbook.col.resolved</comment>
            <translation>Resolved</translation>
        </message>
        <message>
            <source>Результат сверки</source>
            <comment>workbook.col.result</comment>
            <translation>Reconciliation result</translation>
        </message>
        <message>
            <source>Завершена</source>
            <comment>workbook.col.settled</comment>
            <translation>Settled</translation>
        </message>
        <message>
            <source>Сумма в магазине</source>
            <comment>workbook.col.shop_amount</comment>
            <translation>Amount in the shop</translation>
        </message>
        <message>
            <source>Заказ в магазине</source>
            <comment>workbook.col.shop_order</comment>
            <translation>Shop's order</translation>
        </message>
        <message>
            <source>Оплачен в магазине</source>
            <comment>workbook.col.shop_paid</comment>
            <translation>Paid in the shop</translation>
        </message>
        <message>
            <source>Статус в магазине</source>
            <comment>workbook.col.shop_status</comment>
            <translation>Shop's status</translation>
        </message>
        <message>
            <source>Состояние</source>
            <comment>workbook.col.state</comment>
            <translation>State</translation>
        </message>
        <message>
            <source>Срок</source>
            <comment>workbook.col.term</comment>
            <translation>Term</translation>
        </message>
        <message>
            <source>Транзакция банка</source>
            <comment>workbook.col.transaction</comment>
            <translation>Bank's transaction</translation>
        </message>
        <message>
            <source>ожидает</source>
            <comment>workbook.hold_awaiting</comment>
            <translation>waiting</translation>
        </message>
        <message>
            <source>истекла</source>
            <comment>workbook.hold_expired</comment>
            <translation>expired</translation>
        </message>
        <message>
            <source>скоро истекает</source>
            <comment>workbook.hold_expiring</comment>
            <translation>expires soon</translation>
        </message>
        <message>
            <source>Нет</source>
            <comment>workbook.no</comment>
            <translation>No</translation>
        </message>
        <message>
            <source>По дням</source>
            <comment>workbook.sheet_daily</comment>
            <translation>By day</translation>
        </message>
        <message>
            <source>Расхождения</source>
            <comment>workbook.sheet_discrepancies</comment>
            <translation>Discrepancies</translation>
        </message>
        <message>
            <source>Блокировки</source>
            <comment>workbook.sheet_holds</comment>
            <translation>Holds</translation>
        </message>
        <message>
            <source>Возвраты и операции</source>
            <comment>workbook.sheet_operations</comment>
            <translation>Refunds and operations</translation>
        </message>
        <message>
            <source>Платежи</source>
            <comment>workbook.sheet_payments</comment>
            <translation>Payments</translation>
        </message>
        <message>
            <source>Сводка</source>
            <comment>workbook.sheet_summary</comment>
            <translation>Summary</translation>
        </message>
        <message>
            <source>Итого</source>
            <comment>workbook.total</comment>
            <translation>Total</translation>
        </message>
        <message>
            <source>Да</source>
            <comment>workbook.yes</comment>
            <translation>Yes</translation>
        </message>
    </context>
    <context>
        <name>MoneyActions</name>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <translation>awaits a second manager's approval</translation>
        </message>
        <message>
            <source>отправляется</source>
            <translation>being sent</translation>
        </message>
        <message>
            <source>отправлено, ждём ответа банка</source>
            <translation>sent, awaiting the bank's answer</translation>
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <translation>outcome unknown, being checked with the bank</translation>
        </message>
        <message>
            <source>{action} {amount} ({operator}) — {what}</source>
            <translation>{action} {amount} ({operator}) — {what}</translation>
        </message>
        <message>
            <source>Операция не выполнена</source>
            <extracomment>An operation ended (any result): what it changed (services.changes.Changes). A line for the status bar (what settling unresolved operations found).</extracomment>
            <translation>The operation was not done</translation>
        </message>
        <message>
            <source>Операция не выполнена: {error}</source>
            <translation>The operation was not done: {error}</translation>
        </message>
        <message>
            <source>Не удалось уточнить результат операций у банка: {error}</source>
            <translation>Could not check the outcome of operations with the bank: {error}</translation>
        </message>
        <message>
            <source>Уточнено у банка операций: {settled} из {total}.</source>
            <translation>Operations settled with the bank: {settled} of {total}.</translation>
        </message>
        <message>
            <source>Подтвердить…</source>
            <translation>Confirm…</translation>
        </message>
        <message>
            <source>Отменить блокировку…</source>
            <translation>Release the hold…</translation>
        </message>
        <message>
            <source>Не удалось прочитать операции: {error}</source>
            <extracomment>The holds with an unresolved operation, in a line of its own above the table.</extracomment>
            <translation>Could not read the operations: {error}</translation>
        </message>
        <message>
            <source>Операции в процессе — </source>
            <translation>Operations in progress — </translation>
        </message>
        <message>
            <source>заказ {invoice}: {status}</source>
            <translation>order {invoice}: {status}</translation>
        </message>
        <message>
            <source>Подтверждать и отменять блокировки может менеджер.</source>
            <translation>A manager may confirm and release holds.</translation>
        </message>
        <message>
            <source>По выбранным платежам уже идёт операция: дождитесь её результата.</source>
            <translation>An operation is already under way on the chosen payments: wait for its outcome.</translation>
        </message>
        <message>
            <source>пропущена: {status}</source>
            <translation>skipped: {status}</translation>
        </message>
        <message>
            <source>Возврат…</source>
            <translation>Refund…</translation>
        </message>
        <message>
            <source>Не удалось прочитать: {error}</source>
            <translation>Could not read: {error}</translation>
        </message>
        <message>
            <source>Операция в процессе: {status}</source>
            <translation>Operation in progress: {status}</translation>
        </message>
        <message>
            <source>Операции с деньгами выполняет менеджер.</source>
            <translation>A manager carries out money operations.</translation>
        </message>
        <message>
            <source>Дождитесь результата текущей операции.</source>
            <translation>Wait for the outcome of the current operation.</translation>
        </message>
    </context>
    <context>
        <name>OperationDialogs</name>
        <message>
            <source>Заказ</source>
            <translation>Order</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Осталось</source>
            <translation>Time left</translation>
        </message>
        <message>
            <source>Результат</source>
            <translation>Outcome</translation>
        </message>
        <message>
            <source>Подтвердить списание</source>
            <translation>Confirm the capture</translation>
        </message>
        <message>
            <source>Отменить блокировку</source>
            <translation>Release the hold</translation>
        </message>
        <message>
            <source>Возврат</source>
            <translation>Refund</translation>
        </message>
        <message>
            <source>Выполнено</source>
            <translation>Done</translation>
        </message>
        <message>
            <source>Банк отказал</source>
            <translation>Refused by the bank</translation>
        </message>
        <message>
            <source>Не разрешено</source>
            <translation>Not allowed</translation>
        </message>
        <message>
            <source>Результат неизвестен, уточняется у банка</source>
            <translation>Outcome unknown, being checked with the bank</translation>
        </message>
        <message>
            <source>Ждёт одобрения второго менеджера</source>
            <translation>Awaits a second manager's approval</translation>
        </message>
        <message>
            <source>Не удалось</source>
            <translation>Failed</translation>
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice}.</source>
            <translation>{result}: {action} {amount}, order {invoice}.</translation>
        </message>
        <message>
            <source>Банк не ответил. Программа сама сверит результат со статусом банка; до тех пор действия с этим платежом недоступны. Повторять не нужно.</source>
            <translation>The bank did not answer. The program will settle the outcome from the bank's status by itself; until then this payment's actions are unavailable. Do not repeat it.</translation>
        </message>
        <message>
            <source>Возврат уйдёт в банк после одобрения другим менеджером.</source>
            <translation>The refund goes to the bank once another manager approves it.</translation>
        </message>
        <message>
            <source>— выберите причину —</source>
            <extracomment>The words field only when the reason needs them («Другое»): a dialog with a note of its own (a refund's) would otherwise show two look-alike free-text fields.</extracomment>
            <translation>— choose a reason —</translation>
        </message>
        <message>
            <source>Опишите причину своими словами (обязательно)</source>
            <translation>Describe the reason in your own words (required)</translation>
        </message>
        <message>
            <source>Комментарий (необязательно)</source>
            <translation>Comment (optional)</translation>
        </message>
        <message>
            <source>Выберите причину.</source>
            <translation>Choose a reason.</translation>
        </message>
        <message>
            <source>Для причины «{reason}» опишите её своими словами.</source>
            <translation>For the reason “{reason}”, describe it in your own words.</translation>
        </message>
        <message>
            <source>Сумма должна быть больше нуля.</source>
            <translation>The amount must be more than zero.</translation>
        </message>
        <message>
            <source>Можно подтвердить не больше {held}.</source>
            <translation>At most {held} can be confirmed.</translation>
        </message>
        <message>
            <source>Возврат — не меньше {minimum}.</source>
            <translation>A refund must be at least {minimum}.</translation>
        </message>
        <message>
            <source>Можно вернуть не больше {rest}: списано {captured}, уже возвращено {refunded}.</source>
            <translation>At most {rest} can be refunded: {captured} captured, {refunded} already refunded.</translation>
        </message>
        <message>
            <source>Сумма указывается в валюте платежа ({currency}).</source>
            <translation>The amount is in the payment's currency ({currency}).</translation>
        </message>
        <message>
            <source>Блокировка истекла: подтвердить её уже нельзя.</source>
            <translation>The hold has expired: it can no longer be confirmed.</translation>
        </message>
        <message>
            <source>{action} — заказ {invoice}</source>
            <translation>{action} — order {invoice}</translation>
        </message>
        <message>
            <source>Сумма, {currency}:</source>
            <translation>Amount, {currency}:</translation>
        </message>
        <message>
            <source>Причина:</source>
            <translation>Reason:</translation>
        </message>
        <message>
            <source>Например, номер акта возврата</source>
            <translation>For example, the number of the return note</translation>
        </message>
        <message>
            <source>Примечание к возврату (необязательно):</source>
            <translation>Note on the refund (optional):</translation>
        </message>
        <message>
            <source>Не выполнять</source>
            <translation>Don't do it</translation>
        </message>
        <message>
            <source>Заказ {invoice}: заблокировано {held}.</source>
            <translation>Order {invoice}: {held} held.</translation>
        </message>
        <message>
            <source>Подтвердить</source>
            <translation>Confirm</translation>
        </message>
        <message>
            <source>Будет списано {amount} из заблокированных {held}.</source>
            <translation>{amount} of the {held} held will be captured.</translation>
        </message>
        <message>
            <source>Остаток {rest} будет разблокирован и вернётся покупателю.</source>
            <translation>The remaining {rest} will be released back to the customer.</translation>
        </message>
        <message>
            <source>Причина: {reason}. Оператор: {operator}.</source>
            <translation>Reason: {reason}. Operator: {operator}.</translation>
        </message>
        <message>
            <source>Заполните форму: ниже сказано, чего не хватает.</source>
            <translation>Fill in the form: what is missing is said below.</translation>
        </message>
        <message>
            <source>Блокировка {held} будет снята целиком: деньги снова станут доступны покупателю. Списано не будет ничего.</source>
            <translation>The hold of {held} will be released in full: the money becomes available to the customer again. Nothing will be captured.</translation>
        </message>
        <message>
            <source>Заказ {invoice}: списано {captured}, уже возвращено {refunded}.</source>
            <translation>Order {invoice}: {captured} captured, {refunded} already refunded.</translation>
        </message>
        <message>
            <source>Вернуть</source>
            <translation>Refund</translation>
        </message>
        <message>
            <source>Покупателю будет возвращено {amount}; после возврата останется {after}.</source>
            <translation>{amount} will be refunded to the customer; {after} will remain after the refund.</translation>
        </message>
        <message>
            <source>Возврат больше {limit}: он дождётся одобрения второго менеджера и только потом уйдёт в банк.</source>
            <translation>The refund is above {limit}: it waits for a second manager's approval before it goes to the bank.</translation>
        </message>
        <message>
            <source>пропущена: блокировка истекла</source>
            <extracomment>invoiceId → why it is left out (expired, an operation in progress).</extracomment>
            <translation>skipped: the hold has expired</translation>
        </message>
        <message>
            <source>{action}: несколько блокировок</source>
            <translation>{action}: several holds</translation>
        </message>
        <message>
            <source>истекла</source>
            <translation>expired</translation>
        </message>
        <message>
            <source>Подтвердить все</source>
            <translation>Confirm all</translation>
        </message>
        <message>
            <source>Отменить все</source>
            <translation>Release all</translation>
        </message>
        <message>
            <source>Закрыть</source>
            <translation>Close</translation>
        </message>
        <message>
            <source>Будет списано полностью: {count} на сумму {total}.</source>
            <translation>To be captured in full: {count} totalling {total}.</translation>
        </message>
        <message>
            <source>Будут сняты целиком: {count} на сумму {total}; списано не будет ничего.</source>
            <translation>To be released in full: {count} totalling {total}; nothing will be captured.</translation>
        </message>
        <message>
            <source>Пропущено: {n} (см. таблицу).</source>
            <translation>Skipped: {n} (see the table).</translation>
        </message>
        <message>
            <source>Оператор: {operator}.</source>
            <translation>Operator: {operator}.</translation>
        </message>
        <message>
            <source>Нечего выполнять: все выбранные блокировки пропущены.</source>
            <translation>Nothing to do: every chosen hold is skipped.</translation>
        </message>
        <message>
            <source>Выполняется… {n} операций, по одной.</source>
            <translation>Working… {n} operations, one at a time.</translation>
        </message>
        <message>
            <source>Готово. </source>
            <translation>Done. </translation>
        </message>
        <message>
            <source>Не удалось выполнить: {error}</source>
            <translation>Could not be done: {error}</translation>
        </message>
    </context>
    <context>
        <name>OperationsView</name>
        <message>
            <source>№</source>
            <translation>No.</translation>
        </message>
        <message>
            <source>Создана</source>
            <translation>Created</translation>
        </message>
        <message>
            <source>Заказ</source>
            <translation>Order</translation>
        </message>
        <message>
            <source>Действие</source>
            <translation>Action</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>State</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Причина</source>
            <translation>Reason</translation>
        </message>
        <message>
            <source>Ответ банка</source>
            <translation>Bank's answer</translation>
        </message>
        <message>
            <source>Нерешённые</source>
            <extracomment>What the filter offers: title → statuses (None: all).</extracomment>
            <translation>Unresolved</translation>
        </message>
        <message>
            <source>Ждут одобрения</source>
            <translation>Awaiting approval</translation>
        </message>
        <message>
            <source>Все</source>
            <translation>All</translation>
        </message>
        <message>
            <source>Ошибка чтения: {error}</source>
            <translation>Read error: {error}</translation>
        </message>
        <message>
            <source>отправляется</source>
            <translation>being sent</translation>
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <translation>outcome unknown, being checked with the bank</translation>
        </message>
        <message>
            <source>ждёт одобрения</source>
            <translation>awaits approval</translation>
        </message>
        <message>
            <source>отправлено, ждём ответа</source>
            <translation>sent, awaiting the answer</translation>
        </message>
        <message>
            <source>выполнено</source>
            <translation>done</translation>
        </message>
        <message>
            <source>не выполнено</source>
            <translation>not done</translation>
        </message>
        <message>
            <source>отклонено</source>
            <translation>rejected</translation>
        </message>
        <message>
            <source>Одобрить возврат №{id}</source>
            <translation>Approve refund No. {id}</translation>
        </message>
        <message>
            <source>{action} {amount} по заказу {invoice}.
Запросил: {requester}, {when}.
Причина: {reason}.</source>
            <translation>{action} {amount} for order {invoice}.
Requested by: {requester}, {when}.
Reason: {reason}.</translation>
        </message>
        <message>
            <source>Примечание: {note}.</source>
            <translation>Note: {note}.</translation>
        </message>
        <message>
            <source>После одобрения ({approver}) программа ещё раз проверит платёж у банка и отправит возврат.</source>
            <translation>Once approved ({approver}), the program checks the payment with the bank once more and sends the refund.</translation>
        </message>
        <message>
            <source>Одобрить и отправить</source>
            <translation>Approve and send</translation>
        </message>
        <message>
            <source>Не сейчас</source>
            <translation>Not now</translation>
        </message>
        <message>
            <source>Отклонить возврат №{id}</source>
            <translation>Reject refund No. {id}</translation>
        </message>
        <message>
            <source>{action} {amount} по заказу {invoice} (запросил {requester}) не будет отправлен в банк.</source>
            <translation>{action} {amount} for order {invoice} (requested by {requester}) will not be sent to the bank.</translation>
        </message>
        <message>
            <source>Почему (обязательно)</source>
            <translation>Why (required)</translation>
        </message>
        <message>
            <source>Отклонить</source>
            <translation>Reject</translation>
        </message>
        <message>
            <source>Укажите причину отказа.</source>
            <translation>Give the reason for the rejection.</translation>
        </message>
        <message>
            <source>Одобрить…</source>
            <extracomment>Something was approved, rejected or settled: what changed (services.changes.Changes).</extracomment>
            <translation>Approve…</translation>
        </message>
        <message>
            <source>Отклонить…</source>
            <translation>Reject…</translation>
        </message>
        <message>
            <source>Уточнить у банка</source>
            <translation>Check with the bank</translation>
        </message>
        <message>
            <source>Прочитать статус у банка и решить операции с неизвестным результатом</source>
            <translation>Read the bank's status and settle the operations whose outcome is unknown</translation>
        </message>
        <message>
            <source>Показать:</source>
            <translation>Show:</translation>
        </message>
        <message>
            <source>Операций: {n}</source>
            <translation>Operations: {n}</translation>
        </message>
        <message>
            <source>Свой запрос одобряет другой менеджер.</source>
            <translation>Another manager approves your own request.</translation>
        </message>
        <message>
            <source>Одобряет менеджер.</source>
            <translation>A manager approves.</translation>
        </message>
        <message>
            <source>Операции</source>
            <translation>Operations</translation>
        </message>
    </context>
    <context>
        <name>OperatorsPage</name>
        <message>
            <source>Операторы</source>
            <extracomment>The list was read again (after loading or a change); for tests.</extracomment>
            <translation>Operators</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Operator</translation>
        </message>
        <message>
            <source>Роль</source>
            <translation>Role</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>Status</translation>
        </message>
        <message>
            <source>имя входа в систему, например anna</source>
            <translation>login name, for example anna</translation>
        </message>
        <message>
            <source>пароль входа в базу данных</source>
            <translation>database login password</translation>
        </message>
        <message>
            <source>В общей базе оператор входит своим логином базы данных; его пароль задаёт администратор базы данных.</source>
            <translation>On a shared database an operator signs in with their database login; its password is set by the database's administrator.</translation>
        </message>
        <message>
            <source>новый пароль (пусто — не менять)</source>
            <translation>new password (empty: keep)</translation>
        </message>
        <message>
            <source>Сохранить оператора</source>
            <translation>Save operator</translation>
        </message>
        <message>
            <source>Отключить</source>
            <translation>Disable</translation>
        </message>
        <message>
            <source>Бухгалтер смотрит, сверяет и выгружает; менеджер ещё подтверждает, отменяет блокировки и делает возвраты; администратор ещё меняет настройки и операторов. Оператор — это имя входа в систему; другим оператором входят с его паролем (Файл → Сменить оператора…), который администратор задаёт здесь.</source>
            <translation>An accountant looks, reconciles and exports; a manager also confirms, releases holds and refunds; an admin also changes settings and operators. An operator is a login name of the system; another operator signs in with their password (File → Switch operator…), which an admin sets here.</translation>
        </message>
        <message>
            <source>Не удалось прочитать операторов: {error}</source>
            <translation>Could not read the operators: {error}</translation>
        </message>
        <message>
            <source>активен</source>
            <translation>active</translation>
        </message>
        <message>
            <source>отключён</source>
            <translation>disabled</translation>
        </message>
        <message>
            <source>Введите имя оператора — имя входа в систему, от 1 до 64 знаков, например anna.</source>
            <translation>Type the operator's name — a login name of 1 to 64 characters, for example anna.</translation>
        </message>
        <message>
            <source>{name} — единственный администратор: сначала назначьте администратором кого-то ещё.</source>
            <translation>{name} is the only admin: make someone else an admin first.</translation>
        </message>
        <message>
            <source>{name}: роль «{role}» сохранена.</source>
            <translation>{name}: role “{role}” saved.</translation>
        </message>
        <message>
            <source>{name}: роль «{role}» и новый пароль сохранены.</source>
            <translation>{name}: role “{role}” and the new password saved.</translation>
        </message>
        <message>
            <source>Выберите оператора в списке.</source>
            <translation>Choose an operator in the list.</translation>
        </message>
        <message>
            <source>{name} отключён: войти и действовать он больше не может.</source>
            <translation>{name} is disabled: they can no longer log in or act.</translation>
        </message>
        <message>
            <source>Менять операторов может только администратор.</source>
            <translation>Only an admin may change operators.</translation>
        </message>
    </context>
    <context>
        <name>OrdersImporter</name>
        <message>
            <source>Импорт заказов магазина</source>
            <extracomment>How many of a refused file's errors the message lists; the rest are counted.</extracomment>
            <translation>Import the shop's orders</translation>
        </message>
        <message>
            <source>Выгрузка заказов (*.csv *.txt *.xlsx);;Все файлы (*)</source>
            <translation>Order export (*.csv *.txt *.xlsx);;All files (*)</translation>
        </message>
        <message>
            <source>Ничего не загружено: исправьте файл и загрузите его снова.</source>
            <translation>Nothing was loaded: fix the file and load it again.</translation>
        </message>
        <message>
            <source>Файл {file}: новых заказов — {added}, без изменений — {unchanged}, обновлено — {updated}.</source>
            <translation>File {file}: new orders — {added}, unchanged — {unchanged}, updated — {updated}.</translation>
        </message>
        <message>
            <source>Загружаю заказы из {file}…</source>
            <translation>Loading orders from {file}…</translation>
        </message>
        <message>
            <source>Заказы не загружены: в файле есть ошибки.</source>
            <translation>The orders were not loaded: the file has errors.</translation>
        </message>
        <message>
            <source>Заказы не загружены.</source>
            <translation>The orders were not loaded.</translation>
        </message>
        <message>
            <source>Не удалось загрузить файл: {error}</source>
            <translation>Could not load the file: {error}</translation>
        </message>
        <message>
            <source>Заказы не загружены</source>
            <translation>Orders not loaded</translation>
        </message>
        <message>
            <source>Заказы загружены</source>
            <translation>Orders loaded</translation>
        </message>
    </context>
    <context>
        <name>PaymentDetailPane</name>
        <message>
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <translation>Refunded</translation>
        </message>
        <message>
            <source>Заказ создан</source>
            <translation>Order created</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Карта</source>
            <translation>Card</translation>
        </message>
        <message>
            <source>Транзакция банка</source>
            <translation>Bank's transaction</translation>
        </message>
        <message>
            <source>Прочитано у банка</source>
            <translation>Read from the bank</translation>
        </message>
        <message>
            <source>Ошибка чтения</source>
            <translation>Read error</translation>
        </message>
        <message>
            <source>Поле банка</source>
            <extracomment>Issue 4 puts confirm / cancel / refund here; empty until then.</extracomment>
            <translation>Bank's field</translation>
        </message>
        <message>
            <source>Значение</source>
            <translation>Value</translation>
        </message>
        <message>
            <source>Когда</source>
            <translation>When</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>State</translation>
        </message>
        <message>
            <source>Статус банка</source>
            <translation>Bank's status</translation>
        </message>
        <message>
            <source>Уведомления банка</source>
            <translation>Bank's callbacks</translation>
        </message>
        <message>
            <source>Получено</source>
            <translation>Received</translation>
        </message>
        <message>
            <source>Результат</source>
            <translation>Result</translation>
        </message>
        <message>
            <source>Проверка</source>
            <translation>Check</translation>
        </message>
        <message>
            <source>Банк при проверке</source>
            <translation>Bank when checked</translation>
        </message>
        <message>
            <source>Данные банка</source>
            <extracomment>Everything below the title; hidden while no payment is shown.</extracomment>
            <translation>Bank's data</translation>
        </message>
        <message>
            <source>История статусов</source>
            <translation>Status history</translation>
        </message>
        <message>
            <source>Не удалось прочитать платёж {invoice}: {error}</source>
            <translation>Could not read payment {invoice}: {error}</translation>
        </message>
        <message>
            <source>Заказ {invoice}</source>
            <translation>Order {invoice}</translation>
        </message>
        <message>
            <source>ещё не читали</source>
            <translation>not read yet</translation>
        </message>
        <message>
            <source>Ссылка на оплату ({state}), до {until}; создал {who}: {description}
{url}</source>
            <translation>Payment link ({state}), until {until}; created by {who}: {description}
{url}</translation>
        </message>
        <message>
            <source>проверено</source>
            <translation>verified</translation>
        </message>
        <message>
            <source>НЕ ПРОВЕРЕНО: {why}</source>
            <translation>UNVERIFIED: {why}</translation>
        </message>
        <message>
            <source>у банка нет платежа</source>
            <translation>the bank has no payment</translation>
        </message>
        <message>
            <source>ещё не проверено</source>
            <translation>not checked yet</translation>
        </message>
        <message>
            <source>Выберите платёж в списке</source>
            <translation>Choose a payment in the list</translation>
        </message>
    </context>
    <context>
        <name>PaymentLinks</name>
        <message>
            <source>Закрыть</source>
            <translation>Close</translation>
        </message>
        <message>
            <source>активна, ждёт оплаты</source>
            <translation>active, awaiting payment</translation>
        </message>
        <message>
            <source>оплачена</source>
            <translation>paid</translation>
        </message>
        <message>
            <source>срок истёк, не оплачена</source>
            <translation>expired, not paid</translation>
        </message>
        <message>
            <source>платёж отклонён</source>
            <translation>payment declined</translation>
        </message>
        <message>
            <source>Выставить счёт</source>
            <translation>Request payment</translation>
        </message>
        <message>
            <source>например, 15 000 или 1 500,50</source>
            <translation>e.g. 15 000 or 1 500,50</translation>
        </message>
        <message>
            <source>что оплачивает покупатель</source>
            <translation>what the customer pays for</translation>
        </message>
        <message>
            <source>1 час</source>
            <translation>1 hour</translation>
        </message>
        <message>
            <source>1 день</source>
            <translation>1 day</translation>
        </message>
        <message>
            <source>3 дня</source>
            <translation>3 days</translation>
        </message>
        <message>
            <source>7 дней</source>
            <translation>7 days</translation>
        </message>
        <message>
            <source>Сумма:</source>
            <translation>Amount:</translation>
        </message>
        <message>
            <source>За что:</source>
            <translation>For:</translation>
        </message>
        <message>
            <source>E-mail покупателя:</source>
            <translation>Customer's e-mail:</translation>
        </message>
        <message>
            <source>Телефон покупателя:</source>
            <translation>Customer's phone:</translation>
        </message>
        <message>
            <source>Ссылка действует:</source>
            <translation>Link valid for:</translation>
        </message>
        <message>
            <source>Язык страницы оплаты:</source>
            <translation>Payment page language:</translation>
        </message>
        <message>
            <source>Создать ссылку</source>
            <translation>Create link</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Банк создаст ссылку на оплату; заказ появится в списке платежей как ожидающий оплаты.</source>
            <translation>The bank will create a payment link; the order appears in the payments list as awaiting payment.</translation>
        </message>
        <message>
            <source>Создаю ссылку…</source>
            <translation>Creating the link…</translation>
        </message>
        <message>
            <source>Ссылка на оплату заказа {invoice}</source>
            <extracomment>The sandbox took the payment (its status has been read): the lists should read again.</extracomment>
            <translation>Payment link for order {invoice}</translation>
        </message>
        <message>
            <source>Копировать</source>
            <translation>Copy</translation>
        </message>
        <message>
            <source>Отправить по e-mail</source>
            <translation>Send by e-mail</translation>
        </message>
        <message>
            <source>Заказ {invoice} на {amount}: {description}.
Действует до {until}.</source>
            <translation>Order {invoice} for {amount}: {description}.
Valid until {until}.</translation>
        </message>
        <message>
            <source>Оплатить в песочнице (тестовая карта)</source>
            <translation>Pay in the sandbox (test card)</translation>
        </message>
        <message>
            <source>Покажите код покупателю: камера телефона откроет страницу оплаты.</source>
            <translation>Show the code to the customer: a phone camera opens the payment page.</translation>
        </message>
        <message>
            <source>Ссылка скопирована.</source>
            <translation>Link copied.</translation>
        </message>
        <message>
            <source>Покупатель платит тестовой картой…</source>
            <translation>The customer pays with a test card…</translation>
        </message>
        <message>
            <source>Оплата не прошла: {error}</source>
            <translation>The payment did not go through: {error}</translation>
        </message>
        <message>
            <source>Оплачено тестовой картой; статус у банка: {status}.</source>
            <translation>Paid with a test card; the bank's status: {status}.</translation>
        </message>
        <message>
            <source>Почтовая программа не открылась: скопируйте ссылку и отправьте её сами.</source>
            <translation>The mail program did not open: copy the link and send it yourself.</translation>
        </message>
        <message>
            <source>Выставить счёт…</source>
            <extracomment>A link was made (its invoiceId): the Payments tab shows it. The sandbox took a link's payment: what changed (services.changes.Changes). The last result dialog, for tests and screenshots.</extracomment>
            <translation>Request payment…</translation>
        </message>
        <message>
            <source>Ссылка на оплату для заказа по телефону или e-mail (Ctrl+N)</source>
            <translation>A payment link for an order taken by phone or e-mail (Ctrl+N)</translation>
        </message>
        <message>
            <source>Ссылки на оплату создают менеджеры и администраторы.</source>
            <translation>Payment links are created by managers and admins.</translation>
        </message>
        <message>
            <source>Ссылка не создана: {error}</source>
            <translation>The link was not created: {error}</translation>
        </message>
    </context>
    <context>
        <name>PaymentsModel</name>
        <message>
            <source>Номер заказа</source>
            <extracomment>Rows per database query: one indexed LIMIT query, small enough to be instant. Blocks kept in memory (least recently used go first): 50 × 200 rows. Blocks waiting to be fetched; older requests are dropped when the user scrolls past quickly. Neighbouring blocks asked for together are fetched by one query, up to this many.</extracomment>
            <translation>Order number</translation>
        </message>
        <message>
            <source>Заказ создан</source>
            <translation>Order created</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Customer</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Amount</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <translation>Refunded</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>State</translation>
        </message>
        <message>
            <source>Статус банка</source>
            <translation>Bank's status</translation>
        </message>
        <message>
            <source>Карта</source>
            <translation>Card</translation>
        </message>
        <message>
            <source>RRN</source>
            <translation>RRN</translation>
        </message>
        <message>
            <source>Статус в магазине</source>
            <translation>Shop's status</translation>
        </message>
    </context>
    <context>
        <name>PaymentsView</name>
        <message>
            <source>Все заказы</source>
            <extracomment>Pause after the last keystroke before the database is asked. Copying more rows than this is a job for the export, not the clipboard. Ctrl+A selects the whole list only up to this many rows. Starting period when "all dates" is switched off. The link filter's choices: all orders, orders with a link, or links in one state.</extracomment>
            <translation>All orders</translation>
        </message>
        <message>
            <source>Все ссылки на оплату</source>
            <translation>All payment links</translation>
        </message>
        <message>
            <source>Ссылки: ждут оплаты</source>
            <translation>Links: awaiting payment</translation>
        </message>
        <message>
            <source>Ссылки: оплачены</source>
            <translation>Links: paid</translation>
        </message>
        <message>
            <source>Ссылки: срок истёк</source>
            <translation>Links: expired</translation>
        </message>
        <message>
            <source>Ссылки: платёж отклонён</source>
            <translation>Links: payment declined</translation>
        </message>
        <message>
            <source>Поиск: номер заказа, RRN, карта, покупатель (Ctrl+F)</source>
            <extracomment>A short note for the status bar ("Скопировано 3 строки"). The payment chosen in the table changed: its invoiceId, or None when none is. An order to select once the list has loaded (show_invoice).</extracomment>
            <translation>Search: order number, RRN, card, customer (Ctrl+F)</translation>
        </message>
        <message>
            <source>Все даты</source>
            <translation>All dates</translation>
        </message>
        <message>
            <source>Период:</source>
            <extracomment>The filter bar; add_to_bar puts a button at its start.</extracomment>
            <translation>Period:</translation>
        </message>
        <message>
            <source>Копировать строки</source>
            <translation>Copy rows</translation>
        </message>
        <message>
            <source>Загрузка…</source>
            <translation>Loading…</translation>
        </message>
        <message>
            <source>Подсчёт строк…</source>
            <translation>Counting rows…</translation>
        </message>
        <message numerus="yes">
            <source>%n платежей</source>
            <translation>
                <numerusform>%n payment</numerusform>
                <numerusform>%n payments</numerusform>
            </translation>
        </message>
        <message>
            <source>Ошибка чтения: {message}</source>
            <translation>Read error: {message}</translation>
        </message>
        <message>
            <source>В списке {n} строк: выделить все можно, когда их не больше {limit}. Сузьте список поиском, периодом или состоянием.</source>
            <translation>The list has {n} rows: all can be selected when there are no more than {limit}. Narrow the list by search, period or state.</translation>
        </message>
        <message>
            <source>Выделено строк: {n} — это больше, чем {limit} для буфера обмена.</source>
            <translation>Rows selected: {n} — more than the {limit} the clipboard takes.</translation>
        </message>
        <message numerus="yes">
            <source>Скопировано строк: %n</source>
            <translation>
                <numerusform>Rows copied: %n</numerusform>
                <numerusform>Rows copied: %n</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ProfilesPage</name>
        <message>
            <source>Профили банка</source>
            <extracomment>A connection test ended (True when it worked); for tests. The list of profiles was read (again). A profile was saved (its name).</extracomment>
            <translation>Bank profiles</translation>
        </message>
        <message>
            <source>Новый профиль</source>
            <translation>New profile</translation>
        </message>
        <message>
            <source>UUID магазина из кабинета банка</source>
            <translation>the shop's UUID from the bank's cabinet</translation>
        </message>
        <message>
            <source>Сохранить для ссылок на оплату</source>
            <translation>Save for payment links</translation>
        </message>
        <message>
            <source>Идентификатор магазина и адрес приёмника уведомлений банка: нужны, чтобы выставлять счета (ссылки на оплату). Сохраняются для любого профиля, и встроенного тоже.</source>
            <translation>The shop id and the address of the receiver of the bank's callbacks: needed to request payments (payment links). Saved for any profile, built-in ones too.</translation>
        </message>
        <message>
            <source>Сохранить профиль</source>
            <translation>Save the profile</translation>
        </message>
        <message>
            <source>Проверить соединение</source>
            <translation>Test the connection</translation>
        </message>
        <message>
            <source>Вид:</source>
            <translation>Kind:</translation>
        </message>
        <message>
            <source>Имя:</source>
            <translation>Name:</translation>
        </message>
        <message>
            <source>Адрес токенов (OAuth):</source>
            <translation>Token address (OAuth):</translation>
        </message>
        <message>
            <source>Адрес API:</source>
            <translation>API address:</translation>
        </message>
        <message>
            <source>Client ID:</source>
            <translation>Client ID:</translation>
        </message>
        <message>
            <source>Терминал:</source>
            <translation>Terminal:</translation>
        </message>
        <message>
            <source>Секрет клиента:</source>
            <translation>Client secret:</translation>
        </message>
        <message>
            <source>Где хранится секрет:</source>
            <translation>Where the secret is kept:</translation>
        </message>
        <message>
            <source>Пользователь кабинета:</source>
            <translation>Cabinet user:</translation>
        </message>
        <message>
            <source>Пароль кабинета:</source>
            <translation>Cabinet password:</translation>
        </message>
        <message>
            <source>Идентификатор магазина:</source>
            <translation>Shop id:</translation>
        </message>
        <message>
            <source>Адрес уведомлений банка:</source>
            <translation>Callback address:</translation>
        </message>
        <message>
            <source>Открывать при запуске:</source>
            <translation>Open at start:</translation>
        </message>
        <message>
            <source>Профиль — это адреса банка и данные мерчанта. Сейчас открыт профиль «{name}»; другой откроется при следующем запуске.</source>
            <translation>A profile is the bank's addresses and the merchant's credentials. The profile “{name}” is open now; another one opens at the next start.</translation>
        </message>
        <message>
            <source>Не удалось прочитать профили: {error}</source>
            <translation>Could not read the profiles: {error}</translation>
        </message>
        <message>
            <source>латиница, например shop-main</source>
            <translation>latin letters, for example shop-main</translation>
        </message>
        <message>
            <source>из кабинета мерчанта</source>
            <translation>from the merchant's cabinet</translation>
        </message>
        <message>
            <source>введите секрет</source>
            <translation>type the secret</translation>
        </message>
        <message>
            <source>оставьте пустым, чтобы не менять</source>
            <translation>leave empty to keep it</translation>
        </message>
        <message>
            <source>логин кабинета мерчанта, если есть</source>
            <translation>the merchant cabinet login, if you have one</translation>
        </message>
        <message>
            <source>на этом компьютере, выбирается при запуске</source>
            <translation>on this computer, chosen at start</translation>
        </message>
        <message>
            <source>Имя профиля: от 1 до 64 строчных латинских букв, цифр, «-» или «_», например shop-main; имена sandbox и halyk-test заняты.</source>
            <translation>Profile name: 1 to 64 lowercase latin letters, digits, “-” or “_”, for example shop-main; the names sandbox and halyk-test are taken.</translation>
        </message>
        <message>
            <source>Адрес токенов: введите адрес https:// из документации банка, например {url}.</source>
            <translation>Token address: type the https:// address from the bank's documentation, for example {url}.</translation>
        </message>
        <message>
            <source>Адрес API: введите адрес https:// из документации банка, например {url}.</source>
            <translation>API address: type the https:// address from the bank's documentation, for example {url}.</translation>
        </message>
        <message>
            <source>Client ID пуст: скопируйте его из кабинета мерчанта банка.</source>
            <translation>The client ID is empty: copy it from the bank's merchant cabinet.</translation>
        </message>
        <message>
            <source>Терминал — это идентификатор вида 67e34d63-102f-4bd1-898e-370781d0074d из кабинета мерчанта: скопируйте его целиком.</source>
            <translation>The terminal is an identifier like 67e34d63-102f-4bd1-898e-370781d0074d from the merchant's cabinet: copy it whole.</translation>
        </message>
        <message>
            <source>Введите секрет клиента (client secret) из кабинета мерчанта.</source>
            <translation>Type the client secret from the merchant's cabinet.</translation>
        </message>
        <message>
            <source>Введите пароль пользователя кабинета — тот, с которым он входит в кабинет мерчанта.</source>
            <translation>Enter the cabinet user's password — the one they sign in to the merchant cabinet with.</translation>
        </message>
        <message>
            <source>Введите пользователя кабинета, к которому относится пароль.</source>
            <translation>Enter the cabinet user this password belongs to.</translation>
        </message>
        <message>
            <source>Не сохранено: {error}</source>
            <translation>Not saved: {error}</translation>
        </message>
        <message>
            <source>Поля ссылок на оплату профиля «{name}» сохранены.</source>
            <translation>Payment link fields of profile «{name}» saved.</translation>
        </message>
        <message>
            <source>Сохраняю…</source>
            <translation>Saving…</translation>
        </message>
        <message>
            <source>Сохранять профили может только администратор.</source>
            <translation>Only an admin may save profiles.</translation>
        </message>
        <message>
            <source>Профиль не сохранён: {error}</source>
            <translation>The profile was not saved: {error}</translation>
        </message>
        <message>
            <source>Профиль «{name}» сохранён.</source>
            <translation>Profile “{name}” saved.</translation>
        </message>
        <message>
            <source>Подключаюсь к банку…</source>
            <translation>Connecting to the bank…</translation>
        </message>
        <message>
            <source>Проверка не удалась: {error}</source>
            <translation>The check failed: {error}</translation>
        </message>
        <message>
            <source>песочница: учебный банк на этом компьютере</source>
            <extracomment>A profile every field of which passes profiles.custom_profile: each field is checked by putting it in here, so the rules stay the service's own.</extracomment>
            <translation>sandbox: a practice bank on this computer</translation>
        </message>
        <message>
            <source>тестовый магазин банка</source>
            <translation>the bank's test shop</translation>
        </message>
        <message>
            <source>свой профиль</source>
            <translation>your own profile</translation>
        </message>
        <message>
            <source>не нужен: песочница работает без ключей банка</source>
            <translation>not needed: the sandbox works without the bank's keys</translation>
        </message>
        <message>
            <source>опубликован банком для своего тестового магазина</source>
            <translation>published by the bank for its test shop</translation>
        </message>
        <message>
            <source>в системном хранилище паролей</source>
            <translation>in the system keyring</translation>
        </message>
        <message>
            <source>в файле {path}: системного хранилища паролей нет</source>
            <translation>in the file {path}: there is no system keyring</translation>
        </message>
        <message>
            <source>не сохранён: введите секрет, который выдал банк</source>
            <translation>not saved: type the secret the bank issued</translation>
        </message>
        <message>
            <source>На этом компьютере нет системного хранилища паролей, поэтому секрет сохранён в файле {path}, который может читать только ваша учётная запись. Не передавайте этот файл и не кладите его в общие копии; чтобы хранить секреты в хранилище, установите его (например, GNOME Keyring или KWallet) и сохраните профиль ещё раз.</source>
            <translation>This computer has no system keyring, so the secret was saved in the file {path}, which only your user account can read. Do not hand this file on or put it in shared backups; to keep secrets in a keyring, install one (for example GNOME Keyring or KWallet) and save the profile again.</translation>
        </message>
        <message>
            <source>Соединение работает: банк ({host}) выдал токен и ответил на запрос статуса.</source>
            <translation>The connection works: the bank ({host}) issued a token and answered a status request.</translation>
        </message>
        <message>
            <source>Профиль заполнен не полностью: проверьте адреса, client id, терминал и секрет.</source>
            <translation>The profile is incomplete: check the addresses, client id, terminal and secret.</translation>
        </message>
        <message>
            <source>Банк не принял данные входа: проверьте client id, секрет и терминал — их выдаёт банк в кабинете мерчанта.</source>
            <translation>The bank refused the credentials: check the client id, secret and terminal — the bank issues them in the merchant's cabinet.</translation>
        </message>
        <message>
            <source>Банк не принял вход пользователя кабинета: проверьте пользователя и пароль, с которыми он входит в кабинет мерчанта.</source>
            <translation>The bank refused the cabinet user's sign-in: check the user and password they sign in to the merchant cabinet with.</translation>
        </message>
        <message>
            <source>Банк не отвечает по адресу {host}: проверьте адреса и подключение к интернету и повторите через минуту.</source>
            <translation>The bank does not answer at {host}: check the addresses and the internet connection, and try again in a minute.</translation>
        </message>
        <message>
            <source>Банк ответил отказом: проверьте терминал и client id; подробности ниже.</source>
            <translation>The bank refused: check the terminal and client id; details below.</translation>
        </message>
        <message>
            <source>Ответ по адресу {host} не похож на ответ банка: проверьте адрес API.</source>
            <translation>The answer from {host} does not look like the bank's: check the API address.</translation>
        </message>
        <message>
            <source>Проверка не удалась.</source>
            <translation>The test failed.</translation>
        </message>
        <message>
            <source>песочница входит в кабинет сама</source>
            <translation>the sandbox signs in to its cabinet by itself</translation>
        </message>
        <message>
            <source>Список операций банка и ссылки на оплату банк выдаёт по входу пользователя кабинета мерчанта; без него программа пробует ключи клиента.</source>
            <translation>The bank gives its operations list and payment links to the merchant cabinet user's login; without one the program tries the client's keys.</translation>
        </message>
        <message>
            <source>Пароль кабинета: {where}</source>
            <translation>Cabinet password: {where}</translation>
        </message>
    </context>
    <context>
        <name>QFileDialog</name>
        <message>
            <source>&amp;Look in:</source>
            <translation>&amp;Look in:</translation>
        </message>
        <message>
            <source>Files of &amp;type:</source>
            <translation>Files of &amp;type:</translation>
        </message>
    </context>
    <context>
        <name>ReasonsPage</name>
        <message>
            <source>Причины</source>
            <translation>Reasons</translation>
        </message>
        <message>
            <source>Добавить</source>
            <translation>Add</translation>
        </message>
        <message>
            <source>Удалить</source>
            <translation>Remove</translation>
        </message>
        <message>
            <source>Выше</source>
            <translation>Up</translation>
        </message>
        <message>
            <source>Ниже</source>
            <translation>Down</translation>
        </message>
        <message>
            <source>Из этого списка выбирают причину подтверждения, отмены и возврата, в этом порядке. Чтобы изменить текст, дважды щёлкните по нему. Для причины «Другое» оператор пишет пояснение сам.</source>
            <translation>The reason of a confirmation, release or refund is chosen from this list, in this order. Double-click a text to change it. For the “other” reason the operator writes an explanation.</translation>
        </message>
        <message>
            <source>Новая причина</source>
            <translation>New reason</translation>
        </message>
        <message>
            <source>Нужна хотя бы одна причина: нажмите «Добавить» и введите её, например «Просьба покупателя».</source>
            <translation>At least one reason is needed: press “Add” and type it, for example “Customer request”.</translation>
        </message>
        <message>
            <source>В строке {row} пустая причина: введите текст или удалите строку.</source>
            <translation>The reason in row {row} is empty: type a text or remove the row.</translation>
        </message>
        <message>
            <source>Причина «{reason}» записана дважды: удалите повтор.</source>
            <translation>The reason “{reason}” is listed twice: remove the repeat.</translation>
        </message>
    </context>
    <context>
        <name>Reconciliation</name>
        <message>
            <source>Совпадает</source>
            <extracomment>Resolved lines are greyed: they stay in the list, and in the workbook, for the record. The reconciliation's categories in Russian (the engine's TITLES, here so that lupdate finds them; a test keeps both the same).</extracomment>
            <translation>Matches</translation>
        </message>
        <message>
            <source>Расхождение суммы</source>
            <translation>Amount differs</translation>
        </message>
        <message>
            <source>Расхождение статуса</source>
            <translation>Status differs</translation>
        </message>
        <message>
            <source>Нет оплаты в банке</source>
            <translation>No payment at the bank</translation>
        </message>
        <message>
            <source>Платёж неизвестен магазину</source>
            <translation>Payment unknown to the shop</translation>
        </message>
        <message>
            <source>Несколько платежей по заказу</source>
            <translation>Several payments for one order</translation>
        </message>
        <message>
            <source>Блокировки, ожидают подтверждения</source>
            <translation>Holds awaiting confirmation</translation>
        </message>
        <message>
            <source>Блокировки, скоро истекают</source>
            <translation>Holds expiring soon</translation>
        </message>
        <message>
            <source>Блокировки, срок истёк</source>
            <translation>Holds expired</translation>
        </message>
        <message>
            <source>Частичный возврат</source>
            <translation>Partial refund</translation>
        </message>
        <message>
            <source>Возврат</source>
            <translation>Refund</translation>
        </message>
        <message>
            <source>Комиссия банка</source>
            <translation>Bank's fee</translation>
        </message>
        <message>
            <source>Расхождение валюты</source>
            <translation>Currency differs</translation>
        </message>
        <message>
            <source>Незавершённые операции</source>
            <translation>Unfinished operations</translation>
        </message>
        <message>
            <source>нет</source>
            <translation>no</translation>
        </message>
        <message>
            <source>✓ {by}: {note}</source>
            <translation>✓ {by}: {note}</translation>
        </message>
        <message>
            <source>Категория</source>
            <translation>Category</translation>
        </message>
        <message>
            <source>День</source>
            <translation>Day</translation>
        </message>
        <message>
            <source>Номер заказа</source>
            <translation>Order number</translation>
        </message>
        <message>
            <source>В магазине</source>
            <translation>At the shop</translation>
        </message>
        <message>
            <source>В банке</source>
            <translation>At the bank</translation>
        </message>
        <message>
            <source>Разница</source>
            <translation>Difference</translation>
        </message>
        <message>
            <source>Что не так</source>
            <translation>What's wrong</translation>
        </message>
        <message>
            <source>Решено</source>
            <translation>Resolved</translation>
        </message>
    </context>
    <context>
        <name>ReconciliationView</name>
        <message>
            <source>Сохранить сверку в Excel</source>
            <extracomment>Widths of the columns but the message's, which takes what is left: narrow enough that on a 1366 px laptop the message keeps room for a sentence (long names are elided, with a tooltip). The least width of the message column: about forty characters. Category cards per row under the money cards.</extracomment>
            <translation>Save the reconciliation to Excel</translation>
        </message>
        <message>
            <source>Книга Excel (*.xlsx)</source>
            <translation>Excel workbook (*.xlsx)</translation>
        </message>
        <message>
            <source>Вчера</source>
            <extracomment>A run arrived and is shown (the Reconciliation). A run or an export failed or was cancelled (the text shown). The workbook was written (its path). A discrepancy was marked resolved (the Discrepancy as it now reads). A line for the window's status bar.</extracomment>
            <translation>Yesterday</translation>
        </message>
        <message>
            <source>Прошлый месяц</source>
            <translation>Last month</translation>
        </message>
        <message>
            <source>Реестр операций банка</source>
            <translation>Bank's operations list</translation>
        </message>
        <message>
            <source>Запросить у банка реестр операций: он показывает платежи, неизвестные магазину, и повторные оплаты одного заказа.</source>
            <translation>Ask the bank for its operations list: it shows payments the shop does not know and repeated payments of one order.</translation>
        </message>
        <message>
            <source>Сверить</source>
            <translation>Reconcile</translation>
        </message>
        <message>
            <source>Отменить</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Экспорт в Excel…</source>
            <translation>Export to Excel…</translation>
        </message>
        <message>
            <source>Книга Excel со всеми листами сверки (Ctrl+E)</source>
            <translation>An Excel workbook with every sheet of the reconciliation (Ctrl+E)</translation>
        </message>
        <message>
            <source>Выберите день или период и нажмите «Сверить»: заказы магазина сравниваются с платежами банка.</source>
            <translation>Choose a day or a period and press “Reconcile”: the shop's orders are compared with the bank's payments.</translation>
        </message>
        <message>
            <source>Заказано</source>
            <translation>Ordered</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Captured</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <translation>Refunded</translation>
        </message>
        <message>
            <source>Чистыми (списано − возвращено)</source>
            <translation>Net (captured − refunded)</translation>
        </message>
        <message>
            <source>Доля совпадений</source>
            <translation>Match rate</translation>
        </message>
        <message>
            <source>Все расхождения</source>
            <translation>All discrepancies</translation>
        </message>
        <message>
            <source>Показывать решённые</source>
            <translation>Show resolved</translation>
        </message>
        <message>
            <source>Отметить решённым…</source>
            <translation>Mark resolved…</translation>
        </message>
        <message>
            <source>Показать:</source>
            <translation>Show:</translation>
        </message>
        <message>
            <source>Период:</source>
            <translation>Period:</translation>
        </message>
        <message>
            <source>Сверяю {period}…</source>
            <translation>Reconciling {period}…</translation>
        </message>
        <message>
            <source>Читаю заказы и платежи</source>
            <translation>Reading orders and payments</translation>
        </message>
        <message>
            <source>Читаю реестр операций банка</source>
            <translation>Reading the bank's operations list</translation>
        </message>
        <message>
            <source>Сопоставляю</source>
            <translation>Matching</translation>
        </message>
        <message>
            <source>Сохраняю результат</source>
            <translation>Saving the result</translation>
        </message>
        <message>
            <source>Записываю книгу Excel</source>
            <translation>Writing the Excel workbook</translation>
        </message>
        <message>
            <source>Сверка отменена: ничего не сохранено.</source>
            <translation>Reconciliation cancelled: nothing was saved.</translation>
        </message>
        <message>
            <source>За {period} сверять нечего: в базе нет заказов, платежей и операций этих дней. Проверьте даты, загрузите заказы магазина и синхронизируйте (F5).</source>
            <translation>Nothing to reconcile for {period}: the database has no orders, payments or operations of those days. Check the dates, load the shop's orders and sync (F5).</translation>
        </message>
        <message>
            <source>Сверка не выполнена: {error}</source>
            <translation>The reconciliation was not done: {error}</translation>
        </message>
        <message>
            <source>Сверка</source>
            <translation>Reconciliation</translation>
        </message>
        <message>
            <source>реестр операций банка прочитан ({n})</source>
            <translation>bank's operations list read ({n})</translation>
        </message>
        <message>
            <source>без реестра операций банка</source>
            <translation>without the bank's operations list</translation>
        </message>
        <message>
            <source>реестр операций банка недоступен профилю</source>
            <translation>the bank's operations list is not available to this profile</translation>
        </message>
        <message>
            <source>реестр операций банка не прочитан</source>
            <translation>the bank's operations list was not read</translation>
        </message>
        <message>
            <source>Сверка за {period} ({tz}) · выполнена {at}, {who} · {listed}</source>
            <translation>Reconciliation of {period} ({tz}) · done {at}, {who} · {listed}</translation>
        </message>
        <message>
            <source>Платежи {n} заказов ещё не прочитаны из банка: они показаны как «нет оплаты в банке». Синхронизируйте (F5) и сверьте снова.</source>
            <translation>The payments of {n} orders have not been read from the bank yet: they show as “no payment at the bank”. Sync (F5) and reconcile again.</translation>
        </message>
        <message>
            <source>Без реестра операций не видны платежи, неизвестные магазину, и повторные оплаты ({why}).</source>
            <translation>Without the operations list, payments the shop does not know and repeated payments cannot be seen ({why}).</translation>
        </message>
        <message>
            <source>заказов: {n}</source>
            <translation>orders: {n}</translation>
        </message>
        <message>
            <source>совпало {matched} из {expected}</source>
            <translation>{matched} of {expected} matched</translation>
        </message>
        <message>
            <source>решено: {n}</source>
            <translation>resolved: {n}</translation>
        </message>
        <message>
            <source>показано {shown} из {total} · открытых {open}</source>
            <translation>{shown} of {total} shown · {open} open</translation>
        </message>
        <message>
            <source>Решено: {note} ({by}, {at})</source>
            <translation>Resolved: {note} ({by}, {at})</translation>
        </message>
        <message>
            <source>Заказа нет в магазине. Платёж банка: {tx}, {amount}, карта {card}, RRN {rrn}.</source>
            <translation>The shop has no such order. The bank's payment: {tx}, {amount}, card {card}, RRN {rrn}.</translation>
        </message>
        <message>
            <source>Изменить примечание…</source>
            <translation>Change the note…</translation>
        </message>
        <message>
            <source>Отметить решённым</source>
            <translation>Mark resolved</translation>
        </message>
        <message>
            <source>Не удалось отметить расхождение: {error}</source>
            <translation>Could not mark the discrepancy: {error}</translation>
        </message>
        <message>
            <source>Экспорт</source>
            <translation>Export</translation>
        </message>
        <message>
            <source>Сначала выполните сверку: в книгу Excel попадает её результат.</source>
            <translation>Reconcile first: the Excel workbook holds its result.</translation>
        </message>
        <message>
            <source>Сверка {period}.xlsx</source>
            <translation>Reconciliation {period}.xlsx</translation>
        </message>
        <message>
            <source>Экспорт отменён: файл не записан.</source>
            <translation>Export cancelled: no file was written.</translation>
        </message>
        <message>
            <source>Книга Excel не записана: {error}</source>
            <translation>The Excel workbook was not written: {error}</translation>
        </message>
        <message>
            <source>Книга Excel записана: {path}</source>
            <translation>Excel workbook written: {path}</translation>
        </message>
    </context>
    <context>
        <name>RefundsPage</name>
        <message>
            <source>Возвраты</source>
            <translation>Refunds</translation>
        </message>
        <message>
            <source>Второй менеджер одобряет возвраты больше:</source>
            <translation>A second manager approves refunds above:</translation>
        </message>
        <message>
            <source>Возврат больше этой суммы ждёт, пока другой менеджер его одобрит, и только потом уходит в банк. 0 — одобрять каждый возврат.</source>
            <translation>A refund above this amount waits until another manager approves it, and only then goes to the bank. 0 — approve every refund.</translation>
        </message>
        <message>
            <source>«{text}» — не сумма: введите сумму в тенге цифрами, например 100 000 или 250 000,50.</source>
            <translation>“{text}” is not an amount: type an amount in tenge in digits, for example 100,000 or 250,000.50.</translation>
        </message>
    </context>
    <context>
        <name>Roles</name>
        <message>
            <source>бухгалтер</source>
            <extracomment>Longest a hold may be set to last, in days (the bank's own limit is far shorter).</extracomment>
            <translation>accountant</translation>
        </message>
        <message>
            <source>менеджер</source>
            <translation>manager</translation>
        </message>
        <message>
            <source>администратор</source>
            <translation>admin</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Настройки</source>
            <extracomment>Settings that take effect only when the program starts again. The settings were saved: the changes (list[SettingChange]) and a warning to show, if any (a password that went to the fallback file). Whether the operator may change the admin-only pages is known; for tests.</extracomment>
            <translation>Settings</translation>
        </message>
        <message>
            <source>Сохранить</source>
            <translation>Save</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Не удалось узнать права оператора: {error}</source>
            <translation>Could not find out the operator's rights: {error}</translation>
        </message>
        <message>
            <source>Оператор {name} не зарегистрирован: менять можно только язык. Попросите администратора добавить вас.</source>
            <translation>Operator {name} is not registered: only the language can be changed. Ask an admin to add you.</translation>
        </message>
        <message>
            <source>Вы вошли как {name} (администратор): можно менять всё.</source>
            <translation>You are {name} (admin): everything can be changed.</translation>
        </message>
        <message>
            <source>Вы вошли как {name}: эти настройки меняет администратор, вам доступны язык и проверка соединения.</source>
            <translation>You are {name}: an admin changes these settings; you can change the language and test connections.</translation>
        </message>
        <message>
            <source>Эти настройки меняет администратор; ничего не сохранено.</source>
            <translation>An admin changes these settings; nothing was saved.</translation>
        </message>
        <message>
            <source>Файл настроек не записан ({error}): проверьте, что диск не заполнен и папка доступна для записи, и сохраните снова; ничего не изменено.</source>
            <translation>The settings file was not written ({error}): check that the disk is not full and the folder can be written, and save again; nothing was changed.</translation>
        </message>
        <message>
            <source>Настройки не сохранены: {error}</source>
            <translation>The settings were not saved: {error}</translation>
        </message>
        <message>
            <source>Настройки сохранены; язык, база данных и профиль при запуске сменятся при следующем запуске программы.</source>
            <translation>Settings saved; the language, the database and the profile opened at start change at the program's next start.</translation>
        </message>
        <message>
            <source>Настройки сохранены.</source>
            <translation>Settings saved.</translation>
        </message>
    </context>
    <context>
        <name>SignInDialog</name>
        <message>
            <source>Окно заблокировано</source>
            <extracomment>What counts as someone working at the computer. The name of the operator who proved it.</extracomment>
            <translation>The window is locked</translation>
        </message>
        <message>
            <source>Вход</source>
            <translation>Sign in</translation>
        </message>
        <message>
            <source>Окно заблокировано: никто не работал с ним {minutes} мин. Введите пароль, чтобы продолжить, или войдите другим оператором.</source>
            <translation>The window is locked: nobody has worked in it for {minutes} min. Type the password to go on, or sign in as another operator.</translation>
        </message>
        <message>
            <source>Кто работает? Войдите своим именем оператора и паролем: всё, что вы сделаете, будет записано на ваше имя.</source>
            <translation>Who is working? Sign in with your operator name and password: everything you do is recorded in your name.</translation>
        </message>
        <message>
            <source>Войти</source>
            <translation>Sign in</translation>
        </message>
        <message>
            <source>Выйти из программы</source>
            <translation>Quit the program</translation>
        </message>
        <message>
            <source>Оператор:</source>
            <translation>Operator:</translation>
        </message>
        <message>
            <source>Пароль:</source>
            <translation>Password:</translation>
        </message>
        <message>
            <source>Введите имя оператора.</source>
            <translation>Type the operator's name.</translation>
        </message>
        <message>
            <source>Проверяю…</source>
            <translation>Checking…</translation>
        </message>
    </context>
    <context>
        <name>SignInPage</name>
        <message>
            <source>Вход и блокировка</source>
            <translation>Sign-in and lock</translation>
        </message>
        <message>
            <source>Компьютер общий: несколько человек работают под одной учётной записью системы</source>
            <translation>A shared computer: several people work under one system account</translation>
        </message>
        <message>
            <source> мин</source>
            <translation> min</translation>
        </message>
        <message>
            <source>Блокировать окно без действий через:</source>
            <translation>Lock the window when idle for:</translation>
        </message>
        <message>
            <source>На общем компьютере окно при запуске спрашивает имя оператора и пароль, а если с ним никто не работает дольше этого времени, прячет данные и спрашивает пароль снова. Пароли операторов задаёт администратор на странице «Операторы». Действует со следующего запуска.</source>
            <translation>On a shared computer the window asks for the operator's name and password at start, and when nobody works in it for longer than this it hides the data and asks for the password again. An admin sets the operators' passwords on the Operators page. Used from the next start.</translation>
        </message>
    </context>
    <context>
        <name>StateFilterButton</name>
        <message>
            <source>Все состояния</source>
            <translation>All states</translation>
        </message>
        <message>
            <source>Состояние: все</source>
            <translation>State: all</translation>
        </message>
        <message>
            <source>Состояние: {state}</source>
            <translation>State: {state}</translation>
        </message>
        <message>
            <source>Состояний выбрано: {n}</source>
            <translation>States chosen: {n}</translation>
        </message>
    </context>
    <context>
        <name>SupportReporter</name>
        <message>
            <source>Сохранить отчёт для поддержки</source>
            <translation>Save a report for support</translation>
        </message>
        <message>
            <source>Архив ZIP (*.zip)</source>
            <translation>ZIP archive (*.zip)</translation>
        </message>
        <message>
            <source>Записываю отчёт для поддержки…</source>
            <translation>Writing the report for support…</translation>
        </message>
        <message>
            <source>Отчёт для поддержки не записан.</source>
            <translation>The report for support is not written.</translation>
        </message>
        <message>
            <source>Отчёт для поддержки</source>
            <translation>Report for support</translation>
        </message>
        <message>
            <source>Отчёт не записан: {error}</source>
            <translation>The report is not written: {error}</translation>
        </message>
        <message>
            <source>Отчёт для поддержки записан.</source>
            <translation>The report for support is written.</translation>
        </message>
        <message>
            <source>Отчёт записан: {path}

Отправьте этот файл в поддержку. В нём журнал, версии, настройки и сведения о базе; секретов, токенов и номеров карт в нём нет.</source>
            <translation>The report is written: {path}

Send this file to support. It holds the journal, versions, settings and the database's details; no secrets, tokens or card numbers.</translation>
        </message>
    </context>
    <context>
        <name>SyncPanel</name>
        <message>
            <source>Отмена</source>
            <extracomment>What the Sync button runs: services.sync.sync_statuses, or the same bound to another bank. A sync ended (finished or cancelled) and wrote what it read: views should read again. The one-line result for the status bar.</extracomment>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Синхронизировать</source>
            <translation>Sync</translation>
        </message>
        <message>
            <source>Прочитать у банка состояние платежей (F5)</source>
            <translation>Read the payments' state from the bank (F5)</translation>
        </message>
        <message>
            <source>Подготовка…</source>
            <translation>Preparing…</translation>
        </message>
        <message>
            <source>Останавливаю…</source>
            <translation>Stopping…</translation>
        </message>
        <message>
            <source>{done} из {total}</source>
            <translation>{done} of {total}</translation>
        </message>
        <message>
            <source>синхронизирует другой компьютер, ждём</source>
            <translation>another computer is syncing, waiting</translation>
        </message>
        <message>
            <source>Этот профиль сейчас синхронизирует другой компьютер; ждём его и прочитаем только то, что он оставит.</source>
            <translation>Another computer is syncing this profile now; waiting for it, then reading only what it leaves.</translation>
        </message>
        <message>
            <source>{rate}/с · осталось {eta}</source>
            <translation>{rate}/s · {eta} left</translation>
        </message>
        <message>
            <source>Синхронизация не удалась: {error}</source>
            <translation>The sync failed: {error}</translation>
        </message>
        <message>
            <source>Синхронизация</source>
            <translation>Sync</translation>
        </message>
        <message>
            <source>Последняя синхронизация: неизвестно</source>
            <translation>Last sync: unknown</translation>
        </message>
        <message>
            <source>Время Алматы</source>
            <translation>Almaty time</translation>
        </message>
        <message>
            <source>Синхронизации ещё не было</source>
            <translation>No sync yet</translation>
        </message>
        <message>
            <source>Синхронизация от {when} прервана: программа была остановлена. Следующая продолжит с того, что успела сохранить.</source>
            <translation>The sync of {when} was interrupted: the program was stopped. The next one carries on from what it saved.</translation>
        </message>
        <message>
            <source>Синхронизация от {when} не завершена</source>
            <translation>The sync of {when} did not finish</translation>
        </message>
        <message>
            <source>Синхронизация: {when} (остановлена)</source>
            <translation>Sync: {when} (stopped)</translation>
        </message>
        <message>
            <source>Синхронизация: {when} (с ошибкой)</source>
            <translation>Sync: {when} (with errors)</translation>
        </message>
        <message>
            <source>Синхронизация: {when}</source>
            <translation>Sync: {when}</translation>
        </message>
        <message>
            <source>Синхронизация остановлена</source>
            <translation>Sync stopped</translation>
        </message>
        <message>
            <source>Синхронизация завершена</source>
            <translation>Sync finished</translation>
        </message>
        <message>
            <source>{head}: прочитано {read}, изменилось {changed}, нет в банке {not_found}, ошибок {errors}</source>
            <translation>{head}: {read} read, {changed} changed, {not_found} not at the bank, {errors} errors</translation>
        </message>
        <message>
            <source>; остальное прочитает следующая синхронизация</source>
            <translation>; the next sync reads the rest</translation>
        </message>
        <message>
            <source>; без изменений и не читались заново: {unchanged}</source>
            <translation>; unchanged and not read again: {unchanged}</translation>
        </message>
    </context>
    <context>
        <name>TableMenus</name>
        <message>
            <source>Копировать строки</source>
            <extracomment>The menu last shown (tests trigger its actions instead of clicking a popup).</extracomment>
            <translation>Copy rows</translation>
        </message>
        <message>
            <source>Показать подробности</source>
            <translation>Show the details</translation>
        </message>
        <message>
            <source>Открыть в платежах</source>
            <translation>Open in Payments</translation>
        </message>
        <message>
            <source>Копировать номера заказов</source>
            <translation>Copy the order numbers</translation>
        </message>
    </context>
    <context>
        <name>WindowMenus</name>
        <message>
            <source>&amp;Файл</source>
            <extracomment>The window over its open data (attached).</extracomment>
            <translation>&amp;File</translation>
        </message>
        <message>
            <source>&amp;Импорт заказов…</source>
            <translation>&amp;Import orders…</translation>
        </message>
        <message>
            <source>&amp;Экспорт…</source>
            <translation>&amp;Export…</translation>
        </message>
        <message>
            <source>&amp;Настройки…</source>
            <translation>&amp;Settings…</translation>
        </message>
        <message>
            <source>Сменить &amp;оператора…</source>
            <translation>Switch &amp;operator…</translation>
        </message>
        <message>
            <source>В&amp;ыход</source>
            <translation>E&amp;xit</translation>
        </message>
        <message>
            <source>&amp;Правка</source>
            <translation>&amp;Edit</translation>
        </message>
        <message>
            <source>&amp;Найти платёж</source>
            <translation>&amp;Find a payment</translation>
        </message>
        <message>
            <source>&amp;Справка</source>
            <translation>&amp;Help</translation>
        </message>
        <message>
            <source>&amp;Сохранить отчёт для поддержки…</source>
            <translation>&amp;Save a report for support…</translation>
        </message>
        <message>
            <source>&amp;О программе</source>
            <translation>&amp;About</translation>
        </message>
        <message>
            <source>Пароль базы данных</source>
            <translation>Database password</translation>
        </message>
        <message>
            <source>Выгружать в Excel можно со вкладки, которая это умеет, например со сверки.</source>
            <translation>Export to Excel from a tab that can do it, such as Reconciliation.</translation>
        </message>
    </context>
    <context>
        <name>WindowSignIn</name>
        <message>
            <source>В общей базе оператор — логин базы: чтобы работать другим оператором, подключитесь под его логином (Файл → Настройки → База данных).</source>
            <extracomment>Another operator is working now (their name): the window shows it and reads again.</extracomment>
            <translation>On a team database the operator is the database login: to work as another operator, connect with their login (File → Settings → Database).</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Cancel</translation>
        </message>
        <message>
            <source>Работает оператор {name}.</source>
            <translation>Operator {name} is working now.</translation>
        </message>
    </context>
    <context>
        <name>WindowWiring</name>
        <message>
            <source>Сводка</source>
            <translation>Dashboard</translation>
        </message>
        <message>
            <source>Платежи</source>
            <translation>Payments</translation>
        </message>
        <message>
            <source>Блокировки</source>
            <translation>Holds</translation>
        </message>
        <message>
            <source>Сверка</source>
            <translation>Reconciliation</translation>
        </message>
        <message>
            <source>Операции</source>
            <translation>Operations</translation>
        </message>
        <message>
            <source>Аудит</source>
            <translation>Audit</translation>
        </message>
    </context>
</TS>
