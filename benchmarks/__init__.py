"""Speed at municipality scale, measured: ``python -m benchmarks --db URL [--db URL ...]``.

Each figure is a median over repeated runs, on a database filled with
``relaytui demo --size large``. Query-backed figures are also timed as hand-written SQL on the
same engine; the ratio (ours / raw SQL) is the overhead the services own.
"""
