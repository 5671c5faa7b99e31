from django.urls import path

from jahrestreffen.urls import urlpatterns as project_urlpatterns

from .ceiling.views import ceiling

urlpatterns = [path("bench/ceiling/", ceiling, name="bench_ceiling"), *project_urlpatterns]
