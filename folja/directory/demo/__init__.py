"""The demo municipality (Exempelby kommun): a reproducible, fictitious world for demos and benchmarks.

`builder.build_world` creates it, `personas.demo_personas` finds the people to try the product as,
and `manage.py demo_world` runs both. Every person, name, civic number and address is invented.
"""
