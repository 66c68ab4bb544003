"""The demo municipality (Exempelby kommun): a reproducible, fictitious world for demos and benchmarks.

`builder.build_world` creates the directory; `learninglog`, `talks` and `transitions` fill the
domains with posts, talks, consents and terms; `personas.demo_personas` finds the people to try
the product as (`views.demo_login`, /dev/personas/); `manage.py demo_world` runs them all. Every
person, name, civic number and address is invented. The app stands above every domain app: it
imports them all and none imports it.
"""
