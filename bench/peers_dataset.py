"""The peer forums' deterministic data set, kept here so the forum benchmark needs nothing
outside the repository: the same generator seeds Spirit, machina and Misago for the
comparisons in docs/performance.md. Pure Python, no Django: each engine's seed script maps
these plain records onto its own models, so every engine gets byte-identical content.

Shape (defaults):
  2,000 users, 20 categories, 20,000 topics, 200,000 posts in total
  (every topic has its opening post; topic index 0 is the "hot" topic with 500 posts;
  the remaining 199,500 posts are spread at random over the other 19,999 topics).
"""
import datetime
import random

N_USERS = 2000
N_CATEGORIES = 20
N_TOPICS = 20000
N_POSTS = 200000
HOT_TOPIC_INDEX = 0
HOT_POSTS = 500
SEED = 20240601
PASSWORD = "bench-password"

# ~1% of posts contain this word; used for the search benchmark.
SEARCH_WORD = "zeppelin"

WORDS = (
    "the of and to in is you that it he was for on are as with his they at be this "
    "have from or one had by word but not what all were we when your can said there "
    "use an each which she do how their if will up other about out many then them "
    "these so some her would make like him into time has look two more write go see "
    "number no way could people my than first water been call who oil its now find "
    "long down day did get come made may part forum thread reply post django python "
    "server cache query index page user topic moderator category search database "
    "template render request response latency throughput benchmark thanks anyone "
    "know issue problem solution works great idea think maybe question answer help "
    "release version update install configure deploy docker postgres redis worker"
).split()


def _sentence(rng, n):
    words = rng.choices(WORDS, k=n)
    words[0] = words[0].capitalize()
    return " ".join(words) + "."


def post_body(rng):
    """Return (markdown_source, html) for one post: two short paragraphs, 32-144 words."""
    paras = []
    for _ in range(2):
        sents = [_sentence(rng, rng.randint(8, 18)) for _ in range(rng.randint(2, 4))]
        paras.append(" ".join(sents))
    if rng.random() < 0.01:
        paras[1] = paras[1] + " The " + SEARCH_WORD + " arrived."
    md = "\n\n".join(paras)
    html = "".join("<p>%s</p>\n" % p for p in paras)
    return md, html


def users():
    """Yield (index, username, email) for N_USERS users."""
    for i in range(N_USERS):
        yield i, "user%04d" % i, "user%04d@example.com" % i


def categories():
    """Yield (index, title, description)."""
    for i in range(N_CATEGORIES):
        yield i, "Category %02d" % (i + 1), "Discussion area number %d for the benchmark." % (i + 1)


def post_counts():
    rng = random.Random(SEED)
    counts = [1] * N_TOPICS
    counts[HOT_TOPIC_INDEX] = HOT_POSTS
    extra = N_POSTS - sum(counts)
    others = [t for t in range(N_TOPICS) if t != HOT_TOPIC_INDEX]
    for _ in range(extra):
        counts[rng.choice(others)] += 1
    return counts


def topics(now=None):
    """Yield one dict per topic, in index order (the hot topic first):

    {index, title, category_index, user_index, created, last_active,
     posts: [(user_index, date, markdown, html), ...]}   # posts[0] is the opening post
    """
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    start = now - datetime.timedelta(days=365)
    counts = post_counts()
    rng = random.Random(SEED + 1)
    span = datetime.timedelta(days=360).total_seconds()
    for t in range(N_TOPICS):
        n = counts[t]
        if t == HOT_TOPIC_INDEX:
            created = start
            # spread the hot topic's posts over the whole year, last one an hour ago
            step = (now - datetime.timedelta(hours=1) - created).total_seconds() / (n - 1)
            dates = [created + datetime.timedelta(seconds=int(i * step)) for i in range(n)]
        else:
            created = start + datetime.timedelta(seconds=int(span * t / N_TOPICS))
            dates = [created]
            for _ in range(n - 1):
                dates.append(dates[-1] + datetime.timedelta(minutes=rng.randint(1, 600)))
        title_words = rng.choices(WORDS, k=rng.randint(4, 9))
        title = ("Topic %d: " % (t + 1)) + " ".join(title_words)
        posts = []
        for i in range(n):
            md, html = post_body(rng)
            posts.append((rng.randrange(N_USERS), dates[i], md, html))
        # the opening post's author is the topic author
        author = posts[0][0]
        yield {
            "index": t,
            "title": title[:200],
            "category_index": t % N_CATEGORIES,
            "user_index": author,
            "created": created,
            "last_active": dates[-1],
            "posts": posts,
        }
