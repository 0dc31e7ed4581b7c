"""Pages rendered once and shared between viewers, with each viewer's own parts filled in.

- `splice`: the one way shared HTML is cut at its holes and filled in again;
- `holes`: the {% hole %} template tag that leaves those holes;
- `keys`: cache keys, each carrying the release that rendered the entry;
- `posts`: a topic page's posts, per topic version and viewer shape;
- `frame`: the topic page around its posts, and a visitor's whole topic page;
- `rows`: topic list rows.

What is shared is rendered without a request, for a neutral viewer of the shape: nothing of
one viewer can get into what another is served. Views call `frame` and `rows`.
"""
