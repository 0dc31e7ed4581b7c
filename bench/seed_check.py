"""Check a seeded bench database (bench/run_forums.sh runs it after the seed; inside
`manage.py shell`): count the rows, and compare every denormalised counter the app keeps
with the rows it stands for, as the services would have left it, printing each mismatch
(up to five per counter). Exits non-zero when any counter or support-act ledger entry is off.

    python manage.py shell -c "exec(open('bench/seed_check.py').read())"

Counters checked, on every row (each is one grouped query, seconds on the large data set):
Post.reaction_count; Topic.reply_count, last_post_at, last_poster and (for topics a seed or
a service touched since) updated_at; Category.topic_count, post_count, last_activity_at;
Poll.ballot_count; Resource.view_count, download_count, share_count;
FileVersion.download_count; GroupProfile.member_count; User.helpful_score. And the ledger:
one REACTION support act per member and post they reacted to (someone else's), one REPLY act
per visible reply to someone else's topic, no anonymous choice tied to a ballot.

BENCH_CHECK_OUT=<file>: the counts and results as JSON too."""

import json
import os
import time

from django.db import connection

started = time.perf_counter()

COUNTS = {
    "members": "SELECT count(*) FROM members_user WHERE username <> 'AnonymousUser'",
    "categories": "SELECT count(*) FROM forums_category",
    "topics": "SELECT count(*) FROM forums_topic",
    "posts": "SELECT count(*) FROM forums_post",
    "reactions": "SELECT count(*) FROM forums_reaction",
    "support acts": "SELECT count(*) FROM members_supportact",
    "bookmarks": "SELECT count(*) FROM forums_bookmark",
    "polls": "SELECT count(*) FROM polls_poll",
    "anonymous polls": "SELECT count(*) FROM polls_poll WHERE is_anonymous",
    "options": "SELECT count(*) FROM polls_option",
    "ballots": "SELECT count(*) FROM polls_ballot",
    "choices": "SELECT count(*) FROM polls_choice",
    "library collections": "SELECT count(*) FROM library_collection",
    "library resources": "SELECT count(*) FROM library_resource",
    "file versions": "SELECT count(*) FROM library_fileversion",
    "resource view-days": "SELECT count(*) FROM library_resourceviewday",
    "downloads": "SELECT count(*) FROM library_download",
    "resource reactions": "SELECT count(*) FROM library_resourcereaction",
    "shares": "SELECT count(*) FROM library_share",
    "credits": "SELECT count(*) FROM library_credit",
}
BREAKDOWNS = {
    "reactions by kind": "SELECT kind, count(*) FROM forums_reaction GROUP BY 1 ORDER BY 2 DESC",
    "support acts by kind": (
        "SELECT kind, count(*) FROM members_supportact GROUP BY 1 ORDER BY 2 DESC"
    ),
    "polls by kind": "SELECT kind, count(*) FROM polls_poll GROUP BY 1 ORDER BY 2 DESC",
    "resources by kind": "SELECT kind, count(*) FROM library_resource GROUP BY 1 ORDER BY 2 DESC",
}

# name: (rows checked, mismatching rows as (key, stored, truth)). Each query returns the
# mismatches; the first SELECT in each pair counts the rows compared.
CHECKS = {
    "Post.reaction_count": (
        "SELECT count(*) FROM forums_post",
        """SELECT p.id, p.reaction_count, coalesce(r.n, 0) FROM forums_post p
           LEFT JOIN (SELECT post_id, count(*) AS n FROM forums_reaction GROUP BY post_id) r
             ON r.post_id = p.id
           WHERE p.reaction_count <> coalesce(r.n, 0)""",
    ),
    "Topic.reply_count": (
        "SELECT count(*) FROM forums_topic",
        """SELECT t.id, t.reply_count, coalesce(p.n, 0) FROM forums_topic t
           LEFT JOIN (SELECT topic_id, count(*) AS n FROM forums_post
                      WHERE NOT is_opening AND NOT is_hidden GROUP BY topic_id) p
             ON p.topic_id = t.id
           WHERE t.reply_count <> coalesce(p.n, 0)""",
    ),
    "Topic.last_post_at, last_poster": (
        "SELECT count(*) FROM forums_topic",
        """SELECT t.id, (t.last_post_at, t.last_poster_id)::text,
                  (p.created_at, p.author_id)::text
           FROM forums_topic t
           JOIN (SELECT DISTINCT ON (topic_id) topic_id, created_at, author_id
                 FROM forums_post WHERE NOT is_hidden
                 ORDER BY topic_id, created_at DESC, id DESC) p ON p.topic_id = t.id
           WHERE t.last_post_at <> p.created_at
              OR t.last_poster_id IS DISTINCT FROM p.author_id""",
    ),
    # A reaction or a new poll touches its topic (topic_touch): updated_at is never before
    # the newest of those, nor before the last post.
    "Topic.updated_at": (
        "SELECT count(*) FROM forums_topic",
        """SELECT t.id, t.updated_at::text, greatest(t.last_post_at, r.at, p.created_at)::text
           FROM forums_topic t
           LEFT JOIN (SELECT po.topic_id, max(re.created_at) AS at FROM forums_reaction re
                      JOIN forums_post po ON po.id = re.post_id GROUP BY po.topic_id) r
             ON r.topic_id = t.id
           LEFT JOIN polls_poll p ON p.topic_id = t.id
           WHERE t.updated_at < greatest(t.last_post_at, r.at, p.created_at)""",
    ),
    "Category.topic_count, post_count, last_activity_at": (
        "SELECT count(*) FROM forums_category",
        """SELECT c.id, (c.topic_count, c.post_count, c.last_activity_at)::text,
                  (coalesce(s.topics, 0), coalesce(s.posts, 0), s.last_at)::text
           FROM forums_category c
           LEFT JOIN (SELECT t.category_id, count(*) AS topics, sum(p.n) AS posts,
                             max(t.last_post_at) AS last_at
                      FROM forums_topic t
                      JOIN (SELECT topic_id, count(*) AS n FROM forums_post
                            WHERE NOT is_hidden OR is_opening GROUP BY topic_id) p
                        ON p.topic_id = t.id
                      GROUP BY t.category_id) s ON s.category_id = c.id
           WHERE c.topic_count <> coalesce(s.topics, 0) OR c.post_count <> coalesce(s.posts, 0)
              OR c.last_activity_at IS DISTINCT FROM s.last_at""",
    ),
    "Poll.ballot_count": (
        "SELECT count(*) FROM polls_poll",
        """SELECT p.id, p.ballot_count, coalesce(b.n, 0) FROM polls_poll p
           LEFT JOIN (SELECT poll_id, count(*) AS n FROM polls_ballot GROUP BY poll_id) b
             ON b.poll_id = p.id
           WHERE p.ballot_count <> coalesce(b.n, 0)""",
    ),
    "Choice.ballot (none in anonymous polls, always in public ones)": (
        "SELECT count(*) FROM polls_choice",
        """SELECT c.id, c.ballot_id, p.is_anonymous FROM polls_choice c
           JOIN polls_poll p ON p.id = c.poll_id
           WHERE (c.ballot_id IS NULL) <> p.is_anonymous""",
    ),
    "Resource.view_count": (
        "SELECT count(*) FROM library_resource",
        """SELECT r.id, r.view_count, coalesce(v.n, 0) FROM library_resource r
           LEFT JOIN (SELECT resource_id, sum(views) AS n FROM library_resourceviewday
                      GROUP BY resource_id) v ON v.resource_id = r.id
           WHERE r.view_count <> coalesce(v.n, 0)""",
    ),
    "Resource.download_count": (
        "SELECT count(*) FROM library_resource",
        """SELECT r.id, r.download_count, coalesce(d.n, 0) FROM library_resource r
           LEFT JOIN (SELECT resource_id, count(*) AS n FROM library_download
                      GROUP BY resource_id) d ON d.resource_id = r.id
           WHERE r.download_count <> coalesce(d.n, 0)""",
    ),
    "Resource.share_count": (
        "SELECT count(*) FROM library_resource",
        """SELECT r.id, r.share_count, coalesce(s.n, 0) FROM library_resource r
           LEFT JOIN (SELECT resource_id, count(*) AS n FROM library_share
                      GROUP BY resource_id) s ON s.resource_id = r.id
           WHERE r.share_count <> coalesce(s.n, 0)""",
    ),
    "FileVersion.download_count": (
        "SELECT count(*) FROM library_fileversion",
        """SELECT f.id, f.download_count, coalesce(d.n, 0) FROM library_fileversion f
           LEFT JOIN (SELECT version_id, count(*) AS n FROM library_download
                      GROUP BY version_id) d ON d.version_id = f.id
           WHERE f.download_count <> coalesce(d.n, 0)""",
    ),
    "GroupProfile.member_count": (
        "SELECT count(*) FROM members_groupprofile",
        """SELECT g.group_id, g.member_count, coalesce(m.n, 0) FROM members_groupprofile g
           LEFT JOIN (SELECT group_id, count(*) AS n FROM members_user_groups
                      GROUP BY group_id) m ON m.group_id = g.group_id
           WHERE g.member_count <> coalesce(m.n, 0)""",
    ),
    # Refreshed at some moment of the last day (the nightly job, or the seed): the stored
    # score lies between the acts of the 90 days before now and those of the 91 days.
    "User.helpful_score": (
        "SELECT count(*) FROM members_user",
        """SELECT u.id, u.helpful_score, (coalesce(a.recent, 0), coalesce(a.day_more, 0))::text
           FROM members_user u
           LEFT JOIN (SELECT receiver_id,
                             count(*) FILTER (WHERE occurred_at >= now() - interval '90 days')
                               AS recent,
                             count(*) AS day_more
                      FROM members_supportact
                      WHERE kind IN ('reaction', 'accepted_answer')
                        AND occurred_at >= now() - interval '91 days'
                      GROUP BY receiver_id) a ON a.receiver_id = u.id
           WHERE u.helpful_score NOT BETWEEN coalesce(a.recent, 0) AND coalesce(a.day_more, 0)""",
    ),
    "REACTION support acts (one per member and post of someone else's)": (
        "SELECT count(*) FROM members_supportact WHERE kind = 'reaction'",
        """SELECT coalesce(r.post_id, a.target_id), r.n::text, a.n::text
           FROM (SELECT re.post_id, re.user_id, p.author_id, count(*) AS n
                 FROM forums_reaction re JOIN forums_post p ON p.id = re.post_id
                 WHERE p.author_id IS NOT NULL AND p.author_id <> re.user_id
                 GROUP BY 1, 2, 3) r
           FULL JOIN (SELECT target_id, giver_id, receiver_id, count(*) AS n
                      FROM members_supportact
                      WHERE kind = 'reaction' AND target_type_id = (
                        SELECT id FROM django_content_type
                        WHERE app_label = 'forums' AND model = 'post')
                      GROUP BY 1, 2, 3) a
             ON a.target_id = r.post_id AND a.giver_id = r.user_id
                AND a.receiver_id = r.author_id
           WHERE r.post_id IS NULL OR a.target_id IS NULL OR a.n <> 1""",
    ),
    "REPLY support acts (one per visible reply to someone else's topic)": (
        "SELECT count(*) FROM members_supportact WHERE kind = 'reply'",
        """SELECT coalesce(r.id, a.target_id), r.id::text, a.n::text
           FROM (SELECT p.id, p.author_id, t.author_id AS asker
                 FROM forums_post p JOIN forums_topic t ON t.id = p.topic_id
                 WHERE NOT p.is_opening AND NOT p.is_hidden AND p.author_id <> t.author_id) r
           FULL JOIN (SELECT target_id, giver_id, receiver_id, count(*) AS n
                      FROM members_supportact WHERE kind = 'reply'
                      GROUP BY 1, 2, 3) a
             ON a.target_id = r.id AND a.giver_id = r.author_id AND a.receiver_id = r.asker
           WHERE r.id IS NULL OR a.target_id IS NULL OR a.n <> 1""",
    ),
}

report = {"counts": {}, "breakdowns": {}, "checks": {}}
mismatches = 0
with connection.cursor() as cursor:
    print("rows:")
    for name, sql in COUNTS.items():
        cursor.execute(sql)
        (count,) = cursor.fetchone()
        report["counts"][name] = count
        print(f"  {name}: {count:,}")
    for name, sql in BREAKDOWNS.items():
        cursor.execute(sql)
        rows = cursor.fetchall()
        report["breakdowns"][name] = dict(rows)
        print(f"  {name}: " + ", ".join(f"{kind} {count:,}" for kind, count in rows))
    print("counters and ledger against the rows (mismatching rows, 0 expected):")
    for name, (count_sql, mismatch_sql) in CHECKS.items():
        check_started = time.perf_counter()
        cursor.execute(count_sql)
        (checked,) = cursor.fetchone()
        cursor.execute(mismatch_sql)
        wrong = cursor.fetchall()
        mismatches += len(wrong)
        report["checks"][name] = {"checked": checked, "mismatches": len(wrong)}
        print(
            f"  {name}: {checked:,} rows, {len(wrong)} mismatches "
            f"({time.perf_counter() - check_started:.1f}s)"
        )
        for key, stored, truth in wrong[:5]:
            print(f"    {key}: stored {stored}, rows say {truth}")

report["mismatches"] = mismatches
report["seconds"] = round(time.perf_counter() - started, 1)
print(f"seed check: {mismatches} mismatches ({report['seconds']}s)")
if os.environ.get("BENCH_CHECK_OUT"):
    with open(os.environ["BENCH_CHECK_OUT"], "w") as f:
        json.dump(report, f, indent=1)
if mismatches:
    raise SystemExit(1)
