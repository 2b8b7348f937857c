"""Named constants of the daily checks and media monitoring (P3 第八条(四), 第九条(二)(三))."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckDuty(models.TextChoices):
    """What must be looked at every day, and where: the comment book at each outlet (its head, P3 第九条(二)),
    the online complaint channels and the government and news websites at the supervision office (the
    person it names, P3 第九条(三), 第八条(四))."""

    COMMENT_BOOK = "comment_book", _("comment book or box")
    ONLINE = "online", _("online complaint channels")
    NEWS_SITES = "news_sites", _("government and news websites")
