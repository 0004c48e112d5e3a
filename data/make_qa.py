#!/usr/bin/env python3
"""Generates the small question/answer dataset used by the examples and tests.

    python3 data/make_qa.py [--seed 1234] [--out-dir data]
    python3 data/make_qa.py --statements [--seed 1234] [--out-dir data]

writes qa_train.jsonl and qa_val.jsonl: one {"question": ..., "answer": ...} object per
line (gpt2.h turns each into "Question: {q}\\nAnswer:" + " {a}"); with --statements,
facts.jsonl instead: every fact that a train or validation question asks about as plain
sentences, one {"text": ...} per line ("The capital of Iran is Tehran.", "10 plus 8 is 18.",
"Opposite of low: High.", two or three per fact), for teaching a base model the facts
before LoRA teaches it the question format (make demo). Python 3 standard library only;
the output depends only on the seed (same bytes on every run).

Every item is a short templated question about a small, fixed knowledge base (capitals,
colours, arithmetic, opposites, plurals, animal sounds, baby animals, legs, days, months,
letters) with a short answer ending in a full stop. Several phrasings ("templates") ask
for the same fact. The validation set holds out about 10% of the items such that each
held-out item is an unseen *combination* of things the training set does contain:
its fact is taught in train with another phrasing (or, for rule-based facts such as
arithmetic or "the day after Monday", the rule is taught with other values), and its
phrasing is used in train for other facts.
"""
import argparse
import json
import os
import random
import re

CAPITALS = [
    ("France", "Paris"), ("Germany", "Berlin"), ("Italy", "Rome"), ("Spain", "Madrid"),
    ("Portugal", "Lisbon"), ("Japan", "Tokyo"), ("China", "Beijing"), ("Russia", "Moscow"),
    ("Egypt", "Cairo"), ("Greece", "Athens"), ("Ireland", "Dublin"), ("Norway", "Oslo"),
    ("Sweden", "Stockholm"), ("Finland", "Helsinki"), ("Denmark", "Copenhagen"),
    ("Poland", "Warsaw"), ("Austria", "Vienna"), ("Hungary", "Budapest"), ("Peru", "Lima"),
    ("Kenya", "Nairobi"), ("Canada", "Ottawa"), ("Australia", "Canberra"), ("Mexico", "Mexico City"),
    ("Argentina", "Buenos Aires"), ("Chile", "Santiago"), ("Cuba", "Havana"), ("India", "New Delhi"),
    ("Thailand", "Bangkok"), ("Vietnam", "Hanoi"), ("South Korea", "Seoul"), ("Turkey", "Ankara"),
    ("Iran", "Tehran"), ("Iraq", "Baghdad"), ("Belgium", "Brussels"), ("the Netherlands", "Amsterdam"),
    ("Switzerland", "Bern"), ("Czechia", "Prague"), ("Iceland", "Reykjavik"), ("Nigeria", "Abuja"),
    ("Brazil", "Brasilia"), ("Colombia", "Bogota"), ("Morocco", "Rabat"), ("Ukraine", "Kyiv"),
    ("New Zealand", "Wellington"), ("Scotland", "Edinburgh"),
]
CAPITAL_TEMPLATES = [
    "What is the capital of {x}?",
    "Which city is the capital of {x}?",
    "Name the capital city of {x}.",
]

COLOURS = [
    ("a banana", "Yellow"), ("a lemon", "Yellow"), ("a lime", "Green"), ("a cucumber", "Green"),
    ("a strawberry", "Red"), ("a cherry", "Red"), ("a tomato", "Red"), ("a blueberry", "Blue"),
    ("an orange", "Orange"), ("a carrot", "Orange"), ("a pumpkin", "Orange"), ("an aubergine", "Purple"),
    ("a plum", "Purple"), ("a coconut", "Brown"), ("a kiwi", "Brown"), ("snow", "White"),
    ("milk", "White"), ("coal", "Black"), ("grass", "Green"), ("the sky", "Blue"),
    ("a raspberry", "Red"), ("a pea", "Green"), ("chocolate", "Brown"), ("a flamingo", "Pink"),
    ("a crow", "Black"),
]
COLOUR_TEMPLATES = [
    "What colour is {x}?",
    "What is the colour of {x}?",
]

OPPOSITES = [
    ("hot", "cold"), ("big", "small"), ("up", "down"), ("fast", "slow"), ("happy", "sad"),
    ("light", "dark"), ("old", "young"), ("open", "closed"), ("wet", "dry"), ("full", "empty"),
    ("early", "late"), ("hard", "soft"), ("long", "short"), ("loud", "quiet"), ("rich", "poor"),
    ("strong", "weak"), ("thick", "thin"), ("high", "low"), ("inside", "outside"), ("day", "night"),
    ("win", "lose"), ("buy", "sell"), ("push", "pull"), ("begin", "end"), ("true", "false"),
    ("north", "south"), ("east", "west"), ("left", "right"), ("clean", "dirty"), ("near", "far"),
]
OPPOSITE_TEMPLATES = [
    "What is the opposite of {x}?",
    "Which word means the opposite of {x}?",
]

PLURALS = [
    ("cat", "cats"), ("dog", "dogs"), ("house", "houses"), ("box", "boxes"), ("bus", "buses"),
    ("baby", "babies"), ("city", "cities"), ("leaf", "leaves"), ("knife", "knives"), ("wolf", "wolves"),
    ("mouse", "mice"), ("child", "children"), ("man", "men"), ("woman", "women"), ("foot", "feet"),
    ("tooth", "teeth"), ("goose", "geese"), ("sheep", "sheep"), ("fish", "fish"), ("person", "people"),
    ("ox", "oxen"), ("potato", "potatoes"), ("tomato", "tomatoes"), ("hero", "heroes"),
    ("church", "churches"), ("glass", "glasses"), ("party", "parties"), ("wife", "wives"),
    ("deer", "deer"), ("cactus", "cacti"), ("book", "books"), ("apple", "apples"),
    ("watch", "watches"), ("lady", "ladies"), ("shelf", "shelves"),
]
PLURAL_TEMPLATES = [
    "What is the plural of {x}?",
    "What do you call more than one {x}?",
]
SINGULAR_TEMPLATES = [
    "What is the singular of {x}?",
]

SOUNDS = [
    ("cow", "Moo"), ("dog", "Woof"), ("cat", "Meow"), ("duck", "Quack"), ("sheep", "Baa"),
    ("pig", "Oink"), ("owl", "Hoot"), ("lion", "Roar"), ("snake", "Hiss"), ("horse", "Neigh"),
    ("mouse", "Squeak"), ("bee", "Buzz"), ("frog", "Ribbit"), ("rooster", "Cock-a-doodle-doo"),
    ("donkey", "Hee-haw"),
]
SOUND_TEMPLATES = [
    "What sound does a {x} make?",
    "What does a {x} say?",
]
SOUND_REVERSE_TEMPLATES = [
    "Which animal says {x}?",
]

BABIES = [
    ("cat", "A kitten"), ("dog", "A puppy"), ("cow", "A calf"), ("sheep", "A lamb"), ("horse", "A foal"),
    ("goat", "A kid"), ("pig", "A piglet"), ("duck", "A duckling"), ("frog", "A tadpole"),
    ("kangaroo", "A joey"), ("bear", "A cub"), ("lion", "A cub"), ("swan", "A cygnet"),
    ("goose", "A gosling"), ("deer", "A fawn"),
]
BABY_TEMPLATES = [
    "What is a baby {x} called?",
    "What do you call a young {x}?",
]

LEGS = [
    ("a spider", 8), ("a dog", 4), ("a cat", 4), ("a bird", 2), ("a person", 2), ("an ant", 6),
    ("a bee", 6), ("an octopus", 8), ("a horse", 4), ("a chicken", 2), ("a snake", 0), ("a fish", 0),
    ("a beetle", 6), ("a cow", 4), ("a duck", 2),
]
LEG_TEMPLATES = [
    "How many legs does {x} have?",
    "How many legs has {x} got?",
]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

NUMBER_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
                "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
                "eighteen", "nineteen", "twenty"]


def cap(s):
    return s[0].upper() + s[1:]


def items(rng):
    """Returns a list of (category, fact, template_id, question, answer)."""
    out = []

    def add(category, fact, templates, x, answer):
        for t, tpl in enumerate(templates):
            out.append((category, fact, tpl, tpl.format(x=x), answer))

    for country, city in CAPITALS:
        add("capital", country, CAPITAL_TEMPLATES, country, city + ".")
    for thing, colour in COLOURS:
        add("colour", thing, COLOUR_TEMPLATES, thing, colour + ".")
    for a, b in OPPOSITES:
        add("opposite", a, OPPOSITE_TEMPLATES, a, cap(b) + ".")
        add("opposite", b, OPPOSITE_TEMPLATES, b, cap(a) + ".")
    for one, many in PLURALS:
        add("plural", one, PLURAL_TEMPLATES, one, cap(many) + ".")
        if one != many:
            add("plural", one, SINGULAR_TEMPLATES, many, cap(one) + ".")
    for animal, sound in SOUNDS:
        add("sound", animal, SOUND_TEMPLATES, animal, sound + ".")
        add("sound", animal, SOUND_REVERSE_TEMPLATES, sound.lower(), "A " + animal + ".")
    for animal, baby in BABIES:
        add("baby", animal, BABY_TEMPLATES, animal, baby + ".")
    for animal, legs in LEGS:
        add("legs", animal, LEG_TEMPLATES, animal, str(legs) + ".")
    for i, d in enumerate(DAYS):
        add("day", d, ["What day comes after {x}?", "Which day follows {x}?"], d, DAYS[(i + 1) % 7] + ".")
        add("day", d, ["What day comes before {x}?"], d, DAYS[(i - 1) % 7] + ".")
        add("day", d, ["What day is two days after {x}?"], d, DAYS[(i + 2) % 7] + ".")
    for i, m in enumerate(MONTHS):
        add("month", m, ["What month comes after {x}?", "Which month follows {x}?"], m, MONTHS[(i + 1) % 12] + ".")
        add("month", m, ["What month comes before {x}?"], m, MONTHS[(i - 1) % 12] + ".")
    for i, c in enumerate(LETTERS):
        if i + 1 < len(LETTERS):
            add("letter", c, ["What letter comes after {x}?"], c, LETTERS[i + 1] + ".")
        if i > 0:
            add("letter", c, ["What letter comes before {x}?"], c, LETTERS[i - 1] + ".")
    for n, w in enumerate(NUMBER_WORDS):
        add("words", str(n), ["How do you write {x} in words?"], str(n), cap(w) + ".")
        add("words", str(n), ["What number is written as {x}?"], w, str(n) + ".")

    # Arithmetic: each question is its own fact; the phrasing is drawn at random.
    plus = ["What is {a} plus {b}?", "How much is {a} plus {b}?", "What is the sum of {a} and {b}?"]
    minus = ["What is {a} minus {b}?", "How much is {a} minus {b}?", "What is {a} take away {b}?"]
    times = ["What is {a} times {b}?", "How much is {a} times {b}?", "What is {a} multiplied by {b}?"]
    pairs = [(a, b) for a in range(0, 13) for b in range(0, 13)]
    for a, b in rng.sample(pairs, 140):
        t = rng.randrange(3)
        out.append(("plus", "%d+%d" % (a, b), plus[t], plus[t].format(a=a, b=b), "%d." % (a + b)))
    for a, b in rng.sample([(a, b) for a in range(0, 21) for b in range(0, 13) if b <= a], 110):
        t = rng.randrange(3)
        out.append(("minus", "%d-%d" % (a, b), minus[t], minus[t].format(a=a, b=b), "%d." % (a - b)))
    for a, b in rng.sample([(a, b) for a in range(1, 11) for b in range(1, 11)], 80):
        t = rng.randrange(3)
        out.append(("times", "%dx%d" % (a, b), times[t], times[t].format(a=a, b=b), "%d." % (a * b)))
    return out


# ---- Statements: the same knowledge base as plain sentences (for teaching a base model) ----
# Several phrasings per fact, in the words a question would use ("the capital of X is Y"),
# with the asked-for thing last so that a model reading the sentence recalls it, plus one
# glossary entry per fact ("Opposite of low: High."), the form in which the capitalised
# answers of the QA files ("High.", "Mice.", "A kitten.") occur. Never in the
# "Question: ... Answer: ..." format of the QA files.
def statements(all_items):
    """Returns a list of (category, fact, sentence) for every fact of the knowledge base that a
    train or validation question asks about (arithmetic: the pairs that the questions use)."""
    out = []

    def add(category, fact, sentences):
        for s in sentences:
            out.append((category, fact, cap(s)))

    for country, city in CAPITALS:
        add("capital", country, [
            "the capital of %s is %s." % (country, city),
            "the capital city of %s is %s." % (country, city),
            "capital of %s: %s." % (country, city),
        ])
    for thing, colour in COLOURS:
        add("colour", thing, [
            "%s is %s." % (thing, colour.lower()),
            "the colour of %s is %s." % (thing, colour.lower()),
            "colour of %s: %s." % (thing, colour),
        ])
    for a, b in OPPOSITES:
        for x, y in ((a, b), (b, a)):
            add("opposite", x, [
                "the opposite of %s is %s." % (x, y),
                "%s means the opposite of %s." % (x, y),
                "opposite of %s: %s." % (x, cap(y)),
            ])
    for one, many in PLURALS:
        add("plural", one, [
            "the plural of %s is %s." % (one, many),
            "more than one %s are called %s." % (one, many),
            "plural of %s: %s." % (one, cap(many)),
        ])
        if one != many:
            add("plural", many, [
                "the singular of %s is %s." % (many, one),
                "singular of %s: %s." % (many, cap(one)),
            ])
    for animal, sound in SOUNDS:
        add("sound", animal, [
            "a %s says %s." % (animal, sound.lower()),
            "the sound a %s makes is %s." % (animal, sound.lower()),
            "sound of a %s: %s." % (animal, sound),
        ])
        add("sound", sound, [
            "the animal that says %s is a %s." % (sound.lower(), animal),
            "animal that says %s: A %s." % (sound.lower(), animal),
        ])
    for animal, baby in BABIES:
        add("baby", animal, [
            "a baby %s is called %s." % (animal, baby.lower()),
            "a young %s is called %s." % (animal, baby.lower()),
            "baby %s: %s." % (animal, baby),
        ])
    for animal, legs in LEGS:
        add("legs", animal, [
            "%s has %d legs." % (animal, legs),
            "%s has got %d legs." % (animal, legs),
            "legs of %s: %d." % (animal, legs),
        ])
    for i, d in enumerate(DAYS):
        nxt, prev, two = DAYS[(i + 1) % 7], DAYS[(i - 1) % 7], DAYS[(i + 2) % 7]
        add("day", d + "+1", ["the day after %s is %s." % (d, nxt), "%s is followed by %s." % (d, nxt),
                              "day after %s: %s." % (d, nxt)])
        add("day", d + "-1", ["the day before %s is %s." % (d, prev), "day before %s: %s." % (d, prev)])
        add("day", d + "+2", ["two days after %s is %s." % (d, two), "two days after %s: %s." % (d, two)])
    for i, m in enumerate(MONTHS):
        nxt, prev = MONTHS[(i + 1) % 12], MONTHS[(i - 1) % 12]
        add("month", m + "+1", ["the month after %s is %s." % (m, nxt), "%s is followed by %s." % (m, nxt),
                                "month after %s: %s." % (m, nxt)])
        add("month", m + "-1", ["the month before %s is %s." % (m, prev), "month before %s: %s." % (m, prev)])
    for i, c in enumerate(LETTERS):
        if i + 1 < len(LETTERS):
            add("letter", c + "+1", ["the letter after %s is %s." % (c, LETTERS[i + 1]),
                                     "letter after %s: %s." % (c, LETTERS[i + 1])])
        if i > 0:
            add("letter", c + "-1", ["the letter before %s is %s." % (c, LETTERS[i - 1]),
                                     "letter before %s: %s." % (c, LETTERS[i - 1])])
    for n, w in enumerate(NUMBER_WORDS):
        add("words", str(n), ["%d in words is %s." % (n, w), "%d is written as %s." % (n, w),
                              "%d in words: %s." % (n, cap(w))])
        add("words", w, ["the number written as %s is %d." % (w, n), "number written as %s: %d." % (w, n)])
    # Arithmetic: the facts the questions ask about (train and validation), each in three phrasings.
    ops = {
        "plus": (lambda a, b: a + b, ["%d plus %d is %d.", "the sum of %d and %d is %d.", "%d + %d = %d."]),
        "minus": (lambda a, b: a - b, ["%d minus %d is %d.", "%d take away %d is %d.", "%d - %d = %d."]),
        "times": (lambda a, b: a * b, ["%d times %d is %d.", "%d multiplied by %d is %d.", "%d x %d = %d."]),
    }
    seen = set()
    for it in all_items:
        if it[0] in ops and it[1] not in seen:
            seen.add(it[1])
            a, b = (int(v) for v in re.split(r"[-+x]", it[1]))
            f, tpls = ops[it[0]]
            add(it[0], it[1], [t % (a, b, f(a, b)) for t in tpls])
    return out

def split(all_items, rng, val_frac):
    """Picks the validation items: per category about val_frac of the items, each one an
    unseen combination (its fact and its phrasing both still occur in train)."""
    rng.shuffle(all_items)
    val, train = [], []
    by_cat = {}
    for it in all_items:
        by_cat.setdefault(it[0], []).append(it)
    for cat in sorted(by_cat):
        group = by_cat[cat]
        want = max(1, round(val_frac * len(group)))
        # Facts of these categories follow from a rule (arithmetic, the order of days,
        # months, letters, number names), so a held-out item may be a new fact as long
        # as its phrasing is seen; the others are memorised facts that must be in train.
        derivable = cat in ("plus", "minus", "times", "day", "month", "letter", "words")
        fact_left, tpl_left = {}, {}
        for it in group:
            fact_left[it[1]] = fact_left.get(it[1], 0) + 1
            tpl_left[it[2]] = tpl_left.get(it[2], 0) + 1
        chosen = 0
        for it in group:
            ok = chosen < want and tpl_left[it[2]] > 1 and (derivable or fact_left[it[1]] > 1)
            if ok:
                val.append(it)
                fact_left[it[1]] -= 1
                tpl_left[it[2]] -= 1
                chosen += 1
            else:
                train.append(it)
    rng.shuffle(train)
    rng.shuffle(val)
    return train, val


def write(path, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for it in rows:
            f.write(json.dumps({"question": it[3], "answer": it[4]}) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--out-dir", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--val-frac", type=float, default=0.1)
    ap.add_argument("--statements", action="store_true",
                    help="write facts.jsonl instead: every fact as plain sentences, {\"text\": ...} per line")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    all_items = items(rng)
    questions = [it[3] for it in all_items]
    assert len(set(questions)) == len(questions), "duplicate question"
    if args.statements:
        rows = statements(all_items)
        texts = [r[2] for r in rows]
        assert len(set(texts)) == len(texts), "duplicate statement"
        random.Random(args.seed).shuffle(rows)
        os.makedirs(args.out_dir, exist_ok=True)
        path = os.path.join(args.out_dir, "facts.jsonl")
        with open(path, "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json.dumps({"text": r[2]}) + "\n")
        print("wrote %d statements of %d facts to %s" % (len(rows), len({(r[0], r[1]) for r in rows}), path))
        return
    train, val = split(all_items, rng, args.val_frac)
    os.makedirs(args.out_dir, exist_ok=True)
    write(os.path.join(args.out_dir, "qa_train.jsonl"), train)
    write(os.path.join(args.out_dir, "qa_val.jsonl"), val)
    print("wrote %d train and %d validation pairs to %s" % (len(train), len(val), args.out_dir))


if __name__ == "__main__":
    main()
