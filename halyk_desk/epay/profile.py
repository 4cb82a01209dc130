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
        for label, url in (("token", self.oauth_url), ("API", self.api_url)):
            if not url.startswith(("https://", "http://")):
                raise ValueError(
                    f"Profile {self.name!r}: the {label} address {url!r} must start with https://"
                )
        for label, value in (("client id", self.client_id), ("terminal", self.terminal_id)):
            if not value.strip():
                raise ValueError(f"Profile {self.name!r}: the {label} is empty; copy it from the "
                                 "bank's merchant cabinet.")
        if not self.secret:
            raise ValueError(f"Profile {self.name!r}: the client secret is empty.")
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
