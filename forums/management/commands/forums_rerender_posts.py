"""Render every stored post's HTML again from its Markdown, as posting would now: after a
change to the renderer (linked @mentions, for one), so old posts read like new ones.

Dry run unless --for-real: it then only counts the posts whose HTML would change. Posts are
read in primary-key batches (constant memory, resumable with --after); each changed post is
written only if its body is still the one rendered, so an edit made meanwhile is never
overwritten, and the topics of changed posts are touched so cached topic pages refresh."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from forums.models import Post, Topic
from forums.services.mentions import mention_links_memo, post_html_render


class Command(BaseCommand):
    help = "Re-render stored posts' HTML from their Markdown (dry run unless --for-real)."

    def add_arguments(self, parser):
        parser.add_argument("--for-real", action="store_true", help="Write the new HTML.")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--after", type=int, default=0, help="Start after this post id (to resume)."
        )

    def handle(self, *, for_real: bool, batch_size: int, after: int, **options):
        posts = Post.objects.filter(pk__gt=after).order_by("pk")
        total = posts.count()
        done = changed = 0
        last = after
        self.stdout.write(f"{total:,} posts to render{'' if for_real else ' (dry run)'}.")
        while True:
            batch = list(
                posts.filter(pk__gt=last).values_list("pk", "topic_id", "body", "html")[:batch_size]
            )
            if not batch:
                break
            resolve = mention_links_memo()  # one look-up per handle per batch
            touched: set[int] = set()
            with transaction.atomic():
                for pk, topic_id, body, html in batch:
                    new = post_html_render(body, mentions=resolve)
                    if new == html:
                        continue
                    if for_real:
                        if not Post.objects.filter(pk=pk, body=body).update(html=new):
                            continue  # edited since it was read: the edit rendered it
                        touched.add(topic_id)
                    changed += 1
                if touched:
                    Topic.objects.filter(pk__in=touched).update(updated_at=timezone.now())
            done += len(batch)
            last = batch[-1][0]
            self.stdout.write(
                f"{done:,}/{total:,} posts read, {changed:,} changed (last id {last})"
            )
        verb = "changed" if for_real else "would change"
        self.stdout.write(self.style.SUCCESS(f"Done: {changed:,} of {done:,} posts {verb}."))
