"""Stage 4, ``publish``: a round's CSVs as a static web report (Jinja2 templates under
``templates/``, charts as SVG)."""
