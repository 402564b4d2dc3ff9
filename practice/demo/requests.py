"""Demo help requests: three months of a patient-safety community helping each other.

About thirty requests from the demo members: answered within the commitment and late, still
unanswered and overdue, resolved, withdrawn and closed; "I see it differently" with a discussion,
"I'll try this" (the learning loops pick these up), thanks and kudos; a few from the last days so
the list looks alive. Everything goes through the services, so the figures on the dashboard are
computed exactly as for real data. Idempotent: nothing happens when the community has requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from communities.demo.core import Demo
from communities.models import Category, Notification, OutboundEmail, Tag
from practice.models import HelpRequest, Nudge
from practice.services import requests as services


@dataclass
class A:
    """One piece of advice: who, hours after the request, the text, and what followed."""

    by: str
    after: float
    body: str
    responses: list[str] = field(default_factory=list)  # kinds, in order: "discuss", "try", "thanks"
    note: str = ""  # the asker's note with the first response
    discussion: list[tuple[str, str]] = field(default_factory=list)  # (who, text), an hour apart
    kudos: list[str] = field(default_factory=list)


@dataclass
class R:
    days_ago: float
    asker: str
    title: str
    situation: str
    tried: str = ""
    tags: list[str] = field(default_factory=list)
    urgent: bool = False
    advice: list[A] = field(default_factory=list)
    end: str = ""  # "resolved" | "withdrawn" | "closed"
    end_note: str = ""
    anonymous: bool = False  # posted anonymously: others see "A member (anonymous)"


REQUESTS: list[R] = [
    R(84, "esra", "Independent double-checks for IV insulin on night shifts",
      "On our ward nights run with **two registered nurses** for 28 beds. The policy says IV insulin "
      "needs an *independent* double-check, but when one nurse is in an isolation room the other ends "
      "up checking alone or waiting 20 minutes.\n\nHow do other wards make the second check work at night?",
      "- Asked the night coordinator to check (often busy elsewhere)\n- Prepared infusions before handover",
      ["medication-safety"],
      advice=[
          A("ayla.core", 3, "We agreed a **buddy ward**: the neighbouring ward's nurse does our second "
            "check and we do theirs. A shared phone number and a two-minute rule made it stick.",
            ["try"], "We'll trial the buddy ward with ward 6 from next week.", kudos=["esra", "facilitator"]),
          A("chen", 9, "Pharmacy's on-call technician can check on some sites; worth asking yours."),
      ]),
    R(85, "daan", "Handover keeps missing pending test results",
      "Our bedside handover uses SBAR, but *pending* results (cultures, troponins) fall through the cracks "
      "at the 7 am handover. Twice this month a positive culture was seen hours late.",
      "A column for pending results on the paper sheet; people skip it when busy.",
      ["handover"],
      advice=[
          A("bram.core", 5, "We added **\"What are we waiting for?\"** as a fixed question at the end of SBAR. "
            "The receiving nurse has to read them back.", ["discuss"],
            "Read-back doubles our handover time on a full ward. Is that really worth it?",
            discussion=[("bram.core", "It added about 30 seconds per patient for us, and we stopped the paper column."),
                        ("daan", "30 seconds I can sell to the team. What about the pending list in the EHR?"),
                        ("ayla.core", "The EHR worklist filter 'results pending > 4 h' works; we print it at 6:45.")]),
          A("ayla.core", 20, "Print the EHR *pending results* worklist just before handover and tick it off together."),
      ]),
    R(82, "chen", "Falls at night among patients with delirium",
      "Three falls in two weeks, all between 2 and 5 am, all patients with delirium who tried to go to the "
      "toilet alone. Bed alarms go off too late.",
      "Bed alarms, low beds, non-slip socks.",
      ["falls-prevention", "dementia-care"],
      advice=[
          A("bram.core", 4, "Scheduled **toileting rounds at 1, 3 and 5 am** cut our night falls by half. "
            "It is the urge to go that gets them up.", ["try", "thanks"],
            "Starting the 1-3-5 rounds on our bay of six.", kudos=["chen", "ayla.core", "facilitator"]),
          A("daan", 30, "Move the most restless patients nearest the nurses' station at night."),
      ],
      end="resolved", end_note="Toileting rounds plus bed positions; no falls in the four weeks since."),
    R(80, "member", "Sepsis screening tool fires for almost every post-op patient",
      "Since the new qSOFA-based screening went live, nearly every patient on day 1 after surgery screens "
      "positive. Nurses are starting to click it away, which worries me more than the extra work.",
      "Discussed with the surgeons; they want us to keep screening everyone.",
      ["sepsis", "deteriorating-patient"],
      advice=[
          A("chen", 6, "We added a **second step**: a positive screen triggers a structured review by the "
            "nurse in charge within 30 minutes, not an automatic call. Alarm fatigue dropped a lot.",
            ["discuss"], "Doesn't a second step delay treatment for the real cases?",
            discussion=[("chen", "Our audit found no delay: the review takes 10 minutes and real cases "
                         "go straight to the outreach team."),
                        ("ayla.core", "We saw the same. The key is that the review is documented, not optional."),
                        ("member", "Fair. I'll take the audit to our sepsis lead.")],
            kudos=["member", "esra"]),
          A("daan", 26, "Ask whether the tool can suppress the heart-rate criterion for 24 h after surgery "
            "with pain documented; ours could."),
      ]),
    R(76, "bram.core", "Patients on anticoagulants: who checks the bridging plan?",
      "Patients admitted for elective surgery arrive with a bridging plan from the clinic, but nobody on the "
      "ward owns checking it against the actual theatre date when surgery is moved.",
      tags=["medication-safety"],
      advice=[A("esra", 50, "Our pharmacist checks every bridging plan on admission and when the theatre list "
                "changes; we added it to the pharmacy ward-round checklist.", ["thanks"])]),
    R(4.8, "newcomer", "First weeks: how do you speak up when a senior colleague skips a check?",
      "I'm new on the ward. Yesterday a senior nurse gave a controlled drug without the second signature "
      "because 'we always do it this way at night'. I didn't say anything and I feel bad about it.",
      tags=["medication-safety", "incident-review"],
      advice=[
          A("facilitator", 2, "Thank you for bringing this here — that took courage. Many wards use a shared "
            "phrase like **\"I need a second check, please\"** that anyone may use, whatever their grade.",
            ["thanks"], kudos=["newcomer", "sponsor", "gwen"]),
          A("iris", 8, "Consider reporting it without names as a near miss: it is about the system at night, "
            "not about one colleague.", ["try"], "I'll file a near-miss report this week."),
      ]),
    R(70, "finn", "Pressure injuries on heels despite repositioning",
      "We reposition every 2–3 hours, but heel pressure injuries keep appearing in immobile orthopaedic patients.",
      "Pillows under the calves; not always in place.",
      ["pressure-injuries"],
      advice=[A("gwen", 70, "Heel-offloading boots stay in place much better than pillows; our tissue viability "
                "nurse can lend a few for a trial.", ["try"], kudos=["finn"])]),
    R(58, "hugo", "Early warning scores not repeated after escalation",
      "After a patient scores 5+ and the doctor has reviewed, the next observations are often not done at the "
      "increased frequency. The plan is in the notes but not in the observation schedule.",
      tags=["deteriorating-patient"],
      advice=[
          A("chen", 12, "We made the escalation plan **set the observation frequency in the EHR** directly, so the "
            "task list shows it. Paper plans get lost.", ["discuss"],
            "Our EHR can't do that until the upgrade next year.",
            discussion=[("chen", "Then a red magnet on the bed board for 'obs hourly' was our stop-gap."),
                        ("hugo", "Simple. We'll try the magnets.")]),
      ], end="resolved", end_note="Red magnets until the EHR upgrade."),
    R(62, "finn", "Agitation in dementia: alternatives to sedation at night",
      "Patients with dementia get very agitated in the evening. Night staff ask for sedation quickly; I'd like "
      "non-drug options that actually work on a busy ward.",
      tags=["dementia-care"],
      advice=[
          A("gwen", 10, "A **'This is me'** sheet (habits, music, what calms them) filled in with the family "
            "makes the biggest difference for us.", ["try", "thanks"], kudos=["finn", "bram.core"]),
          A("bram.core", 14, "Dim lights and stop routine observations between midnight and 5 am "
            "where the plan allows."),
      ]),
    R(58, "daan", "Incident reviews feel like blame sessions",
      "Our monthly incident review turns into finding who made the mistake. Staff stopped reporting small things.",
      tags=["incident-review"],
      advice=[A("ayla.core", 40, "Start every review with **what went well** and ask 'what made sense to them at the "
                "time?'. We use a learning-team format instead of root-cause blame.", ["discuss"],
                "The managers want a named action owner for each incident.",
                discussion=[("ayla.core", "Name an owner for the *action*, never for the *incident*."),
                            ("sponsor", "I'll support that at the quality board.")],
                kudos=["daan", "sponsor"])]),
    R(55, "chen", "Fluids for sepsis patients with heart failure",
      "How do you balance the 30 ml/kg fluid bolus with patients who have known heart failure?",
      tags=["sepsis"], advice=[
          A("hugo", 20, "We give smaller boluses (250 ml) with reassessment after each, documented on "
            "the sepsis sheet."),
          A("member", 30, "Ask for a bedside echo early when available; it changed our approach.", ["thanks"]),
      ]),
    R(51, "member", "Medication reconciliation at discharge takes too long",
      "Patients wait hours for their discharge medication list. Pharmacists are overloaded on Fridays.",
      tags=["medication-safety"],
      advice=[A("esra", 60, "We start reconciliation the day **before** planned discharge; the ward round marks "
                "'likely home tomorrow'.", ["try"], "Proposing 'likely home tomorrow' at our ward round.")]),
    R(47, "bram.core", "Hip fracture patients: falls in the first 48 hours",
      "Older patients with hip fractures fall in the first two days after admission, often at night.",
      tags=["falls-prevention"], advice=[
          A("gwen", 6, "Same bay-of-six toileting rounds we set up for delirium work here too.", ["thanks"]),
      ], end="resolved"),
    R(44, "iris", "Near-miss reporting drops after a serious incident",
      "After a serious incident last month, near-miss reports on our unit fell by 60%.",
      tags=["incident-review"],
      advice=[A("facilitator", 30, "Feed back visibly what changed because of reports — a 'you said, we did' board.",
                ["try"], kudos=["iris"])]),
    R(39, "jai", "Antibiotic within the hour: delays from prescribing to giving",
      "Our audit shows the prescription is within the hour, but the first dose is given after 90 minutes on "
      "average. The delay is getting the drug from the pharmacy.",
      tags=["sepsis", "medication-safety"],
      advice=[A("ayla.core", 4, "A **sepsis box** on each ward with the first doses of the empirical antibiotics.",
                ["discuss", "try"], "Pharmacy says ward stock of broad-spectrum antibiotics increases waste.",
                discussion=[("ayla.core", "Our waste was under 5% with a weekly expiry check."),
                            ("esra", "We share one box between two wards to keep the stock small.")],
                kudos=["jai", "chen", "facilitator"])]),
    R(36, "hugo", "Handover between ICU and ward at night",
      "ICU step-downs at 11 pm arrive with a verbal handover only; we miss lines, drains and plans.",
      tags=["handover"],
      advice=[A("daan", 8, "We agreed no step-downs after 10 pm unless there is a written transfer summary.",
                ["discuss"], "ICU says bed pressure makes late transfers unavoidable.",
                discussion=[("daan", "Then make the written summary the condition, not the time.")])]),
    R(33, "finn", "Moisture lesions or pressure injuries? Staff disagree on grading",
      "Our incident numbers for pressure injuries are inflated because moisture lesions are graded as category 2.",
      tags=["pressure-injuries"],
      advice=[A("gwen", 75, "A photo-based teaching session with the tissue viability nurse settled it for us.")]),
    R(30, "esra", "Look-alike insulin pens on the same shelf",
      "Two insulin pens with near-identical packaging are stored side by side. We had one near miss.",
      tags=["medication-safety"], urgent=True,
      advice=[A("ayla.core", 1.5, "Separate them *today* and report it to pharmacy: they can add tall-man "
                "lettering labels and flag it to the supplier.", ["try", "thanks"], kudos=["esra", "member"])],
      end="resolved", end_note="Pens separated and relabelled by pharmacy."),
    R(27, "gwen", "Bed alarm fatigue on a 30-bed ward",
      "Bed alarms go off constantly, mostly false. Staff respond slower and slower.",
      tags=["falls-prevention"], advice=[
          A("bram.core", 16, "Only use alarms for patients who scored high risk *and* are confused; review daily."),
      ]),
    R(24, "hugo", "Duplicate: early warning scores after escalation",
      "Same question as before about repeating observations after escalation.",
      tags=["deteriorating-patient"], end="closed", end_note="Duplicate of an earlier request that was resolved."),
    R(3, "newcomer", "Sepsis training for new starters",
      "Is there a short, practical sepsis session for new starters? The e-learning feels abstract.",
      tags=["sepsis"],
      advice=[A("chen", 10, "We run a 20-minute simulation in the skills lab every month; join the next one.",
                ["try"], "Signed up for the next session.", kudos=["newcomer"])]),
    R(18, "daan", "Handover for patients with a language barrier",
      "How do you hand over patients who need an interpreter, so the next shift knows what was explained?",
      tags=["handover"], advice=[]),
    R(15, "member", "Patient-controlled analgesia pumps programmed differently on each ward",
      "Our PCA pumps have different default settings on surgery and orthopaedics. Patients transfer between them.",
      tags=["medication-safety"],
      advice=[A("esra", 30, "Ask medical physics for one **standard drug library** across wards.", ["discuss"],
                "Anaesthetists want different defaults for different operations.",
                discussion=[("esra", "The library can hold several profiles with the same names on every ward.")])]),
    R(11, "lotte", "Families staying overnight with patients with dementia",
      "Some families want to stay overnight. Colleagues worry about privacy in shared bays.",
      tags=["dementia-care"],
      advice=[A("gwen", 20, "We have a 'carers welcome' policy with a recliner and clear bay rules; it reduced "
                "agitation a lot.", ["thanks"])]),
    R(9, "iris", "Sharing incident learning across wards",
      "Lessons from incidents stay on the ward where they happened. How do you spread them?",
      tags=["incident-review"], advice=[]),
    R(7, "chen", "Deterioration in patients on the corridor during surges",
      "During surges, patients waiting on the corridor have no obs schedule of their own.",
      tags=["deteriorating-patient"], urgent=True,
      advice=[A("hugo", 36, "Assign one nurse per corridor with a paper obs chart until a bed is free.")]),
    R(4, "kim", "Do you use a handover checklist for weekend discharges?",
      "Weekend discharges go wrong more often; the weekday discharge nurse is off.",
      tags=["handover"], advice=[]),
    R(3.5, "finn", "Heel boots: which ones stay on?",
      "Following up on the earlier advice: which heel boots stay on confused patients?",
      tags=["pressure-injuries"], end="withdrawn"),
    R(1.5, "member", "Insulin sliding scales: still in use on your ward?",
      "Our diabetes team wants to stop sliding scales. Some wards still rely on them at night.",
      tags=["medication-safety"],
      advice=[A("ayla.core", 5, "We replaced them with a basal-bolus protocol plus a correction dose; night staff "
                "got a one-page guide. Happy to share it.")]),
    R(1, "newcomer", "How do you prepare for your first incident review?",
      "I've been asked to join an incident review next week as a witness. What should I expect?",
      tags=["incident-review"], advice=[]),
    R(0.2, "gwen", "Night-time falls: do sensor mats beat bed alarms?",
      "We are choosing between sensor floor mats and bed alarms for the new ward.",
      tags=["falls-prevention"], advice=[]),
    # Asked anonymously by member@demo.example (log in as them to see "You posted this anonymously").
    R(6, "member", "I gave a dose twice because two charts were open",
      "At the end of a long shift I had the paper chart and the e-chart open and signed the 18:00 dose on "
      "one only. The next nurse gave it again. The patient was fine, but I keep thinking about it.\n\n"
      "How do other wards stop a dose being given twice when two records are in use?",
      "- Told the nurse in charge and filed an incident report", ["medication-safety"],
      advice=[
          A("ayla.core", 4, "You did the right thing by reporting it. We **retired the paper chart** for "
            "regular doses: one record, one signature. Until you can, a sticker on the paper chart saying "
            "*see e-chart* helped us.", ["thanks", "try"], "I'll ask for the sticker on our ward."),
      ], anonymous=True),
]  # fmt: skip


def seed(demo: Demo) -> None:
    community = demo.community
    if HelpRequest.objects.filter(community=community).exists():
        return
    users = demo.users
    tags = {t.slug: t for t in Tag.objects.filter(community=community)}
    first_email = (OutboundEmail.objects.order_by("-pk").values_list("pk", flat=True).first()) or 0
    hour = timedelta(hours=1)
    for spec in REQUESTS:
        posted = demo.now - timedelta(days=spec.days_ago)
        hr = services.help_request_create(
            community=community,
            author=users[spec.asker],
            title=spec.title,
            situation=spec.situation,
            tried=spec.tried,
            tags=[tags[t] for t in spec.tags if t in tags],
            urgency=HelpRequest.Urgency.URGENT if spec.urgent else HelpRequest.Urgency.NORMAL,
            anonymous=spec.anonymous,
            now=posted,
        )
        last = posted
        for a in spec.advice:
            at = posted + a.after * hour
            if at >= demo.now:
                continue
            advice = services.advice_create(help_request=hr, author=users[a.by], body=a.body, now=at)
            moment = at + 2 * hour
            for i, kind in enumerate(a.responses):
                if kind == "try" and a.discussion:
                    moment += len(a.discussion) * hour  # tried after the discussion
                services.advice_respond(
                    advice=advice, author=users[spec.asker], kind=kind, note=a.note if i == 0 else "", now=moment
                )
                if kind == "discuss":
                    for j, (who, text) in enumerate(a.discussion, start=1):
                        services.comment_create(advice=advice, author=users[who], body=text, now=moment + j * hour)
                moment += hour
            for who in a.kudos:
                services.kudos_toggle(advice=advice, user=users[who], now=moment)
            last = max(last, moment)
        if spec.end == "resolved":
            services.help_request_resolve(help_request=hr, actor=users[spec.asker], note=spec.end_note,
                                          now=last + 6 * hour)  # fmt: skip
        elif spec.end == "withdrawn":
            services.help_request_withdraw(help_request=hr, actor=users[spec.asker], now=posted + 3 * hour)
        elif spec.end == "closed":
            services.help_request_close(help_request=hr, actor=users["facilitator"], reason=spec.end_note,
                                        now=posted + 5 * hour)  # fmt: skip
    # History already happened: nudges that fell due were sent then, the emails went out then
    # (the console of `make run` is not flooded), and notifications older than a week were read.
    # Only what falls due from now on is live.
    for nudge in Nudge.objects.filter(request__community=community, state=Nudge.State.PENDING, due_at__lte=demo.now):
        Nudge.objects.filter(pk=nudge.pk).update(state=Nudge.State.SENT, sent_at=nudge.due_at)
    practice_categories = [Category.REQUESTS, Category.ADVICE]
    OutboundEmail.objects.filter(pk__gt=first_email, category__in=practice_categories).update(
        state=OutboundEmail.State.SENT, sent_at=demo.now
    )
    Notification.objects.filter(
        community=community, category__in=practice_categories, created_at__lt=demo.now - timedelta(days=7)
    ).update(read_at=demo.now - timedelta(days=7), in_daily_digest=False)
