"""Text pools for the demo caseload (`care_plans.demo`), kept apart so the generator stays readable.

Why this module exists: demo records are read by clinicians judging the product, so the words
matter as much as the numbers. Plan sections are written warmly and in the first person, as a
client and clinician would write them together; goals and steps follow the five recovery pillars
of the seed text (seeking support, self-care, realistic goals, staying connected, resilience)
plus physical health and meaning and purpose.

Everything here is fictional. Phone numbers come from the ranges Ofcom reserves for drama
(01632 960xxx, 07700 900xxx, 0808 157 0xxx), e-mail addresses use example.org, and every service
name is invented. Some strings carry curly quotes, em dashes and accents on purpose, so the pages,
the PDF and the exports are exercised with real-world text.
"""

from __future__ import annotations

from typing import NamedTuple

# -- People ---------------------------------------------------------------------------------------

#: Given to the first clients so that accented names are always on screen, even in small seeds.
FEATURED_NAMES: tuple[str, ...] = (
    "Zoë Ólafsdóttir",
    "José Núñez",
    "Siobhán Ní Bhriain",
    "François Lefèvre",
    "Åsa Lindqvist",
)

FIRST_NAMES: tuple[str, ...] = (
    "Amara",
    "Ben",
    "Chloé",
    "Dev",
    "Eilidh",
    "Femi",
    "Gabriel",
    "Hannah",
    "Inès",
    "Jamal",
    "Kasia",
    "Liam",
    "Mei",
    "Niamh",
    "Oluwaseun",
    "Pádraig",
    "Rosa",
    "Sami",
    "Tegan",
    "Wiktor",
    "Yusuf",
    "Zara",
    "Björn",
    "Renée",
    "Mateus",
    "Anaïs",
    "Kofi",
    "Leila",
    "Marek",
    "Noor",
    "Owen",
    "Priyanka",
    "Rhys",
    "Saoirse",
    "Tomasz",
    "Ursula",
    "Valentina",
    "Wen",
    "Ximena",
    "Zoltán",
    "Aoife",
    "Callum",
    "Dagny",
    "Emeka",
    "Freya",
    "Hamza",
    "Ivy",
    "Joaquín",
)

SURNAMES: tuple[str, ...] = (
    "Okafor",
    "Müller",
    "García",
    "Nowak",
    "Ó Súilleabháin",
    "Lindgren",
    "Patel",
    "Ahmed",
    "Campbell",
    "Jones",
    "Dubois",
    "Søndergaard",
    "Kowalczyk",
    "Moreau",
    "Nakamura",
    "O’Brien",
    "Fernández",
    "Hughes",
    "Mensah",
    "Ivanova",
    "Rossi",
    "Haddad",
    "Chen",
    "Doyle",
    "Evans",
    "Byrne",
    "Łukasiewicz",
    "Đorđević",
    "Pérez",
    "MacLeod",
    "Nguyễn",
    "Kaya",
    "Abara",
    "Wright",
    "Thomas",
    "Mac an tSaoir",
    "Çelik",
    "Holm",
    "Quinn",
    "Varga",
)

#: Full names for demo.clinician, demo.clinician2, ... (cycled, with a number, beyond the list).
CLINICIAN_NAMES: tuple[str, ...] = (
    "Priya Raman",
    "Tomás Ferreira",
    "Grace Mensah",
    "Ewan MacLeod",
    "Leila Haddad",
    "Jonas Berg",
    "Aisling Kavanagh",
    "Kwame Asante",
)
SUPERVISOR_NAME = "Nadia Karimi"
ADMIN_NAME = "Sam Okoro"

# -- Care plan sections (first person, written with the client) -----------------------------------

SECTIONS: dict[str, tuple[str, ...]] = {
    "strengths": (
        "I’m stubborn in a good way — when something matters to me I keep at it.",
        "I’m a good listener; friends come to me when they’re struggling.",
        "I can make people laugh, even on bad days.",
        "I look after my cat, Biscuit, every day, whatever my mood.",
        "I’m practical: I like fixing things and cooking for other people.",
        "I’ve come through hard times before and I know I can again.",
        "I’m curious — I love learning how things work.",
        "I’m honest about how I’m feeling once I trust someone.",
        "Drawing and music help me make sense of things.",
        "I turn up. Even when it’s hard, I usually make it to appointments.",
    ),
    "wellness": (
        "When I’m well I get up at a regular time, eat breakfast and get outside for a walk.",
        "I see friends at least once a week and answer my messages.",
        "I can enjoy small things again: a good coffee, a song, an hour at the allotment.",
        "I sleep most of the night and wake up feeling rested.",
        "I have something to look forward to in the week.",
        "I can go to work (or volunteering) without dreading it.",
        "My flat is tidy enough that I’m happy for people to come round.",
        "I notice worries, but they don’t take over the whole day.",
    ),
    "triggers": (
        "Money worries, especially letters from the council or the bank.",
        "Arguments at home, or feeling like I’ve let someone down.",
        "The anniversary of my dad’s death in November.",
        "Long stretches on my own without plans.",
        "Too many late nights in a row.",
        "Being criticised at work in front of other people.",
        "Crowded places when I’m already tired.",
        "Scrolling the news late at night.",
    ),
    "warning_signs": (
        "I stop answering my phone and let messages pile up.",
        "I sleep much later, or I’m still awake at 4am.",
        "I stop eating proper meals and live on toast.",
        "I cancel plans at the last minute.",
        "I get snappy with the people I love.",
        "I stop doing the things I enjoy, even music.",
        "My thoughts speed up and I can’t settle to anything.",
        "I start telling myself “what’s the point?” — that’s my cue to use this plan.",
    ),
    "what_helps": (
        "A walk by the river, even just ten minutes.",
        "Texting my sister — she doesn’t try to fix it, she just listens.",
        "Writing things down before bed so they’re out of my head.",
        "Breathing from the group: in for four, out for six, five times.",
        "Having a plan for the weekend, even a small one.",
        "Cooking something simple from scratch.",
        "Going to the peer support group on Thursdays.",
        "Being reminded that it’s okay to have a bad day.",
    ),
    "self_care_routine": (
        "Up by 8:30, shower and breakfast before I look at my phone.",
        "A 20-minute walk most days; the longer loop at weekends.",
        "Phone off at 11pm and a book in bed.",
        "Cook at least three proper meals a week.",
        "Open the curtains and water the plants first thing.",
        "Yoga video on Tuesday and Friday mornings.",
        "One thing just for fun every day — music, drawing or a film.",
        "Check in with how I’m feeling each evening.",
    ),
}

#: The crisis plan is built from these three parts so it can name the client's own contacts.
CRISIS_FIRST_STEPS: tuple[str, ...] = (
    "First I’ll try the things under “What helps” and tell someone how I’m feeling.",
    "When two or more warning signs show up, I’ll slow down and use my plan rather than wait.",
    "I’ll put the kettle on, do the breathing and get out of the house if I can.",
)
CRISIS_HELPER_STEPS: tuple[str, ...] = (
    "If that doesn’t help within an hour, I’ll ring {helper} and ask them to come round.",
    "I’ll call {helper}; they know this plan and what I need.",
    "I’ll text {helper} the word “amber” — we agreed it means “please call me now”.",
)
CRISIS_SERVICE_STEP = (
    "If I can’t keep myself safe, I’ll call {crisis} on {phone}, any time. "
    "In an emergency I’ll call 999 or go to A&E."
)


# -- Goals and their small steps ----------------------------------------------------------------


class GoalTemplate(NamedTuple):
    description: str
    why_it_matters: str
    steps: tuple[str, ...]
    #: Goal Attainment Scaling descriptions for levels −2, −1, 0 (expected), +1, +2; or None.
    gas: tuple[str, str, str, str, str] | None = None


#: Keyed by models.RecoveryDomain values; each template has at least five steps.
GOALS: dict[str, tuple[GoalTemplate, ...]] = {
    "seeking support": (
        GoalTemplate(
            "Go to my therapy sessions regularly",
            "Talking helps me understand what’s going on instead of bottling it up.",
            (
                "Put session dates in my phone calendar",
                "Write down one thing to bring to each session",
                "Plan the bus route the night before",
                "Tell my therapist when something isn’t working",
                "Ask about the evening sessions",
            ),
            (
                "Missed most sessions",
                "Went to about half",
                "Went to most sessions",
                "Went to every session",
                "Went to every session and brought something each time",
            ),
        ),
        GoalTemplate(
            "Tell my GP how I’ve really been feeling",
            "I always say “I’m fine” and then nothing changes.",
            (
                "Book a double appointment",
                "Write a list of what to say",
                "Ask Mum to come with me",
                "Ask about a medication review",
                "Book the follow-up before I leave",
            ),
        ),
        GoalTemplate(
            "Find a support group that feels right for me",
            "I want to meet people who get it without me having to explain.",
            (
                "Look up groups in town",
                "Ask my clinician which group they’d suggest",
                "Go to one meeting",
                "Go back a second time",
                "Swap numbers with someone there",
            ),
            (
                "Didn’t look for a group",
                "Looked but didn’t go",
                "Went to one group twice",
                "Going most weeks",
                "Going every week and helping set up",
            ),
        ),
    ),
    "self-care": (
        GoalTemplate(
            "Get my sleep back on track",
            "When I sleep better everything else feels more manageable.",
            (
                "Same wake-up time every day, even weekends",
                "No screens after 11pm",
                "Keep a sleep diary for two weeks",
                "No coffee after 2pm",
                "Try the wind-down audio from group",
            ),
            (
                "Asleep after 3am most nights",
                "Asleep after 1am most nights",
                "Asleep by midnight most nights",
                "Asleep by midnight every night",
                "Asleep by 11pm and waking rested",
            ),
        ),
        GoalTemplate(
            "Move my body a little every day",
            "I feel calmer after a walk, even a short one.",
            (
                "Walk to the end of the road and back",
                "Walk round the park twice a week",
                "Try the Saturday walking group",
                "Find a yoga video I like",
                "Cycle to the shops instead of taking the bus",
            ),
            (
                "No walks",
                "One walk a week",
                "Three walks a week",
                "Five walks a week",
                "A walk every day",
            ),
        ),
        GoalTemplate(
            "Eat regular meals",
            "I get shaky and low when I skip meals, and then I can’t think straight.",
            (
                "Breakfast before leaving the house",
                "Plan three dinners on Sunday",
                "Keep easy food in the freezer",
                "Cook with my flatmate once a week",
                "Take lunch to work",
            ),
        ),
    ),
    "realistic goals": (
        GoalTemplate(
            "Get back into a routine at home",
            "When the days have a shape I feel more in control.",
            (
                "Make a simple weekly timetable",
                "Do the washing on Mondays",
                "Ten-minute tidy before bed",
                "Open the post every Friday",
                "Tick off one small job a day",
            ),
            (
                "No routine at all",
                "Routine on a few days",
                "Routine most weekdays",
                "Routine every weekday",
                "Routine every day, weekends too",
            ),
        ),
        GoalTemplate(
            "Sort out my letters and bills, one pile at a time",
            "The unopened letters are a weight I carry around all the time.",
            (
                "Put all the post in one box",
                "Open five letters with Jo",
                "Ring the energy company about the payment plan",
                "Set up one direct debit",
                "Ask the advice centre at the library about the council tax",
            ),
        ),
        GoalTemplate(
            "Go back to work gradually",
            "I miss my colleagues and having a reason to get up.",
            (
                "Talk to occupational health",
                "Agree a phased return plan",
                "Do a practice journey to work",
                "Work two half-days in the first week",
                "Review how it’s going with my manager",
            ),
            (
                "Not back at work",
                "Agreed a plan but not started",
                "Two half-days a week",
                "Three full days a week",
                "Back to my usual hours",
            ),
        ),
    ),
    "staying connected": (
        GoalTemplate(
            "See a friend once a week",
            "I feel more like myself when I’m with people.",
            (
                "Text one friend on Monday to make a plan",
                "Say yes to one invitation",
                "Invite Sam for a coffee",
                "Go to the quiz night with my neighbour",
                "Tell one friend about my care plan",
            ),
            (
                "No contact with friends",
                "Messaged a friend",
                "Saw a friend once this month",
                "Saw a friend most weeks",
                "Saw friends every week and made the plans myself",
            ),
        ),
        GoalTemplate(
            "Reconnect with my brother",
            "We used to be close and I miss him.",
            (
                "Write down what I want to say",
                "Send him a birthday card",
                "Ring him on a Sunday afternoon",
                "Meet for a walk",
                "Invite him round for tea",
            ),
        ),
        GoalTemplate(
            "Reply to messages within a day or two",
            "When I go quiet people worry, and then I feel guilty and go quieter.",
            (
                "Turn on message previews",
                "Reply with a short message if I can’t talk",
                "Tell friends that a thumbs-up means “I’m okay, talk later”",
                "Check messages once after tea",
                "Ring back one missed call a week",
            ),
        ),
    ),
    "resilience": (
        GoalTemplate(
            "Notice my early warning signs and act sooner",
            "Last time I waited until I was really unwell before asking for help.",
            (
                "Share my warning signs with my partner",
                "Check in with myself every evening",
                "Use the plan when two signs show up",
                "Talk through a setback in session",
                "Keep the crisis number in my phone favourites",
            ),
            (
                "Didn’t notice the signs until crisis",
                "Noticed the signs but didn’t act",
                "Noticed and used the plan once",
                "Used the plan early each time",
                "Used the plan early and helped update it",
            ),
        ),
        GoalTemplate(
            "Be kinder to myself after a bad day",
            "I’m much harder on myself than I’d ever be on anyone else.",
            (
                "Write down one thing I did okay each day",
                "Try the self-compassion exercise",
                "Talk about a setback in session without apologising",
                "Notice the critical voice and name it",
                "Do one nice thing after a hard day",
            ),
        ),
    ),
    "physical health": (
        GoalTemplate(
            "Cut down on smoking",
            "I want to be able to walk up the hill to my sister’s without stopping.",
            (
                "Talk to the pharmacist about patches",
                "No smoking in the flat",
                "Swap the first cigarette for a cup of tea",
                "Join the stop-smoking group",
                "Put the money saved in a jar",
            ),
            (
                "Smoking more than before",
                "Smoking the same",
                "Five fewer a day",
                "Half what I used to",
                "Stopped completely",
            ),
        ),
        GoalTemplate(
            "Get my blood tests and medication review done",
            "The tablets make me tired and I want to know if that can change.",
            (
                "Book the blood test",
                "Write down side effects for a week",
                "Go to the medication review",
                "Ask about taking tablets at night",
                "Collect the new prescription",
            ),
        ),
    ),
    "meaning and purpose": (
        GoalTemplate(
            "Start volunteering one morning a week",
            "I want to feel useful again and be part of something.",
            (
                "Look at the volunteer centre website",
                "Ring the food bank",
                "Go to a taster session",
                "Commit to a regular slot",
                "Ask a friend to come along",
            ),
            (
                "Not looked into it",
                "Looked but not been",
                "Tried a taster session",
                "Volunteering most weeks",
                "Volunteering every week and enjoying it",
            ),
        ),
        GoalTemplate(
            "Pick up the guitar again",
            "Music used to be the thing that made me feel like me.",
            (
                "Get the guitar restrung",
                "Play for ten minutes on Sunday",
                "Learn one new song",
                "Go to the open mic and just listen",
                "Play a song for my niece",
            ),
        ),
        GoalTemplate(
            "Look into a college course",
            "I never finished my course and I’d like to prove to myself I can.",
            (
                "Get the prospectus",
                "Go to the open evening",
                "Talk to student support",
                "Apply for the short course",
                "Go to the first class",
            ),
        ),
    ),
}

# -- Support network ---------------------------------------------------------------------------


class ServiceTemplate(NamedTuple):
    name: str
    role: str
    when_to_contact: str


CRISIS_SERVICES: tuple[ServiceTemplate, ...] = (
    ServiceTemplate(
        "Northvale Crisis Line",
        "24-hour mental health crisis line",
        "Any time I feel I can’t keep myself safe, day or night.",
    ),
    ServiceTemplate(
        "Riverside Crisis Team",
        "Out-of-hours crisis team",
        "Evenings and weekends, when things escalate and my clinician isn’t there.",
    ),
    ServiceTemplate(
        "Harbour Lane Crisis Café",
        "Evening crisis café, 6pm–midnight",
        "When I need somewhere safe to go and talk in the evening.",
    ),
)

PROFESSIONALS: tuple[ServiceTemplate, ...] = (
    ServiceTemplate(
        "Dr Helen Marsh",
        "GP, Canal Street Practice",
        "Medication questions and physical health worries.",
    ),
    ServiceTemplate(
        "Jo Whitfield", "Housing support worker", "When letters about the flat or the rent arrive."
    ),
    ServiceTemplate(
        "Carlos Mendes",
        "Employment adviser",
        "Before going back to work, or if work gets too much.",
    ),
    ServiceTemplate(
        "Dr Sunita Rao",
        "Psychiatrist, community team",
        "Medication reviews — booked through my clinician.",
    ),
    ServiceTemplate(
        "Marta Kowalska",
        "Community pharmacist",
        "If I’m unsure about my tablets or want to talk about side effects.",
    ),
)

PEER_GROUPS: tuple[ServiceTemplate, ...] = (
    ServiceTemplate(
        "Thursday Peer Support Group",
        "Peer group at the Wellbeing Hub",
        "Every Thursday evening; I can just turn up.",
    ),
    ServiceTemplate(
        "Riverside Recovery College",
        "Free courses run by people with lived experience",
        "When I want to learn something new or meet people.",
    ),
    ServiceTemplate("Canal Walkers", "Weekly walking group for wellbeing", "Saturday mornings."),
    ServiceTemplate(
        "Carr Lane Community Shed",
        "Community workshop",
        "Tuesday and Friday afternoons, when I need to keep my hands busy.",
    ),
)

FAMILY_ROLES: tuple[str, ...] = (
    "Mum",
    "Dad",
    "Sister",
    "Brother",
    "Partner",
    "Aunt",
    "Grandmother",
    "Cousin",
    "Son",
    "Daughter",
)
FAMILY_WHEN: tuple[str, ...] = (
    "When I notice my warning signs, or just to talk.",
    "If I need a lift to appointments.",
    "Sunday phone call; sooner if I’m struggling.",
    "When I can’t get out of bed — they’ll come round.",
    "Any time; they know my crisis plan.",
)
FRIEND_ROLES: tuple[str, ...] = (
    "Friend from school",
    "Neighbour",
    "Friend from the allotment",
    "Work friend",
    "Friend from choir",
    "Climbing partner",
)
FRIEND_WHEN: tuple[str, ...] = (
    "For a walk or a coffee when I’m feeling flat.",
    "When I need to get out of the house.",
    "Knows my plan and checks in if I go quiet.",
    "When I want company without having to explain.",
)

# -- Check-in notes (the client's own words) -----------------------------------------------------

WENT_WELL: tuple[str, ...] = (
    "Went for a walk with Sam — first time in weeks.",
    "Cooked a proper dinner.",
    "Slept right through the night.",
    "Got to group even though I didn’t want to.",
    "Rang Mum and it was actually nice.",
    "Did everything on my “small steps” list today!",
    "Sat in the garden in the sun for a bit.",
    "Made it to work on time all week.",
    "Laughed properly at something — felt good.",
    "Played guitar for half an hour.",
    "Replied to all my messages.",
    "Said no to something without feeling guilty.",
    "Opened the post. Nothing scary.",
    "My sister said I seem “more like you again”.",
)
WAS_HARD: tuple[str, ...] = (
    "Couldn’t get out of bed until lunchtime.",
    "Letter from the bank — spiralled a bit.",
    "Argument at home; felt rubbish after.",
    "Didn’t sleep — lay awake worrying.",
    "Felt really alone this evening.",
    "Cancelled on a friend again — annoyed with myself.",
    "The anniversary is coming up and it’s on my mind.",
    "Work was overwhelming — had to leave early.",
    "Everything felt like too much today.",
    "Skipped meals again.",
    "Too tired to do anything on my list.",
    "Crowded bus — had to get off two stops early.",
)

# -- Sessions (the clinician's words) ------------------------------------------------------------

SESSION_INTAKE = (
    "First session. We wrote the care plan together: {goals} goals in {first}’s own words, "
    "the support network and the crisis plan. Baseline PHQ-9 and GAD-7 completed."
)
SESSION_BETTER: tuple[str, ...] = (
    "{first} described a better fortnight: sleeping more regularly and getting out most days.",
    "Looked at the check-in chart together — mood and hope both trending up. {first} said it "
    "feels “less like wading through mud”.",
    "{first} has kept to most of the small steps and went to the peer group twice.",
    "A good couple of weeks. {first} noticed an early warning sign and acted on it straight away.",
)
SESSION_STEADY: tuple[str, ...] = (
    "A steady fortnight. {first} kept the routine going even on flat days.",
    "We looked at the chart together; things are much the same, which {first} felt was okay "
    "for now.",
    "Talked through each goal; agreed to keep the steps as they are for another fortnight.",
)
SESSION_HARDER: tuple[str, ...] = (
    "A hard fortnight — {first} had a setback after a difficult phone call with family. We went "
    "through the warning signs together; the crisis plan still feels right.",
    "{first} has been sleeping badly and missing meals. We made the steps smaller for the next "
    "two weeks.",
    "Mood lower since the anniversary. {first} used the plan and rang a friend, which helped.",
)
SESSION_DID_NOT_ATTEND: tuple[str, ...] = (
    "Did not attend. Texted and left a voicemail; will try again later in the week.",
    "Did not attend — rang afterwards to say the bus didn’t come. Rebooked.",
)
PROGRESS_ACKNOWLEDGED: tuple[str, ...] = (
    "Used the crisis plan early instead of waiting — exactly what it’s for.",
    "Kept checking in, even on the bad days.",
    "Went to the GP and said how things really are.",
    "Got back on track after a rough week without being hard on themself.",
    "Three walks this week.",
    "Told a friend about what’s been going on for the first time.",
)
PLAN_CHANGES: tuple[str, ...] = (
    "Made the sleep step smaller: lights out by midnight rather than 11pm.",
    "Added a step: text one friend each week.",
    "Added the peer group to the support network.",
    "Updated the crisis plan with the out-of-hours number.",
)
NEXT_STEPS: tuple[str, ...] = (
    "Keep the evening check-ins going; look at the sleep diary together next time.",
    "Try the peer group once before we meet again.",
    "Book the GP appointment this week.",
    "Keep the steps small; use the crisis plan if the warning signs stack up.",
    "Plan one thing for the weekend.",
)
RISK_FOLLOW_UP_NOTES: tuple[str, ...] = (
    "Phoned the same day. Thoughts fleeting, no plan or intent; crisis plan reviewed together.",
    "Discussed in session: passive thoughts when very tired, protective factors strong. "
    "Crisis line number checked in phone.",
    "Rang back within the hour; safe, staying with family tonight. Review at next session.",
)
