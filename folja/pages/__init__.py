"""Pages that read more than one domain, on the floor above them and the access layer.

`start` (the start pages, URL namespace `core`), `learninglog` (feed, timeline, group log, post
and compose pages: posts with their media and goals), `curriculum` (coverage pages over the
posts), `transitions` (consent, terms and the transition preview, with their actions), and
`listing` (a page of posts as a list shows it). Each keeps the URL namespace of its domain
(`learninglog:post`, `curriculum:…`, `transitions:terms`) and its templates' paths.
"""
