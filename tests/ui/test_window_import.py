"""Файл → Импорт заказов: the shop's export loaded from the window, all or nothing."""

from __future__ import annotations

from halyk_desk.services.payments import PaymentFilter, count_payments
from halyk_desk.ui.import_orders import SHOWN_ERRORS, OrdersImporter

HEADER = "ID;Дата создания;Покупатель;Сумма;Валюта;Оплачен;Статус\r\n"


def write(path, rows):
    path.write_bytes((HEADER + "".join(rows)).encode("cp1251"))
    return path


def importer(window, path):
    return OrdersImporter(window.frame, choose_file=lambda parent: str(path))


def test_a_good_file_is_imported_and_shows_up_in_the_list(qtbot, window, notifier, tmp_path):
    before = count_payments(window.ctx, PaymentFilter())
    path = write(tmp_path / "orders.csv", [
        "900000001;27.11.2026 10:00:00;Иванов Иван;15990,00;KZT;Да;Оплачен\r\n",
        "900000002;27.11.2026 11:00:00;Петрова Анна;990,50;KZT;Нет;Принят\r\n",
    ])
    action = importer(window, path)

    action.run()
    qtbot.waitUntil(lambda: bool(notifier.infos), timeout=20_000)

    title, text = notifier.infos[-1]
    assert title == "Заказы загружены"
    assert "новых заказов — 2" in text and "orders.csv" in text
    assert count_payments(window.ctx, PaymentFilter()) == before + 2
    view = window.payments_view
    qtbot.waitUntil(lambda: view.count_label.text().startswith(f"{before + 2} "), timeout=20_000)


def test_a_bad_file_imports_nothing_and_lists_every_error(qtbot, window, notifier, tmp_path):
    before = count_payments(window.ctx, PaymentFilter())
    path = write(tmp_path / "bad.csv", [
        "900000003;27.11.2026 10:00:00;Иванов Иван;15990,00;KZT;Да;Оплачен\r\n",
        "12;27.11.2026 10:00:00;Короткий номер;100,00;KZT;Да;Оплачен\r\n",
        "900000004;вчера;Без даты;100,00;KZT;Да;Оплачен\r\n",
    ])

    importer(window, path).run()
    qtbot.waitUntil(lambda: bool(notifier.errors), timeout=20_000)

    title, text = notifier.errors[-1]
    assert title == "Заказы не загружены"
    assert text.startswith("Ничего не загружено")
    assert "строка 3" in text and "строка 4" in text  # both bad rows, as Excel numbers them
    assert count_payments(window.ctx, PaymentFilter()) == before


def test_a_long_list_of_errors_is_cut_and_counted(qtbot, window, notifier, tmp_path):
    rows = [f"{n};27.11.2026 10:00:00;X;1,00;KZT;Да;Оплачен\r\n" for n in range(40)]
    importer(window, write(tmp_path / "many.csv", rows)).run()
    qtbot.waitUntil(lambda: bool(notifier.errors), timeout=20_000)

    text = notifier.errors[-1][1]
    assert f"… и ещё проблем: {40 - SHOWN_ERRORS}." in text
    assert "halyk-desk" not in text  # what to do in the window, not a command to run


def test_no_file_chosen_does_nothing(window, notifier):
    OrdersImporter(window.frame, choose_file=lambda parent: None).run()
    assert notifier.infos == notifier.errors == []


def test_the_file_menu_offers_the_import(qtbot, window, notifier, tmp_path):
    path = write(tmp_path / "menu.csv", [
        "900000009;27.11.2026 10:00:00;Иванов Иван;15990,00;KZT;Да;Оплачен\r\n",
    ])
    menus = window.menus
    assert menus.import_action.isEnabled() and menus.import_action.shortcut().toString() == "Ctrl+I"
    menus.importer = importer(window, path)

    menus.import_action.trigger()
    qtbot.waitUntil(lambda: bool(notifier.infos), timeout=20_000)
    assert "новых заказов — 1" in notifier.infos[-1][1]
