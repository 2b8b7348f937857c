"""Redress's benchmark (issue 2): API registration throughput against django-helpdesk, register pages at
10,000 vs 1,000,000 cases, and a web worker's memory. Never part of `make test`.

Run with `.venv/bin/python -m bench.run registration|register-pages|all`; see docs/performance.md.
"""
