"""The demo's polls and content library: a poll of every kind with believable votes, the
Beta Program's poll and documents only for its members, generated files that the library's
own upload checks accept and that download with their type, and the same demo for the same
seed."""

import hashlib
import io
import random
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from PIL import Image, PdfParser

from demo.library import demo_library_create
from demo.polls import demo_polls_create
from forums.models import Topic
from library.models import (
    Collection,
    Credit,
    CreditRole,
    FileVersion,
    LibraryAccess,
    Resource,
    ResourceKind,
)
from library.selectors import collection_list, collection_resources, library_home, resource_list
from library.uploads import file_sniff
from members import roles
from members.models import SupportAct, SupportKind, User
from polls.models import Ballot, Choice, Poll, PollKind, ResultsVisibility
from polls.selectors import poll_list_for, poll_page, poll_results

pytestmark = pytest.mark.django_db

BETA = "Beta Program"


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_demo", "--no-progress", "--history", "none", "--members", "30", stdout=out)
    return out.getvalue()


def _read(version: FileVersion) -> bytes:
    with version.file.open("rb") as handle:
        return handle.read()


def _outsider() -> User:
    """A generated demo member in no role beyond Members and outside the Beta Program."""
    return (
        User.objects.filter(groups__name=roles.MEMBERS)
        .exclude(groups__name__in=[BETA, *(set(roles.ALL_ROLES) - {roles.MEMBERS})])
        .exclude(username__in=["maya", "omar", "carmen", "evan"])
        .order_by("pk")
        .first()
    )


def _client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_demo_has_a_poll_of_every_kind_with_votes(seeded):
    polls = {poll.question: poll for poll in Poll.objects.select_related("topic")}
    assert {poll.kind for poll in polls.values()} == set(PollKind.values)
    assert {poll.results_visibility for poll in polls.values()} == set(ResultsVisibility.values)
    assert all(poll.ballot_count >= 5 for poll in polls.values())
    assert all(poll.ballot_count == poll.ballots.count() for poll in polls.values())
    assert "polls with" in seeded and "votes" in seeded

    multiple = next(poll for poll in polls.values() if poll.kind == PollKind.MULTIPLE)
    assert (multiple.min_choices, multiple.max_choices) == (1, 3)
    per_sheet = Choice.objects.filter(poll=multiple).values_list("sheet", flat=True)
    assert max(list(per_sheet).count(sheet) for sheet in set(per_sheet)) > 1

    now = timezone.now()
    closed = [poll for poll in polls.values() if poll.has_ended]
    still_open = [poll for poll in polls.values() if not poll.has_ended]
    assert closed and still_open
    assert all(now < poll.closes_at < now + timedelta(weeks=4) for poll in still_open)

    maya = User.objects.get(username="maya")
    for poll in closed:
        page = poll_page(poll=poll, viewer=maya)
        assert page.show_results and page.results.ballots == poll.ballot_count
        assert page.has_voted  # her choice is marked in the closed polls' results
    for poll in still_open:
        assert not Ballot.objects.filter(poll=poll, voter=maya).exists()  # hers to try

    ranked = next(poll for poll in polls.values() if poll.kind == PollKind.RANKED)
    assert ranked in closed
    assert len(poll_results(poll=ranked).rounds) > 1  # the instant runoff takes rounds

    rating = next(poll for poll in polls.values() if poll.kind == PollKind.RATING)
    averages = [row.average for row in poll_results(poll=rating).options]
    assert all(1 <= average <= 5 for average in averages)


def test_the_anonymous_poll_keeps_no_link_from_a_choice_to_its_voter(seeded):
    anonymous = Poll.objects.get(is_anonymous=True)
    assert anonymous.ballot_count > 0
    assert not Choice.objects.filter(poll=anonymous, ballot__isnull=False).exists()
    assert Choice.objects.filter(poll=anonymous).count() == anonymous.ballot_count
    assert Choice.objects.filter(poll__is_anonymous=False, ballot__isnull=True).count() == 0


def test_the_beta_poll_is_seen_and_voted_in_only_by_the_beta_program(seeded):
    beta_group = Group.objects.get(name=BETA)
    beta_poll = Poll.objects.get(topic__category__slug="beta-program")
    assert list(beta_poll.voter_groups.all()) == [beta_group]
    voters = User.objects.filter(poll_ballots__poll=beta_poll)
    assert voters.exists()
    assert not voters.exclude(groups=beta_group).exists()

    outsider = _outsider()
    assert outsider is not None
    assert beta_poll not in poll_list_for(viewer=outsider)
    assert Poll.objects.exclude(pk=beta_poll.pk).count() == poll_list_for(viewer=outsider).count()
    assert _client_for(outsider).get(beta_poll.get_absolute_url()).status_code == 404

    maya = User.objects.get(username="maya")
    assert beta_poll in poll_list_for(viewer=maya)
    response = _client_for(maya).get(beta_poll.get_absolute_url())
    assert response.status_code == 200
    assert "Results are shown to moderators only." in response.content.decode()


def test_the_library_has_three_ordered_collections_and_the_private_one_stays_private(seeded):
    collections = {collection.slug: collection for collection in Collection.objects.all()}
    assert {c.title for c in collections.values()} == {
        "Getting started",
        "Release notes",
        "Beta program documents",
    }
    assert collections["getting-started"].is_featured
    assert collections["beta-program-documents"].access == LibraryAccess.PRIVATE
    for collection in collections.values():
        positions = list(collection.items.values_list("position", flat=True))
        assert positions == list(range(len(positions))) and len(positions) >= 3

    resources = Resource.objects.all()
    assert set(resources.values_list("kind", flat=True)) == set(ResourceKind.values)
    assert resources.filter(tags__isnull=False).distinct().count() >= 5
    assert resources.filter(source_topics__isnull=False).distinct().count() >= 3
    assert resources.exclude(cover="").count() >= 3
    assert resources.filter(view_count__gt=0).count() == resources.count()
    assert resources.filter(kind=ResourceKind.FILE, download_count=0).count() == 0
    assert FileVersion.objects.filter(number=2).count() == 1
    types = set(FileVersion.objects.values_list("content_type", flat=True))
    assert {"application/pdf", "text/csv", "image/png"} <= types

    private = set(resources.filter(access=LibraryAccess.PRIVATE))
    assert private
    outsider = _outsider()
    home = library_home(viewer=outsider)
    assert home.collections[0].slug == "getting-started"  # featured first
    assert collections["beta-program-documents"] not in home.collections
    assert collections["beta-program-documents"] not in collection_list(viewer=outsider)
    assert not private & set(resource_list(viewer=outsider))
    assert not private & set(home.resources)
    client = _client_for(outsider)
    assert client.get("/library/c/beta-program-documents/").status_code == 404
    for resource in private:
        assert client.get(resource.get_absolute_url()).status_code == 404
    assert "Beta 6 test plan" not in client.get("/library/").content.decode()

    maya = User.objects.get(username="maya")
    beta_documents = collection_resources(
        collection=collections["beta-program-documents"], viewer=maya
    )
    assert set(beta_documents) == private
    assert collections["beta-program-documents"] in collection_list(viewer=maya)


def test_the_generated_files_pass_the_upload_checks_and_download_with_their_type(seeded):
    maya = _client_for(User.objects.get(username="maya"))
    outsider = _client_for(_outsider())
    versions = FileVersion.objects.select_related("resource").order_by("resource__slug", "number")
    assert versions.count() >= 4
    for version in versions:
        content = _read(version)
        upload = SimpleUploadedFile(version.original_name, content)
        assert file_sniff(upload).content_type == version.content_type
        assert version.size == len(content)

        url = f"{version.resource.get_absolute_url()}download/{version.number}/"
        response = maya.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == version.content_type
        # Read to the end: the test client then closes the file (response.close() would
        # close the test's database connection too).
        assert b"".join(response.streaming_content) == content
        if version.resource.access == LibraryAccess.PRIVATE:
            assert outsider.get(url).status_code == 404

        if version.content_type == "application/pdf":
            document = PdfParser.PdfParser(buf=content)
            assert len(document.pages) == 1
            assert b"quick-start guide" in document.info[b"Title"]
        elif version.content_type == "image/png":
            with Image.open(io.BytesIO(content)) as image:
                assert image.size[0] >= 400
        else:
            header = content.decode("utf-8").splitlines()[0]
            assert "," in header

    guide = Resource.objects.get(slug="acme-quick-start-guide")
    first, second = guide.versions.order_by("number")
    assert _read(first) != _read(second)  # 5.1 added a section
    assert guide.is_featured and guide.access == LibraryAccess.PUBLIC


def _in_the_library(html: str) -> str:
    """The "In the library" list of a profile page: up to the next section heading."""
    assert '<h3 class="profile__subheading">In the library</h3>' in html
    return html.split('<h3 class="profile__subheading">In the library</h3>')[1].split("<h3")[0]


def test_answered_questions_are_promoted_crediting_who_asked_and_who_answered(seeded):
    omar = User.objects.get(username="omar")
    maya = User.objects.get(username="maya")
    placed = {
        "How do I schedule a weekly CSV export for managers without a seat?": (
            "getting-started",
            LibraryAccess.MEMBERS,
        ),
        "Webhook retries: how many times does Acme try?": ("release-notes", LibraryAccess.PUBLIC),
    }
    promoted = Resource.objects.filter(credits__isnull=False).distinct()
    assert promoted.count() == len(placed)
    assert f"({len(placed)} promoted from answered questions)" in seeded
    for title, (collection_slug, access) in placed.items():
        topic = Topic.objects.select_related("accepted_answer").get(title=title)
        article = Resource.objects.get(source_topics=topic, kind=ResourceKind.ARTICLE)
        assert list(article.source_topics.all()) == [topic]
        assert article.owner == omar  # the moderator promoted it from the topic
        assert article.access == access
        assert list(article.collections.values_list("slug", flat=True)) == [collection_slug]
        credits = set(article.credits.values_list("member_id", "role"))
        assert credits == {
            (topic.author_id, CreditRole.TOPIC_AUTHOR),
            (topic.accepted_answer.author_id, CreditRole.ANSWER_AUTHOR),
        }
        assert set(
            SupportAct.objects.filter(
                kind=SupportKind.LIBRARY_CREDIT, target_id=article.pk, giver=omar
            ).values_list("receiver_id", flat=True)
        ) == {member for member, _role in credits}
        # The sense-making around the accepted answer, and the way back to the discussion.
        html = _client_for(maya).get(article.get_absolute_url()).content.decode()
        assert "What to watch out for" in html
        assert topic.accepted_answer.body in article.body
        assert f'href="{topic.get_absolute_url()}"' in html
        assert maya.pk in {member for member, _role in credits}

    # The recipe that began as Maya's question is that promotion, not a second article.
    assert Resource.objects.filter(title__startswith="Recipe: a weekly CSV export").count() == 1
    guide_first = Collection.objects.get(slug="getting-started").items.order_by("position")
    assert [item.resource.title for item in guide_first][2].startswith("Recipe: a weekly CSV")


def test_maya_finds_her_promoted_articles_on_her_profile(seeded):
    maya = User.objects.get(username="maya")
    articles = Resource.objects.filter(credits__member=maya).order_by("title")
    assert articles.count() == 2
    html = _client_for(_outsider()).get(reverse("members:profile", args=["maya"])).content.decode()
    listed = _in_the_library(html)
    for article in articles:
        assert f'href="{article.get_absolute_url()}"' in listed and article.title in listed


def _fingerprint() -> tuple:
    polls = [
        (
            poll.question,
            poll.kind,
            poll.topic.title,
            [(row.option.text, row.count, row.average) for row in poll_results(poll=poll).options],
            sorted(poll.ballots.values_list("voter__username", flat=True)),
        )
        for poll in Poll.objects.select_related("topic").order_by("question")
    ]
    versions = FileVersion.objects.select_related("resource").order_by("resource__slug", "number")
    files = [
        (version.resource.slug, hashlib.sha256(_read(version)).hexdigest()) for version in versions
    ]
    resources = list(
        Resource.objects.order_by("slug").values_list("slug", "view_count", "download_count")
    )
    credits = sorted(
        Credit.objects.values_list("resource__slug", "member__username", "role", "resource__body")
    )
    return polls, files, resources, credits


def test_the_same_seed_gives_the_same_polls_and_library(seeded):
    first = _fingerprint()
    Poll.objects.all().delete()
    Collection.objects.all().delete()
    Resource.objects.all().delete()

    demo_polls_create(rng=random.Random(2026 + 3))  # noqa: S311 - the command's seeds
    demo_library_create(rng=random.Random(2026 + 4))  # noqa: S311

    assert _fingerprint() == first


def test_library_resources_have_reactions_and_shares(seeded):
    guide = Resource.objects.get(title="Acme quick-start guide")
    assert guide.reactions.exists()
    assert not Resource.objects.filter(reactions__user=F("owner")).exists()
    shares = SupportAct.objects.filter(kind=SupportKind.SHARE)
    assert shares.exists() and not shares.exclude(receiver__in=_credited_or_owners()).exists()
    private = Resource.objects.filter(access=LibraryAccess.PRIVATE)
    assert not private.filter(reactions__user__in=_not_in_beta()).exists()


def _credited_or_owners():
    owners = Resource.objects.values_list("owner", flat=True)
    credited = Credit.objects.values_list("member", flat=True)
    return User.objects.filter(pk__in=[*owners, *credited])


def _not_in_beta():
    return User.objects.exclude(groups__name=BETA)
