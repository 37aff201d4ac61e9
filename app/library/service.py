"""The answer library: versioned paragraphs and statistic series. Each public function is one workflow step."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from sqlalchemy import func, or_, text
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from app import formatting, policy
from app.audit import service as audit
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.inquiries.deadlines import today as danish_today
from app.library import search_index, sharing, statfill
from app.library.schemas import (
    ParagraphContent,
    ParagraphIn,
    ParagraphOut,
    ParagraphSummary,
    ParagraphUpdate,
    StatisticIn,
    StatisticOut,
    UsedFigureOut,
    ValueIn,
    ValueOut,
    VersionOut,
)
from app.models import (
    Organisation,
    Paragraph,
    ParagraphVersion,
    Statistic,
    StatisticValue,
    User,
    utcnow,
)
from app.organisations import service as organisation_service
from app.policy import Action
from app.sql import in_list, table_of, tuples_of

_CONTENT_FIELDS = ("title", "text", "topics", "legal_refs", "review_by")


# --- who may read and edit ----------------------------------------------------


def _check_readable(session: Session, model: sharing.Shared, row_id: int, user: User | None, missing: str) -> None:
    """404 (`missing`, as for an unknown one) unless the user may read the paragraph or statistic."""
    condition = sharing.visible(policy.access(session, user), model)
    if condition is not None and session.exec(select(col(model.id)).where(col(model.id) == row_id, condition)).first() is None:
        raise NotFound(missing)


def _check_editable(session: Session, row: Paragraph | Statistic, user: User | None, missing: str) -> None:
    """404 unless readable; 403 unless the user drafts in the owning organisation (no one's: the command line only)."""
    _check_readable(session, type(row), row.id, user, missing)
    who = policy.access(session, user)
    if not who.everything and (row.organisation_id is None or not policy.may(who, Action.draft, row.organisation_id)):
        raise Forbidden("only the owning organisation's drafters change it; share it or copy it instead")


def editable(session: Session, model: sharing.Shared, row_id: int, user: User | None) -> bool:
    """Whether the user may change the paragraph or statistic: what a page shows its form for."""
    row = session.get(Paragraph, row_id) if model is Paragraph else session.get(Statistic, row_id)
    if row is None:
        return False
    try:
        _check_editable(session, row, user, "")
    except (NotFound, Forbidden):
        return False
    return True


# --- statistics ---------------------------------------------------------------


def load_series(session: Session, keys: Iterable[str], *, organisation_id: int | None) -> dict[str, statfill.Series]:
    """The series named by `keys` that the organisation may use (None: any), with their points oldest first;
    unknown keys, and another's unshared series, are left out."""
    keys = sorted(set(keys))
    if keys and organisation_id is not None:
        keys = sorted(sharing.owners(session, set(keys), sharing.answering(session, organisation_id), Statistic))
    if not keys:
        return {}
    heads: dict[str, tuple] = {}
    points: dict[str, list[statfill.Point]] = defaultdict(list)
    for (key, label, unit, source, period_kind, below, shown_as, period, value, value_source,
         note) in tuples_of(session.execute(_SERIES, {"keys": keys})):
        heads[key] = (label, unit, source, period_kind, below, shown_as)
        if period is not None:
            points[key].append(statfill.Point(period=period, value=value, source=value_source, note=note))
    return {key: statfill.Series(key, label, unit, source, period_kind, points=tuple(points[key]),
                                 suppress_below=below, suppressed_as=shown_as)
            for key, (label, unit, source, period_kind, below, shown_as) in heads.items()}


# One query, plain rows: every letter view, suggestion and render loads its figures this way.
_S, _V = table_of(Statistic).c, table_of(StatisticValue).c
_SERIES = (core_select(_S.key, _S.label, _S.unit, _S.source, _S.period_kind, _S.suppress_below, _S.suppressed_as,
                       _V.period, _V.value, _V.source, _V.note)
           .select_from(table_of(Statistic)).outerjoin(table_of(StatisticValue), _V.statistic_id == _S.id)
           .where(in_list(_S.key, "keys")).order_by(_S.key, _V.period))


def unknown_statistics(session: Session, text: str, *, organisation_id: int | None) -> list[str]:
    """The statistic keys `text` refers to that the library does not have, or (for an organisation) that are
    another's and not shared with it."""
    keys = statfill.keys_in(text)
    if not keys:
        return []
    if organisation_id is not None:
        return sorted(keys - set(sharing.owners(session, set(keys), sharing.answering(session, organisation_id), Statistic)))
    known: set[str] = set(session.exec(select(col(Statistic.key)).where(col(Statistic.key).in_(keys))))
    return sorted(keys - known)


def check_placeholders(session: Session, text: str, *, organisation_id: int | None, field: str = "text") -> None:
    """Refuse text that refers to statistics the library does not have, or the organisation may not use."""
    if unknown := unknown_statistics(session, text, organisation_id=organisation_id):
        raise Invalid(f"unknown statistic {', '.join(unknown)} in [[...]]", field=field)


def _value_out(value: StatisticValue, stat: Statistic) -> ValueOut:
    return ValueOut(
        period=value.period,
        period_label=formatting.period_label(value.period, stat.period_kind),
        value=value.value,
        formatted=formatting.number(value.value),
        source=value.source or stat.source,
        note=value.note,
    )


def _statistics_out(session: Session, stats: list[Statistic]) -> list[StatisticOut]:
    values: dict[int, list[StatisticValue]] = defaultdict(list)
    ids = [s.id for s in stats]
    for v in session.exec(select(StatisticValue).where(col(StatisticValue.statistic_id).in_(ids)).order_by(col(StatisticValue.period))):
        values[v.statistic_id].append(v)
    org_keys = _org_keys(session, {s.organisation_id for s in stats})
    out = []
    for s in stats:
        vals = [_value_out(v, s) for v in values[s.id]]
        out.append(
            StatisticOut(
                id=s.id, key=s.key, label=s.label, unit=s.unit, source=s.source, period_kind=s.period_kind,
                description=s.description, organisation=org_keys.get(s.organisation_id), shared_with=s.shared_with, values=vals,
                latest=vals[-1] if vals else None,
            )
        )
    return out


def _org_keys(session: Session, ids: set[int | None]) -> dict[int | None, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {o.id: o.key for o in session.exec(select(Organisation).where(col(Organisation.id).in_(ids)))}


def _stat_by_key(session: Session, key: str) -> Statistic:
    stat = session.exec(select(Statistic).where(col(Statistic.key) == key)).first()
    if stat is None:
        raise NotFound(f"no statistic with key {key!r}")
    return stat


def stage_value(session: Session, stat: Statistic, value: ValueIn) -> bool:
    """Add one figure to the session (no commit); False if the same figure is there already.

    A different figure for a stored period is a conflict: corrections are never silent.
    """
    period = statfill.period_start(statfill.parse_period(value.period), stat.period_kind)
    existing = session.exec(
        select(StatisticValue).where(col(StatisticValue.statistic_id) == stat.id, col(StatisticValue.period) == period)
    ).first()
    if existing is not None:
        if (existing.value, existing.source, existing.note) == (value.value, value.source, value.note):
            return False
        raise Conflict(f"{stat.key} already has a different value for {period.isoformat()}")
    session.add(
        StatisticValue(statistic_id=stat.id, period=period, value=value.value, source=value.source, note=value.note)
    )
    return True


def parse_value_period(value: ValueIn) -> None:
    """Raise Invalid when a value's period is not a real date."""
    try:
        statfill.parse_period(value.period)
    except ValueError as exc:
        raise Invalid(f"period {value.period!r} is not a real date", field="period") from exc


def create_statistic(session: Session, *, data: StatisticIn, user: User | None) -> StatisticOut:
    """A new figure series, with any values given."""
    if session.exec(select(Statistic).where(col(Statistic.key) == data.key)).first():
        raise Conflict(f"statistic {data.key!r} exists already")
    org_id = _org_id(session, data.organisation, user)
    stat = Statistic(
        key=data.key, label=data.label, unit=data.unit, source=data.source, period_kind=data.period_kind,
        description=data.description, organisation_id=org_id, shared_with=data.shared_with,
        suppress_below=data.suppress_below, suppressed_as=data.suppressed_as,
    )
    session.add(stat)
    session.flush()
    for value in data.values:
        parse_value_period(value)
        stage_value(session, stat, value)
    audit.record(session, actor=user.username if user else "system", action="statistic.create",
                 detail={"key": stat.key, "values": len(data.values)})
    session.commit()
    return _statistics_out(session, [stat])[0]


def add_value(session: Session, *, key: str, data: ValueIn, user: User | None = None) -> tuple[StatisticOut, bool]:
    """Add the figure for one period; (the series, whether anything was added)."""
    stat = _stat_by_key(session, key)
    _check_editable(session, stat, user, f"no statistic with key {key!r}")
    parse_value_period(data)
    added = stage_value(session, stat, data)
    if added:
        audit.record(session, actor=user.username if user else "system", action="statistic.value",
                     detail={"key": key, "period": data.period, "value": data.value})
    session.commit()
    return _statistics_out(session, [stat])[0], added


def get_statistic(session: Session, *, key: str, user: User | None) -> StatisticOut:
    """One series with all its values; 404 for one the user may not read."""
    stat = _stat_by_key(session, key)
    _check_readable(session, Statistic, stat.id, user, f"no statistic with key {key!r}")
    return _statistics_out(session, [stat])[0]


def list_statistics(session: Session, *, q: str | None, limit: int, offset: int,
                    user: User | None) -> tuple[list[StatisticOut], int]:
    """A page of the series the user may read, by key."""
    query = select(Statistic)
    if (visible := sharing.visible(policy.access(session, user), Statistic)) is not None:
        query = query.where(visible)
    if q:
        query = query.where(or_(col(Statistic.key).icontains(q, autoescape=True), col(Statistic.label).icontains(q, autoescape=True)))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    stats = list(session.exec(query.order_by(col(Statistic.key)).limit(limit).offset(offset)))
    return _statistics_out(session, stats), total


# --- paragraphs ---------------------------------------------------------------


def _org_id(session: Session, key: str | None, user: User | None) -> int | None:
    """The owner of a new paragraph or series: the organisation named, where the user drafts, or their only one;
    the command line may leave it no one's."""
    if key is None and user is None:
        return None
    return organisation_service.resolve(session, key=key, user=user).id


def _same_content(version: ParagraphVersion, content: ParagraphContent) -> bool:
    return all(getattr(version, f) == getattr(content, f) for f in _CONTENT_FIELDS)


def stage_version(
    session: Session, paragraph: Paragraph, content: ParagraphContent, *, created_by: str | None
) -> ParagraphVersion | None:
    """Add a new version when `content` differs from the current one (no commit); None if unchanged."""
    check_placeholders(session, content.text, organisation_id=paragraph.organisation_id)
    if paragraph.id is not None:
        current = _version(session, paragraph.id, paragraph.current_version)
        if _same_content(current, content):
            return None
        paragraph.current_version += 1
    else:
        session.add(paragraph)
        session.flush()
    version = ParagraphVersion(
        paragraph_id=paragraph.id,
        version=paragraph.current_version,
        created_by=created_by,
        created_at=utcnow(),
        **{f: getattr(content, f) for f in _CONTENT_FIELDS},
    )
    session.add(version)
    return version


def _version(session: Session, paragraph_id: int, version: int) -> ParagraphVersion:
    found = session.exec(
        select(ParagraphVersion).where(col(ParagraphVersion.paragraph_id) == paragraph_id, col(ParagraphVersion.version) == version)
    ).first()
    if found is None:
        raise NotFound(f"paragraph {paragraph_id} has no version {version}")
    return found


def create_paragraph(session: Session, *, data: ParagraphIn, user: User | None) -> ParagraphOut:
    """A new paragraph at version 1."""
    if session.exec(select(Paragraph).where(col(Paragraph.key) == data.key)).first():
        raise Conflict(f"paragraph {data.key!r} exists already")
    paragraph = Paragraph(key=data.key, organisation_id=_org_id(session, data.organisation, user), current_version=1,
                          shared_with=data.shared_with)
    stage_version(session, paragraph, data, created_by=user.username if user else None)
    search_index.update_documents(session, search_index.PARAGRAPH, [paragraph.id])
    audit.record(session, actor=user.username if user else "system", action="paragraph.create",
                 detail={"paragraph_id": paragraph.id, "key": data.key, "text": data.text})
    session.commit()
    return get_paragraph(session, paragraph_id=paragraph.id, user=user)


def update_paragraph(session: Session, *, paragraph_id: int, data: ParagraphUpdate, user: User | None) -> ParagraphOut:
    """Save an edit as a new version; an unchanged text keeps the version it has."""
    paragraph = session.get(Paragraph, paragraph_id)
    if paragraph is None:
        raise NotFound(f"no paragraph with id {paragraph_id}")
    _check_editable(session, paragraph, user, f"no paragraph with id {paragraph_id}")
    if data.version is not None and data.version != paragraph.current_version:
        raise Conflict(f"paragraph is at version {paragraph.current_version}, you edited version {data.version}")
    before = _version(session, paragraph.id, paragraph.current_version).text
    if stage_version(session, paragraph, data, created_by=user.username if user else None) is not None:
        search_index.update_documents(session, search_index.PARAGRAPH, [paragraph.id])
        audit.record(session, actor=user.username if user else "system", action="paragraph.update",
                     detail={"paragraph_id": paragraph.id, "version": paragraph.current_version,
                             "text": {"before": before, "after": data.text}})
    session.commit()
    return get_paragraph(session, paragraph_id=paragraph.id, user=user)


def render(session: Session, text: str, as_of: date, *, organisation_id: int | None) -> statfill.Filled:
    """`text` with the statistics the organisation may use (None: any) filled in as of `as_of`."""
    return statfill.fill(text, load_series(session, statfill.keys_in(text), organisation_id=organisation_id), as_of)


def get_paragraph(
    session: Session, *, paragraph_id: int, user: User | None, version: int | None = None, as_of: date | None = None
) -> ParagraphOut:
    """One paragraph version (the current by default) with its figures as of `as_of` (today by default);
    404 for one the user may not read."""
    paragraph = session.get(Paragraph, paragraph_id)
    if paragraph is None:
        raise NotFound(f"no paragraph with id {paragraph_id}")
    _check_readable(session, Paragraph, paragraph.id, user, f"no paragraph with id {paragraph_id}")
    chosen = _version(session, paragraph.id, version or paragraph.current_version)
    as_of = as_of or danish_today()
    filled = render(session, chosen.text, as_of, organisation_id=paragraph.organisation_id)
    versions = session.exec(
        select(ParagraphVersion).where(col(ParagraphVersion.paragraph_id) == paragraph.id).order_by(col(ParagraphVersion.version))
    )
    return ParagraphOut(
        id=paragraph.id,
        key=paragraph.key,
        organisation=_org_keys(session, {paragraph.organisation_id}).get(paragraph.organisation_id),
        shared_with=paragraph.shared_with,
        version=chosen.version,
        current_version=paragraph.current_version,
        title=chosen.title,
        text=chosen.text,
        rendered_text=filled.text,
        as_of=as_of,
        statistics=[UsedFigureOut(**vars(u)) for u in filled.used],
        missing=filled.missing,
        warnings=filled.warnings,
        topics=chosen.topics,
        legal_refs=chosen.legal_refs,
        review_by=chosen.review_by,
        review_overdue=chosen.review_by is not None and chosen.review_by < danish_today(),
        versions=[VersionOut(version=v.version, created_at=v.created_at, created_by=v.created_by) for v in versions],
    )


def _has_topic(session: Session, topic: str):
    """Paragraph versions whose topics include `topic` (any case), in each database's own JSON functions."""
    if session.get_bind().dialect.name == "postgresql":
        return text("EXISTS (SELECT 1 FROM jsonb_array_elements_text(paragraph_version.topics) t "
                    "WHERE lower(t) = lower(:topic))").bindparams(topic=topic)
    return text("EXISTS (SELECT 1 FROM json_each(paragraph_version.topics) t WHERE lower(t.value) = lower(:topic))"
                ).bindparams(topic=topic)


def topics(session: Session, user: User | None) -> list[str]:
    """Every topic used by a current version of a paragraph the user may read, sorted."""
    query = select(col(ParagraphVersion.topics)).join(
        Paragraph, (col(Paragraph.id) == col(ParagraphVersion.paragraph_id)) & (col(Paragraph.current_version) == col(ParagraphVersion.version)))
    if (visible := sharing.visible(policy.access(session, user), Paragraph)) is not None:
        query = query.where(visible)
    rows = session.exec(query)
    return sorted({t for row in rows for t in row}, key=str.lower)


def list_paragraphs(session: Session, *, q: str | None, limit: int, offset: int, user: User | None, topic: str | None = None,
                    organisation: str | None = None) -> tuple[list[ParagraphSummary], int]:
    """A page of the paragraphs (current versions) the user may read, by key; `q` matches title, text or key."""
    where = []
    if (visible := sharing.visible(policy.access(session, user), Paragraph)) is not None:
        where.append(visible)
    if topic:
        where.append(_has_topic(session, topic))
    if organisation:
        where.append(_P.organisation_id.in_(select(col(Organisation.id)).where(col(Organisation.key) == organisation)))
    if q:
        where.append(or_(_P.key.icontains(q, autoescape=True), _PV.title.icontains(q, autoescape=True),
                         _PV.text.icontains(q, autoescape=True)))
    total: int = session.execute(core_select(func.count()).select_from(_CURRENT_VERSIONS).where(*where)).scalar_one()
    today = danish_today()
    rows = tuples_of(session.execute(_SUMMARY.where(*where).order_by(_P.key).limit(limit).offset(offset)))
    items = [
        ParagraphSummary(id=pid, key=key, version=version, title=title, topics=topics, review_by=review_by,
                         review_overdue=review_by is not None and review_by < today)
        for pid, key, version, title, topics, review_by in rows
    ]
    return items, total


# The current version of each paragraph; the list shows a few columns of it, not the whole text.
_P, _PV = table_of(Paragraph).c, table_of(ParagraphVersion).c
_CURRENT_VERSIONS = table_of(Paragraph).join(
    table_of(ParagraphVersion), (_PV.paragraph_id == _P.id) & (_PV.version == _P.current_version))
_SUMMARY = core_select(_P.id, _P.key, _PV.version, _PV.title, _PV.topics, _PV.review_by).select_from(_CURRENT_VERSIONS)
