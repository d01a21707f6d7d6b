"""Contact hours, holidays, time zones, caps and channel choice: pure functions, fixed dates."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from bot.outreach.config import OutreachConfig, Step, parse_outreach
from bot.outreach.rules import (
    Reachability, SubjectFacts, cap_reason, choose_channel, is_contact_day, next_contact_moment,
    suppression_reason, timezone_for, within_contact_hours,
)
from tests.outreach.conftest import MONDAY, at

ROME = ZoneInfo("Europe/Rome")
CFG = OutreachConfig()
INVOICE_STEP = Step("post_due_1", "invoice", 3, "post_due")


def test_weekday_hours_bounds():
    assert not within_contact_hours(at(MONDAY, 8, 29), ROME, CFG)
    assert within_contact_hours(at(MONDAY, 8, 30), ROME, CFG)
    assert within_contact_hours(at(MONDAY, 20, 59), ROME, CFG)
    assert not within_contact_hours(at(MONDAY, 21, 0), ROME, CFG)


def test_saturday_closes_at_three_and_sunday_never():
    saturday, sunday = date(2026, 11, 28), date(2026, 11, 29)
    assert within_contact_hours(at(saturday, 14, 59), ROME, CFG)
    assert not within_contact_hours(at(saturday, 15, 0), ROME, CFG)
    assert not any(within_contact_hours(at(sunday, h), ROME, CFG) for h in range(1, 24))


def test_italian_public_holidays_are_never_contact_days():
    assert not is_contact_day(date(2026, 12, 8), CFG)   # Immacolata, a Tuesday
    assert not is_contact_day(date(2026, 12, 25), CFG)  # Christmas, a Friday
    assert not is_contact_day(date(2027, 3, 29), CFG)   # Easter Monday
    assert is_contact_day(date(2026, 12, 9), CFG)


def test_next_moment_skips_the_night_sunday_and_holidays():
    saturday_evening = at(date(2026, 11, 28), 16)
    assert next_contact_moment(saturday_evening, ROME, CFG) == datetime(2026, 11, 30, 8, 30, tzinfo=ROME)
    monday_before_holiday = at(date(2026, 12, 7), 22)
    assert next_contact_moment(monday_before_holiday, ROME, CFG) == datetime(2026, 12, 9, 8, 30, tzinfo=ROME)
    inside = at(MONDAY, 11)
    assert next_contact_moment(inside, ROME, CFG) == inside


def test_hours_follow_the_debtors_time_zone():
    london = timezone_for("+447700900101", CFG)
    assert str(london) == "Europe/London" and str(timezone_for("+393331234567", CFG)) == "Europe/Rome"
    # 08:00 in London is 09:00 in Rome: open in Rome, still closed in London.
    moment = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)
    assert within_contact_hours(moment, ROME, CFG) and not within_contact_hours(moment, london, CFG)


def test_configured_hours_replace_the_defaults():
    cfg = parse_outreach({"contact_hours": {"mon": "10:00-12:00"}})
    assert not within_contact_hours(at(MONDAY, 9), ROME, cfg) and within_contact_hours(at(MONDAY, 11), ROME, cfg)
    assert not is_contact_day(date(2026, 11, 24), cfg)


def test_caps_count_every_channel_per_day_and_week():
    day = MONDAY
    assert cap_reason([], day, CFG) is None
    assert cap_reason([day], day, CFG) == "cap_daily"
    three_this_week = [date(2026, 11, 18), date(2026, 11, 20), date(2026, 11, 21)]
    assert cap_reason(three_this_week, day, CFG) == "cap_weekly"
    assert cap_reason([date(2026, 11, 16), date(2026, 11, 17), date(2026, 11, 18)], day, CFG) is None  # a week ago


def test_every_suppression_has_its_reason():
    def reason(**facts):
        return suppression_reason(INVOICE_STEP, SubjectFacts(subject_open=True, **facts))

    assert reason() is None
    assert reason(hold="dispute") == "dispute"
    assert reason(hold="reconciliation") == "reconciliation_hold"
    assert reason(hold="pause") == "payment_pause"
    assert reason(with_agent=True) == "with_agent"
    assert reason(plan_on_track=True) == "plan_on_track"
    assert reason(promise_pending=True) == "promise_pending"
    assert reason(debtor_paused=True) == "paused_debtor"
    assert reason(paused_campaigns=frozenset({"post_due_1"})) == "paused_campaign"
    assert reason(paused_campaigns=frozenset({"all"})) == "paused_campaign"
    assert reason(paused_campaigns=frozenset({"pre_due"})) is None
    assert suppression_reason(INVOICE_STEP, SubjectFacts(subject_open=False)) == "nothing_due"
    instalment = Step("instalment_reminder", "instalment", -1, "instalment_reminder")
    assert suppression_reason(instalment, SubjectFacts(subject_open=True, plan_on_track=True)) is None


def test_channel_choice_respects_opt_outs_and_the_whatsapp_window():
    all_channels = {"telegram", "whatsapp", "sms"}
    reach = Reachability(phone="+393331234567")
    assert choose_channel(reach, "post_due", CFG, all_channels).channel == "sms"  # window closed, no template
    open_window = Reachability(phone="+393331234567", whatsapp_window_open=True)
    assert choose_channel(open_window, "post_due", CFG, all_channels).channel == "whatsapp"
    with_template = parse_outreach({"whatsapp_templates": {"post_due": "HX123"}})
    choice = choose_channel(reach, "post_due", with_template, all_channels)
    assert (choice.channel, choice.mode, choice.content_sid) == ("whatsapp", "template", "HX123")
    out_sms = Reachability(phone="+393331234567", opted_out_channels=frozenset({"sms"}))
    assert choose_channel(out_sms, "post_due", CFG, all_channels).reason == "opted_out_channel"
    out_all = Reachability(phone="+393331234567", telegram_chat="12345", opted_out_all=True)
    assert choose_channel(out_all, "post_due", CFG, all_channels).reason == "opted_out_all"
    telegram = Reachability(phone="+393331234567", telegram_chat="12345")
    assert choose_channel(telegram, "post_due", CFG, all_channels).channel == "telegram"
    assert choose_channel(Reachability(phone=None), "post_due", CFG, all_channels).reason == "no_address"
    assert choose_channel(reach, "post_due", CFG, {"telegram"}).reason == "channel_not_configured"
