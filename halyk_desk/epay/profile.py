"""One bank profile: where the bank is and who we are to it."""

from __future__ import annotations

from dataclasses import dataclass, field

from halyk_desk.messages import msg


@dataclass(frozen=True)
class EpayProfile:
    """Addresses and credentials for one merchant terminal.

    The secret is kept out of repr/str (a dataclass's str is its repr) so that a profile can be
    logged or shown in a traceback safely.
    """

    name: str
    oauth_url: str
    api_url: str
    client_id: str
    terminal_id: str
    secret: str = field(repr=False)
    #: The merchant cabinet's user and password: the bank documents the operations list and the
    #: invoice links under this login (grant_type=password). Both or neither.
    cabinet_user: str | None = None
    cabinet_password: str | None = field(default=None, repr=False)
    #: How the bank reads the operations list's `paging.page` ("zero", "one" or "skip"), once
    #: found out; None until then.
    operations_paging: str | None = None

    def __post_init__(self) -> None:
        addresses = ((msg("epay.token_address", "адрес токенов"), self.oauth_url),
                     (msg("epay.api_address", "адрес API"), self.api_url))
        for label, url in addresses:
            if not url.startswith(("https://", "http://")):
                raise ValueError(str(msg(
                    "epay.address_not_https", "Профиль «{profile}»: {label} «{url}» должен "
                    "начинаться с https://", profile=self.name, label=label, url=url)))
        ids = ((msg("epay.client_id", "client id"), self.client_id),
               (msg("epay.terminal", "терминал"), self.terminal_id))
        for label, value in ids:
            if not value.strip():
                raise ValueError(str(msg(
                    "epay.id_empty", "Профиль «{profile}»: {label} не указан; скопируйте его из "
                    "кабинета мерчанта банка.", profile=self.name, label=label)))
        if not self.secret:
            raise ValueError(str(msg("epay.secret_empty",
                                     "Профиль «{profile}»: секрет клиента пуст.",
                                     profile=self.name)))
        if bool(self.cabinet_user) != bool(self.cabinet_password):
            raise ValueError(str(msg("epay.cabinet_login_half",
                                     "Профиль «{profile}»: для входа кабинета нужны и "
                                     "пользователь, и пароль.", profile=self.name)))

    @property
    def has_cabinet_login(self) -> bool:
        return bool(self.cabinet_user and self.cabinet_password)

    def api(self, path: str) -> str:
        """An absolute API URL; the base may carry a path of its own (".../api" in older docs)."""
        return self.api_url.rstrip("/") + "/" + path.lstrip("/")
