"""Snapshots are data here: the dashboard's tests write KpiSnapshot rows as the nightly job
would, and register throw-away KPIs next to the real ones."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from metrics.catalogue import CATALOGUE, Area, Direction, Measure, Timing, Unit, kpi
from metrics.models import WINDOWS, KpiSnapshot
from metrics.snapshots import measure, snapshot_day

DAY = date(2026, 3, 31)


def snap(key: str, day: date, value: float | None, window: int = 30, **extra) -> KpiSnapshot:
    return KpiSnapshot.objects.create(key=key, day=day, window=window, value=value, **extra)


def stored_and_alone(day: date, keys: tuple[str, ...]) -> tuple[dict, dict]:
    """What a night's snapshot stores for `keys` (computed together, sharing the day's rows)
    and what each KPI and window computes on its own: (value, numerator, denominator,
    detail) per (key, window). A test asserts the two are equal."""
    snapshot_day(day, keys=keys)
    stored = {
        (row.key, row.window): (row.value, row.numerator, row.denominator, row.detail)
        for row in KpiSnapshot.objects.filter(day=day, key__in=keys)
    }
    alone = {}
    for key in keys:
        for window in WINDOWS:
            found = measure(CATALOGUE[key], day, window)
            alone[key, window] = (found.value, found.numerator, found.denominator, found.detail)
    return stored, alone


@contextmanager
def registered(key: str, **options):
    """A KPI registered for the duration of the block."""
    fields = {
        "name": key.replace("_", " ").capitalize(),
        "definition": f"The {key} of the test.",
        "formula": f"{key} formula.",
        "unit": Unit.COUNT,
        "direction": Direction.HIGHER,
        "timing": Timing.LAGGING,
        "area": Area.COMMUNITY,
        **options,
    }
    kpi(key=key, **fields)(lambda period: Measure(None))
    try:
        yield CATALOGUE[key]
    finally:
        CATALOGUE.pop(key, None)


# --- A small DOM for assertions on pages (the project has no HTML parser library) ----------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "path", "circle", "rect"}  # fmt: skip


class Node:
    def __init__(self, tag: str, attrs: dict, parent=None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list = []  # Nodes and strings

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def text_content(self) -> str:
        return "".join(c if isinstance(c, str) else c.text_content() for c in self.children)

    @property
    def text(self) -> str:
        return self.text_content()

    def descendants(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.descendants()

    def cssselect(self, selector: str) -> list:
        """Descendant chains of simple selectors: tag, #id, .class, [attr] and [attr=value]."""
        parts = selector.split()
        found = [self]
        for part in parts:
            test = _simple(part)
            seen, found = (
                set(),
                [node for base in found for node in base.descendants() if test(node)],
            )
            found = [n for n in found if not (id(n) in seen or seen.add(id(n)))]
        return found


def _simple(part: str):
    import re

    tag = re.match(r"^[a-zA-Z][\w-]*", part)
    ids = re.findall(r"#([\w-]+)", part)
    classes = re.findall(r"\.([\w-]+)", part)
    attrs = re.findall(r"\[([\w-]+)(?:=([^\]]+))?\]", part)

    def test(node: Node) -> bool:
        if tag and node.tag != tag.group(0).lower():
            return False
        if any(node.get("id") != i for i in ids):
            return False
        names = node.get("class", "").split()
        if any(c not in names for c in classes):
            return False
        return all(
            name in node.attrs and (value == "" or node.attrs[name] == value.strip("\"'"))
            for name, value in attrs
        )

    return test


def parse(content: bytes | str) -> Node:
    from html.parser import HTMLParser

    root = Node("#root", {})

    class Builder(HTMLParser):
        current = root

        def handle_starttag(self, tag, attrs):
            node = Node(tag, {k: v or "" for k, v in attrs}, self.current)
            self.current.children.append(node)
            if tag not in VOID:
                self.current = node

        def handle_startendtag(self, tag, attrs):
            self.current.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.current))

        def handle_endtag(self, tag):
            node = self.current
            while node is not root and node.tag != tag:
                node = node.parent
            if node is not root:
                self.current = node.parent

        def handle_data(self, data):
            self.current.children.append(data)

    builder = Builder(convert_charrefs=True)
    builder.feed(content.decode() if isinstance(content, bytes) else content)
    return root
