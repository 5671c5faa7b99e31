"""The accessibility statement after the EU model statement (Durchführungsbeschluss (EU)
2018/1523, BITV 2.0 § 7): dated, "teilweise konform" with what is not yet accessible, how it was
checked, the feedback address (settings.ACCESSIBILITY_CONTACT_EMAIL) and the arbitration board
under § 16 BGG. Only pages staff have not edited since 0002 are replaced."""

from django.conf import settings
from django.db import migrations

OLD = {
    "/barrierefreiheit/": (
        "Erklärung zur Barrierefreiheit",
        "<p>Das Difu ist bemüht, diese Website im Einklang mit der Barrierefreie-"
        "Informationstechnik-Verordnung (BITV 2.0) barrierefrei zugänglich zu machen.</p>"
        "<h2>Stand der Vereinbarkeit</h2><p>Diese Website ist mit den Anforderungen der BITV 2.0 "
        "bzw. der WCAG 2.1, Stufe AA, vereinbar. Jede Seite wird automatisiert mit axe-core "
        "geprüft.</p><h2>Feedback und Kontakt</h2><p>Sind Ihnen Mängel beim barrierefreien "
        "Zugang aufgefallen? Schreiben Sie uns an barrierefreiheit@difu.de.</p>"
        "<h2>Schlichtungsverfahren</h2><p>Bleibt eine Antwort aus, können Sie die Schlichtungsstelle "
        "nach § 16 BGG beim Beauftragten der Bundesregierung für die Belange von Menschen mit "
        "Behinderungen anrufen.</p>",
    ),
    "/en/barrierefreiheit/": (
        "Accessibility statement",
        "<p>Difu strives to make this website accessible in accordance with the German "
        "accessibility regulation BITV 2.0.</p><h2>Compliance status</h2><p>This website "
        "complies with BITV 2.0 and WCAG 2.1 level AA. Every page is checked automatically with "
        "axe-core.</p><h2>Feedback and contact</h2><p>Have you noticed a barrier? Write to "
        "barrierefreiheit@difu.de.</p><h2>Enforcement procedure</h2><p>If you receive no "
        "satisfactory answer, you can turn to the arbitration board under § 16 BGG.</p>",
    ),
}

GERMAN = """<p>Das Deutsche Institut für Urbanistik gGmbH (Difu) ist bemüht, die Website zur Anmeldung zum Jahrestreffen der Difu-Zuwender im Einklang mit der Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) und der Europäischen Norm EN 301 549 (WCAG 2.1, Stufe AA) barrierefrei zugänglich zu machen.</p>
<p>Diese Erklärung zur Barrierefreiheit gilt für die öffentlichen Seiten und die Seiten für angemeldete Ansprechpartnerinnen und Ansprechpartner unter dieser Adresse, nicht für den Verwaltungsbereich des Difu-Teams.</p>
<h2>Stand der Vereinbarkeit mit den Anforderungen</h2>
<p>Diese Website ist wegen der unten aufgeführten Unvereinbarkeiten <strong>teilweise konform</strong> mit der BITV 2.0.</p>
<h2>Nicht barrierefreie Inhalte</h2>
<ul>
<li>Erläuterungen in Deutscher Gebärdensprache und in Leichter Sprache (BITV 2.0 § 4) fehlen noch.</li>
<li>Titel, Beschreibungen und Hinweise der Veranstaltungen gibt es nur auf Deutsch, auch auf den englischen Seiten; sie sind dort als deutschsprachig ausgezeichnet.</li>
<li>Die PDF-Dateien für Organisatorinnen und Organisatoren (Teilnehmendenliste, Anwesenheitslisten, Namensschilder) sind nicht als barrierefreie PDF (PDF/UA) ausgezeichnet. Die Teilnehmendenliste steht angemeldeten Teilnehmenden auch als Webseite zur Verfügung.</li>
<li>Ob Bilder von Veranstaltungen treffend beschrieben sind, hängt von der Redaktion ab: Eine Bildbeschreibung ist Pflicht, ihre Qualität wird nicht automatisch geprüft.</li>
</ul>
<h2>Erstellung dieser Erklärung</h2>
<p>Diese Erklärung wurde am <time datetime="2026-11-30">30. November 2026</time> erstellt und zuletzt am <time datetime="2026-11-30">30. November 2026</time> überprüft.</p>
<p>Die Bewertung beruht auf einer Selbstbewertung des Difu:</p>
<ul>
<li>automatisierte Prüfungen mit axe-core auf allen öffentlichen Seiten und den Seiten für Angemeldete, auf Deutsch und Englisch, in Desktop-Breite und in Smartphone-Breite (390 Pixel),</li>
<li>Prüfung des HTML-Codes aller dieser Seiten mit dem W3C Nu HTML Checker,</li>
<li>Bedienung allein mit der Tastatur: Sprunglink, Menüschaltfläche, sichtbarer Tastaturfokus an allen Links und Bedienelementen, Formulare,</li>
<li>Prüfungen mit Screenreadern (NVDA mit Firefox unter Windows, VoiceOver mit Safari unter iOS) für Anmeldung, Anmeldeformular und Verwaltung der eigenen Anmeldung.</li>
</ul>
<h2>Feedback und Kontaktangaben</h2>
<p>Sind Ihnen Mängel beim barrierefreien Zugang zu Inhalten dieser Website aufgefallen, oder benötigen Sie Informationen in barrierefreier Form? Schreiben Sie uns: <a href="mailto:{email}">{email}</a>. Wir antworten in der Regel innerhalb von zwei Wochen.</p>
<h2>Schlichtungsverfahren</h2>
<p>Beantworten wir Ihre Rückmeldung nicht oder nicht zufriedenstellend, können Sie einen Antrag auf Einleitung eines Schlichtungsverfahrens bei der Schlichtungsstelle nach § 16 Behindertengleichstellungsgesetz (BGG) stellen. Die Schlichtungsstelle beim Beauftragten der Bundesregierung für die Belange von Menschen mit Behinderungen hat die Aufgabe, Konflikte zwischen Menschen mit Behinderungen und öffentlichen Stellen des Bundes zum Thema Barrierefreiheit außergerichtlich zu lösen. Das Schlichtungsverfahren ist kostenlos; Sie brauchen keinen Rechtsbeistand.</p>
<p>Schlichtungsstelle nach dem Behindertengleichstellungsgesetz bei dem Beauftragten der Bundesregierung für die Belange von Menschen mit Behinderungen, Mauerstraße 53, 10117 Berlin<br>Telefon: +49 30 18 527-2805<br>E-Mail: <a href="mailto:info@schlichtungsstelle-bgg.de">info@schlichtungsstelle-bgg.de</a><br>Internet: <a href="https://www.schlichtungsstelle-bgg.de">www.schlichtungsstelle-bgg.de</a></p>
"""

ENGLISH = """<p>The German Institute of Urban Affairs (Deutsches Institut für Urbanistik gGmbH, Difu) strives to make the registration website for the annual meeting of Difu's funding members accessible in accordance with the German accessibility regulation BITV 2.0 and the European standard EN 301 549 (WCAG 2.1, level AA).</p>
<p>This accessibility statement applies to the public pages and the pages for signed-in contact persons at this address, not to the administration used by the Difu team.</p>
<h2>Compliance status</h2>
<p>This website is <strong>partially compliant</strong> with BITV 2.0 (“teilweise konform”) because of the non-compliances listed below.</p>
<h2>Non-accessible content</h2>
<ul>
<li>Explanations in German Sign Language and in Easy Read German (BITV 2.0 § 4) are not yet available.</li>
<li>Titles, descriptions and notices of events are available in German only, also on the English pages; there they are marked as German.</li>
<li>The PDF files for organisers (participant list, sign-in sheets, name badges) are not tagged as accessible PDF (PDF/UA). The participant list is also available to registered participants as a web page.</li>
<li>Whether event images are described well depends on the editors: a description is required, its quality is not checked automatically.</li>
</ul>
<h2>Preparation of this statement</h2>
<p>This statement was prepared on <time datetime="2026-11-30">30 November 2026</time> and last reviewed on <time datetime="2026-11-30">30 November 2026</time>.</p>
<p>The assessment is a self-assessment by Difu:</p>
<ul>
<li>automated checks with axe-core on all public pages and the pages for signed-in users, in German and English, at desktop width and at phone width (390 pixels),</li>
<li>validation of the HTML of all these pages with the W3C Nu HTML Checker,</li>
<li>operation by keyboard only: skip link, menu button, visible keyboard focus on every link and control, forms,</li>
<li>checks with screen readers (NVDA with Firefox on Windows, VoiceOver with Safari on iOS) of sign-in, the registration form and managing one's own registration.</li>
</ul>
<h2>Feedback and contact information</h2>
<p>Have you noticed a barrier on this website, or do you need information in an accessible format? Write to us: <a href="mailto:{email}">{email}</a>. We usually answer within two weeks.</p>
<h2>Enforcement procedure</h2>
<p>If we do not answer your feedback, or not satisfactorily, you can apply for arbitration to the arbitration board under § 16 of the German Disability Equality Act (Behindertengleichstellungsgesetz, BGG). The arbitration board at the Federal Government Commissioner for Matters relating to Persons with Disabilities resolves disputes about accessibility between people with disabilities and federal public bodies out of court. The procedure is free of charge; you do not need legal counsel.</p>
<p>Schlichtungsstelle nach dem Behindertengleichstellungsgesetz bei dem Beauftragten der Bundesregierung für die Belange von Menschen mit Behinderungen, Mauerstraße 53, 10117 Berlin, Germany<br>Phone: +49 30 18 527-2805<br>E-mail: <a href="mailto:info@schlichtungsstelle-bgg.de">info@schlichtungsstelle-bgg.de</a><br>Web: <a href="https://www.schlichtungsstelle-bgg.de" hreflang="de">www.schlichtungsstelle-bgg.de</a> (in German)</p>
"""


def new_pages() -> dict[str, tuple[str, str]]:
    email = settings.ACCESSIBILITY_CONTACT_EMAIL
    return {
        "/barrierefreiheit/": ("Erklärung zur Barrierefreiheit", GERMAN.replace("{email}", email)),
        "/en/barrierefreiheit/": ("Accessibility statement", ENGLISH.replace("{email}", email)),
    }


def _replace(apps, before: dict, after: dict) -> None:
    FlatPage = apps.get_model("flatpages", "FlatPage")
    for url, (title, content) in after.items():
        old_title, old_content = before[url]
        # A page staff have edited in the meantime stays as it is.
        FlatPage.objects.filter(url=url, title=old_title, content=old_content).update(
            title=title, content=content
        )


def forwards(apps, schema_editor):
    _replace(apps, OLD, new_pages())


def backwards(apps, schema_editor):
    _replace(apps, new_pages(), OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0005_event_image"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
