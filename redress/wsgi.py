import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "redress.settings")
application = get_wsgi_application()

# Each web worker builds the Chinese word segmenter and the matters' lexicon as it starts, before it takes a
# request: built on a worker's first registration instead, they cost that registration seconds on a busy
# machine (the surge benchmark's first minute, docs/performance.md §10).
from redress.matching import similarity  # noqa: E402
from redress.text import segment  # noqa: E402

segment.tokenizer()
similarity.lexicon()
