<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="ru">
    <context>
        <name>AboutDialog</name>
        <message>
            <source>О программе</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&lt;h2&gt;Halyk Desk {version}&lt;/h2&gt;</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Бэк-офис магазина для платежей через Halyk ePay: сверка, блокировки, возвраты.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Версия</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Папка данных</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Настройки</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журналы</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Язык</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Система</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открыть папку данных</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копировать сведения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Закрыть</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>App</name>
        <message>
            <source>Halyk Desk не запустился</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось открыть данные Halyk Desk:
{error}

Проверьте адрес базы данных (параметр --db или переменная HALYK_DESK_DB) и файл настроек в папке программы (параметр --home или переменная HALYK_DESK_HOME). Если база на сервере PostgreSQL, проверьте, что сервер доступен. Затем запустите программу снова.</source>
            <extracomment>The sandbox badge: black on orange, a contrast of about 9:1. How long (ms) the window waits for background work to stop when it closes. What `attach` imports, loaded on the worker that opens the data so that the GUI thread does not wait for them.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Если базу выбрали в настройках (Файл → Настройки → База данных), а она больше не нужна, удалите строку database_url из файла {path}: программа откроет свою базу на этом компьютере.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>AuditView</name>
        <message>
            <source>№</source>
            <extracomment>How many entries the tab shows at most (newest first); filters narrow it down.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Время</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Действие</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ / предмет</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подробности</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Номер заказа</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все даты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Обновить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прочитать журнал заново</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверить целостность</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Действие:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ошибка чтения: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Записей: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверяю цепочку записей…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверка не удалась: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал цел: {n} записей, цепочка хешей сходится.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>изменена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>удалена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>переставлена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал повреждён: запись №{seq} {kind}. {message}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>DailyChart</name>
        <message>
            <source>Списано и возвращено по дням</source>
            <extracomment>A day's bars were clicked.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платежи ещё не прочитаны из банка: нажмите F5 (Синхронизировать).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>За этот период денег не списывали и не возвращали.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвраты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>по дням оформления платежа, время Алматы</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{day}: списано {captured}, возвраты {refunded}, платежей {count}. Щёлкните, чтобы открыть их список.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} млн {symbol}</source>
            <extracomment>Dark enough for a 4.5:1 contrast on white, apart enough to tell without colour vision. Pixels around the plot, besides the axis labels.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} тыс. {symbol}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} {symbol}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>DashboardView</name>
        <message>
            <source>7 дней</source>
            <extracomment>Periods of the dashboard: (key, number of days or a month). Open the Payments tab with this filter. Open the Holds tab with the holds of this bucket (a HoldBucket) selected. Open the journal of operations at the unresolved ones. The figures were read (again); for tests.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>30 дней</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>90 дней</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Этот месяц</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прошлый месяц</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Обновить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвраты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итого за вычетом возвратов</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплаченных платежей</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки по возрасту:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операции в процессе</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открытые расхождения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать сводку: {error}. Нажмите «Обновить»; если не поможет, проверьте доступ к базе данных.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>обновлено {when} · рабочий день по {zone}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сегодня, {day}:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>За период {start} – {end}:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не сверяли</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сверки ещё не было</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>истекли</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&lt; {to} д</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{start}–{end} д</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ждут одобрения: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправляются: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>результат неизвестен: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открыть реестр операций</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>DatabasePage</name>
        <message>
            <source>данные программы на месте, схема текущая.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>схема старая: при запуске программа её обновит (файл SQLite перед этим копируется).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>её записала более новая версия Halyk Desk: установите её, иначе база не откроется.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>база пуста: при запуске программа создаст в ней таблицы.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файла ещё нет: программа создаст его при запуске.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подключение работает{server}: {schema}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных</source>
            <extracomment>A check finished (True when the database can be used); for tests.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл SQLite на этом компьютере</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сервер PostgreSQL — общая база для команды</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выбрать…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оставьте пустым, чтобы не менять</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Адрес:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль хранится в системном хранилище паролей, а не в файле настроек. Сейчас открыта база: {address}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Другая база начнёт работать при следующем запуске программы. Перед переходом на общую базу сделайте резервную копию (см. руководство администратора).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл базы данных</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База SQLite (*.sqlite3 *.db);;Все файлы (*)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите путь к файлу базы, например {path}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите адрес сервера PostgreSQL в виде postgresql://пользователь@сервер:5432/база, например postgresql://halyk@192.168.1.10:5432/halyk.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подключаюсь…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось подключиться. Проверьте адрес, что сервер запущен и доступен по сети, имя пользователя и пароль, затем нажмите «Проверить» ещё раз.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Duration</name>
        <message>
            <source>{days} д {hours} ч</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{hours} ч {minutes} мин</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{minutes} мин</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>HoldsModel</name>
        <message>
            <source>истекла</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Номер заказа</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платёж создан</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возраст</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Осталось</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Истекает</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка истекла: подтвердить её уже нельзя.</source>
            <extracomment>Per column, each hold's sort value (None for a blank). Sum held, per currency. Not expired but past the warning age or expiring today; expired. Rows of self._list.holds in the order shown.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Скоро истечёт: подтвердите или отмените блокировку.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>HoldsTimePage</name>
        <message>
            <source>Блокировки и время</source>
            <extracomment>The page's name in the dialog's list, set by each page.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Предупреждать о блокировке через:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка истекает через:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк снимает блокировку сам, если её не подтвердить вовремя: на вкладке «Блокировки» такие платежи подсвечиваются заранее.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Часовой пояс рабочего дня:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Рабочий день — с полуночи до полуночи в этом поясе; по нему считаются периоды, сверка и сводка. Обычно Asia/Almaty.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одновременных запросов при синхронизации:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source> дн.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Предупреждение должно наступать раньше, чем блокировка истекает: введите меньше {expire} дн.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Часовой пояс «{zone}» неизвестен: выберите его из списка, например Asia/Almaty.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>HoldsView</name>
        <message>
            <source>истекает сегодня или пора подтвердить</source>
            <extracomment>The holds are in (count); for the tab title and tests. Other holds are chosen.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>истекла — подтвердить уже нельзя</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать блокировки: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировок, ожидающих подтверждения, нет.</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n блокировок</source>
            <translation>
                <numerusform>%n блокировка</numerusform>
                <numerusform>%n блокировки</numerusform>
                <numerusform>%n блокировок</numerusform>
            </translation>
        </message>
        <message>
            <source>на сумму {amount}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пора подтвердить: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>истекли: {n}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>LanguagePage</name>
        <message>
            <source>Язык</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Как в системе (сейчас: {language})</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Язык сменится при следующем запуске программы. Суммы, числа и даты пишутся так, как принято в выбранном языке.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>MainWindow</name>
        <message>
            <source>Halyk Desk</source>
            <extracomment>The data are open and every tab is built. The data could not be opened (the exception); the user has been told, the window closes. Something changed in the store (a services.changes.Changes): each view decides whether to read again. Whatever writes data in the window emits it. Why the data could not be opened, when they could not. The settings file, when its database_url chose the database (named in start errors). The tabs and what works with them, once the data are open (attach).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открываю данные…</source>
            <extracomment>Menus and shortcuts; what needs the data waits for `ready` (issue 6). Who is working: the sign-in dialog, switching operator, the idle lock (issue 9).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизировать</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Halyk Desk не запустился</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Halyk Desk — {profile}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source> [ПЕСОЧНИЦА]</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ПЕСОЧНИЦА / SANDBOX</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Учебный банк на этом компьютере: деньги не движутся, данные демонстрационные.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль: {name}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор: {name}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Готовлю демонстрационные данные песочницы…</source>
            <extracomment>What the window-wide parts (menus, sign-in, import, support report) use of it.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось подготовить демо-данные: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Песочница</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Демо-данные песочницы загружены.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>MarkDialog</name>
        <message>
            <source>Отметить расхождение решённым</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Как решено: например, «магазин исправил сумму заказа» или «банк подтвердил возврат»</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отметить решённым</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отмена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Примечание (обязательно):</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Messages</name>
        <message>
            <source>снятие блокировки</source>
            <comment>action.cancel</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>подтверждение списания</source>
            <comment>action.confirm</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>возврат</source>
            <comment>action.refund</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Внутренняя ошибка программы ({kind}), действие не выполнено. Подробности сохранены в журнале.</source>
            <comment>app.unexpected_error</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неоднозначный параметр: %(option)s может означать %(matches)s</source>
            <comment>argparse.ambiguous</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>аргумент %(argument_name)s: %(message)s</source>
            <comment>argparse.argument</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не удалось открыть '%(filename)s': %(error)s</source>
            <comment>argparse.cannot_open</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>%(prog)s: ошибка: %(message)s
</source>
            <comment>argparse.error</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нужно хотя бы одно значение</source>
            <comment>argparse.expected_at_least_one</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нужно не больше одного значения</source>
            <comment>argparse.expected_at_most_one</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>нужно %n значение</source>
            <comment>argparse.expected_n</comment>
            <translation>
                <numerusform>нужно %n значение</numerusform>
                <numerusform>нужно %n значения</numerusform>
                <numerusform>нужно %n значений</numerusform>
            </translation>
        </message>
        <message>
            <source>нужно одно значение</source>
            <comment>argparse.expected_one</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>показать эту справку и выйти</source>
            <comment>argparse.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>значение %r здесь не принимается</source>
            <comment>argparse.ignored_value</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>недопустимое значение: %(value)r (выберите из %(choices)s)</source>
            <comment>argparse.invalid_choice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>недопустимое значение %(type)s: %(value)r</source>
            <comment>argparse.invalid_value</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нельзя указывать вместе с аргументом %s</source>
            <comment>argparse.not_allowed_with</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нужен один из аргументов %s</source>
            <comment>argparse.one_required</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>параметры</source>
            <comment>argparse.options</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>позиционные аргументы</source>
            <comment>argparse.positionals</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не указаны обязательные аргументы: %s</source>
            <comment>argparse.required</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>команды</source>
            <comment>argparse.subcommands</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неожиданный параметр: %s</source>
            <comment>argparse.unexpected_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неизвестная команда %(parser_name)r (есть: %(choices)s)</source>
            <comment>argparse.unknown_command</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>непонятные аргументы: %s</source>
            <comment>argparse.unrecognized</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>использование: </source>
            <comment>argparse.usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>показать версию программы и выйти</source>
            <comment>argparse.version</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не отметка журнала: напишите её так, как печатает `audit head`: номер записи, двоеточие и хеш из 64 знаков.</source>
            <comment>audit.bad_head</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запись №{seq} ({action}, {subject}) изменена: её содержимое больше не совпадает с её хешем.</source>
            <comment>audit.entry_altered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запись №{seq} не на своём месте: её записали после записи №{holder}, которая теперь стоит в журнале позже.</source>
            <comment>audit.entry_out_of_order</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запись №{seq} не на своём месте: запись №{next} была записана сразу после №{holder}, а не после №{seq}.</source>
            <comment>audit.entry_out_of_place</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запись №{seq} изменена, а её хеш пересчитан: запись №{next} была сцеплена с другой записью перед ней (или запись между ними удалена).</source>
            <comment>audit.entry_rehashed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запись №{seq} удалена: запись №{next} была сцеплена с записью, которой в журнале больше нет.</source>
            <comment>audit.entry_removed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Записи №{seq} из отметки {head} больше нет: журнал теперь кончается на {newest}, значит записи удалены.</source>
            <comment>audit.head_gone</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запись №{seq} совпадает с отметкой: история до неё цела и на месте.</source>
            <comment>audit.head_matches</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>У записи №{seq} уже не тот хеш, что в отметке {head}: история до неё переписана (и хеши пересчитаны).</source>
            <comment>audit.head_rewritten</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал аудита цел: записей — {count}.</source>
            <comment>audit.intact</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал аудита цел: записей — {count}, последняя №{seq} от {at}.</source>
            <comment>audit.intact_newest</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сумма</source>
            <comment>audit.key.amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>категория</source>
            <comment>audit.key.category</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>валюта</source>
            <comment>audit.key.currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>было</source>
            <comment>audit.key.from</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ключ</source>
            <comment>audit.key.key</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>итог</source>
            <comment>audit.key.message</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>стало</source>
            <comment>audit.key.new</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>примечание</source>
            <comment>audit.key.note</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>было</source>
            <comment>audit.key.old</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прежнее примечание</source>
            <comment>audit.key.old_note</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прежняя роль</source>
            <comment>audit.key.old_role</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>операция №</source>
            <comment>audit.key.operation_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>причина</source>
            <comment>audit.key.reason</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>запросил</source>
            <comment>audit.key.requested_by</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>роль</source>
            <comment>audit.key.role</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>был активен</source>
            <comment>audit.key.was_active</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>почему</source>
            <comment>audit.key.why</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>первый оператор этой базы</source>
            <comment>audit.value.first_operator</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет</source>
            <comment>audit.value.no</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>да</source>
            <comment>audit.value.yes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён клиентский секрет, выданный для его адреса токенов и client id: укажите его командой `halyk-desk profile edit {profile} --secret-stdin` (или в окне: Файл → Настройки → Профили).</source>
            <comment>bank.no_bound_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён пароль кабинета (пользователь {user}): добавьте его командой `halyk-desk profile edit {profile} --cabinet-password-stdin`.</source>
            <comment>bank.no_cabinet_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В профиле «{profile}» не хватает адресов или идентификаторов банка: укажите их командой `halyk-desk profile add {profile} --oauth-url URL --api-url URL --client-id ID --terminal UUID --secret-stdin`.</source>
            <comment>bank.profile_incomplete</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>--listen «{listen}»: напишите АДРЕС:ПОРТ, например 127.0.0.1:8090.</source>
            <comment>callbacks.bad_listen</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ничего не загружено: {problems}. Каждая строка — одно уведомление в JSON (или объект с полями body и query).</source>
            <comment>callbacks.bad_log</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>у банка нет платежа</source>
            <comment>callbacks.bank_has_none</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк: {status}</source>
            <comment>callbacks.bank_says</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось слушать {listen}: {error}</source>
            <comment>callbacks.cannot_listen</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Уведомления банка (postLink). Каждое хранится как пришло, один раз; уведомление лишь заставляет программу прочитать статус платежа у банка и никогда само не меняет деньги. Уведомления с неверным секретом хранятся как непроверенные.</source>
            <comment>callbacks.cli_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>уведомления банка: приём, загрузка, список</source>
            <comment>callbacks.cli_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{trust}; {bank}</source>
            <comment>callbacks.describe</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прочитать журнал уведомлений в формате JSON Lines (по уведомлению в строке, или объект с полями body и query), например от веб-сервера магазина или 1С-Битрикс, и принять каждое так же, как приёмник. Всё или ничего: одна плохая строка — ничего не загружено.</source>
            <comment>callbacks.import_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>коды выхода:
  0 загружено
  2 файл не читается или неверен, ничего не загружено
  1 другая ошибка</source>
            <comment>callbacks.import_exit_codes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>загрузить уведомления из журнала JSON Lines</source>
            <comment>callbacks.import_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прочитано уведомлений: {lines}; новых {stored}, уже известных {repeats}, непроверенных {unverified}; проверено у банка {checked}, не удалось проверить {failed}.</source>
            <comment>callbacks.imported</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>строка {line}: не JSON</source>
            <comment>callbacks.line_not_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>строка {line}: не объект JSON</source>
            <comment>callbacks.line_not_object</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>строка {line}: длиннее {limit} байт</source>
            <comment>callbacks.line_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>полученные уведомления, новые сверху</source>
            <comment>callbacks.list_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет верного invoiceId</source>
            <comment>callbacks.no_invoice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>у этого заказа нет ссылки, созданной программой</source>
            <comment>callbacks.no_link</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет секрета</source>
            <comment>callbacks.no_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>статус у банка ещё не прочитан</source>
            <comment>callbacks.not_checked</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не JSON</source>
            <comment>callbacks.not_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Принимать уведомления банка: POST на любой путь, GET /health для мониторинга. Запускайте за веб-сервером магазина (docs/admin-guide.md); адрес уведомлений профиля должен вести сюда.</source>
            <comment>callbacks.serve_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>коды выхода:
  0 остановлен
  2 неверный --listen
  1 не удалось слушать адрес</source>
            <comment>callbacks.serve_exit_codes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>принимать уведомления по HTTP (за nginx или Caddy)</source>
            <comment>callbacks.serve_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Приём уведомлений профиля «{profile}» на http://{listen} (GET /health); Ctrl-C — остановить.</source>
            <comment>callbacks.serving</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удаётся прочитать {path}: {error}. Нужен файл JSON Lines в UTF-8.</source>
            <comment>callbacks.unreadable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>НЕ ПРОВЕРЕНО ({problem})</source>
            <comment>callbacks.unverified</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверено</source>
            <comment>callbacks.verified</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неверный секрет</source>
            <comment>callbacks.wrong_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождение суммы</source>
            <comment>category.amount_mismatch</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождение валюты</source>
            <comment>category.currency_mismatch</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Несколько платежей по заказу</source>
            <comment>category.duplicate_payments</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Комиссия банка</source>
            <comment>category.fee</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки, ожидают подтверждения</source>
            <comment>category.holds_awaiting</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки, срок истёк</source>
            <comment>category.holds_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки, скоро истекают</source>
            <comment>category.holds_expiring</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Совпадает</source>
            <comment>category.matched</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нет оплаты в банке</source>
            <comment>category.missing_at_bank</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Частичный возврат</source>
            <comment>category.partially_refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат</source>
            <comment>category.refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождение статуса</source>
            <comment>category.status_mismatch</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платёж неизвестен магазину</source>
            <comment>category.unknown_to_shop</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Незавершённые операции</source>
            <comment>category.unresolved_operations</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action} {amount}, заказ {invoice}, запросил {operator} {at} (Алматы), причина: {reason}</source>
            <comment>cli.approval</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action} {amount}, заказ {invoice}, запросил {operator} {at} (Алматы), причина: {reason}, примечание: {note}</source>
            <comment>cli.approval_noted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>возвраты, ждущие второго менеджера</source>
            <comment>cli.approvals.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобряет запрос на возврат ID, сделанный другим менеджером; возврат проверяется ещё раз и отправляется.</source>
            <comment>cli.approve.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>одобрить ждущий возврат (запрошенный другим менеджером); после этого он отправляется</source>
            <comment>cli.approve.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{question} [y/N] </source>
            <comment>cli.ask</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ещё раз: </source>
            <comment>cli.ask_again</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобрить и отправить: {action} {amount} по заказу {invoice}, запросил {operator}?</source>
            <comment>cli.ask_approve</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Снять блокировку {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_cancel</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_confirm</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить всю блокировку по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_confirm_all</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Новый пароль (не отображается): </source>
            <comment>cli.ask_new_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вернуть {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_refund</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вернуть всё, что осталось, по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_refund_all</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>журнал аудита: проверить, показать</source>
            <comment>cli.audit.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал аудита пуст.</source>
            <comment>cli.audit_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>напечатать номер и хеш последней записи (N:HASH): сохраните их в другом месте, чтобы потом проверить журнал</source>
            <comment>cli.audit_head.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>например refund, refund.done, operator</source>
            <comment>cli.audit_list.action</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>первый день (по времени Алматы)</source>
            <comment>cli.audit_list.from</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>показать записи, сначала новые</source>
            <comment>cli.audit_list.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>последний день, включительно</source>
            <comment>cli.audit_list.to</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверить цепочку хешей; называет первую изменённую, удалённую или переставленную запись и выходит с кодом 1</source>
            <comment>cli.audit_verify.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>снять блокировку целиком</source>
            <comment>cli.cancel.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>подтвердить (списать) блокировку, всю или --amount</source>
            <comment>cli.confirm.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>день: 2026-11-01 или 01.11.2026</source>
            <comment>cli.date_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес базы данных (по умолчанию — SQLite в папке данных; также HALYK_DESK_DB), например postgresql+psycopg://user@host/halyk</source>
            <comment>cli.db_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Halyk Desk — бэк-офис для Halyk ePay. Без команды открывает окно.</source>
            <comment>cli.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>коды выхода:</source>
            <comment>cli.exit_codes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>хранить настройки, базу данных и журналы в папке DIR (по умолчанию — в папках, принятых в системе; также HALYK_DESK_HOME)</source>
            <comment>cli.home_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>напечатать массив JSON</source>
            <comment>cli.json_array</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>напечатать один объект JSON для скриптов</source>
            <comment>cli.json_object</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>напечатать итог в JSON</source>
            <comment>cli.json_result</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>язык сообщений (по умолчанию — из настроек программы, иначе язык системы)</source>
            <comment>cli.lang_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сумма в валюте платежа, например 1200,50 (по умолчанию — наибольшая допустимая)</source>
            <comment>cli.money.amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выполнено (подтверждено статусом в банке)</source>
            <comment>cli.money.exit_done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>другая ошибка</source>
            <comment>cli.money.exit_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не разрешено (ничего не отправлено)</source>
            <comment>cli.money.exit_not_allowed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <comment>cli.money.exit_pending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк отказал</source>
            <comment>cli.money.exit_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>итог неизвестен (выяснится позже)</source>
            <comment>cli.money.exit_unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>cli.money.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>invoiceId заказа</source>
            <comment>cli.money.invoice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>причина из списка в настройках или своими словами</source>
            <comment>cli.money.reason</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{question} — без терминала не спрашиваю: добавьте --yes.</source>
            <comment>cli.needs_yes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>новый пароль</source>
            <comment>cli.new_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать {what} со стандартного ввода (у терминала спросит дважды, не показывая); не короче 8 знаков</source>
            <comment>cli.new_password_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобрения не ждёт ни один возврат.</source>
            <comment>cli.no_approvals</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>На стандартном вводе нет пароля; ничего не изменено.</source>
            <comment>cli.no_password_on_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не дата: напишите 2026-11-01 или 01.11.2026.</source>
            <comment>cli.not_a_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{text} — не число</source>
            <comment>cli.not_a_number</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не разрешено: {why}</source>
            <comment>cli.not_allowed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не дата вида 2026-11-01.</source>
            <comment>cli.not_an_iso_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{text} — не целое число</source>
            <comment>cli.not_whole</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ничего не отправлено.</source>
            <comment>cli.nothing_sent</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выяснять нечего: итог каждой операции известен.</source>
            <comment>cli.nothing_to_resolve</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>операторы и их роли</source>
            <comment>cli.operator.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>добавить оператора или сменить его роль (только администратор)</source>
            <comment>cli.operator_add.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>лишить оператора прав (только администратор)</source>
            <comment>cli.operator_disable.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор {name} отключён.</source>
            <comment>cli.operator_disabled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список операторов</source>
            <comment>cli.operator_list.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>действовать как оператор NAME, подтвердив его паролем (по умолчанию — пользователь системы; на PostgreSQL не принимается: там оператор — логин базы)</source>
            <comment>cli.operator_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор {name} — {role}.</source>
            <comment>cli.operator_role</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказы магазина в том виде, в каком их выгружает его собственная система.</source>
            <comment>cli.orders.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказы магазина: загрузить их выгрузку</source>
            <comment>cli.orders.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Загружает заказы магазина из файла CSV (разделитель — запятая, точка с запятой или табуляция; UTF-8 или cp1251) или книги XLSX, например списка заказов 1С-Битрикс. Колонки находятся по русским или английским названиям (ID / Номер заказа / invoiceId, Сумма / Amount, Валюта / Currency, Дата создания / Created, Покупатель / Customer, Оплачен / Paid, Статус / Status); --mapping называет любые другие. Одна неверная строка — и не загружается ничего: каждая ошибка названа с номером строки. Повторная загрузка тех же строк ничего не меняет; строка, противоречащая уже загруженному заказу (другая сумма, валюта или дата), отклоняет весь файл.</source>
            <comment>cli.orders_import.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл {file} загружен в профиль «{profile}»: добавлено {added}, без изменений {unchanged}.</source>
            <comment>cli.orders_import.done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл {file} загружен в профиль «{profile}»: добавлено {added}, без изменений {unchanged}, обновлено {updated}.</source>
            <comment>cli.orders_import.done_updated</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>загружено (или нового нет)</source>
            <comment>cli.orders_import.exit_ok</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл отклонён: ничего не загружено (ошибки перечислены), или данные не удалось открыть</source>
            <comment>cli.orders_import.exit_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде: неверные аргументы, недопустимый --mapping, неизвестный профиль</source>
            <comment>cli.orders_import.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл заказов (.csv или .xlsx)</source>
            <comment>cli.orders_import.file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>загрузить файл заказов (CSV или XLSX): все строки или ни одной</source>
            <comment>cli.orders_import.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Или сопоставьте колонку сами, например --mapping '{mapping}'.</source>
            <comment>cli.orders_import.map_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Или укажите колонку сами: --mapping '{mapping}'.</source>
            <comment>cli.orders_import.map_other</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какая колонка содержит какое поле, в JSON: {{"invoice_id": "Номер", "amount": "Итого"}}; или @PATH, чтобы прочитать этот JSON из файла. Поля: invoice_id, amount, currency, created_at, customer, shop_paid, shop_status</source>
            <comment>cli.orders_import.mapping</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать файл сопоставления «{path}»: {why}.</source>
            <comment>cli.orders_import.mapping_unreadable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>предупреждение: {warning}</source>
            <comment>cli.orders_import.warning</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice}.</source>
            <comment>cli.outcome</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice} (операция №{id}).</source>
            <comment>cli.outcome_numbered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Задаёт пароль, которым оператор NAME подтверждает, что это он (--operator NAME). Если дан и общий --password-stdin, первая строка стандартного ввода — пароль действующего оператора, вторая — новый.</source>
            <comment>cli.passwd.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>задать пароль оператора (администратор — любому, каждый — себе)</source>
            <comment>cli.passwd.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пароль оператора</source>
            <comment>cli.password_of_operator</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль оператора {name} задан.</source>
            <comment>cli.password_set</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать пароль --operator из первой строки стандартного ввода (по умолчанию его спросят у терминала)</source>
            <comment>cli.password_stdin_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароли не совпали; ничего не изменено.</source>
            <comment>cli.passwords_differ</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>профиль банка (по умолчанию — последний использованный)</source>
            <comment>cli.profile_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>--from {date_from} позже, чем --to {date_to}: между ними нет ни одного дня.</source>
            <comment>cli.range_backwards</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>решено: {count}</source>
            <comment>cli.reconcile.category_resolved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверяет заказы магазина с платежами банка за рабочие дни --from..--to (оба включительно; по настройке business_tz, по умолчанию Asia/Almaty): совпавшие, расхождения суммы и статуса, платежи, которых нет в банке или которых не знает магазин, повторные оплаты, блокировки, возвраты, операции с неизвестным итогом. Читает базу (сначала выполните `halyk-desk sync`) и реестр операций банка, если профилю он доступен. Каждая сверка записывается; --xlsx пишет книгу Excel (через временный файл). --json печатает {{"from", "to", "time_zone", "match_rate", "categories": {{KEY: {{"count", "sum"}}}}, ...}} со всеми ключами категорий, итогами сверки и "discrepancies" (у каждого расхождения — "key", который принимает `reconcile mark`).</source>
            <comment>cli.reconcile.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сверено: есть открытые расхождения (книга записана, если её просили)</source>
            <comment>cli.reconcile.exit_discrepancies</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сбой (база данных, настройки); ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прервано (Ctrl-C); ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_interrupted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оператору не разрешено сверять или выгружать (роль)</source>
            <comment>cli.reconcile.exit_not_allowed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сверено: открытых расхождений нет (книга записана, если её просили)</source>
            <comment>cli.reconcile.exit_ok</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде или данных: нет даты или она неверна, --from позже --to, в периоде нечего сверять, неизвестный профиль, книгу нельзя записать по этому пути; ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>первый день, {day}</source>
            <comment>cli.reconcile.from</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка {date_from}–{date_to} ({time_zone}), профиль {profile}, запуск {run}</source>
            <comment>cli.reconcile.header</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сверить заказы магазина с банком за рабочие дни</source>
            <comment>cli.reconcile.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{key} отмечено решённым во всех категориях; следующие сверки покажут его решённым.</source>
            <comment>cli.reconcile.marked</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{key} отмечено решённым в категории {category}; следующие сверки покажут его решённым.</source>
            <comment>cli.reconcile.marked_in</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>совпадение {rate} %</source>
            <comment>cli.reconcile.match_rate</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сопоставляю</source>
            <comment>cli.reconcile.matching</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>… и ещё {more} (все — в --json или --xlsx)</source>
            <comment>cli.reconcile.more</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не запрашивать у банка реестр операций (только база)</source>
            <comment>cli.reconcile.no_operations_list</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открытые расхождения: {open} (отмечены решёнными: {resolved})</source>
            <comment>cli.reconcile.open</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>читаю базу</source>
            <comment>cli.reconcile.reading</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>читаю реестр операций банка</source>
            <comment>cli.reconcile.reading_list</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>записываю сверку</source>
            <comment>cli.reconcile.saving</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>последний день, включительно (по умолчанию — день --from)</source>
            <comment>cli.reconcile.to</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказов {orders} (ждут оплаты: {expecting}), заказано на {ordered}; списано {captured}, возвращено {refunded}, итого {net}</source>
            <comment>cli.reconcile.totals</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга Excel: {path}</source>
            <comment>cli.reconcile.workbook</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>записываю книгу Excel</source>
            <comment>cli.reconcile.writing_workbook</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ещё и записать книгу Excel в PATH (.xlsx)</source>
            <comment>cli.reconcile.xlsx</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>--from {date_from} позже, чем --to {date_to}: сначала укажите более раннюю дату.</source>
            <comment>cli.reconcile_backwards</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка прервана: ничего не записано, книга не создана.</source>
            <comment>cli.reconcile_interrupted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>только в этой категории (по умолчанию — во всех, где есть этот ключ)</source>
            <comment>cli.reconcile_mark.category</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отмечает расхождение решённым, с примечанием (пишется в журнал аудита); следующие сверки покажут его решённым. KEY — ключ расхождения из `reconcile --json` или с листа Расхождения книги (invoice:000123, transaction:&lt;номер в банке&gt;, operation:&lt;номер&gt;).</source>
            <comment>cli.reconcile_mark.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сбой</source>
            <comment>cli.reconcile_mark.exit_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оператору не разрешено сверять (роль)</source>
            <comment>cli.reconcile_mark.exit_not_allowed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отмечено</source>
            <comment>cli.reconcile_mark.exit_ok</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неверный ключ, примечание или категория</source>
            <comment>cli.reconcile_mark.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отметить расхождение решённым, с примечанием</source>
            <comment>cli.reconcile_mark.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>как расхождение решено</source>
            <comment>cli.reconcile_mark.note</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для сверки нужен --from ДАТА (и --to ДАТА, если дней больше одного).</source>
            <comment>cli.reconcile_needs_from</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Внимание: %n заказов периода ещё не прочитаны из банка и считаются неоплаченными в банке; сначала выполните `halyk-desk sync --from {date_from} --to {date_to}`.</source>
            <comment>cli.reconcile_unread</comment>
            <translation>
                <numerusform>Внимание: %n заказ периода ещё не прочитан из банка и считается неоплаченным в банке; сначала выполните `halyk-desk sync --from {date_from} --to {date_to}`.</numerusform>
                <numerusform>Внимание: %n заказа периода ещё не прочитаны из банка и считаются неоплаченными в банке; сначала выполните `halyk-desk sync --from {date_from} --to {date_to}`.</numerusform>
                <numerusform>Внимание: %n заказов периода ещё не прочитаны из банка и считаются неоплаченными в банке; сначала выполните `halyk-desk sync --from {date_from} --to {date_to}`.</numerusform>
            </translation>
        </message>
        <message>
            <source>вернуть списанный платёж, весь остаток или --amount</source>
            <comment>cli.refund.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>примечание, которое сохранится вместе с возвратом</source>
            <comment>cli.refund.note</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заметка: реестр операций банка не прочитан: {note}</source>
            <comment>cli.registry_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заметка: реестр операций банка этому профилю недоступен, поэтому платежи, неизвестные магазину, и повторные оплаты не найти: {note}</source>
            <comment>cli.registry_not_available</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отклонить ждущий возврат; ничего не отправляется</source>
            <comment>cli.reject.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отклонено №{id}: {action} {amount} по заказу {invoice} не будет отправлен.</source>
            <comment>cli.rejected</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Читает статус в банке каждого платежа, у которого есть операция с неизвестным итогом (или только платежа INVOICE), и записывает итог: выполнено или не выполнено. Код выхода 0, если неизвестных итогов не осталось, 5 — если остались.</source>
            <comment>cli.resolve.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выяснить по статусу в банке итог операций, итог которых неизвестен</source>
            <comment>cli.resolve.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>напечатать итоги списком JSON</source>
            <comment>cli.resolve.json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>читать заново и платежи в окончательном состоянии</source>
            <comment>cli.sync.all</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сколько статусов читать одновременно, от 1 до {most} (по умолчанию — настройка sync_concurrency, 8)</source>
            <comment>cli.sync.concurrency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>укажите от 1 до {most}, а не {value}</source>
            <comment>cli.sync.concurrency_range</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Читает статус в банке каждого заказа периода, которому это нужно. Платежи в окончательном состоянии (возвращён, блокировка снята, неуспешен) заново не читаются, если не дан --all. Ход работы — в стандартный поток ошибок (полоса у терминала, иначе строка раз в несколько секунд); итог — в стандартный вывод. Ctrl-C останавливает аккуратно: начатые чтения завершаются, всё прочитанное сохраняется, следующая синхронизация продолжит (Ctrl-C дважды — выйти сразу; записанное остаётся записанным).</source>
            <comment>cli.sync.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>часть статусов прочитать не удалось (итог считает их по видам; следующая синхронизация попробует снова), или синхронизация не смогла начаться (банк, профиль, база данных)</source>
            <comment>cli.sync.exit_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>остановлено Ctrl-C (или SIGTERM) до конца; итог говорит, что прочитано</source>
            <comment>cli.sync.exit_interrupted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитаны все статусы</source>
            <comment>cli.sync.exit_ok</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>cli.sync.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>первый день заказов для чтения, {day} (по умолчанию — самый первый)</source>
            <comment>cli.sync.from</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать из банка статус платежа каждого заказа</source>
            <comment>cli.sync.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>последний день заказов для чтения, включительно (по умолчанию — самый последний)</source>
            <comment>cli.sync.to</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все заказы периода в окончательном состоянии (--all прочитает их заново).</source>
            <comment>cli.sync_all_final</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация не удалась: {error}</source>
            <comment>cli.sync_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация прервана: всё прочитанное сохранено, следующая синхронизация продолжит.</source>
            <comment>cli.sync_interrupted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В периоде нет заказов: загрузите их командой `halyk-desk orders import`.</source>
            <comment>cli.sync_no_orders</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отметка журнала, сохранённая в другом месте (`audit head`, книга сверки, `reconcile --json`): запись N должна быть на месте и с этим хешем — так видно и удалённые последние записи, и переписанную историю</source>
            <comment>cli.verify_head</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выполнить, не спрашивая</source>
            <comment>cli.yes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период кончается ({date_to}) раньше, чем начинается ({date_from}).</source>
            <comment>dashboard.period_reversed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период слишком длинный: {days} дн., а можно не больше {max}.</source>
            <comment>dashboard.period_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль базы данных (не отображается): </source>
            <comment>db.ask_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверено: {tool}</source>
            <comment>db.backup.checked</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Резервная копия базы. SQLite: согласованная копия, которую можно делать, пока программа работает, проверенная встроенной проверкой целостности SQLite. PostgreSQL: pg_dump в его собственном формате (нужны клиентские программы PostgreSQL; пароль передаётся через окружение, никогда в командной строке). Копия пишется под временным именем и получает своё имя, только когда она полна и проверена. Без PATH она попадает в папку backups в папке данных под именем halyk-desk-YYYYmmdd-HHMMSS.sqlite3 (.dump для PostgreSQL; время в UTC).</source>
            <comment>db.backup.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копия {source} записана в {target} ({size}; {checked}).</source>
            <comment>db.backup.done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>копия сделана и проверена</source>
            <comment>db.backup.exit_0</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>копия не сделана (почему — сказано в сообщении); ничего не оставлено</source>
            <comment>db.backup.exit_1</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверенная копия базы (можно делать, пока открыто окно)</source>
            <comment>db.backup.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>затем удалить в этой папке все копии с датой в имени, кроме N самых новых (только файлы с именами halyk-desk-YYYYmmdd-HHMMSS.*)</source>
            <comment>db.backup.keep</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл, который записать (если он есть, будет заменён), или папка, в которую записать файл с датой в имени</source>
            <comment>db.backup.path</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Удалена старая копия {path}</source>
            <comment>db.backup.pruned</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не проверено: pg_restore не установлен</source>
            <comment>db.backup.unchecked</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}»: укажите целое число копий, 1 или больше</source>
            <comment>db.bad_keep</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ВНИМАНИЕ: журнал аудита уже был нарушен в базе, из которой копировали, и скопирован как есть (доказательства сохранены). `halyk-desk audit verify` на любой из двух баз скажет то же самое.</source>
            <comment>db.copy.broken_audit</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копирование {source} в {target} ...</source>
            <comment>db.copy.copying</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Скопировать все таблицы используемой базы в другую, пустую базу, например из файла SQLite этого компьютера в общую базу PostgreSQL. Целевая база сначала получает схему этой программы; копирование — одна транзакция, которая фиксируется, только когда там проверены число строк и цепочка хешей журнала аудита, так что при любой ошибке в целевой базе не остаётся ни одной строки. Целевая база с данными (кроме встроенных профилей, которые создаёт первый запуск) не принимается. Сначала закройте Halyk Desk везде: пока используемая база читается, она закрыта для изменений. Используемая база не меняется.</source>
            <comment>db.copy.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В {target} скопировано строк: {rows}, таблиц: {tables}. Число строк совпадает. {audit}</source>
            <comment>db.copy.done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>скопировано и проверено</source>
            <comment>db.copy.exit_0</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ничего не скопировано (почему и что делать — сказано в сообщении)</source>
            <comment>db.copy.exit_1</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>скопировать всё в другую, пустую базу (например, PostgreSQL)</source>
            <comment>db.copy.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать пароль PostgreSQL целевой базы со стандартного ввода (у терминала спросит, не показывая), а не писать его в URL</source>
            <comment>db.copy.password_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>{table}: %n строк</source>
            <comment>db.copy.table_done</comment>
            <translation>
                <numerusform>{table}: %n строка</numerusform>
                <numerusform>{table}: %n строки</numerusform>
                <numerusform>{table}: %n строк</numerusform>
            </translation>
        </message>
        <message>
            <source>целевая база, например postgresql://halyk:PASSWORD@server/halyk или sqlite:///path/other.sqlite3</source>
            <comment>db.copy.to</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных, в которой работает Halyk Desk: что в ней, резервные копии и перенос всего в другую базу (сотрудники работают в одной общей базе PostgreSQL). Какая база: --db URL, иначе {variable}, иначе настройки, иначе файл SQLite в папке данных.</source>
            <comment>db.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оператор не администратор</source>
            <comment>db.exit_not_admin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>база отказала</source>
            <comment>db.exit_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>db.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль логина {name} (не отображается): </source>
            <comment>db.grant.ask</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создаёт логин PostgreSQL NAME (или меняет его роль) и регистрирует его оператором: дальше действует этот логин, и сама база разрешает ему ровно то, что можно роли ROLE, какой бы программой он ни подключился (см. руководство администратора). Нужен логин, которому можно создавать роли (владелец базы). Человек подключается с --db postgresql://NAME@сервер/база.</source>
            <comment>db.grant.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выдано</source>
            <comment>db.grant.exit_0</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде (не PostgreSQL, нет пароля для нового логина)</source>
            <comment>db.grant.exit_2</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пустить человека в общую базу PostgreSQL с ролью (администратор)</source>
            <comment>db.grant.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>имя логина, например anna</source>
            <comment>db.grant.name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать пароль логина со стандартного ввода (у терминала спросит дважды, не показывая); для нового логина обязателен</source>
            <comment>db.grant.password_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Логин {name} изменён: в этой базе он — {role}.</source>
            <comment>db.granted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Логин {name} создан: в этой базе он — {role}.</source>
            <comment>db.granted_new</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>база данных: сведения, резервная копия, перенос в другую (например, PostgreSQL), выбор, доступ людей</source>
            <comment>db.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных:</source>
            <comment>db.info.address</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Показать используемую базу: её адрес (без пароля), сервер, версию схемы рядом с версией этой программы, число строк каждой таблицы, размер файла SQLite и самые новые резервные копии.</source>
            <comment>db.info.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>показано</source>
            <comment>db.info.exit_0</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>базу не удалось открыть</source>
            <comment>db.info.exit_1</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Размер файла:</source>
            <comment>db.info.file_size</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес, схема, строки по таблицам, размер файла, последние резервные копии</source>
            <comment>db.info.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Последняя резервная копия:</source>
            <comment>db.info.last_backup</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Последняя копия перед обновлением:</source>
            <comment>db.info.last_upgrade_copy</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>версия {revision}, у этой программы {head} ({state})</source>
            <comment>db.info.revision</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Строки:</source>
            <comment>db.info.rows</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Схема:</source>
            <comment>db.info.schema</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>совпадает</source>
            <comment>db.info.schema_current</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отличается от версии этой программы</source>
            <comment>db.info.schema_differs</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сервер:</source>
            <comment>db.info.server</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>вывести объект JSON</source>
            <comment>db.json_option</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет</source>
            <comment>db.no_backup</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База отказала: {why}</source>
            <comment>db.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Восстановление из резервной копии SQLite: закройте Halyk Desk везде, где он работает с этим файлом, отложите текущий файл (переименуйте его вместе с файлами -wal и -shm, если они есть), скопируйте резервную копию на место базы под её именем (место показывает `halyk-desk db info`) и запустите программу. Выгрузку PostgreSQL восстанавливает администратор базы с помощью pg_restore в новую, пустую базу.</source>
            <comment>db.restore_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отнято</source>
            <comment>db.revoke.exit_0</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отнять у логина право входить и отключить его оператора (администратор)</source>
            <comment>db.revoke.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Логин {name} больше не может входить; его оператор отключён.</source>
            <comment>db.revoked</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} байт</source>
            <comment>db.size_bytes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} ГБ</source>
            <comment>db.size_gb</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} КБ</source>
            <comment>db.size_kb</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{n} МБ</source>
            <comment>db.size_mb</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл SQLite в папке данных этого компьютера (как при первом запуске)</source>
            <comment>db.use.default</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сделать базу той, которую Halyk Desk этого компьютера открывает со следующего запуска, как это делает страница окна Настройки &gt; База данных: сначала база проверяется, затем адрес записывается в настройки, а пароль PostgreSQL — в системное хранилище паролей (никогда в файл настроек). --db и {variable}, если заданы, по-прежнему важнее. Сделать это может только администратор; изменение записывается в журнал аудита.</source>
            <comment>db.use.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Со следующего запуска (окна или команды) этот компьютер открывает {address}{server}.</source>
            <comment>db.use.done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В ней пока нет данных. Чтобы перенести туда данные базы, которой пользовались до сих пор, выполните: halyk-desk --db '{source}' db copy --to '{target}'</source>
            <comment>db.use.empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сохранено: действует со следующего запуска</source>
            <comment>db.use.exit_0</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>базу нельзя использовать (ничего не изменено)</source>
            <comment>db.use.exit_1</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>открывать эту базу на этом компьютере со следующего запуска (администраторы)</source>
            <comment>db.use.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Её схема старее: следующий запуск её обновит (сначала сделайте `halyk-desk db backup`).</source>
            <comment>db.use.older</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать пароль PostgreSQL со стандартного ввода (у терминала спросит, не показывая)</source>
            <comment>db.use.password_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>например postgresql://halyk@server/halyk или sqlite:///path/file.sqlite3</source>
            <comment>db.use.url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ВНИМАНИЕ: {warning}</source>
            <comment>db.warning</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал аудита в {target} проверяется не так, как здесь ({found} / здесь: {expected}). Ничего не скопировано.</source>
            <comment>db_admin.audit_differs</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Резервная копия {database} не удалась: {error}.</source>
            <comment>db_admin.backup_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{target} — это сама база данных: выберите для резервной копии другой файл.</source>
            <comment>db_admin.backup_onto_itself</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось создать папку резервных копий {folder}: {error}.</source>
            <comment>db_admin.cannot_create_folder</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать {database}: {error}.</source>
            <comment>db_admin.cannot_read</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нельзя использовать {target}: {error}. Ничего не изменено.</source>
            <comment>db_admin.cannot_use</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось записать в {folder}: {error}. Выберите папку, в которую вам можно писать, или запустите программу от имени пользователя, которому это можно.</source>
            <comment>db_admin.cannot_write</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{target} — это база, в которой вы работаете: укажите адрес другой.</source>
            <comment>db_admin.copy_onto_itself</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В {target} ничего не скопировано: {error}. Если база занята, закройте Halyk Desk везде и скопируйте снова.</source>
            <comment>db_admin.copy_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Таблица {table}: здесь строк {here}, в {target} после копирования — {there}. Ничего не скопировано; запустите копирование снова.</source>
            <comment>db_admin.counts_differ</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>pg_restore не прочитал выгрузку {address} ({error}); резервная копия не сохранена.</source>
            <comment>db_admin.dump_unreadable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в ней нет журнала аудита</source>
            <comment>db_admin.dump_without_audit_log</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копия {database} не прошла проверку целостности ({problems}); резервная копия не сохранена. Сделайте копию ещё раз; если снова не выйдет, возможно, повреждён диск или файл базы.</source>
            <comment>db_admin.integrity_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>--keep должен быть не меньше 1: только что сделанная копия сохраняется всегда.</source>
            <comment>db_admin.keep_too_small</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{target} записана более новой версией Halyk Desk: сначала установите её. Ничего не изменено.</source>
            <comment>db_admin.newer_schema</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Дальше: закройте Halyk Desk на всех компьютерах, затем укажите каждому новую базу:</source>
            <comment>db_admin.next</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  командой:  {command}</source>
            <comment>db_admin.next_command</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Старая база осталась как была: храните её как резервную копию, но работайте только в новой.</source>
            <comment>db_admin.next_old</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  (Выбрать её можно и через --db URL для одной команды или переменную окружения {variable}.)</source>
            <comment>db_admin.next_other_ways</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  или в окне:  Файл &gt; Настройки &gt; База данных.</source>
            <comment>db_admin.next_window</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Папки {folder} нет: создайте её или выберите для резервной копии другое место.</source>
            <comment>db_admin.no_folder</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>pg_dump не найден. Установите клиентские программы PostgreSQL версии сервера или новее (Debian/Ubuntu: apt install postgresql-client; Windows: «Command Line Tools» установщика PostgreSQL) и добавьте их папку bin в PATH.</source>
            <comment>db_admin.no_pg_dump</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>pg_dump не выгрузил {address}: {error}</source>
            <comment>db_admin.pg_dump_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Целевая база {target} не приняла строку таблицы {table} с {key}: {error}. Ничего не скопировано. Исправьте эту строку в текущей базе (или отправьте это сообщение тому, кто вам помогает) и скопируйте снова.</source>
            <comment>db_admin.row_refused</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>{table} (%n строк)</source>
            <comment>db_admin.table_rows</comment>
            <translation>
                <numerusform>{table} (%n строка)</numerusform>
                <numerusform>{table} (%n строки)</numerusform>
                <numerusform>{table} (%n строк)</numerusform>
            </translation>
        </message>
        <message>
            <source>Целевая база {target} не пуста: {tables}. Ничего не скопировано. Копируйте в новую, пустую базу (см. руководство администратора) или сначала удалите эту, если в ней нет ничего нужного.</source>
            <comment>db_admin.target_not_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Команды без окна работают и без этих библиотек (halyk-desk --help).</source>
            <comment>desktop.command_line_works</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Установите их (Debian, Ubuntu) и запустите программу снова:</source>
            <comment>desktop.install_packages</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Halyk Desk не может открыть окно: в системе нет библиотек, без которых Qt не работает с {platform}:</source>
            <comment>desktop.libraries_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Некоторых файлов самой программы нет: переустановите её.</source>
            <comment>desktop.reinstall</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Добавьте пользователя и пароль кабинета в профиль «{profile}»: `halyk-desk profile edit {profile} --cabinet-user USER --cabinet-password-stdin` или Настройки → Профили банка.</source>
            <comment>epay.add_cabinet_login</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: {label} «{url}» должен начинаться с https://</source>
            <comment>epay.address_not_https</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{failure} после отправки.</source>
            <comment>epay.after_sending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма должна быть больше нуля, а не {amount}.</source>
            <comment>epay.amount_not_positive</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк ответил HTTP {status} ({body}).</source>
            <comment>epay.answered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк ответил HTTP {status} ({body}) вместо JSON.</source>
            <comment>epay.answered_not_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес API</source>
            <comment>epay.api_address</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пустой ответ</source>
            <comment>epay.body_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>HTML-страница</source>
            <comment>epay.body_html</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ответ в JSON</source>
            <comment>epay.body_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>текст не в формате JSON</source>
            <comment>epay.body_not_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{meaning} (код {code}).</source>
            <comment>epay.busy_code</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: для входа кабинета нужны и пользователь, и пароль.</source>
            <comment>epay.cabinet_login_half</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк разрешает это только пользователю кабинета мерчанта, а {why}.</source>
            <comment>epay.cabinet_only</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пользователь кабинета вошёл в кабинет банка</source>
            <comment>epay.cabinet_signed_in</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не удалось соединиться с банком</source>
            <comment>epay.cannot_connect</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте адрес API в профиле (схему, хост и путь).</source>
            <comment>epay.check_api_address</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Повторите позже; если повторяется, проверьте адрес API в профиле.</source>
            <comment>epay.check_api_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте пользователя и пароль кабинета в профиле «{profile}» (с ними входят в кабинет мерчанта банка), а также его client id и секрет.</source>
            <comment>epay.check_cabinet_login</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте client id, секрет и терминал профиля «{profile}».</source>
            <comment>epay.check_client_credentials</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте, что терминал и client id профиля «{profile}» относятся друг к другу.</source>
            <comment>epay.check_terminal_client</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте адрес токенов в профиле.</source>
            <comment>epay.check_token_address</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>client id</source>
            <comment>epay.client_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в профиле его нет (токен самого клиента банк не принял)</source>
            <comment>epay.client_token_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк отклонил запрос</source>
            <comment>epay.code_101</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>у банка нет платежа с таким invoiceId</source>
            <comment>epay.code_102</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>у банка внутренняя ошибка</source>
            <comment>epay.code_103</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в токене нет терминала</source>
            <comment>epay.code_104</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>платёж относится к другому терминалу</source>
            <comment>epay.code_106</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>по этому платежу в банке уже идёт другая операция</source>
            <comment>epay.code_107</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>терминал не относится к этому client id</source>
            <comment>epay.code_109</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Связь с профилем {profile} на {host} есть: банк выдал токен, и {found}.</source>
            <comment>epay.connected</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>соединение оборвалось ({error})</source>
            <comment>epay.connection_dropped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк не принял учётные данные (HTTP {status}).</source>
            <comment>epay.credentials_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{where}: поле {field}={value}: {error}</source>
            <comment>epay.field_bad_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{where}: нет поля {field}</source>
            <comment>epay.field_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{where}: поле {field}={value} — не сумма</source>
            <comment>epay.field_not_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{where}: поле {field}={value} — не дата</source>
            <comment>epay.field_not_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк не разрешает этому входу такой запрос (HTTP 403); ничего не сделано.</source>
            <comment>epay.forbidden</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Что разрешено этому входу, видно в кабинете мерчанта банка.</source>
            <comment>epay.forbidden_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк отказал токену, выданному для этого самого запроса (HTTP 401); ничего не сделано.</source>
            <comment>epay.fresh_token_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{failure}; попытки прекращены (всего попыток: {attempts}).</source>
            <comment>epay.gave_up</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Повторите через несколько минут; если повторяется, проверьте связь и состояние банка.</source>
            <comment>epay.gave_up_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Посмотрите статус платежа в кабинете банка; этот запрос банк не примет.</source>
            <comment>epay.hint_101</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте номер заказа; покупатель мог не заплатить или заплатить под другим номером.</source>
            <comment>epay.hint_102</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Повторите через несколько минут.</source>
            <comment>epay.hint_103</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте идентификатор терминала в настройках профиля.</source>
            <comment>epay.hint_104</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте, что этот заказ оплачен через терминал этого профиля.</source>
            <comment>epay.hint_106</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подождите минуту и повторите.</source>
            <comment>epay.hint_107</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Client id и терминал в профиле не относятся друг к другу; скопируйте оба из кабинета мерчанта банка.</source>
            <comment>epay.hint_109</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>HTTP {status} без объяснения</source>
            <comment>epay.http_unexplained</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: {label} не указан; скопируйте его из кабинета мерчанта банка.</source>
            <comment>epay.id_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ссылка на оплату</source>
            <comment>epay.link_call</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка могла появиться у банка: найдите её в кабинете банка, прежде чем создавать другую для этого заказа.</source>
            <comment>epay.link_may_exist</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ссылка банка «{url}» — не веб-адрес</source>
            <comment>epay.link_not_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ответ банка на запрос ссылки</source>
            <comment>epay.link_reply</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ответ банка на запрос ссылки — не объект JSON</source>
            <comment>epay.link_reply_not_object</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сообщите в поддержку: список операций банка изменил форму.</source>
            <comment>epay.list_changed_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в списке банка нет поля records.</source>
            <comment>epay.list_no_records</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список банка — не список записей.</source>
            <comment>epay.list_not_records</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк не ответил вовремя ({error})</source>
            <comment>epay.no_answer_in_time</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в профиле нет входа кабинета</source>
            <comment>epay.no_cabinet_login</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в ответе банка нет resultCode.</source>
            <comment>epay.no_result_code</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в ответе нет объекта transaction</source>
            <comment>epay.no_transaction</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{call}: нет идентификатора транзакции банка.</source>
            <comment>epay.no_transaction_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>вход пользователя кабинета</source>
            <comment>epay.op.cabinet_token</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отмена блокировки</source>
            <comment>epay.op.cancel</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>подтверждение списания</source>
            <comment>epay.op.confirm</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список операций</source>
            <comment>epay.op.operations_list</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>возврат</source>
            <comment>epay.op.refund</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверка статуса</source>
            <comment>epay.op.status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>запрос токена</source>
            <comment>epay.op.token</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период заканчивается раньше, чем начинается.</source>
            <comment>epay.period_reversed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказ {invoice} в статусе {status} ({state})</source>
            <comment>epay.probe_found</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверка статуса работает (заказ {invoice} банку неизвестен)</source>
            <comment>epay.probe_unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк мог это выполнить: прочитайте статус платежа, прежде чем делать с ним что-либо ещё.</source>
            <comment>epay.read_status_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк отказал: {said}</source>
            <comment>epay.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк отказал (код {code}): {said}</source>
            <comment>epay.refused_code</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ничего не сделано: прочитайте статус платежа, исправьте запрос или посмотрите в кабинете банка.</source>
            <comment>epay.refused_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: секрет клиента пуст.</source>
            <comment>epay.secret_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк попросил присылать запросы реже (HTTP 429).</source>
            <comment>epay.slow_down</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{operation} по заказу {invoice}</source>
            <comment>epay.subject_invoice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{operation}, транзакция {transaction}</source>
            <comment>epay.subject_transaction</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>терминал</source>
            <comment>epay.terminal</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес токенов</source>
            <comment>epay.token_address</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>служба токенов ответила HTTP {status} ({body}), но без годных access_token и expires_in.</source>
            <comment>epay.token_reply_unusable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>служба токенов ответила HTTP {status} ({body}).</source>
            <comment>epay.token_service_answered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в транзакции нет суммы</source>
            <comment>epay.transaction_no_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ничего не сделано; повторите через минуту.</source>
            <comment>epay.try_later_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>запись списка операций</source>
            <comment>epay.where_operations_record</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>транзакция</source>
            <comment>epay.where_transaction</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Освободите место на диске или выберите другую папку и выгрузите снова.</source>
            <comment>export.disk_full</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Выберите другую папку и выгрузите снова.</source>
            <comment>export.failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: папки {folder} нет. Создайте её или выберите другую папку.</source>
            <comment>export.folder_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: это папка. Укажите имя файла в ней, например {example}.</source>
            <comment>export.is_folder</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: имя слишком длинное. Выберите имя короче.</source>
            <comment>export.name_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: такой папки нет ({reason}). Выберите существующую папку и выгрузите снова.</source>
            <comment>export.no_folder</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Выберите папку, куда у вас есть право записи (например, «Документы»), или закройте файл, если он открыт в Excel, и выгрузите снова.</source>
            <comment>export.no_permission</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: имя файла должно оканчиваться на .xlsx, например {example}.</source>
            <comment>export.not_xlsx</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга не записана в {path}: на листе «{sheet}» было бы {rows} строк, а в таблице помещается не больше {most}. Выгрузите период короче.</source>
            <comment>export.too_many_rows</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <comment>field.customer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>За что платит покупатель</source>
            <comment>field.link_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Примечание</source>
            <comment>field.note</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор</source>
            <comment>field.operator</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль</source>
            <comment>field.profile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина</source>
            <comment>field.reason</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пояснение к причине</source>
            <comment>field.reason_text</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина отказа</source>
            <comment>field.rejected_reason</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Статус заказа</source>
            <comment>field.shop_status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Номер заказа «{invoice}» не подходит для ePay: в нём должно быть от 6 до 15 цифр (нули в начале допустимы), например 000123456.</source>
            <comment>ids.bad_invoice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>колонка {column}: {problem}</source>
            <comment>import.at_column</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>строка {row}: {problem}</source>
            <comment>import.at_row</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>строка {row}, колонка {column}: {problem}</source>
            <comment>import.at_row_column</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Здесь файл не читается как CSV ({error}, строка {line}): проверьте кавычки вокруг значения (кавычка внутри значения пишется дважды: "").</source>
            <comment>import.bad_csv</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл — не текст в UTF-8 и не в Windows-1251 (cp1251): сохраните его как CSV UTF-8 или как XLSX.</source>
            <comment>import.bad_encoding</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Это не файл CSV или XLSX (в нём двоичные данные): {save_as}.</source>
            <comment>import.binary</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удаётся прочитать «{file}»: {error}.</source>
            <comment>import.cannot_read</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Значение длиннее {max} символов (предел Excel для ячейки): сократите его или выгрузите заказы заново.</source>
            <comment>import.cell_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для поля «{field}» взята колонка «{column}»; подошли бы и {others}. Если нужна другая, переименуйте лишнюю колонку в файле.</source>
            <comment>import.column_guessed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Имя колонки</source>
            <comment>import.column_name</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Колонка «{column}» встречается %n раз (колонки {letters}): дайте каждой колонке своё имя.</source>
            <comment>import.column_repeated</comment>
            <translation>
                <numerusform>Колонка «{column}» встречается %n раз (колонки {letters}): дайте каждой колонке своё имя.</numerusform>
                <numerusform>Колонка «{column}» встречается %n раза (колонки {letters}): дайте каждой колонке своё имя.</numerusform>
                <numerusform>Колонка «{column}» встречается %n раз (колонки {letters}): дайте каждой колонке своё имя.</numerusform>
            </translation>
        </message>
        <message>
            <source>В столбце {column} (№ {number}) есть значение или оформление, а в файле заказов не больше {max} столбцов: удалите столбцы правее заказов и сохраните файл снова.</source>
            <comment>import.column_too_far</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не использованы колонки: {columns}.</source>
            <comment>import.columns_ignored</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Дата пустая: напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.date_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл пустой: выгрузите заказы снова, со строкой заголовков.</source>
            <comment>import.empty_file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сумма</source>
            <comment>import.field.amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>дата создания</source>
            <comment>import.field.created_at</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>валюта</source>
            <comment>import.field.currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>покупатель</source>
            <comment>import.field.customer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>номер заказа (invoiceId)</source>
            <comment>import.field.invoice_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оплачен или нет</source>
            <comment>import.field.shop_paid</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>статус в магазине</source>
            <comment>import.field.shop_status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{field} (например, {names})</source>
            <comment>import.field_named</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл занимает {size} МБ, а файл заказов — не больше {max} МБ: разбейте заказы на несколько файлов (например, по месяцам).</source>
            <comment>import.file_too_big</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В колонке «{column}» числа: Excel отбрасывает у них нули в начале. Если номера заказов магазина начинаются с 0, сделайте колонку текстовой и выгрузите снова.</source>
            <comment>import.ids_are_numbers</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{file}» — папка: выберите файл заказов в ней.</source>
            <comment>import.is_folder</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В сопоставлении не указано имя колонки для {fields}.</source>
            <comment>import.mapping_blank</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сопоставление отдаёт колонку «{column}» сразу двум полям: {first} и {second}.</source>
            <comment>import.mapping_column_twice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сопоставление отдаёт полю {field} колонку «{column}», но такой колонки в файле нет. Колонки файла: {columns}.</source>
            <comment>import.mapping_no_column</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сопоставление — не правильный JSON ({error}, знак {position}): напишите его так: {example}.</source>
            <comment>import.mapping_not_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сопоставление должно быть объектом JSON из имён полей и имён колонок, например {example}.</source>
            <comment>import.mapping_not_object</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В сопоставлении неизвестные поля {fields}: используйте {known}.</source>
            <comment>import.mapping_unknown_fields</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>… и ещё проблем: {count}. Исправьте эти и загрузите файл снова, чтобы увидеть остальные.</source>
            <comment>import.more_problems</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В файле нет колонки для: {fields}. Колонки файла: {columns}. Переименуйте колонку в файле: подойдёт любое из названий в скобках.</source>
            <comment>import.no_column_for</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>(нет)</source>
            <comment>import.no_columns</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В файле нет колонки с датой создания: заказы загружены без дат.</source>
            <comment>import.no_date_column</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файла «{file}» нет: проверьте его имя и папку.</source>
            <comment>import.no_file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В файле есть заголовок (строка {row}), но под ним нет заказов.</source>
            <comment>import.no_orders</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В файле нет строк: выгрузите заказы снова, со строкой заголовков.</source>
            <comment>import.no_rows</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В книге нет ни одного листа: поместите заказы на лист.</source>
            <comment>import.no_sheets</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не дата: напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.not_a_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не сумма: наберите цифры, например 15990,00.</source>
            <comment>import.not_an_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не номер заказа: наберите от 6 до 15 цифр.</source>
            <comment>import.not_an_order_number</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл — ZIP-архив, но не книга Excel (XLSX) или повреждённая книга: если он из LibreOffice или Numbers, откройте его в Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).</source>
            <comment>import.not_xlsx</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не «да» и не «нет»: напишите {yes} или {no} (или оставьте пустым).</source>
            <comment>import.not_yes_no</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</source>
            <comment>import.nothing_imported</comment>
            <translation>
                <numerusform>Ничего не загружено: %n проблема, исправьте её в файле, прежде чем загрузить его снова.</numerusform>
                <numerusform>Ничего не загружено: %n проблемы исправить в файле, прежде чем загрузить его снова.</numerusform>
                <numerusform>Ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Из {file} ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</source>
            <comment>import.nothing_imported_from</comment>
            <translation>
                <numerusform>Из {file} ничего не загружено: %n проблема, исправьте её в файле, прежде чем загрузить его снова.</numerusform>
                <numerusform>Из {file} ничего не загружено: %n проблемы исправить в файле, прежде чем загрузить его снова.</numerusform>
                <numerusform>Из {file} ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</numerusform>
            </translation>
        </message>
        <message>
            <source>«{text}» — число, а не дата: сделайте колонку датой в Excel или напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.number_not_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Это старый файл Excel .xls или книга с паролем: {save_as}, без пароля.</source>
            <comment>import.old_xls</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Номер заказа {invoice} встречается в файле %n раз (строки {rows}): оставьте одну строку на заказ.</source>
            <comment>import.order_repeated</comment>
            <translation>
                <numerusform>Номер заказа {invoice} встречается в файле %n раз (строки {rows}): оставьте одну строку на заказ.</numerusform>
                <numerusform>Номер заказа {invoice} встречается в файле %n раза (строки {rows}): оставьте одну строку на заказ.</numerusform>
                <numerusform>Номер заказа {invoice} встречается в файле %n раз (строки {rows}): оставьте одну строку на заказ.</numerusform>
            </translation>
        </message>
        <message>
            <source>Книга распаковывается в слишком большой объём ({part} — {size} МБ, а можно не больше {max} МБ): разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.part_too_big</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Строка длиннее {max} символов: видимо, не закрыта кавычка (кавычка внутри значения пишется дважды: ""), или это не список заказов.</source>
            <comment>import.record_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Строки {rows} над заголовком (строка {row}) пропущены.</source>
            <comment>import.rows_skipped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>откройте его в Excel и сохраните как XLSX или как CSV (с точкой с запятой)</source>
            <comment>import.save_as</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>запятая</source>
            <comment>import.separator.comma</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>разделитель</source>
            <comment>import.separator.other</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>точка с запятой</source>
            <comment>import.separator.semicolon</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>табуляция</source>
            <comment>import.separator.tab</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Текст в книге длиннее {max} символов (предел Excel для ячейки): файл сделан не в Excel или повреждён; выгрузите заказы заново.</source>
            <comment>import.shared_text_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>На листе «{sheet}» больше {max} строк заказов: разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.sheet_too_many_rows</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с суммой {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с валютой {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с датой создания {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>значений в строке — {values}, а колонок в заголовке — {columns}: видимо, в значении есть разделитель ({separator}); возьмите это значение в двойные кавычки ("...") или сохраните файл с другим разделителем.</source>
            <comment>import.too_many_cells</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В файле больше {max} строк заказов: разбейте заказы на несколько файлов (например, по месяцам).</source>
            <comment>import.too_many_rows</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В строке значений: {count}, а в файле заказов не больше {max} столбцов: проверьте разделитель.</source>
            <comment>import.too_many_values</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Неизвестный код валюты «{text}»: укажите {known} или оставьте пустым для {default}.</source>
            <comment>import.unknown_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл начинается как UTF-16, но повреждён: выгрузите его снова.</source>
            <comment>import.utf16_damaged</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Это веб-страница или XML, сохранённые под именем таблицы (такие файлы делает «Экспорт в Excel» 1С-Битрикс): {save_as}, или выгрузите список заказов в CSV.</source>
            <comment>import.web_page</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга Excel повреждена и не читается: откройте её в Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).</source>
            <comment>import.workbook_damaged</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга распаковывается в {size} МБ, а файл заказов — не больше {max} МБ: разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.workbook_too_big</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: это не JSON (строка {line}, столбец {column}: {error}). Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_json</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: в нём должен быть объект JSON (в фигурных скобках), а не {kind}. Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_object</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: это не текст в кодировке UTF-8 ({reason}). Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_utf8</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{email}» не похоже на адрес e-mail вроде buyer@example.kz.</source>
            <comment>links.bad_email</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Язык страницы «{language}»: выберите rus, kaz или eng.</source>
            <comment>links.bad_language</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Срок жизни ссылки «{text}» непонятен: напишите число и m, h или d, например 1d (сутки) или 12h.</source>
            <comment>links.bad_period</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{phone}» — не номер телефона вроде +77011234567.</source>
            <comment>links.bad_phone</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылки на оплату для заказов по телефону, WhatsApp или e-mail. Ссылку создаёт банк; заказ сохраняется как ожидающий оплаты, и синхронизация следит за ним, как за любым другим.</source>
            <comment>links.cli_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ссылки на оплату: попросить покупателя оплатить заказ</source>
            <comment>links.cli_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создать ссылку на оплату. Могут менеджеры и администраторы; каждая ссылка пишется в журнал аудита. Номер заказа (12 цифр) создаётся сам, если не задан --invoice.</source>
            <comment>links.create_description</comment>
            <translation type="unfinished" />
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
            <translation type="unfinished" />
        </message>
        <message>
            <source>создать ссылку на оплату нового заказа</source>
            <comment>links.create_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка на оплату заказа {invoice_id} ({amount}) действует до {until}:</source>
            <comment>links.created</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>за что платит покупатель (видно на странице банка)</source>
            <comment>links.description_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>e-mail покупателя (банк отправит ссылку туда)</source>
            <comment>links.email_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>30m, 12h, 1d (по умолчанию), ≤ 30d</source>
            <comment>links.expires_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>номер заказа (6–15 цифр) вместо нового</source>
            <comment>links.invoice_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ссылки и их состояния: активна, оплачена, истекла, отклонена</source>
            <comment>links.list_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Здравствуйте!

Для оплаты заказа № {invoice_id} на сумму {amount} ({description}) перейдите по ссылке:
{url}

Ссылка действует до {until}. Оплата картой через защищённую страницу Halyk Bank (ePay).

Спасибо за заказ!</source>
            <comment>links.mail_body</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплата заказа № {invoice_id}</source>
            <comment>links.mail_subject</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нужно описание: за что платит покупатель.</source>
            <comment>links.no_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось подобрать свободный номер заказа: укажите его сами (--invoice).</source>
            <comment>links.no_free_number</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В профиле «{profile}» нет идентификатора магазина: скопируйте его из кабинета банка и укажите в Настройках или командой `halyk-desk profile edit {profile} --shop-id UUID`.</source>
            <comment>links.no_shop_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылок на оплату пока нет: создайте `halyk-desk link create`.</source>
            <comment>links.none</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ {invoice_id} уже есть: для ссылки нужен новый номер (без --invoice он будет создан сам).</source>
            <comment>links.order_exists</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Срок жизни ссылки «{text}» больше 30 дней: выберите 30d или меньше.</source>
            <comment>links.period_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>активна</source>
            <comment>links.state_active</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>истекла</source>
            <comment>links.state_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отклонена</source>
            <comment>links.state_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оплачена</source>
            <comment>links.state_paid</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Другой заказ уже оканчивается на {suffix}, а банк требует, чтобы последние шесть цифр не повторялись. Выберите другой номер.</source>
            <comment>links.suffix_taken</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>до {until}</source>
            <comment>links.until</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возраст</source>
            <comment>lists.column_age</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <comment>lists.column_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк</source>
            <comment>lists.column_bank</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <comment>lists.column_captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создан</source>
            <comment>lists.column_created</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <comment>lists.column_customer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Истекает</source>
            <comment>lists.column_expires</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заблокирован</source>
            <comment>lists.column_held_since</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ</source>
            <comment>lists.column_invoice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвращено</source>
            <comment>lists.column_refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние</source>
            <comment>lists.column_state</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Осталось</source>
            <comment>lists.column_time_left</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>данные не удалось открыть</source>
            <comment>lists.exit_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список напечатан</source>
            <comment>lists.exit_ok</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибка в команде (дата, состояние или профиль)</source>
            <comment>lists.exit_usage</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ИСТЕКЛА</source>
            <comment>lists.flag_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>СКОРО</source>
            <comment>lists.flag_warn</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>invoice_id, transaction_id, state (held), bank_status (AUTH), amount (заблокированная сумма), captured, refunded, currency, created_at (время блокировки), expires_at, age_seconds, time_left_seconds (отрицательное, когда срок истёк), warn, expired, customer</source>
            <comment>lists.hold_fields</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все заблокированные платежи (двухстадийные, ждут подтверждения) с суммой, возрастом и временем до конца блокировки (настройки hold_warn_days, hold_expire_days). Для свежих данных сначала выполните `halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}.</source>
            <comment>lists.holds.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>блокировки, ждущие подтверждения; первой — та, что истекает раньше всех</source>
            <comment>lists.holds.help</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n блокировок (скоро подтвердить или снять: {warn}, истекли: {expired}); время по {time_zone}.</source>
            <comment>lists.holds_count</comment>
            <translation>
                <numerusform>%n блокировка (скоро подтвердить или снять: {warn}, истекли: {expired}); время по {time_zone}.</numerusform>
                <numerusform>%n блокировки (скоро подтвердить или снять: {warn}, истекли: {expired}); время по {time_zone}.</numerusform>
                <numerusform>%n блокировок (скоро подтвердить или снять: {warn}, истекли: {expired}); время по {time_zone}.</numerusform>
            </translation>
        </message>
        <message>
            <source>напечатать массив JSON для скриптов</source>
            <comment>lists.json</comment>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n заказов; время по {time_zone}.</source>
            <comment>lists.orders_count</comment>
            <translation>
                <numerusform>%n заказ; время по {time_zone}.</numerusform>
                <numerusform>%n заказа; время по {time_zone}.</numerusform>
                <numerusform>%n заказов; время по {time_zone}.</numerusform>
            </translation>
        </message>
        <message>
            <source>invoice_id, transaction_id, state, bank_status (statusName, как его дал банк), amount (сумма заказа), captured и refunded (по данным банка), currency, created_at (время заказа), customer, card_mask, reference (RRN), shop_status, last_read_at, read_error</source>
            <comment>lists.payment_fields</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказы магазина и что банк говорит о платеже каждого, сначала старые. Для свежих данных сначала выполните `halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}. Суммы — десятичные строки ("1500.00"); время — ISO 8601 в UTC; отсутствующие значения — null.</source>
            <comment>lists.payments.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказы, созданные в этот день или позже, {day}</source>
            <comment>lists.payments.from</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказы и что банк знает об их платежах</source>
            <comment>lists.payments.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>начало invoiceId, RRN или маски карты, последние четыре цифры карты или начало имени покупателя</source>
            <comment>lists.payments.search</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>только это состояние (можно повторить или перечислить через запятую): {states}</source>
            <comment>lists.payments.state</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказы, созданные в этот день или раньше</source>
            <comment>lists.payments.to</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{days} д {hours} ч</source>
            <comment>lists.span_days</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{hours} ч {minutes} мин</source>
            <comment>lists.span_hours</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{minutes} мин</source>
            <comment>lists.span_minutes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неизвестное состояние {state}: выберите из {states}</source>
            <comment>lists.unknown_state</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В сумме «{raw}» есть цифры не из набора 0–9 (например, полноширинные): наберите сумму обычными цифрами, например 1 234,50.</source>
            <comment>money.ascii_digits</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{value} — больше любого настоящего платежа; проверьте сумму.</source>
            <comment>money.decimal_too_large</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В «{raw}» больше двух знаков после запятой: тиын — самая мелкая единица (например, 12,34).</source>
            <comment>money.decimals</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма пустая: наберите сумму, например 1 234,50.</source>
            <comment>money.empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{raw}» — не сумма: тысячи отделяются по три цифры (1 234 567,89); наберите цифры, при необходимости с запятой, например 1 234,50.</source>
            <comment>money.grouping</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{minor} тиын — больше любого настоящего платежа; проверьте сумму.</source>
            <comment>money.minor_too_large</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нельзя складывать {one} и {other}.</source>
            <comment>money.mixed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{raw}» — отрицательная сумма: сумму пишут без знака, больше нуля.</source>
            <comment>money.negative</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма не указана: наберите сумму, например 1 234,50.</source>
            <comment>money.none</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{raw}» — не сумма: наберите цифры, например 1 234,50.</source>
            <comment>money.not_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{raw}» — не сумма: наберите цифры, при необходимости с запятой, например 1 234,50.</source>
            <comment>money.not_digits</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{value}» — не конечная сумма.</source>
            <comment>money.not_finite</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{value}» — не число.</source>
            <comment>money.not_number</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{raw}» — в {found}, а эта сумма в {currency}.</source>
            <comment>money.other_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{raw}» больше любого настоящего платежа: проверьте сумму.</source>
            <comment>money.too_large</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Неизвестный код валюты «{code}»: укажите трёхбуквенный код, например KZT или USD.</source>
            <comment>money.unknown_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк принял операцию: {effect}.</source>
            <comment>operations.accepted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк принял операцию, но {effect}; итог выяснится по статусу в банке при следующей синхронизации.</source>
            <comment>operations.accepted_unclear</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк принял операцию, но её статус не удалось прочитать для проверки ({error}); итог выяснится при следующей синхронизации.</source>
            <comment>operations.accepted_unread</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операцию №{id} запросил {operator}: одобрить её должен другой менеджер.</source>
            <comment>operations.approve_own</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправлено в {sent}, ответа банка не было; итог выяснится по статусу платежа и реестру операций банка (идентификатор операции {external}); невыполненной её сочтут не раньше {until} и только если банк её не покажет</source>
            <comment>operations.awaited</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк отказал: {why}</source>
            <comment>operations.bank_refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}</source>
            <comment>operations.bank_status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) ждёт одобрения второго менеджера. Ничего не отправлено.</source>
            <comment>operations.busy_pending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) отправляется в банк, ответ ещё не пришёл. Ничего не отправлено.</source>
            <comment>operations.busy_sending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: итог операции «{action}» на {amount} ({operator}) ещё неизвестен; он выяснится по статусу в банке при следующей синхронизации. Ничего не отправлено.</source>
            <comment>operations.busy_unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) — {awaited}. Ничего не отправлено.</source>
            <comment>operations.busy_waiting</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}: списано {amount}</source>
            <comment>operations.captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операцию №{id} только что одобрил или отклонил кто-то другой.</source>
            <comment>operations.decided_meanwhile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{error} Ничего не отправлено.</source>
            <comment>operations.error_nothing_sent</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>посмотрите возврат в кабинете банка по идентификатору {external}</source>
            <comment>operations.look_in_cabinet</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат больше {limit} одобряет второй менеджер: запрос №{id} ждёт одобрения (вкладка «Операции»). Пока ничего не отправлено.</source>
            <comment>operations.needs_approval</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В профиле «{profile}» нет операции №{id}.</source>
            <comment>operations.no_such</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не выполнено: {error}</source>
            <comment>operations.not_done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>У банка ещё нет платежа по этому заказу: сначала синхронизируйте его.</source>
            <comment>operations.not_read_yet</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}: блокировка не снята</source>
            <comment>operations.not_released</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не отправлено: {why}</source>
            <comment>operations.not_sent</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не отправлено: банк недоступен. {error}</source>
            <comment>operations.not_sent_unreachable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операция №{id} не ждёт одобрения: её состояние — {status}.</source>
            <comment>operations.not_waiting</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}: ничего не списано</source>
            <comment>operations.nothing_captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status} у другой транзакции ({transaction})</source>
            <comment>operations.other_transaction</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{error} Итог выяснится по статусу в банке при следующей синхронизации; ничего не повторяется.</source>
            <comment>operations.outcome_unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}, всего возвращено {refunded} (до этого возврата — {before})</source>
            <comment>operations.refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}, всего возвращено {refunded} (до этого возврата — {before}), больше этого возврата: проверьте кабинет банка</source>
            <comment>operations.refunded_more</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{why} Ничего не отправлено.</source>
            <comment>operations.refused_nothing_sent</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог пока неизвестен: возврат есть в реестре операций банка, но ещё не виден в статусе платежа; ждём, повторно он не отправляется.</source>
            <comment>operations.registry_has_it</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог пока неизвестен: банк не назвал дату платежа, по которой ищут в реестре операций; {look}.</source>
            <comment>operations.registry_no_date</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог пока неизвестен: реестр операций банка не удалось прочитать ({error}), а без него нельзя знать, что возврата не было; {look}.</source>
            <comment>operations.registry_unread</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Скажите, почему запрос отклонён.</source>
            <comment>operations.reject_needs_reason</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в банке статус {status}: блокировка снята</source>
            <comment>operations.released</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выяснено по статусу в банке: {effect}.</source>
            <comment>operations.settled_done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк этого не сделал: {effect}.</source>
            <comment>operations.settled_not_done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог пока неизвестен: {effect}; посмотрите платёж в кабинете банка.</source>
            <comment>operations.still_unknown_look</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог пока неизвестен: статус в банке не удалось прочитать ({error}).</source>
            <comment>operations.still_unknown_unread</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог пока неизвестен: {effect}; если это не изменится, после {time} UTC операция будет считаться невыполненной.</source>
            <comment>operations.still_unknown_until</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не отправлено: программа остановилась до отправки; в банк ничего не ушло.</source>
            <comment>operations.stopped_before_sending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Теперь банк показывает по этому заказу другую транзакцию ({transaction}).</source>
            <comment>operations.transaction_changed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>действует</source>
            <comment>operators.active</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Имя оператора — от 1 до 64 символов, а не «{name}».</source>
            <comment>operators.bad_name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>создавать ссылки на оплату</source>
            <comment>operators.create_links</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор «{name}» отключён и не может {what}.</source>
            <comment>operators.disabled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отключён</source>
            <comment>operators.inactive</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{name}» — последний действующий администратор: сначала сделайте администратором кого-то ещё, иначе никто не сможет управлять операторами и настройками.</source>
            <comment>operators.last_admin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператора «{name}» нет; список операторов — в настройках или `halyk-desk operator list`.</source>
            <comment>operators.no_such</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор «{name}» не зарегистрирован и не может {what}: администратор может добавить его с ролью «{role}» (Файл → Настройки → Операторы или `halyk-desk operator add {name} --role {role_code}`).</source>
            <comment>operators.not_registered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор «{name}» — {role} и не может {what}: для этого нужна роль «{needed}» или выше.</source>
            <comment>operators.role_too_low</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нет роли «{role}»: выберите одну из {roles}.</source>
            <comment>operators.unknown_role</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль должен быть не короче {n} знаков.</source>
            <comment>password.too_short</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Список не сортируется по «{sort}»: выберите одно из {choices}.</source>
            <comment>payments.bad_sort</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В профиле «{profile}» нет заказа {invoice}.</source>
            <comment>payments.no_order</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>одобрять возвраты</source>
            <comment>permission.approve</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выгружать отчёты</source>
            <comment>permission.export</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>подтверждать, снимать и возвращать платежи</source>
            <comment>permission.move_money</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>управлять операторами</source>
            <comment>permission.operators</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>смотреть платежи</source>
            <comment>permission.read</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сверять</source>
            <comment>permission.reconcile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>менять настройки</source>
            <comment>permission.settings</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес API, например https://epay-api.homebank.kz</source>
            <comment>profile.add.api_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Добавляет профиль или заменяет настройки и секрет одного из ваших профилей.</source>
            <comment>profile.add.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>добавить профиль (или заменить свой) вместе с секретом</source>
            <comment>profile.add.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>короткое имя: строчные латинские буквы, цифры, - и _</source>
            <comment>profile.add.name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес токенов, например https://epay-oauth.homebank.kz/oauth2/token</source>
            <comment>profile.add.oauth_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>взять секрет клиента из переменной окружения VAR</source>
            <comment>profile.add.secret_env</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать секрет клиента со стандартного ввода (у терминала спросит, не показывая)</source>
            <comment>profile.add.secret_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{what} (не показывается): </source>
            <comment>profile.ask_hidden</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{profile}» — встроенный профиль, его не меняют; добавьте свой командой `halyk-desk profile add`.</source>
            <comment>profile.builtin_fixed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{profile}» — встроенный профиль, его не удаляют.</source>
            <comment>profile.builtin_kept</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>взять пароль пользователя кабинета из переменной окружения VAR</source>
            <comment>profile.cabinet_password_env</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: у пользователя кабинета {user} нет пароля: дайте его с --cabinet-password-stdin.</source>
            <comment>profile.cabinet_password_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать пароль пользователя кабинета со стандартного ввода (у терминала спросит, не показывая); он хранится в хранилище паролей, как секрет</source>
            <comment>profile.cabinet_password_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пользователь кабинета мерчанта: список операций банка и ссылки на оплату требуют его входа</source>
            <comment>profile.cabinet_user</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: пароль кабинета без пользователя кабинета: дайте пользователя с --cabinet-user.</source>
            <comment>profile.cabinet_user_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профили банка: адреса банка, ваш client id и терминал. Секрет клиента хранится в хранилище паролей системы (где его нет — в закрытом файле), никогда в базе данных. Встроенные: sandbox (по умолчанию; банк, изображаемый на этом компьютере) и halyk-test (публичный тестовый мерчант банка).</source>
            <comment>profile.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес API</source>
            <comment>profile.edit.api_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>client id мерчанта</source>
            <comment>profile.edit.client_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Меняет в своём профиле то, что дано; остальное остаётся как было. С --secret-stdin и --cabinet-password-stdin вместе стандартный ввод держит секрет в первой строке, а пароль кабинета во второй.</source>
            <comment>profile.edit.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>изменить часть настроек своего профиля</source>
            <comment>profile.edit.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какой профиль изменить</source>
            <comment>profile.edit.name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>забыть пользователя кабинета и его пароль</source>
            <comment>profile.edit.no_cabinet</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>адрес токенов</source>
            <comment>profile.edit.oauth_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>взять новый секрет клиента из переменной окружения VAR</source>
            <comment>profile.edit.secret_env</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>прочитать новый секрет клиента со стандартного ввода</source>
            <comment>profile.edit.secret_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>идентификатор терминала (UUID)</source>
            <comment>profile.edit.terminal</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>переменная окружения {name} не задана или пуста: положите в неё {what} или используйте {flag}.</source>
            <comment>profile.env_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>У профиля «{profile}» есть заказы или операции: он остаётся ради их истории. Перестаньте его использовать: `halyk-desk profile use ДРУГОЙ`.</source>
            <comment>profile.has_history</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>профили банка: add, edit, list, use, test</source>
            <comment>profile.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Теперь используется профиль «{profile}».</source>
            <comment>profile.in_use</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Поля ссылок на оплату профиля «{profile}» сохранены.</source>
            <comment>profile.links_saved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список профилей; * отмечает используемый</source>
            <comment>profile.list.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{where}; секрет: {secret}</source>
            <comment>profile.list_line</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{where}, терминал {terminal}; секрет: {secret}</source>
            <comment>profile.list_terminal</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверьте его: `halyk-desk profile test {profile}`; работайте с ним: `halyk-desk profile use {profile}`.</source>
            <comment>profile.next_steps</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>--no-cabinet забывает вход кабинета: дайте его без --cabinet-user и пароля кабинета.</source>
            <comment>profile.no_cabinet_alone</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён секрет клиента: дайте его с --secret-stdin.</source>
            <comment>profile.no_secret_stored</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>на стандартном вводе нет: {what}.</source>
            <comment>profile.nothing_on_stdin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>удалить свой профиль без заказов и его секреты (администратор)</source>
            <comment>profile.remove.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какой профиль удалить</source>
            <comment>profile.remove.name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}» удалён.</source>
            <comment>profile.removed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк-песочница на этом компьютере</source>
            <comment>profile.sandbox_bank</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}» сохранён: {api}, терминал {terminal}.</source>
            <comment>profile.saved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пользователь кабинета: {user}.</source>
            <comment>profile.saved_cabinet</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>секрет клиента профиля «{profile}» удалён: он выдан для прежнего адреса токенов или client id и на новый не отправляется. Дайте новый: `halyk-desk profile edit {profile} --secret-stdin`.</source>
            <comment>profile.secret_dropped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>НЕТ: укажите его командой `halyk-desk profile edit {profile} --secret-stdin`</source>
            <comment>profile.secret_missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не нужен (песочница)</source>
            <comment>profile.secret_not_needed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Внимание: {warning}</source>
            <comment>profile.secret_warning</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Секреты сохранены: {where}.</source>
            <comment>profile.secrets_where</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверяет связь профиля: получает токен и читает статус одного платежа. Профиль sandbox проверяется на банке-песочнице, запущенной на этом компьютере.</source>
            <comment>profile.test.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>получить токен и прочитать один статус; сказать, что не удалось</source>
            <comment>profile.test.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какой профиль проверить (по умолчанию — используемый)</source>
            <comment>profile.test.name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сколько секунд ждать каждого ответа (по умолчанию 10)</source>
            <comment>profile.test.timeout</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверка связи профиля «{profile}» не удалась: {why}</source>
            <comment>profile.test_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверяю профиль «{profile}»…</source>
            <comment>profile.testing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>с этого момента работать с этим профилем (окно и команды)</source>
            <comment>profile.use.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пароль кабинета</source>
            <comment>profile.what.cabinet_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>секрет клиента</source>
            <comment>profile.what.client_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: адрес уведомлений «{url}» должен начинаться с https:// (банк присылает уведомления через интернет), например https://shop.example.kz/halyk/callback.</source>
            <comment>profiles.bad_callback_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Имя профиля «{profile}» не подходит: нужно от 1 до 64 строчных латинских букв, цифр, «-» или «_», например shop-main.</source>
            <comment>profiles.bad_name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: идентификатор магазина «{shop_id}» — не UUID; скопируйте его из кабинета банка.</source>
            <comment>profiles.bad_shop_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: терминал «{terminal}» — не UUID; он выглядит так: 67e34d63-102f-4bd1-898e-370781d0074d (из кабинета мерчанта банка).</source>
            <comment>profiles.bad_terminal</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}»: {label} «{url}» — не адрес http(s); нужен адрес вроде {example}.</source>
            <comment>profiles.bad_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{profile}» — встроенный профиль; выберите для своего другое имя.</source>
            <comment>profiles.builtin_name</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>публичный https-адрес приёмника уведомлений магазина (`halyk-desk callbacks serve` за веб-сервером); уходит банку с каждой ссылкой</source>
            <comment>profiles.callback_url_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>идентификатор магазина в банке (из кабинета), нужен для ссылок на оплату</source>
            <comment>profiles.shop_id_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нужна причина: выберите одну из {reasons}.</source>
            <comment>reasons.missing</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для причины «{reason}» опишите её своими словами.</source>
            <comment>reasons.needs_words</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{reason}» нет в списке причин: {reasons}.</source>
            <comment>reasons.unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отмена блокировки</source>
            <comment>recon.action.cancel</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>подтверждение (списание)</source>
            <comment>recon.action.confirm</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>возврат</source>
            <comment>recon.action.refund</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма заказа {shop}, в банке списано {bank}: разница {difference}. Проверьте заказ и платёж.</source>
            <comment>recon.amount_mismatch</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма заказа {shop}, в банке заблокировано {bank}: разница {difference}. Проверьте заказ и платёж.</source>
            <comment>recon.amount_mismatch_held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{category}» — не категория расхождений, которые отмечают решёнными: выберите одну из {choices}.</source>
            <comment>recon.bad_category</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{key}» — не ключ расхождения: ключи выглядят как invoice:000123, transaction:&lt;номер в банке&gt; или operation:&lt;номер&gt;; их показывает `halyk-desk reconcile --json`.</source>
            <comment>recon.bad_key</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Допуск по сумме должен быть нулём или больше, в {currency}; сейчас он {tolerance}.</source>
            <comment>recon.bad_tolerance</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{status} — {state}</source>
            <comment>recon.bank_status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отменён</source>
            <comment>recon.cancelled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ отменён ({shop_status}): нужен возврат покупателю или исправление статуса заказа.</source>
            <comment>recon.captured_cancelled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ отменён: нужен возврат покупателю или исправление статуса заказа.</source>
            <comment>recon.captured_cancelled_plain</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ не оплачен: отметьте оплату в магазине или сделайте возврат.</source>
            <comment>recon.captured_not_paid</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ в {order}, а платёж в банке в {bank}: сверьте вручную.</source>
            <comment>recon.currency_differs</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ещё один платёж по тому же заказу: {bank} (статус: {status}); основной платёж — {first}. Если покупатель заплатил дважды, верните лишний платёж.</source>
            <comment>recon.duplicate_payment</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверять нечего с {date_from} по {date_to} ({zone}): в профиле «{profile}» за эти дни нет ни заказов, ни платежей, ни операций. Проверьте даты, загрузите заказы магазина (`halyk-desk orders import`) и прочитайте их платежи (`halyk-desk sync`).</source>
            <comment>recon.empty_period</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма в {other}, а сверка ведётся в {report}: сверьте вручную.</source>
            <comment>recon.foreign_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В магазине заказ отменён ({shop_status}), а в банке блокировка {bank}: снимите блокировку.</source>
            <comment>recon.held_for_cancelled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки отмечаются через {warn} дн., а истекают через {expire} дн.: отметка должна быть раньше истечения и не раньше, чем через день.</source>
            <comment>recon.hold_days</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Срок блокировки {held} истёк {at}: подтвердить её уже нельзя, деньги вернутся покупателю.</source>
            <comment>recon.hold_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка {held} истекает {at} (осталось {hours} ч): подтвердите или снимите её.</source>
            <comment>recon.hold_expiring</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выполнена</source>
            <comment>recon.journal.done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправляется</source>
            <comment>recon.journal.intent</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <comment>recon.journal.pending_approval</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк не выполнил</source>
            <comment>recon.journal.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отклонена менеджером</source>
            <comment>recon.journal.rejected</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправлено, ждём ответа банка</source>
            <comment>recon.journal.sent</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <comment>recon.journal.unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В банке нет оплаты заказа на {shop}. Уточните у покупателя или в магазине.</source>
            <comment>recon.missing_at_bank</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В банке нет оплаты заказа на {shop} (последняя попытка в банке: {attempt}). Уточните у покупателя или в магазине.</source>
            <comment>recon.missing_at_bank_attempt</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нужен комментарий: напишите, как расхождение решено.</source>
            <comment>recon.note_required</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Комментарий слишком длинный: не больше {max} знаков.</source>
            <comment>recon.note_too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Магазин считает заказ оплаченным, а банк деньги не списал (статус банка: {status}). Не отгружайте заказ, пока оплата не подтверждена.</source>
            <comment>recon.paid_not_captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период начинается {start}, позже, чем кончается ({end}): сначала укажите более раннюю дату.</source>
            <comment>recon.period_reversed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Записей без номера транзакции или даты: {count}; они не учтены.</source>
            <comment>recon.records_skipped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка остановлена; ничего не записано.</source>
            <comment>recon.run_cancelled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка остановлена.</source>
            <comment>recon.run_stopped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>списано</source>
            <comment>recon.state.captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не прошёл</source>
            <comment>recon.state.failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>блокировка, ожидает подтверждения</source>
            <comment>recon.state.held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>требует проверки</source>
            <comment>recon.state.needs_review</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не найден в банке</source>
            <comment>recon.state.not_found</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>частичный возврат</source>
            <comment>recon.state.partially_refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в обработке</source>
            <comment>recon.state.pending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>возвращено</source>
            <comment>recon.state.refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>блокировка снята</source>
            <comment>recon.state.released</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неизвестно</source>
            <comment>recon.state.unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платёж банка с номером заказа {invoice} на {bank} (статус: {status}) не найден среди заказов магазина. Найдите заказ или обратитесь в банк.</source>
            <comment>recon.unknown_to_shop</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платёж банка без номера заказа на {bank} (статус: {status}) не найден среди заказов магазина. Найдите заказ или обратитесь в банк.</source>
            <comment>recon.unknown_to_shop_no_number</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операция «{action}» не завершена (состояние: {status}): результат уточняется у банка; не повторяйте её, пока он не станет известен.</source>
            <comment>recon.unresolved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операция «{action}» на {amount} не завершена (состояние: {status}): результат уточняется у банка; не повторяйте её, пока он не станет известен.</source>
            <comment>recon.unresolved_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список операций за {period} неполон: банк объявил записей — {total}, а выдал разных — {got}.</source>
            <comment>registry.incomplete</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Список не принят, чтобы ни одна запись не потерялась молча. Повторите позже; если повторяется, сообщите в поддержку.</source>
            <comment>registry.incomplete_hint</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>страницы 0 и 1 списка операций за {period} не похожи ни на один известный способ листать.</source>
            <comment>registry.paging_unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Повторите позже; если повторяется, сообщите в поддержку.</source>
            <comment>registry.tell_support</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выполнено</source>
            <comment>result.done</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось</source>
            <comment>result.error</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не разрешено</source>
            <comment>result.not_allowed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ждёт одобрения</source>
            <comment>result.pending_approval</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк отказал</source>
            <comment>result.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итог неизвестен</source>
            <comment>result.unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>бухгалтер</source>
            <comment>role.accountant</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>администратор</source>
            <comment>role.admin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>менеджер</source>
            <comment>role.manager</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нельзя подтвердить {amount}: заблокировано {held}. Подтвердите не больше {held}.</source>
            <comment>rules.above_held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нельзя вернуть {amount}: списано {captured}, уже возвращено {refunded}, так что вернуть можно не больше {remaining}.</source>
            <comment>rules.above_remaining</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма должна быть больше нуля.</source>
            <comment>rules.amount_not_positive</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат — не меньше {minimum}; можно от {minimum} до {remaining}.</source>
            <comment>rules.below_minimum</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка снимается только целиком: {held}, а не {amount}.</source>
            <comment>rules.cancel_in_full</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Снять можно только блокировку, а этот платёж — «{state}».</source>
            <comment>rules.cancel_not_held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить можно только заблокированный платёж, а этот — «{state}».</source>
            <comment>rules.confirm_not_held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма указана в {given}, а платёж — в {currency}: укажите сумму в {currency}.</source>
            <comment>rules.currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка истекла, и подтвердить её уже нельзя: снимите её и попросите покупателя оплатить заново.</source>
            <comment>rules.hold_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Всё списанное уже возвращено.</source>
            <comment>rules.nothing_left</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вернуть можно только списанный платёж, а этот — «{state}».</source>
            <comment>rules.refund_not_captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк возвращает не меньше {minimum}, а осталось только {remaining}: через банк этот платёж больше не вернуть.</source>
            <comment>rules.rest_below_minimum</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Песочница ответила {status}.</source>
            <comment>sandbox.answered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  адрес API: {url}</source>
            <comment>sandbox.api_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать состояние песочницы {path}: {error}. Уберите этот файл или укажите другой --state.</source>
            <comment>sandbox.bad_state</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>как сказано в документации банка: список операций отвечает только на токен пользователя кабинета (grant_type=password)</source>
            <comment>sandbox.cabinet_only</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пароль пользователя кабинета (по умолчанию собственный пароль песочницы, {password})</source>
            <comment>sandbox.cabinet_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какого пользователя кабинета мерчанта принимать (по умолчанию {user})</source>
            <comment>sandbox.cabinet_user</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось слушать {host}, порт {port}: {error}. Выберите другой --port (0 — свободный).</source>
            <comment>sandbox.cannot_listen</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк отклонил платёж (по просьбе или карта не тестовая).</source>
            <comment>sandbox.declined</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  демо: в сохранённом банке уже есть платежи, поэтому новые демо-данные не созданы</source>
            <comment>sandbox.demo_kept</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  заказы магазина записаны в {path}, строк: {rows}</source>
            <comment>sandbox.demo_orders</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  платежи для демонстрации за последние 30 дней: {n}</source>
            <comment>sandbox.demo_payments</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  подложенные расхождения: {planted}</source>
            <comment>sandbox.demo_planted</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк-песочница: точный эмулятор Halyk ePay, чтобы попробовать программу, для тестов и для замеров производительности. С настоящим банком он никогда не связывается.</source>
            <comment>sandbox.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  сбой: {kind} в {rate} запросов</source>
            <comment>sandbox.fault</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>доля сбоев {rate} вне диапазона: укажите вероятность от 0 до 1</source>
            <comment>sandbox.fault_rate</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в «{text}» нет доли запросов: напишите KIND:RATE, например {example}</source>
            <comment>sandbox.fault_without_rate</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>как задан в --client-secret</source>
            <comment>sandbox.given_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>банк-песочница: эмулятор Halyk ePay на этом компьютере</source>
            <comment>sandbox.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  задержка: {ms} мс на каждый ответ</source>
            <comment>sandbox.latency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Срок этой ссылки истёк.</source>
            <comment>sandbox.link_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Эта ссылка уже использована.</source>
            <comment>sandbox.link_used</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>терминал одностадийный: оплата по ссылке сразу списывается (по умолчанию — блокировка, которую подтверждает менеджер)</source>
            <comment>sandbox.links_capture</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк-песочница (эмулятор Halyk ePay) слушает {url}</source>
            <comment>sandbox.listening</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  платежей: {n}, загружены из {path}</source>
            <comment>sandbox.loaded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  client id: {client_id}   терминал: {terminal}   секрет: {secret}</source>
            <comment>sandbox.merchant</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{value} — отрицательное число: укажите 0 или больше</source>
            <comment>sandbox.negative</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Песочница {address} не ответила ({error}): она запущена?</source>
            <comment>sandbox.no_answer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В песочнице нет такой ссылки.</source>
            <comment>sandbox.no_link</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В профиле «{profile}» нет ссылки на оплату заказа {invoice_id}; список: `halyk-desk link list`.</source>
            <comment>sandbox.no_such_order_link</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{url} — не ссылка песочницы на этом компьютере.</source>
            <comment>sandbox.not_a_link</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не число</source>
            <comment>sandbox.not_a_number</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не конечное число</source>
            <comment>sandbox.not_finite</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{value}: нужно больше нуля</source>
            <comment>sandbox.not_positive</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{what}: нужно целое число, а не «{text}»</source>
            <comment>sandbox.not_whole</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>как список операций читает paging.page: zero (страницы с 0, по умолчанию), one (страницы с 1) или skip (сколько записей пропустить)</source>
            <comment>sandbox.paging</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплачено; банк отправляет уведомление.</source>
            <comment>sandbox.paid</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>номер карты (по умолчанию тестовая карта {card})</source>
            <comment>sandbox.pay.card</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>попросить банк отклонить платёж</source>
            <comment>sandbox.pay.decline</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплатить ссылку на оплату в песочнице тестовой картой, как покупатель на странице ссылки; затем банк отправляет уведомление. LINK_OR_INVOICE — адрес ссылки (песочница на этом компьютере) или номер заказа ссылки профиля.</source>
            <comment>sandbox.pay_description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>коды выхода:
  0 оплачено
  2 неверный вызов
  3 отклонено, истекла или уже оплачена
  1 другая ошибка</source>
            <comment>sandbox.pay_exit_codes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оплатить ссылку в песочнице, как покупатель</source>
            <comment>sandbox.pay_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>порт {port} вне диапазона: укажите от 0 до 65535</source>
            <comment>sandbox.port_out_of_range</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Чтобы остановить, нажмите Ctrl-C.</source>
            <comment>sandbox.press_ctrl_c</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  внимание: {host} может быть доступен с других компьютеров</source>
            <comment>sandbox.reachable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выдавая токен, отзывать прежние</source>
            <comment>sandbox.revoke_old_tokens</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк-песочница сохранён в {path}</source>
            <comment>sandbox.saved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какой client id мерчанта принимать (по умолчанию — тестового мерчанта банка)</source>
            <comment>sandbox.serve.client_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>какой секрет мерчанта принимать (по умолчанию — опубликованный банком тестовый секрет)</source>
            <comment>sandbox.serve.client_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заполнить банк платежами за месяц для демонстрации и записать рядом выгрузку заказов магазина</source>
            <comment>sandbox.serve.demo</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выдача токенов ePay по адресу /oauth2/token и API по адресу / на одном порту. Принимает опубликованного банком тестового мерчанта, если не заданы другие учётные данные.</source>
            <comment>sandbox.serve.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>вносить сбой в эту долю запросов, например http5xx:0.1; можно повторять. Виды: {kinds}</source>
            <comment>sandbox.serve.fault</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>запустить банк-песочницу по HTTP до Ctrl-C</source>
            <comment>sandbox.serve.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>на каком адресе слушать (по умолчанию 127.0.0.1: только этот компьютер)</source>
            <comment>sandbox.serve.host</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>задерживать каждый ответ на N миллисекунд (по умолчанию 0)</source>
            <comment>sandbox.serve.latency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>куда --demo записывает CSV заказов магазина из 1С-Битрикс (по умолчанию ./{file})</source>
            <comment>sandbox.serve.orders_out</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>TCP-порт (по умолчанию {port}; 0 — выбрать свободный)</source>
            <comment>sandbox.serve.port</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>зерно для демо-данных и выпадения сбоев: то же зерно — тот же прогон (по умолчанию 0)</source>
            <comment>sandbox.serve.seed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>сколько секунд сбой slow держит ответ (по умолчанию 30)</source>
            <comment>sandbox.serve.slow_seconds</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>хранить банк в этом файле JSON: загружается при запуске, сохраняется при выходе</source>
            <comment>sandbox.serve.state</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>id терминала мерчанта (по умолчанию — тестового мерчанта)</source>
            <comment>sandbox.serve.terminal</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>срок жизни токена в секундах (по умолчанию 7200)</source>
            <comment>sandbox.serve.token_ttl</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пользователь кабинета: {user}</source>
            <comment>sandbox.serving_cabinet</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>список операций требует входа пользователя кабинета</source>
            <comment>sandbox.serving_cabinet_only</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>страницы списка операций: {paging}</source>
            <comment>sandbox.serving_paging</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>новый токен отзывает прежние</source>
            <comment>sandbox.serving_revoke</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>каждый токен принимается в {n} запросах</source>
            <comment>sandbox.serving_token_uses</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк-песочница остановлен.</source>
            <comment>sandbox.stopped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>опубликованный банком тестовый секрет</source>
            <comment>sandbox.test_secret</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>порт</source>
            <comment>sandbox.the_port</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>значение</source>
            <comment>sandbox.the_value</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>  выдача токенов: {url}</source>
            <comment>sandbox.token_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>принимать каждый токен только в N запросах, потом отказывать, как просроченному</source>
            <comment>sandbox.token_uses</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>неизвестный вид сбоя «{kind}»: выберите из {kinds}</source>
            <comment>sandbox.unknown_fault</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{profile}» встроенный: его секрет изменить нельзя.</source>
            <comment>secrets.builtin</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Секрет клиента профиля «{profile}» пуст.</source>
            <comment>secrets.empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Если файл придётся убрать, введите секрет клиента каждого профиля заново (Файл → Настройки → Профили или halyk-desk profile add).</source>
            <comment>secrets.enter_again</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Системного хранилища паролей нет ({why}): секрет клиента профиля «{profile}» записан в файл {path}, который может читать только ваша учётная запись. Не показывайте этот файл никому и не кладите его в резервные копии, которыми делитесь; установите хранилище паролей (например, GNOME Keyring или KWallet), чтобы секреты хранились в нём.</source>
            <comment>secrets.fallback</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл секретов</source>
            <comment>secrets.file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл секретов {path} могут читать другие пользователи этого компьютера (права {mode}), поэтому его секреты не используются. Сделайте его доступным только вам: `chmod 600 '{path}'` — и запустите снова.</source>
            <comment>secrets.file_shared</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>системное хранилище паролей ({backend})</source>
            <comment>secrets.in_keyring</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>опубликован банком</source>
            <comment>secrets.published</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка не замечает разницу сумм до этой величины (в тиынах)</source>
            <comment>settings.amount_tolerance</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В файле настроек {path} неверное значение «{key}» ({title}): {problem}. Исправьте его в текстовом редакторе или удалите эту строку, чтобы вернуть значение по умолчанию ({default}).</source>
            <comment>settings.bad_value</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Часовой пояс рабочего дня</source>
            <comment>settings.business_tz</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть файлом SQLite (sqlite:///путь/halyk-desk.sqlite3) или адресом PostgreSQL (postgresql://user@host/halyk)</source>
            <comment>settings.database_kind</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не должно содержать пароль: пароль хранится в хранилище паролей системы</source>
            <comment>settings.database_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных (пусто: файл SQLite в папке данных); действует со следующего запуска</source>
            <comment>settings.database_url</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл настроек</source>
            <comment>settings.file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>папку {folder} нельзя создать или записать в неё</source>
            <comment>settings.folder_not_writable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка истекает через столько дней</source>
            <comment>settings.hold_expire_days</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Предупреждать о блокировке через столько дней</source>
            <comment>settings.hold_warn_days</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>На общем компьютере окно блокируется после стольких минут без действий</source>
            <comment>settings.idle_lock_minutes</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Язык окна (auto: язык системы)</source>
            <comment>settings.language</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Последний выбранный профиль банка</source>
            <comment>settings.last_profile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть true или false</source>
            <comment>settings.must_be_bool</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть адресом базы данных или пустым (тогда файл SQLite в папке данных)</source>
            <comment>settings.must_be_database</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть одним из: {choices}</source>
            <comment>settings.must_be_one_of</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть целым числом больше нуля</source>
            <comment>settings.must_be_positive</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть именем профиля</source>
            <comment>settings.must_be_profile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть целым числом тиынов, от нуля</source>
            <comment>settings.must_be_tiyn</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть названием часового пояса, например Asia/Almaty</source>
            <comment>settings.must_be_zone</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Просьба покупателя</source>
            <comment>settings.reason_customer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Двойная оплата</source>
            <comment>settings.reason_double_payment</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подозрение на мошенничество</source>
            <comment>settings.reason_fraud</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Другое</source>
            <comment>settings.reason_other</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нет в наличии</source>
            <comment>settings.reason_out_of_stock</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Корректировка цены</source>
            <comment>settings.reason_price</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причины для подтверждения, отмены и возврата</source>
            <comment>settings.reasons</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должна остаться хотя бы одна причина</source>
            <comment>settings.reasons_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть списком непустых текстов</source>
            <comment>settings.reasons_not_texts</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>одна и та же причина не должна повторяться</source>
            <comment>settings.reasons_twice</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат больше этой суммы (в тиынах) одобряет второй менеджер</source>
            <comment>settings.refund_approval_threshold</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{title}: {problem}.</source>
            <comment>settings.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сколько минут ждать банк, прежде чем считать операцию без ответа невыполненной</source>
            <comment>settings.settle_grace</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Общий компьютер: окно спрашивает, кто работает</source>
            <comment>settings.shared_computer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>для базы SQLite нужно имя файла</source>
            <comment>settings.sqlite_needs_file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сколько статусов читать одновременно при синхронизации</source>
            <comment>settings.sync_concurrency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>часового пояса «{zone}» нет; укажите название вроде Asia/Almaty</source>
            <comment>settings.unknown_zone</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>должно быть меньше дней, чем срок блокировки</source>
            <comment>settings.warn_before_expiry</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>файл состояния окна</source>
            <comment>settings.window_state_file</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор «{name}» отключён: включить его снова может администратор (`halyk-desk operator add`).</source>
            <comment>signin.disabled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Логин базы «{name}» — не оператор этой базы: роль ему даёт администратор (`halyk-desk db grant {name} --role РОЛЬ`).</source>
            <comment>signin.login_not_operator</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>У логина базы «{name}» нет прав в этой базе: роль ему даёт администратор (`halyk-desk db grant {name} --role РОЛЬ`).</source>
            <comment>signin.login_without_rights</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>У оператора «{name}» ещё нет пароля: его задаёт администратор (`halyk-desk operator passwd {name} --password-stdin`).</source>
            <comment>signin.no_password_set</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператора «{name}» нет: операторов добавляет администратор (`halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`).</source>
            <comment>signin.no_such</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>--operator не принимается в общей базе (PostgreSQL): там оператор — логин базы. Подключайтесь под своим логином (--db postgresql://ИМЯ@сервер/база).</source>
            <comment>signin.operator_on_team</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вы вошли в компьютер как «{name}», а такого действующего оператора здесь нет (или он отключён): добавить вас может администратор (`halyk-desk operator add {name} --role РОЛЬ`); или действуйте как оператор с --operator ИМЯ и его паролем.</source>
            <comment>signin.os_user_not_operator</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Чтобы действовать как «{name}», нужен его пароль: введите его, когда спросят, или передайте на стандартный ввод с --password-stdin.</source>
            <comment>signin.password_needed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль оператора {name} (не отображается): </source>
            <comment>signin.prompt</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{why} Ничего не прочитано и не отправлено.</source>
            <comment>signin.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Слишком много неверных паролей для «{name}» подряд: попробуйте снова через {seconds} с.</source>
            <comment>signin.wait</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Неверный пароль оператора «{name}».</source>
            <comment>signin.wrong_password</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>списано</source>
            <comment>state.captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отклонён</source>
            <comment>state.failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>блокировка (холд)</source>
            <comment>state.held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>требует проверки</source>
            <comment>state.needs_review</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет в банке</source>
            <comment>state.not_found</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>частичный возврат</source>
            <comment>state.partially_refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в процессе</source>
            <comment>state.pending</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>возврат</source>
            <comment>state.refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>блокировка снята</source>
            <comment>state.released</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не проверен</source>
            <comment>state.unknown</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных занята: другая программа держит её дольше {seconds} с. Повторите через минуту; если не помогает, закройте Halyk Desk в других окнах и на других компьютерах.</source>
            <comment>store.busy</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удаётся открыть базу данных {database}: {reason}. Проверьте адрес (--db, {env} или Настройки → База данных), что сервер запущен, и права пользователя.</source>
            <comment>store.cannot_open</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для базы данных нужен файл SQLite, а не база в памяти.</source>
            <comment>store.in_memory</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Обновление схемы нарушило внешние ключи: {rows}; ничего не изменено.</source>
            <comment>store.migration_broke_keys</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных {database} записана более новой версией Halyk Desk (ревизия схемы {revision}): чтобы открыть её, установите ту версию или более позднюю.</source>
            <comment>store.newer_schema</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных не открылась: {reason}. Проверьте, что её пользователь — владелец базы данных (см. руководство администратора).</source>
            <comment>store.refused</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиля «{name}» нет; какие профили есть, показывает `halyk-desk profile list`.</source>
            <comment>store.unknown_profile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>База данных «{kind}» не поддерживается: укажите файл SQLite (sqlite:///путь/halyk-desk.sqlite3) или PostgreSQL (postgresql+psycopg://user@host/db).</source>
            <comment>store.unsupported</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <comment>summary.captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Категория</source>
            <comment>summary.category</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Код</source>
            <comment>summary.code</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Количество</source>
            <comment>summary.count</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Валюта сверки</source>
            <comment>summary.currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Из них ожидают оплаты</source>
            <comment>summary.expecting</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сформировано</source>
            <comment>summary.generated_at</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сформировал</source>
            <comment>summary.generated_by</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Доля совпадений</source>
            <comment>summary.match_rate</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Чистыми (списано − возвращено)</source>
            <comment>summary.net</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет заказов, ожидающих оплаты</source>
            <comment>summary.no_expected</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказано</source>
            <comment>summary.ordered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказов в периоде</source>
            <comment>summary.orders</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период с</source>
            <comment>summary.period_from</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период по</source>
            <comment>summary.period_to</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль</source>
            <comment>summary.profile</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвращено</source>
            <comment>summary.refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Решено</source>
            <comment>summary.resolved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <comment>summary.sum</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Терминал</source>
            <comment>summary.terminal</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Часовой пояс</source>
            <comment>summary.time_zone</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{zone} — даты и время в книге по этому поясу</source>
            <comment>summary.time_zone_value</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка платежей Halyk ePay</source>
            <comment>summary.title</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отчёт не записан (сообщение говорит почему)</source>
            <comment>support.exit_failed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отчёт записан</source>
            <comment>support.exit_written</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>записать отчёт для поддержки (ZIP): журнал, версии, настройки без секретов, сведения о базе</source>
            <comment>support.help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт не записан в {path}: {reason}. Выберите папку, в которую можно писать.</source>
            <comment>support.not_written</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>куда записать ZIP-файл, например halyk-desk-support.zip</source>
            <comment>support.path_help</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт для поддержки записан: {path}. Отправьте этот файл в поддержку; секретов в нём нет.</source>
            <comment>support.written</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>изменилось: {changed}   не найдено: {not_found}   ошибок: {errors}</source>
            <comment>sync.counts</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ошибки по видам: {kinds} (каждая записана у своего платежа; следующая синхронизация попробует снова)</source>
            <comment>sync.errors_by_kind</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{done}/{total} {share}  {rate}/с  ещё {eta}</source>
            <comment>sync.figures</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация закончена: прочитано платежей — {read} из {total} за {time}.</source>
            <comment>sync.finished</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не прочитаны заново по возрасту (давно проверенные списанные платежи) — {unchanged}; --all читает все.</source>
            <comment>sync.not_due_by_age</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Список операций банка: записей — {listed}; платежей без изменений, не прочитанных заново — {unchanged}.</source>
            <comment>sync.registry_read</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Список операций банка не удалось использовать ({why}): платежи выбраны по возрасту.</source>
            <comment>sync.registry_unusable</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация остановлена: прочитано платежей — {read} из {total}; всё прочитанное сохранено, следующая синхронизация прочитает остальное.</source>
            <comment>sync.stopped</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Останавливаюсь: жду начатые чтения (Ctrl-C ещё раз — выйти сразу)…</source>
            <comment>sync.stopping</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Этот профиль синхронизировала другая программа: прочитано только то, что она оставила.</source>
            <comment>sync.waited</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>sync: этот профиль синхронизирует другая программа (прочитано {done} из {total}); жду её, потом прочитаю то, что она оставит.</source>
            <comment>sync.waiting</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Имя логина — от 1 до 63 символов, а не «{name}».</source>
            <comment>team.bad_login</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Логина базы «{name}» нет.</source>
            <comment>team.no_login</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Логины базы бывают только в общей базе (PostgreSQL); в базе этого компьютера операторов добавляют командой `halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`.</source>
            <comment>team.not_postgresql</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Новому логину «{name}» нужен пароль: дайте его с --password-stdin.</source>
            <comment>team.password_needed</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В поле «{field}» есть управляющий символ {char} (позиция {position}): он может исказить экран или таблицу. Уберите его и введите текст заново.</source>
            <comment>text.control_character</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Текст длиной {length} символов не помещается в поле «{field}»: допускается не больше {limit}. Сократите его.</source>
            <comment>text.too_long</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пуст</source>
            <comment>workbook.audit_empty</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Журнал аудита на момент сверки (audit verify --head)</source>
            <comment>workbook.audit_head</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Действие</source>
            <comment>workbook.col.action</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <comment>workbook.col.amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобрил</source>
            <comment>workbook.col.approved_by</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма в банке</source>
            <comment>workbook.col.bank_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Статус банка</source>
            <comment>workbook.col.bank_status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <comment>workbook.col.captured</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Карта</source>
            <comment>workbook.col.card</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Категория</source>
            <comment>workbook.col.category</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Код категории</source>
            <comment>workbook.col.category_code</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создана</source>
            <comment>workbook.col.created</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Валюта</source>
            <comment>workbook.col.currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <comment>workbook.col.customer</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>День</source>
            <comment>workbook.col.day</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Описание</source>
            <comment>workbook.col.description</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Разница</source>
            <comment>workbook.col.difference</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Истекает</source>
            <comment>workbook.col.expires</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Идентификатор операции (externalID)</source>
            <comment>workbook.col.external_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Комиссия</source>
            <comment>workbook.col.fee</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заблокировано</source>
            <comment>workbook.col.held</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма блокировки</source>
            <comment>workbook.col.hold_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Осталось, ч</source>
            <comment>workbook.col.hours_left</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Номер заказа (invoiceId)</source>
            <comment>workbook.col.invoice_id</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ключ</source>
            <comment>workbook.col.key</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Когда отмечено</source>
            <comment>workbook.col.marked_at</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отметил</source>
            <comment>workbook.col.marked_by</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Совпало заказов</source>
            <comment>workbook.col.matched</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Чистыми</source>
            <comment>workbook.col.net</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Примечание</source>
            <comment>workbook.col.note</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор</source>
            <comment>workbook.col.operator</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма заказа</source>
            <comment>workbook.col.order_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ создан</source>
            <comment>workbook.col.order_created</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Валюта заказа</source>
            <comment>workbook.col.order_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказано</source>
            <comment>workbook.col.ordered</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказов</source>
            <comment>workbook.col.orders</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выплачено банком</source>
            <comment>workbook.col.paid_out</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма платежа</source>
            <comment>workbook.col.payment_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платёж создан</source>
            <comment>workbook.col.payment_created</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Валюта платежа</source>
            <comment>workbook.col.payment_currency</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платежей</source>
            <comment>workbook.col.payments</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина</source>
            <comment>workbook.col.reason</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвращено</source>
            <comment>workbook.col.refunded</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Остаток</source>
            <comment>workbook.col.remaining</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Решено</source>
            <comment>workbook.col.resolved</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Результат сверки</source>
            <comment>workbook.col.result</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Завершена</source>
            <comment>workbook.col.settled</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма в магазине</source>
            <comment>workbook.col.shop_amount</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ в магазине</source>
            <comment>workbook.col.shop_order</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплачен в магазине</source>
            <comment>workbook.col.shop_paid</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Статус в магазине</source>
            <comment>workbook.col.shop_status</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние</source>
            <comment>workbook.col.state</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Срок</source>
            <comment>workbook.col.term</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Транзакция банка</source>
            <comment>workbook.col.transaction</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ожидает</source>
            <comment>workbook.hold_awaiting</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>истекла</source>
            <comment>workbook.hold_expired</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>скоро истекает</source>
            <comment>workbook.hold_expiring</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нет</source>
            <comment>workbook.no</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>По дням</source>
            <comment>workbook.sheet_daily</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождения</source>
            <comment>workbook.sheet_discrepancies</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки</source>
            <comment>workbook.sheet_holds</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвраты и операции</source>
            <comment>workbook.sheet_operations</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платежи</source>
            <comment>workbook.sheet_payments</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сводка</source>
            <comment>workbook.sheet_summary</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Итого</source>
            <comment>workbook.total</comment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Да</source>
            <comment>workbook.yes</comment>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>MoneyActions</name>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправляется</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправлено, ждём ответа банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action} {amount} ({operator}) — {what}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операция не выполнена</source>
            <extracomment>An operation ended (any result): what it changed (services.changes.Changes). A line for the status bar (what settling unresolved operations found).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операция не выполнена: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось уточнить результат операций у банка: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Уточнено у банка операций: {settled} из {total}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отменить блокировку…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать операции: {error}</source>
            <extracomment>The holds with an unresolved operation, in a line of its own above the table.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операции в процессе — </source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказ {invoice}: {status}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтверждать и отменять блокировки может менеджер.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>По выбранным платежам уже идёт операция: дождитесь её результата.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пропущена: {status}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операция в процессе: {status}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операции с деньгами выполняет менеджер.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Дождитесь результата текущей операции.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>OperationDialogs</name>
        <message>
            <source>Заказ</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Осталось</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Результат</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить списание</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отменить блокировку</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выполнено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк отказал</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не разрешено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Результат неизвестен, уточняется у банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ждёт одобрения второго менеджера</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк не ответил. Программа сама сверит результат со статусом банка; до тех пор действия с этим платежом недоступны. Повторять не нужно.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат уйдёт в банк после одобрения другим менеджером.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>— выберите причину —</source>
            <extracomment>The words field only when the reason needs them («Другое»): a dialog with a note of its own (a refund's) would otherwise show two look-alike free-text fields.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Опишите причину своими словами (обязательно)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Комментарий (необязательно)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выберите причину.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Для причины «{reason}» опишите её своими словами.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма должна быть больше нуля.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Можно подтвердить не больше {held}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат — не меньше {minimum}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Можно вернуть не больше {rest}: списано {captured}, уже возвращено {refunded}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма указывается в валюте платежа ({currency}).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка истекла: подтвердить её уже нельзя.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action} — заказ {invoice}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма, {currency}:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Например, номер акта возврата</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Примечание к возврату (необязательно):</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не выполнять</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ {invoice}: заблокировано {held}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Будет списано {amount} из заблокированных {held}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Остаток {rest} будет разблокирован и вернётся покупателю.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина: {reason}. Оператор: {operator}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заполните форму: ниже сказано, чего не хватает.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировка {held} будет снята целиком: деньги снова станут доступны покупателю. Списано не будет ничего.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ {invoice}: списано {captured}, уже возвращено {refunded}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вернуть</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупателю будет возвращено {amount}; после возврата останется {after}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат больше {limit}: он дождётся одобрения второго менеджера и только потом уйдёт в банк.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пропущена: блокировка истекла</source>
            <extracomment>invoiceId → why it is left out (expired, an operation in progress).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action}: несколько блокировок</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>истекла</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подтвердить все</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отменить все</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Закрыть</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Будет списано полностью: {count} на сумму {total}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Будут сняты целиком: {count} на сумму {total}; списано не будет ничего.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пропущено: {n} (см. таблицу).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор: {operator}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нечего выполнять: все выбранные блокировки пропущены.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выполняется… {n} операций, по одной.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Готово. </source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось выполнить: {error}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>OperationsView</name>
        <message>
            <source>№</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создана</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Действие</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ответ банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нерешённые</source>
            <extracomment>What the filter offers: title → statuses (None: all).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ждут одобрения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ошибка чтения: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправляется</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ждёт одобрения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отправлено, ждём ответа</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>выполнено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не выполнено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отклонено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобрить возврат №{id}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action} {amount} по заказу {invoice}.
Запросил: {requester}, {when}.
Причина: {reason}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Примечание: {note}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>После одобрения ({approver}) программа ещё раз проверит платёж у банка и отправит возврат.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобрить и отправить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не сейчас</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отклонить возврат №{id}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{action} {amount} по заказу {invoice} (запросил {requester}) не будет отправлен в банк.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Почему (обязательно)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отклонить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Укажите причину отказа.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобрить…</source>
            <extracomment>Something was approved, rejected or settled: what changed (services.changes.Changes).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отклонить…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Уточнить у банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прочитать статус у банка и решить операции с неизвестным результатом</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Показать:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операций: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Свой запрос одобряет другой менеджер.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Одобряет менеджер.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операции</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>OperatorsPage</name>
        <message>
            <source>Операторы</source>
            <extracomment>The list was read again (after loading or a change); for tests.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Роль</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>имя входа в систему, например anna</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>пароль входа в базу данных</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В общей базе оператор входит своим логином базы данных; его пароль задаёт администратор базы данных.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>новый пароль (пусто — не менять)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохранить оператора</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отключить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Бухгалтер смотрит, сверяет и выгружает; менеджер ещё подтверждает, отменяет блокировки и делает возвраты; администратор ещё меняет настройки и операторов. Оператор — это имя входа в систему; другим оператором входят с его паролем (Файл → Сменить оператора…), который администратор задаёт здесь.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать операторов: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>активен</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>отключён</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите имя оператора — имя входа в систему, от 1 до 64 знаков, например anna.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{name} — единственный администратор: сначала назначьте администратором кого-то ещё.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{name}: роль «{role}» сохранена.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{name}: роль «{role}» и новый пароль сохранены.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выберите оператора в списке.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{name} отключён: войти и действовать он больше не может.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Менять операторов может только администратор.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>OrdersImporter</name>
        <message>
            <source>Импорт заказов магазина</source>
            <extracomment>How many of a refused file's errors the message lists; the rest are counted.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выгрузка заказов (*.csv *.txt *.xlsx);;Все файлы (*)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ничего не загружено: исправьте файл и загрузите его снова.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл {file}: новых заказов — {added}, без изменений — {unchanged}, обновлено — {updated}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Загружаю заказы из {file}…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказы не загружены: в файле есть ошибки.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказы не загружены.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось загрузить файл: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказы не загружены</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказы загружены</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PaymentDetailPane</name>
        <message>
            <source>Сумма</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвращено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ создан</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Карта</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Транзакция банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прочитано у банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ошибка чтения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Поле банка</source>
            <extracomment>Issue 4 puts confirm / cancel / refund here; empty until then.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Значение</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Когда</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Статус банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Уведомления банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Получено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Результат</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк при проверке</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Данные банка</source>
            <extracomment>Everything below the title; hidden while no payment is shown.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>История статусов</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать платёж {invoice}: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ {invoice}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ещё не читали</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка на оплату ({state}), до {until}; создал {who}: {description}
{url}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>проверено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>НЕ ПРОВЕРЕНО: {why}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>у банка нет платежа</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>ещё не проверено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выберите платёж в списке</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PaymentLinks</name>
        <message>
            <source>Закрыть</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>активна, ждёт оплаты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оплачена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>срок истёк, не оплачена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>платёж отклонён</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выставить счёт</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>например, 15 000 или 1 500,50</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>что оплачивает покупатель</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>1 час</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>1 день</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>3 дня</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>7 дней</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>За что:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>E-mail покупателя:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Телефон покупателя:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка действует:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Язык страницы оплаты:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создать ссылку</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отмена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк создаст ссылку на оплату; заказ появится в списке платежей как ожидающий оплаты.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Создаю ссылку…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка на оплату заказа {invoice}</source>
            <extracomment>The sandbox took the payment (its status has been read): the lists should read again.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копировать</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отправить по e-mail</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ {invoice} на {amount}: {description}.
Действует до {until}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплатить в песочнице (тестовая карта)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покажите код покупателю: камера телефона откроет страницу оплаты.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка скопирована.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель платит тестовой картой…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплата не прошла: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оплачено тестовой картой; статус у банка: {status}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Почтовая программа не открылась: скопируйте ссылку и отправьте её сами.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выставить счёт…</source>
            <extracomment>A link was made (its invoiceId): the Payments tab shows it. The sandbox took a link's payment: what changed (services.changes.Changes). The last result dialog, for tests and screenshots.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка на оплату для заказа по телефону или e-mail (Ctrl+N)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылки на оплату создают менеджеры и администраторы.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылка не создана: {error}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PaymentsModel</name>
        <message>
            <source>Номер заказа</source>
            <extracomment>Rows per database query: one indexed LIMIT query, small enough to be instant. Blocks kept in memory (least recently used go first): 50 × 200 rows. Blocks waiting to be fetched; older requests are dropped when the user scrolls past quickly. Neighbouring blocks asked for together are fetched by one query, up to this many.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказ создан</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Покупатель</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сумма</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвращено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Статус банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Карта</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>RRN</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Статус в магазине</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>PaymentsView</name>
        <message>
            <source>Все заказы</source>
            <extracomment>Pause after the last keystroke before the database is asked. Copying more rows than this is a job for the export, not the clipboard. Ctrl+A selects the whole list only up to this many rows. Starting period when "all dates" is switched off. The link filter's choices: all orders, orders with a link, or links in one state.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все ссылки на оплату</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылки: ждут оплаты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылки: оплачены</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылки: срок истёк</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ссылки: платёж отклонён</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Поиск: номер заказа, RRN, карта, покупатель (Ctrl+F)</source>
            <extracomment>A short note for the status bar ("Скопировано 3 строки"). The payment chosen in the table changed: its invoiceId, or None when none is. An order to select once the list has loaded (show_invoice).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все даты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период:</source>
            <extracomment>The filter bar; add_to_bar puts a button at its start.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копировать строки</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Загрузка…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подсчёт строк…</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>%n платежей</source>
            <translation>
                <numerusform>%n платёж</numerusform>
                <numerusform>%n платежа</numerusform>
                <numerusform>%n платежей</numerusform>
            </translation>
        </message>
        <message>
            <source>Ошибка чтения: {message}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В списке {n} строк: выделить все можно, когда их не больше {limit}. Сузьте список поиском, периодом или состоянием.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выделено строк: {n} — это больше, чем {limit} для буфера обмена.</source>
            <translation type="unfinished" />
        </message>
        <message numerus="yes">
            <source>Скопировано строк: %n</source>
            <translation>
                <numerusform>Скопировано строк: %n</numerusform>
                <numerusform>Скопировано строк: %n</numerusform>
                <numerusform>Скопировано строк: %n</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ProfilesPage</name>
        <message>
            <source>Профили банка</source>
            <extracomment>A connection test ended (True when it worked); for tests. The list of profiles was read (again). A profile was saved (its name).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Новый профиль</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>UUID магазина из кабинета банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохранить для ссылок на оплату</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Идентификатор магазина и адрес приёмника уведомлений банка: нужны, чтобы выставлять счета (ссылки на оплату). Сохраняются для любого профиля, и встроенного тоже.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохранить профиль</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверить соединение</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вид:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Имя:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Адрес токенов (OAuth):</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Адрес API:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Client ID:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Терминал:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Секрет клиента:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Где хранится секрет:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пользователь кабинета:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль кабинета:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Идентификатор магазина:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Адрес уведомлений банка:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открывать при запуске:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль — это адреса банка и данные мерчанта. Сейчас открыт профиль «{name}»; другой откроется при следующем запуске.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось прочитать профили: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>латиница, например shop-main</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>из кабинета мерчанта</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>введите секрет</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>оставьте пустым, чтобы не менять</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>логин кабинета мерчанта, если есть</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>на этом компьютере, выбирается при запуске</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Имя профиля: от 1 до 64 строчных латинских букв, цифр, «-» или «_», например shop-main; имена sandbox и halyk-test заняты.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Адрес токенов: введите адрес https:// из документации банка, например {url}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Адрес API: введите адрес https:// из документации банка, например {url}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Client ID пуст: скопируйте его из кабинета мерчанта банка.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Терминал — это идентификатор вида 67e34d63-102f-4bd1-898e-370781d0074d из кабинета мерчанта: скопируйте его целиком.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите секрет клиента (client secret) из кабинета мерчанта.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите пароль пользователя кабинета — тот, с которым он входит в кабинет мерчанта.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите пользователя кабинета, к которому относится пароль.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не сохранено: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Поля ссылок на оплату профиля «{name}» сохранены.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохраняю…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохранять профили может только администратор.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль не сохранён: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль «{name}» сохранён.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подключаюсь к банку…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверка не удалась: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>песочница: учебный банк на этом компьютере</source>
            <extracomment>A profile every field of which passes profiles.custom_profile: each field is checked by putting it in here, so the rules stay the service's own.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>тестовый магазин банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>свой профиль</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не нужен: песочница работает без ключей банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>опубликован банком для своего тестового магазина</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в системном хранилище паролей</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>в файле {path}: системного хранилища паролей нет</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>не сохранён: введите секрет, который выдал банк</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>На этом компьютере нет системного хранилища паролей, поэтому секрет сохранён в файле {path}, который может читать только ваша учётная запись. Не передавайте этот файл и не кладите его в общие копии; чтобы хранить секреты в хранилище, установите его (например, GNOME Keyring или KWallet) и сохраните профиль ещё раз.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Соединение работает: банк ({host}) выдал токен и ответил на запрос статуса.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Профиль заполнен не полностью: проверьте адреса, client id, терминал и секрет.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк не принял данные входа: проверьте client id, секрет и терминал — их выдаёт банк в кабинете мерчанта.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк не принял вход пользователя кабинета: проверьте пользователя и пароль, с которыми он входит в кабинет мерчанта.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк не отвечает по адресу {host}: проверьте адреса и подключение к интернету и повторите через минуту.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Банк ответил отказом: проверьте терминал и client id; подробности ниже.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ответ по адресу {host} не похож на ответ банка: проверьте адрес API.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверка не удалась.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>песочница входит в кабинет сама</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Список операций банка и ссылки на оплату банк выдаёт по входу пользователя кабинета мерчанта; без него программа пробует ключи клиента.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль кабинета: {where}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>QFileDialog</name>
        <message>
            <source>&amp;Look in:</source>
            <translation>&amp;Папка:</translation>
        </message>
        <message>
            <source>Files of &amp;type:</source>
            <translation>&amp;Тип файлов:</translation>
        </message>
    </context>
    <context>
        <name>ReasonsPage</name>
        <message>
            <source>Причины</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Добавить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Удалить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выше</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Ниже</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Из этого списка выбирают причину подтверждения, отмены и возврата, в этом порядке. Чтобы изменить текст, дважды щёлкните по нему. Для причины «Другое» оператор пишет пояснение сам.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Новая причина</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нужна хотя бы одна причина: нажмите «Добавить» и введите её, например «Просьба покупателя».</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В строке {row} пустая причина: введите текст или удалите строку.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Причина «{reason}» записана дважды: удалите повтор.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Reconciliation</name>
        <message>
            <source>Совпадает</source>
            <extracomment>Resolved lines are greyed: they stay in the list, and in the workbook, for the record. The reconciliation's categories in Russian (the engine's TITLES, here so that lupdate finds them; a test keeps both the same).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождение суммы</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождение статуса</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Нет оплаты в банке</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платёж неизвестен магазину</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Несколько платежей по заказу</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки, ожидают подтверждения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки, скоро истекают</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки, срок истёк</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Частичный возврат</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Комиссия банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Расхождение валюты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Незавершённые операции</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>нет</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>✓ {by}: {note}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Категория</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>День</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Номер заказа</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В магазине</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В банке</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Разница</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Что не так</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Решено</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>ReconciliationView</name>
        <message>
            <source>Сохранить сверку в Excel</source>
            <extracomment>Widths of the columns but the message's, which takes what is left: narrow enough that on a 1366 px laptop the message keeps room for a sentence (long names are elided, with a tooltip). The least width of the message column: about forty characters. Category cards per row under the money cards.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга Excel (*.xlsx)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вчера</source>
            <extracomment>A run arrived and is shown (the Reconciliation). A run or an export failed or was cancelled (the text shown). The workbook was written (its path). A discrepancy was marked resolved (the Discrepancy as it now reads). A line for the window's status bar.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прошлый месяц</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Реестр операций банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Запросить у банка реестр операций: он показывает платежи, неизвестные магазину, и повторные оплаты одного заказа.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отменить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Экспорт в Excel…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга Excel со всеми листами сверки (Ctrl+E)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выберите день или период и нажмите «Сверить»: заказы магазина сравниваются с платежами банка.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказано</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Списано</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возвращено</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Чистыми (списано − возвращено)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Доля совпадений</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Все расхождения</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Показывать решённые</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отметить решённым…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Показать:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Период:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверяю {period}…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Читаю заказы и платежи</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Читаю реестр операций банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сопоставляю</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохраняю результат</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Записываю книгу Excel</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка отменена: ничего не сохранено.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>За {period} сверять нечего: в базе нет заказов, платежей и операций этих дней. Проверьте даты, загрузите заказы магазина и синхронизируйте (F5).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка не выполнена: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>реестр операций банка прочитан ({n})</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>без реестра операций банка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>реестр операций банка недоступен профилю</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>реестр операций банка не прочитан</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка за {period} ({tz}) · выполнена {at}, {who} · {listed}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платежи {n} заказов ещё не прочитаны из банка: они показаны как «нет оплаты в банке». Синхронизируйте (F5) и сверьте снова.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Без реестра операций не видны платежи, неизвестные магазину, и повторные оплаты ({why}).</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>заказов: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>совпало {matched} из {expected}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>решено: {n}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>показано {shown} из {total} · открытых {open}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Решено: {note} ({by}, {at})</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Заказа нет в магазине. Платёж банка: {tx}, {amount}, карта {card}, RRN {rrn}.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Изменить примечание…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отметить решённым</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось отметить расхождение: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Экспорт</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сначала выполните сверку: в книгу Excel попадает её результат.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка {period}.xlsx</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Экспорт отменён: файл не записан.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга Excel не записана: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Книга Excel записана: {path}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>RefundsPage</name>
        <message>
            <source>Возвраты</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Второй менеджер одобряет возвраты больше:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Возврат больше этой суммы ждёт, пока другой менеджер его одобрит, и только потом уходит в банк. 0 — одобрять каждый возврат.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>«{text}» — не сумма: введите сумму в тенге цифрами, например 100 000 или 250 000,50.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>Roles</name>
        <message>
            <source>бухгалтер</source>
            <extracomment>Longest a hold may be set to last, in days (the bank's own limit is far shorter).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>менеджер</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>администратор</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Настройки</source>
            <extracomment>Settings that take effect only when the program starts again. The settings were saved: the changes (list[SettingChange]) and a warning to show, if any (a password that went to the fallback file). Whether the operator may change the admin-only pages is known; for tests.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сохранить</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отмена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Не удалось узнать права оператора: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор {name} не зарегистрирован: менять можно только язык. Попросите администратора добавить вас.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вы вошли как {name} (администратор): можно менять всё.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вы вошли как {name}: эти настройки меняет администратор, вам доступны язык и проверка соединения.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Эти настройки меняет администратор; ничего не сохранено.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Файл настроек не записан ({error}): проверьте, что диск не заполнен и папка доступна для записи, и сохраните снова; ничего не изменено.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Настройки не сохранены: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Настройки сохранены; язык, база данных и профиль при запуске сменятся при следующем запуске программы.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Настройки сохранены.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SignInDialog</name>
        <message>
            <source>Окно заблокировано</source>
            <extracomment>What counts as someone working at the computer. The name of the operator who proved it.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Вход</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Окно заблокировано: никто не работал с ним {minutes} мин. Введите пароль, чтобы продолжить, или войдите другим оператором.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Кто работает? Войдите своим именем оператора и паролем: всё, что вы сделаете, будет записано на ваше имя.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Войти</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выйти из программы</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Оператор:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Введите имя оператора.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Проверяю…</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SignInPage</name>
        <message>
            <source>Вход и блокировка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Компьютер общий: несколько человек работают под одной учётной записью системы</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source> мин</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировать окно без действий через:</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>На общем компьютере окно при запуске спрашивает имя оператора и пароль, а если с ним никто не работает дольше этого времени, прячет данные и спрашивает пароль снова. Пароли операторов задаёт администратор на странице «Операторы». Действует со следующего запуска.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>StateFilterButton</name>
        <message>
            <source>Все состояния</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние: все</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояние: {state}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Состояний выбрано: {n}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SupportReporter</name>
        <message>
            <source>Сохранить отчёт для поддержки</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Архив ZIP (*.zip)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Записываю отчёт для поддержки…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт для поддержки не записан.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт для поддержки</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт не записан: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт для поддержки записан.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отчёт записан: {path}

Отправьте этот файл в поддержку. В нём журнал, версии, настройки и сведения о базе; секретов, токенов и номеров карт в нём нет.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>SyncPanel</name>
        <message>
            <source>Отмена</source>
            <extracomment>What the Sync button runs: services.sync.sync_statuses, or the same bound to another bank. A sync ended (finished or cancelled) and wrote what it read: views should read again. The one-line result for the status bar.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизировать</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Прочитать у банка состояние платежей (F5)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Подготовка…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Останавливаю…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{done} из {total}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>синхронизирует другой компьютер, ждём</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Этот профиль сейчас синхронизирует другой компьютер; ждём его и прочитаем только то, что он оставит.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{rate}/с · осталось {eta}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация не удалась: {error}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Последняя синхронизация: неизвестно</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Время Алматы</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизации ещё не было</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация от {when} прервана: программа была остановлена. Следующая продолжит с того, что успела сохранить.</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация от {when} не завершена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация: {when} (остановлена)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация: {when} (с ошибкой)</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация: {when}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация остановлена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Синхронизация завершена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>{head}: прочитано {read}, изменилось {changed}, нет в банке {not_found}, ошибок {errors}</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>; остальное прочитает следующая синхронизация</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>; без изменений и не читались заново: {unchanged}</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>TableMenus</name>
        <message>
            <source>Копировать строки</source>
            <extracomment>The menu last shown (tests trigger its actions instead of clicking a popup).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Показать подробности</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Открыть в платежах</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Копировать номера заказов</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>WindowMenus</name>
        <message>
            <source>&amp;Файл</source>
            <extracomment>The window over its open data (attached).</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Импорт заказов…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Экспорт…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Настройки…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сменить &amp;оператора…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>В&amp;ыход</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Правка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Найти платёж</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Справка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;Сохранить отчёт для поддержки…</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>&amp;О программе</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Пароль базы данных</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Выгружать в Excel можно со вкладки, которая это умеет, например со сверки.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>WindowSignIn</name>
        <message>
            <source>В общей базе оператор — логин базы: чтобы работать другим оператором, подключитесь под его логином (Файл → Настройки → База данных).</source>
            <extracomment>Another operator is working now (their name): the window shows it and reads again.</extracomment>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Отмена</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Работает оператор {name}.</source>
            <translation type="unfinished" />
        </message>
    </context>
    <context>
        <name>WindowWiring</name>
        <message>
            <source>Сводка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Платежи</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Блокировки</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Сверка</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Операции</source>
            <translation type="unfinished" />
        </message>
        <message>
            <source>Аудит</source>
            <translation type="unfinished" />
        </message>
    </context>
</TS>
