from django.db import migrations

PAGES = {
    "/impressum/": (
        "Impressum",
        "<p>Deutsches Institut für Urbanistik gGmbH (Difu)<br>Zimmerstraße 13–15<br>10969 Berlin</p>"
        "<p>Telefon: +49 30 39001-0<br>E-Mail: difu@difu.de</p>"
        "<p>Geschäftsführung: wird von der Redaktion im Verwaltungsbereich gepflegt.<br>"
        "Registergericht: Amtsgericht Charlottenburg</p>"
        "<p>Diese Seite kann im Verwaltungsbereich unter „Flache Seiten“ bearbeitet werden.</p>",
    ),
    "/en/impressum/": (
        "Imprint",
        "<p>Deutsches Institut für Urbanistik gGmbH (Difu)<br>Zimmerstraße 13–15<br>10969 Berlin, Germany</p>"
        "<p>Phone: +49 30 39001-0<br>E-mail: difu@difu.de</p>"
        "<p>Managing directors and register entry are maintained by the editors in the administration.</p>",
    ),
    "/datenschutz/": (
        "Datenschutzhinweise",
        "<h2>Verantwortliche Stelle</h2><p>Deutsches Institut für Urbanistik gGmbH (Difu), "
        "Zimmerstraße 13–15, 10969 Berlin, datenschutz@difu.de</p>"
        "<h2>Welche Daten wir speichern und warum</h2>"
        "<p>Für die Anmeldung zum Jahrestreffen speichern wir Name, Anrede, Titel, Funktion, "
        "E-Mail-Adresse und Organisation der Ansprechpartnerinnen und Ansprechpartner unserer "
        "Zuwender sowie Ihre Angaben zur Anmeldung (Rahmenprogramm, Ernährungs- und "
        "Barrierefreiheitsbedarfe, Nachricht an uns). Rechtsgrundlage ist Art. 6 Abs. 1 lit. b "
        "DSGVO (Durchführung der Veranstaltung); Angaben zu Bedarfen geben Sie freiwillig "
        "(Art. 9 Abs. 2 lit. a DSGVO). Ob Sie auf der Teilnehmendenliste erscheinen, entscheiden Sie selbst.</p>"
        "<h2>Wie lange</h2><p>Anmeldedaten werden zwölf Monate nach dem letzten Veranstaltungstag "
        "anonymisiert; es bleiben nur Zahlen für die Statistik.</p>"
        "<h2>Ihre Rechte</h2><p>Sie haben das Recht auf Auskunft, Berichtigung, Löschung, "
        "Einschränkung der Verarbeitung, Datenübertragbarkeit und Widerspruch sowie auf Beschwerde "
        "bei einer Aufsichtsbehörde. Es werden keine Inhalte von Dritten geladen und keine "
        "Analyse-Cookies gesetzt; ein Sitzungs-Cookie dient allein der Anmeldung.</p>",
    ),
    "/en/datenschutz/": (
        "Privacy notice",
        "<h2>Controller</h2><p>Deutsches Institut für Urbanistik gGmbH (Difu), "
        "Zimmerstraße 13–15, 10969 Berlin, Germany, datenschutz@difu.de</p>"
        "<h2>What we store and why</h2><p>To register you for the annual meeting we store name, "
        "salutation, title, function, e-mail address and organisation of our funding members' "
        "contact persons, and what you tell us when you register (side programme, dietary and "
        "accessibility needs, your message). The legal basis is Art. 6(1)(b) GDPR (running the "
        "event); information on needs is voluntary (Art. 9(2)(a) GDPR). You decide whether you "
        "appear on the participant list.</p>"
        "<h2>How long</h2><p>Registration data is anonymised twelve months after the event's last "
        "day; only counts for statistics remain.</p>"
        "<h2>Your rights</h2><p>You have the right of access, rectification, erasure, restriction, "
        "data portability and objection, and may complain to a supervisory authority. No content "
        "is loaded from third parties and no analytics cookies are set; a session cookie serves "
        "sign-in only.</p>",
    ),
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


def create_pages(apps, schema_editor):
    Site = apps.get_model("sites", "Site")
    FlatPage = apps.get_model("flatpages", "FlatPage")
    site, _ = Site.objects.update_or_create(
        pk=1, defaults={"domain": "jahrestreffen.difu.de", "name": "Jahrestreffen"}
    )
    for url, (title, content) in PAGES.items():
        page, created = FlatPage.objects.get_or_create(
            url=url, defaults={"title": title, "content": content}
        )
        page.sites.add(site)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("sites", "0002_alter_domain_unique"),
        ("flatpages", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_pages, migrations.RunPython.noop)]
