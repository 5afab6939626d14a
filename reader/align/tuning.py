"""Every tunable of the lexical aligner, in one table (chosen on the labelled claims; see bench/eval_align.py).

The stages read these as `tuning.NAME` at call time, so a test or an experiment can set one (on this module
or on the `reader.align` package) and the whole pipeline follows.
"""

from __future__ import annotations

ACCEPT_SCORE = 0.23  # lowest score of an accepted pair
REPEAT_RATIO = 88.0  # rapidfuzz ratio (0-100) of normalised text above which a source repeats itself
MIN_CLAIM_WORDS = 3  # content words a clause needs to count as a claim (headings like "Conclusion" do not)
BLOCKING_KEYS = 6  # rarest content words a clause is indexed under
MAX_POSTING = 120  # a word in more clauses than this is too common to block on
MAX_CANDIDATES = 24  # clauses scored per clause, most shared keys first
CANDIDATE_POOL = 2  # ... taken from this many times MAX_CANDIDATES (before dropping the clause's own source)
FUZZY_WORD_RATIO = 85.0  # rapidfuzz ratio above which two different words count as the same word
FUZZY_WORD_CREDIT = 0.8  # share of a word's weight a near-identical word earns
FUZZY_FLOOR = 0.1  # Dice of exact words below which near-identical words are not looked for
FUZZY_MIN_STEM = 5  # shortest stem (letters only) that may count as near-identical to another
RELATED_WORD_CREDIT = 0.5  # share of a word's weight a word WordNet relates to it earns (pair model only)
DICE_SHARE = 0.9  # score = DICE_SHARE * Dice + (1 - DICE_SHARE) * containment (+ evidence)
NUMBER_BONUS = 0.08  # a number both claims state
AMOUNT_CONFLICT = 0.08  # both claims state figures (more than one digit) and share none
SINGLE_WORD_SHARE = 0.5  # share of the score kept by a pair with one word in common, unless a name or number
TOPIC_SHARE = 0.1  # a word in more than this share of all claims is the story's topic ("OpenAI", "Bubeck"),
MIN_TOPIC_CLAIMS = 5  # ... if it is in at least this many (in a few short sources every word is in a tenth)
QUOTE_BONUS = 0.15  # quotations sharing most of their words
QUOTE_OVERLAP = 0.5  # ... "most": this share of the shorter quotation's words
COHERENCE_SAMPLE = 4  # passages of each cluster compared when checking coherence
COHERENCE = 0.9  # clusters merge only if their passages score, on average, this share of ACCEPT_SCORE
CORROBORATED = 0.68  # a weaker mutual-best pair (this share of the accept score) counts as corroboration:
CORROBORATION = 2  # a passage with such links to members of this many sources of one cluster joins it
NEAR_REPEAT_MIN_CHARS = 20  # a clause this long or longer is compared with earlier ones for near-identical text
NEAR_REPEAT_KEYS = 3  # ... those sharing one of its this many rarest words
LABEL_WORD_CHARS = 3  # words longer than this, all capitalised before a colon, make a label ("Key Findings:")
LOOKUP_LOOKBACK = 3  # aligned passages looked back from an offset's position in Alignment.at

# --- suggestions and their confidence (reader.align.learn, reader.align.suggest) ---
# Logistic-regression weights over reader.align.learn.FEATURES, bias first: fitted on the labelled claims
# (bench/eval_suggest.py --fit prints them); a database's own decisions refit them. The lexical default has no
# cosine (0); the semantic backend's weights add the cosine of the packaged MiniLM embeddings. The weight of taken
# (a candidate the user confirmed as another passage's counterpart) is fitted on rows as a user sees them after
# confirming the pairs of half the claims, the other weights held (bench/eval_suggest.py, fit_defaults).
DEFAULT_PAIR_WEIGHTS = (
    -3.76,  # bias
    2.05,  # score
    4.77,  # dice
    3.67,  # containment
    1.36,  # shared_figure
    -0.32,  # figure_conflict
    0.12,  # shared_names
    0.62,  # quote_overlap
    0.85,  # telling_words
    0.94,  # event_clash
    -0.45,  # topic_only
    -2.79,  # position_gap
    1.8,  # near_figure
    0.0,  # learned_words
    1.6,  # context
    0.0,  # cosine
    -1.24,  # taken
)
SEMANTIC_PAIR_WEIGHTS = (
    -4.71,  # bias
    1.74,  # score
    1.74,  # dice
    2.16,  # containment
    1.09,  # shared_figure
    -0.63,  # figure_conflict
    -0.54,  # shared_names
    0.55,  # quote_overlap
    1.31,  # telling_words
    0.57,  # event_clash
    -0.99,  # topic_only
    -2.6,  # position_gap
    1.82,  # near_figure
    0.0,  # learned_words
    1.51,  # context
    5.83,  # cosine
    -1.23,  # taken
)
NEAR_FIGURE = 0.12  # two figures of one kind this close (a share of the larger) are the same figure, changed
PRIOR_STRENGTH = 1.0  # pull of the prior weights when fitting the defaults on labelled pairs
REFIT_STRENGTH = 20.0  # pull of the default weights of the generic features when refitting on a database's decisions
LEARNED_PAIRS = 1000  # the latest confirmed pairs whose words are learnt
# ... and of the features learnt from the user (reader.align.learn.LEARNED_FEATURES): chosen by cross-validation
# across the labelled datasets (bench/eval_suggest.py's learn from half, each dataset held out in turn: 3.0 chosen
# on the others for 5 of 7, 30 for 2; 0.1 let a few hundred decisions swing the learned_words weight from -2 to +2)
LEARNED_STRENGTH = 3.0
# Suggestions at least this confident are drawn by default, weaker ones on request: the lowest threshold whose
# pooled precision reaches 0.88 over the labelled datasets (bench/eval_suggest.py, which also reports each
# held-out dataset at the threshold chosen on the others).
DRAW_CONFIDENCE = 0.3
SEMANTIC_DRAW_CONFIDENCE = 0.2  # ... with the semantic backend (its alignment is already strict: SEMANTIC_ACCEPT)
# The pair model's second look at the aligner's clusters (reader.align.regroup): confidences, 0..1.
MERGE_MEAN = 0.5  # two clusters merge when their passages of different sources are this confident on average
MERGE_FLOOR = 0.3  # ... and no pair of them below this
MERGE_SOURCES = 2  # ... and one of the two holds at most this many sources
ATTACH_MEAN = 0.6  # a passage in no cluster joins one whose passages of other sources it agrees with this much
ATTACH_BEST = 0.7  # ... on average, and with one of them at least this much
ANCHORED_MEAN = 0.4  # ... these two when the passages next to it and to a member are in one cluster
ANCHORED_BEST = 0.5
SAME_SOURCE_MEAN = 0.7  # a second passage of one source stays in (or joins) a cluster at this average
REGROUP_SAMPLE = 6  # passages of a cluster (one per source) these averages are taken over
# ... with the semantic backend, where the grid chose differently for it: clusters merge on stronger evidence,
# a passage between two aligned neighbours joins on weaker (more labelled pairs drawn at the same precision)
SEMANTIC_MERGE_MEAN = 0.6
SEMANTIC_MERGE_FLOOR = 0.4
SEMANTIC_ANCHORED_MEAN = 0.3
SEMANTIC_ANCHORED_BEST = 0.4
# Each backend's regrouping constants and DIFFERING_CONFIDENCE (below) are what bench/eval_suggest.py's small grid
# chooses on every labelled dataset, with the drawing threshold (the best pooled recall at precision 0.88); the
# figures it reports for each dataset use the constants chosen on the other datasets only.
TOP_CANDIDATES = 3  # counterparts listed per other source
STABLE_LIBRARY = 40  # up to this many sources in the library, words are weighed over all of them
SAME_SPAN_OVERLAP = 0.5  # two spans are the same passage when they share this share of the shorter one
# A suggested cluster joins the user's link when one of its members and a linked passage share this much of the
# longer of the two (the linked passage itself, not a sentence that also holds it)
JOIN_OVERLAP = 0.8
# A pair whose figures differ that the alignment left out is suggested from this confidence (and the backend's
# drawing threshold); chosen by the grid of bench/eval_suggest.py as the regrouping constants are
DIFFERING_CONFIDENCE = 0.5
# ... with the semantic backend: the grid's choice on every dataset (0.65, then 0.8, as figures were read better)
SEMANTIC_DIFFERING_CONFIDENCE = 0.5

NAMES = tuple(name for name in dir() if name.isupper())
