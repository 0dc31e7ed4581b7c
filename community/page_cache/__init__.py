"""Pages rendered once and shared between viewers, with each viewer's own parts filled in.

- `splice`: the one way shared HTML is cut at its holes and filled in again;
- `holes`: the {% hole %} template tag that leaves those holes;
- `shared`: a shared page looked up, rendered on a miss and filled in for one request, and
  the header's account corner every such page fills in.

The base layer, so that every app's pages share the same way: the forums' topic pages and
lists (forums.page_cache) and the member directory and profiles (members.page_cache).
"""
