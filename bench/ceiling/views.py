"""The ceiling: what the server, the workers and Django's middleware deliver with no database.

The template is the rendered event detail page of the bench run, written by bench/run.py before
the server starts: a response of the same size, through the same middleware, without a query.
"""

from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def ceiling(request):
    return render(request, "bench/ceiling.html", {"title": "Ceiling"})
