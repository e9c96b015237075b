"""Password hashing (accounts/passwords.py): Argon2id for new hashes, older Werkzeug
hashes still accepted and upgraded at the next successful login."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from change_portal.accounts import login, passwords, services
from change_portal.core.errors import DomainError
from change_portal.extensions import db
from tests import factories

# Werkzeug's formats of accounts made before Argon2id (cheap costs: same code path).
OLD_FORMATS = ["scrypt:1024:8:1", "pbkdf2:sha256:1000"]


def _login(client, email, password):
    return client.post("/connexion", data={"email": email, "password": password})


def _account(user):
    db.session.expire_all()
    return db.session.get(type(user), user.id).account


def _with_old_hash(org, method):
    user = factories.create_user(org, ["agent"], email="ancien@ville-a.fr")
    user.account.password_hash = generate_password_hash(factories.PASSWORD, method=method)
    db.session.commit()
    return user


def test_new_passwords_are_argon2id_with_the_configured_parameters(app, org):
    user = factories.create_user(org, ["agent"], email="neuf@ville-a.fr")
    services.set_password(user, "une autre phrase solide")
    cfg = app.config
    assert user.password_hash.startswith(
        f"$argon2id$v=19$m={cfg['PASSWORD_ARGON2_MEMORY_KIB']},"
        f"t={cfg['PASSWORD_ARGON2_TIME_COST']},p={cfg['PASSWORD_ARGON2_PARALLELISM']}$")
    assert passwords.verify(user.password_hash, "une autre phrase solide")
    assert not passwords.verify(user.password_hash, "une autre phrase solidE")
    assert not passwords.needs_rehash(user.password_hash)
    with pytest.raises(DomainError):  # the rules still apply before hashing
        services.set_password(user, "court")


@pytest.mark.parametrize("method", OLD_FORMATS)
def test_old_hash_logs_in_and_is_upgraded_to_argon2id(client, org, method):
    user = _with_old_hash(org, method)
    assert _account(user).password_hash.startswith(method.split(":")[0] + ":")
    assert passwords.needs_rehash(_account(user).password_hash)

    resp = _login(client, "ancien@ville-a.fr", factories.PASSWORD)
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/accueil")
    upgraded = _account(user).password_hash
    assert upgraded.startswith("$argon2id$")
    assert passwords.verify(upgraded, factories.PASSWORD)
    assert not passwords.needs_rehash(upgraded)

    # The next login leaves an up-to-date hash as it is.
    client.post("/deconnexion")
    assert _login(client, "ancien@ville-a.fr", factories.PASSWORD).status_code == 302
    assert _account(user).password_hash == upgraded


@pytest.mark.parametrize("method", OLD_FORMATS)
def test_wrong_password_on_an_old_hash_does_not_rehash(client, org, method):
    user = _with_old_hash(org, method)
    before = _account(user).password_hash
    resp = _login(client, "ancien@ville-a.fr", "mauvais mot de passe")
    assert resp.status_code == 200
    assert "Adresse électronique ou mot de passe incorrect." in resp.get_data(as_text=True)
    assert _account(user).password_hash == before


def test_right_password_of_an_inactive_membership_does_not_rehash(client, org):
    user = factories.create_user(org, ["agent"], email="parti@ville-a.fr", active=False)
    user.account.password_hash = generate_password_hash(factories.PASSWORD,
                                                        method=OLD_FORMATS[1])
    db.session.commit()
    before = _account(user).password_hash
    assert _login(client, "parti@ville-a.fr", factories.PASSWORD).status_code == 200
    assert _account(user).password_hash == before


def test_changed_parameters_rehash_at_the_next_login(app, client, org):
    user = factories.create_user(org, ["agent"], email="agent@ville-a.fr")
    db.session.commit()
    before = _account(user).password_hash
    saved = app.config["PASSWORD_ARGON2_MEMORY_KIB"]
    app.config["PASSWORD_ARGON2_MEMORY_KIB"] = saved * 2
    try:
        assert passwords.needs_rehash(before)
        assert passwords.verify(before, factories.PASSWORD)  # old parameters still verify
        assert _login(client, "agent@ville-a.fr", factories.PASSWORD).status_code == 302
        after = _account(user).password_hash
        assert after != before and f"$m={saved * 2}," in after
        assert not passwords.needs_rehash(after)
    finally:
        app.config["PASSWORD_ARGON2_MEMORY_KIB"] = saved


def test_unknown_account_is_checked_against_an_argon2id_dummy(app, org):
    checked = []

    def spy(hash_, password):
        checked.append(hash_)
        return passwords.verify(hash_, password)

    limits = login.LoginLimits.from_config(app.config)
    result = login.attempt("personne@nulle-part.fr", "dummy-password-for-timing",
                           ip="198.51.100.7", limits=limits, secret_key="k", check=spy)
    assert result.user is None and result.wait is None
    # One check, same algorithm and cost as a real account's hash.
    assert len(checked) == 1
    assert checked[0].startswith("$argon2id$") and not passwords.needs_rehash(checked[0])
    assert checked[0] == passwords.dummy_hash()  # computed once per parameters


@pytest.mark.parametrize("bad", [None, "", "nimporte-quoi", "$argon2id$v=19$cassé",
                                 "md5:abc$def", "scrypt:x:y:z$sel$00"])
def test_missing_or_malformed_hashes_never_verify(app, bad):
    assert passwords.verify(bad, factories.PASSWORD) is False
    assert passwords.needs_rehash(bad) is True
