"""Sign-in with the municipality's identity provider (Entra ID, AD FS, KOMBIT's context handler): OpenID Connect
with Authlib — the authorization code flow with PKCE, state and nonce; the ID token's signature, issuer,
audience, expiry and nonce verified — and the provider's groups mapped to unit memberships at every sign-in.

A municipality's settings (`Municipality.sign_in`, from the bank):

    issuer: https://login.microsoftonline.com/<tenant>/v2.0
    client_id: <the app registration's id>
    groups_claim: groups          # the claim that lists the user's groups
    label: Microsoft Entra ID     # what the login page's button says after "Log ind med"
    groups: {"<group>": [{"unit": "<unit key>", "role": "drafter"}], ...}

The client secret is OIDC_CLIENT_SECRET_<MUNICIPALITY KEY> in the environment (upper case, "-" as "_");
OIDC_ISSUER_<KEY>, OIDC_CLIENT_ID_<KEY> and OIDC_GROUPS_CLAIM_<KEY> there win over the bank's, so the IT
department can point Besvar at its provider without editing the bank.
"""

import hashlib
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc6749.errors import OAuth2Error
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.db import start_writing
from app.errors import BesvarError
from app.models import Membership, Municipality, Organisation, Role, SignInAttempt, Unit, User, utcnow
from app.organisations import structure

ATTEMPT_MINUTES = 10  # from the button to the provider's answer
MAX_OPEN_ATTEMPTS = 20_000  # begun in the last ten minutes, all municipalities: far above a town hall's morning
TIMEOUT_SECONDS = 10
LEEWAY_SECONDS = 60  # clocks differ a little between the provider and Besvar
_METADATA: dict[str, tuple[float, dict]] = {}
METADATA_SECONDS = 600


class SignInFailed(BesvarError):
    """A sign-in that cannot complete; `detail` is the Danish message the login page shows."""

    status = 400

    def __init__(self, detail: str, status: int | None = None):
        super().__init__(detail)
        if status is not None:
            self.status = status


class ProviderDown(SignInFailed):
    status = 502


@dataclass(frozen=True)
class Settings:
    municipality_id: int
    municipality_key: str
    municipality_name: str
    issuer: str
    client_id: str
    groups_claim: str = "groups"
    label: str = "kommunens login"
    groups: dict[str, list[dict[str, str]]] = field(default_factory=dict)

    @property
    def secret(self) -> str | None:
        return _env("CLIENT_SECRET", self.municipality_key)


def _env(name: str, municipality_key: str) -> str | None:
    return os.environ.get(f"OIDC_{name}_{municipality_key.upper().replace('-', '_')}") or None


def _settings(m: Municipality) -> Settings | None:
    config = dict(m.sign_in or {})
    for name, key in (("ISSUER", "issuer"), ("CLIENT_ID", "client_id"), ("GROUPS_CLAIM", "groups_claim")):
        if value := _env(name, m.key):
            config[key] = value
    if not config.get("issuer") or not config.get("client_id"):
        return None
    return Settings(municipality_id=m.id, municipality_key=m.key, municipality_name=m.name, issuer=config["issuer"],
                    client_id=config["client_id"], groups_claim=config.get("groups_claim") or "groups",
                    label=config.get("label") or "kommunens login", groups=config.get("groups") or {})


def configured(session: Session) -> list[Settings]:
    """The municipalities whose staff sign in with their identity provider, by name."""
    found = session.exec(select(Municipality).order_by(col(Municipality.name)))  # a handful: the environment may configure any
    return [s for m in found if (s := _settings(m)) is not None]


def settings_of(session: Session, municipality_key: str) -> Settings:
    m = session.exec(select(Municipality).where(col(Municipality.key) == municipality_key)).first()
    found = _settings(m) if m is not None else None
    if found is None:
        raise SignInFailed(f"Kommunen {municipality_key!r} har ikke login med sin egen identitetsudbyder.")
    return found


def _get_json(url: str) -> dict:
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
        return response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise ProviderDown("Kommunens login svarer ikke lige nu. Prøv igen om lidt, eller kontakt IT-afdelingen.") from exc


def _metadata(issuer: str) -> dict:
    """The provider's discovery document, kept ten minutes (it names the endpoints and the key set)."""
    cached = _METADATA.get(issuer)
    if cached and time.monotonic() - cached[0] < METADATA_SECONDS:
        return cached[1]
    metadata = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != issuer:
        raise ProviderDown("Kommunens login er sat forkert op i Besvar (udstederen passer ikke). Kontakt IT-afdelingen.")
    _METADATA[issuer] = (time.monotonic(), metadata)
    return metadata


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()


def _client(s: Settings, redirect_uri: str) -> OAuth2Client:
    return OAuth2Client(client_id=s.client_id, client_secret=s.secret, redirect_uri=redirect_uri,
                        scope="openid profile email", code_challenge_method="S256", timeout=TIMEOUT_SECONDS)


def begin(session: Session, s: Settings, *, redirect_uri: str, next_path: str) -> str:
    """The provider's authorization URL for a new sign-in; its state, nonce and PKCE verifier kept to check the answer."""
    metadata = _metadata(s.issuer)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
    start_writing(session)  # a GET that writes: its read transaction must not be the one that writes
    session.exec(delete(SignInAttempt).where(col(SignInAttempt.created_at) < utcnow() - timedelta(minutes=ATTEMPT_MINUTES)))
    # Anyone may press the button: a flood of it is bounded, not a table that grows without end.
    if session.exec(select(func.count()).select_from(SignInAttempt)).one() >= MAX_OPEN_ATTEMPTS:
        raise SignInFailed("For mange loginforsøg lige nu. Prøv igen om et par minutter.", status=429)
    session.add(SignInAttempt(id=_hash(state), municipality_id=s.municipality_id, nonce=nonce, code_verifier=verifier,
                              next=next_path))
    session.commit()
    with _client(s, redirect_uri) as client:
        url, _ = client.create_authorization_url(metadata["authorization_endpoint"], state=state, nonce=nonce,
                                                 code_verifier=verifier)
    return url


def _verify(s: Settings, metadata: dict, id_token: str, *, nonce: str, access_token: str | None) -> dict[str, Any]:
    """The ID token's claims once its signature (the provider's key set), issuer, audience, expiry and nonce hold."""
    keys = KeySet.import_key_set(_get_json(metadata["jwks_uri"]))  # type: ignore[arg-type]  # the JSON as served
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    try:
        token = jwt.decode(id_token, keys, algorithms=[a for a in algorithms if a != "none"])
        claims = CodeIDToken(token.claims, token.header,
                             {"iss": {"essential": True, "value": s.issuer}, "aud": {"essential": True, "value": s.client_id}},
                             {"nonce": nonce, "client_id": s.client_id, **({"access_token": access_token} if access_token else {})})
        claims.validate(leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise SignInFailed("Svaret fra kommunens login kunne ikke godkendes (det var udløbet, ikke til Besvar eller "
                           "ikke underskrevet af kommunen). Prøv at logge ind igen.") from exc
    return dict(claims)


def _places(s: Settings, groups: list[str]) -> list[tuple[str, str]]:
    """The (unit key, role) pairs the user's groups give, in the municipality's table."""
    out: list[tuple[str, str]] = []
    for group in groups:
        for entry in s.groups.get(group, []):
            pair = (str(entry.get("unit", "")), str(entry.get("role", "")))
            if pair[1] in Role.__members__ and pair not in out:
                out.append(pair)
    return out


_STRENGTH = (Role.admin, Role.approver, Role.drafter, Role.contributor, Role.viewer)


def _municipality_units(session: Session, municipality_id: int) -> list[int]:
    return list(session.exec(select(col(Unit.id)).join(Organisation, col(Organisation.id) == col(Unit.organisation_id))
                             .where(col(Organisation.municipality_id) == municipality_id)))


def finish(session: Session, *, state: str, code: str, redirect_uri: str, iss: str = "") -> tuple[User, str]:
    """The user the provider vouches for, their memberships set from their groups now; and where to go next."""
    start_writing(session)  # the provider's answer comes as a GET, and it writes
    attempt = session.get(SignInAttempt, _hash(state)) if state else None
    if attempt is None or attempt.used_at is not None or utcnow() - attempt.created_at > timedelta(minutes=ATTEMPT_MINUTES):
        raise SignInFailed("Loginforsøget er ugyldigt, brugt eller udløbet. Start forfra fra Besvars loginside.")
    # Used before anything is asked of the provider: the same answer sent twice (a replay) meets a used state.
    attempt.used_at = utcnow()
    session.add(attempt)
    session.commit()
    m = session.get(Municipality, attempt.municipality_id)
    s = _settings(m) if m is not None else None
    if s is None:
        raise SignInFailed("Kommunens login er ikke længere sat op i Besvar. Kontakt IT-afdelingen.")
    if iss and iss != s.issuer:  # RFC 9207: an answer from another provider than the one asked (a mix-up)
        raise SignInFailed("Svaret kom fra en anden identitetsudbyder end kommunens. Start forfra fra Besvars loginside.")
    metadata = _metadata(s.issuer)
    try:
        with _client(s, redirect_uri) as client:
            token = client.fetch_token(metadata["token_endpoint"], code=code, code_verifier=attempt.code_verifier,
                                       grant_type="authorization_code")
    except OAuth2Error as exc:
        raise SignInFailed("Kommunens login afviste forsøget. Prøv at logge ind igen.") from exc
    except httpx.HTTPError as exc:
        raise ProviderDown("Kommunens login svarer ikke lige nu. Prøv igen om lidt, eller kontakt IT-afdelingen.") from exc
    if not token.get("id_token"):
        raise SignInFailed("Kommunens login sendte ingen identitet med. Kontakt IT-afdelingen.")
    claims = _verify(s, metadata, token["id_token"], nonce=attempt.nonce, access_token=token.get("access_token"))
    start_writing(session)
    if s.groups_claim not in claims and s.groups_claim in (claims.get("_claim_names") or {}):
        # Entra ID's group overage: over 200 groups, the token points elsewhere instead of listing them. Without
        # the list Besvar cannot tell which units the user is in, so it changes nothing and lets no one in.
        raise SignInFailed("Du er medlem af så mange grupper, at kommunens login ikke sender dem med. Bed IT-afdelingen "
                           "om kun at sende de grupper, der er tildelt Besvar (i Entra ID: “Groups assigned to the "
                           "application”).", status=403)
    groups = claims.get(s.groups_claim) or []
    groups = [str(g) for g in groups] if isinstance(groups, list) else [str(groups)]
    user = _user(session, s, claims)
    places = _places(s, groups)
    units = _municipality_units(session, s.municipality_id)
    before = [f"{p.unit}: {p.role}" for p in structure.memberships(session, user.id)]
    # The provider's groups decide: memberships in this municipality follow them at every sign-in.
    session.exec(delete(Membership).where(col(Membership.user_id) == user.id, col(Membership.unit_id).in_(units)))
    session.flush()
    for unit_key, role in places:
        unit = session.exec(select(Unit).where(col(Unit.key) == unit_key)).first()
        if unit is not None and unit.id in units:
            structure.join(session, user=user, unit_key=unit_key, role=role)
    after = [f"{p.unit}: {p.role}" for p in structure.memberships(session, user.id)]
    # The role the pages name the user by: the strongest the groups give now.
    granted = {role for _, role in places}
    user.role = next((r.value for r in _STRENGTH if r.value in granted), Role.viewer.value)
    session.add(user)
    if before != after:
        audit.record(session, actor=user.username, action="user.memberships",
                     detail={"username": user.username, "before": before, "after": after, "via": "identitetsudbyder"})
    session.commit()
    if not after:
        raise SignInFailed("Du er logget ind hos kommunen, men ingen af dine grupper giver adgang til Besvar. "
                           "Bed din leder eller IT-afdelingen om at få den rigtige gruppe.", status=403)
    return user, attempt.next


def _local_account(session: Session, s: Settings, email: str) -> User | None:
    """The one local account with this e-mail address that works in this municipality and nowhere else, not yet
    linked to a provider; None if there is none, or more than one (then no guess is made). One query: each candidate
    with the municipalities of its memberships."""
    places: dict[int, set[int | None]] = {}
    users: dict[int, User] = {}
    query = (select(User, col(Organisation.municipality_id))
             .outerjoin(Membership, col(Membership.user_id) == col(User.id))
             .outerjoin(Unit, col(Unit.id) == col(Membership.unit_id))
             .outerjoin(Organisation, col(Organisation.id) == col(Unit.organisation_id))
             .where(func.lower(col(User.email)) == email.lower(), col(User.subject).is_(None), col(User.operator).is_(False)))
    for user, municipality_id in session.exec(query):
        users[user.id] = user
        places.setdefault(user.id, set()).add(municipality_id)
    found = [users[uid] for uid, where in places.items() if where == {s.municipality_id}]
    return found[0] if len(found) == 1 else None


def _user(session: Session, s: Settings, claims: dict[str, Any]) -> User:
    """The Besvar user behind the provider's subject: found by it, or created on the first sign-in."""
    subject = f"{s.issuer} {claims['sub']}"[:600]
    user = session.exec(select(User).where(col(User.subject) == subject)).first()
    name = str(claims.get("name") or claims.get("preferred_username") or claims.get("email") or claims["sub"])[:300]
    email = str(claims["email"])[:300] if claims.get("email") else None
    if user is None and email and (user := _local_account(session, s, email)) is not None:
        # A local account made before the municipality switched its login on: the same person, who keeps their
        # history, signature and password (the break-glass login); from now on the provider's subject finds them.
        if not user.is_active:
            raise SignInFailed("Din konto i Besvar er lukket. Kontakt din administrator.", status=403)
        user.subject = subject
        audit.record(session, actor=user.username, action="user.link",
                     detail={"username": user.username, "via": "identitetsudbyder", "email": email})
    if user is None:
        base = str(claims.get("preferred_username") or claims.get("email") or claims["sub"]).split("@")[0][:60]
        username = f"{s.municipality_key}.{base}"[:100]
        n = 1
        while session.exec(select(User).where(col(User.username) == username)).first() is not None:
            n += 1
            username = f"{s.municipality_key}.{base}-{n}"[:100]
        user = User(username=username, name=name, email=email, role=Role.viewer.value, subject=subject)
        session.add(user)
        session.flush()
        audit.record(session, actor=username, action="user.create", detail={"username": username, "via": "identitetsudbyder"})
    elif not user.is_active:
        raise SignInFailed("Din konto i Besvar er lukket. Kontakt din administrator.", status=403)
    else:
        user.name, user.email = name, email or user.email
        session.add(user)
    return user
