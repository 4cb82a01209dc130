"""Client secrets of bank profiles: in the OS keyring, or else in a visible fallback file.

Secrets never go into the database, the settings or a log. Where the machine has no usable keyring
(a server, a minimal Linux desktop, keyring's fail/null backends, or a backend that errors), the
secret goes to config_dir/secrets.json, readable only by the user (mode 0600), and the caller gets
a message saying so and where the file is, to show it loudly.

The one secret that ships with the program is the bank's public test merchant's, which the bank
publishes for everyone (docs/epay-api.md): the built-in `halyk-test` profile needs no keyring.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from halyk_desk import logs
from halyk_desk.jsonfile import JsonFileError, read_json_object, write_json_atomic
from halyk_desk.messages import msg

SERVICE = "halyk-desk"
FALLBACK_FILE = "secrets.json"
#: Secrets the bank itself publishes, by built-in profile name.
PUBLISHED = {"halyk-test": "yF587AV9Ms94qN2QShFzVR3vFnWkhjbAK3sG"}

log = logging.getLogger(__name__)


def cabinet_entry(profile: str) -> str:
    """The keyring entry of a profile's merchant cabinet password (no profile name has a ':')."""
    return f"{profile}:cabinet"


@dataclass(frozen=True)
class SecretSaved:
    """Where a secret went. `warning` is set when it went to the fallback file; show it."""

    location: str
    warning: str | None = None


def usable_backend(backend: KeyringBackend) -> bool:
    """False for keyring's stand-ins that store nothing (fail, null) and for an empty chain."""
    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return any(usable_backend(b) for b in backend.backends)
    return True


class SharedSecretsFile(JsonFileError):
    """The fallback secrets file can be read by others than its owner: refused until fixed."""


def refuse_shared_file(path: Path) -> None:
    """A secrets file that the group or others may read is refused, with the command that fixes
    it (a copy restored from a backup, or an editor that saved it with the default mode)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SharedSecretsFile(path, str(msg(
            "secrets.file_shared", "Файл секретов {path} могут читать другие пользователи этого "
            "компьютера (права {mode}), поэтому его секреты не используются. Сделайте его "
            "доступным только вам: `chmod 600 '{path}'` — и запустите снова.",
            path=str(path), mode=stat.filemode(mode))))


def secret_binding(oauth_url: str | None, client_id: str | None) -> str:
    """What a profile's secret belongs to: its token address and client id (a digest, so the
    keyring holds no address in clear)."""
    return hashlib.sha256(f"{oauth_url or ''}\n{client_id or ''}".encode()).hexdigest()


def cabinet_binding(oauth_url: str | None, client_id: str | None,
                    cabinet_user: str | None) -> str:
    """What a profile's cabinet password belongs to: the same token address and client id, and
    the cabinet user it was given for."""
    return secret_binding(oauth_url, f"{client_id or ''}\n{cabinet_user or ''}")


def _binding_key(profile: str) -> str:
    return f"{profile}#binding"


class SecretStore:
    def __init__(self, config_dir: Path, backend: KeyringBackend | None = None) -> None:
        self.fallback_path = config_dir / FALLBACK_FILE
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        return self._backend if self._backend is not None else keyring.get_keyring()

    def _fallback_warning(self, profile: str, why: str) -> str:
        return str(msg(
            "secrets.fallback", "Системного хранилища паролей нет ({why}): секрет клиента профиля "
            "«{profile}» записан в файл {path}, который может читать только ваша учётная запись. "
            "Не показывайте этот файл никому и не кладите его в резервные копии, которыми "
            "делитесь; установите хранилище паролей (например, GNOME Keyring или KWallet), чтобы "
            "секреты хранились в нём.", why=why, profile=profile, path=str(self.fallback_path)))

    def set(self, profile: str, secret: str, *, bound_to: str | None = None) -> SecretSaved:
        """Store `secret`; `bound_to` (secret_binding of the profile's token address and client
        id) ties it to them: get() with another binding drops it instead of returning it."""
        if profile in PUBLISHED:
            raise ValueError(str(msg(
                "secrets.builtin", "Профиль «{profile}» встроенный: его секрет изменить нельзя.",
                profile=profile)))
        if not secret:
            raise ValueError(str(msg("secrets.empty", "Секрет клиента профиля «{profile}» пуст.",
                                     profile=profile)))
        logs.secret(secret)
        saved = self._put(profile, secret)
        if bound_to is not None:
            self._put(_binding_key(profile), bound_to)
        else:
            self._remove(_binding_key(profile))
        return saved

    def _put(self, key: str, value: str) -> SecretSaved:
        backend = self.backend
        if usable_backend(backend):
            try:
                backend.set_password(SERVICE, key, value)
            except Exception as exc:  # backends raise their own (D-Bus, Win32...) errors
                why = f"{type(backend).__name__} failed: {type(exc).__name__}"
            else:
                self._drop_from_file(key)
                return SecretSaved(location=str(msg(
                    "secrets.in_keyring", "системное хранилище паролей ({backend})",
                    backend=type(backend).__name__)))
        else:
            why = f"keyring backend is {type(backend).__module__}.{type(backend).__name__}"
        stored = self._read_file()
        stored[key] = value
        write_json_atomic(self.fallback_path, stored, mode=0o600)
        return SecretSaved(location=str(self.fallback_path),
                           warning=self._fallback_warning(key, why))

    def get(self, profile: str, *, bound_to: str | None = None) -> str | None:
        """The secret of `profile`. With `bound_to`, only if it was stored for that binding: a
        secret stored for another token address or client id is dropped, never returned. One
        stored before secrets were bound is bound now, to what the profile says today."""
        if profile in PUBLISHED:
            return PUBLISHED[profile]
        secret = self._fetch(profile)
        logs.secret(secret)
        if secret is None or bound_to is None:
            return secret
        stored = self._fetch(_binding_key(profile))
        if stored is None:
            self._put(_binding_key(profile), bound_to)
        elif stored != bound_to:
            log.warning("The client secret of profile %r was stored for another token address "
                        "or client id: dropped, it must be given again", profile)
            self.delete(profile)
            return None
        return secret

    def peek(self, profile: str, *, bound_to: str) -> str | None:
        """The secret of `profile` if it was stored for `bound_to` (or before secrets were
        bound), else None; unlike get() it changes nothing, for a profile not yet saved."""
        if profile in PUBLISHED:
            return PUBLISHED[profile]
        secret = self._fetch(profile)
        logs.secret(secret)
        stored = self._fetch(_binding_key(profile))
        return secret if stored in (None, bound_to) else None

    def _fetch(self, key: str) -> str | None:
        backend = self.backend
        if usable_backend(backend):
            try:
                secret = backend.get_password(SERVICE, key)
            except Exception as exc:  # backends raise their own (D-Bus, Win32...) errors
                log.warning("Reading %r from the keyring failed (%s); trying %s",
                            key, type(exc).__name__, self.fallback_path)
            else:
                if secret is not None:
                    return secret
        return self._read_file().get(key)

    def location(self, profile: str) -> str | None:
        """Where the secret of `profile` is kept (for `profile list`), None when there is none."""
        if profile in PUBLISHED:
            return str(msg("secrets.published", "опубликован банком"))
        backend = self.backend
        if usable_backend(backend):
            try:
                if backend.get_password(SERVICE, profile) is not None:
                    return "keyring"
            except Exception:  # a broken keyring has nothing for us
                pass
        return str(self.fallback_path) if profile in self._read_file() else None

    def delete(self, profile: str) -> None:
        self._remove(profile)
        self._remove(_binding_key(profile))

    def _remove(self, key: str) -> None:
        backend = self.backend
        if usable_backend(backend):
            # Not there, or a broken keyring: nothing to delete there.
            with contextlib.suppress(Exception):
                backend.delete_password(SERVICE, key)
        self._drop_from_file(key)

    def _read_file(self, *, refuse_shared: bool = True) -> dict[str, str]:
        if refuse_shared:
            refuse_shared_file(self.fallback_path)
        try:
            data = read_json_object(self.fallback_path,
                                    msg("secrets.file", "файл секретов")) or {}
        except JsonFileError as exc:
            raise JsonFileError(exc.path, f"{exc} " + str(msg(
                "secrets.enter_again", "Если файл придётся убрать, введите секрет клиента каждого "
                "профиля заново (Файл → Настройки → Профили или halyk-desk profile add)."))) \
                from exc
        return {str(k): str(v) for k, v in data.items()}

    def _drop_from_file(self, profile: str) -> None:
        # Only takes a secret out (and rewrites the file 0600): an old file others could read
        # must not stop a secret from reaching the keyring.
        stored = self._read_file(refuse_shared=False)
        if stored.pop(profile, None) is not None:
            write_json_atomic(self.fallback_path, stored, mode=0o600)
