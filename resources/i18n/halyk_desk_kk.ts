<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="kk" sourcelanguage="ru">
    <context>
        <name>AboutDialog</name>
        <message>
            <source>О программе</source>
            <translation>Бағдарлама туралы</translation>
        </message>
        <message>
            <source>&lt;h2&gt;Halyk Desk {version}&lt;/h2&gt;</source>
            <translation>&lt;h2&gt;Halyk Desk {version}&lt;/h2&gt;</translation>
        </message>
        <message>
            <source>Бэк-офис магазина для платежей через Halyk ePay: сверка, блокировки, возвраты.</source>
            <translation>Halyk ePay арқылы төлем қабылдайтын дүкеннің бэк-офисі: салыстыру, бұғаттаулар, қайтарулар.</translation>
        </message>
        <message>
            <source>Версия</source>
            <translation>Нұсқа</translation>
        </message>
        <message>
            <source>Папка данных</source>
            <translation>Деректер қалтасы</translation>
        </message>
        <message>
            <source>Настройки</source>
            <translation>Баптаулар</translation>
        </message>
        <message>
            <source>Журналы</source>
            <translation>Журналдар</translation>
        </message>
        <message>
            <source>База данных</source>
            <translation>Деректер базасы</translation>
        </message>
        <message>
            <source>Профиль</source>
            <translation>Профиль</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Оператор</translation>
        </message>
        <message>
            <source>Язык</source>
            <translation>Тіл</translation>
        </message>
        <message>
            <source>Система</source>
            <translation>Жүйе</translation>
        </message>
        <message>
            <source>Открыть папку данных</source>
            <translation>Деректер қалтасын ашу</translation>
        </message>
        <message>
            <source>Копировать сведения</source>
            <translation>Мәліметтерді көшіру</translation>
        </message>
        <message>
            <source>Закрыть</source>
            <translation>Жабу</translation>
        </message>
    </context>
    <context>
        <name>App</name>
        <message>
            <source>Halyk Desk не запустился</source>
            <translation>Halyk Desk іске қосылмады</translation>
        </message>
        <message>
            <source>Не удалось открыть данные Halyk Desk:
{error}

Проверьте адрес базы данных (параметр --db или переменная HALYK_DESK_DB) и файл настроек в папке программы (параметр --home или переменная HALYK_DESK_HOME). Если база на сервере PostgreSQL, проверьте, что сервер доступен. Затем запустите программу снова.</source>
            <extracomment>The sandbox badge: black on orange, a contrast of about 9:1. How long (ms) the window waits for background work to stop when it closes. What `attach` imports, loaded on the worker that opens the data so that the GUI thread does not wait for them.</extracomment>
            <translation>Halyk Desk деректерін ашу мүмкін болмады:
{error}

Деректер базасының мекенжайын (--db параметрі немесе HALYK_DESK_DB айнымалысы) және бағдарлама қалтасындағы баптаулар файлын (--home параметрі немесе HALYK_DESK_HOME айнымалысы) тексеріңіз. Деректер базасы PostgreSQL серверінде болса, сервердің қолжетімді екенін тексеріңіз. Содан кейін бағдарламаны қайта іске қосыңыз.</translation>
        </message>
        <message>
            <source>Если базу выбрали в настройках (Файл → Настройки → База данных), а она больше не нужна, удалите строку database_url из файла {path}: программа откроет свою базу на этом компьютере.</source>
            <translation>Егер деректер базасы баптауларда таңдалса (Файл → Баптаулар → Деректер базасы) және ол енді қажет болмаса, {path} файлынан database_url жолын өшіріңіз: бағдарлама осы компьютердегі өз базасын ашады.</translation>
        </message>
    </context>
    <context>
        <name>AuditView</name>
        <message>
            <source>№</source>
            <extracomment>How many entries the tab shows at most (newest first); filters narrow it down.</extracomment>
            <translation>№</translation>
        </message>
        <message>
            <source>Время</source>
            <translation>Уақыт</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Оператор</translation>
        </message>
        <message>
            <source>Действие</source>
            <translation>Әрекет</translation>
        </message>
        <message>
            <source>Заказ / предмет</source>
            <translation>Тапсырыс / нысан</translation>
        </message>
        <message>
            <source>Подробности</source>
            <translation>Толығырақ</translation>
        </message>
        <message>
            <source>Номер заказа</source>
            <translation>Тапсырыс нөмірі</translation>
        </message>
        <message>
            <source>Все даты</source>
            <translation>Барлық күндер</translation>
        </message>
        <message>
            <source>Обновить</source>
            <translation>Жаңарту</translation>
        </message>
        <message>
            <source>Прочитать журнал заново</source>
            <translation>Журналды қайта оқу</translation>
        </message>
        <message>
            <source>Проверить целостность</source>
            <translation>Тұтастығын тексеру</translation>
        </message>
        <message>
            <source>Оператор:</source>
            <translation>Оператор:</translation>
        </message>
        <message>
            <source>Действие:</source>
            <translation>Әрекет:</translation>
        </message>
        <message>
            <source>Период:</source>
            <translation>Кезең:</translation>
        </message>
        <message>
            <source>Все</source>
            <translation>Барлығы</translation>
        </message>
        <message>
            <source>Ошибка чтения: {error}</source>
            <translation>Оқу қатесі: {error}</translation>
        </message>
        <message>
            <source>Записей: {n}</source>
            <translation>Жазбалар: {n}</translation>
        </message>
        <message>
            <source>Проверяю цепочку записей…</source>
            <translation>Жазбалар тізбегін тексеріп жатырмын…</translation>
        </message>
        <message>
            <source>Проверка не удалась: {error}</source>
            <translation>Тексеру сәтсіз аяқталды: {error}</translation>
        </message>
        <message>
            <source>Журнал цел: {n} записей, цепочка хешей сходится.</source>
            <translation>Журнал бүтін: {n} жазба, хеш тізбегі сәйкес келеді.</translation>
        </message>
        <message>
            <source>изменена</source>
            <translation>өзгертілген</translation>
        </message>
        <message>
            <source>удалена</source>
            <translation>жойылған</translation>
        </message>
        <message>
            <source>переставлена</source>
            <translation>орны ауыстырылған</translation>
        </message>
        <message>
            <source>Журнал повреждён: запись №{seq} {kind}. {message}</source>
            <translation>Журнал бүлінген: №{seq} жазба {kind}. {message}</translation>
        </message>
    </context>
    <context>
        <name>DailyChart</name>
        <message>
            <source>Списано и возвращено по дням</source>
            <extracomment>A day's bars were clicked.</extracomment>
            <translation>Күндер бойынша есептен шығарылғаны және қайтарылғаны</translation>
        </message>
        <message>
            <source>Платежи ещё не прочитаны из банка: нажмите F5 (Синхронизировать).</source>
            <translation>Төлемдер банктен әлі оқылған жоқ: F5 басыңыз (Синхрондау).</translation>
        </message>
        <message>
            <source>За этот период денег не списывали и не возвращали.</source>
            <translation>Бұл кезеңде ақша есептен шығарылмаған және қайтарылмаған.</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Возвраты</source>
            <translation>Қайтарулар</translation>
        </message>
        <message>
            <source>по дням оформления платежа, время Алматы</source>
            <translation>төлем жасалған күн бойынша, Алматы уақыты</translation>
        </message>
        <message>
            <source>{day}: списано {captured}, возвраты {refunded}, платежей {count}. Щёлкните, чтобы открыть их список.</source>
            <translation>{day}: есептен шығарылды {captured}, қайтарулар {refunded}, төлемдер {count}. Тізімін ашу үшін басыңыз.</translation>
        </message>
        <message>
            <source>{n} млн {symbol}</source>
            <extracomment>Dark enough for a 4.5:1 contrast on white, apart enough to tell without colour vision. Pixels around the plot, besides the axis labels.</extracomment>
            <translation>{n} млн {symbol}</translation>
        </message>
        <message>
            <source>{n} тыс. {symbol}</source>
            <translation>{n} мың {symbol}</translation>
        </message>
        <message>
            <source>{n} {symbol}</source>
            <translation>{n} {symbol}</translation>
        </message>
    </context>
    <context>
        <name>DashboardView</name>
        <message>
            <source>7 дней</source>
            <extracomment>Periods of the dashboard: (key, number of days or a month). Open the Payments tab with this filter. Open the Holds tab with the holds of this bucket (a HoldBucket) selected. Open the journal of operations at the unresolved ones. The figures were read (again); for tests.</extracomment>
            <translation>7 күн</translation>
        </message>
        <message>
            <source>30 дней</source>
            <translation>30 күн</translation>
        </message>
        <message>
            <source>90 дней</source>
            <translation>90 күн</translation>
        </message>
        <message>
            <source>Этот месяц</source>
            <translation>Осы ай</translation>
        </message>
        <message>
            <source>Прошлый месяц</source>
            <translation>Өткен ай</translation>
        </message>
        <message>
            <source>Обновить</source>
            <translation>Жаңарту</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Возвраты</source>
            <translation>Қайтарулар</translation>
        </message>
        <message>
            <source>Итого за вычетом возвратов</source>
            <translation>Қайтаруларды шегергендегі жиыны</translation>
        </message>
        <message>
            <source>Оплаченных платежей</source>
            <translation>Төленген төлемдер</translation>
        </message>
        <message>
            <source>Блокировки по возрасту:</source>
            <translation>Бұғаттаулар мерзімі бойынша:</translation>
        </message>
        <message>
            <source>Операции в процессе</source>
            <translation>Орындалып жатқан операциялар</translation>
        </message>
        <message>
            <source>Открытые расхождения</source>
            <translation>Ашық сәйкессіздіктер</translation>
        </message>
        <message>
            <source>Период:</source>
            <translation>Кезең:</translation>
        </message>
        <message>
            <source>Не удалось прочитать сводку: {error}. Нажмите «Обновить»; если не поможет, проверьте доступ к базе данных.</source>
            <translation>Жиынтықты оқу мүмкін болмады: {error}. «Жаңарту» батырмасын басыңыз; көмектеспесе, деректер базасына қолжетімділікті тексеріңіз.</translation>
        </message>
        <message>
            <source>обновлено {when} · рабочий день по {zone}</source>
            <translation>{when} жаңартылды · жұмыс күні {zone} бойынша</translation>
        </message>
        <message>
            <source>Сегодня, {day}:</source>
            <translation>Бүгін, {day}:</translation>
        </message>
        <message>
            <source>За период {start} – {end}:</source>
            <translation>{start} – {end} кезеңі:</translation>
        </message>
        <message>
            <source>не сверяли</source>
            <translation>салыстырылмаған</translation>
        </message>
        <message>
            <source>сверки ещё не было</source>
            <translation>салыстыру әлі болған жоқ</translation>
        </message>
        <message>
            <source>нет</source>
            <translation>жоқ</translation>
        </message>
        <message>
            <source>истекли</source>
            <translation>мерзімі өтті</translation>
        </message>
        <message>
            <source>&lt; {to} д</source>
            <translation>&lt; {to} к</translation>
        </message>
        <message>
            <source>{start}–{end} д</source>
            <translation>{start}–{end} к</translation>
        </message>
        <message>
            <source>ждут одобрения: {n}</source>
            <translation>мақұлдауды күтуде: {n}</translation>
        </message>
        <message>
            <source>отправляются: {n}</source>
            <translation>жіберілуде: {n}</translation>
        </message>
        <message>
            <source>результат неизвестен: {n}</source>
            <translation>нәтижесі белгісіз: {n}</translation>
        </message>
        <message>
            <source>Открыть реестр операций</source>
            <translation>Операциялар тізілімін ашу</translation>
        </message>
    </context>
    <context>
        <name>DatabasePage</name>
        <message>
            <source>данные программы на месте, схема текущая.</source>
            <translation>бағдарлама деректері орнында, схема өзекті.</translation>
        </message>
        <message>
            <source>схема старая: при запуске программа её обновит (файл SQLite перед этим копируется).</source>
            <translation>схема ескі: іске қосылғанда бағдарлама оны жаңартады (SQLite файлының алдымен көшірмесі жасалады).</translation>
        </message>
        <message>
            <source>её записала более новая версия Halyk Desk: установите её, иначе база не откроется.</source>
            <translation>оны Halyk Desk-тің жаңарақ нұсқасы жазған: сол нұсқаны орнатыңыз, әйтпесе база ашылмайды.</translation>
        </message>
        <message>
            <source>база пуста: при запуске программа создаст в ней таблицы.</source>
            <translation>база бос: іске қосылғанда бағдарлама онда кестелер жасайды.</translation>
        </message>
        <message>
            <source>файла ещё нет: программа создаст его при запуске.</source>
            <translation>файл әлі жоқ: бағдарлама оны іске қосылғанда жасайды.</translation>
        </message>
        <message>
            <source>Подключение работает{server}: {schema}</source>
            <translation>Қосылым жұмыс істейді{server}: {schema}</translation>
        </message>
        <message>
            <source>База данных</source>
            <extracomment>A check finished (True when the database can be used); for tests.</extracomment>
            <translation>Деректер базасы</translation>
        </message>
        <message>
            <source>Файл SQLite на этом компьютере</source>
            <translation>Осы компьютердегі SQLite файлы</translation>
        </message>
        <message>
            <source>Сервер PostgreSQL — общая база для команды</source>
            <translation>PostgreSQL сервері — команда үшін ортақ база</translation>
        </message>
        <message>
            <source>Выбрать…</source>
            <translation>Таңдау…</translation>
        </message>
        <message>
            <source>оставьте пустым, чтобы не менять</source>
            <translation>өзгертпеу үшін бос қалдырыңыз</translation>
        </message>
        <message>
            <source>Проверить</source>
            <translation>Тексеру</translation>
        </message>
        <message>
            <source>Файл:</source>
            <translation>Файл:</translation>
        </message>
        <message>
            <source>Адрес:</source>
            <translation>Мекенжай:</translation>
        </message>
        <message>
            <source>Пароль:</source>
            <translation>Құпиясөз:</translation>
        </message>
        <message>
            <source>Пароль хранится в системном хранилище паролей, а не в файле настроек. Сейчас открыта база: {address}</source>
            <translation>Құпиясөз баптаулар файлында емес, жүйелік құпиясөздер қоймасында сақталады. Қазір ашық база: {address}</translation>
        </message>
        <message>
            <source>Другая база начнёт работать при следующем запуске программы. Перед переходом на общую базу сделайте резервную копию (см. руководство администратора).</source>
            <translation>Басқа база бағдарлама келесі рет іске қосылғанда қолданылады. Ортақ базаға көшпес бұрын сақтық көшірме жасаңыз (әкімші нұсқаулығын қараңыз).</translation>
        </message>
        <message>
            <source>Файл базы данных</source>
            <translation>Деректер базасының файлы</translation>
        </message>
        <message>
            <source>База SQLite (*.sqlite3 *.db);;Все файлы (*)</source>
            <translation>SQLite базасы (*.sqlite3 *.db);;Барлық файлдар (*)</translation>
        </message>
        <message>
            <source>Введите путь к файлу базы, например {path}</source>
            <translation>Деректер базасы файлының жолын енгізіңіз, мысалы {path}</translation>
        </message>
        <message>
            <source>Введите адрес сервера PostgreSQL в виде postgresql://пользователь@сервер:5432/база, например postgresql://halyk@192.168.1.10:5432/halyk.</source>
            <translation>PostgreSQL серверінің мекенжайын postgresql://пайдаланушы@сервер:5432/база түрінде енгізіңіз, мысалы postgresql://halyk@192.168.1.10:5432/halyk.</translation>
        </message>
        <message>
            <source>Подключаюсь…</source>
            <translation>Қосылып жатырмын…</translation>
        </message>
        <message>
            <source>Не удалось подключиться. Проверьте адрес, что сервер запущен и доступен по сети, имя пользователя и пароль, затем нажмите «Проверить» ещё раз.</source>
            <translation>Қосылу мүмкін болмады. Мекенжайды, сервердің іске қосылғанын және желі арқылы қолжетімді екенін, пайдаланушы атын және құпиясөзді тексеріп, «Тексеру» батырмасын қайта басыңыз.</translation>
        </message>
    </context>
    <context>
        <name>Duration</name>
        <message>
            <source>{days} д {hours} ч</source>
            <translation>{days} к {hours} сағ</translation>
        </message>
        <message>
            <source>{hours} ч {minutes} мин</source>
            <translation>{hours} сағ {minutes} мин</translation>
        </message>
        <message>
            <source>{minutes} мин</source>
            <translation>{minutes} мин</translation>
        </message>
    </context>
    <context>
        <name>HoldsModel</name>
        <message>
            <source>истекла</source>
            <translation>мерзімі өтті</translation>
        </message>
        <message>
            <source>Номер заказа</source>
            <translation>Тапсырыс нөмірі</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Платёж создан</source>
            <translation>Төлем жасалды</translation>
        </message>
        <message>
            <source>Возраст</source>
            <translation>Мерзімі</translation>
        </message>
        <message>
            <source>Осталось</source>
            <translation>Қалды</translation>
        </message>
        <message>
            <source>Истекает</source>
            <translation>Мерзімі бітеді</translation>
        </message>
        <message>
            <source>Блокировка истекла: подтвердить её уже нельзя.</source>
            <extracomment>Per column, each hold's sort value (None for a blank). Sum held, per currency. Not expired but past the warning age or expiring today; expired. Rows of self._list.holds in the order shown.</extracomment>
            <translation>Бұғаттаудың мерзімі өтті: оны енді растау мүмкін емес.</translation>
        </message>
        <message>
            <source>Скоро истечёт: подтвердите или отмените блокировку.</source>
            <translation>Мерзімі жақында бітеді: бұғаттауды растаңыз немесе болдырмаңыз.</translation>
        </message>
    </context>
    <context>
        <name>HoldsTimePage</name>
        <message>
            <source>Блокировки и время</source>
            <extracomment>The page's name in the dialog's list, set by each page.</extracomment>
            <translation>Бұғаттаулар және уақыт</translation>
        </message>
        <message>
            <source>Предупреждать о блокировке через:</source>
            <translation>Бұғаттау туралы ескерту мерзімі:</translation>
        </message>
        <message>
            <source>Блокировка истекает через:</source>
            <translation>Бұғаттау мерзімі бітеді:</translation>
        </message>
        <message>
            <source>Банк снимает блокировку сам, если её не подтвердить вовремя: на вкладке «Блокировки» такие платежи подсвечиваются заранее.</source>
            <translation>Бұғаттау уақытында расталмаса, банк оны өзі алып тастайды: «Бұғаттаулар» қойындысында мұндай төлемдер алдын ала белгіленеді.</translation>
        </message>
        <message>
            <source>Часовой пояс рабочего дня:</source>
            <translation>Жұмыс күнінің уақыт белдеуі:</translation>
        </message>
        <message>
            <source>Рабочий день — с полуночи до полуночи в этом поясе; по нему считаются периоды, сверка и сводка. Обычно Asia/Almaty.</source>
            <translation>Жұмыс күні — осы белдеуде түн ортасынан түн ортасына дейін; кезеңдер, салыстыру және жиынтық сол бойынша есептеледі. Әдетте Asia/Almaty.</translation>
        </message>
        <message>
            <source>Одновременных запросов при синхронизации:</source>
            <translation>Синхрондау кезіндегі бір мезгілдегі сұраулар:</translation>
        </message>
        <message>
            <source> дн.</source>
            <translation> күн</translation>
        </message>
        <message>
            <source>Предупреждение должно наступать раньше, чем блокировка истекает: введите меньше {expire} дн.</source>
            <translation>Ескерту бұғаттау мерзімі біткенге дейін болуы керек: {expire} күннен аз енгізіңіз.</translation>
        </message>
        <message>
            <source>Часовой пояс «{zone}» неизвестен: выберите его из списка, например Asia/Almaty.</source>
            <translation>«{zone}» уақыт белдеуі белгісіз: тізімнен таңдаңыз, мысалы Asia/Almaty.</translation>
        </message>
    </context>
    <context>
        <name>HoldsView</name>
        <message>
            <source>истекает сегодня или пора подтвердить</source>
            <extracomment>The holds are in (count); for the tab title and tests. Other holds are chosen.</extracomment>
            <translation>бүгін бітеді немесе растау уақыты келді</translation>
        </message>
        <message>
            <source>истекла — подтвердить уже нельзя</source>
            <translation>мерзімі өтті — енді растау мүмкін емес</translation>
        </message>
        <message>
            <source>Не удалось прочитать блокировки: {error}</source>
            <translation>Бұғаттауларды оқу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Блокировок, ожидающих подтверждения, нет.</source>
            <translation>Растауды күтетін бұғаттаулар жоқ.</translation>
        </message>
        <message numerus="yes">
            <source>%n блокировок</source>
            <translation>
                <numerusform>%n бұғаттау</numerusform>
                <numerusform>%n бұғаттау</numerusform>
            </translation>
        </message>
        <message>
            <source>на сумму {amount}</source>
            <translation>жалпы сомасы {amount}</translation>
        </message>
        <message>
            <source>пора подтвердить: {n}</source>
            <translation>растау уақыты келді: {n}</translation>
        </message>
        <message>
            <source>истекли: {n}</source>
            <translation>мерзімі өтті: {n}</translation>
        </message>
    </context>
    <context>
        <name>LanguagePage</name>
        <message>
            <source>Язык</source>
            <translation>Тіл</translation>
        </message>
        <message>
            <source>Как в системе (сейчас: {language})</source>
            <translation>Жүйедегідей (қазір: {language})</translation>
        </message>
        <message>
            <source>Язык сменится при следующем запуске программы. Суммы, числа и даты пишутся так, как принято в выбранном языке.</source>
            <translation>Тіл бағдарлама келесі рет іске қосылғанда ауысады. Сомалар, сандар және күндер таңдалған тілде қабылданғандай жазылады.</translation>
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
            <translation>Деректерді ашып жатырмын…</translation>
        </message>
        <message>
            <source>Синхронизировать</source>
            <translation>Синхрондау</translation>
        </message>
        <message>
            <source>Halyk Desk не запустился</source>
            <translation>Halyk Desk іске қосылмады</translation>
        </message>
        <message>
            <source>Halyk Desk — {profile}</source>
            <translation>Halyk Desk — {profile}</translation>
        </message>
        <message>
            <source> [ПЕСОЧНИЦА]</source>
            <translation> [ҚҰМСАЛҒЫШ]</translation>
        </message>
        <message>
            <source>ПЕСОЧНИЦА / SANDBOX</source>
            <translation>ҚҰМСАЛҒЫШ / SANDBOX</translation>
        </message>
        <message>
            <source>Учебный банк на этом компьютере: деньги не движутся, данные демонстрационные.</source>
            <translation>Осы компьютердегі оқу банкі: ақша қозғалмайды, деректер демонстрациялық.</translation>
        </message>
        <message>
            <source>Профиль: {name}</source>
            <translation>Профиль: {name}</translation>
        </message>
        <message>
            <source>Оператор: {name}</source>
            <translation>Оператор: {name}</translation>
        </message>
        <message>
            <source>Готовлю демонстрационные данные песочницы…</source>
            <extracomment>What the window-wide parts (menus, sign-in, import, support report) use of it.</extracomment>
            <translation>Құмсалғыштың демо деректерін дайындап жатырмын…</translation>
        </message>
        <message>
            <source>Не удалось подготовить демо-данные: {error}</source>
            <translation>Демо деректерді дайындау мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Песочница</source>
            <translation>Құмсалғыш</translation>
        </message>
        <message>
            <source>Демо-данные песочницы загружены.</source>
            <translation>Құмсалғыштың демо деректері жүктелді.</translation>
        </message>
    </context>
    <context>
        <name>MarkDialog</name>
        <message>
            <source>Отметить расхождение решённым</source>
            <translation>Сәйкессіздікті шешілді деп белгілеу</translation>
        </message>
        <message>
            <source>Как решено: например, «магазин исправил сумму заказа» или «банк подтвердил возврат»</source>
            <translation>Қалай шешілді: мысалы, «дүкен тапсырыс сомасын түзетті» немесе «банк қайтаруды растады»</translation>
        </message>
        <message>
            <source>Отметить решённым</source>
            <translation>Шешілді деп белгілеу</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Болдырмау</translation>
        </message>
        <message>
            <source>Примечание (обязательно):</source>
            <translation>Ескертпе (міндетті):</translation>
        </message>
    </context>
    <context>
        <name>Messages</name>
        <message>
            <source>снятие блокировки</source>
            <comment>action.cancel</comment>
            <translation>бұғаттауды алу</translation>
        </message>
        <message>
            <source>подтверждение списания</source>
            <comment>action.confirm</comment>
            <translation>есептен шығаруды растау</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>action.refund</comment>
            <translation>қайтару</translation>
        </message>
        <message>
            <source>Внутренняя ошибка программы ({kind}), действие не выполнено. Подробности сохранены в журнале.</source>
            <comment>app.unexpected_error</comment>
            <translation>Бағдарламаның ішкі қатесі ({kind}), әрекет орындалмады. Толығырақ мәліметтер журналда сақталды.</translation>
        </message>
        <message>
            <source>неоднозначный параметр: %(option)s может означать %(matches)s</source>
            <comment>argparse.ambiguous</comment>
            <translation>екіұшты параметр: %(option)s мыналардың бірі болуы мүмкін: %(matches)s</translation>
        </message>
        <message>
            <source>аргумент %(argument_name)s: %(message)s</source>
            <comment>argparse.argument</comment>
            <translation>%(argument_name)s аргументі: %(message)s</translation>
        </message>
        <message>
            <source>не удалось открыть '%(filename)s': %(error)s</source>
            <comment>argparse.cannot_open</comment>
            <translation>'%(filename)s' ашылмады: %(error)s</translation>
        </message>
        <message>
            <source>%(prog)s: ошибка: %(message)s
</source>
            <comment>argparse.error</comment>
            <translation>%(prog)s: қате: %(message)s
</translation>
        </message>
        <message>
            <source>нужно хотя бы одно значение</source>
            <comment>argparse.expected_at_least_one</comment>
            <translation>кемінде бір мән қажет</translation>
        </message>
        <message>
            <source>нужно не больше одного значения</source>
            <comment>argparse.expected_at_most_one</comment>
            <translation>бір мәннен артық болмауы керек</translation>
        </message>
        <message numerus="yes">
            <source>нужно %n значение</source>
            <comment>argparse.expected_n</comment>
            <translation>
                <numerusform>%n мән қажет</numerusform>
                <numerusform>%n мән қажет</numerusform>
            </translation>
        </message>
        <message>
            <source>нужно одно значение</source>
            <comment>argparse.expected_one</comment>
            <translation>бір мән қажет</translation>
        </message>
        <message>
            <source>показать эту справку и выйти</source>
            <comment>argparse.help</comment>
            <translation>осы анықтаманы көрсету және шығу</translation>
        </message>
        <message>
            <source>значение %r здесь не принимается</source>
            <comment>argparse.ignored_value</comment>
            <translation>%r мәні мұнда қабылданбайды</translation>
        </message>
        <message>
            <source>недопустимое значение: %(value)r (выберите из %(choices)s)</source>
            <comment>argparse.invalid_choice</comment>
            <translation>жарамсыз мән: %(value)r (мыналардың бірін таңдаңыз: %(choices)s)</translation>
        </message>
        <message>
            <source>недопустимое значение %(type)s: %(value)r</source>
            <comment>argparse.invalid_value</comment>
            <translation>жарамсыз %(type)s мәні: %(value)r</translation>
        </message>
        <message>
            <source>нельзя указывать вместе с аргументом %s</source>
            <comment>argparse.not_allowed_with</comment>
            <translation>%s аргументімен бірге көрсетуге болмайды</translation>
        </message>
        <message>
            <source>нужен один из аргументов %s</source>
            <comment>argparse.one_required</comment>
            <translation>мына аргументтердің бірі қажет: %s</translation>
        </message>
        <message>
            <source>параметры</source>
            <comment>argparse.options</comment>
            <translation>параметрлер</translation>
        </message>
        <message>
            <source>позиционные аргументы</source>
            <comment>argparse.positionals</comment>
            <translation>позициялық аргументтер</translation>
        </message>
        <message>
            <source>не указаны обязательные аргументы: %s</source>
            <comment>argparse.required</comment>
            <translation>міндетті аргументтер көрсетілмеген: %s</translation>
        </message>
        <message>
            <source>команды</source>
            <comment>argparse.subcommands</comment>
            <translation>командалар</translation>
        </message>
        <message>
            <source>неожиданный параметр: %s</source>
            <comment>argparse.unexpected_option</comment>
            <translation>күтілмеген параметр: %s</translation>
        </message>
        <message>
            <source>неизвестная команда %(parser_name)r (есть: %(choices)s)</source>
            <comment>argparse.unknown_command</comment>
            <translation>белгісіз команда %(parser_name)r (бар командалар: %(choices)s)</translation>
        </message>
        <message>
            <source>непонятные аргументы: %s</source>
            <comment>argparse.unrecognized</comment>
            <translation>түсініксіз аргументтер: %s</translation>
        </message>
        <message>
            <source>использование: </source>
            <comment>argparse.usage</comment>
            <translation>қолданылуы: </translation>
        </message>
        <message>
            <source>показать версию программы и выйти</source>
            <comment>argparse.version</comment>
            <translation>бағдарлама нұсқасын көрсету және шығу</translation>
        </message>
        <message>
            <source>«{text}» — не отметка журнала: напишите её так, как печатает `audit head`: номер записи, двоеточие и хеш из 64 знаков.</source>
            <comment>audit.bad_head</comment>
            <translation>«{text}» — журнал белгісі емес: оны `audit head` басып шығарғандай жазыңыз: жазба нөмірі, қос нүкте және 64 таңбалы хеш.</translation>
        </message>
        <message>
            <source>Запись №{seq} ({action}, {subject}) изменена: её содержимое больше не совпадает с её хешем.</source>
            <comment>audit.entry_altered</comment>
            <translation>№{seq} жазба ({action}, {subject}) өзгертілген: оның мазмұны енді хешіне сәйкес келмейді.</translation>
        </message>
        <message>
            <source>Запись №{seq} не на своём месте: её записали после записи №{holder}, которая теперь стоит в журнале позже.</source>
            <comment>audit.entry_out_of_order</comment>
            <translation>№{seq} жазба өз орнында емес: ол №{holder} жазбадан кейін жазылған, ал ол жазба енді журналда кейінірек тұр.</translation>
        </message>
        <message>
            <source>Запись №{seq} не на своём месте: запись №{next} была записана сразу после №{holder}, а не после №{seq}.</source>
            <comment>audit.entry_out_of_place</comment>
            <translation>№{seq} жазба өз орнында емес: №{next} жазба №{seq} жазбадан емес, №{holder} жазбадан кейін бірден жазылған.</translation>
        </message>
        <message>
            <source>Запись №{seq} изменена, а её хеш пересчитан: запись №{next} была сцеплена с другой записью перед ней (или запись между ними удалена).</source>
            <comment>audit.entry_rehashed</comment>
            <translation>№{seq} жазба өзгертіліп, хеші қайта есептелген: №{next} жазба алдындағы басқа жазбаға тізбектелген еді (немесе олардың арасындағы жазба жойылған).</translation>
        </message>
        <message>
            <source>Запись №{seq} удалена: запись №{next} была сцеплена с записью, которой в журнале больше нет.</source>
            <comment>audit.entry_removed</comment>
            <translation>№{seq} жазба жойылған: №{next} жазба журналда енді жоқ жазбаға тізбектелген.</translation>
        </message>
        <message>
            <source>Записи №{seq} из отметки {head} больше нет: журнал теперь кончается на {newest}, значит записи удалены.</source>
            <comment>audit.head_gone</comment>
            <translation>{head} белгісіндегі №{seq} жазба жоқ: журнал енді {newest} жазбасымен аяқталады, демек жазбалар жойылған.</translation>
        </message>
        <message>
            <source>Запись №{seq} совпадает с отметкой: история до неё цела и на месте.</source>
            <comment>audit.head_matches</comment>
            <translation>№{seq} жазба белгімен сәйкес келеді: оған дейінгі тарих өзгермеген және орнында.</translation>
        </message>
        <message>
            <source>У записи №{seq} уже не тот хеш, что в отметке {head}: история до неё переписана (и хеши пересчитаны).</source>
            <comment>audit.head_rewritten</comment>
            <translation>№{seq} жазбаның хеші {head} белгісіндегідей емес: оған дейінгі тарих қайта жазылған (хештері қайта есептелген).</translation>
        </message>
        <message>
            <source>Журнал аудита цел: записей — {count}.</source>
            <comment>audit.intact</comment>
            <translation>Аудит журналы бүтін: жазбалар саны — {count}.</translation>
        </message>
        <message>
            <source>Журнал аудита цел: записей — {count}, последняя №{seq} от {at}.</source>
            <comment>audit.intact_newest</comment>
            <translation>Аудит журналы бүтін: жазбалар саны — {count}, соңғысы №{seq}, {at}.</translation>
        </message>
        <message>
            <source>сумма</source>
            <comment>audit.key.amount</comment>
            <translation>сома</translation>
        </message>
        <message>
            <source>категория</source>
            <comment>audit.key.category</comment>
            <translation>санат</translation>
        </message>
        <message>
            <source>валюта</source>
            <comment>audit.key.currency</comment>
            <translation>валюта</translation>
        </message>
        <message>
            <source>было</source>
            <comment>audit.key.from</comment>
            <translation>бұрын</translation>
        </message>
        <message>
            <source>ключ</source>
            <comment>audit.key.key</comment>
            <translation>кілт</translation>
        </message>
        <message>
            <source>итог</source>
            <comment>audit.key.message</comment>
            <translation>нәтиже</translation>
        </message>
        <message>
            <source>стало</source>
            <comment>audit.key.new</comment>
            <translation>қазір</translation>
        </message>
        <message>
            <source>примечание</source>
            <comment>audit.key.note</comment>
            <translation>ескерту</translation>
        </message>
        <message>
            <source>было</source>
            <comment>audit.key.old</comment>
            <translation>бұрын</translation>
        </message>
        <message>
            <source>прежнее примечание</source>
            <comment>audit.key.old_note</comment>
            <translation>бұрынғы ескерту</translation>
        </message>
        <message>
            <source>прежняя роль</source>
            <comment>audit.key.old_role</comment>
            <translation>бұрынғы рөл</translation>
        </message>
        <message>
            <source>операция №</source>
            <comment>audit.key.operation_id</comment>
            <translation>операция №</translation>
        </message>
        <message>
            <source>причина</source>
            <comment>audit.key.reason</comment>
            <translation>себебі</translation>
        </message>
        <message>
            <source>запросил</source>
            <comment>audit.key.requested_by</comment>
            <translation>сұраған</translation>
        </message>
        <message>
            <source>роль</source>
            <comment>audit.key.role</comment>
            <translation>рөл</translation>
        </message>
        <message>
            <source>был активен</source>
            <comment>audit.key.was_active</comment>
            <translation>белсенді болды</translation>
        </message>
        <message>
            <source>почему</source>
            <comment>audit.key.why</comment>
            <translation>неге</translation>
        </message>
        <message>
            <source>первый оператор этой базы</source>
            <comment>audit.value.first_operator</comment>
            <translation>осы базаның бірінші операторы</translation>
        </message>
        <message>
            <source>нет</source>
            <comment>audit.value.no</comment>
            <translation>жоқ</translation>
        </message>
        <message>
            <source>да</source>
            <comment>audit.value.yes</comment>
            <translation>иә</translation>
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён клиентский секрет, выданный для его адреса токенов и client id: укажите его командой `halyk-desk profile edit {profile} --secret-stdin` (или в окне: Файл → Настройки → Профили).</source>
            <comment>bank.no_bound_secret</comment>
            <translation>«{profile}» профилі үшін оның токен мекенжайы мен client id-іне берілген клиент құпия кілті сақталмаған: оны `halyk-desk profile edit {profile} --secret-stdin` пәрменімен беріңіз (немесе терезеде: Файл → Баптаулар → Профильдер).</translation>
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён пароль кабинета (пользователь {user}): добавьте его командой `halyk-desk profile edit {profile} --cabinet-password-stdin`.</source>
            <comment>bank.no_cabinet_password</comment>
            <translation>«{profile}» профилі үшін кабинет құпиясөзі сақталмаған (пайдаланушы {user}): оны `halyk-desk profile edit {profile} --cabinet-password-stdin` командасымен қосыңыз.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» не хватает адресов или идентификаторов банка: укажите их командой `halyk-desk profile add {profile} --oauth-url URL --api-url URL --client-id ID --terminal UUID --secret-stdin`.</source>
            <comment>bank.profile_incomplete</comment>
            <translation>«{profile}» профилінде банктің мекенжайлары немесе идентификаторлары жетіспейді: оларды `halyk-desk profile add {profile} --oauth-url URL --api-url URL --client-id ID --terminal UUID --secret-stdin` командасымен көрсетіңіз.</translation>
        </message>
        <message>
            <source>--listen «{listen}»: напишите АДРЕС:ПОРТ, например 127.0.0.1:8090.</source>
            <comment>callbacks.bad_listen</comment>
            <translation>--listen «{listen}»: АДРЕС:ПОРТ түрінде жазыңыз, мысалы 127.0.0.1:8090.</translation>
        </message>
        <message>
            <source>Ничего не загружено: {problems}. Каждая строка — одно уведомление в JSON (или объект с полями body и query).</source>
            <comment>callbacks.bad_log</comment>
            <translation>Ештеңе жүктелмеді: {problems}. Әр жол — JSON форматындағы бір хабарлама (немесе body және query өрістері бар объект).</translation>
        </message>
        <message>
            <source>у банка нет платежа</source>
            <comment>callbacks.bank_has_none</comment>
            <translation>банкте төлем жоқ</translation>
        </message>
        <message>
            <source>банк: {status}</source>
            <comment>callbacks.bank_says</comment>
            <translation>банк: {status}</translation>
        </message>
        <message>
            <source>Не удалось слушать {listen}: {error}</source>
            <comment>callbacks.cannot_listen</comment>
            <translation>{listen} мекенжайын тыңдау мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Уведомления банка (postLink). Каждое хранится как пришло, один раз; уведомление лишь заставляет программу прочитать статус платежа у банка и никогда само не меняет деньги. Уведомления с неверным секретом хранятся как непроверенные.</source>
            <comment>callbacks.cli_description</comment>
            <translation>Банк хабарламалары (postLink). Әрқайсысы келген күйінде бір рет сақталады; хабарлама бағдарламаны тек банктен төлем мәртебесін оқуға мәжбүрлейді, ақшаны ешқашан өзі өзгертпейді. Құпиясы дұрыс емес хабарламалар тексерілмеген ретінде сақталады.</translation>
        </message>
        <message>
            <source>уведомления банка: приём, загрузка, список</source>
            <comment>callbacks.cli_help</comment>
            <translation>банк хабарламалары: қабылдау, жүктеу, тізім</translation>
        </message>
        <message>
            <source>{trust}; {bank}</source>
            <comment>callbacks.describe</comment>
            <translation>{trust}; {bank}</translation>
        </message>
        <message>
            <source>Прочитать журнал уведомлений в формате JSON Lines (по уведомлению в строке, или объект с полями body и query), например от веб-сервера магазина или 1С-Битрикс, и принять каждое так же, как приёмник. Всё или ничего: одна плохая строка — ничего не загружено.</source>
            <comment>callbacks.import_description</comment>
            <translation>JSON Lines форматындағы хабарламалар журналын оқу (жолына бір хабарлама немесе body және query өрістері бар объект), мысалы дүкеннің веб-серверінен немесе 1С-Битрикстен, және әрқайсысын қабылдағыш сияқты қабылдау. Бәрі немесе ештеңе: бір қате жол болса, ештеңе жүктелмейді.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 загружено
  2 файл не читается или неверен, ничего не загружено
  1 другая ошибка</source>
            <comment>callbacks.import_exit_codes</comment>
            <translation>шығу кодтары:
  0 жүктелді
  2 файл оқылмайды немесе қате, ештеңе жүктелмеді
  1 басқа қате</translation>
        </message>
        <message>
            <source>загрузить уведомления из журнала JSON Lines</source>
            <comment>callbacks.import_help</comment>
            <translation>JSON Lines журналынан хабарламаларды жүктеу</translation>
        </message>
        <message>
            <source>Прочитано уведомлений: {lines}; новых {stored}, уже известных {repeats}, непроверенных {unverified}; проверено у банка {checked}, не удалось проверить {failed}.</source>
            <comment>callbacks.imported</comment>
            <translation>Оқылған хабарламалар: {lines}; жаңа {stored}, бұрыннан белгілі {repeats}, тексерілмеген {unverified}; банкте тексерілді {checked}, тексеру мүмкін болмады {failed}.</translation>
        </message>
        <message>
            <source>строка {line}: не JSON</source>
            <comment>callbacks.line_not_json</comment>
            <translation>{line}-жол: JSON емес</translation>
        </message>
        <message>
            <source>строка {line}: не объект JSON</source>
            <comment>callbacks.line_not_object</comment>
            <translation>{line}-жол: JSON объектісі емес</translation>
        </message>
        <message>
            <source>строка {line}: длиннее {limit} байт</source>
            <comment>callbacks.line_too_long</comment>
            <translation>{line}-жол: {limit} байттан ұзын</translation>
        </message>
        <message>
            <source>полученные уведомления, новые сверху</source>
            <comment>callbacks.list_help</comment>
            <translation>алынған хабарламалар, жаңалары жоғарыда</translation>
        </message>
        <message>
            <source>нет верного invoiceId</source>
            <comment>callbacks.no_invoice</comment>
            <translation>дұрыс invoiceId жоқ</translation>
        </message>
        <message>
            <source>у этого заказа нет ссылки, созданной программой</source>
            <comment>callbacks.no_link</comment>
            <translation>бұл тапсырыстың бағдарлама жасаған сілтемесі жоқ</translation>
        </message>
        <message>
            <source>нет секрета</source>
            <comment>callbacks.no_secret</comment>
            <translation>құпия жоқ</translation>
        </message>
        <message>
            <source>статус у банка ещё не прочитан</source>
            <comment>callbacks.not_checked</comment>
            <translation>банктегі мәртебе әлі оқылмады</translation>
        </message>
        <message>
            <source>не JSON</source>
            <comment>callbacks.not_json</comment>
            <translation>JSON емес</translation>
        </message>
        <message>
            <source>Принимать уведомления банка: POST на любой путь, GET /health для мониторинга. Запускайте за веб-сервером магазина (docs/admin-guide.md); адрес уведомлений профиля должен вести сюда.</source>
            <comment>callbacks.serve_description</comment>
            <translation>Банк хабарламаларын қабылдау: кез келген жолға POST, мониторинг үшін GET /health. Дүкеннің веб-серверінің артында іске қосыңыз (docs/admin-guide.md); профильдің хабарлама мекенжайы осында әкелуі керек.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 остановлен
  2 неверный --listen
  1 не удалось слушать адрес</source>
            <comment>callbacks.serve_exit_codes</comment>
            <translation>шығу кодтары:
  0 тоқтатылды
  2 қате --listen
  1 мекенжайды тыңдау мүмкін болмады</translation>
        </message>
        <message>
            <source>принимать уведомления по HTTP (за nginx или Caddy)</source>
            <comment>callbacks.serve_help</comment>
            <translation>HTTP арқылы хабарламаларды қабылдау (nginx немесе Caddy артында)</translation>
        </message>
        <message>
            <source>Приём уведомлений профиля «{profile}» на http://{listen} (GET /health); Ctrl-C — остановить.</source>
            <comment>callbacks.serving</comment>
            <translation>«{profile}» профилінің хабарламалары http://{listen} мекенжайында қабылданады (GET /health); тоқтату — Ctrl-C.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {path}: {error}. Нужен файл JSON Lines в UTF-8.</source>
            <comment>callbacks.unreadable</comment>
            <translation>{path} оқылмайды: {error}. UTF-8 кодтауындағы JSON Lines файлы керек.</translation>
        </message>
        <message>
            <source>НЕ ПРОВЕРЕНО ({problem})</source>
            <comment>callbacks.unverified</comment>
            <translation>ТЕКСЕРІЛМЕГЕН ({problem})</translation>
        </message>
        <message>
            <source>проверено</source>
            <comment>callbacks.verified</comment>
            <translation>тексерілді</translation>
        </message>
        <message>
            <source>неверный секрет</source>
            <comment>callbacks.wrong_secret</comment>
            <translation>құпия дұрыс емес</translation>
        </message>
        <message>
            <source>Расхождение суммы</source>
            <comment>category.amount_mismatch</comment>
            <translation>Сома сәйкес емес</translation>
        </message>
        <message>
            <source>Расхождение валюты</source>
            <comment>category.currency_mismatch</comment>
            <translation>Валюта сәйкес емес</translation>
        </message>
        <message>
            <source>Несколько платежей по заказу</source>
            <comment>category.duplicate_payments</comment>
            <translation>Бір тапсырыс бойынша бірнеше төлем</translation>
        </message>
        <message>
            <source>Комиссия банка</source>
            <comment>category.fee</comment>
            <translation>Банк комиссиясы</translation>
        </message>
        <message>
            <source>Блокировки, ожидают подтверждения</source>
            <comment>category.holds_awaiting</comment>
            <translation>Растауды күтетін бұғаттаулар</translation>
        </message>
        <message>
            <source>Блокировки, срок истёк</source>
            <comment>category.holds_expired</comment>
            <translation>Мерзімі өткен бұғаттаулар</translation>
        </message>
        <message>
            <source>Блокировки, скоро истекают</source>
            <comment>category.holds_expiring</comment>
            <translation>Мерзімі жақында бітетін бұғаттаулар</translation>
        </message>
        <message>
            <source>Совпадает</source>
            <comment>category.matched</comment>
            <translation>Сәйкес келеді</translation>
        </message>
        <message>
            <source>Нет оплаты в банке</source>
            <comment>category.missing_at_bank</comment>
            <translation>Банкте төлем жоқ</translation>
        </message>
        <message>
            <source>Частичный возврат</source>
            <comment>category.partially_refunded</comment>
            <translation>Ішінара қайтару</translation>
        </message>
        <message>
            <source>Возврат</source>
            <comment>category.refunded</comment>
            <translation>Қайтару</translation>
        </message>
        <message>
            <source>Расхождение статуса</source>
            <comment>category.status_mismatch</comment>
            <translation>Мәртебе сәйкес емес</translation>
        </message>
        <message>
            <source>Платёж неизвестен магазину</source>
            <comment>category.unknown_to_shop</comment>
            <translation>Төлем дүкенге белгісіз</translation>
        </message>
        <message>
            <source>Незавершённые операции</source>
            <comment>category.unresolved_operations</comment>
            <translation>Аяқталмаған операциялар</translation>
        </message>
        <message>
            <source>{action} {amount}, заказ {invoice}, запросил {operator} {at} (Алматы), причина: {reason}</source>
            <comment>cli.approval</comment>
            <translation>{action} {amount}, тапсырыс {invoice}, сұраған {operator} {at} (Алматы), себебі: {reason}</translation>
        </message>
        <message>
            <source>{action} {amount}, заказ {invoice}, запросил {operator} {at} (Алматы), причина: {reason}, примечание: {note}</source>
            <comment>cli.approval_noted</comment>
            <translation>{action} {amount}, тапсырыс {invoice}, сұраған {operator} {at} (Алматы), себебі: {reason}, ескерту: {note}</translation>
        </message>
        <message>
            <source>возвраты, ждущие второго менеджера</source>
            <comment>cli.approvals.help</comment>
            <translation>екінші менеджерді күтіп тұрған қайтарулар</translation>
        </message>
        <message>
            <source>Одобряет запрос на возврат ID, сделанный другим менеджером; возврат проверяется ещё раз и отправляется.</source>
            <comment>cli.approve.description</comment>
            <translation>Басқа менеджер жасаған ID қайтару сұрауын мақұлдайды; қайтару қайта тексеріліп, жіберіледі.</translation>
        </message>
        <message>
            <source>одобрить ждущий возврат (запрошенный другим менеджером); после этого он отправляется</source>
            <comment>cli.approve.help</comment>
            <translation>күтіп тұрған қайтаруды (басқа менеджер сұраған) мақұлдау; содан кейін ол жіберіледі</translation>
        </message>
        <message>
            <source>{question} [y/N] </source>
            <comment>cli.ask</comment>
            <translation>{question} [y/N] </translation>
        </message>
        <message>
            <source>Ещё раз: </source>
            <comment>cli.ask_again</comment>
            <translation>Тағы бір рет: </translation>
        </message>
        <message>
            <source>Одобрить и отправить: {action} {amount} по заказу {invoice}, запросил {operator}?</source>
            <comment>cli.ask_approve</comment>
            <translation>Мақұлдап, жіберу керек пе: {action} {amount}, тапсырыс {invoice}, сұраған {operator}?</translation>
        </message>
        <message>
            <source>Снять блокировку {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_cancel</comment>
            <translation>{invoice} тапсырысы бойынша {amount} бұғаттауын алу керек пе (себебі: {reason}), {operator} атынан?</translation>
        </message>
        <message>
            <source>Подтвердить {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_confirm</comment>
            <translation>{invoice} тапсырысы бойынша {amount} растау керек пе (себебі: {reason}), {operator} атынан?</translation>
        </message>
        <message>
            <source>Подтвердить всю блокировку по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_confirm_all</comment>
            <translation>{invoice} тапсырысы бойынша бүкіл бұғаттауды растау керек пе (себебі: {reason}), {operator} атынан?</translation>
        </message>
        <message>
            <source>Новый пароль (не отображается): </source>
            <comment>cli.ask_new_password</comment>
            <translation>Жаңа құпиясөз (көрсетілмейді): </translation>
        </message>
        <message>
            <source>Вернуть {amount} по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_refund</comment>
            <translation>{invoice} тапсырысы бойынша {amount} қайтару керек пе (себебі: {reason}), {operator} атынан?</translation>
        </message>
        <message>
            <source>Вернуть всё, что осталось, по заказу {invoice} (причина: {reason}) от имени {operator}?</source>
            <comment>cli.ask_refund_all</comment>
            <translation>{invoice} тапсырысы бойынша қалғанның бәрін қайтару керек пе (себебі: {reason}), {operator} атынан?</translation>
        </message>
        <message>
            <source>журнал аудита: проверить, показать</source>
            <comment>cli.audit.help</comment>
            <translation>аудит журналы: тексеру, көрсету</translation>
        </message>
        <message>
            <source>Журнал аудита пуст.</source>
            <comment>cli.audit_empty</comment>
            <translation>Аудит журналы бос.</translation>
        </message>
        <message>
            <source>напечатать номер и хеш последней записи (N:HASH): сохраните их в другом месте, чтобы потом проверить журнал</source>
            <comment>cli.audit_head.help</comment>
            <translation>соңғы жазбаның нөмірі мен хешін басып шығару (N:HASH): журналды кейін тексеру үшін оларды басқа жерде сақтаңыз</translation>
        </message>
        <message>
            <source>например refund, refund.done, operator</source>
            <comment>cli.audit_list.action</comment>
            <translation>мысалы refund, refund.done, operator</translation>
        </message>
        <message>
            <source>первый день (по времени Алматы)</source>
            <comment>cli.audit_list.from</comment>
            <translation>бірінші күн (Алматы уақыты бойынша)</translation>
        </message>
        <message>
            <source>показать записи, сначала новые</source>
            <comment>cli.audit_list.help</comment>
            <translation>жазбаларды көрсету, алдымен жаңалары</translation>
        </message>
        <message>
            <source>последний день, включительно</source>
            <comment>cli.audit_list.to</comment>
            <translation>соңғы күн, қоса алғанда</translation>
        </message>
        <message>
            <source>проверить цепочку хешей; называет первую изменённую, удалённую или переставленную запись и выходит с кодом 1</source>
            <comment>cli.audit_verify.help</comment>
            <translation>хеш тізбегін тексеру; өзгертілген, жойылған немесе орны ауыстырылған бірінші жазбаны атап, 1 кодымен шығады</translation>
        </message>
        <message>
            <source>снять блокировку целиком</source>
            <comment>cli.cancel.help</comment>
            <translation>бұғаттауды толығымен алып тастау</translation>
        </message>
        <message>
            <source>подтвердить (списать) блокировку, всю или --amount</source>
            <comment>cli.confirm.help</comment>
            <translation>бұғатталған соманы растау (есептен шығару), толығымен немесе --amount</translation>
        </message>
        <message>
            <source>день: 2026-11-01 или 01.11.2026</source>
            <comment>cli.date_help</comment>
            <translation>күн: 2026-11-01 немесе 01.11.2026</translation>
        </message>
        <message>
            <source>адрес базы данных (по умолчанию — SQLite в папке данных; также HALYK_DESK_DB), например postgresql+psycopg://user@host/halyk</source>
            <comment>cli.db_option</comment>
            <translation>дерекқор адресі (әдепкі бойынша — деректер қалтасындағы SQLite; сондай-ақ HALYK_DESK_DB), мысалы postgresql+psycopg://user@host/halyk</translation>
        </message>
        <message>
            <source>Halyk Desk — бэк-офис для Halyk ePay. Без команды открывает окно.</source>
            <comment>cli.description</comment>
            <translation>Halyk Desk — Halyk ePay үшін бэк-офис. Командасыз іске қосылса, терезені ашады.</translation>
        </message>
        <message>
            <source>коды выхода:</source>
            <comment>cli.exit_codes</comment>
            <translation>шығу кодтары:</translation>
        </message>
        <message>
            <source>хранить настройки, базу данных и журналы в папке DIR (по умолчанию — в папках, принятых в системе; также HALYK_DESK_HOME)</source>
            <comment>cli.home_option</comment>
            <translation>баптауларды, дерекқорды және журналдарды DIR қалтасында сақтау (әдепкі бойынша — жүйеде қабылданған қалталарда; сондай-ақ HALYK_DESK_HOME)</translation>
        </message>
        <message>
            <source>напечатать массив JSON</source>
            <comment>cli.json_array</comment>
            <translation>JSON массивін басып шығару</translation>
        </message>
        <message>
            <source>напечатать один объект JSON для скриптов</source>
            <comment>cli.json_object</comment>
            <translation>скриптер үшін бір JSON нысанын басып шығару</translation>
        </message>
        <message>
            <source>напечатать итог в JSON</source>
            <comment>cli.json_result</comment>
            <translation>нәтижені JSON түрінде басып шығару</translation>
        </message>
        <message>
            <source>язык сообщений (по умолчанию — из настроек программы, иначе язык системы)</source>
            <comment>cli.lang_option</comment>
            <translation>хабарламалар тілі (әдепкі бойынша — бағдарлама баптауларындағы тіл, әйтпесе жүйе тілі)</translation>
        </message>
        <message>
            <source>сумма в валюте платежа, например 1200,50 (по умолчанию — наибольшая допустимая)</source>
            <comment>cli.money.amount</comment>
            <translation>төлем валютасындағы сома, мысалы 1200,50 (әдепкі бойынша — рұқсат етілген ең үлкен сома)</translation>
        </message>
        <message>
            <source>выполнено (подтверждено статусом в банке)</source>
            <comment>cli.money.exit_done</comment>
            <translation>орындалды (банктегі мәртебемен расталды)</translation>
        </message>
        <message>
            <source>другая ошибка</source>
            <comment>cli.money.exit_failed</comment>
            <translation>басқа қате</translation>
        </message>
        <message>
            <source>не разрешено (ничего не отправлено)</source>
            <comment>cli.money.exit_not_allowed</comment>
            <translation>рұқсат етілмейді (ештеңе жіберілмеді)</translation>
        </message>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <comment>cli.money.exit_pending</comment>
            <translation>екінші менеджердің мақұлдауын күтуде</translation>
        </message>
        <message>
            <source>банк отказал</source>
            <comment>cli.money.exit_refused</comment>
            <translation>банк бас тартты</translation>
        </message>
        <message>
            <source>итог неизвестен (выяснится позже)</source>
            <comment>cli.money.exit_unknown</comment>
            <translation>нәтижесі белгісіз (кейін анықталады)</translation>
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>cli.money.exit_usage</comment>
            <translation>командадағы қате</translation>
        </message>
        <message>
            <source>invoiceId заказа</source>
            <comment>cli.money.invoice</comment>
            <translation>тапсырыстың invoiceId нөмірі</translation>
        </message>
        <message>
            <source>причина из списка в настройках или своими словами</source>
            <comment>cli.money.reason</comment>
            <translation>баптаулардағы тізімнен себеп немесе өз сөзіңізбен</translation>
        </message>
        <message>
            <source>{question} — без терминала не спрашиваю: добавьте --yes.</source>
            <comment>cli.needs_yes</comment>
            <translation>{question} — терминалсыз сұрамаймын: --yes қосыңыз.</translation>
        </message>
        <message>
            <source>новый пароль</source>
            <comment>cli.new_password</comment>
            <translation>жаңа құпиясөзді</translation>
        </message>
        <message>
            <source>прочитать {what} со стандартного ввода (у терминала спросит дважды, не показывая); не короче 8 знаков</source>
            <comment>cli.new_password_stdin</comment>
            <translation>{what} стандартты енгізуден оқу (терминалда екі рет, көрсетпей сұрайды); кемінде 8 таңба</translation>
        </message>
        <message>
            <source>Одобрения не ждёт ни один возврат.</source>
            <comment>cli.no_approvals</comment>
            <translation>Мақұлдауды күтетін қайтару жоқ.</translation>
        </message>
        <message>
            <source>На стандартном вводе нет пароля; ничего не изменено.</source>
            <comment>cli.no_password_on_stdin</comment>
            <translation>Стандартты енгізуде құпиясөз жоқ; ештеңе өзгертілмеді.</translation>
        </message>
        <message>
            <source>«{text}» — не дата: напишите 2026-11-01 или 01.11.2026.</source>
            <comment>cli.not_a_date</comment>
            <translation>«{text}» — күн емес: 2026-11-01 немесе 01.11.2026 түрінде жазыңыз.</translation>
        </message>
        <message>
            <source>{text} — не число</source>
            <comment>cli.not_a_number</comment>
            <translation>{text} — сан емес</translation>
        </message>
        <message>
            <source>Не разрешено: {why}</source>
            <comment>cli.not_allowed</comment>
            <translation>Рұқсат етілмейді: {why}</translation>
        </message>
        <message>
            <source>«{text}» — не дата вида 2026-11-01.</source>
            <comment>cli.not_an_iso_date</comment>
            <translation>«{text}» — 2026-11-01 түріндегі күн емес.</translation>
        </message>
        <message>
            <source>{text} — не целое число</source>
            <comment>cli.not_whole</comment>
            <translation>{text} — бүтін сан емес</translation>
        </message>
        <message>
            <source>Ничего не отправлено.</source>
            <comment>cli.nothing_sent</comment>
            <translation>Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>Выяснять нечего: итог каждой операции известен.</source>
            <comment>cli.nothing_to_resolve</comment>
            <translation>Анықтайтын ештеңе жоқ: әр операцияның нәтижесі белгілі.</translation>
        </message>
        <message>
            <source>операторы и их роли</source>
            <comment>cli.operator.help</comment>
            <translation>операторлар және олардың рөлдері</translation>
        </message>
        <message>
            <source>добавить оператора или сменить его роль (только администратор)</source>
            <comment>cli.operator_add.help</comment>
            <translation>оператор қосу немесе оның рөлін өзгерту (тек әкімші)</translation>
        </message>
        <message>
            <source>лишить оператора прав (только администратор)</source>
            <comment>cli.operator_disable.help</comment>
            <translation>оператордың құқықтарын алып тастау (тек әкімші)</translation>
        </message>
        <message>
            <source>Оператор {name} отключён.</source>
            <comment>cli.operator_disabled</comment>
            <translation>{name} операторы өшірілді.</translation>
        </message>
        <message>
            <source>список операторов</source>
            <comment>cli.operator_list.help</comment>
            <translation>операторлар тізімі</translation>
        </message>
        <message>
            <source>действовать как оператор NAME, подтвердив его паролем (по умолчанию — пользователь системы; на PostgreSQL не принимается: там оператор — логин базы)</source>
            <comment>cli.operator_option</comment>
            <translation>NAME операторы ретінде әрекет ету, оның құпиясөзімен расталады (әдепкісі — жүйе пайдаланушысы; PostgreSQL-де қабылданбайды: онда оператор — дерекқор логині)</translation>
        </message>
        <message>
            <source>Оператор {name} — {role}.</source>
            <comment>cli.operator_role</comment>
            <translation>{name} операторы — {role}.</translation>
        </message>
        <message>
            <source>Заказы магазина в том виде, в каком их выгружает его собственная система.</source>
            <comment>cli.orders.description</comment>
            <translation>Дүкеннің өз жүйесі экспорттаған күйдегі тапсырыстары.</translation>
        </message>
        <message>
            <source>заказы магазина: загрузить их выгрузку</source>
            <comment>cli.orders.help</comment>
            <translation>дүкен тапсырыстары: олардың экспортын жүктеу</translation>
        </message>
        <message>
            <source>Загружает заказы магазина из файла CSV (разделитель — запятая, точка с запятой или табуляция; UTF-8 или cp1251) или книги XLSX, например списка заказов 1С-Битрикс. Колонки находятся по русским или английским названиям (ID / Номер заказа / invoiceId, Сумма / Amount, Валюта / Currency, Дата создания / Created, Покупатель / Customer, Оплачен / Paid, Статус / Status); --mapping называет любые другие. Одна неверная строка — и не загружается ничего: каждая ошибка названа с номером строки. Повторная загрузка тех же строк ничего не меняет; строка, противоречащая уже загруженному заказу (другая сумма, валюта или дата), отклоняет весь файл.</source>
            <comment>cli.orders_import.description</comment>
            <translation>Дүкен тапсырыстарын CSV файлынан (бөлгіш — үтір, нүктелі үтір немесе табуляция; UTF-8 немесе cp1251) немесе XLSX кітабынан, мысалы 1С-Битрикс тапсырыстар тізімінен жүктейді. Бағандар орысша немесе ағылшынша атаулары бойынша табылады (ID / Номер заказа / invoiceId, Сумма / Amount, Валюта / Currency, Дата создания / Created, Покупатель / Customer, Оплачен / Paid, Статус / Status); басқаларын --mapping атайды. Бір қате жол болса, ештеңе жүктелмейді: әр қате жол нөмірімен аталады. Сол жолдарды қайта жүктеу ештеңені өзгертпейді; бұрын жүктелген тапсырысқа қайшы келетін жол (басқа сома, валюта немесе күн) бүкіл файлды қабылдамайды.</translation>
        </message>
        <message>
            <source>Файл {file} загружен в профиль «{profile}»: добавлено {added}, без изменений {unchanged}.</source>
            <comment>cli.orders_import.done</comment>
            <translation>{file} файлы «{profile}» профиліне жүктелді: қосылды {added}, өзгеріссіз {unchanged}.</translation>
        </message>
        <message>
            <source>Файл {file} загружен в профиль «{profile}»: добавлено {added}, без изменений {unchanged}, обновлено {updated}.</source>
            <comment>cli.orders_import.done_updated</comment>
            <translation>{file} файлы «{profile}» профиліне жүктелді: қосылды {added}, өзгеріссіз {unchanged}, жаңартылды {updated}.</translation>
        </message>
        <message>
            <source>загружено (или нового нет)</source>
            <comment>cli.orders_import.exit_ok</comment>
            <translation>жүктелді (немесе жаңасы жоқ)</translation>
        </message>
        <message>
            <source>файл отклонён: ничего не загружено (ошибки перечислены), или данные не удалось открыть</source>
            <comment>cli.orders_import.exit_refused</comment>
            <translation>файл қабылданбады: ештеңе жүктелмеді (қателер тізілген) немесе деректерді ашу мүмкін болмады</translation>
        </message>
        <message>
            <source>ошибка в команде: неверные аргументы, недопустимый --mapping, неизвестный профиль</source>
            <comment>cli.orders_import.exit_usage</comment>
            <translation>командадағы қате: дұрыс емес аргументтер, жарамсыз --mapping, белгісіз профиль</translation>
        </message>
        <message>
            <source>файл заказов (.csv или .xlsx)</source>
            <comment>cli.orders_import.file</comment>
            <translation>тапсырыстар файлы (.csv немесе .xlsx)</translation>
        </message>
        <message>
            <source>загрузить файл заказов (CSV или XLSX): все строки или ни одной</source>
            <comment>cli.orders_import.help</comment>
            <translation>тапсырыстар файлын жүктеу (CSV немесе XLSX): барлық жолдарды немесе ешқайсысын</translation>
        </message>
        <message>
            <source>Или сопоставьте колонку сами, например --mapping '{mapping}'.</source>
            <comment>cli.orders_import.map_missing</comment>
            <translation>Немесе бағанды өзіңіз сәйкестендіріңіз, мысалы --mapping '{mapping}'.</translation>
        </message>
        <message>
            <source>Или укажите колонку сами: --mapping '{mapping}'.</source>
            <comment>cli.orders_import.map_other</comment>
            <translation>Немесе бағанды өзіңіз көрсетіңіз: --mapping '{mapping}'.</translation>
        </message>
        <message>
            <source>какая колонка содержит какое поле, в JSON: {{"invoice_id": "Номер", "amount": "Итого"}}; или @PATH, чтобы прочитать этот JSON из файла. Поля: invoice_id, amount, currency, created_at, customer, shop_paid, shop_status</source>
            <comment>cli.orders_import.mapping</comment>
            <translation>қай бағанда қай өріс бар, JSON түрінде: {{"invoice_id": "Нөмір", "amount": "Барлығы"}}; немесе сол JSON-ды файлдан оқу үшін @PATH. Өрістер: invoice_id, amount, currency, created_at, customer, shop_paid, shop_status</translation>
        </message>
        <message>
            <source>Не удалось прочитать файл сопоставления «{path}»: {why}.</source>
            <comment>cli.orders_import.mapping_unreadable</comment>
            <translation>«{path}» сәйкестендіру файлын оқу мүмкін болмады: {why}.</translation>
        </message>
        <message>
            <source>предупреждение: {warning}</source>
            <comment>cli.orders_import.warning</comment>
            <translation>ескерту: {warning}</translation>
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice}.</source>
            <comment>cli.outcome</comment>
            <translation>{result}: {action} {amount}, тапсырыс {invoice}.</translation>
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice} (операция №{id}).</source>
            <comment>cli.outcome_numbered</comment>
            <translation>{result}: {action} {amount}, тапсырыс {invoice} (№{id} операция).</translation>
        </message>
        <message>
            <source>Задаёт пароль, которым оператор NAME подтверждает, что это он (--operator NAME). Если дан и общий --password-stdin, первая строка стандартного ввода — пароль действующего оператора, вторая — новый.</source>
            <comment>cli.passwd.description</comment>
            <translation>NAME операторы өзін растайтын құпиясөзді орнатады (--operator NAME). Жалпы --password-stdin да берілсе, стандартты енгізудің бірінші жолы — әрекет етуші оператордың құпиясөзі, екіншісі — жаңасы.</translation>
        </message>
        <message>
            <source>задать пароль оператора (администратор — любому, каждый — себе)</source>
            <comment>cli.passwd.help</comment>
            <translation>оператордың құпиясөзін орнату (әкімші — кез келгенге, әркім — өзіне)</translation>
        </message>
        <message>
            <source>пароль оператора</source>
            <comment>cli.password_of_operator</comment>
            <translation>оператордың құпиясөзін</translation>
        </message>
        <message>
            <source>Пароль оператора {name} задан.</source>
            <comment>cli.password_set</comment>
            <translation>{name} операторының құпиясөзі орнатылды.</translation>
        </message>
        <message>
            <source>прочитать пароль --operator из первой строки стандартного ввода (по умолчанию его спросят у терминала)</source>
            <comment>cli.password_stdin_option</comment>
            <translation>--operator құпиясөзін стандартты енгізудің бірінші жолынан оқу (әдепкісі — терминалда сұралады)</translation>
        </message>
        <message>
            <source>Пароли не совпали; ничего не изменено.</source>
            <comment>cli.passwords_differ</comment>
            <translation>Құпиясөздер сәйкес келмеді; ештеңе өзгертілмеді.</translation>
        </message>
        <message>
            <source>профиль банка (по умолчанию — последний использованный)</source>
            <comment>cli.profile_option</comment>
            <translation>банк профилі (әдепкі бойынша — соңғы қолданылғаны)</translation>
        </message>
        <message>
            <source>--from {date_from} позже, чем --to {date_to}: между ними нет ни одного дня.</source>
            <comment>cli.range_backwards</comment>
            <translation>--from {date_from} күні --to {date_to} күнінен кейін: олардың арасында бірде-бір күн жоқ.</translation>
        </message>
        <message>
            <source>решено: {count}</source>
            <comment>cli.reconcile.category_resolved</comment>
            <translation>шешілді: {count}</translation>
        </message>
        <message>
            <source>Сверяет заказы магазина с платежами банка за рабочие дни --from..--to (оба включительно; по настройке business_tz, по умолчанию Asia/Almaty): совпавшие, расхождения суммы и статуса, платежи, которых нет в банке или которых не знает магазин, повторные оплаты, блокировки, возвраты, операции с неизвестным итогом. Читает базу (сначала выполните `halyk-desk sync`) и реестр операций банка, если профилю он доступен. Каждая сверка записывается; --xlsx пишет книгу Excel (через временный файл). --json печатает {{"from", "to", "time_zone", "match_rate", "categories": {{KEY: {{"count", "sum"}}}}, ...}} со всеми ключами категорий, итогами сверки и "discrepancies" (у каждого расхождения — "key", который принимает `reconcile mark`).</source>
            <comment>cli.reconcile.description</comment>
            <translation>Дүкен тапсырыстарын --from..--to жұмыс күндеріндегі (екеуі де қоса алғанда; business_tz баптауы бойынша, әдепкі бойынша Asia/Almaty) банк төлемдерімен салыстырады: сәйкес келгендер, сома мен мәртебе айырмашылықтары, банкте жоқ немесе дүкенге белгісіз төлемдер, қайталанған төлемдер, бұғаттаулар, қайтарулар, нәтижесі белгісіз операциялар. Дерекқорды (алдымен `halyk-desk sync` орындаңыз) және профильге қолжетімді болса, банктің операциялар тізімін оқиды. Әр салыстыру жазылады; --xlsx Excel кітабын жазады (уақытша файл арқылы). --json мынаны басып шығарады: {{"from", "to", "time_zone", "match_rate", "categories": {{KEY: {{"count", "sum"}}}}, ...}} — санаттардың барлық кілттері, салыстыру қорытындылары және "discrepancies" (әр айырмашылықта `reconcile mark` қабылдайтын "key" бар).</translation>
        </message>
        <message>
            <source>сверено: есть открытые расхождения (книга записана, если её просили)</source>
            <comment>cli.reconcile.exit_discrepancies</comment>
            <translation>салыстырылды: ашық айырмашылықтар бар (сұралса, кітап жазылды)</translation>
        </message>
        <message>
            <source>сбой (база данных, настройки); ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_failed</comment>
            <translation>ақау (дерекқор, баптаулар); ештеңе жазылмады, кітап жоқ</translation>
        </message>
        <message>
            <source>прервано (Ctrl-C); ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_interrupted</comment>
            <translation>үзілді (Ctrl-C); ештеңе жазылмады, кітап жоқ</translation>
        </message>
        <message>
            <source>оператору не разрешено сверять или выгружать (роль)</source>
            <comment>cli.reconcile.exit_not_allowed</comment>
            <translation>операторға салыстыруға немесе экспорттауға рұқсат жоқ (рөл)</translation>
        </message>
        <message>
            <source>сверено: открытых расхождений нет (книга записана, если её просили)</source>
            <comment>cli.reconcile.exit_ok</comment>
            <translation>салыстырылды: ашық айырмашылық жоқ (сұралса, кітап жазылды)</translation>
        </message>
        <message>
            <source>ошибка в команде или данных: нет даты или она неверна, --from позже --to, в периоде нечего сверять, неизвестный профиль, книгу нельзя записать по этому пути; ничего не записано, книги нет</source>
            <comment>cli.reconcile.exit_usage</comment>
            <translation>командада немесе деректерде қате: күн жоқ немесе қате, --from күні --to күнінен кейін, кезеңде салыстыратын ештеңе жоқ, белгісіз профиль, кітапты бұл жолға жазу мүмкін емес; ештеңе жазылмады, кітап жоқ</translation>
        </message>
        <message>
            <source>первый день, {day}</source>
            <comment>cli.reconcile.from</comment>
            <translation>бірінші күн, {day}</translation>
        </message>
        <message>
            <source>Сверка {date_from}–{date_to} ({time_zone}), профиль {profile}, запуск {run}</source>
            <comment>cli.reconcile.header</comment>
            <translation>Салыстыру {date_from}–{date_to} ({time_zone}), профиль {profile}, салыстыру нөмірі {run}</translation>
        </message>
        <message>
            <source>сверить заказы магазина с банком за рабочие дни</source>
            <comment>cli.reconcile.help</comment>
            <translation>дүкен тапсырыстарын жұмыс күндері бойынша банкпен салыстыру</translation>
        </message>
        <message>
            <source>{key} отмечено решённым во всех категориях; следующие сверки покажут его решённым.</source>
            <comment>cli.reconcile.marked</comment>
            <translation>{key} барлық санаттарда шешілді деп белгіленді; келесі салыстырулар оны шешілген деп көрсетеді.</translation>
        </message>
        <message>
            <source>{key} отмечено решённым в категории {category}; следующие сверки покажут его решённым.</source>
            <comment>cli.reconcile.marked_in</comment>
            <translation>{key} {category} санатында шешілді деп белгіленді; келесі салыстырулар оны шешілген деп көрсетеді.</translation>
        </message>
        <message>
            <source>совпадение {rate} %</source>
            <comment>cli.reconcile.match_rate</comment>
            <translation>сәйкестік {rate} %</translation>
        </message>
        <message>
            <source>сопоставляю</source>
            <comment>cli.reconcile.matching</comment>
            <translation>салыстырып жатырмын</translation>
        </message>
        <message>
            <source>… и ещё {more} (все — в --json или --xlsx)</source>
            <comment>cli.reconcile.more</comment>
            <translation>… және тағы {more} (барлығы — --json немесе --xlsx ішінде)</translation>
        </message>
        <message>
            <source>не запрашивать у банка реестр операций (только база)</source>
            <comment>cli.reconcile.no_operations_list</comment>
            <translation>банктен операциялар тізімін сұрамау (тек дерекқор)</translation>
        </message>
        <message>
            <source>Открытые расхождения: {open} (отмечены решёнными: {resolved})</source>
            <comment>cli.reconcile.open</comment>
            <translation>Ашық айырмашылықтар: {open} (шешілді деп белгіленгені: {resolved})</translation>
        </message>
        <message>
            <source>читаю базу</source>
            <comment>cli.reconcile.reading</comment>
            <translation>дерекқорды оқып жатырмын</translation>
        </message>
        <message>
            <source>читаю реестр операций банка</source>
            <comment>cli.reconcile.reading_list</comment>
            <translation>банктің операциялар тізімін оқып жатырмын</translation>
        </message>
        <message>
            <source>записываю сверку</source>
            <comment>cli.reconcile.saving</comment>
            <translation>салыстыруды жазып жатырмын</translation>
        </message>
        <message>
            <source>последний день, включительно (по умолчанию — день --from)</source>
            <comment>cli.reconcile.to</comment>
            <translation>соңғы күн, қоса алғанда (әдепкі бойынша — --from күні)</translation>
        </message>
        <message>
            <source>заказов {orders} (ждут оплаты: {expecting}), заказано на {ordered}; списано {captured}, возвращено {refunded}, итого {net}</source>
            <comment>cli.reconcile.totals</comment>
            <translation>тапсырыстар: {orders} (төлемді күтетіні: {expecting}), тапсырыс сомасы {ordered}; есептен шығарылды {captured}, қайтарылды {refunded}, барлығы {net}</translation>
        </message>
        <message>
            <source>Книга Excel: {path}</source>
            <comment>cli.reconcile.workbook</comment>
            <translation>Excel кітабы: {path}</translation>
        </message>
        <message>
            <source>записываю книгу Excel</source>
            <comment>cli.reconcile.writing_workbook</comment>
            <translation>Excel кітабын жазып жатырмын</translation>
        </message>
        <message>
            <source>ещё и записать книгу Excel в PATH (.xlsx)</source>
            <comment>cli.reconcile.xlsx</comment>
            <translation>Excel кітабын PATH жолына да жазу (.xlsx)</translation>
        </message>
        <message>
            <source>--from {date_from} позже, чем --to {date_to}: сначала укажите более раннюю дату.</source>
            <comment>cli.reconcile_backwards</comment>
            <translation>--from {date_from} күні --to {date_to} күнінен кейін: алдымен ертерек күнді көрсетіңіз.</translation>
        </message>
        <message>
            <source>Сверка прервана: ничего не записано, книга не создана.</source>
            <comment>cli.reconcile_interrupted</comment>
            <translation>Салыстыру үзілді: ештеңе жазылмады, кітап жасалмады.</translation>
        </message>
        <message>
            <source>только в этой категории (по умолчанию — во всех, где есть этот ключ)</source>
            <comment>cli.reconcile_mark.category</comment>
            <translation>тек осы санатта (әдепкі бойынша — бұл кілт кездесетін барлық санаттарда)</translation>
        </message>
        <message>
            <source>Отмечает расхождение решённым, с примечанием (пишется в журнал аудита); следующие сверки покажут его решённым. KEY — ключ расхождения из `reconcile --json` или с листа Расхождения книги (invoice:000123, transaction:&lt;номер в банке&gt;, operation:&lt;номер&gt;).</source>
            <comment>cli.reconcile_mark.description</comment>
            <translation>Айырмашылықты ескертпемен шешілген деп белгілейді (аудит журналына жазылады); келесі салыстырулар оны шешілген деп көрсетеді. KEY — `reconcile --json` ішіндегі немесе кітаптың Расхождения парағындағы айырмашылық кілті (invoice:000123, transaction:&lt;банктегі нөмір&gt;, operation:&lt;нөмір&gt;).</translation>
        </message>
        <message>
            <source>сбой</source>
            <comment>cli.reconcile_mark.exit_failed</comment>
            <translation>ақау</translation>
        </message>
        <message>
            <source>оператору не разрешено сверять (роль)</source>
            <comment>cli.reconcile_mark.exit_not_allowed</comment>
            <translation>операторға салыстыруға рұқсат жоқ (рөл)</translation>
        </message>
        <message>
            <source>отмечено</source>
            <comment>cli.reconcile_mark.exit_ok</comment>
            <translation>белгіленді</translation>
        </message>
        <message>
            <source>неверный ключ, примечание или категория</source>
            <comment>cli.reconcile_mark.exit_usage</comment>
            <translation>кілт, ескертпе немесе санат қате</translation>
        </message>
        <message>
            <source>отметить расхождение решённым, с примечанием</source>
            <comment>cli.reconcile_mark.help</comment>
            <translation>айырмашылықты ескертпемен шешілген деп белгілеу</translation>
        </message>
        <message>
            <source>как расхождение решено</source>
            <comment>cli.reconcile_mark.note</comment>
            <translation>айырмашылық қалай шешілді</translation>
        </message>
        <message>
            <source>Для сверки нужен --from ДАТА (и --to ДАТА, если дней больше одного).</source>
            <comment>cli.reconcile_needs_from</comment>
            <translation>Салыстыруға --from КҮН керек (бір күннен көп болса, --to КҮН да).</translation>
        </message>
        <message numerus="yes">
            <source>Внимание: %n заказов периода ещё не прочитаны из банка и считаются неоплаченными в банке; сначала выполните `halyk-desk sync --from {date_from} --to {date_to}`.</source>
            <comment>cli.reconcile_unread</comment>
            <translation>
                <numerusform>Назар аударыңыз: кезеңнің %n тапсырысы банктен әлі оқылмаған және банкте төленбеген болып саналады; алдымен `halyk-desk sync --from {date_from} --to {date_to}` орындаңыз.</numerusform>
                <numerusform>Назар аударыңыз: кезеңнің %n тапсырысы банктен әлі оқылмаған және банкте төленбеген болып саналады; алдымен `halyk-desk sync --from {date_from} --to {date_to}` орындаңыз.</numerusform>
            </translation>
        </message>
        <message>
            <source>вернуть списанный платёж, весь остаток или --amount</source>
            <comment>cli.refund.help</comment>
            <translation>есептен шығарылған төлемді қайтару, бүкіл қалдығын немесе --amount</translation>
        </message>
        <message>
            <source>примечание, которое сохранится вместе с возвратом</source>
            <comment>cli.refund.note</comment>
            <translation>қайтарумен бірге сақталатын ескертпе</translation>
        </message>
        <message>
            <source>Заметка: реестр операций банка не прочитан: {note}</source>
            <comment>cli.registry_failed</comment>
            <translation>Ескерту: банк операцияларының тізілімі оқылмады: {note}</translation>
        </message>
        <message>
            <source>Заметка: реестр операций банка этому профилю недоступен, поэтому платежи, неизвестные магазину, и повторные оплаты не найти: {note}</source>
            <comment>cli.registry_not_available</comment>
            <translation>Ескерту: банк операцияларының тізілімі бұл профильге қолжетімсіз, сондықтан дүкенге белгісіз төлемдер мен қайталанған төлемдерді табу мүмкін емес: {note}</translation>
        </message>
        <message>
            <source>отклонить ждущий возврат; ничего не отправляется</source>
            <comment>cli.reject.help</comment>
            <translation>күтіп тұрған қайтаруды қабылдамау; ештеңе жіберілмейді</translation>
        </message>
        <message>
            <source>Отклонено №{id}: {action} {amount} по заказу {invoice} не будет отправлен.</source>
            <comment>cli.rejected</comment>
            <translation>№{id} қабылданбады: {invoice} тапсырысы бойынша {action} {amount} жіберілмейді.</translation>
        </message>
        <message>
            <source>Читает статус в банке каждого платежа, у которого есть операция с неизвестным итогом (или только платежа INVOICE), и записывает итог: выполнено или не выполнено. Код выхода 0, если неизвестных итогов не осталось, 5 — если остались.</source>
            <comment>cli.resolve.description</comment>
            <translation>Нәтижесі белгісіз операциясы бар әр төлемнің (немесе тек INVOICE төлемінің) банктегі мәртебесін оқып, нәтижесін жазады: орындалды немесе орындалмады. Белгісіз нәтиже қалмаса, шығу коды 0, қалса — 5.</translation>
        </message>
        <message>
            <source>выяснить по статусу в банке итог операций, итог которых неизвестен</source>
            <comment>cli.resolve.help</comment>
            <translation>нәтижесі белгісіз операциялардың нәтижесін банктегі мәртебе бойынша анықтау</translation>
        </message>
        <message>
            <source>напечатать итоги списком JSON</source>
            <comment>cli.resolve.json</comment>
            <translation>нәтижелерді JSON тізімі ретінде басып шығару</translation>
        </message>
        <message>
            <source>читать заново и платежи в окончательном состоянии</source>
            <comment>cli.sync.all</comment>
            <translation>соңғы күйдегі төлемдерді де қайта оқу</translation>
        </message>
        <message>
            <source>сколько статусов читать одновременно, от 1 до {most} (по умолчанию — настройка sync_concurrency, 8)</source>
            <comment>cli.sync.concurrency</comment>
            <translation>бір уақытта неше мәртебе оқу, 1-ден {most}-ке дейін (әдепкі бойынша — sync_concurrency баптауы, 8)</translation>
        </message>
        <message>
            <source>укажите от 1 до {most}, а не {value}</source>
            <comment>cli.sync.concurrency_range</comment>
            <translation>{value} емес, 1-ден {most}-ке дейін көрсетіңіз</translation>
        </message>
        <message>
            <source>Читает статус в банке каждого заказа периода, которому это нужно. Платежи в окончательном состоянии (возвращён, блокировка снята, неуспешен) заново не читаются, если не дан --all. Ход работы — в стандартный поток ошибок (полоса у терминала, иначе строка раз в несколько секунд); итог — в стандартный вывод. Ctrl-C останавливает аккуратно: начатые чтения завершаются, всё прочитанное сохраняется, следующая синхронизация продолжит (Ctrl-C дважды — выйти сразу; записанное остаётся записанным).</source>
            <comment>cli.sync.description</comment>
            <translation>Кезеңде жасалған және оқуды қажет ететін әр тапсырыстың банктегі мәртебесін оқиды. Соңғы күйдегі төлемдер (қайтарылған, бұғаттауы алынған, сәтсіз) --all берілмесе қайта оқылмайды. Жұмыс барысы стандартты қателер ағынына шығады (терминалда — жолақ, әйтпесе бірнеше секунд сайын бір жол); қорытынды — стандартты шығысқа. Ctrl-C ұқыпты тоқтатады: басталған оқулар аяқталады, оқылғанның бәрі сақталады, келесі синхрондау жалғастырады (Ctrl-C екі рет — бірден шығу; жазылған жазылған күйінде қалады).</translation>
        </message>
        <message>
            <source>часть статусов прочитать не удалось (итог считает их по видам; следующая синхронизация попробует снова), или синхронизация не смогла начаться (банк, профиль, база данных)</source>
            <comment>cli.sync.exit_failed</comment>
            <translation>кейбір мәртебелерді оқу мүмкін болмады (қорытынды оларды түрлері бойынша санайды; келесі синхрондау қайта көреді) немесе синхрондау басталмады (банк, профиль, дерекқор)</translation>
        </message>
        <message>
            <source>остановлено Ctrl-C (или SIGTERM) до конца; итог говорит, что прочитано</source>
            <comment>cli.sync.exit_interrupted</comment>
            <translation>соңына дейін Ctrl-C (немесе SIGTERM) арқылы тоқтатылды; қорытынды не оқылғанын айтады</translation>
        </message>
        <message>
            <source>прочитаны все статусы</source>
            <comment>cli.sync.exit_ok</comment>
            <translation>барлық мәртебе оқылды</translation>
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>cli.sync.exit_usage</comment>
            <translation>командадағы қате</translation>
        </message>
        <message>
            <source>первый день заказов для чтения, {day} (по умолчанию — самый первый)</source>
            <comment>cli.sync.from</comment>
            <translation>оқылатын тапсырыстардың бірінші күні, {day} (әдепкі бойынша — ең біріншісі)</translation>
        </message>
        <message>
            <source>прочитать из банка статус платежа каждого заказа</source>
            <comment>cli.sync.help</comment>
            <translation>әр тапсырыс төлемінің мәртебесін банктен оқу</translation>
        </message>
        <message>
            <source>последний день заказов для чтения, включительно (по умолчанию — самый последний)</source>
            <comment>cli.sync.to</comment>
            <translation>оқылатын тапсырыстардың соңғы күні, қоса алғанда (әдепкі бойынша — ең соңғысы)</translation>
        </message>
        <message>
            <source>Все заказы периода в окончательном состоянии (--all прочитает их заново).</source>
            <comment>cli.sync_all_final</comment>
            <translation>Кезеңнің барлық тапсырыстары соңғы күйде (--all оларды қайта оқиды).</translation>
        </message>
        <message>
            <source>Синхронизация не удалась: {error}</source>
            <comment>cli.sync_failed</comment>
            <translation>Синхрондау сәтсіз аяқталды: {error}</translation>
        </message>
        <message>
            <source>Синхронизация прервана: всё прочитанное сохранено, следующая синхронизация продолжит.</source>
            <comment>cli.sync_interrupted</comment>
            <translation>Синхрондау үзілді: оқылғанның бәрі сақталды, келесі синхрондау жалғастырады.</translation>
        </message>
        <message>
            <source>В периоде нет заказов: загрузите их командой `halyk-desk orders import`.</source>
            <comment>cli.sync_no_orders</comment>
            <translation>Кезеңде тапсырыс жоқ: оларды `halyk-desk orders import` командасымен жүктеңіз.</translation>
        </message>
        <message>
            <source>отметка журнала, сохранённая в другом месте (`audit head`, книга сверки, `reconcile --json`): запись N должна быть на месте и с этим хешем — так видно и удалённые последние записи, и переписанную историю</source>
            <comment>cli.verify_head</comment>
            <translation>басқа жерде сақталған журнал белгісі (`audit head`, салыстыру кітабы, `reconcile --json`): N жазба осы хешпен орнында болуы керек — сонда жойылған соңғы жазбалар да, қайта жазылған тарих та көрінеді</translation>
        </message>
        <message>
            <source>выполнить, не спрашивая</source>
            <comment>cli.yes</comment>
            <translation>сұрамай орындау</translation>
        </message>
        <message>
            <source>Период кончается ({date_to}) раньше, чем начинается ({date_from}).</source>
            <comment>dashboard.period_reversed</comment>
            <translation>Кезең басталуынан ({date_from}) бұрын аяқталады ({date_to}).</translation>
        </message>
        <message>
            <source>Период слишком длинный: {days} дн., а можно не больше {max}.</source>
            <comment>dashboard.period_too_long</comment>
            <translation>Кезең тым ұзақ: {days} күн, ал {max} күннен аспауы керек.</translation>
        </message>
        <message>
            <source>Пароль базы данных (не отображается): </source>
            <comment>db.ask_password</comment>
            <translation>Дерекқор құпиясөзі (көрсетілмейді): </translation>
        </message>
        <message>
            <source>проверено: {tool}</source>
            <comment>db.backup.checked</comment>
            <translation>{tool} арқылы тексерілді</translation>
        </message>
        <message>
            <source>Резервная копия базы. SQLite: согласованная копия, которую можно делать, пока программа работает, проверенная встроенной проверкой целостности SQLite. PostgreSQL: pg_dump в его собственном формате (нужны клиентские программы PostgreSQL; пароль передаётся через окружение, никогда в командной строке). Копия пишется под временным именем и получает своё имя, только когда она полна и проверена. Без PATH она попадает в папку backups в папке данных под именем halyk-desk-YYYYmmdd-HHMMSS.sqlite3 (.dump для PostgreSQL; время в UTC).</source>
            <comment>db.backup.description</comment>
            <translation>Дерекқордың резервтік көшірмесі. SQLite: бағдарлама жұмыс істеп тұрғанда да жасалатын үйлесімді көшірме, SQLite-тің өз тұтастық тексеруімен тексеріледі. PostgreSQL: pg_dump өз форматында (PostgreSQL клиент бағдарламалары керек; құпиясөз командалық жолда емес, орта айнымалысы арқылы беріледі). Көшірме уақытша атаумен жазылады және толық әрі тексерілген кезде ғана өз атауын алады. PATH берілмесе, ол деректер қалтасындағы backups қалтасына halyk-desk-YYYYmmdd-HHMMSS.sqlite3 атауымен жазылады (PostgreSQL үшін .dump; уақыт UTC бойынша).</translation>
        </message>
        <message>
            <source>Копия {source} записана в {target} ({size}; {checked}).</source>
            <comment>db.backup.done</comment>
            <translation>{source} көшірмесі {target} файлына жазылды ({size}; {checked}).</translation>
        </message>
        <message>
            <source>копия сделана и проверена</source>
            <comment>db.backup.exit_0</comment>
            <translation>көшірме жасалды және тексерілді</translation>
        </message>
        <message>
            <source>копия не сделана (почему — сказано в сообщении); ничего не оставлено</source>
            <comment>db.backup.exit_1</comment>
            <translation>көшірме жасалмады (себебі хабарда айтылған); артында ештеңе қалмады</translation>
        </message>
        <message>
            <source>проверенная копия базы (можно делать, пока открыто окно)</source>
            <comment>db.backup.help</comment>
            <translation>дерекқордың тексерілген көшірмесі (терезе ашық тұрғанда да жасауға болады)</translation>
        </message>
        <message>
            <source>затем удалить в этой папке все копии с датой в имени, кроме N самых новых (только файлы с именами halyk-desk-YYYYmmdd-HHMMSS.*)</source>
            <comment>db.backup.keep</comment>
            <translation>содан кейін сол қалтадағы атауында күні бар көшірмелердің ең жаңа N-інен басқасының бәрін жою (тек halyk-desk-YYYYmmdd-HHMMSS.* атаулы файлдар)</translation>
        </message>
        <message>
            <source>файл, который записать (если он есть, будет заменён), или папка, в которую записать файл с датой в имени</source>
            <comment>db.backup.path</comment>
            <translation>жазылатын файл (бар болса, ауыстырылады) немесе атауында күні бар файл жазылатын қалта</translation>
        </message>
        <message>
            <source>Удалена старая копия {path}</source>
            <comment>db.backup.pruned</comment>
            <translation>Ескі көшірме жойылды: {path}</translation>
        </message>
        <message>
            <source>не проверено: pg_restore не установлен</source>
            <comment>db.backup.unchecked</comment>
            <translation>тексерілмеді: pg_restore орнатылмаған</translation>
        </message>
        <message>
            <source>«{text}»: укажите целое число копий, 1 или больше</source>
            <comment>db.bad_keep</comment>
            <translation>«{text}»: көшірмелер санын бүтін санмен жазыңыз, 1 немесе одан көп</translation>
        </message>
        <message>
            <source>ВНИМАНИЕ: журнал аудита уже был нарушен в базе, из которой копировали, и скопирован как есть (доказательства сохранены). `halyk-desk audit verify` на любой из двух баз скажет то же самое.</source>
            <comment>db.copy.broken_audit</comment>
            <translation>НАЗАР АУДАРЫҢЫЗ: көшірме алынған дерекқорда аудит журналы бұрыннан бұзылған еді және сол күйінде көшірілді (дәлелдер сақталды). Екі дерекқордың кез келгенінде `halyk-desk audit verify` соны айтады.</translation>
        </message>
        <message>
            <source>Копирование {source} в {target} ...</source>
            <comment>db.copy.copying</comment>
            <translation>{source} дерекқоры {target} дерекқорына көшірілуде ...</translation>
        </message>
        <message>
            <source>Скопировать все таблицы используемой базы в другую, пустую базу, например из файла SQLite этого компьютера в общую базу PostgreSQL. Целевая база сначала получает схему этой программы; копирование — одна транзакция, которая фиксируется, только когда там проверены число строк и цепочка хешей журнала аудита, так что при любой ошибке в целевой базе не остаётся ни одной строки. Целевая база с данными (кроме встроенных профилей, которые создаёт первый запуск) не принимается. Сначала закройте Halyk Desk везде: пока используемая база читается, она закрыта для изменений. Используемая база не меняется.</source>
            <comment>db.copy.description</comment>
            <translation>Пайдаланылып жатқан дерекқордың барлық кестесін басқа, бос дерекқорға көшіру, мысалы осы компьютердің SQLite файлынан ортақ PostgreSQL дерекқорына. Мақсатты дерекқор алдымен осы бағдарламаның схемасын алады; көшіру — жолдар саны мен аудит журналының хэш тізбегі сонда тексерілгеннен кейін ғана бекітілетін бір транзакция, сондықтан кез келген қатеде мақсатты дерекқорда бірде-бір жол қалмайды. Деректері бар мақсатты дерекқор (алғашқы іске қосу жасайтын кірістірілген профильдерден басқа) қабылданбайды. Алдымен Halyk Desk-ті барлық жерде жабыңыз: пайдаланылып жатқан дерекқор оқылып жатқанда өзгерістерге жабық болады. Пайдаланылып жатқан дерекқор өзгермейді.</translation>
        </message>
        <message>
            <source>В {target} скопировано строк: {rows}, таблиц: {tables}. Число строк совпадает. {audit}</source>
            <comment>db.copy.done</comment>
            <translation>{target} дерекқорына көшірілді: {rows} жол, {tables} кесте. Жолдар саны сәйкес. {audit}</translation>
        </message>
        <message>
            <source>скопировано и проверено</source>
            <comment>db.copy.exit_0</comment>
            <translation>көшірілді және тексерілді</translation>
        </message>
        <message>
            <source>ничего не скопировано (почему и что делать — сказано в сообщении)</source>
            <comment>db.copy.exit_1</comment>
            <translation>ештеңе көшірілмеді (себебі мен не істеу керегі хабарда айтылған)</translation>
        </message>
        <message>
            <source>скопировать всё в другую, пустую базу (например, PostgreSQL)</source>
            <comment>db.copy.help</comment>
            <translation>бәрін басқа, бос дерекқорға көшіру (мысалы, PostgreSQL)</translation>
        </message>
        <message>
            <source>прочитать пароль PostgreSQL целевой базы со стандартного ввода (у терминала спросит, не показывая), а не писать его в URL</source>
            <comment>db.copy.password_stdin</comment>
            <translation>мақсатты дерекқордың PostgreSQL құпиясөзін URL-ға жазудың орнына стандартты енгізуден оқу (терминалда көрсетпей сұрайды)</translation>
        </message>
        <message numerus="yes">
            <source>{table}: %n строк</source>
            <comment>db.copy.table_done</comment>
            <translation>
                <numerusform>{table}: %n жол</numerusform>
                <numerusform>{table}: %n жол</numerusform>
            </translation>
        </message>
        <message>
            <source>целевая база, например postgresql://halyk:PASSWORD@server/halyk или sqlite:///path/other.sqlite3</source>
            <comment>db.copy.to</comment>
            <translation>мақсатты дерекқор, мысалы postgresql://halyk:PASSWORD@server/halyk немесе sqlite:///path/other.sqlite3</translation>
        </message>
        <message>
            <source>База данных, в которой работает Halyk Desk: что в ней, резервные копии и перенос всего в другую базу (сотрудники работают в одной общей базе PostgreSQL). Какая база: --db URL, иначе {variable}, иначе настройки, иначе файл SQLite в папке данных.</source>
            <comment>db.description</comment>
            <translation>Halyk Desk жұмыс істейтін дерекқор: ондағы деректер, резервтік көшірмелер және бәрін басқа дерекқорға көшіру (қызметкерлер бір ортақ PostgreSQL дерекқорында жұмыс істейді). Қай дерекқор: --db URL, болмаса {variable}, болмаса баптаулар, болмаса деректер қалтасындағы SQLite файлы.</translation>
        </message>
        <message>
            <source>оператор не администратор</source>
            <comment>db.exit_not_admin</comment>
            <translation>оператор әкімші емес</translation>
        </message>
        <message>
            <source>база отказала</source>
            <comment>db.exit_refused</comment>
            <translation>дерекқор бас тартты</translation>
        </message>
        <message>
            <source>ошибка в команде</source>
            <comment>db.exit_usage</comment>
            <translation>пәрмендегі қате</translation>
        </message>
        <message>
            <source>Пароль логина {name} (не отображается): </source>
            <comment>db.grant.ask</comment>
            <translation>{name} логинінің құпиясөзі (көрсетілмейді): </translation>
        </message>
        <message>
            <source>Создаёт логин PostgreSQL NAME (или меняет его роль) и регистрирует его оператором: дальше действует этот логин, и сама база разрешает ему ровно то, что можно роли ROLE, какой бы программой он ни подключился (см. руководство администратора). Нужен логин, которому можно создавать роли (владелец базы). Человек подключается с --db postgresql://NAME@сервер/база.</source>
            <comment>db.grant.description</comment>
            <translation>NAME PostgreSQL логинін жасайды (немесе оның рөлін өзгертеді) және оны оператор ретінде тіркейді: әрі қарай осы логин әрекет етеді, ал дерекқордың өзі оған қандай бағдарламамен қосылса да, ROLE рөліне рұқсат етілгенін ғана береді (әкімші нұсқаулығын қараңыз). Рөлдер жасай алатын логин керек (дерекқор иесі). Адам --db postgresql://NAME@сервер/база арқылы қосылады.</translation>
        </message>
        <message>
            <source>выдано</source>
            <comment>db.grant.exit_0</comment>
            <translation>берілді</translation>
        </message>
        <message>
            <source>ошибка в команде (не PostgreSQL, нет пароля для нового логина)</source>
            <comment>db.grant.exit_2</comment>
            <translation>пәрмендегі қате (PostgreSQL емес, жаңа логиннің құпиясөзі жоқ)</translation>
        </message>
        <message>
            <source>пустить человека в общую базу PostgreSQL с ролью (администратор)</source>
            <comment>db.grant.help</comment>
            <translation>адамды ортақ PostgreSQL дерекқорына рөлмен кіргізу (әкімші)</translation>
        </message>
        <message>
            <source>имя логина, например anna</source>
            <comment>db.grant.name</comment>
            <translation>логин атауы, мысалы anna</translation>
        </message>
        <message>
            <source>прочитать пароль логина со стандартного ввода (у терминала спросит дважды, не показывая); для нового логина обязателен</source>
            <comment>db.grant.password_stdin</comment>
            <translation>логин құпиясөзін стандартты енгізуден оқу (терминалда екі рет, көрсетпей сұрайды); жаңа логин үшін міндетті</translation>
        </message>
        <message>
            <source>Логин {name} изменён: в этой базе он — {role}.</source>
            <comment>db.granted</comment>
            <translation>{name} логині өзгертілді: бұл дерекқорда ол — {role}.</translation>
        </message>
        <message>
            <source>Логин {name} создан: в этой базе он — {role}.</source>
            <comment>db.granted_new</comment>
            <translation>{name} логині жасалды: бұл дерекқорда ол — {role}.</translation>
        </message>
        <message>
            <source>база данных: сведения, резервная копия, перенос в другую (например, PostgreSQL), выбор, доступ людей</source>
            <comment>db.help</comment>
            <translation>дерекқор: мәліметтер, резервтік көшірме, басқасына көшіру (мысалы, PostgreSQL), таңдау, адамдардың қолжетімділігі</translation>
        </message>
        <message>
            <source>База данных:</source>
            <comment>db.info.address</comment>
            <translation>Дерекқор:</translation>
        </message>
        <message>
            <source>Показать используемую базу: её адрес (без пароля), сервер, версию схемы рядом с версией этой программы, число строк каждой таблицы, размер файла SQLite и самые новые резервные копии.</source>
            <comment>db.info.description</comment>
            <translation>Пайдаланылып жатқан дерекқорды көрсету: мекенжайы (құпиясөзсіз), сервері, осы бағдарламанікімен салыстырғандағы схема нұсқасы, әр кестедегі жолдар саны, SQLite файлының өлшемі және ең жаңа резервтік көшірмелер.</translation>
        </message>
        <message>
            <source>показано</source>
            <comment>db.info.exit_0</comment>
            <translation>көрсетілді</translation>
        </message>
        <message>
            <source>базу не удалось открыть</source>
            <comment>db.info.exit_1</comment>
            <translation>дерекқорды ашу мүмкін болмады</translation>
        </message>
        <message>
            <source>Размер файла:</source>
            <comment>db.info.file_size</comment>
            <translation>Файл өлшемі:</translation>
        </message>
        <message>
            <source>адрес, схема, строки по таблицам, размер файла, последние резервные копии</source>
            <comment>db.info.help</comment>
            <translation>мекенжай, схема, кестелердегі жолдар, файл өлшемі, соңғы резервтік көшірмелер</translation>
        </message>
        <message>
            <source>Последняя резервная копия:</source>
            <comment>db.info.last_backup</comment>
            <translation>Соңғы резервтік көшірме:</translation>
        </message>
        <message>
            <source>Последняя копия перед обновлением:</source>
            <comment>db.info.last_upgrade_copy</comment>
            <translation>Жаңарту алдындағы соңғы көшірме:</translation>
        </message>
        <message>
            <source>версия {revision}, у этой программы {head} ({state})</source>
            <comment>db.info.revision</comment>
            <translation>нұсқасы {revision}, осы бағдарламанікі {head} ({state})</translation>
        </message>
        <message>
            <source>Строки:</source>
            <comment>db.info.rows</comment>
            <translation>Жолдар:</translation>
        </message>
        <message>
            <source>Схема:</source>
            <comment>db.info.schema</comment>
            <translation>Схема:</translation>
        </message>
        <message>
            <source>совпадает</source>
            <comment>db.info.schema_current</comment>
            <translation>сәйкес</translation>
        </message>
        <message>
            <source>отличается от версии этой программы</source>
            <comment>db.info.schema_differs</comment>
            <translation>осы бағдарламанікінен өзгеше</translation>
        </message>
        <message>
            <source>Сервер:</source>
            <comment>db.info.server</comment>
            <translation>Сервер:</translation>
        </message>
        <message>
            <source>вывести объект JSON</source>
            <comment>db.json_option</comment>
            <translation>JSON нысанын шығару</translation>
        </message>
        <message>
            <source>нет</source>
            <comment>db.no_backup</comment>
            <translation>жоқ</translation>
        </message>
        <message>
            <source>База отказала: {why}</source>
            <comment>db.refused</comment>
            <translation>Дерекқор бас тартты: {why}</translation>
        </message>
        <message>
            <source>Восстановление из резервной копии SQLite: закройте Halyk Desk везде, где он работает с этим файлом, отложите текущий файл (переименуйте его вместе с файлами -wal и -shm, если они есть), скопируйте резервную копию на место базы под её именем (место показывает `halyk-desk db info`) и запустите программу. Выгрузку PostgreSQL восстанавливает администратор базы с помощью pg_restore в новую, пустую базу.</source>
            <comment>db.restore_help</comment>
            <translation>SQLite резервтік көшірмесінен қалпына келтіру: осы файлды пайдаланатын барлық жерде Halyk Desk-ті жабыңыз, ағымдағы файлды бір жаққа қойыңыз (оны -wal және -shm файлдарымен бірге, егер олар болса, қайта атаңыз), резервтік көшірмені дерекқордың орнына оның атауымен көшіріңіз (орнын `halyk-desk db info` көрсетеді) және бағдарламаны іске қосыңыз. PostgreSQL түсірмесін дерекқор әкімшісі pg_restore арқылы жаңа, бос дерекқорға қалпына келтіреді.</translation>
        </message>
        <message>
            <source>отнято</source>
            <comment>db.revoke.exit_0</comment>
            <translation>алынды</translation>
        </message>
        <message>
            <source>отнять у логина право входить и отключить его оператора (администратор)</source>
            <comment>db.revoke.help</comment>
            <translation>логиннен кіру құқығын алу және оның операторын өшіру (әкімші)</translation>
        </message>
        <message>
            <source>Логин {name} больше не может входить; его оператор отключён.</source>
            <comment>db.revoked</comment>
            <translation>{name} логині енді кіре алмайды; оның операторы өшірілді.</translation>
        </message>
        <message>
            <source>{n} байт</source>
            <comment>db.size_bytes</comment>
            <translation>{n} байт</translation>
        </message>
        <message>
            <source>{n} ГБ</source>
            <comment>db.size_gb</comment>
            <translation>{n} ГБ</translation>
        </message>
        <message>
            <source>{n} КБ</source>
            <comment>db.size_kb</comment>
            <translation>{n} КБ</translation>
        </message>
        <message>
            <source>{n} МБ</source>
            <comment>db.size_mb</comment>
            <translation>{n} МБ</translation>
        </message>
        <message>
            <source>файл SQLite в папке данных этого компьютера (как при первом запуске)</source>
            <comment>db.use.default</comment>
            <translation>осы компьютердің деректер қалтасындағы SQLite файлы (алғашқы баптау)</translation>
        </message>
        <message>
            <source>Сделать базу той, которую Halyk Desk этого компьютера открывает со следующего запуска, как это делает страница окна Настройки &gt; База данных: сначала база проверяется, затем адрес записывается в настройки, а пароль PostgreSQL — в системное хранилище паролей (никогда в файл настроек). --db и {variable}, если заданы, по-прежнему важнее. Сделать это может только администратор; изменение записывается в журнал аудита.</source>
            <comment>db.use.description</comment>
            <translation>Осы компьютердегі Halyk Desk келесі іске қосудан бастап ашатын дерекқорды таңдау, терезедегі Баптаулар &gt; Деректер базасы беті сияқты: алдымен дерекқор тексеріледі, содан кейін мекенжайы баптауларға, ал PostgreSQL құпиясөзі жүйенің құпиясөз қоймасына жазылады (баптаулар файлына ешқашан). --db және {variable} берілсе, бұрынғыдай солар басым болады. Мұны тек әкімші жасай алады; өзгеріс аудит журналына жазылады.</translation>
        </message>
        <message>
            <source>Со следующего запуска (окна или команды) этот компьютер открывает {address}{server}.</source>
            <comment>db.use.done</comment>
            <translation>Келесі іске қосудан бастап (терезенің немесе команданың) бұл компьютер {address}{server} дерекқорын ашады.</translation>
        </message>
        <message>
            <source>В ней пока нет данных. Чтобы перенести туда данные базы, которой пользовались до сих пор, выполните: halyk-desk --db '{source}' db copy --to '{target}'</source>
            <comment>db.use.empty</comment>
            <translation>Онда әзірге деректер жоқ. Осы уақытқа дейін пайдаланылған дерекқордың деректерін оған көшіру үшін мынаны орындаңыз: halyk-desk --db '{source}' db copy --to '{target}'</translation>
        </message>
        <message>
            <source>сохранено: действует со следующего запуска</source>
            <comment>db.use.exit_0</comment>
            <translation>сақталды: келесі іске қосудан бастап қолданылады</translation>
        </message>
        <message>
            <source>базу нельзя использовать (ничего не изменено)</source>
            <comment>db.use.exit_1</comment>
            <translation>дерекқорды пайдалану мүмкін емес (ештеңе өзгертілмеді)</translation>
        </message>
        <message>
            <source>открывать эту базу на этом компьютере со следующего запуска (администраторы)</source>
            <comment>db.use.help</comment>
            <translation>келесі іске қосудан бастап осы компьютерде осы дерекқорды ашу (әкімшілер)</translation>
        </message>
        <message>
            <source>Её схема старее: следующий запуск её обновит (сначала сделайте `halyk-desk db backup`).</source>
            <comment>db.use.older</comment>
            <translation>Оның схемасы ескірек: келесі іске қосу оны жаңартады (алдымен `halyk-desk db backup` жасаңыз).</translation>
        </message>
        <message>
            <source>прочитать пароль PostgreSQL со стандартного ввода (у терминала спросит, не показывая)</source>
            <comment>db.use.password_stdin</comment>
            <translation>PostgreSQL құпиясөзін стандартты енгізуден оқу (терминалда көрсетпей сұрайды)</translation>
        </message>
        <message>
            <source>например postgresql://halyk@server/halyk или sqlite:///path/file.sqlite3</source>
            <comment>db.use.url</comment>
            <translation>мысалы postgresql://halyk@server/halyk немесе sqlite:///path/file.sqlite3</translation>
        </message>
        <message>
            <source>ВНИМАНИЕ: {warning}</source>
            <comment>db.warning</comment>
            <translation>НАЗАР АУДАРЫҢЫЗ: {warning}</translation>
        </message>
        <message>
            <source>Журнал аудита в {target} проверяется не так, как здесь ({found} / здесь: {expected}). Ничего не скопировано.</source>
            <comment>db_admin.audit_differs</comment>
            <translation>{target} ішіндегі аудит журналы мұндағыдай тексерілмейді ({found} / мұнда: {expected}). Ештеңе көшірілмеді.</translation>
        </message>
        <message>
            <source>Резервная копия {database} не удалась: {error}.</source>
            <comment>db_admin.backup_failed</comment>
            <translation>{database} резервтік көшірмесі жасалмады: {error}.</translation>
        </message>
        <message>
            <source>{target} — это сама база данных: выберите для резервной копии другой файл.</source>
            <comment>db_admin.backup_onto_itself</comment>
            <translation>{target} — дерекқордың өзі: резервтік көшірме үшін басқа файл таңдаңыз.</translation>
        </message>
        <message>
            <source>Не удалось создать папку резервных копий {folder}: {error}.</source>
            <comment>db_admin.cannot_create_folder</comment>
            <translation>{folder} резервтік көшірмелер қалтасын жасау мүмкін болмады: {error}.</translation>
        </message>
        <message>
            <source>Не удалось прочитать {database}: {error}.</source>
            <comment>db_admin.cannot_read</comment>
            <translation>{database} оқу мүмкін болмады: {error}.</translation>
        </message>
        <message>
            <source>Нельзя использовать {target}: {error}. Ничего не изменено.</source>
            <comment>db_admin.cannot_use</comment>
            <translation>{target} пайдалану мүмкін емес: {error}. Ештеңе өзгертілмеді.</translation>
        </message>
        <message>
            <source>Не удалось записать в {folder}: {error}. Выберите папку, в которую вам можно писать, или запустите программу от имени пользователя, которому это можно.</source>
            <comment>db_admin.cannot_write</comment>
            <translation>{folder} қалтасына жазу мүмкін болмады: {error}. Жазуға рұқсатыңыз бар қалтаны таңдаңыз немесе бағдарламаны онда жаза алатын пайдаланушы атынан іске қосыңыз.</translation>
        </message>
        <message>
            <source>{target} — это база, в которой вы работаете: укажите адрес другой.</source>
            <comment>db_admin.copy_onto_itself</comment>
            <translation>{target} — сіз жұмыс істеп отырған дерекқор: басқасының мекенжайын көрсетіңіз.</translation>
        </message>
        <message>
            <source>В {target} ничего не скопировано: {error}. Если база занята, закройте Halyk Desk везде и скопируйте снова.</source>
            <comment>db_admin.copy_refused</comment>
            <translation>{target} дерекқорына ештеңе көшірілмеді: {error}. Дерекқор бос болмаса, Halyk Desk-ті барлық жерде жабып, қайта көшіріңіз.</translation>
        </message>
        <message>
            <source>Таблица {table}: здесь строк {here}, в {target} после копирования — {there}. Ничего не скопировано; запустите копирование снова.</source>
            <comment>db_admin.counts_differ</comment>
            <translation>{table} кестесі: мұнда {here} жол, көшіруден кейін {target} ішінде {there} жол. Ештеңе көшірілмеді; көшіруді қайта іске қосыңыз.</translation>
        </message>
        <message>
            <source>pg_restore не прочитал выгрузку {address} ({error}); резервная копия не сохранена.</source>
            <comment>db_admin.dump_unreadable</comment>
            <translation>pg_restore {address} түсірмесін оқи алмады ({error}); резервтік көшірме сақталмады.</translation>
        </message>
        <message>
            <source>в ней нет журнала аудита</source>
            <comment>db_admin.dump_without_audit_log</comment>
            <translation>онда аудит журналы жоқ</translation>
        </message>
        <message>
            <source>Копия {database} не прошла проверку целостности ({problems}); резервная копия не сохранена. Сделайте копию ещё раз; если снова не выйдет, возможно, повреждён диск или файл базы.</source>
            <comment>db_admin.integrity_failed</comment>
            <translation>{database} көшірмесі тұтастық тексеруінен өтпеді ({problems}); резервтік көшірме сақталмады. Көшірмені қайта жасаңыз; тағы сәтсіз болса, диск немесе дерекқор файлы зақымдалған болуы мүмкін.</translation>
        </message>
        <message>
            <source>--keep должен быть не меньше 1: только что сделанная копия сохраняется всегда.</source>
            <comment>db_admin.keep_too_small</comment>
            <translation>--keep кемінде 1 болуы керек: жаңа ғана жасалған көшірме әрдайым сақталады.</translation>
        </message>
        <message>
            <source>{target} записана более новой версией Halyk Desk: сначала установите её. Ничего не изменено.</source>
            <comment>db_admin.newer_schema</comment>
            <translation>{target} дерекқорын Halyk Desk-тің жаңарақ нұсқасы жазған: алдымен сол нұсқаны орнатыңыз. Ештеңе өзгертілмеді.</translation>
        </message>
        <message>
            <source>Дальше: закройте Halyk Desk на всех компьютерах, затем укажите каждому новую базу:</source>
            <comment>db_admin.next</comment>
            <translation>Әрі қарай: Halyk Desk-ті барлық компьютерде жабыңыз, содан кейін әрқайсысына жаңа дерекқорды көрсетіңіз:</translation>
        </message>
        <message>
            <source>  командой:  {command}</source>
            <comment>db_admin.next_command</comment>
            <translation>  командамен:  {command}</translation>
        </message>
        <message>
            <source>Старая база осталась как была: храните её как резервную копию, но работайте только в новой.</source>
            <comment>db_admin.next_old</comment>
            <translation>Ескі дерекқор сол күйінде қалды: оны резервтік көшірме ретінде сақтаңыз, бірақ тек жаңасында жұмыс істеңіз.</translation>
        </message>
        <message>
            <source>  (Выбрать её можно и через --db URL для одной команды или переменную окружения {variable}.)</source>
            <comment>db_admin.next_other_ways</comment>
            <translation>  (Оны бір команда үшін --db URL арқылы немесе {variable} орта айнымалысы арқылы да таңдауға болады.)</translation>
        </message>
        <message>
            <source>  или в окне:  Файл &gt; Настройки &gt; База данных.</source>
            <comment>db_admin.next_window</comment>
            <translation>  немесе терезеде:  Файл &gt; Баптаулар &gt; Деректер базасы.</translation>
        </message>
        <message>
            <source>Папки {folder} нет: создайте её или выберите для резервной копии другое место.</source>
            <comment>db_admin.no_folder</comment>
            <translation>{folder} қалтасы жоқ: оны жасаңыз немесе резервтік көшірме үшін басқа орын таңдаңыз.</translation>
        </message>
        <message>
            <source>pg_dump не найден. Установите клиентские программы PostgreSQL версии сервера или новее (Debian/Ubuntu: apt install postgresql-client; Windows: «Command Line Tools» установщика PostgreSQL) и добавьте их папку bin в PATH.</source>
            <comment>db_admin.no_pg_dump</comment>
            <translation>pg_dump табылмады. Сервер нұсқасындағы немесе одан жаңа PostgreSQL клиент бағдарламаларын орнатыңыз (Debian/Ubuntu: apt install postgresql-client; Windows: PostgreSQL орнатушысының «Command Line Tools» бөлігі) және олардың bin қалтасын PATH-қа қосыңыз.</translation>
        </message>
        <message>
            <source>pg_dump не выгрузил {address}: {error}</source>
            <comment>db_admin.pg_dump_failed</comment>
            <translation>pg_dump {address} дерекқорын түсіре алмады: {error}</translation>
        </message>
        <message>
            <source>Целевая база {target} не приняла строку таблицы {table} с {key}: {error}. Ничего не скопировано. Исправьте эту строку в текущей базе (или отправьте это сообщение тому, кто вам помогает) и скопируйте снова.</source>
            <comment>db_admin.row_refused</comment>
            <translation>{target} мақсатты дерекқоры {table} кестесінің {key} жолын қабылдамады: {error}. Ештеңе көшірілмеді. Бұл жолды ағымдағы дерекқорда түзетіңіз (немесе осы хабарды сізге көмектесетін адамға жіберіңіз), содан кейін қайта көшіріңіз.</translation>
        </message>
        <message numerus="yes">
            <source>{table} (%n строк)</source>
            <comment>db_admin.table_rows</comment>
            <translation>
                <numerusform>{table} (%n жол)</numerusform>
                <numerusform>{table} (%n жол)</numerusform>
            </translation>
        </message>
        <message>
            <source>Целевая база {target} не пуста: {tables}. Ничего не скопировано. Копируйте в новую, пустую базу (см. руководство администратора) или сначала удалите эту, если в ней нет ничего нужного.</source>
            <comment>db_admin.target_not_empty</comment>
            <translation>{target} мақсатты дерекқоры бос емес: {tables}. Ештеңе көшірілмеді. Жаңа, бос дерекқорға көшіріңіз (әкімші нұсқаулығын қараңыз) немесе онда керекті ештеңе болмаса, алдымен оны жойыңыз.</translation>
        </message>
        <message>
            <source>Команды без окна работают и без этих библиотек (halyk-desk --help).</source>
            <comment>desktop.command_line_works</comment>
            <translation>Терезесіз командалар бұл кітапханаларсыз да жұмыс істейді (halyk-desk --help).</translation>
        </message>
        <message>
            <source>Установите их (Debian, Ubuntu) и запустите программу снова:</source>
            <comment>desktop.install_packages</comment>
            <translation>Оларды орнатып (Debian, Ubuntu), бағдарламаны қайта іске қосыңыз:</translation>
        </message>
        <message>
            <source>Halyk Desk не может открыть окно: в системе нет библиотек, без которых Qt не работает с {platform}:</source>
            <comment>desktop.libraries_missing</comment>
            <translation>Halyk Desk терезені аша алмайды: жүйеде Qt-ға {platform} үшін қажет кітапханалар жоқ:</translation>
        </message>
        <message>
            <source>Некоторых файлов самой программы нет: переустановите её.</source>
            <comment>desktop.reinstall</comment>
            <translation>Бағдарламаның өз файлдарының кейбірі жоқ: оны қайта орнатыңыз.</translation>
        </message>
        <message>
            <source>Добавьте пользователя и пароль кабинета в профиль «{profile}»: `halyk-desk profile edit {profile} --cabinet-user USER --cabinet-password-stdin` или Настройки → Профили банка.</source>
            <comment>epay.add_cabinet_login</comment>
            <translation>«{profile}» профиліне кабинет пайдаланушысы мен құпиясөзін қосыңыз: `halyk-desk profile edit {profile} --cabinet-user USER --cabinet-password-stdin` немесе Баптаулар → Банк профильдері.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: {label} «{url}» должен начинаться с https://</source>
            <comment>epay.address_not_https</comment>
            <translation>«{profile}» профилі: {label} «{url}» https:// деп басталуы керек</translation>
        </message>
        <message>
            <source>{failure} после отправки.</source>
            <comment>epay.after_sending</comment>
            <translation>{failure} жіберілгеннен кейін.</translation>
        </message>
        <message>
            <source>Сумма должна быть больше нуля, а не {amount}.</source>
            <comment>epay.amount_not_positive</comment>
            <translation>Сома нөлден көп болуы керек, {amount} емес.</translation>
        </message>
        <message>
            <source>банк ответил HTTP {status} ({body}).</source>
            <comment>epay.answered</comment>
            <translation>банк HTTP {status} деп жауап берді ({body}).</translation>
        </message>
        <message>
            <source>банк ответил HTTP {status} ({body}) вместо JSON.</source>
            <comment>epay.answered_not_json</comment>
            <translation>банк JSON орнына HTTP {status} деп жауап берді ({body}).</translation>
        </message>
        <message>
            <source>адрес API</source>
            <comment>epay.api_address</comment>
            <translation>API мекенжайы</translation>
        </message>
        <message>
            <source>пустой ответ</source>
            <comment>epay.body_empty</comment>
            <translation>бос жауап</translation>
        </message>
        <message>
            <source>HTML-страница</source>
            <comment>epay.body_html</comment>
            <translation>HTML беті</translation>
        </message>
        <message>
            <source>ответ в JSON</source>
            <comment>epay.body_json</comment>
            <translation>JSON жауабы</translation>
        </message>
        <message>
            <source>текст не в формате JSON</source>
            <comment>epay.body_not_json</comment>
            <translation>JSON пішіміндегі емес мәтін</translation>
        </message>
        <message>
            <source>{meaning} (код {code}).</source>
            <comment>epay.busy_code</comment>
            <translation>{meaning} (коды {code}).</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: для входа кабинета нужны и пользователь, и пароль.</source>
            <comment>epay.cabinet_login_half</comment>
            <translation>«{profile}» профилі: кабинетке кіру үшін пайдаланушы да, құпиясөз де керек.</translation>
        </message>
        <message>
            <source>банк разрешает это только пользователю кабинета мерчанта, а {why}.</source>
            <comment>epay.cabinet_only</comment>
            <translation>банк мұны тек мерчант кабинетінің пайдаланушысына рұқсат етеді, ал {why}.</translation>
        </message>
        <message>
            <source>пользователь кабинета вошёл в кабинет банка</source>
            <comment>epay.cabinet_signed_in</comment>
            <translation>кабинет пайдаланушысы банк кабинетіне кірді</translation>
        </message>
        <message>
            <source>не удалось соединиться с банком</source>
            <comment>epay.cannot_connect</comment>
            <translation>банкке қосылу мүмкін болмады</translation>
        </message>
        <message>
            <source>Проверьте адрес API в профиле (схему, хост и путь).</source>
            <comment>epay.check_api_address</comment>
            <translation>Профильдегі API мекенжайын (схемасын, хостын және жолын) тексеріңіз.</translation>
        </message>
        <message>
            <source>Повторите позже; если повторяется, проверьте адрес API в профиле.</source>
            <comment>epay.check_api_hint</comment>
            <translation>Кейінірек қайталаңыз; қайталанса, профильдегі API мекенжайын тексеріңіз.</translation>
        </message>
        <message>
            <source>Проверьте пользователя и пароль кабинета в профиле «{profile}» (с ними входят в кабинет мерчанта банка), а также его client id и секрет.</source>
            <comment>epay.check_cabinet_login</comment>
            <translation>«{profile}» профиліндегі кабинет пайдаланушысы мен құпиясөзін (олармен банктің мерчант кабинетіне кіреді), сондай-ақ оның client id мен құпия кілтін тексеріңіз.</translation>
        </message>
        <message>
            <source>Проверьте client id, секрет и терминал профиля «{profile}».</source>
            <comment>epay.check_client_credentials</comment>
            <translation>«{profile}» профилінің client id, құпия кілтін және терминалын тексеріңіз.</translation>
        </message>
        <message>
            <source>Проверьте, что терминал и client id профиля «{profile}» относятся друг к другу.</source>
            <comment>epay.check_terminal_client</comment>
            <translation>«{profile}» профилінің терминалы мен client id бір-біріне сәйкес келетінін тексеріңіз.</translation>
        </message>
        <message>
            <source>Проверьте адрес токенов в профиле.</source>
            <comment>epay.check_token_address</comment>
            <translation>Профильдегі токендер мекенжайын тексеріңіз.</translation>
        </message>
        <message>
            <source>client id</source>
            <comment>epay.client_id</comment>
            <translation>client id</translation>
        </message>
        <message>
            <source>в профиле его нет (токен самого клиента банк не принял)</source>
            <comment>epay.client_token_refused</comment>
            <translation>профильде ол жоқ (клиенттің өз токенін банк қабылдамады)</translation>
        </message>
        <message>
            <source>банк отклонил запрос</source>
            <comment>epay.code_101</comment>
            <translation>банк сұрауды қабылдамады</translation>
        </message>
        <message>
            <source>у банка нет платежа с таким invoiceId</source>
            <comment>epay.code_102</comment>
            <translation>банкте мұндай invoiceId бар төлем жоқ</translation>
        </message>
        <message>
            <source>у банка внутренняя ошибка</source>
            <comment>epay.code_103</comment>
            <translation>банкте ішкі қате болды</translation>
        </message>
        <message>
            <source>в токене нет терминала</source>
            <comment>epay.code_104</comment>
            <translation>токенде терминал жоқ</translation>
        </message>
        <message>
            <source>платёж относится к другому терминалу</source>
            <comment>epay.code_106</comment>
            <translation>төлем басқа терминалға тиесілі</translation>
        </message>
        <message>
            <source>по этому платежу в банке уже идёт другая операция</source>
            <comment>epay.code_107</comment>
            <translation>бұл төлем бойынша банкте басқа операция жүріп жатыр</translation>
        </message>
        <message>
            <source>терминал не относится к этому client id</source>
            <comment>epay.code_109</comment>
            <translation>терминал бұл client id-ге тиесілі емес</translation>
        </message>
        <message>
            <source>Связь с профилем {profile} на {host} есть: банк выдал токен, и {found}.</source>
            <comment>epay.connected</comment>
            <translation>{host} мекенжайындағы {profile} профилімен байланыс бар: банк токен берді, және {found}.</translation>
        </message>
        <message>
            <source>соединение оборвалось ({error})</source>
            <comment>epay.connection_dropped</comment>
            <translation>байланыс үзілді ({error})</translation>
        </message>
        <message>
            <source>банк не принял учётные данные (HTTP {status}).</source>
            <comment>epay.credentials_refused</comment>
            <translation>банк тіркелгі деректерін қабылдамады (HTTP {status}).</translation>
        </message>
        <message>
            <source>{where}: поле {field}={value}: {error}</source>
            <comment>epay.field_bad_amount</comment>
            <translation>{where}: {field}={value} өрісі: {error}</translation>
        </message>
        <message>
            <source>{where}: нет поля {field}</source>
            <comment>epay.field_missing</comment>
            <translation>{where}: {field} өрісі жоқ</translation>
        </message>
        <message>
            <source>{where}: поле {field}={value} — не сумма</source>
            <comment>epay.field_not_amount</comment>
            <translation>{where}: {field}={value} өрісі — сома емес</translation>
        </message>
        <message>
            <source>{where}: поле {field}={value} — не дата</source>
            <comment>epay.field_not_date</comment>
            <translation>{where}: {field}={value} өрісі — күн емес</translation>
        </message>
        <message>
            <source>банк не разрешает этому входу такой запрос (HTTP 403); ничего не сделано.</source>
            <comment>epay.forbidden</comment>
            <translation>банк бұл кіруге мұндай сұрауды рұқсат етпейді (HTTP 403); ештеңе жасалмады.</translation>
        </message>
        <message>
            <source>Что разрешено этому входу, видно в кабинете мерчанта банка.</source>
            <comment>epay.forbidden_hint</comment>
            <translation>Бұл кіруге не рұқсат етілгенін банктің мерчант кабинетінен көруге болады.</translation>
        </message>
        <message>
            <source>банк отказал токену, выданному для этого самого запроса (HTTP 401); ничего не сделано.</source>
            <comment>epay.fresh_token_refused</comment>
            <translation>банк дәл осы сұрау үшін берілген токеннен бас тартты (HTTP 401); ештеңе жасалмады.</translation>
        </message>
        <message>
            <source>{failure}; попытки прекращены (всего попыток: {attempts}).</source>
            <comment>epay.gave_up</comment>
            <translation>{failure}; әрекеттер тоқтатылды (барлық әрекет саны: {attempts}).</translation>
        </message>
        <message>
            <source>Повторите через несколько минут; если повторяется, проверьте связь и состояние банка.</source>
            <comment>epay.gave_up_hint</comment>
            <translation>Бірнеше минуттан кейін қайталаңыз; қайталанса, байланысты және банктің жағдайын тексеріңіз.</translation>
        </message>
        <message>
            <source>Посмотрите статус платежа в кабинете банка; этот запрос банк не примет.</source>
            <comment>epay.hint_101</comment>
            <translation>Төлем күйін банк кабинетінен қараңыз; банк бұл сұрауды қабылдамайды.</translation>
        </message>
        <message>
            <source>Проверьте номер заказа; покупатель мог не заплатить или заплатить под другим номером.</source>
            <comment>epay.hint_102</comment>
            <translation>Тапсырыс нөмірін тексеріңіз; сатып алушы төлемеген немесе басқа нөмірмен төлеген болуы мүмкін.</translation>
        </message>
        <message>
            <source>Повторите через несколько минут.</source>
            <comment>epay.hint_103</comment>
            <translation>Бірнеше минуттан кейін қайталаңыз.</translation>
        </message>
        <message>
            <source>Проверьте идентификатор терминала в настройках профиля.</source>
            <comment>epay.hint_104</comment>
            <translation>Профиль баптауларындағы терминал идентификаторын тексеріңіз.</translation>
        </message>
        <message>
            <source>Проверьте, что этот заказ оплачен через терминал этого профиля.</source>
            <comment>epay.hint_106</comment>
            <translation>Бұл тапсырыстың осы профиль терминалы арқылы төленгенін тексеріңіз.</translation>
        </message>
        <message>
            <source>Подождите минуту и повторите.</source>
            <comment>epay.hint_107</comment>
            <translation>Бір минут күтіп, қайталаңыз.</translation>
        </message>
        <message>
            <source>Client id и терминал в профиле не относятся друг к другу; скопируйте оба из кабинета мерчанта банка.</source>
            <comment>epay.hint_109</comment>
            <translation>Профильдегі client id мен терминал бір-біріне сәйкес келмейді; екеуін де банктің мерчант кабинетінен көшіріп алыңыз.</translation>
        </message>
        <message>
            <source>HTTP {status} без объяснения</source>
            <comment>epay.http_unexplained</comment>
            <translation>түсіндірмесіз HTTP {status}</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: {label} не указан; скопируйте его из кабинета мерчанта банка.</source>
            <comment>epay.id_empty</comment>
            <translation>«{profile}» профилі: {label} көрсетілмеген; оны банктің мерчант кабинетінен көшіріп алыңыз.</translation>
        </message>
        <message>
            <source>ссылка на оплату</source>
            <comment>epay.link_call</comment>
            <translation>төлем сілтемесі</translation>
        </message>
        <message>
            <source>Ссылка могла появиться у банка: найдите её в кабинете банка, прежде чем создавать другую для этого заказа.</source>
            <comment>epay.link_may_exist</comment>
            <translation>Сілтеме банкте пайда болған болуы мүмкін: осы тапсырысқа басқасын жасамас бұрын оны банк кабинетінен табыңыз.</translation>
        </message>
        <message>
            <source>ссылка банка «{url}» — не веб-адрес</source>
            <comment>epay.link_not_url</comment>
            <translation>банк сілтемесі «{url}» — веб-мекенжай емес</translation>
        </message>
        <message>
            <source>ответ банка на запрос ссылки</source>
            <comment>epay.link_reply</comment>
            <translation>банктің сілтеме сұрауына жауабы</translation>
        </message>
        <message>
            <source>ответ банка на запрос ссылки — не объект JSON</source>
            <comment>epay.link_reply_not_object</comment>
            <translation>банктің сілтеме сұрауына жауабы JSON объектісі емес</translation>
        </message>
        <message>
            <source>Сообщите в поддержку: список операций банка изменил форму.</source>
            <comment>epay.list_changed_hint</comment>
            <translation>Қолдау қызметіне хабарлаңыз: банктің операциялар тізімінің пішіні өзгерді.</translation>
        </message>
        <message>
            <source>в списке банка нет поля records.</source>
            <comment>epay.list_no_records</comment>
            <translation>банк тізімінде records өрісі жоқ.</translation>
        </message>
        <message>
            <source>список банка — не список записей.</source>
            <comment>epay.list_not_records</comment>
            <translation>банк тізімі — жазбалар тізімі емес.</translation>
        </message>
        <message>
            <source>банк не ответил вовремя ({error})</source>
            <comment>epay.no_answer_in_time</comment>
            <translation>банк уақытында жауап бермеді ({error})</translation>
        </message>
        <message>
            <source>в профиле нет входа кабинета</source>
            <comment>epay.no_cabinet_login</comment>
            <translation>профильде кабинетке кіру деректері жоқ</translation>
        </message>
        <message>
            <source>в ответе банка нет resultCode.</source>
            <comment>epay.no_result_code</comment>
            <translation>банк жауабында resultCode жоқ.</translation>
        </message>
        <message>
            <source>в ответе нет объекта transaction</source>
            <comment>epay.no_transaction</comment>
            <translation>жауапта transaction нысаны жоқ</translation>
        </message>
        <message>
            <source>{call}: нет идентификатора транзакции банка.</source>
            <comment>epay.no_transaction_id</comment>
            <translation>{call}: банк транзакциясының идентификаторы жоқ.</translation>
        </message>
        <message>
            <source>вход пользователя кабинета</source>
            <comment>epay.op.cabinet_token</comment>
            <translation>кабинет пайдаланушысының кіруі</translation>
        </message>
        <message>
            <source>отмена блокировки</source>
            <comment>epay.op.cancel</comment>
            <translation>бұғаттауды босату</translation>
        </message>
        <message>
            <source>подтверждение списания</source>
            <comment>epay.op.confirm</comment>
            <translation>есептен шығаруды растау</translation>
        </message>
        <message>
            <source>список операций</source>
            <comment>epay.op.operations_list</comment>
            <translation>операциялар тізімі</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>epay.op.refund</comment>
            <translation>қайтару</translation>
        </message>
        <message>
            <source>проверка статуса</source>
            <comment>epay.op.status</comment>
            <translation>күйді тексеру</translation>
        </message>
        <message>
            <source>запрос токена</source>
            <comment>epay.op.token</comment>
            <translation>токен сұрау</translation>
        </message>
        <message>
            <source>Период заканчивается раньше, чем начинается.</source>
            <comment>epay.period_reversed</comment>
            <translation>Кезең басталмай тұрып аяқталады.</translation>
        </message>
        <message>
            <source>заказ {invoice} в статусе {status} ({state})</source>
            <comment>epay.probe_found</comment>
            <translation>{invoice} тапсырысының күйі — {status} ({state})</translation>
        </message>
        <message>
            <source>проверка статуса работает (заказ {invoice} банку неизвестен)</source>
            <comment>epay.probe_unknown</comment>
            <translation>күйді тексеру жұмыс істейді ({invoice} тапсырысы банкке белгісіз)</translation>
        </message>
        <message>
            <source>Банк мог это выполнить: прочитайте статус платежа, прежде чем делать с ним что-либо ещё.</source>
            <comment>epay.read_status_hint</comment>
            <translation>Банк мұны орындаған болуы мүмкін: төлеммен басқа ештеңе істемес бұрын оның күйін оқыңыз.</translation>
        </message>
        <message>
            <source>банк отказал: {said}</source>
            <comment>epay.refused</comment>
            <translation>банк бас тартты: {said}</translation>
        </message>
        <message>
            <source>банк отказал (код {code}): {said}</source>
            <comment>epay.refused_code</comment>
            <translation>банк бас тартты (коды {code}): {said}</translation>
        </message>
        <message>
            <source>Ничего не сделано: прочитайте статус платежа, исправьте запрос или посмотрите в кабинете банка.</source>
            <comment>epay.refused_hint</comment>
            <translation>Ештеңе жасалмады: төлем күйін оқыңыз, сұрауды түзетіңіз немесе банк кабинетінен қараңыз.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: секрет клиента пуст.</source>
            <comment>epay.secret_empty</comment>
            <translation>«{profile}» профилі: клиент құпиясы бос.</translation>
        </message>
        <message>
            <source>банк попросил присылать запросы реже (HTTP 429).</source>
            <comment>epay.slow_down</comment>
            <translation>банк сұрауларды сиретіп жіберуді сұрады (HTTP 429).</translation>
        </message>
        <message>
            <source>{operation} по заказу {invoice}</source>
            <comment>epay.subject_invoice</comment>
            <translation>{invoice} тапсырысы бойынша {operation}</translation>
        </message>
        <message>
            <source>{operation}, транзакция {transaction}</source>
            <comment>epay.subject_transaction</comment>
            <translation>{transaction} транзакциясы бойынша {operation}</translation>
        </message>
        <message>
            <source>терминал</source>
            <comment>epay.terminal</comment>
            <translation>терминал</translation>
        </message>
        <message>
            <source>адрес токенов</source>
            <comment>epay.token_address</comment>
            <translation>токендер мекенжайы</translation>
        </message>
        <message>
            <source>служба токенов ответила HTTP {status} ({body}), но без годных access_token и expires_in.</source>
            <comment>epay.token_reply_unusable</comment>
            <translation>токен қызметі HTTP {status} деп жауап берді ({body}), бірақ жарамды access_token және expires_in жоқ.</translation>
        </message>
        <message>
            <source>служба токенов ответила HTTP {status} ({body}).</source>
            <comment>epay.token_service_answered</comment>
            <translation>токен қызметі HTTP {status} деп жауап берді ({body}).</translation>
        </message>
        <message>
            <source>в транзакции нет суммы</source>
            <comment>epay.transaction_no_amount</comment>
            <translation>транзакцияда сома жоқ</translation>
        </message>
        <message>
            <source>Ничего не сделано; повторите через минуту.</source>
            <comment>epay.try_later_hint</comment>
            <translation>Ештеңе жасалмады; бір минуттан кейін қайталаңыз.</translation>
        </message>
        <message>
            <source>запись списка операций</source>
            <comment>epay.where_operations_record</comment>
            <translation>операциялар тізімінің жазбасы</translation>
        </message>
        <message>
            <source>транзакция</source>
            <comment>epay.where_transaction</comment>
            <translation>транзакция</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Освободите место на диске или выберите другую папку и выгрузите снова.</source>
            <comment>export.disk_full</comment>
            <translation>Кітап {path} жазылмады: {reason}. Дискіде орын босатыңыз немесе басқа қалта таңдап, қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Выберите другую папку и выгрузите снова.</source>
            <comment>export.failed</comment>
            <translation>Кітап {path} жазылмады: {reason}. Басқа қалта таңдап, қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: папки {folder} нет. Создайте её или выберите другую папку.</source>
            <comment>export.folder_missing</comment>
            <translation>Кітап {path} жазылмады: {folder} қалтасы жоқ. Оны жасаңыз немесе басқа қалта таңдаңыз.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: это папка. Укажите имя файла в ней, например {example}.</source>
            <comment>export.is_folder</comment>
            <translation>Кітап {path} жазылмады: бұл қалта. Оның ішіндегі файл атын көрсетіңіз, мысалы {example}.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: имя слишком длинное. Выберите имя короче.</source>
            <comment>export.name_too_long</comment>
            <translation>Кітап {path} жазылмады: аты тым ұзын. Қысқа ат таңдаңыз.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: такой папки нет ({reason}). Выберите существующую папку и выгрузите снова.</source>
            <comment>export.no_folder</comment>
            <translation>Кітап {path} жазылмады: мұндай қалта жоқ ({reason}). Бар қалтаны таңдап, қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: {reason}. Выберите папку, куда у вас есть право записи (например, «Документы»), или закройте файл, если он открыт в Excel, и выгрузите снова.</source>
            <comment>export.no_permission</comment>
            <translation>Кітап {path} жазылмады: {reason}. Жазуға құқығыңыз бар қалтаны таңдаңыз (мысалы, «Құжаттар») немесе файл Excel-де ашық болса, оны жабыңыз да, қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: имя файла должно оканчиваться на .xlsx, например {example}.</source>
            <comment>export.not_xlsx</comment>
            <translation>Кітап {path} жазылмады: файл аты .xlsx деп аяқталуы керек, мысалы {example}.</translation>
        </message>
        <message>
            <source>Книга не записана в {path}: на листе «{sheet}» было бы {rows} строк, а в таблице помещается не больше {most}. Выгрузите период короче.</source>
            <comment>export.too_many_rows</comment>
            <translation>Кітап {path} жазылмады: «{sheet}» парағында {rows} жол болар еді, ал кестеге {most} аспайтын жол сыяды. Қысқа кезеңді түсіріңіз.</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <comment>field.customer</comment>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>За что платит покупатель</source>
            <comment>field.link_description</comment>
            <translation>Сатып алушы не үшін төлейді</translation>
        </message>
        <message>
            <source>Примечание</source>
            <comment>field.note</comment>
            <translation>Ескертпе</translation>
        </message>
        <message>
            <source>Оператор</source>
            <comment>field.operator</comment>
            <translation>Оператор</translation>
        </message>
        <message>
            <source>Профиль</source>
            <comment>field.profile</comment>
            <translation>Профиль</translation>
        </message>
        <message>
            <source>Причина</source>
            <comment>field.reason</comment>
            <translation>Себеп</translation>
        </message>
        <message>
            <source>Пояснение к причине</source>
            <comment>field.reason_text</comment>
            <translation>Себептің түсіндірмесі</translation>
        </message>
        <message>
            <source>Причина отказа</source>
            <comment>field.rejected_reason</comment>
            <translation>Бас тарту себебі</translation>
        </message>
        <message>
            <source>Статус заказа</source>
            <comment>field.shop_status</comment>
            <translation>Тапсырыс күйі</translation>
        </message>
        <message>
            <source>Номер заказа «{invoice}» не подходит для ePay: в нём должно быть от 6 до 15 цифр (нули в начале допустимы), например 000123456.</source>
            <comment>ids.bad_invoice</comment>
            <translation>«{invoice}» тапсырыс нөмірі ePay-ге жарамайды: онда 6-дан 15-ке дейін цифр болуы керек (басындағы нөлдерге рұқсат бар), мысалы 000123456.</translation>
        </message>
        <message>
            <source>колонка {column}: {problem}</source>
            <comment>import.at_column</comment>
            <translation>{column} бағаны: {problem}</translation>
        </message>
        <message>
            <source>строка {row}: {problem}</source>
            <comment>import.at_row</comment>
            <translation>{row}-жол: {problem}</translation>
        </message>
        <message>
            <source>строка {row}, колонка {column}: {problem}</source>
            <comment>import.at_row_column</comment>
            <translation>{row}-жол, {column} бағаны: {problem}</translation>
        </message>
        <message>
            <source>Здесь файл не читается как CSV ({error}, строка {line}): проверьте кавычки вокруг значения (кавычка внутри значения пишется дважды: "").</source>
            <comment>import.bad_csv</comment>
            <translation>Файл осы жерде CSV ретінде оқылмайды ({error}, {line}-жол): мәннің айналасындағы тырнақшаларды тексеріңіз (мән ішіндегі тырнақша екі рет жазылады: "").</translation>
        </message>
        <message>
            <source>Файл — не текст в UTF-8 и не в Windows-1251 (cp1251): сохраните его как CSV UTF-8 или как XLSX.</source>
            <comment>import.bad_encoding</comment>
            <translation>Файл UTF-8 те, Windows-1251 (cp1251) те мәтін емес: оны CSV UTF-8 немесе XLSX ретінде сақтаңыз.</translation>
        </message>
        <message>
            <source>Это не файл CSV или XLSX (в нём двоичные данные): {save_as}.</source>
            <comment>import.binary</comment>
            <translation>Бұл CSV не XLSX файлы емес (ішінде екілік деректер бар): {save_as}.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать «{file}»: {error}.</source>
            <comment>import.cannot_read</comment>
            <translation>«{file}» оқылмайды: {error}.</translation>
        </message>
        <message>
            <source>Значение длиннее {max} символов (предел Excel для ячейки): сократите его или выгрузите заказы заново.</source>
            <comment>import.cell_too_long</comment>
            <translation>Мән {max} таңбадан ұзын (Excel ұяшығының шегі): оны қысқартыңыз немесе тапсырыстарды қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>Для поля «{field}» взята колонка «{column}»; подошли бы и {others}. Если нужна другая, переименуйте лишнюю колонку в файле.</source>
            <comment>import.column_guessed</comment>
            <translation>«{field}» өрісі үшін «{column}» бағаны алынды; {others} да сәйкес келуі мүмкін. Басқасы керек болса, файлдағы артық бағанның атауын өзгертіңіз.</translation>
        </message>
        <message>
            <source>Имя колонки</source>
            <comment>import.column_name</comment>
            <translation>Баған атауы</translation>
        </message>
        <message numerus="yes">
            <source>Колонка «{column}» встречается %n раз (колонки {letters}): дайте каждой колонке своё имя.</source>
            <comment>import.column_repeated</comment>
            <translation>
                <numerusform>«{column}» бағаны %n рет кездеседі ({letters} бағандары): әр бағанға өз атауын беріңіз.</numerusform>
                <numerusform>«{column}» бағаны %n рет кездеседі ({letters} бағандары): әр бағанға өз атауын беріңіз.</numerusform>
            </translation>
        </message>
        <message>
            <source>В столбце {column} (№ {number}) есть значение или оформление, а в файле заказов не больше {max} столбцов: удалите столбцы правее заказов и сохраните файл снова.</source>
            <comment>import.column_too_far</comment>
            <translation>{column} бағанында (№ {number}) мән немесе пішім бар, ал тапсырыстар файлында {max} бағаннан аспауы керек: тапсырыстардың оң жағындағы бағандарды жойып, файлды қайта сақтаңыз.</translation>
        </message>
        <message>
            <source>Не использованы колонки: {columns}.</source>
            <comment>import.columns_ignored</comment>
            <translation>Пайдаланылмаған бағандар: {columns}.</translation>
        </message>
        <message>
            <source>Дата пустая: напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.date_empty</comment>
            <translation>Күн бос: 27.11.2026 14:03, 2026-11-27 14:03 немесе 2026-11-27T14:03:00+05:00 түрінде жазыңыз.</translation>
        </message>
        <message>
            <source>Файл пустой: выгрузите заказы снова, со строкой заголовков.</source>
            <comment>import.empty_file</comment>
            <translation>Файл бос: тапсырыстарды тақырып жолымен бірге қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>сумма</source>
            <comment>import.field.amount</comment>
            <translation>сома</translation>
        </message>
        <message>
            <source>дата создания</source>
            <comment>import.field.created_at</comment>
            <translation>құрылған күні</translation>
        </message>
        <message>
            <source>валюта</source>
            <comment>import.field.currency</comment>
            <translation>валюта</translation>
        </message>
        <message>
            <source>покупатель</source>
            <comment>import.field.customer</comment>
            <translation>сатып алушы</translation>
        </message>
        <message>
            <source>номер заказа (invoiceId)</source>
            <comment>import.field.invoice_id</comment>
            <translation>тапсырыс нөмірі (invoiceId)</translation>
        </message>
        <message>
            <source>оплачен или нет</source>
            <comment>import.field.shop_paid</comment>
            <translation>төленген бе, жоқ па</translation>
        </message>
        <message>
            <source>статус в магазине</source>
            <comment>import.field.shop_status</comment>
            <translation>дүкендегі күйі</translation>
        </message>
        <message>
            <source>{field} (например, {names})</source>
            <comment>import.field_named</comment>
            <translation>{field} (мысалы, {names})</translation>
        </message>
        <message>
            <source>Файл занимает {size} МБ, а файл заказов — не больше {max} МБ: разбейте заказы на несколько файлов (например, по месяцам).</source>
            <comment>import.file_too_big</comment>
            <translation>Файл көлемі {size} МБ, ал тапсырыстар файлы {max} МБ-тан аспауы керек: тапсырыстарды бірнеше файлға бөліңіз (мысалы, айлар бойынша).</translation>
        </message>
        <message>
            <source>В колонке «{column}» числа: Excel отбрасывает у них нули в начале. Если номера заказов магазина начинаются с 0, сделайте колонку текстовой и выгрузите снова.</source>
            <comment>import.ids_are_numbers</comment>
            <translation>«{column}» бағанында сандар бар: Excel олардың басындағы нөлдерді алып тастайды. Егер дүкен тапсырыстарының нөмірлері 0-ден басталса, бағанды мәтіндік пішімге келтіріп, қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>«{file}» — папка: выберите файл заказов в ней.</source>
            <comment>import.is_folder</comment>
            <translation>«{file}» — қалта: оның ішіндегі тапсырыстар файлын таңдаңыз.</translation>
        </message>
        <message>
            <source>В сопоставлении не указано имя колонки для {fields}.</source>
            <comment>import.mapping_blank</comment>
            <translation>Сәйкестендіруде {fields} үшін баған атауы берілмеген.</translation>
        </message>
        <message>
            <source>Сопоставление отдаёт колонку «{column}» сразу двум полям: {first} и {second}.</source>
            <comment>import.mapping_column_twice</comment>
            <translation>Сәйкестендіру «{column}» бағанын бірден екі өріске береді: {first} және {second}.</translation>
        </message>
        <message>
            <source>Сопоставление отдаёт полю {field} колонку «{column}», но такой колонки в файле нет. Колонки файла: {columns}.</source>
            <comment>import.mapping_no_column</comment>
            <translation>Сәйкестендіру {field} өрісіне «{column}» бағанын береді, бірақ файлда ондай баған жоқ. Файлдың бағандары: {columns}.</translation>
        </message>
        <message>
            <source>Сопоставление — не правильный JSON ({error}, знак {position}): напишите его так: {example}.</source>
            <comment>import.mapping_not_json</comment>
            <translation>Сәйкестендіру дұрыс JSON емес ({error}, {position}-таңба): оны былай жазыңыз: {example}.</translation>
        </message>
        <message>
            <source>Сопоставление должно быть объектом JSON из имён полей и имён колонок, например {example}.</source>
            <comment>import.mapping_not_object</comment>
            <translation>Сәйкестендіру өріс атаулары мен баған атауларынан тұратын JSON объектісі болуы керек, мысалы {example}.</translation>
        </message>
        <message>
            <source>В сопоставлении неизвестные поля {fields}: используйте {known}.</source>
            <comment>import.mapping_unknown_fields</comment>
            <translation>Сәйкестендіруде белгісіз өрістер бар: {fields}; {known} өрістерін пайдаланыңыз.</translation>
        </message>
        <message>
            <source>… и ещё проблем: {count}. Исправьте эти и загрузите файл снова, чтобы увидеть остальные.</source>
            <comment>import.more_problems</comment>
            <translation>… тағы {count} мәселе бар. Осыларды түзетіп, қалғанын көру үшін файлды қайта жүктеңіз.</translation>
        </message>
        <message>
            <source>В файле нет колонки для: {fields}. Колонки файла: {columns}. Переименуйте колонку в файле: подойдёт любое из названий в скобках.</source>
            <comment>import.no_column_for</comment>
            <translation>Файлда мына өрістер үшін баған жоқ: {fields}. Файлдың бағандары: {columns}. Файлдағы бағанның атауын өзгертіңіз: жақшадағы атаулардың кез келгені жарайды.</translation>
        </message>
        <message>
            <source>(нет)</source>
            <comment>import.no_columns</comment>
            <translation>(жоқ)</translation>
        </message>
        <message>
            <source>В файле нет колонки с датой создания: заказы загружены без дат.</source>
            <comment>import.no_date_column</comment>
            <translation>Файлда құрылған күні бағаны жоқ: тапсырыстар күнсіз жүктелді.</translation>
        </message>
        <message>
            <source>Файла «{file}» нет: проверьте его имя и папку.</source>
            <comment>import.no_file</comment>
            <translation>«{file}» файлы жоқ: оның атауы мен қалтасын тексеріңіз.</translation>
        </message>
        <message>
            <source>В файле есть заголовок (строка {row}), но под ним нет заказов.</source>
            <comment>import.no_orders</comment>
            <translation>Файлда тақырып бар ({row}-жол), бірақ оның астында тапсырыстар жоқ.</translation>
        </message>
        <message>
            <source>В файле нет строк: выгрузите заказы снова, со строкой заголовков.</source>
            <comment>import.no_rows</comment>
            <translation>Файлда жолдар жоқ: тапсырыстарды тақырып жолымен бірге қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>В книге нет ни одного листа: поместите заказы на лист.</source>
            <comment>import.no_sheets</comment>
            <translation>Кітапта бірде-бір парақ жоқ: тапсырыстарды параққа орналастырыңыз.</translation>
        </message>
        <message>
            <source>«{text}» — не дата: напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.not_a_date</comment>
            <translation>«{text}» — күн емес: 27.11.2026 14:03, 2026-11-27 14:03 немесе 2026-11-27T14:03:00+05:00 түрінде жазыңыз.</translation>
        </message>
        <message>
            <source>«{text}» — не сумма: наберите цифры, например 15990,00.</source>
            <comment>import.not_an_amount</comment>
            <translation>«{text}» — сома емес: цифрларды теріңіз, мысалы 15990,00.</translation>
        </message>
        <message>
            <source>«{text}» — не номер заказа: наберите от 6 до 15 цифр.</source>
            <comment>import.not_an_order_number</comment>
            <translation>«{text}» — тапсырыс нөмірі емес: 6-дан 15-ке дейін цифр теріңіз.</translation>
        </message>
        <message>
            <source>Файл — ZIP-архив, но не книга Excel (XLSX) или повреждённая книга: если он из LibreOffice или Numbers, откройте его в Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).</source>
            <comment>import.not_xlsx</comment>
            <translation>Файл — ZIP мұрағаты, бірақ Excel кітабы (XLSX) емес немесе зақымдалған кітап: егер ол LibreOffice не Numbers-тен болса, оны Excel-де ашып, қайтадан XLSX немесе CSV (нүктелі үтірмен) ретінде сақтаңыз.</translation>
        </message>
        <message>
            <source>«{text}» — не «да» и не «нет»: напишите {yes} или {no} (или оставьте пустым).</source>
            <comment>import.not_yes_no</comment>
            <translation>«{text}» — «иә» де, «жоқ» та емес: {yes} немесе {no} деп жазыңыз (немесе бос қалдырыңыз).</translation>
        </message>
        <message numerus="yes">
            <source>Ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</source>
            <comment>import.nothing_imported</comment>
            <translation>
                <numerusform>Ештеңе жүктелмеді: қайта жүктер алдында файлда %n мәселені түзету керек.</numerusform>
                <numerusform>Ештеңе жүктелмеді: қайта жүктер алдында файлда %n мәселені түзету керек.</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>Из {file} ничего не загружено: %n проблем исправить в файле, прежде чем загрузить его снова.</source>
            <comment>import.nothing_imported_from</comment>
            <translation>
                <numerusform>{file} файлынан ештеңе жүктелмеді: қайта жүктер алдында файлда %n мәселені түзету керек.</numerusform>
                <numerusform>{file} файлынан ештеңе жүктелмеді: қайта жүктер алдында файлда %n мәселені түзету керек.</numerusform>
            </translation>
        </message>
        <message>
            <source>«{text}» — число, а не дата: сделайте колонку датой в Excel или напишите 27.11.2026 14:03, 2026-11-27 14:03 или 2026-11-27T14:03:00+05:00.</source>
            <comment>import.number_not_date</comment>
            <translation>«{text}» — күн емес, сан: Excel-де бағанды күн ретінде пішімдеңіз немесе 27.11.2026 14:03, 2026-11-27 14:03 немесе 2026-11-27T14:03:00+05:00 түрінде жазыңыз.</translation>
        </message>
        <message>
            <source>Это старый файл Excel .xls или книга с паролем: {save_as}, без пароля.</source>
            <comment>import.old_xls</comment>
            <translation>Бұл ескі Excel .xls файлы немесе құпиясөзбен қорғалған кітап: {save_as}, құпиясөзсіз.</translation>
        </message>
        <message numerus="yes">
            <source>Номер заказа {invoice} встречается в файле %n раз (строки {rows}): оставьте одну строку на заказ.</source>
            <comment>import.order_repeated</comment>
            <translation>
                <numerusform>{invoice} тапсырыс нөмірі файлда %n рет кездеседі ({rows} жолдары): бір тапсырысқа бір жол қалдырыңыз.</numerusform>
                <numerusform>{invoice} тапсырыс нөмірі файлда %n рет кездеседі ({rows} жолдары): бір тапсырысқа бір жол қалдырыңыз.</numerusform>
            </translation>
        </message>
        <message>
            <source>Книга распаковывается в слишком большой объём ({part} — {size} МБ, а можно не больше {max} МБ): разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.part_too_big</comment>
            <translation>Кітап тым үлкен көлемге ашылады ({part} — {size} МБ, ал {max} МБ-тан аспауы керек): тапсырыстарды бірнеше файлға бөліңіз немесе CSV ретінде сақтаңыз.</translation>
        </message>
        <message>
            <source>Строка длиннее {max} символов: видимо, не закрыта кавычка (кавычка внутри значения пишется дважды: ""), или это не список заказов.</source>
            <comment>import.record_too_long</comment>
            <translation>Жол {max} таңбадан ұзын: тырнақша жабылмаған болуы мүмкін (мән ішіндегі тырнақша екі рет жазылады: ""), немесе бұл тапсырыстар тізімі емес.</translation>
        </message>
        <message>
            <source>Строки {rows} над заголовком (строка {row}) пропущены.</source>
            <comment>import.rows_skipped</comment>
            <translation>Тақырыптың ({row}-жол) үстіндегі {rows} жолдары өткізіп жіберілді.</translation>
        </message>
        <message>
            <source>откройте его в Excel и сохраните как XLSX или как CSV (с точкой с запятой)</source>
            <comment>import.save_as</comment>
            <translation>оны Excel-де ашып, XLSX немесе CSV (нүктелі үтірмен) ретінде сақтаңыз</translation>
        </message>
        <message>
            <source>запятая</source>
            <comment>import.separator.comma</comment>
            <translation>үтір</translation>
        </message>
        <message>
            <source>разделитель</source>
            <comment>import.separator.other</comment>
            <translation>бөлгіш</translation>
        </message>
        <message>
            <source>точка с запятой</source>
            <comment>import.separator.semicolon</comment>
            <translation>нүктелі үтір</translation>
        </message>
        <message>
            <source>табуляция</source>
            <comment>import.separator.tab</comment>
            <translation>табуляция белгісі</translation>
        </message>
        <message>
            <source>Текст в книге длиннее {max} символов (предел Excel для ячейки): файл сделан не в Excel или повреждён; выгрузите заказы заново.</source>
            <comment>import.shared_text_too_long</comment>
            <translation>Кітаптағы мәтін {max} таңбадан ұзын (Excel ұяшығының шегі): файл Excel-де жасалмаған немесе бүлінген; тапсырыстарды қайта түсіріңіз.</translation>
        </message>
        <message>
            <source>На листе «{sheet}» больше {max} строк заказов: разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.sheet_too_many_rows</comment>
            <translation>«{sheet}» парағында {max} жолдан артық тапсырыс бар: тапсырыстарды бірнеше файлға бөліңіз немесе CSV ретінде сақтаңыз.</translation>
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с суммой {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_amount</comment>
            <translation>{invoice} тапсырысы {stored} сомасымен сақталған, ал файлда {file}: файлды түзетіңіз немесе бұл тапсырысты одан алып тастаңыз.</translation>
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с валютой {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_currency</comment>
            <translation>{invoice} тапсырысы {stored} валютасымен сақталған, ал файлда {file}: файлды түзетіңіз немесе бұл тапсырысты одан алып тастаңыз.</translation>
        </message>
        <message>
            <source>заказ {invoice} уже сохранён с датой создания {stored}, а в файле {file}: исправьте файл или уберите из него этот заказ.</source>
            <comment>import.stored_date</comment>
            <translation>{invoice} тапсырысы {stored} құрылған күнімен сақталған, ал файлда {file}: файлды түзетіңіз немесе бұл тапсырысты одан алып тастаңыз.</translation>
        </message>
        <message>
            <source>значений в строке — {values}, а колонок в заголовке — {columns}: видимо, в значении есть разделитель ({separator}); возьмите это значение в двойные кавычки ("...") или сохраните файл с другим разделителем.</source>
            <comment>import.too_many_cells</comment>
            <translation>Жолда {values} мән бар, ал тақырыпта {columns} баған: мәннің ішінде бөлгіш ({separator}) болса керек; ол мәнді қос тырнақшаға ("...") алыңыз немесе файлды басқа бөлгішпен сақтаңыз.</translation>
        </message>
        <message>
            <source>В файле больше {max} строк заказов: разбейте заказы на несколько файлов (например, по месяцам).</source>
            <comment>import.too_many_rows</comment>
            <translation>Файлда {max} жолдан артық тапсырыс бар: тапсырыстарды бірнеше файлға бөліңіз (мысалы, айлар бойынша).</translation>
        </message>
        <message>
            <source>В строке значений: {count}, а в файле заказов не больше {max} столбцов: проверьте разделитель.</source>
            <comment>import.too_many_values</comment>
            <translation>Бұл жолда {count} мән бар, ал тапсырыстар файлында {max} бағаннан аспауы керек: бөлгішті тексеріңіз.</translation>
        </message>
        <message>
            <source>Неизвестный код валюты «{text}»: укажите {known} или оставьте пустым для {default}.</source>
            <comment>import.unknown_currency</comment>
            <translation>«{text}» валюта коды белгісіз: {known} көрсетіңіз немесе {default} үшін бос қалдырыңыз.</translation>
        </message>
        <message>
            <source>Файл начинается как UTF-16, но повреждён: выгрузите его снова.</source>
            <comment>import.utf16_damaged</comment>
            <translation>Файл UTF-16 ретінде басталады, бірақ зақымдалған: оны қайта жүктеп шығарыңыз.</translation>
        </message>
        <message>
            <source>Это веб-страница или XML, сохранённые под именем таблицы (такие файлы делает «Экспорт в Excel» 1С-Битрикс): {save_as}, или выгрузите список заказов в CSV.</source>
            <comment>import.web_page</comment>
            <translation>Бұл кесте атауымен сақталған веб-бет немесе XML (мұндай файлдарды 1С-Битрикс «Excel-ге экспорттау» жасайды): {save_as} немесе тапсырыстар тізімін CSV-ге түсіріңіз.</translation>
        </message>
        <message>
            <source>Книга Excel повреждена и не читается: откройте её в Excel и сохраните снова как XLSX или как CSV (с точкой с запятой).</source>
            <comment>import.workbook_damaged</comment>
            <translation>Excel кітабы зақымдалған, оқылмайды: оны Excel-де ашып, қайтадан XLSX немесе CSV (нүктелі үтірмен) ретінде сақтаңыз.</translation>
        </message>
        <message>
            <source>Книга распаковывается в {size} МБ, а файл заказов — не больше {max} МБ: разбейте заказы на несколько файлов или сохраните их как CSV.</source>
            <comment>import.workbook_too_big</comment>
            <translation>Кітап {size} МБ-қа ашылады, ал тапсырыстар файлы {max} МБ-тан аспауы керек: тапсырыстарды бірнеше файлға бөліңіз немесе CSV ретінде сақтаңыз.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: это не JSON (строка {line}, столбец {column}: {error}). Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_json</comment>
            <translation>{path} оқылмайды ({what}): бұл JSON емес ({line}-жол, {column}-баған: {error}). Оны мәтіндік редакторда түзетіңіз немесе әдепкі баптаулармен қайта бастау үшін оны басқа жерге алып қойыңыз.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: в нём должен быть объект JSON (в фигурных скобках), а не {kind}. Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_object</comment>
            <translation>{path} оқылмайды ({what}): онда {kind} емес, JSON нысаны (бұйра жақшадағы) болуы керек. Оны мәтіндік редакторда түзетіңіз немесе әдепкі баптаулармен қайта бастау үшін оны басқа жерге алып қойыңыз.</translation>
        </message>
        <message>
            <source>Не удаётся прочитать {what} {path}: это не текст в кодировке UTF-8 ({reason}). Исправьте его в текстовом редакторе или уберите его, чтобы начать заново с настройками по умолчанию.</source>
            <comment>jsonfile.not_utf8</comment>
            <translation>{path} оқылмайды ({what}): бұл UTF-8 кодтауындағы мәтін емес ({reason}). Оны мәтіндік редакторда түзетіңіз немесе әдепкі баптаулармен қайта бастау үшін оны басқа жерге алып қойыңыз.</translation>
        </message>
        <message>
            <source>«{email}» не похоже на адрес e-mail вроде buyer@example.kz.</source>
            <comment>links.bad_email</comment>
            <translation>«{email}» buyer@example.kz сияқты e-mail мекенжайына ұқсамайды.</translation>
        </message>
        <message>
            <source>Язык страницы «{language}»: выберите rus, kaz или eng.</source>
            <comment>links.bad_language</comment>
            <translation>Бет тілі «{language}»: rus, kaz немесе eng таңдаңыз.</translation>
        </message>
        <message>
            <source>Срок жизни ссылки «{text}» непонятен: напишите число и m, h или d, например 1d (сутки) или 12h.</source>
            <comment>links.bad_period</comment>
            <translation>Сілтеменің жарамдылық мерзімі «{text}» түсініксіз: сан мен m, h немесе d жазыңыз, мысалы 1d (бір тәулік) немесе 12h.</translation>
        </message>
        <message>
            <source>«{phone}» — не номер телефона вроде +77011234567.</source>
            <comment>links.bad_phone</comment>
            <translation>«{phone}» — +77011234567 сияқты телефон нөмірі емес.</translation>
        </message>
        <message>
            <source>Ссылки на оплату для заказов по телефону, WhatsApp или e-mail. Ссылку создаёт банк; заказ сохраняется как ожидающий оплаты, и синхронизация следит за ним, как за любым другим.</source>
            <comment>links.cli_description</comment>
            <translation>Телефон, WhatsApp немесе e-mail арқылы берілген тапсырыстарға төлем сілтемелері. Сілтемені банк жасайды; тапсырыс төлемді күтуде ретінде сақталады және синхрондау оны кез келген басқа тапсырыс сияқты қадағалайды.</translation>
        </message>
        <message>
            <source>ссылки на оплату: попросить покупателя оплатить заказ</source>
            <comment>links.cli_help</comment>
            <translation>төлем сілтемелері: сатып алушыдан тапсырысты төлеуді сұрау</translation>
        </message>
        <message>
            <source>Создать ссылку на оплату. Могут менеджеры и администраторы; каждая ссылка пишется в журнал аудита. Номер заказа (12 цифр) создаётся сам, если не задан --invoice.</source>
            <comment>links.create_description</comment>
            <translation>Төлем сілтемесін жасау. Менеджерлер мен әкімшілерге рұқсат; әр сілтеме аудит журналына жазылады. --invoice берілмесе, тапсырыс нөмірі (12 сан) өзі жасалады.</translation>
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
            <translation>шығу кодтары:
  0 жасалды
  2 қате енгізу немесе профильде дүкен идентификаторы жоқ, ештеңе жіберілмеді
  3 банк бас тартты (оның хабары көрсетілді)
  4 операторға рұқсат жоқ
  5 банк жауап бермеді: сілтеме болуы мүмкін, банк кабинетін тексеріңіз
  1 басқа қате</translation>
        </message>
        <message>
            <source>создать ссылку на оплату нового заказа</source>
            <comment>links.create_help</comment>
            <translation>жаңа тапсырысқа төлем сілтемесін жасау</translation>
        </message>
        <message>
            <source>Ссылка на оплату заказа {invoice_id} ({amount}) действует до {until}:</source>
            <comment>links.created</comment>
            <translation>{invoice_id} тапсырысының ({amount}) төлем сілтемесі {until} дейін жарамды:</translation>
        </message>
        <message>
            <source>за что платит покупатель (видно на странице банка)</source>
            <comment>links.description_help</comment>
            <translation>сатып алушы не үшін төлейді (банк бетінде көрінеді)</translation>
        </message>
        <message>
            <source>e-mail покупателя (банк отправит ссылку туда)</source>
            <comment>links.email_help</comment>
            <translation>сатып алушының e-mail-ы (банк сілтемені соған жібереді)</translation>
        </message>
        <message>
            <source>30m, 12h, 1d (по умолчанию), ≤ 30d</source>
            <comment>links.expires_help</comment>
            <translation>30m, 12h, 1d (әдепкі), ≤ 30d</translation>
        </message>
        <message>
            <source>номер заказа (6–15 цифр) вместо нового</source>
            <comment>links.invoice_help</comment>
            <translation>жаңасының орнына тапсырыс нөмірі (6–15 сан)</translation>
        </message>
        <message>
            <source>ссылки и их состояния: активна, оплачена, истекла, отклонена</source>
            <comment>links.list_help</comment>
            <translation>сілтемелер және олардың күйлері: белсенді, төленді, мерзімі өтті, қабылданбады</translation>
        </message>
        <message>
            <source>Здравствуйте!

Для оплаты заказа № {invoice_id} на сумму {amount} ({description}) перейдите по ссылке:
{url}

Ссылка действует до {until}. Оплата картой через защищённую страницу Halyk Bank (ePay).

Спасибо за заказ!</source>
            <comment>links.mail_body</comment>
            <translation>Сәлеметсіз бе!

№ {invoice_id} тапсырысын {amount} сомасына ({description}) төлеу үшін сілтемеге өтіңіз:
{url}

Сілтеме {until} дейін жарамды. Төлем Halyk Bank (ePay) қорғалған беті арқылы картамен жасалады.

Тапсырысыңызға рахмет!</translation>
        </message>
        <message>
            <source>Оплата заказа № {invoice_id}</source>
            <comment>links.mail_subject</comment>
            <translation>№ {invoice_id} тапсырысын төлеу</translation>
        </message>
        <message>
            <source>Нужно описание: за что платит покупатель.</source>
            <comment>links.no_description</comment>
            <translation>Сипаттама керек: сатып алушы не үшін төлейді.</translation>
        </message>
        <message>
            <source>Не удалось подобрать свободный номер заказа: укажите его сами (--invoice).</source>
            <comment>links.no_free_number</comment>
            <translation>Бос тапсырыс нөмірін табу мүмкін болмады: оны өзіңіз көрсетіңіз (--invoice).</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет идентификатора магазина: скопируйте его из кабинета банка и укажите в Настройках или командой `halyk-desk profile edit {profile} --shop-id UUID`.</source>
            <comment>links.no_shop_id</comment>
            <translation>«{profile}» профилінде дүкен идентификаторы жоқ: оны банк кабинетінен көшіріп, Баптауларда немесе `halyk-desk profile edit {profile} --shop-id UUID` командасымен көрсетіңіз.</translation>
        </message>
        <message>
            <source>Ссылок на оплату пока нет: создайте `halyk-desk link create`.</source>
            <comment>links.none</comment>
            <translation>Төлем сілтемелері әлі жоқ: `halyk-desk link create` арқылы жасаңыз.</translation>
        </message>
        <message>
            <source>Заказ {invoice_id} уже есть: для ссылки нужен новый номер (без --invoice он будет создан сам).</source>
            <comment>links.order_exists</comment>
            <translation>{invoice_id} тапсырысы бар: сілтемеге жаңа нөмір керек (--invoice болмаса, ол өзі жасалады).</translation>
        </message>
        <message>
            <source>Срок жизни ссылки «{text}» больше 30 дней: выберите 30d или меньше.</source>
            <comment>links.period_too_long</comment>
            <translation>Сілтеменің жарамдылық мерзімі «{text}» 30 күннен артық: 30d немесе одан азын таңдаңыз.</translation>
        </message>
        <message>
            <source>активна</source>
            <comment>links.state_active</comment>
            <translation>белсенді</translation>
        </message>
        <message>
            <source>истекла</source>
            <comment>links.state_expired</comment>
            <translation>мерзімі өтті</translation>
        </message>
        <message>
            <source>отклонена</source>
            <comment>links.state_failed</comment>
            <translation>қабылданбады</translation>
        </message>
        <message>
            <source>оплачена</source>
            <comment>links.state_paid</comment>
            <translation>төленді</translation>
        </message>
        <message>
            <source>Другой заказ уже оканчивается на {suffix}, а банк требует, чтобы последние шесть цифр не повторялись. Выберите другой номер.</source>
            <comment>links.suffix_taken</comment>
            <translation>Басқа тапсырыс {suffix} сандарымен аяқталады, ал банк соңғы алты санның қайталанбауын талап етеді. Басқа нөмір таңдаңыз.</translation>
        </message>
        <message>
            <source>до {until}</source>
            <comment>links.until</comment>
            <translation>{until} дейін</translation>
        </message>
        <message>
            <source>Возраст</source>
            <comment>lists.column_age</comment>
            <translation>Ұзақтығы</translation>
        </message>
        <message>
            <source>Сумма</source>
            <comment>lists.column_amount</comment>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Банк</source>
            <comment>lists.column_bank</comment>
            <translation>Банк</translation>
        </message>
        <message>
            <source>Списано</source>
            <comment>lists.column_captured</comment>
            <translation>Шығарылды</translation>
        </message>
        <message>
            <source>Создан</source>
            <comment>lists.column_created</comment>
            <translation>Құрылған</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <comment>lists.column_customer</comment>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>Истекает</source>
            <comment>lists.column_expires</comment>
            <translation>Бітеді</translation>
        </message>
        <message>
            <source>Заблокирован</source>
            <comment>lists.column_held_since</comment>
            <translation>Бұғатталған</translation>
        </message>
        <message>
            <source>Заказ</source>
            <comment>lists.column_invoice</comment>
            <translation>Тапсырыс</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <comment>lists.column_refunded</comment>
            <translation>Қайтарылды</translation>
        </message>
        <message>
            <source>Состояние</source>
            <comment>lists.column_state</comment>
            <translation>Күйі</translation>
        </message>
        <message>
            <source>Осталось</source>
            <comment>lists.column_time_left</comment>
            <translation>Қалды</translation>
        </message>
        <message>
            <source>данные не удалось открыть</source>
            <comment>lists.exit_failed</comment>
            <translation>деректерді ашу мүмкін болмады</translation>
        </message>
        <message>
            <source>список напечатан</source>
            <comment>lists.exit_ok</comment>
            <translation>тізім басып шығарылды</translation>
        </message>
        <message>
            <source>ошибка в команде (дата, состояние или профиль)</source>
            <comment>lists.exit_usage</comment>
            <translation>командадағы қате (күн, күй немесе профиль)</translation>
        </message>
        <message>
            <source>ИСТЕКЛА</source>
            <comment>lists.flag_expired</comment>
            <translation>ӨТІП КЕТТІ</translation>
        </message>
        <message>
            <source>СКОРО</source>
            <comment>lists.flag_warn</comment>
            <translation>ЖАҚЫНДА</translation>
        </message>
        <message>
            <source>invoice_id, transaction_id, state (held), bank_status (AUTH), amount (заблокированная сумма), captured, refunded, currency, created_at (время блокировки), expires_at, age_seconds, time_left_seconds (отрицательное, когда срок истёк), warn, expired, customer</source>
            <comment>lists.hold_fields</comment>
            <translation>invoice_id, transaction_id, state (held), bank_status (AUTH), amount (бұғатталған сома), captured, refunded, currency, created_at (бұғаттау уақыты), expires_at, age_seconds, time_left_seconds (мерзімі өткенде теріс), warn, expired, customer</translation>
        </message>
        <message>
            <source>Все заблокированные платежи (двухстадийные, ждут подтверждения) с суммой, возрастом и временем до конца блокировки (настройки hold_warn_days, hold_expire_days). Для свежих данных сначала выполните `halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}.</source>
            <comment>lists.holds.description</comment>
            <translation>Барлық бұғатталған төлемдер (екі кезеңді, растауды күтуде) сомасымен, жасымен және бұғаттау біткенге дейінгі уақытпен (hold_warn_days, hold_expire_days баптаулары). Жаңа деректер үшін алдымен `halyk-desk sync` орындаңыз. --json мына өрістері бар нысандардың JSON массивін басып шығарады: {fields}.</translation>
        </message>
        <message>
            <source>блокировки, ждущие подтверждения; первой — та, что истекает раньше всех</source>
            <comment>lists.holds.help</comment>
            <translation>растауды күтіп тұрған бұғаттаулар; алдымен мерзімі ерте бітетіні</translation>
        </message>
        <message numerus="yes">
            <source>%n блокировок (скоро подтвердить или снять: {warn}, истекли: {expired}); время по {time_zone}.</source>
            <comment>lists.holds_count</comment>
            <translation>
                <numerusform>%n бұғаттау (жақында растау немесе алып тастау керек: {warn}, мерзімі өтті: {expired}); уақыт {time_zone} бойынша.</numerusform>
                <numerusform>%n бұғаттау (жақында растау немесе алып тастау керек: {warn}, мерзімі өтті: {expired}); уақыт {time_zone} бойынша.</numerusform>
            </translation>
        </message>
        <message>
            <source>напечатать массив JSON для скриптов</source>
            <comment>lists.json</comment>
            <translation>скриптер үшін JSON массивін басып шығару</translation>
        </message>
        <message numerus="yes">
            <source>%n заказов; время по {time_zone}.</source>
            <comment>lists.orders_count</comment>
            <translation>
                <numerusform>%n тапсырыс; уақыт {time_zone} бойынша.</numerusform>
                <numerusform>%n тапсырыс; уақыт {time_zone} бойынша.</numerusform>
            </translation>
        </message>
        <message>
            <source>invoice_id, transaction_id, state, bank_status (statusName, как его дал банк), amount (сумма заказа), captured и refunded (по данным банка), currency, created_at (время заказа), customer, card_mask, reference (RRN), shop_status, last_read_at, read_error</source>
            <comment>lists.payment_fields</comment>
            <translation>invoice_id, transaction_id, state, bank_status (банк берген statusName), amount (тапсырыс сомасы), captured және refunded (банк деректері бойынша), currency, created_at (тапсырыс уақыты), customer, card_mask, reference (RRN), shop_status, last_read_at, read_error</translation>
        </message>
        <message>
            <source>Заказы магазина и что банк говорит о платеже каждого, сначала старые. Для свежих данных сначала выполните `halyk-desk sync`. --json печатает массив JSON объектов с полями: {fields}. Суммы — десятичные строки ("1500.00"); время — ISO 8601 в UTC; отсутствующие значения — null.</source>
            <comment>lists.payments.description</comment>
            <translation>Дүкен тапсырыстары және әрқайсысының төлемі туралы банк не дейтіні, алдымен ескілері. Жаңа деректер үшін алдымен `halyk-desk sync` орындаңыз. --json мына өрістері бар нысандардың JSON массивін басып шығарады: {fields}. Сомалар — ондық жолдар ("1500.00"); уақыт — UTC бойынша ISO 8601; жоқ мәндер — null.</translation>
        </message>
        <message>
            <source>заказы, созданные в этот день или позже, {day}</source>
            <comment>lists.payments.from</comment>
            <translation>осы күні немесе одан кейін жасалған тапсырыстар, {day}</translation>
        </message>
        <message>
            <source>заказы и что банк знает об их платежах</source>
            <comment>lists.payments.help</comment>
            <translation>тапсырыстар және олардың төлемдері туралы банк білетіні</translation>
        </message>
        <message>
            <source>начало invoiceId, RRN или маски карты, последние четыре цифры карты или начало имени покупателя</source>
            <comment>lists.payments.search</comment>
            <translation>invoiceId, RRN немесе карта маскасының басы, картаның соңғы төрт цифры немесе сатып алушы атының басы</translation>
        </message>
        <message>
            <source>только это состояние (можно повторить или перечислить через запятую): {states}</source>
            <comment>lists.payments.state</comment>
            <translation>тек осы күй (қайталауға немесе үтір арқылы тізуге болады): {states}</translation>
        </message>
        <message>
            <source>заказы, созданные в этот день или раньше</source>
            <comment>lists.payments.to</comment>
            <translation>осы күні немесе одан бұрын жасалған тапсырыстар</translation>
        </message>
        <message>
            <source>{days} д {hours} ч</source>
            <comment>lists.span_days</comment>
            <translation>{days} күн {hours} сағ</translation>
        </message>
        <message>
            <source>{hours} ч {minutes} мин</source>
            <comment>lists.span_hours</comment>
            <translation>{hours} сағ {minutes} мин</translation>
        </message>
        <message>
            <source>{minutes} мин</source>
            <comment>lists.span_minutes</comment>
            <translation>{minutes} мин</translation>
        </message>
        <message>
            <source>неизвестное состояние {state}: выберите из {states}</source>
            <comment>lists.unknown_state</comment>
            <translation>белгісіз күй {state}: мыналардың бірін таңдаңыз: {states}</translation>
        </message>
        <message>
            <source>В сумме «{raw}» есть цифры не из набора 0–9 (например, полноширинные): наберите сумму обычными цифрами, например 1 234,50.</source>
            <comment>money.ascii_digits</comment>
            <translation>«{raw}» сомасында 0–9 жиынынан тыс цифрлар бар (мысалы, толық енді): соманы қарапайым цифрлармен теріңіз, мысалы 1 234,50.</translation>
        </message>
        <message>
            <source>{value} — больше любого настоящего платежа; проверьте сумму.</source>
            <comment>money.decimal_too_large</comment>
            <translation>{value} — кез келген нақты төлемнен көп; соманы тексеріңіз.</translation>
        </message>
        <message>
            <source>В «{raw}» больше двух знаков после запятой: тиын — самая мелкая единица (например, 12,34).</source>
            <comment>money.decimals</comment>
            <translation>«{raw}» ішінде үтірден кейін екі таңбадан көп: тиын — ең кіші бірлік (мысалы, 12,34).</translation>
        </message>
        <message>
            <source>Сумма пустая: наберите сумму, например 1 234,50.</source>
            <comment>money.empty</comment>
            <translation>Сома бос: соманы теріңіз, мысалы 1 234,50.</translation>
        </message>
        <message>
            <source>«{raw}» — не сумма: тысячи отделяются по три цифры (1 234 567,89); наберите цифры, при необходимости с запятой, например 1 234,50.</source>
            <comment>money.grouping</comment>
            <translation>«{raw}» — сома емес: мыңдар үш цифрдан бөлінеді (1 234 567,89); цифрларды теріңіз, қажет болса үтірмен, мысалы 1 234,50.</translation>
        </message>
        <message>
            <source>{minor} тиын — больше любого настоящего платежа; проверьте сумму.</source>
            <comment>money.minor_too_large</comment>
            <translation>{minor} тиын — кез келген нақты төлемнен көп; соманы тексеріңіз.</translation>
        </message>
        <message>
            <source>Нельзя складывать {one} и {other}.</source>
            <comment>money.mixed</comment>
            <translation>{one} мен {other} қосуға болмайды.</translation>
        </message>
        <message>
            <source>«{raw}» — отрицательная сумма: сумму пишут без знака, больше нуля.</source>
            <comment>money.negative</comment>
            <translation>«{raw}» — теріс сома: соманы таңбасыз, нөлден үлкен етіп жазыңыз.</translation>
        </message>
        <message>
            <source>Сумма не указана: наберите сумму, например 1 234,50.</source>
            <comment>money.none</comment>
            <translation>Сома көрсетілмеген: соманы теріңіз, мысалы 1 234,50.</translation>
        </message>
        <message>
            <source>«{raw}» — не сумма: наберите цифры, например 1 234,50.</source>
            <comment>money.not_amount</comment>
            <translation>«{raw}» — сома емес: цифрларды теріңіз, мысалы 1 234,50.</translation>
        </message>
        <message>
            <source>«{raw}» — не сумма: наберите цифры, при необходимости с запятой, например 1 234,50.</source>
            <comment>money.not_digits</comment>
            <translation>«{raw}» — сома емес: цифрларды теріңіз, қажет болса үтірмен, мысалы 1 234,50.</translation>
        </message>
        <message>
            <source>«{value}» — не конечная сумма.</source>
            <comment>money.not_finite</comment>
            <translation>«{value}» — шектеулі сома емес.</translation>
        </message>
        <message>
            <source>«{value}» — не число.</source>
            <comment>money.not_number</comment>
            <translation>«{value}» — сан емес.</translation>
        </message>
        <message>
            <source>«{raw}» — в {found}, а эта сумма в {currency}.</source>
            <comment>money.other_currency</comment>
            <translation>«{raw}» — {found} валютасында, ал бұл сома {currency} валютасында.</translation>
        </message>
        <message>
            <source>«{raw}» больше любого настоящего платежа: проверьте сумму.</source>
            <comment>money.too_large</comment>
            <translation>«{raw}» кез келген нақты төлемнен үлкен: соманы тексеріңіз.</translation>
        </message>
        <message>
            <source>Неизвестный код валюты «{code}»: укажите трёхбуквенный код, например KZT или USD.</source>
            <comment>money.unknown_currency</comment>
            <translation>«{code}» валюта коды белгісіз: үш әріпті код көрсетіңіз, мысалы KZT немесе USD.</translation>
        </message>
        <message>
            <source>Банк принял операцию: {effect}.</source>
            <comment>operations.accepted</comment>
            <translation>Банк операцияны қабылдады: {effect}.</translation>
        </message>
        <message>
            <source>Банк принял операцию, но {effect}; итог выяснится по статусу в банке при следующей синхронизации.</source>
            <comment>operations.accepted_unclear</comment>
            <translation>Банк операцияны қабылдады, бірақ {effect}; нәтиже келесі синхрондау кезінде банктегі мәртебе бойынша анықталады.</translation>
        </message>
        <message>
            <source>Банк принял операцию, но её статус не удалось прочитать для проверки ({error}); итог выяснится при следующей синхронизации.</source>
            <comment>operations.accepted_unread</comment>
            <translation>Банк операцияны қабылдады, бірақ тексеру үшін оның мәртебесін оқу мүмкін болмады ({error}); нәтиже келесі синхрондау кезінде анықталады.</translation>
        </message>
        <message>
            <source>Операцию №{id} запросил {operator}: одобрить её должен другой менеджер.</source>
            <comment>operations.approve_own</comment>
            <translation>№{id} операцияны {operator} сұраған: оны басқа менеджер мақұлдауы керек.</translation>
        </message>
        <message>
            <source>отправлено в {sent}, ответа банка не было; итог выяснится по статусу платежа и реестру операций банка (идентификатор операции {external}); невыполненной её сочтут не раньше {until} и только если банк её не покажет</source>
            <comment>operations.awaited</comment>
            <translation>{sent} уақытында жіберілді, банктен жауап болмады; нәтиже төлем күйі мен банктің операциялар тізілімі бойынша анықталады (операция идентификаторы {external}); {until} дейін ол орындалмаған деп саналмайды, одан кейін де банк оны көрсетпесе ғана солай саналады</translation>
        </message>
        <message>
            <source>Банк отказал: {why}</source>
            <comment>operations.bank_refused</comment>
            <translation>Банк бас тартты: {why}</translation>
        </message>
        <message>
            <source>в банке статус {status}</source>
            <comment>operations.bank_status</comment>
            <translation>банктегі мәртебе {status}</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) ждёт одобрения второго менеджера. Ничего не отправлено.</source>
            <comment>operations.busy_pending</comment>
            <translation>Бұл төлем бойынша №{id} операция жүріп жатыр: {action} {amount} ({operator}) екінші менеджердің мақұлдауын күтуде. Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) отправляется в банк, ответ ещё не пришёл. Ничего не отправлено.</source>
            <comment>operations.busy_sending</comment>
            <translation>Бұл төлем бойынша №{id} операция жүріп жатыр: {action} {amount} ({operator}) банкке жіберілуде, жауап әлі келген жоқ. Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: итог операции «{action}» на {amount} ({operator}) ещё неизвестен; он выяснится по статусу в банке при следующей синхронизации. Ничего не отправлено.</source>
            <comment>operations.busy_unknown</comment>
            <translation>Бұл төлем бойынша №{id} операция жүріп жатыр: «{action}» {amount} ({operator}) операциясының нәтижесі әлі белгісіз; ол келесі синхрондау кезінде банктегі мәртебе бойынша анықталады. Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>По этому платежу уже идёт операция №{id}: {action} на {amount} ({operator}) — {awaited}. Ничего не отправлено.</source>
            <comment>operations.busy_waiting</comment>
            <translation>Бұл төлем бойынша №{id} операция жүріп жатыр: {amount} сомасына {action} ({operator}) — {awaited}. Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>в банке статус {status}: списано {amount}</source>
            <comment>operations.captured</comment>
            <translation>банктегі мәртебе {status}: {amount} есептен шығарылды</translation>
        </message>
        <message>
            <source>Операцию №{id} только что одобрил или отклонил кто-то другой.</source>
            <comment>operations.decided_meanwhile</comment>
            <translation>№{id} операцияны жаңа ғана басқа біреу мақұлдады немесе қабылдамады.</translation>
        </message>
        <message>
            <source>{error} Ничего не отправлено.</source>
            <comment>operations.error_nothing_sent</comment>
            <translation>{error} Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>посмотрите возврат в кабинете банка по идентификатору {external}</source>
            <comment>operations.look_in_cabinet</comment>
            <translation>қайтаруды банк кабинетінен {external} идентификаторы бойынша қараңыз</translation>
        </message>
        <message>
            <source>Возврат больше {limit} одобряет второй менеджер: запрос №{id} ждёт одобрения (вкладка «Операции»). Пока ничего не отправлено.</source>
            <comment>operations.needs_approval</comment>
            <translation>{limit} асатын қайтаруды екінші менеджер мақұлдайды: №{id} сұрау мақұлдауды күтуде («Операциялар» қойындысы). Әзірге ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет операции №{id}.</source>
            <comment>operations.no_such</comment>
            <translation>«{profile}» профилінде №{id} операция жоқ.</translation>
        </message>
        <message>
            <source>Не выполнено: {error}</source>
            <comment>operations.not_done</comment>
            <translation>Орындалмады: {error}</translation>
        </message>
        <message>
            <source>У банка ещё нет платежа по этому заказу: сначала синхронизируйте его.</source>
            <comment>operations.not_read_yet</comment>
            <translation>Банкте бұл тапсырыс бойынша төлем әлі жоқ: алдымен оны синхрондаңыз.</translation>
        </message>
        <message>
            <source>в банке статус {status}: блокировка не снята</source>
            <comment>operations.not_released</comment>
            <translation>банктегі мәртебе {status}: бұғаттау алынбады</translation>
        </message>
        <message>
            <source>Не отправлено: {why}</source>
            <comment>operations.not_sent</comment>
            <translation>Жіберілмеді: {why}</translation>
        </message>
        <message>
            <source>Не отправлено: банк недоступен. {error}</source>
            <comment>operations.not_sent_unreachable</comment>
            <translation>Жіберілмеді: банкке қосылу мүмкін болмады. {error}</translation>
        </message>
        <message>
            <source>Операция №{id} не ждёт одобрения: её состояние — {status}.</source>
            <comment>operations.not_waiting</comment>
            <translation>№{id} операция мақұлдауды күтпейді: оның күйі — {status}.</translation>
        </message>
        <message>
            <source>в банке статус {status}: ничего не списано</source>
            <comment>operations.nothing_captured</comment>
            <translation>банктегі мәртебе {status}: ештеңе есептен шығарылмады</translation>
        </message>
        <message>
            <source>в банке статус {status} у другой транзакции ({transaction})</source>
            <comment>operations.other_transaction</comment>
            <translation>банктегі мәртебе {status} басқа транзакцияда ({transaction})</translation>
        </message>
        <message>
            <source>{error} Итог выяснится по статусу в банке при следующей синхронизации; ничего не повторяется.</source>
            <comment>operations.outcome_unknown</comment>
            <translation>{error} Нәтиже келесі синхрондау кезінде банктегі мәртебе бойынша анықталады; ештеңе қайталанбайды.</translation>
        </message>
        <message>
            <source>в банке статус {status}, всего возвращено {refunded} (до этого возврата — {before})</source>
            <comment>operations.refunded</comment>
            <translation>банктегі мәртебе {status}, барлығы {refunded} қайтарылды (осы қайтаруға дейін — {before})</translation>
        </message>
        <message>
            <source>в банке статус {status}, всего возвращено {refunded} (до этого возврата — {before}), больше этого возврата: проверьте кабинет банка</source>
            <comment>operations.refunded_more</comment>
            <translation>банктегі мәртебе {status}, барлығы {refunded} қайтарылды (осы қайтаруға дейін — {before}), бұл қайтарудан көп: банк кабинетін тексеріңіз</translation>
        </message>
        <message>
            <source>{why} Ничего не отправлено.</source>
            <comment>operations.refused_nothing_sent</comment>
            <translation>{why} Ештеңе жіберілген жоқ.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: возврат есть в реестре операций банка, но ещё не виден в статусе платежа; ждём, повторно он не отправляется.</source>
            <comment>operations.registry_has_it</comment>
            <translation>Нәтиже әлі белгісіз: қайтару банктің операциялар тізілімінде бар, бірақ төлем күйінде әлі көрінбейді; күтеміз, ол қайта жіберілмейді.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: банк не назвал дату платежа, по которой ищут в реестре операций; {look}.</source>
            <comment>operations.registry_no_date</comment>
            <translation>Нәтиже әлі белгісіз: банк төлем күнін атамады, ал операциялар тізілімі сол бойынша ізделеді; {look}.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: реестр операций банка не удалось прочитать ({error}), а без него нельзя знать, что возврата не было; {look}.</source>
            <comment>operations.registry_unread</comment>
            <translation>Нәтиже әлі белгісіз: банктің операциялар тізілімін оқу мүмкін болмады ({error}), ал онсыз қайтару болмағанын білу мүмкін емес; {look}.</translation>
        </message>
        <message>
            <source>Скажите, почему запрос отклонён.</source>
            <comment>operations.reject_needs_reason</comment>
            <translation>Сұрау неге қабылданбағанын айтыңыз.</translation>
        </message>
        <message>
            <source>в банке статус {status}: блокировка снята</source>
            <comment>operations.released</comment>
            <translation>банктегі мәртебе {status}: бұғаттау алынды</translation>
        </message>
        <message>
            <source>Выяснено по статусу в банке: {effect}.</source>
            <comment>operations.settled_done</comment>
            <translation>Банктегі мәртебе бойынша анықталды: {effect}.</translation>
        </message>
        <message>
            <source>Банк этого не сделал: {effect}.</source>
            <comment>operations.settled_not_done</comment>
            <translation>Банк мұны орындамады: {effect}.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: {effect}; посмотрите платёж в кабинете банка.</source>
            <comment>operations.still_unknown_look</comment>
            <translation>Нәтиже әлі белгісіз: {effect}; төлемді банк кабинетінен қараңыз.</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: статус в банке не удалось прочитать ({error}).</source>
            <comment>operations.still_unknown_unread</comment>
            <translation>Нәтиже әлі белгісіз: банктегі мәртебені оқу мүмкін болмады ({error}).</translation>
        </message>
        <message>
            <source>Итог пока неизвестен: {effect}; если это не изменится, после {time} UTC операция будет считаться невыполненной.</source>
            <comment>operations.still_unknown_until</comment>
            <translation>Нәтиже әлі белгісіз: {effect}; бұл өзгермесе, {time} UTC кейін операция орындалмаған деп есептеледі.</translation>
        </message>
        <message>
            <source>Не отправлено: программа остановилась до отправки; в банк ничего не ушло.</source>
            <comment>operations.stopped_before_sending</comment>
            <translation>Жіберілмеді: бағдарлама жібермес бұрын тоқтады; банкке ештеңе жеткен жоқ.</translation>
        </message>
        <message>
            <source>Теперь банк показывает по этому заказу другую транзакцию ({transaction}).</source>
            <comment>operations.transaction_changed</comment>
            <translation>Енді банк бұл тапсырыс бойынша басқа транзакцияны ({transaction}) көрсетеді.</translation>
        </message>
        <message>
            <source>действует</source>
            <comment>operators.active</comment>
            <translation>белсенді</translation>
        </message>
        <message>
            <source>Имя оператора — от 1 до 64 символов, а не «{name}».</source>
            <comment>operators.bad_name</comment>
            <translation>Оператор аты 1-ден 64 таңбаға дейін болуы керек, «{name}» емес.</translation>
        </message>
        <message>
            <source>создавать ссылки на оплату</source>
            <comment>operators.create_links</comment>
            <translation>төлем сілтемелерін жасау</translation>
        </message>
        <message>
            <source>Оператор «{name}» отключён и не может {what}.</source>
            <comment>operators.disabled</comment>
            <translation>«{name}» операторы өшірілген және {what} алмайды.</translation>
        </message>
        <message>
            <source>отключён</source>
            <comment>operators.inactive</comment>
            <translation>өшірілген</translation>
        </message>
        <message>
            <source>«{name}» — последний действующий администратор: сначала сделайте администратором кого-то ещё, иначе никто не сможет управлять операторами и настройками.</source>
            <comment>operators.last_admin</comment>
            <translation>«{name}» — соңғы белсенді әкімші: алдымен басқа біреуді әкімші етіңіз, әйтпесе операторлар мен баптауларды ешкім басқара алмайды.</translation>
        </message>
        <message>
            <source>Оператора «{name}» нет; список операторов — в настройках или `halyk-desk operator list`.</source>
            <comment>operators.no_such</comment>
            <translation>«{name}» операторы жоқ; операторлар тізімі — баптауларда немесе `halyk-desk operator list`.</translation>
        </message>
        <message>
            <source>Оператор «{name}» не зарегистрирован и не может {what}: администратор может добавить его с ролью «{role}» (Файл → Настройки → Операторы или `halyk-desk operator add {name} --role {role_code}`).</source>
            <comment>operators.not_registered</comment>
            <translation>«{name}» операторы тіркелмеген және {what} алмайды: әкімші оны «{role}» рөлімен қоса алады (Файл → Баптаулар → Операторлар немесе `halyk-desk operator add {name} --role {role_code}`).</translation>
        </message>
        <message>
            <source>Оператор «{name}» — {role} и не может {what}: для этого нужна роль «{needed}» или выше.</source>
            <comment>operators.role_too_low</comment>
            <translation>«{name}» операторы — {role} және {what} алмайды: бұған «{needed}» немесе одан жоғары рөл қажет.</translation>
        </message>
        <message>
            <source>Нет роли «{role}»: выберите одну из {roles}.</source>
            <comment>operators.unknown_role</comment>
            <translation>«{role}» рөлі жоқ: {roles} ішінен біреуін таңдаңыз.</translation>
        </message>
        <message>
            <source>Пароль должен быть не короче {n} знаков.</source>
            <comment>password.too_short</comment>
            <translation>Құпиясөз кемінде {n} таңбадан тұруы керек.</translation>
        </message>
        <message>
            <source>Список не сортируется по «{sort}»: выберите одно из {choices}.</source>
            <comment>payments.bad_sort</comment>
            <translation>Тізім «{sort}» бойынша сұрыпталмайды: {choices} ішінен біреуін таңдаңыз.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет заказа {invoice}.</source>
            <comment>payments.no_order</comment>
            <translation>«{profile}» профилінде {invoice} тапсырысы жоқ.</translation>
        </message>
        <message>
            <source>одобрять возвраты</source>
            <comment>permission.approve</comment>
            <translation>қайтаруларды мақұлдай</translation>
        </message>
        <message>
            <source>выгружать отчёты</source>
            <comment>permission.export</comment>
            <translation>есептерді түсіре</translation>
        </message>
        <message>
            <source>подтверждать, снимать и возвращать платежи</source>
            <comment>permission.move_money</comment>
            <translation>төлемдерді растай, бұғаттауын ала және қайтара</translation>
        </message>
        <message>
            <source>управлять операторами</source>
            <comment>permission.operators</comment>
            <translation>операторларды басқара</translation>
        </message>
        <message>
            <source>смотреть платежи</source>
            <comment>permission.read</comment>
            <translation>төлемдерді қарай</translation>
        </message>
        <message>
            <source>сверять</source>
            <comment>permission.reconcile</comment>
            <translation>салыстыра</translation>
        </message>
        <message>
            <source>менять настройки</source>
            <comment>permission.settings</comment>
            <translation>баптауларды өзгерте</translation>
        </message>
        <message>
            <source>адрес API, например https://epay-api.homebank.kz</source>
            <comment>profile.add.api_url</comment>
            <translation>API мекенжайы, мысалы https://epay-api.homebank.kz</translation>
        </message>
        <message>
            <source>Добавляет профиль или заменяет настройки и секрет одного из ваших профилей.</source>
            <comment>profile.add.description</comment>
            <translation>Профиль қосады немесе өз профильдеріңіздің бірінің баптаулары мен құпиясын ауыстырады.</translation>
        </message>
        <message>
            <source>добавить профиль (или заменить свой) вместе с секретом</source>
            <comment>profile.add.help</comment>
            <translation>профиль қосу (немесе өзіңіздікін ауыстыру) құпиясымен бірге</translation>
        </message>
        <message>
            <source>короткое имя: строчные латинские буквы, цифры, - и _</source>
            <comment>profile.add.name</comment>
            <translation>қысқа атау: кіші латын әріптері, сандар, - және _</translation>
        </message>
        <message>
            <source>адрес токенов, например https://epay-oauth.homebank.kz/oauth2/token</source>
            <comment>profile.add.oauth_url</comment>
            <translation>токендер мекенжайы, мысалы https://epay-oauth.homebank.kz/oauth2/token</translation>
        </message>
        <message>
            <source>взять секрет клиента из переменной окружения VAR</source>
            <comment>profile.add.secret_env</comment>
            <translation>клиент құпиясын VAR орта айнымалысынан алу</translation>
        </message>
        <message>
            <source>прочитать секрет клиента со стандартного ввода (у терминала спросит, не показывая)</source>
            <comment>profile.add.secret_stdin</comment>
            <translation>клиент құпиясын стандартты кірістен оқу (терминалда көрсетпей сұрайды)</translation>
        </message>
        <message>
            <source>{what} (не показывается): </source>
            <comment>profile.ask_hidden</comment>
            <translation>{what} (көрсетілмейді): </translation>
        </message>
        <message>
            <source>«{profile}» — встроенный профиль, его не меняют; добавьте свой командой `halyk-desk profile add`.</source>
            <comment>profile.builtin_fixed</comment>
            <translation>«{profile}» — кірістірілген профиль, оны өзгертпейді; өзіңіздікін `halyk-desk profile add` командасымен қосыңыз.</translation>
        </message>
        <message>
            <source>«{profile}» — встроенный профиль, его не удаляют.</source>
            <comment>profile.builtin_kept</comment>
            <translation>«{profile}» — кірістірілген профиль, ол жойылмайды.</translation>
        </message>
        <message>
            <source>взять пароль пользователя кабинета из переменной окружения VAR</source>
            <comment>profile.cabinet_password_env</comment>
            <translation>кабинет пайдаланушысының құпиясөзін VAR орта айнымалысынан алу</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: у пользователя кабинета {user} нет пароля: дайте его с --cabinet-password-stdin.</source>
            <comment>profile.cabinet_password_missing</comment>
            <translation>«{profile}» профилі: {user} кабинет пайдаланушысының құпиясөзі жоқ: оны --cabinet-password-stdin арқылы беріңіз.</translation>
        </message>
        <message>
            <source>прочитать пароль пользователя кабинета со стандартного ввода (у терминала спросит, не показывая); он хранится в хранилище паролей, как секрет</source>
            <comment>profile.cabinet_password_stdin</comment>
            <translation>кабинет пайдаланушысының құпиясөзін стандартты енгізуден оқу (терминалда көрсетпей сұрайды); ол құпия кілт сияқты құпиясөз қоймасында сақталады</translation>
        </message>
        <message>
            <source>пользователь кабинета мерчанта: список операций банка и ссылки на оплату требуют его входа</source>
            <comment>profile.cabinet_user</comment>
            <translation>мерчант кабинетінің пайдаланушысы: банктің операциялар тізімі мен төлем сілтемелері оның кіруін талап етеді</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: пароль кабинета без пользователя кабинета: дайте пользователя с --cabinet-user.</source>
            <comment>profile.cabinet_user_missing</comment>
            <translation>«{profile}» профилі: кабинет құпиясөзі пайдаланушысыз берілді: пайдаланушыны --cabinet-user арқылы беріңіз.</translation>
        </message>
        <message>
            <source>Профили банка: адреса банка, ваш client id и терминал. Секрет клиента хранится в хранилище паролей системы (где его нет — в закрытом файле), никогда в базе данных. Встроенные: sandbox (по умолчанию; банк, изображаемый на этом компьютере) и halyk-test (публичный тестовый мерчант банка).</source>
            <comment>profile.description</comment>
            <translation>Банк профильдері: банк мекенжайлары, сіздің client id және терминалыңыз. Клиент құпиясы жүйенің құпиясөз қоймасында (ол жоқ болса — жабық файлда) сақталады, ешқашан дерекқорда емес. Кірістірілгендері: sandbox (әдепкі; осы компьютерде бейнеленетін банк) және halyk-test (банктің жалпыға ашық сынақ мерчанты).</translation>
        </message>
        <message>
            <source>адрес API</source>
            <comment>profile.edit.api_url</comment>
            <translation>API мекенжайы</translation>
        </message>
        <message>
            <source>client id мерчанта</source>
            <comment>profile.edit.client_id</comment>
            <translation>мерчанттың client id</translation>
        </message>
        <message>
            <source>Меняет в своём профиле то, что дано; остальное остаётся как было. С --secret-stdin и --cabinet-password-stdin вместе стандартный ввод держит секрет в первой строке, а пароль кабинета во второй.</source>
            <comment>profile.edit.description</comment>
            <translation>Өз профиліңізде берілгенін ғана өзгертеді; қалғаны бұрынғыдай қалады. --secret-stdin мен --cabinet-password-stdin бірге болса, стандартты енгізудің бірінші жолында құпия кілт, екіншісінде кабинет құпиясөзі болады.</translation>
        </message>
        <message>
            <source>изменить часть настроек своего профиля</source>
            <comment>profile.edit.help</comment>
            <translation>өз профиліңіздің кейбір баптауларын өзгерту</translation>
        </message>
        <message>
            <source>какой профиль изменить</source>
            <comment>profile.edit.name</comment>
            <translation>қай профильді өзгерту керек</translation>
        </message>
        <message>
            <source>забыть пользователя кабинета и его пароль</source>
            <comment>profile.edit.no_cabinet</comment>
            <translation>кабинет пайдаланушысы мен оның құпиясөзін ұмыту</translation>
        </message>
        <message>
            <source>адрес токенов</source>
            <comment>profile.edit.oauth_url</comment>
            <translation>токендер мекенжайы</translation>
        </message>
        <message>
            <source>взять новый секрет клиента из переменной окружения VAR</source>
            <comment>profile.edit.secret_env</comment>
            <translation>клиенттің жаңа құпия кілтін VAR орта айнымалысынан алу</translation>
        </message>
        <message>
            <source>прочитать новый секрет клиента со стандартного ввода</source>
            <comment>profile.edit.secret_stdin</comment>
            <translation>клиенттің жаңа құпия кілтін стандартты енгізуден оқу</translation>
        </message>
        <message>
            <source>идентификатор терминала (UUID)</source>
            <comment>profile.edit.terminal</comment>
            <translation>терминал идентификаторы (UUID)</translation>
        </message>
        <message>
            <source>переменная окружения {name} не задана или пуста: положите в неё {what} или используйте {flag}.</source>
            <comment>profile.env_empty</comment>
            <translation>{name} орта айнымалысы берілмеген немесе бос: оған {what} салыңыз немесе {flag} қолданыңыз.</translation>
        </message>
        <message>
            <source>У профиля «{profile}» есть заказы или операции: он остаётся ради их истории. Перестаньте его использовать: `halyk-desk profile use ДРУГОЙ`.</source>
            <comment>profile.has_history</comment>
            <translation>«{profile}» профилінде тапсырыстар немесе операциялар бар: ол олардың тарихы үшін қалады. Оны пайдалануды тоқтатыңыз: `halyk-desk profile use БАСҚА`.</translation>
        </message>
        <message>
            <source>профили банка: add, edit, list, use, test</source>
            <comment>profile.help</comment>
            <translation>банк профильдері: add, edit, list, use, test</translation>
        </message>
        <message>
            <source>Теперь используется профиль «{profile}».</source>
            <comment>profile.in_use</comment>
            <translation>Енді «{profile}» профилі қолданылады.</translation>
        </message>
        <message>
            <source>Поля ссылок на оплату профиля «{profile}» сохранены.</source>
            <comment>profile.links_saved</comment>
            <translation>«{profile}» профилінің төлем сілтемелері өрістері сақталды.</translation>
        </message>
        <message>
            <source>список профилей; * отмечает используемый</source>
            <comment>profile.list.help</comment>
            <translation>профильдер тізімі; * қолданыстағысын белгілейді</translation>
        </message>
        <message>
            <source>{where}; секрет: {secret}</source>
            <comment>profile.list_line</comment>
            <translation>{where}; құпия: {secret}</translation>
        </message>
        <message>
            <source>{where}, терминал {terminal}; секрет: {secret}</source>
            <comment>profile.list_terminal</comment>
            <translation>{where}, терминал {terminal}; құпия: {secret}</translation>
        </message>
        <message>
            <source>Проверьте его: `halyk-desk profile test {profile}`; работайте с ним: `halyk-desk profile use {profile}`.</source>
            <comment>profile.next_steps</comment>
            <translation>Оны тексеріңіз: `halyk-desk profile test {profile}`; онымен жұмыс істеңіз: `halyk-desk profile use {profile}`.</translation>
        </message>
        <message>
            <source>--no-cabinet забывает вход кабинета: дайте его без --cabinet-user и пароля кабинета.</source>
            <comment>profile.no_cabinet_alone</comment>
            <translation>--no-cabinet кабинетке кіруді ұмытады: оны --cabinet-user пен кабинет құпиясөзінсіз беріңіз.</translation>
        </message>
        <message>
            <source>Для профиля «{profile}» не сохранён секрет клиента: дайте его с --secret-stdin.</source>
            <comment>profile.no_secret_stored</comment>
            <translation>«{profile}» профилі үшін клиенттің құпия кілті сақталмаған: оны --secret-stdin арқылы беріңіз.</translation>
        </message>
        <message>
            <source>на стандартном вводе нет: {what}.</source>
            <comment>profile.nothing_on_stdin</comment>
            <translation>стандартты енгізуде жоқ: {what}.</translation>
        </message>
        <message>
            <source>удалить свой профиль без заказов и его секреты (администратор)</source>
            <comment>profile.remove.help</comment>
            <translation>тапсырыстары жоқ өз профиліңізді және оның құпия кілттерін жою (әкімші)</translation>
        </message>
        <message>
            <source>какой профиль удалить</source>
            <comment>profile.remove.name</comment>
            <translation>қай профильді жою керек</translation>
        </message>
        <message>
            <source>Профиль «{profile}» удалён.</source>
            <comment>profile.removed</comment>
            <translation>«{profile}» профилі жойылды.</translation>
        </message>
        <message>
            <source>банк-песочница на этом компьютере</source>
            <comment>profile.sandbox_bank</comment>
            <translation>осы компьютердегі құмсалғыш банк</translation>
        </message>
        <message>
            <source>Профиль «{profile}» сохранён: {api}, терминал {terminal}.</source>
            <comment>profile.saved</comment>
            <translation>«{profile}» профилі сақталды: {api}, терминал {terminal}.</translation>
        </message>
        <message>
            <source>Пользователь кабинета: {user}.</source>
            <comment>profile.saved_cabinet</comment>
            <translation>Кабинет пайдаланушысы: {user}.</translation>
        </message>
        <message>
            <source>секрет клиента профиля «{profile}» удалён: он выдан для прежнего адреса токенов или client id и на новый не отправляется. Дайте новый: `halyk-desk profile edit {profile} --secret-stdin`.</source>
            <comment>profile.secret_dropped</comment>
            <translation>«{profile}» профилінің клиент құпия кілті жойылды: ол бұрынғы токен мекенжайы немесе client id үшін берілген және жаңасына жіберілмейді. Жаңасын беріңіз: `halyk-desk profile edit {profile} --secret-stdin`.</translation>
        </message>
        <message>
            <source>НЕТ: укажите его командой `halyk-desk profile edit {profile} --secret-stdin`</source>
            <comment>profile.secret_missing</comment>
            <translation>ЖОҚ: оны `halyk-desk profile edit {profile} --secret-stdin` пәрменімен беріңіз</translation>
        </message>
        <message>
            <source>не нужен (песочница)</source>
            <comment>profile.secret_not_needed</comment>
            <translation>қажет емес (құмсалғыш)</translation>
        </message>
        <message>
            <source>Внимание: {warning}</source>
            <comment>profile.secret_warning</comment>
            <translation>Назар аударыңыз: {warning}</translation>
        </message>
        <message>
            <source>Секреты сохранены: {where}.</source>
            <comment>profile.secrets_where</comment>
            <translation>Құпиялар сақталды: {where}.</translation>
        </message>
        <message>
            <source>Проверяет связь профиля: получает токен и читает статус одного платежа. Профиль sandbox проверяется на банке-песочнице, запущенной на этом компьютере.</source>
            <comment>profile.test.description</comment>
            <translation>Профильдің байланысын тексереді: токен алып, бір төлемнің мәртебесін оқиды. sandbox профилі осы компьютерде іске қосылған құмсалғыш банкте тексеріледі.</translation>
        </message>
        <message>
            <source>получить токен и прочитать один статус; сказать, что не удалось</source>
            <comment>profile.test.help</comment>
            <translation>токен алып, бір мәртебені оқу; не сәтсіз болғанын айту</translation>
        </message>
        <message>
            <source>какой профиль проверить (по умолчанию — используемый)</source>
            <comment>profile.test.name</comment>
            <translation>қай профильді тексеру (әдепкі бойынша — қолданыстағысы)</translation>
        </message>
        <message>
            <source>сколько секунд ждать каждого ответа (по умолчанию 10)</source>
            <comment>profile.test.timeout</comment>
            <translation>әр жауапты неше секунд күту (әдепкі бойынша 10)</translation>
        </message>
        <message>
            <source>проверка связи профиля «{profile}» не удалась: {why}</source>
            <comment>profile.test_failed</comment>
            <translation>«{profile}» профилінің байланысын тексеру сәтсіз аяқталды: {why}</translation>
        </message>
        <message>
            <source>Проверяю профиль «{profile}»…</source>
            <comment>profile.testing</comment>
            <translation>«{profile}» профилін тексеріп жатырмын…</translation>
        </message>
        <message>
            <source>с этого момента работать с этим профилем (окно и команды)</source>
            <comment>profile.use.help</comment>
            <translation>осы сәттен бастап осы профильмен жұмыс істеу (терезе және командалар)</translation>
        </message>
        <message>
            <source>пароль кабинета</source>
            <comment>profile.what.cabinet_password</comment>
            <translation>кабинет құпиясөзі</translation>
        </message>
        <message>
            <source>секрет клиента</source>
            <comment>profile.what.client_secret</comment>
            <translation>клиенттің құпия кілті</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: адрес уведомлений «{url}» должен начинаться с https:// (банк присылает уведомления через интернет), например https://shop.example.kz/halyk/callback.</source>
            <comment>profiles.bad_callback_url</comment>
            <translation>«{profile}» профилі: хабарлама мекенжайы «{url}» https:// деп басталуы керек (банк хабарламаларды интернет арқылы жібереді), мысалы https://shop.example.kz/halyk/callback.</translation>
        </message>
        <message>
            <source>Имя профиля «{profile}» не подходит: нужно от 1 до 64 строчных латинских букв, цифр, «-» или «_», например shop-main.</source>
            <comment>profiles.bad_name</comment>
            <translation>«{profile}» профиль атауы жарамайды: 1-ден 64-ке дейін кіші латын әрпі, цифр, «-» немесе «_» керек, мысалы shop-main.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: идентификатор магазина «{shop_id}» — не UUID; скопируйте его из кабинета банка.</source>
            <comment>profiles.bad_shop_id</comment>
            <translation>«{profile}» профилі: дүкен идентификаторы «{shop_id}» — UUID емес; оны банк кабинетінен көшіріңіз.</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: терминал «{terminal}» — не UUID; он выглядит так: 67e34d63-102f-4bd1-898e-370781d0074d (из кабинета мерчанта банка).</source>
            <comment>profiles.bad_terminal</comment>
            <translation>«{profile}» профилі: «{terminal}» терминалы UUID емес; ол былай көрінеді: 67e34d63-102f-4bd1-898e-370781d0074d (банктің мерчант кабинетінен).</translation>
        </message>
        <message>
            <source>Профиль «{profile}»: {label} «{url}» — не адрес http(s); нужен адрес вроде {example}.</source>
            <comment>profiles.bad_url</comment>
            <translation>«{profile}» профилі: {label} «{url}» — http(s) мекенжайы емес; {example} сияқты мекенжай керек.</translation>
        </message>
        <message>
            <source>«{profile}» — встроенный профиль; выберите для своего другое имя.</source>
            <comment>profiles.builtin_name</comment>
            <translation>«{profile}» — кірістірілген профиль; өзіңіздікіне басқа атау таңдаңыз.</translation>
        </message>
        <message>
            <source>публичный https-адрес приёмника уведомлений магазина (`halyk-desk callbacks serve` за веб-сервером); уходит банку с каждой ссылкой</source>
            <comment>profiles.callback_url_help</comment>
            <translation>дүкеннің хабарлама қабылдағышының жария https-мекенжайы (веб-сервер артындағы `halyk-desk callbacks serve`); әр сілтемемен банкке жіберіледі</translation>
        </message>
        <message>
            <source>идентификатор магазина в банке (из кабинета), нужен для ссылок на оплату</source>
            <comment>profiles.shop_id_help</comment>
            <translation>банктегі дүкен идентификаторы (кабинеттен), төлем сілтемелері үшін керек</translation>
        </message>
        <message>
            <source>Нужна причина: выберите одну из {reasons}.</source>
            <comment>reasons.missing</comment>
            <translation>Себеп керек: {reasons} ішінен біреуін таңдаңыз.</translation>
        </message>
        <message>
            <source>Для причины «{reason}» опишите её своими словами.</source>
            <comment>reasons.needs_words</comment>
            <translation>«{reason}» себебі үшін оны өз сөзіңізбен жазыңыз.</translation>
        </message>
        <message>
            <source>«{reason}» нет в списке причин: {reasons}.</source>
            <comment>reasons.unknown</comment>
            <translation>«{reason}» себептер тізімінде жоқ: {reasons}.</translation>
        </message>
        <message>
            <source>отмена блокировки</source>
            <comment>recon.action.cancel</comment>
            <translation>бұғаттауды алу</translation>
        </message>
        <message>
            <source>подтверждение (списание)</source>
            <comment>recon.action.confirm</comment>
            <translation>растау (есептен шығару)</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>recon.action.refund</comment>
            <translation>қайтару</translation>
        </message>
        <message>
            <source>Сумма заказа {shop}, в банке списано {bank}: разница {difference}. Проверьте заказ и платёж.</source>
            <comment>recon.amount_mismatch</comment>
            <translation>Тапсырыс сомасы {shop}, банкте {bank} есептен шығарылды: айырма {difference}. Тапсырыс пен төлемді тексеріңіз.</translation>
        </message>
        <message>
            <source>Сумма заказа {shop}, в банке заблокировано {bank}: разница {difference}. Проверьте заказ и платёж.</source>
            <comment>recon.amount_mismatch_held</comment>
            <translation>Тапсырыс сомасы {shop}, банкте {bank} бұғатталды: айырма {difference}. Тапсырыс пен төлемді тексеріңіз.</translation>
        </message>
        <message>
            <source>«{category}» — не категория расхождений, которые отмечают решёнными: выберите одну из {choices}.</source>
            <comment>recon.bad_category</comment>
            <translation>«{category}» — шешілді деп белгіленетін сәйкессіздіктер санаты емес: {choices} ішінен біреуін таңдаңыз.</translation>
        </message>
        <message>
            <source>«{key}» — не ключ расхождения: ключи выглядят как invoice:000123, transaction:&lt;номер в банке&gt; или operation:&lt;номер&gt;; их показывает `halyk-desk reconcile --json`.</source>
            <comment>recon.bad_key</comment>
            <translation>«{key}» — сәйкессіздік кілті емес: кілттер invoice:000123, transaction:&lt;банктегі нөмір&gt; немесе operation:&lt;нөмір&gt; түрінде болады; оларды `halyk-desk reconcile --json` көрсетеді.</translation>
        </message>
        <message>
            <source>Допуск по сумме должен быть нулём или больше, в {currency}; сейчас он {tolerance}.</source>
            <comment>recon.bad_tolerance</comment>
            <translation>Сома бойынша рұқсат етілген айырма нөл немесе одан көп болуы керек, {currency} валютасында; қазір ол {tolerance}.</translation>
        </message>
        <message>
            <source>{status} — {state}</source>
            <comment>recon.bank_status</comment>
            <translation>{status} — {state}</translation>
        </message>
        <message>
            <source>отменён</source>
            <comment>recon.cancelled</comment>
            <translation>болдырылмады</translation>
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ отменён ({shop_status}): нужен возврат покупателю или исправление статуса заказа.</source>
            <comment>recon.captured_cancelled</comment>
            <translation>Банк {bank} есептен шығарды, ал дүкенде тапсырыс болдырылмаған ({shop_status}): сатып алушыға қайтару немесе тапсырыс мәртебесін түзету керек.</translation>
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ отменён: нужен возврат покупателю или исправление статуса заказа.</source>
            <comment>recon.captured_cancelled_plain</comment>
            <translation>Банк {bank} есептен шығарды, ал дүкенде тапсырыс болдырылмаған: сатып алушыға қайтару немесе тапсырыс мәртебесін түзету керек.</translation>
        </message>
        <message>
            <source>Банк списал {bank}, а в магазине заказ не оплачен: отметьте оплату в магазине или сделайте возврат.</source>
            <comment>recon.captured_not_paid</comment>
            <translation>Банк {bank} есептен шығарды, ал дүкенде тапсырыс төленбеген: дүкенде төлемді белгілеңіз немесе қайтарыңыз.</translation>
        </message>
        <message>
            <source>Заказ в {order}, а платёж в банке в {bank}: сверьте вручную.</source>
            <comment>recon.currency_differs</comment>
            <translation>Тапсырыс {order} валютасында, ал банктегі төлем {bank} валютасында: қолмен салыстырыңыз.</translation>
        </message>
        <message>
            <source>Ещё один платёж по тому же заказу: {bank} (статус: {status}); основной платёж — {first}. Если покупатель заплатил дважды, верните лишний платёж.</source>
            <comment>recon.duplicate_payment</comment>
            <translation>Сол тапсырыс бойынша тағы бір төлем: {bank} (мәртебесі: {status}); негізгі төлем — {first}. Сатып алушы екі рет төлесе, артық төлемді қайтарыңыз.</translation>
        </message>
        <message>
            <source>Сверять нечего с {date_from} по {date_to} ({zone}): в профиле «{profile}» за эти дни нет ни заказов, ни платежей, ни операций. Проверьте даты, загрузите заказы магазина (`halyk-desk orders import`) и прочитайте их платежи (`halyk-desk sync`).</source>
            <comment>recon.empty_period</comment>
            <translation>{date_from} – {date_to} ({zone}) аралығында салыстыратын ештеңе жоқ: «{profile}» профилінде бұл күндері тапсырыс та, төлем де, операция да жоқ. Күндерді тексеріңіз, дүкен тапсырыстарын жүктеңіз (`halyk-desk orders import`) және олардың төлемдерін оқыңыз (`halyk-desk sync`).</translation>
        </message>
        <message>
            <source>Сумма в {other}, а сверка ведётся в {report}: сверьте вручную.</source>
            <comment>recon.foreign_currency</comment>
            <translation>Сома {other} валютасында, ал салыстыру {report} валютасында жүргізіледі: қолмен салыстырыңыз.</translation>
        </message>
        <message>
            <source>В магазине заказ отменён ({shop_status}), а в банке блокировка {bank}: снимите блокировку.</source>
            <comment>recon.held_for_cancelled</comment>
            <translation>Дүкенде тапсырыс болдырылмаған ({shop_status}), ал банкте {bank} бұғаттау тұр: бұғаттауды алыңыз.</translation>
        </message>
        <message>
            <source>Блокировки отмечаются через {warn} дн., а истекают через {expire} дн.: отметка должна быть раньше истечения и не раньше, чем через день.</source>
            <comment>recon.hold_days</comment>
            <translation>Бұғаттаулар {warn} күннен кейін белгіленеді, ал мерзімі {expire} күннен кейін өтеді: белгі мерзім өткенге дейін және кемінде бір күннен кейін қойылуы керек.</translation>
        </message>
        <message>
            <source>Срок блокировки {held} истёк {at}: подтвердить её уже нельзя, деньги вернутся покупателю.</source>
            <comment>recon.hold_expired</comment>
            <translation>{held} бұғаттауының мерзімі {at} өтті: оны енді растау мүмкін емес, ақша сатып алушыға қайтады.</translation>
        </message>
        <message>
            <source>Блокировка {held} истекает {at} (осталось {hours} ч): подтвердите или снимите её.</source>
            <comment>recon.hold_expiring</comment>
            <translation>{held} бұғаттауы {at} бітеді ({hours} сағ қалды): оны растаңыз немесе алыңыз.</translation>
        </message>
        <message>
            <source>выполнена</source>
            <comment>recon.journal.done</comment>
            <translation>орындалды</translation>
        </message>
        <message>
            <source>отправляется</source>
            <comment>recon.journal.intent</comment>
            <translation>жіберілуде</translation>
        </message>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <comment>recon.journal.pending_approval</comment>
            <translation>екінші менеджердің мақұлдауын күтуде</translation>
        </message>
        <message>
            <source>банк не выполнил</source>
            <comment>recon.journal.refused</comment>
            <translation>банк орындамады</translation>
        </message>
        <message>
            <source>отклонена менеджером</source>
            <comment>recon.journal.rejected</comment>
            <translation>менеджер қабылдамады</translation>
        </message>
        <message>
            <source>отправлено, ждём ответа банка</source>
            <comment>recon.journal.sent</comment>
            <translation>жіберілді, банктің жауабын күтеміз</translation>
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <comment>recon.journal.unknown</comment>
            <translation>нәтижесі белгісіз, банктен нақтыланып жатыр</translation>
        </message>
        <message>
            <source>В банке нет оплаты заказа на {shop}. Уточните у покупателя или в магазине.</source>
            <comment>recon.missing_at_bank</comment>
            <translation>Банкте {shop} тапсырысының төлемі жоқ. Сатып алушыдан немесе дүкеннен нақтылаңыз.</translation>
        </message>
        <message>
            <source>В банке нет оплаты заказа на {shop} (последняя попытка в банке: {attempt}). Уточните у покупателя или в магазине.</source>
            <comment>recon.missing_at_bank_attempt</comment>
            <translation>Банкте {shop} тапсырысының төлемі жоқ (банктегі соңғы әрекет: {attempt}). Сатып алушыдан немесе дүкеннен нақтылаңыз.</translation>
        </message>
        <message>
            <source>Нужен комментарий: напишите, как расхождение решено.</source>
            <comment>recon.note_required</comment>
            <translation>Түсініктеме қажет: сәйкессіздік қалай шешілгенін жазыңыз.</translation>
        </message>
        <message>
            <source>Комментарий слишком длинный: не больше {max} знаков.</source>
            <comment>recon.note_too_long</comment>
            <translation>Түсініктеме тым ұзын: {max} таңбадан аспауы керек.</translation>
        </message>
        <message>
            <source>Магазин считает заказ оплаченным, а банк деньги не списал (статус банка: {status}). Не отгружайте заказ, пока оплата не подтверждена.</source>
            <comment>recon.paid_not_captured</comment>
            <translation>Дүкен тапсырысты төленген деп санайды, ал банк ақшаны есептен шығармаған (банк мәртебесі: {status}). Төлем расталмайынша тапсырысты жөнелтпеңіз.</translation>
        </message>
        <message>
            <source>Период начинается {start}, позже, чем кончается ({end}): сначала укажите более раннюю дату.</source>
            <comment>recon.period_reversed</comment>
            <translation>Кезең {start} басталады, бұл оның аяқталуынан ({end}) кейін: алдымен ертерек күнді көрсетіңіз.</translation>
        </message>
        <message>
            <source>Записей без номера транзакции или даты: {count}; они не учтены.</source>
            <comment>recon.records_skipped</comment>
            <translation>Транзакция нөмірі немесе күні жоқ жазбалар: {count}; олар есепке алынбады.</translation>
        </message>
        <message>
            <source>Сверка остановлена; ничего не записано.</source>
            <comment>recon.run_cancelled</comment>
            <translation>Салыстыру тоқтатылды; ештеңе жазылмады.</translation>
        </message>
        <message>
            <source>Сверка остановлена.</source>
            <comment>recon.run_stopped</comment>
            <translation>Салыстыру тоқтатылды.</translation>
        </message>
        <message>
            <source>списано</source>
            <comment>recon.state.captured</comment>
            <translation>есептен шығарылды</translation>
        </message>
        <message>
            <source>не прошёл</source>
            <comment>recon.state.failed</comment>
            <translation>өтпеді</translation>
        </message>
        <message>
            <source>блокировка, ожидает подтверждения</source>
            <comment>recon.state.held</comment>
            <translation>бұғатталған, растауды күтуде</translation>
        </message>
        <message>
            <source>требует проверки</source>
            <comment>recon.state.needs_review</comment>
            <translation>тексеруді қажет етеді</translation>
        </message>
        <message>
            <source>не найден в банке</source>
            <comment>recon.state.not_found</comment>
            <translation>банкте табылмады</translation>
        </message>
        <message>
            <source>частичный возврат</source>
            <comment>recon.state.partially_refunded</comment>
            <translation>ішінара қайтарылды</translation>
        </message>
        <message>
            <source>в обработке</source>
            <comment>recon.state.pending</comment>
            <translation>өңделуде</translation>
        </message>
        <message>
            <source>возвращено</source>
            <comment>recon.state.refunded</comment>
            <translation>қайтарылды</translation>
        </message>
        <message>
            <source>блокировка снята</source>
            <comment>recon.state.released</comment>
            <translation>бұғаттау алынды</translation>
        </message>
        <message>
            <source>неизвестно</source>
            <comment>recon.state.unknown</comment>
            <translation>белгісіз</translation>
        </message>
        <message>
            <source>Платёж банка с номером заказа {invoice} на {bank} (статус: {status}) не найден среди заказов магазина. Найдите заказ или обратитесь в банк.</source>
            <comment>recon.unknown_to_shop</comment>
            <translation>Тапсырыс нөмірі {invoice} бар {bank} банк төлемі (мәртебесі: {status}) дүкен тапсырыстары арасынан табылмады. Тапсырысты табыңыз немесе банкке хабарласыңыз.</translation>
        </message>
        <message>
            <source>Платёж банка без номера заказа на {bank} (статус: {status}) не найден среди заказов магазина. Найдите заказ или обратитесь в банк.</source>
            <comment>recon.unknown_to_shop_no_number</comment>
            <translation>Тапсырыс нөмірі жоқ {bank} банк төлемі (мәртебесі: {status}) дүкен тапсырыстары арасынан табылмады. Тапсырысты табыңыз немесе банкке хабарласыңыз.</translation>
        </message>
        <message>
            <source>Операция «{action}» не завершена (состояние: {status}): результат уточняется у банка; не повторяйте её, пока он не станет известен.</source>
            <comment>recon.unresolved</comment>
            <translation>«{action}» операциясы аяқталмаған (күйі: {status}): нәтиже банктен нақтыланады; ол белгілі болғанша операцияны қайталамаңыз.</translation>
        </message>
        <message>
            <source>Операция «{action}» на {amount} не завершена (состояние: {status}): результат уточняется у банка; не повторяйте её, пока он не станет известен.</source>
            <comment>recon.unresolved_amount</comment>
            <translation>{amount} сомасындағы «{action}» операциясы аяқталмаған (күйі: {status}): нәтиже банктен нақтыланады; ол белгілі болғанша операцияны қайталамаңыз.</translation>
        </message>
        <message>
            <source>список операций за {period} неполон: банк объявил записей — {total}, а выдал разных — {got}.</source>
            <comment>registry.incomplete</comment>
            <translation>{period} кезеңіндегі операциялар тізімі толық емес: банк жариялаған жазбалар — {total}, ал берген әртүрлі жазбалары — {got}.</translation>
        </message>
        <message>
            <source>Список не принят, чтобы ни одна запись не потерялась молча. Повторите позже; если повторяется, сообщите в поддержку.</source>
            <comment>registry.incomplete_hint</comment>
            <translation>Бірде-бір жазба үнсіз жоғалмауы үшін тізім қабылданбады. Кейінірек қайталаңыз; қайталанса, қолдау қызметіне хабарлаңыз.</translation>
        </message>
        <message>
            <source>страницы 0 и 1 списка операций за {period} не похожи ни на один известный способ листать.</source>
            <comment>registry.paging_unknown</comment>
            <translation>{period} кезеңіндегі операциялар тізімінің 0 және 1 беттері белгілі парақтау тәсілдерінің ешқайсысына ұқсамайды.</translation>
        </message>
        <message>
            <source>Повторите позже; если повторяется, сообщите в поддержку.</source>
            <comment>registry.tell_support</comment>
            <translation>Кейінірек қайталаңыз; қайталанса, қолдау қызметіне хабарлаңыз.</translation>
        </message>
        <message>
            <source>Выполнено</source>
            <comment>result.done</comment>
            <translation>Орындалды</translation>
        </message>
        <message>
            <source>Не удалось</source>
            <comment>result.error</comment>
            <translation>Сәтсіз</translation>
        </message>
        <message>
            <source>Не разрешено</source>
            <comment>result.not_allowed</comment>
            <translation>Рұқсат етілмеген</translation>
        </message>
        <message>
            <source>Ждёт одобрения</source>
            <comment>result.pending_approval</comment>
            <translation>Мақұлдауды күтуде</translation>
        </message>
        <message>
            <source>Банк отказал</source>
            <comment>result.refused</comment>
            <translation>Банк бас тартты</translation>
        </message>
        <message>
            <source>Итог неизвестен</source>
            <comment>result.unknown</comment>
            <translation>Нәтиже белгісіз</translation>
        </message>
        <message>
            <source>бухгалтер</source>
            <comment>role.accountant</comment>
            <translation>бухгалтер</translation>
        </message>
        <message>
            <source>администратор</source>
            <comment>role.admin</comment>
            <translation>әкімші</translation>
        </message>
        <message>
            <source>менеджер</source>
            <comment>role.manager</comment>
            <translation>менеджер</translation>
        </message>
        <message>
            <source>Нельзя подтвердить {amount}: заблокировано {held}. Подтвердите не больше {held}.</source>
            <comment>rules.above_held</comment>
            <translation>{amount} растау мүмкін емес: {held} бұғатталған. {held} аспайтын соманы растаңыз.</translation>
        </message>
        <message>
            <source>Нельзя вернуть {amount}: списано {captured}, уже возвращено {refunded}, так что вернуть можно не больше {remaining}.</source>
            <comment>rules.above_remaining</comment>
            <translation>{amount} қайтару мүмкін емес: {captured} есептен шығарылды, {refunded} қайтарылып қойған, сондықтан {remaining} аспайтын соманы қайтаруға болады.</translation>
        </message>
        <message>
            <source>Сумма должна быть больше нуля.</source>
            <comment>rules.amount_not_positive</comment>
            <translation>Сома нөлден үлкен болуы керек.</translation>
        </message>
        <message>
            <source>Возврат — не меньше {minimum}; можно от {minimum} до {remaining}.</source>
            <comment>rules.below_minimum</comment>
            <translation>Қайтару {minimum} кем болмауы керек; {minimum} бастап {remaining} дейін болады.</translation>
        </message>
        <message>
            <source>Блокировка снимается только целиком: {held}, а не {amount}.</source>
            <comment>rules.cancel_in_full</comment>
            <translation>Бұғаттау тек толығымен алынады: {held}, {amount} емес.</translation>
        </message>
        <message>
            <source>Снять можно только блокировку, а этот платёж — «{state}».</source>
            <comment>rules.cancel_not_held</comment>
            <translation>Тек бұғаттауды алуға болады, ал бұл төлем — «{state}».</translation>
        </message>
        <message>
            <source>Подтвердить можно только заблокированный платёж, а этот — «{state}».</source>
            <comment>rules.confirm_not_held</comment>
            <translation>Тек бұғатталған төлемді растауға болады, ал бұл — «{state}».</translation>
        </message>
        <message>
            <source>Сумма указана в {given}, а платёж — в {currency}: укажите сумму в {currency}.</source>
            <comment>rules.currency</comment>
            <translation>Сома {given} валютасында көрсетілген, ал төлем — {currency}: соманы {currency} валютасында көрсетіңіз.</translation>
        </message>
        <message>
            <source>Блокировка истекла, и подтвердить её уже нельзя: снимите её и попросите покупателя оплатить заново.</source>
            <comment>rules.hold_expired</comment>
            <translation>Бұғаттаудың мерзімі өтті, оны енді растау мүмкін емес: бұғаттауды алып, сатып алушыдан қайта төлеуді сұраңыз.</translation>
        </message>
        <message>
            <source>Всё списанное уже возвращено.</source>
            <comment>rules.nothing_left</comment>
            <translation>Есептен шығарылғанның бәрі қайтарылып қойған.</translation>
        </message>
        <message>
            <source>Вернуть можно только списанный платёж, а этот — «{state}».</source>
            <comment>rules.refund_not_captured</comment>
            <translation>Тек есептен шығарылған төлемді қайтаруға болады, ал бұл — «{state}».</translation>
        </message>
        <message>
            <source>Банк возвращает не меньше {minimum}, а осталось только {remaining}: через банк этот платёж больше не вернуть.</source>
            <comment>rules.rest_below_minimum</comment>
            <translation>Банк кемінде {minimum} қайтарады, ал тек {remaining} қалды: бұл төлемді банк арқылы енді қайтару мүмкін емес.</translation>
        </message>
        <message>
            <source>Песочница ответила {status}.</source>
            <comment>sandbox.answered</comment>
            <translation>Құмсалғыш {status} деп жауап берді.</translation>
        </message>
        <message>
            <source>  адрес API: {url}</source>
            <comment>sandbox.api_url</comment>
            <translation>  API мекенжайы: {url}</translation>
        </message>
        <message>
            <source>Не удалось прочитать состояние песочницы {path}: {error}. Уберите этот файл или укажите другой --state.</source>
            <comment>sandbox.bad_state</comment>
            <translation>Құмсалғыштың {path} күй файлын оқу мүмкін болмады: {error}. Бұл файлды басқа жерге жылжытыңыз немесе басқа --state көрсетіңіз.</translation>
        </message>
        <message>
            <source>как сказано в документации банка: список операций отвечает только на токен пользователя кабинета (grant_type=password)</source>
            <comment>sandbox.cabinet_only</comment>
            <translation>банк құжаттамасындағыдай: операциялар тізімі тек кабинет пайдаланушысының токеніне жауап береді (grant_type=password)</translation>
        </message>
        <message>
            <source>пароль пользователя кабинета (по умолчанию собственный пароль песочницы, {password})</source>
            <comment>sandbox.cabinet_password</comment>
            <translation>кабинет пайдаланушысының құпиясөзі (әдепкіде құмсалғыштың өз құпиясөзі, {password})</translation>
        </message>
        <message>
            <source>какого пользователя кабинета мерчанта принимать (по умолчанию {user})</source>
            <comment>sandbox.cabinet_user</comment>
            <translation>мерчант кабинетінің қай пайдаланушысын қабылдау керек (әдепкіде {user})</translation>
        </message>
        <message>
            <source>Не удалось слушать {host}, порт {port}: {error}. Выберите другой --port (0 — свободный).</source>
            <comment>sandbox.cannot_listen</comment>
            <translation>{host} мекенжайының {port} портын тыңдау мүмкін болмады: {error}. Басқа --port таңдаңыз (0 — бос порт).</translation>
        </message>
        <message>
            <source>Банк отклонил платёж (по просьбе или карта не тестовая).</source>
            <comment>sandbox.declined</comment>
            <translation>Банк төлемді қабылдамады (сұраныс бойынша немесе карта тестілік емес).</translation>
        </message>
        <message>
            <source>  демо: в сохранённом банке уже есть платежи, поэтому новые демо-данные не созданы</source>
            <comment>sandbox.demo_kept</comment>
            <translation>  демо: сақталған банкте төлемдер бар, сондықтан жаңа демо деректер жасалмады</translation>
        </message>
        <message>
            <source>  заказы магазина записаны в {path}, строк: {rows}</source>
            <comment>sandbox.demo_orders</comment>
            <translation>  дүкен тапсырыстары: {path} файлына {rows} жол жазылды</translation>
        </message>
        <message>
            <source>  платежи для демонстрации за последние 30 дней: {n}</source>
            <comment>sandbox.demo_payments</comment>
            <translation>  төлемдер: соңғы 30 күндегі {n} демо төлем</translation>
        </message>
        <message>
            <source>  подложенные расхождения: {planted}</source>
            <comment>sandbox.demo_planted</comment>
            <translation>  әдейі енгізілген айырмашылықтар: {planted}</translation>
        </message>
        <message>
            <source>Банк-песочница: точный эмулятор Halyk ePay, чтобы попробовать программу, для тестов и для замеров производительности. С настоящим банком он никогда не связывается.</source>
            <comment>sandbox.description</comment>
            <translation>Құмсалғыш банк: бағдарламаны сынап көруге, тесттер мен өнімділікті өлшеуге арналған Halyk ePay-дің дәл эмуляторы. Ол нақты банкпен ешқашан байланыспайды.</translation>
        </message>
        <message>
            <source>  сбой: {kind} в {rate} запросов</source>
            <comment>sandbox.fault</comment>
            <translation>  ақау: сұраулардың {rate} бөлігінде {kind}</translation>
        </message>
        <message>
            <source>доля сбоев {rate} вне диапазона: укажите вероятность от 0 до 1</source>
            <comment>sandbox.fault_rate</comment>
            <translation>{rate} ақау үлесі ауқымнан тыс: 0-ден 1-ге дейінгі ықтималдықты жазыңыз</translation>
        </message>
        <message>
            <source>в «{text}» нет доли запросов: напишите KIND:RATE, например {example}</source>
            <comment>sandbox.fault_without_rate</comment>
            <translation>«{text}» ішінде сұраулар үлесі жоқ: KIND:RATE түрінде жазыңыз, мысалы {example}</translation>
        </message>
        <message>
            <source>как задан в --client-secret</source>
            <comment>sandbox.given_secret</comment>
            <translation>--client-secret арқылы берілгендей</translation>
        </message>
        <message>
            <source>банк-песочница: эмулятор Halyk ePay на этом компьютере</source>
            <comment>sandbox.help</comment>
            <translation>құмсалғыш банк: осы компьютердегі Halyk ePay эмуляторы</translation>
        </message>
        <message>
            <source>  задержка: {ms} мс на каждый ответ</source>
            <comment>sandbox.latency</comment>
            <translation>  кідіріс: әр жауапқа {ms} мс</translation>
        </message>
        <message>
            <source>Срок этой ссылки истёк.</source>
            <comment>sandbox.link_expired</comment>
            <translation>Бұл сілтеменің мерзімі өтті.</translation>
        </message>
        <message>
            <source>Эта ссылка уже использована.</source>
            <comment>sandbox.link_used</comment>
            <translation>Бұл сілтеме пайдаланылып қойған.</translation>
        </message>
        <message>
            <source>терминал одностадийный: оплата по ссылке сразу списывается (по умолчанию — блокировка, которую подтверждает менеджер)</source>
            <comment>sandbox.links_capture</comment>
            <translation>терминал бір сатылы: сілтеме бойынша төлем бірден есептен шығарылады (әдепкі бойынша — менеджер растайтын бұғаттау)</translation>
        </message>
        <message>
            <source>Банк-песочница (эмулятор Halyk ePay) слушает {url}</source>
            <comment>sandbox.listening</comment>
            <translation>Құмсалғыш банк (Halyk ePay эмуляторы) {url} мекенжайын тыңдап тұр</translation>
        </message>
        <message>
            <source>  платежей: {n}, загружены из {path}</source>
            <comment>sandbox.loaded</comment>
            <translation>  төлемдер: {n}, {path} файлынан жүктелді</translation>
        </message>
        <message>
            <source>  client id: {client_id}   терминал: {terminal}   секрет: {secret}</source>
            <comment>sandbox.merchant</comment>
            <translation>  client id: {client_id}   терминал: {terminal}   кілт: {secret}</translation>
        </message>
        <message>
            <source>{value} — отрицательное число: укажите 0 или больше</source>
            <comment>sandbox.negative</comment>
            <translation>{value} — теріс сан: 0 немесе одан көп жазыңыз</translation>
        </message>
        <message>
            <source>Песочница {address} не ответила ({error}): она запущена?</source>
            <comment>sandbox.no_answer</comment>
            <translation>{address} құмсалғышы жауап бермеді ({error}): ол іске қосылған ба?</translation>
        </message>
        <message>
            <source>В песочнице нет такой ссылки.</source>
            <comment>sandbox.no_link</comment>
            <translation>Құмсалғышта мұндай сілтеме жоқ.</translation>
        </message>
        <message>
            <source>В профиле «{profile}» нет ссылки на оплату заказа {invoice_id}; список: `halyk-desk link list`.</source>
            <comment>sandbox.no_such_order_link</comment>
            <translation>«{profile}» профилінде {invoice_id} тапсырысының төлем сілтемесі жоқ; тізім: `halyk-desk link list`.</translation>
        </message>
        <message>
            <source>{url} — не ссылка песочницы на этом компьютере.</source>
            <comment>sandbox.not_a_link</comment>
            <translation>{url} — осы компьютердегі құмсалғыш сілтемесі емес.</translation>
        </message>
        <message>
            <source>«{text}» — не число</source>
            <comment>sandbox.not_a_number</comment>
            <translation>«{text}» — сан емес</translation>
        </message>
        <message>
            <source>«{text}» — не конечное число</source>
            <comment>sandbox.not_finite</comment>
            <translation>«{text}» — шекті сан емес</translation>
        </message>
        <message>
            <source>{value}: нужно больше нуля</source>
            <comment>sandbox.not_positive</comment>
            <translation>{value}: нөлден үлкен болуы керек</translation>
        </message>
        <message>
            <source>{what}: нужно целое число, а не «{text}»</source>
            <comment>sandbox.not_whole</comment>
            <translation>{what}: «{text}» емес, бүтін сан керек</translation>
        </message>
        <message>
            <source>как список операций читает paging.page: zero (страницы с 0, по умолчанию), one (страницы с 1) или skip (сколько записей пропустить)</source>
            <comment>sandbox.paging</comment>
            <translation>операциялар тізімі paging.page мәнін қалай оқиды: zero (беттер 0-ден, әдепкі), one (беттер 1-ден) немесе skip (өткізілетін жазбалар саны)</translation>
        </message>
        <message>
            <source>Оплачено; банк отправляет уведомление.</source>
            <comment>sandbox.paid</comment>
            <translation>Төленді; банк хабарлама жібереді.</translation>
        </message>
        <message>
            <source>номер карты (по умолчанию тестовая карта {card})</source>
            <comment>sandbox.pay.card</comment>
            <translation>карта нөмірі (әдепкіде {card} тестілік картасы)</translation>
        </message>
        <message>
            <source>попросить банк отклонить платёж</source>
            <comment>sandbox.pay.decline</comment>
            <translation>банктен төлемді қабылдамауды сұрау</translation>
        </message>
        <message>
            <source>Оплатить ссылку на оплату в песочнице тестовой картой, как покупатель на странице ссылки; затем банк отправляет уведомление. LINK_OR_INVOICE — адрес ссылки (песочница на этом компьютере) или номер заказа ссылки профиля.</source>
            <comment>sandbox.pay_description</comment>
            <translation>Құмсалғыштағы төлем сілтемесін сатып алушы сілтеме бетінде төлегендей тестілік картамен төлеу; содан кейін банк хабарлама жібереді. LINK_OR_INVOICE — сілтеме мекенжайы (осы компьютердегі құмсалғыш) немесе профиль сілтемесінің тапсырыс нөмірі.</translation>
        </message>
        <message>
            <source>коды выхода:
  0 оплачено
  2 неверный вызов
  3 отклонено, истекла или уже оплачена
  1 другая ошибка</source>
            <comment>sandbox.pay_exit_codes</comment>
            <translation>шығу кодтары:
  0 төленді
  2 қате шақыру
  3 қабылданбады, мерзімі өтті немесе пайдаланылған
  1 басқа қате</translation>
        </message>
        <message>
            <source>оплатить ссылку в песочнице, как покупатель</source>
            <comment>sandbox.pay_help</comment>
            <translation>құмсалғыштағы сілтемені сатып алушы сияқты төлеу</translation>
        </message>
        <message>
            <source>порт {port} вне диапазона: укажите от 0 до 65535</source>
            <comment>sandbox.port_out_of_range</comment>
            <translation>{port} порты ауқымнан тыс: 0-ден 65535-ке дейінгі санды жазыңыз</translation>
        </message>
        <message>
            <source>Чтобы остановить, нажмите Ctrl-C.</source>
            <comment>sandbox.press_ctrl_c</comment>
            <translation>Тоқтату үшін Ctrl-C басыңыз.</translation>
        </message>
        <message>
            <source>  внимание: {host} может быть доступен с других компьютеров</source>
            <comment>sandbox.reachable</comment>
            <translation>  назар аударыңыз: {host} басқа компьютерлерден қолжетімді болуы мүмкін</translation>
        </message>
        <message>
            <source>выдавая токен, отзывать прежние</source>
            <comment>sandbox.revoke_old_tokens</comment>
            <translation>токен бергенде бұрынғыларын кері қайтарып алу</translation>
        </message>
        <message>
            <source>Банк-песочница сохранён в {path}</source>
            <comment>sandbox.saved</comment>
            <translation>Құмсалғыш банк {path} файлына сақталды</translation>
        </message>
        <message>
            <source>какой client id мерчанта принимать (по умолчанию — тестового мерчанта банка)</source>
            <comment>sandbox.serve.client_id</comment>
            <translation>мерчанттың қабылданатын client id-і (әдепкіде — банктің тестілік мерчанты)</translation>
        </message>
        <message>
            <source>какой секрет мерчанта принимать (по умолчанию — опубликованный банком тестовый секрет)</source>
            <comment>sandbox.serve.client_secret</comment>
            <translation>мерчанттың қабылданатын құпия кілті (әдепкіде — банк жариялаған тестілік кілт)</translation>
        </message>
        <message>
            <source>заполнить банк платежами за месяц для демонстрации и записать рядом выгрузку заказов магазина</source>
            <comment>sandbox.serve.demo</comment>
            <translation>банкті бір айлық демо төлемдермен толтыру және қасына дүкеннің тапсырыстар экспортын жазу</translation>
        </message>
        <message>
            <source>Выдача токенов ePay по адресу /oauth2/token и API по адресу / на одном порту. Принимает опубликованного банком тестового мерчанта, если не заданы другие учётные данные.</source>
            <comment>sandbox.serve.description</comment>
            <translation>ePay токен беру нүктесі /oauth2/token мекенжайында, API / мекенжайында, бір портта. Басқа тіркелгі деректері берілмесе, банк жариялаған тестілік мерчантты қабылдайды.</translation>
        </message>
        <message>
            <source>вносить сбой в эту долю запросов, например http5xx:0.1; можно повторять. Виды: {kinds}</source>
            <comment>sandbox.serve.fault</comment>
            <translation>сұраулардың осы үлесіне ақау енгізу, мысалы http5xx:0.1; қайталауға болады. Түрлері: {kinds}</translation>
        </message>
        <message>
            <source>запустить банк-песочницу по HTTP до Ctrl-C</source>
            <comment>sandbox.serve.help</comment>
            <translation>құмсалғыш банкті Ctrl-C басылғанша HTTP арқылы іске қосу</translation>
        </message>
        <message>
            <source>на каком адресе слушать (по умолчанию 127.0.0.1: только этот компьютер)</source>
            <comment>sandbox.serve.host</comment>
            <translation>тыңдайтын мекенжай (әдепкіде 127.0.0.1: тек осы компьютер)</translation>
        </message>
        <message>
            <source>задерживать каждый ответ на N миллисекунд (по умолчанию 0)</source>
            <comment>sandbox.serve.latency</comment>
            <translation>әр жауапты N миллисекундқа кешіктіру (әдепкіде 0)</translation>
        </message>
        <message>
            <source>куда --demo записывает CSV заказов магазина из 1С-Битрикс (по умолчанию ./{file})</source>
            <comment>sandbox.serve.orders_out</comment>
            <translation>--demo дүкеннің 1С-Битрикс тапсырыстарының CSV файлын қайда жазады (әдепкіде ./{file})</translation>
        </message>
        <message>
            <source>TCP-порт (по умолчанию {port}; 0 — выбрать свободный)</source>
            <comment>sandbox.serve.port</comment>
            <translation>TCP порты (әдепкіде {port}; 0 — бос портты таңдау)</translation>
        </message>
        <message>
            <source>зерно для демо-данных и выпадения сбоев: то же зерно — тот же прогон (по умолчанию 0)</source>
            <comment>sandbox.serve.seed</comment>
            <translation>демо деректер мен ақаулар кездейсоқтығының бастапқы мәні: мәні бірдей болса, нәтиже де бірдей (әдепкіде 0)</translation>
        </message>
        <message>
            <source>сколько секунд сбой slow держит ответ (по умолчанию 30)</source>
            <comment>sandbox.serve.slow_seconds</comment>
            <translation>slow ақауы жауапты неше секунд ұстайды (әдепкіде 30)</translation>
        </message>
        <message>
            <source>хранить банк в этом файле JSON: загружается при запуске, сохраняется при выходе</source>
            <comment>sandbox.serve.state</comment>
            <translation>банкті осы JSON файлында сақтау: іске қосқанда жүктеледі, шыққанда сақталады</translation>
        </message>
        <message>
            <source>id терминала мерчанта (по умолчанию — тестового мерчанта)</source>
            <comment>sandbox.serve.terminal</comment>
            <translation>мерчант терминалының id-і (әдепкіде — тестілік мерчанттікі)</translation>
        </message>
        <message>
            <source>срок жизни токена в секундах (по умолчанию 7200)</source>
            <comment>sandbox.serve.token_ttl</comment>
            <translation>токеннің жарамдылық мерзімі, секундпен (әдепкіде 7200)</translation>
        </message>
        <message>
            <source>пользователь кабинета: {user}</source>
            <comment>sandbox.serving_cabinet</comment>
            <translation>кабинет пайдаланушысы: {user}</translation>
        </message>
        <message>
            <source>список операций требует входа пользователя кабинета</source>
            <comment>sandbox.serving_cabinet_only</comment>
            <translation>операциялар тізімі кабинет пайдаланушысының кіруін талап етеді</translation>
        </message>
        <message>
            <source>страницы списка операций: {paging}</source>
            <comment>sandbox.serving_paging</comment>
            <translation>операциялар тізімінің беттері: {paging}</translation>
        </message>
        <message>
            <source>новый токен отзывает прежние</source>
            <comment>sandbox.serving_revoke</comment>
            <translation>жаңа токен бұрынғыларын кері қайтарып алады</translation>
        </message>
        <message>
            <source>каждый токен принимается в {n} запросах</source>
            <comment>sandbox.serving_token_uses</comment>
            <translation>әр токен {n} сұрауда қабылданады</translation>
        </message>
        <message>
            <source>Банк-песочница остановлен.</source>
            <comment>sandbox.stopped</comment>
            <translation>Құмсалғыш банк тоқтатылды.</translation>
        </message>
        <message>
            <source>опубликованный банком тестовый секрет</source>
            <comment>sandbox.test_secret</comment>
            <translation>банк жариялаған тестілік кілт</translation>
        </message>
        <message>
            <source>порт</source>
            <comment>sandbox.the_port</comment>
            <translation>порт</translation>
        </message>
        <message>
            <source>значение</source>
            <comment>sandbox.the_value</comment>
            <translation>мән</translation>
        </message>
        <message>
            <source>  выдача токенов: {url}</source>
            <comment>sandbox.token_url</comment>
            <translation>  токен беру нүктесі: {url}</translation>
        </message>
        <message>
            <source>принимать каждый токен только в N запросах, потом отказывать, как просроченному</source>
            <comment>sandbox.token_uses</comment>
            <translation>әр токенді тек N сұрауда қабылдап, кейін мерзімі өткендей бас тарту</translation>
        </message>
        <message>
            <source>неизвестный вид сбоя «{kind}»: выберите из {kinds}</source>
            <comment>sandbox.unknown_fault</comment>
            <translation>«{kind}» деген ақау түрі белгісіз: {kinds} ішінен таңдаңыз</translation>
        </message>
        <message>
            <source>Профиль «{profile}» встроенный: его секрет изменить нельзя.</source>
            <comment>secrets.builtin</comment>
            <translation>«{profile}» профилі кірістірілген: оның құпиясын өзгертуге болмайды.</translation>
        </message>
        <message>
            <source>Секрет клиента профиля «{profile}» пуст.</source>
            <comment>secrets.empty</comment>
            <translation>«{profile}» профилі клиентінің құпиясы бос.</translation>
        </message>
        <message>
            <source>Если файл придётся убрать, введите секрет клиента каждого профиля заново (Файл → Настройки → Профили или halyk-desk profile add).</source>
            <comment>secrets.enter_again</comment>
            <translation>Егер файлды алып тастауға тура келсе, әр профильдің клиент құпиясын қайта енгізіңіз (Файл → Баптаулар → Профильдер немесе halyk-desk profile add).</translation>
        </message>
        <message>
            <source>Системного хранилища паролей нет ({why}): секрет клиента профиля «{profile}» записан в файл {path}, который может читать только ваша учётная запись. Не показывайте этот файл никому и не кладите его в резервные копии, которыми делитесь; установите хранилище паролей (например, GNOME Keyring или KWallet), чтобы секреты хранились в нём.</source>
            <comment>secrets.fallback</comment>
            <translation>Жүйелік құпиясөз қоймасы жоқ ({why}): «{profile}» профилі клиентінің құпиясы {path} файлына жазылды, оны тек сіздің есептік жазбаңыз оқи алады. Бұл файлды ешкімге көрсетпеңіз және оны басқалармен бөлісетін сақтық көшірмелерге салмаңыз; құпиялар сонда сақталуы үшін құпиясөз қоймасын орнатыңыз (мысалы, GNOME Keyring немесе KWallet).</translation>
        </message>
        <message>
            <source>файл секретов</source>
            <comment>secrets.file</comment>
            <translation>құпиялар файлы</translation>
        </message>
        <message>
            <source>Файл секретов {path} могут читать другие пользователи этого компьютера (права {mode}), поэтому его секреты не используются. Сделайте его доступным только вам: `chmod 600 '{path}'` — и запустите снова.</source>
            <comment>secrets.file_shared</comment>
            <translation>{path} құпия кілттер файлын осы компьютердің басқа пайдаланушылары оқи алады (құқықтары {mode}), сондықтан оның құпия кілттері пайдаланылмайды. Оны тек өзіңізге қолжетімді етіңіз: `chmod 600 '{path}'` — және қайта іске қосыңыз.</translation>
        </message>
        <message>
            <source>системное хранилище паролей ({backend})</source>
            <comment>secrets.in_keyring</comment>
            <translation>жүйелік құпиясөз қоймасы ({backend})</translation>
        </message>
        <message>
            <source>опубликован банком</source>
            <comment>secrets.published</comment>
            <translation>банк жариялаған</translation>
        </message>
        <message>
            <source>Сверка не замечает разницу сумм до этой величины (в тиынах)</source>
            <comment>settings.amount_tolerance</comment>
            <translation>Салыстыру осы шамаға дейінгі сома айырмасын елемейді (тиынмен)</translation>
        </message>
        <message>
            <source>В файле настроек {path} неверное значение «{key}» ({title}): {problem}. Исправьте его в текстовом редакторе или удалите эту строку, чтобы вернуть значение по умолчанию ({default}).</source>
            <comment>settings.bad_value</comment>
            <translation>{path} баптаулар файлында «{key}» мәні қате ({title}): {problem}. Оны мәтіндік редакторда түзетіңіз немесе әдепкі мәнді ({default}) қайтару үшін сол жолды өшіріңіз.</translation>
        </message>
        <message>
            <source>Часовой пояс рабочего дня</source>
            <comment>settings.business_tz</comment>
            <translation>Жұмыс күнінің уақыт белдеуі</translation>
        </message>
        <message>
            <source>должно быть файлом SQLite (sqlite:///путь/halyk-desk.sqlite3) или адресом PostgreSQL (postgresql://user@host/halyk)</source>
            <comment>settings.database_kind</comment>
            <translation>SQLite файлы (sqlite:///жол/halyk-desk.sqlite3) немесе PostgreSQL мекенжайы (postgresql://user@host/halyk) болуы керек</translation>
        </message>
        <message>
            <source>не должно содержать пароль: пароль хранится в хранилище паролей системы</source>
            <comment>settings.database_password</comment>
            <translation>құпиясөз болмауы керек: құпиясөз жүйенің құпиясөз қоймасында сақталады</translation>
        </message>
        <message>
            <source>База данных (пусто: файл SQLite в папке данных); действует со следующего запуска</source>
            <comment>settings.database_url</comment>
            <translation>Дерекқор (бос болса: деректер қалтасындағы SQLite файлы); келесі іске қосудан бастап қолданылады</translation>
        </message>
        <message>
            <source>файл настроек</source>
            <comment>settings.file</comment>
            <translation>баптаулар файлы</translation>
        </message>
        <message>
            <source>папку {folder} нельзя создать или записать в неё</source>
            <comment>settings.folder_not_writable</comment>
            <translation>{folder} қалтасын құру немесе оған жазу мүмкін емес</translation>
        </message>
        <message>
            <source>Блокировка истекает через столько дней</source>
            <comment>settings.hold_expire_days</comment>
            <translation>Бұғаттау осынша күннен кейін бітеді</translation>
        </message>
        <message>
            <source>Предупреждать о блокировке через столько дней</source>
            <comment>settings.hold_warn_days</comment>
            <translation>Бұғаттау туралы осынша күннен кейін ескерту</translation>
        </message>
        <message>
            <source>На общем компьютере окно блокируется после стольких минут без действий</source>
            <comment>settings.idle_lock_minutes</comment>
            <translation>Ортақ компьютерде терезе осынша минут әрекетсіз тұрғаннан кейін бұғатталады</translation>
        </message>
        <message>
            <source>Язык окна (auto: язык системы)</source>
            <comment>settings.language</comment>
            <translation>Терезе тілі (auto: жүйенің тілі)</translation>
        </message>
        <message>
            <source>Последний выбранный профиль банка</source>
            <comment>settings.last_profile</comment>
            <translation>Соңғы таңдалған банк профилі</translation>
        </message>
        <message>
            <source>должно быть true или false</source>
            <comment>settings.must_be_bool</comment>
            <translation>true немесе false болуы керек</translation>
        </message>
        <message>
            <source>должно быть адресом базы данных или пустым (тогда файл SQLite в папке данных)</source>
            <comment>settings.must_be_database</comment>
            <translation>дерекқор мекенжайы немесе бос (онда деректер қалтасындағы SQLite файлы) болуы керек</translation>
        </message>
        <message>
            <source>должно быть одним из: {choices}</source>
            <comment>settings.must_be_one_of</comment>
            <translation>мыналардың бірі болуы керек: {choices}</translation>
        </message>
        <message>
            <source>должно быть целым числом больше нуля</source>
            <comment>settings.must_be_positive</comment>
            <translation>нөлден үлкен бүтін сан болуы керек</translation>
        </message>
        <message>
            <source>должно быть именем профиля</source>
            <comment>settings.must_be_profile</comment>
            <translation>профиль атауы болуы керек</translation>
        </message>
        <message>
            <source>должно быть целым числом тиынов, от нуля</source>
            <comment>settings.must_be_tiyn</comment>
            <translation>тиынмен берілген бүтін сан, нөл немесе одан көп болуы керек</translation>
        </message>
        <message>
            <source>должно быть названием часового пояса, например Asia/Almaty</source>
            <comment>settings.must_be_zone</comment>
            <translation>уақыт белдеуінің атауы болуы керек, мысалы Asia/Almaty</translation>
        </message>
        <message>
            <source>Просьба покупателя</source>
            <comment>settings.reason_customer</comment>
            <translation>Сатып алушының өтініші</translation>
        </message>
        <message>
            <source>Двойная оплата</source>
            <comment>settings.reason_double_payment</comment>
            <translation>Қос төлем</translation>
        </message>
        <message>
            <source>Подозрение на мошенничество</source>
            <comment>settings.reason_fraud</comment>
            <translation>Алаяқтыққа күдік</translation>
        </message>
        <message>
            <source>Другое</source>
            <comment>settings.reason_other</comment>
            <translation>Басқа</translation>
        </message>
        <message>
            <source>Нет в наличии</source>
            <comment>settings.reason_out_of_stock</comment>
            <translation>Қоймада жоқ</translation>
        </message>
        <message>
            <source>Корректировка цены</source>
            <comment>settings.reason_price</comment>
            <translation>Бағаны түзету</translation>
        </message>
        <message>
            <source>Причины для подтверждения, отмены и возврата</source>
            <comment>settings.reasons</comment>
            <translation>Растау, болдырмау және қайтару себептері</translation>
        </message>
        <message>
            <source>должна остаться хотя бы одна причина</source>
            <comment>settings.reasons_empty</comment>
            <translation>кемінде бір себеп қалуы керек</translation>
        </message>
        <message>
            <source>должно быть списком непустых текстов</source>
            <comment>settings.reasons_not_texts</comment>
            <translation>бос емес мәтіндер тізімі болуы керек</translation>
        </message>
        <message>
            <source>одна и та же причина не должна повторяться</source>
            <comment>settings.reasons_twice</comment>
            <translation>бір себеп екі рет қайталанбауы керек</translation>
        </message>
        <message>
            <source>Возврат больше этой суммы (в тиынах) одобряет второй менеджер</source>
            <comment>settings.refund_approval_threshold</comment>
            <translation>Осы сомадан (тиынмен) асатын қайтаруды екінші менеджер мақұлдайды</translation>
        </message>
        <message>
            <source>{title}: {problem}.</source>
            <comment>settings.refused</comment>
            <translation>{title}: {problem}.</translation>
        </message>
        <message>
            <source>Сколько минут ждать банк, прежде чем считать операцию без ответа невыполненной</source>
            <comment>settings.settle_grace</comment>
            <translation>Жауапсыз операцияны орындалмаған деп санамас бұрын банкті неше минут күту керек</translation>
        </message>
        <message>
            <source>Общий компьютер: окно спрашивает, кто работает</source>
            <comment>settings.shared_computer</comment>
            <translation>Ортақ компьютер: терезе кім жұмыс істейтінін сұрайды</translation>
        </message>
        <message>
            <source>для базы SQLite нужно имя файла</source>
            <comment>settings.sqlite_needs_file</comment>
            <translation>SQLite дерекқорына файл атауы керек</translation>
        </message>
        <message>
            <source>Сколько статусов читать одновременно при синхронизации</source>
            <comment>settings.sync_concurrency</comment>
            <translation>Синхрондау кезінде бір мезгілде оқылатын мәртебелер саны</translation>
        </message>
        <message>
            <source>часового пояса «{zone}» нет; укажите название вроде Asia/Almaty</source>
            <comment>settings.unknown_zone</comment>
            <translation>«{zone}» деген уақыт белдеуі жоқ; Asia/Almaty сияқты атауды көрсетіңіз</translation>
        </message>
        <message>
            <source>должно быть меньше дней, чем срок блокировки</source>
            <comment>settings.warn_before_expiry</comment>
            <translation>бұғаттау мерзімінен аз күн болуы керек</translation>
        </message>
        <message>
            <source>файл состояния окна</source>
            <comment>settings.window_state_file</comment>
            <translation>терезе күйінің файлы</translation>
        </message>
        <message>
            <source>Оператор «{name}» отключён: включить его снова может администратор (`halyk-desk operator add`).</source>
            <comment>signin.disabled</comment>
            <translation>«{name}» операторы өшірілген: оны әкімші қайта қоса алады (`halyk-desk operator add`).</translation>
        </message>
        <message>
            <source>Логин базы «{name}» — не оператор этой базы: роль ему даёт администратор (`halyk-desk db grant {name} --role РОЛЬ`).</source>
            <comment>signin.login_not_operator</comment>
            <translation>«{name}» дерекқор логині бұл дерекқордың операторы емес: оған рөлді әкімші береді (`halyk-desk db grant {name} --role РӨЛ`).</translation>
        </message>
        <message>
            <source>У логина базы «{name}» нет прав в этой базе: роль ему даёт администратор (`halyk-desk db grant {name} --role РОЛЬ`).</source>
            <comment>signin.login_without_rights</comment>
            <translation>«{name}» дерекқор логинінің бұл дерекқорда құқығы жоқ: оған рөлді әкімші береді (`halyk-desk db grant {name} --role РӨЛ`).</translation>
        </message>
        <message>
            <source>У оператора «{name}» ещё нет пароля: его задаёт администратор (`halyk-desk operator passwd {name} --password-stdin`).</source>
            <comment>signin.no_password_set</comment>
            <translation>«{name}» операторының әлі құпиясөзі жоқ: оны әкімші орнатады (`halyk-desk operator passwd {name} --password-stdin`).</translation>
        </message>
        <message>
            <source>Оператора «{name}» нет: операторов добавляет администратор (`halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`).</source>
            <comment>signin.no_such</comment>
            <translation>«{name}» операторы жоқ: операторларды әкімші қосады (`halyk-desk operator add АТЫ --role РӨЛ --password-stdin`).</translation>
        </message>
        <message>
            <source>--operator не принимается в общей базе (PostgreSQL): там оператор — логин базы. Подключайтесь под своим логином (--db postgresql://ИМЯ@сервер/база).</source>
            <comment>signin.operator_on_team</comment>
            <translation>--operator ортақ дерекқорда (PostgreSQL) қабылданбайды: онда оператор — дерекқор логині. Өз логиніңізбен қосылыңыз (--db postgresql://АТЫ@сервер/база).</translation>
        </message>
        <message>
            <source>Вы вошли в компьютер как «{name}», а такого действующего оператора здесь нет (или он отключён): добавить вас может администратор (`halyk-desk operator add {name} --role РОЛЬ`); или действуйте как оператор с --operator ИМЯ и его паролем.</source>
            <comment>signin.os_user_not_operator</comment>
            <translation>Сіз компьютерге «{name}» ретінде кірдіңіз, бірақ мұнда мұндай белсенді оператор жоқ (немесе ол өшірілген): сізді әкімші қоса алады (`halyk-desk operator add {name} --role РӨЛ`); немесе --operator АТЫ және оның құпиясөзімен оператор ретінде әрекет етіңіз.</translation>
        </message>
        <message>
            <source>Чтобы действовать как «{name}», нужен его пароль: введите его, когда спросят, или передайте на стандартный ввод с --password-stdin.</source>
            <comment>signin.password_needed</comment>
            <translation>«{name}» ретінде әрекет ету үшін оның құпиясөзі керек: сұрағанда енгізіңіз немесе --password-stdin арқылы стандартты енгізуге беріңіз.</translation>
        </message>
        <message>
            <source>Пароль оператора {name} (не отображается): </source>
            <comment>signin.prompt</comment>
            <translation>{name} операторының құпиясөзі (көрсетілмейді): </translation>
        </message>
        <message>
            <source>{why} Ничего не прочитано и не отправлено.</source>
            <comment>signin.refused</comment>
            <translation>{why} Ештеңе оқылмады және жіберілмеді.</translation>
        </message>
        <message>
            <source>Слишком много неверных паролей для «{name}» подряд: попробуйте снова через {seconds} с.</source>
            <comment>signin.wait</comment>
            <translation>«{name}» үшін қатарынан тым көп қате құпиясөз: {seconds} с кейін қайталап көріңіз.</translation>
        </message>
        <message>
            <source>Неверный пароль оператора «{name}».</source>
            <comment>signin.wrong_password</comment>
            <translation>«{name}» операторының құпиясөзі қате.</translation>
        </message>
        <message>
            <source>списано</source>
            <comment>state.captured</comment>
            <translation>есептен шығарылды</translation>
        </message>
        <message>
            <source>отклонён</source>
            <comment>state.failed</comment>
            <translation>қабылданбады</translation>
        </message>
        <message>
            <source>блокировка (холд)</source>
            <comment>state.held</comment>
            <translation>бұғаттау (холд)</translation>
        </message>
        <message>
            <source>требует проверки</source>
            <comment>state.needs_review</comment>
            <translation>тексеруді қажет етеді</translation>
        </message>
        <message>
            <source>нет в банке</source>
            <comment>state.not_found</comment>
            <translation>банкте жоқ</translation>
        </message>
        <message>
            <source>частичный возврат</source>
            <comment>state.partially_refunded</comment>
            <translation>ішінара қайтару</translation>
        </message>
        <message>
            <source>в процессе</source>
            <comment>state.pending</comment>
            <translation>орындалуда</translation>
        </message>
        <message>
            <source>возврат</source>
            <comment>state.refunded</comment>
            <translation>қайтарылды</translation>
        </message>
        <message>
            <source>блокировка снята</source>
            <comment>state.released</comment>
            <translation>бұғаттау алынды</translation>
        </message>
        <message>
            <source>не проверен</source>
            <comment>state.unknown</comment>
            <translation>тексерілмеген</translation>
        </message>
        <message>
            <source>База данных занята: другая программа держит её дольше {seconds} с. Повторите через минуту; если не помогает, закройте Halyk Desk в других окнах и на других компьютерах.</source>
            <comment>store.busy</comment>
            <translation>Дерекқор бос емес: басқа бағдарлама оны {seconds} с астам ұстап тұр. Бір минуттан кейін қайталаңыз; көмектеспесе, Halyk Desk-ті басқа терезелерде және басқа компьютерлерде жабыңыз.</translation>
        </message>
        <message>
            <source>Не удаётся открыть базу данных {database}: {reason}. Проверьте адрес (--db, {env} или Настройки → База данных), что сервер запущен, и права пользователя.</source>
            <comment>store.cannot_open</comment>
            <translation>{database} деректер базасын ашу мүмкін емес: {reason}. Мекенжайды (--db, {env} немесе Баптаулар → Деректер базасы), сервердің іске қосылғанын және пайдаланушының құқықтарын тексеріңіз.</translation>
        </message>
        <message>
            <source>Для базы данных нужен файл SQLite, а не база в памяти.</source>
            <comment>store.in_memory</comment>
            <translation>Дерекқор үшін жадтағы база емес, SQLite файлы керек.</translation>
        </message>
        <message>
            <source>Обновление схемы нарушило внешние ключи: {rows}; ничего не изменено.</source>
            <comment>store.migration_broke_keys</comment>
            <translation>Схеманы жаңарту сыртқы кілттерді бұзды: {rows}; ештеңе өзгертілмеді.</translation>
        </message>
        <message>
            <source>База данных {database} записана более новой версией Halyk Desk (ревизия схемы {revision}): чтобы открыть её, установите ту версию или более позднюю.</source>
            <comment>store.newer_schema</comment>
            <translation>{database} дерекқорын Halyk Desk-тің жаңарақ нұсқасы жазған (схема ревизиясы {revision}): оны ашу үшін сол нұсқаны немесе одан кейінгісін орнатыңыз.</translation>
        </message>
        <message>
            <source>База данных не открылась: {reason}. Проверьте, что её пользователь — владелец базы данных (см. руководство администратора).</source>
            <comment>store.refused</comment>
            <translation>Деректер базасы ашылмады: {reason}. Оның пайдаланушысы деректер базасының иесі екенін тексеріңіз (әкімші нұсқаулығын қараңыз).</translation>
        </message>
        <message>
            <source>Профиля «{name}» нет; какие профили есть, показывает `halyk-desk profile list`.</source>
            <comment>store.unknown_profile</comment>
            <translation>«{name}» профилі жоқ; бар профильдерді `halyk-desk profile list` көрсетеді.</translation>
        </message>
        <message>
            <source>База данных «{kind}» не поддерживается: укажите файл SQLite (sqlite:///путь/halyk-desk.sqlite3) или PostgreSQL (postgresql+psycopg://user@host/db).</source>
            <comment>store.unsupported</comment>
            <translation>«{kind}» дерекқорына қолдау жоқ: SQLite файлын (sqlite:///жол/halyk-desk.sqlite3) немесе PostgreSQL (postgresql+psycopg://user@host/db) көрсетіңіз.</translation>
        </message>
        <message>
            <source>Списано</source>
            <comment>summary.captured</comment>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Категория</source>
            <comment>summary.category</comment>
            <translation>Санат</translation>
        </message>
        <message>
            <source>Код</source>
            <comment>summary.code</comment>
            <translation>Коды</translation>
        </message>
        <message>
            <source>Количество</source>
            <comment>summary.count</comment>
            <translation>Саны</translation>
        </message>
        <message>
            <source>Валюта сверки</source>
            <comment>summary.currency</comment>
            <translation>Салыстыру валютасы</translation>
        </message>
        <message>
            <source>Из них ожидают оплаты</source>
            <comment>summary.expecting</comment>
            <translation>Оның ішінде төлемді күтетіндері</translation>
        </message>
        <message>
            <source>Сформировано</source>
            <comment>summary.generated_at</comment>
            <translation>Жасалған уақыты</translation>
        </message>
        <message>
            <source>Сформировал</source>
            <comment>summary.generated_by</comment>
            <translation>Жасаған</translation>
        </message>
        <message>
            <source>Доля совпадений</source>
            <comment>summary.match_rate</comment>
            <translation>Сәйкестік үлесі</translation>
        </message>
        <message>
            <source>Чистыми (списано − возвращено)</source>
            <comment>summary.net</comment>
            <translation>Таза (есептен шығарылды − қайтарылды)</translation>
        </message>
        <message>
            <source>нет заказов, ожидающих оплаты</source>
            <comment>summary.no_expected</comment>
            <translation>төлемді күтетін тапсырыстар жоқ</translation>
        </message>
        <message>
            <source>Заказано</source>
            <comment>summary.ordered</comment>
            <translation>Тапсырыс берілді</translation>
        </message>
        <message>
            <source>Заказов в периоде</source>
            <comment>summary.orders</comment>
            <translation>Кезеңдегі тапсырыстар</translation>
        </message>
        <message>
            <source>Период с</source>
            <comment>summary.period_from</comment>
            <translation>Кезең басы</translation>
        </message>
        <message>
            <source>Период по</source>
            <comment>summary.period_to</comment>
            <translation>Кезең соңы</translation>
        </message>
        <message>
            <source>Профиль</source>
            <comment>summary.profile</comment>
            <translation>Профиль</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <comment>summary.refunded</comment>
            <translation>Қайтарылды</translation>
        </message>
        <message>
            <source>Решено</source>
            <comment>summary.resolved</comment>
            <translation>Шешілді</translation>
        </message>
        <message>
            <source>Сумма</source>
            <comment>summary.sum</comment>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Терминал</source>
            <comment>summary.terminal</comment>
            <translation>Терминал</translation>
        </message>
        <message>
            <source>Часовой пояс</source>
            <comment>summary.time_zone</comment>
            <translation>Уақыт белдеуі</translation>
        </message>
        <message>
            <source>{zone} — даты и время в книге по этому поясу</source>
            <comment>summary.time_zone_value</comment>
            <translation>{zone} — кітаптағы күндер мен уақыт осы белдеу бойынша</translation>
        </message>
        <message>
            <source>Сверка платежей Halyk ePay</source>
            <comment>summary.title</comment>
            <translation>Halyk ePay төлемдерін салыстыру</translation>
        </message>
        <message>
            <source>отчёт не записан (сообщение говорит почему)</source>
            <comment>support.exit_failed</comment>
            <translation>есеп жазылмады (хабарлама себебін айтады)</translation>
        </message>
        <message>
            <source>отчёт записан</source>
            <comment>support.exit_written</comment>
            <translation>есеп жазылды</translation>
        </message>
        <message>
            <source>записать отчёт для поддержки (ZIP): журнал, версии, настройки без секретов, сведения о базе</source>
            <comment>support.help</comment>
            <translation>қолдау қызметіне есеп жазу (ZIP): журнал, нұсқалар, құпиясыз баптаулар, дерекқор туралы мәліметтер</translation>
        </message>
        <message>
            <source>Отчёт не записан в {path}: {reason}. Выберите папку, в которую можно писать.</source>
            <comment>support.not_written</comment>
            <translation>Есеп {path} ішіне жазылмады: {reason}. Жазуға болатын буманы таңдаңыз.</translation>
        </message>
        <message>
            <source>куда записать ZIP-файл, например halyk-desk-support.zip</source>
            <comment>support.path_help</comment>
            <translation>ZIP файлын қайда жазу керек, мысалы halyk-desk-support.zip</translation>
        </message>
        <message>
            <source>Отчёт для поддержки записан: {path}. Отправьте этот файл в поддержку; секретов в нём нет.</source>
            <comment>support.written</comment>
            <translation>Қолдау қызметіне арналған есеп жазылды: {path}. Бұл файлды қолдау қызметіне жіберіңіз; онда құпиялар жоқ.</translation>
        </message>
        <message>
            <source>изменилось: {changed}   не найдено: {not_found}   ошибок: {errors}</source>
            <comment>sync.counts</comment>
            <translation>өзгерді: {changed}   табылмады: {not_found}   қателер: {errors}</translation>
        </message>
        <message>
            <source>ошибки по видам: {kinds} (каждая записана у своего платежа; следующая синхронизация попробует снова)</source>
            <comment>sync.errors_by_kind</comment>
            <translation>түрлері бойынша қателер: {kinds} (әрқайсысы өз төлемінде жазылған; келесі синхрондау қайта көреді)</translation>
        </message>
        <message>
            <source>{done}/{total} {share}  {rate}/с  ещё {eta}</source>
            <comment>sync.figures</comment>
            <translation>{done}/{total} {share}  {rate}/с  тағы {eta}</translation>
        </message>
        <message>
            <source>Синхронизация закончена: прочитано платежей — {read} из {total} за {time}.</source>
            <comment>sync.finished</comment>
            <translation>Синхрондау аяқталды: {total} төлемнің {read} {time} ішінде оқылды.</translation>
        </message>
        <message>
            <source>Не прочитаны заново по возрасту (давно проверенные списанные платежи) — {unchanged}; --all читает все.</source>
            <comment>sync.not_due_by_age</comment>
            <translation>Жасы бойынша қайта оқылмағандар (бұрыннан тексерілген есептен шығарылған төлемдер) — {unchanged}; --all бәрін оқиды.</translation>
        </message>
        <message>
            <source>Список операций банка: записей — {listed}; платежей без изменений, не прочитанных заново — {unchanged}.</source>
            <comment>sync.registry_read</comment>
            <translation>Банктің операциялар тізімі: жазбалар — {listed}; өзгеріссіз, қайта оқылмаған төлемдер — {unchanged}.</translation>
        </message>
        <message>
            <source>Список операций банка не удалось использовать ({why}): платежи выбраны по возрасту.</source>
            <comment>sync.registry_unusable</comment>
            <translation>Банктің операциялар тізімін пайдалану мүмкін болмады ({why}): төлемдер жасы бойынша таңдалды.</translation>
        </message>
        <message>
            <source>Синхронизация остановлена: прочитано платежей — {read} из {total}; всё прочитанное сохранено, следующая синхронизация прочитает остальное.</source>
            <comment>sync.stopped</comment>
            <translation>Синхрондау тоқтатылды: {total} төлемнің {read} оқылды; оқылғанның бәрі сақталды, келесі синхрондау қалғанын оқиды.</translation>
        </message>
        <message>
            <source>Останавливаюсь: жду начатые чтения (Ctrl-C ещё раз — выйти сразу)…</source>
            <comment>sync.stopping</comment>
            <translation>Тоқтап жатырмын: басталған оқуларды күтемін (Ctrl-C тағы бір рет — бірден шығу)…</translation>
        </message>
        <message>
            <source>Этот профиль синхронизировала другая программа: прочитано только то, что она оставила.</source>
            <comment>sync.waited</comment>
            <translation>Бұл профильді басқа бағдарлама синхрондады: тек ол қалдырғаны ғана оқылды.</translation>
        </message>
        <message>
            <source>sync: этот профиль синхронизирует другая программа (прочитано {done} из {total}); жду её, потом прочитаю то, что она оставит.</source>
            <comment>sync.waiting</comment>
            <translation>sync: бұл профильді басқа бағдарлама синхрондап жатыр ({total} ішінен {done} оқылды); оны күтемін, кейін ол қалдырғанын оқимын.</translation>
        </message>
        <message>
            <source>Имя логина — от 1 до 63 символов, а не «{name}».</source>
            <comment>team.bad_login</comment>
            <translation>Логин атауы 1-ден 63 таңбаға дейін болуы керек, «{name}» емес.</translation>
        </message>
        <message>
            <source>Логина базы «{name}» нет.</source>
            <comment>team.no_login</comment>
            <translation>«{name}» дерекқор логині жоқ.</translation>
        </message>
        <message>
            <source>Логины базы бывают только в общей базе (PostgreSQL); в базе этого компьютера операторов добавляют командой `halyk-desk operator add ИМЯ --role РОЛЬ --password-stdin`.</source>
            <comment>team.not_postgresql</comment>
            <translation>Дерекқор логиндері тек ортақ дерекқорда (PostgreSQL) болады; осы компьютердің дерекқорында операторларды `halyk-desk operator add АТЫ --role РӨЛ --password-stdin` пәрменімен қосады.</translation>
        </message>
        <message>
            <source>Новому логину «{name}» нужен пароль: дайте его с --password-stdin.</source>
            <comment>team.password_needed</comment>
            <translation>Жаңа «{name}» логиніне құпиясөз керек: оны --password-stdin арқылы беріңіз.</translation>
        </message>
        <message>
            <source>В поле «{field}» есть управляющий символ {char} (позиция {position}): он может исказить экран или таблицу. Уберите его и введите текст заново.</source>
            <comment>text.control_character</comment>
            <translation>«{field}» өрісінде {char} басқару таңбасы бар ({position}-орын): ол экранды немесе кестені бұзуы мүмкін. Оны алып тастап, мәтінді қайта енгізіңіз.</translation>
        </message>
        <message>
            <source>Текст длиной {length} символов не помещается в поле «{field}»: допускается не больше {limit}. Сократите его.</source>
            <comment>text.too_long</comment>
            <translation>{length} таңбалы мәтін «{field}» өрісіне сыймайды: ең көбі {limit}. Оны қысқартыңыз.</translation>
        </message>
        <message>
            <source>пуст</source>
            <comment>workbook.audit_empty</comment>
            <translation>бос</translation>
        </message>
        <message>
            <source>Журнал аудита на момент сверки (audit verify --head)</source>
            <comment>workbook.audit_head</comment>
            <translation>Салыстыру кезіндегі аудит журналы (audit verify --head)</translation>
        </message>
        <message>
            <source>Действие</source>
            <comment>workbook.col.action</comment>
            <translation>Әрекет</translation>
        </message>
        <message>
            <source>Сумма</source>
            <comment>workbook.col.amount</comment>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Одобрил</source>
            <comment>workbook.col.approved_by</comment>
            <translation>Мақұлдаған</translation>
        </message>
        <message>
            <source>Сумма в банке</source>
            <comment>workbook.col.bank_amount</comment>
            <translation>Банктегі сома</translation>
        </message>
        <message>
            <source>Статус банка</source>
            <comment>workbook.col.bank_status</comment>
            <translation>Банк мәртебесі</translation>
        </message>
        <message>
            <source>Списано</source>
            <comment>workbook.col.captured</comment>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Карта</source>
            <comment>workbook.col.card</comment>
            <translation>Карта</translation>
        </message>
        <message>
            <source>Категория</source>
            <comment>workbook.col.category</comment>
            <translation>Санат</translation>
        </message>
        <message>
            <source>Код категории</source>
            <comment>workbook.col.category_code</comment>
            <translation>Санат коды</translation>
        </message>
        <message>
            <source>Создана</source>
            <comment>workbook.col.created</comment>
            <translation>Құрылды</translation>
        </message>
        <message>
            <source>Валюта</source>
            <comment>workbook.col.currency</comment>
            <translation>Валюта</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <comment>workbook.col.customer</comment>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>День</source>
            <comment>workbook.col.day</comment>
            <translation>Күн</translation>
        </message>
        <message>
            <source>Описание</source>
            <comment>workbook.col.description</comment>
            <translation>Сипаттама</translation>
        </message>
        <message>
            <source>Разница</source>
            <comment>workbook.col.difference</comment>
            <translation>Айырма</translation>
        </message>
        <message>
            <source>Истекает</source>
            <comment>workbook.col.expires</comment>
            <translation>Мерзімі бітеді</translation>
        </message>
        <message>
            <source>Идентификатор операции (externalID)</source>
            <comment>workbook.col.external_id</comment>
            <translation>Операция идентификаторы (externalID)</translation>
        </message>
        <message>
            <source>Комиссия</source>
            <comment>workbook.col.fee</comment>
            <translation>Комиссия</translation>
        </message>
        <message>
            <source>Заблокировано</source>
            <comment>workbook.col.held</comment>
            <translation>Бұғатталды</translation>
        </message>
        <message>
            <source>Сумма блокировки</source>
            <comment>workbook.col.hold_amount</comment>
            <translation>Бұғаттау сомасы</translation>
        </message>
        <message>
            <source>Осталось, ч</source>
            <comment>workbook.col.hours_left</comment>
            <translation>Қалды, сағ</translation>
        </message>
        <message>
            <source>Номер заказа (invoiceId)</source>
            <comment>workbook.col.invoice_id</comment>
            <translation>Тапсырыс нөмірі (invoiceId)</translation>
        </message>
        <message>
            <source>Ключ</source>
            <comment>workbook.col.key</comment>
            <translation>Кілт</translation>
        </message>
        <message>
            <source>Когда отмечено</source>
            <comment>workbook.col.marked_at</comment>
            <translation>Белгіленген уақыты</translation>
        </message>
        <message>
            <source>Отметил</source>
            <comment>workbook.col.marked_by</comment>
            <translation>Белгілеген</translation>
        </message>
        <message>
            <source>Совпало заказов</source>
            <comment>workbook.col.matched</comment>
            <translation>Сәйкес келген тапсырыстар</translation>
        </message>
        <message>
            <source>Чистыми</source>
            <comment>workbook.col.net</comment>
            <translation>Таза</translation>
        </message>
        <message>
            <source>Примечание</source>
            <comment>workbook.col.note</comment>
            <translation>Ескертпе</translation>
        </message>
        <message>
            <source>Оператор</source>
            <comment>workbook.col.operator</comment>
            <translation>Оператор</translation>
        </message>
        <message>
            <source>Сумма заказа</source>
            <comment>workbook.col.order_amount</comment>
            <translation>Тапсырыс сомасы</translation>
        </message>
        <message>
            <source>Заказ создан</source>
            <comment>workbook.col.order_created</comment>
            <translation>Тапсырыс құрылды</translation>
        </message>
        <message>
            <source>Валюта заказа</source>
            <comment>workbook.col.order_currency</comment>
            <translation>Тапсырыс валютасы</translation>
        </message>
        <message>
            <source>Заказано</source>
            <comment>workbook.col.ordered</comment>
            <translation>Тапсырыс берілді</translation>
        </message>
        <message>
            <source>Заказов</source>
            <comment>workbook.col.orders</comment>
            <translation>Тапсырыстар</translation>
        </message>
        <message>
            <source>Выплачено банком</source>
            <comment>workbook.col.paid_out</comment>
            <translation>Банк төледі</translation>
        </message>
        <message>
            <source>Сумма платежа</source>
            <comment>workbook.col.payment_amount</comment>
            <translation>Төлем сомасы</translation>
        </message>
        <message>
            <source>Платёж создан</source>
            <comment>workbook.col.payment_created</comment>
            <translation>Төлем құрылды</translation>
        </message>
        <message>
            <source>Валюта платежа</source>
            <comment>workbook.col.payment_currency</comment>
            <translation>Төлем валютасы</translation>
        </message>
        <message>
            <source>Платежей</source>
            <comment>workbook.col.payments</comment>
            <translation>Төлемдер</translation>
        </message>
        <message>
            <source>Причина</source>
            <comment>workbook.col.reason</comment>
            <translation>Себеп</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <comment>workbook.col.refunded</comment>
            <translation>Қайтарылды</translation>
        </message>
        <message>
            <source>Остаток</source>
            <comment>workbook.col.remaining</comment>
            <translation>Қалдық</translation>
        </message>
        <message>
            <source>Решено</source>
            <comment>workbook.col.resolved</comment>
            <translation>Шешілді</translation>
        </message>
        <message>
            <source>Результат сверки</source>
            <comment>workbook.col.result</comment>
            <translation>Салыстыру нәтижесі</translation>
        </message>
        <message>
            <source>Завершена</source>
            <comment>workbook.col.settled</comment>
            <translation>Аяқталды</translation>
        </message>
        <message>
            <source>Сумма в магазине</source>
            <comment>workbook.col.shop_amount</comment>
            <translation>Дүкендегі сома</translation>
        </message>
        <message>
            <source>Заказ в магазине</source>
            <comment>workbook.col.shop_order</comment>
            <translation>Дүкендегі тапсырыс</translation>
        </message>
        <message>
            <source>Оплачен в магазине</source>
            <comment>workbook.col.shop_paid</comment>
            <translation>Дүкенде төленді</translation>
        </message>
        <message>
            <source>Статус в магазине</source>
            <comment>workbook.col.shop_status</comment>
            <translation>Дүкендегі мәртебесі</translation>
        </message>
        <message>
            <source>Состояние</source>
            <comment>workbook.col.state</comment>
            <translation>Күйі</translation>
        </message>
        <message>
            <source>Срок</source>
            <comment>workbook.col.term</comment>
            <translation>Мерзім</translation>
        </message>
        <message>
            <source>Транзакция банка</source>
            <comment>workbook.col.transaction</comment>
            <translation>Банк транзакциясы</translation>
        </message>
        <message>
            <source>ожидает</source>
            <comment>workbook.hold_awaiting</comment>
            <translation>күтуде</translation>
        </message>
        <message>
            <source>истекла</source>
            <comment>workbook.hold_expired</comment>
            <translation>мерзімі өтті</translation>
        </message>
        <message>
            <source>скоро истекает</source>
            <comment>workbook.hold_expiring</comment>
            <translation>мерзімі жақында бітеді</translation>
        </message>
        <message>
            <source>Нет</source>
            <comment>workbook.no</comment>
            <translation>Жоқ</translation>
        </message>
        <message>
            <source>По дням</source>
            <comment>workbook.sheet_daily</comment>
            <translation>Күндер бойынша</translation>
        </message>
        <message>
            <source>Расхождения</source>
            <comment>workbook.sheet_discrepancies</comment>
            <translation>Сәйкессіздіктер</translation>
        </message>
        <message>
            <source>Блокировки</source>
            <comment>workbook.sheet_holds</comment>
            <translation>Бұғаттаулар</translation>
        </message>
        <message>
            <source>Возвраты и операции</source>
            <comment>workbook.sheet_operations</comment>
            <translation>Қайтарулар мен операциялар</translation>
        </message>
        <message>
            <source>Платежи</source>
            <comment>workbook.sheet_payments</comment>
            <translation>Төлемдер</translation>
        </message>
        <message>
            <source>Сводка</source>
            <comment>workbook.sheet_summary</comment>
            <translation>Жиынтық</translation>
        </message>
        <message>
            <source>Итого</source>
            <comment>workbook.total</comment>
            <translation>Барлығы</translation>
        </message>
        <message>
            <source>Да</source>
            <comment>workbook.yes</comment>
            <translation>Иә</translation>
        </message>
    </context>
    <context>
        <name>MoneyActions</name>
        <message>
            <source>ждёт одобрения второго менеджера</source>
            <translation>екінші менеджердің мақұлдауын күтуде</translation>
        </message>
        <message>
            <source>отправляется</source>
            <translation>жіберілуде</translation>
        </message>
        <message>
            <source>отправлено, ждём ответа банка</source>
            <translation>жіберілді, банктің жауабын күтудеміз</translation>
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <translation>нәтижесі белгісіз, банктен нақтыланып жатыр</translation>
        </message>
        <message>
            <source>{action} {amount} ({operator}) — {what}</source>
            <translation>{action} {amount} ({operator}) — {what}</translation>
        </message>
        <message>
            <source>Операция не выполнена</source>
            <extracomment>An operation ended (any result): what it changed (services.changes.Changes). A line for the status bar (what settling unresolved operations found).</extracomment>
            <translation>Операция орындалмады</translation>
        </message>
        <message>
            <source>Операция не выполнена: {error}</source>
            <translation>Операция орындалмады: {error}</translation>
        </message>
        <message>
            <source>Не удалось уточнить результат операций у банка: {error}</source>
            <translation>Операциялардың нәтижесін банктен нақтылау мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Уточнено у банка операций: {settled} из {total}.</source>
            <translation>Банктен нақтыланған операциялар: {total} ішінен {settled}.</translation>
        </message>
        <message>
            <source>Подтвердить…</source>
            <translation>Растау…</translation>
        </message>
        <message>
            <source>Отменить блокировку…</source>
            <translation>Бұғаттауды болдырмау…</translation>
        </message>
        <message>
            <source>Не удалось прочитать операции: {error}</source>
            <extracomment>The holds with an unresolved operation, in a line of its own above the table.</extracomment>
            <translation>Операцияларды оқу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Операции в процессе — </source>
            <translation>Орындалып жатқан операциялар — </translation>
        </message>
        <message>
            <source>заказ {invoice}: {status}</source>
            <translation>{invoice} тапсырысы: {status}</translation>
        </message>
        <message>
            <source>Подтверждать и отменять блокировки может менеджер.</source>
            <translation>Бұғаттауларды менеджер растай және болдырмай алады.</translation>
        </message>
        <message>
            <source>По выбранным платежам уже идёт операция: дождитесь её результата.</source>
            <translation>Таңдалған төлемдер бойынша операция жүріп жатыр: оның нәтижесін күтіңіз.</translation>
        </message>
        <message>
            <source>пропущена: {status}</source>
            <translation>өткізіп жіберілді: {status}</translation>
        </message>
        <message>
            <source>Возврат…</source>
            <translation>Қайтару…</translation>
        </message>
        <message>
            <source>Не удалось прочитать: {error}</source>
            <translation>Оқу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Операция в процессе: {status}</source>
            <translation>Орындалып жатқан операция: {status}</translation>
        </message>
        <message>
            <source>Операции с деньгами выполняет менеджер.</source>
            <translation>Ақшамен операцияларды менеджер орындайды.</translation>
        </message>
        <message>
            <source>Дождитесь результата текущей операции.</source>
            <translation>Ағымдағы операцияның нәтижесін күтіңіз.</translation>
        </message>
    </context>
    <context>
        <name>OperationDialogs</name>
        <message>
            <source>Заказ</source>
            <translation>Тапсырыс</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Осталось</source>
            <translation>Қалды</translation>
        </message>
        <message>
            <source>Результат</source>
            <translation>Нәтиже</translation>
        </message>
        <message>
            <source>Подтвердить списание</source>
            <translation>Есептен шығаруды растау</translation>
        </message>
        <message>
            <source>Отменить блокировку</source>
            <translation>Бұғаттауды болдырмау</translation>
        </message>
        <message>
            <source>Возврат</source>
            <translation>Қайтару</translation>
        </message>
        <message>
            <source>Выполнено</source>
            <translation>Орындалды</translation>
        </message>
        <message>
            <source>Банк отказал</source>
            <translation>Банк бас тартты</translation>
        </message>
        <message>
            <source>Не разрешено</source>
            <translation>Рұқсат етілмеген</translation>
        </message>
        <message>
            <source>Результат неизвестен, уточняется у банка</source>
            <translation>Нәтижесі белгісіз, банктен нақтыланып жатыр</translation>
        </message>
        <message>
            <source>Ждёт одобрения второго менеджера</source>
            <translation>Екінші менеджердің мақұлдауын күтуде</translation>
        </message>
        <message>
            <source>Не удалось</source>
            <translation>Сәтсіз</translation>
        </message>
        <message>
            <source>{result}: {action} {amount}, заказ {invoice}.</source>
            <translation>{result}: {action} {amount}, {invoice} тапсырысы.</translation>
        </message>
        <message>
            <source>Банк не ответил. Программа сама сверит результат со статусом банка; до тех пор действия с этим платежом недоступны. Повторять не нужно.</source>
            <translation>Банк жауап бермеді. Бағдарлама нәтижені банк мәртебесімен өзі салыстырады; оған дейін бұл төлеммен әрекеттер қолжетімсіз. Қайталаудың қажеті жоқ.</translation>
        </message>
        <message>
            <source>Возврат уйдёт в банк после одобрения другим менеджером.</source>
            <translation>Қайтару басқа менеджер мақұлдағаннан кейін банкке жіберіледі.</translation>
        </message>
        <message>
            <source>— выберите причину —</source>
            <extracomment>The words field only when the reason needs them («Другое»): a dialog with a note of its own (a refund's) would otherwise show two look-alike free-text fields.</extracomment>
            <translation>— себебін таңдаңыз —</translation>
        </message>
        <message>
            <source>Опишите причину своими словами (обязательно)</source>
            <translation>Себебін өз сөзіңізбен жазыңыз (міндетті)</translation>
        </message>
        <message>
            <source>Комментарий (необязательно)</source>
            <translation>Түсініктеме (міндетті емес)</translation>
        </message>
        <message>
            <source>Выберите причину.</source>
            <translation>Себебін таңдаңыз.</translation>
        </message>
        <message>
            <source>Для причины «{reason}» опишите её своими словами.</source>
            <translation>«{reason}» себебі үшін оны өз сөзіңізбен жазыңыз.</translation>
        </message>
        <message>
            <source>Сумма должна быть больше нуля.</source>
            <translation>Сома нөлден үлкен болуы керек.</translation>
        </message>
        <message>
            <source>Можно подтвердить не больше {held}.</source>
            <translation>{held} сомасынан артық растауға болмайды.</translation>
        </message>
        <message>
            <source>Возврат — не меньше {minimum}.</source>
            <translation>Қайтару кемінде {minimum} болуы керек.</translation>
        </message>
        <message>
            <source>Можно вернуть не больше {rest}: списано {captured}, уже возвращено {refunded}.</source>
            <translation>{rest} сомасынан артық қайтаруға болмайды: есептен шығарылды {captured}, қайтарылып қойған {refunded}.</translation>
        </message>
        <message>
            <source>Сумма указывается в валюте платежа ({currency}).</source>
            <translation>Сома төлем валютасында көрсетіледі ({currency}).</translation>
        </message>
        <message>
            <source>Блокировка истекла: подтвердить её уже нельзя.</source>
            <translation>Бұғаттаудың мерзімі өтті: оны енді растау мүмкін емес.</translation>
        </message>
        <message>
            <source>{action} — заказ {invoice}</source>
            <translation>{action} — {invoice} тапсырысы</translation>
        </message>
        <message>
            <source>Сумма, {currency}:</source>
            <translation>Сома, {currency}:</translation>
        </message>
        <message>
            <source>Причина:</source>
            <translation>Себебі:</translation>
        </message>
        <message>
            <source>Например, номер акта возврата</source>
            <translation>Мысалы, қайтару актісінің нөмірі</translation>
        </message>
        <message>
            <source>Примечание к возврату (необязательно):</source>
            <translation>Қайтаруға ескерту (міндетті емес):</translation>
        </message>
        <message>
            <source>Не выполнять</source>
            <translation>Орындамау</translation>
        </message>
        <message>
            <source>Заказ {invoice}: заблокировано {held}.</source>
            <translation>{invoice} тапсырысы: {held} бұғатталған.</translation>
        </message>
        <message>
            <source>Подтвердить</source>
            <translation>Растау</translation>
        </message>
        <message>
            <source>Будет списано {amount} из заблокированных {held}.</source>
            <translation>Бұғатталған {held} ішінен {amount} есептен шығарылады.</translation>
        </message>
        <message>
            <source>Остаток {rest} будет разблокирован и вернётся покупателю.</source>
            <translation>Қалған {rest} бұғаттан шығарылып, сатып алушыға қайтарылады.</translation>
        </message>
        <message>
            <source>Причина: {reason}. Оператор: {operator}.</source>
            <translation>Себебі: {reason}. Оператор: {operator}.</translation>
        </message>
        <message>
            <source>Заполните форму: ниже сказано, чего не хватает.</source>
            <translation>Пішінді толтырыңыз: не жетіспейтіні төменде жазылған.</translation>
        </message>
        <message>
            <source>Блокировка {held} будет снята целиком: деньги снова станут доступны покупателю. Списано не будет ничего.</source>
            <translation>{held} бұғаттауы толығымен алынады: ақша сатып алушыға қайта қолжетімді болады. Ештеңе есептен шығарылмайды.</translation>
        </message>
        <message>
            <source>Заказ {invoice}: списано {captured}, уже возвращено {refunded}.</source>
            <translation>{invoice} тапсырысы: есептен шығарылды {captured}, қайтарылып қойған {refunded}.</translation>
        </message>
        <message>
            <source>Вернуть</source>
            <translation>Қайтару</translation>
        </message>
        <message>
            <source>Покупателю будет возвращено {amount}; после возврата останется {after}.</source>
            <translation>Сатып алушыға {amount} қайтарылады; қайтарудан кейін {after} қалады.</translation>
        </message>
        <message>
            <source>Возврат больше {limit}: он дождётся одобрения второго менеджера и только потом уйдёт в банк.</source>
            <translation>Қайтару {limit} сомасынан көп: ол екінші менеджердің мақұлдауын күтеді және содан кейін ғана банкке жіберіледі.</translation>
        </message>
        <message>
            <source>пропущена: блокировка истекла</source>
            <extracomment>invoiceId → why it is left out (expired, an operation in progress).</extracomment>
            <translation>өткізіп жіберілді: бұғаттаудың мерзімі өтті</translation>
        </message>
        <message>
            <source>{action}: несколько блокировок</source>
            <translation>{action}: бірнеше бұғаттау</translation>
        </message>
        <message>
            <source>истекла</source>
            <translation>мерзімі өтті</translation>
        </message>
        <message>
            <source>Подтвердить все</source>
            <translation>Барлығын растау</translation>
        </message>
        <message>
            <source>Отменить все</source>
            <translation>Барлығын болдырмау</translation>
        </message>
        <message>
            <source>Закрыть</source>
            <translation>Жабу</translation>
        </message>
        <message>
            <source>Будет списано полностью: {count} на сумму {total}.</source>
            <translation>Толық есептен шығарылады: {count}, жалпы сомасы {total}.</translation>
        </message>
        <message>
            <source>Будут сняты целиком: {count} на сумму {total}; списано не будет ничего.</source>
            <translation>Толығымен алынады: {count}, жалпы сомасы {total}; ештеңе есептен шығарылмайды.</translation>
        </message>
        <message>
            <source>Пропущено: {n} (см. таблицу).</source>
            <translation>Өткізіп жіберілді: {n} (кестені қараңыз).</translation>
        </message>
        <message>
            <source>Оператор: {operator}.</source>
            <translation>Оператор: {operator}.</translation>
        </message>
        <message>
            <source>Нечего выполнять: все выбранные блокировки пропущены.</source>
            <translation>Орындайтын ештеңе жоқ: таңдалған бұғаттаулардың бәрі өткізіп жіберілді.</translation>
        </message>
        <message>
            <source>Выполняется… {n} операций, по одной.</source>
            <translation>Орындалуда… {n} операция, бір-бірден.</translation>
        </message>
        <message>
            <source>Готово. </source>
            <translation>Дайын. </translation>
        </message>
        <message>
            <source>Не удалось выполнить: {error}</source>
            <translation>Орындау мүмкін болмады: {error}</translation>
        </message>
    </context>
    <context>
        <name>OperationsView</name>
        <message>
            <source>№</source>
            <translation>№</translation>
        </message>
        <message>
            <source>Создана</source>
            <translation>Құрылды</translation>
        </message>
        <message>
            <source>Заказ</source>
            <translation>Тапсырыс</translation>
        </message>
        <message>
            <source>Действие</source>
            <translation>Әрекет</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>Күйі</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Оператор</translation>
        </message>
        <message>
            <source>Причина</source>
            <translation>Себебі</translation>
        </message>
        <message>
            <source>Ответ банка</source>
            <translation>Банктің жауабы</translation>
        </message>
        <message>
            <source>Нерешённые</source>
            <extracomment>What the filter offers: title → statuses (None: all).</extracomment>
            <translation>Шешілмегендер</translation>
        </message>
        <message>
            <source>Ждут одобрения</source>
            <translation>Мақұлдауды күтуде</translation>
        </message>
        <message>
            <source>Все</source>
            <translation>Барлығы</translation>
        </message>
        <message>
            <source>Ошибка чтения: {error}</source>
            <translation>Оқу қатесі: {error}</translation>
        </message>
        <message>
            <source>отправляется</source>
            <translation>жіберілуде</translation>
        </message>
        <message>
            <source>результат неизвестен, уточняется у банка</source>
            <translation>нәтижесі белгісіз, банктен нақтыланып жатыр</translation>
        </message>
        <message>
            <source>ждёт одобрения</source>
            <translation>мақұлдауды күтуде</translation>
        </message>
        <message>
            <source>отправлено, ждём ответа</source>
            <translation>жіберілді, жауап күтудеміз</translation>
        </message>
        <message>
            <source>выполнено</source>
            <translation>орындалды</translation>
        </message>
        <message>
            <source>не выполнено</source>
            <translation>орындалмады</translation>
        </message>
        <message>
            <source>отклонено</source>
            <translation>қабылданбады</translation>
        </message>
        <message>
            <source>Одобрить возврат №{id}</source>
            <translation>№{id} қайтаруды мақұлдау</translation>
        </message>
        <message>
            <source>{action} {amount} по заказу {invoice}.
Запросил: {requester}, {when}.
Причина: {reason}.</source>
            <translation>{invoice} тапсырысы бойынша {action} {amount}.
Сұраған: {requester}, {when}.
Себебі: {reason}.</translation>
        </message>
        <message>
            <source>Примечание: {note}.</source>
            <translation>Ескертпе: {note}.</translation>
        </message>
        <message>
            <source>После одобрения ({approver}) программа ещё раз проверит платёж у банка и отправит возврат.</source>
            <translation>Мақұлданғаннан кейін ({approver}) бағдарлама төлемді банктен тағы бір рет тексеріп, қайтаруды жібереді.</translation>
        </message>
        <message>
            <source>Одобрить и отправить</source>
            <translation>Мақұлдау және жіберу</translation>
        </message>
        <message>
            <source>Не сейчас</source>
            <translation>Қазір емес</translation>
        </message>
        <message>
            <source>Отклонить возврат №{id}</source>
            <translation>№{id} қайтаруды қабылдамау</translation>
        </message>
        <message>
            <source>{action} {amount} по заказу {invoice} (запросил {requester}) не будет отправлен в банк.</source>
            <translation>{invoice} тапсырысы бойынша {action} {amount} ({requester} сұраған) банкке жіберілмейді.</translation>
        </message>
        <message>
            <source>Почему (обязательно)</source>
            <translation>Неліктен (міндетті)</translation>
        </message>
        <message>
            <source>Отклонить</source>
            <translation>Қабылдамау</translation>
        </message>
        <message>
            <source>Укажите причину отказа.</source>
            <translation>Бас тарту себебін көрсетіңіз.</translation>
        </message>
        <message>
            <source>Одобрить…</source>
            <extracomment>Something was approved, rejected or settled: what changed (services.changes.Changes).</extracomment>
            <translation>Мақұлдау…</translation>
        </message>
        <message>
            <source>Отклонить…</source>
            <translation>Қабылдамау…</translation>
        </message>
        <message>
            <source>Уточнить у банка</source>
            <translation>Банктен нақтылау</translation>
        </message>
        <message>
            <source>Прочитать статус у банка и решить операции с неизвестным результатом</source>
            <translation>Банктен мәртебені оқып, нәтижесі белгісіз операцияларды шешу</translation>
        </message>
        <message>
            <source>Показать:</source>
            <translation>Көрсету:</translation>
        </message>
        <message>
            <source>Операций: {n}</source>
            <translation>Операциялар: {n}</translation>
        </message>
        <message>
            <source>Свой запрос одобряет другой менеджер.</source>
            <translation>Өз сұрауыңызды басқа менеджер мақұлдайды.</translation>
        </message>
        <message>
            <source>Одобряет менеджер.</source>
            <translation>Менеджер мақұлдайды.</translation>
        </message>
        <message>
            <source>Операции</source>
            <translation>Операциялар</translation>
        </message>
    </context>
    <context>
        <name>OperatorsPage</name>
        <message>
            <source>Операторы</source>
            <extracomment>The list was read again (after loading or a change); for tests.</extracomment>
            <translation>Операторлар</translation>
        </message>
        <message>
            <source>Оператор</source>
            <translation>Оператор</translation>
        </message>
        <message>
            <source>Роль</source>
            <translation>Рөлі</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>Күйі</translation>
        </message>
        <message>
            <source>имя входа в систему, например anna</source>
            <translation>жүйеге кіру аты, мысалы anna</translation>
        </message>
        <message>
            <source>пароль входа в базу данных</source>
            <translation>дерекқорға кіру құпиясөзі</translation>
        </message>
        <message>
            <source>В общей базе оператор входит своим логином базы данных; его пароль задаёт администратор базы данных.</source>
            <translation>Ортақ дерекқорда оператор өзінің дерекқор логинімен кіреді; оның құпиясөзін дерекқор әкімшісі орнатады.</translation>
        </message>
        <message>
            <source>новый пароль (пусто — не менять)</source>
            <translation>жаңа құпиясөз (бос болса — өзгертпеу)</translation>
        </message>
        <message>
            <source>Сохранить оператора</source>
            <translation>Операторды сақтау</translation>
        </message>
        <message>
            <source>Отключить</source>
            <translation>Өшіру</translation>
        </message>
        <message>
            <source>Бухгалтер смотрит, сверяет и выгружает; менеджер ещё подтверждает, отменяет блокировки и делает возвраты; администратор ещё меняет настройки и операторов. Оператор — это имя входа в систему; другим оператором входят с его паролем (Файл → Сменить оператора…), который администратор задаёт здесь.</source>
            <translation>Бухгалтер қарайды, салыстырады және жүктеп алады; менеджер сондай-ақ растайды, бұғаттауды алады және қайтарады; әкімші сондай-ақ баптаулар мен операторларды өзгертеді. Оператор — жүйеге кіру аты; басқа оператор өз құпиясөзімен кіреді (Файл → Операторды ауыстыру…), оны әкімші осы жерде орнатады.</translation>
        </message>
        <message>
            <source>Не удалось прочитать операторов: {error}</source>
            <translation>Операторларды оқу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>активен</source>
            <translation>белсенді</translation>
        </message>
        <message>
            <source>отключён</source>
            <translation>өшірілген</translation>
        </message>
        <message>
            <source>Введите имя оператора — имя входа в систему, от 1 до 64 знаков, например anna.</source>
            <translation>Оператордың атын енгізіңіз — жүйеге кіру аты, 1-ден 64 таңбаға дейін, мысалы anna.</translation>
        </message>
        <message>
            <source>{name} — единственный администратор: сначала назначьте администратором кого-то ещё.</source>
            <translation>{name} — жалғыз әкімші: алдымен басқа біреуді әкімші етіп тағайындаңыз.</translation>
        </message>
        <message>
            <source>{name}: роль «{role}» сохранена.</source>
            <translation>{name}: «{role}» рөлі сақталды.</translation>
        </message>
        <message>
            <source>{name}: роль «{role}» и новый пароль сохранены.</source>
            <translation>{name}: «{role}» рөлі мен жаңа құпиясөз сақталды.</translation>
        </message>
        <message>
            <source>Выберите оператора в списке.</source>
            <translation>Тізімнен операторды таңдаңыз.</translation>
        </message>
        <message>
            <source>{name} отключён: войти и действовать он больше не может.</source>
            <translation>{name} өшірілді: енді кіре алмайды және әрекет ете алмайды.</translation>
        </message>
        <message>
            <source>Менять операторов может только администратор.</source>
            <translation>Операторларды тек әкімші өзгерте алады.</translation>
        </message>
    </context>
    <context>
        <name>OrdersImporter</name>
        <message>
            <source>Импорт заказов магазина</source>
            <extracomment>How many of a refused file's errors the message lists; the rest are counted.</extracomment>
            <translation>Дүкен тапсырыстарын импорттау</translation>
        </message>
        <message>
            <source>Выгрузка заказов (*.csv *.txt *.xlsx);;Все файлы (*)</source>
            <translation>Тапсырыстар экспорты (*.csv *.txt *.xlsx);;Барлық файлдар (*)</translation>
        </message>
        <message>
            <source>Ничего не загружено: исправьте файл и загрузите его снова.</source>
            <translation>Ештеңе жүктелмеді: файлды түзетіп, қайта жүктеңіз.</translation>
        </message>
        <message>
            <source>Файл {file}: новых заказов — {added}, без изменений — {unchanged}, обновлено — {updated}.</source>
            <translation>{file} файлы: жаңа тапсырыстар — {added}, өзгеріссіз — {unchanged}, жаңартылды — {updated}.</translation>
        </message>
        <message>
            <source>Загружаю заказы из {file}…</source>
            <translation>{file} файлынан тапсырыстарды жүктеп жатырмын…</translation>
        </message>
        <message>
            <source>Заказы не загружены: в файле есть ошибки.</source>
            <translation>Тапсырыстар жүктелмеді: файлда қателер бар.</translation>
        </message>
        <message>
            <source>Заказы не загружены.</source>
            <translation>Тапсырыстар жүктелмеді.</translation>
        </message>
        <message>
            <source>Не удалось загрузить файл: {error}</source>
            <translation>Файлды жүктеу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Заказы не загружены</source>
            <translation>Тапсырыстар жүктелмеді</translation>
        </message>
        <message>
            <source>Заказы загружены</source>
            <translation>Тапсырыстар жүктелді</translation>
        </message>
    </context>
    <context>
        <name>PaymentDetailPane</name>
        <message>
            <source>Сумма</source>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <translation>Қайтарылды</translation>
        </message>
        <message>
            <source>Заказ создан</source>
            <translation>Тапсырыс жасалды</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>Карта</source>
            <translation>Карта</translation>
        </message>
        <message>
            <source>Транзакция банка</source>
            <translation>Банк транзакциясы</translation>
        </message>
        <message>
            <source>Прочитано у банка</source>
            <translation>Банктен оқылды</translation>
        </message>
        <message>
            <source>Ошибка чтения</source>
            <translation>Оқу қатесі</translation>
        </message>
        <message>
            <source>Поле банка</source>
            <extracomment>Issue 4 puts confirm / cancel / refund here; empty until then.</extracomment>
            <translation>Банк өрісі</translation>
        </message>
        <message>
            <source>Значение</source>
            <translation>Мәні</translation>
        </message>
        <message>
            <source>Когда</source>
            <translation>Қашан</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>Күйі</translation>
        </message>
        <message>
            <source>Статус банка</source>
            <translation>Банк мәртебесі</translation>
        </message>
        <message>
            <source>Уведомления банка</source>
            <translation>Банк хабарламалары</translation>
        </message>
        <message>
            <source>Получено</source>
            <translation>Алынды</translation>
        </message>
        <message>
            <source>Результат</source>
            <translation>Нәтиже</translation>
        </message>
        <message>
            <source>Проверка</source>
            <translation>Тексеру</translation>
        </message>
        <message>
            <source>Банк при проверке</source>
            <translation>Тексерудегі банк</translation>
        </message>
        <message>
            <source>Данные банка</source>
            <extracomment>Everything below the title; hidden while no payment is shown.</extracomment>
            <translation>Банк деректері</translation>
        </message>
        <message>
            <source>История статусов</source>
            <translation>Мәртебелер тарихы</translation>
        </message>
        <message>
            <source>Не удалось прочитать платёж {invoice}: {error}</source>
            <translation>{invoice} төлемін оқу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Заказ {invoice}</source>
            <translation>{invoice} тапсырысы</translation>
        </message>
        <message>
            <source>ещё не читали</source>
            <translation>әлі оқылмаған</translation>
        </message>
        <message>
            <source>Ссылка на оплату ({state}), до {until}; создал {who}: {description}
{url}</source>
            <translation>Төлем сілтемесі ({state}), {until} дейін; жасаған {who}: {description}
{url}</translation>
        </message>
        <message>
            <source>проверено</source>
            <translation>тексерілді</translation>
        </message>
        <message>
            <source>НЕ ПРОВЕРЕНО: {why}</source>
            <translation>ТЕКСЕРІЛМЕГЕН: {why}</translation>
        </message>
        <message>
            <source>у банка нет платежа</source>
            <translation>банкте төлем жоқ</translation>
        </message>
        <message>
            <source>ещё не проверено</source>
            <translation>әлі тексерілмеді</translation>
        </message>
        <message>
            <source>Выберите платёж в списке</source>
            <translation>Тізімнен төлемді таңдаңыз</translation>
        </message>
    </context>
    <context>
        <name>PaymentLinks</name>
        <message>
            <source>Закрыть</source>
            <translation>Жабу</translation>
        </message>
        <message>
            <source>активна, ждёт оплаты</source>
            <translation>белсенді, төлемді күтуде</translation>
        </message>
        <message>
            <source>оплачена</source>
            <translation>төленді</translation>
        </message>
        <message>
            <source>срок истёк, не оплачена</source>
            <translation>мерзімі өтті, төленбеді</translation>
        </message>
        <message>
            <source>платёж отклонён</source>
            <translation>төлем қабылданбады</translation>
        </message>
        <message>
            <source>Выставить счёт</source>
            <translation>Шот жазу</translation>
        </message>
        <message>
            <source>например, 15 000 или 1 500,50</source>
            <translation>мысалы, 15 000 немесе 1 500,50</translation>
        </message>
        <message>
            <source>что оплачивает покупатель</source>
            <translation>сатып алушы не үшін төлейді</translation>
        </message>
        <message>
            <source>1 час</source>
            <translation>1 сағат</translation>
        </message>
        <message>
            <source>1 день</source>
            <translation>1 күн</translation>
        </message>
        <message>
            <source>3 дня</source>
            <translation>3 күн</translation>
        </message>
        <message>
            <source>7 дней</source>
            <translation>7 күн</translation>
        </message>
        <message>
            <source>Сумма:</source>
            <translation>Сома:</translation>
        </message>
        <message>
            <source>За что:</source>
            <translation>Не үшін:</translation>
        </message>
        <message>
            <source>E-mail покупателя:</source>
            <translation>Сатып алушының e-mail-ы:</translation>
        </message>
        <message>
            <source>Телефон покупателя:</source>
            <translation>Сатып алушының телефоны:</translation>
        </message>
        <message>
            <source>Ссылка действует:</source>
            <translation>Сілтеменің мерзімі:</translation>
        </message>
        <message>
            <source>Язык страницы оплаты:</source>
            <translation>Төлем бетінің тілі:</translation>
        </message>
        <message>
            <source>Создать ссылку</source>
            <translation>Сілтеме жасау</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Болдырмау</translation>
        </message>
        <message>
            <source>Банк создаст ссылку на оплату; заказ появится в списке платежей как ожидающий оплаты.</source>
            <translation>Банк төлем сілтемесін жасайды; тапсырыс төлемдер тізімінде төлемді күтуде ретінде пайда болады.</translation>
        </message>
        <message>
            <source>Создаю ссылку…</source>
            <translation>Сілтеме жасалуда…</translation>
        </message>
        <message>
            <source>Ссылка на оплату заказа {invoice}</source>
            <extracomment>The sandbox took the payment (its status has been read): the lists should read again.</extracomment>
            <translation>{invoice} тапсырысының төлем сілтемесі</translation>
        </message>
        <message>
            <source>Копировать</source>
            <translation>Көшіру</translation>
        </message>
        <message>
            <source>Отправить по e-mail</source>
            <translation>E-mail арқылы жіберу</translation>
        </message>
        <message>
            <source>Заказ {invoice} на {amount}: {description}.
Действует до {until}.</source>
            <translation>{invoice} тапсырысы, {amount}: {description}.
{until} дейін жарамды.</translation>
        </message>
        <message>
            <source>Оплатить в песочнице (тестовая карта)</source>
            <translation>Құмсалғышта төлеу (тестілік карта)</translation>
        </message>
        <message>
            <source>Покажите код покупателю: камера телефона откроет страницу оплаты.</source>
            <translation>Кодты сатып алушыға көрсетіңіз: телефон камерасы төлем бетін ашады.</translation>
        </message>
        <message>
            <source>Ссылка скопирована.</source>
            <translation>Сілтеме көшірілді.</translation>
        </message>
        <message>
            <source>Покупатель платит тестовой картой…</source>
            <translation>Сатып алушы тестілік картамен төлеуде…</translation>
        </message>
        <message>
            <source>Оплата не прошла: {error}</source>
            <translation>Төлем өтпеді: {error}</translation>
        </message>
        <message>
            <source>Оплачено тестовой картой; статус у банка: {status}.</source>
            <translation>Тестілік картамен төленді; банктегі мәртебе: {status}.</translation>
        </message>
        <message>
            <source>Почтовая программа не открылась: скопируйте ссылку и отправьте её сами.</source>
            <translation>Пошта бағдарламасы ашылмады: сілтемені көшіріп, өзіңіз жіберіңіз.</translation>
        </message>
        <message>
            <source>Выставить счёт…</source>
            <extracomment>A link was made (its invoiceId): the Payments tab shows it. The sandbox took a link's payment: what changed (services.changes.Changes). The last result dialog, for tests and screenshots.</extracomment>
            <translation>Шот жазу…</translation>
        </message>
        <message>
            <source>Ссылка на оплату для заказа по телефону или e-mail (Ctrl+N)</source>
            <translation>Телефон немесе e-mail арқылы берілген тапсырысқа төлем сілтемесі (Ctrl+N)</translation>
        </message>
        <message>
            <source>Ссылки на оплату создают менеджеры и администраторы.</source>
            <translation>Төлем сілтемелерін менеджерлер мен әкімшілер жасайды.</translation>
        </message>
        <message>
            <source>Ссылка не создана: {error}</source>
            <translation>Сілтеме жасалмады: {error}</translation>
        </message>
    </context>
    <context>
        <name>PaymentsModel</name>
        <message>
            <source>Номер заказа</source>
            <extracomment>Rows per database query: one indexed LIMIT query, small enough to be instant. Blocks kept in memory (least recently used go first): 50 × 200 rows. Blocks waiting to be fetched; older requests are dropped when the user scrolls past quickly. Neighbouring blocks asked for together are fetched by one query, up to this many.</extracomment>
            <translation>Тапсырыс нөмірі</translation>
        </message>
        <message>
            <source>Заказ создан</source>
            <translation>Тапсырыс жасалды</translation>
        </message>
        <message>
            <source>Покупатель</source>
            <translation>Сатып алушы</translation>
        </message>
        <message>
            <source>Сумма</source>
            <translation>Сома</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <translation>Қайтарылды</translation>
        </message>
        <message>
            <source>Состояние</source>
            <translation>Күйі</translation>
        </message>
        <message>
            <source>Статус банка</source>
            <translation>Банк мәртебесі</translation>
        </message>
        <message>
            <source>Карта</source>
            <translation>Карта</translation>
        </message>
        <message>
            <source>RRN</source>
            <translation>RRN</translation>
        </message>
        <message>
            <source>Статус в магазине</source>
            <translation>Дүкендегі мәртебесі</translation>
        </message>
    </context>
    <context>
        <name>PaymentsView</name>
        <message>
            <source>Все заказы</source>
            <extracomment>Pause after the last keystroke before the database is asked. Copying more rows than this is a job for the export, not the clipboard. Ctrl+A selects the whole list only up to this many rows. Starting period when "all dates" is switched off. The link filter's choices: all orders, orders with a link, or links in one state.</extracomment>
            <translation>Барлық тапсырыстар</translation>
        </message>
        <message>
            <source>Все ссылки на оплату</source>
            <translation>Барлық төлем сілтемелері</translation>
        </message>
        <message>
            <source>Ссылки: ждут оплаты</source>
            <translation>Сілтемелер: төлемді күтуде</translation>
        </message>
        <message>
            <source>Ссылки: оплачены</source>
            <translation>Сілтемелер: төленді</translation>
        </message>
        <message>
            <source>Ссылки: срок истёк</source>
            <translation>Сілтемелер: мерзімі өтті</translation>
        </message>
        <message>
            <source>Ссылки: платёж отклонён</source>
            <translation>Сілтемелер: төлем қабылданбады</translation>
        </message>
        <message>
            <source>Поиск: номер заказа, RRN, карта, покупатель (Ctrl+F)</source>
            <extracomment>A short note for the status bar ("Скопировано 3 строки"). The payment chosen in the table changed: its invoiceId, or None when none is. An order to select once the list has loaded (show_invoice).</extracomment>
            <translation>Іздеу: тапсырыс нөмірі, RRN, карта, сатып алушы (Ctrl+F)</translation>
        </message>
        <message>
            <source>Все даты</source>
            <translation>Барлық күндер</translation>
        </message>
        <message>
            <source>Период:</source>
            <extracomment>The filter bar; add_to_bar puts a button at its start.</extracomment>
            <translation>Кезең:</translation>
        </message>
        <message>
            <source>Копировать строки</source>
            <translation>Жолдарды көшіру</translation>
        </message>
        <message>
            <source>Загрузка…</source>
            <translation>Жүктелуде…</translation>
        </message>
        <message>
            <source>Подсчёт строк…</source>
            <translation>Жолдарды санап жатырмын…</translation>
        </message>
        <message numerus="yes">
            <source>%n платежей</source>
            <translation>
                <numerusform>%n төлем</numerusform>
                <numerusform>%n төлем</numerusform>
            </translation>
        </message>
        <message>
            <source>Ошибка чтения: {message}</source>
            <translation>Оқу қатесі: {message}</translation>
        </message>
        <message>
            <source>В списке {n} строк: выделить все можно, когда их не больше {limit}. Сузьте список поиском, периодом или состоянием.</source>
            <translation>Тізімде {n} жол бар: олардың саны {limit} аспаса ғана барлығын белгілеуге болады. Тізімді іздеу, кезең немесе күй арқылы тарылтыңыз.</translation>
        </message>
        <message>
            <source>Выделено строк: {n} — это больше, чем {limit} для буфера обмена.</source>
            <translation>Белгіленген жолдар: {n} — бұл алмасу буферіне арналған {limit} шегінен көп.</translation>
        </message>
        <message numerus="yes">
            <source>Скопировано строк: %n</source>
            <translation>
                <numerusform>Көшірілген жолдар: %n</numerusform>
                <numerusform>Көшірілген жолдар: %n</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ProfilesPage</name>
        <message>
            <source>Профили банка</source>
            <extracomment>A connection test ended (True when it worked); for tests. The list of profiles was read (again). A profile was saved (its name).</extracomment>
            <translation>Банк профильдері</translation>
        </message>
        <message>
            <source>Новый профиль</source>
            <translation>Жаңа профиль</translation>
        </message>
        <message>
            <source>UUID магазина из кабинета банка</source>
            <translation>банк кабинетіндегі дүкен UUID-і</translation>
        </message>
        <message>
            <source>Сохранить для ссылок на оплату</source>
            <translation>Төлем сілтемелері үшін сақтау</translation>
        </message>
        <message>
            <source>Идентификатор магазина и адрес приёмника уведомлений банка: нужны, чтобы выставлять счета (ссылки на оплату). Сохраняются для любого профиля, и встроенного тоже.</source>
            <translation>Дүкен идентификаторы мен банк хабарламаларын қабылдағыштың мекенжайы: шот (төлем сілтемесін) жазу үшін керек. Кез келген профиль үшін, кірістірілгені үшін де сақталады.</translation>
        </message>
        <message>
            <source>Сохранить профиль</source>
            <translation>Профильді сақтау</translation>
        </message>
        <message>
            <source>Проверить соединение</source>
            <translation>Қосылымды тексеру</translation>
        </message>
        <message>
            <source>Вид:</source>
            <translation>Түрі:</translation>
        </message>
        <message>
            <source>Имя:</source>
            <translation>Аты:</translation>
        </message>
        <message>
            <source>Адрес токенов (OAuth):</source>
            <translation>Токендер мекенжайы (OAuth):</translation>
        </message>
        <message>
            <source>Адрес API:</source>
            <translation>API мекенжайы:</translation>
        </message>
        <message>
            <source>Client ID:</source>
            <translation>Client ID:</translation>
        </message>
        <message>
            <source>Терминал:</source>
            <translation>Терминал:</translation>
        </message>
        <message>
            <source>Секрет клиента:</source>
            <translation>Клиент құпиясы:</translation>
        </message>
        <message>
            <source>Где хранится секрет:</source>
            <translation>Құпия қайда сақталады:</translation>
        </message>
        <message>
            <source>Пользователь кабинета:</source>
            <translation>Кабинет пайдаланушысы:</translation>
        </message>
        <message>
            <source>Пароль кабинета:</source>
            <translation>Кабинет құпиясөзі:</translation>
        </message>
        <message>
            <source>Идентификатор магазина:</source>
            <translation>Дүкен идентификаторы:</translation>
        </message>
        <message>
            <source>Адрес уведомлений банка:</source>
            <translation>Банк хабарламаларының мекенжайы:</translation>
        </message>
        <message>
            <source>Открывать при запуске:</source>
            <translation>Іске қосқанда ашу:</translation>
        </message>
        <message>
            <source>Профиль — это адреса банка и данные мерчанта. Сейчас открыт профиль «{name}»; другой откроется при следующем запуске.</source>
            <translation>Профиль — бұл банк мекенжайлары және мерчант деректері. Қазір «{name}» профилі ашық; басқасы келесі іске қосқанда ашылады.</translation>
        </message>
        <message>
            <source>Не удалось прочитать профили: {error}</source>
            <translation>Профильдерді оқу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>латиница, например shop-main</source>
            <translation>латын әріптері, мысалы shop-main</translation>
        </message>
        <message>
            <source>из кабинета мерчанта</source>
            <translation>мерчант кабинетінен</translation>
        </message>
        <message>
            <source>введите секрет</source>
            <translation>құпияны енгізіңіз</translation>
        </message>
        <message>
            <source>оставьте пустым, чтобы не менять</source>
            <translation>өзгертпеу үшін бос қалдырыңыз</translation>
        </message>
        <message>
            <source>логин кабинета мерчанта, если есть</source>
            <translation>мерчант кабинетінің логині, бар болса</translation>
        </message>
        <message>
            <source>на этом компьютере, выбирается при запуске</source>
            <translation>осы компьютерде, іске қосқанда таңдалады</translation>
        </message>
        <message>
            <source>Имя профиля: от 1 до 64 строчных латинских букв, цифр, «-» или «_», например shop-main; имена sandbox и halyk-test заняты.</source>
            <translation>Профиль аты: 1-ден 64-ке дейін кіші латын әріптері, цифрлар, «-» немесе «_», мысалы shop-main; sandbox және halyk-test аттары бос емес.</translation>
        </message>
        <message>
            <source>Адрес токенов: введите адрес https:// из документации банка, например {url}.</source>
            <translation>Токендер мекенжайы: банк құжаттамасындағы https:// мекенжайын енгізіңіз, мысалы {url}.</translation>
        </message>
        <message>
            <source>Адрес API: введите адрес https:// из документации банка, например {url}.</source>
            <translation>API мекенжайы: банк құжаттамасындағы https:// мекенжайын енгізіңіз, мысалы {url}.</translation>
        </message>
        <message>
            <source>Client ID пуст: скопируйте его из кабинета мерчанта банка.</source>
            <translation>Client ID бос: оны банктің мерчант кабинетінен көшіріңіз.</translation>
        </message>
        <message>
            <source>Терминал — это идентификатор вида 67e34d63-102f-4bd1-898e-370781d0074d из кабинета мерчанта: скопируйте его целиком.</source>
            <translation>Терминал — мерчант кабинетіндегі 67e34d63-102f-4bd1-898e-370781d0074d түріндегі идентификатор: оны толық көшіріңіз.</translation>
        </message>
        <message>
            <source>Введите секрет клиента (client secret) из кабинета мерчанта.</source>
            <translation>Мерчант кабинетіндегі клиент құпиясын (client secret) енгізіңіз.</translation>
        </message>
        <message>
            <source>Введите пароль пользователя кабинета — тот, с которым он входит в кабинет мерчанта.</source>
            <translation>Кабинет пайдаланушысының құпиясөзін енгізіңіз — ол мерчант кабинетіне сонымен кіреді.</translation>
        </message>
        <message>
            <source>Введите пользователя кабинета, к которому относится пароль.</source>
            <translation>Құпиясөз қай кабинет пайдаланушысына тиесілі екенін енгізіңіз.</translation>
        </message>
        <message>
            <source>Не сохранено: {error}</source>
            <translation>Сақталмады: {error}</translation>
        </message>
        <message>
            <source>Поля ссылок на оплату профиля «{name}» сохранены.</source>
            <translation>«{name}» профилінің төлем сілтемелері өрістері сақталды.</translation>
        </message>
        <message>
            <source>Сохраняю…</source>
            <translation>Сақтап жатырмын…</translation>
        </message>
        <message>
            <source>Сохранять профили может только администратор.</source>
            <translation>Профильдерді тек әкімші сақтай алады.</translation>
        </message>
        <message>
            <source>Профиль не сохранён: {error}</source>
            <translation>Профиль сақталмады: {error}</translation>
        </message>
        <message>
            <source>Профиль «{name}» сохранён.</source>
            <translation>«{name}» профилі сақталды.</translation>
        </message>
        <message>
            <source>Подключаюсь к банку…</source>
            <translation>Банкке қосылып жатырмын…</translation>
        </message>
        <message>
            <source>Проверка не удалась: {error}</source>
            <translation>Тексеру сәтсіз аяқталды: {error}</translation>
        </message>
        <message>
            <source>песочница: учебный банк на этом компьютере</source>
            <extracomment>A profile every field of which passes profiles.custom_profile: each field is checked by putting it in here, so the rules stay the service's own.</extracomment>
            <translation>құмсалғыш: осы компьютердегі оқу банкі</translation>
        </message>
        <message>
            <source>тестовый магазин банка</source>
            <translation>банктің тестілік дүкені</translation>
        </message>
        <message>
            <source>свой профиль</source>
            <translation>өз профиліңіз</translation>
        </message>
        <message>
            <source>не нужен: песочница работает без ключей банка</source>
            <translation>қажет емес: құмсалғыш банк кілттерінсіз жұмыс істейді</translation>
        </message>
        <message>
            <source>опубликован банком для своего тестового магазина</source>
            <translation>банк өзінің тестілік дүкені үшін жариялаған</translation>
        </message>
        <message>
            <source>в системном хранилище паролей</source>
            <translation>жүйелік құпиясөздер қоймасында</translation>
        </message>
        <message>
            <source>в файле {path}: системного хранилища паролей нет</source>
            <translation>{path} файлында: жүйелік құпиясөздер қоймасы жоқ</translation>
        </message>
        <message>
            <source>не сохранён: введите секрет, который выдал банк</source>
            <translation>сақталмаған: банк берген құпияны енгізіңіз</translation>
        </message>
        <message>
            <source>На этом компьютере нет системного хранилища паролей, поэтому секрет сохранён в файле {path}, который может читать только ваша учётная запись. Не передавайте этот файл и не кладите его в общие копии; чтобы хранить секреты в хранилище, установите его (например, GNOME Keyring или KWallet) и сохраните профиль ещё раз.</source>
            <translation>Бұл компьютерде жүйелік құпиясөздер қоймасы жоқ, сондықтан құпия тек сіздің есептік жазбаңыз оқи алатын {path} файлында сақталды. Бұл файлды ешкімге бермеңіз және ортақ көшірмелерге салмаңыз; құпияларды қоймада сақтау үшін оны орнатыңыз (мысалы, GNOME Keyring немесе KWallet) және профильді қайта сақтаңыз.</translation>
        </message>
        <message>
            <source>Соединение работает: банк ({host}) выдал токен и ответил на запрос статуса.</source>
            <translation>Қосылым жұмыс істейді: банк ({host}) токен берді және мәртебе сұрауына жауап берді.</translation>
        </message>
        <message>
            <source>Профиль заполнен не полностью: проверьте адреса, client id, терминал и секрет.</source>
            <translation>Профиль толық толтырылмаған: мекенжайларды, client id, терминалды және құпияны тексеріңіз.</translation>
        </message>
        <message>
            <source>Банк не принял данные входа: проверьте client id, секрет и терминал — их выдаёт банк в кабинете мерчанта.</source>
            <translation>Банк кіру деректерін қабылдамады: client id, құпия және терминалды тексеріңіз — оларды банк мерчант кабинетінде береді.</translation>
        </message>
        <message>
            <source>Банк не принял вход пользователя кабинета: проверьте пользователя и пароль, с которыми он входит в кабинет мерчанта.</source>
            <translation>Банк кабинет пайдаланушысының кіруін қабылдамады: мерчант кабинетіне кіретін пайдаланушы мен құпиясөзді тексеріңіз.</translation>
        </message>
        <message>
            <source>Банк не отвечает по адресу {host}: проверьте адреса и подключение к интернету и повторите через минуту.</source>
            <translation>Банк {host} мекенжайы бойынша жауап бермейді: мекенжайларды және интернет байланысын тексеріп, бір минуттан кейін қайталаңыз.</translation>
        </message>
        <message>
            <source>Банк ответил отказом: проверьте терминал и client id; подробности ниже.</source>
            <translation>Банк бас тартты: терминал мен client id тексеріңіз; толығырақ төменде.</translation>
        </message>
        <message>
            <source>Ответ по адресу {host} не похож на ответ банка: проверьте адрес API.</source>
            <translation>{host} мекенжайынан келген жауап банктің жауабына ұқсамайды: API мекенжайын тексеріңіз.</translation>
        </message>
        <message>
            <source>Проверка не удалась.</source>
            <translation>Тексеру сәтсіз аяқталды.</translation>
        </message>
        <message>
            <source>песочница входит в кабинет сама</source>
            <translation>құмсалғыш кабинетке өзі кіреді</translation>
        </message>
        <message>
            <source>Список операций банка и ссылки на оплату банк выдаёт по входу пользователя кабинета мерчанта; без него программа пробует ключи клиента.</source>
            <translation>Банк операциялар тізімін және төлем сілтемелерін мерчант кабинеті пайдаланушысының кіруі бойынша береді; онсыз бағдарлама клиент кілттерін қолданып көреді.</translation>
        </message>
        <message>
            <source>Пароль кабинета: {where}</source>
            <translation>Кабинет құпиясөзі: {where}</translation>
        </message>
    </context>
    <context>
        <name>QFileDialog</name>
        <message>
            <source>&amp;Look in:</source>
            <translation>Қайда қ&amp;арау:</translation>
        </message>
        <message>
            <source>Files of &amp;type:</source>
            <translation>Файлдар &amp;түрі:</translation>
        </message>
    </context>
    <context>
        <name>ReasonsPage</name>
        <message>
            <source>Причины</source>
            <translation>Себептер</translation>
        </message>
        <message>
            <source>Добавить</source>
            <translation>Қосу</translation>
        </message>
        <message>
            <source>Удалить</source>
            <translation>Жою</translation>
        </message>
        <message>
            <source>Выше</source>
            <translation>Жоғары</translation>
        </message>
        <message>
            <source>Ниже</source>
            <translation>Төмен</translation>
        </message>
        <message>
            <source>Из этого списка выбирают причину подтверждения, отмены и возврата, в этом порядке. Чтобы изменить текст, дважды щёлкните по нему. Для причины «Другое» оператор пишет пояснение сам.</source>
            <translation>Растау, болдырмау және қайтару себебі осы тізімнен, осы ретпен таңдалады. Мәтінді өзгерту үшін оны екі рет басыңыз. «Другое» (басқа) себебі үшін оператор түсініктемені өзі жазады.</translation>
        </message>
        <message>
            <source>Новая причина</source>
            <translation>Жаңа себеп</translation>
        </message>
        <message>
            <source>Нужна хотя бы одна причина: нажмите «Добавить» и введите её, например «Просьба покупателя».</source>
            <translation>Кем дегенде бір себеп қажет: «Қосу» батырмасын басып, оны енгізіңіз, мысалы «Просьба покупателя» (сатып алушының өтініші).</translation>
        </message>
        <message>
            <source>В строке {row} пустая причина: введите текст или удалите строку.</source>
            <translation>{row} жолындағы себеп бос: мәтін енгізіңіз немесе жолды жойыңыз.</translation>
        </message>
        <message>
            <source>Причина «{reason}» записана дважды: удалите повтор.</source>
            <translation>«{reason}» себебі екі рет жазылған: қайталануын жойыңыз.</translation>
        </message>
    </context>
    <context>
        <name>Reconciliation</name>
        <message>
            <source>Совпадает</source>
            <extracomment>Resolved lines are greyed: they stay in the list, and in the workbook, for the record. The reconciliation's categories in Russian (the engine's TITLES, here so that lupdate finds them; a test keeps both the same).</extracomment>
            <translation>Сәйкес келеді</translation>
        </message>
        <message>
            <source>Расхождение суммы</source>
            <translation>Сома сәйкес емес</translation>
        </message>
        <message>
            <source>Расхождение статуса</source>
            <translation>Мәртебе сәйкес емес</translation>
        </message>
        <message>
            <source>Нет оплаты в банке</source>
            <translation>Банкте төлем жоқ</translation>
        </message>
        <message>
            <source>Платёж неизвестен магазину</source>
            <translation>Төлем дүкенге белгісіз</translation>
        </message>
        <message>
            <source>Несколько платежей по заказу</source>
            <translation>Бір тапсырыс бойынша бірнеше төлем</translation>
        </message>
        <message>
            <source>Блокировки, ожидают подтверждения</source>
            <translation>Растауды күтетін бұғаттаулар</translation>
        </message>
        <message>
            <source>Блокировки, скоро истекают</source>
            <translation>Мерзімі жақында бітетін бұғаттаулар</translation>
        </message>
        <message>
            <source>Блокировки, срок истёк</source>
            <translation>Мерзімі өткен бұғаттаулар</translation>
        </message>
        <message>
            <source>Частичный возврат</source>
            <translation>Ішінара қайтару</translation>
        </message>
        <message>
            <source>Возврат</source>
            <translation>Қайтару</translation>
        </message>
        <message>
            <source>Комиссия банка</source>
            <translation>Банк комиссиясы</translation>
        </message>
        <message>
            <source>Расхождение валюты</source>
            <translation>Валюта сәйкес емес</translation>
        </message>
        <message>
            <source>Незавершённые операции</source>
            <translation>Аяқталмаған операциялар</translation>
        </message>
        <message>
            <source>нет</source>
            <translation>жоқ</translation>
        </message>
        <message>
            <source>✓ {by}: {note}</source>
            <translation>✓ {by}: {note}</translation>
        </message>
        <message>
            <source>Категория</source>
            <translation>Санат</translation>
        </message>
        <message>
            <source>День</source>
            <translation>Күн</translation>
        </message>
        <message>
            <source>Номер заказа</source>
            <translation>Тапсырыс нөмірі</translation>
        </message>
        <message>
            <source>В магазине</source>
            <translation>Дүкенде</translation>
        </message>
        <message>
            <source>В банке</source>
            <translation>Банкте</translation>
        </message>
        <message>
            <source>Разница</source>
            <translation>Айырма</translation>
        </message>
        <message>
            <source>Что не так</source>
            <translation>Не дұрыс емес</translation>
        </message>
        <message>
            <source>Решено</source>
            <translation>Шешілді</translation>
        </message>
    </context>
    <context>
        <name>ReconciliationView</name>
        <message>
            <source>Сохранить сверку в Excel</source>
            <extracomment>Widths of the columns but the message's, which takes what is left: narrow enough that on a 1366 px laptop the message keeps room for a sentence (long names are elided, with a tooltip). The least width of the message column: about forty characters. Category cards per row under the money cards.</extracomment>
            <translation>Салыстыруды Excel-ге сақтау</translation>
        </message>
        <message>
            <source>Книга Excel (*.xlsx)</source>
            <translation>Excel кітабы (*.xlsx)</translation>
        </message>
        <message>
            <source>Вчера</source>
            <extracomment>A run arrived and is shown (the Reconciliation). A run or an export failed or was cancelled (the text shown). The workbook was written (its path). A discrepancy was marked resolved (the Discrepancy as it now reads). A line for the window's status bar.</extracomment>
            <translation>Кеше</translation>
        </message>
        <message>
            <source>Прошлый месяц</source>
            <translation>Өткен ай</translation>
        </message>
        <message>
            <source>Реестр операций банка</source>
            <translation>Банк операцияларының тізілімі</translation>
        </message>
        <message>
            <source>Запросить у банка реестр операций: он показывает платежи, неизвестные магазину, и повторные оплаты одного заказа.</source>
            <translation>Банктен операциялар тізілімін сұрау: ол дүкенге белгісіз төлемдерді және бір тапсырыстың қайталанған төлемдерін көрсетеді.</translation>
        </message>
        <message>
            <source>Сверить</source>
            <translation>Салыстыру</translation>
        </message>
        <message>
            <source>Отменить</source>
            <translation>Болдырмау</translation>
        </message>
        <message>
            <source>Экспорт в Excel…</source>
            <translation>Excel-ге экспорттау…</translation>
        </message>
        <message>
            <source>Книга Excel со всеми листами сверки (Ctrl+E)</source>
            <translation>Салыстырудың барлық парақтары бар Excel кітабы (Ctrl+E)</translation>
        </message>
        <message>
            <source>Выберите день или период и нажмите «Сверить»: заказы магазина сравниваются с платежами банка.</source>
            <translation>Күнді немесе кезеңді таңдап, «Салыстыру» батырмасын басыңыз: дүкен тапсырыстары банк төлемдерімен салыстырылады.</translation>
        </message>
        <message>
            <source>Заказано</source>
            <translation>Тапсырыс берілді</translation>
        </message>
        <message>
            <source>Списано</source>
            <translation>Есептен шығарылды</translation>
        </message>
        <message>
            <source>Возвращено</source>
            <translation>Қайтарылды</translation>
        </message>
        <message>
            <source>Чистыми (списано − возвращено)</source>
            <translation>Таза (есептен шығарылды − қайтарылды)</translation>
        </message>
        <message>
            <source>Доля совпадений</source>
            <translation>Сәйкестік үлесі</translation>
        </message>
        <message>
            <source>Все расхождения</source>
            <translation>Барлық сәйкессіздіктер</translation>
        </message>
        <message>
            <source>Показывать решённые</source>
            <translation>Шешілгендерді көрсету</translation>
        </message>
        <message>
            <source>Отметить решённым…</source>
            <translation>Шешілді деп белгілеу…</translation>
        </message>
        <message>
            <source>Показать:</source>
            <translation>Көрсету:</translation>
        </message>
        <message>
            <source>Период:</source>
            <translation>Кезең:</translation>
        </message>
        <message>
            <source>Сверяю {period}…</source>
            <translation>{period} салыстырып жатырмын…</translation>
        </message>
        <message>
            <source>Читаю заказы и платежи</source>
            <translation>Тапсырыстар мен төлемдерді оқып жатырмын</translation>
        </message>
        <message>
            <source>Читаю реестр операций банка</source>
            <translation>Банк операцияларының тізілімін оқып жатырмын</translation>
        </message>
        <message>
            <source>Сопоставляю</source>
            <translation>Сәйкестендіріп жатырмын</translation>
        </message>
        <message>
            <source>Сохраняю результат</source>
            <translation>Нәтижені сақтап жатырмын</translation>
        </message>
        <message>
            <source>Записываю книгу Excel</source>
            <translation>Excel кітабын жазып жатырмын</translation>
        </message>
        <message>
            <source>Сверка отменена: ничего не сохранено.</source>
            <translation>Салыстыру тоқтатылды: ештеңе сақталмады.</translation>
        </message>
        <message>
            <source>За {period} сверять нечего: в базе нет заказов, платежей и операций этих дней. Проверьте даты, загрузите заказы магазина и синхронизируйте (F5).</source>
            <translation>{period} үшін салыстыратын ештеңе жоқ: базада сол күндердің тапсырыстары, төлемдері және операциялары жоқ. Күндерді тексеріп, дүкен тапсырыстарын жүктеңіз және синхрондаңыз (F5).</translation>
        </message>
        <message>
            <source>Сверка не выполнена: {error}</source>
            <translation>Салыстыру орындалмады: {error}</translation>
        </message>
        <message>
            <source>Сверка</source>
            <translation>Салыстыру</translation>
        </message>
        <message>
            <source>реестр операций банка прочитан ({n})</source>
            <translation>банк операцияларының тізілімі оқылды ({n})</translation>
        </message>
        <message>
            <source>без реестра операций банка</source>
            <translation>банк операцияларының тізілімінсіз</translation>
        </message>
        <message>
            <source>реестр операций банка недоступен профилю</source>
            <translation>банк операцияларының тізілімі бұл профильге қолжетімсіз</translation>
        </message>
        <message>
            <source>реестр операций банка не прочитан</source>
            <translation>банк операцияларының тізілімі оқылмады</translation>
        </message>
        <message>
            <source>Сверка за {period} ({tz}) · выполнена {at}, {who} · {listed}</source>
            <translation>{period} салыстыруы ({tz}) · орындалды {at}, {who} · {listed}</translation>
        </message>
        <message>
            <source>Платежи {n} заказов ещё не прочитаны из банка: они показаны как «нет оплаты в банке». Синхронизируйте (F5) и сверьте снова.</source>
            <translation>{n} тапсырыстың төлемдері банктен әлі оқылмаған: олар «банкте төлем жоқ» ретінде көрсетілген. Синхрондап (F5), қайта салыстырыңыз.</translation>
        </message>
        <message>
            <source>Без реестра операций не видны платежи, неизвестные магазину, и повторные оплаты ({why}).</source>
            <translation>Операциялар тізілімінсіз дүкенге белгісіз төлемдер мен қайталанған төлемдер көрінбейді ({why}).</translation>
        </message>
        <message>
            <source>заказов: {n}</source>
            <translation>тапсырыстар: {n}</translation>
        </message>
        <message>
            <source>совпало {matched} из {expected}</source>
            <translation>{expected} ішінен {matched} сәйкес келді</translation>
        </message>
        <message>
            <source>решено: {n}</source>
            <translation>шешілді: {n}</translation>
        </message>
        <message>
            <source>показано {shown} из {total} · открытых {open}</source>
            <translation>{total} ішінен {shown} көрсетілді · ашық {open}</translation>
        </message>
        <message>
            <source>Решено: {note} ({by}, {at})</source>
            <translation>Шешілді: {note} ({by}, {at})</translation>
        </message>
        <message>
            <source>Заказа нет в магазине. Платёж банка: {tx}, {amount}, карта {card}, RRN {rrn}.</source>
            <translation>Дүкенде мұндай тапсырыс жоқ. Банк төлемі: {tx}, {amount}, карта {card}, RRN {rrn}.</translation>
        </message>
        <message>
            <source>Изменить примечание…</source>
            <translation>Ескертпені өзгерту…</translation>
        </message>
        <message>
            <source>Отметить решённым</source>
            <translation>Шешілді деп белгілеу</translation>
        </message>
        <message>
            <source>Не удалось отметить расхождение: {error}</source>
            <translation>Сәйкессіздікті белгілеу мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Экспорт</source>
            <translation>Экспорт</translation>
        </message>
        <message>
            <source>Сначала выполните сверку: в книгу Excel попадает её результат.</source>
            <translation>Алдымен салыстыруды орындаңыз: Excel кітабына оның нәтижесі енеді.</translation>
        </message>
        <message>
            <source>Сверка {period}.xlsx</source>
            <translation>Салыстыру {period}.xlsx</translation>
        </message>
        <message>
            <source>Экспорт отменён: файл не записан.</source>
            <translation>Экспорт тоқтатылды: файл жазылмады.</translation>
        </message>
        <message>
            <source>Книга Excel не записана: {error}</source>
            <translation>Excel кітабы жазылмады: {error}</translation>
        </message>
        <message>
            <source>Книга Excel записана: {path}</source>
            <translation>Excel кітабы жазылды: {path}</translation>
        </message>
    </context>
    <context>
        <name>RefundsPage</name>
        <message>
            <source>Возвраты</source>
            <translation>Қайтарулар</translation>
        </message>
        <message>
            <source>Второй менеджер одобряет возвраты больше:</source>
            <translation>Екінші менеджер мына сомадан асатын қайтаруларды мақұлдайды:</translation>
        </message>
        <message>
            <source>Возврат больше этой суммы ждёт, пока другой менеджер его одобрит, и только потом уходит в банк. 0 — одобрять каждый возврат.</source>
            <translation>Бұл сомадан асатын қайтару басқа менеджер мақұлдағанша күтеді, содан кейін ғана банкке жіберіледі. 0 — әр қайтаруды мақұлдау.</translation>
        </message>
        <message>
            <source>«{text}» — не сумма: введите сумму в тенге цифрами, например 100 000 или 250 000,50.</source>
            <translation>«{text}» — сома емес: теңгедегі соманы цифрлармен енгізіңіз, мысалы 100 000 немесе 250 000,50.</translation>
        </message>
    </context>
    <context>
        <name>Roles</name>
        <message>
            <source>бухгалтер</source>
            <extracomment>Longest a hold may be set to last, in days (the bank's own limit is far shorter).</extracomment>
            <translation>бухгалтер</translation>
        </message>
        <message>
            <source>менеджер</source>
            <translation>менеджер</translation>
        </message>
        <message>
            <source>администратор</source>
            <translation>әкімші</translation>
        </message>
    </context>
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Настройки</source>
            <extracomment>Settings that take effect only when the program starts again. The settings were saved: the changes (list[SettingChange]) and a warning to show, if any (a password that went to the fallback file). Whether the operator may change the admin-only pages is known; for tests.</extracomment>
            <translation>Баптаулар</translation>
        </message>
        <message>
            <source>Сохранить</source>
            <translation>Сақтау</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Болдырмау</translation>
        </message>
        <message>
            <source>Не удалось узнать права оператора: {error}</source>
            <translation>Оператордың құқықтарын анықтау мүмкін болмады: {error}</translation>
        </message>
        <message>
            <source>Оператор {name} не зарегистрирован: менять можно только язык. Попросите администратора добавить вас.</source>
            <translation>{name} операторы тіркелмеген: тек тілді өзгертуге болады. Әкімшіден сізді қосуды сұраңыз.</translation>
        </message>
        <message>
            <source>Вы вошли как {name} (администратор): можно менять всё.</source>
            <translation>Сіз {name} ретінде кірдіңіз (әкімші): бәрін өзгертуге болады.</translation>
        </message>
        <message>
            <source>Вы вошли как {name}: эти настройки меняет администратор, вам доступны язык и проверка соединения.</source>
            <translation>Сіз {name} ретінде кірдіңіз: бұл баптауларды әкімші өзгертеді, сізге тіл және қосылымды тексеру қолжетімді.</translation>
        </message>
        <message>
            <source>Эти настройки меняет администратор; ничего не сохранено.</source>
            <translation>Бұл баптауларды әкімші өзгертеді; ештеңе сақталмады.</translation>
        </message>
        <message>
            <source>Файл настроек не записан ({error}): проверьте, что диск не заполнен и папка доступна для записи, и сохраните снова; ничего не изменено.</source>
            <translation>Баптаулар файлы жазылмады ({error}): дискінің толмағанын және қалтаға жазуға болатынын тексеріп, қайта сақтаңыз; ештеңе өзгертілмеді.</translation>
        </message>
        <message>
            <source>Настройки не сохранены: {error}</source>
            <translation>Баптаулар сақталмады: {error}</translation>
        </message>
        <message>
            <source>Настройки сохранены; язык, база данных и профиль при запуске сменятся при следующем запуске программы.</source>
            <translation>Баптаулар сақталды; тіл, деректер базасы және іске қосқандағы профиль бағдарлама келесі рет іске қосылғанда ауысады.</translation>
        </message>
        <message>
            <source>Настройки сохранены.</source>
            <translation>Баптаулар сақталды.</translation>
        </message>
    </context>
    <context>
        <name>SignInDialog</name>
        <message>
            <source>Окно заблокировано</source>
            <extracomment>What counts as someone working at the computer. The name of the operator who proved it.</extracomment>
            <translation>Терезе бұғатталды</translation>
        </message>
        <message>
            <source>Вход</source>
            <translation>Кіру</translation>
        </message>
        <message>
            <source>Окно заблокировано: никто не работал с ним {minutes} мин. Введите пароль, чтобы продолжить, или войдите другим оператором.</source>
            <translation>Терезе бұғатталды: онымен {minutes} мин ешкім жұмыс істемеді. Жалғастыру үшін құпиясөзді енгізіңіз немесе басқа оператор ретінде кіріңіз.</translation>
        </message>
        <message>
            <source>Кто работает? Войдите своим именем оператора и паролем: всё, что вы сделаете, будет записано на ваше имя.</source>
            <translation>Кім жұмыс істейді? Өз оператор атыңызбен және құпиясөзіңізбен кіріңіз: сіз жасағанның бәрі сіздің атыңызға жазылады.</translation>
        </message>
        <message>
            <source>Войти</source>
            <translation>Кіру</translation>
        </message>
        <message>
            <source>Выйти из программы</source>
            <translation>Бағдарламадан шығу</translation>
        </message>
        <message>
            <source>Оператор:</source>
            <translation>Оператор:</translation>
        </message>
        <message>
            <source>Пароль:</source>
            <translation>Құпиясөз:</translation>
        </message>
        <message>
            <source>Введите имя оператора.</source>
            <translation>Оператор атын енгізіңіз.</translation>
        </message>
        <message>
            <source>Проверяю…</source>
            <translation>Тексерілуде…</translation>
        </message>
    </context>
    <context>
        <name>SignInPage</name>
        <message>
            <source>Вход и блокировка</source>
            <translation>Кіру және бұғаттау</translation>
        </message>
        <message>
            <source>Компьютер общий: несколько человек работают под одной учётной записью системы</source>
            <translation>Ортақ компьютер: бірнеше адам жүйенің бір есептік жазбасымен жұмыс істейді</translation>
        </message>
        <message>
            <source> мин</source>
            <translation> мин</translation>
        </message>
        <message>
            <source>Блокировать окно без действий через:</source>
            <translation>Әрекетсіз терезені бұғаттау уақыты:</translation>
        </message>
        <message>
            <source>На общем компьютере окно при запуске спрашивает имя оператора и пароль, а если с ним никто не работает дольше этого времени, прячет данные и спрашивает пароль снова. Пароли операторов задаёт администратор на странице «Операторы». Действует со следующего запуска.</source>
            <translation>Ортақ компьютерде терезе іске қосылғанда оператор аты мен құпиясөзін сұрайды, ал онымен осы уақыттан ұзақ ешкім жұмыс істемесе, деректерді жасырып, құпиясөзді қайта сұрайды. Операторлардың құпиясөздерін әкімші «Операторлар» бетінде орнатады. Келесі іске қосудан бастап қолданылады.</translation>
        </message>
    </context>
    <context>
        <name>StateFilterButton</name>
        <message>
            <source>Все состояния</source>
            <translation>Барлық күйлер</translation>
        </message>
        <message>
            <source>Состояние: все</source>
            <translation>Күйі: барлығы</translation>
        </message>
        <message>
            <source>Состояние: {state}</source>
            <translation>Күйі: {state}</translation>
        </message>
        <message>
            <source>Состояний выбрано: {n}</source>
            <translation>Таңдалған күйлер: {n}</translation>
        </message>
    </context>
    <context>
        <name>SupportReporter</name>
        <message>
            <source>Сохранить отчёт для поддержки</source>
            <translation>Қолдау қызметіне есепті сақтау</translation>
        </message>
        <message>
            <source>Архив ZIP (*.zip)</source>
            <translation>ZIP мұрағаты (*.zip)</translation>
        </message>
        <message>
            <source>Записываю отчёт для поддержки…</source>
            <translation>Қолдау қызметіне есеп жазылуда…</translation>
        </message>
        <message>
            <source>Отчёт для поддержки не записан.</source>
            <translation>Қолдау қызметіне есеп жазылмады.</translation>
        </message>
        <message>
            <source>Отчёт для поддержки</source>
            <translation>Қолдау қызметіне есеп</translation>
        </message>
        <message>
            <source>Отчёт не записан: {error}</source>
            <translation>Есеп жазылмады: {error}</translation>
        </message>
        <message>
            <source>Отчёт для поддержки записан.</source>
            <translation>Қолдау қызметіне есеп жазылды.</translation>
        </message>
        <message>
            <source>Отчёт записан: {path}

Отправьте этот файл в поддержку. В нём журнал, версии, настройки и сведения о базе; секретов, токенов и номеров карт в нём нет.</source>
            <translation>Есеп жазылды: {path}

Бұл файлды қолдау қызметіне жіберіңіз. Онда журнал, нұсқалар, баптаулар және дерекқор туралы мәліметтер бар; құпиялар, токендер және карта нөмірлері жоқ.</translation>
        </message>
    </context>
    <context>
        <name>SyncPanel</name>
        <message>
            <source>Отмена</source>
            <extracomment>What the Sync button runs: services.sync.sync_statuses, or the same bound to another bank. A sync ended (finished or cancelled) and wrote what it read: views should read again. The one-line result for the status bar.</extracomment>
            <translation>Болдырмау</translation>
        </message>
        <message>
            <source>Синхронизировать</source>
            <translation>Синхрондау</translation>
        </message>
        <message>
            <source>Прочитать у банка состояние платежей (F5)</source>
            <translation>Банктен төлемдердің күйін оқу (F5)</translation>
        </message>
        <message>
            <source>Подготовка…</source>
            <translation>Дайындалуда…</translation>
        </message>
        <message>
            <source>Останавливаю…</source>
            <translation>Тоқтатып жатырмын…</translation>
        </message>
        <message>
            <source>{done} из {total}</source>
            <translation>{total} ішінен {done}</translation>
        </message>
        <message>
            <source>синхронизирует другой компьютер, ждём</source>
            <translation>басқа компьютер синхрондауда, күтеміз</translation>
        </message>
        <message>
            <source>Этот профиль сейчас синхронизирует другой компьютер; ждём его и прочитаем только то, что он оставит.</source>
            <translation>Бұл профильді қазір басқа компьютер синхрондап жатыр; оны күтеміз де, тек ол қалдырғанын оқимыз.</translation>
        </message>
        <message>
            <source>{rate}/с · осталось {eta}</source>
            <translation>{rate}/с · {eta} қалды</translation>
        </message>
        <message>
            <source>Синхронизация не удалась: {error}</source>
            <translation>Синхрондау сәтсіз аяқталды: {error}</translation>
        </message>
        <message>
            <source>Синхронизация</source>
            <translation>Синхрондау</translation>
        </message>
        <message>
            <source>Последняя синхронизация: неизвестно</source>
            <translation>Соңғы синхрондау: белгісіз</translation>
        </message>
        <message>
            <source>Время Алматы</source>
            <translation>Алматы уақыты</translation>
        </message>
        <message>
            <source>Синхронизации ещё не было</source>
            <translation>Синхрондау әлі болған жоқ</translation>
        </message>
        <message>
            <source>Синхронизация от {when} прервана: программа была остановлена. Следующая продолжит с того, что успела сохранить.</source>
            <translation>{when} басталған синхрондау үзілді: бағдарлама тоқтатылды. Келесісі сақталғаннан бастап жалғастырады.</translation>
        </message>
        <message>
            <source>Синхронизация от {when} не завершена</source>
            <translation>{when} синхрондауы аяқталмаған</translation>
        </message>
        <message>
            <source>Синхронизация: {when} (остановлена)</source>
            <translation>Синхрондау: {when} (тоқтатылды)</translation>
        </message>
        <message>
            <source>Синхронизация: {when} (с ошибкой)</source>
            <translation>Синхрондау: {when} (қатемен)</translation>
        </message>
        <message>
            <source>Синхронизация: {when}</source>
            <translation>Синхрондау: {when}</translation>
        </message>
        <message>
            <source>Синхронизация остановлена</source>
            <translation>Синхрондау тоқтатылды</translation>
        </message>
        <message>
            <source>Синхронизация завершена</source>
            <translation>Синхрондау аяқталды</translation>
        </message>
        <message>
            <source>{head}: прочитано {read}, изменилось {changed}, нет в банке {not_found}, ошибок {errors}</source>
            <translation>{head}: оқылды {read}, өзгерді {changed}, банкте жоқ {not_found}, қателер {errors}</translation>
        </message>
        <message>
            <source>; остальное прочитает следующая синхронизация</source>
            <translation>; қалғанын келесі синхрондау оқиды</translation>
        </message>
        <message>
            <source>; без изменений и не читались заново: {unchanged}</source>
            <translation>; өзгеріссіз, қайта оқылмағандары: {unchanged}</translation>
        </message>
    </context>
    <context>
        <name>TableMenus</name>
        <message>
            <source>Копировать строки</source>
            <extracomment>The menu last shown (tests trigger its actions instead of clicking a popup).</extracomment>
            <translation>Жолдарды көшіру</translation>
        </message>
        <message>
            <source>Показать подробности</source>
            <translation>Толығырақ көрсету</translation>
        </message>
        <message>
            <source>Открыть в платежах</source>
            <translation>Төлемдерде ашу</translation>
        </message>
        <message>
            <source>Копировать номера заказов</source>
            <translation>Тапсырыс нөмірлерін көшіру</translation>
        </message>
    </context>
    <context>
        <name>WindowMenus</name>
        <message>
            <source>&amp;Файл</source>
            <extracomment>The window over its open data (attached).</extracomment>
            <translation>&amp;Файл</translation>
        </message>
        <message>
            <source>&amp;Импорт заказов…</source>
            <translation>Тапсырыстарды &amp;импорттау…</translation>
        </message>
        <message>
            <source>&amp;Экспорт…</source>
            <translation>&amp;Экспорт…</translation>
        </message>
        <message>
            <source>&amp;Настройки…</source>
            <translation>&amp;Баптаулар…</translation>
        </message>
        <message>
            <source>Сменить &amp;оператора…</source>
            <translation>&amp;Операторды ауыстыру…</translation>
        </message>
        <message>
            <source>В&amp;ыход</source>
            <translation>&amp;Шығу</translation>
        </message>
        <message>
            <source>&amp;Правка</source>
            <translation>&amp;Түзету</translation>
        </message>
        <message>
            <source>&amp;Найти платёж</source>
            <translation>Төлемді &amp;табу</translation>
        </message>
        <message>
            <source>&amp;Справка</source>
            <translation>&amp;Анықтама</translation>
        </message>
        <message>
            <source>&amp;Сохранить отчёт для поддержки…</source>
            <translation>Қолдау қызметіне есепті &amp;сақтау…</translation>
        </message>
        <message>
            <source>&amp;О программе</source>
            <translation>Бағдарлама &amp;туралы</translation>
        </message>
        <message>
            <source>Пароль базы данных</source>
            <translation>Деректер базасының құпиясөзі</translation>
        </message>
        <message>
            <source>Выгружать в Excel можно со вкладки, которая это умеет, например со сверки.</source>
            <translation>Excel-ге мұны істей алатын қойындыдан экспорттауға болады, мысалы салыстырудан.</translation>
        </message>
    </context>
    <context>
        <name>WindowSignIn</name>
        <message>
            <source>В общей базе оператор — логин базы: чтобы работать другим оператором, подключитесь под его логином (Файл → Настройки → База данных).</source>
            <extracomment>Another operator is working now (their name): the window shows it and reads again.</extracomment>
            <translation>Ортақ дерекқорда оператор — дерекқор логині: басқа оператор ретінде жұмыс істеу үшін оның логинімен қосылыңыз (Файл → Баптаулар → Дерекқор).</translation>
        </message>
        <message>
            <source>Отмена</source>
            <translation>Болдырмау</translation>
        </message>
        <message>
            <source>Работает оператор {name}.</source>
            <translation>Қазір {name} операторы жұмыс істейді.</translation>
        </message>
    </context>
    <context>
        <name>WindowWiring</name>
        <message>
            <source>Сводка</source>
            <translation>Жиынтық</translation>
        </message>
        <message>
            <source>Платежи</source>
            <translation>Төлемдер</translation>
        </message>
        <message>
            <source>Блокировки</source>
            <translation>Бұғаттаулар</translation>
        </message>
        <message>
            <source>Сверка</source>
            <translation>Салыстыру</translation>
        </message>
        <message>
            <source>Операции</source>
            <translation>Операциялар</translation>
        </message>
        <message>
            <source>Аудит</source>
            <translation>Аудит</translation>
        </message>
    </context>
</TS>
