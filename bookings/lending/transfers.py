"""Transfers between centres as a workflow (issue 23): a centre's staff (or a coordinator) ask
another centre for units of a tool type; the sender's staff scan units out against the request
(each is then in transit: not lendable, not bookable); the receiver's staff scan them in, when
each unit's centre changes (a UnitEvent "transfer" and an audit entry). A request can be
declined by the sender or cancelled by the receiver, with a reason. Who may do what from which
state: inventory.transfer_rules; the states and "in transit once" are checked by the database
too (inventory's migration 2026-12-05T22:20).

It lives in lending, not inventory, because dispatching asks whether a unit is booked and the
network's figures read the waitlist (bookings sit above inventory). One transaction a call."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bookings.lending import availability, reservations
from bookings.tables import ACTIVE_STATUSES, Booking, WaitlistEntry
from inventory import transfer_rules
from inventory.forms import at_most_characters
from inventory.rules import normalise_asset_tag
from inventory.tables import ToolType, TransferItem, TransferRequest, Unit, UnitEvent
from inventory.transfer_rules import MAX_QUANTITY, OPEN_STATUSES, Sides, Stock
from rental import audit
from rental.kernel.db import is_postgres, read_transaction, write_transaction
from rental.kernel.errors import DomainError
from rental.kernel.i18n import N_
from rental.kernel.identity import CurrentUser
from rental.kernel.values import BadValue, parse_date, whole_number
from rental.tables import Centre, Member

REASON_MAX = 300


class TransferError(DomainError):
    """The base of the transfers' refusals."""


def _invalid(errors: dict[str, Any]) -> TransferError:
    return TransferError("invalid", errors)


def _sides(actor: CurrentUser, request: Mapping[str, Any]) -> Sides:
    return Sides(sender=request["sender"] in actor.centre_ids,
                 receiver=request["receiver"] in actor.centre_ids,
                 coordinator=actor.all_centres)


def _names(prefix: str, column: Any) -> list[Any]:
    return [getattr(column, f"name_{lang}").as_alias(f"{prefix}_name_{lang}")
            for lang in ("ka", "en", "ru")]


def _request_columns() -> list[Any]:
    R = TransferRequest
    return [R.id, R.tool_type, R.sender, R.receiver, R.quantity, R.needed_by, R.reason,
            R.status, R.requested_at, R.dispatched_at, R.received_at, R.closed_at,
            R.close_reason, R.sender.code.as_alias("sender_code"),
            R.receiver.code.as_alias("receiver_code"),
            R.receiver.timezone.as_alias("timezone"),
            *_names("tool", R.tool_type), *_names("sender", R.sender),
            *_names("receiver", R.receiver)]


async def _items(request_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    rows = await TransferItem.select(
        TransferItem.transfer, TransferItem.unit, TransferItem.unit.asset_tag.as_alias("tag"),
        TransferItem.dispatched_at, TransferItem.dispatched_by, TransferItem.received_at,
        TransferItem.received_by,
    ).where(TransferItem.transfer.is_in(request_ids or [-1])).order_by(TransferItem.id)
    people = {row[key] for row in rows for key in ("dispatched_by", "received_by")} - {None}
    names = {m["id"]: m["name"] for m in await Member.select(Member.id, Member.name).where(
        Member.id.is_in(list(people) or [-1]))}  # who sent and who received each unit
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(row["transfer"], []).append({
            **row, "sent_by": names.get(row["dispatched_by"], ""),
            "received_by_name": names.get(row["received_by"], "")})
    return found


async def _bookings(request_ids: list[int]) -> dict[int, dict[str, Any]]:
    """The member's booking each request carries, if any (in whatever state it is now)."""
    rows = await Booking.select(
        Booking.id, Booking.transfer, Booking.status, Booking.starts_on, Booking.member,
        Booking.unit, Booking.member.name.as_alias("member_name"),
        Booking.unit.asset_tag.as_alias("asset_tag"),
    ).where(Booking.transfer.is_in(request_ids or [-1]))
    return {row["transfer"]: row for row in rows}


def _with_steps(request: dict[str, Any], items: list[dict[str, Any]],
                actor: CurrentUser, booking: dict[str, Any] | None = None) -> dict[str, Any]:
    counts = {"sent": len(items), "quantity": request["quantity"],
              "in_transit": sum(1 for i in items if i["received_at"] is None)}
    return {**request, "units": items, **counts, "booking": booking,
            "steps": transfer_rules.next_steps(request["status"], _sides(actor, request),
                                               **counts)}


# --- pages -----------------------------------------------------------------------------------


async def transfers_page(actor: CurrentUser, *, today: date, now: datetime) -> dict[str, Any]:
    """Staff: their centres' requests in and out; coordinators: all; open ones first, each
    with what the reader may do next. Coordinators also see the network's stock against
    demand and the suggested transfers."""
    async with read_transaction():
        query = TransferRequest.select(*_request_columns()).order_by(
            TransferRequest.requested_at, ascending=False).limit(200)
        if not actor.all_centres:
            mine = list(actor.centre_ids) or [-1]
            query = query.where(TransferRequest.sender.is_in(mine)
                                | TransferRequest.receiver.is_in(mine))
        requests = await query
        items = await _items([r["id"] for r in requests])
        carried = await _bookings([r["id"] for r in requests])
        rows = [_with_steps(r, items.get(r["id"], []), actor, carried.get(r["id"]))
                for r in requests]
        network = await _network(today, now) if actor.all_centres else None
    return {"open": [r for r in rows if r["status"] in OPEN_STATUSES],
            "closed": [r for r in rows if r["status"] not in OPEN_STATUSES],
            "network": network}


async def transfer_list(actor: CurrentUser, *, status: str | None, page: int,
                        per_page: int) -> tuple[list[dict[str, Any]], int]:
    """The API's list (issue 22): the requests of transfers_page (staff: their centres' in and
    out; coordinators: all), newest first, in `status` if given, one page of them with what
    the reader may do next, and how many there are."""
    async with read_transaction():
        where = TransferRequest.id.is_not_null()
        if not actor.all_centres:
            mine = list(actor.centre_ids) or [-1]
            where = where & (TransferRequest.sender.is_in(mine)
                             | TransferRequest.receiver.is_in(mine))
        if status:
            where = where & (TransferRequest.status == status)
        total = await TransferRequest.count().where(where)
        requests = await TransferRequest.select(*_request_columns()).where(where).order_by(
            TransferRequest.requested_at, ascending=False).order_by(
            TransferRequest.id, ascending=False).limit(per_page).offset((page - 1) * per_page)
        items = await _items([r["id"] for r in requests])
    return [_with_steps(r, items.get(r["id"], []), actor) for r in requests], total


async def request_page(request_id: int, actor: CurrentUser) -> dict[str, Any]:
    """One request for its dispatch or receive page; refused for an uninvolved centre."""
    async with read_transaction():
        request = await _request(request_id, actor)
        items = (await _items([request_id])).get(request_id, [])
        carried = (await _bookings([request_id])).get(request_id)
    return {"transfer": _with_steps(request, items, actor, carried)}


async def _request(request_id: int, actor: CurrentUser, *, lock: bool = False
                   ) -> dict[str, Any]:
    query = TransferRequest.select(*_request_columns()).where(TransferRequest.id == request_id)
    if lock and is_postgres():
        query = query.lock_rows(of=(TransferRequest,))
    request = await query.first()
    if request is None:
        raise TransferError("not_found", {"form": N_("There is no page at this address.")})
    if not (actor.all_centres or request["sender"] in actor.centre_ids
            or request["receiver"] in actor.centre_ids):
        raise TransferError("forbidden", {"form": N_("You do not have access to this page.")})
    return request


async def request_form(actor: CurrentUser, *, tool_type: int | None = None,
                       sender: int | None = None, receiver: int | None = None,
                       quantity: int | None = None) -> dict[str, Any]:
    """The request form's choices, prefilled (a suggestion links here with its values)."""
    async with read_transaction():
        choices = await _choices(actor)
    values = {"tool_type": tool_type or "", "sender": sender or "",
              "receiver": receiver or (next(iter(sorted(actor.centre_ids)), "")
                                       if not actor.all_centres else ""),
              "quantity": quantity or 1, "needed_by": "", "reason": ""}
    return {**choices, "values": values, "errors": {}}


async def _choices(actor: CurrentUser) -> dict[str, Any]:
    centres = await Centre.select(Centre.id, Centre.code, Centre.name_ka, Centre.name_en,
                                  Centre.name_ru).where(Centre.active.eq(True)).order_by(
        Centre.code)
    tool_types = await ToolType.select(ToolType.id, ToolType.name_ka, ToolType.name_en,
                                       ToolType.name_ru).where(ToolType.active.eq(True)
                                                               ).order_by(ToolType.name_en)
    return {"centres": centres, "tool_types": tool_types,
            "receivers": [c for c in centres if actor.can_act_for(c["id"])]}


# --- writes ----------------------------------------------------------------------------------


def _reason(text: Any, *, required: bool) -> str:
    reason = " ".join(str(text or "").split())
    if required and not reason:
        raise _invalid({"reason": N_("Say why.")})
    if len(reason) > REASON_MAX:
        raise _invalid({"reason": at_most_characters(REASON_MAX)})
    return reason


async def create_request(form: Mapping[str, Any], *, actor: CurrentUser, today: date,
                         now: datetime) -> int:
    """A centre asks another for units: the receiver must be one of the actor's centres."""
    async with write_transaction():
        choices = await _choices(actor)
        errors: dict[str, Any] = {}
        tool_type = whole_number(form.get("tool_type"))
        if tool_type not in {t["id"] for t in choices["tool_types"]}:
            errors["tool_type"] = N_("Choose one of the options.")
        sender = whole_number(form.get("sender"))
        receiver = whole_number(form.get("receiver"))
        if sender not in {c["id"] for c in choices["centres"]}:
            errors["sender"] = N_("Choose one of the options.")
        if receiver not in {c["id"] for c in choices["receivers"]}:
            errors["receiver"] = N_("Choose one of the options.")
        elif sender == receiver:
            errors["sender"] = N_("Ask another centre than the one receiving.")
        quantity = whole_number(form.get("quantity"))
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            errors["quantity"] = (N_("Enter a whole number from 1 to %(num)s."),
                                  {"num": MAX_QUANTITY})
        needed_by = None
        try:
            needed_by = parse_date(str(form.get("needed_by") or ""), required=False)
            if needed_by is not None and needed_by < today:
                errors["needed_by"] = N_("Choose today or a later day.")
        except BadValue as exc:
            errors["needed_by"] = exc.message
        try:
            reason = _reason(form.get("reason"), required=False)
        except TransferError as exc:
            errors.update(exc.errors)
            reason = ""
        if errors:
            raise _invalid(errors)
        row = (await TransferRequest.insert(TransferRequest(
            tool_type=tool_type, sender=sender, receiver=receiver, quantity=quantity,
            needed_by=needed_by, reason=reason, status="requested", requested_by=actor.id,
            requested_at=now, close_reason="",
        )).returning(TransferRequest.id))[0]
        await audit.record("transfer.request", "transfer", row["id"], now=now,
                           actor_id=actor.id, centre_id=receiver, after={
                               "tool_type": tool_type, "sender": sender, "receiver": receiver,
                               "quantity": quantity, "needed_by": str(needed_by or ""),
                               "reason": reason})
        return row["id"]


async def _check(request: Mapping[str, Any], action: str, actor: CurrentUser,
                 field: str = "form") -> dict[str, int]:
    items = (await _items([request["id"]])).get(request["id"], [])
    counts = {"sent": len(items), "quantity": request["quantity"],
              "in_transit": sum(1 for i in items if i["received_at"] is None)}
    refused = transfer_rules.refusal(action, request["status"], _sides(actor, request),
                                     **counts)
    if refused is not None:
        kind, message = refused
        raise TransferError("forbidden" if kind == "forbidden" else "invalid",
                            {"form" if kind == "forbidden" else field: message})
    return counts


async def dispatch(request_id: int, code: str, *, actor: CurrentUser, today: date,
                   now: datetime) -> str:
    """The sender scans one unit out: it must be the request's tool type, at the sender, in
    circulation and not booked. It is in transit from now on. Returns its tag. Two dispatches
    of one unit: the database's partial unique index lets one win."""
    typed = code if isinstance(code, str) else ""
    tag = normalise_asset_tag(typed) or ""
    try:
        async with write_transaction():
            request = await _request(request_id, actor, lock=True)
            counts = await _check(request, "dispatch", actor, "tag")
            if not tag:
                raise _invalid({"tag": N_("No unit has this tag.") if typed.strip()
                                else N_("Scan or type an asset tag.")})
            unit = await Unit.select(Unit.id, Unit.tool_type, Unit.centre, Unit.status).where(
                Unit.asset_tag == tag).first()
            refusal = _dispatch_refusal(unit, request)
            riding = (await _bookings([request_id])).get(request_id)
            if (refusal is None and riding is not None and riding["status"] == "reserved"
                    and riding["unit"] != unit["id"]):
                refusal = (N_("This request carries a member's booking of %(tag)s: send that "
                              "unit."), {"tag": riding["asset_tag"]})
            if refusal is None and await TransferItem.exists().where(
                    (TransferItem.unit == unit["id"]) & TransferItem.received_at.is_null()):
                refusal = N_("This unit is on its way between centres already.")
            if refusal is None and await Booking.exists().where(
                    (Booking.unit == unit["id"]) & Booking.status.is_in(list(ACTIVE_STATUSES))
                    & ((Booking.status == "out") | (Booking.ends_on >= today))
                    & (Booking.transfer.is_null() | (Booking.transfer != request_id))):
                refusal = N_("This unit is reserved or out on loan: send another one.")
            if refusal is not None:
                raise _invalid({"tag": refusal})
            await TransferItem.insert(TransferItem(transfer=request_id, unit=unit["id"],
                                                   dispatched_by=actor.id, dispatched_at=now))
            if request["status"] == "requested":
                await TransferRequest.update({
                    TransferRequest.status: "dispatched", TransferRequest.dispatched_at: now,
                    TransferRequest.dispatched_by: actor.id,
                }).where(TransferRequest.id == request_id)
            await audit.record("transfer.dispatch", "unit", unit["id"], now=now,
                               actor_id=actor.id, centre_id=request["sender"],
                               before={"request": request_id, "sent": counts["sent"]},
                               after={"request": request_id, "in_transit_to":
                                      request["receiver"], "sent": counts["sent"] + 1})
    except TransferError:
        raise
    except Exception as exc:
        if "transfer_item" not in str(exc) and "unique" not in str(exc).lower():
            raise
        raise _invalid({"tag": N_("This unit is on its way between centres already.")}
                       ) from None
    return tag


def _dispatch_refusal(unit: Mapping[str, Any] | None, request: Mapping[str, Any]
                      ) -> str | None:
    if unit is None:
        return N_("No unit has this tag.")
    if unit["centre"] != request["sender"]:
        return N_("This unit is not at the sending centre.")
    if unit["tool_type"] != request["tool_type"]:
        return N_("This unit is not of the tool type asked for.")
    if unit["status"] != "available":
        return N_("Only an available unit can be sent.")
    return None


async def receive(request_id: int, code: str, *, actor: CurrentUser, now: datetime) -> str:
    """The receiver scans one unit in: it changes centre (audited, a UnitEvent "transfer");
    once none is on the road the request is received. Returns its tag."""
    typed = code if isinstance(code, str) else ""
    tag = normalise_asset_tag(typed) or ""
    async with write_transaction():
        request = await _request(request_id, actor, lock=True)
        counts = await _check(request, "receive", actor, "tag")
        if not tag:
            raise _invalid({"tag": N_("No unit has this tag.") if typed.strip()
                            else N_("Scan or type an asset tag.")})
        item = await TransferItem.select(TransferItem.id, TransferItem.unit).where(
            (TransferItem.transfer == request_id) & TransferItem.received_at.is_null()
            & (TransferItem.unit.asset_tag == tag)).first()
        if item is None:
            raise _invalid({"tag": N_("This unit is not on its way to you with this request.")})
        await TransferItem.update({TransferItem.received_at: now,
                                   TransferItem.received_by: actor.id}).where(
            TransferItem.id == item["id"])
        await Unit.update({Unit.centre: request["receiver"]}).where(Unit.id == item["unit"])
        await UnitEvent.insert(UnitEvent(
            unit=item["unit"], at=now, actor=actor.id, kind="transfer",
            from_value=request["sender_code"], to_value=request["receiver_code"],
            note=f"#{request_id}"))
        status = transfer_rules.status_after_receiving(counts["in_transit"] - 1)
        if status == "received":
            await TransferRequest.update({TransferRequest.status: "received",
                                          TransferRequest.received_at: now}).where(
                TransferRequest.id == request_id)
        await audit.record("transfer.receive", "unit", item["unit"], now=now,
                           actor_id=actor.id, centre_id=request["receiver"],
                           before={"centre": request["sender"], "request": request_id},
                           after={"centre": request["receiver"], "request": request_id,
                                  "request_status": status})
    return tag


async def close(request_id: int, action: str, form: Mapping[str, Any], *,
                actor: CurrentUser, now: datetime) -> None:
    """Decline (the sender) or cancel (the receiver) a request not dispatched yet, with a
    reason."""
    status = {"decline": "declined", "cancel": "cancelled"}[action]
    async with write_transaction():
        request = await _request(request_id, actor, lock=True)
        await _check(request, action, actor, "reason")
        reason = _reason(form.get("reason"), required=True)
        # a member's booking waiting for this unit ends with it, and the member is told
        await reservations.end_riding_booking(
            request_id, actor_id=actor.id, now=now,
            today=now.astimezone(ZoneInfo(request["timezone"])).date())
        await TransferRequest.update({
            TransferRequest.status: status, TransferRequest.closed_at: now,
            TransferRequest.closed_by: actor.id, TransferRequest.close_reason: reason,
        }).where(TransferRequest.id == request_id)
        recorded = "transfer.decline" if action == "decline" else "transfer.cancel"
        await audit.record(recorded, "transfer", request_id, now=now,
                           actor_id=actor.id, centre_id=request[
                               "sender" if action == "decline" else "receiver"],
                           before={"status": request["status"]},
                           after={"status": status, "reason": reason})


# --- the network: stock against demand ------------------------------------------------------


DEMAND_ROWS = 30  # tool types in the stock-against-demand table


async def _network(today: date, now: datetime) -> dict[str, Any]:
    """Per tool type and centre: units in circulation, free now, idle (no loan for
    IDLE_DAYS), in transit to it, members waiting, units asked for, loans in the last
    IDLE_DAYS; and the suggested transfers (inventory.transfer_rules.suggestions)."""
    since = now - timedelta(days=transfer_rules.IDLE_DAYS)
    units = await Unit.select(Unit.id, Unit.tool_type, Unit.centre, Unit.status).where(
        Unit.status.is_in(["available", "maintenance"]) & Unit.tool_type.active.eq(True))
    moving = {row["unit"] for row in await availability.on_the_road()}
    busy = {row["unit"] for row in await Booking.select(Booking.unit).where(
        (Booking.status == "out") | ((Booking.status == "reserved")
                                     & (Booking.starts_on <= today) & (Booking.ends_on >= today)))}
    lent = await Booking.select(Booking.unit).where(
        Booking.checked_out_at.is_not_null() & (Booking.checked_out_at >= since))
    recently = {row["unit"] for row in lent}
    waiting = await WaitlistEntry.select(WaitlistEntry.tool_type, WaitlistEntry.centre).where(
        WaitlistEntry.status.is_in(["waiting", "offered"]))
    open_requests = await TransferRequest.select(
        TransferRequest.tool_type, TransferRequest.receiver, TransferRequest.quantity).where(
        TransferRequest.status == "requested")
    cells: dict[tuple[int, int], dict[str, int]] = {}

    def cell(key: tuple[int, int]) -> dict[str, int]:
        return cells.setdefault(key, {"units": 0, "available": 0, "idle": 0, "waiting": 0,
                                      "requested": 0, "lent": 0})

    for unit in units:
        if unit["id"] in moving:
            continue
        here = cell((unit["tool_type"], unit["centre"]))
        here["units"] += 1
        here["lent"] += unit["id"] in recently
        if unit["status"] == "available" and unit["id"] not in busy:
            here["available"] += 1
            here["idle"] += unit["id"] not in recently
    for entry in waiting:
        cell((entry["tool_type"], entry["centre"]))["waiting"] += 1
    for asked in open_requests:
        cell((asked["tool_type"], asked["receiver"]))["requested"] += asked["quantity"]
    stock = [Stock(tool_type=t, centre=c, available=v["available"], idle=v["idle"],
                   waiting=v["waiting"], requested=v["requested"])
             for (t, c), v in cells.items()]
    names = {row["id"]: row for row in await ToolType.select(
        ToolType.id, ToolType.name_ka, ToolType.name_en, ToolType.name_ru)}
    centres = {row["id"]: row for row in await Centre.select(
        Centre.id, Centre.code, Centre.name_ka, Centre.name_en, Centre.name_ru)}
    # the table shows where there is demand: the tool types members wait for or a centre asked
    # for, most wanted first, each at every centre that has or wants it (a network has
    # thousands of tool types; the others are in the unit register)
    wanted: dict[int, int] = {}
    for (t, _c), v in cells.items():
        if v["waiting"] or v["requested"]:
            wanted[t] = wanted.get(t, 0) + v["waiting"] + v["requested"]
    shown = set(sorted(wanted, key=lambda t: (-wanted[t], names[t]["name_en"]))[:DEMAND_ROWS])
    rows = [{"tool_type": names[t], "centre": centres[c], **v,
             "utilisation": round(100 * v["lent"] / v["units"]) if v["units"] else 0}
            for (t, c), v in sorted(cells.items(), key=lambda kv: (
                -wanted.get(kv[0][0], 0), names[kv[0][0]]["name_en"],
                centres[kv[0][1]]["code"]))
            if t in shown and (v["units"] or v["waiting"] or v["requested"])]
    return {"rows": rows, "idle_days": transfer_rules.IDLE_DAYS,
            "more_wanted": max(0, len(wanted) - DEMAND_ROWS), "suggestions": [
        {"tool_type": names[s.tool_type], "sender": centres[s.sender],
         "receiver": centres[s.receiver], "quantity": s.quantity}
        for s in transfer_rules.suggestions(stock)]}
